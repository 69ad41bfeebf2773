"""Roles as groups, and the permissions each holds (docs/permissions.md).

A role is a Django group whose permissions are written here, in code.
`sync_roles()` creates the groups and gives each exactly these permissions,
after every `migrate` and from `manage.py sync_roles`: a permission someone
added to a role's group by hand is taken away again, so what a role may do
is what this file and docs/permissions.md say. A user's extra permissions,
granted to the user and not to a group, are left alone.

Delegates have no account: their private link is their key. A focal point's
rights come from `Delegation.focal_points` (delegates/focal_access.py), not
from permissions. `staff` marks the roles that work in the admin, whose users
need `is_staff`; `role_assign` sets it.
"""

import logging
from collections import defaultdict
from dataclasses import dataclass

from django.apps import apps as global_apps
from django.contrib.auth.models import Group, Permission
from django.db import DEFAULT_DB_ALIAS, router, transaction
from django.db.models.signals import post_migrate

logger = logging.getLogger(__name__)

SECRETARIAT = "Secretariat"
RAPPORTEUR = "Rapporteur"
FOCAL_POINT = "Focal point"
CHECK_IN_STAFF = "Check-in staff"

ALL_ACTIONS = ("add", "change", "delete", "view")


def model_permissions(app_label, *model_names, actions=ALL_ACTIONS):
    """`app_label.action_model` for each model and action."""
    return frozenset(
        f"{app_label}.{action}_{model_name}"
        for model_name in model_names
        for action in actions
    )


@dataclass(frozen=True)
class Role:
    name: str
    # Works in the admin: its users need is_staff.
    staff: bool
    permissions: frozenset[str]


ROLES = (
    Role(
        name=SECRETARIAT,
        staff=True,
        permissions=(
            model_permissions(
                "meetings",
                "body",
                "meeting",
                "session",
                "agendaitem",
                "minutes",
                "minutesitem",
                "conclusion",
                "actionitem",
            )
            | model_permissions(
                "delegates",
                "party",
                "delegation",
                "delegate",
                "registration",
                "attendance",
                "badgecode",
                "actionitemparty",
            )
            # Records of what happened are read, never written by hand.
            | model_permissions("meetings", "minutesrevision", actions=["view"])
            | model_permissions(
                "delegates",
                "registrationevent",
                "personaldatapurge",
                actions=["view"],
            )
            | {
                "delegates.view_passport",
                "delegates.check_in",
                "meetings.manage_minutes",
                "auditlog.view_logentry",
            }
            # Who failed to sign in; unlocking (deleting) is the superuser's.
            | model_permissions(
                "axes",
                "accessattempt",
                "accesslog",
                "accessfailurelog",
                actions=["view"],
            )
        ),
    ),
    Role(
        name=RAPPORTEUR,
        staff=True,
        # What the minutes admin asks of a rapporteur; which minutes they
        # reach is their assignment (Minutes.rapporteurs), and circulating,
        # adopting and reopening need meetings.manage_minutes.
        permissions=frozenset(
            {"meetings.change_minutes", "meetings.change_minutesitem"}
        )
        | model_permissions(
            "meetings", "conclusion", "actionitem", actions=["add", "change", "delete"]
        ),
    ),
    Role(
        name=CHECK_IN_STAFF,
        staff=False,
        permissions=frozenset({"delegates.check_in"}),
    ),
    Role(name=FOCAL_POINT, staff=False, permissions=frozenset()),
)
ROLES_BY_NAME = {role.name: role for role in ROLES}


def _permission_ids(names, using):
    """{"app_label.codename": pk} of those of `names` that exist."""
    app_labels = {name.split(".", 1)[0] for name in names}
    codenames = {name.split(".", 1)[1] for name in names}
    rows = (
        Permission.objects.using(using)
        .filter(content_type__app_label__in=app_labels, codename__in=codenames)
        .values_list("pk", "content_type__app_label", "codename")
    )
    found = {f"{app_label}.{codename}": pk for pk, app_label, codename in rows}
    return {name: pk for name, pk in found.items() if name in names}


def sync_roles(*, using=DEFAULT_DB_ALIAS):
    """Create each role's group and give it exactly the role's permissions.

    Idempotent, and three reads when nothing changed. Returns the
    permissions named here that do not exist in the database (a model not
    migrated yet), which are left out.
    """
    wanted = set().union(*(role.permissions for role in ROLES))
    ids = _permission_ids(wanted, using)
    names = [role.name for role in ROLES]
    with transaction.atomic(using=using):
        groups = {
            group.name: group
            for group in Group.objects.using(using).filter(name__in=names)
        }
        held = defaultdict(set)
        for group_id, permission_id in (
            Group.permissions.through.objects.using(using)
            .filter(group__name__in=names)
            .values_list("group_id", "permission_id")
        ):
            held[group_id].add(permission_id)
        for role in ROLES:
            group = groups.get(role.name)
            if group is None:
                group = Group.objects.using(using).create(name=role.name)
            target = {ids[name] for name in role.permissions if name in ids}
            if held[group.pk] != target:
                group.permissions.set(target)
    return sorted(wanted - ids.keys())


def role_assign(*, user, role_name):
    """Put `user` in the role's group; a staff role also opens the admin."""
    role = ROLES_BY_NAME[role_name]
    group, _created = Group.objects.get_or_create(name=role.name)
    user.groups.add(group)
    if role.staff and not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])


def _sync_after_migrate(sender, *, using=DEFAULT_DB_ALIAS, apps=global_apps, **kwargs):
    # post_migrate is sent for each app with models, in INSTALLED_APPS order,
    # and each app's permissions are created on its own signal: by the last
    # app's, every permission exists.
    with_models = [a for a in global_apps.get_app_configs() if a.models_module]
    if sender.label != with_models[-1].label:
        return
    if not router.allow_migrate_model(using, Group):
        return
    try:
        apps.get_model("auth", "Permission")
    except LookupError:
        # auth was migrated to zero: there is nothing to sync into.
        return
    missing = sync_roles(using=using)
    if missing:
        logger.warning(
            "Roles synced without these permissions, which do not exist: %s",
            ", ".join(missing),
        )


post_migrate.connect(_sync_after_migrate, dispatch_uid="accounts.roles.sync_roles")
