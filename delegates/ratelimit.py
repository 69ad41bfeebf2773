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
from django.core.cache import cache
from django.shortcuts import render

WINDOW_SECONDS = 60


def client_address(request):
    """The address a request is counted against.

    REMOTE_ADDR only: X-Forwarded-For is written by the client and would let
    anyone choose their own bucket. Behind a reverse proxy, the proxy must
    set REMOTE_ADDR (e.g. gunicorn's --forwarded-allow-ips with the proxy's
    address); there is deliberately no setting of trusted proxies here.
    An IPv6 client usually holds a whole /64, so it counts as one address.
    """
    address = request.META.get("REMOTE_ADDR", "")
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address or "unknown"
    if ip.version == 6:
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False).network_address)
    return str(ip)


def hit(key, address, rate, now=None):
    """Count one submission; return the seconds to wait, or 0 when allowed."""
    now = time.time() if now is None else now
    window = int(now // WINDOW_SECONDS)
    cache_key = f"ratelimit:{key}:{address}:{window}"
    # add() creates the counter only if absent and incr() is atomic on Redis,
    # so concurrent first hits do not reset each other. The database cache's
    # incr() is a read then a write: under heavy concurrency it may count a
    # few hits short, which a soft limit like this one can afford.
    cache.add(cache_key, 0, timeout=WINDOW_SECONDS * 2)
    try:
        count = cache.incr(cache_key)
    except ValueError:
        # The counter expired between add() and incr().
        cache.add(cache_key, 1, timeout=WINDOW_SECONDS * 2)
        count = 1
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
