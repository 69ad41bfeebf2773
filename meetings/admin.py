"""The secretariat's admin for the programme.

Times are stored in UTC but a meeting keeps the clock of its venue, so the
forms that hold a meeting's date-times read and show them in the meeting's own
zone, and the lists name the zone beside each time.
"""

from django import forms
from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, Q
from django.template.response import SimpleTemplateResponse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from .models import (
    AgendaItem,
    Body,
    Meeting,
    PartyKind,
    Session,
    validate_time_zone,
)

LOCAL_TIME_HELP = _("In the meeting's local time zone.")


def format_local(local, zone_name):
    """A local date-time with its zone named, for a list column."""
    return f"{date_format(local, 'D j M Y, H:i')} ({zone_name})"


def meeting_zone_from_post(request, field_name, lookup="pk"):
    """The zone of the meeting named by a submitted add form, if any.

    An add form has no stored meeting yet; the one it names, directly or
    through `lookup` (e.g. "sessions" for a session's id), decides how its
    times are read.
    """
    value = request.POST.get(field_name, "")
    if not value.isdigit():
        return None
    return (
        Meeting.objects.filter(**{lookup: value})
        .values_list("time_zone", flat=True)
        .first()
    )


class MeetingClockMixin:
    """Reads and renders a change form's date-times in a meeting's zone."""

    def meeting_zone(self, request, object_id):
        """The zone name or tzinfo to use, or None for the server's zone."""
        raise NotImplementedError

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        zone = self.meeting_zone(request, object_id)
        if zone is None:
            return super().changeform_view(request, object_id, form_url, extra_context)
        with timezone.override(zone):
            response = super().changeform_view(
                request, object_id, form_url, extra_context
            )
            # A TemplateResponse renders only after the view returns, which
            # would be outside the zone.
            if isinstance(response, SimpleTemplateResponse):
                response.render()
        return response


class SessionListFilter(admin.RelatedFieldListFilter):
    """Sessions named with their meeting, fetched in one query."""

    def field_choices(self, field, request, model_admin):
        sessions = field.related_model._default_manager.select_related("meeting")
        ordering = self.field_admin_ordering(field, request, model_admin)
        if ordering:
            sessions = sessions.order_by(*ordering)
        return [(session.pk, str(session)) for session in sessions]


@admin.register(Body)
class BodyAdmin(admin.ModelAdmin):
    list_display = ["acronym", "name", "kind", "parent", "meeting_count"]
    list_select_related = ["parent"]
    list_filter = ["kind"]
    search_fields = ["acronym", "name"]
    ordering = ["acronym"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(meeting_count=Count("meetings"))

    @admin.display(description=_("meetings"), ordering="meeting_count")
    def meeting_count(self, body):
        return body.meeting_count


class SessionTimesForm(forms.ModelForm):
    class Meta:
        help_texts = {"starts_at": LOCAL_TIME_HELP, "ends_at": LOCAL_TIME_HELP}


class SessionForm(SessionTimesForm):
    open_to = forms.MultipleChoiceField(
        label=_("open to"),
        choices=PartyKind.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The kinds of party that may take part."),
    )

    def clean_open_to(self):
        chosen = self.cleaned_data["open_to"]
        return [kind for kind in PartyKind.values if kind in chosen]


class SessionInline(admin.TabularInline):
    model = Session
    form = SessionTimesForm
    fields = [
        "title",
        "body",
        "starts_at",
        "ends_at",
        "room",
        "mode",
        "order",
        "times_tentative",
    ]
    extra = 0
    show_change_link = True

    def get_queryset(self, request):
        # Each row is labelled with the session's name, which names its meeting.
        return super().get_queryset(request).select_related("meeting")


class MeetingForm(forms.ModelForm):
    class Meta:
        help_texts = {
            "registration_opens_at": LOCAL_TIME_HELP,
            "registration_closes_at": LOCAL_TIME_HELP,
        }

    def clean(self):
        cleaned_data = super().clean()
        if self.instance.pk is None or not all(
            cleaned_data.get(name) for name in ("start_date", "end_date", "time_zone")
        ):
            return cleaned_data
        # The database refuses dates that leave a stored session outside; say
        # so here instead of failing on save.
        start, end = Meeting(
            start_date=cleaned_data["start_date"],
            end_date=cleaned_data["end_date"],
            time_zone=cleaned_data["time_zone"],
        ).local_window()
        outside = list(
            self.instance.sessions.filter(
                Q(starts_at__lt=start) | Q(ends_at__gt=end)
            ).values_list("title", flat=True)
        )
        if outside:
            self.add_error(
                None,
                ValidationError(
                    _(
                        "These sessions would lie outside the new dates; move "
                        "them first: %(sessions)s."
                    ),
                    params={"sessions": ", ".join(outside)},
                ),
            )
        return cleaned_data


@admin.register(Meeting)
class MeetingAdmin(MeetingClockMixin, admin.ModelAdmin):
    form = MeetingForm
    list_display = [
        "title",
        "slug",
        "body",
        "number",
        "city",
        "dates",
        "status",
        "is_demo",
        "session_count",
    ]
    list_select_related = ["body"]
    list_filter = ["status", "body", "is_demo", "host_country"]
    search_fields = ["title", "slug", "city", "body__acronym", "body__name"]
    date_hierarchy = "start_date"
    ordering = ["-start_date", "slug"]
    prepopulated_fields = {"slug": ["title"]}
    fieldsets = [
        (
            _("Identity"),
            {"fields": ["title", "slug", "body", "number", "description"]},
        ),
        (
            _("Place and time"),
            {
                "fields": [
                    "host_country",
                    "host_organisation",
                    "venue",
                    "city",
                    "start_date",
                    "end_date",
                    "time_zone",
                ]
            },
        ),
        (
            _("Registration"),
            {"fields": ["registration_opens_at", "registration_closes_at"]},
        ),
        (_("Status"), {"fields": ["status", "is_demo"]}),
    ]
    inlines = [SessionInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(session_count=Count("sessions"))

    def meeting_zone(self, request, object_id):
        if object_id is None:
            zone_name = request.POST.get("time_zone", "")
            try:
                validate_time_zone(zone_name)
            except ValidationError:
                return None
            return zone_name
        meeting = self.get_object(request, unquote(object_id))
        return meeting.tz if meeting else None

    @admin.display(description=_("dates"), ordering="start_date")
    def dates(self, meeting):
        return (
            f"{date_format(meeting.start_date, 'j M Y')} – "
            f"{date_format(meeting.end_date, 'j M Y')}"
        )

    @admin.display(description=_("sessions"), ordering="session_count")
    def session_count(self, meeting):
        return meeting.session_count


class AgendaItemInline(admin.TabularInline):
    model = AgendaItem
    fields = ["number", "order", "title", "description"]
    extra = 0
    show_change_link = True
    formfield_overrides = {
        models.TextField: {"widget": forms.Textarea(attrs={"rows": 2, "cols": 40})}
    }


@admin.register(Session)
class SessionAdmin(MeetingClockMixin, admin.ModelAdmin):
    form = SessionForm
    list_display = [
        "title",
        "meeting",
        "body",
        "local_start",
        "room",
        "mode",
        "times_tentative",
    ]
    list_filter = ["meeting", "body", "mode", "times_tentative"]
    search_fields = [
        "title",
        "room",
        "meeting__title",
        "meeting__slug",
        "body__acronym",
    ]
    date_hierarchy = "starts_at"
    ordering = ["meeting", "starts_at", "order"]
    autocomplete_fields = ["meeting"]
    fieldsets = [
        (None, {"fields": ["meeting", "body", "title", "order"]}),
        (
            _("Time and place"),
            {"fields": ["starts_at", "ends_at", "times_tentative", "room", "mode"]},
        ),
        (_("Participation"), {"fields": ["open_to", "capacity"]}),
    ]
    inlines = [AgendaItemInline]

    def get_queryset(self, request):
        # The changelist ignores list_select_related for a queryset that
        # already selects related rows, so this covers the list's columns too.
        return super().get_queryset(request).select_related("meeting", "body")

    def get_readonly_fields(self, request, obj=None):
        # Its times were read in its meeting's zone, and registrations and
        # attendance hang on it: a session stays in its meeting.
        if obj is not None:
            return ["meeting"]
        return []

    def meeting_zone(self, request, object_id):
        if object_id is None:
            return meeting_zone_from_post(request, "meeting")
        session = self.get_object(request, unquote(object_id))
        return session.meeting.tz if session else None

    @admin.display(description=_("starts (local time)"), ordering="starts_at")
    def local_start(self, session):
        return format_local(session.local_starts_at(), session.meeting.time_zone)


@admin.register(AgendaItem)
class AgendaItemAdmin(admin.ModelAdmin):
    list_display = ["number", "title", "session", "order"]
    list_select_related = ["session__meeting"]
    list_filter = ["session__meeting", ("session", SessionListFilter)]
    search_fields = ["number", "title", "session__title"]
    ordering = ["session", "order", "number"]
    autocomplete_fields = ["session"]
