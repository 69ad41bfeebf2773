"""The contract of a meeting report, and where reports are found."""

REPORTS = {}


class MeetingReport:
    """One report on one meeting, in one or more file formats.

    `identifier` names it in URLs, commands and file names; `verbose_name`
    to people; `formats` lists what `write` can produce. `internal` reports
    may hold what only the secretariat sees.
    """

    identifier = ""
    verbose_name = ""
    formats: tuple[str, ...] = ()
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


def register(report_class):
    if report_class.identifier in REPORTS:
        raise ValueError(f"Two reports are called {report_class.identifier!r}.")
    REPORTS[report_class.identifier] = report_class
    return report_class
