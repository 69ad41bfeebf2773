"""The check-in desk: staff at a session's door scan badges or find people
by name, and later enter the signed paper sign-in sheet.

Only users with the `delegates.check_in` permission open these pages; the
secretariat grants it in the admin, to a user or to a group of desk staff.
Every write goes through `services`, which keeps one record per person and
session: a replayed form finds the first record instead of making another.
"""

import datetime
from collections import Counter
from functools import wraps
from itertools import groupby
from operator import attrgetter

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from meetings.models import Session
from meetings.selectors import meetings_public

from . import services
from .models import KIND_RANK, Attendance, Registration

Status = Attendance.Status
Method = Attendance.Method
ScanOutcome = services.ScanOutcome

# Meetings stay on the chooser this long after their last day, for late
# corrections from the sign-in sheets.
RECENT = datetime.timedelta(days=30)
SEARCH_LIMIT = 25
ROLE_RANK = {role: rank for rank, role in enumerate(Registration.Role.values)}


def desk_staff_only(view):
    """Anonymous visitors are sent to log in; a logged-in user without the
    permission gets 403 rather than a login page they cannot get past. The
    pages hold personal data, so no cache keeps them."""

    @login_required
    @permission_required("delegates.check_in", raise_exception=True)
    @never_cache
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        return view(request, *args, **kwargs)

    return wrapped


class ScanForm(forms.Form):
    code = forms.CharField(
        label=_("Badge code"),
        max_length=200,
        error_messages={"required": _("Scan a badge, or type the code under it.")},
        help_text=_("Scan the badge, or type its code and press Enter."),
        widget=forms.TextInput(
            attrs={
                "autofocus": True,
                "autocomplete": "off",
                "autocapitalize": "off",
                "spellcheck": "false",
                "class": "form-control form-control-lg",
            }
        ),
    )
    override = forms.BooleanField(required=False, widget=forms.HiddenInput)


class PickForm(forms.Form):
    """One person chosen from the name search."""

    registration = forms.IntegerField(min_value=1)
    override = forms.BooleanField(required=False)


class SearchForm(forms.Form):
    q = forms.CharField(
        label=_("Name, reference or delegation"),
        min_length=2,
        max_length=100,
        required=False,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "type": "search", "class": "form-control"}
        ),
    )


def _session_or_404(pk):
    # Drafts too: staff rehearse the desk before the meeting is published.
    return get_object_or_404(Session.objects.select_related("meeting"), pk=pk)


@desk_staff_only
@require_safe
def sessions(request):
    since = timezone.localdate() - RECENT
    ordered = Session.objects.order_by("starts_at", "order", "pk")
    meetings = (
        meetings_public()
        .filter(end_date__gte=since)
        .select_related("body")
        .prefetch_related(Prefetch("sessions", queryset=ordered))
        .order_by("start_date", "slug")
    )
    return render(request, "delegates/checkin/sessions.html", {"meetings": meetings})


@desk_staff_only
@require_http_methods(["GET", "HEAD", "POST"])
def desk(request, session_pk):
    session = _session_or_404(session_pk)
    data = request.POST if request.method == "POST" else request.GET
    scan_form, result, scanned_code = ScanForm(), None, ""
    if request.method == "POST" and request.POST.get("method") == Method.SEARCH:
        result = _check_in_picked(request, session)
    elif request.method == "POST":
        scan_form = ScanForm(request.POST)
        if scan_form.is_valid():
            scanned_code = scan_form.cleaned_data["code"]
            result = services.check_in_by_code(
                session=session,
                code=scanned_code,
                by=request.user,
                override=scan_form.cleaned_data["override"],
            )
            # An empty field, so the next badge can be scanned straight away.
            scan_form = ScanForm()
    search_form = SearchForm({"q": data.get("q", "")})
    query = search_form.cleaned_data["q"] if search_form.is_valid() else ""
    found = _search(session, query) if query else None
    person = _person(result)
    if result is not None:
        # Read out with the field that has the focus after each scan.
        scan_form.fields["code"].widget.attrs["aria-describedby"] = "scan-result"
    return render(
        request,
        "delegates/checkin/desk.html",
        {
            "session": session,
            "meeting": session.meeting,
            "scan_form": scan_form,
            "search_form": search_form,
            "query": query,
            "found": found[:SEARCH_LIMIT] if found is not None else None,
            "more_found": found is not None and len(found) > SEARCH_LIMIT,
            "result": result,
            "scanned_code": scanned_code,
            "person": person,
            "other_meeting": person is not None
            and person.meeting_id != session.meeting_id,
            **_door_counts(session),
        },
    )


def _door_counts(session):
    """How many approved people chose the session, and how many are in, in
    one query. The meeting's registrations are named so that PostgreSQL
    reads them by meeting, not all of them by status."""
    registered = (
        Registration.objects.filter(
            meeting_id=session.meeting_id,
            sessions=OuterRef("pk"),
            status=Registration.Status.APPROVED,
        )
        .order_by()
        .values("meeting_id")
        .annotate(count=Count("pk"))
        .values("count")
    )
    checked_in = (
        Attendance.objects.filter(session=OuterRef("pk"), status=Status.PRESENT)
        .order_by()
        .values("session_id")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return (
        Session.objects.filter(pk=session.pk)
        .values(
            registered=Coalesce(Subquery(registered), 0),
            checked_in=Coalesce(Subquery(checked_in), 0),
        )
        .get()
    )


def _check_in_picked(request, session):
    form = PickForm(request.POST)
    if not form.is_valid():
        # Only a hand-made request gets here; the same answer as a wrong id.
        raise Http404
    registration = get_object_or_404(
        Registration.objects.filter(meeting_id=session.meeting_id).select_related(
            "delegate", "delegation__party", "meeting"
        ),
        pk=form.cleaned_data["registration"],
    )
    return services.check_in(
        session=session,
        registration=registration,
        by=request.user,
        method=Method.SEARCH,
        override=form.cleaned_data["override"],
    )


def _person(result):
    """The person the result panel names. The services hand back the
    registration with its delegate, delegation's party and meeting."""
    return None if result is None else result.registration


def _at_session(session):
    return Prefetch(
        "attendances",
        queryset=Attendance.objects.filter(session=session).select_related(
            "recorded_by"
        ),
        to_attr="at_session",
    )


def _record_of(registration):
    """The registration's record at the session `_at_session` fetched."""
    return registration.at_session[0] if registration.at_session else None


def _search(session, query):
    """Approved registrations of the session's meeting matching every word,
    one more than shown so the page can say the list is cut short."""
    matches = Q()
    for word in query.split()[:5]:
        matches &= (
            Q(delegate__given_name__icontains=word)
            | Q(delegate__family_name__icontains=word)
            | Q(delegate__badge_name__icontains=word)
            | Q(reference__icontains=word)
            | Q(delegation__party__name__icontains=word)
            | Q(delegation__party__code__iexact=word)
        )
    found = (
        Registration.objects.filter(
            matches,
            meeting_id=session.meeting_id,
            status=Registration.Status.APPROVED,
        )
        .select_related("delegate", "delegation__party")
        .annotate(chose_session=services.chose_session(session))
        .prefetch_related(_at_session(session))
        .order_by("delegate__family_name", "delegate__given_name", "pk")
    )
    return list(found[: SEARCH_LIMIT + 1])


class SheetForm(forms.Form):
    """A status for each person on the sheet. Each select carries the value
    the page showed, so only what staff changed is written: a record made at
    the desk while the sheet was open is not overwritten by a stale page."""

    note = forms.CharField(
        label=_("Note for the changed records"),
        max_length=300,
        required=False,
        help_text=_("For example: signed sheet, morning, page 2."),
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.people = people
        for registration in people:
            recorded = _record_of(registration)
            choices = list(Status.choices)
            if recorded is None:
                choices.insert(0, ("", "—"))
            self.fields[self.field_name(registration)] = forms.ChoiceField(
                label=registration.delegate.full_name,
                choices=choices,
                required=False,
                initial=recorded.status if recorded else "",
                show_hidden_initial=True,
                widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
            )

    @staticmethod
    def field_name(registration):
        return f"status_{registration.pk}"

    def changes(self):
        """(registration, new status, record held) for each row changed."""
        changed = set(self.changed_data)
        for registration in self.people:
            name = self.field_name(registration)
            status = self.cleaned_data.get(name)
            if name in changed and status:
                yield registration, status, _record_of(registration)


def _sheet_people(session):
    """Who the sheet lists: the approved people who chose the session, and
    anyone already recorded at it (admitted by override, say), in the order
    of the List of Participants: delegations in ASEAN order, the Head of
    Delegation first."""
    recorded = Exists(
        Attendance.objects.filter(registration_id=OuterRef("pk"), session=session)
    )
    chose = services.chose_session(session)
    people = (
        Registration.objects.filter(meeting_id=session.meeting_id)
        .filter((Q(status=Registration.Status.APPROVED) & chose) | recorded)
        .annotate(chose_session=chose)
        .select_related("delegate", "delegation__party")
        .prefetch_related(_at_session(session))
    )
    on = session.meeting.start_date

    def order(registration):
        party = registration.delegation.party
        delegate = registration.delegate
        return (
            KIND_RANK[party.kind_on(on)],
            party.name,
            ROLE_RANK.get(registration.role, len(ROLE_RANK)),
            delegate.family_name.casefold(),
            delegate.given_name.casefold(),
            registration.pk,
        )

    return sorted(people, key=order)


@desk_staff_only
@require_http_methods(["GET", "HEAD", "POST"])
def sheet(request, session_pk):
    session = _session_or_404(session_pk)
    people = _sheet_people(session)
    form = SheetForm(request.POST if request.method == "POST" else None, people=people)
    if form.is_valid():
        try:
            counts = _record_sheet(
                session=session,
                changes=form.changes(),
                note=form.cleaned_data["note"],
                by=request.user,
            )
        except services.AttendanceError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _sheet_message(counts))
            return redirect("checkin:sheet", session_pk=session.pk)
    delegations = [
        (delegation, [(person, form[form.field_name(person)]) for person in group])
        for delegation, group in groupby(people, key=attrgetter("delegation"))
    ]
    return render(
        request,
        "delegates/checkin/sheet.html",
        {
            "session": session,
            "meeting": session.meeting,
            "form": form,
            "delegations": delegations,
        },
    )


def _record_sheet(*, session, changes, note, by):
    counts = Counter()
    # All or nothing: a sheet half entered would look finished.
    with transaction.atomic():
        for registration, status, recorded in changes:
            services.attendance_record(
                registration=registration,
                session=session,
                status=status,
                by=by,
                method=Method.SHEET,
                note=note or (recorded.note if recorded else ""),
            )
            counts[status] += 1
    return counts


def _sheet_message(counts):
    if not counts:
        return gettext("Nothing changed on the sheet.")
    parts = ", ".join(
        gettext("%(status)s: %(count)d") % {"status": label, "count": counts[value]}
        for value, label in Status.choices
        if counts[value]
    )
    return gettext("Recorded from the sign-in sheet: %(counts)s.") % {"counts": parts}
