from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from delegates.demo import loader


class Command(BaseCommand):
    help = (
        "Load the demo: the bodies and parties of ASEAN mineral cooperation, "
        "the 11th JWG (Kuta, Bali, 2024) with fictional delegates, and an "
        "invented 12th JWG whose registration is open, dated from today. "
        "Running it again the same day changes nothing; it puts back demo rows "
        "that were edited, except the 12th JWG's registrations, which are left "
        "as visitors made them. On a later day it moves the 12th JWG to dates "
        "worked out from that day."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--with-superuser",
            action="store_true",
            help=(
                f'Also create the superuser "{loader.SUPERUSER_NAME}", or reset '
                "its password if it exists, and print the password."
            ),
        )
        parser.add_argument(
            "--with-users",
            action="store_true",
            help=(
                "Also create a focal-point user for each member state's "
                'delegation ("fp-" and the party code, e.g. fp-mys), or reset '
                "their passwords if they exist, and print the passwords."
            ),
        )
        parser.add_argument(
            "--password",
            help=(
                "The password of every demo user created or reset; without it "
                "each gets a generated one."
            ),
        )

    def handle(self, *args, with_superuser, with_users, password, **options):
        if password is not None and not (with_superuser or with_users):
            raise CommandError(
                "--password is only for --with-superuser or --with-users."
            )
        try:
            with transaction.atomic():
                tally = loader.load_demo(with_users=with_users, password=password)
                if with_superuser:
                    username, superuser_password = loader.ensure_superuser(password)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        for note in tally.notes:
            self.stderr.write(self.style.WARNING(note))
        self.stdout.write(tally.summary())
        if with_superuser:
            self.stdout.write(f"Superuser: {username}")
            self.stdout.write(f"Password: {superuser_password}")
        if with_users:
            self.write_accounts(tally.accounts)

    def write_accounts(self, accounts):
        header = ("Username", "Party", "Password")
        widths = [max(len(row[i]) for row in (header, *accounts)) for i in range(2)]
        self.stdout.write("Focal points:")
        for row in (header, *accounts):
            self.stdout.write(
                f"  {row[0]:<{widths[0]}}  {row[1]:<{widths[1]}}  {row[2]}"
            )
