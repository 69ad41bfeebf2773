"""The check-in desk in a real browser: a keyboard-wedge scanner types into
the focused field and presses Enter; a person without a badge is found by
name; axe-core checks the chooser, the desk with an answer and the sheet."""

import re

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone
from playwright.sync_api import expect

from delegates import services
from delegates.models import Attendance
from tests.factories import (
    DelegateFactory,
    DelegationFactory,
    MeetingFactory,
    MemberStateFactory,
    RegistrationFactory,
    SessionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def session():
    today = timezone.localdate()
    meeting = MeetingFactory(title="11th JWG", start_date=today, end_date=today)
    return SessionFactory(meeting=meeting, title="JWG plenary")


@pytest.fixture
def malaysia(session):
    return DelegationFactory(meeting=session.meeting, party=MemberStateFactory())


def registered(delegation, session, given, family):
    registration = RegistrationFactory(
        delegation=delegation,
        delegate=DelegateFactory(given_name=given, family_name=family),
    )
    registration.sessions.add(session)
    return registration


@pytest.fixture
def desk_page(live_server, page, session):
    user = UserFactory(username="desk", first_name="Dewi", last_name="Lestari")
    user.user_permissions.add(Permission.objects.get(codename="check_in"))
    # The chooser lists the session, so it exists before the page loads.
    page.goto(live_server.url + "/checkin/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/checkin/$"))
    page.get_by_label("Username").fill("desk")
    page.get_by_label("Password").fill("a-long-test-password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check-in desk")
    return page


def test_scan_then_search_at_the_desk(desk_page, axe, session, malaysia):
    page = desk_page
    siti = registered(malaysia, session, "Siti", "Rahman")
    registered(malaysia, session, "Ahmad", "Zain")
    code = services.badge_issue(registration=siti).code
    axe(page)

    page.get_by_role("link", name="JWG plenary").click()
    field = page.get_by_label("Badge code")
    expect(field).to_be_focused()
    # A keyboard-wedge scanner is a keyboard: it types the code, then Enter.
    page.keyboard.type(code)
    page.keyboard.press("Enter")
    answer = page.get_by_role("status").filter(has_text="Siti Rahman")
    expect(answer).to_contain_text("Checked in")
    expect(answer).to_contain_text("Malaysia")
    expect(page.locator("#desk-count")).to_have_text(
        "1 checked in of 2 registered for this session"
    )
    expect(page.get_by_label("Badge code")).to_be_focused()
    expect(page.get_by_label("Badge code")).to_have_value("")
    axe(page)

    page.keyboard.type(code)
    page.keyboard.press("Enter")
    answer = page.get_by_role("status")
    expect(answer).to_contain_text("Already checked in")
    expect(answer).to_contain_text("by Dewi Lestari")
    assert Attendance.objects.count() == 1

    page.get_by_label("Name, reference or delegation").fill("Zain")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("button", name="Check in Ahmad Zain").click()
    expect(page.get_by_role("status")).to_contain_text("Checked in")
    expect(page.get_by_role("status")).to_contain_text("Ahmad Zain")
    expect(page.get_by_role("row", name=re.compile("Ahmad Zain"))).to_contain_text(
        "Checked in at"
    )
    expect(page.locator("#desk-count")).to_have_text(
        "2 checked in of 2 registered for this session"
    )
    methods = dict(
        Attendance.objects.values_list("registration__delegate__family_name", "method")
    )
    assert methods == {"Rahman": "scan", "Zain": "search"}
    axe(page)


def test_an_unknown_code_is_an_alert(desk_page, axe, session):
    page = desk_page
    page.get_by_role("link", name="JWG plenary").click()
    page.keyboard.type("not-a-badge-code-at-all")
    page.keyboard.press("Enter")
    expect(page.get_by_role("alert")).to_contain_text("Unknown code")
    axe(page)


def test_the_sign_in_sheet(desk_page, axe, session, malaysia):
    page = desk_page
    registered(malaysia, session, "Siti", "Rahman")
    page.get_by_role("link", name="JWG plenary").click()
    page.get_by_role("link", name=re.compile("sign-in sheet")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Sign-in sheet: JWG plenary"
    )
    axe(page)
    page.get_by_label("Attendance of Ms Siti Rahman").select_option("present")
    page.get_by_role("button", name="Save the sheet").click()
    expect(page.get_by_role("status")).to_contain_text(
        "Recorded from the sign-in sheet: Present: 1."
    )
    assert Attendance.objects.get().method == "sheet"
    axe(page)
