"""The audit log: which models django-auditlog records, and how.

Every change to registrations, attendance, minutes and users becomes an
`auditlog.LogEntry`: who (the actor, or how a person without an account
acted), when, and the fields that changed. Secrets never reach it:

- a passport number keeps only its last three characters, as on the admin's
  pages; the other sensitive fields (passport expiry and issuer, photo,
  dietary and accessibility needs) are masked the same way, so purging them
  from a delegate leaves no copy in the log, only the fact of the change;
- a password (its hash), a private link's token and a badge's code are
  replaced by a fixed mark: the log says that they changed, never what to;
- the values held in a registration's approved version and in its details
  awaiting confirmation are masked key by key.

The masks run on the values as auditlog hands them over (text, or JSON
text), whether or not AUDITLOG_STORE_JSON_CHANGES is on; a value they cannot
read is masked whole.

Not registered: `RegistrationEvent` and `MinutesRevision`. Each is already a
history, written only by the services beside the change the log records,
and never changed afterwards; logging them would record every step twice.

The request's user is the actor (auditlog's middleware). Outside a request
(the shell, a management command, a test) a service names its actor through
`acting`; where nobody is known the actor stays empty, and `via` records how
a person without an account acted (their private link, the public form).
"""

import ast
import contextlib
import copy
import functools
import json
from contextvars import ContextVar
from dataclasses import dataclass

from auditlog.diff import model_instance_diff
from auditlog.middleware import AuditlogMiddleware
from auditlog.models import LogEntry
from auditlog.receivers import check_disable
from auditlog.registry import auditlog
from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db.models.signals import m2m_changed, pre_save
from django.utils.translation import gettext_lazy as _

SECRET_MARK = "********"
BLANK_VALUES = ("", "None", "null")

# What `via` records, and how the admin shows it.
PRIVATE_LINK = "private_link"
PUBLIC_FORM = "public_form"
VIA_LABELS = {
    PRIVATE_LINK: _("the registration's private link"),
    PUBLIC_FORM: _("the public registration form"),
}

# Delegate fields the log shows only masked; the same names inside a
# registration's JSON fields.
SENSITIVE_DELEGATE_FIELDS = (
    "passport_number",
    "passport_expiry",
    "passport_country",
    "photo",
    "dietary_requirements",
    "accessibility_needs",
)


def _is_blank(value):
    return value is None or str(value).strip() in BLANK_VALUES


def mask_last_three(value) -> str:
    """All but the last three characters hidden, as `mask_passport` shows a
    passport; a value of three characters or fewer is hidden whole."""
    from delegates.models import mask_passport

    if _is_blank(value):
        return ""
    value = str(value)
    if len(value) <= 3:
        return "•" * 3
    return mask_passport(value)


def mask_secret(value) -> str:
    """A fixed mark: the log says a secret changed, never any of it."""
    return "" if _is_blank(value) else SECRET_MARK


def _parsed(value):
    """The dict auditlog gave as text: JSON, or Python's repr of it (how an
    encrypted JSON field, or any under AUDITLOG_STORE_JSON_CHANGES, comes)."""
    for parse in (json.loads, ast.literal_eval):
        try:
            return parse(value)
        except (TypeError, ValueError, SyntaxError, MemoryError, RecursionError):
            continue
    return None


def mask_registration_value(value) -> str:
    """A registration's token, or one of its JSON fields (approved version,
    details awaiting confirmation) with the sensitive keys masked."""
    if _is_blank(value):
        return ""
    data = _parsed(str(value))
    if not isinstance(data, dict):
        # The token, or a value no mask can read: nothing of it is kept.
        return SECRET_MARK
    masked = {
        key: mask_last_three(item) if key in SENSITIVE_DELEGATE_FIELDS else item
        for key, item in data.items()
    }
    return json.dumps(masked, ensure_ascii=False, sort_keys=True, default=str)


def register_models():
    """Register the audited models with auditlog (once; from ready())."""
    model = apps.get_model
    audited = [
        (
            model("delegates", "Registration"),
            {
                "exclude_fields": ["updated_at"],
                "mask_fields": ["token", "approved_snapshot", "proposed_details"],
                "mask_callable": "accounts.audit.mask_registration_value",
                # A session's name carries its meeting's slug.
                "m2m_related": {"sessions": ["meeting"]},
            },
        ),
        (model("delegates", "Attendance"), {}),
        (
            model("delegates", "BadgeCode"),
            {
                "mask_fields": ["code"],
                "mask_callable": "accounts.audit.mask_last_three",
            },
        ),
        (
            model("delegates", "Delegate"),
            {
                "exclude_fields": ["updated_at"],
                "mask_fields": list(SENSITIVE_DELEGATE_FIELDS),
                "mask_callable": "accounts.audit.mask_last_three",
            },
        ),
        (model("delegates", "Delegation"), {"m2m_fields": ["focal_points"]}),
        (model("delegates", "ActionItemParty"), {}),
        (
            model("meetings", "Minutes"),
            {
                "exclude_fields": ["updated_at"],
                "mask_fields": ["read_token"],
                "mask_callable": "accounts.audit.mask_secret",
                "m2m_fields": ["rapporteurs"],
            },
        ),
        (model("meetings", "MinutesItem"), {}),
        (model("meetings", "Conclusion"), {}),
        (
            model("meetings", "ActionItem"),
            {"exclude_fields": ["updated_at"], "m2m_fields": ["responsible_bodies"]},
        ),
        (
            get_user_model(),
            {
                # A sign-in writes last_login: not a change to the account.
                "exclude_fields": ["last_login"],
                # Masked rather than left out, so a new password is logged
                # (who set it, when) without any of its hash.
                "mask_fields": ["password"],
                "mask_callable": "accounts.audit.mask_secret",
                "m2m_fields": ["groups", "user_permissions"],
            },
        ),
        (Group, {"m2m_fields": ["permissions"]}),
    ]
    for audited_model, options in audited:
        if auditlog.contains(audited_model):
            continue
        # Other models' links to this one are no field of it; auditlog would
        # list each, as "None", on every creation.
        reverse_links = [
            field.name
            for field in audited_model._meta.get_fields()
            if field.auto_created and not field.concrete
        ]
        exclude = [*options.pop("exclude_fields", []), *reverse_links]
        m2m_related = options.pop("m2m_related", {})
        auditlog.register(audited_model, exclude_fields=exclude, **options)
        for field_name, related in m2m_related.items():
            through = getattr(audited_model, field_name).through
            m2m_changed.connect(
                _m2m_logger(field_name, related),
                sender=through,
                weak=False,
                dispatch_uid=f"audit-m2m-{through._meta.label_lower}",
            )


def _m2m_logger(field_name, related):
    """A receiver logging changes to a many-to-many field as auditlog's own
    does (`m2m_fields`), but reading the objects added or removed with
    `select_related(*related)`: their names need those rows, which auditlog
    would fetch one query per object. A clear logs the objects it removed."""

    @check_disable
    def log(signal, sender, instance, action, model, pk_set, **kwargs):
        if action == "pre_clear":
            instance._audit_cleared = list(
                getattr(instance, field_name).select_related(*related)
            )
            return
        if action == "post_clear":
            changed = instance.__dict__.pop("_audit_cleared", [])
        elif action in ("post_add", "post_remove"):
            changed = model._default_manager.select_related(*related).filter(
                pk__in=pk_set
            )
        else:
            return
        operation = "add" if action == "post_add" else "delete"
        LogEntry.objects.log_m2m_changes(changed, instance, operation, field_name)

    return log


# --- Writes that send no signal ----------------------------------------------


def log_change(before, after, fields=None):
    """Record, as auditlog would on save(), what differs between two states
    of one object (in `fields`, or all), masked as registered; for a write
    that bypassed save(). `before` must hold those fields as they were (not
    deferred). Returns the entry, or None if nothing changed."""
    if not auditlog.contains(type(after)):
        return None
    changes = model_instance_diff(
        before,
        after,
        fields_to_check=fields,
        use_json_for_changes=settings.AUDITLOG_STORE_JSON_CHANGES,
    )
    if not changes:
        return None
    return LogEntry.objects.log_create(
        after, action=LogEntry.Action.UPDATE, changes=changes
    )


def queryset_update(queryset, **values) -> int:
    """`queryset.update(**values)`, leaving an audit entry per row changed.

    Values are plain values, not expressions. Reads the rows first, so it is
    for the occasional bulk write (a command, a purge), not a hot path; the
    caller locks the rows if they may change in between.
    """
    # Every field loaded now: a deferred one would be read after the write.
    before = list(queryset.defer(None))
    count = queryset.model._default_manager.filter(
        pk__in=[obj.pk for obj in before]
    ).update(**values)
    for obj in before:
        after = copy.copy(obj)
        for name, value in values.items():
            setattr(after, name, value)
        log_change(obj, after, fields=values)
    return count


# --- Who acted -------------------------------------------------------------


@dataclass(frozen=True)
class _Acting:
    actor: object = None
    via: str = ""


_NOBODY = _Acting()
_acting = ContextVar("accounts_audit_acting", default=None)


def _signed_in(user):
    return user is not None and getattr(user, "is_authenticated", False)


@contextlib.contextmanager
def acting(by=None, *, via=""):
    """Inside, audit entries without an actor name `by`, and record `via`.

    Auditlog's own `set_actor` is not used: within a request, the entries
    written inside its block lose the request's address, and those written
    after it lose the actor too, as its context is never undone. This one
    nests, undoes itself and leaves the request's context alone.
    """
    outer = _acting.get() or _NOBODY
    token = _acting.set(
        _Acting(
            actor=by if _signed_in(by) else outer.actor,
            via=via or outer.via,
        )
    )
    try:
        yield
    finally:
        _acting.reset(token)


def audited(*, by="by", anonymous=""):
    """Decorate a service: its writes name its `by` keyword as their actor;
    called without a signed-in `by`, they record `anonymous` as `via`."""

    def decorate(service):
        @functools.wraps(service)
        def wrapper(*args, **kwargs):
            user = kwargs.get(by)
            with acting(user, via="" if _signed_in(user) else anonymous):
                return service(*args, **kwargs)

        return wrapper

    return decorate


def _stamp_entry(sender, instance, **kwargs):
    """Give a new entry the actor and `via` that `acting` set.

    Runs before auditlog's middleware receiver, which then fills the
    request's address and keeps an actor already set.
    """
    if instance.pk is not None:
        return
    current = _acting.get() or _NOBODY
    if instance.actor_id is None and current.actor is not None:
        instance.actor = current.actor
        instance.actor_email = getattr(current.actor, "email", None)
    if current.via:
        instance.additional_data = {
            **(instance.additional_data or {}),
            "via": current.via,
        }


class AuditMiddleware(AuditlogMiddleware):
    """Auditlog's middleware, recording the address the lockouts count.

    Auditlog's own takes X-Forwarded-For and X-Forwarded-Port as they come,
    but the client writes them (and a value that is no address would fail
    the write on PostgreSQL). `delegates.ratelimit.client_ip` trusts only
    REMOTE_ADDR and the proxies in TRUSTED_PROXY_COUNT, so an entry shows
    the address django-axes shows for a sign-in (an IPv6 client as its /64).
    """

    @staticmethod
    def _get_remote_addr(request):
        from delegates.ratelimit import client_ip

        if settings.AUDITLOG_DISABLE_REMOTE_ADDR:
            return None
        return client_ip(request)

    @staticmethod
    def _get_remote_port(request):
        return None


register_models()
pre_save.connect(_stamp_entry, sender=LogEntry, dispatch_uid="accounts.audit.stamp")
