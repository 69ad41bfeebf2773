from pathlib import Path

from django.core.management.base import CommandError

from delegates.reports import REPORTS
from meetings.models import Meeting

from . import export_attendance


class Command(export_attendance.Command):
    """Inherits only the way a file is written (whole or not at all)."""

    help = (
        "Write the Report of the Meeting (the records of its sessions, with "
        "attendance, conclusions, actions, matters arising and the List of "
        "Participants as annex) to a file. Example: manage.py export_report "
        "jwg-11 --format pdf --output jwg-11-report.pdf"
    )

    def add_arguments(self, parser):
        parser.add_argument("slug", help="The meeting's slug, e.g. jwg-11.")
        parser.add_argument(
            "--format",
            dest="fmt",
            default="pdf",
            help="pdf or docx. Default: pdf.",
        )
        parser.add_argument(
            "--output",
            help=(
                "The file to write (replaced if it exists). Default: the "
                "report's own name, e.g. jwg-11-report.pdf, in the current "
                "directory."
            ),
        )
        parser.add_argument(
            "--session",
            type=int,
            help="The primary key of one session, for its report alone.",
        )

    def handle(self, slug, *, fmt, output, session, **_options):
        meeting = Meeting.objects.filter(slug=slug).first()
        if meeting is None:
            known = ", ".join(
                Meeting.objects.order_by("-start_date").values_list("slug", flat=True)
            )
            raise CommandError(
                f"No meeting has the slug {slug!r}. Known: {known or 'none'}."
            )
        report_class = REPORTS["report"]
        if fmt not in report_class.formats:
            raise CommandError(
                f"The report cannot be written as {fmt!r}; choose from: "
                f"{', '.join(report_class.formats)}."
            )
        options = {}
        if session is not None:
            sessions = meeting.sessions.order_by("starts_at", "order", "pk")
            if not sessions.filter(pk=session).exists():
                listed = ", ".join(f"{s.pk} ({s.title})" for s in sessions)
                raise CommandError(
                    f"{slug} has no session {session}. Its sessions: "
                    f"{listed or 'none'}."
                )
            options["session"] = session
        instance = report_class(meeting, **options)
        path = Path(output or instance.filename(fmt))
        self._to_file(instance, fmt, path)
        self.stdout.write(f"Wrote {instance.verbose_name} of {slug} to {path}.")
