"""Open actions of a body's earlier meetings come back as matters arising."""

import datetime

import pytest

from meetings.models import ActionItem, Minutes, MinutesItem, Session
from meetings.selectors import action_origin, matters_arising
from tests.factories import (
    AgendaItemFactory,
    BodyFactory,
    MeetingFactory,
    SessionFactory,
)

pytestmark = pytest.mark.django_db

Status = ActionItem.Status


def make_action(session, *, status=Status.OPEN, due_date=None, text="Report back"):
    agenda_item = AgendaItemFactory(session=session)
    minutes, _created = Minutes.objects.get_or_create(session=session)
    item = MinutesItem.objects.create(minutes=minutes, agenda_item=agenda_item)
    return ActionItem.objects.create(
        item=item, text=text, status=status, due_date=due_date
    )


@pytest.fixture
def jwg11():
    return MeetingFactory(number=11)


@pytest.fixture
def jwg12(jwg11):
    return MeetingFactory(
        body=jwg11.body,
        number=12,
        start_date=datetime.date(2025, 5, 5),
        end_date=datetime.date(2025, 5, 9),
    )


@pytest.fixture
def session11(jwg11):
    return SessionFactory(meeting=jwg11)


@pytest.fixture
def session12(jwg12):
    return SessionFactory(meeting=jwg12)


def test_open_actions_of_an_earlier_meeting_of_the_body_arise(session11, session12):
    open_action = make_action(session11, status=Status.OPEN)
    in_progress = make_action(session11, status=Status.IN_PROGRESS)

    assert set(matters_arising(session12)) == {open_action, in_progress}


def test_done_and_dropped_actions_do_not_arise(session11, session12):
    make_action(session11, status=Status.DONE)
    make_action(session11, status=Status.DROPPED)

    assert matters_arising(session12) == []


def test_actions_of_other_bodies_do_not_arise(jwg11, session12):
    wgtim = SessionFactory(meeting=jwg11, body=BodyFactory(acronym="WGTIM"))
    make_action(wgtim)

    assert matters_arising(session12) == []


def test_a_wgtim_session_gets_only_wgtim_actions(jwg11, jwg12, session11):
    wgtim = BodyFactory(acronym="WGTIM")
    earlier = make_action(SessionFactory(meeting=jwg11, body=wgtim))
    make_action(session11)

    assert matters_arising(SessionFactory(meeting=jwg12, body=wgtim)) == [earlier]


def test_actions_of_the_same_or_a_later_meeting_do_not_arise(session11, jwg12):
    make_action(SessionFactory(meeting=jwg12))
    other_session_same_meeting = SessionFactory(meeting=session11.meeting)

    assert matters_arising(session11) == []
    assert matters_arising(other_session_same_meeting) == []


def test_ordered_by_due_date_undated_last_then_meeting(jwg11, session12):
    jwg10 = MeetingFactory(
        body=jwg11.body,
        number=10,
        start_date=datetime.date(2023, 5, 1),
        end_date=datetime.date(2023, 5, 4),
    )
    session10 = SessionFactory(meeting=jwg10)
    session11 = SessionFactory(meeting=jwg11)
    undated = make_action(session10)
    late = make_action(session10, due_date=datetime.date(2025, 12, 1))
    soon_11 = make_action(session11, due_date=datetime.date(2025, 1, 1))
    soon_10 = make_action(session10, due_date=datetime.date(2025, 1, 1))

    assert matters_arising(session12) == [soon_10, soon_11, late, undated]


def test_origin_names_meeting_session_and_agenda_item(session11, session12):
    action = make_action(session11)

    (arising,) = matters_arising(session12)

    assert action_origin(arising) == (
        session11.meeting,
        session11,
        action.item.agenda_item.number,
    )


@pytest.mark.parametrize("count", [2, 12])
def test_query_count_does_not_grow(
    session11, session12, count, django_assert_num_queries
):
    for _index in range(count):
        make_action(session11)
    session = Session.objects.select_related("meeting").get(pk=session12.pk)

    with django_assert_num_queries(1):
        actions = matters_arising(session)
        origins = [action_origin(action) for action in actions]
        [origin.meeting.title + origin.session.title for origin in origins]

    assert len(actions) == count
