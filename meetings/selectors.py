"""Reads of the programme, with the access rule for the public pages."""

import datetime

from django.db.models import Prefetch
from django.utils import timezone

from .models import Meeting, Session


def meetings_public():
    """Meetings anyone may see: published, closed or archived, never drafts."""
    return Meeting.objects.published()


def meetings_public_split(*, now=None):
    """The public meetings as (upcoming or current, past).

    A meeting is past once its last day is over in its own zone, so that a
    meeting in Kuta does not drop off the upcoming list on a server in UTC
    while delegates are still in the room.
    """
    now = now or timezone.now()
    upcoming, past = [], []
    for meeting in meetings_public().order_by("start_date", "slug"):
        if meeting.end_date >= timezone.localdate(now, meeting.tz):
            upcoming.append(meeting)
        else:
            past.append(meeting)
    past.reverse()
    return upcoming, past


def meeting_get_public(slug):
    """The public meeting with its programme prefetched in a fixed number of
    queries; raises Meeting.DoesNotExist for an unknown slug or a draft."""
    sessions = (
        Session.objects.select_related("body")
        .prefetch_related("agenda_items")
        .order_by("starts_at", "order", "pk")
    )
    return (
        meetings_public()
        .select_related("body")
        .prefetch_related(Prefetch("sessions", queryset=sessions))
        .get(slug=slug)
    )


def programme_by_day(meeting) -> list[tuple[datetime.date, list[Session]]]:
    """Every day of the meeting with its sessions, by local start date.

    Days without sessions are kept so the programme shows the whole meeting.
    """
    days = {day: [] for day in meeting.days()}
    tz = meeting.tz
    for session in meeting.sessions.all():
        day = timezone.localtime(session.starts_at, tz).date()
        days.setdefault(day, []).append(session)
    return sorted(days.items())
