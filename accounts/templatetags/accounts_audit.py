"""The link from an audited object's admin page to its entries in the log."""

from urllib.parse import urlencode

from django import template
from django.urls import reverse

register = template.Library()


@register.simple_tag(takes_context=True)
def audit_log_url(context, obj):
    """The audit log filtered to `obj`, for those who may read it; else "".

    Names the model by its label rather than its content type's id, so the
    link costs no query.
    """
    request = context.get("request")
    if (
        obj is None
        or obj.pk is None
        or request is None
        or not request.user.has_perm("auditlog.view_logentry")
    ):
        return ""
    query = urlencode({"model": obj._meta.label_lower, "object_id": obj.pk})
    return f"{reverse('admin:auditlog_logentry_changelist')}?{query}"
