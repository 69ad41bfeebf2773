"""The secretariat's admin for the programme: lists that stay cheap as they
grow, and date-times read and shown on the meeting's own clock."""

import datetime
import re
import zoneinfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from meetings.models import AgendaItem, Body, Meeting, PartyKind, Session
from tests.factories import (
    AgendaItemFactory,
    BodyFactory,
    MeetingFactory,
    SessionFactory,
)

WITA = zoneinfo.ZoneInfo("Asia/Makassar")
UTC = datetime.UTC
pytestmark = pytest.mark.django_db


def changelist_queries(client, model):
    """The number of queries one changelist page takes; checks it lists all."""
    url = reverse(f"admin:meetings_{model._meta.model_name}_changelist")
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    assert response.context["cl"].result_count == model.objects.count()
    return len(queries)


def make_bodies(count):
    parent = BodyFactory(acronym="ASOMM", name="Senior Officials")
    BodyFactory.create_batch(count, parent=parent)


def make_meetings(count):
    for meeting in MeetingFactory.create_batch(count):
        SessionFactory(meeting=meeting)


def make_sessions(count):
    SessionFactory.create_batch(count)


def make_agenda_items(count):
    AgendaItemFactory.create_batch(count)


ROWS = {
    Body: make_bodies,
    Meeting: make_meetings,
    Session: make_sessions,
    AgendaItem: make_agenda_items,
}


@pytest.mark.parametrize("model", ROWS, ids=lambda model: model.__name__)
def test_changelist_query_count_does_not_grow_with_rows(staff_client, model):
    ROWS[model](5)
    with_five = changelist_queries(staff_client, model)
    ROWS[model](45)
    assert changelist_queries(staff_client, model) == with_five


def test_the_meeting_page_reads_the_bodies_once_for_all_its_sessions(staff_client):
    meeting = MeetingFactory()
    BodyFactory.create_batch(3)
    url = reverse("admin:meetings_meeting_change", args=[meeting.pk])

    def queries(sessions):
        with CaptureQueriesContext(connection) as captured:
            response = staff_client.get(url)
        assert response.status_code == 200
        assert len(response.context["inline_admin_formsets"][0].forms) == sessions
        return len(captured)

    SessionFactory.create_batch(2, meeting=meeting)
    staff_client.get(url)  # Content types and the like, cached from then on.
    with_two = queries(2)
    SessionFactory.create_batch(6, meeting=meeting)
    assert queries(8) == with_two
    # Every body is still offered, in each row.
    assert response_bodies(staff_client, url) == Body.objects.count()


def response_bodies(client, url):
    html = client.get(url).content.decode()
    select = re.search(r'<select name="sessions-0-body".*?</select>', html, re.S)
    return len(re.findall(r'<option value="\d+"', select.group(0)))


FACTORIES = {
    Body: BodyFactory,
    Meeting: MeetingFactory,
    Session: SessionFactory,
    AgendaItem: AgendaItemFactory,
}


@pytest.mark.parametrize("model", FACTORIES, ids=lambda model: model.__name__)
def test_add_and_change_forms_load(staff_client, model):
    obj = FACTORIES[model]()
    name = model._meta.model_name
    add = staff_client.get(reverse(f"admin:meetings_{name}_add"))
    change = staff_client.get(reverse(f"admin:meetings_{name}_change", args=[obj.pk]))
    assert add.status_code == 200
    assert change.status_code == 200


def management_form(prefix, total=0, initial=0):
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def session_post_data(meeting, **changes):
    data = {
        "meeting": meeting.pk,
        "body": meeting.body.pk,
        "title": "WGTIM",
        "order": "0",
        "starts_at_0": "2024-04-29",
        "starts_at_1": "09:00",
        "ends_at_0": "2024-04-29",
        "ends_at_1": "12:00",
        "room": "Room A",
        "mode": Session.Mode.IN_PERSON,
        "open_to": [PartyKind.MEMBER_STATE],
        "capacity": "",
        **management_form("agenda_items"),
    }
    data.update(changes)
    return data


def rendered_time(html, name):
    """The value of the time half of a split date-time input."""
    match = re.search(rf'<input[^>]*name="{name}_1"[^>]*>', html)
    assert match, f"no input {name}_1"
    return re.search(r'value="([^"]*)"', match.group()).group(1)


def test_session_open_to_stores_the_chosen_kinds_in_list_order(staff_client, meeting):
    response = staff_client.post(
        reverse("admin:meetings_session_add"),
        session_post_data(
            meeting, open_to=[PartyKind.ASEAN_SECRETARIAT, PartyKind.MEMBER_STATE]
        ),
    )
    assert response.status_code == 302
    session = Session.objects.get(meeting=meeting)
    assert session.open_to == [PartyKind.MEMBER_STATE, PartyKind.ASEAN_SECRETARIAT]


def test_session_change_form_ticks_the_stored_kinds(staff_client):
    session = SessionFactory(open_to=[PartyKind.DIALOGUE_PARTNER])
    response = staff_client.get(
        reverse("admin:meetings_session_change", args=[session.pk])
    )
    field = response.context["adminform"].form["open_to"]
    assert field.value() == [PartyKind.DIALOGUE_PARTNER]


@pytest.mark.parametrize("open_to", [["pirates"], []], ids=["unknown-kind", "no-kind"])
def test_session_open_to_refuses_bad_values_on_the_form(staff_client, meeting, open_to):
    response = staff_client.post(
        reverse("admin:meetings_session_add"),
        session_post_data(meeting, open_to=open_to),
    )
    assert response.status_code == 200
    assert "open_to" in response.context["adminform"].form.errors
    assert not Session.objects.exists()


def test_session_changelist_shows_the_start_on_the_meeting_clock(staff_client):
    SessionFactory(
        starts_at=datetime.datetime(2024, 4, 29, 1, 0, tzinfo=UTC),
        ends_at=datetime.datetime(2024, 4, 29, 4, 0, tzinfo=UTC),
    )
    response = staff_client.get(reverse("admin:meetings_session_changelist"))
    assert "Mon 29 Apr 2024, 09:00 (Asia/Makassar)" in response.text


def test_session_change_form_shows_local_times(staff_client):
    session = SessionFactory(
        starts_at=datetime.datetime(2024, 4, 29, 1, 0, tzinfo=UTC),
        ends_at=datetime.datetime(2024, 4, 29, 4, 0, tzinfo=UTC),
    )
    response = staff_client.get(
        reverse("admin:meetings_session_change", args=[session.pk])
    )
    assert rendered_time(response.text, "starts_at") == "09:00:00"
    assert rendered_time(response.text, "ends_at") == "12:00:00"
    assert "In the meeting's local time zone." in response.text


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("09:00", datetime.datetime(2024, 4, 29, 1, 0, tzinfo=UTC)),
        ("10:30", datetime.datetime(2024, 4, 29, 2, 30, tzinfo=UTC)),
    ],
)
def test_session_change_form_reads_local_times(staff_client, typed, stored):
    session = SessionFactory(
        starts_at=datetime.datetime(2024, 4, 29, 1, 0, tzinfo=UTC),
        ends_at=datetime.datetime(2024, 4, 29, 4, 0, tzinfo=UTC),
    )
    data = session_post_data(session.meeting, starts_at_1=typed, room="Room B")
    del data["meeting"]  # fixed once the session exists
    response = staff_client.post(
        reverse("admin:meetings_session_change", args=[session.pk]), data
    )
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.starts_at == stored
    assert session.ends_at == datetime.datetime(2024, 4, 29, 4, 0, tzinfo=UTC)
    assert session.room == "Room B"


def test_session_add_form_reads_times_on_the_chosen_meeting_clock(
    staff_client, meeting
):
    response = staff_client.post(
        reverse("admin:meetings_session_add"), session_post_data(meeting)
    )
    assert response.status_code == 302
    session = Session.objects.get(meeting=meeting)
    assert session.starts_at == datetime.datetime(2024, 4, 29, 1, 0, tzinfo=UTC)


def test_session_cannot_move_to_another_meeting(staff_client):
    session = SessionFactory()
    elsewhere = MeetingFactory()
    data = session_post_data(elsewhere)
    response = staff_client.post(
        reverse("admin:meetings_session_change", args=[session.pk]), data
    )
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.meeting_id != elsewhere.pk


def test_session_outside_the_meeting_dates_is_a_form_error(staff_client, meeting):
    response = staff_client.post(
        reverse("admin:meetings_session_add"),
        session_post_data(meeting, starts_at_0="2024-05-04", ends_at_0="2024-05-04"),
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.non_field_errors()
    assert not Session.objects.exists()


def test_session_change_form_saves_agenda_items(staff_client):
    session = SessionFactory()
    data = session_post_data(session.meeting)
    data.update(
        {
            **management_form("agenda_items", total=1),
            "agenda_items-0-number": "3.1",
            "agenda_items-0-order": "1",
            "agenda_items-0-title": "AMCAP-IV",
            "agenda_items-0-description": "",
        }
    )
    response = staff_client.post(
        reverse("admin:meetings_session_change", args=[session.pk]), data
    )
    assert response.status_code == 302
    assert [item.number for item in session.agenda_items.all()] == ["3.1"]


def meeting_post_data(meeting, **changes):
    data = {
        "title": meeting.title,
        "slug": meeting.slug,
        "body": meeting.body.pk,
        "number": meeting.number,
        "description": "",
        "host_country": meeting.host_country,
        "host_organisation": "",
        "venue": meeting.venue,
        "city": meeting.city,
        "start_date": "2024-04-29",
        "end_date": "2024-05-03",
        "time_zone": meeting.time_zone,
        "registration_opens_at_0": "",
        "registration_opens_at_1": "",
        "registration_closes_at_0": "",
        "registration_closes_at_1": "",
        "status": meeting.status,
        **management_form("sessions"),
    }
    data.update(changes)
    return data


def session_row(index, meeting, session=None, **changes):
    row = {
        "id": session.pk if session else "",
        "meeting": meeting.pk if meeting.pk else "",
        "title": session.title if session else "New session",
        "body": meeting.body.pk,
        "starts_at_0": "2024-04-29",
        "starts_at_1": "09:00",
        "ends_at_0": "2024-04-29",
        "ends_at_1": "12:00",
        "room": "Room A",
        "mode": Session.Mode.IN_PERSON,
        "order": "0",
        **changes,
    }
    return {f"sessions-{index}-{name}": value for name, value in row.items()}


def test_meeting_changelist_counts_sessions(staff_client, meeting):
    SessionFactory.create_batch(3, meeting=meeting)
    MeetingFactory()
    response = staff_client.get(reverse("admin:meetings_meeting_changelist"))
    counts = {row.pk: row.session_count for row in response.context["cl"].result_list}
    assert counts[meeting.pk] == 3
    assert sorted(counts.values()) == [0, 3]


def test_meeting_change_form_shows_session_times_on_the_meeting_clock(staff_client):
    session = SessionFactory(
        starts_at=datetime.datetime(2024, 4, 29, 1, 0, tzinfo=UTC),
        ends_at=datetime.datetime(2024, 4, 29, 4, 0, tzinfo=UTC),
    )
    response = staff_client.get(
        reverse("admin:meetings_meeting_change", args=[session.meeting.pk])
    )
    assert rendered_time(response.text, "sessions-0-starts_at") == "09:00:00"


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("09:00", datetime.datetime(2024, 4, 29, 1, 0, tzinfo=UTC)),
        ("10:30", datetime.datetime(2024, 4, 29, 2, 30, tzinfo=UTC)),
    ],
)
def test_meeting_change_form_reads_session_times_on_the_meeting_clock(
    staff_client, typed, stored
):
    session = SessionFactory(
        starts_at=datetime.datetime(2024, 4, 29, 1, 0, tzinfo=UTC),
        ends_at=datetime.datetime(2024, 4, 29, 4, 0, tzinfo=UTC),
    )
    meeting = session.meeting
    data = meeting_post_data(
        meeting,
        **management_form("sessions", total=1, initial=1),
        **session_row(0, meeting, session, starts_at_1=typed),
    )
    response = staff_client.post(
        reverse("admin:meetings_meeting_change", args=[meeting.pk]), data
    )
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.starts_at == stored


def test_meeting_add_form_reads_times_in_the_zone_it_names(staff_client):
    body = BodyFactory(acronym="JWG")
    meeting = Meeting(
        title="11th JWG",
        slug="jwg-11",
        body=body,
        number=11,
        host_country="IDN",
        venue="Hall",
        city="Kuta",
        time_zone="Asia/Makassar",
        status=Meeting.Status.DRAFT,
    )
    data = meeting_post_data(
        meeting,
        registration_opens_at_0="2024-03-01",
        registration_opens_at_1="08:00",
        registration_closes_at_0="2024-04-20",
        registration_closes_at_1="17:00",
        **management_form("sessions", total=1),
        **session_row(0, meeting),
    )
    response = staff_client.post(reverse("admin:meetings_meeting_add"), data)
    assert response.status_code == 302
    created = Meeting.objects.get(slug="jwg-11")
    assert created.registration_opens_at == datetime.datetime(
        2024, 3, 1, 0, 0, tzinfo=UTC
    )
    assert created.sessions.get().starts_at == datetime.datetime(
        2024, 4, 29, 1, 0, tzinfo=UTC
    )


def test_meeting_dates_that_would_strand_a_session_are_a_form_error(staff_client):
    session = SessionFactory(
        starts_at=datetime.datetime(2024, 5, 2, 9, 0, tzinfo=WITA),
        ends_at=datetime.datetime(2024, 5, 2, 12, 0, tzinfo=WITA),
    )
    meeting = session.meeting
    response = staff_client.post(
        reverse("admin:meetings_meeting_change", args=[meeting.pk]),
        meeting_post_data(meeting, end_date="2024-04-30"),
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.non_field_errors()
    assert session.title in errors[0]
    meeting.refresh_from_db()
    assert meeting.end_date == datetime.date(2024, 5, 3)


def test_meeting_dates_that_keep_every_session_are_saved(staff_client):
    session = SessionFactory(
        starts_at=datetime.datetime(2024, 4, 29, 9, 0, tzinfo=WITA),
        ends_at=datetime.datetime(2024, 4, 29, 12, 0, tzinfo=WITA),
    )
    meeting = session.meeting
    response = staff_client.post(
        reverse("admin:meetings_meeting_change", args=[meeting.pk]),
        meeting_post_data(meeting, end_date="2024-04-30"),
    )
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.end_date == datetime.date(2024, 4, 30)


def test_agenda_item_changelist_filters_by_session(staff_client):
    item = AgendaItemFactory()
    other = AgendaItemFactory()
    response = staff_client.get(
        reverse("admin:meetings_agendaitem_changelist"),
        {"session__id__exact": item.session.pk},
    )
    assert list(response.context["cl"].result_list) == [item]
    assert other.title not in response.text
