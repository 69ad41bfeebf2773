from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from delegates.privacy import PURGED_FIELDS, personal_data_purge_due
from meetings.models import Meeting


class Command(BaseCommand):
    help = (
        "Blank the sensitive data of the delegates of every meeting that ended "
        "more than --days days ago (default: PERSONAL_DATA_RETENTION_DAYS) and "
        "was not purged yet: " + ", ".join(PURGED_FIELDS) + ". A delegate also "
        "registered for a meeting still within its retention period is kept. "
        "Each meeting is purged in one transaction and recorded (admin: "
        "Personal data purges). Meant to run daily, e.g. from cron."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            type=int,
            default=None,
            help=(
                "Days after a meeting's last day that its data are kept. "
                f"Default: {settings.PERSONAL_DATA_RETENTION_DAYS}."
            ),
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Say what would be purged; change nothing.",
        )
        parser.add_argument(
            "--meeting", metavar="SLUG", help="Only this meeting, if it is due."
        )

    def handle(self, *, days, dry_run, meeting, **options):
        if days is not None and days < 0:
            raise CommandError("--days cannot be negative.")
        if meeting is not None:
            try:
                meeting = Meeting.objects.get(slug=meeting)
            except Meeting.DoesNotExist:
                raise CommandError(f"No meeting has the slug {meeting!r}.") from None
        results = personal_data_purge_due(
            days=days,
            meeting=meeting,
            dry_run=dry_run,
            ran_by="manage.py purge_personal_data",
        )
        if not results:
            self.stdout.write("No meeting is due for a purge.")
        verb = "would be purged" if dry_run else "purged"
        for result in results:
            self.stdout.write(
                f"{result.meeting.slug}: {result.delegates_purged} delegate(s) "
                f"{verb}, {result.delegates_kept} kept for a later meeting."
            )
