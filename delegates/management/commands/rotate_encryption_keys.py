from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError
from django.db import models, transaction
from django.db.models.functions import Cast

from jwg_portal.crypto import PREFIX, EncryptedCharField, rotate


def encrypted_fields():
    """Every (model, field) stored encrypted, in a stable order."""
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, EncryptedCharField):
                yield model, field


class Command(BaseCommand):
    help = (
        "Encrypt every encrypted field's stored value again under the first "
        "key of FIELD_ENCRYPTION_KEYS (and encrypt any value still in plain "
        "text), in one transaction: all values or none. Run it after putting a "
        "new key first, and remove the old key only once it has succeeded."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--batch-size",
            type=int,
            default=500,
            help="Rows read and written at a time. Default: 500.",
        )

    def handle(self, *, batch_size, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        try:
            with transaction.atomic():
                counts = [
                    (model, field, *self.rotate_field(model, field, batch_size))
                    for model, field in encrypted_fields()
                ]
        except ImproperlyConfigured as error:
            raise CommandError(f"Nothing was changed: {error}") from error
        for model, field, rotated, plain in counts:
            self.stdout.write(
                f"{model._meta.label}.{field.name}: {rotated} value(s) encrypted "
                f"under the first key, {plain} of them stored in plain text before."
            )

    @staticmethod
    def rotate_field(model, field, batch_size):
        """(values rotated, of which plain) for one field, batch by batch.

        The stored text is read as it is (the field would decrypt it) and
        written back as an expression, which the field does not encrypt again.
        """
        stored = (
            model._base_manager.exclude(**{field.attname: ""})
            .exclude(**{f"{field.attname}__isnull": True})
            .annotate(stored=Cast(field.attname, models.TextField()))
            .order_by("pk")
        )
        rotated = plain = 0
        last = None
        while True:
            batch = stored if last is None else stored.filter(pk__gt=last)
            rows = list(batch.values_list("pk", "stored")[:batch_size])
            if not rows:
                return rotated, plain
            objects = []
            for pk, value in rows:
                plain += not value.startswith(PREFIX)
                instance = model(pk=pk)
                setattr(
                    instance,
                    field.attname,
                    models.Value(rotate(value), output_field=models.TextField()),
                )
                objects.append(instance)
            model._base_manager.bulk_update(objects, [field.attname])
            rotated += len(objects)
            last = rows[-1][0]
