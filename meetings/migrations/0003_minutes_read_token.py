"""A private read-only link for the minutes: existing rows each get their
own token before the column becomes unique and required."""

import secrets

from django.db import migrations, models

import meetings.models


def fill_tokens(apps, schema_editor):
    Minutes = apps.get_model("meetings", "Minutes")
    for minutes in Minutes.objects.filter(read_token__isnull=True).only("pk"):
        minutes.read_token = secrets.token_urlsafe(32)
        minutes.save(update_fields=["read_token"])


class Migration(migrations.Migration):
    dependencies = [
        ("meetings", "0002_minutes"),
    ]

    operations = [
        migrations.AddField(
            model_name="minutes",
            name="read_token",
            field=models.CharField(
                editable=False,
                max_length=64,
                null=True,
                verbose_name="read token",
            ),
        ),
        migrations.RunPython(fill_tokens, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="minutes",
            name="read_token",
            field=models.CharField(
                default=meetings.models.new_read_token,
                editable=False,
                help_text="The private part of the read-only link mailed on circulation.",
                max_length=64,
                unique=True,
                verbose_name="read token",
            ),
        ),
    ]
