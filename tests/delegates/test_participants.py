"""The List of Participants and the sign-in sheets: who is listed, in what
order, what each format holds once parsed back, the command, flat query
counts, and the 11th JWG of the demo."""

import datetime
import io
import itertools
import re
import zoneinfo

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from docx import Document
from pypdf import PdfReader

from delegates.models import Delegation, Registration
from delegates.reports import REPORTS, MeetingReport
from delegates.reports.participants import (
    InternalParticipantsReport,
    ParticipantsReport,
    SignInSheetsReport,
)
from meetings.models import Meeting, PartyKind, Session
from tests.factories import (
    DelegateFactory,
    DelegationFactory,
    MeetingFactory,
    MemberStateFactory,
    PartyFactory,
    RegistrationFactory,
    SessionFactory,
)

pytestmark = pytest.mark.django_db
Role = Registration.Role
Status = Registration.Status
WITA = zoneinfo.ZoneInfo("Asia/Makassar")
LIST_FORMATS = ["pdf", "docx", "xlsx"]
FOUNDED = datetime.date(1967, 8, 8)
TIMOR_LESTE_JOINED = datetime.date(2025, 10, 26)
# Ordinals for meetings other than the 11th, whose slug the tests use.
NUMBERS = itertools.count(100)


# Reading the files back ----------------------------------------------------


def render(identifier, meeting, fmt, **options):
    buffer = io.BytesIO()
    REPORTS[identifier](meeting, **options).write(fmt, buffer)
    return buffer.getvalue()


def pdf_pages(data):
    reader = PdfReader(io.BytesIO(data))
    return [" ".join(page.extract_text().split()) for page in reader.pages]


def docx_text(data):
    document = Document(io.BytesIO(data))
    section = document.sections[0]
    parts = [p.text for p in section.header.paragraphs]
    parts += [p.text for p in document.paragraphs]
    parts += [
        cell.text
        for table in document.tables
        for row in table.rows
        for cell in row.cells
    ]
    return "\n".join(parts)


def xlsx_rows(data):
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def text_of(data, fmt):
    """Everything a reader sees in the file, as one string."""
    if fmt == "pdf":
        return " ".join(pdf_pages(data))
    if fmt == "docx":
        return docx_text(data)
    return "\n".join(
        " ".join(str(value) for value in row if value is not None)
        for row in xlsx_rows(data)
    )


def headings_in_pdf(data, names):
    """The delegation headings that appear, in the order they appear."""
    text = " ".join(pdf_pages(data))
    found = [(text.find(name.upper()), name) for name in names]
    return [name for position, name in sorted(found) if position >= 0]


# Meetings, parties and people --------------------------------------------------------


def another_meeting(**kwargs):
    return MeetingFactory(number=next(NUMBERS), **kwargs)


def member(code, name, joined=FOUNDED):
    return MemberStateFactory(code=code, name=name, asean_member_since=joined)


def asean_parties():
    """Parties created out of order, so that only the report can sort them."""
    return [
        PartyFactory(
            code="IDNOC",
            name="Organising Committee, Indonesia",
            kind=PartyKind.HOST_COMMITTEE,
        ),
        member("VNM", "Viet Nam", datetime.date(1995, 7, 28)),
        PartyFactory(
            code="ASEC", name="ASEAN Secretariat", kind=PartyKind.ASEAN_SECRETARIAT
        ),
        member("TLS", "Timor-Leste", TIMOR_LESTE_JOINED),
        PartyFactory(code="AUS", name="Australia", kind=PartyKind.DIALOGUE_PARTNER),
        member("MYS", "Malaysia"),
        PartyFactory(
            code="CCOP",
            name="Coordinating Committee for Geoscience Programmes",
            kind=PartyKind.INTERNATIONAL_ORGANISATION,
        ),
        member("LAO", "Lao PDR", datetime.date(1997, 7, 23)),
        member("BRN", "Brunei Darussalam", datetime.date(1984, 1, 7)),
        member("THA", "Thailand"),
        member("IDN", "Indonesia"),
    ]


def register(meeting, party, *, role=Role.HEAD, **kwargs):
    delegation = Delegation.objects.filter(
        meeting=meeting, party=party
    ).first() or DelegationFactory(meeting=meeting, party=party)
    return RegistrationFactory(
        delegation=delegation, role=role, **{"consent_publish": True, **kwargs}
    )


def everyone_heads(meeting):
    for party in asean_parties():
        register(
            meeting,
            party,
            delegate__family_name=f"Head of {party.code}",
            delegate__given_name="",
        )


ORDER_2024 = [
    "Brunei Darussalam",
    "Indonesia",
    "Lao PDR",
    "Malaysia",
    "Thailand",
    "Viet Nam",
    "Timor-Leste",
    "Australia",
    "Coordinating Committee for Geoscience Programmes",
    "ASEAN Secretariat",
    "Organising Committee, Indonesia",
]


@pytest.fixture
def jwg():
    return MeetingFactory(
        number=11,
        slug="jwg-11",
        title="11th Joint Working Group Meeting on ASEAN Mineral Cooperation",
        venue="",
        city="Kuta, Bali",
    )


@pytest.fixture
def vietnamese(jwg):
    """A delegate whose name needs more than Latin-1, and a hostile one."""
    party = member("VNM", "Viet Nam", datetime.date(1995, 7, 28))
    head = register(
        jwg,
        party,
        delegate__honorific="Ms",
        delegate__given_name="Nguyễn Thị",
        delegate__family_name="Hương",
        delegate__position="Director General",
        delegate__agency="Viet Nam Department of Geology and Minerals",
        delegate__email="huong@example.org",
        delegate__phone="+84 24 3826 0674",
    )
    register(
        jwg,
        party,
        role=Role.DELEGATE,
        delegate__honorific="",
        delegate__given_name="",
        delegate__family_name='=HYPERLINK("http://evil.example","x")',
        delegate__position="@SUM(A1)",
    )
    return head


# Who is listed, and in what order --------------------------------------------


def test_delegations_follow_asean_order_and_timor_leste_is_an_observer_in_2024(
    jwg,
):
    everyone_heads(jwg)
    report = ParticipantsReport(jwg)
    assert [group.party.name for group in report.groups()] == ORDER_2024
    pdf = render("participants", jwg, "pdf")
    assert headings_in_pdf(pdf, ORDER_2024) == ORDER_2024
    xlsx_delegations = [
        row[1] for row in xlsx_rows(render("participants", jwg, "xlsx"))
    ]
    assert xlsx_delegations[1:] == ORDER_2024
    headings = [
        p.text
        for p in Document(io.BytesIO(render("participants", jwg, "docx"))).paragraphs
        if p.style.name == "Heading 1"
    ]
    assert headings == [name.upper() for name in ORDER_2024]


def test_timor_leste_is_among_the_member_states_for_a_meeting_in_2026():
    meeting = another_meeting(
        start_date=datetime.date(2026, 5, 4), end_date=datetime.date(2026, 5, 8)
    )
    everyone_heads(meeting)
    names = [group.party.name for group in ParticipantsReport(meeting).groups()]
    assert names[:7] == [
        "Brunei Darussalam",
        "Indonesia",
        "Lao PDR",
        "Malaysia",
        "Thailand",
        "Timor-Leste",
        "Viet Nam",
    ]
    assert names[7] == "Australia"


def test_the_head_of_delegation_comes_first_then_roles_then_family_names(jwg):
    party = member("MYS", "Malaysia")
    for role, family in [
        (Role.DELEGATE, "Zulkifli"),
        (Role.RESOURCE_PERSON, "Abdullah"),
        (Role.DELEGATE, "Aziz"),
        (Role.ALTERNATE, "Yusof"),
        (Role.HEAD, "Wong"),
        (Role.OBSERVER, "Chan"),
    ]:
        register(jwg, party, role=role, delegate__family_name=family)
    (group,) = ParticipantsReport(jwg).groups()
    families = [e.registration.delegate.family_name for e in group.entries]
    assert families == ["Wong", "Yusof", "Aziz", "Zulkifli", "Chan", "Abdullah"]
    assert [entry.number for entry in group.entries] == [1, 2, 3, 4, 5, 6]
    rows = xlsx_rows(render("participants", jwg, "xlsx"))
    assert rows[1][0] == 1
    assert rows[1][2].endswith("Wong")
    assert rows[1][5] == "Head of Delegation"
    text = " ".join(pdf_pages(render("participants", jwg, "pdf")))
    assert re.search(r"MALAYSIA 1\. Ms \S+ Wong Head of Delegation", text)


@pytest.mark.parametrize("identifier", ["participants", "participants-internal"])
@pytest.mark.parametrize("fmt", LIST_FORMATS)
def test_only_approved_registrations_are_listed(jwg, identifier, fmt):
    party = member("MYS", "Malaysia")
    register(jwg, party, delegate__family_name="Approvedperson")
    for status in [Status.PENDING, Status.WAITLISTED, Status.REJECTED]:
        register(
            jwg,
            party,
            role=Role.DELEGATE,
            status=status,
            delegate__family_name=f"Excluded{status.capitalize()}",
        )
    register(
        jwg,
        party,
        role=Role.HEAD,
        status=Status.WITHDRAWN,
        delegate__family_name="ExcludedWithdrawn",
    )
    other = another_meeting()
    register(other, party, delegate__family_name="OtherMeeting")
    text = text_of(render(identifier, jwg, fmt), fmt)
    assert "Approvedperson" in text
    assert "Excluded" not in text
    assert "OtherMeeting" not in text


@pytest.fixture
def shy(jwg):
    """One who consented to publication and one who did not."""
    party = member("IDN", "Indonesia")
    register(jwg, party, delegate__family_name="Publishable")
    return register(
        jwg,
        party,
        role=Role.DELEGATE,
        consent_publish=False,
        delegate__family_name="Private",
        delegate__email="private.person@example.org",
        delegate__phone="+62 361 000 111",
    )


@pytest.mark.parametrize("fmt", LIST_FORMATS)
def test_the_published_list_leaves_out_who_did_not_consent(jwg, shy, fmt):
    text = text_of(render("participants", jwg, fmt), fmt)
    assert "Publishable" in text
    assert "Private" not in text
    assert "@example.org" not in text
    assert "Internal" not in text


@pytest.mark.parametrize("fmt", LIST_FORMATS)
def test_the_internal_list_has_everybody_marked_with_contact_details(jwg, shy, fmt):
    data = render("participants-internal", jwg, fmt)
    text = text_of(data, fmt)
    assert "Publishable" in text
    assert "Private" in text
    assert "private.person@example.org" in text
    assert "+62 361 000 111" in text
    if fmt == "xlsx":
        header, *rows = xlsx_rows(data)
        assert header[6:] == ["Email", "Phone", "May be published"]
        private = next(row for row in rows if row[2].endswith("Private"))
        assert private[8] == "no"
    else:
        assert re.search(r"Private\s+\(not for publication\)", text)
        assert "Internal — not for publication" in text


def test_the_internal_stamp_is_on_every_pdf_page(jwg):
    party = member("IDN", "Indonesia")
    for n in range(40):
        register(jwg, party, role=Role.DELEGATE, delegate__family_name=f"Person{n}")
    pages = pdf_pages(render("participants-internal", jwg, "pdf"))
    assert len(pages) > 1
    for number, page in enumerate(pages, start=1):
        assert "Internal — not for publication" in page
        assert f"Page {number} of {len(pages)}" in page
    published = pdf_pages(render("participants", jwg, "pdf"))
    assert not any("Internal" in page for page in published)


def test_a_delegation_with_nobody_approved_is_not_listed(jwg):
    register(jwg, member("BRN", "Brunei Darussalam"), delegate__family_name="Osman")
    DelegationFactory(meeting=jwg, party=member("VNM", "Viet Nam"))
    register(
        jwg,
        member("LAO", "Lao PDR"),
        status=Status.PENDING,
        delegate__family_name="Keomany",
    )
    for fmt in LIST_FORMATS:
        text = text_of(render("participants-internal", jwg, fmt), fmt)
        assert "Osman" in text
        assert "VIET NAM" not in text
        assert "LAO PDR" not in text


def test_a_delegation_whose_people_all_declined_keeps_its_heading_in_public(jwg):
    register(
        jwg,
        member("SGP", "Singapore"),
        consent_publish=False,
        delegate__family_name="Tan",
    )
    for fmt in ["pdf", "docx"]:
        text = text_of(render("participants", jwg, fmt), fmt)
        assert "SINGAPORE" in text
        assert "Names not published at the participants' request." in text
        assert "Tan" not in text
    assert xlsx_rows(render("participants", jwg, "xlsx"))[1:] == []


# What each format holds ------------------------------------------------------


@pytest.mark.parametrize("fmt", LIST_FORMATS)
def test_a_vietnamese_name_survives_every_format(jwg, vietnamese, fmt):
    text = text_of(render("participants-internal", jwg, fmt), fmt)
    assert "Ms Nguyễn Thị Hương" in text
    assert "Director General" in text
    assert "Viet Nam Department of Geology and Minerals" in text
    assert "List of Participants" in text or fmt == "xlsx"


def test_the_pdf_is_a4_text_in_a_unicode_font_with_title_and_page_numbers(
    jwg, vietnamese
):
    data = render("participants", jwg, "pdf")
    assert data.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(data))
    page = reader.pages[0]
    assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (
        595,
        842,
    )
    fonts = {str(font["/BaseFont"]) for font in page["/Resources"]["/Font"].values()}
    assert any("DejaVuSans" in name for name in fonts)
    text = pdf_pages(data)[0]
    assert text.startswith(
        "List of Participants 11th Joint Working Group Meeting on ASEAN Mineral "
        "Cooperation Kuta, Bali, Indonesia, 29 April – 3 May 2024 VIET NAM 1. Ms "
        "Nguyễn Thị Hương Head of Delegation Director General"
    )
    assert "Page 1 of 1" in text
    assert reader.metadata.title.startswith("List of Participants")


def test_markup_in_a_name_is_printed_as_text_in_the_pdf(jwg):
    register(jwg, member("MYS", "Malaysia"), delegate__family_name="Lim & <b>Co</b>")
    assert "Lim & <b>Co</b>" in " ".join(pdf_pages(render("participants", jwg, "pdf")))


def test_the_docx_has_a_title_a_heading_per_delegation_and_a_table_each(
    jwg, vietnamese
):
    member_party = member("MYS", "Malaysia")
    register(jwg, member_party, delegate__family_name="Rahman")
    document = Document(io.BytesIO(render("participants", jwg, "docx")))
    paragraphs = [(p.style.name, p.text) for p in document.paragraphs]
    assert paragraphs[0] == ("Title", "List of Participants")
    assert [text for style, text in paragraphs if style == "Heading 1"] == [
        "MALAYSIA",
        "VIET NAM",
    ]
    assert len(document.tables) == 2
    first_row = [cell.text for cell in document.tables[1].rows[0].cells]
    assert first_row == [
        "1.",
        "Ms Nguyễn Thị Hương\nHead of Delegation",
        "Director General\nViet Nam Department of Geology and Minerals",
    ]
    footer = document.sections[0].footer.paragraphs[0]._p.xml
    assert 'w:instr="PAGE"' in footer
    assert 'w:instr="NUMPAGES"' in footer


def test_the_xlsx_has_a_frozen_header_widths_and_no_formulas(jwg, vietnamese):
    data = render("participants-internal", jwg, "xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    assert sheet.freeze_panes == "A2"
    header = [cell.value for cell in sheet[1]]
    assert header == [
        "No.",
        "Delegation",
        "Name",
        "Position",
        "Agency",
        "Role",
        "Email",
        "Phone",
        "May be published",
    ]
    assert all(cell.font.bold for cell in sheet[1])
    assert sheet.column_dimensions["A"].width < sheet.column_dimensions["C"].width
    for letter in "BCDE":
        assert sheet.column_dimensions[letter].width >= 25
    cells = [cell for row in sheet.iter_rows(min_row=2) for cell in row]
    assert not any(cell.data_type == "f" for cell in cells)
    values = [cell.value for cell in cells]
    assert '\'=HYPERLINK("http://evil.example","x")' in values
    assert "'@SUM(A1)" in values
    assert "Ms Nguyễn Thị Hương" in values


def test_the_published_xlsx_has_no_contact_columns(jwg, vietnamese):
    header = xlsx_rows(render("participants", jwg, "xlsx"))[0]
    assert header == ["No.", "Delegation", "Name", "Position", "Agency", "Role"]


# The reports' contract ----------------------------------------------------


def test_both_lists_and_the_sheets_are_registered_with_their_permissions():
    assert REPORTS["participants"] is ParticipantsReport
    assert REPORTS["participants-internal"] is InternalParticipantsReport
    assert REPORTS["sign-in-sheets"] is SignInSheetsReport
    assert all(
        issubclass(REPORTS[name], MeetingReport)
        for name in ("participants", "participants-internal", "sign-in-sheets")
    )
    assert ParticipantsReport.permission == "delegates.view_registration"
    assert InternalParticipantsReport.permission == "delegates.view_delegate"
    assert SignInSheetsReport.permission == "delegates.view_registration"
    assert ParticipantsReport.formats == ("xlsx", "pdf", "docx")
    assert SignInSheetsReport.formats == ("pdf",)


def test_file_names_say_which_version(jwg):
    assert ParticipantsReport(jwg).filename("pdf") == "jwg-11-participants.pdf"
    assert (
        InternalParticipantsReport(jwg).filename("pdf")
        == "jwg-11-participants-internal.pdf"
    )
    assert SignInSheetsReport(jwg).filename("pdf") == "jwg-11-sign-in-sheets.pdf"
    assert (
        SignInSheetsReport(jwg, session=7).filename("pdf")
        == "jwg-11-sign-in-sheet-7.pdf"
    )


def test_the_published_option_can_narrow_the_internal_list_but_not_widen(jwg, shy):
    narrowed = InternalParticipantsReport(jwg, published=True)
    assert narrowed.filename("pdf") == "jwg-11-participants.pdf"
    buffer = io.BytesIO()
    narrowed.write("pdf", buffer)
    assert "Private" not in " ".join(pdf_pages(buffer.getvalue()))
    assert ParticipantsReport(jwg, published=True).published
    with pytest.raises(ValueError, match="participants-internal"):
        ParticipantsReport(jwg, published=False)


def test_a_format_the_report_does_not_offer_is_refused(jwg):
    with pytest.raises(ValueError):
        ParticipantsReport(jwg).write("csv", io.BytesIO())
    with pytest.raises(ValueError):
        SignInSheetsReport(jwg).write("xlsx", io.BytesIO())


# The sign-in sheets ------------------------------------------------------------


@pytest.fixture
def sessions(jwg):
    """Two sessions; people registered for one, the other, both or none."""
    plenary = SessionFactory(
        meeting=jwg,
        title="Joint Working Group Plenary",
        starts_at=datetime.datetime(2024, 4, 30, 9, tzinfo=WITA),
        ends_at=datetime.datetime(2024, 4, 30, 12, tzinfo=WITA),
        room="Nusa Dua Room",
    )
    trade = SessionFactory(
        meeting=jwg,
        title="Working Group on Trade and Investment",
        starts_at=datetime.datetime(2024, 5, 1, 13, 30, tzinfo=WITA),
        ends_at=datetime.datetime(2024, 5, 1, 17, tzinfo=WITA),
        room="",
    )
    malaysia, brunei = member("MYS", "Malaysia"), member("BRN", "Brunei Darussalam")
    both = register(jwg, malaysia, delegate__family_name="Bothsessions")
    both.sessions.set([plenary, trade])
    register(
        jwg, brunei, delegate__family_name="Plenaryonly", consent_publish=False
    ).sessions.set([plenary])
    register(
        jwg, brunei, role=Role.DELEGATE, delegate__family_name="Tradeonly"
    ).sessions.set([trade])
    register(jwg, malaysia, role=Role.DELEGATE, delegate__family_name="Nosession")
    register(
        jwg,
        malaysia,
        role=Role.DELEGATE,
        status=Status.PENDING,
        delegate__family_name="Pendingperson",
    ).sessions.set([plenary])
    return plenary, trade


def pages_of(pages, title):
    return [page for page in pages if title in page]


def test_each_session_has_its_own_pages_with_title_time_and_room(jwg, sessions):
    plenary, trade = sessions
    pages = pdf_pages(render("sign-in-sheets", jwg, "pdf"))
    assert len(pages) >= 2
    for page in pages:
        # A page belongs to exactly one session.
        assert (plenary.title in page) != (trade.title in page)
    assert pages[0].startswith(jwg.title)
    plenary_text = " ".join(pages_of(pages, plenary.title))
    assert "Tuesday, 30 April 2024, 09:00–12:00 WITA" in plenary_text
    assert "Room: Nusa Dua Room" in plenary_text
    trade_text = " ".join(pages_of(pages, trade.title))
    assert "Wednesday, 1 May 2024, 13:30–17:00 WITA" in trade_text
    assert "Room:" not in trade_text
    assert "Page 1 of" in pages[0]


def test_a_sheet_lists_only_who_is_approved_for_that_session(jwg, sessions):
    plenary, trade = sessions
    pages = pdf_pages(render("sign-in-sheets", jwg, "pdf"))
    plenary_text = " ".join(pages_of(pages, plenary.title))
    trade_text = " ".join(pages_of(pages, trade.title))
    # Not consenting to publication does not keep anyone off a sheet.
    assert "Bothsessions" in plenary_text
    assert "Plenaryonly" in plenary_text
    assert "Tradeonly" not in plenary_text
    assert "Bothsessions" in trade_text
    assert "Tradeonly" in trade_text
    assert "Plenaryonly" not in trade_text
    for text in (plenary_text, trade_text):
        assert "Nosession" not in text
        assert "Pendingperson" not in text
        assert "No. Name Delegation Position Signature" in text
        assert "Not registered for this session" in text


def test_a_sheet_is_in_delegation_order(jwg, sessions):
    plenary, _trade = sessions
    text = " ".join(pdf_pages(render("sign-in-sheets", jwg, "pdf", session=plenary.pk)))
    assert text.index("Plenaryonly Brunei Darussalam") < text.index(
        "Bothsessions Malaysia"
    )


def test_one_session_can_be_printed_alone(jwg, sessions):
    plenary, trade = sessions
    pages = pdf_pages(render("sign-in-sheets", jwg, "pdf", session=trade.pk))
    assert all(trade.title in page for page in pages)
    assert not any(plenary.title in page for page in pages)
    other = SessionFactory()
    with pytest.raises(Session.DoesNotExist):
        render("sign-in-sheets", jwg, "pdf", session=other.pk)


def test_the_sheets_of_a_meeting_without_sessions_say_so(jwg):
    text = " ".join(pdf_pages(render("sign-in-sheets", jwg, "pdf")))
    assert "The meeting has no sessions." in text


def test_a_session_nobody_chose_still_has_rows_for_walk_ins(jwg):
    SessionFactory(meeting=jwg, title="Closing Plenary")
    text = " ".join(pdf_pages(render("sign-in-sheets", jwg, "pdf")))
    assert "Closing Plenary" in text
    assert "Nobody has registered for this session." in text
    assert "Signature" in text


# The command ---------------------------------------------------------------------


@pytest.mark.parametrize("fmt", LIST_FORMATS)
@pytest.mark.parametrize("internal", [False, True])
def test_the_command_writes_the_list(jwg, shy, tmp_path, fmt, internal):
    path = tmp_path / f"list.{fmt}"
    args = ["--format", fmt, "--output", str(path)]
    out = io.StringIO()
    call_command(
        "export_participants", "jwg-11", *args, *(["--internal"] * internal), stdout=out
    )
    assert str(path) in out.getvalue()
    text = text_of(path.read_bytes(), fmt)
    assert "Publishable" in text
    assert ("Private" in text) is internal


def test_the_command_names_the_file_itself_when_not_told(
    jwg, shy, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    call_command("export_participants", "jwg-11", "--internal", stdout=io.StringIO())
    assert (
        (tmp_path / "jwg-11-participants-internal.pdf").read_bytes().startswith(b"%PDF")
    )


def test_the_command_writes_sign_in_sheets(jwg, sessions, tmp_path):
    plenary, trade = sessions
    path = tmp_path / "sheets.pdf"
    call_command(
        "export_participants",
        "jwg-11",
        "--sign-in-sheets",
        "--session",
        str(trade.pk),
        "--output",
        str(path),
        stdout=io.StringIO(),
    )
    text = " ".join(pdf_pages(path.read_bytes()))
    assert trade.title in text
    assert plenary.title not in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["no-such-meeting"], "No meeting has the slug 'no-such-meeting'"),
        (["jwg-11", "--format", "csv"], "choose from: xlsx, pdf, docx"),
        (["jwg-11", "--sign-in-sheets", "--format", "docx"], "choose from: pdf"),
        (["jwg-11", "--session", "1"], "--session is only for --sign-in-sheets"),
        (
            ["jwg-11", "--sign-in-sheets", "--session", "999999"],
            "has no session 999999",
        ),
        (["jwg-11", "--internal", "--sign-in-sheets"], "not allowed with argument"),
    ],
)
def test_the_command_refuses_cleanly(jwg, tmp_path, args, message):
    output = tmp_path / "out"
    with pytest.raises(CommandError, match=re.escape(message)):
        call_command("export_participants", *args, "--output", str(output))
    assert not output.exists()


def test_the_command_reports_a_file_it_cannot_write(jwg, tmp_path):
    with pytest.raises(CommandError, match="Cannot write"):
        call_command(
            "export_participants",
            "jwg-11",
            "--output",
            str(tmp_path / "missing" / "list.pdf"),
        )


# Query counts --------------------------------------------------------------------


def populate(meeting, people):
    """`people` approved registrations over five delegations and two sessions."""
    sessions = [SessionFactory(meeting=meeting) for _ in range(2)]
    parties = [
        member("BRN", "Brunei Darussalam"),
        member("MYS", "Malaysia"),
        member("TLS", "Timor-Leste", TIMOR_LESTE_JOINED),
        PartyFactory(code="IGF", name="IGF"),
        PartyFactory(
            code="ASEC", name="ASEAN Secretariat", kind=PartyKind.ASEAN_SECRETARIAT
        ),
    ]
    delegations = [DelegationFactory(meeting=meeting, party=p) for p in parties]
    for n in range(people):
        registration = RegistrationFactory(
            delegation=delegations[n % len(delegations)],
            role=Role.HEAD if n < len(delegations) else Role.DELEGATE,
            consent_publish=n % 3 != 0,
            delegate=DelegateFactory(),
        )
        registration.sessions.set(sessions[: 1 + n % 2])


def count_queries(identifier, meeting, fmt):
    meeting = Meeting.objects.get(pk=meeting.pk)
    with CaptureQueriesContext(connection) as queries:
        render(identifier, meeting, fmt)
    return len(queries)


@pytest.mark.parametrize(
    ("identifier", "fmt", "expected"),
    [
        *[("participants", fmt, 1) for fmt in LIST_FORMATS],
        *[("participants-internal", fmt, 1) for fmt in LIST_FORMATS],
        ("sign-in-sheets", "pdf", 3),
    ],
)
def test_query_counts_do_not_grow_with_the_rows(identifier, fmt, expected):
    small = another_meeting()
    large = another_meeting()
    populate(small, 5)
    populate(large, 40)
    assert count_queries(identifier, small, fmt) == expected
    assert count_queries(identifier, large, fmt) == expected


# The 11th JWG of the demo ------------------------------------------------------------


@pytest.fixture
def demo():
    call_command("seed_demo", stdout=io.StringIO())
    return Meeting.objects.get(slug="jwg-11")


def test_the_demo_list_starts_with_brunei_and_its_head_and_leaves_out_viet_nam(demo):
    pages = pdf_pages(render("participants", demo, "pdf"))
    text = " ".join(pages)
    assert re.search(
        r"29 April – 3 May 2024 BRUNEI DARUSSALAM 1\. Mr Hazri Osman Head of "
        r"Delegation",
        pages[0],
    )
    assert "VIET NAM" not in text
    # Delegates who did not consent: the Indonesian analyst and a Malaysian
    # geologist.
    assert "Wulan Sari" not in text
    assert "Mei Ling Lim" not in text
    # Timor-Leste was not there; the host's organising committee comes last.
    assert text.rindex("ORGANISING COMMITTEE") > text.index("ASEAN SECRETARIAT")
    rows = xlsx_rows(render("participants", demo, "xlsx"))
    assert rows[1][:3] == [1, "Brunei Darussalam", "Mr Hazri Osman"]
    assert not any(row[1] == "Viet Nam" for row in rows)


def test_the_demo_internal_list_has_everybody(demo):
    text = text_of(render("participants-internal", demo, "docx"), "docx")
    assert "Ms Wulan Sari\n(not for publication)" in text
    assert "VIET NAM" not in text
    approved = Registration.objects.filter(meeting=demo, status=Status.APPROVED)
    rows = xlsx_rows(render("participants-internal", demo, "xlsx"))
    assert len(rows) - 1 == approved.count()


def test_the_demo_sign_in_sheets_have_a_section_per_session(demo):
    pages = pdf_pages(render("sign-in-sheets", demo, "pdf"))
    for session in demo.sessions.all():
        assert any(
            page.startswith(demo.title) and session.title in page for page in pages
        )
    assert "Tuesday, 30 April 2024, 09:00–17:00 WITA" in " ".join(pages)
