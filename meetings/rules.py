"""Database rules of the programme that a CHECK constraint cannot state."""

from jwg_portal.db_rules import RowRule

SESSION_WITHIN_MEETING = RowRule(
    name="session_within_meeting_dates",
    table="meetings_session",
    tables=("meetings_meeting",),
    condition=(
        "NEW.starts_at >= (SELECT m.window_starts_at FROM meetings_meeting m "
        "WHERE m.id = NEW.meeting_id) "
        "AND NEW.ends_at <= (SELECT m.window_ends_at FROM meetings_meeting m "
        "WHERE m.id = NEW.meeting_id)"
    ),
    message="a session must lie within its meeting dates",
)

MEETING_KEEPS_ITS_SESSIONS = RowRule(
    name="meeting_dates_cover_sessions",
    table="meetings_meeting",
    tables=("meetings_session",),
    condition=(
        "NOT EXISTS (SELECT 1 FROM meetings_session s WHERE s.meeting_id = NEW.id "
        "AND (s.starts_at < NEW.window_starts_at OR s.ends_at > NEW.window_ends_at))"
    ),
    message="the new dates would leave a session outside the meeting",
)

MINUTES_ITEM_OF_ITS_SESSION = RowRule(
    name="minutes_item_of_its_session",
    table="meetings_minutesitem",
    tables=("meetings_minutes", "meetings_agendaitem"),
    condition=(
        "(SELECT a.session_id FROM meetings_agendaitem a "
        "WHERE a.id = NEW.agenda_item_id) = "
        "(SELECT m.session_id FROM meetings_minutes m WHERE m.id = NEW.minutes_id)"
    ),
    message="a record must belong to an agenda item of the same session",
)

RULES = (
    SESSION_WITHIN_MEETING,
    MEETING_KEEPS_ITS_SESSIONS,
    MINUTES_ITEM_OF_ITS_SESSION,
)
