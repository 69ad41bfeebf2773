from django.db import migrations

from jwg_portal.db_rules import RowRule, install

REGISTRATION_DELEGATION_SAME_MEETING = RowRule(
    name="registration_delegation_same_meeting",
    table="delegates_registration",
    condition=(
        "NEW.meeting_id = (SELECT d.meeting_id FROM delegates_delegation d "
        "WHERE d.id = NEW.delegation_id)"
    ),
    message="a registration must go through a delegation to the same meeting",
)

DELEGATION_KEEPS_ITS_MEETING = RowRule(
    name="delegation_meeting_matches_registrations",
    table="delegates_delegation",
    condition=(
        "NOT EXISTS (SELECT 1 FROM delegates_registration r "
        "WHERE r.delegation_id = NEW.id AND r.meeting_id <> NEW.meeting_id)"
    ),
    message="a delegation with registrations cannot move to another meeting",
)

REGISTERED_SESSION_SAME_MEETING = RowRule(
    name="registration_session_same_meeting",
    table="delegates_registration_sessions",
    condition=(
        "(SELECT s.meeting_id FROM meetings_session s WHERE s.id = NEW.session_id) "
        "= (SELECT r.meeting_id FROM delegates_registration r "
        "WHERE r.id = NEW.registration_id)"
    ),
    message="a registration can choose only sessions of its own meeting",
)

ATTENDANCE_SAME_MEETING = RowRule(
    name="attendance_session_same_meeting",
    table="delegates_attendance",
    condition=(
        "(SELECT s.meeting_id FROM meetings_session s WHERE s.id = NEW.session_id) "
        "= (SELECT r.meeting_id FROM delegates_registration r "
        "WHERE r.id = NEW.registration_id)"
    ),
    message="attendance can be recorded only at a session of the same meeting",
)


class Migration(migrations.Migration):
    dependencies = [("delegates", "0001_initial"), ("meetings", "0002_row_rules")]

    operations = [
        migrations.RunPython(
            *install(
                REGISTRATION_DELEGATION_SAME_MEETING,
                DELEGATION_KEEPS_ITS_MEETING,
                REGISTERED_SESSION_SAME_MEETING,
                ATTENDANCE_SAME_MEETING,
            )
        ),
    ]
