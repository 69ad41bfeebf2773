"""Badges and attendance: who was at which session, and who said so.

A badge carries a random code (`BadgeCode`), never a primary key. Checking
someone in is idempotent: the database holds one record per registration
and session, so a replayed scan or a double click finds the first record
and says when and by whom it was made.
"""

from dataclasses import dataclass

from django.db import IntegrityError, models, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.audit import audited

from ..models import Attendance, BadgeCode, Registration
from .errors import ServiceError

__all__ = [
    "AttendanceError",
    "ScanOutcome",
    "ScanResult",
    "attendance_mark_many",
    "attendance_record",
    "badge_issue",
    "check_in",
    "check_in_by_code",
    "chose_session",
]


class AttendanceError(ServiceError):
    """An attendance rule refused the change."""


class ScanOutcome(models.TextChoices):
    CHECKED_IN = "checked_in", _("Checked in")
    ALREADY = "already", _("Already checked in")
    NOT_FOR_SESSION = "not_for_session", _("Not registered for this session")
    NOT_APPROVED = "not_approved", _("Registration not approved")
    UNKNOWN = "unknown", _("Unknown code")
    REVOKED = "revoked", _("Revoked badge")


@dataclass(frozen=True)
class ScanResult:
    outcome: str
    registration: Registration | None = None
    attendance: Attendance | None = None

    @property
    def ok(self):
        return self.outcome in (ScanOutcome.CHECKED_IN, ScanOutcome.ALREADY)


@audited()
def badge_issue(*, registration: Registration, by=None, reissue=False) -> BadgeCode:
    """The registration's live badge code, drawn on first use.

    With `reissue`, the live code is revoked and a new one drawn, so the
    old badge is refused at the door. Only approved registrations get one.
    """
    with transaction.atomic():
        registration = Registration.objects.select_for_update(of=("self",)).get(
            pk=registration.pk
        )
        if registration.status != Registration.Status.APPROVED:
            raise AttendanceError(
                _("Only an approved registration gets a badge."), code="not_approved"
            )
        live = registration.badge_codes.filter(revoked_at__isnull=True).first()
        if live is not None and not reissue:
            return live
        if live is not None:
            live.revoked_at = timezone.now()
            live.save(update_fields=["revoked_at"])
        return BadgeCode.objects.create(registration=registration, issued_by=by)


@audited()
def check_in(
    *,
    session,
    registration: Registration,
    by,
    method,
    override=False,
    chose=None,
    recorded=None,
) -> ScanResult:
    """Record that the person is present at the session, once.

    `override` admits someone who had not chosen the session (staff decide
    at the door); the record says so. Never for an unapproved registration
    or another meeting's. Whether the person chose the session (`chose`) and
    whether a record of them at it exists (`recorded`) are read when not
    given.
    """
    if registration.status != Registration.Status.APPROVED:
        return ScanResult(ScanOutcome.NOT_APPROVED, registration)
    if registration.meeting_id != session.meeting_id:
        return ScanResult(ScanOutcome.NOT_FOR_SESSION, registration)
    chose_session = _chose(registration, session) if chose is None else chose
    if not chose_session and not override:
        return ScanResult(ScanOutcome.NOT_FOR_SESSION, registration)
    existing = None if recorded is False else _record_of(registration, session)
    if existing is not None and existing.status == Attendance.Status.PRESENT:
        return ScanResult(ScanOutcome.ALREADY, registration, existing)
    try:
        with transaction.atomic():
            if existing is None:
                # The usual case at the door: a first record, written
                # straight away (no read for update, no savepoints).
                attendance = Attendance.objects.create(
                    registration=registration,
                    session=session,
                    status=Attendance.Status.PRESENT,
                    method=method,
                    recorded_at=timezone.now(),
                    recorded_by=_recorder(by),
                    override=not chose_session,
                )
            else:
                # Recorded absent or excused before (a sheet, say).
                attendance = _record(
                    registration=registration,
                    session=session,
                    status=Attendance.Status.PRESENT,
                    by=by,
                    method=method,
                    override=not chose_session,
                )
    except IntegrityError:
        # Two desks scanned the same badge at the same moment.
        existing = _record_of(registration, session)
        if existing is None:
            raise  # Another rule than one record per person and session.
        return ScanResult(ScanOutcome.ALREADY, registration, existing)
    return ScanResult(ScanOutcome.CHECKED_IN, registration, attendance)


def check_in_by_code(*, session, code: str, by, override=False) -> ScanResult:
    """Check in whoever's badge carries `code` (as a scanner types it)."""
    code = (code or "").strip()
    if not code:
        return ScanResult(ScanOutcome.UNKNOWN)
    person = OuterRef("registration_id")
    try:
        # With what the desk shows of the person and what check_in() asks,
        # in one query. Not the meeting: the session's, or rarely another's,
        # read when shown; a sixth table in the join costs PostgreSQL more
        # to plan than to run.
        badge = (
            BadgeCode.objects.select_related(
                "registration__delegate", "registration__delegation__party"
            )
            .annotate(
                chose=chose_session(session, person),
                recorded=Exists(
                    Attendance.objects.filter(
                        session_id=session.pk, registration_id=person
                    )
                ),
            )
            .get(code=code)
        )
    except BadgeCode.DoesNotExist:
        return ScanResult(ScanOutcome.UNKNOWN)
    if badge.revoked_at is not None:
        return ScanResult(ScanOutcome.REVOKED, badge.registration)
    return check_in(
        session=session,
        registration=badge.registration,
        by=by,
        method=Attendance.Method.SCAN,
        override=override,
        chose=badge.chose,
        recorded=badge.recorded,
    )


def _record_of(registration, session):
    return (
        Attendance.objects.select_related("recorded_by")
        .filter(registration=registration, session=session)
        # Not the model's order, which joins the session and the registration.
        .order_by()
        .first()
    )


def chose_session(session, registration=None):
    """Whether the registration (by default the outer query's row) chose
    the session, read from the link table alone."""
    return Exists(_links(session, registration or OuterRef("pk")))


def _links(session, registration):
    return Registration.sessions.through.objects.filter(
        registration_id=registration, session_id=session.pk
    )


def _chose(registration, session):
    return _links(session, registration.pk).exists()


def _recorder(by):
    return by if by is not None and by.is_authenticated else None


def _record(*, registration, session, status, by, method, override=False, note=None):
    """Create or update the one record; a note of None keeps the one held."""
    defaults = {
        "status": status,
        "method": method,
        "recorded_at": timezone.now(),
        "recorded_by": _recorder(by),
        # Only a presence can be admitted: absent or excused needs no door.
        "override": override and status == Attendance.Status.PRESENT,
    }
    if note is not None:
        defaults["note"] = note
    # Also set on a record read back for the update, so that the audit log's
    # str() of it does not fetch the registration and the session again.
    defaults.update(registration=registration, session=session)
    attendance, _created = Attendance.objects.update_or_create(
        registration=registration, session=session, defaults=defaults
    )
    return attendance


@audited()
def attendance_record(
    *, registration, session, status, by, method, note=None
) -> Attendance:
    """Set one person's attendance at one session (admin, sheet, import).

    A `note` of None keeps the note already on the record.
    """
    if registration.meeting_id != session.meeting_id:
        raise AttendanceError(
            _("%(reference)s is registered for another meeting.")
            % {"reference": registration.reference},
            code="other_meeting",
        )
    with transaction.atomic():
        chose_session = _chose(registration, session)
        return _record(
            registration=registration,
            session=session,
            status=status,
            by=by,
            method=method,
            override=not chose_session,
            note=note,
        )


@audited()
def attendance_mark_many(*, session, registrations, status, by, method) -> int:
    """Record the same status for many people at one session, all or none."""
    with transaction.atomic():
        count = 0
        for registration in registrations:
            attendance_record(
                registration=registration,
                session=session,
                status=status,
                by=by,
                method=method,
            )
            count += 1
    return count
