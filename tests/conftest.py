import pytest

from . import factories


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
