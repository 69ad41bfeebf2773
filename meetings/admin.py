"""The secretariat's admin for the programme and the minutes.

Times are stored in UTC but a meeting keeps the clock of its venue, so the
forms that hold a meeting's date-times read and show them in the meeting's own
zone, and the lists name the zone beside each time.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import models
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import SimpleTemplateResponse, TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from . import selectors, services
from .markup import render_markdown
from .models import (
    ActionItem,
    AgendaItem,
    Body,
    Conclusion,
    Meeting,
    Minutes,
    MinutesItem,
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

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "body":
            # The bodies read once for all the rows, not once a row.
            field.choices = list(field.choices)
        return field


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


# Minutes: the secretariat manages all of them; a rapporteur sees and edits
# only the minutes of the sessions assigned to them. Adopted minutes are
# read-only until reopened, and every save keeps a revision.


def is_secretariat(user):
    return user.is_superuser or user.has_perm(services.MANAGE_PERMISSION)


def minutes_for(request, queryset, lookup="pk"):
    """The part of `queryset` the user may see; `lookup` leads to Minutes."""
    if is_secretariat(request.user):
        return queryset
    allowed = Minutes.objects.filter(rapporteurs=request.user).values("pk")
    return queryset.filter(**{f"{lookup}__in": allowed})


class MinutesReadOnlyMixin:
    """Inlines that may not change a thing once their minutes are adopted."""

    def minutes_of(self, obj):
        return obj if isinstance(obj, Minutes) else getattr(obj, "minutes", None)

    def _open(self, obj):
        minutes = self.minutes_of(obj)
        return minutes is None or not minutes.is_adopted

    def has_add_permission(self, request, obj=None):
        return self._open(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._open(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._open(obj) and super().has_delete_permission(request, obj)


class MinutesItemInline(MinutesReadOnlyMixin, admin.StackedInline):
    model = MinutesItem
    fields = ["agenda_item", "discussion"]
    readonly_fields = ["agenda_item"]
    extra = 0
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        # A record per agenda item is made when the minutes are started.
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("agenda_item")


class RecipientsField(forms.CharField):
    widget = forms.Textarea(attrs={"rows": 6, "cols": 60})

    def clean(self, value):
        value = super().clean(value)
        addresses = [line.strip() for line in value.splitlines() if line.strip()]
        for address in addresses:
            try:
                validate_email(address)
            except ValidationError:
                raise ValidationError(
                    _("%(address)s is not an email address."),
                    params={"address": address},
                ) from None
        if not addresses:
            raise ValidationError(_("Name at least one recipient."))
        return addresses


class CirculateForm(forms.Form):
    recipients = RecipientsField(
        label=_("recipients"),
        help_text=_("The heads of delegation's email addresses, one a line."),
    )
    comments_due = forms.DateField(
        label=_("comments due"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )


class AdoptForm(forms.Form):
    on = forms.DateField(
        label=_("adopted on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    ad_referendum = forms.BooleanField(label=_("ad referendum"), required=False)


class ReopenForm(forms.Form):
    reason = forms.CharField(
        label=_("reason"), widget=forms.Textarea(attrs={"rows": 3, "cols": 60})
    )


class MinutesForm(forms.ModelForm):
    def clean(self):
        cleaned_data = super().clean()
        try:
            if self.instance.pk:
                # Read again: the minutes may have been adopted meanwhile.
                services.minutes_guard_editable(
                    Minutes.objects.get(pk=self.instance.pk)
                )
        except services.MinutesError as error:
            raise ValidationError(error.message, code=error.code) from None
        return cleaned_data


@admin.register(Minutes)
class MinutesAdmin(admin.ModelAdmin):
    form = MinutesForm
    list_display = [
        "session_title",
        "meeting",
        "status",
        "adopted_on",
        "rapporteur_names",
        "updated_at",
    ]
    list_filter = ["status", "session__meeting"]
    search_fields = ["session__title", "session__meeting__title", "introduction"]
    ordering = ["session__meeting", "session__starts_at"]
    autocomplete_fields = ["session"]
    filter_horizontal = ["rapporteurs"]
    inlines = [MinutesItemInline]
    change_form_template = "admin/meetings/minutes/change_form.html"
    STATE_FIELDS = ["status", "circulated_at", "comments_due", "adopted_on"]

    def get_queryset(self, request):
        queryset = (
            super()
            .get_queryset(request)
            .select_related("session__meeting")
            .prefetch_related("rapporteurs")
        )
        return minutes_for(request, queryset)

    def get_fields(self, request, obj=None):
        return ["session", "rapporteurs", "introduction", *self.STATE_FIELDS]

    def get_readonly_fields(self, request, obj=None):
        readonly = list(self.STATE_FIELDS)
        if obj is not None:
            readonly.append("session")
        if not is_secretariat(request.user):
            readonly.append("rapporteurs")
        return readonly

    def has_add_permission(self, request):
        return is_secretariat(request.user) and super().has_add_permission(request)

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.is_adopted:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.is_adopted:
            return False
        return is_secretariat(request.user) and super().has_delete_permission(
            request, obj
        )

    @admin.display(description=_("session"), ordering="session__title")
    def session_title(self, minutes):
        return minutes.session.title

    @admin.display(description=_("meeting"), ordering="session__meeting__title")
    def meeting(self, minutes):
        return minutes.session.meeting.title

    @admin.display(description=_("rapporteurs"))
    def rapporteur_names(self, minutes):
        return ", ".join(user.get_username() for user in minutes.rapporteurs.all())

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        minutes = form.instance
        if change:
            services.minutes_record_revision(
                minutes=minutes, by=request.user, action="edited"
            )
        else:
            # Added here rather than through minutes_start: fill in the
            # records of the agenda items and keep the first revision.
            services.minutes_start(session=minutes.session, by=request.user)
            services.minutes_record_revision(
                minutes=minutes, by=request.user, action="started"
            )

    # The workflow's own pages.

    def get_urls(self):
        def wrap(view):
            return self.admin_site.admin_view(view)

        name = "meetings_minutes"
        return [
            path(
                "<path:object_id>/revisions/diff/",
                wrap(self.revisions_diff_view),
                name=f"{name}_revisions_diff",
            ),
            path(
                "<path:object_id>/revisions/",
                wrap(self.revisions_view),
                name=f"{name}_revisions",
            ),
            path(
                "<path:object_id>/preview/",
                wrap(self.preview_view),
                name=f"{name}_preview",
            ),
            path(
                "<path:object_id>/circulate/",
                wrap(self.circulate_view),
                name=f"{name}_circulate",
            ),
            path(
                "<path:object_id>/adopt/", wrap(self.adopt_view), name=f"{name}_adopt"
            ),
            path(
                "<path:object_id>/reopen/",
                wrap(self.reopen_view),
                name=f"{name}_reopen",
            ),
            *super().get_urls(),
        ]

    def get_minutes_or_404(self, request, object_id):
        minutes = self.get_object(request, unquote(object_id))
        if minutes is None or not self.has_view_or_change_permission(request, minutes):
            raise Http404(_("No such minutes."))
        return minutes

    def page_context(self, request, minutes, title, **extra):
        return {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": minutes,
            "title": title,
            "has_view_permission": True,
            **extra,
        }

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "can_manage_minutes": is_secretariat(request.user),
        }
        minutes = self.get_object(request, unquote(object_id)) if object_id else None
        if minutes is not None:
            extra_context["matters_arising"] = self.matters_arising(minutes)
        return super().changeform_view(request, object_id, form_url, extra_context)

    def matters_arising(self, minutes):
        """The open actions of the body's earlier meetings, each with its text
        rendered and where it was decided, linked to that record."""
        actions = selectors.matters_arising(minutes.session)
        for action in actions:
            action.text_html = render_markdown(action.text)
            action.origin = selectors.action_origin(action)
            action.origin_url = reverse(
                "admin:meetings_minutesitem_change", args=[action.item_id]
            )
        return actions

    def revisions_view(self, request, object_id):
        minutes = self.get_minutes_or_404(request, object_id)
        revisions = minutes.revisions.select_related("author").order_by("-number")
        context = self.page_context(
            request, minutes, _("Revisions"), revisions=revisions
        )
        return TemplateResponse(
            request, "admin/meetings/minutes/revisions.html", context
        )

    def revisions_diff_view(self, request, object_id):
        minutes = self.get_minutes_or_404(request, object_id)
        try:
            numbers = [int(request.GET.get(key, "")) for key in ("a", "b")]
        except ValueError:
            raise Http404(_("No such revision.")) from None
        revisions = {r.number: r for r in minutes.revisions.filter(number__in=numbers)}
        if any(number not in revisions for number in numbers):
            raise Http404(_("No such revision."))
        old, new = sorted((revisions[n] for n in numbers), key=lambda r: r.number)
        context = self.page_context(
            request,
            minutes,
            _("Changes between revisions"),
            old=old,
            new=new,
            # difflib.HtmlDiff escapes the text it puts in the table.
            diff=mark_safe(services.revision_diff(old, new)),
        )
        return TemplateResponse(
            request, "admin/meetings/minutes/revisions_diff.html", context
        )

    def preview_view(self, request, object_id):
        minutes = self.get_minutes_or_404(request, object_id)
        # Every text is Markdown, shown only through the sanitiser.
        items = selectors.minutes_items_rendered(minutes)
        context = self.page_context(
            request,
            minutes,
            _("Preview"),
            items=items,
            introduction_html=render_markdown(minutes.introduction),
            attendance=services.session_attendance_sentence(minutes.session),
        )
        return TemplateResponse(request, "admin/meetings/minutes/preview.html", context)

    def workflow_view(self, request, object_id, form_class, title, act, initial=None):
        minutes = self.get_minutes_or_404(request, object_id)
        if not is_secretariat(request.user):
            raise PermissionDenied
        change_url = reverse("admin:meetings_minutes_change", args=[minutes.pk])
        form = form_class(
            request.POST or None, initial=initial(minutes) if initial else None
        )
        if request.method == "POST" and form.is_valid():
            try:
                act(minutes, form.cleaned_data)
            except services.MinutesError as error:
                self.message_user(request, error.message, messages.ERROR)
            else:
                self.message_user(request, _("Done."), messages.SUCCESS)
                return redirect(change_url)
        context = self.page_context(
            request, minutes, title, form=form, change_url=change_url
        )
        return TemplateResponse(
            request, "admin/meetings/minutes/workflow_form.html", context
        )

    def circulate_view(self, request, object_id):
        def act(minutes, data):
            services.minutes_circulate(
                minutes=minutes,
                by=request.user,
                recipients=data["recipients"],
                comments_due=data["comments_due"],
            )

        def initial(minutes):
            meeting = minutes.session.meeting
            emails = services.heads_of_delegation_emails(meeting)
            return {"recipients": "\n".join(emails)}

        return self.workflow_view(
            request,
            object_id,
            CirculateForm,
            _("Circulate for comment"),
            act,
            initial=initial,
        )

    def adopt_view(self, request, object_id):
        def act(minutes, data):
            services.minutes_adopt(
                minutes=minutes,
                by=request.user,
                on=data["on"],
                ad_referendum=data["ad_referendum"],
            )

        return self.workflow_view(request, object_id, AdoptForm, _("Adopt"), act)

    def reopen_view(self, request, object_id):
        def act(minutes, data):
            services.minutes_reopen(
                minutes=minutes, by=request.user, reason=data["reason"]
            )

        return self.workflow_view(request, object_id, ReopenForm, _("Reopen"), act)


class ConclusionInline(MinutesReadOnlyMixin, admin.TabularInline):
    model = Conclusion
    fields = ["kind", "text", "order"]
    extra = 0
    formfield_overrides = {
        models.TextField: {"widget": forms.Textarea(attrs={"rows": 3, "cols": 60})}
    }


class ActionItemInline(MinutesReadOnlyMixin, admin.StackedInline):
    model = ActionItem
    fields = [
        "text",
        "responsible_bodies",
        "responsible_note",
        "due_date",
        "status",
        "progress_note",
    ]
    filter_horizontal = ["responsible_bodies"]
    extra = 0
    formfield_overrides = {
        models.TextField: {"widget": forms.Textarea(attrs={"rows": 3, "cols": 60})}
    }


@admin.register(MinutesItem)
class MinutesItemAdmin(MinutesReadOnlyMixin, admin.ModelAdmin):
    list_display = ["agenda_item", "minutes"]
    list_select_related = ["agenda_item", "minutes__session"]
    list_filter = ["minutes__session__meeting"]
    search_fields = ["agenda_item__title", "discussion"]
    fields = ["minutes", "agenda_item", "discussion"]
    readonly_fields = ["minutes", "agenda_item"]
    inlines = [ConclusionInline, ActionItemInline]

    def get_queryset(self, request):
        queryset = (
            super()
            .get_queryset(request)
            .select_related("agenda_item", "minutes__session")
        )
        return minutes_for(request, queryset, lookup="minutes")

    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        services.minutes_record_revision(
            minutes=form.instance.minutes, by=request.user, action="edited"
        )
