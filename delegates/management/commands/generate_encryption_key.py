from cryptography.fernet import Fernet
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Print a new key for FIELD_ENCRYPTION_KEYS. To rotate, put it first in "
        "the list, keep the old key after it, run rotate_encryption_keys, then "
        "remove the old key. Keep every key out of the database and its backups."
    )

    def handle(self, **options):
        self.stdout.write(Fernet.generate_key().decode())
