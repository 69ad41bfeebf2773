"""Roles are groups whose permissions are set in code: `sync_roles` makes
them so after every migrate, and takes back what was added by hand."""

import io

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.management import CommandError, call_command
from django.core.management.sql import emit_post_migrate_signal

from accounts import roles
from accounts.roles import (
    CHECK_IN_STAFF,
    FOCAL_POINT,
    RAPPORTEUR,
    ROLES,
    SECRETARIAT,
    role_assign,
    sync_roles,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

RAPPORTEUR_PERMISSIONS = {
    "meetings.change_minutes",
    "meetings.change_minutesitem",
    "meetings.add_conclusion",
    "meetings.change_conclusion",
    "meetings.delete_conclusion",
    "meetings.add_actionitem",
    "meetings.change_actionitem",
    "meetings.delete_actionitem",
}
# Records of what happened: the secretariat reads them and never edits them.
READ_ONLY_RECORDS = {
    "meetings.minutesrevision",
    "delegates.registrationevent",
    "delegates.personaldatapurge",
}


def held(name):
    group = Group.objects.get(name=name)
    return {
        f"{app_label}.{codename}"
        for app_label, codename in group.permissions.values_list(
            "content_type__app_label", "codename"
        )
    }


def test_migrate_leaves_the_four_groups_with_exactly_their_permissions():
    assert set(Group.objects.values_list("name", flat=True)) >= {
        SECRETARIAT,
        RAPPORTEUR,
        FOCAL_POINT,
        CHECK_IN_STAFF,
    }
    for role in ROLES:
        assert held(role.name) == role.permissions, role.name


def test_every_permission_a_role_names_exists():
    assert sync_roles() == []


def test_what_each_role_holds():
    secretariat = held(SECRETARIAT)
    assert {
        "delegates.view_passport",
        "delegates.check_in",
        "meetings.manage_minutes",
        "auditlog.view_logentry",
        "axes.view_accessattempt",
        "axes.view_accesslog",
        "axes.view_accessfailurelog",
        "delegates.view_personaldatapurge",
        "delegates.change_registration",
        "meetings.view_actionitem",
    } <= secretariat
    # Accounts, groups, second factors and unlocking are the superuser's.
    assert not {p for p in secretariat if p.split(".")[0] in {"auth", "otp_totp"}}
    assert "axes.delete_accessattempt" not in secretariat
    assert held(RAPPORTEUR) == RAPPORTEUR_PERMISSIONS
    assert held(CHECK_IN_STAFF) == {"delegates.check_in"}
    assert held(FOCAL_POINT) == set()


def test_the_secretariat_has_a_decision_for_every_model_of_both_apps():
    """A new model in meetings or delegates must be given to the secretariat
    here (or kept from it on purpose), not forgotten."""
    secretariat = held(SECRETARIAT)
    for app_label in ("meetings", "delegates"):
        for model in apps.get_app_config(app_label).get_models():
            label = f"{app_label}.{model._meta.model_name}"
            view = f"{app_label}.view_{model._meta.model_name}"
            writes = {
                f"{app_label}.{action}_{model._meta.model_name}"
                for action in ("add", "change", "delete")
            }
            assert view in secretariat, label
            if label in READ_ONLY_RECORDS:
                assert not writes & secretariat, label
            else:
                assert writes <= secretariat, label


def test_only_secretariat_and_rapporteur_work_in_the_admin():
    assert {role.name for role in ROLES if role.staff} == {SECRETARIAT, RAPPORTEUR}


def test_sync_takes_back_a_permission_added_by_hand_and_restores_one_removed():
    rapporteur = Group.objects.get(name=RAPPORTEUR)
    rapporteur.permissions.add(
        Permission.objects.get(
            content_type__app_label="meetings", codename="manage_minutes"
        )
    )
    check_in = Group.objects.get(name=CHECK_IN_STAFF)
    check_in.permissions.clear()

    assert sync_roles() == []

    assert held(RAPPORTEUR) == RAPPORTEUR_PERMISSIONS
    assert held(CHECK_IN_STAFF) == {"delegates.check_in"}


def test_sync_recreates_a_deleted_group_and_leaves_other_groups_and_users_alone():
    Group.objects.filter(name=SECRETARIAT).delete()
    other = Group.objects.create(name="Visitors")
    passport = Permission.objects.get(codename="view_passport")
    other.permissions.add(passport)
    user = UserFactory()
    user.user_permissions.add(passport)

    sync_roles()

    assert held(SECRETARIAT) == roles.ROLES_BY_NAME[SECRETARIAT].permissions
    assert list(other.permissions.all()) == [passport]
    assert list(user.user_permissions.all()) == [passport]


def test_sync_is_idempotent_and_cheap_when_nothing_changed(
    django_assert_max_num_queries,
):
    before = {role.name: held(role.name) for role in ROLES}
    # Permissions, groups, their links; plus the savepoint around them.
    with django_assert_max_num_queries(5) as captured:
        sync_roles()
    assert not [
        q for q in captured if q["sql"].lstrip().startswith(("INSERT", "DELETE"))
    ]
    assert {role.name: held(role.name) for role in ROLES} == before


def test_post_migrate_puts_the_groups_back():
    Group.objects.filter(name__in=[role.name for role in ROLES]).delete()
    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")
    for role in ROLES:
        assert held(role.name) == role.permissions


def test_the_command_syncs_and_says_what_each_role_is(capsys):
    Group.objects.get(name=CHECK_IN_STAFF).permissions.clear()
    call_command("sync_roles")
    out = capsys.readouterr().out
    assert "Secretariat (staff)" in out
    assert "Check-in staff: 1 permissions" in out
    assert held(CHECK_IN_STAFF) == {"delegates.check_in"}


def test_the_command_fails_when_a_permission_is_missing():
    Permission.objects.filter(
        content_type__app_label="delegates", codename="check_in"
    ).delete()
    with pytest.raises(CommandError, match=r"delegates\.check_in"):
        call_command("sync_roles")
    # The rest is synced all the same.
    assert held(RAPPORTEUR) == RAPPORTEUR_PERMISSIONS


@pytest.mark.parametrize(
    ("role_name", "staff"),
    [
        (SECRETARIAT, True),
        (RAPPORTEUR, True),
        (CHECK_IN_STAFF, False),
        (FOCAL_POINT, False),
    ],
)
def test_role_assign_puts_the_user_in_the_group_and_opens_the_admin_for_staff_roles(
    role_name, staff
):
    user = UserFactory()
    role_assign(user=user, role_name=role_name)
    user.refresh_from_db()
    assert list(user.groups.values_list("name", flat=True)) == [role_name]
    assert user.is_staff is staff


def test_role_assign_never_takes_the_admin_away():
    user = UserFactory(is_staff=True)
    role_assign(user=user, role_name=FOCAL_POINT)
    user.refresh_from_db()
    assert user.is_staff


def test_the_demo_focal_points_are_in_the_focal_point_group_and_not_staff():
    call_command("seed_demo", "--with-users", stdout=io.StringIO())
    users = get_user_model().objects.filter(username__startswith="fp-")
    assert users.count() >= 10
    for user in users:
        assert list(user.groups.values_list("name", flat=True)) == [FOCAL_POINT]
        assert not user.is_staff
        assert not user.get_all_permissions()
