"""The registration form, shared by delegates and focal points.

Fields are taken from the models, so lengths and validators stay in one
place; the form adds what a person needs to be told before anything is
written (passport validity, sessions their party may attend, dates in
order). The service checks the same rules again inside its transaction.
"""

import functools

from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Fieldset, Layout, Submit
from django import forms
from django.core.validators import RegexValidator
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import capfirst
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from meetings.models import PartyKind

from .models import Delegate, Registration, mask_passport
from .services import (
    DELEGATE_FIELDS,
    REGISTRATION_FIELDS,
    passport_valid_until_needed,
    sessions_closed_to,
)
from .uploads import PhotoField

PHONE_VALIDATOR = RegexValidator(
    r"^\+?[0-9][0-9 ()./-]{5,38}$",
    _("A phone number with country code, e.g. +62 361 123 4567."),
)

# Roles tied to one kind of party; any other role suits every party.
ROLE_KINDS = {
    Registration.Role.SECRETARIAT: {PartyKind.ASEAN_SECRETARIAT},
    Registration.Role.ORGANISING_COMMITTEE: {PartyKind.HOST_COMMITTEE},
}


@functools.cache
def _country_choices(language):
    choices = [("", "---------")]
    choices += [(countries.alpha3(code), name) for code, name in countries]
    return tuple(choices)


def country_choices():
    """(ISO alpha-3, name) of every country, in the active language's names
    and order; built once per language (it takes milliseconds, twice a form)."""
    return list(_country_choices(get_language()))


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


# The largest id a database column holds; SQLite's driver raises on a
# larger integer instead of matching nothing.
MAX_ID = 2**63 - 1


class SessionChoiceField(forms.ModelMultipleChoiceField):
    """Sessions labelled with their local day and time."""

    def clean(self, value):
        for pk in value or ():
            # Read as the query will read it: int() also takes "1_000" and
            # digits of other scripts, which a check for 0-9 would let by.
            try:
                number = int(str(pk))
            except ValueError:
                continue
            if abs(number) > MAX_ID:
                raise forms.ValidationError(
                    self.error_messages["invalid_pk_value"],
                    code="invalid_pk_value",
                    params={"pk": pk},
                )
        return super().clean(value)

    def label_from_instance(self, session):
        starts = session.local_starts_at()
        ends = session.local_ends_at()
        label = "{day}, {start}–{end}: {title}".format(
            day=date_format(starts, "D j M"),
            start=starts.strftime("%H:%M"),
            end=ends.strftime("%H:%M"),
            title=session.title,
        )
        if session.times_tentative:
            label += " " + str(_("(time to be confirmed)"))
        if set(session.open_to) != set(PartyKind.values):
            # Without script the list cannot follow the chosen delegation, so
            # a restricted session says who may attend it.
            label += " " + str(
                _("(open to: %(kinds)s)")
                % {
                    "kinds": ", ".join(
                        str(PartyKind(kind).label) for kind in session.open_to
                    )
                }
            )
        return label


def _model_field(model, name, **overrides):
    field = model._meta.get_field(name).formfield(**overrides)
    return field


class RegistrationForm(forms.Form):
    """Register (or edit) one person for one meeting.

    `delegations` limits the delegations offered: a focal point sees only
    their own. `registration` fills the form for an edit.
    """

    consent_privacy = forms.BooleanField(
        label=_(
            "I have read the privacy notice and agree that the secretariat "
            "processes these data to organise the meeting."
        ),
        required=True,
        error_messages={"required": _("To register, accept the privacy notice.")},
    )

    photo = PhotoField()

    def __init__(self, *args, meeting, delegations=None, registration=None, **kwargs):
        self.meeting = meeting
        self.registration = registration
        if registration is not None:
            kwargs.setdefault("initial", self.initial_from(registration))
        super().__init__(*args, **kwargs)
        if registration is not None and registration.delegate.photo:
            self.fields["photo"].help_text = _(
                "A photo is on file. Choose a new one only to replace it."
            )
            self.fields["remove_photo"] = forms.BooleanField(
                label=_("Remove the photo on file"), required=False
            )
        delegations = (
            delegations
            if delegations is not None
            else meeting.delegations.select_related("party")
        )
        self.fields["delegation"] = forms.ModelChoiceField(
            queryset=delegations.order_by("party__kind", "party__name"),
            label=_("Delegation"),
            help_text=_("The party you represent at this meeting."),
        )
        self.fields["delegation"].label_from_instance = lambda d: d.party.name
        self.fields["role"] = _model_field(Registration, "role")
        for name in DELEGATE_FIELDS:
            self.fields[name] = _model_field(Delegate, name)
        for name in ("nationality", "passport_country"):
            self.fields[name] = forms.ChoiceField(
                label=capfirst(
                    Delegate._meta.get_field(name).verbose_name.replace(
                        " (ISO alpha-3)", ""
                    )
                ),
                choices=country_choices(),
                required=False,
            )
        self.fields["phone"].validators.append(PHONE_VALIDATOR)
        self.fields["email"].help_text = _(
            "Your private link to view, change or withdraw the registration "
            "is sent here."
        )
        self.fields["passport_expiry"].widget = DateInput()
        self.fields["passport_expiry"].help_text = _(
            "Must be valid until at least %(date)s."
        ) % {"date": passport_valid_until_needed(meeting).isoformat()}
        self.fields["sessions"] = SessionChoiceField(
            queryset=meeting.sessions.select_related("meeting").order_by(
                "starts_at", "order"
            ),
            widget=forms.CheckboxSelectMultiple,
            label=_("Sessions you will attend"),
            help_text=_("Times are local time at the venue (%(zone)s).")
            % {"zone": meeting.time_zone},
            required=True,
        )
        for name in REGISTRATION_FIELDS:
            if name != "role":
                self.fields[name] = _model_field(Registration, name)
        for name in ("arrival_date", "departure_date"):
            self.fields[name].widget = DateInput()
        if registration is not None:
            del self.fields["consent_privacy"]
        self.order_fields(
            [
                "delegation",
                "role",
                "honorific",
                "given_name",
                "family_name",
                "badge_name",
                "position",
                "agency",
                "email",
                "phone",
                "nationality",
                "preferred_language",
                "sessions",
                "arrival_date",
                "departure_date",
                "dietary_requirements",
                "accessibility_needs",
                "needs_visa_letter",
                "passport_number",
                "passport_expiry",
                "passport_country",
                "photo",
                "remove_photo",
                "consent_publish",
                "consent_privacy",
            ]
        )
        self.helper = self._helper()

    def _helper(self):
        helper = FormHelper()
        helper.form_tag = False
        helper.layout = Layout(
            Fieldset(_("Delegation"), "delegation", "role"),
            Fieldset(
                _("About you"),
                "honorific",
                "given_name",
                "family_name",
                "badge_name",
                "position",
                "agency",
                "nationality",
            ),
            Fieldset(_("Contact"), "email", "phone", "preferred_language"),
            Fieldset(
                _("Attendance"),
                "sessions",
                "arrival_date",
                "departure_date",
                "dietary_requirements",
                "accessibility_needs",
            ),
            Fieldset(
                _("Letter of invitation for a visa"),
                HTML(
                    "<p class='form-text'>{}</p>".format(
                        _(
                            "Only if you need a visa: the passport details are "
                            "used for the letter and seen only by the "
                            "secretariat."
                        )
                    )
                ),
                "needs_visa_letter",
                "passport_number",
                "passport_expiry",
                "passport_country",
            ),
            Fieldset(
                _("Photo"),
                "photo",
                *(["remove_photo"] if "remove_photo" in self.fields else []),
            ),
            Fieldset(
                _("Consent"),
                "consent_publish",
                *(["consent_privacy"] if "consent_privacy" in self.fields else []),
            ),
        )
        return helper

    @staticmethod
    def initial_from(registration):
        delegate = registration.delegate
        initial = {name: getattr(delegate, name) for name in DELEGATE_FIELDS}
        initial.update(
            {name: getattr(registration, name) for name in REGISTRATION_FIELDS}
        )
        initial["delegation"] = registration.delegation_id
        initial["sessions"] = list(registration.sessions.values_list("pk", flat=True))
        return initial

    def clean_email(self):
        return self.cleaned_data["email"].strip()

    def clean(self):
        data = super().clean()
        delegation = data.get("delegation")
        if delegation is not None:
            kind = delegation.party.kind_on(self.meeting.start_date)
            closed = [
                s.title
                for s in sessions_closed_to(
                    self.meeting, delegation.party, data.get("sessions") or []
                )
            ]
            if closed:
                self.add_error(
                    "sessions",
                    _("Your delegation may not attend: %(sessions)s.")
                    % {"sessions": ", ".join(closed)},
                )
            role = data.get("role")
            if role in ROLE_KINDS and kind not in ROLE_KINDS[role]:
                self.add_error(
                    "role",
                    _("This role is not open to %(party)s.")
                    % {"party": delegation.party.name},
                )
        arrival, departure = data.get("arrival_date"), data.get("departure_date")
        if arrival and departure and departure < arrival:
            self.add_error("departure_date", _("Departure cannot be before arrival."))
        if data.get("needs_visa_letter"):
            for name in ("passport_number", "passport_expiry", "nationality"):
                if not data.get(name):
                    self.add_error(
                        name, _("Needed for a letter of invitation for a visa.")
                    )
        expiry = data.get("passport_expiry")
        needed = passport_valid_until_needed(self.meeting)
        if expiry and expiry < needed:
            self.add_error(
                "passport_expiry",
                _(
                    "The passport must be valid for six months after the meeting, "
                    "until at least %(date)s."
                )
                % {"date": needed.isoformat()},
            )
        if expiry and expiry < timezone.localdate():
            self.add_error("passport_expiry", _("This passport has expired."))
        if data.get("photo") and data.get("remove_photo"):
            self.add_error(
                "remove_photo",
                _("Either choose a new photo or remove the one on file, not both."),
            )
        return data

    def full_clean(self):
        super().full_clean()
        if self.errors and self.add_prefix("photo") in self.files:
            # No browser fills a file input again, so say so beside it (on
            # the bound field, which copied the help text when cleaning).
            self["photo"].help_text = _(
                "Choose the photo again: the form could not keep it while "
                "other answers need correcting."
            )

    def delegate_data(self):
        """The delegate's details; `photo` is a new JPEG to store, False to
        remove the one on file, and absent to leave it as it is."""
        data = {
            name: self.cleaned_data[name]
            for name in DELEGATE_FIELDS
            if name in self.cleaned_data
        }
        if self.cleaned_data.get("photo"):
            data["photo"] = self.cleaned_data["photo"]
        elif self.cleaned_data.get("remove_photo"):
            data["photo"] = False
        return data

    def registration_data(self):
        data = {
            name: self.cleaned_data[name]
            for name in REGISTRATION_FIELDS
            if name in self.cleaned_data
        }
        data["role"] = self.cleaned_data["role"]
        return data


class LostLinkForm(forms.Form):
    email = forms.EmailField(label=_("Email address you registered with"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("send", _("Send my link")))


class WithdrawForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("Yes, withdraw my registration. This cannot be undone."),
        required=True,
        error_messages={"required": _("Tick the box to confirm the withdrawal.")},
    )
    reason = forms.CharField(
        label=_("Reason (optional)"), max_length=500, required=False
    )


class MaskedPassportField(forms.CharField):
    """The passport number on file, shown masked; sent back as shown, it
    means: keep the number on file."""

    def __init__(self, *, held, **kwargs):
        super().__init__(**kwargs)
        self.held = held
        self.masked = mask_passport(held)

    def prepare_value(self, value):
        return self.masked if value and value == self.held else value

    def to_python(self, value):
        value = super().to_python(value)
        return self.held if self.masked and value == self.masked else value


def keep_passport_back(form, delegate):
    """Show the number on file masked in `form` (a RegistrationForm), never
    in full: the page may be open on a shared screen, a private link may
    have been forwarded."""
    field = form.fields["passport_number"]
    form.fields["passport_number"] = MaskedPassportField(
        held=delegate.passport_number,
        label=field.label,
        max_length=field.max_length,
        required=field.required,
        help_text=_(
            "Shown masked. Leave it as it is to keep the number on file, or "
            "type the new number."
        ),
    )
    return form
