"""The public pages in a real browser: they render, and axe finds nothing."""

import pytest

from tests.factories import AgendaItemFactory, MeetingFactory, SessionFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def programme():
    meeting = MeetingFactory(slug="jwg-11", title="11th JWG")
    session = SessionFactory(meeting=meeting, title="Joint Working Group")
    AgendaItemFactory(session=session, title="Adoption of the agenda")
    return meeting


@pytest.mark.parametrize("language", ["en", "id"])
def test_home_and_programme_pass_axe(live_server, browser, axe, programme, language):
    page = browser.new_context(locale=language).new_page()
    page.goto(live_server.url + "/")
    assert page.locator("html").get_attribute("lang") == language
    axe(page)
    page.get_by_role("link", name="11th JWG").first.click()
    page.wait_for_url("**/meetings/jwg-11/")
    assert "09:00" in page.content()
    axe(page)


def test_skip_link_reaches_main_content_by_keyboard(live_server, page, programme):
    page.goto(live_server.url + "/meetings/jwg-11/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.getAttribute('href')")
    assert focused == "#main"
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main"
