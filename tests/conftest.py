import os

import pytest
from django.core.cache import cache
from hypothesis import settings as hypothesis_settings

from . import factories

# Locally the property-based tests explore new random inputs on each run (and
# replay past failures from .hypothesis/). CI sets HYPOTHESIS_PROFILE=ci: the
# same inputs every run, so that a red CI is reproducible rather than luck; a
# case found locally goes into the test as an @example.
hypothesis_settings.register_profile("ci", derandomize=True, print_blob=True)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache: the database is rolled back after
    a test, the local-memory cache is not (the programme pages and the rate
    limit keep their state in it)."""
    cache.clear()


@pytest.fixture
def meeting(db):
    return factories.MeetingFactory()


@pytest.fixture
def staff_client(client, db):
    """A client logged in as a superuser of the secretariat."""
    user = factories.UserFactory(
        username="secretariat", is_staff=True, is_superuser=True
    )
    client.force_login(user)
    client.user = user
    return client
