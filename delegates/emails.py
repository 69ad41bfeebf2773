"""Mail to delegates and to the secretariat, in the reader's language.

Called from services inside `transaction.on_commit`, so nothing is sent for
a registration whose transaction rolled back.
"""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

REGISTRATION_EVENTS = (
    "submitted",
    "approved",
    "waitlisted",
    "rejected",
    "pending",
    "withdrawn",
    "link",
)


def private_link(registration):
    path = reverse("delegates:manage", kwargs={"token": registration.token})
    return settings.PORTAL_BASE_URL.rstrip("/") + path


def _send(template, context, to, language):
    # No request here, so the i18n context processor cannot say the language.
    context = {**context, "LANGUAGE_CODE": language}
    with translation.override(language):
        subject = render_to_string(f"emails/{template}_subject.txt", context)
        text = render_to_string(f"emails/{template}.txt", context)
        html = render_to_string(f"emails/{template}.html", context)
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split()), body=text, to=to
    )
    message.attach_alternative(html, "text/html")
    message.send()


def send_registration_mail(registration, event):
    """Tell the delegate what happened to their registration."""
    if event not in REGISTRATION_EVENTS:
        raise ValueError(f"No mail for the event {event!r}.")
    delegate = registration.delegate
    context = {
        "registration": registration,
        "delegate": delegate,
        "meeting": registration.meeting,
        "link": private_link(registration),
        "portal_url": settings.PORTAL_BASE_URL,
    }
    _send(
        f"registration_{event}",
        context,
        [delegate.email],
        delegate.preferred_language or settings.LANGUAGE_CODE,
    )


def send_secretariat_mail(registration, event):
    """Ask the secretariat for a decision, e.g. on an amended registration."""
    recipients = settings.SECRETARIAT_EMAILS
    if not recipients:
        return
    admin_path = reverse("admin:delegates_registration_change", args=[registration.pk])
    context = {
        "registration": registration,
        "delegate": registration.delegate,
        "meeting": registration.meeting,
        "admin_link": settings.PORTAL_BASE_URL.rstrip("/") + admin_path,
    }
    _send(f"secretariat_{event}", context, recipients, settings.LANGUAGE_CODE)
