import datetime
import re

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from meetings.models import Meeting, Session
from tests.factories import (
    AgendaItemFactory,
    BodyFactory,
    MeetingFactory,
    SessionFactory,
)

pytestmark = pytest.mark.django_db

LIST_URL = reverse("meetings:list")


def local(meeting, day, hour, minute=0):
    """An aware datetime at a local wall-clock time on the meeting's nth day."""
    return datetime.datetime.combine(
        meeting.start_date + datetime.timedelta(days=day),
        datetime.time(hour, minute),
        tzinfo=meeting.tz,
    )


def day_sections(content):
    """The programme's day sections, keyed by their heading's id."""
    parts = content.split('<section class="programme-day')[1:]
    return {re.search(r'id="day-([\d-]+)"', part).group(1): part for part in parts}


# The list page


def test_list_shows_published_closed_and_archived_meetings_but_no_draft(client):
    for status in Meeting.Status:
        MeetingFactory(title=f"The {status.label} meeting", status=status)

    content = client.get(LIST_URL).content.decode()

    assert "The Published meeting" in content
    assert "The Closed meeting" in content
    assert "The Archived meeting" in content
    assert "The Draft meeting" not in content


def test_list_links_to_each_meeting_with_its_dates_and_place(client):
    meeting = MeetingFactory(title="11th JWG")

    content = client.get(LIST_URL).content.decode()

    assert f'href="{meeting.get_absolute_url()}"' in content
    assert "29 April – 3 May 2024" in content
    assert "Kuta, Bali, Indonesia" in content


def test_list_marks_demo_content(client):
    MeetingFactory(title="Invented meeting", is_demo=True)
    MeetingFactory(title="Real meeting", is_demo=False)

    content = client.get(LIST_URL).content.decode()

    assert content.count("Demo content") == 1
    demo_card = content[content.index("Invented meeting") :]
    assert "Demo content" in demo_card.split("</article>")[0]


def test_list_says_so_when_no_meeting_is_public(client):
    MeetingFactory(status=Meeting.Status.DRAFT)

    response = client.get(LIST_URL)

    assert response.context["upcoming"] == []
    assert response.context["past"] == []
    assert "No meetings have been published yet." in response.content.decode()


def test_list_puts_a_meeting_under_past_once_its_last_day_is_over_locally(client):
    meeting = MeetingFactory()  # 29 April to 3 May 2024 in Kuta (UTC+8)

    # 23:00 on 3 May in Kuta: the last day is still on.
    with time_machine.travel(datetime.datetime(2024, 5, 3, 15, tzinfo=datetime.UTC)):
        response = client.get(LIST_URL)
    assert response.context["upcoming"] == [meeting]
    assert response.context["past"] == []

    # 00:30 on 4 May in Kuta, still 3 May in UTC.
    with time_machine.travel(
        datetime.datetime(2024, 5, 3, 16, 30, tzinfo=datetime.UTC)
    ):
        response = client.get(LIST_URL)
    assert response.context["upcoming"] == []
    assert response.context["past"] == [meeting]


def test_list_orders_upcoming_soonest_first_and_past_latest_first(client):
    def meeting_on(day):
        return MeetingFactory(start_date=day, end_date=day)

    old, older = (
        meeting_on(datetime.date(2023, 5, 1)),
        meeting_on(datetime.date(2022, 5, 1)),
    )
    later, sooner = (
        meeting_on(datetime.date(2025, 9, 1)),
        meeting_on(datetime.date(2025, 3, 1)),
    )

    with time_machine.travel(datetime.datetime(2024, 6, 1, tzinfo=datetime.UTC)):
        response = client.get(LIST_URL)

    assert response.context["upcoming"] == [sooner, later]
    assert response.context["past"] == [old, older]


def test_list_query_count_does_not_grow_with_meetings(client):
    MeetingFactory.create_batch(2)
    with CaptureQueriesContext(connection) as few:
        client.get(LIST_URL)

    MeetingFactory.create_batch(10, is_demo=True)
    with CaptureQueriesContext(connection) as many:
        response = client.get(LIST_URL)

    assert len(response.context["past"]) == 12
    assert len(many) == len(few)


# The detail page


def test_detail_is_404_for_an_unknown_slug(client):
    MeetingFactory(slug="jwg-11")

    response = client.get(reverse("meetings:detail", kwargs={"slug": "jwg-12"}))

    assert response.status_code == 404


def test_detail_is_404_for_a_draft(client):
    meeting = MeetingFactory(status=Meeting.Status.DRAFT)

    assert client.get(meeting.get_absolute_url()).status_code == 404


@pytest.mark.parametrize(
    "status", [Meeting.Status.PUBLISHED, Meeting.Status.CLOSED, Meeting.Status.ARCHIVED]
)
def test_detail_is_shown_for_a_public_meeting(client, status):
    meeting = MeetingFactory(status=status)

    assert client.get(meeting.get_absolute_url()).status_code == 200


def test_detail_shows_the_meeting_facts_and_its_time_zone(client):
    meeting = MeetingFactory(
        title="11th Joint Working Group Meeting",
        venue="Bali Room",
        host_organisation="Directorate General of Mineral and Coal",
    )

    content = client.get(meeting.get_absolute_url()).content.decode()

    assert "<h1>11th Joint Working Group Meeting</h1>" in content
    assert "Bali Room, Kuta, Bali, Indonesia" in content
    assert "29 April – 3 May 2024" in content
    assert "Directorate General of Mineral and Coal" in content
    assert "All times are local time in Kuta, Bali (WITA, UTC+08:00)." in content


def test_detail_groups_the_programme_by_day_with_every_day_of_the_meeting(client):
    meeting = MeetingFactory()
    wgtim = BodyFactory(acronym="WGTIM", name="Working Group on Trade")
    SessionFactory(
        meeting=meeting,
        body=wgtim,
        title="Trade and investment",
        starts_at=local(meeting, 2, 14),
        ends_at=local(meeting, 2, 17),
        room="Nusa Dua Room",
        mode=Session.Mode.HYBRID,
    )
    SessionFactory(meeting=meeting, title="Opening", starts_at=local(meeting, 0, 9))
    SessionFactory(meeting=meeting, title="Workshop", starts_at=local(meeting, 0, 13))

    content = client.get(meeting.get_absolute_url()).content.decode()
    days = day_sections(content)

    assert list(days) == [
        "2024-04-29",
        "2024-04-30",
        "2024-05-01",
        "2024-05-02",
        "2024-05-03",
    ]
    assert "Monday, 29 April 2024" in days["2024-04-29"]
    assert days["2024-04-29"].index("Opening") < days["2024-04-29"].index("Workshop")
    assert "Trade and investment" not in days["2024-04-29"]
    assert "Trade and investment" in days["2024-05-01"]
    assert "WGTIM" in days["2024-05-01"]
    assert "Nusa Dua Room" in days["2024-05-01"]
    assert "Hybrid" in days["2024-05-01"]
    assert "No sessions scheduled." in days["2024-04-30"]


def test_detail_lists_each_sessions_agenda_items_in_order(client):
    session = SessionFactory()
    AgendaItemFactory(session=session, number="2", order=2, title="Adoption")
    AgendaItemFactory(session=session, number="1", order=1, title="Opening remarks")
    AgendaItemFactory(session=session, number="2.1", order=3, title="Sub-item")

    content = client.get(session.meeting.get_absolute_url()).content.decode()

    agenda = content[content.index('<ol class="agenda') :].split("</ol>")[0]
    assert re.findall(r'agenda-number">([\d.]+)\.<', agenda) == ["1", "2", "2.1"]
    assert agenda.index("Opening remarks") < agenda.index("Adoption")


def test_detail_marks_tentative_times_and_only_those(client):
    meeting = MeetingFactory()
    SessionFactory(meeting=meeting, title="Firm", starts_at=local(meeting, 0, 9))
    SessionFactory(
        meeting=meeting,
        title="Planned",
        starts_at=local(meeting, 1, 9),
        times_tentative=True,
    )

    days = day_sections(client.get(meeting.get_absolute_url()).content.decode())

    assert "Time to be confirmed" not in days["2024-04-29"]
    assert "Time to be confirmed" in days["2024-04-30"]


def test_detail_marks_demo_content(client):
    meeting = MeetingFactory(is_demo=True)

    content = client.get(meeting.get_absolute_url()).content.decode()

    assert "Demo content" in content
    assert "not a record of a real meeting" in content


def build_programme(sessions, items_per_session):
    meeting = MeetingFactory()
    for n in range(sessions):
        session = SessionFactory(
            meeting=meeting,
            body=BodyFactory(),
            starts_at=local(meeting, n % 5, 8 + n // 5),
            ends_at=local(meeting, n % 5, 9 + n // 5),
        )
        AgendaItemFactory.create_batch(items_per_session, session=session)
    return meeting


def test_detail_query_count_does_not_grow_with_sessions_and_agenda_items(client):
    small = build_programme(sessions=2, items_per_session=1)
    large = build_programme(sessions=8, items_per_session=5)

    with CaptureQueriesContext(connection) as few:
        client.get(small.get_absolute_url())
    with CaptureQueriesContext(connection) as many:
        response = client.get(large.get_absolute_url())

    assert response.content.decode().count('class="agenda-number"') == 40
    assert len(many) == len(few)


# Text: languages and escaping


def test_pages_are_in_english_by_default(client):
    MeetingFactory()

    content = client.get(LIST_URL).content.decode()

    assert '<html lang="en">' in content
    assert "Past meetings" in content


def test_accept_language_id_gives_indonesian_pages(client):
    session = SessionFactory(times_tentative=True)

    listing = client.get(LIST_URL, HTTP_ACCEPT_LANGUAGE="id").content.decode()
    detail = client.get(
        session.meeting.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="id"
    ).content.decode()

    assert '<html lang="id">' in listing
    assert "Pertemuan yang lalu" in listing
    assert "29 April – 3 Mei 2024" in listing
    assert '<html lang="id">' in detail
    assert "Program" in detail
    assert "Waktu akan dikonfirmasi" in detail
    assert "Senin, 29 April 2024" in detail
    assert (
        "Semua waktu adalah waktu setempat di Kuta, Bali (WITA, UTC+08:00)." in detail
    )


def test_set_language_switches_to_indonesian_and_back(client):
    response = client.post(
        reverse("set_language"), {"language": "id", "next": LIST_URL}
    )
    assert response.status_code == 302
    assert response["Location"] == LIST_URL
    assert '<html lang="id">' in client.get(LIST_URL).content.decode()

    client.post(reverse("set_language"), {"language": "en", "next": LIST_URL})
    assert '<html lang="en">' in client.get(LIST_URL).content.decode()


def test_language_switcher_is_a_labelled_form_that_works_without_javascript(client):
    content = client.get(LIST_URL).content.decode()

    form = content[content.index('<form class="language-form') :].split("</form>")[0]
    assert f'action="{reverse("set_language")}"' in form
    assert 'method="post"' in form
    assert '<label class="text-white small" for="language-select">' in form
    assert 'id="language-select" name="language"' in form
    assert 'value="id"' in form
    assert 'type="submit"' in form


def test_base_template_has_a_skip_link_to_the_main_landmark(client):
    content = client.get(LIST_URL).content.decode()

    assert 'href="#main"' in content
    assert '<main id="main"' in content


def test_titles_are_escaped(client):
    meeting = MeetingFactory(title="<script>alert(1)</script>")
    SessionFactory(meeting=meeting, title="<b>bold</b>")

    listing = client.get(LIST_URL).content.decode()
    detail = client.get(meeting.get_absolute_url()).content.decode()

    for content in (listing, detail):
        assert "<script>alert(1)</script>" not in content
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in content
    assert "<b>bold</b>" not in detail
    assert "&lt;b&gt;bold&lt;/b&gt;" in detail
