"""The audit log and the sign-in records in the admin: read, never written.

Whoever holds `auditlog.view_logentry` (the Secretariat role) reads the
audit log; nobody, not even a superuser, adds, changes or deletes an entry
here. The sign-in records of django-axes are read-only likewise, except
that deleting an access attempt, which unlocks that user name and address,
stays with those allowed to delete attempts (the superuser).
"""

from auditlog.admin import LogEntryAdmin as AuditlogLogEntryAdmin
from auditlog.models import LogEntry
from auditlog.registry import auditlog
from axes import admin as axes_admin
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from .audit import VIA_LABELS


class ReadOnlyAdminMixin:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class AuditedModelFilter(admin.SimpleListFilter):
    """By model, as "app_label.model": the audited models, named without a
    query, where auditlog's own filter reads every entry to list them."""

    title = _("model")
    parameter_name = "model"

    def lookups(self, request, model_admin):
        return sorted(
            (
                (model._meta.label_lower, capfirst(model._meta.verbose_name_plural))
                for model in auditlog.get_models()
            ),
            key=lambda choice: str(choice[1]),
        )

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        app_label, _dot, model_name = self.value().partition(".")
        return queryset.filter(
            content_type__app_label=app_label, content_type__model=model_name
        )


admin.site.unregister(LogEntry)


@admin.register(LogEntry)
class LogEntryAdmin(ReadOnlyAdminMixin, AuditlogLogEntryAdmin):
    list_display = ["created", "resource_url", "action", "msg_short", "who"]
    list_filter = [
        AuditedModelFilter,
        "action",
        ("actor", admin.RelatedOnlyFieldListFilter),
        "timestamp",
    ]
    search_fields = ["object_repr"]
    search_help_text = _("Search by what was changed, e.g. a reference or a name.")
    readonly_fields = [
        "created",
        "resource_url",
        "action",
        "who",
        "remote_addr",
        "msg",
    ]
    fieldsets = [
        (None, {"fields": ["created", "who", "remote_addr", "resource_url"]}),
        (_("Changes"), {"fields": ["action", "msg"]}),
    ]

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("Who"))
    def who(self, entry):
        """The user, or, without one, how the person acted."""
        via = VIA_LABELS.get((entry.additional_data or {}).get("via"))
        if entry.actor_id is not None:
            who = self.user_url(entry)
        elif entry.actor_email:
            who = _("%(email)s (user since deleted)") % {"email": entry.actor_email}
        elif via:
            who = _("Nobody signed in")
        else:
            return _("Nobody signed in (a command or the system)")
        if via:
            return format_html(_("{who}, through {via}"), who=who, via=via)
        return who


class AccessAttemptAdmin(ReadOnlyAdminMixin, axes_admin.AccessAttemptAdmin):
    @admin.action(description=_("Clean up expired attempts"), permissions=["delete"])
    def cleanup_expired_attempts(self, request, queryset):
        return super().cleanup_expired_attempts(request, queryset)


class AccessLogAdmin(ReadOnlyAdminMixin, axes_admin.AccessLogAdmin):
    def has_delete_permission(self, request, obj=None):
        return False


class AccessFailureLogAdmin(ReadOnlyAdminMixin, axes_admin.AccessFailureLogAdmin):
    def has_delete_permission(self, request, obj=None):
        return False


admin.site.unregister([AccessAttempt, AccessLog, AccessFailureLog])
admin.site.register(AccessAttempt, AccessAttemptAdmin)
admin.site.register(AccessLog, AccessLogAdmin)
admin.site.register(AccessFailureLog, AccessFailureLogAdmin)
