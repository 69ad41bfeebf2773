"""Name badges: A4 sheets of eight, cut along the thin borders.

Each badge shows the name as it should be printed, the delegation, the
meeting and a band in the colour of the person's role, and carries a QR
code holding only the registration's badge code (`BadgeCode.code`): a
random secret with no personal data in it. The code is also printed as
text, for typing in at the desk.

Text is drawn as text, in DejaVu Sans where installed, so names in
Vietnamese and other Latin scripts of the region keep their letters and
the sheet can be searched.
"""

import io
from dataclasses import dataclass

import segno
from django.contrib.humanize.templatetags.humanize import ordinal
from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader, simpleSplit
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen import canvas

from meetings.templatetags.programme import date_range

from . import services
from .letters import letter_fonts
from .models import KIND_RANK, BadgeCode, Registration

Role = Registration.Role

# Band and text colour per role. Each pair has a contrast ratio of at least
# 4.5:1 (WCAG AA): white on the dark bands, black on the light ones. The
# role is also written on the band, so the colour is never the only sign.
ROLE_COLOURS = {
    Role.HEAD: ("#9B1C1C", "#FFFFFF"),
    Role.ALTERNATE: ("#F28C28", "#000000"),
    Role.DELEGATE: ("#1D4E89", "#FFFFFF"),
    Role.OBSERVER: ("#D4D4D4", "#000000"),
    Role.RESOURCE_PERSON: ("#1E6B3A", "#FFFFFF"),
    Role.SECRETARIAT: ("#5B2A86", "#FFFFFF"),
    Role.ORGANISING_COMMITTEE: ("#F5D90A", "#000000"),
}

# Within a delegation: the head, the alternate, then everyone by name.
ROLE_RANK = {Role.HEAD: 0, Role.ALTERNATE: 1}

BADGE_WIDTH, BADGE_HEIGHT = 90 * mm, 60 * mm
COLUMNS, ROWS = 2, 4
PER_SHEET = COLUMNS * ROWS
PADDING = 4 * mm
BAND_HEIGHT = 11 * mm
# The QR code with its quiet zone of four modules, which nothing else enters.
QR_BOX = 28 * mm
QR_QUIET_MODULES = 4
CODE_WIDTH = 36 * mm
BORDER_GREY = colors.HexColor("#B0B0B0")
# The delegate's photo, when there is one, left of the name (4:5, as stored).
PHOTO_WIDTH, PHOTO_HEIGHT = 20 * mm, 25 * mm
PHOTO_GAP = 3 * mm


@dataclass(frozen=True)
class Badge:
    registration: Registration
    code: str


def qr_matrix(code) -> list[list[bool]]:
    """The QR code's modules for `code`, row by row, True for dark.

    A full QR code, never a Micro QR: not every phone or desk scanner
    reads those.
    """
    qr = segno.make(code, error="m", micro=False)
    return [[bool(module) for module in row] for row in qr.matrix]


def qr_matrix_for(registration, *, by=None) -> tuple[str, list[list[bool]]]:
    """The code a registration's badge carries and its QR modules.

    Draws the code on first use; later calls give the same code until the
    badge is reissued. Raises `services.AttendanceError` unless approved.
    """
    code = _live_code(registration, by=by)
    return code, qr_matrix(code)


def badge_registrations(registrations):
    """The approved ones among `registrations` (a queryset or an iterable),
    with what a badge shows and their live badge code, in a few queries."""
    if isinstance(registrations, QuerySet):
        pks = registrations.values("pk")
    else:
        pks = [registration.pk for registration in registrations]
    live_codes = BadgeCode.objects.filter(revoked_at__isnull=True)
    return (
        Registration.objects.filter(pk__in=pks, status=Registration.Status.APPROVED)
        .select_related("meeting__body", "delegation__party", "delegate")
        .prefetch_related(
            Prefetch("badge_codes", queryset=live_codes, to_attr="live_badge_codes")
        )
    )


def badges_for(registrations, *, by=None) -> list[Badge]:
    """A `Badge` for each approved registration, in the List of Participants'
    order; a code is drawn only for those that have none yet."""
    sheet = []
    for registration in badge_registrations(registrations):
        try:
            code = _live_code(registration, by=by)
        except services.AttendanceError:
            # No longer approved since it was read.
            continue
        sheet.append(Badge(registration, code))
    return sorted(sheet, key=lambda badge: _order(badge.registration))


def badges_pdf(registrations, *, by=None) -> bytes:
    """A4 sheets of badges for the approved among `registrations`; the others
    are left out, and the caller says how many."""
    return render_badges(badges_for(registrations, by=by))


def render_badges(badges) -> bytes:
    """The PDF of `badges` (from `badges_for`), eight to an A4 sheet."""
    regular, bold = letter_fonts()
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4)
    pdf.setTitle(_("Badges"))
    page_width, page_height = A4
    left = (page_width - COLUMNS * BADGE_WIDTH) / 2
    top = (page_height + ROWS * BADGE_HEIGHT) / 2
    for index, badge in enumerate(badges):
        if index and index % PER_SHEET == 0:
            pdf.showPage()
        row, column = divmod(index % PER_SHEET, COLUMNS)
        pdf.saveState()
        pdf.translate(left + column * BADGE_WIDTH, top - (row + 1) * BADGE_HEIGHT)
        _draw_badge(pdf, badge, regular, bold)
        pdf.restoreState()
    pdf.save()
    return buffer.getvalue()


def meeting_label(meeting):
    """'11th JWG': the body's acronym with the meeting's number."""
    return _("%(ordinal)s %(body)s") % {
        "ordinal": ordinal(meeting.number),
        "body": meeting.body.acronym,
    }


def _live_code(registration, *, by):
    prefetched = getattr(registration, "live_badge_codes", None)
    if prefetched:
        return prefetched[0].code
    return services.badge_issue(registration=registration, by=by).code


def _order(registration):
    meeting = registration.meeting
    party = registration.delegation.party
    delegate = registration.delegate
    return (
        meeting.start_date,
        meeting.slug,
        KIND_RANK[party.kind_on(meeting.start_date)],
        party.name,
        ROLE_RANK.get(registration.role, len(ROLE_RANK)),
        delegate.family_name.casefold(),
        delegate.given_name.casefold(),
        registration.pk,
    )


def _fit(text, font, *, width, sizes):
    """(size, lines) for the first (size, most lines) in `sizes` that holds
    `text` within `width`; at the last, the text is cut with an ellipsis."""
    for size, most_lines in sizes:
        lines = simpleSplit(text, font, size, width)
        if len(lines) <= most_lines and all(
            stringWidth(line, font, size) <= width for line in lines
        ):
            return size, lines
    lines = simpleSplit(text, font, size, width)[:most_lines] or [""]
    last = lines[-1]
    while last and stringWidth(last + "…", font, size) > width:
        last = last[:-1]
    lines[-1] = last.rstrip() + "…"
    return size, lines


def _draw_lines(pdf, lines, font, size, *, x, y, leading=1.2, centre=False):
    """Draws from the first baseline `y` downwards; returns the last baseline."""
    pdf.setFont(font, size)
    for number, line in enumerate(lines):
        baseline = y - number * size * leading
        if centre:
            pdf.drawCentredString(x, baseline, line)
        else:
            pdf.drawString(x, baseline, line)
    return y - (len(lines) - 1) * size * leading


def _draw_badge(pdf, badge, regular, bold):
    registration = badge.registration
    meeting = registration.meeting
    band, ink = ROLE_COLOURS[registration.role]

    # The cut line.
    pdf.setStrokeColor(BORDER_GREY)
    pdf.setLineWidth(0.3)
    pdf.rect(0, 0, BADGE_WIDTH, BADGE_HEIGHT, stroke=1, fill=0)

    # The role band.
    pdf.setFillColor(colors.HexColor(band))
    pdf.rect(0, 0, BADGE_WIDTH, BAND_HEIGHT, stroke=0, fill=1)
    pdf.setFillColor(colors.HexColor(ink))
    role_size, role_lines = _fit(
        registration.get_role_display(),
        bold,
        width=BADGE_WIDTH - 2 * PADDING,
        sizes=[(12, 1), (11, 1), (10, 1), (9, 1), (8, 1)],
    )
    _draw_lines(
        pdf,
        role_lines,
        bold,
        role_size,
        x=BADGE_WIDTH / 2,
        y=(BAND_HEIGHT - role_size * 0.7) / 2,
        centre=True,
    )

    pdf.setFillColor(colors.black)
    full_width = BADGE_WIDTH - 2 * PADDING

    # The meeting, across the top.
    label_size, label_lines = _fit(
        meeting_label(meeting), bold, width=full_width, sizes=[(10, 1), (8, 1)]
    )
    baseline = _draw_lines(
        pdf,
        label_lines,
        bold,
        label_size,
        x=PADDING,
        y=BADGE_HEIGHT - PADDING - label_size * 0.75,
    )
    where = " · ".join(
        part
        for part in (meeting.city, date_range(meeting.start_date, meeting.end_date))
        if part
    )
    where_size, where_lines = _fit(
        where, regular, width=full_width, sizes=[(7.5, 1), (6.5, 1), (6, 1)]
    )
    meeting_bottom = _draw_lines(
        pdf, where_lines, regular, where_size, x=PADDING, y=baseline - 3.6 * mm
    )

    # The QR code and its code, on the right above the band.
    qr_left = BADGE_WIDTH - QR_BOX - 1 * mm
    qr_bottom = BAND_HEIGHT + 4 * mm
    matrix = qr_matrix(badge.code)
    _draw_qr(pdf, matrix, x=qr_left, y=qr_bottom, size=QR_BOX)
    # Whole, however small: a cut code could not be typed in.
    code_size = next(
        (
            size
            for size in (6.5, 6, 5.5)
            if stringWidth(badge.code, regular, size) <= CODE_WIDTH
        ),
        5,
    )
    pdf.setFont(regular, code_size)
    pdf.drawRightString(BADGE_WIDTH - 2 * mm, BAND_HEIGHT + 1.8 * mm, badge.code)

    space_top = meeting_bottom - where_size * 0.3 - 2 * mm
    space_bottom = BAND_HEIGHT + 4 * mm

    # The photo, if any, at the left; the text moves over for it.
    text_left = PADDING
    photo = _photo(registration.delegate)
    if photo is not None:
        photo_bottom = space_bottom + max(
            (space_top - space_bottom - PHOTO_HEIGHT) / 2, 0
        )
        pdf.drawImage(
            photo,
            PADDING,
            photo_bottom,
            PHOTO_WIDTH,
            PHOTO_HEIGHT,
            preserveAspectRatio=True,
            anchor="c",
        )
        text_left += PHOTO_WIDTH + PHOTO_GAP

    # The name and the delegation, centred in the space left of the code.
    # The code's quiet zone is the gap between the text and the code.
    text_width = qr_left - text_left
    name_size, name_lines = _fit(
        registration.delegate.name_on_badge,
        bold,
        width=text_width,
        sizes=[(size, 1) for size in (20, 19, 18, 17, 16, 15, 14)]
        + [(size, 2) for size in (16, 15, 14, 13, 12, 11, 10, 9)],
    )
    party_size, party_lines = _fit(
        registration.delegation.party.name,
        regular,
        width=text_width,
        sizes=[(10, 1), (9, 1), (9, 2), (8, 2), (7, 2)],
    )
    gap = 2.5 * mm
    name_height = name_size * (0.75 + 1.2 * (len(name_lines) - 1))
    party_height = party_size * (0.75 + 1.2 * (len(party_lines) - 1))
    block = name_height + gap + party_height
    first = space_top - max((space_top - space_bottom - block) / 2, 0)
    last = _draw_lines(
        pdf, name_lines, bold, name_size, x=text_left, y=first - name_size * 0.75
    )
    pdf.setFillColor(colors.HexColor("#333333"))
    _draw_lines(
        pdf,
        party_lines,
        regular,
        party_size,
        x=text_left,
        y=last - gap - party_size * 0.75,
    )


def _photo(delegate):
    """The delegate's photo for drawing, or None without one (or with its
    file gone: the badge is printed without it rather than not at all)."""
    if not delegate.photo:
        return None
    try:
        with delegate.photo.open("rb") as stored:
            return ImageReader(io.BytesIO(stored.read()))
    except OSError:
        return None


def _draw_qr(pdf, matrix, *, x, y, size):
    """The modules as filled rectangles, one per run of dark modules in a
    row: vector, so it stays sharp at any printer's resolution."""
    modules = len(matrix) + 2 * QR_QUIET_MODULES
    unit = size / modules
    origin_x = x + QR_QUIET_MODULES * unit
    top = y + size - QR_QUIET_MODULES * unit
    path = pdf.beginPath()
    for row_number, row in enumerate(matrix):
        row_y = top - (row_number + 1) * unit
        start = None
        for column, dark in enumerate([*row, False]):
            if dark and start is None:
                start = column
            elif not dark and start is not None:
                path.rect(origin_x + start * unit, row_y, (column - start) * unit, unit)
                start = None
    pdf.setFillColor(colors.black)
    pdf.drawPath(path, stroke=0, fill=1)
