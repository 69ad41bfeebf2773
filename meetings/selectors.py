"""Reads of the programme, with the access rule for the public pages."""

import datetime
import re
from typing import NamedTuple

from django.db.models import F, Prefetch
from django.utils import timezone

from .markup import render_markdown
from .models import ActionItem, Meeting, Minutes, Session

# The alphabet of secrets.token_urlsafe, which draws every read-only link.
READ_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,128}")


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


class ActionOrigin(NamedTuple):
    """Where an action was decided: the meeting, the session, the number of
    the agenda item."""

    meeting: Meeting
    session: Session
    agenda_item_number: str


def actions_with_origin():
    """Action items with where each was decided selected in the same query."""
    return ActionItem.objects.select_related(
        "item__minutes__session__meeting__body",
        "item__minutes__session__body",
        "item__agenda_item",
    )


def matters_arising(session) -> list[ActionItem]:
    """The open actions a session's body decided at its earlier meetings.

    When the JWG meets for the 12th time, what the 11th JWG left open comes
    back to it: actions still open or in progress, recorded in the minutes of
    a session of the same body at a meeting that began before this one.
    Soonest due first, undated last, then by the meeting that decided them.
    """
    return list(
        actions_with_origin()
        .filter(
            status__in=ActionItem.OPEN_STATUSES,
            item__minutes__session__body_id=session.body_id,
            item__minutes__session__meeting__start_date__lt=(
                session.meeting.start_date
            ),
        )
        .order_by(
            F("due_date").asc(nulls_last=True),
            "item__minutes__session__meeting__start_date",
            "item__agenda_item__order",
            "item__agenda_item__number",
            "pk",
        )
    )


def action_origin(action) -> ActionOrigin:
    """Where an action was decided, for the link back to it; no queries for
    an action from `actions_with_origin` or `matters_arising`."""
    session = action.item.minutes.session
    return ActionOrigin(session.meeting, session, action.item.agenda_item.number)


def minutes_items_rendered(minutes):
    """The minutes' records, in agenda order, each text (Markdown) rendered
    through the sanitiser as `*_html`: for the preview and the read page."""
    items = list(
        minutes.items.select_related("agenda_item").prefetch_related(
            "conclusions", "actions__responsible_bodies"
        )
    )
    for item in items:
        item.discussion_html = render_markdown(item.discussion)
        for conclusion in item.conclusions.all():
            conclusion.text_html = render_markdown(conclusion.text)
        for action in item.actions.all():
            action.text_html = render_markdown(action.text)
            action.progress_html = render_markdown(action.progress_note)
    return items


def minutes_get_readable(token):
    """The minutes behind a read-only link; drafts never circulated are not
    readable. Raises Minutes.DoesNotExist, without a query for text no token
    is made of (PostgreSQL refuses a NUL in a query)."""
    if not READ_TOKEN.fullmatch(token):
        raise Minutes.DoesNotExist
    minutes = Minutes.objects.select_related("session__meeting", "session__body").get(
        read_token=token
    )
    if minutes.status == Minutes.Status.DRAFT and minutes.circulated_at is None:
        raise Minutes.DoesNotExist
    return minutes
