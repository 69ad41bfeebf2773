"""The secretariat's admin for parties, delegations, delegates, registrations
and attendance: cheap lists, rules kept as form errors, passports kept back."""

import datetime
import zoneinfo

import pytest
from django.contrib import admin
from django.contrib.admin import ModelAdmin
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from delegates.models import Attendance, Delegate, Delegation, Party, Registration
from meetings.models import PartyKind
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

WITA = zoneinfo.ZoneInfo("Asia/Makassar")
pytestmark = pytest.mark.django_db

PASSPORT = "P4471902Q"


def url(model, view, *args):
    return reverse(f"admin:delegates_{model._meta.model_name}_{view}", args=args)


def changelist_queries(client, model):
    """The number of queries one changelist page takes; checks it lists all."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url(model, "changelist"))
    assert response.status_code == 200
    assert response.context["cl"].result_count == model.objects.count()
    return len(queries)


def make_parties(count):
    PartyFactory.create_batch(count)


def make_delegations(count):
    for delegation in DelegationFactory.create_batch(count):
        RegistrationFactory(delegation=delegation)
        RegistrationFactory(delegation=delegation, status=Registration.Status.PENDING)


def make_delegates(count):
    for delegate in DelegateFactory.create_batch(count, passport_number=PASSPORT):
        RegistrationFactory(delegate=delegate)


def make_registrations(count):
    for registration in RegistrationFactory.create_batch(count):
        registration.sessions.add(SessionFactory(meeting=registration.meeting))


def make_attendance(count):
    AttendanceFactory.create_batch(count, recorded_by=UserFactory())


ROWS = {
    Party: make_parties,
    Delegation: make_delegations,
    Delegate: make_delegates,
    Registration: make_registrations,
    Attendance: make_attendance,
}


@pytest.mark.parametrize("model", ROWS, ids=lambda model: model.__name__)
def test_changelist_query_count_does_not_grow_with_rows(staff_client, model):
    ROWS[model](5)
    with_five = changelist_queries(staff_client, model)
    ROWS[model](45)
    assert changelist_queries(staff_client, model) == with_five


def add_to_meeting(meeting, count):
    """Registrations with a delegation and a session each, and attendance at
    it, in one meeting, so that its filters' choices grow with them."""
    for _ in range(count):
        registration = RegistrationFactory(
            delegation=DelegationFactory(meeting=meeting)
        )
        session = SessionFactory(meeting=meeting)
        registration.sessions.add(session)
        AttendanceFactory(registration=registration, session=session)


@pytest.mark.parametrize(
    ("model", "meeting_parameter"),
    [(Registration, "meeting__id__exact"), (Attendance, "session__meeting__id__exact")],
    ids=["Registration", "Attendance"],
)
def test_changelist_of_a_meeting_query_count_does_not_grow_with_rows(
    staff_client, model, meeting_parameter
):
    meeting = MeetingFactory()
    add_to_meeting(MeetingFactory(), 3)

    def queries(rows):
        with CaptureQueriesContext(connection) as captured:
            response = staff_client.get(
                url(model, "changelist"), {meeting_parameter: meeting.pk}
            )
        assert response.status_code == 200
        assert response.context["cl"].result_count == rows
        return len(captured)

    add_to_meeting(meeting, 3)
    with_three = queries(3)
    add_to_meeting(meeting, 30)
    assert queries(33) == with_three


def filter_choices(response, field_path):
    """The names a filter offers, or None when the list leaves it out."""
    for spec in response.context["cl"].filter_specs:
        if getattr(spec, "field_path", None) == field_path:
            return {str(label) for _pk, label in spec.lookup_choices}
    return None


def test_delegation_and_session_filters_offer_the_chosen_meeting_only(staff_client):
    meeting, other = MeetingFactory(slug="jwg-11"), MeetingFactory(slug="jwg-12")
    malaysia = DelegationFactory(meeting=meeting, party=MemberStateFactory())
    DelegationFactory(meeting=other, party=malaysia.party)
    RegistrationFactory(delegation=malaysia)
    SessionFactory(meeting=meeting, title="Plenary")
    SessionFactory(meeting=other, title="Workshop")

    response = staff_client.get(
        url(Registration, "changelist"), {"meeting__id__exact": meeting.pk}
    )
    assert filter_choices(response, "delegation") == {"Malaysia at jwg-11"}
    assert filter_choices(response, "sessions") == {"jwg-11: Plenary"}


def test_delegation_and_session_filters_wait_for_a_meeting(staff_client):
    """Without a meeting chosen, no query reads every delegation or session
    to list them."""
    for registration in RegistrationFactory.create_batch(2):
        registration.sessions.add(SessionFactory(meeting=registration.meeting))
    with CaptureQueriesContext(connection) as captured:
        response = staff_client.get(url(Registration, "changelist"))
    assert filter_choices(response, "delegation") is None
    assert filter_choices(response, "sessions") is None
    assert filter_choices(response, "meeting") is not None
    sql = " ".join(query["sql"] for query in captured)
    assert 'FROM "delegates_delegation"' not in sql
    assert 'FROM "meetings_session"' not in sql


def test_a_chosen_delegation_stays_offered_without_its_meeting(staff_client):
    delegation = DelegationFactory()
    kept = RegistrationFactory(delegation=delegation)
    RegistrationFactory()
    response = staff_client.get(
        url(Registration, "changelist"), {"delegation__id__exact": delegation.pk}
    )
    assert list(response.context["cl"].result_list) == [kept]
    assert filter_choices(response, "delegation") == {str(delegation)}


def test_attendance_session_filter_offers_the_chosen_meeting_only(staff_client):
    kept = AttendanceFactory(session__title="Plenary")
    AttendanceFactory(session__title="Workshop")
    response = staff_client.get(
        url(Attendance, "changelist"),
        {"session__meeting__id__exact": kept.session.meeting_id},
    )
    assert list(response.context["cl"].result_list) == [kept]
    assert filter_choices(response, "session") == {str(kept.session)}
    response = staff_client.get(url(Attendance, "changelist"))
    assert filter_choices(response, "session") is None


def test_a_filtered_list_counts_only_its_own_rows(staff_client):
    RegistrationFactory(status=Registration.Status.PENDING)
    RegistrationFactory()
    with CaptureQueriesContext(connection) as captured:
        response = staff_client.get(
            url(Registration, "changelist"), {"status__exact": "pending"}
        )
    cl = response.context["cl"]
    assert (cl.result_count, cl.full_result_count) == (1, None)
    assert sum("COUNT(" in query["sql"].upper() for query in captured) == 1


def test_registrations_are_listed_newest_first(staff_client):
    older, newer, newest = RegistrationFactory.create_batch(3)
    now = datetime.datetime(2024, 3, 15, 9, tzinfo=WITA)
    Registration.objects.filter(pk=older.pk).update(created_at=now)
    Registration.objects.filter(pk__in=[newer.pk, newest.pk]).update(
        created_at=now + datetime.timedelta(hours=1)
    )
    response = staff_client.get(url(Registration, "changelist"))
    assert list(response.context["cl"].result_list) == [newest, newer, older]


def test_attendance_is_listed_latest_first(staff_client):
    earlier = AttendanceFactory()
    later = AttendanceFactory(
        recorded_at=earlier.recorded_at + datetime.timedelta(minutes=5)
    )
    same_time = AttendanceFactory(recorded_at=earlier.recorded_at)
    response = staff_client.get(url(Attendance, "changelist"))
    assert list(response.context["cl"].result_list) == [later, same_time, earlier]


def test_delegates_are_listed_by_name(staff_client):
    second = DelegateFactory(family_name="Rahman", given_name="Aishah")
    third = DelegateFactory(family_name="Rahman", given_name="Aishah")
    first = DelegateFactory(family_name="Nguyen", given_name="Thi Huong")
    response = staff_client.get(url(Delegate, "changelist"))
    assert list(response.context["cl"].result_list) == [first, second, third]


def index_columns(model):
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(
            cursor, model._meta.db_table
        )
    return [tuple(c["columns"]) for c in constraints.values() if c["index"]]


@pytest.mark.parametrize(
    ("model", "filtered_by"),
    [
        (Registration, None),
        (Attendance, None),
        (Delegate, None),
        (Attendance, "session"),
    ],
    ids=["Registration", "Attendance", "Delegate", "Attendance of a session"],
)
def test_a_long_list_is_in_the_order_of_an_index(staff_client, model, filtered_by):
    """A page is read along an index rather than sorted from every row: the
    list's order, after the column it is filtered by, is an index's columns,
    all one way, as the database reads an index forwards or backwards."""
    params = {f"{filtered_by}__id__exact": 1} if filtered_by else {}
    response = staff_client.get(url(model, "changelist"), params)
    # The admin's ordering comes twice, from its queryset and its own.
    order = dict.fromkeys(response.context["cl"].queryset.query.order_by)
    assert len({name.startswith("-") for name in order}) == 1
    columns = [model._meta.get_field(name.lstrip("-")).column for name in order]
    if filtered_by:
        columns.insert(0, model._meta.get_field(filtered_by).column)
    assert tuple(columns) in index_columns(model)


FACTORIES = {
    Party: PartyFactory,
    Delegation: DelegationFactory,
    Delegate: DelegateFactory,
    Registration: RegistrationFactory,
    Attendance: AttendanceFactory,
}


@pytest.mark.parametrize("model", FACTORIES, ids=lambda model: model.__name__)
def test_add_and_change_forms_load(staff_client, model):
    obj = FACTORIES[model]()
    assert staff_client.get(url(model, "add")).status_code == 200
    assert staff_client.get(url(model, "change", obj.pk)).status_code == 200


@pytest.mark.parametrize("model", [Registration, Attendance, Delegate])
def test_long_lists_draw_the_action_checkbox_as_django_does(staff_client, model):
    obj = FACTORIES[model]()
    response = staff_client.get(url(model, "changelist"))
    model_admin = admin.site.get_model_admin(model)
    assert ModelAdmin.action_checkbox(model_admin, obj) in response.text


def test_parties_are_listed_in_asean_order(staff_client):
    PartyFactory(
        code="ASEC", name="ASEAN Secretariat", kind=PartyKind.ASEAN_SECRETARIAT
    )
    PartyFactory(code="IGF", name="IGF")
    MemberStateFactory(code="MYS", name="Malaysia")
    MemberStateFactory(code="BRN", name="Brunei Darussalam")
    PartyFactory(code="USA", name="United States", kind=PartyKind.DIALOGUE_PARTNER)
    response = staff_client.get(url(Party, "changelist"))
    assert [party.code for party in response.context["cl"].result_list] == [
        "BRN",
        "MYS",
        "USA",
        "IGF",
        "ASEC",
    ]


def test_delegation_changelist_counts_approved_and_pending(staff_client):
    delegation = DelegationFactory()
    RegistrationFactory.create_batch(2, delegation=delegation)
    RegistrationFactory(delegation=delegation, status=Registration.Status.PENDING)
    RegistrationFactory(delegation=delegation, status=Registration.Status.REJECTED)
    response = staff_client.get(url(Delegation, "changelist"))
    [row] = response.context["cl"].result_list
    assert (row.approved_count, row.pending_count) == (2, 1)


def management_form(prefix, total=0, initial=0):
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def registration_row(index, delegation, delegate, **changes):
    row = {
        "id": "",
        "delegation": delegation.pk,
        "delegate": delegate.pk,
        "role": Registration.Role.DELEGATE,
        "status": Registration.Status.APPROVED,
        "reference": f"IDN-{index:03d}",
        **changes,
    }
    return {f"registrations-{index}-{name}": value for name, value in row.items()}


def delegation_post(delegation, *rows):
    data = {"quota": "", "notes": "", **management_form("registrations", len(rows))}
    for row in rows:
        data.update(row)
    return data


def test_registration_added_in_a_delegation_takes_its_meeting(staff_client):
    delegation = DelegationFactory()
    delegate = DelegateFactory()
    response = staff_client.post(
        url(Delegation, "change", delegation.pk),
        delegation_post(delegation, registration_row(0, delegation, delegate)),
    )
    assert response.status_code == 302
    registration = Registration.objects.get(delegate=delegate)
    assert registration.meeting == delegation.meeting
    assert registration.submitted_by == staff_client.user
    assert registration.token


def test_delegation_cannot_take_a_second_head_in_the_database(staff_client):
    delegation = DelegationFactory()
    RegistrationFactory(delegation=delegation, role=Registration.Role.HEAD)
    response = staff_client.post(
        url(Delegation, "change", delegation.pk),
        delegation_post(
            delegation,
            registration_row(
                0, delegation, DelegateFactory(), role=Registration.Role.HEAD
            ),
        ),
    )
    assert response.status_code == 200
    [formset] = response.context["inline_admin_formsets"]
    assert "already has a Head" in str(formset.formset.errors)
    assert delegation.registrations.count() == 1


def test_delegation_cannot_take_two_heads_on_one_page(staff_client):
    delegation = DelegationFactory()
    response = staff_client.post(
        url(Delegation, "change", delegation.pk),
        delegation_post(
            delegation,
            registration_row(
                0, delegation, DelegateFactory(), role=Registration.Role.HEAD
            ),
            registration_row(
                1, delegation, DelegateFactory(), role=Registration.Role.HEAD
            ),
        ),
    )
    assert response.status_code == 200
    [formset] = response.context["inline_admin_formsets"]
    assert "only one Head" in str(formset.formset.non_form_errors())
    assert not delegation.registrations.exists()


def test_one_person_cannot_be_listed_twice_on_one_page(staff_client):
    delegation = DelegationFactory()
    delegate = DelegateFactory()
    response = staff_client.post(
        url(Delegation, "change", delegation.pk),
        delegation_post(
            delegation,
            registration_row(0, delegation, delegate),
            registration_row(1, delegation, delegate),
        ),
    )
    assert response.status_code == 200
    [formset] = response.context["inline_admin_formsets"]
    assert "only one active registration" in str(formset.formset.non_form_errors())
    assert not delegation.registrations.exists()


def test_person_already_registered_elsewhere_in_the_meeting_is_refused(
    staff_client,
):
    earlier = RegistrationFactory()
    delegation = DelegationFactory(meeting=earlier.meeting)
    response = staff_client.post(
        url(Delegation, "change", delegation.pk),
        delegation_post(delegation, registration_row(0, delegation, earlier.delegate)),
    )
    assert response.status_code == 200
    [formset] = response.context["inline_admin_formsets"]
    assert "already has an active registration" in str(formset.formset.errors)


def test_delegation_keeps_its_meeting_and_party(staff_client):
    delegation = DelegationFactory()
    meeting, party = delegation.meeting, delegation.party
    other = DelegationFactory()
    data = delegation_post(delegation)
    data.update({"meeting": other.meeting.pk, "party": other.party.pk, "quota": "4"})
    response = staff_client.post(url(Delegation, "change", delegation.pk), data)
    assert response.status_code == 302
    delegation.refresh_from_db()
    assert (delegation.meeting, delegation.party) == (meeting, party)
    assert delegation.quota == 4


def registration_post(delegation, delegate, **changes):
    data = {
        "delegation": delegation.pk,
        "delegate": delegate.pk,
        "role": Registration.Role.DELEGATE,
        "status": Registration.Status.PENDING,
        "reference": "IDN-001",
        "sessions": [],
        "arrival_date": "",
        "departure_date": "",
        "decision_reason": "",
    }
    data.update(changes)
    return data


def test_registration_added_in_the_admin_takes_the_delegation_meeting(
    staff_client,
):
    delegation = DelegationFactory()
    session = SessionFactory(meeting=delegation.meeting)
    response = staff_client.post(
        url(Registration, "add"),
        registration_post(delegation, DelegateFactory(), sessions=[session.pk]),
    )
    assert response.status_code == 302
    registration = Registration.objects.get(reference="IDN-001")
    assert registration.meeting == delegation.meeting
    assert list(registration.sessions.all()) == [session]
    assert registration.submitted_by == staff_client.user


def test_registration_cannot_choose_a_session_of_another_meeting(staff_client):
    delegation = DelegationFactory()
    elsewhere = SessionFactory()
    response = staff_client.post(
        url(Registration, "add"),
        registration_post(delegation, DelegateFactory(), sessions=[elsewhere.pk]),
    )
    assert response.status_code == 200
    assert "sessions" in response.context["adminform"].form.errors
    assert not Registration.objects.exists()


def test_registration_cannot_move_to_a_delegation_of_another_meeting(staff_client):
    registration = RegistrationFactory()
    elsewhere = DelegationFactory()
    response = staff_client.post(
        url(Registration, "change", registration.pk),
        registration_post(elsewhere, registration.delegate),
    )
    assert response.status_code == 200
    assert "delegation" in response.context["adminform"].form.errors


def test_second_active_registration_is_a_form_error(staff_client):
    earlier = RegistrationFactory()
    delegation = DelegationFactory(meeting=earlier.meeting)
    response = staff_client.post(
        url(Registration, "add"), registration_post(delegation, earlier.delegate)
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.non_field_errors()
    assert errors == [
        "This person already has an active registration for this meeting."
    ]


def test_registration_change_form_offers_only_its_meeting_sessions(staff_client):
    registration = RegistrationFactory()
    own = SessionFactory(meeting=registration.meeting, title="WGMID")
    SessionFactory(title="WGSMD")
    response = staff_client.get(url(Registration, "change", registration.pk))
    assert f'<option value="{own.pk}">{own}</option>' in response.text
    assert "WGSMD" not in response.text


def test_registration_changelist_never_shows_the_token(staff_client):
    registration = RegistrationFactory()
    response = staff_client.get(url(Registration, "changelist"))
    assert registration.reference in response.text
    assert registration.token not in response.text


@pytest.fixture
def registrations():
    alice = RegistrationFactory(
        reference="MYS-001",
        delegate=DelegateFactory(
            given_name="Aishah", family_name="Rahman", email="aishah@mygov.my"
        ),
        delegation=DelegationFactory(party=MemberStateFactory()),
    )
    bob = RegistrationFactory(
        meeting=alice.meeting,
        delegation=DelegationFactory(meeting=alice.meeting),
        reference="IGF-001",
        delegate=DelegateFactory(
            given_name="Robert", family_name="Brown", email="rb@igf.example"
        ),
        status=Registration.Status.PENDING,
    )
    return alice, bob


def listed(client, **params):
    response = client.get(url(Registration, "changelist"), params)
    assert response.status_code == 200
    return {row.reference for row in response.context["cl"].result_list}


@pytest.mark.parametrize("term", ["Rahman", "aishah@mygov", "MYS-001", "Aishah"])
def test_registration_search(staff_client, registrations, term):
    assert listed(staff_client, q=term) == {"MYS-001"}


def test_registration_search_misses(staff_client, registrations):
    assert listed(staff_client, q="Nobody") == set()


def test_registration_filters(staff_client, registrations):
    alice, bob = registrations
    assert listed(staff_client, status__exact="pending") == {"IGF-001"}
    assert listed(
        staff_client, delegation__party__kind__exact=PartyKind.MEMBER_STATE
    ) == {"MYS-001"}
    session = SessionFactory(meeting=alice.meeting)
    bob.sessions.add(session)
    assert listed(staff_client, sessions__id__exact=session.pk) == {"IGF-001"}


def staff_user(*codenames):
    user = UserFactory(is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label="delegates", codename__in=codenames
        )
    )
    return user


def test_passport_hidden_from_staff_without_the_permission(client):
    delegate = DelegateFactory(
        passport_number=PASSPORT,
        passport_expiry=datetime.date(2031, 7, 9),
        passport_country="MYS",
    )
    client.force_login(staff_user("view_delegate", "change_delegate"))
    change = client.get(url(Delegate, "change", delegate.pk))
    changelist = client.get(url(Delegate, "changelist"))
    assert change.status_code == changelist.status_code == 200
    assert delegate.family_name in changelist.text
    assert PASSPORT not in change.text
    assert PASSPORT not in changelist.text
    assert "2031" not in change.text
    assert delegate.masked_passport in change.text


def test_passport_cannot_be_changed_without_the_permission(client):
    delegate = DelegateFactory(passport_number=PASSPORT)
    client.force_login(staff_user("view_delegate", "change_delegate"))
    response = client.post(
        url(Delegate, "change", delegate.pk),
        {
            "honorific": delegate.honorific,
            "given_name": delegate.given_name,
            "family_name": delegate.family_name,
            "email": delegate.email,
            "preferred_language": "en",
            "passport_number": "X0000000",
        },
    )
    assert response.status_code == 302
    delegate.refresh_from_db()
    assert delegate.passport_number == PASSPORT


def test_passport_search_finds_nothing(staff_client):
    DelegateFactory(passport_number=PASSPORT)
    response = staff_client.get(url(Delegate, "changelist"), {"q": PASSPORT})
    assert response.context["cl"].result_count == 0


def test_delegate_without_passport_shows_no_passport_section(client):
    delegate = DelegateFactory()
    client.force_login(staff_user("view_delegate"))
    response = client.get(url(Delegate, "change", delegate.pk))
    assert "Passport" not in response.text


@pytest.mark.parametrize(
    "who", ["superuser", "permitted staff"], ids=lambda who: who.replace(" ", "-")
)
def test_passport_shown_to_those_allowed(client, who):
    delegate = DelegateFactory(passport_number=PASSPORT)
    if who == "superuser":
        user = UserFactory(is_staff=True, is_superuser=True)
    else:
        user = staff_user("view_delegate", "view_passport")
    client.force_login(user)
    change = client.get(url(Delegate, "change", delegate.pk))
    changelist = client.get(url(Delegate, "changelist"))
    assert PASSPORT in change.text
    assert PASSPORT not in changelist.text


def test_attendance_list_shows_the_time_on_the_meeting_clock(staff_client):
    AttendanceFactory(
        recorded_at=datetime.datetime(2024, 4, 30, 9, 5, tzinfo=WITA),
    )
    response = staff_client.get(url(Attendance, "changelist"))
    assert "Tue 30 Apr 2024, 09:05 (Asia/Makassar)" in response.text


def attendance_post(registration, session, **changes):
    data = {
        "registration": registration.pk,
        "session": session.pk,
        "status": Attendance.Status.PRESENT,
        "method": Attendance.Method.ADMIN,
        "recorded_at_0": "2024-04-29",
        "recorded_at_1": "09:30",
        "note": "",
    }
    data.update(changes)
    return data


def test_attendance_added_in_the_admin(staff_client):
    registration = RegistrationFactory()
    session = SessionFactory(meeting=registration.meeting)
    response = staff_client.post(
        url(Attendance, "add"), attendance_post(registration, session)
    )
    assert response.status_code == 302
    attendance = Attendance.objects.get()
    assert attendance.recorded_by == staff_client.user
    assert attendance.method == Attendance.Method.ADMIN


def test_attendance_at_a_session_of_another_meeting_is_a_form_error(staff_client):
    registration = RegistrationFactory()
    response = staff_client.post(
        url(Attendance, "add"), attendance_post(registration, SessionFactory())
    )
    assert response.status_code == 200
    assert "session" in response.context["adminform"].form.errors
    assert not Attendance.objects.exists()


def test_attendance_filters_by_session(staff_client):
    kept = AttendanceFactory()
    AttendanceFactory()
    response = staff_client.get(
        url(Attendance, "changelist"), {"session__id__exact": kept.session.pk}
    )
    assert list(response.context["cl"].result_list) == [kept]
