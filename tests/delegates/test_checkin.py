"""The check-in desk, the sign-in sheet and attendance in the admin: only
desk staff get in, every answer names the person, a replay records nothing
twice, and every record says who made it and how."""

import datetime
import zoneinfo

import pytest
import time_machine
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from delegates import services
from delegates.models import Attendance, Registration
from meetings.models import Meeting, PartyKind
from tests.factories import (
    AttendanceFactory,
    DelegateFactory,
    DelegationFactory,
    MeetingFactory,
    MemberStateFactory,
    PartyFactory,
    RegistrationFactory,
    SessionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
WITA = zoneinfo.ZoneInfo("Asia/Makassar")
SCAN_TIME = datetime.datetime(2024, 4, 29, 9, 5, tzinfo=WITA)
Status = Attendance.Status
Method = Attendance.Method


def grant(user, *codenames):
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    return user


@pytest.fixture
def meeting():
    return MeetingFactory(title="11th JWG")


@pytest.fixture
def session(meeting):
    return SessionFactory(meeting=meeting, title="JWG plenary")


@pytest.fixture
def malaysia(meeting):
    return DelegationFactory(meeting=meeting, party=MemberStateFactory())


@pytest.fixture
def desk_user():
    user = UserFactory(username="desk", first_name="Dewi", last_name="Lestari")
    return grant(user, "check_in")


@pytest.fixture
def desk_client(client, desk_user):
    client.force_login(desk_user)
    return client


def person(delegation, session=None, *, given="Siti", family="Rahman", **kwargs):
    registration = RegistrationFactory(
        delegation=delegation,
        delegate=DelegateFactory(given_name=given, family_name=family),
        **kwargs,
    )
    if session is not None:
        registration.sessions.add(session)
    return registration


def badge(registration):
    return services.badge_issue(registration=registration).code


def desk_url(session):
    return reverse("checkin:desk", args=[session.pk])


def sheet_url(session):
    return reverse("checkin:sheet", args=[session.pk])


def scan(client, session, code, **extra):
    return client.post(desk_url(session), {"method": "scan", "code": code, **extra})


def pick(client, session, registration, **extra):
    return client.post(
        desk_url(session),
        {"method": "search", "registration": registration.pk, **extra},
    )


def queries(call):
    with CaptureQueriesContext(connection) as captured:
        response = call()
    assert response.status_code == 200
    return len(captured)


# --- Who may use the desk -----------------------------------------------------


def desk_urls(session):
    return [reverse("checkin:sessions"), desk_url(session), sheet_url(session)]


def test_anonymous_visitors_are_sent_to_log_in(client, session):
    for url in desk_urls(session):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url == f"{reverse('login')}?next={url}"


def test_staff_without_the_check_in_permission_are_refused(client, session, malaysia):
    registration = person(malaysia, session)
    client.force_login(UserFactory(is_staff=True))
    for url in desk_urls(session):
        assert client.get(url).status_code == 403
    assert scan(client, session, badge(registration)).status_code == 403
    assert pick(client, session, registration).status_code == 403
    assert not Attendance.objects.exists()


def test_desk_staff_open_every_page_and_nothing_is_cached(desk_client, session):
    for url in desk_urls(session):
        response = desk_client.get(url)
        assert response.status_code == 200
        assert "no-store" in response["Cache-Control"]


def test_an_unknown_session_is_not_found(desk_client):
    assert desk_client.get(reverse("checkin:desk", args=[999999])).status_code == 404
    assert desk_client.get(reverse("checkin:sheet", args=[999999])).status_code == 404


def test_a_draft_meetings_session_opens_for_rehearsal(desk_client):
    draft = SessionFactory(meeting=MeetingFactory(status=Meeting.Status.DRAFT))
    response = desk_client.get(desk_url(draft))
    assert response.status_code == 200
    assert "Draft" in response.text


def test_the_navigation_links_the_desk_for_desk_staff_only(client, desk_user):
    desk_user.is_staff = True
    desk_user.save()
    client.force_login(desk_user)
    assert reverse("checkin:sessions") in client.get(reverse("focal:home")).text
    client.force_login(UserFactory(is_staff=True))
    assert reverse("checkin:sessions") not in client.get(reverse("focal:home")).text


# --- Choosing a session -------------------------------------------------------


def current_meeting(**kwargs):
    today = timezone.localdate()
    return MeetingFactory(start_date=today, end_date=today, **kwargs)


def test_the_chooser_lists_sessions_of_current_and_recent_published_meetings(
    desk_client,
):
    today = timezone.localdate()
    current = SessionFactory(meeting=current_meeting(), title="Plenary now")
    recent = SessionFactory(
        meeting=MeetingFactory(
            start_date=today - datetime.timedelta(days=12),
            end_date=today - datetime.timedelta(days=10),
        ),
        title="Plenary last week",
    )
    old = SessionFactory(title="Plenary long ago")
    draft = SessionFactory(
        meeting=current_meeting(status=Meeting.Status.DRAFT), title="Draft plenary"
    )
    response = desk_client.get(reverse("checkin:sessions"))
    assert desk_url(current) in response.text
    assert desk_url(recent) in response.text
    assert desk_url(old) not in response.text
    assert desk_url(draft) not in response.text


def test_the_chooser_shows_local_times(desk_client):
    meeting = current_meeting()
    start = datetime.datetime.combine(
        meeting.start_date, datetime.time(14, 30), tzinfo=WITA
    )
    SessionFactory(meeting=meeting, starts_at=start)
    response = desk_client.get(reverse("checkin:sessions"))
    assert "14:30" in response.text
    assert "WITA, UTC+08:00" in response.text


def test_the_chooser_queries_do_not_grow_with_meetings(desk_client):
    def add(count):
        for _ in range(count):
            SessionFactory.create_batch(2, meeting=current_meeting())

    add(1)
    with_one = queries(lambda: desk_client.get(reverse("checkin:sessions")))
    add(6)
    assert queries(lambda: desk_client.get(reverse("checkin:sessions"))) == with_one


# --- Scanning a badge ---------------------------------------------------------


def test_a_scan_checks_in_and_names_the_person(
    desk_client, desk_user, session, malaysia
):
    registration = person(malaysia, session, role=Registration.Role.HEAD)
    response = scan(desk_client, session, badge(registration))
    assert response.status_code == 200
    assert "Checked in" in response.text
    assert "Siti Rahman" in response.text
    assert "Malaysia" in response.text
    assert "Head of Delegation" in response.text
    assert 'role="status"' in response.text
    attendance = Attendance.objects.get()
    assert attendance.registration == registration
    assert attendance.recorded_by == desk_user
    assert (attendance.method, attendance.status) == (Method.SCAN, Status.PRESENT)
    assert attendance.override is False
    # The field is empty again and keeps the focus for the next badge.
    assert not response.context["scan_form"].is_bound
    assert "autofocus" in response.text


def test_a_replayed_scan_says_when_and_by_whom_and_records_nothing_twice(
    desk_client, session, malaysia
):
    code = badge(person(malaysia, session))
    with time_machine.travel(SCAN_TIME, tick=False):
        scan(desk_client, session, code)
    response = scan(desk_client, session, code)
    assert "Already checked in" in response.text
    assert "09:05" in response.text
    assert "Dewi Lestari" in response.text
    assert "Badge scan" in response.text
    assert 'role="status"' in response.text
    assert Attendance.objects.count() == 1
    assert Attendance.objects.get().recorded_at == SCAN_TIME


def test_the_count_says_how_many_of_those_registered_are_in(
    desk_client, session, malaysia
):
    first = person(malaysia, session)
    person(malaysia, session, given="Ahmad", family="Zain")
    person(malaysia, session, given="Nur", family="Pending", status="pending")
    scan(desk_client, session, badge(first))
    response = desk_client.get(desk_url(session))
    assert (response.context["checked_in"], response.context["registered"]) == (1, 2)
    assert "<strong>1</strong> checked in of <strong>2</strong>" in response.text


def test_a_person_who_did_not_choose_the_session_is_admitted_only_by_override(
    desk_client, session, malaysia
):
    code = badge(person(malaysia, SessionFactory(meeting=session.meeting)))
    refused = scan(desk_client, session, code)
    assert "Not registered for this session" in refused.text
    assert 'role="alert"' in refused.text
    assert "Admit anyway" in refused.text
    assert not Attendance.objects.exists()
    admitted = scan(desk_client, session, code, override="1")
    assert "Checked in" in admitted.text
    assert "Admitted by override" in admitted.text
    attendance = Attendance.objects.get()
    assert (attendance.override, attendance.method) == (True, Method.SCAN)


def test_a_badge_for_another_meeting_offers_no_override(desk_client, session):
    code = badge(person(DelegationFactory(), None))
    response = scan(desk_client, session, code)
    assert "Badge for another meeting" in response.text
    assert "Admit anyway" not in response.text
    scan(desk_client, session, code, override="1")
    assert not Attendance.objects.exists()


@pytest.mark.parametrize(
    "status",
    [
        Registration.Status.PENDING,
        Registration.Status.WAITLISTED,
        Registration.Status.REJECTED,
        Registration.Status.WITHDRAWN,
    ],
)
def test_a_registration_not_approved_is_refused(desk_client, session, malaysia, status):
    registration = person(malaysia, session)
    code = badge(registration)
    Registration.objects.filter(pk=registration.pk).update(status=status)
    response = scan(desk_client, session, code)
    assert "Registration not approved" in response.text
    assert str(Registration.Status(status).label) in response.text
    assert 'role="alert"' in response.text
    assert not Attendance.objects.exists()


def test_an_unknown_code_is_refused(desk_client, session):
    response = scan(desk_client, session, "no-such-badge-code-at-all")
    assert "Unknown code" in response.text
    assert 'role="alert"' in response.text
    assert not Attendance.objects.exists()


def test_a_revoked_badge_is_refused_with_the_persons_name(
    desk_client, session, malaysia
):
    registration = person(malaysia, session)
    old = badge(registration)
    services.badge_issue(registration=registration, reissue=True)
    response = scan(desk_client, session, old)
    assert "Revoked badge" in response.text
    assert "Siti Rahman" in response.text
    assert not Attendance.objects.exists()


@pytest.mark.parametrize("code", ["", "   ", "x" * 201])
def test_an_empty_or_overlong_code_is_a_form_error(desk_client, session, code):
    response = scan(desk_client, session, code)
    assert response.status_code == 200
    assert response.context["scan_form"].errors["code"]
    assert response.context["result"] is None
    assert not Attendance.objects.exists()


def test_the_code_field_is_what_a_keyboard_wedge_scanner_needs(desk_client, session):
    field = desk_client.get(desk_url(session)).context["scan_form"]["code"]
    html = str(field)
    assert 'autocomplete="off"' in html
    assert "autofocus" in html
    assert 'maxlength="200"' in html
    assert field.label == "Badge code"


def test_scan_and_page_queries_do_not_grow_with_registrations(
    desk_client, session, malaysia
):
    def fill(count):
        for index in range(count):
            registration = person(malaysia, session, given=f"P{index}")
            code = badge(registration)
            scan(desk_client, session, code)
        return badge(person(malaysia, session, given="Next"))

    code = fill(2)
    small = queries(lambda: scan(desk_client, session, code))
    small_page = queries(lambda: desk_client.get(desk_url(session)))
    code = fill(20)
    assert queries(lambda: scan(desk_client, session, code)) == small
    assert queries(lambda: desk_client.get(desk_url(session))) == small_page


# --- Finding a person by name -------------------------------------------------


@pytest.mark.parametrize("query", ["rahman", "Siti Rah", "TEST-", "Malaysia", "mys"])
def test_search_finds_approved_people_of_the_meeting(
    desk_client, session, malaysia, query
):
    found = person(malaysia, session)
    person(malaysia, session, given="Siti", family="Pending", status="pending")
    person(DelegationFactory(party=malaysia.party), None, given="Siti")
    response = desk_client.get(desk_url(session), {"q": query})
    assert response.context["found"] == [found]


def test_search_needs_two_characters(desk_client, session, malaysia):
    person(malaysia, session)
    response = desk_client.get(desk_url(session), {"q": "r"})
    assert response.context["found"] is None
    assert response.context["search_form"].errors["q"]


def test_search_shows_the_state_at_this_session(desk_client, session, malaysia):
    registration = person(malaysia, session)
    with time_machine.travel(SCAN_TIME, tick=False):
        scan(desk_client, session, badge(registration))
    person(malaysia, None, given="Ahmad", family="Rahman")
    response = desk_client.get(desk_url(session), {"q": "Rahman"})
    assert "Checked in at 09:05" in response.text
    assert "Not registered for this session" in response.text
    # Only the person not yet in gets a button.
    assert response.text.count('name="registration"') == 1


def test_one_click_check_in_from_the_search(desk_client, desk_user, session, malaysia):
    registration = person(malaysia, session)
    response = pick(desk_client, session, registration, q="Rahman")
    assert "Checked in" in response.text
    assert "Checked in at" in response.text  # the list, refreshed
    attendance = Attendance.objects.get()
    assert (attendance.method, attendance.recorded_by) == (Method.SEARCH, desk_user)
    again = pick(desk_client, session, registration)
    assert "Already checked in" in again.text
    assert Attendance.objects.count() == 1


def test_search_check_in_of_someone_not_registered_for_the_session_needs_override(
    desk_client, session, malaysia
):
    registration = person(malaysia, None)
    refused = pick(desk_client, session, registration)
    assert "Admit anyway" in refused.text
    assert not Attendance.objects.exists()
    pick(desk_client, session, registration, override="1")
    attendance = Attendance.objects.get()
    assert (attendance.override, attendance.method) == (True, Method.SEARCH)


def test_a_registration_of_another_meeting_cannot_be_picked(desk_client, session):
    foreign = person(DelegationFactory(), None)
    assert pick(desk_client, session, foreign, override="1").status_code == 404
    response = desk_client.post(
        desk_url(session), {"method": "search", "registration": "x"}
    )
    assert response.status_code == 404
    assert not Attendance.objects.exists()


def test_search_queries_do_not_grow_with_matches(desk_client, session, malaysia):
    def add(count):
        for index in range(count):
            registration = person(malaysia, session, given=f"Siti{index}")
            scan(desk_client, session, badge(registration))

    add(2)
    small = queries(lambda: desk_client.get(desk_url(session), {"q": "Siti"}))
    add(30)
    response = desk_client.get(desk_url(session), {"q": "Siti"})
    assert len(response.context["found"]) == 25
    assert response.context["more_found"]
    assert queries(lambda: desk_client.get(desk_url(session), {"q": "Siti"})) == small


# --- The signed sign-in sheet -------------------------------------------------


def sheet_post(people, **statuses_and_note):
    """The sheet as the page shows it, with some rows changed."""
    note = statuses_and_note.pop("note", "")
    data = {"note": note}
    for registration in people:
        held = registration.attendances.first()
        shown = held.status if held else ""
        data[f"initial-status_{registration.pk}"] = shown
        data[f"status_{registration.pk}"] = statuses_and_note.get(
            registration.reference, shown
        )
    return data


def test_the_sheet_lists_the_session_in_the_order_of_the_list_of_participants(
    desk_client, meeting, session, malaysia
):
    brunei = DelegationFactory(
        meeting=meeting, party=MemberStateFactory(code="BRN", name="Brunei Darussalam")
    )
    igf = DelegationFactory(meeting=meeting, party=PartyFactory(code="IGF", name="IGF"))
    asec = DelegationFactory(
        meeting=meeting,
        party=PartyFactory(
            code="ASEC", name="ASEAN Secretariat", kind=PartyKind.ASEAN_SECRETARIAT
        ),
    )
    rows = [
        person(asec, session, family="Asec"),
        person(igf, session, family="Igf"),
        person(malaysia, session, family="Aziz"),
        person(malaysia, session, family="Zain", role=Registration.Role.HEAD),
        person(brunei, session, family="Brunei"),
    ]
    walked_in = person(malaysia, None, family="Walkin")
    services.check_in(
        session=session,
        registration=walked_in,
        by=None,
        method=Method.SEARCH,
        override=True,
    )
    person(malaysia, session, family="Pending", status="pending")
    person(malaysia, SessionFactory(meeting=meeting), family="Elsewhere")
    response = desk_client.get(sheet_url(session))
    listed = [
        person.delegate.family_name
        for _delegation, people in response.context["delegations"]
        for person, _field in people
    ]
    assert listed == ["Brunei", "Zain", "Aziz", "Walkin", "Igf", "Asec"]
    assert rows[0].delegate.full_name in response.text


def test_the_sheet_records_changes_only_by_way_of_the_sheet(
    desk_client, desk_user, session, malaysia
):
    present = person(malaysia, session, family="Present")
    absent = person(malaysia, session, family="Absent")
    untouched = person(malaysia, session, family="Untouched")
    kept = person(malaysia, session, family="Kept")
    earlier = AttendanceFactory(
        registration=kept, session=session, status=Status.EXCUSED, note="Ill"
    )
    people = [present, absent, untouched, kept]
    response = desk_client.post(
        sheet_url(session),
        sheet_post(
            people,
            **{present.reference: "present", absent.reference: "absent"},
            note="Signed sheet, page 1",
        ),
    )
    assert response.status_code == 302
    records = {a.registration: a for a in Attendance.objects.all()}
    assert set(records) == {present, absent, kept}
    for registration, status in ((present, "present"), (absent, "absent")):
        record = records[registration]
        assert (record.status, record.method) == (status, Method.SHEET)
        assert record.recorded_by == desk_user
        assert record.note == "Signed sheet, page 1"
    assert records[kept] == earlier
    assert (records[kept].method, records[kept].note) == (Method.ADMIN, "Ill")
    [message] = desk_client.get(sheet_url(session)).context["messages"]
    assert str(message) == "Recorded from the sign-in sheet: Present: 1, Absent: 1."


def test_the_sheet_does_not_overwrite_a_scan_made_while_it_was_open(
    desk_client, session, malaysia
):
    registration = person(malaysia, session)
    AttendanceFactory(registration=registration, session=session, status="absent")
    stale = sheet_post([registration])  # the page shows "absent", left as it is
    scan(desk_client, session, badge(registration))
    assert desk_client.post(sheet_url(session), stale).status_code == 302
    attendance = Attendance.objects.get()
    assert (attendance.status, attendance.method) == (Status.PRESENT, Method.SCAN)


def test_a_sheet_with_a_bad_row_saves_nothing(desk_client, session, malaysia):
    good = person(malaysia, session, family="Good")
    bad = person(malaysia, session, family="Bad")
    response = desk_client.post(
        sheet_url(session),
        sheet_post([good, bad], **{good.reference: "present", bad.reference: "gone"}),
    )
    assert response.status_code == 200
    assert response.context["form"].errors[f"status_{bad.pk}"]
    assert "Nothing was saved" in response.text
    assert not Attendance.objects.exists()


def test_a_sheet_refused_half_way_saves_nothing(
    desk_client, session, malaysia, monkeypatch
):
    people = [person(malaysia, session, family=name) for name in ("Aziz", "Zain")]
    record = services.attendance_record
    calls = []

    def refuse_the_second(**kwargs):
        calls.append(kwargs)
        if len(calls) == 2:
            raise services.AttendanceError("Refused for the test.")
        return record(**kwargs)

    monkeypatch.setattr(services, "attendance_record", refuse_the_second)
    response = desk_client.post(
        sheet_url(session),
        sheet_post(people, **{p.reference: "present" for p in people}),
    )
    assert response.status_code == 200
    assert len(calls) == 2
    assert "Refused for the test." in response.text
    assert not Attendance.objects.exists()


def test_the_sheet_ignores_rows_it_does_not_list(desk_client, session, malaysia):
    listed = person(malaysia, session)
    elsewhere = person(malaysia, None, family="Elsewhere")
    data = sheet_post([listed])
    data[f"status_{elsewhere.pk}"] = "present"
    data[f"initial-status_{elsewhere.pk}"] = ""
    assert desk_client.post(sheet_url(session), data).status_code == 302
    assert not Attendance.objects.exists()


def test_the_sheet_queries_do_not_grow_with_people(desk_client, session, malaysia):
    def add(count):
        for index in range(count):
            registration = person(malaysia, session, given=f"P{index}")
            AttendanceFactory(registration=registration, session=session)

    add(2)
    small = queries(lambda: desk_client.get(sheet_url(session)))
    add(20)
    assert queries(lambda: desk_client.get(sheet_url(session))) == small


# --- Attendance in the admin --------------------------------------------------


def admin_url(name, *args):
    return reverse(f"admin:delegates_{name}", args=args)


@pytest.mark.parametrize(
    ("action", "status"),
    [
        ("mark_present", Status.PRESENT),
        ("mark_absent", Status.ABSENT),
        ("mark_excused", Status.EXCUSED),
    ],
)
def test_admin_bulk_actions_mark_attendance_by_way_of_the_admin(
    staff_client, action, status
):
    selected = AttendanceFactory.create_batch(
        2, status=Status.ABSENT, method=Method.SCAN, note="Came late"
    )
    left = AttendanceFactory(status=Status.ABSENT, method=Method.SCAN)
    response = staff_client.post(
        admin_url("attendance_changelist"),
        {"action": action, ACTION_CHECKBOX_NAME: [a.pk for a in selected]},
    )
    assert response.status_code == 302
    for attendance in selected:
        attendance.refresh_from_db()
        assert (attendance.status, attendance.method) == (status, Method.ADMIN)
        assert attendance.recorded_by == staff_client.user
        assert attendance.note == "Came late"
    left.refresh_from_db()
    assert (left.status, left.method) == (Status.ABSENT, Method.SCAN)


def test_who_when_and_how_are_read_only_in_the_admin(staff_client):
    attendance = AttendanceFactory(method=Method.SCAN)
    form = (
        staff_client.get(admin_url("attendance_change", attendance.pk))
        .context["adminform"]
        .form
    )
    assert set(form.fields) == {"status", "note"}


def test_an_admin_change_is_recorded_through_the_service(staff_client):
    attendance = AttendanceFactory(
        method=Method.SCAN, recorded_by=UserFactory(), status=Status.PRESENT
    )
    url = admin_url("attendance_change", attendance.pk)
    untouched = {"status": "present", "note": "", "initial-status": "present"}
    assert staff_client.post(url, untouched).status_code == 302
    attendance.refresh_from_db()
    assert attendance.method == Method.SCAN
    staff_client.post(url, {"status": "excused", "note": "Flight delayed"})
    attendance.refresh_from_db()
    assert (attendance.status, attendance.method) == (Status.EXCUSED, Method.ADMIN)
    assert attendance.recorded_by == staff_client.user
    assert attendance.note == "Flight delayed"


def test_an_admin_addition_is_recorded_through_the_service(staff_client, session):
    registration = person(DelegationFactory(meeting=session.meeting), None)
    response = staff_client.post(
        admin_url("attendance_add"),
        {
            "registration": registration.pk,
            "session": session.pk,
            "status": "present",
            "note": "",
            "method": "scan",
        },
    )
    assert response.status_code == 302
    attendance = Attendance.objects.get()
    assert attendance.method == Method.ADMIN
    assert attendance.recorded_by == staff_client.user
    assert attendance.override is True  # had not chosen the session


# --- "Record attendance at a session…" on the registrations -------------------


def record_action(client, registrations, **confirm):
    return client.post(
        admin_url("registration_changelist"),
        {
            "action": "record_attendance",
            ACTION_CHECKBOX_NAME: [r.pk for r in registrations],
            **confirm,
        },
    )


def test_record_attendance_asks_then_records_for_every_registration(
    staff_client, session, malaysia
):
    people = [person(malaysia, session, family=name) for name in ("Aziz", "Zain")]
    page = record_action(staff_client, people)
    assert page.status_code == 200
    assert "Record attendance at a session" in page.text
    assert list(page.context["form"].fields["session"].queryset) == [session]
    assert not Attendance.objects.exists()
    done = record_action(
        staff_client, people, confirm="yes", session=session.pk, status="excused"
    )
    assert done.status_code == 302
    records = Attendance.objects.all()
    assert {a.registration for a in records} == set(people)
    assert {(a.status, a.method, a.recorded_by) for a in records} == {
        (Status.EXCUSED, Method.ADMIN, staff_client.user)
    }


def test_record_attendance_refuses_a_session_of_another_meeting(
    staff_client, malaysia, session
):
    registration = person(malaysia, session)
    response = record_action(
        staff_client,
        [registration],
        confirm="yes",
        session=SessionFactory().pk,
        status="present",
    )
    assert response.status_code == 200
    assert response.context["form"].errors["session"]
    assert not Attendance.objects.exists()


def test_record_attendance_refuses_several_meetings_or_unapproved(
    staff_client, malaysia, session
):
    here = person(malaysia, session)
    there = person(DelegationFactory(), None, family="Elsewhere")
    pending = person(malaysia, session, family="Pending", status="pending")
    for selection, says in (
        ([here, there], "Choose registrations of one meeting"),
        ([here, pending], pending.reference),
    ):
        response = record_action(staff_client, selection)
        assert response.status_code == 302
        messages = [str(m) for m in staff_client.get(response.url).context["messages"]]
        assert any(says in message for message in messages)
    assert not Attendance.objects.exists()


def test_record_attendance_is_not_offered_without_attendance_permissions(
    client, malaysia, session
):
    registration = person(malaysia, session)
    user = grant(UserFactory(is_staff=True), "view_registration", "change_registration")
    client.force_login(user)
    page = client.get(admin_url("registration_changelist"))
    assert "record_attendance" not in page.text
    record_action(client, [registration], confirm="yes", session=session.pk)
    assert not Attendance.objects.exists()
    grant(user, "add_attendance", "change_attendance")
    assert "record_attendance" in client.get(admin_url("registration_changelist")).text
