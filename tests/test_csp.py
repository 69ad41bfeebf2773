"""The Content Security Policy header goes out with every kind of response,
the admin's included, and allows nothing inline. (tests/browser/test_csp.py
checks in a real browser that the pages keep to it.)"""

import pytest
from django.urls import reverse

from tests.factories import MeetingFactory, UserFactory

pytestmark = pytest.mark.django_db

EXPECTED = {
    "default-src": {"'self'"},
    "script-src": {"'self'"},
    "style-src": {"'self'"},
    "img-src": {"'self'", "data:"},
    "font-src": {"'self'"},
    "connect-src": {"'self'"},
    "form-action": {"'self'"},
    "frame-ancestors": {"'none'"},
    "base-uri": {"'self'"},
    "object-src": {"'none'"},
}


def directives(response):
    header = response["Content-Security-Policy"]
    parsed = {}
    for directive in filter(None, (part.strip() for part in header.split(";"))):
        name, *sources = directive.split()
        parsed[name] = set(sources)
    return parsed


@pytest.fixture
def superuser_client(client):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


@pytest.mark.parametrize(
    "path",
    ["/", "/privacy/", "/accounts/login/", "/meetings/no-such-meeting/"],
)
def test_public_responses_carry_the_policy(client, path):
    MeetingFactory()
    response = client.get(path)
    assert directives(response) == EXPECTED


@pytest.mark.parametrize(
    "name",
    ["admin:index", "admin:delegates_registration_changelist", "focal:home"],
)
def test_signed_in_pages_and_the_admin_carry_the_same_policy(superuser_client, name):
    response = superuser_client.get(reverse(name))
    assert response.status_code == 200
    assert directives(response) == EXPECTED


def test_nothing_inline_or_evaluated_is_allowed(client):
    header = client.get("/")["Content-Security-Policy"]
    for loophole in ("unsafe-inline", "unsafe-eval", "unsafe-hashes", "*", "http:"):
        assert loophole not in header
