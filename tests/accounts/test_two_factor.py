"""Two-factor sign-in (django-otp, TOTP): setting a device up, the code step
after the password, throttled guessing, removing a device, and the
secretariat's obligation under OTP_REQUIRED_FOR_SECRETARIAT."""

import datetime
from base64 import b32encode

import pytest
from django.contrib.auth.models import Group
from django.test import RequestFactory
from django.urls import resolve, reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.middleware import CODE_OWED_SESSION_KEY, TwoFactorMiddleware
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-test-password"
START = datetime.datetime(2024, 4, 29, 1, 0, tzinfo=datetime.UTC)
STEP = datetime.timedelta(seconds=30)


@pytest.fixture(autouse=True)
def frozen(time_machine):
    """TOTP codes follow the clock: hold it still, move it on purpose."""
    time_machine.move_to(START, tick=False)
    return time_machine


def code(device, drift=0):
    """The code the user's app shows now (or `drift` steps away)."""
    token = totp(device.bin_key, device.step, device.t0, device.digits, drift)
    return f"{token:06d}"


def wrong_code(device):
    """A code that is not accepted now (nor one step either side)."""
    right = {code(device, drift) for drift in (-1, 0, 1)}
    return next(f"{n:06d}" for n in range(10) if f"{n:06d}" not in right)


def device_for(user, *, confirmed=True):
    return TOTPDevice.objects.create(user=user, name="Phone", confirmed=confirmed)


def verified(client):
    return DEVICE_ID_SESSION_KEY in client.session


@pytest.fixture
def user(db):
    return UserFactory(username="fp-mys")


@pytest.fixture
def secretariat(db):
    user = UserFactory(username="secretariat", is_staff=True)
    user.groups.add(Group.objects.get_or_create(name="Secretariat")[0])
    return user


def log_in(client, username, url=None):
    return client.post(
        url or reverse("login"), {"username": username, "password": PASSWORD}
    )


def next_url(view_name, next_path):
    return f"{reverse(view_name)}?next={next_path}"


# --- Setting up a device ----------------------------------------------------


def test_setup_shows_a_qr_code_and_the_key_of_a_new_unconfirmed_device(client, user):
    client.force_login(user)
    response = client.get(reverse("accounts:setup"))
    assert response.status_code == 200
    device = TOTPDevice.objects.get(user=user)
    assert not device.confirmed
    html = response.content.decode()
    assert 'src="data:image/svg+xml' in html
    secret = b32encode(device.bin_key).decode()
    assert " ".join(secret[i : i + 4] for i in range(0, 32, 4)) in html
    # Nothing inline for the Content Security Policy to refuse.
    assert "style=" not in html
    assert "<script>" not in html
    assert "data:" in response["Content-Security-Policy"].split("img-src")[1]
    # Reloading shows the same device rather than making another.
    client.get(reverse("accounts:setup"))
    assert TOTPDevice.objects.filter(user=user).count() == 1


def test_setup_refuses_a_wrong_code(client, user):
    client.force_login(user)
    client.get(reverse("accounts:setup"))
    device = TOTPDevice.objects.get(user=user)
    response = client.post(reverse("accounts:setup"), {"otp_token": wrong_code(device)})
    assert response.status_code == 200
    assert "This code is not right." in response.content.decode()
    device.refresh_from_db()
    assert not device.confirmed
    assert not verified(client)


def test_setup_confirms_the_device_with_the_right_code(client, user):
    client.force_login(user)
    client.get(reverse("accounts:setup"))
    device = TOTPDevice.objects.get(user=user)
    response = client.post(reverse("accounts:setup"), {"otp_token": code(device)})
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:two_factor")
    device.refresh_from_db()
    assert device.confirmed
    assert verified(client)


def test_setup_with_a_device_already_set_up_makes_no_second_one(client, user):
    device_for(user)
    client.force_login(user)
    # Signed in with the password only: the code comes first.
    response = client.get(reverse("accounts:setup"))
    assert response["Location"] == next_url(
        "accounts:verify", "/accounts/two-factor/set-up/"
    )
    client.post(
        reverse("accounts:verify"), {"otp_token": code(user.totpdevice_set.get())}
    )
    response = client.get(reverse("accounts:setup"))
    assert response["Location"] == reverse("accounts:two_factor")
    assert TOTPDevice.objects.filter(user=user).count() == 1


# --- The code step of signing in -----------------------------------------


def test_without_a_device_the_password_is_enough(client, user):
    response = log_in(client, "fp-mys")
    assert response["Location"] == reverse("focal:home")
    assert client.get(reverse("focal:home")).status_code == 200


def test_with_a_device_signing_in_asks_for_a_code(client, user, frozen):
    device = device_for(user)
    response = log_in(client, "fp-mys")
    assert response.status_code == 302
    assert response["Location"] == next_url("accounts:verify", "/focal/")
    # Until the code is given, every page behind sign-in leads to the code.
    for url in (reverse("focal:home"), reverse("accounts:two_factor")):
        response = client.get(url)
        assert response["Location"] == next_url("accounts:verify", url), url
    page = client.get(reverse("accounts:verify"), {"next": "/focal/"})
    assert page.status_code == 200
    assert 'autocomplete="one-time-code"' in page.content.decode()

    response = client.post(
        reverse("accounts:verify"), {"otp_token": wrong_code(device), "next": "/focal/"}
    )
    assert response.status_code == 200
    assert "This code is not right." in response.content.decode()
    assert not verified(client)
    assert client.get(reverse("focal:home")).status_code == 302

    frozen.move_to(START + STEP, tick=False)  # past the throttle's wait
    response = client.post(
        reverse("accounts:verify"), {"otp_token": code(device), "next": "/focal/"}
    )
    assert response["Location"] == "/focal/"
    assert verified(client)
    assert CODE_OWED_SESSION_KEY not in client.session
    assert client.get(reverse("focal:home")).status_code == 200


def test_the_admin_login_asks_a_device_holder_for_a_code(client, secretariat):
    device = device_for(secretariat)
    response = log_in(
        client, "secretariat", url=reverse("admin:login") + "?next=/admin/"
    )
    assert response["Location"] == "/admin/"
    response = client.get("/admin/")
    assert response["Location"] == next_url("accounts:verify", "/admin/")
    client.post(reverse("accounts:verify"), {"otp_token": code(device)})
    assert client.get("/admin/").status_code == 200


def test_a_code_cannot_be_used_twice(client, user):
    device = device_for(user)
    used = code(device)
    client.force_login(user)
    assert (
        client.post(reverse("accounts:verify"), {"otp_token": used}).status_code == 302
    )
    client.logout()
    client.force_login(user)
    response = client.post(reverse("accounts:verify"), {"otp_token": used})
    assert response.status_code == 200
    assert not verified(client)


def test_verify_does_not_redirect_off_the_site(client, user):
    device = device_for(user)
    client.force_login(user)
    response = client.post(
        reverse("accounts:verify"),
        {"otp_token": code(device), "next": "https://evil.example/"},
    )
    assert response["Location"] == reverse("focal:home")


def test_guessing_codes_is_throttled(client, user, frozen):
    """After n wrong codes, any code is refused for 2^(n-1) seconds: rapid
    guesses are not even checked, and the right code among them fails too."""
    device = device_for(user)
    client.force_login(user)
    url = reverse("accounts:verify")
    for _ in range(20):
        client.post(url, {"otp_token": wrong_code(device)})
    response = client.post(url, {"otp_token": code(device)})
    assert "Too many wrong codes. Wait 1 second," in response.content.decode()
    assert not verified(client)
    device.refresh_from_db()
    assert device.throttling_failure_count == 1  # only the first was checked

    # Each wrong code doubles the wait: 1, 2, 4, 8 seconds.
    now = START
    for wait in (1, 2, 4):
        now += datetime.timedelta(seconds=wait)
        frozen.move_to(now, tick=False)
        client.post(url, {"otp_token": wrong_code(device)})
    response = client.post(url, {"otp_token": code(device)})
    assert "Wait 8 seconds," in response.content.decode()
    frozen.move_to(now + datetime.timedelta(seconds=7), tick=False)
    assert (
        "Wait 1 second,"
        in client.post(url, {"otp_token": code(device)}).content.decode()
    )
    assert not verified(client)

    frozen.move_to(now + datetime.timedelta(seconds=8), tick=False)
    response = client.post(url, {"otp_token": code(device)})
    assert response.status_code == 302
    assert verified(client)
    device.refresh_from_db()
    assert device.throttling_failure_count == 0


# --- Removing a device ----------------------------------------------------


def test_removing_needs_a_code_in_this_session(client, user):
    device_for(user)
    client.force_login(user)
    response = client.post(reverse("accounts:remove"), {"password": PASSWORD})
    assert response["Location"].startswith(reverse("accounts:verify"))
    assert TOTPDevice.objects.filter(user=user).exists()


def test_removing_needs_the_password(client, user):
    device = device_for(user)
    client.force_login(user)
    client.post(reverse("accounts:verify"), {"otp_token": code(device)})
    assert client.get(reverse("accounts:remove")).status_code == 200
    response = client.post(reverse("accounts:remove"), {"password": "not-my-password"})
    assert response.status_code == 200
    assert "This is not your password." in response.content.decode()
    assert TOTPDevice.objects.filter(user=user).exists()

    response = client.post(reverse("accounts:remove"), {"password": PASSWORD})
    assert response["Location"] == reverse("accounts:two_factor")
    assert not TOTPDevice.objects.filter(user=user).exists()
    client.logout()
    assert log_in(client, "fp-mys")["Location"] == reverse("focal:home")


def test_resetting_removes_the_device_and_starts_a_new_one(client, user):
    device = device_for(user)
    client.force_login(user)
    client.post(reverse("accounts:verify"), {"otp_token": code(device)})
    response = client.post(
        reverse("accounts:remove"), {"password": PASSWORD, "then": "setup"}
    )
    assert response["Location"] == reverse("accounts:setup")
    assert client.get(response["Location"]).status_code == 200
    new = TOTPDevice.objects.get(user=user)
    assert not new.confirmed
    assert new.key != device.key


# --- OTP_REQUIRED_FOR_SECRETARIAT ---------------------------------------------


STAFF_PAGES = ("/admin/", "/admin/reports/", "/actions/")


@pytest.fixture
def required(settings):
    settings.OTP_REQUIRED_FOR_SECRETARIAT = True


def test_when_required_the_secretariat_is_sent_to_set_up(client, secretariat, required):
    client.force_login(secretariat)
    for url in STAFF_PAGES:
        response = client.get(url)
        assert response["Location"] == next_url("accounts:setup", url), url
    page = client.get(reverse("accounts:setup"), {"next": "/admin/"})
    assert "must use two-factor sign-in" in page.content.decode()
    device = TOTPDevice.objects.get(user=secretariat)
    response = client.post(
        reverse("accounts:setup"), {"otp_token": code(device), "next": "/admin/"}
    )
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_when_required_a_superuser_is_sent_to_set_up(client, required):
    boss = UserFactory(username="boss", is_staff=True, is_superuser=True)
    client.force_login(boss)
    assert client.get("/admin/")["Location"] == next_url("accounts:setup", "/admin/")


def test_when_required_a_device_holder_must_give_a_code(client, secretariat, required):
    device = device_for(secretariat)
    client.force_login(secretariat)
    assert client.get("/admin/")["Location"] == next_url("accounts:verify", "/admin/")
    client.post(reverse("accounts:verify"), {"otp_token": code(device)})
    assert client.get("/admin/").status_code == 200


def test_when_required_a_device_added_during_the_session_still_needs_a_code(
    client, secretariat, required
):
    """The sign-in saw no device; the admin added one since."""
    client.force_login(secretariat)
    device_for(secretariat)
    assert client.get("/admin/")["Location"] == next_url("accounts:verify", "/admin/")


def test_when_required_the_secretariat_may_still_read_public_pages(
    client, secretariat, required
):
    client.force_login(secretariat)
    assert client.get(reverse("meetings:list")).status_code == 200


def test_when_required_other_staff_and_focal_points_are_not_affected(
    client, user, required
):
    checkin = UserFactory(username="desk", is_staff=True)
    client.force_login(checkin)
    assert client.get("/admin/").status_code == 200
    client.force_login(user)
    assert client.get(reverse("focal:home")).status_code == 200


def test_when_not_required_nothing_changes_for_the_secretariat(
    client, secretariat, settings
):
    settings.OTP_REQUIRED_FOR_SECRETARIAT = False
    boss = UserFactory(username="boss", is_staff=True, is_superuser=True)
    for member in (secretariat, boss):
        client.force_login(member)
        for url in STAFF_PAGES:
            assert client.get(url).status_code == 200, url


def test_the_check_costs_no_query_for_a_user_without_a_device(
    user, django_assert_num_queries
):
    request = RequestFactory().get("/focal/")
    request.user = user
    request.session = {}
    request.resolver_match = resolve("/focal/")
    middleware = TwoFactorMiddleware(lambda request: None)
    with django_assert_num_queries(0):
        assert (
            middleware.process_view(request, request.resolver_match.func, (), {})
            is None
        )
