"""A person's rights over their data: a copy of everything held on them,
and the purge of what a meeting needed only until it was over.

The purge keeps the meeting's record (names, positions, agencies,
delegations, registrations, attendance) and blanks what was collected to
organise it: passport details, phone number, photo, dietary and
accessibility needs, details awaiting confirmation and the delegations'
nomination letters. A person who is also registered for a meeting still
within its retention period keeps them until that meeting is purged.
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone

from meetings.models import Meeting, Session

from .models import (
    Attendance,
    BadgeCode,
    Delegate,
    Delegation,
    PersonalDataPurge,
    Registration,
    RegistrationEvent,
)

# What the purge blanks on a person, and the blank value.
PURGED_DELEGATE_FIELDS = {
    "passport_number": "",
    "passport_expiry": None,
    "passport_country": "",
    "phone": "",
    "dietary_requirements": "",
    "accessibility_needs": "",
    "photo": "",
}
# The approved version of a registration repeats the passport.
SNAPSHOT_PASSPORT_KEYS = ("passport_number", "passport_expiry", "passport_country")
PURGED_FIELDS = [
    *(f"delegate.{name}" for name in PURGED_DELEGATE_FIELDS),
    "registration.proposed_details",
    *(f"registration.approved_snapshot.{key}" for key in SNAPSHOT_PASSPORT_KEYS),
    "delegation.nomination_letter",
]

# Left out of a person's copy: secrets that open other pages, and the
# records' own keys. Who else acted is said, not named.
EXPORT_DELEGATE_EXCLUDED = {"id", "photo"}
EXPORT_REGISTRATION_EXCLUDED = {
    "id",
    "token",
    "meeting",
    "delegation",
    "delegate",
    "submitted_by",
    "decided_by",
    "endorsed_by",
}


# A copy of one's own data


def _values(instance, excluded):
    return {
        field.name: getattr(instance, field.attname)
        for field in instance._meta.concrete_fields
        if field.name not in excluded
    }


def _by(user_id):
    if user_id is None:
        return "you or the portal"
    return "the secretariat or your focal point"


def personal_data_export(delegate: Delegate) -> dict:
    """Everything held on `delegate`, for their own download: their details
    (the passport in full), and every registration of theirs at every
    meeting with its sessions, history, attendance and badges.

    Badge codes are left out (the issue dates are given): a code opens the
    door at the desk, and the file may be forwarded. Another person is never
    named: a decision or an entry made by someone else says so, no more.
    A fixed number of queries however many registrations there are.
    """
    registrations = (
        Registration.objects.filter(delegate=delegate)
        .select_related("meeting", "delegation__party")
        .prefetch_related(
            Prefetch(
                "sessions",
                queryset=Session.objects.order_by("starts_at", "order", "pk"),
            ),
            Prefetch("events", queryset=RegistrationEvent.objects.order_by("at", "pk")),
            Prefetch(
                "attendances",
                queryset=Attendance.objects.select_related("session").order_by(
                    "session__starts_at", "pk"
                ),
            ),
            Prefetch("badge_codes", queryset=BadgeCode.objects.order_by("issued_at")),
        )
        .order_by("meeting__start_date", "created_at", "pk")
    )
    return {
        "exported_at": timezone.now(),
        "person": {
            **_values(delegate, EXPORT_DELEGATE_EXCLUDED),
            "photo_held": bool(delegate.photo),
        },
        "registrations": [_registration_export(r) for r in registrations],
    }


def _registration_export(registration):
    meeting = registration.meeting
    return {
        "meeting": {
            "slug": meeting.slug,
            "title": meeting.title,
            "start_date": meeting.start_date,
            "end_date": meeting.end_date,
            "city": meeting.city,
        },
        "delegation": registration.delegation.party.name,
        **_values(registration, EXPORT_REGISTRATION_EXCLUDED),
        "registered_by": (
            "you"
            if registration.submitted_by_id is None
            else "the secretariat or your focal point, for you"
        ),
        "decided_by": (None if registration.decided_at is None else "the secretariat"),
        "endorsed_by": (
            None if registration.endorsed_at is None else "your focal point"
        ),
        "sessions": [
            {
                "title": session.title,
                "starts_at": session.starts_at,
                "ends_at": session.ends_at,
            }
            for session in registration.sessions.all()
        ],
        "history": [
            {
                "at": event.at,
                "action": event.action,
                "from_status": event.from_status,
                "to_status": event.to_status,
                "note": event.note,
                "by": _by(event.by_id),
            }
            for event in registration.events.all()
        ],
        "attendance": [
            {
                "session": attendance.session.title,
                "status": attendance.status,
                "recorded_by_way_of": attendance.method,
                "recorded_at": attendance.recorded_at,
                "admitted_by_override": attendance.override,
                "note": attendance.note,
            }
            for attendance in registration.attendances.all()
        ],
        "badges": [
            {"issued_at": badge.issued_at, "revoked_at": badge.revoked_at}
            for badge in registration.badge_codes.all()
        ],
    }


# The purge


@dataclass(frozen=True)
class PurgeResult:
    meeting: Meeting
    delegates_purged: int
    delegates_kept: int
    record: PersonalDataPurge | None


def retention_cutoff(days: int, now=None) -> datetime.date:
    """A meeting that ended before this day is past its retention period."""
    return timezone.localdate(now or timezone.now()) - datetime.timedelta(days=days)


def meetings_due_for_purge(*, days: int, now=None):
    """Meetings past their retention period and not purged yet, oldest first."""
    return Meeting.objects.filter(
        end_date__lt=retention_cutoff(days, now), personal_data_purges__isnull=True
    ).order_by("end_date", "pk")


def personal_data_purge(
    *, meeting: Meeting, days: int, ran_by: str = "", dry_run: bool = False, now=None
) -> PurgeResult | None:
    """Blank the sensitive data of a meeting past its retention period and
    record it; None if the meeting is not due or was purged already.

    All or nothing for the meeting. A delegate who is also registered (and
    neither withdrawn nor rejected) for a meeting still within its retention
    period is kept, and counted. Files (photos, nomination letters) are
    deleted from storage once the transaction commits. A dry run changes
    nothing and records nothing, but counts the same.
    """
    now = now or timezone.now()
    cutoff = retention_cutoff(days, now)
    with transaction.atomic():
        # Two purges of one meeting at once: the second waits, then finds
        # the first one's record.
        meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
        if meeting.end_date >= cutoff or meeting.personal_data_purges.exists():
            return None
        of_meeting = Registration.objects.filter(meeting=meeting).values("delegate")
        in_retention = Registration.objects.filter(
            status__in=Registration.ACTIVE_STATUSES, meeting__end_date__gte=cutoff
        ).values("delegate")
        people = Delegate.objects.filter(pk__in=of_meeting)
        kept = people.filter(pk__in=in_retention).count()
        purged = people.exclude(pk__in=in_retention)
        if dry_run:
            return PurgeResult(meeting, purged.count(), kept, None)
        photos = list(purged.exclude(photo="").values_list("photo", flat=True))
        count = purged.update(
            **PURGED_DELEGATE_FIELDS, personal_data_purged_at=now, updated_at=now
        )
        _purge_registrations(meeting)
        letters = list(
            meeting.delegations.exclude(nomination_letter="").values_list(
                "nomination_letter", flat=True
            )
        )
        meeting.delegations.exclude(nomination_letter="").update(
            nomination_letter="", nomination_letter_uploaded_at=None
        )
        record = PersonalDataPurge.objects.create(
            meeting=meeting,
            ran_at=now,
            retention_days=days,
            delegates_purged=count,
            delegates_kept=kept,
            fields=PURGED_FIELDS,
            ran_by=ran_by,
        )
        _delete_files_on_commit(Delegate._meta.get_field("photo").storage, photos)
        _delete_files_on_commit(
            Delegation._meta.get_field("nomination_letter").storage, letters
        )
    return PurgeResult(meeting, count, kept, record)


def _purge_registrations(meeting):
    registrations = Registration.objects.filter(meeting=meeting)
    registrations.filter(proposed_details__isnull=False).update(proposed_details=None)
    amended = list(
        registrations.filter(approved_snapshot__isnull=False).only(
            "pk", "approved_snapshot"
        )
    )
    for registration in amended:
        for key in SNAPSHOT_PASSPORT_KEYS:
            registration.approved_snapshot.pop(key, None)
    Registration.objects.bulk_update(amended, ["approved_snapshot"])


def _delete_files_on_commit(storage, names):
    def delete():
        for name in names:
            storage.delete(name)

    if names:
        transaction.on_commit(delete)


def personal_data_purge_due(
    *, days: int | None = None, meeting: Meeting | None = None, **options
) -> list[PurgeResult]:
    """Purge every meeting due (or the one given, if due), each in its own
    transaction; `days` defaults to settings.PERSONAL_DATA_RETENTION_DAYS."""
    if days is None:
        days = settings.PERSONAL_DATA_RETENTION_DAYS
    due = meetings_due_for_purge(days=days, now=options.get("now"))
    if meeting is not None:
        due = due.filter(pk=meeting.pk)
    results = []
    for candidate in due:
        result = personal_data_purge(meeting=candidate, days=days, **options)
        if result is not None:
            results.append(result)
    return results
