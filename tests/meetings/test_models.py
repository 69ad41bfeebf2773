"""The programme's invariants hold in the database, not only in forms."""

import datetime
import zoneinfo

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from meetings.models import Meeting, Session
from tests.factories import (
    AgendaItemFactory,
    BodyFactory,
    MeetingFactory,
    SessionFactory,
)

WITA = zoneinfo.ZoneInfo("Asia/Makassar")
pytestmark = pytest.mark.django_db


def at(day, hour, minute=0):
    return datetime.datetime(2024, 4, day, hour, minute, tzinfo=WITA)


def test_meeting_slug_is_unique():
    MeetingFactory(slug="jwg-11")
    with pytest.raises(IntegrityError), transaction.atomic():
        MeetingFactory(slug="jwg-11")


def test_a_body_cannot_hold_the_same_numbered_meeting_twice():
    body = BodyFactory(acronym="JWG")
    MeetingFactory(body=body, number=11)
    with pytest.raises(IntegrityError), transaction.atomic():
        MeetingFactory(body=body, number=11, slug="another-11")


def test_meeting_cannot_end_before_it_starts():
    with pytest.raises(IntegrityError), transaction.atomic():
        MeetingFactory(
            start_date=datetime.date(2024, 5, 3), end_date=datetime.date(2024, 4, 29)
        )


def test_meeting_form_validation_reports_end_before_start():
    meeting = MeetingFactory.build(
        body=BodyFactory(),
        start_date=datetime.date(2024, 5, 3),
        end_date=datetime.date(2024, 4, 29),
    )
    with pytest.raises(ValidationError) as excinfo:
        meeting.full_clean()
    assert "end_date" in excinfo.value.message_dict


def test_meeting_number_must_be_positive():
    with pytest.raises(IntegrityError), transaction.atomic():
        MeetingFactory(number=0)


def test_registration_must_close_after_it_opens():
    opens = datetime.datetime(2024, 3, 1, tzinfo=datetime.UTC)
    with pytest.raises(IntegrityError), transaction.atomic():
        MeetingFactory(
            registration_opens_at=opens,
            registration_closes_at=opens - datetime.timedelta(days=1),
        )


def test_unknown_time_zone_is_a_validation_error():
    meeting = MeetingFactory.build(body=BodyFactory(), time_zone="Mars/Olympus")
    with pytest.raises(ValidationError) as excinfo:
        meeting.full_clean()
    assert "time_zone" in excinfo.value.message_dict


def test_window_is_the_local_days_in_utc():
    meeting = MeetingFactory()
    assert meeting.window_starts_at == datetime.datetime(
        2024, 4, 28, 16, 0, tzinfo=datetime.UTC
    )
    assert meeting.window_ends_at == datetime.datetime(
        2024, 5, 3, 16, 0, tzinfo=datetime.UTC
    )


def test_session_must_end_after_it_starts():
    meeting = MeetingFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        SessionFactory(meeting=meeting, starts_at=at(29, 10), ends_at=at(29, 9))


@pytest.mark.parametrize(
    ("starts_at", "ends_at"),
    [
        (at(28, 23, 30), at(29, 9)),  # begins the evening before the first day
        (datetime.datetime(2024, 5, 3, 23), datetime.datetime(2024, 5, 4, 0, 30)),
    ],
    ids=["before-first-day", "after-last-day"],
)
def test_database_refuses_a_session_outside_its_meeting(starts_at, ends_at):
    meeting = MeetingFactory()
    starts_at = starts_at.replace(tzinfo=WITA)
    ends_at = ends_at.replace(tzinfo=WITA)
    with pytest.raises(IntegrityError), transaction.atomic():
        Session.objects.create(
            meeting=meeting,
            body=meeting.body,
            title="Out of bounds",
            starts_at=starts_at,
            ends_at=ends_at,
        )


def test_session_on_the_edges_of_the_meeting_is_accepted():
    meeting = MeetingFactory()
    session = SessionFactory(
        meeting=meeting,
        starts_at=at(29, 0),
        ends_at=datetime.datetime(2024, 5, 4, 0, 0, tzinfo=WITA),
    )
    assert session.pk


def test_moving_a_session_out_of_its_meeting_is_refused_on_update():
    session = SessionFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Session.objects.filter(pk=session.pk).update(
            starts_at=at(20, 9), ends_at=at(20, 10)
        )


def test_shortening_a_meeting_that_would_strand_a_session_is_refused():
    meeting = MeetingFactory()
    SessionFactory(meeting=meeting, starts_at=at(30, 9), ends_at=at(30, 12))
    meeting.end_date = datetime.date(2024, 4, 29)
    with pytest.raises(IntegrityError), transaction.atomic():
        meeting.save()


def test_session_clean_explains_the_meeting_dates():
    meeting = MeetingFactory()
    session = Session(
        meeting=meeting,
        body=meeting.body,
        title="Early",
        starts_at=at(28, 9),
        ends_at=at(28, 10),
    )
    with pytest.raises(ValidationError) as excinfo:
        session.full_clean()
    assert "within its meeting" in str(excinfo.value)


def test_session_capacity_cannot_be_negative():
    with pytest.raises(IntegrityError), transaction.atomic():
        SessionFactory(capacity=-1)


def test_session_open_to_accepts_only_party_kinds():
    session = SessionFactory.build(meeting=MeetingFactory(), open_to=["pirates"])
    session.body = session.meeting.body
    with pytest.raises(ValidationError) as excinfo:
        session.full_clean()
    assert "open_to" in excinfo.value.message_dict


def test_agenda_item_numbers_are_unique_within_a_session():
    item = AgendaItemFactory(number="3")
    with pytest.raises(IntegrityError), transaction.atomic():
        AgendaItemFactory(session=item.session, number="3")


def test_agenda_item_number_format_is_validated():
    item = AgendaItemFactory.build(session=SessionFactory(), number="three")
    with pytest.raises(ValidationError):
        item.full_clean()


def test_published_excludes_drafts():
    MeetingFactory(status=Meeting.Status.DRAFT)
    shown = MeetingFactory(status=Meeting.Status.PUBLISHED)
    assert list(Meeting.objects.published()) == [shown]


@pytest.mark.parametrize(
    ("now", "state"),
    [
        (datetime.datetime(2024, 2, 1, tzinfo=datetime.UTC), "not_yet"),
        (datetime.datetime(2024, 3, 15, tzinfo=datetime.UTC), "open"),
        (datetime.datetime(2024, 4, 1, tzinfo=datetime.UTC), "closed"),
    ],
)
def test_registration_state_follows_the_window(now, state):
    meeting = MeetingFactory(
        registration_opens_at=datetime.datetime(2024, 3, 1, tzinfo=datetime.UTC),
        registration_closes_at=datetime.datetime(2024, 4, 1, tzinfo=datetime.UTC),
    )
    assert meeting.registration_state(now) == state


def test_registration_state_without_a_window_is_none():
    assert MeetingFactory().registration_state() == "none"


def test_session_clean_checks_the_dates_of_an_unsaved_meeting():
    meeting = MeetingFactory.build(body=BodyFactory())
    session = Session(
        meeting=meeting,
        body=meeting.body,
        title="Early",
        starts_at=at(28, 9),
        ends_at=at(28, 10),
    )
    with pytest.raises(ValidationError) as excinfo:
        session.clean()
    assert "within its meeting" in str(excinfo.value)


def test_minutes_carry_an_adoption_date_exactly_when_adopted():
    from meetings.models import Minutes

    session = SessionFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Minutes.objects.create(session=session, status=Minutes.Status.ADOPTED)
    with pytest.raises(IntegrityError), transaction.atomic():
        Minutes.objects.create(session=session, adopted_on=datetime.date(2024, 5, 3))
    minutes = Minutes.objects.create(
        session=session,
        status=Minutes.Status.ADOPTED_AD_REFERENDUM,
        adopted_on=datetime.date(2024, 5, 3),
    )
    assert minutes.is_adopted


def test_a_minutes_record_must_be_of_an_agenda_item_of_its_session():
    from meetings.models import Minutes, MinutesItem

    minutes = Minutes.objects.create(session=SessionFactory())
    own = AgendaItemFactory(session=minutes.session)
    with pytest.raises(IntegrityError), transaction.atomic():
        MinutesItem.objects.create(minutes=minutes, agenda_item=AgendaItemFactory())
    assert MinutesItem.objects.create(minutes=minutes, agenda_item=own)
