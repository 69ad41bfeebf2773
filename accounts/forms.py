"""Forms of the second factor: a code from the authenticator app, and the
password that confirms removing a device."""

import math
import re

from django import forms
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_otp.models import VerifyNotAllowed


class TokenForm(forms.Form):
    """A code from the authenticator app, checked against one device.

    django-otp throttles each device: after n wrong codes in a row, any code,
    right or wrong, is refused until 2^(n-1) seconds have passed, so codes
    cannot be guessed at speed. The failure is counted in the same
    transaction that locks the device's row, so parallel guesses queue.
    """

    otp_token = forms.CharField(
        label=_("Code"),
        max_length=20,
        help_text=_("The 6-digit code your authenticator app shows now."),
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "autocapitalize": "off",
                "spellcheck": "false",
            }
        ),
    )

    def __init__(self, device, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.device = device

    def clean_otp_token(self):
        token = re.sub(r"\s", "", self.cleaned_data["otp_token"])
        refusal = None
        # Errors are raised after the block: inside it they would roll back
        # the failure count that throttles the next guess.
        with transaction.atomic():
            device = (
                type(self.device)
                .objects.select_for_update()
                .filter(pk=self.device.pk)
                .first()
            )
            if device is None:
                refusal = _("This device has been removed. Set up a new one.")
            else:
                allowed, details = device.verify_is_allowed()
                if not allowed:
                    refusal = self._throttled(details)
                elif not device.verify_token(token):
                    refusal = _(
                        "This code is not right. Enter the code your app shows "
                        "now; it changes every 30 seconds."
                    )
        if refusal:
            raise forms.ValidationError(refusal, code="invalid_token")
        self.device = device
        return token

    @staticmethod
    def _throttled(details):
        details = details or {}
        locked_until = details.get("locked_until")
        if (
            details.get("reason") != VerifyNotAllowed.N_FAILED_ATTEMPTS
            or not locked_until
        ):
            return _("Codes cannot be checked just now. Try again in a minute.")
        seconds = max(1, math.ceil((locked_until - timezone.now()).total_seconds()))
        return ngettext(
            "Too many wrong codes. Wait %(seconds)d second, then enter the code "
            "your app shows.",
            "Too many wrong codes. Wait %(seconds)d seconds, then enter the code "
            "your app shows.",
            seconds,
        ) % {"seconds": seconds}


class PasswordConfirmForm(forms.Form):
    """The user's password again, before their second factor is removed."""

    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(
                _("This is not your password."), code="password_incorrect"
            )
        return password
