"""The action tracker: open actions by body, party and due date, overdue
first, for staff with the permission, with CSV and XLSX exports."""

import csv
import datetime
import io
import zoneinfo

import openpyxl
import pytest
from django.contrib.auth.models import Permission
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from delegates.models import ActionItemParty
from meetings.models import ActionItem, Minutes, MinutesItem
from tests.factories import (
    AgendaItemFactory,
    BodyFactory,
    MeetingFactory,
    MemberStateFactory,
    PartyFactory,
    SessionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2025, 3, 1)
URL = "/actions/"


@pytest.fixture(autouse=True)
def frozen(time_machine):
    time_machine.move_to(
        datetime.datetime(2025, 3, 1, 10, tzinfo=zoneinfo.ZoneInfo("UTC")), tick=False
    )


@pytest.fixture
def session():
    return SessionFactory(meeting=MeetingFactory(number=11))


@pytest.fixture
def tracker_client(client):
    user = UserFactory(username="tracker", is_staff=True)
    user.user_permissions.add(
        Permission.objects.get(
            content_type__app_label="meetings", codename="view_actionitem"
        )
    )
    client.force_login(user)
    return client


def make_action(session, *, text="Report back", bodies=(), parties=(), **fields):
    agenda_item = AgendaItemFactory(session=session)
    minutes, _created = Minutes.objects.get_or_create(session=session)
    item = MinutesItem.objects.create(minutes=minutes, agenda_item=agenda_item)
    action = ActionItem.objects.create(item=item, text=text, **fields)
    action.responsible_bodies.set(bodies)
    for party in parties:
        ActionItemParty.objects.create(action_item=action, party=party)
    return action


def texts(response):
    return [row["action"].text for row in response.context["rows"]]


def test_anonymous_visitor_is_sent_to_log_in(client):
    response = client.get(URL)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_staff_without_the_permission_is_refused(client):
    client.force_login(UserFactory(is_staff=True))

    assert client.get(URL).status_code == 403
    assert client.get(URL + "export.csv").status_code == 403


def test_lists_open_actions_overdue_first_then_by_due_date(tracker_client, session):
    make_action(session, text="Undated")
    make_action(session, text="Due later", due_date=datetime.date(2025, 6, 1))
    make_action(session, text="Overdue", due_date=datetime.date(2025, 2, 28))
    make_action(session, text="Due today", due_date=TODAY)
    make_action(session, text="Done", status=ActionItem.Status.DONE)
    make_action(session, text="Dropped", status=ActionItem.Status.DROPPED)
    make_action(session, text="Going", status=ActionItem.Status.IN_PROGRESS)

    response = tracker_client.get(URL)

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert texts(response) == ["Overdue", "Due today", "Due later", "Undated", "Going"]
    assert [row["overdue"] for row in response.context["rows"]][:2] == [True, False]


def test_shows_markdown_sanitised_responsible_and_origin(tracker_client, session):
    wgtim = BodyFactory(acronym="WGTIM")
    malaysia = MemberStateFactory()
    action = make_action(
        session,
        text="**Circulate** the draft<script>alert(1)</script>",
        bodies=[wgtim],
        parties=[malaysia],
        responsible_note="All AMS",
    )

    content = tracker_client.get(URL).content.decode()

    assert "<strong>Circulate</strong>" in content
    assert "<script>alert" not in content
    assert "WGTIM" in content and "Malaysia" in content and "All AMS" in content
    assert session.meeting.title in content
    assert f"item {action.item.agenda_item.number}" in content
    assert reverse("admin:meetings_actionitem_change", args=[action.pk]) in content


def test_filters_by_body_party_and_overdue(tracker_client, session):
    wgtim = BodyFactory(acronym="WGTIM")
    igf = PartyFactory(code="IGF")
    make_action(session, text="JWG's own")
    make_action(session, text="For WGTIM", bodies=[wgtim])
    make_action(
        SessionFactory(meeting=session.meeting, body=wgtim), text="Decided by WGTIM"
    )
    make_action(
        session, text="For IGF", parties=[igf], due_date=datetime.date(2025, 1, 1)
    )

    by_body = texts(tracker_client.get(URL, {"body": "WGTIM"}))
    by_party = texts(tracker_client.get(URL, {"party": "IGF"}))
    overdue = texts(tracker_client.get(URL, {"overdue": "1"}))
    unknown = tracker_client.get(URL, {"body": "NOPE"})

    assert sorted(by_body) == ["Decided by WGTIM", "For WGTIM"]
    assert by_party == ["For IGF"]
    assert overdue == ["For IGF"]
    assert unknown.context["form"].errors
    assert len(texts(unknown)) == 4


def test_csv_export_with_filters(tracker_client, session):
    igf = PartyFactory(code="IGF", short_name="IGF")
    make_action(
        session,
        text="=HYPERLINK(1)",
        parties=[igf],
        due_date=datetime.date(2025, 1, 1),
    )
    make_action(session, text="Not IGF's")

    response = tracker_client.get(URL + "export.csv", {"party": "IGF"})
    data = b"".join(response.streaming_content).decode("utf-8")

    assert "no-store" in response["Cache-Control"]
    assert data.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(data.removeprefix("\ufeff"))))
    assert rows[0][0] == "Action"
    assert len(rows) == 2
    assert rows[1][0] == "'=HYPERLINK(1)"
    assert rows[1][2] == "2025-01-01"
    assert rows[1][3] == "yes"
    assert rows[1][5] == "IGF"
    assert rows[1][8] == session.meeting.title


def test_xlsx_export_overdue_only(tracker_client, session):
    make_action(session, text="Late", due_date=datetime.date(2025, 2, 1))
    make_action(session, text="In time", due_date=datetime.date(2025, 4, 1))

    response = tracker_client.get(URL + "export.xlsx", {"overdue": "1"})

    assert "no-store" in response["Cache-Control"]
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    values = list(sheet.values)
    assert values[0][0] == "Action"
    assert [row[0] for row in values[1:]] == ["Late"]


def test_a_party_is_responsible_for_an_action_once(session):
    party = PartyFactory()
    action = make_action(session, parties=[party])

    with pytest.raises(IntegrityError):
        ActionItemParty.objects.create(action_item=action, party=party)


def _fill(session, count):
    bodies = [BodyFactory(acronym="WGTIM"), BodyFactory(acronym="WGCBM")]
    parties = [PartyFactory(code="IGF"), MemberStateFactory()]
    for index in range(count):
        make_action(
            session,
            text=f"Action {index}",
            bodies=bodies,
            parties=parties,
            due_date=datetime.date(2025, 1, 1) + datetime.timedelta(days=index * 10),
        )


@pytest.mark.parametrize(
    "url", [URL, URL + "export.csv", URL + "export.xlsx", "admin-changelist"]
)
def test_query_count_does_not_grow_with_the_actions(
    client, session, url, django_assert_num_queries
):
    client.force_login(UserFactory(username="boss", is_staff=True, is_superuser=True))
    if url == "admin-changelist":
        url = reverse("admin:meetings_actionitem_changelist")

    def fetch():
        response = client.get(url)
        assert response.status_code == 200
        if response.streaming:
            b"".join(response.streaming_content)
        return response

    _fill(session, 3)
    with CaptureQueriesContext(connection) as few:
        fetch()
    _fill(SessionFactory(meeting=session.meeting), 27)
    with django_assert_num_queries(len(few.captured_queries)):
        fetch()
