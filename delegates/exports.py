"""Exports: one small contract, and one renderer per file format.

An exporter names itself and yields a header, then rows of plain values
(text, numbers, dates, None). `render_csv` and `render_xlsx` turn any
exporter's rows into a download, so each format's quirks (byte order mark,
formula injection, column widths) are handled in one place.
"""

import csv
import datetime
import io
from collections.abc import Iterator

from django.db.models import Prefetch
from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from meetings.models import PartyKind, Session

from .models import Delegate, Delegation, Registration

# Spreadsheets run a cell beginning with one of these as a formula (OWASP
# "CSV injection"); tab and carriage return can hide such a cell's start.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
CHUNK_SIZE = 2000
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def neutralise(value):
    """A cell value a spreadsheet shows as text and never runs."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


class Exporter:
    """The contract every export follows.

    `identifier` names the export in URLs and file names, `verbose_name` to
    people. `header()` gives the column titles and `rows(queryset)` yields one
    list of values per object, in the header's order.
    """

    identifier = ""
    verbose_name = ""

    def header(self) -> list[str]:
        raise NotImplementedError

    def rows(self, queryset) -> Iterator[list]:
        raise NotImplementedError

    def column_widths(self) -> list[int]:
        """Widths for XLSX columns, in characters; wide enough for the title."""
        return [max(len(title) + 2, 12) for title in self.header()]


class _Echo:
    """A file whose write() hands back the line csv.writer made."""

    def write(self, value):
        return value


def _csv_value(value):
    if value is None:
        return ""
    if isinstance(value, datetime.date):
        return value.isoformat()
    return neutralise(str(value))


def _disposition(filename):
    return f'attachment; filename="{filename}"'


def render_csv(exporter: Exporter, queryset, filename: str) -> StreamingHttpResponse:
    """Stream the export as UTF-8 CSV with a byte order mark, so Excel reads
    "Nguyễn" as written rather than as Latin-1."""
    writer = csv.writer(_Echo())

    def lines():
        yield "\ufeff" + writer.writerow(exporter.header())
        for row in exporter.rows(queryset):
            yield writer.writerow([_csv_value(value) for value in row])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = _disposition(f"{filename}.csv")
    # Names, emails and phone numbers: not for shared caches or the back button.
    response["Cache-Control"] = "no-store"
    return response


def _xlsx_value(value):
    if isinstance(value, str):
        # openpyxl refuses control characters that XML cannot carry.
        return neutralise(ILLEGAL_CHARACTERS_RE.sub("", value))
    return value


def render_xlsx(exporter: Exporter, queryset, filename: str) -> HttpResponse:
    """The export as one XLSX sheet, header in bold and frozen above the rows.

    The write-only workbook keeps memory flat however many rows there are.
    """
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=str(exporter.verbose_name)[:31])
    sheet.freeze_panes = "A2"
    for index, width in enumerate(exporter.column_widths(), start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    bold = Font(bold=True)
    header = []
    for title in exporter.header():
        cell = WriteOnlyCell(sheet, value=_xlsx_value(title))
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    for row in exporter.rows(queryset):
        sheet.append([_xlsx_value(value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = _disposition(f"{filename}.xlsx")
    response["Cache-Control"] = "no-store"
    return response


def _label(model, name):
    return str(capfirst(model._meta.get_field(name).verbose_name))


def _yes_no(value):
    return str(_("yes") if value else _("no"))


def _local_iso(moment, zone):
    if moment is None:
        return None
    return timezone.localtime(moment, zone).isoformat(timespec="seconds")


class RegistrationExporter(Exporter):
    """Registrations with their delegates, for the secretariat.

    Passport details only for a user allowed to see them.
    """

    identifier = "registrations"
    verbose_name = _("Registrations")

    def __init__(self, *, user):
        self.with_passport = user.has_perm("delegates.view_passport")

    def _columns(self):
        columns = [
            (_label(Registration, "reference"), 18),
            (_label(Registration, "status"), 12),
            (_label(Delegation, "party"), 28),
            (str(_("Kind of party")), 24),
            (_label(Registration, "role"), 24),
            (_label(Delegate, "honorific"), 10),
            (_label(Delegate, "given_name"), 18),
            (_label(Delegate, "family_name"), 18),
            (_label(Delegate, "position"), 28),
            (_label(Delegate, "agency"), 32),
            (_label(Delegate, "email"), 30),
            (_label(Delegate, "phone"), 18),
            (_label(Delegate, "nationality"), 12),
            (_label(Registration, "sessions"), 40),
            (_label(Registration, "needs_visa_letter"), 14),
            (_label(Registration, "arrival_date"), 12),
            (_label(Registration, "departure_date"), 12),
            (_label(Delegate, "dietary_requirements"), 24),
            (_label(Delegate, "accessibility_needs"), 24),
            (_label(Registration, "endorsement"), 20),
            (_label(Registration, "created_at"), 26),
            (_label(Registration, "decided_at"), 26),
        ]
        if self.with_passport:
            columns += [
                (_label(Delegate, "passport_number"), 16),
                (_label(Delegate, "passport_expiry"), 14),
            ]
        return columns

    def header(self):
        return [title for title, _width in self._columns()]

    def column_widths(self):
        return [width for _title, width in self._columns()]

    def rows(self, queryset) -> Iterator[list]:
        sessions = Session.objects.order_by("starts_at", "order", "pk")
        registrations = queryset.select_related(
            "meeting", "delegate", "delegation__party"
        ).prefetch_related(Prefetch("sessions", queryset=sessions))
        for registration in registrations.iterator(chunk_size=CHUNK_SIZE):
            yield self.row(registration)

    def row(self, registration):
        delegate = registration.delegate
        meeting = registration.meeting
        party = registration.delegation.party
        row = [
            registration.reference,
            registration.get_status_display(),
            party.name,
            str(PartyKind(party.kind_on(meeting.start_date)).label),
            registration.get_role_display(),
            delegate.honorific,
            delegate.given_name,
            delegate.family_name,
            delegate.position,
            delegate.agency,
            delegate.email,
            delegate.phone,
            delegate.nationality,
            "; ".join(session.title for session in registration.sessions.all()),
            _yes_no(registration.needs_visa_letter),
            registration.arrival_date,
            registration.departure_date,
            delegate.dietary_requirements,
            delegate.accessibility_needs,
            registration.get_endorsement_display(),
            _local_iso(registration.created_at, meeting.tz),
            _local_iso(registration.decided_at, meeting.tz),
        ]
        if self.with_passport:
            row += [delegate.passport_number, delegate.passport_expiry]
        return row
