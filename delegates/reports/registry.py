"""The contract of a meeting report, and where reports are found."""

import tempfile

REPORTS = {}
# Up to this size a report is made in memory before it is sent; beyond, on
# disk.
SPOOL_BYTES = 8 * 1024 * 1024
BLOCK_BYTES = 64 * 1024


class MeetingReport:
    """One report on one meeting, in one or more file formats.

    `identifier` names it in URLs, commands and file names; `verbose_name`
    to people; `formats` lists what `write` can produce. `internal` reports
    may hold what only the secretariat sees. `permission` is the one a user
    needs to download the report from the admin.
    """

    identifier = ""
    verbose_name = ""
    formats: tuple[str, ...] = ()
    permission = "delegates.view_registration"
    content_types = {
        "csv": "text/csv; charset=utf-8",
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "pdf": "application/pdf",
        "docx": (
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        ),
    }

    def __init__(self, meeting, *, user=None, **options):
        self.meeting = meeting
        self.user = user
        self.options = options

    def filename(self, fmt):
        return f"{self.meeting.slug}-{self.identifier}.{fmt}"

    def write(self, fmt, stream):
        """Write the report in `fmt` to a binary stream."""
        raise NotImplementedError

    def chunks(self, fmt):
        """The report in `fmt` as blocks of bytes, for a streamed download.

        By default the whole file is written first, in memory or, once
        large, in a temporary file; a report that can send its file as it
        makes it (CSV, line by line) yields it directly instead.
        """
        with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES) as spool:
            self.write(fmt, spool)
            spool.seek(0)
            while block := spool.read(BLOCK_BYTES):
                yield block


def register(report_class):
    if report_class.identifier in REPORTS:
        raise ValueError(f"Two reports are called {report_class.identifier!r}.")
    REPORTS[report_class.identifier] = report_class
    return report_class
