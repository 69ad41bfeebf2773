"""Bulk nomination from a spreadsheet (XLSX or CSV), all or nothing.

A file is read into rows, every row is checked by the same
`RegistrationForm` the web page uses (plus checks across rows), and only a
file without a single bad row is imported, in one transaction.
"""

import csv
import datetime
import io
import zipfile
from collections import defaultdict
from dataclasses import dataclass
from xml.etree.ElementTree import ParseError

import openpyxl
from django import forms
from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from openpyxl.styles import Font

from . import services
from .exports import XLSX_CONTENT_TYPE, neutralise
from .forms import RegistrationForm
from .models import Delegate, Registration
from .uploads import check_size, read_head

COLUMNS = (
    "honorific",
    "given_name",
    "family_name",
    "badge_name",
    "position",
    "agency",
    "email",
    "phone",
    "nationality",
    "role",
    "sessions",
    "dietary_requirements",
    "accessibility_needs",
    "needs_visa_letter",
    "passport_number",
    "passport_expiry",
    "consent_publish",
)
REQUIRED_COLUMNS = ("family_name", "email", "sessions")
BOOLEAN_COLUMNS = ("needs_visa_letter", "consent_publish")
MAX_ROWS = 200
XLSX_MAGIC = b"PK\x03\x04"
# A small workbook can unpack to gigabytes; nomination sheets never need this.
XLSX_MAX_UNPACKED_BYTES = 50 * 1024 * 1024
YES = {"yes", "y", "true", "1", "ya"}
NO = {"no", "n", "false", "0", "tidak", ""}


@dataclass(frozen=True)
class RowError:
    """A problem as the user finds it: spreadsheet row, column, reason."""

    row: int
    column: str
    message: str


@dataclass(frozen=True)
class Row:
    number: int
    values: dict


class ImportRejected(Exception):
    """The file was not imported; `errors` says which rows to correct."""

    def __init__(self, errors):
        super().__init__(errors)
        self.errors = errors


def _unreadable():
    return ValidationError(
        _("Upload an XLSX workbook or a CSV file saved as UTF-8."), code="unreadable"
    )


def _cell_text(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _filled(records):
    """The records with something in them, numbered as the spreadsheet shows
    them; one past the cap is enough to know a file is too long."""
    lines = []
    for number, cells in enumerate(records, start=1):
        if any(cells):
            lines.append((number, cells))
            if len(lines) > MAX_ROWS + 1:
                break
    return lines


def _xlsx_lines(upload):
    try:
        with zipfile.ZipFile(upload) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
        if unpacked > XLSX_MAX_UNPACKED_BYTES:
            raise _unreadable()
        upload.seek(0)
        workbook = openpyxl.load_workbook(upload, read_only=True, data_only=True)
        try:
            return _filled(
                [_cell_text(cell) for cell in cells]
                for cells in workbook.worksheets[0].iter_rows(values_only=True)
            )
        finally:
            workbook.close()
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, ParseError) as error:
        raise _unreadable() from error


def _csv_lines(upload):
    try:
        text = upload.read().decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise _unreadable() from error
    if "\x00" in text:
        raise _unreadable()
    first_line = text.split("\n", 1)[0]
    # Excel in locales with a decimal comma, Indonesia's among them, saves
    # CSV separated by semicolons.
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    try:
        return _filled(
            [cell.strip() for cell in record]
            for record in csv.reader(io.StringIO(text), delimiter=delimiter)
        )
    except csv.Error as error:
        raise _unreadable() from error


def _check_header(header):
    columns = [cell.strip().lower().replace(" ", "_") for cell in header]
    while columns and not columns[-1]:
        columns.pop()
    expected = ", ".join(COLUMNS)
    if not any(column in COLUMNS for column in columns):
        raise ValidationError(
            _("The first row must name the columns: %(columns)s."),
            code="no_header",
            params={"columns": expected},
        )
    unknown = [column for column in columns if column and column not in COLUMNS]
    if unknown:
        raise ValidationError(
            _("Unknown columns: %(unknown)s. The columns are: %(columns)s."),
            code="unknown_columns",
            params={"unknown": ", ".join(unknown), "columns": expected},
        )
    twice = sorted({c for c in columns if c and columns.count(c) > 1})
    if twice:
        raise ValidationError(
            _("Columns named more than once: %(columns)s."),
            code="duplicate_columns",
            params={"columns": ", ".join(twice)},
        )
    missing = [column for column in REQUIRED_COLUMNS if column not in columns]
    if missing:
        raise ValidationError(
            _("Missing columns: %(columns)s."),
            code="missing_columns",
            params={"columns": ", ".join(missing)},
        )
    return columns


def read_rows(upload):
    """The file's rows as `Row`s numbered as the spreadsheet shows them.

    XLSX and CSV are told apart by content, not by name. Raises
    `ValidationError` for a file that is not a readable nomination sheet.
    """
    check_size(upload, settings.NOMINATION_LETTER_MAX_BYTES)
    if read_head(upload, len(XLSX_MAGIC)) == XLSX_MAGIC:
        lines = _xlsx_lines(upload)
    else:
        lines = _csv_lines(upload)
    if not lines:
        raise ValidationError(_("The file is empty."), code="empty")
    (_header_number, header), *records = lines
    columns = _check_header(header)
    if len(records) > MAX_ROWS:
        raise ValidationError(
            _("At most %(max)s delegates can be imported from one file."),
            code="too_many_rows",
            params={"max": MAX_ROWS},
        )
    rows = []
    for number, cells in records:
        unnamed = cells[len(columns) :] + [
            cell for column, cell in zip(columns, cells, strict=False) if not column
        ]
        if any(unnamed):
            raise ValidationError(
                _("Row %(row)s has values in a column without a name."),
                code="unnamed_cells",
                params={"row": number},
            )
        values = dict(zip(columns, cells, strict=False))
        values.pop("", None)
        rows.append(Row(number, values))
    if not rows:
        raise ValidationError(
            _("The file has a header row but no delegates."), code="no_rows"
        )
    return rows


def _lookup(choices):
    """Accept a choice by its value or its label, in any case."""
    table = {}
    for value, label in choices:
        table[str(value).lower().rstrip(".")] = value
        table[str(label).lower().rstrip(".")] = value
    return table


class _RowReader:
    """Turns one row's text into the data `RegistrationForm` expects."""

    def __init__(self, meeting, delegation):
        self.delegation = delegation
        self.honorifics = _lookup(Delegate.Honorific.choices)
        self.roles = _lookup(Registration.Role.choices)
        self.sessions = defaultdict(list)
        for session in meeting.sessions.all():
            self.sessions[session.order].append(session)

    def form_data(self, values):
        errors = {}
        data = {
            column: values.get(column, "")
            for column in COLUMNS
            if column not in BOOLEAN_COLUMNS
        }
        data["delegation"] = self.delegation.pk
        data["preferred_language"] = settings.LANGUAGE_CODE
        # The focal point attests consent for the whole file on the upload form.
        data["consent_privacy"] = True
        data["nationality"] = data["nationality"].upper()
        if data["honorific"]:
            key = data["honorific"].lower().rstrip(".")
            data["honorific"] = self.honorifics.get(key, data["honorific"])
        role = data["role"] or Registration.Role.DELEGATE
        data["role"] = self.roles.get(role.lower(), role)
        for column in BOOLEAN_COLUMNS:
            answer = values.get(column, "").lower()
            if answer not in YES | NO:
                errors[column] = _("Write yes or no.")
            data[column] = answer in YES
        sessions = values.get("sessions", "")
        data["sessions"], errors["sessions"] = self._sessions(sessions)
        return data, {column: error for column, error in errors.items() if error}

    def _sessions(self, text):
        chosen = []
        for part in text.replace(",", ";").split(";"):
            part = part.strip()
            if not part:
                continue
            if not part.isdecimal() or int(part) not in self.sessions:
                return [], _("No session numbered %(number)s at this meeting.") % {
                    "number": part
                }
            matches = self.sessions[int(part)]
            if len(matches) > 1:
                return [], _(
                    "Session number %(number)s is used by more than one session; "
                    "ask the secretariat."
                ) % {"number": part}
            chosen.append(matches[0].pk)
        return chosen, ""


def validate_rows(rows, *, delegation, delegations):
    """Check every row; return the bound, valid forms or raise `ImportRejected`.

    `delegations` is the choice the web form would offer (this delegation
    only), so a row is held to exactly the rules of the nomination page.
    """
    meeting = delegation.meeting
    reader = _RowReader(meeting, delegation)
    emails = {row.values.get("email", "").strip().lower() for row in rows}
    registered = set(
        Registration.objects.filter(
            meeting=meeting, status__in=Registration.ACTIVE_STATUSES
        )
        .annotate(email=Lower("delegate__email"))
        .filter(email__in=emails)
        .values_list("email", flat=True)
    )
    has_head = delegation.registrations.filter(
        role=Registration.Role.HEAD,
        status__in=(Registration.Status.PENDING, Registration.Status.APPROVED),
    ).exists()
    first_row_of = {}
    errors, valid = [], []
    for row in rows:
        data, row_errors = reader.form_data(row.values)
        form = RegistrationForm(data, meeting=meeting, delegations=delegations)
        form.is_valid()
        for field, messages in form.errors.items():
            if field in row_errors:
                continue
            column = "" if field == NON_FIELD_ERRORS else field
            row_errors.setdefault(column, "; ".join(messages))
        email = data["email"].strip().lower()
        if email and email in first_row_of:
            row_errors.setdefault(
                "email",
                _("The same email address as row %(row)s.")
                % {"row": first_row_of[email]},
            )
        elif email in registered:
            row_errors.setdefault(
                "email",
                _(
                    "This email address already has an active registration for this "
                    "meeting."
                ),
            )
        first_row_of.setdefault(email, row.number)
        if data["role"] == Registration.Role.HEAD:
            if has_head:
                row_errors.setdefault(
                    "role",
                    _(
                        "The delegation has a Head of Delegation already. Import "
                        "this person as Delegate and use “Make head” afterwards."
                    ),
                )
            has_head = True
        errors += [RowError(row.number, c, m) for c, m in row_errors.items()]
        valid.append((row.number, form))
    if errors:
        raise ImportRejected(errors)
    return valid


def nominations_import(*, delegation, delegations, rows, by):
    """Validate every row, then submit them all in one transaction.

    Nothing is written unless every row passes; a rule that refuses a row
    inside the transaction rolls back the rows before it. Each registration's
    mail waits for the commit.
    """
    valid = validate_rows(rows, delegation=delegation, delegations=delegations)
    registrations = []
    with transaction.atomic():
        for number, form in valid:
            try:
                registration = services.registration_submit(
                    meeting=delegation.meeting,
                    delegation=delegation,
                    delegate_data=form.delegate_data(),
                    registration_data=form.registration_data(),
                    sessions=list(form.cleaned_data["sessions"]),
                    submitted_by=by,
                    endorse=True,
                    enforce_window=True,
                    consent_privacy=form.cleaned_data["consent_privacy"],
                )
            except services.RegistrationError as error:
                raise ImportRejected([RowError(number, "", error.message)]) from error
            registrations.append(registration)
    return registrations


class NominationImportForm(forms.Form):
    spreadsheet = forms.FileField(
        label=_("Spreadsheet (XLSX or CSV)"),
        widget=forms.FileInput(
            attrs={"accept": f".xlsx,.csv,{XLSX_CONTENT_TYPE},text/csv"}
        ),
    )
    consent_privacy = forms.BooleanField(
        label=_(
            "Every nominee in this file has been informed of the privacy notice "
            "and agrees that the secretariat processes their data to organise "
            "the meeting."
        ),
        required=True,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["spreadsheet"].help_text = _(
            "Start from the template. At most %(max)s delegates per file."
        ) % {"max": MAX_ROWS}

    def clean_spreadsheet(self):
        return read_rows(self.cleaned_data["spreadsheet"])


def template_csv():
    """The header row, with a BOM so that Excel reads the file as UTF-8."""
    out = io.StringIO()
    out.write("\ufeff")
    csv.writer(out).writerow(COLUMNS)
    return out.getvalue()


def template_workbook(delegation):
    """An XLSX to fill in, with the sessions and roles listed beside it."""
    meeting = delegation.meeting
    kind = delegation.party.kind_on(meeting.start_date)
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = str(_("Nominations"))
    sheet.append(COLUMNS)
    sheet.freeze_panes = "A2"
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for column in ("passport_number", "phone", "passport_expiry", "sessions"):
        letter = openpyxl.utils.get_column_letter(COLUMNS.index(column) + 1)
        # Text, so that "+62 …", leading zeros and "1;3" survive being typed in.
        for row in range(2, MAX_ROWS + 2):
            sheet[f"{letter}{row}"].number_format = "@"

    sessions = workbook.create_sheet(str(_("Sessions")))
    sessions.append(
        [
            str(_("number")),
            str(_("title")),
            str(_("starts (local time)")),
            str(_("open to your delegation")),
        ]
    )
    for session in meeting.sessions.order_by("order", "starts_at"):
        starts = timezone.localtime(session.starts_at, meeting.tz)
        sessions.append(
            [
                session.order,
                neutralise(session.title),
                date_format(starts, "Y-m-d H:i"),
                "yes" if session.is_open_to(kind) else "no",
            ]
        )
    roles = workbook.create_sheet(str(_("Roles")))
    roles.append([str(_("role")), str(_("meaning"))])
    for value, label in Registration.Role.choices:
        roles.append([value, str(label)])
    for extra in (sessions, roles):
        for cell in extra[1]:
            cell.font = Font(bold=True)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
