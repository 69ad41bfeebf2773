"""The public forms' rate limit: per address, per minute, POSTs only."""

import datetime

import pytest
from django.core.cache import cache
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from delegates.models import Registration
from delegates.ratelimit import client_address
from tests.factories import MeetingFactory

pytestmark = pytest.mark.django_db

# Ten seconds into a minute, so the window's end is known.
START = datetime.datetime(2024, 3, 15, 4, 0, 10, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()


@pytest.fixture
def frozen(time_machine):
    time_machine.move_to(START, tick=False)
    return time_machine


@pytest.fixture
def open_meeting(frozen):
    now = timezone.now()
    return MeetingFactory(
        registration_opens_at=now - datetime.timedelta(days=1),
        registration_closes_at=now + datetime.timedelta(days=1),
    )


def post(client, url, address="203.0.113.7"):
    # An empty form: refused by validation, so nothing is written, but counted.
    return client.post(url, {}, REMOTE_ADDR=address)


@pytest.mark.parametrize("name", ["register", "lost_link"])
def test_the_21st_post_in_a_minute_gets_429(client, open_meeting, settings, name):
    settings.REGISTRATION_RATE_PER_MINUTE = 20
    url = reverse(f"delegates:{name}", kwargs={"slug": open_meeting.slug})
    assert [post(client, url).status_code for _ in range(20)] == [200] * 20
    response = post(client, url)
    assert response.status_code == 429
    assert response["Retry-After"] == "50"
    assert "Too many attempts" in response.content.decode()
    assert not Registration.objects.exists()


def test_another_address_is_not_affected(client, open_meeting):
    url = reverse("delegates:lost_link", kwargs={"slug": open_meeting.slug})
    for _ in range(21):
        post(client, url)
    assert post(client, url).status_code == 429
    assert post(client, url, address="198.51.100.20").status_code == 200


def test_the_limit_resets_with_the_next_minute(client, open_meeting, frozen):
    url = reverse("delegates:lost_link", kwargs={"slug": open_meeting.slug})
    for _ in range(21):
        post(client, url)
    frozen.move_to(START + datetime.timedelta(seconds=49), tick=False)
    assert post(client, url).status_code == 429
    frozen.move_to(START + datetime.timedelta(seconds=50), tick=False)
    assert post(client, url).status_code == 200


def test_gets_are_never_limited(client, open_meeting):
    url = reverse("delegates:register", kwargs={"slug": open_meeting.slug})
    for _ in range(21):
        post(client, url)
    assert post(client, url).status_code == 429
    for _ in range(3):
        assert client.get(url, REMOTE_ADDR="203.0.113.7").status_code == 200


def test_the_setting_is_read_on_each_request(client, open_meeting, settings):
    settings.REGISTRATION_RATE_PER_MINUTE = 2
    url = reverse("delegates:lost_link", kwargs={"slug": open_meeting.slug})
    assert [post(client, url).status_code for _ in range(3)] == [200, 200, 429]


def test_forwarded_for_headers_do_not_choose_the_bucket(client, open_meeting):
    url = reverse("delegates:lost_link", kwargs={"slug": open_meeting.slug})
    for n in range(21):
        client.post(
            url, {}, REMOTE_ADDR="203.0.113.7", HTTP_X_FORWARDED_FOR=f"10.{n}.0.1"
        )
    response = client.post(
        url, {}, REMOTE_ADDR="203.0.113.7", HTTP_X_FORWARDED_FOR="10.99.0.1"
    )
    assert response.status_code == 429


@pytest.mark.parametrize(
    ("remote_addr", "counted_as"),
    [
        ("203.0.113.7", "203.0.113.7"),
        ("2001:db8:1:2:aaaa::1", "2001:db8:1:2::"),
        ("2001:db8:1:2:bbbb::9", "2001:db8:1:2::"),
        ("::ffff:203.0.113.7", "203.0.113.7"),
        ("", "unknown"),
        ("not-an-address", "not-an-address"),
    ],
)
def test_an_ipv6_client_counts_as_its_slash_64(remote_addr, counted_as):
    request = RequestFactory().post("/", REMOTE_ADDR=remote_addr)
    assert client_address(request) == counted_as
