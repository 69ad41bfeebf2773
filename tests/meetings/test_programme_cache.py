"""The public programme pages come from the cache until what they show
changes: a write to the programme, or the clock passing a moment that
changes what they say. The cache keeps one copy per language and nothing of
the visitor."""

import datetime

import pytest
from django.core.cache import caches
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from meetings import cache as programme_cache
from meetings.models import Meeting, Session
from tests.factories import (
    AgendaItemFactory,
    BodyFactory,
    MeetingFactory,
    SessionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

UTC = datetime.UTC
LIST_URL = reverse("meetings:list")
# The factory's meeting runs from 29 April to 3 May 2024 in Kuta (UTC+8).
BEFORE_THE_MEETING = datetime.datetime(2024, 3, 1, 9, tzinfo=UTC)
REGISTRATION_OPENS = datetime.datetime(2024, 3, 4, 1, tzinfo=UTC)
REGISTRATION_CLOSES = datetime.datetime(2024, 4, 15, 16, tzinfo=UTC)
LAST_DAY_ENDS = datetime.datetime(2024, 5, 3, 16, tzinfo=UTC)  # midnight in Kuta
SECOND = datetime.timedelta(seconds=1)


@pytest.fixture(autouse=True)
def frozen(time_machine):
    time_machine.move_to(BEFORE_THE_MEETING, tick=False)


@pytest.fixture
def meeting():
    return MeetingFactory(
        title="11th JWG",
        registration_opens_at=REGISTRATION_OPENS,
        registration_closes_at=REGISTRATION_CLOSES,
    )


@pytest.fixture
def session(meeting):
    session = SessionFactory(meeting=meeting, title="Opening session")
    AgendaItemFactory(session=session, number="1", order=1, title="Welcome remarks")
    return session


def page(client, url, **headers):
    response = client.get(url, **headers)
    assert response.status_code == 200
    return response.content.decode()


def main(content):
    """The page's main landmark: the frame around it (the language form with
    its CSRF token) differs from one request to the next."""
    return content[content.index("<main") : content.index("</main>")]


def register_url(meeting):
    return reverse("delegates:register", kwargs={"slug": meeting.slug})


# Served from the cache


@pytest.mark.parametrize(
    ("which", "shown"), [("list", "11th JWG"), ("detail", "Welcome remarks")]
)
def test_a_second_visit_is_served_without_a_query(
    client, session, django_assert_num_queries, which, shown
):
    url = LIST_URL if which == "list" else session.meeting.get_absolute_url()
    first = page(client, url)

    with django_assert_num_queries(0):
        second = page(client, url)

    assert shown in first
    assert main(second) == main(first)


def test_a_second_visitor_is_served_from_the_first_visitors_copy(
    client, session, django_assert_num_queries
):
    page(client, session.meeting.get_absolute_url())

    with django_assert_num_queries(0):
        content = page(Client(), session.meeting.get_absolute_url())

    assert "Welcome remarks" in content


def test_with_the_database_cache_a_visit_costs_one_query(
    client, session, settings, django_assert_num_queries
):
    """Production's cache unless CACHE_URL names another: the version and
    the copy are read together."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "test_programme_cache",
        }
    }
    call_command("createcachetable", verbosity=0)
    caches["default"].clear()
    url = session.meeting.get_absolute_url()
    first = page(client, url)

    with django_assert_num_queries(1):
        second = page(client, url)

    assert "Welcome remarks" in first
    assert main(second) == main(first)


def test_an_unknown_meeting_is_404_every_time_and_found_once_published(client):
    draft = MeetingFactory(status=Meeting.Status.DRAFT)

    assert client.get(draft.get_absolute_url()).status_code == 404
    assert client.get(draft.get_absolute_url()).status_code == 404

    draft.status = Meeting.Status.PUBLISHED
    draft.save()

    assert client.get(draft.get_absolute_url()).status_code == 200


# Each change to the programme shows on the next request


def test_a_renamed_session_shows(client, session):
    url = session.meeting.get_absolute_url()
    assert "Opening session" in page(client, url)

    session.title = "Opening plenary"
    session.save()

    content = page(client, url)
    assert "Opening plenary" in content
    assert "Opening session" not in content


def test_a_new_agenda_item_shows(client, session):
    url = session.meeting.get_absolute_url()
    assert "Adoption of the agenda" not in page(client, url)

    AgendaItemFactory(
        session=session, number="2", order=2, title="Adoption of the agenda"
    )

    assert "Adoption of the agenda" in page(client, url)


def test_a_deleted_session_and_its_agenda_are_gone(client, session):
    url = session.meeting.get_absolute_url()
    assert "Welcome remarks" in page(client, url)

    session.delete()

    content = page(client, url)
    assert "Opening session" not in content
    assert "Welcome remarks" not in content
    assert content.count("No sessions scheduled.") == 5


def test_new_meeting_dates_show_on_the_list_and_the_programme(client, session):
    meeting = session.meeting
    assert "29 April – 3 May 2024" in page(client, LIST_URL)
    assert 'id="day-2024-05-04"' not in page(client, meeting.get_absolute_url())

    meeting.end_date = datetime.date(2024, 5, 4)
    meeting.save()

    assert "29 April – 4 May 2024" in page(client, LIST_URL)
    content = page(client, meeting.get_absolute_url())
    assert "29 April – 4 May 2024" in content
    assert 'id="day-2024-05-04"' in content


def test_a_renamed_body_shows_on_the_programme(client, session):
    url = session.meeting.get_absolute_url()
    assert "Joint Working Group (JWG)" in page(client, url)

    body = session.body
    body.name = "Joint Working Group on Minerals"
    body.save()

    assert "Joint Working Group on Minerals (JWG)" in page(client, url)


def test_a_session_moved_to_another_body_shows(client, session):
    url = session.meeting.get_absolute_url()
    assert "WGTIM" not in page(client, url)

    session.body = BodyFactory(acronym="WGTIM")
    session.save()

    assert "WGTIM" in page(client, url)


def test_an_unpublished_meeting_leaves_the_list_and_its_page(client, meeting):
    assert "11th JWG" in page(client, LIST_URL)
    assert client.get(meeting.get_absolute_url()).status_code == 200

    meeting.status = Meeting.Status.DRAFT
    meeting.save()

    assert "11th JWG" not in page(client, LIST_URL)
    assert client.get(meeting.get_absolute_url()).status_code == 404


def test_a_deleted_meeting_leaves_the_list(client, meeting):
    assert "11th JWG" in page(client, LIST_URL)

    meeting.delete()

    assert "No meetings have been published yet." in page(client, LIST_URL)


def test_a_bulk_update_shows_once_programme_changed_is_called(client, session):
    """QuerySet.update() sends no signal; the writer says so itself."""
    url = session.meeting.get_absolute_url()
    page(client, url)

    Session.objects.filter(pk=session.pk).update(title="Closing session")
    assert "Closing session" not in page(client, url)
    programme_cache.programme_changed()

    assert "Closing session" in page(client, url)


def test_a_write_that_bypassed_the_signals_shows_after_max_age(
    client, session, time_machine
):
    url = session.meeting.get_absolute_url()
    page(client, url)
    Session.objects.filter(pk=session.pk).update(title="Closing session")

    time_machine.shift(datetime.timedelta(seconds=programme_cache.MAX_AGE - 1))
    assert "Closing session" not in page(client, url)
    time_machine.shift(SECOND)
    assert "Closing session" in page(client, url)


def test_a_copy_made_before_the_write_commits_is_dropped_on_commit(
    client, session, django_capture_on_commit_callbacks
):
    """A request between a write and its commit reads the rows as they were;
    what it keeps must not be served once the write is committed."""
    url = session.meeting.get_absolute_url()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        session.title = "Opening plenary"
        session.save()
        # The other request, reading the committed (old) title after the save.
        Session.objects.filter(pk=session.pk).update(title="Opening session")
        assert "Opening session" in page(client, url)
        Session.objects.filter(pk=session.pk).update(title="Opening plenary")
        assert "Opening plenary" not in page(client, url)

    assert callbacks
    assert "Opening plenary" in page(client, url)


def test_a_page_built_while_the_programme_changed_is_built_again(meeting):
    """Its build may have read the programme before the change."""
    builds = []

    def build():
        builds.append(len(builds))
        if len(builds) == 1:
            programme_cache.programme_changed()  # another request's write
        return {"content": "the page"}, [meeting]

    for _visit in range(3):
        assert programme_cache.page("test", build) == {"content": "the page"}

    assert builds == [0, 1]


# One copy per language


def test_english_and_indonesian_are_kept_apart(
    client, session, django_assert_num_queries
):
    url = session.meeting.get_absolute_url()
    english = page(client, url)
    indonesian = page(client, url, HTTP_ACCEPT_LANGUAGE="id")

    assert "Senin, 29 April 2024" in indonesian
    assert "Monday, 29 April 2024" in english
    with django_assert_num_queries(0):
        assert main(page(client, url)) == main(english)
        assert main(page(client, url, HTTP_ACCEPT_LANGUAGE="id")) == main(indonesian)


def test_a_change_shows_in_both_languages(client, session):
    url = session.meeting.get_absolute_url()
    page(client, url)
    page(client, url, HTTP_ACCEPT_LANGUAGE="id")

    session.title = "Opening plenary"
    session.save()

    assert "Opening plenary" in page(client, url)
    assert "Opening plenary" in page(client, url, HTTP_ACCEPT_LANGUAGE="id")


# The clock


def test_the_register_button_appears_when_registration_opens(
    client, meeting, time_machine, django_assert_num_queries
):
    url = meeting.get_absolute_url()
    time_machine.move_to(REGISTRATION_OPENS - 2 * SECOND, tick=False)
    assert register_url(meeting) not in page(client, url)
    assert register_url(meeting) not in page(client, LIST_URL)

    time_machine.move_to(REGISTRATION_OPENS - SECOND, tick=False)
    with django_assert_num_queries(0):
        page(client, url)
        page(client, LIST_URL)

    time_machine.move_to(REGISTRATION_OPENS, tick=False)
    assert register_url(meeting) in page(client, url)
    assert register_url(meeting) in page(client, LIST_URL)


def test_the_register_button_goes_when_registration_closes(
    client, meeting, time_machine
):
    url = meeting.get_absolute_url()
    time_machine.move_to(REGISTRATION_CLOSES - SECOND, tick=False)
    assert register_url(meeting) in page(client, url)
    assert register_url(meeting) in page(client, LIST_URL)

    time_machine.move_to(REGISTRATION_CLOSES, tick=False)
    assert register_url(meeting) not in page(client, url)
    assert register_url(meeting) not in page(client, LIST_URL)


def test_a_meeting_moves_to_the_past_when_its_last_day_ends_locally(
    client, meeting, time_machine, django_assert_num_queries
):
    def section(content, heading):
        return content.split(f'id="{heading}-heading"')[1].split("</section>")[0]

    time_machine.move_to(LAST_DAY_ENDS - SECOND, tick=False)
    assert "11th JWG" in section(page(client, LIST_URL), "upcoming")
    with django_assert_num_queries(0):
        page(client, LIST_URL)

    time_machine.move_to(LAST_DAY_ENDS, tick=False)
    content = page(client, LIST_URL)
    assert "11th JWG" in section(content, "past")
    assert "No upcoming meetings." in section(content, "upcoming")


def test_another_meetings_turn_renews_the_list_but_not_this_programme(
    client, meeting, time_machine, django_assert_num_queries
):
    minute = datetime.timedelta(minutes=1)
    other = MeetingFactory(
        registration_opens_at=REGISTRATION_OPENS - 5 * minute,
        registration_closes_at=REGISTRATION_CLOSES,
    )
    time_machine.move_to(REGISTRATION_OPENS - 6 * minute, tick=False)
    page(client, LIST_URL)
    page(client, meeting.get_absolute_url())

    time_machine.move_to(REGISTRATION_OPENS - 5 * minute, tick=False)
    assert register_url(other) in page(client, LIST_URL)
    with django_assert_num_queries(0):
        assert register_url(meeting) not in page(client, meeting.get_absolute_url())


def test_a_page_built_while_the_clock_passed_a_turn_is_not_kept(meeting, time_machine):
    """It may show either side of the turn, so it is built again."""
    builds = []

    def build():
        builds.append(len(builds))
        time_machine.move_to(REGISTRATION_OPENS, tick=False)
        return {"content": "the page"}, [meeting]

    time_machine.move_to(REGISTRATION_OPENS - SECOND, tick=False)
    programme_cache.page("test", build)
    assert programme_cache.page("test", build) == {"content": "the page"}

    assert builds == [0, 1]


# Nothing of the visitor is kept


def test_staff_see_their_own_navigation_around_the_shared_programme(client, session):
    url = session.meeting.get_absolute_url()
    anonymous = page(client, url)
    staff = Client()
    staff.force_login(UserFactory(is_staff=True, is_superuser=True))

    staff_page = page(staff, url)
    anonymous_again = page(Client(), url)

    assert reverse("admin:index") in staff_page
    assert "Welcome remarks" in staff_page
    assert reverse("admin:index") not in anonymous
    assert reverse("admin:index") not in anonymous_again
    assert reverse("login") in anonymous_again


def test_each_visitor_gets_their_own_csrf_token_in_the_language_form(session):
    url = session.meeting.get_absolute_url()
    first, second = Client(), Client()
    first_page = first.get(url)
    second_page = second.get(url)

    for response in (first_page, second_page):
        assert response.content.decode().count('name="csrfmiddlewaretoken"') == 1
    assert first.cookies["csrftoken"].value != second.cookies["csrftoken"].value


def test_the_page_title_is_the_meetings_and_escaped(client):
    meeting = MeetingFactory(title="<b>JWG</b>")

    page(client, meeting.get_absolute_url())
    content = page(client, meeting.get_absolute_url())

    assert "<title>&lt;b&gt;JWG&lt;/b&gt; · JWG Portal</title>" in content
    assert "<h1>&lt;b&gt;JWG&lt;/b&gt;</h1>" in content
