"""Exports: one small contract, and one writer per file format.

An exporter names itself and yields a header, then rows of plain values
(text, numbers, dates, None). The writers turn any exporter's rows into a
file on a binary stream (`write_csv`, `write_xlsx`, `write_pdf`), and
`render_csv` and `render_xlsx` into a download, so each format's quirks
(byte order mark, formula injection, column widths, fonts) are handled in
one place.

A row may carry a mark that the formats treat each in its own way:

- `TotalRow` sums up the rows above it: bold in XLSX and PDF, and left out
  of CSV, which holds one record per line so that it can be sorted, filtered
  and pivoted without first removing the totals.
- `FlaggedRow` is a record that should catch the eye (a delegation absent
  from every session): filled in XLSX and PDF, a plain line in CSV.
- `Heading` starts a section: a heading over a new table in the PDF. The
  spreadsheets carry the section in a column instead, so they skip it.

CSV and XLSX are written in constant memory: the rows are pulled one at a
time from a generator (querysets with `.iterator(chunk_size=...)`), and the
XLSX workbook is write-only. A PDF of thousands of pages is not something
anyone prints, so the PDF writer makes no such promise.
"""

import csv
import datetime
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from xml.sax.saxutils import escape

from django.db.models import Prefetch
from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from docx import Document
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import (
    CondPageBreak,
    LongTable,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    TableStyle,
)

from meetings.models import PartyKind, Session

from .letters import letter_fonts
from .models import Delegate, Delegation, Registration

# Spreadsheets run a cell beginning with one of these as a formula (OWASP
# "CSV injection"); tab and carriage return can hide such a cell's start.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
CHUNK_SIZE = 2000
BLOCK_BYTES = 64 * 1024
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# A pale amber, dark text on it keeps well above 4.5:1.
FLAG_COLOUR = "FFE8B3"
# The room a PDF section needs below its heading to start on the same page.
SECTION_ROOM = 40 * mm


def neutralise(value):
    """A cell value a spreadsheet shows as text and never runs."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


class TotalRow(list):
    """A row that sums up the rows above it."""


class FlaggedRow(list):
    """A record to be seen at a glance."""


@dataclass(frozen=True)
class Heading:
    """The start of a section, with its title."""

    text: str


class Exporter:
    """The contract every export follows.

    `identifier` names the export in URLs and file names, `verbose_name` to
    people. `header()` gives the column titles and `rows(queryset)` yields one
    list of values per object, in the header's order, possibly marked as a
    `TotalRow` or `FlaggedRow`, with a `Heading` before each section.
    `freeze_panes` is the first cell that scrolls in XLSX, and `pdf_columns`
    the positions of the columns the PDF prints (all when None), for columns
    that its section headings already say.
    """

    identifier = ""
    verbose_name = ""
    freeze_panes = "A2"
    pdf_columns: tuple[int, ...] | None = None

    def header(self) -> list[str]:
        raise NotImplementedError

    def rows(self, queryset) -> Iterator[list | Heading]:
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


def csv_lines(exporter: Exporter, queryset) -> Iterator[str]:
    """The export as CSV lines, the first opening with a byte order mark so
    that Excel reads "Nguyễn" as written rather than as Latin-1."""
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow([str(title) for title in exporter.header()])
    for row in exporter.rows(queryset):
        if isinstance(row, Heading | TotalRow):
            continue
        yield writer.writerow([_csv_value(value) for value in row])


def csv_blocks(exporter: Exporter, queryset, size=BLOCK_BYTES) -> Iterator[bytes]:
    """The export as UTF-8 CSV, in blocks of about `size` bytes."""
    pending, length = [], 0
    for line in csv_lines(exporter, queryset):
        data = line.encode("utf-8")
        pending.append(data)
        length += len(data)
        if length >= size:
            yield b"".join(pending)
            pending, length = [], 0
    if pending:
        yield b"".join(pending)


def write_csv(exporter: Exporter, queryset, stream) -> None:
    """Write the export as UTF-8 CSV to a binary stream."""
    for block in csv_blocks(exporter, queryset):
        stream.write(block)


def render_csv(exporter: Exporter, queryset, filename: str) -> StreamingHttpResponse:
    """Stream the export as UTF-8 CSV, block by block as the rows are read."""
    response = StreamingHttpResponse(
        csv_blocks(exporter, queryset), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = _disposition(f"{filename}.csv")
    # Names, emails and phone numbers: not for shared caches or the back button.
    response["Cache-Control"] = "no-store"
    return response


def _xlsx_value(value):
    # Called for every cell of exports of 100,000 rows: the common case
    # (text) first, and neutralise() written out.
    if isinstance(value, str):
        # openpyxl refuses control characters that XML cannot carry. They
        # are not printable, and a printable string is told apart much
        # faster than the expression can search it.
        if not value.isprintable():
            value = ILLEGAL_CHARACTERS_RE.sub("", value)
        return "'" + value if value.startswith(FORMULA_PREFIXES) else value
    if isinstance(value, Promise):
        return _xlsx_value(str(value))
    return value


def _sheet_title(name):
    # Excel's limits: 31 characters, none of []:*?/\ .
    title = "".join(" " if c in "[]:*?/\\" else c for c in str(name)).strip()
    return title[:31] or "Sheet"


def write_xlsx(exporter: Exporter, queryset, stream) -> None:
    """Write the export as one XLSX sheet to a binary stream: the header in
    bold and frozen above the rows, columns sized, totals in bold and
    flagged rows filled.

    The write-only workbook keeps memory flat however many rows there are.
    """
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_sheet_title(exporter.verbose_name))
    sheet.freeze_panes = exporter.freeze_panes
    for index, width in enumerate(exporter.column_widths(), start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    bold = Font(bold=True)
    fill = PatternFill("solid", start_color=FLAG_COLOUR, end_color=FLAG_COLOUR)

    def styled(values, **style):
        cells = []
        for value in values:
            cell = WriteOnlyCell(sheet, value=_xlsx_value(value))
            for name, setting in style.items():
                setattr(cell, name, setting)
            cells.append(cell)
        return cells

    sheet.append(styled([str(title) for title in exporter.header()], font=bold))
    for row in exporter.rows(queryset):
        if isinstance(row, Heading):
            continue
        if isinstance(row, TotalRow):
            sheet.append(styled(row, font=bold))
        elif isinstance(row, FlaggedRow):
            sheet.append(styled(row, fill=fill))
        else:
            sheet.append(list(map(_xlsx_value, row)))
    workbook.save(stream)


def render_xlsx(exporter: Exporter, queryset, filename: str) -> HttpResponse:
    """The export as an XLSX download."""
    buffer = io.BytesIO()
    write_xlsx(exporter, queryset, buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = _disposition(f"{filename}.xlsx")
    response["Cache-Control"] = "no-store"
    return response


def _pdf_styles():
    regular, bold = letter_fonts()
    body = ParagraphStyle("body", fontName=regular, fontSize=8.5, leading=10.5)
    return {
        "regular": regular,
        "body": body,
        "bold": ParagraphStyle("bold", body, fontName=bold),
        "title": ParagraphStyle(
            "title", body, fontName=bold, fontSize=15, leading=19, spaceAfter=2 * mm
        ),
        "subtitle": ParagraphStyle(
            "subtitle", body, fontSize=10, leading=13, spaceAfter=4 * mm
        ),
        "heading": ParagraphStyle(
            "heading",
            body,
            fontName=bold,
            fontSize=11,
            leading=14,
            spaceBefore=5 * mm,
            spaceAfter=2 * mm,
        ),
        "text": ParagraphStyle("text", body, fontSize=10.5, leading=15),
        "number": ParagraphStyle("number", body, alignment=TA_RIGHT),
        "boldnumber": ParagraphStyle(
            "boldnumber", body, fontName=bold, alignment=TA_RIGHT
        ),
    }


def _is_number(value):
    return isinstance(value, int | float) and not isinstance(value, bool)


def _pdf_widths(header, relative, available, style):
    """Column widths in points, in proportion to `relative`, but each at
    least as wide as the longest word of its title, which would otherwise
    be broken across lines."""
    padding = 13  # the table's 6 points a side, and a point to spare
    least = [
        max(
            (
                stringWidth(word, style.fontName, style.fontSize)
                for word in title.split()
            ),
            default=0,
        )
        + padding
        for title in header
    ]
    fixed = set()
    while True:
        free = available - sum(least[i] for i in fixed)
        share = sum(w for i, w in enumerate(relative) if i not in fixed) or 1
        widths = [
            least[i] if i in fixed else relative[i] * free / share
            for i in range(len(header))
        ]
        narrow = {i for i, width in enumerate(widths) if width < least[i]} - fixed
        if not narrow:
            return widths
        fixed |= narrow


def _pdf_text(value):
    if value is None:
        return ""
    if isinstance(value, datetime.date):
        return value.isoformat()
    # Escaped: a name is printed as written, never read as markup.
    return escape(str(value)).replace("\n", "<br/>")


def _pdf_document(stream, title, *, pagesize, side_margin):
    styles = _pdf_styles()

    def footer(canvas, document):
        canvas.saveState()
        canvas.setFont(styles["regular"], 7.5)
        canvas.drawString(
            document.leftMargin,
            8 * mm,
            gettext("%(title)s, page %(page)d")
            % {"title": title, "page": document.page},
        )
        canvas.restoreState()

    document = SimpleDocTemplate(
        stream,
        pagesize=pagesize,
        leftMargin=side_margin,
        rightMargin=side_margin,
        topMargin=12 * mm,
        bottomMargin=15 * mm,
        title=title,
    )
    return document, styles, footer


def _opening(title, subtitle, styles):
    story = [Paragraph(_pdf_text(title), styles["title"])]
    if subtitle:
        story.append(Paragraph(_pdf_text(subtitle), styles["subtitle"]))
    return story


def write_pdf_table(
    title: str,
    subtitle: str,
    header: list[str],
    rows: Iterable[list | Heading],
    stream,
    *,
    column_widths: list[float] | None = None,
) -> None:
    """Write a landscape A4 PDF of one table per section to a binary stream.

    Each `Heading` in `rows` starts a section with a new table; the header
    repeats at the top of every page a table runs over. Text is drawn in
    DejaVu Sans where installed, so names in Vietnamese keep their letters
    and can be selected and searched. `column_widths` are relative.
    """
    document, styles, footer = _pdf_document(
        stream, title, pagesize=landscape(A4), side_margin=12 * mm
    )
    story = _opening(title, subtitle, styles)
    widths = _pdf_widths(
        [str(title) for title in header],
        column_widths or [1] * len(header),
        document.width,
        styles["bold"],
    )
    header_cells = [
        Paragraph(_pdf_text(capfirst(str(title))), styles["bold"]) for title in header
    ]
    table_rows = []
    marks = []

    def flush():
        if not table_rows:
            return
        table = LongTable([header_cells, *table_rows], colWidths=widths, repeatRows=1)
        style = [
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LINEBELOW", (0, 0), (-1, 0), 0.8, colors.black),
            ("LINEBELOW", (0, 1), (-1, -1), 0.25, colors.grey),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#E8E8E8")),
        ]
        for position, mark in enumerate(marks, start=1):
            if mark is TotalRow:
                style.append(
                    ("LINEABOVE", (0, position), (-1, position), 0.8, colors.black)
                )
            elif mark is FlaggedRow:
                style.append(
                    (
                        "BACKGROUND",
                        (0, position),
                        (-1, position),
                        colors.HexColor(f"#{FLAG_COLOUR}"),
                    )
                )
        table.setStyle(TableStyle(style))
        story.append(table)
        table_rows.clear()
        marks.clear()

    for row in rows:
        if isinstance(row, Heading):
            flush()
            # A heading alone at the foot of a page goes over with its table.
            story.append(CondPageBreak(SECTION_ROOM))
            story.append(Paragraph(_pdf_text(row.text), styles["heading"]))
            continue
        bold = "bold" if isinstance(row, TotalRow) else ""
        table_rows.append(
            [
                Paragraph(
                    _pdf_text(value),
                    styles[f"{bold}number" if _is_number(value) else bold or "body"],
                )
                for value in row
            ]
        )
        marks.append(type(row))
    flush()
    document.build(story, onFirstPage=footer, onLaterPages=footer)


def write_pdf(exporter: Exporter, queryset, stream, *, title: str, subtitle="") -> None:
    """Write the export as a PDF table to a binary stream."""
    header = [str(column) for column in exporter.header()]
    widths = exporter.column_widths()
    columns = exporter.pdf_columns or tuple(range(len(header)))

    def pick(row):
        if isinstance(row, Heading):
            return row
        return type(row)(row[index] for index in columns)

    write_pdf_table(
        title,
        subtitle,
        [header[index] for index in columns],
        (pick(row) for row in exporter.rows(queryset)),
        stream,
        column_widths=[widths[index] for index in columns],
    )


def write_pdf_text(
    title: str, subtitle: str, sections: Iterable[tuple[str, str]], stream
) -> None:
    """Write a portrait A4 PDF of headed paragraphs to a binary stream."""
    document, styles, footer = _pdf_document(
        stream, title, pagesize=A4, side_margin=20 * mm
    )
    story = _opening(title, subtitle, styles)
    for heading, text in sections:
        story.append(Paragraph(_pdf_text(heading), styles["heading"]))
        story.append(Paragraph(_pdf_text(text), styles["text"]))
        story.append(Spacer(0, 2 * mm))
    document.build(story, onFirstPage=footer, onLaterPages=footer)


def write_docx_text(
    title: str, subtitle: str, sections: Iterable[tuple[str, str]], stream
) -> None:
    """Write a Word document of headed paragraphs to a binary stream, to be
    pasted into a meeting report."""
    document = Document()
    document.core_properties.title = title
    document.add_heading(title, level=1)
    if subtitle:
        document.add_paragraph(subtitle)
    for heading, text in sections:
        document.add_heading(heading, level=2)
        document.add_paragraph(text)
    document.save(stream)


def write_export(fmt: str, exporter: Exporter, queryset, stream, **pdf) -> None:
    """Write the export in `fmt` (csv, xlsx or pdf); `pdf` holds its title and
    subtitle."""
    if fmt == "csv":
        write_csv(exporter, queryset, stream)
    elif fmt == "xlsx":
        write_xlsx(exporter, queryset, stream)
    elif fmt == "pdf":
        write_pdf(exporter, queryset, stream, **pdf)
    else:
        raise ValueError(f"No writer for {fmt!r}.")


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
