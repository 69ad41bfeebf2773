"""Filters for showing meetings: date ranges, time zones, host countries."""

from django import template
from django.utils.dateformat import format as date_format
from django.utils.translation import gettext_lazy as _

register = template.Library()

# Hosts are ASEAN Member States; any other code is shown as it is.
HOST_COUNTRIES = {
    "BRN": _("Brunei Darussalam"),
    "KHM": _("Cambodia"),
    "IDN": _("Indonesia"),
    "LAO": _("Lao PDR"),
    "MYS": _("Malaysia"),
    "MMR": _("Myanmar"),
    "PHL": _("Philippines"),
    "SGP": _("Singapore"),
    "THA": _("Thailand"),
    "TLS": _("Timor-Leste"),
    "VNM": _("Viet Nam"),
}


@register.filter
def country_name(code):
    return HOST_COUNTRIES.get(code, code)


@register.filter
def date_range(start, end):
    """'29 April – 3 May 2024', without repeating the month or year."""
    last = date_format(end, "j F Y")
    if start == end:
        return last
    if (start.year, start.month) == (end.year, end.month):
        return f"{date_format(start, 'j')}\u2013{last}"
    first = date_format(start, "j F" if start.year == end.year else "j F Y")
    return f"{first} \u2013 {last}"


@register.filter
def zone_label(meeting):
    """'WITA, UTC+08:00': the zone's abbreviation and offset when it begins.

    Some zones have only a numeric abbreviation such as '+07'; it would
    repeat the offset, so it is left out.
    """
    start, _end = meeting.local_window()
    abbreviation = start.strftime("%Z")
    offset = start.strftime("%z")
    utc = f"UTC{offset[:3]}:{offset[3:]}"
    if abbreviation[:1] in "+-":
        return utc
    return f"{abbreviation}, {utc}"
