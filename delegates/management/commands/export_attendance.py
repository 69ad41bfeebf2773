import os
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from delegates.reports import REPORTS
from meetings.models import Meeting

# The short names the command takes, and the reports they stand for.
REPORT_NAMES = {
    "by-session": "attendance-by-session",
    "matrix": "attendance-matrix",
    "summary": "attendance-summary",
}


class Command(BaseCommand):
    help = (
        "Write an attendance report of a meeting to a file: by-session (every "
        "record, session by session, with totals), matrix (delegations by "
        "sessions, the number of delegates present in each cell) or summary "
        "(the meeting report's sentence on who attended, for the meeting and "
        "each session). Example: manage.py export_attendance jwg-11 --report "
        "matrix --format xlsx --output jwg-11-matrix.xlsx"
    )

    def add_arguments(self, parser):
        parser.add_argument("slug", help="The meeting's slug, e.g. jwg-11.")
        parser.add_argument(
            "--report",
            choices=list(REPORT_NAMES),
            default="by-session",
            help="Which report. Default: by-session.",
        )
        parser.add_argument(
            "--format",
            dest="fmt",
            default="csv",
            help=(
                "csv, xlsx or pdf; the summary also docx. Default: csv. CSV is "
                "UTF-8 with a byte order mark."
            ),
        )
        parser.add_argument(
            "--output",
            help=(
                "The file to write (replaced if it exists), or - for standard "
                "output (CSV only). Default: the report's own name, e.g. "
                "jwg-11-attendance-by-session.csv, in the current directory."
            ),
        )
        parser.add_argument(
            "--language",
            choices=[code for code, _name in settings.LANGUAGES],
            help="The language of titles and sentences. Default: English.",
        )

    def handle(self, slug, *, report, fmt, output, language, **_options):
        meeting = Meeting.objects.filter(slug=slug).first()
        if meeting is None:
            known = ", ".join(
                Meeting.objects.order_by("-start_date").values_list("slug", flat=True)
            )
            raise CommandError(
                f"No meeting has the slug {slug!r}. Known: {known or 'none'}."
            )
        report_class = REPORTS[REPORT_NAMES[report]]
        if fmt not in report_class.formats:
            raise CommandError(
                f"The {report} report cannot be written as {fmt!r}; choose "
                f"from: {', '.join(report_class.formats)}."
            )
        options = {"language": language} if language else {}
        instance = report_class(meeting, **options)
        if output == "-":
            self._to_stdout(instance, fmt)
            return
        path = Path(output or instance.filename(fmt))
        self._to_file(instance, fmt, path)
        self.stdout.write(f"Wrote {instance.verbose_name} of {slug} to {path}.")

    def _to_stdout(self, report, fmt):
        if fmt != "csv":
            raise CommandError(
                f"Only CSV goes to standard output; give --output FILE for {fmt}."
            )
        for block in report.chunks(fmt):
            self.stdout.write(block.decode("utf-8"), ending="")

    def _to_file(self, report, fmt, path):
        """Written next to its place and moved there once whole, so that a
        failure halfway leaves no half a file, and nothing goes through
        memory but a block at a time."""
        try:
            handle, partial = tempfile.mkstemp(
                dir=path.parent, prefix=f".{path.name}.", suffix=".part"
            )
        except OSError as error:
            raise CommandError(f"Cannot write {path}: {error.strerror}.") from error
        try:
            with os.fdopen(handle, "wb") as stream:
                report.write(fmt, stream)
            os.replace(partial, path)
        except OSError as error:
            raise CommandError(f"Cannot write {path}: {error.strerror}.") from error
        finally:
            if os.path.exists(partial):
                os.unlink(partial)
