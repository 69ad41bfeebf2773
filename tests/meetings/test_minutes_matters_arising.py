"""The minutes' change page lists the matters arising from the body's
earlier meetings, each linked to the record where it was decided."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from meetings import services
from meetings.models import ActionItem, MinutesItem
from tests.factories import AgendaItemFactory, MeetingFactory, SessionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def sessions(staff_client):
    jwg11 = MeetingFactory(number=11, title="11th JWG")
    jwg12 = MeetingFactory(
        body=jwg11.body,
        number=12,
        title="12th JWG",
        start_date=datetime.date(2025, 5, 5),
        end_date=datetime.date(2025, 5, 9),
    )
    earlier = SessionFactory(meeting=jwg11, title="JWG session 2024")
    AgendaItemFactory(session=earlier, number="6", title="AMMin")
    later = SessionFactory(meeting=jwg12, title="JWG session 2025")
    AgendaItemFactory(session=later, number="1", title="Matters arising")
    return earlier, later


def record_action(session, by, *, text, status):
    minutes = services.minutes_start(session=session, by=by)
    item = minutes.items.get()
    ActionItem.objects.create(item=item, text=text, status=status)
    return item


def change_page(client, session, by):
    minutes = services.minutes_start(session=session, by=by)
    return client.get(reverse("admin:meetings_minutes_change", args=[minutes.pk]))


def test_the_change_page_shows_the_open_action_and_where_it_was_decided(
    staff_client, sessions
):
    earlier, later = sessions
    item = record_action(
        earlier,
        staff_client.user,
        text="Consolidate positions on **online** AMMin",
        status=ActionItem.Status.OPEN,
    )
    ActionItem.objects.filter(item=item).update(due_date=datetime.date(2025, 3, 31))
    response = change_page(staff_client, later, staff_client.user)
    content = response.content.decode()
    assert response.status_code == 200
    assert "Matters arising" in content
    # Rendered Markdown, not the source.
    assert "Consolidate positions on <strong>online</strong> AMMin" in content
    assert "decided at 11th JWG, JWG session 2024, item 6" in content
    url = reverse("admin:meetings_minutesitem_change", args=[item.pk])
    assert f'href="{url}"' in content
    assert "Open; due:" in content
    assert "2025" in content.split("Open; due:")[1].split(";")[0]


def test_done_actions_and_the_minutes_own_actions_do_not_arise(staff_client, sessions):
    earlier, later = sessions
    record_action(
        earlier, staff_client.user, text="Finished task", status=ActionItem.Status.DONE
    )
    own = record_action(
        later, staff_client.user, text="Later task", status=ActionItem.Status.OPEN
    )
    assert MinutesItem.objects.filter(pk=own.pk).exists()
    content = change_page(staff_client, later, staff_client.user).content.decode()
    assert "Finished task" not in content
    assert "No open actions from the body" in content


def test_markup_in_an_action_is_sanitised(staff_client, sessions):
    earlier, later = sessions
    record_action(
        earlier,
        staff_client.user,
        text="Report <script>alert(1)</script>",
        status=ActionItem.Status.IN_PROGRESS,
    )
    content = change_page(staff_client, later, staff_client.user).content.decode()
    assert "<script>alert(1)</script>" not in content
    assert "In progress; due:" in content


def test_the_change_page_query_count_does_not_grow_with_the_actions(
    staff_client, sessions, django_assert_max_num_queries
):
    earlier, later = sessions
    minutes = services.minutes_start(session=later, by=staff_client.user)
    url = reverse("admin:meetings_minutes_change", args=[minutes.pk])

    def add_actions(count):
        for n in range(count):
            agenda_item = AgendaItemFactory(session=earlier)
            item = MinutesItem.objects.create(
                minutes=earlier.minutes, agenda_item=agenda_item
            )
            ActionItem.objects.create(item=item, text=f"Task {n}")

    services.minutes_start(session=earlier, by=staff_client.user)
    add_actions(1)
    with CaptureQueriesContext(connection) as one:
        staff_client.get(url)
    add_actions(5)
    with django_assert_max_num_queries(len(one.captured_queries)):
        staff_client.get(url)
