"""`purge_personal_data`: a meeting's sensitive data go once its retention
period is over, recorded once; a person registered for a later meeting
keeps theirs; a dry run changes nothing; files leave the storage too."""

import datetime
import io

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from delegates import privacy, services
from delegates.models import Delegate, PersonalDataPurge, Registration
from tests.factories import (
    AttendanceFactory,
    DelegateFactory,
    DelegationFactory,
    MeetingFactory,
    RegistrationFactory,
    SessionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

UTC = datetime.UTC
# The 11th JWG ended on 3 May 2024: with 90 days, its data go from 2 August.
LAST_DAY_KEPT = datetime.datetime(2024, 8, 1, 23, 59, tzinfo=UTC)
FIRST_DAY_PURGED = datetime.datetime(2024, 8, 2, 0, 1, tzinfo=UTC)
SENSITIVE = {
    "passport_number": "P4471902Q",
    "passport_expiry": datetime.date(2031, 7, 9),
    "passport_country": "MYS",
    "phone": "+60 3 1234 5678",
    "dietary_requirements": "Halal",
    "accessibility_needs": "Step-free access",
}


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.PERSONAL_DATA_RETENTION_DAYS = 90


def person(**extra):
    delegate = DelegateFactory(**SENSITIVE, **extra)
    delegate.photo.save("photo.jpg", ContentFile(b"jpeg bytes"))
    return delegate


@pytest.fixture
def jwg11():
    meeting = MeetingFactory(
        slug="jwg-11",
        start_date=datetime.date(2024, 4, 29),
        end_date=datetime.date(2024, 5, 3),
    )
    delegation = DelegationFactory(meeting=meeting)
    delegation.nomination_letter.save("letter.pdf", ContentFile(b"%PDF-1.4"))
    return meeting


@pytest.fixture
def jwg12():
    """A later meeting, still within its retention period in August 2024."""
    return MeetingFactory(
        slug="jwg-12",
        start_date=datetime.date(2024, 9, 23),
        end_date=datetime.date(2024, 9, 26),
    )


def register(meeting, delegate, **extra):
    registration = RegistrationFactory(
        delegation=DelegationFactory(meeting=meeting), delegate=delegate, **extra
    )
    session = SessionFactory(meeting=meeting)
    registration.sessions.add(session)
    AttendanceFactory(registration=registration, session=session)
    return registration


def purge(*args, **kwargs):
    out = io.StringIO()
    call_command("purge_personal_data", *args, stdout=out, **kwargs)
    return out.getvalue()


def fresh(delegate):
    return Delegate.objects.get(pk=delegate.pk)


def test_nothing_happens_before_the_retention_period_ends(jwg11):
    delegate = person()
    register(jwg11, delegate)
    with time_machine.travel(LAST_DAY_KEPT, tick=False):
        assert purge() == "No meeting is due for a purge.\n"
    after = fresh(delegate)
    assert {name: getattr(after, name) for name in SENSITIVE} == SENSITIVE
    assert after.photo
    assert after.personal_data_purged_at is None
    assert not PersonalDataPurge.objects.exists()


def test_after_it_the_sensitive_data_go_and_the_record_stays(
    jwg11, django_capture_on_commit_callbacks
):
    delegate = person()
    registration = register(jwg11, delegate)
    snapshot = services.registration_snapshot(registration)
    Registration.objects.filter(pk=registration.pk).update(
        approved_snapshot=snapshot,
        proposed_details={"passport_number": "Q7654321", "position": "Minister"},
    )
    photo = fresh(delegate).photo
    letter = jwg11.delegations.exclude(nomination_letter="").get().nomination_letter
    assert photo.storage.exists(photo.name)
    assert letter.storage.exists(letter.name)

    with (
        time_machine.travel(FIRST_DAY_PURGED, tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        output = purge()

    assert output == "jwg-11: 1 delegate(s) purged, 0 kept for a later meeting.\n"
    after = fresh(delegate)
    assert after.passport_number == ""
    assert after.passport_expiry is None
    assert after.passport_country == ""
    assert after.phone == ""
    assert after.dietary_requirements == ""
    assert after.accessibility_needs == ""
    assert not after.photo
    assert after.personal_data_purged_at == FIRST_DAY_PURGED
    assert not photo.storage.exists(photo.name)
    assert not letter.storage.exists(letter.name)
    assert not jwg11.delegations.exclude(nomination_letter="").exists()
    # The meeting's record stays: the person, the registration, attendance.
    assert (after.family_name, after.email) == (delegate.family_name, delegate.email)
    registration.refresh_from_db()
    assert registration.proposed_details is None
    assert "passport_number" not in registration.approved_snapshot
    assert registration.approved_snapshot["role"] == snapshot["role"]
    assert registration.attendances.count() == 1

    record = PersonalDataPurge.objects.get()
    assert record.meeting == jwg11
    assert record.ran_at == FIRST_DAY_PURGED
    assert record.retention_days == 90
    assert (record.delegates_purged, record.delegates_kept) == (1, 0)
    assert record.ran_by == "manage.py purge_personal_data"
    assert "delegate.passport_number" in record.fields
    assert "delegate.photo" in record.fields


def test_a_person_registered_for_a_later_meeting_is_kept_and_counted(jwg11, jwg12):
    returning = person()
    register(jwg11, returning)
    register(jwg12, returning, status=Registration.Status.PENDING)
    withdrawn = person()
    register(jwg11, withdrawn)
    register(jwg12, withdrawn, status=Registration.Status.WITHDRAWN)
    rejected = person()
    register(jwg11, rejected)
    register(jwg12, rejected, status=Registration.Status.REJECTED)

    with time_machine.travel(FIRST_DAY_PURGED, tick=False):
        purge()

    assert fresh(returning).passport_number == SENSITIVE["passport_number"]
    assert fresh(returning).personal_data_purged_at is None
    # Withdrawn or rejected at the later meeting: nothing to keep them for.
    assert fresh(withdrawn).passport_number == ""
    assert fresh(rejected).passport_number == ""
    record = PersonalDataPurge.objects.get(meeting=jwg11)
    assert (record.delegates_purged, record.delegates_kept) == (2, 1)


def test_the_kept_person_goes_when_the_later_meeting_is_purged(jwg11, jwg12):
    returning = person()
    register(jwg11, returning)
    register(jwg12, returning)
    with time_machine.travel(FIRST_DAY_PURGED, tick=False):
        purge()
    with time_machine.travel(datetime.datetime(2024, 12, 26, tzinfo=UTC)):
        assert purge() == "jwg-12: 1 delegate(s) purged, 0 kept for a later meeting.\n"
    assert fresh(returning).passport_number == ""
    assert PersonalDataPurge.objects.count() == 2


def test_a_dry_run_changes_nothing(jwg11, jwg12, django_capture_on_commit_callbacks):
    delegate = person()
    register(jwg11, delegate)
    returning = person()
    register(jwg11, returning)
    register(jwg12, returning)
    with (
        time_machine.travel(FIRST_DAY_PURGED, tick=False),
        django_capture_on_commit_callbacks(execute=True) as callbacks,
    ):
        output = purge("--dry-run")
    assert output == (
        "jwg-11: 1 delegate(s) would be purged, 1 kept for a later meeting.\n"
    )
    assert callbacks == []
    assert fresh(delegate).passport_number == SENSITIVE["passport_number"]
    photo = fresh(delegate).photo
    assert photo.storage.exists(photo.name)
    assert not PersonalDataPurge.objects.exists()


def test_a_second_run_purges_nothing_and_records_nothing(jwg11):
    delegate = person()
    register(jwg11, delegate)
    with time_machine.travel(FIRST_DAY_PURGED, tick=False):
        purge()
    # Someone types the data in again; the meeting was purged already.
    Delegate.objects.filter(pk=delegate.pk).update(phone="+60 9")
    with time_machine.travel(FIRST_DAY_PURGED + datetime.timedelta(days=1)):
        assert purge() == "No meeting is due for a purge.\n"
        assert privacy.personal_data_purge(meeting=jwg11, days=90) is None
    assert PersonalDataPurge.objects.count() == 1
    assert fresh(delegate).phone == "+60 9"


def test_days_and_meeting_narrow_the_purge(jwg11):
    other = MeetingFactory(
        slug="wgtim-5",
        start_date=datetime.date(2024, 6, 1),
        end_date=datetime.date(2024, 6, 3),
    )
    at_jwg11, at_other = person(), person()
    register(jwg11, at_jwg11)
    register(other, at_other)
    with time_machine.travel(datetime.datetime(2024, 6, 10, tzinfo=UTC)):
        # Thirty days: only the 11th JWG has ended more than thirty days ago.
        assert purge("--days", "30") == (
            "jwg-11: 1 delegate(s) purged, 0 kept for a later meeting.\n"
        )
        assert purge("--days", "3", "--meeting", "jwg-11") == (
            "No meeting is due for a purge.\n"
        )
        assert purge("--days", "3", "--meeting", "wgtim-5").startswith("wgtim-5: 1")
    assert PersonalDataPurge.objects.get(meeting=jwg11).retention_days == 30
    assert PersonalDataPurge.objects.get(meeting=other).retention_days == 3


def test_bad_arguments_are_refused(jwg11):
    with pytest.raises(CommandError, match="No meeting has the slug"):
        purge("--meeting", "no-such-meeting")
    with pytest.raises(CommandError, match="cannot be negative"):
        purge("--days", "-1")
    assert not PersonalDataPurge.objects.exists()


def test_a_failure_leaves_the_meeting_untouched(
    jwg11, monkeypatch, django_capture_on_commit_callbacks
):
    delegate = person()
    register(jwg11, delegate)

    def broken(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(PersonalDataPurge.objects, "create", broken)
    with (
        time_machine.travel(FIRST_DAY_PURGED, tick=False),
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
    ):
        purge()
    assert callbacks == []
    after = fresh(delegate)
    assert after.passport_number == SENSITIVE["passport_number"]
    assert after.photo.storage.exists(after.photo.name)


def test_purge_queries_do_not_grow_with_the_delegates(jwg11):
    def queries(count):
        meeting = MeetingFactory(
            start_date=datetime.date(2024, 4, 29), end_date=datetime.date(2024, 5, 3)
        )
        for _ in range(count):
            register(meeting, person())
        with (
            time_machine.travel(FIRST_DAY_PURGED, tick=False),
            CaptureQueriesContext(connection) as captured,
        ):
            privacy.personal_data_purge(meeting=meeting, days=90)
        return len(captured)

    assert queries(2) == queries(6)


def test_the_privacy_notice_gives_the_retention_period(client, settings):
    settings.PERSONAL_DATA_RETENTION_DAYS = 45
    html = client.get(reverse("delegates:privacy")).content.decode()
    assert "45 days after its last day" in html
    assert "registered for a later meeting" in html


def test_the_purge_records_are_read_only_in_the_admin(client, jwg11):
    with time_machine.travel(FIRST_DAY_PURGED, tick=False):
        purge()
    record = PersonalDataPurge.objects.get()
    user = UserFactory(is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(codename__endswith="personaldatapurge")
    )
    client.force_login(user)
    listing = client.get(reverse("admin:delegates_personaldatapurge_changelist"))
    assert listing.status_code == 200
    assert "jwg-11" in listing.text or jwg11.title in listing.text
    page = client.get(
        reverse("admin:delegates_personaldatapurge_change", args=[record.pk])
    )
    assert page.status_code == 200
    assert 'name="_save"' not in page.text
    assert "delegate.passport_number" in page.text
    add = reverse("admin:delegates_personaldatapurge_add")
    delete = reverse("admin:delegates_personaldatapurge_delete", args=[record.pk])
    assert client.get(add).status_code == 403
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert PersonalDataPurge.objects.filter(pk=record.pk).exists()
