"""The action tracker: every open follow-up of every meeting, for the
secretariat, with who is responsible and when it is due.

Overdue actions come first. The page and its CSV and XLSX exports take the
same filters (body, party, overdue only), so a download holds what the page
shows. Staff need `meetings.view_actionitem`; the page is never cached.
"""

from functools import wraps

from django import forms
from django.contrib.auth.decorators import login_required, permission_required
from django.db.models import Case, F, IntegerField, Prefetch, Q, Value, When
from django.shortcuts import render
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from meetings.markup import render_markdown
from meetings.models import ActionItem, Body
from meetings.selectors import action_origin, actions_with_origin

from .exports import CHUNK_SIZE, Exporter, FlaggedRow, render_csv, render_xlsx
from .models import ActionItemParty, Party


def tracker_staff_only(view):
    """Anonymous visitors log in; a user without the permission gets 403."""

    @login_required
    @permission_required("meetings.view_actionitem", raise_exception=True)
    @never_cache
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        return view(request, *args, **kwargs)

    return wrapped


class TrackerFilterForm(forms.Form):
    body = forms.ModelChoiceField(
        label=_("Body"),
        queryset=Body.objects.order_by("acronym"),
        to_field_name="acronym",
        required=False,
        empty_label=_("All bodies"),
    )
    party = forms.ModelChoiceField(
        label=_("Party"),
        queryset=Party.objects.order_by("name"),
        to_field_name="code",
        required=False,
        empty_label=_("All parties"),
    )
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)


def open_actions(*, today, body=None, party=None, overdue=False):
    """Open and in-progress actions, overdue first, then by due date (undated
    last) and by the body that decided them; responsible bodies and parties
    prefetched, so the number of queries does not grow with the actions.

    `body` keeps the actions a body decided or is responsible for; `party`
    those a party is responsible for.
    """
    actions = (
        actions_with_origin()
        .filter(status__in=ActionItem.OPEN_STATUSES)
        .prefetch_related(
            Prefetch("responsible_bodies", queryset=Body.objects.order_by("acronym")),
            Prefetch(
                "responsible_party_links",
                queryset=ActionItemParty.objects.select_related("party").order_by(
                    "party__name"
                ),
            ),
        )
        .annotate(
            overdue_rank=Case(
                When(due_date__lt=today, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by(
            "overdue_rank",
            F("due_date").asc(nulls_last=True),
            "item__minutes__session__body__acronym",
            "item__minutes__session__meeting__start_date",
            "pk",
        )
    )
    if body is not None:
        responsible = ActionItem.responsible_bodies.through.objects.filter(
            body=body
        ).values("actionitem_id")
        actions = actions.filter(
            Q(item__minutes__session__body=body) | Q(pk__in=responsible)
        )
    if party is not None:
        actions = actions.filter(responsible_party_links__party=party)
    if overdue:
        actions = actions.filter(due_date__lt=today)
    return actions


def _filtered(request):
    """The filter form and the actions it selects; a value that names no
    body or party is reported on the form and that filter left out."""
    form = TrackerFilterForm(request.GET or None)
    filters = {}
    if form.is_bound:
        form.is_valid()
        filters = {
            name: value
            for name, value in form.cleaned_data.items()
            if value not in (None, "")
        }
    today = timezone.localdate()
    return form, open_actions(today=today, **filters), today


class ActionTrackerExporter(Exporter):
    """Open actions with where they were decided and who is responsible."""

    identifier = "actions"
    verbose_name = _("Open actions")

    def __init__(self, *, today):
        self.today = today

    def _columns(self):
        return [
            (str(_("Action")), 60),
            (str(_("Status")), 12),
            (str(_("Due")), 12),
            (str(_("Overdue")), 10),
            (str(_("Responsible bodies")), 20),
            (str(_("Responsible parties")), 28),
            (str(_("Responsible (as the minutes say it)")), 36),
            (str(_("Decided by")), 10),
            (str(_("Meeting")), 36),
            (str(_("Session")), 30),
            (str(_("Agenda item")), 12),
        ]

    def header(self):
        return [title for title, _width in self._columns()]

    def column_widths(self):
        return [width for _title, width in self._columns()]

    def rows(self, queryset):
        for action in queryset.iterator(chunk_size=CHUNK_SIZE):
            origin = action_origin(action)
            overdue = action.due_date is not None and action.due_date < self.today
            row = [
                action.text,
                action.get_status_display(),
                action.due_date,
                str(_("yes") if overdue else _("no")),
                "; ".join(body.acronym for body in action.responsible_bodies.all()),
                "; ".join(
                    link.party.label for link in action.responsible_party_links.all()
                ),
                action.responsible_note,
                origin.session.body.acronym,
                origin.meeting.title,
                origin.session.title,
                origin.agenda_item_number,
            ]
            yield FlaggedRow(row) if overdue else row


@tracker_staff_only
@require_safe
def tracker(request):
    form, actions, today = _filtered(request)
    rows = [
        {
            "action": action,
            "text": render_markdown(action.text),
            "origin": action_origin(action),
            "bodies": list(action.responsible_bodies.all()),
            "parties": [link.party for link in action.responsible_party_links.all()],
            "overdue": action.due_date is not None and action.due_date < today,
        }
        for action in actions
    ]
    query = request.GET.urlencode()
    return render(
        request,
        "delegates/actions/tracker.html",
        {
            "title": capfirst(ActionTrackerExporter.verbose_name),
            "form": form,
            "rows": rows,
            "today": today,
            "query": query,
        },
    )


@tracker_staff_only
@require_safe
def export(request, fmt):
    _form, actions, today = _filtered(request)
    exporter = ActionTrackerExporter(today=today)
    filename = f"open-actions-{today.isoformat()}"
    if fmt == "xlsx":
        return render_xlsx(exporter, actions, filename)
    return render_csv(exporter, actions, filename)
