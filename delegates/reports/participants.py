"""The List of Participants and the sign-in sheets.

The List of Participants is the meeting report's annex: delegations in ASEAN
order as it stood on the meeting's first day (member states alphabetically,
then observers, dialogue partners, international organisations, the ASEAN
Secretariat and the host's organising committee), the Head of Delegation
first. It lists approved registrations only. The published version leaves
out whoever did not consent to publication; the secretariat's internal one
lists everybody, marks those people, and adds contact details.

The sign-in sheets are for rooms without a badge scanner: one section per
session, the people registered for it in the same order, a column to sign
and blank rows for walk-ins.

Everything is ordered in the database, in one query for the list and three
for the sheets, however many people there are.
"""

import itertools
import re
from dataclasses import dataclass, field
from functools import partial
from xml.sax.saxutils import escape

from django.db.models import (
    Case,
    IntegerField,
    OuterRef,
    Prefetch,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from docx import Document
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from meetings.models import Session
from meetings.templatetags.programme import country_name, date_range

from ..exports import Exporter, write_xlsx
from ..letters import letter_fonts
from ..models import Party, Registration
from .registry import MeetingReport, register

Role = Registration.Role

# Within a delegation: Head, Alternate Head, Delegates, Observers, Resource
# Persons, Secretariat, Organising Committee, as `Role` lists them.
ROLE_RANK = {role: rank for rank, role in enumerate(Role.values)}

# Rows left blank at the end of each sign-in sheet, for people who come
# without having chosen the session.
WALK_IN_ROWS = 8
# No., name, delegation, position; the rest of A4 landscape is for signing.
SIGN_IN_COLUMNS = [11 * mm, 58 * mm, 50 * mm, 48 * mm, None]

PAGE_LABEL = gettext_lazy("Page %(page)s of %(total)s")
INTERNAL_STAMP = gettext_lazy("Internal — not for publication")
STAMP_RED = colors.HexColor("#b00020")


def participants_in_order(meeting):
    """The meeting's approved registrations in List of Participants order.

    The rank of each party comes from `Party.objects.in_asean_order`, as a
    subquery, so that the rule about states that joined ASEAN after the
    meeting (Timor-Leste was an observer in 2024) lives in one place.
    """
    kind_rank = Subquery(
        Party.objects.in_asean_order(on=meeting.start_date)
        .filter(pk=OuterRef("delegation__party_id"))
        .values("kind_rank")[:1]
    )
    role_rank = Case(
        *(When(role=role, then=Value(rank)) for role, rank in ROLE_RANK.items()),
        default=Value(len(ROLE_RANK)),
        output_field=IntegerField(),
    )
    return (
        Registration.objects.filter(
            meeting=meeting, status=Registration.Status.APPROVED
        )
        .select_related("delegate", "delegation__party")
        .annotate(kind_rank=kind_rank, role_rank=role_rank)
        .order_by(
            "kind_rank",
            "delegation__party__name",
            "delegation_id",
            "role_rank",
            Lower("delegate__family_name"),
            Lower("delegate__given_name"),
            "pk",
        )
    )


def _clean(value):
    """Text without the control characters that XML (DOCX, XLSX) cannot hold."""
    return ILLEGAL_CHARACTERS_RE.sub("", value or "")


def _para(text, style):
    """A ReportLab paragraph of plain text: markup in a name is printed."""
    return Paragraph(escape(_clean(str(text))), style)


def _place_and_dates(meeting):
    host_country = str(country_name(meeting.host_country))
    place = ", ".join(
        part for part in (meeting.venue, meeting.city, host_country) if part
    )
    return f"{place}, {date_range(meeting.start_date, meeting.end_date)}"


@dataclass
class Entry:
    """One person in the List of Participants."""

    number: int
    registration: Registration

    @property
    def name(self):
        return _clean(self.registration.delegate.full_name)

    @property
    def role(self):
        return str(self.registration.get_role_display())

    @property
    def withheld(self):
        return not self.registration.consent_publish


@dataclass
class DelegationGroup:
    """A delegation's heading and the people listed under it."""

    party: Party
    entries: list = field(default_factory=list)
    # People left out of a published list because they did not consent.
    withheld: int = 0

    @property
    def heading(self):
        # As ASEAN lists print them: "BRUNEI DARUSSALAM", "LAO PDR".
        return _clean(self.party.name).upper()


# PDF pages -----------------------------------------------------------------


@dataclass(frozen=True)
class PageMarks:
    """What every page carries: a running head, a stamp, page x of y."""

    font: str
    bold: str
    footer: str = ""
    stamp: str = ""


class PagedCanvas(Canvas):
    """A canvas that draws its page marks once the number of pages is known.

    Each page's state is kept at `showPage` and replayed at `save`, the
    ReportLab recipe for "Page x of y" in a single pass. A `RunningHead`
    flowable sets `running_head`, so a page carries the head of the section
    it ends in.
    """

    def __init__(self, *args, marks, **kwargs):
        super().__init__(*args, **kwargs)
        self.marks = marks
        self.running_head = ""
        self._page_states = []

    def showPage(self):
        self._page_states.append(dict(self.__dict__))
        self._startPage()

    def save(self):
        total = len(self._page_states)
        for number, state in enumerate(self._page_states, start=1):
            self.__dict__.update(state)
            self._draw_marks(number, total)
            super().showPage()
        super().save()

    def _draw_marks(self, number, total):
        width, height = self._pagesize
        marks = self.marks
        page_label = str(PAGE_LABEL) % {"page": number, "total": total}
        self.saveState()
        self.setFillColor(colors.dimgrey)
        if self.running_head:
            room = width - 30 * mm
            if marks.stamp:
                room -= stringWidth(marks.stamp, marks.bold, 10) + 10 * mm
            self.setFont(marks.font, 8)
            self.drawString(
                15 * mm,
                height - 10 * mm,
                _fit(self.running_head, marks.font, 8, room),
            )
        self.setFont(marks.font, 8)
        self.drawRightString(width - 15 * mm, 10 * mm, page_label)
        if marks.footer:
            room = width - 40 * mm - stringWidth(page_label, marks.font, 8)
            self.drawString(15 * mm, 10 * mm, _fit(marks.footer, marks.font, 8, room))
        if marks.stamp:
            self.setFont(marks.bold, 10)
            self.setFillColor(STAMP_RED)
            self.drawRightString(width - 15 * mm, height - 10 * mm, marks.stamp)
        self.restoreState()


def _fit(text, font, size, room):
    """`text`, shortened with an ellipsis to fit `room` points."""
    if stringWidth(text, font, size) <= room:
        return text
    while text and stringWidth(text + "…", font, size) > room:
        text = text[:-1]
    return text.rstrip() + "…"


class RunningHead(Flowable):
    """Takes no room; sets the running head of the page it lands on."""

    def __init__(self, text):
        super().__init__()
        self.text = text

    def wrap(self, available_width, available_height):
        return 0, 0

    def draw(self):
        self.canv.running_head = self.text


def _build_pdf(stream, story, *, pagesize, marks, title, author):
    document = SimpleDocTemplate(
        stream,
        pagesize=pagesize,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=16 * mm,
        bottomMargin=16 * mm,
        title=title,
        author=author,
    )
    document.build(story, canvasmaker=partial(PagedCanvas, marks=marks))


def _pdf_styles():
    regular, bold = letter_fonts()
    body = ParagraphStyle("body", fontName=regular, fontSize=9, leading=11.5)
    return {
        "regular": regular,
        "bold": bold,
        "body": body,
        "small": ParagraphStyle(
            "small", body, fontSize=8, leading=10, textColor=colors.dimgrey
        ),
        "cell-bold": ParagraphStyle("cell-bold", body, fontName=bold),
        "title": ParagraphStyle(
            "title",
            body,
            fontName=bold,
            fontSize=16,
            leading=20,
            alignment=TA_CENTER,
            spaceAfter=2 * mm,
        ),
        "subtitle": ParagraphStyle(
            "subtitle",
            body,
            fontName=bold,
            fontSize=11,
            leading=14,
            alignment=TA_CENTER,
        ),
        "centred": ParagraphStyle("centred", body, alignment=TA_CENTER),
        "stamp": ParagraphStyle(
            "stamp",
            body,
            fontName=bold,
            fontSize=11,
            leading=14,
            alignment=TA_CENTER,
            textColor=STAMP_RED,
            spaceBefore=3 * mm,
        ),
        "heading": ParagraphStyle(
            "heading",
            body,
            fontName=bold,
            fontSize=11,
            leading=14,
            spaceBefore=5 * mm,
            spaceAfter=1.5 * mm,
            keepWithNext=1,
        ),
        "session": ParagraphStyle(
            "session", body, fontName=bold, fontSize=13, leading=16, spaceAfter=1 * mm
        ),
    }


# The List of Participants --------------------------------------------------


class ParticipantsSheet(Exporter):
    """The List of Participants as rows, for the shared XLSX writer (which
    neutralises formulas): a person a row, the delegation in a column."""

    identifier = "participants"

    def __init__(self, *, published):
        self.published = published
        self.verbose_name = (
            _("Participants") if published else _("Participants (internal)")
        )

    def _columns(self):
        columns = [
            (_("No."), 6),
            (_("Delegation"), 34),
            (_("Name"), 32),
            (_("Position"), 30),
            (_("Agency"), 44),
            (_("Role"), 24),
        ]
        if not self.published:
            columns += [
                (_("Email"), 32),
                (_("Phone"), 18),
                (_("May be published"), 16),
            ]
        return columns

    def header(self):
        return [title for title, _width in self._columns()]

    def column_widths(self):
        return [width for _title, width in self._columns()]

    def rows(self, groups):
        for group in groups:
            for entry in group.entries:
                delegate = entry.registration.delegate
                row = [
                    entry.number,
                    group.party.name,
                    delegate.full_name,
                    delegate.position,
                    delegate.agency,
                    entry.role,
                ]
                if not self.published:
                    row += [
                        delegate.email,
                        delegate.phone,
                        _("no") if entry.withheld else _("yes"),
                    ]
                yield row


@register
class ParticipantsReport(MeetingReport):
    """The List of Participants for publication: who consented, by delegation.

    `published=True` on the internal report gives this version; the other
    way round is refused, since the internal list needs its own permission.
    """

    identifier = "participants"
    verbose_name = gettext_lazy("List of Participants")
    formats = ("xlsx", "pdf", "docx")
    published = True
    internal = False
    permission = "delegates.view_registration"

    def __init__(self, meeting, *, user=None, **options):
        super().__init__(meeting, user=user, **options)
        published = options.get("published", type(self).published)
        if type(self).published and not published:
            raise ValueError(
                "The internal List of Participants is the "
                "'participants-internal' report."
            )
        self.published = published

    def filename(self, fmt):
        suffix = "" if self.published else "-internal"
        return f"{self.meeting.slug}-participants{suffix}.{fmt}"

    def write(self, fmt, stream):
        writers = {
            "xlsx": self.write_xlsx,
            "pdf": self.write_pdf,
            "docx": self.write_docx,
        }
        if fmt not in writers:
            raise ValueError(f"{self.identifier} cannot be written as {fmt!r}.")
        writers[fmt](stream)

    def groups(self):
        """The delegations with people to list, in order, entries numbered.

        A delegation with nobody approved is left out: nobody attended. One
        whose people all declined publication keeps its heading in the
        published list, with a note, so that it does not look absent.
        """
        groups = []
        registrations = participants_in_order(self.meeting)
        for _delegation, rows in itertools.groupby(
            registrations, key=lambda registration: registration.delegation_id
        ):
            rows = list(rows)
            group = DelegationGroup(party=rows[0].delegation.party)
            for registration in rows:
                if self.published and not registration.consent_publish:
                    group.withheld += 1
                    continue
                group.entries.append(
                    Entry(number=len(group.entries) + 1, registration=registration)
                )
            groups.append(group)
        return groups

    def _title(self):
        return _("List of Participants")

    def _full_title(self):
        return _("List of Participants: %(meeting)s") % {
            "meeting": _clean(self.meeting.title)
        }

    def _contact(self, delegate):
        """The internal list's contact lines."""
        if self.published:
            return []
        lines = [_("Email: %(email)s") % {"email": _clean(delegate.email)}]
        if delegate.phone:
            lines.append(_("Phone: %(phone)s") % {"phone": _clean(delegate.phone)})
        return lines

    # XLSX

    def write_xlsx(self, stream):
        write_xlsx(ParticipantsSheet(published=self.published), self.groups(), stream)

    # PDF

    def write_pdf(self, stream):
        styles = _pdf_styles()
        meeting = self.meeting
        story = [
            _para(self._title(), styles["title"]),
            _para(meeting.title, styles["subtitle"]),
            _para(_place_and_dates(meeting), styles["centred"]),
        ]
        if not self.published:
            story.append(_para(INTERNAL_STAMP, styles["stamp"]))
        story.append(Spacer(0, 3 * mm))
        groups = self.groups()
        if not groups:
            story.append(_para(_("No participants are approved yet."), styles["body"]))
        for group in groups:
            story.append(_para(group.heading, styles["heading"]))
            if group.entries:
                story.append(self._pdf_table(group, styles))
            else:
                story.append(
                    _para(
                        _("Names not published at the participants' request."),
                        styles["small"],
                    )
                )
        marks = PageMarks(
            font=styles["regular"],
            bold=styles["bold"],
            footer=self._full_title(),
            stamp="" if self.published else str(INTERNAL_STAMP),
        )
        _build_pdf(
            stream,
            story,
            pagesize=A4,
            marks=marks,
            title=self._full_title(),
            author=meeting.host_organisation or meeting.title,
        )

    def _pdf_table(self, group, styles):
        rows = []
        for entry in group.entries:
            delegate = entry.registration.delegate
            who = [_para(entry.name, styles["cell-bold"])]
            if entry.registration.role != Role.DELEGATE:
                who.append(_para(entry.role, styles["small"]))
            if not self.published and entry.withheld:
                who.append(_para(_("(not for publication)"), styles["small"]))
            what = [
                _para(line, styles["body"])
                for line in (delegate.position, delegate.agency)
                if line
            ]
            what += [_para(line, styles["small"]) for line in self._contact(delegate)]
            rows.append([_para(f"{entry.number}.", styles["body"]), who, what])
        table = Table(rows, colWidths=[10 * mm, 68 * mm, None])
        table.setStyle(
            TableStyle(
                [
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("LEFTPADDING", (0, 0), (0, -1), 0),
                    ("TOPPADDING", (0, 0), (-1, -1), 2.5),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 3.5),
                    ("LINEBELOW", (0, 0), (-1, -2), 0.25, colors.lightgrey),
                ]
            )
        )
        return table

    # DOCX

    def write_docx(self, stream):
        meeting = self.meeting
        document = Document()
        document.core_properties.title = self._full_title()
        section = document.sections[0]
        _a4(section)
        _docx_page_numbers(section)
        if not self.published:
            stamp = section.header.paragraphs[0].add_run(str(INTERNAL_STAMP))
            stamp.bold = True
            stamp.font.color.rgb = RGBColor(0xB0, 0x00, 0x20)
        document.add_heading(self._title(), level=0)
        document.add_paragraph().add_run(_clean(meeting.title)).bold = True
        document.add_paragraph(_clean(_place_and_dates(meeting)))
        if not self.published:
            document.add_paragraph().add_run(str(INTERNAL_STAMP)).bold = True
        groups = self.groups()
        if not groups:
            document.add_paragraph(_("No participants are approved yet."))
        for group in groups:
            document.add_heading(group.heading, level=1)
            if not group.entries:
                document.add_paragraph(
                    _("Names not published at the participants' request.")
                )
                continue
            self._docx_table(document, group)
        document.save(stream)

    def _docx_table(self, document, group):
        table = document.add_table(rows=0, cols=3)
        widths = (Mm(10), Mm(65), Mm(95))
        for entry in group.entries:
            delegate = entry.registration.delegate
            cells = table.add_row().cells
            for cell, width in zip(cells, widths, strict=True):
                cell.width = width
            cells[0].text = f"{entry.number}."
            who = cells[1].paragraphs[0]
            who.add_run(entry.name).bold = True
            if entry.registration.role != Role.DELEGATE:
                cells[1].add_paragraph(entry.role)
            if not self.published and entry.withheld:
                cells[1].add_paragraph(_("(not for publication)"))
            lines = [
                _clean(line) for line in (delegate.position, delegate.agency) if line
            ]
            lines += self._contact(delegate)
            cells[2].text = "\n".join(lines)


@register
class InternalParticipantsReport(ParticipantsReport):
    """The secretariat's List of Participants: everybody approved, those who
    declined publication marked, with email and phone."""

    identifier = "participants-internal"
    verbose_name = gettext_lazy("List of Participants (internal)")
    published = False
    internal = True
    permission = "delegates.view_delegate"


def _a4(section):
    section.page_width, section.page_height = Mm(210), Mm(297)
    for side in ("left_margin", "right_margin"):
        setattr(section, side, Mm(20))


def _docx_page_numbers(section):
    """'Page x of y' in the footer, as Word fields that it fills in."""
    paragraph = section.footer.paragraphs[0]
    fields = {"%(page)s": "PAGE", "%(total)s": "NUMPAGES"}
    for part in re.split(r"(%\(page\)s|%\(total\)s)", str(PAGE_LABEL)):
        if part in fields:
            simple = OxmlElement("w:fldSimple")
            simple.set(qn("w:instr"), fields[part])
            run = OxmlElement("w:r")
            text = OxmlElement("w:t")
            text.text = "1"
            run.append(text)
            simple.append(run)
            paragraph._p.append(simple)
        elif part:
            paragraph.add_run(part).font.size = Pt(8)


# The sign-in sheets ---------------------------------------------------------


def session_when(session, tz):
    """'Tuesday, 30 April 2024, 09:00–17:00 WITA', in the meeting's zone."""
    start = timezone.localtime(session.starts_at, tz)
    end = timezone.localtime(session.ends_at, tz)
    zone = start.strftime("%Z")
    if zone[:1] in "+-":
        offset = start.strftime("%z")
        zone = f"UTC{offset[:3]}:{offset[3:]}"
    day = date_format(start, "l, j F Y")
    if end.date() == start.date():
        until = date_format(end, "H:i")
    else:
        until = date_format(end, "l, j F Y, H:i")
    return _("%(day)s, %(start)s–%(end)s %(zone)s") % {
        "day": day,
        "start": date_format(start, "H:i"),
        "end": until,
        "zone": zone,
    }


@register
class SignInSheetsReport(MeetingReport):
    """A sheet per session to sign, for rooms without a scanner.

    Lists everybody approved who chose the session, whether or not they
    consented to publication: a sheet is for the room, not for the public.
    Option `session`: the primary key of the one session to print.
    """

    identifier = "sign-in-sheets"
    verbose_name = gettext_lazy("Sign-in sheets")
    formats = ("pdf",)
    internal = True
    permission = "delegates.view_registration"

    def filename(self, fmt):
        session = self.options.get("session")
        if session is not None:
            return f"{self.meeting.slug}-sign-in-sheet-{session}.{fmt}"
        return super().filename(fmt)

    def sessions(self):
        sessions = self.meeting.sessions.order_by("starts_at", "order", "pk")
        if self.options.get("session") is not None:
            sessions = sessions.filter(pk=self.options["session"])
        return list(sessions)

    def write(self, fmt, stream):
        if fmt != "pdf":
            raise ValueError(f"{self.identifier} cannot be written as {fmt!r}.")
        sessions = self.sessions()
        if not sessions and self.options.get("session") is not None:
            raise Session.DoesNotExist("The meeting has no such session.")
        chosen = Session.objects.filter(meeting=self.meeting).only("pk").order_by()
        registrations = participants_in_order(self.meeting).prefetch_related(
            Prefetch("sessions", queryset=chosen)
        )
        by_session = {session.pk: [] for session in sessions}
        for registration in registrations:
            for session in registration.sessions.all():
                if session.pk in by_session:
                    by_session[session.pk].append(registration)
        styles = _pdf_styles()
        story = []
        for session in sessions:
            if story:
                story.append(PageBreak())
            story += self._section(session, by_session[session.pk], styles)
        if not story:
            story.append(_para(_("The meeting has no sessions."), styles["body"]))
        meeting = self.meeting
        marks = PageMarks(
            font=styles["regular"],
            bold=styles["bold"],
            footer=_clean(meeting.title),
        )
        _build_pdf(
            stream,
            story,
            pagesize=landscape(A4),
            marks=marks,
            title=_("Sign-in sheets: %(meeting)s") % {"meeting": meeting.title},
            author=meeting.host_organisation or meeting.title,
        )

    def _section(self, session, registrations, styles):
        when = session_when(session, self.meeting.tz)
        details = [when]
        if session.times_tentative:
            details.append(_("times to be confirmed"))
        if session.room:
            details.append(_("Room: %(room)s") % {"room": session.room})
        head = _("Sign-in sheet: %(session)s (%(when)s)") % {
            "session": _clean(session.title),
            "when": when,
        }
        return [
            RunningHead(head),
            _para(self.meeting.title, styles["small"]),
            _para(_("Sign-in sheet"), styles["body"]),
            _para(session.title, styles["session"]),
            _para(" · ".join(details), styles["body"]),
            Spacer(0, 4 * mm),
            self._registered(registrations, styles)
            if registrations
            else _para(_("Nobody has registered for this session."), styles["body"]),
            self._walk_ins(styles),
        ]

    def _header_row(self, styles):
        return [
            _para(title, styles["cell-bold"])
            for title in (
                _("No."),
                _("Name"),
                _("Delegation"),
                _("Position"),
                _("Signature"),
            )
        ]

    def _grid(self, rows, commands=(), row_heights=None):
        table = Table(
            rows,
            colWidths=SIGN_IN_COLUMNS,
            rowHeights=row_heights,
            repeatRows=1,
        )
        table.setStyle(
            TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8e8e8")),
                    ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                    ("TOPPADDING", (0, 1), (-1, -1), 8),
                    ("BOTTOMPADDING", (0, 1), (-1, -1), 8),
                    *commands,
                ]
            )
        )
        return table

    def _registered(self, registrations, styles):
        rows = [self._header_row(styles)]
        commands = []
        previous = None
        for number, registration in enumerate(registrations, start=1):
            delegate = registration.delegate
            if previous is not None and registration.delegation_id != previous:
                # A heavier rule where a delegation begins.
                commands.append(
                    ("LINEABOVE", (0, len(rows)), (-1, len(rows)), 1.2, colors.black)
                )
            previous = registration.delegation_id
            rows.append(
                [
                    _para(f"{number}.", styles["body"]),
                    _para(delegate.full_name, styles["cell-bold"]),
                    _para(registration.delegation.party.name, styles["body"]),
                    _para(delegate.position, styles["body"]),
                    "",
                ]
            )
        return self._grid(rows, commands)

    def _walk_ins(self, styles):
        """Blank rows, kept on one page with their heading."""
        rows = [self._header_row(styles)] + [[""] * 5 for _row in range(WALK_IN_ROWS)]
        heights = [None] + [12 * mm] * WALK_IN_ROWS
        return KeepTogether(
            [
                _para(_("Not registered for this session"), styles["heading"]),
                self._grid(rows, row_heights=heights),
            ]
        )
