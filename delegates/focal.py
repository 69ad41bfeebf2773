"""The national focal point's pages: their delegations' registrations,
nominations, endorsements, the nomination letter, bulk import and export.

Every object is looked up through `focal_access`, so another delegation's
data answers 404 whatever the id in the address.
"""

from collections import Counter
from itertools import groupby
from operator import attrgetter

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Fieldset
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Case, Count, IntegerField, Q, Value, When
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from . import exports, imports, services
from .focal_access import focal_delegation, focal_delegations, focal_registration
from .forms import RegistrationForm, keep_passport_back
from .models import Registration
from .uploads import NominationLetterForm

Status = Registration.Status
Role = Registration.Role

NOMINEE_CONSENT = _(
    "The nominee has been informed of the privacy notice and agrees that the "
    "secretariat processes these data to organise the meeting."
)


def _registrations(delegation):
    """The delegation's registrations, Head and Alternate first, in a fixed
    number of queries however many there are."""
    rank = Case(
        When(role=Role.HEAD, then=Value(0)),
        When(role=Role.ALTERNATE, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    return (
        delegation.registrations.select_related("delegate")
        .annotate(session_count=Count("sessions"), role_rank=rank)
        .order_by("role_rank", "reference")
    )


def _address_nominee(form):
    """The shared form speaks to the delegate; here someone else fills it in."""
    form.fields["delegation"].empty_label = None
    form.fields["delegation"].help_text = ""
    form.fields["email"].help_text = _(
        "The nominee's private link to view, change or withdraw the registration "
        "is sent here."
    )
    form.fields["sessions"].label = _("Sessions the nominee will attend")
    if "consent_privacy" in form.fields:
        form.fields["consent_privacy"].label = NOMINEE_CONSENT
    for part in form.helper.layout.fields:
        if isinstance(part, Fieldset) and str(part.legend) == str(_("About you")):
            part.legend = _("About the nominee")
    return form


@login_required
@never_cache
@require_safe
def home(request):
    counts = {
        f"count_{s}": Count("registrations", filter=Q(registrations__status=s))
        for s in Status.values
    }
    delegations = (
        focal_delegations(request.user)
        .select_related("meeting", "party")
        .annotate(**counts)
        .order_by("-meeting__start_date", "meeting__pk", "party__name")
    )
    for delegation in delegations:
        delegation.status_counts = [
            getattr(delegation, f"count_{status}") for status in Status.values
        ]
    meetings = [
        (meeting, list(group))
        for meeting, group in groupby(delegations, key=attrgetter("meeting"))
    ]
    return render(
        request,
        "delegates/focal/home.html",
        {"meetings": meetings, "statuses": Status.labels},
    )


def _delegation_page(request, delegation, *, letter_form=None):
    registrations = list(_registrations(delegation))
    counts = Counter(registration.status for registration in registrations)
    return render(
        request,
        "delegates/focal/delegation.html",
        {
            "delegation": delegation,
            "meeting": delegation.meeting,
            "registrations": registrations,
            "status_counts": [(label, counts[s]) for s, label in Status.choices],
            "approved": counts[Status.APPROVED],
            "window_open": delegation.meeting.registration_state() == "open",
            "letter_form": letter_form or NominationLetterForm(),
        },
    )


@login_required
@never_cache
@require_safe
def delegation_detail(request, pk):
    return _delegation_page(request, focal_delegation(request.user, pk))


@login_required
@never_cache
def nominate(request, pk):
    delegation = focal_delegation(request.user, pk)
    meeting = delegation.meeting
    context = {"delegation": delegation, "meeting": meeting, "form": None}
    if meeting.registration_state() != "open":
        return render(request, "delegates/focal/nominate.html", context)
    form = _address_nominee(
        RegistrationForm(
            request.POST if request.method == "POST" else None,
            request.FILES or None,
            meeting=meeting,
            delegations=focal_delegations(request.user)
            .filter(pk=delegation.pk)
            .select_related("party"),
            initial={"delegation": delegation.pk},
        )
    )
    if form.is_valid():
        try:
            registration = services.registration_submit(
                meeting=meeting,
                delegation=form.cleaned_data["delegation"],
                delegate_data=form.delegate_data(),
                registration_data=form.registration_data(),
                sessions=list(form.cleaned_data["sessions"]),
                submitted_by=request.user,
                endorse=True,
                enforce_window=True,
                consent_privacy=form.cleaned_data["consent_privacy"],
            )
        except services.RegistrationError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                _("%(name)s is nominated as %(reference)s and awaits the secretariat.")
                % {
                    "name": registration.delegate.full_name,
                    "reference": registration.reference,
                },
            )
            return redirect("focal:delegation", pk=delegation.pk)
    context["form"] = form
    return render(request, "delegates/focal/nominate.html", context)


@login_required
@never_cache
def edit(request, pk):
    registration = focal_registration(request.user, pk)
    form = _address_nominee(
        RegistrationForm(
            request.POST if request.method == "POST" else None,
            request.FILES or None,
            meeting=registration.meeting,
            delegations=focal_delegations(request.user)
            .filter(meeting=registration.meeting_id)
            .select_related("party"),
            registration=registration,
        )
    )
    keep_passport_back(form, registration.delegate)
    if form.is_valid():
        try:
            services.registration_update(
                registration=registration,
                delegate_data=form.delegate_data(),
                registration_data=form.registration_data(),
                sessions=list(form.cleaned_data["sessions"]),
                delegation=form.cleaned_data["delegation"],
                by=request.user,
            )
        except services.RegistrationError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                _("The registration %(reference)s is saved.")
                % {"reference": registration.reference},
            )
            return redirect("focal:delegation", pk=form.cleaned_data["delegation"].pk)
    return render(
        request,
        "delegates/focal/edit.html",
        {
            "registration": registration,
            "delegation": registration.delegation,
            "meeting": registration.meeting,
            "form": form,
        },
    )


def _act(request, registration, action, done):
    """Run a service on one of the user's registrations and go back."""
    try:
        action()
    except services.RegistrationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, done % {"name": registration.delegate.full_name})
    return redirect("focal:delegation", pk=registration.delegation_id)


@login_required
@require_POST
def endorse(request, pk):
    registration = focal_registration(request.user, pk)
    return _act(
        request,
        registration,
        lambda: services.registration_endorse(
            registration=registration, by=request.user, endorse=True
        ),
        _("You endorsed %(name)s."),
    )


@login_required
@require_POST
def decline(request, pk):
    registration = focal_registration(request.user, pk)
    return _act(
        request,
        registration,
        lambda: services.registration_endorse(
            registration=registration, by=request.user, endorse=False
        ),
        _("You declined %(name)s."),
    )


@login_required
@require_POST
def make_head(request, pk):
    registration = focal_registration(request.user, pk)
    return _act(
        request,
        registration,
        lambda: services.registration_set_head(
            registration=registration, by=request.user
        ),
        _("%(name)s is now the Head of Delegation."),
    )


class WithdrawReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (optional; the nominee will read it)"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False


@login_required
@never_cache
@require_POST
def withdraw(request, pk):
    """Withdrawing cannot be undone, so the row's button leads to a page that
    asks once more; only the POST from that page withdraws."""
    registration = focal_registration(request.user, pk)
    if "confirmed" in request.POST:
        form = WithdrawReasonForm(request.POST)
        if form.is_valid():
            return _act(
                request,
                registration,
                lambda: services.registration_withdraw(
                    registration=registration,
                    by=request.user,
                    reason=form.cleaned_data["reason"],
                ),
                _("You withdrew %(name)s."),
            )
    else:
        form = WithdrawReasonForm()
    return render(
        request,
        "delegates/focal/withdraw.html",
        {
            "registration": registration,
            "delegation": registration.delegation,
            "meeting": registration.meeting,
            "form": form,
        },
    )


@login_required
@never_cache
@require_POST
def letter_upload(request, pk):
    delegation = focal_delegation(request.user, pk)
    form = NominationLetterForm(request.POST, request.FILES)
    if not form.is_valid():
        return _delegation_page(request, delegation, letter_form=form)
    services.delegation_upload_letter(
        delegation=delegation, upload=form.cleaned_data["letter"], by=request.user
    )
    messages.success(request, _("The nomination letter is uploaded."))
    return redirect("focal:delegation", pk=delegation.pk)


def _file_stem(delegation, what):
    return f"{delegation.meeting.slug}-{delegation.party.code}-{what}"


@login_required
@require_safe
def letter_download(request, pk):
    delegation = focal_delegation(request.user, pk)
    if not delegation.nomination_letter:
        raise Http404
    try:
        letter = delegation.nomination_letter.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(
        letter,
        as_attachment=True,
        filename=_file_stem(delegation, "nomination-letter") + ".pdf",
        content_type="application/pdf",
    )
    response["Cache-Control"] = "no-store"
    return response


@login_required
@never_cache
def import_nominations(request, pk):
    delegation = focal_delegation(request.user, pk)
    meeting = delegation.meeting
    window_open = meeting.registration_state() == "open"
    form = imports.NominationImportForm(
        request.POST if request.method == "POST" else None, request.FILES or None
    )
    errors = []
    if window_open and form.is_valid():
        try:
            imported = imports.nominations_import(
                delegation=delegation,
                delegations=focal_delegations(request.user)
                .filter(pk=delegation.pk)
                .select_related("party"),
                rows=form.cleaned_data["spreadsheet"],
                by=request.user,
            )
        except imports.ImportRejected as rejected:
            errors = rejected.errors
        else:
            messages.success(
                request,
                ngettext(
                    "%(count)s delegate is nominated and awaits the secretariat.",
                    "%(count)s delegates are nominated and await the secretariat.",
                    len(imported),
                )
                % {"count": len(imported)},
            )
            return redirect("focal:delegation", pk=delegation.pk)
    return render(
        request,
        "delegates/focal/import.html",
        {
            "delegation": delegation,
            "meeting": meeting,
            "window_open": window_open,
            "form": form,
            "errors": errors,
            "max_rows": imports.MAX_ROWS,
        },
    )


@login_required
@require_safe
def import_template_xlsx(request, pk):
    delegation = focal_delegation(request.user, pk)
    response = HttpResponse(
        imports.template_workbook(delegation), content_type=exports.XLSX_CONTENT_TYPE
    )
    response["Content-Disposition"] = (
        f'attachment; filename="{_file_stem(delegation, "nominations")}.xlsx"'
    )
    return response


@login_required
@require_safe
def import_template_csv(request, pk):
    delegation = focal_delegation(request.user, pk)
    response = HttpResponse(
        imports.template_csv(), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = (
        f'attachment; filename="{_file_stem(delegation, "nominations")}.csv"'
    )
    return response


class DelegationExporter(exports.RegistrationExporter):
    """The secretariat's columns for one delegation, without passports
    whatever the account may see elsewhere: the file leaves the portal."""

    def __init__(self):
        self.with_passport = False


@login_required
@require_safe
def export_csv(request, pk):
    delegation = focal_delegation(request.user, pk)
    return exports.render_csv(
        DelegationExporter(),
        _registrations(delegation),
        _file_stem(delegation, "registrations"),
    )
