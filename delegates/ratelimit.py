"""A per-address limit on the public forms' submissions.

Counted in fixed one-minute windows in the default cache, so every process
shares the count as long as the cache is shared (Redis or the database cache;
not the per-process local-memory cache).
"""

import functools
import ipaddress
import math
import time

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.db import BaseDatabaseCache
from django.db import connections, router, transaction
from django.shortcuts import render

WINDOW_SECONDS = 60
# Long enough that a window's counter never expires while the window is open.
COUNTER_TIMEOUT = WINDOW_SECONDS * 2


def _parse(address):
    """The address as counted, or None when it is not an IP address.

    An IPv6 client usually holds a whole /64, so it counts as one address.
    """
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return None
    if ip.version == 6:
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False).network_address)
    return str(ip)


def _raw_address(request):
    """REMOTE_ADDR, or the address the outermost trusted proxy saw.

    With TRUSTED_PROXY_COUNT = 0 (the default) only REMOTE_ADDR counts:
    X-Forwarded-For is written by the client and would let anyone choose
    their own bucket. Behind N reverse proxies that each append the address
    they received from to X-Forwarded-For, the client is the Nth entry from
    the right; entries further left are the client's own claims. Set it
    only when the portal cannot be reached except through those proxies.
    """
    remote = request.META.get("REMOTE_ADDR", "")
    proxies = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    if proxies <= 0:
        return remote
    forwarded = [
        entry.strip()
        for entry in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if entry.strip()
    ]
    if len(forwarded) < proxies:
        # Not through all of the proxies: the peer is the best we know.
        return remote
    return forwarded[-proxies]


def client_ip(request):
    """The client's IP address as counted, or None when there is none.

    Django-axes keys its lockouts on this (AXES_CLIENT_IP_CALLABLE), so a
    sign-in is counted against the same address as a public form.
    """
    return _parse(_raw_address(request))


def client_address(request):
    """The address a request is counted against (see `client_ip`); never
    empty, so a request without one still has a bucket."""
    raw = _raw_address(request)
    return _parse(raw) or raw or "unknown"


def _count_in_database(backend, cache_key):
    """Add one to a counter in the database cache and return the new count.

    The database cache's incr() is a read then a write, so two requests at
    once could both read n and both write n + 1. Here the read and the write
    happen in one transaction that holds the counter's row: on PostgreSQL
    by SELECT ... FOR UPDATE, on SQLite by the write lock that every
    transaction takes when it begins (IMMEDIATE, see settings). A first hit
    that loses the race to create the row waits for the winner's commit,
    then locks the row it made.
    """
    db = router.db_for_write(backend.cache_model_class)
    connection = connections[db]
    quote_name = connection.ops.quote_name
    lock = (
        connection.ops.for_update_sql()
        if connection.features.has_select_for_update
        else ""
    )
    # The table's layout is the one `createcachetable` writes.
    select = "SELECT {key} FROM {table} WHERE {key} = %s {lock}".format(
        key=quote_name("cache_key"), table=quote_name(backend._table), lock=lock
    )
    with transaction.atomic(using=db):
        backend.add(cache_key, 0, timeout=COUNTER_TIMEOUT)
        with connection.cursor() as cursor:
            cursor.execute(select, [backend.make_and_validate_key(cache_key)])
        count = (backend.get(cache_key) or 0) + 1
        backend.set(cache_key, count, timeout=COUNTER_TIMEOUT)
    return count


def _count(cache_key):
    """Add one to the counter and return the new count, atomically on every
    cache backend."""
    backend = caches["default"]
    if isinstance(backend, BaseDatabaseCache):
        return _count_in_database(backend, cache_key)
    # add() creates the counter only if absent and incr() is atomic on Redis
    # and in local memory, so concurrent first hits do not reset each other.
    backend.add(cache_key, 0, timeout=COUNTER_TIMEOUT)
    try:
        return backend.incr(cache_key)
    except ValueError:
        # The counter expired between add() and incr().
        backend.add(cache_key, 1, timeout=COUNTER_TIMEOUT)
        return 1


def hit(key, address, rate, now=None):
    """Count one submission; return the seconds to wait, or 0 when allowed."""
    now = time.time() if now is None else now
    window = int(now // WINDOW_SECONDS)
    count = _count(f"ratelimit:{key}:{address}:{window}")
    if count <= rate:
        return 0
    return max(1, math.ceil((window + 1) * WINDOW_SECONDS - now))


def ratelimit(*, key, rate=None):
    """Refuse a client's POSTs beyond `rate` a minute with a 429 page.

    `rate` defaults to settings.REGISTRATION_RATE_PER_MINUTE, read on each
    request so that a changed setting applies without a restart. GET and
    other safe requests are never counted: reading the form costs nothing.
    """

    def decorator(view):
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            if request.method != "POST":
                return view(request, *args, **kwargs)
            limit = rate if rate is not None else settings.REGISTRATION_RATE_PER_MINUTE
            wait = hit(key, client_address(request), limit)
            if wait:
                response = render(
                    request, "429.html", {"retry_after": wait}, status=429
                )
                response.headers["Retry-After"] = str(wait)
                return response
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
