"""The public programme pages, rendered once and kept in the cache.

Before a meeting many visitors read the same few pages. The content of each
is rendered once per language and kept until the programme changes or the
clock changes what the page says, whichever comes first. The frame around
it (the navigation for whoever is signed in, the language form with its CSRF
token, messages) is rendered for every request and never kept.

Each copy is kept with the version token that was current when its build
began; any write to what the pages show replaces the token, and a copy with
another token is built again. The token and the copy are read together, in
one round trip (one query with the database cache). The model signals
replace the token on save and delete; a write that bypasses them
(`QuerySet.update`, `bulk_create`, raw SQL, a database restored from a
backup) calls `programme_changed()` or shows after MAX_AGE at the latest.
"""

import math
import uuid

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.utils import timezone, translation

from .models import AgendaItem, Body, Meeting, Session

VERSION_KEY = "meetings:programme:version"
# Everything the list and the programme read. None has a many-to-many field
# that the pages show, so m2m_changed is not needed.
SHOWN_MODELS = (Body, Meeting, Session, AgendaItem)
# The longest a copy is kept: how late a write that bypassed the signals shows.
MAX_AGE = 10 * 60


def programme_changed(*, using="default"):
    """Make the next request render the public programme pages afresh.

    The version is replaced at once, so that the writer's next page shows
    its change, and again when the transaction commits: a request in between
    reads the rows as they were and may keep them under the first new version.
    """
    _new_version()
    transaction.on_commit(_new_version, using=using)


def page(name, build):
    """The context of the public page `name` in the active language.

    `build()` returns the context, whose values are plain or safe strings
    rendered without the request (so without a CSRF token or anything of
    the user), and the meetings the page shows. Its copy is kept until the
    clock next changes what the page says of one of those meetings. A build
    that raises (Http404) keeps nothing.
    """
    key = f"meetings:programme:{translation.get_language()}:{name}"
    found = cache.get_many([VERSION_KEY, key])
    version = found.get(VERSION_KEY) or _version()
    kept = found.get(key)
    if kept is not None and kept[0] == version:
        return kept[1]
    since = timezone.now()
    context, meetings = build()
    timeout = _seconds_unchanged(meetings, since)
    if timeout > 0:
        cache.set(key, (version, context), timeout)
    return context


def connect():
    for model in SHOWN_MODELS:
        label = model._meta.label_lower
        post_save.connect(
            _written, sender=model, dispatch_uid=f"programme-cache-save-{label}"
        )
        post_delete.connect(
            _written, sender=model, dispatch_uid=f"programme-cache-delete-{label}"
        )


def _written(sender, using, **kwargs):
    programme_changed(using=using)


def _new_version():
    cache.set(VERSION_KEY, uuid.uuid4().hex, timeout=None)


def _version():
    # A token evicted from the cache comes back as a new one, never as an
    # old one, so copies made before the eviction are built again.
    return cache.get_or_set(VERSION_KEY, lambda: uuid.uuid4().hex, timeout=None)


def _turns(meeting):
    """When the clock changes what the pages say of a meeting: registration
    opens, registration closes, the last day ends locally (the list then
    moves the meeting to the past)."""
    return (
        meeting.registration_opens_at,
        meeting.registration_closes_at,
        meeting.local_window()[1],
    )


def _seconds_unchanged(meetings, since):
    """Whole seconds from now until the first turn after `since`, when the
    page began to be built, capped at MAX_AGE; 0 or less when a turn came
    while it was built and the page may show either side of it."""
    turns = [
        turn
        for meeting in meetings
        for turn in _turns(meeting)
        if turn is not None and turn > since
    ]
    if not turns:
        return MAX_AGE
    return min(MAX_AGE, math.floor((min(turns) - timezone.now()).total_seconds()))
