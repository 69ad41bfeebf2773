"""The attendance reports, each format parsed back: by session, the
delegation x session matrix and the summary; the export_attendance command;
query counts that do not grow with the records, and memory that does not
grow with them either."""

import csv
import datetime
import io
import secrets
import tracemalloc
import zoneinfo

import docx
import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from pypdf import PdfReader

from delegates.exports import FLAG_COLOUR
from delegates.models import Attendance, Delegate, Delegation, Registration
from delegates.reports import REPORTS, attendance, wording
from meetings.models import Body, Meeting
from tests.factories import (
    AttendanceFactory,
    BodyFactory,
    DelegateFactory,
    DelegationFactory,
    MeetingFactory,
    RegistrationFactory,
    SessionFactory,
)

from .test_wording import make_parties

pytestmark = pytest.mark.django_db

WITA = zoneinfo.ZoneInfo("Asia/Makassar")
Role = Registration.Role
Status = Attendance.Status
INJECTION = "=cmd|' /C calc'!A0"
HUONG = "Ms Nguyễn Thị Hương"
BY_SESSION_HEADER = [
    "Session",
    "Starts (Asia/Makassar)",
    "Delegation",
    "Name",
    "Role",
    "Status",
    "Recorded at (Asia/Makassar)",
    "Recorded by way of",
]
ATTENDANCE_REPORTS = {
    "attendance-by-session": ("csv", "xlsx", "pdf"),
    "attendance-matrix": ("csv", "xlsx", "pdf"),
    "attendance-summary": ("pdf", "docx", "xlsx", "csv"),
}
REPORT_FORMATS = [
    (identifier, fmt)
    for identifier, formats in ATTENDANCE_REPORTS.items()
    for fmt in formats
]


def at(day, hour, minute=0):
    return datetime.datetime(2024, 4, day, hour, minute, tzinfo=WITA)


class Jwg:
    """The 11th JWG in small: three sessions, the last attended by nobody.

    Malaysia (two, one with a name that is a formula), Indonesia and the ASEAN
    Secretariat at both the workshop and the JWG; IGF at the workshop; Viet
    Nam's head, Ms Nguyễn Thị Hương, at the JWG only; Cambodia registered
    and recorded absent at the workshop, so present nowhere.
    """

    def __init__(self):
        self.parties = make_parties()
        self.meeting = MeetingFactory(slug="jwg-11", number=11, title="11th JWG")
        self.workshop = SessionFactory(
            meeting=self.meeting,
            title="ASEAN-IGF Workshop",
            body=BodyFactory(
                acronym="ASEAN-IGF-ASM", name="Workshop", kind=Body.Kind.WORKSHOP
            ),
            starts_at=at(29, 9),
        )
        self.jwg = SessionFactory(
            meeting=self.meeting,
            title="Joint Working Group",
            body=self.meeting.body,
            starts_at=datetime.datetime(2024, 4, 30, 9, tzinfo=WITA),
        )
        self.wgtim = SessionFactory(
            meeting=self.meeting,
            title="Working Group on Trade and Investment",
            body=BodyFactory(acronym="WGTIM", name="WGTIM"),
            starts_at=datetime.datetime(2024, 5, 1, 13, 30, tzinfo=WITA),
        )
        self.sessions = [self.workshop, self.jwg]
        self.malaysia_head = self.person("MYS", "Dr", "Ahmad", "Faizal", Role.HEAD)
        self.malaysia_delegate = self.person("MYS", "", "", INJECTION)
        self.indonesia_head = self.person("IDN", "Ir.", "Hendra", "Wibisono", Role.HEAD)
        self.secretariat = self.person("ASEC", "Ms", "Dara", "Lim", Role.SECRETARIAT)
        for registration in (
            self.malaysia_head,
            self.malaysia_delegate,
            self.indonesia_head,
            self.secretariat,
        ):
            for session in self.sessions:
                self.record(registration, session)
        self.record(self.person("IGF", "Ms", "Claire", "Fontaine"), self.workshop)
        # As the portal holds such a name: the family name leads.
        huong = self.person("VNM", "Ms", "Nguyễn Thị", "Hương", Role.HEAD)
        self.record(huong, self.jwg)
        self.record(
            self.person("KHM", "Mr", "Vannak", "Pich", Role.HEAD),
            self.workshop,
            Status.ABSENT,
        )

    def person(self, code, honorific, given, family, role=Role.DELEGATE):
        delegation, _created = Delegation.objects.get_or_create(
            meeting=self.meeting, party=self.parties[code]
        )
        return RegistrationFactory(
            delegation=delegation,
            role=role,
            delegate=DelegateFactory(
                honorific=honorific, given_name=given, family_name=family
            ),
        )

    def record(self, registration, session, status=Status.PRESENT):
        return AttendanceFactory(
            registration=registration,
            session=session,
            status=status,
            method=Attendance.Method.SCAN,
            recorded_at=session.starts_at + datetime.timedelta(minutes=5),
        )

    def more(self, count):
        """`count` more Malaysian delegates, present at both sessions."""
        for _ in range(count):
            registration = self.person("MYS", "Mr", "Extra", "Delegate")
            for session in self.sessions:
                self.record(registration, session)


@pytest.fixture
def jwg():
    return Jwg()


def write(identifier, meeting, fmt, **options):
    stream = io.BytesIO()
    REPORTS[identifier](meeting, **options).write(fmt, stream)
    return stream.getvalue()


def csv_rows(data):
    text = data.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def workbook(data):
    return openpyxl.load_workbook(io.BytesIO(data))


def sheet_rows(data):
    return [list(row) for row in workbook(data).active.iter_rows(values_only=True)]


def pdf_text(data):
    assert data.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(data))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


# Attendance by session

WORKSHOP_ROWS = [
    ("Cambodia", "Mr Vannak Pich", "Absent"),
    ("Indonesia", "Ir. Hendra Wibisono", "Present"),
    ("Malaysia", "Dr Ahmad Faizal", "Present"),
    ("Malaysia", "'" + INJECTION, "Present"),
    ("Intergovernmental Forum on Mining", "Ms Claire Fontaine", "Present"),
    ("ASEAN Secretariat", "Ms Dara Lim", "Present"),
]
JWG_ROWS = [
    ("Indonesia", "Ir. Hendra Wibisono", "Present"),
    ("Malaysia", "Dr Ahmad Faizal", "Present"),
    ("Malaysia", "'" + INJECTION, "Present"),
    ("Viet Nam", HUONG, "Present"),
    ("ASEAN Secretariat", "Ms Dara Lim", "Present"),
]
WORKSHOP_TOTAL = "Present: 5 (delegations: 4); absent: 1; excused: 0"
JWG_TOTAL = "Present: 5 (delegations: 4); absent: 0; excused: 0"
WGTIM_TOTAL = "Present: 0 (delegations: 0); absent: 0; excused: 0"


def test_by_session_csv_lists_every_record_in_asean_order(jwg):
    header, *rows = csv_rows(write("attendance-by-session", jwg.meeting, "csv"))
    assert header == BY_SESSION_HEADER
    assert [(row[0], *row[2:4], row[5]) for row in rows] == [
        *(("ASEAN-IGF Workshop", *row) for row in WORKSHOP_ROWS),
        *(("Joint Working Group", *row) for row in JWG_ROWS),
    ]
    assert dict(zip(header, rows[1], strict=True)) == {
        "Session": "ASEAN-IGF Workshop",
        "Starts (Asia/Makassar)": "2024-04-29 09:00",
        "Delegation": "Indonesia",
        "Name": "Ir. Hendra Wibisono",
        "Role": "Head of Delegation",
        "Status": "Present",
        "Recorded at (Asia/Makassar)": "2024-04-29 09:05",
        "Recorded by way of": "Badge scan",
    }


def test_by_session_csv_holds_records_only(jwg):
    """Totals are in the XLSX and the PDF; the CSV stays one record a line."""
    rows = csv_rows(write("attendance-by-session", jwg.meeting, "csv"))
    assert not [row for row in rows if "Total" in row]
    assert len(rows) == 1 + Attendance.objects.count()


def test_by_session_xlsx_has_totals_frozen_header_widths_and_no_formulas(jwg):
    book = workbook(write("attendance-by-session", jwg.meeting, "xlsx"))
    sheet = book.active
    assert sheet.freeze_panes == "A2"
    assert sheet["A1"].font.bold
    assert sheet.column_dimensions["A"].width == 44
    assert sheet.column_dimensions["D"].width == 32
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[0] == BY_SESSION_HEADER
    assert [(row[2], row[3]) for row in rows[1:]] == [
        *((row[0], row[1]) for row in WORKSHOP_ROWS),
        ("Total", WORKSHOP_TOTAL),
        *((row[0], row[1]) for row in JWG_ROWS),
        ("Total", JWG_TOTAL),
        ("Total", WGTIM_TOTAL),
    ]
    total = sheet.cell(row=8, column=3)
    assert (total.value, total.font.bold) == ("Total", True)
    assert not sheet.cell(row=2, column=3).font.bold
    injected = sheet.cell(row=5, column=4)
    assert (injected.value, injected.data_type) == ("'" + INJECTION, "s")


def test_by_session_pdf_has_a_section_and_a_total_per_session(jwg):
    text = pdf_text(write("attendance-by-session", jwg.meeting, "pdf"))
    assert "Attendance by session" in text
    assert "11th JWG" in text
    assert "ASEAN-IGF Workshop — 2024-04-29 09:00" in text
    assert "Joint Working Group — 2024-04-30 09:00" in text
    assert "Working Group on Trade and Investment — 2024-05-01 13:30" in text
    for total in (WORKSHOP_TOTAL, JWG_TOTAL, WGTIM_TOTAL):
        assert total in text
    assert text.index(WORKSHOP_TOTAL) < text.index(JWG_TOTAL)
    assert text.index(JWG_TOTAL) < text.index(WGTIM_TOTAL)
    for name in ("Ir. Hendra Wibisono", "Ms Claire Fontaine", "Mr Vannak Pich"):
        assert name in text


def test_by_session_pdf_repeats_the_header_on_every_page(jwg):
    jwg.more(60)
    data = write("attendance-by-session", jwg.meeting, "pdf")
    pages = [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]
    assert len(pages) > 2
    assert all("Recorded by way of" in page for page in pages)
    # Landscape A4.
    box = PdfReader(io.BytesIO(data)).pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (842, 595)


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "pdf"])
def test_a_vietnamese_name_survives_every_format(jwg, fmt):
    data = write("attendance-by-session", jwg.meeting, fmt)
    if fmt == "csv":
        cells = [cell for row in csv_rows(data) for cell in row]
    elif fmt == "xlsx":
        cells = [cell for row in sheet_rows(data) for cell in row]
    else:
        cells = [pdf_text(data)]
    assert any(HUONG in str(cell) for cell in cells)


def test_by_session_markup_in_a_name_is_printed_as_text(jwg):
    jwg.record(jwg.person("THA", "Mr", "<b>Somchai</b>", "& Co"), jwg.jwg)
    assert "Mr <b>Somchai</b> & Co" in pdf_text(
        write("attendance-by-session", jwg.meeting, "pdf")
    )


def by_session_records(session, starts, recorded, rows):
    """Full CSV lines of a session from (delegation, name, role, status)."""
    return [
        [session, starts, party, name, role, status, recorded, "Badge scan"]
        for party, name, role, status in rows
    ]


HEAD, DELEGATE = "Head of Delegation", "Delegate"
BY_SESSION_RECORDS = [
    *by_session_records(
        "ASEAN-IGF Workshop",
        "2024-04-29 09:00",
        "2024-04-29 09:05",
        [
            ("Cambodia", "Mr Vannak Pich", HEAD, "Absent"),
            ("Indonesia", "Ir. Hendra Wibisono", HEAD, "Present"),
            ("Malaysia", "Dr Ahmad Faizal", HEAD, "Present"),
            ("Malaysia", "'" + INJECTION, DELEGATE, "Present"),
            (
                "Intergovernmental Forum on Mining",
                "Ms Claire Fontaine",
                DELEGATE,
                "Present",
            ),
            ("ASEAN Secretariat", "Ms Dara Lim", "Secretariat", "Present"),
        ],
    ),
    *by_session_records(
        "Joint Working Group",
        "2024-04-30 09:00",
        "2024-04-30 09:05",
        [
            ("Indonesia", "Ir. Hendra Wibisono", HEAD, "Present"),
            ("Malaysia", "Dr Ahmad Faizal", HEAD, "Present"),
            ("Malaysia", "'" + INJECTION, DELEGATE, "Present"),
            ("Viet Nam", HUONG, HEAD, "Present"),
            ("ASEAN Secretariat", "Ms Dara Lim", "Secretariat", "Present"),
        ],
    ),
]


def test_by_session_csv_holds_every_column_of_every_record(jwg):
    assert csv_rows(write("attendance-by-session", jwg.meeting, "csv")) == [
        BY_SESSION_HEADER,
        *BY_SESSION_RECORDS,
    ]


def test_by_session_xlsx_holds_every_column_of_every_record_and_total(jwg):
    def total(session, starts, text):
        return [session, starts, "Total", text, None, None, None, None]

    assert sheet_rows(write("attendance-by-session", jwg.meeting, "xlsx")) == [
        BY_SESSION_HEADER,
        *BY_SESSION_RECORDS[:6],
        total("ASEAN-IGF Workshop", "2024-04-29 09:00", WORKSHOP_TOTAL),
        *BY_SESSION_RECORDS[6:],
        total("Joint Working Group", "2024-04-30 09:00", JWG_TOTAL),
        total("Working Group on Trade and Investment", "2024-05-01 13:30", WGTIM_TOTAL),
    ]


def test_by_session_orders_sessions_parties_roles_and_names(jwg):
    """Sessions by time, then by their order; parties in ASEAN order of the
    meeting's first day (Timor-Leste, not yet a member in 2024, after the
    member states); in a delegation the head, the alternate, then the
    delegates by family name whatever its case."""
    second = SessionFactory(
        meeting=jwg.meeting, title="Second", starts_at=at(29, 8), order=2
    )
    first = SessionFactory(
        meeting=jwg.meeting, title="First", starts_at=at(29, 8), order=1
    )
    people = [
        jwg.person("TLS", "Mr", "José", "Ramos", Role.HEAD),
        jwg.person("BRN", "Ms", "Aminah", "Yusof"),
        jwg.person("BRN", "Mr", "Hazri", "osman"),
        jwg.person("BRN", "Ms", "Siti", "Zainal", Role.ALTERNATE),
        jwg.person("BRN", "Dr", "Ali", "Zulkifli", Role.HEAD),
    ]
    for registration in people:
        for session in (second, first):
            jwg.record(registration, session)
    rows = csv_rows(write("attendance-by-session", jwg.meeting, "csv"))[1:]
    expected = [
        ("Brunei Darussalam", "Dr Ali Zulkifli", HEAD),
        ("Brunei Darussalam", "Ms Siti Zainal", "Alternate Head of Delegation"),
        ("Brunei Darussalam", "Mr Hazri osman", DELEGATE),
        ("Brunei Darussalam", "Ms Aminah Yusof", DELEGATE),
        ("Timor-Leste", "Mr José Ramos", HEAD),
    ]
    assert [(row[0], *row[2:5]) for row in rows[:10]] == [
        *(("First", *row) for row in expected),
        *(("Second", *row) for row in expected),
    ]
    assert rows[10][0] == "ASEAN-IGF Workshop"


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_by_session_labels_are_in_the_language_of_each_export(jwg, fmt):
    """Roles, statuses and methods are translated once per export, in its
    language: Indonesian, then English again for the next export."""
    read = csv_rows if fmt == "csv" else sheet_rows
    header, cambodia, indonesia = read(
        write("attendance-by-session", jwg.meeting, fmt, language="id")
    )[:3]
    assert header[0] == "Sesi"
    assert cambodia[2:6] == [
        "Cambodia",
        "Mr Vannak Pich",
        "Ketua Delegasi",
        "Tidak hadir",
    ]
    assert indonesia[4:] == [
        "Ketua Delegasi",
        "Hadir",
        "2024-04-29 09:05",
        "Pemindaian tanda pengenal",
    ]
    english = read(write("attendance-by-session", jwg.meeting, fmt))
    assert english[2][4:] == [HEAD, "Present", "2024-04-29 09:05", "Badge scan"]


def test_by_session_xlsx_drops_control_characters_from_names(jwg):
    """A control character XML cannot carry is dropped, not a broken file;
    characters that are not printable but allowed are kept."""
    jwg.record(jwg.person("THA", "Mr", "Som\x07chai", "Suk\x1bjai\x0b"), jwg.jwg)
    jwg.record(jwg.person("PHL", "Ms", "Maria\u00a0Luisa", "Santos"), jwg.jwg)
    rows = sheet_rows(write("attendance-by-session", jwg.meeting, "xlsx"))
    names = {row[2]: row[3] for row in rows}
    assert names["Thailand"] == "Mr Somchai Sukjai"
    assert names["Philippines"] == "Ms Maria\u00a0Luisa Santos"
    records = csv_rows(write("attendance-by-session", jwg.meeting, "csv"))
    assert {row[2]: row[3] for row in records}["Thailand"] == (
        "Mr Som\x07chai Suk\x1bjai\x0b"
    )


def test_by_session_shows_only_this_meeting(jwg):
    other = MeetingFactory(slug="jwg-12", number=12)
    AttendanceFactory(
        registration=RegistrationFactory(
            delegation=DelegationFactory(meeting=other, party=jwg.parties["THA"]),
            delegate=DelegateFactory(family_name="Elsewhere"),
        ),
        session=SessionFactory(meeting=other),
    )
    data = write("attendance-by-session", jwg.meeting, "csv")
    assert "Elsewhere" not in data.decode("utf-8")


# The matrix

MATRIX_HEADER = [
    "Delegation",
    "ASEAN-IGF-ASM",
    "JWG",
    "WGTIM",
    "Sessions attended",
    "Absent from all sessions",
]
MATRIX_ROWS = [
    ["Cambodia", 0, 0, 0, 0, "yes"],
    ["Indonesia", 1, 1, 0, 2, ""],
    ["Malaysia", 2, 2, 0, 2, ""],
    ["Viet Nam", 0, 1, 0, 1, ""],
    ["Intergovernmental Forum on Mining", 1, 0, 0, 1, ""],
    ["ASEAN Secretariat", 1, 1, 0, 2, ""],
]


def test_matrix_csv_counts_delegates_present_per_delegation_and_session(jwg):
    header, *rows = csv_rows(write("attendance-matrix", jwg.meeting, "csv"))
    assert header == MATRIX_HEADER
    assert rows == [[str(cell) for cell in row] for row in MATRIX_ROWS]


def test_matrix_xlsx_shades_a_delegation_absent_from_every_session(jwg):
    sheet = workbook(write("attendance-matrix", jwg.meeting, "xlsx")).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[0] == MATRIX_HEADER
    blank = [None if cell == "" else cell for row in MATRIX_ROWS for cell in row]
    assert [cell for row in rows[1:7] for cell in row] == blank
    assert rows[7] == ["Delegates present", 5, 5, 0, None, None]
    assert rows[8] == ["Delegations present", 4, 4, 0, None, None]
    # The delegation stays in view as the sessions scroll by.
    assert sheet.freeze_panes == "B2"
    assert sheet.column_dimensions["A"].width == 36
    cambodia, indonesia = sheet["A2"], sheet["A3"]
    assert cambodia.fill.fgColor.rgb.endswith(FLAG_COLOUR)
    assert sheet["F2"].fill.fgColor.rgb.endswith(FLAG_COLOUR)
    assert indonesia.fill.fill_type is None
    assert sheet["A8"].font.bold


def test_matrix_pdf(jwg):
    text = pdf_text(write("attendance-matrix", jwg.meeting, "pdf"))
    for label in ("Attendance matrix", *MATRIX_HEADER[1:4], "Cambodia", "Viet Nam"):
        assert label in text
    assert "Delegates present" in text
    assert "Delegations present" in text
    assert "Cambodia 0 0 0 0 yes" in text


def test_matrix_tells_sessions_of_one_body_apart(jwg):
    SessionFactory(meeting=jwg.meeting, body=jwg.meeting.body, starts_at=at(30, 14, 0))
    header = csv_rows(write("attendance-matrix", jwg.meeting, "csv"))[0]
    assert header[1:5] == [
        "ASEAN-IGF-ASM",
        "JWG (30 Apr 09:00)",
        "JWG (30 Apr 14:00)",
        "WGTIM",
    ]


def test_matrix_lists_delegations_in_asean_order_of_the_day(jwg):
    """Timor-Leste was an observer in 2024: after the member states."""
    jwg.person("TLS", "Mr", "José", "Ramos")
    jwg.person("BRN", "Mr", "Hazri", "Osman")
    names = [row[0] for row in csv_rows(write("attendance-matrix", jwg.meeting, "csv"))]
    assert names[1:8] == [
        "Brunei Darussalam",
        "Cambodia",
        "Indonesia",
        "Malaysia",
        "Viet Nam",
        "Timor-Leste",
        "Intergovernmental Forum on Mining",
    ]


# The summary

# Three of ten member states: fewer than half, so named.
SUMMARY = (
    "The Meeting was attended by Indonesia, Malaysia and Viet Nam, and by IGF. "
    "The ASEAN Secretariat also attended."
)


def test_summary_csv_has_the_meeting_and_each_session(jwg):
    header, *rows = csv_rows(write("attendance-summary", jwg.meeting, "csv"))
    assert header == ["Meeting or session", "Date (Asia/Makassar)", "Attendance"]
    assert rows == [
        ["11th JWG", "29 April – 3 May 2024", SUMMARY],
        [
            "ASEAN-IGF Workshop",
            "2024-04-29 09:00",
            "The ASEAN-IGF-ASM Workshop was attended by Indonesia and Malaysia, "
            "and by IGF. The ASEAN Secretariat also attended.",
        ],
        [
            "Joint Working Group",
            "2024-04-30 09:00",
            "The JWG Meeting was attended by Indonesia, Malaysia and Viet Nam. "
            "The ASEAN Secretariat also attended.",
        ],
        [
            "Working Group on Trade and Investment",
            "2024-05-01 13:30",
            "No attendance was recorded for the WGTIM Meeting.",
        ],
    ]


def test_summary_in_the_other_formats(jwg):
    rows = sheet_rows(write("attendance-summary", jwg.meeting, "xlsx"))
    assert rows[1][2] == SUMMARY
    pdf = pdf_text(write("attendance-summary", jwg.meeting, "pdf"))
    assert SUMMARY in pdf
    assert "No attendance was recorded for the WGTIM Meeting." in pdf
    document = docx.Document(
        io.BytesIO(write("attendance-summary", jwg.meeting, "docx"))
    )
    paragraphs = [paragraph.text for paragraph in document.paragraphs]
    assert paragraphs[0] == "Attendance summary"
    assert SUMMARY in paragraphs
    assert "Joint Working Group — 2024-04-30 09:00" in paragraphs


def test_summary_of_the_11th_jwg_demo():
    call_command("seed_demo", verbosity=0)
    meeting = Meeting.objects.get(slug="jwg-11")
    rows = csv_rows(write("attendance-summary", meeting, "csv"))
    assert rows[1][2] == (
        "The Meeting was attended by all ASEAN Member States except Viet Nam, "
        "and by KIGAM, USAID, CCOP, IGF and UN ESCAP. The ASEAN Secretariat also "
        "attended."
    )
    assert rows[2][2].startswith(
        "The ASEAN-IGF-ASM Workshop was attended by all ASEAN Member States "
        "except Viet Nam, and by IGF."
    )
    matrix = {
        row[0]: row for row in csv_rows(write("attendance-matrix", meeting, "csv"))[1:]
    }
    assert matrix["Viet Nam"][-2:] == ["0", "yes"]
    assert matrix["Indonesia"][-2:] == ["8", ""]


# Every report, every format


@pytest.mark.parametrize(("identifier", "fmt"), REPORT_FORMATS)
def test_each_report_lists_its_formats_and_needs_the_attendance_permission(
    identifier, fmt
):
    report_class = REPORTS[identifier]
    assert fmt in report_class.formats
    assert report_class.permission == "delegates.view_attendance"


@pytest.mark.parametrize(("identifier", "fmt"), REPORT_FORMATS)
def test_report_query_count_does_not_grow_with_records(jwg, identifier, fmt):
    def queries():
        with CaptureQueriesContext(connection) as captured:
            write(identifier, jwg.meeting, fmt)
        return len(captured)

    few = queries()
    jwg.more(30)
    jwg.record(jwg.person("THA", "Mr", "Somchai", "Sukjai"), jwg.wgtim)
    assert queries() == few


@pytest.mark.parametrize(("identifier", "fmt"), REPORT_FORMATS)
def test_chunks_make_the_same_file_as_write(jwg, identifier, fmt):
    report = REPORTS[identifier](jwg.meeting)
    data = b"".join(report.chunks(fmt))
    if fmt == "csv":
        assert data == write(identifier, jwg.meeting, fmt)
    else:
        assert data[:4] in (b"%PDF", b"PK\x03\x04")


def test_a_format_the_report_does_not_have_is_refused(jwg):
    with pytest.raises(ValueError, match="docx"):
        write("attendance-matrix", jwg.meeting, "docx")


# Memory


def bulk_attendance(meeting, sessions, count):
    """`count` records (a multiple of the sessions), made fast."""
    delegation = DelegationFactory(meeting=meeting)
    people = count // len(sessions)
    start = Delegate.objects.count()
    delegates = Delegate.objects.bulk_create(
        Delegate(
            honorific="Ms",
            given_name="Thị Hương",
            family_name=f"Nguyễn {start + n}",
            email=f"bulk{start + n}@example.org",
        )
        for n in range(people)
    )
    registrations = Registration.objects.bulk_create(
        Registration(
            meeting=meeting,
            delegation=delegation,
            delegate=delegate,
            status=Registration.Status.APPROVED,
            reference=f"BULK-{delegate.email}",
            token=secrets.token_urlsafe(32),
        )
        for delegate in delegates
    )
    Attendance.objects.bulk_create(
        (
            Attendance(
                registration=registration,
                session=session,
                method=Attendance.Method.SCAN,
                recorded_at=session.starts_at,
            )
            for registration in registrations
            for session in sessions
        ),
        batch_size=1000,
    )


def peak_bytes(identifier, meeting, fmt, path):
    report = REPORTS[identifier](meeting)
    tracemalloc.start()
    try:
        with open(path, "wb") as stream:
            report.write(fmt, stream)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_memory_stays_flat_as_the_records_grow(tmp_path, fmt):
    """Four times the records must not take anything like four times the
    memory: they are read in chunks and written as they come. (Up to two
    chunks of 2,000 are alive at once, so the sizes start above that.)"""
    meeting = MeetingFactory()
    sessions = [
        SessionFactory(meeting=meeting, starts_at=at(29, 8 + hour)) for hour in range(4)
    ]
    bulk_attendance(meeting, sessions, 100)
    peak_bytes("attendance-by-session", meeting, fmt, tmp_path / "warm")
    bulk_attendance(meeting, sessions, 3900)
    # The same 4,000 records held as model instances, for scale.
    tracemalloc.start()
    held = list(
        Attendance.objects.select_related(
            "session", "registration__delegate", "registration__delegation__party"
        )
    )
    instances = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    assert len(held) == 4000
    del held
    small = peak_bytes("attendance-by-session", meeting, fmt, tmp_path / "small")
    bulk_attendance(meeting, sessions, 12000)
    assert Attendance.objects.count() == 16000
    large = peak_bytes("attendance-by-session", meeting, fmt, tmp_path / "large")
    assert large < 1.5 * small, (small, large)
    assert large < instances / 4, (large, instances)
    data = (tmp_path / "large").read_bytes()
    if fmt == "csv":
        assert data.count(b"\n") == 1 + 16000
    else:
        sheet = openpyxl.load_workbook(io.BytesIO(data), read_only=True).active
        # The header, the records and a total line for each session.
        assert sum(1 for _row in sheet.iter_rows()) == 1 + 16000 + 4


# The command


def test_command_writes_each_report(jwg, tmp_path):
    for report, fmt in (("by-session", "xlsx"), ("matrix", "pdf"), ("summary", "docx")):
        path = tmp_path / f"{report}.{fmt}"
        out = io.StringIO()
        call_command(
            "export_attendance",
            "jwg-11",
            report=report,
            format=fmt,
            output=str(path),
            stdout=out,
        )
        assert path.stat().st_size > 0
        assert str(path) in out.getvalue()
    assert sheet_rows((tmp_path / "by-session.xlsx").read_bytes())[0] == (
        BY_SESSION_HEADER
    )
    assert "Cambodia 0 0 0 0 yes" in pdf_text((tmp_path / "matrix.pdf").read_bytes())
    assert not list(tmp_path.glob(".*part"))


def test_command_defaults_to_the_csv_by_session_named_after_the_report(
    jwg, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    call_command("export_attendance", "jwg-11", stdout=io.StringIO())
    rows = csv_rows((tmp_path / "jwg-11-attendance-by-session.csv").read_bytes())
    assert rows[0] == BY_SESSION_HEADER


def test_command_writes_csv_to_standard_output(jwg):
    out = io.StringIO()
    call_command("export_attendance", "jwg-11", report="matrix", output="-", stdout=out)
    text = out.getvalue()
    assert text.startswith("\ufeff")
    assert list(csv.reader(io.StringIO(text[1:])))[1] == [
        str(cell) for cell in MATRIX_ROWS[0]
    ]


def test_command_refuses_an_unknown_meeting(jwg):
    with pytest.raises(CommandError, match="No meeting has the slug 'jwg-99'"):
        call_command("export_attendance", "jwg-99")


def test_command_lists_the_formats_of_the_report(jwg, tmp_path):
    with pytest.raises(CommandError, match="choose from: csv, xlsx, pdf"):
        call_command(
            "export_attendance",
            "jwg-11",
            format="docx",
            output=str(tmp_path / "x.docx"),
        )
    assert not list(tmp_path.iterdir())


def test_command_refuses_a_binary_format_on_standard_output(jwg):
    with pytest.raises(CommandError, match="Only CSV goes to standard output"):
        call_command("export_attendance", "jwg-11", format="pdf", output="-")


def test_command_refuses_a_folder_that_does_not_exist(jwg, tmp_path):
    with pytest.raises(CommandError, match="Cannot write"):
        call_command(
            "export_attendance", "jwg-11", output=str(tmp_path / "no" / "x.csv")
        )


def test_command_writes_in_the_language_asked(jwg, tmp_path, monkeypatch):
    def tagged(text):
        return f"[{translation.get_language()}]{text}"

    monkeypatch.setattr(attendance, "gettext", tagged)
    monkeypatch.setattr(wording, "gettext", tagged)
    path = tmp_path / "summary.csv"
    call_command(
        "export_attendance",
        "jwg-11",
        report="summary",
        output=str(path),
        language="id",
        stdout=io.StringIO(),
    )
    header, meeting, *_sessions = csv_rows(path.read_bytes())
    assert header[0] == "[id]Meeting or session"
    assert meeting[2].startswith("[id]")
