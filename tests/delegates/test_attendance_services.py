"""Badges and check-in: once per person and session, and only the right people."""

import pytest

from delegates import services
from delegates.models import Attendance, BadgeCode, Registration
from delegates.services import ScanOutcome
from tests.factories import RegistrationFactory, SessionFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk():
    return UserFactory(username="desk")


@pytest.fixture
def registered():
    registration = RegistrationFactory(status=Registration.Status.APPROVED)
    session = SessionFactory(meeting=registration.meeting)
    registration.sessions.add(session)
    return registration, session


def test_a_badge_code_is_random_and_stable_until_reissued(registered):
    registration, _session = registered
    first = services.badge_issue(registration=registration)
    assert services.badge_issue(registration=registration) == first
    assert str(registration.pk) != first.code
    assert len(first.code) >= 20
    second = services.badge_issue(registration=registration, reissue=True)
    first.refresh_from_db()
    assert first.revoked_at is not None
    assert second.code != first.code
    assert BadgeCode.objects.filter(revoked_at__isnull=True).count() == 1


def test_no_badge_for_a_registration_not_approved():
    registration = RegistrationFactory(status=Registration.Status.PENDING)
    with pytest.raises(services.AttendanceError):
        services.badge_issue(registration=registration)
    assert not BadgeCode.objects.exists()


def test_scan_checks_in_once_and_a_replay_says_when_and_by_whom(registered, desk):
    registration, session = registered
    code = services.badge_issue(registration=registration).code
    first = services.check_in_by_code(session=session, code=f" {code}\n", by=desk)
    again = services.check_in_by_code(session=session, code=code, by=UserFactory())
    assert first.outcome == ScanOutcome.CHECKED_IN
    assert again.outcome == ScanOutcome.ALREADY
    assert again.attendance.recorded_by == desk
    assert again.attendance.method == Attendance.Method.SCAN
    assert Attendance.objects.count() == 1


@pytest.mark.parametrize("code", ["", "   ", "no-such-code", "x" * 500, "1"])
def test_unknown_codes_are_refused_without_a_record(registered, desk, code):
    _registration, session = registered
    result = services.check_in_by_code(session=session, code=code, by=desk)
    assert result.outcome == ScanOutcome.UNKNOWN
    assert not Attendance.objects.exists()


def test_a_revoked_badge_is_refused(registered, desk):
    registration, session = registered
    old = services.badge_issue(registration=registration).code
    services.badge_issue(registration=registration, reissue=True)
    result = services.check_in_by_code(session=session, code=old, by=desk)
    assert result.outcome == ScanOutcome.REVOKED
    assert not Attendance.objects.exists()


def test_not_registered_for_the_session_unless_staff_override(registered, desk):
    registration, _session = registered
    other = SessionFactory(meeting=registration.meeting)
    code = services.badge_issue(registration=registration).code
    refused = services.check_in_by_code(session=other, code=code, by=desk)
    assert refused.outcome == ScanOutcome.NOT_FOR_SESSION
    assert not Attendance.objects.exists()
    admitted = services.check_in_by_code(
        session=other, code=code, by=desk, override=True
    )
    assert admitted.outcome == ScanOutcome.CHECKED_IN
    assert admitted.attendance.override is True


@pytest.mark.parametrize(
    "status",
    [
        Registration.Status.PENDING,
        Registration.Status.WAITLISTED,
        Registration.Status.REJECTED,
        Registration.Status.WITHDRAWN,
    ],
)
def test_only_approved_registrations_are_checked_in(registered, desk, status):
    registration, session = registered
    code = services.badge_issue(registration=registration).code
    Registration.objects.filter(pk=registration.pk).update(status=status)
    result = services.check_in_by_code(session=session, code=code, by=desk)
    assert result.outcome == ScanOutcome.NOT_APPROVED
    assert not Attendance.objects.exists()


def test_another_meetings_session_is_never_recorded_even_with_override(
    registered, desk
):
    registration, _session = registered
    foreign = SessionFactory()
    result = services.check_in(
        session=foreign,
        registration=registration,
        by=desk,
        method=Attendance.Method.SEARCH,
        override=True,
    )
    assert result.outcome == ScanOutcome.NOT_FOR_SESSION
    assert not Attendance.objects.exists()


def test_an_absent_record_becomes_present_at_check_in(registered, desk):
    registration, session = registered
    services.attendance_record(
        registration=registration,
        session=session,
        status=Attendance.Status.ABSENT,
        by=desk,
        method=Attendance.Method.ADMIN,
    )
    result = services.check_in(
        session=session,
        registration=registration,
        by=desk,
        method=Attendance.Method.SEARCH,
    )
    assert result.outcome == ScanOutcome.CHECKED_IN
    attendance = Attendance.objects.get()
    assert (attendance.status, attendance.method) == ("present", "search")


def test_mark_many_is_all_or_nothing(registered, desk):
    registration, session = registered
    foreign = RegistrationFactory(status=Registration.Status.APPROVED)
    with pytest.raises(services.AttendanceError):
        services.attendance_mark_many(
            session=session,
            registrations=[registration, foreign],
            status=Attendance.Status.PRESENT,
            by=desk,
            method=Attendance.Method.SHEET,
        )
    assert not Attendance.objects.exists()


def test_a_note_survives_later_marks_and_absence_is_never_an_override(registered, desk):
    registration, _session = registered
    unchosen = SessionFactory(meeting=registration.meeting)
    services.attendance_record(
        registration=registration,
        session=unchosen,
        status=Attendance.Status.EXCUSED,
        by=desk,
        method=Attendance.Method.ADMIN,
        note="Head of delegation excused by letter",
    )
    attendance = Attendance.objects.get()
    assert attendance.override is False
    services.check_in(
        session=unchosen,
        registration=registration,
        by=desk,
        method=Attendance.Method.SEARCH,
        override=True,
    )
    attendance.refresh_from_db()
    assert attendance.status == Attendance.Status.PRESENT
    assert attendance.override is True
    assert attendance.note == "Head of delegation excused by letter"


def test_a_badge_scanned_after_an_absent_record_makes_it_present(registered, desk):
    registration, session = registered
    code = services.badge_issue(registration=registration).code
    services.attendance_record(
        registration=registration,
        session=session,
        status=Attendance.Status.ABSENT,
        by=desk,
        method=Attendance.Method.SHEET,
    )
    result = services.check_in_by_code(session=session, code=code, by=desk)
    assert result.outcome == ScanOutcome.CHECKED_IN
    attendance = Attendance.objects.get()
    assert (attendance.status, attendance.method) == ("present", "scan")


def test_a_desk_that_lost_the_race_reads_the_winners_record(registered, desk):
    registration, session = registered
    winner = services.check_in(
        session=session,
        registration=registration,
        by=desk,
        method=Attendance.Method.SCAN,
    ).attendance
    # Read before the other desk wrote: no record yet, as far as it knew.
    result = services.check_in(
        session=session,
        registration=registration,
        by=UserFactory(username="other-desk"),
        method=Attendance.Method.SCAN,
        chose=True,
        recorded=False,
    )
    assert result.outcome == ScanOutcome.ALREADY
    assert result.attendance == winner
    assert result.attendance.recorded_by == desk
    assert Attendance.objects.count() == 1
