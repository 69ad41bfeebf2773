import io
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from delegates.reports import REPORTS
from meetings.models import Meeting


class Command(BaseCommand):
    help = (
        "Write a meeting's List of Participants, or its sign-in sheets, to a "
        "file. The List of Participants (xlsx, pdf or docx) is the published "
        "version by default: approved delegates who consented to publication, "
        "by delegation in ASEAN order. --internal writes the secretariat's "
        "version, with everybody approved, their email and phone. "
        "--sign-in-sheets writes a PDF with a sheet per session to sign "
        "(--session N for one session). "
        "Example: manage.py export_participants jwg-11 --format xlsx "
        "--output jwg-11-participants.xlsx"
    )

    def add_arguments(self, parser):
        parser.add_argument("slug", help="The meeting's slug, e.g. jwg-11.")
        parser.add_argument(
            "--format",
            dest="fmt",
            default="pdf",
            help="xlsx, pdf or docx for the list; pdf for the sheets. Default: pdf.",
        )
        parser.add_argument(
            "--output",
            help=(
                "The file to write (replaced if it exists). Default: the "
                "report's own name, e.g. jwg-11-participants.pdf, in the "
                "current directory."
            ),
        )
        which = parser.add_mutually_exclusive_group()
        which.add_argument(
            "--internal",
            action="store_true",
            help="The secretariat's list: not for publication.",
        )
        which.add_argument(
            "--sign-in-sheets",
            action="store_true",
            help="Sign-in sheets instead of the List of Participants.",
        )
        parser.add_argument(
            "--session",
            type=int,
            help="With --sign-in-sheets: the id of the one session to print.",
        )

    def handle(self, slug, *, fmt, output, internal, sign_in_sheets, session, **_):
        try:
            meeting = Meeting.objects.get(slug=slug)
        except Meeting.DoesNotExist:
            raise CommandError(f"No meeting has the slug {slug!r}.") from None
        options = {}
        if sign_in_sheets:
            identifier = "sign-in-sheets"
            if session is not None:
                self._check_session(meeting, session)
                options["session"] = session
        elif session is not None:
            raise CommandError("--session is only for --sign-in-sheets.")
        else:
            identifier = "participants-internal" if internal else "participants"
        report = REPORTS[identifier](meeting, **options)
        if fmt not in report.formats:
            raise CommandError(
                f"{report.verbose_name} cannot be written as {fmt!r}; "
                f"choose from: {', '.join(report.formats)}."
            )
        path = Path(output or report.filename(fmt))
        # Written whole once it is made, so a failure leaves no half a file.
        buffer = io.BytesIO()
        report.write(fmt, buffer)
        try:
            path.write_bytes(buffer.getvalue())
        except OSError as error:
            raise CommandError(f"Cannot write {path}: {error.strerror}.") from error
        self.stdout.write(f"Wrote {report.verbose_name} to {path}.")

    def _check_session(self, meeting, pk):
        sessions = meeting.sessions.order_by("starts_at", "order", "pk")
        if not sessions.filter(pk=pk).exists():
            choices = "; ".join(f"{s.pk}: {s.title}" for s in sessions)
            raise CommandError(
                f"{meeting.slug} has no session {pk}. Its sessions: "
                f"{choices or 'none'}."
            )
