"""Who owes a second factor before the portal opens to them, and where they
are sent to give it.

Signing in with a password alone leaves a user with a confirmed device
signed in but not verified; the session is marked at sign-in, so that the
check costs no query on later requests. Everything but the code step,
signing out and the public pages then sends them to the code step.
With OTP_REQUIRED_FOR_SECRETARIAT, the secretariat and superusers must also
have set up a device and used it in this session before any page behind
sign-in (the admin, the staff pages) opens: they are sent to set it up.
"""

from django.conf import settings
from django.contrib.auth import signals
from django.contrib.auth.views import redirect_to_login
from django.dispatch import receiver
from django.urls import reverse
from django_otp import user_has_device

from .roles import SECRETARIAT

# The session of a user who has a device and has not yet given a code.
CODE_OWED_SESSION_KEY = "accounts_otp_code_owed"

# Views open to a user who owes a code; public views are open to all.
OPEN_WHILE_CODE_OWED = {"accounts:verify", "logout", "admin:logout"}
OPEN_WHILE_DEVICE_MISSING = OPEN_WHILE_CODE_OWED | {
    "accounts:setup",
    "accounts:two_factor",
}


@receiver(signals.user_logged_in, dispatch_uid="accounts.note_code_owed")
def note_code_owed(sender, request, user, **kwargs):
    """Mark the session of a sign-in that still owes a code."""
    session = getattr(request, "session", None)
    if session is None:
        return
    if getattr(user, "otp_device", None) is None and user_has_device(user):
        session[CODE_OWED_SESSION_KEY] = True
    else:
        session.pop(CODE_OWED_SESSION_KEY, None)


def code_owed(request):
    return bool(request.session.get(CODE_OWED_SESSION_KEY)) and not is_verified(
        request.user
    )


def is_verified(user):
    return user.is_authenticated and getattr(user, "is_verified", bool)()


def must_use_device(user):
    """Whether the setting obliges this user to sign in with a device.

    Only staff can open the admin and the staff pages, so a non-staff member
    of the group is left alone (and costs no query).
    """
    if not settings.OTP_REQUIRED_FOR_SECRETARIAT:
        return False
    if user.is_superuser:
        return True
    return user.is_staff and user.groups.filter(name=SECRETARIAT).exists()


def send_to(request, view_name):
    return redirect_to_login(
        request.get_full_path(), reverse(view_name), redirect_field_name="next"
    )


class TwoFactorMiddleware:
    """Send a signed-in user who owes a code (or a device) to give it.

    Goes after django_otp's OTPMiddleware (which tells whether the session
    is verified) and LoginRequiredMiddleware (which deals with the anonymous).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = request.user
        if not user.is_authenticated or is_verified(user):
            return None
        if not getattr(view_func, "login_required", True):
            return None
        view_name = request.resolver_match.view_name
        if request.session.get(CODE_OWED_SESSION_KEY):
            if view_name in OPEN_WHILE_CODE_OWED:
                return None
            return send_to(request, "accounts:verify")
        if must_use_device(user):
            if view_name in OPEN_WHILE_DEVICE_MISSING:
                return None
            if user_has_device(user):
                return send_to(request, "accounts:verify")
            return send_to(request, "accounts:setup")
        return None
