"""The audit log: every change to registrations, attendance, minutes and
users is recorded with who, when and what, through every path that makes
it; no entry holds a password or a full passport number; the admin shows the
log to the secretariat only and lets nobody change it."""

import datetime

import pytest
from auditlog.models import LogEntry
from auditlog.registry import auditlog
from axes.models import AccessAttempt, AccessLog
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts import roles
from accounts.audit import (
    PRIVATE_LINK,
    PUBLIC_FORM,
    SECRET_MARK,
    acting,
    log_change,
    mask_last_three,
    mask_registration_value,
    mask_secret,
    queryset_update,
)
from delegates import services
from delegates.models import (
    ActionItemParty,
    Attendance,
    BadgeCode,
    Delegate,
    Registration,
    RegistrationEvent,
)
from meetings import services as minutes_services
from meetings.models import (
    ActionItem,
    Conclusion,
    Minutes,
    MinutesItem,
    MinutesRevision,
)
from tests.factories import (
    AgendaItemFactory,
    DelegateFactory,
    DelegationFactory,
    MemberStateFactory,
    PartyFactory,
    RegistrationFactory,
    SessionFactory,
    UserFactory,
    registration_open_meeting,
)

pytestmark = pytest.mark.django_db
Action = LogEntry.Action
Status = Registration.Status
User = get_user_model()

PASSPORT = "A1234567Z"
NEW_PASSPORT = "B7654321Y"
RAW_PASSWORD = "Quartz-Feldspar-9931"
NEW_RAW_PASSWORD = "Nickel-Cobalt-Laterite-42"
DAY = datetime.timedelta(days=1)
PHOTO = "photos/0123456789abcdef.jpg"


@pytest.fixture(autouse=True)
def _media_of_its_own(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def secretariat():
    roles.sync_roles()
    user = UserFactory(username="secretariat-officer")
    roles.role_assign(user=user, role_name=roles.SECRETARIAT)
    return User.objects.get(pk=user.pk)


@pytest.fixture
def rapporteur():
    roles.sync_roles()
    user = UserFactory(username="rapporteur")
    roles.role_assign(user=user, role_name=roles.RAPPORTEUR)
    return User.objects.get(pk=user.pk)


@pytest.fixture
def superuser():
    return UserFactory(username="root", is_staff=True, is_superuser=True)


@pytest.fixture
def desk_user():
    user = UserFactory(username="desk")
    user.user_permissions.add(Permission.objects.get(codename="check_in"))
    return user


@pytest.fixture
def open_meeting():
    return registration_open_meeting(
        slug="jwg-11",
        number=11,
    )


@pytest.fixture
def delegation(open_meeting):
    return DelegationFactory(meeting=open_meeting, party=MemberStateFactory())


@pytest.fixture
def session(open_meeting):
    return SessionFactory(meeting=open_meeting, title="Plenary")


def entries(obj):
    return list(LogEntry.objects.get_for_object(obj).order_by("timestamp", "pk"))


def last_entry(obj):
    return entries(obj)[-1]


def via(entry):
    return (entry.additional_data or {}).get("via")


def stored_log_text():
    """Every column of every entry as the database holds it, as text."""
    table = LogEntry._meta.db_table
    quote = connection.ops.quote_name
    columns = ", ".join(
        f"CAST({quote(field.column)} AS TEXT)"
        for field in LogEntry._meta.concrete_fields
    )
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {columns} FROM {quote(table)}")
        rows = cursor.fetchall()
    return "\n".join(" | ".join(str(value) for value in row) for row in rows)


def form_data(delegation, sessions, **overrides):
    """The public registration form as the browser posts it."""
    data = {
        "delegation": delegation.pk,
        "role": "delegate",
        "honorific": "Ms",
        "given_name": "Siti",
        "family_name": "Rahman",
        "badge_name": "",
        "position": "Director",
        "agency": "Ministry of Natural Resources",
        "email": "siti@example.org",
        "phone": "+60 3 8000 8000",
        "nationality": "MYS",
        "preferred_language": "en",
        "sessions": [s.pk for s in sessions],
        "arrival_date": "",
        "departure_date": "",
        "dietary_requirements": "Halal",
        "accessibility_needs": "",
        "needs_visa_letter": "on",
        "passport_number": PASSPORT,
        "passport_expiry": (timezone.localdate() + 900 * DAY).isoformat(),
        "passport_country": "MYS",
        "consent_privacy": "on",
    }
    data.update(overrides)
    return data


def register_through_the_form(client, delegation, session, **overrides):
    url = reverse("delegates:register", kwargs={"slug": delegation.meeting.slug})
    response = client.post(url, form_data(delegation, [session], **overrides))
    assert response.status_code == 302, response.context["form"].errors
    return Registration.objects.select_related("delegate").get(
        delegate__email=overrides.get("email", "siti@example.org")
    )


def link(registration, name="manage"):
    return reverse(f"delegates:{name}", kwargs={"token": registration.token})


# --- The masks ---------------------------------------------------------------


def test_a_passport_keeps_only_its_last_three_characters():
    assert mask_last_three(PASSPORT) == "••••••67Z"
    assert PASSPORT not in mask_last_three(PASSPORT)


def test_short_and_blank_values_are_never_shown_whole():
    assert mask_last_three("X12") == "•••"
    assert mask_last_three("") == ""
    assert mask_last_three(None) == ""
    # auditlog hands a missing value over as the text "None".
    assert mask_last_three("None") == ""


def test_a_secret_becomes_a_fixed_mark():
    assert mask_secret("pbkdf2_sha256$870000$salt$hash") == SECRET_MARK
    assert mask_secret("") == ""


def test_registration_json_is_masked_key_by_key_and_unreadable_values_whole():
    masked = mask_registration_value(
        '{"passport_number": "A1234567Z", "role": "head", "sessions": ["Plenary"]}'
    )
    assert PASSPORT not in masked
    assert '"passport_number": "••••••67Z"' in masked
    assert '"role": "head"' in masked
    # An encrypted JSON field comes as Python's repr: masked the same way.
    assert mask_registration_value("{'passport_number': 'A1234567Z'}") == (
        '{"passport_number": "••••••67Z"}'
    )
    # A token, or anything else no mask can read: nothing of it is kept.
    for unreadable in ("tok3n-not-json", "['A1234567Z']", "{'passport_number': A}"):
        assert mask_registration_value(unreadable) == SECRET_MARK
    assert mask_registration_value("null") == ""
    assert mask_registration_value("None") == ""


# --- Registrations ------------------------------------------------------------


def test_the_public_form_logs_person_and_registration_as_created_through_it(
    client, delegation, session
):
    registration = register_through_the_form(client, delegation, session)

    created, sessions_added = entries(registration)
    assert created.action == Action.CREATE
    assert created.actor is None
    assert via(created) == PUBLIC_FORM
    assert created.remote_addr == "127.0.0.1"
    assert created.changes["reference"][1] == registration.reference
    # Only the registration's own fields; no "None" for each table linking to it.
    assert not {"events", "attendances", "badge_codes"} & set(created.changes)
    # The private link's token: that it was drawn, never what it is.
    assert created.changes["token"] == ["", SECRET_MARK]
    assert sessions_added.changes["sessions"] == {
        "type": "m2m",
        "operation": "add",
        "objects": [str(session)],
    }
    [person] = entries(registration.delegate)
    assert (person.action, via(person)) == (Action.CREATE, PUBLIC_FORM)
    assert person.changes["passport_number"] == ["", "••••••67Z"]
    assert person.changes["email"] == ["None", "siti@example.org"]


def test_changes_through_the_private_link_are_logged_as_the_delegates(
    client, delegation, session
):
    registration = register_through_the_form(client, delegation, session)
    services.registration_decide(
        registration=registration, to_status=Status.APPROVED, by=UserFactory()
    )
    data = form_data(delegation, [session], passport_number=NEW_PASSPORT)

    response = client.post(link(registration, "edit"), data)

    assert response.status_code == 302
    # The new passport sends the approved registration back to pending.
    amended = last_entry(registration)
    assert amended.actor is None
    assert via(amended) == PRIVATE_LINK
    assert amended.changes["status"] == ["approved", "pending"]
    assert PASSPORT not in str(amended.changes["approved_snapshot"])
    assert "67Z" in amended.changes["approved_snapshot"][1]
    person = last_entry(registration.delegate)
    assert (person.actor, via(person)) == (None, PRIVATE_LINK)
    assert person.changes["passport_number"] == ["••••••67Z", "••••••21Y"]

    response = client.post(
        link(registration, "withdraw"), {"confirm": "on", "reason": "Ill"}
    )

    assert response.status_code == 302
    withdrawn = last_entry(registration)
    assert (withdrawn.actor, via(withdrawn)) == (None, PRIVATE_LINK)
    assert withdrawn.changes["status"] == ["pending", "withdrawn"]


def test_confirming_details_through_the_link_logs_the_cleared_proposal_masked(
    client, delegation, session
):
    DelegateFactory(email="siti@example.org", passport_number=PASSPORT)
    registration = register_through_the_form(
        client, delegation, session, passport_number=NEW_PASSPORT
    )
    assert registration.proposed_details["passport_number"] == NEW_PASSPORT

    response = client.post(link(registration, "confirm_details"), {"choice": "accept"})

    assert response.status_code == 302
    cleared = [
        entry for entry in entries(registration) if "proposed_details" in entry.changes
    ][-1]
    assert cleared.action == Action.UPDATE
    assert cleared.changes["proposed_details"][1] == ""
    assert NEW_PASSPORT not in cleared.changes["proposed_details"][0]
    assert "21Y" in cleared.changes["proposed_details"][0]
    assert via(cleared) == PRIVATE_LINK
    person = last_entry(registration.delegate)
    assert person.changes["passport_number"] == ["••••••67Z", "••••••21Y"]
    assert via(person) == PRIVATE_LINK


def test_a_decision_in_the_admin_names_the_secretariat_officer(
    client, secretariat, delegation, session
):
    registration = RegistrationFactory(delegation=delegation, status=Status.PENDING)
    client.force_login(secretariat)

    response = client.post(
        reverse("admin:delegates_registration_approve", args=[registration.pk])
    )

    assert response.status_code == 302
    decided = last_entry(registration)
    assert (decided.action, decided.actor) == (Action.UPDATE, secretariat)
    assert decided.actor_email == secretariat.email
    assert decided.changes["status"] == ["pending", "approved"]
    assert via(decided) is None


def test_a_service_called_outside_a_request_names_its_user_as_actor(delegation):
    officer = UserFactory(username="officer")
    registration = RegistrationFactory(delegation=delegation, status=Status.PENDING)

    services.registration_decide(
        registration=registration, to_status=Status.APPROVED, by=officer
    )

    assert last_entry(registration).actor == officer


def test_without_anyone_known_the_actor_stays_empty(delegation):
    registration = RegistrationFactory(delegation=delegation)

    badge = services.badge_issue(registration=registration)

    [issued] = entries(badge)
    assert (issued.actor, issued.additional_data) == (None, None)
    # The badge's code opens the door: only its last characters are kept.
    assert badge.code not in stored_log_text()
    assert issued.changes["code"][1].endswith(badge.code[-3:])


def test_acting_nests_and_undoes_itself(delegation):
    outer, inner = UserFactory(), UserFactory()
    registration = RegistrationFactory(delegation=delegation, status=Status.PENDING)
    with acting(outer):
        with acting(inner):
            registration.role = Registration.Role.OBSERVER
            registration.save()
        assert last_entry(registration).actor == inner
        registration.role = Registration.Role.DELEGATE
        registration.save()
        assert last_entry(registration).actor == outer
    registration.role = Registration.Role.OBSERVER
    registration.save()
    assert last_entry(registration).actor is None


def test_a_focal_points_endorsement_is_logged_with_the_focal_point(
    client, delegation, session
):
    focal = UserFactory(username="focal-mys")
    delegation.focal_points.add(focal)
    registration = RegistrationFactory(delegation=delegation, status=Status.PENDING)
    client.force_login(focal)

    response = client.post(reverse("focal:endorse", args=[registration.pk]))

    assert response.status_code == 302
    endorsed = last_entry(registration)
    assert endorsed.actor == focal
    assert endorsed.changes["endorsement"] == ["awaiting", "endorsed"]
    assert endorsed.changes["endorsed_by"] == ["None", str(focal.pk)]


def test_delegation_quota_and_focal_points_are_logged(delegation, secretariat):
    focal = UserFactory(username="focal-point")
    with acting(secretariat):
        delegation.quota = 3
        delegation.save()
        delegation.focal_points.add(focal)
        delegation.focal_points.remove(focal)

    quota, added, removed = entries(delegation)[-3:]
    assert quota.changes == {"quota": ["None", "3"]}
    assert added.changes["focal_points"]["operation"] == "add"
    assert removed.changes["focal_points"]["operation"] == "delete"
    assert removed.changes["focal_points"]["objects"] == ["focal-point"]
    assert {quota.actor, added.actor, removed.actor} == {secretariat}


# --- Attendance ---------------------------------------------------------------


def approved(delegation, session, family):
    registration = RegistrationFactory(
        delegation=delegation,
        delegate=DelegateFactory(family_name=family),
        status=Status.APPROVED,
    )
    registration.sessions.add(session)
    return registration


@pytest.mark.parametrize("count", [1, 4])
def test_sessions_added_and_cleared_are_logged_in_fixed_queries(
    delegation, open_meeting, count, django_assert_num_queries
):
    registration = RegistrationFactory(delegation=delegation)
    sessions = [
        SessionFactory(meeting=open_meeting, title=f"Session {n}") for n in range(count)
    ]
    # Read the changed sessions with their meeting, write the entry, and
    # auditlog's look-up of the content type, whatever the number.
    with django_assert_num_queries(4):
        registration.sessions.add(*sessions)
    registration.sessions.clear()

    added, cleared = entries(registration)[-2:]
    names = sorted(str(s) for s in sessions)
    assert names[0].startswith(f"{open_meeting.slug}: ")
    assert added.changes["sessions"] == {
        "type": "m2m",
        "operation": "add",
        "objects": names,
    }
    assert cleared.changes["sessions"]["operation"] == "delete"
    assert sorted(cleared.changes["sessions"]["objects"]) == names


def test_a_badge_scan_at_the_desk_logs_the_record_with_the_desk_user(
    client, desk_user, delegation, session
):
    registration = approved(delegation, session, "Scanned")
    code = services.badge_issue(registration=registration).code
    client.force_login(desk_user)

    response = client.post(
        reverse("checkin:desk", args=[session.pk]), {"method": "scan", "code": code}
    )

    assert response.status_code == 200
    attendance = Attendance.objects.get()
    [recorded] = entries(attendance)
    assert (recorded.action, recorded.actor) == (Action.CREATE, desk_user)
    assert recorded.changes["method"] == ["None", "scan"]
    assert recorded.changes["status"] == ["None", "present"]


def test_the_sign_in_sheet_logs_each_record_with_the_desk_user(
    client, desk_user, delegation, session
):
    people = [approved(delegation, session, f"Person{n}") for n in range(3)]
    client.force_login(desk_user)
    data = {"note": "Page 1"}
    for registration in people:
        data[f"initial-status_{registration.pk}"] = ""
        data[f"status_{registration.pk}"] = "present"

    response = client.post(reverse("checkin:sheet", args=[session.pk]), data)

    assert response.status_code == 302
    records = Attendance.objects.all()
    assert len(records) == 3
    for attendance in records:
        [recorded] = entries(attendance)
        assert recorded.actor == desk_user
        assert recorded.changes["method"] == ["None", "sheet"]


def test_attendance_marked_in_bulk_logs_every_record_and_each_change(
    delegation, session
):
    officer = UserFactory(username="officer")
    people = [approved(delegation, session, f"Person{n}") for n in range(3)]

    services.attendance_mark_many(
        session=session,
        registrations=people,
        status=Attendance.Status.ABSENT,
        by=officer,
        method=Attendance.Method.ADMIN,
    )
    services.attendance_mark_many(
        session=session,
        registrations=people[:1],
        status=Attendance.Status.EXCUSED,
        by=officer,
        method=Attendance.Method.ADMIN,
    )

    first = Attendance.objects.get(registration=people[0])
    created, changed = entries(first)
    assert changed.changes["status"] == ["absent", "excused"]
    assert {created.actor, changed.actor} == {officer}
    for other in Attendance.objects.exclude(pk=first.pk):
        assert [e.actor for e in entries(other)] == [officer]


def test_attendance_marked_in_the_admin_is_logged(
    client, secretariat, delegation, session
):
    registration = approved(delegation, session, "Late")
    client.force_login(secretariat)
    url = reverse("admin:delegates_registration_changelist")

    response = client.post(
        url,
        {
            "action": "record_attendance",
            ACTION_CHECKBOX_NAME: [registration.pk],
            "session": session.pk,
            "status": Attendance.Status.PRESENT,
            "confirm": "1",
        },
    )

    assert response.status_code == 302
    attendance = Attendance.objects.get(registration=registration)
    [recorded] = entries(attendance)
    assert (recorded.actor, recorded.changes["method"][1]) == (secretariat, "admin")


# --- Minutes ------------------------------------------------------------------


@pytest.fixture
def minutes(secretariat):
    session = SessionFactory(title="Plenary")
    AgendaItemFactory(session=session, number="1", order=1, title="Opening")
    AgendaItemFactory(session=session, number="2", order=2, title="Critical minerals")
    return minutes_services.minutes_start(session=session, by=secretariat)


def test_starting_minutes_logs_them_and_each_record_of_an_item(minutes, secretariat):
    [created] = entries(minutes)
    assert (created.action, created.actor) == (Action.CREATE, secretariat)
    # The read-only link's token: drawn, never shown.
    assert created.changes["read_token"] == ["", SECRET_MARK]
    assert minutes.read_token not in stored_log_text()
    for item in MinutesItem.objects.filter(minutes=minutes):
        [item_created] = entries(item)
        assert (item_created.action, item_created.actor) == (Action.CREATE, secretariat)


def test_the_minutes_admin_logs_edits_items_and_the_workflow(
    client, minutes, secretariat, rapporteur
):
    minutes.rapporteurs.add(rapporteur)
    assert last_entry(minutes).changes["rapporteurs"]["objects"] == ["rapporteur"]
    client.force_login(rapporteur)
    items = list(minutes.items.all())
    data = {
        "introduction": "Opened at 9.",
        "items-TOTAL_FORMS": str(len(items)),
        "items-INITIAL_FORMS": str(len(items)),
        "items-MIN_NUM_FORMS": "0",
        "items-MAX_NUM_FORMS": "1000",
    }
    for index, item in enumerate(items):
        data[f"items-{index}-id"] = str(item.pk)
        data[f"items-{index}-minutes"] = str(minutes.pk)
        data[f"items-{index}-discussion"] = "Discussed." if index else ""

    response = client.post(
        reverse("admin:meetings_minutes_change", args=[minutes.pk]), data
    )

    assert response.status_code == 302
    edited = last_entry(minutes)
    assert (edited.actor, edited.changes["introduction"]) == (
        rapporteur,
        ["", "Opened at 9."],
    )
    assert last_entry(items[1]).changes["discussion"] == ["", "Discussed."]

    client.force_login(secretariat)
    response = client.post(
        reverse("admin:meetings_minutesitem_change", args=[items[1].pk]),
        {
            "discussion": "Discussed.",
            "conclusions-TOTAL_FORMS": "1",
            "conclusions-INITIAL_FORMS": "0",
            "conclusions-0-kind": "agreed",
            "conclusions-0-text": "To hold a workshop.",
            "conclusions-0-order": "0",
            "actions-TOTAL_FORMS": "1",
            "actions-INITIAL_FORMS": "0",
            "actions-0-text": "Draft the terms of reference.",
            "actions-0-responsible_note": "The ASEAN Secretariat",
            "actions-0-due_date": "2024-09-30",
            "actions-0-status": "open",
            "actions-0-progress_note": "",
        },
    )

    assert response.status_code == 302
    [conclusion_created] = entries(Conclusion.objects.get())
    assert conclusion_created.actor == secretariat
    assert conclusion_created.changes["text"] == ["None", "To hold a workshop."]
    action = ActionItem.objects.get()
    [action_created] = entries(action)
    assert action_created.actor == secretariat

    minutes_services.minutes_adopt(
        minutes=minutes, by=secretariat, on=datetime.date(2024, 5, 3)
    )
    adopted = last_entry(minutes)
    assert adopted.changes["status"] == ["draft", "adopted"]
    assert adopted.actor == secretariat


def test_the_parties_responsible_for_an_action_are_logged(client, minutes, superuser):
    action = ActionItem.objects.create(item=minutes.items.first(), text="Report.")
    party = PartyFactory(code="IGF")
    client.force_login(superuser)
    url = reverse("admin:meetings_actionitem_change", args=[action.pk])

    response = client.post(
        url,
        {
            "item": action.item_id,
            "text": "Report.",
            "responsible_note": "",
            "due_date": "",
            "status": "in_progress",
            "progress_note": "Drafted.",
            "responsible_party_links-TOTAL_FORMS": "1",
            "responsible_party_links-INITIAL_FORMS": "0",
            "responsible_party_links-0-party": party.pk,
        },
    )

    assert response.status_code == 302, response.context["errors"]
    changed = last_entry(action)
    assert changed.changes["status"] == ["open", "in_progress"]
    assert changed.actor == superuser
    [linked] = entries(ActionItemParty.objects.get())
    assert (linked.action, linked.actor) == (Action.CREATE, superuser)


# --- Users and groups -----------------------------------------------------------


def test_users_are_logged_without_password_or_hash(client, superuser):
    client.force_login(superuser)

    response = client.post(
        reverse("admin:auth_user_add"),
        {
            "username": "newcomer",
            "usable_password": "true",
            "password1": RAW_PASSWORD,
            "password2": RAW_PASSWORD,
        },
    )

    assert response.status_code == 302
    user = User.objects.get(username="newcomer")
    created = entries(user)[0]
    assert (created.action, created.actor) == (Action.CREATE, superuser)
    assert created.changes["password"] == ["", SECRET_MARK]
    old_hash = user.password

    response = client.post(
        reverse("admin:auth_user_password_change", args=[user.pk]),
        {
            "usable_password": "true",
            "password1": NEW_RAW_PASSWORD,
            "password2": NEW_RAW_PASSWORD,
        },
    )

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.password != old_hash
    changed = last_entry(user)
    assert changed.changes == {"password": [SECRET_MARK, SECRET_MARK]}
    assert changed.actor == superuser
    text = stored_log_text()
    for secret in (RAW_PASSWORD, NEW_RAW_PASSWORD, old_hash, user.password):
        assert secret not in text
    # Nor any part of a hash: salt and digest follow the algorithm's name.
    assert user.password.split("$")[-1] not in text


def test_signing_in_is_not_logged_as_a_change(client):
    user = UserFactory(username="signs-in")
    before = len(entries(user))

    # What signing in does: update_last_login saves the user.
    client.force_login(user)

    user.refresh_from_db()
    assert user.last_login is not None
    assert len(entries(user)) == before


def test_roles_and_permissions_given_are_logged(secretariat):
    group = Group.objects.get(name=roles.SECRETARIAT)
    [joined] = [e for e in entries(secretariat) if "groups" in e.changes]
    assert joined.changes["groups"]["objects"] == [roles.SECRETARIAT]

    with acting(secretariat):
        group.permissions.add(Permission.objects.get(codename="add_group"))

    granted = last_entry(group)
    assert granted.actor == secretariat
    assert granted.changes["permissions"]["operation"] == "add"


# --- No secret in any stored form ---------------------------------------------


@pytest.mark.parametrize("json_changes", [False, True])
def test_no_entry_holds_a_full_passport_number(
    client, settings, superuser, delegation, session, json_changes
):
    settings.AUDITLOG_STORE_JSON_CHANGES = json_changes
    # Created through the public form, approved, then changed through the
    # link: the approved version kept beside it holds the old number.
    registration = register_through_the_form(client, delegation, session)
    services.registration_decide(
        registration=registration, to_status=Status.APPROVED, by=superuser
    )
    client.post(
        link(registration, "edit"),
        form_data(delegation, [session], passport_number=NEW_PASSPORT),
    )
    registration.refresh_from_db()
    assert registration.approved_snapshot["passport_number"] == PASSPORT
    # Created, changed and deleted in the admin.
    client.force_login(superuser)
    other = {
        "honorific": "Mr",
        "given_name": "Ahmad",
        "family_name": "Yusof",
        "badge_name": "",
        "position": "",
        "agency": "",
        "nationality": "MYS",
        "email": "ahmad@example.org",
        "phone": "",
        "preferred_language": "en",
        "dietary_requirements": "",
        "accessibility_needs": "",
        "passport_number": "C1112223X",
        "passport_expiry": "2031-01-31",
        "passport_country": "MYS",
    }
    response = client.post(reverse("admin:delegates_delegate_add"), other)
    assert response.status_code == 302, response.context["errors"]
    ahmad = Delegate.objects.get(email="ahmad@example.org")
    response = client.post(
        reverse("admin:delegates_delegate_change", args=[ahmad.pk]),
        {**other, "passport_number": "D4445556W"},
    )
    assert response.status_code == 302, response.context["errors"]
    response = client.post(
        reverse("admin:delegates_delegate_delete", args=[ahmad.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert [e.action for e in entries(ahmad)] == [
        Action.CREATE,
        Action.UPDATE,
        Action.DELETE,
    ]

    text = stored_log_text()
    for number in (PASSPORT, NEW_PASSPORT, "C1112223X", "D4445556W"):
        assert number not in text
    # The entries are there, masked: the test would see a leak.
    for tail in ("67Z", "21Y", "23X", "56W"):
        assert tail in text


def test_blanking_the_sensitive_fields_is_logged_masked(delegation):
    """As the retention purge does: the log records that the passport, the
    photo and the needs went, and keeps none of them."""
    delegate = DelegateFactory(
        passport_number=PASSPORT,
        passport_country="MYS",
        dietary_requirements="Vegetarian, no nuts",
        photo=PHOTO,
    )

    delegate.passport_number = ""
    delegate.passport_country = ""
    delegate.dietary_requirements = ""
    delegate.photo = ""
    delegate.personal_data_purged_at = timezone.now()
    delegate.save()

    purged = last_entry(delegate)
    assert purged.changes["passport_number"] == ["••••••67Z", ""]
    assert purged.changes["passport_country"] == ["•••", ""]
    assert purged.changes["photo"] == [mask_last_three(PHOTO), ""]
    assert purged.changes["dietary_requirements"][1] == ""
    assert "personal_data_purged_at" in purged.changes
    text = stored_log_text()
    for value in (PASSPORT, "Vegetarian", "0123456789abcdef"):
        assert value not in text


def test_a_bulk_update_leaves_an_entry_per_row_masked(delegation):
    """What a write without save() (a purge, a command) uses to be logged."""
    officer = UserFactory(username="officer")
    kept = DelegateFactory(passport_number="K9998887V")
    purged = [DelegateFactory(passport_number=PASSPORT) for _ in range(2)]
    purged.append(DelegateFactory(passport_number=""))

    with acting(officer):
        count = queryset_update(
            Delegate.objects.filter(pk__in=[d.pk for d in purged]).only("pk"),
            passport_number="",
            personal_data_purged_at=timezone.now(),
        )

    assert count == 3
    assert Delegate.objects.filter(passport_number="").count() == 3
    for delegate in purged:
        entry = last_entry(delegate)
        assert entry.actor == officer
        assert "personal_data_purged_at" in entry.changes
    assert [
        last_entry(delegate).changes.get("passport_number") for delegate in purged
    ] == [["••••••67Z", ""], ["••••••67Z", ""], None]
    assert len(entries(kept)) == 1
    assert PASSPORT not in stored_log_text()


def test_an_object_changed_without_save_is_logged_from_its_two_states(delegation):
    registration = RegistrationFactory(
        delegation=delegation,
        approved_snapshot={"role": "head", "passport_number": PASSPORT},
    )
    before = Registration.objects.only("pk", "approved_snapshot").get(
        pk=registration.pk
    )
    after = Registration.objects.only("pk", "approved_snapshot").get(pk=registration.pk)
    after.approved_snapshot.pop("passport_number")
    Registration.objects.bulk_update([after], ["approved_snapshot"])

    entry = log_change(before, after, fields=["approved_snapshot"])

    entry.refresh_from_db()
    assert entry.changes["approved_snapshot"] == [
        '{"passport_number": "••••••67Z", "role": "head"}',
        '{"role": "head"}',
    ]
    assert log_change(after, after) is None
    assert PASSPORT not in stored_log_text()


# --- The admin ------------------------------------------------------------------


LOG_URL = "admin:auditlog_logentry_changelist"


def entry_url(entry, view="change"):
    return reverse(f"admin:auditlog_logentry_{view}", args=[entry.pk])


@pytest.fixture
def logged(delegation, secretariat):
    registration = RegistrationFactory(delegation=delegation, status=Status.PENDING)
    services.registration_decide(
        registration=registration, to_status=Status.APPROVED, by=secretariat
    )
    return registration


def test_the_secretariat_reads_the_log_filtered_and_searched(
    client, secretariat, logged
):
    client.force_login(secretariat)
    entry = last_entry(logged)
    url = reverse(LOG_URL)

    for query in (
        {},
        {"model": "delegates.registration"},
        {"action__exact": Action.UPDATE},
        {"actor__id__exact": secretariat.pk},
        {"timestamp__gte": "2000-01-01 00:00:00+00:00"},
        {"timestamp__year": entry.timestamp.year},
        {"q": logged.reference},
    ):
        response = client.get(url, query)
        assert response.status_code == 200, query
        assert entry in response.context["cl"].result_list, query
    response = client.get(url, {"q": "no-such-reference"})
    assert list(response.context["cl"].result_list) == []

    response = client.get(entry_url(entry))
    assert response.status_code == 200
    html = response.content.decode()
    assert "approved" in html
    assert secretariat.username in html


def test_a_rapporteur_without_the_permission_is_refused(client, rapporteur, logged):
    client.force_login(rapporteur)

    assert client.get(reverse(LOG_URL)).status_code == 403
    assert client.get(entry_url(last_entry(logged))).status_code == 403


def test_nobody_adds_changes_or_deletes_an_entry(client, superuser, logged):
    entry = last_entry(logged)
    count = LogEntry.objects.count()
    client.force_login(superuser)

    assert client.get(reverse("admin:auditlog_logentry_add")).status_code == 403
    assert client.post(entry_url(entry), {"action": 0}).status_code == 403
    assert client.post(entry_url(entry, "delete"), {"post": "yes"}).status_code == 403
    response = client.post(
        reverse(LOG_URL),
        {"action": "delete_selected", ACTION_CHECKBOX_NAME: [entry.pk], "post": "yes"},
    )
    assert response.status_code in (200, 302)
    assert LogEntry.objects.count() == count
    entry.refresh_from_db()
    assert entry.changes["status"] == ["pending", "approved"]


def test_the_log_shows_who_acted_without_an_account(client, secretariat, delegation):
    registration = RegistrationFactory(delegation=delegation, status=Status.PENDING)
    services.registration_withdraw(registration=registration)
    entry = last_entry(registration)
    client.force_login(secretariat)

    html = client.get(reverse(LOG_URL)).content.decode()

    assert "Nobody signed in, through the registration&#x27;s private link" in html
    assert client.get(entry_url(entry)).status_code == 200


def test_an_entry_still_says_who_acted_once_the_user_is_deleted(
    client, superuser, delegation
):
    leaver = UserFactory(username="leaver", email="leaver@example.org")
    registration = RegistrationFactory(delegation=delegation, status=Status.PENDING)
    services.registration_decide(
        registration=registration, to_status=Status.APPROVED, by=leaver
    )
    leaver.delete()
    entry = last_entry(registration)
    assert (entry.actor, entry.actor_email) == (None, "leaver@example.org")
    client.force_login(superuser)

    response = client.get(entry_url(entry))

    assert "leaver@example.org (user since deleted)" in response.content.decode()


def test_the_audit_list_queries_do_not_grow_with_entries(client, secretariat):
    client.force_login(secretariat)
    url = reverse(LOG_URL)

    def queries_with(count):
        for n in range(count):
            RegistrationFactory(status=Status.PENDING, reference=f"Q-{count}-{n}")
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        assert response.status_code == 200
        assert response.context["cl"].result_count == LogEntry.objects.count()
        return len(captured)

    assert queries_with(2) == queries_with(20)


@pytest.mark.parametrize(
    ("name", "make"),
    [
        ("delegates_registration", lambda: RegistrationFactory()),
        ("delegates_delegate", lambda: DelegateFactory()),
        ("auth_user", lambda: UserFactory()),
    ],
)
def test_change_pages_link_to_the_objects_history_in_the_log(
    client, superuser, name, make
):
    obj = make()
    other = make()
    client.force_login(superuser)

    html = client.get(reverse(f"admin:{name}_change", args=[obj.pk])).content.decode()

    assert "History (audit log)" in html
    url = reverse(LOG_URL) + f"?model={obj._meta.label_lower}&amp;object_id={obj.pk}"
    assert url in html
    response = client.get(
        reverse(LOG_URL), {"model": obj._meta.label_lower, "object_id": obj.pk}
    )
    assert response.status_code == 200
    listed = list(response.context["cl"].result_list)
    assert listed
    assert {entry.object_id for entry in listed} == {obj.pk}
    assert LogEntry.objects.get_for_object(other).exists()


def test_the_minutes_page_links_to_their_history(client, secretariat, minutes):
    client.force_login(secretariat)

    response = client.get(reverse("admin:meetings_minutes_change", args=[minutes.pk]))

    assert "History (audit log)" in response.content.decode()


def test_no_history_link_for_those_who_may_not_read_the_log(
    client, rapporteur, minutes
):
    minutes.rapporteurs.add(rapporteur)
    client.force_login(rapporteur)

    response = client.get(reverse("admin:meetings_minutes_change", args=[minutes.pk]))

    assert response.status_code == 200
    assert "History (audit log)" not in response.content.decode()


@pytest.mark.parametrize(
    ("proxies", "forwarded", "recorded"),
    [
        (0, "203.0.113.9", "192.0.2.7"),
        (0, "not-an-address", "192.0.2.7"),
        (1, "203.0.113.9, 198.51.100.4", "198.51.100.4"),
    ],
)
def test_entries_keep_the_address_the_lockouts_count_not_the_clients_claim(
    client, settings, superuser, delegation, proxies, forwarded, recorded
):
    settings.TRUSTED_PROXY_COUNT = proxies
    registration = RegistrationFactory(delegation=delegation, status=Status.PENDING)
    client.force_login(superuser)

    response = client.post(
        reverse("admin:delegates_registration_approve", args=[registration.pk]),
        headers={
            "X-Forwarded-For": forwarded,
            "X-Forwarded-Port": "4444",
            "X-Correlation-ID": "forged",
        },
        REMOTE_ADDR="192.0.2.7",
    )

    assert response.status_code == 302
    entry = last_entry(registration)
    assert entry.changes["status"] == ["pending", "approved"]
    assert (entry.remote_addr, entry.remote_port, entry.cid) == (recorded, None, None)


# --- Sign-in records --------------------------------------------------------------


@pytest.fixture
def attempt():
    return AccessAttempt.objects.create(
        username="someone",
        ip_address="192.0.2.1",
        user_agent="test",
        get_data="",
        post_data="username=someone",
        http_accept="*/*",
        path_info="/accounts/login/",
        failures_since_start=5,
    )


@pytest.fixture
def access_log():
    return AccessLog.objects.create(
        username="someone",
        ip_address="192.0.2.1",
        user_agent="test",
        http_accept="*/*",
        path_info="/accounts/login/",
    )


def test_the_secretariat_reads_the_sign_in_records_and_changes_nothing(
    client, secretariat, attempt, access_log
):
    client.force_login(secretariat)
    for model in ("accessattempt", "accesslog", "accessfailurelog"):
        assert client.get(reverse(f"admin:axes_{model}_changelist")).status_code == 200
    attempt_url = reverse("admin:axes_accessattempt_change", args=[attempt.pk])
    response = client.get(attempt_url)
    assert response.status_code == 200
    assert not response.context["has_change_permission"]
    assert client.post(attempt_url, {"username": "x"}).status_code == 403
    delete_url = reverse("admin:axes_accessattempt_delete", args=[attempt.pk])
    assert client.post(delete_url, {"post": "yes"}).status_code == 403
    changelist = client.get(reverse("admin:axes_accessattempt_changelist"))
    assert "cleanup_expired_attempts" not in changelist.content.decode()
    assert AccessAttempt.objects.filter(pk=attempt.pk).exists()


def test_a_failed_sign_in_is_shown_without_the_password_tried(client, secretariat):
    tried = "Wrong-Horse-Battery-77"

    response = client.post(
        reverse("accounts:login"),
        {"username": "secretariat-officer", "password": tried},
    )

    assert response.status_code == 200
    attempt = AccessAttempt.objects.get(username="secretariat-officer")
    assert tried not in attempt.post_data
    client.force_login(secretariat)
    page = client.get(reverse("admin:axes_accessattempt_change", args=[attempt.pk]))
    assert page.status_code == 200
    assert "secretariat-officer" in page.content.decode()
    assert tried not in page.content.decode()


def test_only_an_attempt_is_deleted_to_unlock_and_never_a_log(
    client, superuser, attempt, access_log
):
    client.force_login(superuser)
    log_url = reverse("admin:axes_accesslog_change", args=[access_log.pk])
    assert client.post(log_url, {"username": "x"}).status_code == 403
    log_delete = reverse("admin:axes_accesslog_delete", args=[access_log.pk])
    assert client.post(log_delete, {"post": "yes"}).status_code == 403
    assert AccessLog.objects.filter(pk=access_log.pk).exists()

    attempt_delete = reverse("admin:axes_accessattempt_delete", args=[attempt.pk])
    assert client.post(attempt_delete, {"post": "yes"}).status_code == 302
    assert not AccessAttempt.objects.filter(pk=attempt.pk).exists()


def test_a_staff_user_without_the_view_permission_is_refused(client, rapporteur):
    client.force_login(rapporteur)

    for model in ("accessattempt", "accesslog", "accessfailurelog"):
        response = client.get(reverse(f"admin:axes_{model}_changelist"))
        assert response.status_code == 403


def test_histories_of_their_own_are_not_logged_twice():
    audited = set(auditlog.get_models())
    assert {Registration, Attendance, BadgeCode, Delegate, Minutes, User} <= audited
    assert {MinutesItem, Conclusion, ActionItem, ActionItemParty, Group} <= audited
    assert not {RegistrationEvent, MinutesRevision} & audited
