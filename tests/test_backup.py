"""Backups (django-dbbackup): what `make backup` writes, `make restore` gives
back whole, into an empty database, on SQLite and on PostgreSQL."""

import io
import os
import secrets
import sqlite3
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import psycopg2
import pytest
import time_machine
from dbbackup import settings as dbbackup_settings
from django.conf import settings as django_settings
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db import connection
from PIL import Image
from psycopg2 import sql

from delegates.models import Delegate, Delegation, Registration
from jwg_portal import crypto
from meetings.models import Meeting

from . import factories

BASE_DIR = Path(django_settings.BASE_DIR)
PASSPORT = "B7654321"
LETTER = b"%PDF-1.4\n% nomination letter of the delegation of Malaysia\n%%EOF\n"


def jpeg_bytes():
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "navy").save(buffer, "JPEG")
    return buffer.getvalue()


@pytest.fixture
def backup_dir(tmp_path, monkeypatch):
    """BACKUP_DIR for this test; dbbackup reads its storage once, at import."""
    directory = tmp_path / "backups"
    directory.mkdir()
    monkeypatch.setattr(
        dbbackup_settings, "STORAGE_OPTIONS", {"location": str(directory)}
    )
    return directory


@pytest.fixture
def media_root(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


class EmptyDatabase:
    """A database with no table in it, on the test database's engine."""

    def __init__(self, tmp_path):
        self.vendor = connection.vendor
        source = connection.settings_dict
        if self.vendor == "sqlite":
            self.path = tmp_path / "restored.sqlite3"
            self.url = f"sqlite:///{self.path}"
            return
        self.name = f"jwg_restore_{secrets.token_hex(6)}"
        self.server = {
            "host": source["HOST"] or "localhost",
            "port": source["PORT"] or 5432,
            "user": source["USER"],
            "password": source["PASSWORD"],
        }
        credentials = quote(source["USER"] or "", safe="")
        if source["PASSWORD"]:
            credentials += ":" + quote(source["PASSWORD"], safe="")
        self.url = (
            f"postgres://{credentials}@{self.server['host']}:"
            f"{self.server['port']}/{self.name}"
        )
        self._on_server(sql.SQL("CREATE DATABASE {}"))

    def _on_server(self, statement):
        admin = psycopg2.connect(dbname="postgres", **self.server)
        admin.autocommit = True
        try:
            with admin.cursor() as cursor:
                cursor.execute(statement.format(sql.Identifier(self.name)))
        finally:
            admin.close()

    def drop(self):
        if self.vendor != "sqlite":
            self._on_server(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)"))

    def fetch(self, query, params):
        """Rows of a query on the restored database, outside Django."""
        if self.vendor == "sqlite":
            with sqlite3.connect(self.path) as restored:
                return restored.execute(query.replace("%s", "?"), params).fetchall()
        restored = psycopg2.connect(dbname=self.name, **self.server)
        try:
            with restored.cursor() as cursor:
                cursor.execute(query, params)
                return cursor.fetchall()
        finally:
            restored.close()

    def value(self, model, field, pk):
        table = model._meta.db_table
        column = model._meta.get_field(field).column
        rows = self.fetch(f'SELECT "{column}" FROM "{table}" WHERE id = %s', [pk])
        assert len(rows) == 1, f"{table} {pk} was not restored"
        return rows[0][0]


@pytest.fixture
def empty_database(tmp_path):
    database = EmptyDatabase(tmp_path)
    yield database
    database.drop()


def restore_env(database, backup_dir, **extra):
    """The environment of `make restore` on a new machine: the empty database,
    the backups, and the test settings (so the same FIELD_ENCRYPTION_KEYS)."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "jwg_portal.settings.test",
        "DATABASE_URL": database.url,
        "BACKUP_DIR": str(backup_dir),
        **extra,
    }


def manage(*args, env):
    """A management command in a new process, as `make restore` runs it."""
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result


@pytest.mark.django_db(transaction=True)
def test_backup_restores_into_an_empty_database_with_uploads_and_passports(
    backup_dir, media_root, empty_database, tmp_path
):
    meeting = factories.MeetingFactory(slug="jwg-11", number=11)
    delegation = factories.DelegationFactory(
        meeting=meeting, party=factories.MemberStateFactory()
    )
    delegation.nomination_letter.save("letter.pdf", ContentFile(LETTER))
    delegate = factories.DelegateFactory(passport_number=PASSPORT)
    delegate.photo.save("photo.jpg", ContentFile(jpeg_bytes()))
    registration = factories.RegistrationFactory(
        delegation=delegation, delegate=delegate, reference="JWG11-MYS-001"
    )
    photo = (media_root / delegate.photo.name).read_bytes()

    call_command("dbbackup", "--noinput", "--quiet")
    call_command("mediabackup", "--noinput", "--quiet")

    dumps = sorted(p.name for p in backup_dir.iterdir() if ".metadata" not in p.name)
    assert len(dumps) == 2, dumps
    database_dump, media_tar = sorted(dumps, key=lambda name: ".tar" in name)
    assert database_dump.startswith("jwg-portal-default-")
    assert media_tar.startswith("jwg-portal-media-")
    assert media_tar.endswith(".tar")
    # Encrypted at rest: the dump holds no readable passport number.
    assert PASSPORT.encode() not in (backup_dir / database_dump).read_bytes()

    restored_media = tmp_path / "restored-media"
    env = restore_env(empty_database, backup_dir, MEDIA_ROOT=str(restored_media))
    manage("dbrestore", "--noinput", "--quiet", env=env)
    manage("mediarestore", "--noinput", "--quiet", env=env)

    assert empty_database.value(Meeting, "slug", meeting.pk) == "jwg-11"
    assert (
        empty_database.value(Registration, "reference", registration.pk)
        == "JWG11-MYS-001"
    )
    stored = empty_database.value(Delegate, "passport_number", delegate.pk)
    assert stored.startswith(crypto.PREFIX)
    assert PASSPORT not in stored
    assert crypto.decrypt(stored) == PASSPORT
    letter_name = empty_database.value(Delegation, "nomination_letter", delegation.pk)
    assert letter_name == delegation.nomination_letter.name
    assert (restored_media / letter_name).read_bytes() == LETTER
    photo_name = empty_database.value(Delegate, "photo", delegate.pk)
    assert (restored_media / photo_name).read_bytes() == photo


@pytest.mark.django_db(transaction=True)
def test_restore_takes_the_named_backup_not_the_latest(
    backup_dir, media_root, empty_database, tmp_path
):
    """`make restore FILE=...` brings back that backup, not a later one."""
    meeting = factories.MeetingFactory(slug="jwg-11", number=11)
    with time_machine.travel("2024-05-01 12:00", tick=False):
        call_command("dbbackup", "--noinput", "--quiet")
    Meeting.objects.filter(pk=meeting.pk).update(slug="jwg-11-renamed")
    with time_machine.travel("2024-05-02 12:00", tick=False):
        call_command("dbbackup", "--noinput", "--quiet")
    (older,) = (
        p.name
        for p in backup_dir.iterdir()
        if "2024-05-01" in p.name and not p.name.endswith(".metadata")
    )

    env = restore_env(empty_database, backup_dir)
    manage("dbrestore", "--noinput", "--quiet", "--input-filename", older, env=env)

    assert empty_database.value(Meeting, "slug", meeting.pk) == "jwg-11"


@pytest.mark.django_db(transaction=True)
def test_clean_keeps_only_the_newest_backups(backup_dir, monkeypatch):
    """`make backup` (with --clean) keeps BACKUP_KEEP backups and no more."""
    monkeypatch.setattr(dbbackup_settings, "CLEANUP_KEEP", 2)
    factories.MeetingFactory()
    for day in ("2024-05-01", "2024-05-02", "2024-05-03"):
        with time_machine.travel(f"{day} 12:00", tick=False):
            call_command("dbbackup", "--noinput", "--quiet", "--clean")

    remaining = sorted(p.name for p in backup_dir.iterdir())
    assert len(remaining) == 4, remaining  # two backups, each with metadata
    assert not any("2024-05-01" in name for name in remaining)
    assert sum("2024-05-03" in name for name in remaining) == 2


def test_default_backup_directory_is_kept_out_of_git_and_of_the_web():
    """Backups hold personal data: never committed, never under MEDIA_ROOT or
    the static files."""
    location = Path(django_settings.STORAGES["dbbackup"]["OPTIONS"]["location"])
    assert not location.is_relative_to(django_settings.MEDIA_ROOT)
    assert not location.is_relative_to(django_settings.STATIC_ROOT)
    ignored = subprocess.run(
        ["git", "check-ignore", "--quiet", "backups/jwg-portal-default.sqlite3"],
        cwd=BASE_DIR,
        check=False,
    )
    assert ignored.returncode == 0
