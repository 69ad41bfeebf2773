"""The secretariat's admin for parties, delegations, delegates and their
registrations and attendance."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.templatetags.admin_urls import add_preserved_filters
from django.contrib.admin.utils import unquote
from django.contrib.admin.views.main import ERROR_FLAG
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Case, Count, IntegerField, Prefetch, Q, When
from django.forms.models import BaseInlineFormSet
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext, ngettext, ngettext_lazy
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from meetings.admin import (
    LOCAL_TIME_HELP,
    MeetingClockMixin,
    format_local,
    meeting_zone_from_post,
)
from meetings.models import ActionItem, Body, Meeting, Session
from meetings.selectors import action_origin

from . import badges, selectors, services
from .exports import RegistrationExporter, render_csv, render_xlsx
from .letters import invitation_letter_pdf
from .models import (
    KIND_RANK,
    ActionItemParty,
    Attendance,
    Delegate,
    Delegation,
    Party,
    PersonalDataPurge,
    Registration,
)
from .uploads import PhotoField, photo_changes

Status = Registration.Status

# The List of Participants' order of kinds, as in Party.objects.in_asean_order().
KIND_RANK_ORDER = Case(
    *(When(kind=kind, then=rank) for kind, rank in KIND_RANK.items()),
    output_field=IntegerField(),
)


class LongListMixin:
    """For the lists of thousands of rows: the row's checkbox for the
    actions, as Django draws it, without its trip through the form
    templates, which at a hundred rows a page took a fifth of the page's
    time."""

    def action_checkbox(self, obj):
        return format_html(
            '<input type="checkbox" name="{}" value="{}" class="action-select"'
            ' aria-label="{}">',
            helpers.ACTION_CHECKBOX_NAME,
            obj.pk,
            # Django's own words, and its translations.
            format_html(gettext("Select this object for an action - {}"), str(obj)),
        )


@admin.register(Party)
class PartyAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "kind_label", "iso3", "asean_member_since"]
    list_filter = ["kind"]
    search_fields = ["name", "code", "iso3"]
    fields = ["name", "code", "kind", "iso3", "asean_member_since"]

    def get_ordering(self, request):
        # The admin also orders plain Party querysets by this (the choices of a
        # foreign key to a party, list filters), where in_asean_order()'s
        # kind_rank annotation does not exist: so an expression, not its name.
        return [KIND_RANK_ORDER, "name"]

    @admin.display(description=_("kind"), ordering=KIND_RANK_ORDER)
    def kind_label(self, party):
        return party.get_kind_display()


class RegistrationForm(forms.ModelForm):
    """A registration whose meeting is always its delegation's.

    Django checks a constraint in a form only when the form holds every field
    it names, and never one naming an inline's foreign key. The meeting is not
    on the form, so the rules of one Head of Delegation and one active
    registration per person and meeting are checked here on the whole row:
    breaking them is then a form error rather than a server error.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "reference" in self.fields:
            self.fields["reference"].required = False
            self.fields["reference"].help_text = _(
                "Empty: the delegation's next number."
            )
        if "sessions" in self.fields:
            sessions = Session.objects.select_related("meeting")
            if self.instance.meeting_id is not None:
                sessions = sessions.filter(meeting_id=self.instance.meeting_id)
            self.fields["sessions"].queryset = sessions

    def clean(self):
        cleaned_data = super().clean()
        delegation = cleaned_data.get("delegation")
        if delegation is None:
            return cleaned_data
        if self.instance.meeting_id not in (None, delegation.meeting_id):
            self.add_error(
                "delegation",
                _("Choose a delegation to the meeting of this registration."),
            )
        elif any(
            session.meeting_id != delegation.meeting_id
            for session in cleaned_data.get("sessions", ())
        ):
            self.add_error(
                "sessions", _("Choose sessions of the delegation's meeting only.")
            )
        return cleaned_data

    def validate_unique(self):
        super().validate_unique()
        delegation = self.cleaned_data.get("delegation")
        if delegation is None:
            return
        self.instance.meeting_id = delegation.meeting_id
        try:
            # The token is made on save.
            self.instance.validate_constraints(exclude={*self.errors, "token"})
        except ValidationError as error:
            for message in error.messages:
                if message not in self.non_field_errors():
                    self.add_error(None, message)


def save_edited_fields(registration, form_fields):
    """Write only the columns a form edits, so that a decision taken by
    someone else since the form was read (status, decided at, approved
    version) is never overwritten with the old values."""
    edited = [
        field.name
        for field in Registration._meta.concrete_fields
        if field.name in form_fields and not field.primary_key
    ]
    registration.save(update_fields=[*edited, "updated_at"])


class RegistrationInlineFormSet(BaseInlineFormSet):
    """Catches two rows of one page breaking a rule together, which each
    row's check against the database cannot see."""

    def clean(self):
        super().clean()
        # The status is read-only here, so it is the row's own.
        active = [
            form
            for form in self.forms
            if form.cleaned_data
            and not form.cleaned_data.get("DELETE")
            and form.instance.status in Registration.ACTIVE_STATUSES
        ]
        people = [
            form.cleaned_data["delegate"]
            for form in active
            if form.cleaned_data.get("delegate")
        ]
        if len(set(people)) < len(people):
            raise ValidationError(
                _("A person can have only one active registration for a meeting.")
            )
        heads = [
            form
            for form in active
            if form.cleaned_data.get("role") == Registration.Role.HEAD
            and form.instance.status in (Status.PENDING, Status.APPROVED)
        ]
        if len(heads) > 1:
            raise ValidationError(
                _("A delegation can have only one Head of Delegation.")
            )


class RegistrationInline(admin.TabularInline):
    model = Registration
    form = RegistrationForm
    formset = RegistrationInlineFormSet
    fields = ["delegate", "role", "status", "reference", "needs_visa_letter"]
    # Decisions are taken on the registration, through the services.
    readonly_fields = ["status"]
    autocomplete_fields = ["delegate"]
    extra = 1
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("delegate")


def pdf_download(content, filename):
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


def badges_download(model_admin, request, registrations, filename):
    """The badges of the approved among `registrations` (a queryset) as a PDF,
    saying how many were left out; None, with a message, if there are none."""
    sheet = badges.badges_for(registrations, by=request.user)
    if not sheet:
        model_admin.message_user(
            request,
            gettext("No badges to print: only an approved registration gets one."),
            messages.WARNING,
        )
        return None
    left_out = registrations.count() - len(sheet)
    if left_out:
        model_admin.message_user(
            request,
            ngettext(
                "%(count)d registration was left out of the badges: it is not "
                "approved.",
                "%(count)d registrations were left out of the badges: they are not "
                "approved.",
                left_out,
            )
            % {"count": left_out},
            messages.WARNING,
        )
    return pdf_download(badges.render_badges(sheet), filename)


@admin.register(Delegation)
class DelegationAdmin(admin.ModelAdmin):
    list_display = ["party", "meeting", "quota", "approved_count", "pending_count"]
    list_filter = ["meeting", "party__kind"]
    search_fields = ["party__name", "party__code", "meeting__title", "meeting__slug"]
    ordering = ["meeting", "party__name"]
    fields = ["meeting", "party", "quota", "focal_points", "notes"]
    autocomplete_fields = ["meeting", "party"]
    filter_horizontal = ["focal_points"]
    inlines = [RegistrationInline]
    actions = ["print_badges"]

    def get_queryset(self, request):
        # The changelist ignores list_select_related for a queryset that
        # already selects related rows, so this covers the list's columns too.
        return (
            super()
            .get_queryset(request)
            .select_related("party", "meeting")
            .annotate(
                approved_count=Count(
                    "registrations",
                    filter=Q(registrations__status=Registration.Status.APPROVED),
                ),
                pending_count=Count(
                    "registrations",
                    filter=Q(registrations__status=Registration.Status.PENDING),
                ),
            )
        )

    def get_fields(self, request, obj=None):
        if obj is None:
            return self.fields
        return [*self.fields, "nomination_letter_file"]

    def get_readonly_fields(self, request, obj=None):
        # Registrations go through a delegation to its meeting, for its party.
        if obj is not None:
            return ["meeting", "party", "nomination_letter_file"]
        return []

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "<path:object_id>/nomination-letter.pdf",
                self.admin_site.admin_view(self.letter_view),
                name="{}_{}_letter".format(*info),
            ),
            *super().get_urls(),
        ]

    def letter_view(self, request, object_id):
        """The focal point's upload, served from storage that no URL
        serves, to those who may view the delegation."""
        delegation = self.get_object(request, unquote(object_id))
        if delegation is None or not delegation.nomination_letter:
            raise Http404
        if not self.has_view_permission(request, delegation):
            raise PermissionDenied
        try:
            letter = delegation.nomination_letter.open("rb")
        except FileNotFoundError:
            raise Http404 from None
        response = FileResponse(
            letter,
            as_attachment=True,
            filename=(
                f"{delegation.meeting.slug}-{delegation.party.code}"
                "-nomination-letter.pdf"
            ),
            content_type="application/pdf",
        )
        response["Cache-Control"] = "no-store"
        return response

    @admin.display(description=_("nomination letter / note verbale"))
    def nomination_letter_file(self, delegation):
        if not delegation.nomination_letter:
            return "—"
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:delegates_delegation_letter", args=[delegation.pk]),
            _("Download the letter (PDF)"),
        )

    def save_formset(self, request, form, formset, change):
        registrations = formset.save(commit=False)
        for registration in formset.deleted_objects:
            registration.delete()
        for registration in registrations:
            if registration.pk is None:
                services.registration_create_by_staff(
                    registration=registration, by=request.user
                )
            else:
                save_edited_fields(registration, formset.form.base_fields)
        formset.save_m2m()

    @admin.display(description=_("approved"), ordering="approved_count")
    def approved_count(self, delegation):
        return delegation.approved_count

    @admin.display(description=_("pending"), ordering="pending_count")
    def pending_count(self, delegation):
        return delegation.pending_count

    def has_print_badges_permission(self, request):
        registrations = self.admin_site.get_model_admin(Registration)
        return registrations.has_view_permission(request)

    @admin.action(
        description=_("Print badges for the delegation(s)"),
        permissions=["print_badges"],
    )
    def print_badges(self, request, queryset):
        delegations = list(queryset.select_related("meeting", "party"))
        registrations = Registration.objects.filter(delegation__in=delegations)
        filename = "badges.pdf"
        if len(delegations) == 1:
            delegation = delegations[0]
            filename = f"badges-{delegation.meeting.slug}-{delegation.party.code}.pdf"
        return badges_download(self, request, registrations, filename)


class DelegateForm(forms.ModelForm):
    """A delegate, with a new photo checked and re-encoded as the public
    forms do (delegates.uploads). The stored photo is shown beside it, never
    offered as a link to the file."""

    new_photo = PhotoField(label=_("New photo"))
    remove_photo = forms.BooleanField(label=_("Remove the photo"), required=False)

    def clean(self):
        cleaned_data = super().clean()
        if cleaned_data.get("new_photo") and cleaned_data.get("remove_photo"):
            self.add_error(
                "remove_photo",
                _("Either choose a new photo or remove the one on file, not both."),
            )
        return cleaned_data

    def photo_change(self):
        """A new JPEG, False to remove the photo, or None to keep it."""
        if self.cleaned_data.get("new_photo"):
            return self.cleaned_data["new_photo"]
        if self.cleaned_data.get("remove_photo") and self.instance.photo:
            return False
        return None


def delete_photos_on_commit(names):
    storage = Delegate._meta.get_field("photo").storage
    names = [name for name in names if name]
    transaction.on_commit(lambda: [storage.delete(name) for name in names])


@admin.register(Delegate)
class DelegateAdmin(LongListMixin, admin.ModelAdmin):
    form = DelegateForm
    # Passport details are left out of every list, search and filter: they
    # are shown only on the change form, and only to those allowed to see them.
    list_display = ["name", "email", "agency", "position", "nationality"]
    list_filter = ["nationality", "preferred_language", "registrations__meeting"]
    search_fields = ["given_name", "family_name", "badge_name", "email", "agency"]
    # The primary key too, so that the order is the index's (Meta.indexes).
    ordering = ["family_name", "given_name", "id"]
    show_full_result_count = False
    fieldsets = [
        (
            _("Person"),
            {
                "fields": [
                    "honorific",
                    "given_name",
                    "family_name",
                    "badge_name",
                    "position",
                    "agency",
                    "nationality",
                ]
            },
        ),
        (_("Contact"), {"fields": ["email", "phone", "preferred_language"]}),
        (_("Needs"), {"fields": ["dietary_requirements", "accessibility_needs"]}),
        (_("Photo"), {"fields": ["photo_preview", "new_photo", "remove_photo"]}),
        (_("Record"), {"fields": ["created_at", "updated_at"]}),
    ]
    passport_fields = ["passport_number", "passport_expiry", "passport_country"]

    @staticmethod
    def may_see_passport(request):
        return request.user.has_perm("delegates.view_passport")

    def get_fieldsets(self, request, obj=None):
        if self.may_see_passport(request):
            passport = self.passport_fields
        elif obj is not None and obj.passport_number:
            passport = ["masked_passport"]
        else:
            return self.fieldsets
        return [*self.fieldsets, (_("Passport"), {"fields": passport})]

    def get_readonly_fields(self, request, obj=None):
        readonly = ["created_at", "updated_at", "photo_preview"]
        if not self.may_see_passport(request):
            readonly.append("masked_passport")
        return readonly

    def save_model(self, request, obj, form, change):
        photo = form.photo_change()
        with photo_changes() as change_photo:
            if photo is not None:
                change_photo(obj, photo)
            super().save_model(request, obj, form, change)

    def delete_model(self, request, obj):
        delete_photos_on_commit([obj.photo.name])
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        delete_photos_on_commit(queryset.values_list("photo", flat=True))
        super().delete_queryset(request, queryset)

    @admin.display(description=_("name"), ordering="family_name")
    def name(self, delegate):
        return delegate.full_name

    @admin.display(description=_("photo on file"))
    def photo_preview(self, delegate):
        # Through the permission-checked view: MEDIA_URL serves nothing.
        if not delegate.photo:
            return "—"
        return format_html(
            '<img class="delegate-photo" src="{}" alt="{}">',
            reverse("photos:delegate", args=[delegate.pk]),
            _("Photo of %(name)s") % {"name": delegate.full_name},
        )

    class Media:
        css = {"all": ["css/admin.css"]}

    @admin.display(description=_("passport number"))
    def masked_passport(self, delegate):
        return delegate.masked_passport


class OfChosenMeetingFilter(admin.RelatedFieldListFilter):
    """A filter whose choices each belong to one meeting (delegations,
    sessions): it offers those of the meeting chosen in the list's meeting
    filter, and the one chosen, if any; with neither, nothing, and is left
    out. Every meeting's would be hundreds of links, fetched and drawn on
    each page of the list, and of little use to pick from."""

    # The list's meeting filter's parameter.
    meeting_parameter = "meeting__id__exact"
    # What a choice's name reads besides the row itself.
    label_related = ["meeting"]

    def field_choices(self, field, request, model_admin):
        shown = Q(pk__in=[pk for pk in self.lookup_val or [] if pk.isdigit()])
        meeting = request.GET.get(self.meeting_parameter, "")
        if meeting.isdigit():
            shown |= Q(meeting=meeting)
        choices = field.related_model._default_manager.filter(shown)
        ordering = self.field_admin_ordering(field, request, model_admin)
        if ordering:
            choices = choices.order_by(*ordering)
        return [
            (choice.pk, str(choice))
            for choice in choices.select_related(*self.label_related)
        ]

    def has_output(self):
        return bool(self.lookup_choices or self.lookup_val_isnull)


class DelegationListFilter(OfChosenMeetingFilter):
    label_related = ["meeting", "party"]


class AttendanceSessionListFilter(OfChosenMeetingFilter):
    meeting_parameter = "session__meeting__id__exact"


class ChangedAfterApprovalFilter(admin.SimpleListFilter):
    title = _("changed after approval")
    parameter_name = "changed_after_approval"

    def lookups(self, request, model_admin):
        return [("yes", _("Yes")), ("no", _("No"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(approved_snapshot__isnull=False)
        if self.value() == "no":
            return queryset.filter(approved_snapshot__isnull=True)
        return queryset


class RejectionForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
        help_text=_("The delegate reads it in the email that tells them."),
    )


# The buttons on a registration's page: URL name, target status, label.
DECISIONS = [
    ("approve", Status.APPROVED, _("Approve")),
    ("waitlist", Status.WAITLISTED, _("Put on the waiting list")),
    ("reject", Status.REJECTED, _("Reject…")),
    ("reopen", Status.PENDING, _("Reopen (back to pending)")),
]

DECIDED_MESSAGES = {
    Status.APPROVED: ngettext_lazy(
        "%(count)d registration approved.",
        "%(count)d registrations approved.",
        "count",
    ),
    Status.WAITLISTED: ngettext_lazy(
        "%(count)d registration put on the waiting list.",
        "%(count)d registrations put on the waiting list.",
        "count",
    ),
    Status.REJECTED: ngettext_lazy(
        "%(count)d registration rejected.",
        "%(count)d registrations rejected.",
        "count",
    ),
    Status.PENDING: ngettext_lazy(
        "%(count)d registration returned to pending.",
        "%(count)d registrations returned to pending.",
        "count",
    ),
}

SNAPSHOT_LABELS = {
    "delegation": (Registration, "delegation"),
    "role": (Registration, "role"),
    "sessions": (Registration, "sessions"),
    "needs_visa_letter": (Registration, "needs_visa_letter"),
    "passport_number": (Delegate, "passport_number"),
    "passport_expiry": (Delegate, "passport_expiry"),
    "passport_country": (Delegate, "passport_country"),
}


@admin.register(Registration)
class RegistrationAdmin(LongListMixin, admin.ModelAdmin):
    """Registrations; their status changes only through the services, by the
    actions on the list and the buttons on a registration's page."""

    form = RegistrationForm
    change_form_template = "admin/delegates/registration/change_form.html"
    change_list_template = "admin/delegates/registration/change_list.html"
    list_display = [
        "reference",
        "delegate",
        "party",
        "role",
        "status",
        "changed_after_approval",
        "needs_visa_letter",
        "created_at",
    ]
    list_filter = [
        "status",
        ChangedAfterApprovalFilter,
        "role",
        "meeting",
        ("delegation", DelegationListFilter),
        "delegation__party__kind",
        "needs_visa_letter",
        ("sessions", OfChosenMeetingFilter),
    ]
    search_fields = [
        "reference",
        "delegate__given_name",
        "delegate__family_name",
        "delegate__email",
    ]
    # Newest first, read along an index (Meta.indexes); a meeting's through
    # its filter. By meeting and reference, each page sorted every
    # registration through a join, and date links scanned them all again.
    ordering = ["-created_at", "-id"]
    # Not "(20,000 total)" beside a filtered count: a second count a page.
    show_full_result_count = False
    autocomplete_fields = ["delegation", "delegate"]
    filter_horizontal = ["sessions"]
    actions = [
        "approve_selected",
        "waitlist_selected",
        "reject_selected",
        "reopen_selected",
        "print_badges",
        "record_attendance",
    ]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "meeting",
                    "delegation",
                    "delegate",
                    "role",
                    "status",
                    "reference",
                    "unconfirmed_details",
                ]
            },
        ),
        (_("Sessions"), {"fields": ["sessions"]}),
        (
            _("Travel"),
            {"fields": ["needs_visa_letter", "arrival_date", "departure_date"]},
        ),
        (_("Consent"), {"fields": ["consent_privacy_at", "consent_publish"]}),
        (
            _("Decision"),
            {"fields": ["decided_at", "decided_by", "decision_reason"]},
        ),
        (
            _("Record"),
            {"fields": ["submitted_by", "token", "created_at", "updated_at"]},
        ),
    ]
    readonly_fields = [
        "meeting",
        "status",
        "unconfirmed_details",
        "consent_privacy_at",
        "decided_at",
        "decided_by",
        "decision_reason",
        "submitted_by",
        "token",
        "created_at",
        "updated_at",
    ]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("delegate", "delegation__party")
        )

    def get_readonly_fields(self, request, obj=None):
        if obj is not None:
            return [*self.readonly_fields, "reference"]
        return self.readonly_fields

    def save_model(self, request, obj, form, change):
        if change:
            save_edited_fields(obj, form.fields)
        else:
            services.registration_create_by_staff(registration=obj, by=request.user)

    @admin.display(description=_("party"), ordering="delegation__party__name")
    def party(self, registration):
        return registration.delegation.party

    @admin.display(description=_("details awaiting the delegate's confirmation"))
    def unconfirmed_details(self, registration):
        # Only which details: the values wait for the person to confirm them.
        fields = registration.proposed_details or {}
        if not fields:
            return "—"
        return ", ".join(
            str(Delegate._meta.get_field(field).verbose_name) for field in fields
        )

    @admin.display(description=_("changed after approval"), boolean=True)
    def changed_after_approval(self, registration):
        return registration.approved_snapshot is not None

    # Decisions, for many registrations at once or one on its page.

    def _decide(self, request, registrations, to_status, reason=""):
        """Decide each registration in its own transaction, so that one
        refusal leaves the others decided, and say what happened."""
        decided, waitlisted, refused = 0, [], []
        for registration in registrations:
            try:
                result = services.registration_decide(
                    registration=registration,
                    to_status=to_status,
                    by=request.user,
                    reason=reason,
                )
            except services.RegistrationError as error:
                refused.append((registration, error.message))
                continue
            if result.waitlisted_instead:
                waitlisted.append(result)
            else:
                decided += 1
        if decided:
            self.message_user(request, DECIDED_MESSAGES[to_status] % {"count": decided})
        if waitlisted:
            details = "; ".join(
                gettext("%(reference)s (%(reason)s)")
                % {"reference": result.registration.reference, "reason": result.reason}
                for result in waitlisted
            )
            self.message_user(
                request,
                ngettext(
                    "%(count)d registration put on the waiting list instead of "
                    "approved: %(details)s.",
                    "%(count)d registrations put on the waiting list instead of "
                    "approved: %(details)s.",
                    len(waitlisted),
                )
                % {"count": len(waitlisted), "details": details},
                messages.WARNING,
            )
        for registration, why in refused:
            self.message_user(
                request,
                gettext("%(reference)s was not changed: %(reason)s")
                % {"reference": registration.reference, "reason": why},
                messages.WARNING,
            )

    @staticmethod
    def _in_order(queryset):
        # The oldest submission gets a place first.
        return queryset.order_by("created_at", "pk")

    @admin.action(
        description=_("Approve selected registrations"), permissions=["change"]
    )
    def approve_selected(self, request, queryset):
        self._decide(request, self._in_order(queryset), Status.APPROVED)

    @admin.action(
        description=_("Put selected registrations on the waiting list"),
        permissions=["change"],
    )
    def waitlist_selected(self, request, queryset):
        self._decide(request, self._in_order(queryset), Status.WAITLISTED)

    @admin.action(
        description=_("Reject selected registrations…"), permissions=["change"]
    )
    def reject_selected(self, request, queryset):
        confirmed = "confirm" in request.POST
        form = RejectionForm(request.POST if confirmed else None)
        registrations = list(self._in_order(queryset))
        if confirmed and form.is_valid():
            self._decide(
                request, registrations, Status.REJECTED, form.cleaned_data["reason"]
            )
            return None
        return self._rejection_page(
            request,
            registrations,
            form,
            action="reject_selected",
            back_url=request.get_full_path(),
        )

    @admin.action(
        description=_("Reopen selected registrations (back to pending)"),
        permissions=["change"],
    )
    def reopen_selected(self, request, queryset):
        self._decide(request, self._in_order(queryset), Status.PENDING)

    @admin.action(description=_("Print badges for selected"), permissions=["view"])
    def print_badges(self, request, queryset):
        return badges_download(self, request, queryset, "badges.pdf")

    def has_record_attendance_permission(self, request):
        return request.user.has_perms(
            ["delegates.add_attendance", "delegates.change_attendance"]
        )

    @admin.action(
        description=_("Record attendance at a session…"),
        permissions=["record_attendance"],
    )
    def record_attendance(self, request, queryset):
        return record_attendance_page(self, request, queryset)

    def _rejection_page(self, request, registrations, form, *, action, back_url):
        context = {
            **self.admin_site.each_context(request),
            "title": _("Reject registrations"),
            "opts": self.opts,
            "registrations": registrations,
            "form": form,
            "action": action,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "back_url": back_url,
            "media": self.media,
        }
        return TemplateResponse(
            request, "admin/delegates/registration/reject.html", context
        )

    # Custom pages: decisions, the exports and the letter of invitation.

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        wrap = self.admin_site.admin_view
        urls = [
            path(
                "export/<str:file_format>/",
                wrap(self.export_view),
                name="{}_{}_export".format(*info),
            ),
            path(
                "<path:object_id>/reject/",
                wrap(self.reject_view),
                name="{}_{}_reject".format(*info),
            ),
            path(
                "<path:object_id>/letter/",
                wrap(self.letter_view),
                name="{}_{}_letter".format(*info),
            ),
            path(
                "<path:object_id>/badge/",
                wrap(self.badge_view),
                name="{}_{}_badge".format(*info),
            ),
            path(
                "<path:object_id>/badge/reissue/",
                wrap(require_POST(self.badge_reissue_view)),
                name="{}_{}_badge_reissue".format(*info),
            ),
            path(
                "badges/meeting/<int:meeting_pk>/",
                wrap(self.meeting_badges_view),
                name="{}_{}_meeting_badges".format(*info),
            ),
        ]
        for name, to_status, _label in DECISIONS:
            if to_status != Status.REJECTED:
                urls.append(
                    path(
                        f"<path:object_id>/{name}/",
                        wrap(require_POST(self.decide_view)),
                        {"to_status": to_status},
                        name=f"{info[0]}_{info[1]}_{name}",
                    )
                )
        return urls + super().get_urls()

    def _get_for_change(self, request, object_id):
        registration = self.get_object(request, unquote(object_id))
        if registration is None:
            raise Http404
        if not self.has_change_permission(request, registration):
            raise PermissionDenied
        return registration

    def _change_url(self, request, registration):
        url = reverse(
            "admin:delegates_registration_change",
            args=[registration.pk],
            current_app=self.admin_site.name,
        )
        return add_preserved_filters(
            {
                "preserved_filters": self.get_preserved_filters(request),
                "opts": self.opts,
            },
            url,
        )

    def decide_view(self, request, object_id, to_status):
        registration = self._get_for_change(request, object_id)
        self._decide(request, [registration], to_status)
        return HttpResponseRedirect(self._change_url(request, registration))

    def reject_view(self, request, object_id):
        registration = self._get_for_change(request, object_id)
        form = RejectionForm(request.POST if request.method == "POST" else None)
        back_url = self._change_url(request, registration)
        if form.is_valid():
            self._decide(
                request, [registration], Status.REJECTED, form.cleaned_data["reason"]
            )
            return HttpResponseRedirect(back_url)
        return self._rejection_page(
            request, [registration], form, action=None, back_url=back_url
        )

    def letter_view(self, request, object_id):
        registration = self.get_object(request, unquote(object_id))
        if registration is None or not selectors.registration_letter_available(
            registration
        ):
            raise Http404
        # The letter carries the full passport number.
        if not (
            self.has_view_permission(request, registration)
            and request.user.has_perm("delegates.view_passport")
        ):
            raise PermissionDenied
        response = HttpResponse(
            invitation_letter_pdf(registration), content_type="application/pdf"
        )
        response["Content-Disposition"] = (
            f'attachment; filename="letter-{registration.reference}.pdf"'
        )
        response["Cache-Control"] = "no-store"
        return response

    def badge_view(self, request, object_id):
        registration = self.get_object(request, unquote(object_id))
        if registration is None or registration.status != Status.APPROVED:
            raise Http404
        if not self.has_view_permission(request, registration):
            raise PermissionDenied
        pdf = badges.badges_pdf([registration], by=request.user)
        return pdf_download(pdf, f"badge-{registration.reference}.pdf")

    def badge_reissue_view(self, request, object_id):
        registration = self._get_for_change(request, object_id)
        if registration.status != Status.APPROVED:
            raise Http404
        services.badge_issue(registration=registration, by=request.user, reissue=True)
        self.message_user(
            request,
            gettext(
                "A new badge code was drawn for %(reference)s: the old badge no "
                "longer works at the door. Print the new badge."
            )
            % {"reference": registration.reference},
        )
        return HttpResponseRedirect(self._change_url(request, registration))

    def meeting_badges_view(self, request, meeting_pk):
        if not self.has_view_permission(request):
            raise PermissionDenied
        meeting = get_object_or_404(Meeting, pk=meeting_pk)
        registrations = self.get_queryset(request).filter(meeting=meeting)
        response = badges_download(
            self, request, registrations, f"badges-{meeting.slug}.pdf"
        )
        if response is None:
            url = reverse(
                "admin:delegates_registration_changelist",
                current_app=self.admin_site.name,
            )
            return HttpResponseRedirect(f"{url}?meeting__id__exact={meeting.pk}")
        return response

    def changelist_view(self, request, extra_context=None):
        meeting_pk = request.GET.get("meeting__id__exact", "")
        if meeting_pk.isdigit():
            extra_context = {
                **(extra_context or {}),
                "meeting_badges_url": reverse(
                    "admin:delegates_registration_meeting_badges",
                    args=[int(meeting_pk)],
                    current_app=self.admin_site.name,
                ),
            }
        return super().changelist_view(request, extra_context)

    def _badge_links(self, request, registration):
        if registration.status != Status.APPROVED:
            return {}
        opts = self.opts
        links = {
            "badge_url": reverse(
                f"admin:{opts.app_label}_{opts.model_name}_badge",
                args=[registration.pk],
                current_app=self.admin_site.name,
            )
        }
        if self.has_change_permission(request, registration):
            links["badge_reissue_url"] = reverse(
                f"admin:{opts.app_label}_{opts.model_name}_badge_reissue",
                args=[registration.pk],
                current_app=self.admin_site.name,
            )
        return links

    def export_view(self, request, file_format):
        renderers = {"csv": render_csv, "xlsx": render_xlsx}
        if file_format not in renderers:
            raise Http404
        if not self.has_view_permission(request):
            raise PermissionDenied
        try:
            changelist = self.get_changelist_instance(request)
        except IncorrectLookupParameters:
            url = reverse(
                "admin:delegates_registration_changelist",
                current_app=self.admin_site.name,
            )
            return HttpResponseRedirect(f"{url}?{ERROR_FLAG}=1")
        queryset = changelist.get_queryset(request)
        slugs = list(
            queryset.order_by().values_list("meeting__slug", flat=True).distinct()[:2]
        )
        filename = f"registrations-{slugs[0]}" if len(slugs) == 1 else "registrations"
        exporter = RegistrationExporter(user=request.user)
        return renderers[file_format](exporter, queryset, filename)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        registration = self.get_object(request, unquote(object_id))
        if registration is not None:
            extra_context = {
                **(extra_context or {}),
                **self._change_page_context(request, registration),
            }
        return super().change_view(request, object_id, form_url, extra_context)

    def _change_page_context(self, request, registration):
        opts = self.opts
        decisions = []
        if self.has_change_permission(request, registration):
            allowed = services.ALLOWED_TRANSITIONS[registration.status]
            decisions = [
                {
                    "label": label,
                    "url": reverse(
                        f"admin:{opts.app_label}_{opts.model_name}_{name}",
                        args=[registration.pk],
                        current_app=self.admin_site.name,
                    ),
                    "asks_reason": to_status == Status.REJECTED,
                }
                for name, to_status, label in DECISIONS
                if to_status in allowed
            ]
        letter_url = None
        if selectors.registration_letter_available(registration) and (
            request.user.has_perm("delegates.view_passport")
        ):
            letter_url = reverse(
                f"admin:{opts.app_label}_{opts.model_name}_letter",
                args=[registration.pk],
                current_app=self.admin_site.name,
            )
        return {
            "decisions": decisions,
            "letter_url": letter_url,
            **self._badge_links(request, registration),
            "approved_version": self._approved_version(request, registration),
        }

    def _approved_version(self, request, registration):
        """What was approved beside what is there now, field by field."""
        approved = registration.approved_snapshot
        if not approved:
            return []
        current = services.registration_snapshot(registration)
        see_passport = request.user.has_perm("delegates.view_passport")
        return [
            {
                "label": capfirst(model._meta.get_field(name).verbose_name),
                "approved": _snapshot_display(key, approved.get(key), see_passport),
                "current": _snapshot_display(key, current.get(key), see_passport),
                "changed": approved.get(key) != current.get(key),
            }
            for key, (model, name) in SNAPSHOT_LABELS.items()
        ]


def _snapshot_display(key, value, see_passport):
    if value in (None, "", []):
        return "—"
    if key == "passport_number" and not see_passport:
        return Delegate(passport_number=value).masked_passport
    if key.startswith("passport_") and not see_passport:
        return gettext("(hidden)")
    if key == "role":
        return Registration.Role(value).label
    if key == "sessions":
        return "; ".join(value)
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    return value


class AttendanceForm(forms.ModelForm):
    class Meta:
        help_texts = {"recorded_at": LOCAL_TIME_HELP}

    def clean(self):
        cleaned_data = super().clean()
        registration = cleaned_data.get("registration")
        session = cleaned_data.get("session")
        if registration and session and registration.meeting_id != session.meeting_id:
            self.add_error(
                "session", _("Choose a session of the registration's meeting.")
            )
        return cleaned_data


@admin.register(Attendance)
class AttendanceAdmin(LongListMixin, MeetingClockMixin, admin.ModelAdmin):
    """Attendance records. Every write goes through the services, which set
    who recorded a record, when and how; the form never takes those."""

    form = AttendanceForm
    list_display = [
        "reference",
        "delegate",
        "party",
        "session",
        "status",
        "method",
        "override",
        "local_recorded_at",
        "recorded_by",
    ]
    list_filter = [
        "session__meeting",
        ("session", AttendanceSessionListFilter),
        "status",
        "method",
    ]
    search_fields = [
        "registration__reference",
        "registration__delegate__given_name",
        "registration__delegate__family_name",
        "registration__delegate__email",
    ]
    # Latest first, along an index (Meta.indexes), whole or for a session.
    ordering = ["-recorded_at", "-id"]
    show_full_result_count = False
    fields = [
        "registration",
        "session",
        "status",
        "note",
        "method",
        "override",
        "recorded_at",
        "recorded_by",
    ]
    readonly_fields = ["method", "override", "recorded_at", "recorded_by"]
    autocomplete_fields = ["registration", "session"]
    actions = ["mark_present", "mark_absent", "mark_excused"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["registration", "session", "status", "note"]
        return self.fields

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        # Another person or session would be another record.
        return ["registration", "session", *self.readonly_fields]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related(
                "registration__delegate",
                "registration__delegation__party",
                "session__meeting",
                "recorded_by",
            )
        )

    def meeting_zone(self, request, object_id):
        if object_id is None:
            return meeting_zone_from_post(request, "session", lookup="sessions")
        attendance = self.get_object(request, unquote(object_id))
        return attendance.session.meeting.tz if attendance else None

    def save_model(self, request, obj, form, change):
        # Saving an untouched form would claim the record for this user.
        if change and not form.has_changed():
            return
        attendance = services.attendance_record(
            registration=obj.registration,
            session=obj.session,
            status=obj.status,
            by=request.user,
            method=Attendance.Method.ADMIN,
            note=obj.note,
        )
        # The admin's log entry and redirect name the object it was given.
        obj.pk = attendance.pk

    def _mark(self, request, queryset, status):
        attendances = list(queryset)
        # All or nothing, like a form.
        with transaction.atomic():
            for attendance in attendances:
                services.attendance_record(
                    registration=attendance.registration,
                    session=attendance.session,
                    status=status,
                    by=request.user,
                    method=Attendance.Method.ADMIN,
                    note=attendance.note,
                )
        self.message_user(
            request,
            ngettext(
                "%(count)d attendance record marked “%(status)s”.",
                "%(count)d attendance records marked “%(status)s”.",
                len(attendances),
            )
            % {"count": len(attendances), "status": Attendance.Status(status).label},
        )

    @admin.action(description=_("Mark selected present"), permissions=["change"])
    def mark_present(self, request, queryset):
        self._mark(request, queryset, Attendance.Status.PRESENT)

    @admin.action(description=_("Mark selected absent"), permissions=["change"])
    def mark_absent(self, request, queryset):
        self._mark(request, queryset, Attendance.Status.ABSENT)

    @admin.action(description=_("Mark selected excused"), permissions=["change"])
    def mark_excused(self, request, queryset):
        self._mark(request, queryset, Attendance.Status.EXCUSED)

    @admin.display(description=_("reference"), ordering="registration__reference")
    def reference(self, attendance):
        return attendance.registration.reference

    @admin.display(
        description=_("delegate"), ordering="registration__delegate__family_name"
    )
    def delegate(self, attendance):
        return attendance.registration.delegate.full_name

    @admin.display(
        description=_("party"), ordering="registration__delegation__party__name"
    )
    def party(self, attendance):
        return attendance.registration.delegation.party

    @admin.display(description=_("recorded at (local time)"), ordering="recorded_at")
    def local_recorded_at(self, attendance):
        meeting = attendance.session.meeting
        return format_local(
            timezone.localtime(attendance.recorded_at, meeting.tz), meeting.time_zone
        )


# Attendance for many registrations at once, from the registrations' list.


class RecordAttendanceForm(forms.Form):
    session = forms.ModelChoiceField(
        label=_("Session"), queryset=Session.objects.none()
    )
    status = forms.ChoiceField(
        label=_("Attendance"),
        choices=Attendance.Status.choices,
        initial=Attendance.Status.PRESENT,
    )

    def __init__(self, *args, meeting, **kwargs):
        super().__init__(*args, **kwargs)
        self.meeting = meeting
        session = self.fields["session"]
        session.queryset = meeting.sessions.order_by("starts_at", "order", "pk")
        session.label_from_instance = self.session_label

    def session_label(self, session):
        local = timezone.localtime(session.starts_at, self.meeting.tz)
        return f"{format_local(local, self.meeting.time_zone)}: {session.title}"


def _record_attendance_refusal(registrations):
    if len({registration.meeting_id for registration in registrations}) > 1:
        return gettext(
            "Choose registrations of one meeting: the selected ones are for "
            "several, and a session belongs to one."
        )
    not_approved = [
        registration.reference
        for registration in registrations
        if registration.status != Status.APPROVED
    ]
    if not_approved:
        return gettext(
            "Attendance is recorded for approved registrations only; these are "
            "not approved: %(references)s."
        ) % {"references": ", ".join(not_approved)}
    return None


def record_attendance_page(model_admin, request, queryset):
    """The registrations' action: asks for a session and a status, then
    records them for every selected registration, all or none."""
    registrations = list(queryset.select_related("meeting").order_by("reference"))
    refusal = _record_attendance_refusal(registrations)
    if refusal:
        model_admin.message_user(request, refusal, messages.ERROR)
        return None
    meeting = registrations[0].meeting
    confirmed = "confirm" in request.POST
    form = RecordAttendanceForm(request.POST if confirmed else None, meeting=meeting)
    if confirmed and form.is_valid():
        session = form.cleaned_data["session"]
        status = form.cleaned_data["status"]
        count = services.attendance_mark_many(
            session=session,
            registrations=registrations,
            status=status,
            by=request.user,
            method=Attendance.Method.ADMIN,
        )
        model_admin.message_user(
            request,
            ngettext(
                "Attendance “%(status)s” at %(session)s recorded for "
                "%(count)d registration.",
                "Attendance “%(status)s” at %(session)s recorded for "
                "%(count)d registrations.",
                count,
            )
            % {
                "status": Attendance.Status(status).label,
                "session": session.title,
                "count": count,
            },
        )
        return None
    context = {
        **model_admin.admin_site.each_context(request),
        "title": _("Record attendance at a session"),
        "opts": model_admin.opts,
        "meeting": meeting,
        "registrations": registrations,
        "form": form,
        "action": "record_attendance",
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        "back_url": reverse("admin:delegates_registration_changelist"),
        "media": model_admin.media,
    }
    return TemplateResponse(
        request, "admin/delegates/registration/record_attendance.html", context
    )


class ActionItemPartyInline(admin.TabularInline):
    model = ActionItemParty
    extra = 0
    autocomplete_fields = ["party"]
    verbose_name = _("responsible party")
    verbose_name_plural = _("responsible parties")


@admin.register(ActionItem)
class ActionItemAdmin(admin.ModelAdmin):
    """Action items, with the parties responsible as an inline.

    Registered here rather than in the meetings admin because the parties
    responsible are linked on this side, which meetings may not import.
    """

    list_display = ["excerpt", "status", "due_date", "responsible", "origin"]
    list_filter = ["status", "responsible_bodies", "due_date"]
    search_fields = ["text", "responsible_note"]
    list_select_related = [
        "item__minutes__session__meeting",
        "item__minutes__session__body",
        "item__agenda_item",
    ]
    raw_id_fields = ["item"]
    autocomplete_fields = ["responsible_bodies"]
    fields = [
        "item",
        "text",
        "responsible_bodies",
        "responsible_note",
        "due_date",
        "status",
        "progress_note",
    ]
    inlines = [ActionItemPartyInline]

    # This list spans every meeting's minutes: like the tracker (/actions/)
    # it needs meetings.view_actionitem. A rapporteur's add, change and
    # delete permissions, without it, serve only the inline on the minutes
    # they are assigned to, which the minutes admin scopes.
    @staticmethod
    def sees_every_action(request):
        return request.user.has_perm("meetings.view_actionitem")

    def has_view_permission(self, request, obj=None):
        return self.sees_every_action(request) and super().has_view_permission(
            request, obj
        )

    def has_add_permission(self, request):
        return self.sees_every_action(request) and super().has_add_permission(request)

    def has_change_permission(self, request, obj=None):
        return self.sees_every_action(request) and super().has_change_permission(
            request, obj
        )

    def has_delete_permission(self, request, obj=None):
        return self.sees_every_action(request) and super().has_delete_permission(
            request, obj
        )

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .prefetch_related(
                Prefetch(
                    "responsible_bodies", queryset=Body.objects.order_by("acronym")
                ),
                Prefetch(
                    "responsible_party_links",
                    queryset=ActionItemParty.objects.select_related("party"),
                ),
            )
        )

    @admin.display(description=_("action"), ordering="text")
    def excerpt(self, action):
        return str(action)

    @admin.display(description=_("responsible"))
    def responsible(self, action):
        names = [body.acronym for body in action.responsible_bodies.all()]
        names += [link.party.label for link in action.responsible_party_links.all()]
        if action.responsible_note:
            names.append(action.responsible_note)
        return "; ".join(names) or "—"

    @admin.display(description=_("decided at"))
    def origin(self, action):
        origin = action_origin(action)
        return gettext("%(meeting)s, %(session)s, item %(number)s") % {
            "meeting": origin.meeting.title,
            "session": origin.session.title,
            "number": origin.agenda_item_number,
        }


@admin.register(PersonalDataPurge)
class PersonalDataPurgeAdmin(admin.ModelAdmin):
    """When each meeting's sensitive data were purged: read-only, written by
    `purge_personal_data` alone, and kept, since it is the proof."""

    list_display = [
        "meeting",
        "ran_at",
        "retention_days",
        "delegates_purged",
        "delegates_kept",
        "ran_by",
    ]
    list_select_related = ["meeting"]
    date_hierarchy = "ran_at"
    fields = [
        "meeting",
        "ran_at",
        "retention_days",
        "delegates_purged",
        "delegates_kept",
        "fields_purged",
        "ran_by",
    ]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("fields purged"))
    def fields_purged(self, purge):
        return ", ".join(purge.fields)
