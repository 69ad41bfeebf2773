"""Reads for the delegates' pages, with what a private link allows."""

import re

from django.db.models import Prefetch
from django.utils import timezone

from meetings.models import Meeting, Session
from meetings.selectors import meetings_public

from .models import Delegate, Party, Registration, mask_passport

Status = Registration.Status
# The alphabet of secrets.token_urlsafe, which draws every private link.
TOKEN = re.compile(r"[A-Za-z0-9_-]{1,128}")


def meeting_get_for_registration(slug) -> Meeting:
    """A public meeting by slug; raises Meeting.DoesNotExist for a draft."""
    return meetings_public().select_related("body").get(slug=slug)


def registration_get_by_token(token) -> Registration:
    """The registration a private link opens, with what its pages show.

    Raises Registration.DoesNotExist for an unknown token, and without a
    query for text no token is made of: PostgreSQL refuses a NUL in a query.
    """
    if not TOKEN.fullmatch(token):
        raise Registration.DoesNotExist
    sessions = Session.objects.select_related("meeting").order_by(
        "starts_at", "order", "pk"
    )
    return (
        Registration.objects.select_related(
            "meeting__body", "delegation__party", "delegate"
        )
        .prefetch_related(Prefetch("sessions", queryset=sessions))
        .get(token=token)
    )


def registration_sessions_by_day(registration):
    """The registration's sessions as (local day, sessions), in order."""
    tz = registration.meeting.tz
    days = {}
    for session in registration.sessions.all():
        day = timezone.localtime(session.starts_at, tz).date()
        days.setdefault(day, []).append(session)
    return sorted(days.items())


def meeting_is_over(meeting, now=None) -> bool:
    """Whether the meeting's last day has passed at the venue."""
    return timezone.localdate(now or timezone.now(), meeting.tz) > meeting.end_date


def registration_may_edit(registration, now=None) -> bool:
    """A delegate may correct details until the meeting ends, even after the
    registration window has closed: names, flights and dietary needs are
    often settled late, and the secretariat still reviews judged changes."""
    return registration.status not in (
        Status.WITHDRAWN,
        Status.REJECTED,
    ) and not meeting_is_over(registration.meeting, now)


def registration_may_withdraw(registration, now=None) -> bool:
    return registration.is_active and not meeting_is_over(registration.meeting, now)


def registration_letter_available(registration) -> bool:
    return registration.status == Status.APPROVED and registration.needs_visa_letter


def registration_proposed_rows(registration):
    """(label, on file, entered) for each detail awaiting confirmation, with
    passport numbers masked even here: the page may be seen over a shoulder."""
    rows = []
    delegate = registration.delegate
    for field, entered in (registration.proposed_details or {}).items():
        held = getattr(delegate, field)
        if field == "passport_number":
            held, entered = delegate.masked_passport, mask_passport(entered)
        rows.append(
            (Delegate._meta.get_field(field).verbose_name, held or "—", entered)
        )
    return rows


def head_of_delegation_emails(meeting) -> list[str]:
    """The approved Heads of Delegation's addresses at the meeting, in the
    List of Participants' order of their parties.

    Registered with `meetings.services.HEADS_OF_DELEGATION`, to suggest the
    recipients of the meeting's minutes.
    """
    rank = {
        pk: position
        for position, pk in enumerate(
            Party.objects.in_asean_order(on=meeting.start_date)
            .filter(delegations__meeting=meeting)
            .values_list("pk", flat=True)
        )
    }
    heads = Registration.objects.filter(
        meeting=meeting,
        role=Registration.Role.HEAD,
        status=Registration.Status.APPROVED,
    ).values_list("delegation__party_id", "delegate__email")
    return [email for _party, email in sorted(heads, key=lambda h: rank.get(h[0], 0))]
