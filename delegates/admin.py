"""The secretariat's admin for parties, delegations, delegates and their
registrations and attendance."""

from django import forms
from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.core.exceptions import ValidationError
from django.db.models import Case, Count, IntegerField, Q, When
from django.forms.models import BaseInlineFormSet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from meetings.admin import (
    LOCAL_TIME_HELP,
    MeetingClockMixin,
    SessionListFilter,
    format_local,
    meeting_zone_from_post,
)
from meetings.models import Session

from .models import (
    KIND_RANK,
    Attendance,
    Delegate,
    Delegation,
    Party,
    Registration,
)

# The List of Participants' order of kinds, as in Party.objects.in_asean_order().
KIND_RANK_ORDER = Case(
    *(When(kind=kind, then=rank) for kind, rank in KIND_RANK.items()),
    output_field=IntegerField(),
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


class RegistrationInlineFormSet(BaseInlineFormSet):
    """Catches two rows of one page breaking a rule together, which each
    row's check against the database cannot see."""

    def clean(self):
        super().clean()
        active = [
            form.cleaned_data
            for form in self.forms
            if form.cleaned_data
            and not form.cleaned_data.get("DELETE")
            and form.cleaned_data.get("status") in Registration.ACTIVE_STATUSES
        ]
        people = [row["delegate"] for row in active if row.get("delegate")]
        if len(set(people)) < len(people):
            raise ValidationError(
                _("A person can have only one active registration for a meeting.")
            )
        heads = [
            row
            for row in active
            if row.get("role") == Registration.Role.HEAD
            and row["status"]
            in (Registration.Status.PENDING, Registration.Status.APPROVED)
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
    autocomplete_fields = ["delegate"]
    extra = 1
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("delegate")


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

    def get_readonly_fields(self, request, obj=None):
        # Registrations go through a delegation to its meeting, for its party.
        if obj is not None:
            return ["meeting", "party"]
        return []

    def save_formset(self, request, form, formset, change):
        for row in formset.forms:
            if row.instance.pk is None:
                row.instance.submitted_by = request.user
        super().save_formset(request, form, formset, change)

    @admin.display(description=_("approved"), ordering="approved_count")
    def approved_count(self, delegation):
        return delegation.approved_count

    @admin.display(description=_("pending"), ordering="pending_count")
    def pending_count(self, delegation):
        return delegation.pending_count


@admin.register(Delegate)
class DelegateAdmin(admin.ModelAdmin):
    # Passport details are left out of every list, search and filter: they
    # are shown only on the change form, and only to those allowed to see them.
    list_display = ["name", "email", "agency", "position", "nationality"]
    list_filter = ["nationality", "preferred_language", "registrations__meeting"]
    search_fields = ["given_name", "family_name", "badge_name", "email", "agency"]
    ordering = ["family_name", "given_name"]
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
        readonly = ["created_at", "updated_at"]
        if not self.may_see_passport(request):
            readonly.append("masked_passport")
        return readonly

    @admin.display(description=_("name"), ordering="family_name")
    def name(self, delegate):
        return delegate.full_name

    @admin.display(description=_("passport number"))
    def masked_passport(self, delegate):
        return delegate.masked_passport


@admin.register(Registration)
class RegistrationAdmin(admin.ModelAdmin):
    form = RegistrationForm
    list_display = [
        "reference",
        "delegate",
        "party",
        "role",
        "status",
        "needs_visa_letter",
        "created_at",
    ]
    list_filter = [
        "status",
        "role",
        "meeting",
        "delegation__party__kind",
        "needs_visa_letter",
        ("sessions", SessionListFilter),
    ]
    search_fields = [
        "reference",
        "delegate__given_name",
        "delegate__family_name",
        "delegate__email",
    ]
    date_hierarchy = "created_at"
    ordering = ["meeting", "reference"]
    autocomplete_fields = ["delegation", "delegate"]
    filter_horizontal = ["sessions"]
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
        "consent_privacy_at",
        "decided_at",
        "decided_by",
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
        if not change:
            obj.submitted_by = request.user
        super().save_model(request, obj, form, change)

    @admin.display(description=_("party"), ordering="delegation__party__name")
    def party(self, registration):
        return registration.delegation.party


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
class AttendanceAdmin(MeetingClockMixin, admin.ModelAdmin):
    form = AttendanceForm
    list_display = [
        "reference",
        "delegate",
        "party",
        "session",
        "status",
        "method",
        "local_recorded_at",
        "recorded_by",
    ]
    list_filter = [
        "session__meeting",
        ("session", SessionListFilter),
        "status",
        "method",
    ]
    search_fields = [
        "registration__reference",
        "registration__delegate__given_name",
        "registration__delegate__family_name",
        "registration__delegate__email",
    ]
    ordering = ["session", "registration"]
    fields = [
        "registration",
        "session",
        "status",
        "method",
        "recorded_at",
        "recorded_by",
        "note",
    ]
    readonly_fields = ["recorded_by"]
    autocomplete_fields = ["registration", "session"]

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
        obj.recorded_by = request.user
        super().save_model(request, obj, form, change)

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
