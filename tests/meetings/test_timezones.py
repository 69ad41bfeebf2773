"""The programme shows each meeting's times in its own zone, whatever the
server's zone or the zone active for the request."""

import datetime
import re
import zoneinfo

import pytest
from django.utils import timezone

from meetings import selectors
from tests.factories import MeetingFactory, SessionFactory

pytestmark = pytest.mark.django_db

SERVER_ZONES = ["UTC", "America/New_York", "Asia/Tokyo"]


def shown_times(content):
    return re.findall(
        r"<time datetime=\"[^\"]+\">(?:[^<]* )?(\d\d:\d\d)</time>", content
    )


@pytest.fixture
def nine_wita(db):
    """A session from 09:00 to 12:00 WITA on 29 April 2024: 01:00 to 04:00 UTC."""
    session = SessionFactory(meeting=MeetingFactory(time_zone="Asia/Makassar"))
    assert session.starts_at == datetime.datetime(2024, 4, 29, 1, tzinfo=datetime.UTC)
    return session


@pytest.mark.parametrize("server_zone", SERVER_ZONES)
def test_session_times_are_local_to_the_meeting_whatever_the_server_zone(
    client, settings, nine_wita, server_zone
):
    settings.TIME_ZONE = server_zone

    content = client.get(nine_wita.meeting.get_absolute_url()).content.decode()

    assert shown_times(content) == ["09:00", "12:00"]
    assert 'datetime="2024-04-29T09:00:00+08:00"' in content
    assert "01:00" not in content


@pytest.mark.parametrize("active_zone", SERVER_ZONES)
def test_session_times_are_local_to_the_meeting_whatever_the_active_zone(
    client, nine_wita, active_zone
):
    with timezone.override(zoneinfo.ZoneInfo(active_zone)):
        content = client.get(nine_wita.meeting.get_absolute_url()).content.decode()
        assert timezone.get_current_timezone_name() == active_zone

    assert shown_times(content) == ["09:00", "12:00"]
    assert "01:00" not in content


def day_of(content, title):
    """The id of the programme day whose section lists the session title."""
    for part in content.split('<section class="programme-day')[1:]:
        if title in part:
            return re.search(r'id="day-([\d-]+)"', part).group(1)
    raise AssertionError(f"{title} is not in the programme")


@pytest.mark.parametrize("server_zone", SERVER_ZONES)
def test_a_session_is_listed_under_its_local_day(client, settings, server_zone):
    """23:30 WITA on day 1 is already day 2 in Tokyo; 07:30 WITA on day 2 is
    still day 1 in UTC and New York. Both belong to their local day."""
    settings.TIME_ZONE = server_zone
    meeting = MeetingFactory(time_zone="Asia/Makassar")
    wita = meeting.tz
    late = SessionFactory(
        meeting=meeting,
        title="Late drafting session",
        starts_at=datetime.datetime(2024, 4, 29, 23, 30, tzinfo=wita),
        ends_at=datetime.datetime(2024, 4, 29, 23, 59, tzinfo=wita),
    )
    early = SessionFactory(
        meeting=meeting,
        title="Early breakfast briefing",
        starts_at=datetime.datetime(2024, 4, 30, 7, 30, tzinfo=wita),
        ends_at=datetime.datetime(2024, 4, 30, 8, 30, tzinfo=wita),
    )
    assert early.starts_at.astimezone(datetime.UTC).date() == datetime.date(2024, 4, 29)

    content = client.get(meeting.get_absolute_url()).content.decode()

    assert day_of(content, "Late drafting session") == "2024-04-29"
    assert day_of(content, "Early breakfast briefing") == "2024-04-30"
    programme = dict(selectors.programme_by_day(meeting))
    assert programme[datetime.date(2024, 4, 29)] == [late]
    assert programme[datetime.date(2024, 4, 30)] == [early]


def test_a_session_past_midnight_shows_the_day_it_ends(client):
    meeting = MeetingFactory(time_zone="Asia/Makassar")
    SessionFactory(
        meeting=meeting,
        starts_at=datetime.datetime(2024, 4, 29, 23, tzinfo=meeting.tz),
        ends_at=datetime.datetime(2024, 4, 30, 1, tzinfo=meeting.tz),
    )

    content = client.get(meeting.get_absolute_url()).content.decode()

    assert re.search(r">23:00</time>–<time [^>]+>30 Apr 01:00</time>", content)


@pytest.mark.parametrize(
    ("zone", "city", "label"),
    [
        ("Asia/Makassar", "Kuta, Bali", "WITA, UTC+08:00"),
        ("Asia/Jakarta", "Jakarta", "WIB, UTC+07:00"),
        ("Asia/Ho_Chi_Minh", "Hanoi", "UTC+07:00"),
        ("Asia/Yangon", "Nay Pyi Taw", "UTC+06:30"),
    ],
)
def test_the_time_zone_note_names_the_zone_and_its_offset(client, zone, city, label):
    meeting = MeetingFactory(time_zone=zone, city=city)

    content = client.get(meeting.get_absolute_url()).content.decode()

    assert f"All times are local time in {city} ({label})." in content
