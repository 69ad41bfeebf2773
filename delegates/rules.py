"""Database rules of participation that a CHECK constraint cannot state."""

from jwg_portal.db_rules import RowRule

REGISTRATION_DELEGATION_SAME_MEETING = RowRule(
    name="registration_delegation_same_meeting",
    table="delegates_registration",
    tables=("delegates_delegation",),
    condition=(
        "NEW.meeting_id = (SELECT d.meeting_id FROM delegates_delegation d "
        "WHERE d.id = NEW.delegation_id)"
    ),
    message="a registration must go through a delegation to the same meeting",
)

DELEGATION_KEEPS_ITS_MEETING = RowRule(
    name="delegation_meeting_matches_registrations",
    table="delegates_delegation",
    tables=("delegates_registration",),
    condition=(
        "NOT EXISTS (SELECT 1 FROM delegates_registration r "
        "WHERE r.delegation_id = NEW.id AND r.meeting_id <> NEW.meeting_id)"
    ),
    message="a delegation with registrations cannot move to another meeting",
)

SAME_MEETING_AS_REGISTRATION = (
    "(SELECT s.meeting_id FROM meetings_session s WHERE s.id = NEW.session_id) "
    "= (SELECT r.meeting_id FROM delegates_registration r "
    "WHERE r.id = NEW.registration_id)"
)

REGISTERED_SESSION_SAME_MEETING = RowRule(
    name="registration_session_same_meeting",
    table="delegates_registration_sessions",
    tables=("meetings_session", "delegates_registration"),
    condition=SAME_MEETING_AS_REGISTRATION,
    message="a registration can choose only sessions of its own meeting",
)

ATTENDANCE_SAME_MEETING = RowRule(
    name="attendance_session_same_meeting",
    table="delegates_attendance",
    tables=("meetings_session", "delegates_registration"),
    condition=SAME_MEETING_AS_REGISTRATION,
    message="attendance can be recorded only at a session of the same meeting",
)

RULES = (
    REGISTRATION_DELEGATION_SAME_MEETING,
    DELEGATION_KEEPS_ITS_MEETING,
    REGISTERED_SESSION_SAME_MEETING,
    ATTENDANCE_SAME_MEETING,
)
