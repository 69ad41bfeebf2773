from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from delegates.demo import loader


class Command(BaseCommand):
    help = (
        "Load the demo: the bodies and parties of ASEAN mineral cooperation and "
        "the 11th JWG (Kuta, Bali, 2024) with fictional delegates. Running it "
        "again changes nothing; it puts back demo rows that were edited."
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
            "--password",
            help="The superuser's password; without it one is generated.",
        )

    def handle(self, *args, with_superuser, password, **options):
        if password is not None and not with_superuser:
            raise CommandError("--password is only for --with-superuser.")
        try:
            with transaction.atomic():
                tally = loader.load_demo()
                if with_superuser:
                    username, password = loader.ensure_superuser(password)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        self.stdout.write(tally.summary())
        if with_superuser:
            self.stdout.write(f"Superuser: {username}")
            self.stdout.write(f"Password: {password}")
