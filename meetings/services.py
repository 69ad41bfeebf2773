"""Every write to minutes goes through these functions.

Minutes move draft → circulated for comment → adopted (or adopted ad
referendum); adopted minutes are read-only until the secretariat reopens
them, with a reason. Each function runs in one transaction, locks the
minutes' row, keeps a revision (who, when, what) and sends mail only after
the transaction commits.

Heads of delegation live in the delegates app, which this app never imports,
so whoever circulates minutes passes the recipients in; the delegates app
registers a provider in `HEADS_OF_DELEGATION` to suggest them.
"""

import datetime
import difflib

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.audit import audited

from .models import Minutes, MinutesItem, MinutesRevision, Session

__all__ = [
    "HEADS_OF_DELEGATION",
    "SESSION_ATTENDANCE",
    "MinutesError",
    "heads_of_delegation_emails",
    "minutes_admin_url",
    "minutes_adopt",
    "minutes_circulate",
    "minutes_guard_editable",
    "minutes_read_url",
    "minutes_record_revision",
    "minutes_reopen",
    "minutes_snapshot",
    "minutes_start",
    "revision_diff",
    "revision_lines",
    "session_attendance_sentence",
]

MANAGE_PERMISSION = "meetings.manage_minutes"
Status = Minutes.Status

# Callables `provider(meeting) -> list[str]` of the heads of delegation's
# email addresses; the delegates app adds one in its AppConfig.ready().
HEADS_OF_DELEGATION = []


def heads_of_delegation_emails(meeting) -> list[str]:
    """The addresses every registered provider gives for the meeting, in the
    providers' order, each once."""
    emails = []
    for provider in HEADS_OF_DELEGATION:
        for email in provider(meeting):
            if email not in emails:
                emails.append(email)
    return emails


# Callables `provider(session) -> str` giving the session's attendance
# sentence from its attendance records; the delegates app adds one.
SESSION_ATTENDANCE = []


def session_attendance_sentence(session) -> str:
    """The first registered provider's sentence for the session, or ""."""
    for provider in SESSION_ATTENDANCE:
        return provider(session) or ""
    return ""


class MinutesError(Exception):
    """A minutes rule refused the change; the message is fit to show the
    user and `code` tells callers and tests which rule it was."""

    def __init__(self, message, *, code="invalid"):
        super().__init__(message)
        self.message = message
        self.code = code


def _lock(minutes):
    return Minutes.objects.select_for_update().get(pk=minutes.pk)


def minutes_admin_url(minutes):
    """The absolute address of the minutes' page in the admin."""
    path = reverse("admin:meetings_minutes_change", args=[minutes.pk])
    return settings.PORTAL_BASE_URL.rstrip("/") + path


def minutes_read_url(minutes):
    """The absolute address of the minutes' private read-only page, the one
    mailed to heads of delegation (who are not admin users)."""
    path = reverse("meetings:minutes_read", args=[minutes.read_token])
    return settings.PORTAL_BASE_URL.rstrip("/") + path


@audited()
def minutes_start(*, session: Session, by) -> Minutes:
    """Draft minutes for the session with one record per agenda item.

    Calling it again adds records for agenda items added since, and changes
    nothing else.
    """
    with transaction.atomic():
        # Lock the session so two starts do not both create the minutes.
        Session.objects.select_for_update().get(pk=session.pk)
        minutes, created = Minutes.objects.get_or_create(session=session)
        # One save each, not bulk_create, so the audit log records each
        # record; a session has few agenda items.
        for agenda_item in session.agenda_items.filter(record__isnull=True):
            MinutesItem.objects.create(minutes=minutes, agenda_item=agenda_item)
        if created:
            minutes_record_revision(minutes=minutes, by=by, action="started")
    return minutes


def minutes_snapshot(minutes) -> dict:
    """All of the minutes' text, as a revision keeps it."""
    items = minutes.items.select_related("agenda_item").prefetch_related(
        "conclusions", "actions"
    )
    return {
        "introduction": minutes.introduction,
        "items": [
            {
                "number": item.agenda_item.number,
                "title": item.agenda_item.title,
                "discussion": item.discussion,
                "conclusions": [[c.kind, c.text] for c in item.conclusions.all()],
                "actions": [
                    [
                        action.text,
                        action.responsible_note,
                        action.due_date.isoformat() if action.due_date else None,
                        action.status,
                        action.progress_note,
                    ]
                    for action in item.actions.all()
                ],
            }
            for item in items
        ],
    }


def minutes_record_revision(*, minutes, by, action, note=""):
    """Keep the minutes' present text as their next revision.

    An "edited" revision that changes no text is not kept; returns the new
    revision or None.
    """
    with transaction.atomic():
        _lock(minutes)
        content = minutes_snapshot(minutes)
        last = minutes.revisions.order_by("-number").first()
        if action == "edited" and last is not None and last.content == content:
            return None
        number = (minutes.revisions.aggregate(n=Max("number"))["n"] or 0) + 1
        return MinutesRevision.objects.create(
            minutes=minutes,
            number=number,
            author=by if by is not None and by.is_authenticated else None,
            action=action,
            note=note,
            content=content,
        )


def minutes_guard_editable(minutes):
    """Refuse any change to adopted minutes."""
    if minutes.is_adopted:
        raise MinutesError(
            _("Adopted minutes are read-only; the secretariat may reopen them."),
            code="adopted",
        )


def _require_manager(by):
    if not by.has_perm(MANAGE_PERMISSION):
        raise MinutesError(
            _("Only the secretariat may circulate, adopt or reopen minutes."),
            code="permission",
        )


def _send_circulation_mail(minutes, recipients):
    context = {
        "session": minutes.session.title,
        "meeting": minutes.session.meeting.title,
        "link": minutes_read_url(minutes),
        "due": minutes.comments_due.isoformat() if minutes.comments_due else "",
    }
    subject = gettext("Draft minutes for comment: %(session)s") % context
    body = (
        gettext(
            "The draft minutes of %(session)s (%(meeting)s) are circulated for "
            "comment.\n\nRead them here: %(link)s\n"
        )
        % context
    )
    if minutes.comments_due:
        body += gettext("Comments are due by %(due)s.\n") % context
    send_mail(subject, body, None, list(recipients))


@audited()
def minutes_circulate(*, minutes, by, recipients, comments_due=None) -> Minutes:
    """Circulate draft minutes for comment and mail the recipients a link."""
    _require_manager(by)
    recipients = sorted({address.strip() for address in recipients if address})
    if not recipients:
        raise MinutesError(_("Name at least one recipient."), code="no_recipients")
    with transaction.atomic():
        locked = _lock(minutes)
        if locked.status != Status.DRAFT:
            raise MinutesError(
                _("Only draft minutes can be circulated."), code="not_draft"
            )
        locked.status = Status.CIRCULATED
        locked.circulated_at = timezone.now()
        locked.comments_due = comments_due
        locked.save(update_fields=["status", "circulated_at", "comments_due"])
        minutes_record_revision(
            minutes=locked,
            by=by,
            action="circulated",
            note=", ".join(recipients),
        )
        transaction.on_commit(lambda: _send_circulation_mail(locked, recipients))
    return locked


@audited()
def minutes_adopt(
    *, minutes, by, on: datetime.date, ad_referendum: bool = False
) -> Minutes:
    """Adopt draft or circulated minutes on the given date."""
    _require_manager(by)
    with transaction.atomic():
        locked = _lock(minutes)
        if locked.status not in (Status.DRAFT, Status.CIRCULATED):
            raise MinutesError(
                _("These minutes are already adopted."), code="already_adopted"
            )
        locked.status = (
            Status.ADOPTED_AD_REFERENDUM if ad_referendum else Status.ADOPTED
        )
        locked.adopted_on = on
        locked.save(update_fields=["status", "adopted_on"])
        minutes_record_revision(
            minutes=locked, by=by, action=locked.status, note=on.isoformat()
        )
    return locked


@audited()
def minutes_reopen(*, minutes, by, reason) -> Minutes:
    """Return adopted minutes to draft; the secretariat only, with a reason."""
    _require_manager(by)
    reason = (reason or "").strip()
    if not reason:
        raise MinutesError(
            _("Say why the minutes are reopened."), code="reason_required"
        )
    with transaction.atomic():
        locked = _lock(minutes)
        if not locked.is_adopted:
            raise MinutesError(
                _("Only adopted minutes can be reopened."), code="not_adopted"
            )
        locked.status = Status.DRAFT
        locked.adopted_on = None
        locked.save(update_fields=["status", "adopted_on"])
        minutes_record_revision(minutes=locked, by=by, action="reopened", note=reason)
    return locked


def revision_lines(content) -> list[str]:
    """A revision's content as lines of text, for comparing two of them."""
    lines = [gettext("Introduction"), *content.get("introduction", "").splitlines()]
    for item in content.get("items", []):
        lines += ["", f"{item['number']}. {item['title']}"]
        lines += item["discussion"].splitlines()
        for kind, text in item["conclusions"]:
            lines += [f"[{kind}] {line}" for line in text.splitlines() or [""]]
        for text, responsible, due, status, progress in item["actions"]:
            lines += [f"[action] {line}" for line in text.splitlines() or [""]]
            lines.append(f"  {responsible} | {due or '-'} | {status}")
            lines += [f"  {line}" for line in progress.splitlines()]
    return lines


def revision_diff(old, new) -> str:
    """An HTML table of the differences between two revisions.

    difflib.HtmlDiff escapes the text it shows (&, < and >), so the table
    may be put on a page as it is.
    """
    return difflib.HtmlDiff(wrapcolumn=80).make_table(
        revision_lines(old.content),
        revision_lines(new.content),
        fromdesc=gettext("Revision %(n)s") % {"n": old.number},
        todesc=gettext("Revision %(n)s") % {"n": new.number},
        context=True,
    )
