"""Attendance reports: by session, delegation x session matrix, summary.

All three are made from the attendance records, not from the registrations:
a delegate who chose a session and did not come is not in them (or is, as
absent or excused, where the desk recorded it so).

- Attendance by session: every record, session by session, delegations in
  ASEAN order as it stood on the meeting's first day, the Head of
  Delegation first; with a total line per session in XLSX and PDF (the CSV
  keeps one record per line, see `delegates.exports`). Ordered in the
  database and read in chunks, so 100,000 records never sit in memory at
  once.
- Matrix: one row per delegation, one column per session, each cell the
  number of the delegation's delegates present. A delegation present at no
  session is marked in its own column and shaded in XLSX and PDF.
- Summary: the meeting report's sentence on who attended, for the whole
  meeting and for each session (see `wording`).

Each takes a fixed number of queries, however many records there are.
"""

import contextlib
from collections import Counter

from django.db.models import Case, Count, IntegerField, OuterRef, Subquery, Value, When
from django.db.models.functions import Lower
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from meetings.templatetags.programme import date_range, zone_label

from ..exports import (
    CHUNK_SIZE,
    Exporter,
    FlaggedRow,
    Heading,
    TotalRow,
    csv_blocks,
    write_docx_text,
    write_export,
    write_pdf_text,
)
from ..models import Attendance, Delegation, Party, Registration
from . import wording
from .registry import MeetingReport, register

Role = Registration.Role


def _kind_rank(meeting, party_field):
    """The rank of the party at `party_field` in ASEAN order on the meeting's
    first day, taken from `Party.objects.in_asean_order` so that the rule
    about states not yet members lives in one place."""
    return Subquery(
        Party.objects.in_asean_order(on=meeting.start_date)
        .filter(pk=OuterRef(party_field))
        .values("kind_rank")[:1]
    )


def _position(field, values):
    """The place of the record's `field` among `values`, as a CASE: a small
    integer for the database to sort on."""
    values = list(values)
    return Case(
        *(When(**{field: value}, then=Value(at)) for at, value in enumerate(values)),
        default=Value(len(values)),
        output_field=IntegerField(),
    )


def sessions_in_order(meeting):
    return meeting.sessions.select_related("body").order_by("starts_at", "order", "pk")


def attendance_records(meeting):
    """The meeting's attendance records, session by session in the order of
    `sessions_in_order`, then as the List of Participants orders people.

    The sessions and the parties (in ASEAN order on the meeting's first
    day, from `Party.objects.in_asean_order`) are put in order first, in two
    small queries, and the records sorted on their places in those orders:
    with a subquery for each record's party rank, and session times and
    party names compared in the sort, the query for 100,000 records took
    half as long again.
    """
    sessions = sessions_in_order(meeting).values_list("pk", flat=True)
    parties = Party.objects.in_asean_order(on=meeting.start_date).values_list(
        "pk", flat=True
    )
    return Attendance.objects.filter(session__meeting=meeting).order_by(
        _position("session_id", sessions),
        _position("registration__delegation__party_id", parties),
        "registration__delegation_id",
        _position("registration__role", Role.values),
        Lower("registration__delegate__family_name"),
        Lower("registration__delegate__given_name"),
        "pk",
    )


def delegations_in_order(meeting):
    """The meeting's delegations in ASEAN order on its first day."""
    return (
        Delegation.objects.filter(meeting=meeting)
        .select_related("party")
        .annotate(kind_rank=_kind_rank(meeting, "party_id"))
        .order_by("kind_rank", "party__name", "pk")
    )


MINUTE = "%Y-%m-%d %H:%M"


def _local(moment, meeting):
    return timezone.localtime(moment, meeting.tz).strftime(MINUTE)


def _labels(choices):
    """Each choice's label as text, in the active language."""
    return {value: str(label) for value, label in choices.choices}


def _subtitle(meeting, *lines):
    dates = date_range(meeting.start_date, meeting.end_date)
    return "\n".join(
        [
            meeting.title,
            ", ".join(part for part in (meeting.venue, meeting.city, dates) if part),
            gettext("Times are local: %(zone)s (%(label)s).")
            % {"zone": meeting.time_zone, "label": zone_label(meeting)},
            *lines,
        ]
    )


class AttendanceBySessionExporter(Exporter):
    identifier = "attendance-by-session"
    verbose_name = _("Attendance by session")
    # Each session is a section of the PDF, headed with its title and time.
    pdf_columns = (2, 3, 4, 5, 6, 7)
    fields = (
        "session_id",
        "registration__delegation__party__name",
        "registration__delegate__honorific",
        "registration__delegate__given_name",
        "registration__delegate__family_name",
        "registration__role",
        "status",
        "recorded_at",
        "method",
    )

    def __init__(self, meeting):
        self.meeting = meeting

    def _columns(self):
        zone = {"zone": self.meeting.time_zone}
        return [
            (gettext("Session"), 44),
            (gettext("Starts (%(zone)s)") % zone, 20),
            (gettext("Delegation"), 36),
            (gettext("Name"), 32),
            (gettext("Role"), 26),
            (gettext("Status"), 11),
            (gettext("Recorded at (%(zone)s)") % zone, 22),
            (gettext("Recorded by way of"), 24),
        ]

    def header(self):
        return [title for title, _width in self._columns()]

    def column_widths(self):
        return [width for _title, width in self._columns()]

    def rows(self, queryset):
        """Each session's heading, its records and its total line.

        The records are read in chunks, in the sessions' order, and matched
        to the sessions (read at once: a meeting has a handful) as they
        come, so that a session nobody attended still gets its total. The
        labels of roles, statuses and methods are translated once, in the
        language of the export, not once a record.
        """
        roles = _labels(Role)
        status_labels = _labels(Attendance.Status)
        methods = _labels(Attendance.Method)
        present = Attendance.Status.PRESENT
        zone = self.meeting.tz
        records = queryset.values_list(*self.fields).iterator(chunk_size=CHUNK_SIZE)
        record = next(records, None)
        for session in sessions_in_order(self.meeting):
            session_pk, title = session.pk, session.title
            starts = _local(session.starts_at, self.meeting)
            yield Heading(f"{title} — {starts}")
            statuses = Counter()
            delegations = set()
            while record is not None and record[0] == session_pk:
                _session, party, honorific, given, family, role = record[:6]
                status, recorded_at, method = record[6:]
                statuses[status] += 1
                if status == present:
                    delegations.add(party)
                yield [
                    title,
                    starts,
                    party,
                    " ".join(filter(None, (honorific, given, family))),
                    roles.get(role, role),
                    status_labels.get(status, status),
                    recorded_at.astimezone(zone).strftime(MINUTE),
                    methods.get(method, method),
                ]
                record = next(records, None)
            yield TotalRow(
                [title, starts, gettext("Total"), self._total(statuses, delegations)]
                + [""] * 4
            )

    def _total(self, statuses, delegations):
        return gettext(
            "Present: %(present)d (delegations: %(delegations)d); "
            "absent: %(absent)d; excused: %(excused)d"
        ) % {
            "present": statuses[Attendance.Status.PRESENT],
            "delegations": len(delegations),
            "absent": statuses[Attendance.Status.ABSENT],
            "excused": statuses[Attendance.Status.EXCUSED],
        }


def _session_labels(sessions, meeting):
    """Each session's body acronym; the date and time as well where two
    sessions have the same body."""
    repeated = Counter(session.body.acronym for session in sessions)
    labels = []
    for session in sessions:
        label = session.body.acronym
        if repeated[label] > 1:
            local = timezone.localtime(session.starts_at, meeting.tz)
            label = f"{label} ({date_format(local, 'j M H:i')})"
        labels.append(label)
    return labels


class AttendanceMatrixExporter(Exporter):
    identifier = "attendance-matrix"
    verbose_name = _("Attendance matrix")
    # The delegation stays in view as the sessions scroll by.
    freeze_panes = "B2"

    def __init__(self, meeting):
        self.meeting = meeting
        self.sessions = list(sessions_in_order(meeting))

    def header(self):
        return [
            gettext("Delegation"),
            *_session_labels(self.sessions, self.meeting),
            gettext("Sessions attended"),
            gettext("Absent from all sessions"),
        ]

    def column_widths(self):
        labels = _session_labels(self.sessions, self.meeting)
        return [36, *(max(len(label) + 2, 9) for label in labels), 12, 12]

    def rows(self, queryset):
        present = (
            Attendance.objects.filter(
                session__meeting=self.meeting, status=Attendance.Status.PRESENT
            )
            .values("registration__delegation", "session")
            .annotate(delegates=Count("pk"))
            .order_by()
        )
        counts = {
            (row["registration__delegation"], row["session"]): row["delegates"]
            for row in present
        }
        delegates = Counter()
        delegations = Counter()
        for delegation in queryset:
            cells = [counts.get((delegation.pk, s.pk), 0) for s in self.sessions]
            attended = sum(1 for cell in cells if cell)
            for session, cell in zip(self.sessions, cells, strict=True):
                delegates[session.pk] += cell
                delegations[session.pk] += bool(cell)
            row_class = list if attended else FlaggedRow
            yield row_class(
                [
                    delegation.party.name,
                    *cells,
                    attended,
                    "" if attended else gettext("yes"),
                ]
            )
        yield TotalRow(
            [
                gettext("Delegates present"),
                *(delegates[s.pk] for s in self.sessions),
                "",
                "",
            ]
        )
        yield TotalRow(
            [
                gettext("Delegations present"),
                *(delegations[s.pk] for s in self.sessions),
                "",
                "",
            ]
        )


class AttendanceSummaryExporter(Exporter):
    identifier = "attendance-summary"
    verbose_name = _("Attendance summary")

    def __init__(self, meeting):
        self.meeting = meeting

    def header(self):
        return [
            gettext("Meeting or session"),
            gettext("Date (%(zone)s)") % {"zone": self.meeting.time_zone},
            gettext("Attendance"),
        ]

    def column_widths(self):
        return [60, 20, 120]

    def sections(self):
        """(heading, when, sentence) for the meeting, then for each session."""
        meeting = self.meeting
        sessions = list(sessions_in_order(meeting))
        whole, by_session = wording.attendance_summary(meeting, sessions)
        yield (
            meeting.title,
            date_range(meeting.start_date, meeting.end_date),
            whole,
        )
        for session, sentence in by_session:
            yield session.title, _local(session.starts_at, meeting), sentence

    def rows(self, queryset):
        for heading, when, sentence in self.sections():
            yield [heading, when, sentence]


class AttendanceReport(MeetingReport):
    """What the attendance reports share: who may see them and how each
    format is written. They hold names, so they are for the secretariat."""

    formats = ("csv", "xlsx", "pdf")
    permission = "delegates.view_attendance"
    exporter_class = Exporter
    legend = ""

    def exporter(self):
        return self.exporter_class(self.meeting)

    def queryset(self):
        return None

    def _language(self):
        language = self.options.get("language")
        return translation.override(language) if language else contextlib.nullcontext()

    def _check(self, fmt):
        if fmt not in self.formats:
            raise ValueError(f"{self.identifier} cannot be written as {fmt!r}.")

    def write(self, fmt, stream):
        self._check(fmt)
        with self._language():
            legend = (str(self.legend),) if self.legend else ()
            write_export(
                fmt,
                self.exporter(),
                self.queryset(),
                stream,
                title=capfirst(str(self.verbose_name)),
                subtitle=_subtitle(self.meeting, *legend),
            )

    def chunks(self, fmt):
        """CSV goes out as it is read from the database."""
        if fmt != "csv":
            yield from super().chunks(fmt)
            return
        self._check(fmt)
        with self._language():
            yield from csv_blocks(self.exporter(), self.queryset())


@register
class AttendanceBySession(AttendanceReport):
    identifier = AttendanceBySessionExporter.identifier
    verbose_name = AttendanceBySessionExporter.verbose_name
    exporter_class = AttendanceBySessionExporter

    def queryset(self):
        return attendance_records(self.meeting)


@register
class AttendanceMatrix(AttendanceReport):
    identifier = AttendanceMatrixExporter.identifier
    verbose_name = AttendanceMatrixExporter.verbose_name
    exporter_class = AttendanceMatrixExporter
    legend = _(
        "Each cell is the number of the delegation's delegates recorded "
        "present at the session. Shaded: a delegation present at no session."
    )

    def queryset(self):
        return delegations_in_order(self.meeting)


@register
class AttendanceSummary(AttendanceReport):
    identifier = AttendanceSummaryExporter.identifier
    verbose_name = AttendanceSummaryExporter.verbose_name
    formats = ("pdf", "docx", "xlsx", "csv")
    exporter_class = AttendanceSummaryExporter

    def write(self, fmt, stream):
        if fmt not in ("pdf", "docx"):
            super().write(fmt, stream)
            return
        self._check(fmt)
        with self._language():
            sections = [
                (f"{heading} — {when}", sentence)
                for heading, when, sentence in self.exporter().sections()
            ]
            writer = write_pdf_text if fmt == "pdf" else write_docx_text
            writer(
                capfirst(str(self.verbose_name)),
                _subtitle(self.meeting),
                sections,
                stream,
            )
