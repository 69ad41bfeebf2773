"""The focal point's pages in a real browser: log in, see the delegation,
nominate, endorse; axe-core checks every page on the way."""

import datetime
import re

import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from delegates.models import Registration
from tests.factories import (
    DelegateFactory,
    DelegationFactory,
    MemberStateFactory,
    RegistrationFactory,
    SessionFactory,
    UserFactory,
    registration_open_meeting,
)

pytestmark = pytest.mark.django_db(transaction=True)
DAY = datetime.timedelta(days=1)


@pytest.fixture(autouse=True)
def _portal(settings, live_server, tmp_path):
    cache.clear()
    settings.PORTAL_BASE_URL = live_server.url
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def delegation():
    meeting = registration_open_meeting(
        slug="jwg-11",
        title="11th JWG",
    )
    session = SessionFactory(meeting=meeting, title="Joint Working Group")
    delegation = DelegationFactory(meeting=meeting, party=MemberStateFactory())
    registration = RegistrationFactory(
        delegation=delegation,
        delegate=DelegateFactory(given_name="Siti", family_name="Rahman"),
        status=Registration.Status.PENDING,
    )
    registration.sessions.add(session)
    return delegation


@pytest.fixture
def focal_page(live_server, page, delegation):
    user = UserFactory(username="focal-mys", first_name="Aminah", last_name="Yusof")
    delegation.focal_points.add(user)
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Username").fill("focal-mys")
    page.get_by_label("Password").fill("a-long-test-password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your delegations")
    return page


def test_login_page_passes_axe(live_server, page, axe):
    page.goto(live_server.url + "/focal/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/focal/$"))
    axe(page)


def test_a_focal_point_reviews_endorses_and_nominates(focal_page, axe, delegation):
    page = focal_page
    expect(page.get_by_text("Signed in as Aminah Yusof")).to_be_visible()
    axe(page)

    page.get_by_role("link", name="Malaysia").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Delegation of Malaysia")
    row = page.get_by_role("row", name=re.compile("Siti Rahman"))
    expect(row).to_contain_text("Awaiting the focal point")
    axe(page)

    row.get_by_role("button", name="Endorse Ms Siti Rahman").click()
    expect(page.get_by_role("status")).to_have_text("You endorsed Ms Siti Rahman.")
    row = page.get_by_role("row", name=re.compile("Siti Rahman"))
    expect(row).to_contain_text("Endorsed")
    expect(row.get_by_role("button", name="Endorse Ms Siti Rahman")).to_have_count(0)
    registration = delegation.registrations.get()
    assert registration.endorsement == Registration.Endorsement.ENDORSED
    axe(page)

    row.get_by_role("button", name="Withdraw… Ms Siti Rahman").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Withdraw Ms Siti Rahman?"
    )
    axe(page)
    page.get_by_role("link", name="Keep it and go back").click()

    page.get_by_role("link", name="Nominate from a spreadsheet").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Nominate from a spreadsheet"
    )
    axe(page)
    page.get_by_role("link", name="Malaysia").click()

    page.get_by_role("link", name="Nominate a delegate").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Nominate a delegate")
    axe(page)
    page.get_by_label("Given name").fill("Budi")
    page.get_by_label("Family name").fill("Santoso")
    page.get_by_label("Email").fill("budi@example.org")
    page.get_by_role("checkbox", name=re.compile("Joint Working Group")).check()
    page.get_by_label("The nominee has been informed").check()
    page.get_by_role("button", name="Nominate").click()
    expect(page.get_by_role("status")).to_contain_text("Budi Santoso is nominated")
    expect(page.get_by_role("row", name=re.compile("Budi Santoso"))).to_contain_text(
        "Endorsed"
    )
    assert delegation.registrations.count() == 2
