"""Signing in with a second factor, setting one up and removing it, and the
page that answers a sign-in locked out by django-axes."""

import math
from base64 import b32encode

import segno
from axes.helpers import get_cool_off
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.views import redirect_to_login
from django.db import transaction
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_safe
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from .forms import PasswordConfirmForm, TokenForm
from .middleware import CODE_OWED_SESSION_KEY, code_owed, is_verified, must_use_device


def _confirmed_device(user):
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def _next_url(request):
    """The page asked for before signing in, if it is on this site."""
    url = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return ""


def _verified(request, device):
    """Record in the session that the user gave a code from `device`."""
    otp_login(request, device)
    request.session.pop(CODE_OWED_SESSION_KEY, None)
    # A new session key for the higher standing, as at sign-in.
    request.session.cycle_key()


class LoginView(auth_views.LoginView):
    """The password step. A user with a device goes on to give a code; until
    they do, the middleware keeps every other page from them."""

    def form_valid(self, form):
        response = super().form_valid(form)
        if code_owed(self.request):
            return redirect_to_login(self.get_success_url(), reverse("accounts:verify"))
        return response


@never_cache
@sensitive_post_parameters("otp_token")
@require_http_methods(["GET", "POST"])
def verify(request):
    """The code step of signing in."""
    device = _confirmed_device(request.user)
    if device is None or is_verified(request.user):
        request.session.pop(CODE_OWED_SESSION_KEY, None)
        return redirect(_next_url(request) or resolve_url(settings.LOGIN_REDIRECT_URL))
    form = TokenForm(device, data=request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        _verified(request, form.device)
        return redirect(_next_url(request) or resolve_url(settings.LOGIN_REDIRECT_URL))
    return render(
        request, "accounts/verify.html", {"form": form, "next": _next_url(request)}
    )


@require_safe
def two_factor(request):
    """Whether the user signs in with a second factor, and what they can do."""
    return render(
        request,
        "accounts/two_factor.html",
        {
            "device": _confirmed_device(request.user),
            "required": must_use_device(request.user),
            "verified": is_verified(request.user),
        },
    )


def _secret_in_groups(device):
    secret = b32encode(device.bin_key).decode()
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@never_cache
@sensitive_post_parameters("otp_token")
@require_http_methods(["GET", "POST"])
def setup(request):
    """Set up an authenticator app: a new, unconfirmed device is shown as a
    QR code and as text, and is confirmed by the first good code from it."""
    if _confirmed_device(request.user) is not None:
        messages.info(request, _("Two-factor sign-in is already set up."))
        return redirect("accounts:two_factor")
    device = (
        TOTPDevice.objects.filter(user=request.user, confirmed=False)
        .order_by("pk")
        .first()
    ) or TOTPDevice.objects.create(
        user=request.user, name=_("Authenticator app"), confirmed=False
    )
    form = TokenForm(device, data=request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        with transaction.atomic():
            form.device.confirmed = True
            form.device.save(update_fields=["confirmed"])
            TOTPDevice.objects.filter(user=request.user, confirmed=False).delete()
        _verified(request, form.device)
        messages.success(
            request,
            _(
                "Two-factor sign-in is set up. From now on, enter a code from "
                "your app after your password."
            ),
        )
        return redirect(_next_url(request) or "accounts:two_factor")
    qr_code = segno.make(device.config_url, error="m").svg_data_uri(
        scale=5, border=4, dark="#000", light="#fff"
    )
    return render(
        request,
        "accounts/setup.html",
        {
            "form": form,
            "qr_code": qr_code,
            "secret": _secret_in_groups(device),
            "next": _next_url(request),
            "required": must_use_device(request.user),
        },
    )


@never_cache
@sensitive_post_parameters("password")
@require_http_methods(["GET", "POST"])
def remove(request):
    """Remove the user's device, after a code in this session and the password
    again, so that neither a stolen password nor a session left open is
    enough. A user who has lost the device asks the secretariat, who remove
    it in the admin."""
    device = _confirmed_device(request.user)
    if device is None:
        return redirect("accounts:two_factor")
    if not is_verified(request.user):
        return redirect_to_login(request.get_full_path(), reverse("accounts:verify"))
    form = PasswordConfirmForm(
        request.user, data=request.POST if request.method == "POST" else None
    )
    if form.is_bound and form.is_valid():
        TOTPDevice.objects.filter(user=request.user).delete()
        messages.success(request, _("Two-factor sign-in is removed."))
        if request.POST.get("then") == "setup":
            return redirect("accounts:setup")
        return redirect("accounts:two_factor")
    return render(request, "accounts/remove.html", {"form": form, "device": device})


def locked_out(request, original_response=None, credentials=None):
    """django-axes' answer to a sign-in refused after too many failures
    (AXES_LOCKOUT_CALLABLE), for the portal's and the admin's sign-in.

    The refused attempt itself counts as a failure and starts the cool-off
    again (AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT), so the wait is
    the whole cool-off from now.
    """
    cool_off = get_cool_off(request)
    seconds = math.ceil(cool_off.total_seconds()) if cool_off else None
    response = render(
        request,
        "accounts/locked_out.html",
        {"minutes": math.ceil(seconds / 60) if seconds else None},
        status=429,
    )
    if seconds:
        response.headers["Retry-After"] = str(seconds)
    return response
