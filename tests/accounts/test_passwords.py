"""Strong passwords: at least PASSWORD_MIN_LENGTH (12) characters, not a
common password, not all digits, not like the user's own details; on the
password-change form and when the secretariat creates a user in the admin."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import get_default_password_validators
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-test-password"
STRONG = "Kuta-Bali-nickel-2024"
USERNAME = "aminah.yusof.mys"
# Each is refused for one reason only.
WEAK = [
    (
        "Zq8#mP2!xL",
        "This password is too short. It must contain at least 12 characters.",
    ),
    ("password1234", "This password is too common."),
    ("739204851163", "This password is entirely numeric."),
    (USERNAME + "1", "The password is too similar to the username."),
]


def test_the_validators_are_in_place_with_a_minimum_of_12():
    validators = {type(v).__name__: v for v in get_default_password_validators()}
    assert set(validators) == {
        "UserAttributeSimilarityValidator",
        "MinimumLengthValidator",
        "CommonPasswordValidator",
        "NumericPasswordValidator",
    }
    assert validators["MinimumLengthValidator"].min_length == 12


@pytest.fixture
def user_client(client):
    user = UserFactory(username=USERNAME)
    client.force_login(user)
    client.user = user
    return client


def change(client, new):
    return client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
    )


@pytest.mark.parametrize(("weak", "reason"), WEAK)
def test_the_password_change_form_refuses_a_weak_password(user_client, weak, reason):
    response = change(user_client, weak)
    assert response.status_code == 200
    assert reason in response.content.decode()
    user_client.user.refresh_from_db()
    assert user_client.user.check_password(PASSWORD)


def test_the_password_change_form_takes_a_strong_password(user_client):
    response = change(user_client, STRONG)
    assert response.status_code == 302
    user_client.user.refresh_from_db()
    assert user_client.user.check_password(STRONG)


def add_user(client, password):
    return client.post(
        reverse("admin:auth_user_add"),
        {
            "username": USERNAME,
            "usable_password": "true",
            "password1": password,
            "password2": password,
        },
    )


@pytest.mark.parametrize(("weak", "reason"), WEAK)
def test_the_admin_refuses_a_new_user_with_a_weak_password(staff_client, weak, reason):
    response = add_user(staff_client, weak)
    assert response.status_code == 200
    assert reason in response.content.decode()
    assert not get_user_model().objects.filter(username=USERNAME).exists()


def test_the_admin_creates_a_user_with_a_strong_password(staff_client):
    response = add_user(staff_client, STRONG)
    assert response.status_code == 302
    assert get_user_model().objects.get(username=USERNAME).check_password(STRONG)
