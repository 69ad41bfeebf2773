"""The delegate's public pages: register, and the private link's pages.

A private link's token is the only key to a registration, so every page
reached by it is kept out of caches, referrers and search engines.
"""

import functools
import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import (
    require_http_methods,
    require_POST,
    require_safe,
)

from meetings.models import Meeting

from . import privacy as personal_data
from . import selectors, services
from .forms import LostLinkForm, RegistrationForm, WithdrawForm, keep_passport_back
from .letters import invitation_letter_pdf
from .models import Registration
from .ratelimit import ratelimit

Status = Registration.Status
logger = logging.getLogger(__name__)

# What each status means for the delegate, shown on the private page.
STATUS_EXPLANATIONS = {
    Status.PENDING: _(
        "The secretariat is reviewing your registration and will write to you "
        "when it has decided."
    ),
    Status.APPROVED: _(
        "Your registration is approved. We look forward to welcoming you."
    ),
    Status.WAITLISTED: _(
        "Your registration is on the waiting list: the places of your "
        "delegation or of a session you chose are taken. It is approved "
        "automatically when a place becomes free, and we will write to you then."
    ),
    Status.REJECTED: _("The secretariat could not accept your registration."),
    Status.WITHDRAWN: _(
        "This registration is withdrawn. To take part, please register again."
    ),
}

form_methods = require_http_methods(["GET", "HEAD", "POST"])


def token_page(view):
    """Never cached, never indexed, and the address never sent as a referrer.

    `strict-origin` sends at most the site's origin, never the path with the
    token. `no-referrer` would go further but makes browsers send
    `Origin: null` with the page's POSTs (edit, withdraw, the language
    switch), which Django's CSRF check rightly refuses.
    """

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response.headers["Referrer-Policy"] = "strict-origin"
        response.headers["X-Robots-Tag"] = "noindex, nofollow"
        return response

    return never_cache(wrapped)


def _meeting_or_404(slug):
    try:
        return selectors.meeting_get_for_registration(slug)
    except Meeting.DoesNotExist:
        raise Http404 from None


def _registration_or_404(token):
    try:
        return selectors.registration_get_by_token(token)
    except Registration.DoesNotExist:
        raise Http404 from None


def _summarised(form):
    # The page's error summary lists the form-wide errors; crispy's own
    # block would repeat them inside the form.
    form.helper.template = "delegates/includes/form_fields.html"
    return form


@login_not_required
@form_methods
@never_cache
@ratelimit(key="register")
def register(request, slug):
    meeting = _meeting_or_404(slug)
    state = meeting.registration_state()
    if state != "open":
        return render(
            request, "delegates/register.html", {"meeting": meeting, "state": state}
        )
    form = RegistrationForm(
        request.POST if request.method == "POST" else None,
        request.FILES or None,
        meeting=meeting,
    )
    duplicate_email = ""
    if form.is_bound and form.is_valid():
        try:
            registration = services.registration_submit(
                meeting=meeting,
                delegation=form.cleaned_data["delegation"],
                delegate_data=form.delegate_data(),
                registration_data=form.registration_data(),
                sessions=list(form.cleaned_data["sessions"]),
                consent_privacy=form.cleaned_data["consent_privacy"],
            )
        except services.DuplicateRegistration as error:
            duplicate_email = form.cleaned_data["email"]
            form.add_error("email", error.message)
        except services.RegistrationError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                _(
                    "Thank you. Your registration %(reference)s is received. "
                    "We have sent the private link to view, change or withdraw "
                    "it to %(email)s."
                )
                % {
                    "reference": registration.reference,
                    "email": registration.delegate.email,
                },
            )
            return redirect("delegates:register_done", slug=meeting.slug)
    return render(
        request,
        "delegates/register.html",
        {
            "meeting": meeting,
            "state": state,
            "form": _summarised(form),
            "duplicate_email": duplicate_email,
        },
    )


@login_not_required
@require_safe
def register_done(request, slug):
    # The token goes to the mailbox only: whoever submits must own the
    # address before they can open the registration again.
    meeting = _meeting_or_404(slug)
    return render(request, "delegates/register_done.html", {"meeting": meeting})


class RedirectThen(HttpResponseRedirect):
    """A redirect that runs `then` once it has been sent.

    The server calls `close()` after writing the response, whose length
    CommonMiddleware has set, so the client (or the proxy in front) has the
    whole answer by then and what `then` costs never shows in how long it
    took. Django's test client calls `close()` at the end of the request.
    """

    def __init__(self, url, *, then):
        super().__init__(url)
        self.then = then

    def close(self):
        then, self.then = self.then, None
        try:
            if then is not None:
                then()
        except Exception:
            logger.exception("The work after a response failed.")
        finally:
            super().close()


@login_not_required
@form_methods
@never_cache
@ratelimit(key="lost_link")
def lost_link(request, slug):
    """Mail the private link again, answering the same whether or not the
    address is registered, in words and in time: the address is looked up,
    and the mail rendered and sent, only once the answer has gone, so a
    registered address takes no longer to answer than an unknown one."""
    meeting = _meeting_or_404(slug)
    if request.method == "POST":
        form = LostLinkForm(request.POST)
        if form.is_valid():
            email = form.cleaned_data["email"]
            messages.info(
                request,
                _(
                    "If this address has a registration for this meeting, its "
                    "private link is on its way there. Please also look in your "
                    "spam folder."
                ),
            )
            return RedirectThen(
                reverse("delegates:lost_link", kwargs={"slug": meeting.slug}),
                then=functools.partial(
                    services.registration_resend_link, meeting=meeting, email=email
                ),
            )
    else:
        form = LostLinkForm(initial={"email": request.GET.get("email", "")})
    return render(
        request, "delegates/lost_link.html", {"meeting": meeting, "form": form}
    )


@login_not_required
@require_safe
@token_page
def manage(request, token):
    registration = _registration_or_404(token)
    return render(
        request,
        "delegates/manage.html",
        {
            "registration": registration,
            "meeting": registration.meeting,
            "delegate": registration.delegate,
            "explanation": STATUS_EXPLANATIONS[registration.status],
            "sessions_by_day": selectors.registration_sessions_by_day(registration),
            "may_edit": selectors.registration_may_edit(registration),
            "may_withdraw": selectors.registration_may_withdraw(registration),
            "letter_available": selectors.registration_letter_available(registration),
            "proposed": selectors.registration_proposed_rows(registration),
        },
    )


@login_not_required
@form_methods
@token_page
def edit(request, token):
    registration = _registration_or_404(token)
    context = {"registration": registration, "meeting": registration.meeting}
    if not selectors.registration_may_edit(registration):
        return render(request, "delegates/edit.html", context)
    form = keep_passport_back(
        RegistrationForm(
            request.POST if request.method == "POST" else None,
            request.FILES or None,
            meeting=registration.meeting,
            registration=registration,
        ),
        registration.delegate,
    )
    if form.is_bound and form.is_valid():
        was_approved = registration.status == Status.APPROVED
        try:
            updated = services.registration_update(
                registration=registration,
                delegate_data=form.delegate_data(),
                registration_data=form.registration_data(),
                sessions=list(form.cleaned_data["sessions"]),
                delegation=form.cleaned_data["delegation"],
            )
        except services.RegistrationError as error:
            form.add_error(None, error.message)
        else:
            if was_approved and updated.status == Status.PENDING:
                messages.warning(
                    request,
                    _(
                        "Your changes are saved. Because they change what the "
                        "secretariat approved, your registration is pending "
                        "again until the secretariat has reviewed it."
                    ),
                )
            else:
                messages.success(request, _("Your changes are saved."))
            return redirect("delegates:manage", token=token)
    context["form"] = _summarised(form)
    return render(request, "delegates/edit.html", context)


@login_not_required
@form_methods
@token_page
def withdraw(request, token):
    registration = _registration_or_404(token)
    context = {"registration": registration, "meeting": registration.meeting}
    if not selectors.registration_may_withdraw(registration):
        return render(request, "delegates/withdraw.html", context)
    form = WithdrawForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        services.registration_withdraw(
            registration=registration, reason=form.cleaned_data["reason"]
        )
        messages.success(request, _("Your registration is withdrawn."))
        return redirect("delegates:manage", token=token)
    context["form"] = form
    return render(request, "delegates/withdraw.html", context)


@login_not_required
@require_POST
@token_page
def confirm_details(request, token):
    """Apply or discard details entered at registration that differ from
    those on file; only the holder of the mailed link can do either."""
    registration = _registration_or_404(token)
    accept = request.POST.get("choice") == "accept"
    try:
        services.registration_confirm_details(registration=registration, accept=accept)
    except services.RegistrationError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("Your details are updated.")
            if accept
            else _("The details on file are kept."),
        )
    return redirect("delegates:manage", token=token)


@login_not_required
@require_safe
@token_page
def my_data(request, token):
    """Everything held on the person, to download: their right of access,
    through any of their private links, withdrawn or not. The passport is in
    full here: the file is theirs, asked for on purpose."""
    registration = _registration_or_404(token)
    response = JsonResponse(
        personal_data.personal_data_export(registration.delegate),
        json_dumps_params={"indent": 2, "ensure_ascii": False},
    )
    response["Content-Disposition"] = (
        f'attachment; filename="my-data-{registration.reference}.json"'
    )
    return response


@login_not_required
@require_safe
@token_page
def letter(request, token):
    registration = _registration_or_404(token)
    if not selectors.registration_letter_available(registration):
        raise Http404
    return HttpResponse(
        invitation_letter_pdf(registration),
        content_type="application/pdf",
        headers={
            "Content-Disposition": (
                f'attachment; filename="letter-{registration.reference}.pdf"'
            )
        },
    )


@login_not_required
@require_safe
def privacy(request):
    return render(
        request,
        "delegates/privacy.html",
        {"retention_days": settings.PERSONAL_DATA_RETENTION_DAYS},
    )
