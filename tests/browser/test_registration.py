"""Online registration in a real browser: a delegate registers through the
form, opens the private link from the email, changes and withdraws the
registration; axe-core checks every page on the way."""

import datetime
import re

import pytest
from django.core import mail
from django.core.cache import cache
from playwright.sync_api import expect

from delegates import services
from delegates.models import Registration
from tests.factories import (
    WITA,
    DelegationFactory,
    MemberStateFactory,
    PartyFactory,
    SessionFactory,
    registration_open_meeting,
)

pytestmark = pytest.mark.django_db(transaction=True)
DAY = datetime.timedelta(days=1)
Status = Registration.Status
EMAIL = "siti@example.org"


@pytest.fixture(autouse=True)
def _portal(settings, live_server):
    # The rate limit counts in the cache, which outlives a test; the mail's
    # links must lead to this live server.
    cache.clear()
    settings.PORTAL_BASE_URL = live_server.url


@pytest.fixture
def meeting():
    meeting = registration_open_meeting(
        slug="jwg-11",
        number=11,
        title="11th JWG",
    )
    SessionFactory(meeting=meeting, title="Joint Working Group", order=1)
    SessionFactory(
        meeting=meeting,
        title="Field visit",
        order=2,
        starts_at=datetime.datetime.combine(
            meeting.start_date + DAY, datetime.time(9), tzinfo=WITA
        ),
    )
    DelegationFactory(meeting=meeting, party=MemberStateFactory())
    DelegationFactory(
        meeting=meeting, party=PartyFactory(code="IGF", name="IGF on Mining")
    )
    return meeting


def session_box(page, title):
    return page.get_by_role("checkbox", name=re.compile(re.escape(title)))


def private_link(message, base):
    link = re.search(r"https?://\S+/registration/\S+/", message.body).group(0)
    assert link.startswith(base + "/")
    return link


def test_a_delegate_registers_edits_and_withdraws(live_server, page, axe, meeting):
    base = live_server.url

    page.goto(base + "/")
    axe(page)
    page.get_by_role("link", name="Register for the 11th JWG").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Register: 11th JWG")
    axe(page)

    # An empty submission: the error summary is focused, and still passes axe.
    page.get_by_role("button", name="Send my registration").click()
    summary = page.get_by_role("alert").filter(has_text="There is a problem")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()
    expect(page).to_have_title(re.compile(r"^Error: "))
    expect(summary.get_by_role("link", name=re.compile("Family name"))).to_be_visible()
    axe(page)

    page.get_by_label("Delegation").select_option(label="Malaysia")
    page.get_by_label("Role").select_option(label="Delegate")
    page.get_by_label("Honorific").select_option(label="Ms")
    page.get_by_label("Given name").fill("Siti")
    page.get_by_label("Family name").fill("Rahman")
    page.get_by_label("Position").fill("Director")
    page.get_by_label("Agency or ministry").fill("Ministry of Natural Resources")
    page.get_by_label("Nationality").select_option(label="Malaysia")
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Phone").fill("+60 3 8000 8000")
    session_box(page, "Joint Working Group").check()
    page.get_by_label("Dietary requirements").fill("Halal")
    page.get_by_label("I have read the privacy notice").check()
    page.get_by_role("button", name="Send my registration").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Registration received")
    registration = Registration.objects.get(delegate__email=EMAIL)
    expect(page.get_by_role("status")).to_contain_text(registration.reference)
    axe(page)

    (message,) = [m for m in mail.outbox if m.to == [EMAIL]]
    assert registration.reference in message.body
    page.goto(private_link(message, base))
    expect(page.get_by_role("heading", level=1)).to_have_text("Your registration")
    expect(page.locator(".status-badge")).to_have_text("Pending")
    details = page.get_by_role("region", name="Your details")
    expect(details).to_contain_text("Ms Siti Rahman")
    expect(details).to_contain_text("Director")
    expect(page.get_by_role("region", name="Sessions")).to_contain_text(
        "Joint Working Group"
    )
    axe(page)

    page.get_by_role("link", name="Change my registration").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Change your registration"
    )
    expect(page.get_by_label("Position")).to_have_value("Director")
    axe(page)
    page.get_by_label("Position").fill("Deputy Director General")
    session_box(page, "Joint Working Group").uncheck()
    session_box(page, "Field visit").check()
    page.get_by_role("button", name="Save my changes").click()

    expect(page.get_by_role("status")).to_have_text("Your changes are saved.")
    expect(page.get_by_role("region", name="Your details")).to_contain_text(
        "Deputy Director General"
    )
    sessions = page.get_by_role("region", name="Sessions")
    expect(sessions).to_contain_text("Field visit")
    expect(sessions).not_to_contain_text("Joint Working Group")
    registration.refresh_from_db()
    assert registration.delegate.position == "Deputy Director General"
    assert [s.title for s in registration.sessions.all()] == ["Field visit"]
    assert registration.status == Status.PENDING

    page.get_by_role("link", name="Withdraw").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Withdraw your registration"
    )
    axe(page)
    page.get_by_label("Yes, withdraw my registration").check()
    page.get_by_label("Reason (optional)").fill("Cannot travel")
    page.get_by_role("button", name="Withdraw my registration").click()
    expect(page.get_by_role("status")).to_have_text("Your registration is withdrawn.")
    expect(page.locator(".status-badge")).to_have_text("Withdrawn")
    expect(page.get_by_role("link", name="Change my registration")).to_have_count(0)
    axe(page)
    registration.refresh_from_db()
    assert registration.status == Status.WITHDRAWN


def test_lost_link_and_privacy_notice(live_server, page, axe, meeting):
    base = live_server.url
    registration = services.registration_submit(
        meeting=meeting,
        delegation=meeting.delegations.get(party__code="MYS"),
        delegate_data={"given_name": "Siti", "family_name": "Rahman", "email": EMAIL},
        registration_data={"role": "delegate"},
        sessions=list(meeting.sessions.all()),
        consent_privacy=True,
    )
    mail.outbox.clear()

    page.goto(base + "/meetings/jwg-11/register/")
    page.get_by_role("link", name="Get your private link again").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Get your private link again"
    )
    axe(page)
    page.get_by_label("Email address you registered with").fill(EMAIL)
    page.get_by_role("button", name="Send my link").click()
    expect(page.get_by_role("status")).to_contain_text("If this address has")
    axe(page)

    (message,) = mail.outbox
    assert message.to == [EMAIL]
    page.goto(private_link(message, base))
    expect(page.get_by_role("heading", level=1)).to_have_text("Your registration")
    expect(page.get_by_role("region", name="Registration")).to_contain_text(
        registration.reference
    )

    page.get_by_role("link", name="Privacy notice").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Privacy notice")
    axe(page)


def test_the_register_form_works_by_keyboard(live_server, page, meeting):
    page.goto(live_server.url + "/meetings/jwg-11/register/")

    def tab_to(target, limit):
        for _ in range(limit):
            page.keyboard.press("Tab")
            if target.evaluate("el => el === document.activeElement"):
                return
        pytest.fail(f"{target} not reached with {limit} presses of Tab")

    tab_to(page.get_by_label("Delegation"), 30)
    page.keyboard.type("Mal")
    expect(page.get_by_label("Delegation")).to_have_value(
        str(meeting.delegations.get(party__code="MYS").pk)
    )
    tab_to(page.get_by_label("Given name"), 5)
    page.keyboard.type("Siti")
    page.keyboard.press("Tab")
    page.keyboard.type("Rahman")
    expect(page.get_by_label("Family name")).to_have_value("Rahman")
    tab_to(page.get_by_role("button", name="Send my registration"), 120)
    page.keyboard.press("Enter")
    summary = page.get_by_role("alert").filter(has_text="There is a problem")
    expect(summary).to_be_focused()
    # What was typed is kept.
    expect(page.get_by_label("Family name")).to_have_value("Rahman")


def test_too_many_attempts_page_passes_axe(live_server, page, axe, meeting, settings):
    settings.REGISTRATION_RATE_PER_MINUTE = 0
    page.goto(live_server.url + "/meetings/jwg-11/register/lost-link/")
    page.get_by_label("Email address you registered with").fill(EMAIL)
    page.get_by_role("button", name="Send my link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Too many attempts")
    axe(page)
