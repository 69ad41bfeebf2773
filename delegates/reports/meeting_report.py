"""The Report of the Meeting, as ASEAN reports take shape.

Title, venue and dates; who attended, in the fixed sentence generated from
the attendance records; then session by session the matters arising (what
the body left open at its earlier meetings) and every agenda item with a
record: the discussion in summary, the conclusions ("The Meeting agreed
...") and the actions with who is responsible. The List of Participants, in
its published version, is the annex. Until every set of minutes in the
report is adopted, each page says it is a draft.

The minutes are Markdown, sanitised to HTML as on the portal's pages; the
report takes the text of each block of that HTML and prints it as plain
text, so that nothing a rapporteur typed is read as ReportLab markup.

A fixed number of queries for the items, conclusions and actions, however
many there are, and three more per body for its matters arising.
"""

from dataclasses import dataclass, field
from html.parser import HTMLParser
from xml.sax.saxutils import escape

from django.contrib.humanize.templatetags.humanize import ordinal
from django.db.models import Prefetch, prefetch_related_objects
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from docx import Document
from docx.shared import RGBColor
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import PageBreak, Paragraph, Spacer, Table, TableStyle

from meetings.markup import render_markdown
from meetings.models import ActionItem, Minutes, MinutesItem, Session
from meetings.selectors import action_origin, matters_arising
from meetings.templatetags.programme import country_name, date_range

from ..models import ActionItemParty
from .participants import (
    STAMP_RED,
    PageMarks,
    ParticipantsReport,
    _a4,
    _build_pdf,
    _clean,
    _docx_page_numbers,
    _para,
    _pdf_styles,
    _place_and_dates,
)
from .registry import MeetingReport, register
from .wording import attendance_summary

DRAFT_STAMP = gettext_lazy("Draft — not adopted")
# The tags whose text the report prints as a paragraph of its own.
BLOCK_TAGS = {"p", "li", "h3", "h4", "pre", "tr", "blockquote"}
# Action, responsible, due, status (and, for matters arising, where decided).
ACTION_COLUMNS = [70 * mm, 50 * mm, 28 * mm, None]
ARISING_COLUMNS = [55 * mm, 38 * mm, 40 * mm, 24 * mm, None]


class _Blocks(HTMLParser):
    """The text of sanitised HTML, a string per paragraph, list item or
    table row; list items begin with a bullet or their number."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.blocks = []
        self.lists = []
        self.buffer = []

    def flush(self):
        text = "".join(self.buffer).strip()
        if text:
            self.blocks.append(text)
        self.buffer = []

    def handle_starttag(self, tag, attrs):
        if tag in ("ul", "ol"):
            self.flush()
            self.lists.append([tag, 0])
        elif tag == "br":
            self.buffer.append("\n")
        elif tag in BLOCK_TAGS:
            self.flush()
            if tag == "li" and self.lists:
                kind = self.lists[-1]
                kind[1] += 1
                self.buffer.append("• " if kind[0] == "ul" else f"{kind[1]}. ")
        elif tag in ("td", "th") and self.buffer:
            self.buffer.append(" | ")

    def handle_endtag(self, tag):
        if tag in ("ul", "ol"):
            self.flush()
            if self.lists:
                self.lists.pop()
        elif tag in BLOCK_TAGS:
            self.flush()

    def handle_data(self, data):
        self.buffer.append(data)


def markdown_blocks(text) -> list[str]:
    """Markdown as the portal shows it, as plain-text paragraphs."""
    parser = _Blocks()
    parser.feed(str(render_markdown(text)))
    parser.close()
    parser.flush()
    return [_clean(block) for block in parser.blocks]


def _pdf_text(text, style):
    """Plain text to a paragraph: escaped, line breaks kept."""
    return Paragraph(escape(_clean(text)).replace("\n", "<br/>"), style)


def responsible(action) -> str:
    """Bodies, then parties, then the minutes' own words."""
    names = [body.acronym for body in action.responsible_bodies.all()]
    names += [link.party.label for link in action.responsible_party_links.all()]
    if action.responsible_note:
        names.append(action.responsible_note)
    return "; ".join(names)


def due(action) -> str:
    return date_format(action.due_date, "j F Y") if action.due_date else "—"


def origin_phrase(action) -> str:
    """ "decided at the 11th JWG, agenda item 3"."""
    origin = action_origin(action)
    return _("decided at the %(ordinal)s %(body)s, agenda item %(number)s") % {
        "ordinal": ordinal(origin.meeting.number),
        "body": origin.session.body.acronym,
        "number": origin.agenda_item_number,
    }


def minutes_status(minutes) -> str:
    if minutes.status == Minutes.Status.ADOPTED:
        text = _("Adopted on %(date)s")
    elif minutes.status == Minutes.Status.ADOPTED_AD_REFERENDUM:
        text = _("Adopted ad referendum on %(date)s")
    else:
        return str(DRAFT_STAMP)
    return text % {"date": date_format(minutes.adopted_on, "j F Y")}


@dataclass
class SessionPart:
    """One session's part of the report."""

    session: Session
    minutes: Minutes | None
    items: list = field(default_factory=list)
    arising: list = field(default_factory=list)


def _responsible_prefetches():
    return (
        "responsible_bodies",
        Prefetch(
            "responsible_party_links",
            queryset=ActionItemParty.objects.select_related("party"),
        ),
    )


@register
class MeetingMinutesReport(MeetingReport):
    """The Report of the Meeting, or with option `session` (a primary key)
    the report of that session alone."""

    identifier = "report"
    verbose_name = gettext_lazy("Report of the Meeting")
    formats = ("pdf", "docx")
    internal = False
    permission = "meetings.view_minutes"

    def filename(self, fmt):
        session = self.options.get("session")
        if session is not None:
            return f"{self.meeting.slug}-report-session-{session}.{fmt}"
        return super().filename(fmt)

    def write(self, fmt, stream):
        writers = {"pdf": self.write_pdf, "docx": self.write_docx}
        if fmt not in writers:
            raise ValueError(f"{self.identifier} cannot be written as {fmt!r}.")
        writers[fmt](stream)

    # What the report says --------------------------------------------------

    def sessions(self):
        sessions = self.meeting.sessions.select_related("body", "minutes").order_by(
            "starts_at", "order", "pk"
        )
        if self.options.get("session") is not None:
            sessions = sessions.filter(pk=self.options["session"])
            if not sessions:
                raise Session.DoesNotExist("The meeting has no such session.")
        return list(sessions)

    def parts(self, sessions):
        parts = {
            session.pk: SessionPart(
                session, session.minutes if _has_minutes(session) else None
            )
            for session in sessions
        }
        items = (
            MinutesItem.objects.filter(minutes__session__in=sessions)
            .select_related("agenda_item", "minutes")
            .prefetch_related(
                "conclusions",
                Prefetch(
                    "actions",
                    queryset=ActionItem.objects.prefetch_related(
                        *_responsible_prefetches()
                    ),
                ),
            )
            .order_by("agenda_item__order", "agenda_item__number", "pk")
        )
        for item in items:
            parts[item.minutes.session_id].items.append(item)
        # What a body left open comes back once, at its first session here.
        seen_bodies = set()
        for session in sessions:
            if session.body_id in seen_bodies:
                continue
            seen_bodies.add(session.body_id)
            arising = matters_arising(session)
            prefetch_related_objects(arising, *_responsible_prefetches())
            parts[session.pk].arising = arising
        return list(parts.values())

    def title(self, session=None):
        if session is not None:
            return _("Report of the %(session)s") % {"session": _clean(session.title)}
        return _("Report of the %(meeting)s") % {"meeting": _clean(self.meeting.title)}

    def place_and_dates(self, session=None):
        if session is None:
            return _clean(_place_and_dates(self.meeting))
        meeting = self.meeting
        place = ", ".join(
            part
            for part in (
                meeting.venue,
                meeting.city,
                str(country_name(meeting.host_country)),
            )
            if part
        )
        start = timezone.localtime(session.starts_at, meeting.tz).date()
        end = timezone.localtime(session.ends_at, meeting.tz).date()
        return _clean(f"{place}, {date_range(start, end)}")

    def content(self):
        sessions = self.sessions()
        session = sessions[0] if self.options.get("session") is not None else None
        whole, by_session = attendance_summary(self.meeting, sessions)
        parts = self.parts(sessions)
        recorded = [part.minutes for part in parts if part.minutes is not None]
        draft = not recorded or not all(minutes.is_adopted for minutes in recorded)
        return {
            "title": self.title(session),
            "place": self.place_and_dates(session),
            "attendance": by_session[0][1] if session is not None else whole,
            "parts": parts,
            "draft": draft,
            "groups": ParticipantsReport(self.meeting).groups(),
        }

    # PDF -------------------------------------------------------------------

    def write_pdf(self, stream):
        content = self.content()
        styles = _pdf_styles()
        body = styles["body"]
        story = [
            _para(content["title"], styles["title"]),
            _para(content["place"], styles["centred"]),
        ]
        if content["draft"]:
            story.append(_para(DRAFT_STAMP, styles["stamp"]))
        story += [
            _para(_("Attendance"), styles["heading"]),
            _para(content["attendance"], body),
        ]
        for part in content["parts"]:
            story += self._pdf_part(part, styles)
        story += [
            PageBreak(),
            _para(_("Annex: List of Participants"), styles["session"]),
            Spacer(0, 2 * mm),
        ]
        annex = ParticipantsReport(self.meeting)
        if not content["groups"]:
            story.append(_para(_("No participants are approved yet."), body))
        for group in content["groups"]:
            story.append(_para(group.heading, styles["heading"]))
            if group.entries:
                story.append(annex._pdf_table(group, styles))
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
            footer=content["title"],
            stamp=str(DRAFT_STAMP) if content["draft"] else "",
        )
        _build_pdf(
            stream,
            story,
            pagesize=A4,
            marks=marks,
            title=content["title"],
            author=self.meeting.host_organisation or self.meeting.title,
        )

    def _pdf_part(self, part, styles):
        body = styles["body"]
        story = [
            Spacer(0, 4 * mm),
            _para(part.session.title, styles["session"]),
        ]
        if part.minutes is None:
            story.append(_para(_("No minutes have been recorded."), styles["small"]))
        else:
            story.append(_para(minutes_status(part.minutes), styles["small"]))
            story += [
                _pdf_text(block, body)
                for block in markdown_blocks(part.minutes.introduction)
            ]
        if part.arising:
            story.append(_para(_("Matters arising"), styles["heading"]))
            story.append(self._pdf_arising(part.arising, styles))
        for item in part.items:
            agenda_item = item.agenda_item
            story.append(
                _para(f"{agenda_item.number}. {agenda_item.title}", styles["heading"])
            )
            story += [
                _pdf_text(block, body) for block in markdown_blocks(item.discussion)
            ]
            for number, text in self._conclusions(item):
                story.append(_pdf_text(f"{number}  {text}", body))
            actions = item.actions.all()
            if actions:
                story.append(_para(_("Actions"), styles["cell-bold"]))
                story.append(self._pdf_actions(actions, styles))
        return story

    def _grid(self, rows, widths):
        table = Table(rows, colWidths=widths, repeatRows=1)
        table.setStyle(
            TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8e8e8")),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ]
            )
        )
        return table

    def _pdf_actions(self, actions, styles):
        rows = [[_para(title, styles["cell-bold"]) for title in _action_header()]]
        for action in actions:
            rows.append(
                [
                    [
                        _pdf_text(b, styles["body"])
                        for b in markdown_blocks(action.text)
                    ],
                    _para(responsible(action), styles["body"]),
                    _para(due(action), styles["body"]),
                    _para(action.get_status_display(), styles["body"]),
                ]
            )
        return self._grid(rows, ACTION_COLUMNS)

    def _pdf_arising(self, actions, styles):
        rows = [[_para(title, styles["cell-bold"]) for title in _arising_header()]]
        for action in actions:
            rows.append(
                [
                    [
                        _pdf_text(b, styles["body"])
                        for b in markdown_blocks(action.text)
                    ],
                    _para(origin_phrase(action), styles["body"]),
                    _para(responsible(action), styles["body"]),
                    _para(due(action), styles["body"]),
                    _para(action.get_status_display(), styles["body"]),
                ]
            )
        return self._grid(rows, ARISING_COLUMNS)

    def _conclusions(self, item):
        """("3.1", "The Meeting agreed to ...") for each conclusion."""
        for index, conclusion in enumerate(item.conclusions.all(), start=1):
            blocks = markdown_blocks(conclusion.text) or [""]
            first = _("The Meeting %(kind)s %(text)s") % {
                "kind": conclusion.get_kind_display(),
                "text": blocks[0],
            }
            yield f"{item.agenda_item.number}.{index}", "\n".join([first, *blocks[1:]])

    # DOCX ------------------------------------------------------------------

    def write_docx(self, stream):
        content = self.content()
        document = Document()
        document.core_properties.title = content["title"]
        section = document.sections[0]
        _a4(section)
        _docx_page_numbers(section)
        if content["draft"]:
            stamp = section.header.paragraphs[0].add_run(str(DRAFT_STAMP))
            stamp.bold = True
            stamp.font.color.rgb = RGBColor.from_string(STAMP_RED.hexval()[2:])
        document.add_heading(content["title"], level=0)
        document.add_paragraph(content["place"])
        if content["draft"]:
            document.add_paragraph().add_run(str(DRAFT_STAMP)).bold = True
        document.add_heading(_("Attendance"), level=1)
        document.add_paragraph(content["attendance"])
        for part in content["parts"]:
            self._docx_part(document, part)
        document.add_page_break()
        document.add_heading(_("Annex: List of Participants"), level=1)
        annex = ParticipantsReport(self.meeting)
        if not content["groups"]:
            document.add_paragraph(_("No participants are approved yet."))
        for group in content["groups"]:
            document.add_heading(group.heading, level=2)
            if group.entries:
                annex._docx_table(document, group)
            else:
                document.add_paragraph(
                    _("Names not published at the participants' request.")
                )
        document.save(stream)

    def _docx_part(self, document, part):
        document.add_heading(_clean(part.session.title), level=1)
        if part.minutes is None:
            document.add_paragraph(_("No minutes have been recorded."))
        else:
            document.add_paragraph().add_run(minutes_status(part.minutes)).italic = True
            for block in markdown_blocks(part.minutes.introduction):
                document.add_paragraph(block)
        if part.arising:
            document.add_heading(_("Matters arising"), level=2)
            self._docx_table(
                document,
                _arising_header(),
                [
                    [
                        "\n".join(markdown_blocks(action.text)),
                        origin_phrase(action),
                        responsible(action),
                        due(action),
                        action.get_status_display(),
                    ]
                    for action in part.arising
                ],
            )
        for item in part.items:
            agenda_item = item.agenda_item
            document.add_heading(
                _clean(f"{agenda_item.number}. {agenda_item.title}"), level=2
            )
            for block in markdown_blocks(item.discussion):
                document.add_paragraph(block)
            for number, text in self._conclusions(item):
                document.add_paragraph(f"{number}  {text}")
            actions = item.actions.all()
            if actions:
                document.add_paragraph().add_run(_("Actions")).bold = True
                self._docx_table(
                    document,
                    _action_header(),
                    [
                        [
                            "\n".join(markdown_blocks(action.text)),
                            responsible(action),
                            due(action),
                            action.get_status_display(),
                        ]
                        for action in actions
                    ],
                )

    def _docx_table(self, document, header, rows):
        table = document.add_table(rows=1, cols=len(header))
        table.style = "Table Grid"
        for cell, title in zip(table.rows[0].cells, header, strict=True):
            cell.paragraphs[0].add_run(title).bold = True
        for row in rows:
            for cell, value in zip(table.add_row().cells, row, strict=True):
                cell.text = _clean(str(value))


def _has_minutes(session):
    try:
        session.minutes  # noqa: B018  (selected with the session)
    except Minutes.DoesNotExist:
        return False
    return True


def _action_header():
    return [_("Action"), _("Responsible"), _("Due"), _("Status")]


def _arising_header():
    return [_("Action"), _("Decided at"), _("Responsible"), _("Due"), _("Status")]
