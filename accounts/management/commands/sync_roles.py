from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS

from accounts.roles import ROLES, sync_roles


class Command(BaseCommand):
    help = (
        "Create the roles' groups (Secretariat, Rapporteur, Check-in staff, "
        "Focal point) and give each exactly the permissions accounts/roles.py "
        "lists, taking away any added by hand. migrate runs it too."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--database",
            default=DEFAULT_DB_ALIAS,
            help="The database to sync (default: default).",
        )

    def handle(self, *args, database, **options):
        missing = sync_roles(using=database)
        for role in ROLES:
            staff = " (staff)" if role.staff else ""
            self.stdout.write(
                f"{role.name}{staff}: {len(role.permissions)} permissions"
            )
        if missing:
            raise CommandError(
                "These permissions do not exist; run migrate first: "
                + ", ".join(missing)
            )
