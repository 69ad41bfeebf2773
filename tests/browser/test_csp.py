"""Every page keeps to the Content Security Policy, in a real browser.

The policy (CONTENT_SECURITY_POLICY in settings/base.py) allows scripts,
styles and images from the portal's own origin only, and no inline script,
<style> or style="" attribute. A page that breaks it is not only noisy: the
browser drops the style or script, so the page looks or works differently.
Each page is loaded with its real policy (no bypass) while the browser
reports every violation, as `securitypolicyviolation` events and console
errors; any one fails the test, naming the page.
"""

import datetime
import io
import re

import pytest
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth.models import Permission
from django.contrib.sessions.backends.db import SessionStore
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from delegates.models import Registration
from tests.factories import (
    AgendaItemFactory,
    DelegateFactory,
    DelegationFactory,
    MeetingFactory,
    MemberStateFactory,
    RegistrationFactory,
    SessionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)
DAY = datetime.timedelta(days=1)

# Registered before any of the page's own scripts run; the browser fires the
# event for every blocked script, style, image, frame or form target.
LISTEN = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (event) => {
  window.__cspViolations.push({
    directive: event.violatedDirective,
    blocked: event.blockedURI,
    sample: event.sample,
    source: event.sourceFile,
    line: event.lineNumber,
  });
});
"""


@pytest.fixture(autouse=True)
def _portal(settings, live_server, tmp_path):
    cache.clear()
    settings.PORTAL_BASE_URL = live_server.url
    settings.MEDIA_ROOT = tmp_path


def jpeg():
    buffer = io.BytesIO()
    Image.new("RGB", (80, 100), "teal").save(buffer, "JPEG")
    return ContentFile(buffer.getvalue())


@pytest.fixture
def world():
    today = timezone.localdate()
    now = timezone.now()
    meeting = MeetingFactory(
        slug="jwg-12",
        title="12th JWG",
        start_date=today,
        end_date=today + 4 * DAY,
        registration_opens_at=now - DAY,
        registration_closes_at=now + DAY,
    )
    session = SessionFactory(meeting=meeting, title="Joint Working Group")
    AgendaItemFactory(session=session, title="Adoption of the agenda")
    delegation = DelegationFactory(meeting=meeting, party=MemberStateFactory())
    delegate = DelegateFactory(given_name="Siti", family_name="Rahman")
    delegate.photo.save("photo.jpg", jpeg())
    registration = RegistrationFactory(
        delegation=delegation,
        delegate=delegate,
        status=Registration.Status.PENDING,
    )
    registration.sessions.add(session)
    return registration


class Watch:
    """Collects the policy's violations on one browser page, per address."""

    def __init__(self, page):
        self.page = page
        self.found = {}
        self.console = []
        page.on("console", self._console)

    def _console(self, message):
        text = message.text
        if message.type == "error" and (
            "Content Security Policy" in text or "Refused to" in text
        ):
            self.console.append(text)

    def visit(self, url):
        response = self.page.goto(url)
        assert response.ok, f"{url}: {response.status}"
        self.check(url)

    def check(self, label):
        self.page.wait_for_load_state("networkidle")
        # Violation events are queued as tasks: let the queue run first.
        self.page.wait_for_timeout(50)
        violations = self.page.evaluate("window.__cspViolations || []")
        violations += [{"console": text} for text in self.console]
        self.console = []
        if violations:
            self.found[label] = violations

    def assert_none(self):
        assert self.found == {}, self.found


@pytest.fixture
def watch(browser):
    context = browser.new_context(locale="en-GB")
    context.add_init_script(LISTEN)
    yield Watch(context.new_page())
    context.close()


def sign_in(watch, live_server, user):
    """Give the browser a session for `user`, as signing in would."""
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    watch.page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": session.session_key,
                "url": live_server.url,
            }
        ]
    )


def test_a_violation_is_caught(live_server, watch, world):
    """The watch itself: an inline style added to a page is reported."""
    watch.visit(live_server.url + "/")
    watch.page.evaluate(
        "document.body.insertAdjacentHTML('beforeend', "
        "'<p style=\"color: red\">inline</p>')"
    )
    watch.check("after an inline style")
    reported = watch.found["after an inline style"]
    assert any(
        violation.get("directive", "").startswith("style-src") for violation in reported
    )
    assert any("Content Security Policy" in v.get("console", "") for v in reported)


def test_the_public_pages_keep_to_the_policy(live_server, watch, world):
    slug = world.meeting.slug
    for path in (
        "/",
        f"/meetings/{slug}/",
        f"/meetings/{slug}/register/",
        f"/meetings/{slug}/register/lost-link/",
        f"/meetings/{slug}/register/done/",
        "/privacy/",
        "/accounts/login/",
    ):
        watch.visit(live_server.url + path)

    # A refused registration: the error summary takes the focus on load.
    watch.visit(live_server.url + f"/meetings/{slug}/register/")
    watch.page.get_by_role("button", name="Send my registration").click()
    watch.page.wait_for_url(re.compile(r"/register/$"))
    watch.check("register, refused")
    assert watch.page.get_by_role("alert").first.is_visible()
    watch.assert_none()


def test_the_private_link_pages_keep_to_the_policy(live_server, watch, world):
    token = world.token
    watch.visit(live_server.url + f"/registration/{token}/")
    watch.visit(live_server.url + f"/registration/{token}/edit/")
    # The photo on the edit page comes through the private link's view.
    photo = watch.page.get_by_role("img", name="Your photo on file")
    assert photo.evaluate("image => image.naturalWidth") == 80
    watch.visit(live_server.url + f"/registration/{token}/withdraw/")
    watch.assert_none()


def test_the_focal_pages_keep_to_the_policy(live_server, watch, world):
    delegation = world.delegation
    user = UserFactory(username="focal-mys")
    delegation.focal_points.add(user)
    sign_in(watch, live_server, user)
    for path in (
        "/focal/",
        f"/focal/delegations/{delegation.pk}/",
        f"/focal/delegations/{delegation.pk}/nominate/",
        f"/focal/delegations/{delegation.pk}/import/",
        f"/focal/registrations/{world.pk}/edit/",
    ):
        watch.visit(live_server.url + path)
    photo = watch.page.get_by_role("img", name="Photo of Ms Siti Rahman")
    assert photo.evaluate("image => image.naturalWidth") == 80
    watch.assert_none()


def test_the_check_in_desk_keeps_to_the_policy(live_server, watch, world):
    user = UserFactory(username="desk", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="check_in"))
    sign_in(watch, live_server, user)
    session = world.sessions.get()
    watch.visit(live_server.url + "/checkin/")
    watch.visit(live_server.url + f"/checkin/sessions/{session.pk}/")
    watch.page.locator("input[name=q]").fill("Rahman")
    watch.page.get_by_role("button", name="Search").click()
    watch.check("desk, search")
    watch.visit(live_server.url + f"/checkin/sessions/{session.pk}/sheet/")
    watch.assert_none()


def test_the_admin_keeps_to_the_policy(live_server, watch, world):
    user = UserFactory(username="root", is_staff=True, is_superuser=True)
    sign_in(watch, live_server, user)
    for url in (
        reverse("admin:index"),
        reverse("admin:delegates_registration_changelist"),
        reverse("admin:delegates_registration_change", args=[world.pk]),
        reverse("admin:delegates_registration_add"),
        reverse("admin:delegates_delegate_change", args=[world.delegate_id]),
        reverse("admin:delegates_delegation_change", args=[world.delegation_id]),
        reverse("admin:meetings_meeting_change", args=[world.meeting_id]),
        reverse("admin:delegates_registration_history", args=[world.pk]),
        reverse("admin:delegates_delegate_delete", args=[world.delegate_id]),
        reverse("admin:delegates_attendance_changelist"),
        reverse("admin:auditlog_logentry_changelist"),
        reverse("admin:auth_user_change", args=[user.pk]),
        "/admin/reports/",
        "/actions/",
    ):
        watch.visit(live_server.url + url)
        if url == reverse("admin:delegates_delegate_change", args=[world.delegate_id]):
            photo = watch.page.get_by_role("img", name="Photo of Ms Siti Rahman")
            assert photo.evaluate("image => image.naturalWidth") == 80
    watch.assert_none()
