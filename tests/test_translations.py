"""The Indonesian catalogue: complete, compiled, and what the pages show.

The .po file is read by a small reader below (polib is not a dependency) and
the committed .mo through the standard library's gettext, so these tests need
no gettext tools installed.
"""

import datetime
import gettext
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse

from delegates import services
from delegates.models import Registration
from tests.factories import (
    DelegationFactory,
    MemberStateFactory,
    SessionFactory,
    registration_open_meeting,
)

LOCALE_DIR = Path(settings.BASE_DIR) / "locale" / "id" / "LC_MESSAGES"
PO_PATH = LOCALE_DIR / "django.po"
MO_PATH = LOCALE_DIR / "django.mo"
DAY = datetime.timedelta(days=1)


# --- a small .po reader ----------------------------------------------------


@dataclass
class Entry:
    msgctxt: str | None = None
    msgid: str = ""
    msgid_plural: str | None = None
    msgstr: str = ""
    msgstr_plural: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    line: int = 0

    @property
    def translations(self):
        if self.msgid_plural is None:
            return [self.msgstr]
        return list(self.msgstr_plural.values()) or [""]


ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}
KEYWORD = re.compile(r'^(msgctxt|msgid_plural|msgid|msgstr)(?:\[(\d+)\])?\s+"(.*)"$')


def _unquote(text):
    return re.sub(r"\\(.)", lambda m: ESCAPES.get(m.group(1), m.group(0)), text)


def read_po(path):
    """The live entries of a .po file, header included; obsolete ones skipped."""
    entries = []
    entry, target = Entry(), None

    def close():
        nonlocal entry, target
        if target is not None:
            entries.append(entry)
        entry, target = Entry(), None

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not line:
            close()
        elif line.startswith("#~"):
            continue
        elif line.startswith("#,"):
            entry.flags.update(flag.strip() for flag in line[2:].split(","))
        elif line.startswith("#"):
            continue
        elif match := KEYWORD.match(line):
            keyword, index, text = match.groups()
            if keyword == "msgid":
                entry.line = number
            target = (keyword, int(index)) if index is not None else (keyword, None)
            _append(entry, target, _unquote(text))
        elif line.startswith('"') and line.endswith('"') and target is not None:
            _append(entry, target, _unquote(line[1:-1]))
        else:
            raise AssertionError(f"{path.name}:{number}: cannot read {raw!r}")
    close()
    return entries


def _append(entry, target, text):
    keyword, index = target
    if keyword == "msgstr" and index is not None:
        entry.msgstr_plural[index] = entry.msgstr_plural.get(index, "") + text
    elif keyword.startswith("msgstr"):
        entry.msgstr += text
    else:
        setattr(entry, keyword, (getattr(entry, keyword) or "") + text)


@pytest.fixture(scope="module")
def po_entries():
    entries = read_po(PO_PATH)
    assert entries[0].msgid == "", "the header comes first"
    return entries


@pytest.fixture(scope="module")
def messages(po_entries):
    """Every entry but the header."""
    return [entry for entry in po_entries if entry.msgid]


@pytest.fixture(scope="module")
def mo():
    with MO_PATH.open("rb") as handle:
        return gettext.GNUTranslations(handle)


def where(entry):
    return f"django.po:{entry.line} {entry.msgid[:60]!r}"


# --- (a) the catalogue is complete -----------------------------------------


def test_the_header_declares_indonesian_with_one_plural_form(po_entries):
    header = po_entries[0].msgstr
    assert "Language: id\n" in header
    assert "Plural-Forms: nplurals=1; plural=0;\n" in header
    assert "charset=UTF-8" in header


def test_the_reader_finds_the_catalogue(messages):
    # A guard for the reader itself: the catalogue has hundreds of messages,
    # some of them plural, and well-known ones are read as written.
    assert len(messages) > 300
    assert any(entry.msgid_plural for entry in messages)
    by_id = {entry.msgid: entry for entry in messages}
    assert by_id["Delegation"].msgstr == "Delegasi"
    assert by_id["Head of Delegation"].msgstr == "Ketua Delegasi"


def test_every_message_is_translated(messages):
    untranslated = [
        where(entry)
        for entry in messages
        if not all(text.strip() for text in entry.translations)
    ]
    assert untranslated == []


def test_no_message_is_left_fuzzy(po_entries):
    assert [where(entry) for entry in po_entries if "fuzzy" in entry.flags] == []


def test_plural_messages_fill_the_one_indonesian_form(messages):
    wrong = [
        where(entry)
        for entry in messages
        if entry.msgid_plural is not None and set(entry.msgstr_plural) != {0}
    ]
    assert wrong == []


PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]")
TAG = re.compile(r"</?[a-zA-Z][^>]*>")


def test_translations_keep_every_placeholder_and_html_tag(messages):
    problems = []
    for entry in messages:
        source = entry.msgid + (entry.msgid_plural or "")
        for text in entry.translations:
            if set(PLACEHOLDER.findall(source)) != set(PLACEHOLDER.findall(text)):
                problems.append(f"placeholders: {where(entry)}")
            if sorted(TAG.findall(entry.msgid)) != sorted(TAG.findall(text)):
                problems.append(f"tags: {where(entry)}")
    assert problems == []


# --- (b) the committed .mo says what the .po says ---------------------------


def _from_mo(mo, entry):
    if entry.msgid_plural is None:
        if entry.msgctxt is not None:
            return [mo.pgettext(entry.msgctxt, entry.msgid)]
        return [mo.gettext(entry.msgid)]
    # nplurals=1: every count takes form 0.
    if entry.msgctxt is not None:
        return [mo.npgettext(entry.msgctxt, entry.msgid, entry.msgid_plural, 1)]
    return [mo.ngettext(entry.msgid, entry.msgid_plural, 1)]


def test_the_compiled_catalogue_matches_the_po_file(messages, mo):
    stale = [
        where(entry)
        for entry in messages
        if _from_mo(mo, entry) != entry.translations[:1]
    ]
    assert stale == [], (
        "django.mo is out of date: run "
        "`python manage.py compilemessages --ignore=.venv --ignore=node_modules`"
    )


def test_the_compiled_catalogue_has_the_indonesian_plural_rule(mo):
    assert mo.info()["language"] == "id"
    assert mo.info()["plural-forms"] == "nplurals=1; plural=0;"


# --- (c) the pages speak Indonesian ----------------------------------------


@pytest.fixture
def open_meeting(db):
    meeting = registration_open_meeting(
        slug="jwg-12",
        number=12,
        title="12th Joint Working Group Meeting",
        last_day=62,
    )
    SessionFactory(meeting=meeting, title="Joint Working Group")
    return meeting


@pytest.fixture
def delegation(open_meeting):
    return DelegationFactory(meeting=open_meeting, party=MemberStateFactory())


def get_id(client, url):
    response = client.get(url, HTTP_ACCEPT_LANGUAGE="id")
    assert response.status_code == 200
    content = response.content.decode()
    assert '<html lang="id">' in content
    return content


def test_home_page_is_in_indonesian(client, open_meeting):
    content = get_id(client, "/")

    assert "Pertemuan mendatang dan yang sedang berlangsung" in content
    assert "Masuk (focal point / narahubung)" in content
    assert "Daftar<span" in content and "untuk 12th Joint Working" in content
    assert "Focal point log in" not in content
    assert "Upcoming and current meetings" not in content


def test_register_page_is_in_indonesian(client, delegation):
    url = reverse("delegates:register", args=[delegation.meeting.slug])
    content = get_id(client, url)

    assert "Delegasi" in content
    assert "Pendaftaran: 12th Joint Working Group Meeting" in content
    assert "Kirim pendaftaran saya" in content
    assert "Data diri Anda" in content
    assert "Sesi yang akan Anda hadiri" in content
    assert "pemberitahuan privasi</a>" in content
    for english in (
        "Send my registration",
        "About you",
        "Sessions you will attend",
        "Registration is open until",
        "Fields marked with an asterisk",
    ):
        assert english not in content, english


def test_register_page_labels_lose_their_iso_suffix_in_indonesian(client, delegation):
    # The form strips " (ISO alpha-3)" from the translated model labels, so
    # the translations must carry that suffix verbatim.
    url = reverse("delegates:register", args=[delegation.meeting.slug])
    content = get_id(client, url)

    assert "Kewarganegaraan" in content
    assert "Paspor diterbitkan oleh" in content
    assert "(ISO alpha-3)" not in content


def test_privacy_page_is_in_indonesian(client, db):
    content = get_id(client, reverse("delegates:privacy"))

    assert "Pemberitahuan privasi" in content
    assert "Hak Anda" in content
    assert "Undang-Undang Republik Indonesia Nomor 27 Tahun 2022" in content
    assert "Your rights" not in content
    assert "Who sees your data" not in content


def test_registration_mail_is_in_indonesian_for_an_indonesian_speaker(
    delegation, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        registration = services.registration_submit(
            meeting=delegation.meeting,
            delegation=delegation,
            delegate_data={
                "given_name": "Siti",
                "family_name": "Rahman",
                "email": "siti@example.org",
                "preferred_language": "id",
            },
            registration_data={"role": Registration.Role.DELEGATE},
            sessions=list(delegation.meeting.sessions.all()),
        )

    [message] = mail.outbox
    assert message.subject.startswith("Pendaftaran telah kami terima:")
    assert registration.reference in message.subject
    assert "Yth. Siti Rahman," in message.body
    assert "Kami telah menerima pendaftaran Anda" in message.body
    assert "We have received" not in message.body
