"""Sign-in lockout (django-axes): per user name and address, for the portal's
and the admin's sign-in, with a page that says when to try again."""

import datetime

import pytest
from axes.exceptions import AxesBackendRequestParameterRequired
from axes.models import AccessAttempt
from django.contrib.auth import authenticate
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-test-password"
ATTACKER = "203.0.113.7"
ELSEWHERE = "198.51.100.20"
START = datetime.datetime(2024, 4, 29, 1, 0, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def _limits(settings):
    settings.AXES_FAILURE_LIMIT = 5
    settings.AXES_COOLOFF_TIME = 0.25  # hours: 15 minutes


@pytest.fixture
def user(db):
    return UserFactory(username="fp-mys")


@pytest.fixture
def staff(db):
    return UserFactory(username="secretariat", is_staff=True, is_superuser=True)


def attempt(client, password, *, username="fp-mys", address=ATTACKER, url=None, **meta):
    return client.post(
        url or reverse("login"),
        {"username": username, "password": password},
        REMOTE_ADDR=address,
        **meta,
    )


def signed_in(client):
    return "_auth_user_id" in client.session


def lock(client, *, username="fp-mys", address=ATTACKER, url=None, **meta):
    """Fail until locked; return the answer to the failure that locked."""
    for _ in range(4):
        response = attempt(
            client, "wrong", username=username, address=address, url=url, **meta
        )
        assert response.status_code == 200
    return attempt(client, "wrong", username=username, address=address, url=url, **meta)


def test_the_fifth_failure_locks_with_a_429_page_saying_when(client, user):
    response = lock(client)
    assert response.status_code == 429
    assert response["Retry-After"] == "900"
    assert "base.html" in [t.name for t in response.templates]
    html = response.content.decode()
    assert '<html lang="en">' in html
    assert "<h1>Too many failed log-in attempts</h1>" in html
    assert "Try again in 15 minutes." in html
    assert "starts the wait again" in html
    assert not signed_in(client)


def test_four_failures_do_not_lock(client, user):
    for _ in range(4):
        assert attempt(client, "wrong").status_code == 200
    response = attempt(client, PASSWORD)
    assert response.status_code == 302
    assert signed_in(client)


def test_the_right_password_is_refused_while_locked(client, user):
    lock(client)
    response = attempt(client, PASSWORD)
    assert response.status_code == 429
    assert not signed_in(client)


def test_the_page_follows_the_language(client, user):
    lock(client)
    response = attempt(client, PASSWORD, HTTP_ACCEPT_LANGUAGE="id")
    assert response.status_code == 429
    assert '<html lang="id">' in response.content.decode()


def test_an_attacker_cannot_lock_the_real_user_out(client, user):
    lock(client, address=ATTACKER)
    response = attempt(client, PASSWORD, address=ELSEWHERE)
    assert response.status_code == 302
    assert signed_in(client)


def test_another_user_at_the_locked_address_is_not_affected(client, user):
    UserFactory(username="fp-idn")
    lock(client, username="fp-mys")
    response = attempt(client, PASSWORD, username="fp-idn")
    assert response.status_code == 302


def test_a_slash_64_counts_as_one_address(client, user):
    """An IPv6 client holds a whole /64: changing address within it does not
    buy more guesses."""
    for n in range(4):
        assert (
            attempt(client, "wrong", address=f"2001:db8:1:2::{n + 1}").status_code
            == 200
        )
    assert attempt(client, "wrong", address="2001:db8:1:2::ff").status_code == 429
    assert attempt(client, PASSWORD, address="2001:db8:1:3::1").status_code == 302


def test_login_works_again_after_the_cool_off(client, user, time_machine):
    time_machine.move_to(START, tick=False)
    assert lock(client).status_code == 429
    time_machine.move_to(START + datetime.timedelta(minutes=15, seconds=1), tick=False)
    response = attempt(client, PASSWORD)
    assert response.status_code == 302
    assert signed_in(client)


def test_an_attempt_while_locked_starts_the_wait_again(client, user, time_machine):
    time_machine.move_to(START, tick=False)
    lock(client)
    time_machine.move_to(START + datetime.timedelta(minutes=10), tick=False)
    assert attempt(client, PASSWORD).status_code == 429
    # Past the first cool-off, but within the one the last attempt started.
    last = START + datetime.timedelta(minutes=16)
    time_machine.move_to(last, tick=False)
    assert attempt(client, PASSWORD).status_code == 429
    time_machine.move_to(last + datetime.timedelta(minutes=15, seconds=1), tick=False)
    assert attempt(client, PASSWORD).status_code == 302


def test_a_success_resets_the_count(client, user):
    for _ in range(4):
        attempt(client, "wrong")
    assert AccessAttempt.objects.filter(username="fp-mys").exists()
    assert attempt(client, PASSWORD).status_code == 302
    assert not AccessAttempt.objects.filter(username="fp-mys").exists()
    client.logout()
    for _ in range(4):
        assert attempt(client, "wrong").status_code == 200
    assert attempt(client, PASSWORD).status_code == 302


def test_the_admin_login_is_locked_too(client, staff):
    url = reverse("admin:login")
    response = lock(client, username="secretariat", url=url)
    assert response.status_code == 429
    assert "Try again in 15 minutes." in response.content.decode()
    response = attempt(client, PASSWORD, username="secretariat", url=url)
    assert response.status_code == 429
    assert not signed_in(client)
    # One count for the pair, whichever page the guesses came through.
    response = attempt(client, PASSWORD, username="secretariat")
    assert response.status_code == 429
    response = attempt(
        client, PASSWORD, username="secretariat", address=ELSEWHERE, url=url
    )
    assert response.status_code == 302
    assert signed_in(client)


def test_forwarded_for_is_ignored_without_trusted_proxies(client, user):
    for n in range(4):
        response = attempt(client, "wrong", HTTP_X_FORWARDED_FOR=f"10.0.0.{n}")
        assert response.status_code == 200
    response = attempt(client, "wrong", HTTP_X_FORWARDED_FOR="10.0.0.99")
    assert response.status_code == 429
    assert AccessAttempt.objects.get().ip_address == ATTACKER


def test_behind_a_trusted_proxy_the_client_is_the_forwarded_address(
    client, user, settings
):
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = "127.0.0.1"
    # A client that writes its own X-Forwarded-For only adds entries on the
    # left; the proxy appends the address it really saw.
    for n in range(5):
        response = attempt(
            client,
            "wrong",
            address=proxy,
            HTTP_X_FORWARDED_FOR=f"10.9.9.{n}, {ATTACKER}",
        )
    assert response.status_code == 429
    assert AccessAttempt.objects.get().ip_address == ATTACKER
    # Another client through the same proxy is not locked out.
    response = attempt(client, PASSWORD, address=proxy, HTTP_X_FORWARDED_FOR=ELSEWHERE)
    assert response.status_code == 302


def test_a_sign_in_without_a_request_cannot_skip_the_lockout(user):
    """authenticate() without the request is refused, not let through
    unchecked; so tests sign in with client.force_login() (or pass
    request=...), never a bare client.login()."""
    with pytest.raises(AxesBackendRequestParameterRequired):
        authenticate(username="fp-mys", password=PASSWORD)


def test_force_login_is_unaffected_by_a_lockout(client, user):
    lock(client)
    client.force_login(user)
    assert client.get(reverse("focal:home")).status_code == 200
