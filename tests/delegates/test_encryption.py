"""Passport numbers encrypted at rest: never readable in the database, read
back through the ORM, refused clearly under a wrong key, rotated without
loss, and still limited, shown and compared as plain text."""

import datetime
import io

import pytest
from cryptography.fernet import Fernet
from django.contrib.auth.models import Permission
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from delegates.forms import RegistrationForm
from delegates.models import Delegate
from delegates.services import registration_submit
from jwg_portal import crypto, db_rules
from tests.factories import (
    DelegateFactory,
    DelegationFactory,
    MeetingFactory,
    SessionFactory,
    UserFactory,
)

PASSPORT = "P4471902Q"
TABLE = Delegate._meta.db_table


def stored(delegate):
    """The passport column as the database holds it."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT passport_number FROM {TABLE} WHERE id = %s", [delegate.pk]
        )
        return cursor.fetchone()[0]


def keys(*fernet_keys):
    return [key.decode() if isinstance(key, bytes) else key for key in fernet_keys]


@pytest.fixture
def first_key():
    return Fernet.generate_key().decode()


# At rest and back


@pytest.mark.django_db
def test_the_column_never_holds_the_plain_passport():
    delegate = DelegateFactory(passport_number=PASSPORT)
    raw = stored(delegate)
    assert raw.startswith(crypto.PREFIX)
    assert PASSPORT not in raw
    # Two people with one number cannot be matched by their stored values.
    other = DelegateFactory(passport_number=PASSPORT)
    assert stored(other) != raw


@pytest.mark.django_db
def test_a_changed_passport_is_stored_encrypted_too():
    delegate = DelegateFactory(passport_number=PASSPORT)
    delegate.passport_number = "Q7654321"
    delegate.save()
    Delegate.objects.filter(pk=delegate.pk).update(passport_number="R1112223")
    assert "R1112223" not in stored(delegate)
    assert Delegate.objects.get(pk=delegate.pk).passport_number == "R1112223"


@pytest.mark.django_db
def test_round_trip_through_the_orm():
    delegate = DelegateFactory(passport_number=PASSPORT)
    assert Delegate.objects.get(pk=delegate.pk).passport_number == PASSPORT
    assert Delegate.objects.values_list("passport_number", flat=True).get(
        pk=delegate.pk
    ) == (PASSPORT)


@pytest.mark.django_db
def test_an_empty_passport_stays_empty_and_needs_no_key(settings):
    delegate = DelegateFactory(passport_number="")
    assert stored(delegate) == ""
    settings.FIELD_ENCRYPTION_KEYS = []
    assert Delegate.objects.get(pk=delegate.pk).passport_number == ""


@pytest.mark.django_db
def test_a_plain_value_from_before_encryption_is_still_read():
    delegate = DelegateFactory()
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {TABLE} SET passport_number = %s WHERE id = %s",
            [PASSPORT, delegate.pk],
        )
    assert Delegate.objects.get(pk=delegate.pk).passport_number == PASSPORT


# Wrong or missing keys


@pytest.mark.django_db
def test_reading_under_a_wrong_key_is_a_clear_configuration_error(settings, first_key):
    delegate = DelegateFactory(passport_number=PASSPORT)
    settings.FIELD_ENCRYPTION_KEYS = [first_key]
    with pytest.raises(ImproperlyConfigured, match="cannot be decrypted"):
        Delegate.objects.get(pk=delegate.pk)


@pytest.mark.django_db
def test_saving_without_a_key_is_a_clear_configuration_error(settings):
    settings.FIELD_ENCRYPTION_KEYS = []
    with (
        pytest.raises(ImproperlyConfigured, match="FIELD_ENCRYPTION_KEYS is empty"),
        transaction.atomic(),
    ):
        DelegateFactory(passport_number=PASSPORT)
    assert not Delegate.objects.exists()


def test_a_key_that_is_not_a_fernet_key_is_refused(settings):
    settings.FIELD_ENCRYPTION_KEYS = ["not-a-key"]
    with pytest.raises(ImproperlyConfigured, match="not a Fernet key"):
        crypto.encrypt(PASSPORT)


# Keys: made, rotated, retired


def test_generate_encryption_key_prints_a_usable_key():
    out = io.StringIO()
    call_command("generate_encryption_key", stdout=out)
    key = out.getvalue().strip()
    token = Fernet(key.encode()).encrypt(b"x")
    assert Fernet(key.encode()).decrypt(token) == b"x"
    again = io.StringIO()
    call_command("generate_encryption_key", stdout=again)
    assert again.getvalue().strip() != key


@pytest.mark.django_db
def test_rotation_puts_every_value_under_the_new_key_so_the_old_can_go(
    settings, first_key
):
    old = settings.FIELD_ENCRYPTION_KEYS[0]
    people = DelegateFactory.create_batch(5, passport_number=PASSPORT)
    empty = DelegateFactory(passport_number="")
    plain = DelegateFactory()
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {TABLE} SET passport_number = %s WHERE id = %s",
            ["L0000001", plain.pk],
        )
    before = {person.pk: stored(person) for person in people}

    settings.FIELD_ENCRYPTION_KEYS = [first_key, old]
    out = io.StringIO()
    call_command("rotate_encryption_keys", "--batch-size", "2", stdout=out)
    assert (
        "delegates.Delegate.passport_number: 6 value(s) encrypted under the first "
        "key, 1 of them stored in plain text before." in out.getvalue()
    )
    for person in people:
        assert stored(person) != before[person.pk]
        assert PASSPORT not in stored(person)
    assert "L0000001" not in stored(plain)
    assert stored(empty) == ""

    settings.FIELD_ENCRYPTION_KEYS = [first_key]
    assert {d.passport_number for d in Delegate.objects.all()} == {
        PASSPORT,
        "L0000001",
        "",
    }


@pytest.mark.django_db
def test_rotation_leaves_updated_at_alone(settings, first_key):
    delegate = DelegateFactory(passport_number=PASSPORT)
    updated_at = Delegate.objects.get(pk=delegate.pk).updated_at
    settings.FIELD_ENCRYPTION_KEYS = [first_key, *settings.FIELD_ENCRYPTION_KEYS]
    call_command("rotate_encryption_keys", stdout=io.StringIO())
    assert Delegate.objects.get(pk=delegate.pk).updated_at == updated_at


@pytest.mark.django_db
def test_rotation_without_the_old_key_changes_nothing(settings, first_key):
    people = DelegateFactory.create_batch(3, passport_number=PASSPORT)
    before = [stored(person) for person in people]
    old = settings.FIELD_ENCRYPTION_KEYS[0]
    # The new key first, but the old one already removed: nothing to read with.
    settings.FIELD_ENCRYPTION_KEYS = [first_key]
    with pytest.raises(CommandError, match="Nothing was changed"):
        call_command("rotate_encryption_keys", "--batch-size", "1")
    assert [stored(person) for person in people] == before
    settings.FIELD_ENCRYPTION_KEYS = [old]
    assert {d.passport_number for d in Delegate.objects.all()} == {PASSPORT}


def test_rotation_refuses_a_batch_size_below_one():
    with pytest.raises(CommandError, match="at least 1"):
        call_command("rotate_encryption_keys", "--batch-size", "0")


# Still a passport number of at most 20 characters, shown to those allowed


@pytest.fixture
def open_meeting(db):
    from django.utils import timezone

    now = timezone.now()
    meeting = MeetingFactory(
        start_date=(now + datetime.timedelta(days=30)).date(),
        end_date=(now + datetime.timedelta(days=32)).date(),
        registration_opens_at=now - datetime.timedelta(days=1),
        registration_closes_at=now + datetime.timedelta(days=20),
    )
    SessionFactory(meeting=meeting)
    DelegationFactory(meeting=meeting)
    return meeting


def form_data(meeting, passport):
    return {
        "delegation": meeting.delegations.get().pk,
        "role": "delegate",
        "honorific": "Ms",
        "given_name": "Siti",
        "family_name": "Rahman",
        "email": "siti@example.org",
        "preferred_language": "en",
        "nationality": "MYS",
        "sessions": [meeting.sessions.get().pk],
        "needs_visa_letter": "on",
        "passport_number": passport,
        "passport_expiry": (
            meeting.end_date + datetime.timedelta(days=400)
        ).isoformat(),
        "passport_country": "MYS",
        "consent_privacy": "on",
    }


def test_the_form_limits_the_plain_number_to_20_characters(open_meeting):
    too_long = RegistrationForm(form_data(open_meeting, "A" * 21), meeting=open_meeting)
    assert not too_long.is_valid()
    assert "passport_number" in too_long.errors
    longest = RegistrationForm(form_data(open_meeting, "A" * 20), meeting=open_meeting)
    assert longest.is_valid(), longest.errors
    # The stored text is far longer than 20 characters, and that is allowed.
    registration = registration_submit(
        meeting=open_meeting,
        delegation=longest.cleaned_data["delegation"],
        delegate_data=longest.delegate_data(),
        registration_data=longest.registration_data(),
        sessions=list(longest.cleaned_data["sessions"]),
    )
    assert len(stored(registration.delegate)) > 20
    assert Delegate.objects.get().passport_number == "A" * 20


@pytest.mark.django_db
def test_the_model_limits_the_plain_number_to_20_characters():
    delegate = DelegateFactory.build(passport_number="A" * 21)
    with pytest.raises(ValidationError) as error:
        delegate.full_clean()
    assert "passport_number" in error.value.message_dict


def passport_staff(*codenames):
    user = UserFactory(is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label="delegates", codename__in=codenames
        )
    )
    return user


def admin_post(delegate, passport):
    return {
        "honorific": delegate.honorific,
        "given_name": delegate.given_name,
        "family_name": delegate.family_name,
        "email": delegate.email,
        "preferred_language": "en",
        "passport_number": passport,
        "passport_expiry": "2031-07-09",
        "passport_country": "MYS",
    }


@pytest.mark.django_db
def test_the_admin_shows_and_takes_the_passport_with_the_permission(client):
    delegate = DelegateFactory(passport_number=PASSPORT)
    client.force_login(
        passport_staff("view_delegate", "change_delegate", "view_passport")
    )
    url = reverse("admin:delegates_delegate_change", args=[delegate.pk])
    assert f'value="{PASSPORT}"' in client.get(url).text
    too_long = client.post(url, admin_post(delegate, "B" * 21))
    assert too_long.status_code == 200
    assert "passport_number" in too_long.context["adminform"].form.errors
    assert client.post(url, admin_post(delegate, "B7654321")).status_code == 302
    assert Delegate.objects.get(pk=delegate.pk).passport_number == "B7654321"
    assert "B7654321" not in stored(delegate)


# Comparisons happen in Python, never in SQL


@pytest.mark.django_db
def test_a_known_person_with_the_same_passport_has_nothing_to_confirm(open_meeting):
    """Registration compares the given passport with the one on file; a
    comparison of stored values would always differ (each encryption is
    new), and a known person would be asked to confirm their own number."""
    delegate = DelegateFactory(email="siti@example.org", passport_number=PASSPORT)
    delegation = open_meeting.delegations.get()
    session = open_meeting.sessions.get()

    def submit(passport):
        return registration_submit(
            meeting=open_meeting,
            delegation=delegation,
            delegate_data={
                "family_name": delegate.family_name,
                "email": "siti@example.org",
                "passport_number": passport,
            },
            registration_data={"role": "delegate"},
            sessions=[session],
        )

    same = submit(PASSPORT)
    assert not same.proposed_details
    same.delete()
    other = submit("Q7654321")
    assert other.proposed_details == {"passport_number": "Q7654321"}


@pytest.mark.django_db
def test_the_admin_search_cannot_find_a_passport(client):
    DelegateFactory(passport_number=PASSPORT)
    client.force_login(passport_staff("view_delegate", "view_passport"))
    response = client.get(
        reverse("admin:delegates_delegate_changelist"), {"q": PASSPORT}
    )
    assert response.status_code == 200
    assert response.context["cl"].result_count == 0


# The migration that encrypted the existing numbers, both ways


BEFORE = ("delegates", "0007_action_item_party")
AFTER = ("delegates", "0008_personal_data_protection")


@pytest.mark.django_db(transaction=True)
def test_migration_0008_encrypts_existing_numbers_and_reverses():
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()
    # `migrate` drops the cross-table triggers around a migration (SQLite
    # rebuilds altered tables); the executor alone does not.
    db_rules.drop_all()
    try:
        executor.migrate([BEFORE])
        old_apps = executor.loader.project_state([BEFORE]).apps
        OldDelegate = old_apps.get_model("delegates", "Delegate")
        with_number = OldDelegate.objects.create(
            family_name="Rahman", email="siti@example.org", passport_number=PASSPORT
        )
        without = OldDelegate.objects.create(
            family_name="Tan", email="tan@example.org", passport_number=""
        )
        assert stored(with_number) == PASSPORT

        executor = MigrationExecutor(connection)
        executor.migrate([AFTER])
        assert stored(with_number).startswith(crypto.PREFIX)
        assert PASSPORT not in stored(with_number)
        assert stored(without) == ""
        new_apps = executor.loader.project_state([AFTER]).apps
        NewDelegate = new_apps.get_model("delegates", "Delegate")
        assert NewDelegate.objects.get(pk=with_number.pk).passport_number == PASSPORT

        executor = MigrationExecutor(connection)
        executor.migrate([BEFORE])
        assert stored(with_number) == PASSPORT
        assert stored(without) == ""
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(latest)
        db_rules.create_all()
    assert Delegate.objects.get(pk=with_number.pk).passport_number == PASSPORT


def stored_snapshots(registration):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT approved_snapshot, proposed_details FROM delegates_registration "
            "WHERE id = %s",
            [registration.pk],
        )
        return cursor.fetchone()


@pytest.mark.django_db
def test_registration_snapshots_hold_no_readable_passport():
    from tests.factories import RegistrationFactory

    registration = RegistrationFactory()
    registration.approved_snapshot = {"passport_number": PASSPORT, "sessions": [1]}
    registration.proposed_details = {"passport_number": PASSPORT}
    registration.save()

    for raw in stored_snapshots(registration):
        assert raw.startswith(crypto.PREFIX)
        assert PASSPORT not in raw
    registration.refresh_from_db()
    assert registration.approved_snapshot == {
        "passport_number": PASSPORT,
        "sessions": [1],
    }
    assert registration.proposed_details == {"passport_number": PASSPORT}

    registration.proposed_details = None
    registration.save()
    assert stored_snapshots(registration)[1] is None
    assert type(registration).objects.filter(proposed_details__isnull=True).exists()


@pytest.mark.django_db(transaction=True)
def test_migration_0009_encrypts_existing_snapshots_and_reverses():
    before = ("delegates", "0008_personal_data_protection")
    after = ("delegates", "0009_encrypt_registration_snapshots")
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()
    db_rules.drop_all()
    try:
        executor.migrate([before])
        old = executor.loader.project_state([before]).apps
        meeting = old.get_model("meetings", "Meeting").objects.get(
            pk=MeetingFactory().pk
        )
        delegation = old.get_model("delegates", "Delegation").objects.get(
            pk=DelegationFactory(meeting_id=meeting.pk).pk
        )
        person = old.get_model("delegates", "Delegate").objects.create(
            family_name="Rahman", email="siti@example.org"
        )
        registration = old.get_model("delegates", "Registration").objects.create(
            meeting_id=meeting.pk,
            delegation_id=delegation.pk,
            delegate_id=person.pk,
            reference="JWG-TEST-001",
            token="t" * 43,
            approved_snapshot={"passport_number": PASSPORT},
        )
        assert PASSPORT in stored_snapshots(registration)[0]

        executor = MigrationExecutor(connection)
        executor.migrate([after])
        raw = stored_snapshots(registration)[0]
        assert raw.startswith(crypto.PREFIX) and PASSPORT not in raw

        executor = MigrationExecutor(connection)
        executor.migrate([before])
        assert PASSPORT in str(stored_snapshots(registration)[0])
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(latest)
        db_rules.create_all()
    from delegates.models import Registration

    assert Registration.objects.get(pk=registration.pk).approved_snapshot == {
        "passport_number": PASSPORT
    }
