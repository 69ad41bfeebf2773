"""Reports on a meeting: attendance and the List of Participants.

Each report is a class registered in `registry.REPORTS` under its
identifier. The admin's reports page and the `export_attendance` and
`export_participants` commands find reports there, so a new report is one
class in one module.
"""

# Imported so that each registers its reports.
from . import attendance, meeting_report, participants  # noqa: F401
from .registry import REPORTS, MeetingReport, register

__all__ = ["REPORTS", "MeetingReport", "register"]
