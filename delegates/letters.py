"""The letter of invitation a delegate gives an embassy with a visa application.

Drawn as text with ReportLab, so an officer can select and search it, in
the delegate's preferred language.
"""

import io
from pathlib import Path
from xml.sax.saxutils import escape

from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django_countries import countries
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import (
    HRFlowable,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from meetings.templatetags.programme import date_range

# Debian's fonts-dejavu-core. DejaVu Sans covers Vietnamese and most other
# scripts of the region written in Latin letters; the built-in Helvetica
# covers only Latin-1, so "Nguyễn" would lose its letters.
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
FONT_FILES = {"DejaVuSans": "DejaVuSans.ttf", "DejaVuSans-Bold": "DejaVuSans-Bold.ttf"}


def letter_fonts():
    """The (regular, bold) font names: DejaVu Sans if installed, else Helvetica."""
    paths = {name: FONT_DIR / file for name, file in FONT_FILES.items()}
    if not all(path.is_file() for path in paths.values()):
        return "Helvetica", "Helvetica-Bold"
    registered = pdfmetrics.getRegisteredFontNames()
    for name, path in paths.items():
        if name not in registered:
            pdfmetrics.registerFont(TTFont(name, str(path)))
    return "DejaVuSans", "DejaVuSans-Bold"


def country_name(alpha3):
    return str(countries.name(countries.alpha2(alpha3))) or alpha3


def invitation_letter_pdf(registration) -> bytes:
    """The A4 letter of invitation for one approved registration.

    Carries the full passport number: the embassy needs it. Callers decide
    who may download it.
    """
    delegate = registration.delegate
    with translation.override(delegate.preferred_language or "en"):
        return _render(registration)


def _render(registration):
    delegate = registration.delegate
    meeting = registration.meeting
    regular, bold = letter_fonts()
    body = ParagraphStyle("body", fontName=regular, fontSize=10.5, leading=15)
    styles = {
        "body": body,
        "org": ParagraphStyle("org", body, fontName=bold, fontSize=14, leading=18),
        "right": ParagraphStyle("right", body, alignment=TA_RIGHT),
        "title": ParagraphStyle(
            "title",
            body,
            fontName=bold,
            fontSize=14,
            leading=18,
            alignment=TA_CENTER,
            spaceBefore=6 * mm,
            spaceAfter=6 * mm,
        ),
        "label": ParagraphStyle("label", body, fontName=bold),
    }
    host_country = country_name(meeting.host_country)
    host = meeting.host_organisation or host_country
    today = timezone.localdate(timezone=meeting.tz)
    place = ", ".join(
        part for part in (meeting.venue, meeting.city, host_country) if part
    )

    def para(text, style="body"):
        return Paragraph(text, styles[style])

    def details(rows):
        table = Table(
            [
                [para(escape(str(label)), "label"), para(escape(str(value)))]
                for label, value in rows
            ],
            colWidths=[45 * mm, None],
        )
        table.setStyle(
            TableStyle(
                [
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("LEFTPADDING", (0, 0), (0, -1), 0),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
                ]
            )
        )
        return table

    addressee = [
        delegate.full_name,
        delegate.position,
        delegate.agency,
        registration.delegation.party.name,
    ]
    story = [
        para(escape(host), "org"),
        para(escape(host_country)),
        HRFlowable(width="100%", thickness=1.2, color=colors.black, spaceBefore=3 * mm),
        Spacer(0, 4 * mm),
        para(escape(date_format(today, "j F Y")), "right"),
        para(escape(_("Ref.: %(ref)s") % {"ref": registration.reference}), "right"),
        Spacer(0, 6 * mm),
        para("<br/>".join(escape(line) for line in addressee if line)),
        para(escape(_("Letter of Invitation")), "title"),
        para(
            escape(
                _(
                    "On behalf of %(host)s, host of the meeting below, we are "
                    "pleased to invite %(name)s to attend it as a member of the "
                    "delegation of %(party)s."
                )
                % {
                    "host": host,
                    "name": delegate.full_name,
                    "party": registration.delegation.party.name,
                }
            )
        ),
        Spacer(0, 4 * mm),
        details(
            [
                (_("Meeting"), meeting.title),
                (_("Dates"), date_range(meeting.start_date, meeting.end_date)),
                (_("Venue"), place),
            ]
        ),
        Spacer(0, 4 * mm),
        para(escape(_("The participant:"))),
        Spacer(0, 2 * mm),
        details(
            [
                (_("Full name"), delegate.full_name),
                (_("Nationality"), country_name(delegate.nationality)),
                (_("Passport number"), delegate.passport_number),
                (
                    _("Passport valid until"),
                    date_format(delegate.passport_expiry, "j F Y")
                    if delegate.passport_expiry
                    else "",
                ),
                (_("Position"), delegate.position),
                (_("Agency or ministry"), delegate.agency),
                (_("Role"), registration.get_role_display()),
            ]
        ),
        Spacer(0, 4 * mm),
        para(
            escape(
                _(
                    "We would be grateful if the competent authorities could "
                    "grant the participant the visa needed to attend the "
                    "meeting."
                )
            )
        ),
        Spacer(0, 8 * mm),
        para(escape(_("Yours sincerely,"))),
        Spacer(0, 4 * mm),
        para(
            escape(_("The Secretariat of the %(meeting)s") % {"meeting": meeting.title})
        ),
        para(escape(host)),
    ]
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=25 * mm,
        rightMargin=25 * mm,
        topMargin=20 * mm,
        bottomMargin=20 * mm,
        title=_("Letter of Invitation"),
        author=host,
        subject=registration.reference,
    )
    document.build(story)
    return buffer.getvalue()
