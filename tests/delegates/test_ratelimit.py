"""The public forms' rate limit: per address, per minute, POSTs only, counted
once per hit on every cache backend."""

import datetime
import threading
import time

import pytest
from django.core.cache import caches
from django.core.management import call_command
from django.db import OperationalError, connection
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from delegates.models import Registration
from delegates.ratelimit import client_address, client_ip, hit
from tests.factories import MeetingFactory

pytestmark = pytest.mark.django_db

# Ten seconds into a minute, so the window's end is known.
START = datetime.datetime(2024, 3, 15, 4, 0, 10, tzinfo=datetime.UTC)


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


# --- Behind reverse proxies --------------------------------------------------


@pytest.mark.parametrize(
    ("proxies", "forwarded_for", "counted_as"),
    [
        # The proxy appends the address it saw; the client may prepend lies.
        (1, "10.0.0.1, 203.0.113.7", "203.0.113.7"),
        (2, "10.0.0.1, 203.0.113.7, 192.0.2.10", "203.0.113.7"),
        (1, "2001:db8:1:2:aaaa::1", "2001:db8:1:2::"),
        # Not through the proxy: only the peer's address is known.
        (1, "", "127.0.0.1"),
        (2, "203.0.113.7", "127.0.0.1"),
    ],
)
def test_behind_trusted_proxies_the_client_is_counted(
    settings, proxies, forwarded_for, counted_as
):
    settings.TRUSTED_PROXY_COUNT = proxies
    request = RequestFactory().post(
        "/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=forwarded_for
    )
    assert client_address(request) == counted_as
    assert client_ip(request) == counted_as


def test_client_ip_is_none_without_an_address():
    """django-axes stores it in an IP address column: never a made-up value."""
    assert client_ip(RequestFactory().post("/", REMOTE_ADDR="")) is None
    assert client_ip(RequestFactory().post("/", REMOTE_ADDR="nonsense")) is None


def test_behind_a_proxy_clients_are_limited_one_by_one(client, open_meeting, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    url = reverse("delegates:lost_link", kwargs={"slug": open_meeting.slug})

    def through_proxy(address):
        return client.post(
            url, {}, REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=address
        )

    for _ in range(20):
        through_proxy("203.0.113.7")
    assert through_proxy("203.0.113.7").status_code == 429
    assert through_proxy("198.51.100.20").status_code == 200


# --- The counter under concurrency -------------------------------------------


def patiently(call):
    """Call again while SQLite's shared in-memory test database says "locked"
    (a database file waits for its timeout instead); a refused call has
    rolled back, so calling again is what the timeout would have done."""
    deadline = time.monotonic() + 30
    while True:
        try:
            return call()
        except OperationalError as error:
            if (
                connection.vendor != "sqlite"
                or "locked" not in str(error)
                or time.monotonic() > deadline
            ):
                raise
        time.sleep(0.002)


@pytest.fixture
def database_cache(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "test_ratelimit_cache",
        }
    }
    call_command("createcachetable", verbosity=0)
    caches["default"].clear()
    return caches["default"]


def race_hits(key, *, threads, hits, rate, now):
    """Every thread hits the same counter `hits` times, all starting at once;
    returns the waits hit() answered."""
    barrier = threading.Barrier(threads)
    waits, failures = [], []

    def run():
        try:
            barrier.wait(timeout=10)
            for _ in range(hits):
                waits.append(patiently(lambda: hit(key, "203.0.113.7", rate, now=now)))
        except BaseException as error:  # noqa: BLE001 - re-raised below
            failures.append(error)
        finally:
            connection.close()

    workers = [threading.Thread(target=run) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    assert not any(worker.is_alive() for worker in workers), "a thread hung"
    if failures:
        raise failures[0]
    return waits


@pytest.mark.django_db(transaction=True)
def test_the_database_cache_counts_every_concurrent_hit(database_cache):
    """The database cache's own incr() reads then writes, so racing hits
    could read the same count; every hit must be counted once."""
    threads, hits = 6, 5
    total = threads * hits
    now = START.timestamp()
    window = int(now // 60)
    for round_ in range(3):
        key = f"race{round_}"
        waits = race_hits(key, threads=threads, hits=hits, rate=total - 2, now=now)
        assert len(waits) == total
        assert sum(1 for wait in waits if wait) == 2
        assert database_cache.get(f"ratelimit:{key}:203.0.113.7:{window}") == total
