"""The delegate's public pages: register, the private link, edit, withdraw,
the letter of invitation, and every way to feed them bad input."""

import datetime
import re
from types import SimpleNamespace

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from delegates import services
from delegates.models import Delegate, Registration
from meetings.models import Meeting, PartyKind
from tests.factories import (
    WITA,
    DelegateFactory,
    DelegationFactory,
    MeetingFactory,
    MemberStateFactory,
    PartyFactory,
    RegistrationFactory,
    SessionFactory,
    UserFactory,
    registration_open_meeting,
)

pytestmark = pytest.mark.django_db
Status = Registration.Status
DAY = datetime.timedelta(days=1)


@pytest.fixture
def open_meeting():
    return registration_open_meeting(
        slug="jwg-11",
        number=11,
        title="11th Joint Working Group Meeting",
        host_organisation="Directorate General of Mineral and Coal",
    )


@pytest.fixture
def delegation(open_meeting):
    return DelegationFactory(meeting=open_meeting, party=MemberStateFactory())


@pytest.fixture
def session(open_meeting):
    return SessionFactory(meeting=open_meeting, title="Joint Working Group")


def form_data(delegation, chosen, /, **overrides):
    """A valid registration as the browser posts it; None drops a field."""
    data = {
        "delegation": delegation.pk,
        "role": "delegate",
        "honorific": "Ms",
        "given_name": "Siti",
        "family_name": "Rahman",
        "badge_name": "",
        "position": "Director",
        "agency": "Ministry of Natural Resources",
        "email": "siti@example.org",
        "phone": "+60 3 8000 8000",
        "nationality": "MYS",
        "preferred_language": "en",
        "sessions": [s.pk for s in chosen],
        "arrival_date": "",
        "departure_date": "",
        "dietary_requirements": "Halal",
        "accessibility_needs": "",
        "passport_number": "",
        "passport_expiry": "",
        "passport_country": "",
        "consent_privacy": "on",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def register_url(meeting):
    return reverse("delegates:register", kwargs={"slug": meeting.slug})


def submit(delegation, sessions, n=1, **registration_data):
    return services.registration_submit(
        meeting=delegation.meeting,
        delegation=delegation,
        delegate_data={
            "given_name": "Siti",
            "family_name": f"Rahman{n}",
            "email": f"siti{n}@example.org",
        },
        registration_data={"role": "delegate", **registration_data},
        sessions=sessions,
    )


def manage_url(registration, name="manage"):
    return reverse(f"delegates:{name}", kwargs={"token": registration.token})


def link_in(message):
    return re.search(r"https?://\S+/registration/\S+/", message.body).group(0)


def approve(registration):
    staff = UserFactory(username="secretariat", is_staff=True)
    services.registration_decide(
        registration=registration, to_status=Status.APPROVED, by=staff
    )
    registration.refresh_from_db()


def future_passport(meeting, **extra):
    return {
        "needs_visa_letter": "on",
        "passport_number": "A1234567",
        "passport_expiry": (meeting.end_date + 400 * DAY).isoformat(),
        "passport_country": "MYS",
        **extra,
    }


# The happy path


def test_register_page_offers_the_form_with_the_privacy_notice(
    client, open_meeting, delegation, session
):
    response = client.get(register_url(open_meeting))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="family_name"' in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert reverse("delegates:privacy") in html
    assert "<legend>Delegation</legend>" in html
    assert "Malaysia" in html
    assert session.local_starts_at().strftime("%H:%M") in html


def test_register_submit_email_link_edit_withdraw(
    client, open_meeting, delegation, session, django_capture_on_commit_callbacks
):
    assert client.get(register_url(open_meeting)).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            register_url(open_meeting), form_data(delegation, [session])
        )
    assert response.status_code == 302
    assert response.url == reverse(
        "delegates:register_done", kwargs={"slug": open_meeting.slug}
    )
    registration = Registration.objects.get()
    assert registration.status == Status.PENDING
    assert registration.reference == "JWG11-MYS-001"
    assert registration.consent_privacy_at is not None
    assert list(registration.sessions.all()) == [session]
    # The confirmation names the reference but does not open the registration:
    # only the mailbox gets the private link.
    done = client.get(response.url).content.decode()
    assert "JWG11-MYS-001" in done
    assert registration.token not in done

    [message] = mail.outbox
    assert message.to == ["siti@example.org"]
    link = link_in(message)
    assert link.rsplit("/", 2)[-2] == registration.token
    assert len(registration.token) >= 43
    assert link in message.alternatives[0][0]

    manage_page = client.get(link)
    assert manage_page.status_code == 200
    assert "JWG11-MYS-001" in manage_page.content.decode()
    assert "Pending" in manage_page.content.decode()

    edit_url = manage_url(registration, "edit")
    edit_page = client.get(edit_url).content.decode()
    assert 'value="Rahman"' in edit_page
    assert "consent_privacy" not in edit_page
    response = client.post(
        edit_url,
        form_data(delegation, [session], phone="+60 3 1111 2222", consent_privacy=None),
        follow=True,
    )
    assert response.redirect_chain == [(manage_url(registration), 302)]
    assert "Your changes are saved." in response.content.decode()
    registration.refresh_from_db()
    assert registration.delegate.phone == "+60 3 1111 2222"
    assert registration.status == Status.PENDING

    withdraw_url = manage_url(registration, "withdraw")
    assert 'name="confirm"' in client.get(withdraw_url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            withdraw_url, {"confirm": "on", "reason": "Travel cancelled"}, follow=True
        )
    assert response.redirect_chain == [(manage_url(registration), 302)]
    assert "Your registration is withdrawn." in response.content.decode()
    registration.refresh_from_db()
    assert registration.status == Status.WITHDRAWN
    assert registration.events.last().note == "Travel cancelled"
    assert mail.outbox[-1].subject.startswith("Registration withdrawn")


def test_a_visa_letter_request_is_stored_with_the_passport(
    client, open_meeting, delegation, session
):
    data = form_data(delegation, [session], **future_passport(open_meeting))
    assert client.post(register_url(open_meeting), data).status_code == 302
    registration = Registration.objects.select_related("delegate").get()
    assert registration.needs_visa_letter
    assert registration.delegate.passport_number == "A1234567"


# The manage page


def test_manage_page_shows_the_passport_masked_only(client, open_meeting, delegation):
    registration = RegistrationFactory(
        delegation=delegation,
        delegate__passport_number="A1234567",
        delegate__passport_expiry=open_meeting.end_date + 400 * DAY,
        needs_visa_letter=True,
    )
    html = client.get(manage_url(registration)).content.decode()
    assert "A1234567" not in html
    assert "•••••567" in html


@pytest.mark.parametrize(
    ("typed", "kept"), [("•••••567", "A1234567"), ("B7654321", "B7654321")]
)
def test_the_edit_page_shows_the_passport_masked_and_keeps_it_unless_retyped(
    client, open_meeting, delegation, session, typed, kept
):
    # A private link may be forwarded, or open on a shared screen.
    data = form_data(delegation, [session], **future_passport(open_meeting))
    client.post(reverse("delegates:register", args=[open_meeting.slug]), data)
    registration = Registration.objects.get()
    edit_url = manage_url(registration, "edit")

    html = client.get(edit_url).content.decode()
    assert "A1234567" not in html
    assert 'value="•••••567"' in html

    data = form_data(
        delegation,
        [session],
        **future_passport(open_meeting, passport_number=typed),
        consent_privacy=None,
    )
    response = client.post(edit_url, data)
    assert response.status_code == 302, response.content.decode()
    registration.delegate.refresh_from_db()
    assert registration.delegate.passport_number == kept


@pytest.mark.parametrize(
    ("status", "explanation"),
    [
        (Status.PENDING, "The secretariat is reviewing your registration"),
        (Status.APPROVED, "Your registration is approved."),
        (Status.WAITLISTED, "Your registration is on the waiting list"),
        (Status.REJECTED, "could not accept your registration"),
        (Status.WITHDRAWN, "This registration is withdrawn."),
    ],
)
def test_manage_page_explains_each_status(client, delegation, status, explanation):
    registration = RegistrationFactory(delegation=delegation, status=status)
    assert explanation in client.get(manage_url(registration)).content.decode()


def test_manage_page_offers_only_what_the_status_allows(client, delegation):
    active = RegistrationFactory(delegation=delegation, status=Status.PENDING)
    withdrawn = RegistrationFactory(delegation=delegation, status=Status.WITHDRAWN)
    html = client.get(manage_url(active)).content.decode()
    assert manage_url(active, "edit") in html
    assert manage_url(active, "withdraw") in html
    assert manage_url(active, "letter") not in html
    html = client.get(manage_url(withdrawn)).content.decode()
    assert manage_url(withdrawn, "edit") not in html
    assert manage_url(withdrawn, "withdraw") not in html


def test_manage_page_shows_sessions_in_the_meetings_local_time(
    client, open_meeting, delegation
):
    starts = datetime.datetime.combine(
        open_meeting.start_date, datetime.time(8, 30), tzinfo=WITA
    )
    session = SessionFactory(
        meeting=open_meeting,
        title="WGTIM",
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=2),
    )
    registration = RegistrationFactory(delegation=delegation)
    registration.sessions.set([session])
    html = client.get(manage_url(registration)).content.decode()
    assert "08:30" in html
    assert "10:30" in html
    assert "WITA" in html


@pytest.mark.parametrize("name", ["manage", "edit", "withdraw", "letter"])
def test_pages_by_token_are_not_cached_referred_or_indexed(client, delegation, name):
    registration = RegistrationFactory(
        delegation=delegation,
        needs_visa_letter=True,
        delegate__nationality="MYS",
        delegate__passport_number="A1234567",
        delegate__passport_expiry=delegation.meeting.end_date + 400 * DAY,
    )
    response = client.get(manage_url(registration, name))
    assert response.status_code == 200
    assert "no-store" in response.headers["Cache-Control"]
    # Never the path with the token; and not no-referrer, under which
    # browsers post "Origin: null" and the CSRF check refuses edit and withdraw.
    assert response.headers["Referrer-Policy"] == "strict-origin"
    if name != "letter":
        assert '<meta name="robots" content="noindex' in response.content.decode()


@pytest.mark.parametrize("name", ["manage", "edit", "withdraw", "letter"])
def test_an_unknown_token_is_404(client, db, name):
    url = reverse(f"delegates:{name}", kwargs={"token": "x" * 43})
    assert client.get(url).status_code == 404


# Edit and withdraw


def test_editing_after_approval_warns_first_and_then_says_it_is_pending(
    client, open_meeting, delegation, session
):
    registration = submit(delegation, [session])
    approve(registration)
    edit_url = manage_url(registration, "edit")
    assert (
        "must approve the registration again" in client.get(edit_url).content.decode()
    )
    other = SessionFactory(meeting=open_meeting, title="WGMID")
    data = form_data(
        delegation,
        [session, other],
        given_name="Siti",
        family_name="Rahman1",
        email="siti1@example.org",
        consent_privacy=None,
    )
    response = client.post(edit_url, data, follow=True)
    assert "your registration is pending again" in response.content.decode()
    registration.refresh_from_db()
    assert registration.status == Status.PENDING
    assert registration.approved_snapshot is not None


def test_editing_contact_details_after_approval_keeps_it_approved(
    client, delegation, session
):
    registration = submit(delegation, [session])
    approve(registration)
    data = form_data(
        delegation,
        [session],
        family_name="Rahman1",
        email="siti1@example.org",
        phone="+60 3 9999 0000",
        consent_privacy=None,
    )
    response = client.post(manage_url(registration, "edit"), data, follow=True)
    assert "Your changes are saved." in response.content.decode()
    registration.refresh_from_db()
    assert registration.status == Status.APPROVED


def test_an_edit_may_not_take_another_delegates_email(client, delegation, session):
    submit(delegation, [session], 1)
    second = submit(delegation, [session], 2)
    data = form_data(
        delegation,
        [session],
        family_name="Rahman2",
        email="siti1@example.org",
        consent_privacy=None,
    )
    response = client.post(manage_url(second, "edit"), data)
    assert response.status_code == 200
    assert "Another delegate already uses this email address." in (
        response.content.decode()
    )
    second.refresh_from_db()
    assert second.delegate.email == "siti2@example.org"


@pytest.mark.parametrize("status", [Status.WITHDRAWN, Status.REJECTED])
def test_a_final_registration_offers_no_edit_and_ignores_a_post(
    client, delegation, session, status
):
    registration = RegistrationFactory(delegation=delegation, status=status)
    family_name = registration.delegate.family_name
    url = manage_url(registration, "edit")
    page = client.get(url)
    assert page.status_code == 200
    assert 'name="family_name"' not in page.content.decode()
    assert "can no longer be changed" in page.content.decode()
    response = client.post(url, form_data(delegation, [session], family_name="Changed"))
    assert response.status_code == 200
    registration.delegate.refresh_from_db()
    assert registration.delegate.family_name == family_name


def test_edits_are_allowed_after_the_window_closes(
    client, open_meeting, delegation, session, time_machine
):
    registration = submit(delegation, [session])
    time_machine.move_to(open_meeting.registration_closes_at + DAY)
    data = form_data(
        delegation,
        [session],
        family_name="Rahman1",
        email="siti1@example.org",
        dietary_requirements="Vegetarian",
        consent_privacy=None,
    )
    assert client.post(manage_url(registration, "edit"), data).status_code == 302
    registration.delegate.refresh_from_db()
    assert registration.delegate.dietary_requirements == "Vegetarian"


def test_no_edit_or_withdrawal_once_the_meeting_is_over(
    client, open_meeting, delegation, session, time_machine
):
    registration = submit(delegation, [session])
    last_evening = datetime.datetime.combine(
        open_meeting.end_date, datetime.time(23, 0), tzinfo=WITA
    )
    time_machine.move_to(last_evening)
    assert (
        'name="confirm"'
        in client.get(manage_url(registration, "withdraw")).content.decode()
    )
    time_machine.move_to(last_evening + datetime.timedelta(hours=2))
    html = client.get(manage_url(registration)).content.decode()
    assert "The meeting is over" in html
    assert manage_url(registration, "edit") not in html
    edit = client.get(manage_url(registration, "edit")).content.decode()
    assert 'name="family_name"' not in edit
    response = client.post(manage_url(registration, "withdraw"), {"confirm": "on"})
    assert response.status_code == 200
    registration.refresh_from_db()
    assert registration.status == Status.PENDING


def test_withdrawal_needs_the_confirmation(client, delegation, session):
    registration = submit(delegation, [session])
    response = client.post(manage_url(registration, "withdraw"), {"reason": "x"})
    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()
    registration.refresh_from_db()
    assert registration.status == Status.PENDING


# Bad input: a clear message, a 200, and nothing written


def _closed_session(ctx):
    closed = SessionFactory(
        meeting=ctx.meeting, title="PSC", open_to=[PartyKind.DIALOGUE_PARTNER]
    )
    return {"sessions": [ctx.session.pk, closed.pk]}


def _other_meetings_session(ctx):
    return {"sessions": [SessionFactory().pk]}


def _other_meetings_delegation(ctx):
    return {"delegation": DelegationFactory(party=PartyFactory(code="IGF")).pk}


def _short_passport(ctx):
    expiry = ctx.meeting.end_date + 90 * DAY
    return future_passport(ctx.meeting, passport_expiry=expiry.isoformat())


BAD_INPUT = {
    "empty family name": ({"family_name": ""}, "family_name"),
    "empty email": ({"email": ""}, "email"),
    "no email field at all": ({"email": None}, "email"),
    "overlong given name": ({"given_name": "x" * 101}, "given_name"),
    "huge string": ({"agency": "x" * 200_000}, "agency"),
    "null character": ({"given_name": "Siti\x00"}, "given_name"),
    "malformed email": ({"email": "siti at example"}, "email"),
    "malformed phone": ({"phone": "call me maybe"}, "phone"),
    "unknown country": ({"nationality": "XXX"}, "nationality"),
    "unknown honorific": ({"honorific": "Sir"}, "honorific"),
    "letters in a date": ({"arrival_date": "next tuesday"}, "arrival_date"),
    "impossible date": ({"arrival_date": "2024-02-30"}, "arrival_date"),
    "departure before arrival": (
        {"arrival_date": "2030-05-02", "departure_date": "2030-05-01"},
        "departure_date",
    ),
    "no sessions": ({"sessions": []}, "sessions"),
    "session closed to the party": (_closed_session, "sessions"),
    "session of another meeting": (_other_meetings_session, "sessions"),
    "negative session pk": ({"sessions": ["-1"]}, "sessions"),
    "huge session pk": ({"sessions": ["9" * 40]}, "sessions"),
    "enormous session pk": ({"sessions": ["9" * 5000]}, "sessions"),
    "letters as session pk": ({"sessions": ["abc"]}, "sessions"),
    "delegation of another meeting": (_other_meetings_delegation, "delegation"),
    "negative delegation pk": ({"delegation": "-1"}, "delegation"),
    "huge delegation pk": ({"delegation": "9" * 40}, "delegation"),
    "enormous delegation pk": ({"delegation": "9" * 5000}, "delegation"),
    "role of another kind of party": ({"role": "secretariat"}, "role"),
    "passport expiring too soon": (_short_passport, "passport_expiry"),
    "visa letter without a passport": ({"needs_visa_letter": "on"}, "passport_number"),
    "no consent to the privacy notice": ({"consent_privacy": None}, "consent_privacy"),
}


@pytest.mark.parametrize(
    ("overrides", "field"), BAD_INPUT.values(), ids=list(BAD_INPUT)
)
def test_bad_input_is_refused_on_the_form_and_writes_nothing(
    client, open_meeting, delegation, session, overrides, field
):
    ctx = SimpleNamespace(meeting=open_meeting, delegation=delegation, session=session)
    if callable(overrides):
        overrides = overrides(ctx)
    response = client.post(
        register_url(open_meeting), form_data(delegation, [session], **overrides)
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors[field]
    html = response.content.decode()
    assert 'role="alert"' in html
    assert f'href="#id_{field}' in html
    assert not Registration.objects.exists()
    assert not Delegate.objects.exists()


def test_html_in_a_name_is_stored_as_text_and_shown_escaped(
    client, open_meeting, delegation, session, django_capture_on_commit_callbacks
):
    name = '<script>alert("x")</script>'
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            register_url(open_meeting),
            form_data(delegation, [session], given_name=name),
        )
    registration = Registration.objects.select_related("delegate").get()
    assert registration.delegate.given_name == name
    html = client.get(manage_url(registration)).content.decode()
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    [message] = mail.outbox
    assert "<script>alert" not in message.alternatives[0][0]
    assert "&lt;script&gt;" in message.alternatives[0][0]


# The registration window


@pytest.mark.parametrize(
    ("opens", "closes", "says"),
    [
        (
            datetime.datetime(2024, 4, 1, 1, 0, tzinfo=datetime.UTC),
            datetime.datetime(2024, 4, 20, 15, 59, tzinfo=datetime.UTC),
            "Registration opens on 1 April 2024, 09:00 and closes on "
            "20 April 2024, 23:59 (WITA, UTC+08:00).",
        ),
        (
            datetime.datetime(2024, 2, 1, 1, 0, tzinfo=datetime.UTC),
            datetime.datetime(2024, 3, 1, 1, 0, tzinfo=datetime.UTC),
            "Registration closed on 1 March 2024, 09:00 (WITA, UTC+08:00).",
        ),
    ],
    ids=["before", "after"],
)
def test_outside_the_window_the_page_says_so_and_takes_nothing(
    client, time_machine, opens, closes, says
):
    time_machine.move_to(datetime.datetime(2024, 3, 15, tzinfo=datetime.UTC))
    meeting = MeetingFactory(registration_opens_at=opens, registration_closes_at=closes)
    delegation = DelegationFactory(meeting=meeting, party=MemberStateFactory())
    session = SessionFactory(meeting=meeting)
    for response in (
        client.get(register_url(meeting)),
        client.post(register_url(meeting), form_data(delegation, [session])),
    ):
        assert response.status_code == 200
        html = response.content.decode()
        assert says in html
        assert 'name="family_name"' not in html
    assert not Registration.objects.exists()
    assert not Delegate.objects.exists()


def test_a_meeting_without_a_window_takes_no_registrations(client, meeting):
    html = client.get(register_url(meeting)).content.decode()
    assert "does not take registrations online" in html
    assert 'name="family_name"' not in html


@pytest.mark.parametrize("name", ["register", "register_done", "lost_link"])
def test_unknown_and_draft_meetings_are_404(client, name):
    draft = MeetingFactory(
        status=Meeting.Status.DRAFT,
        registration_opens_at=timezone.now() - DAY,
        registration_closes_at=timezone.now() + DAY,
    )
    for slug in ("no-such-meeting", draft.slug):
        url = reverse(f"delegates:{name}", kwargs={"slug": slug})
        assert client.get(url).status_code == 404
        if name != "register_done":
            assert client.post(url, {"email": "a@example.org"}).status_code == 404


def test_meeting_page_links_to_registration_only_while_open(client, open_meeting):
    register = register_url(open_meeting)
    assert register in client.get(open_meeting.get_absolute_url()).content.decode()
    open_meeting.registration_closes_at = timezone.now() - datetime.timedelta(minutes=1)
    open_meeting.save()
    assert register not in client.get(open_meeting.get_absolute_url()).content.decode()


# One active registration per person and meeting


def test_a_second_registration_with_the_same_email_offers_the_link_instead(
    client, open_meeting, delegation, session
):
    client.post(register_url(open_meeting), form_data(delegation, [session]))
    response = client.post(
        register_url(open_meeting),
        form_data(delegation, [session], email="SITI@example.org", family_name="R."),
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "already has an active registration" in html
    lost_link = reverse("delegates:lost_link", kwargs={"slug": open_meeting.slug})
    assert f"{lost_link}?email=SITI%40example.org" in html
    assert Registration.objects.count() == 1
    assert Delegate.objects.get().family_name == "Rahman"


def test_the_lost_link_form_is_prefilled_from_the_offer(client, open_meeting):
    url = reverse("delegates:lost_link", kwargs={"slug": open_meeting.slug})
    html = client.get(url, {"email": "siti@example.org"}).content.decode()
    assert 'value="siti@example.org"' in html


# Lost link


def _without_csrf(html):
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)


def test_lost_link_answers_the_same_for_unknown_addresses(
    client, open_meeting, delegation, session, django_capture_on_commit_callbacks
):
    registration = submit(delegation, [session])
    url = reverse("delegates:lost_link", kwargs={"slug": open_meeting.slug})
    with django_capture_on_commit_callbacks(execute=True):
        known = client.post(url, {"email": "SITI1@example.org"}, follow=True)
        unknown = client.post(url, {"email": "nobody@example.org"}, follow=True)
    assert known.status_code == unknown.status_code == 200
    assert known.redirect_chain == unknown.redirect_chain
    message = "If this address has a registration for this meeting"
    assert message in known.content.decode()
    assert _without_csrf(known.content.decode()) == _without_csrf(
        unknown.content.decode()
    )
    [sent] = mail.outbox
    assert sent.to == ["siti1@example.org"]
    assert registration.token in link_in(sent)


def test_lost_link_refuses_a_malformed_address(client, open_meeting):
    url = reverse("delegates:lost_link", kwargs={"slug": open_meeting.slug})
    response = client.post(url, {"email": "not an address"})
    assert response.status_code == 200
    assert response.context["form"].errors["email"]


# The letter of invitation


def test_an_approved_delegate_downloads_the_letter(client, delegation):
    registration = RegistrationFactory(
        delegation=delegation,
        status=Status.APPROVED,
        needs_visa_letter=True,
        delegate__nationality="MYS",
        delegate__passport_number="A1234567",
        delegate__passport_expiry=delegation.meeting.end_date + 400 * DAY,
    )
    html = client.get(manage_url(registration)).content.decode()
    assert manage_url(registration, "letter") in html
    response = client.get(manage_url(registration, "letter"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f'attachment; filename="letter-{registration.reference}.pdf"'
    )
    assert response.content.startswith(b"%PDF")


@pytest.mark.parametrize(
    ("status", "needs_letter"),
    [
        (Status.PENDING, True),
        (Status.WAITLISTED, True),
        (Status.REJECTED, True),
        (Status.WITHDRAWN, True),
        (Status.APPROVED, False),
    ],
)
def test_no_letter_unless_approved_and_asked_for(
    client, delegation, status, needs_letter
):
    registration = RegistrationFactory(
        delegation=delegation,
        status=status,
        needs_visa_letter=needs_letter,
        delegate__passport_number="A1234567",
        delegate__passport_expiry=delegation.meeting.end_date + 400 * DAY,
    )
    assert client.get(manage_url(registration, "letter")).status_code == 404
    assert manage_url(registration, "letter") not in (
        client.get(manage_url(registration)).content.decode()
    )


# The privacy notice, and the cost of the form


def test_the_privacy_notice_says_who_sees_passports_and_for_how_long(client, db):
    html = client.get(reverse("delegates:privacy")).content.decode()
    assert "No. 27 of 2022" in html
    assert "Passport details are seen by the secretariat only" in html
    assert "deleted after the meeting" in html


def test_register_page_queries_do_not_grow_with_the_sessions(
    client, open_meeting, delegation
):
    def queries_with(count):
        SessionFactory.create_batch(
            count - open_meeting.sessions.count(), meeting=open_meeting
        )
        with CaptureQueriesContext(connection) as queries:
            response = client.get(register_url(open_meeting))
        assert response.status_code == 200
        assert response.content.decode().count('name="sessions"') == count
        return len(queries)

    assert queries_with(2) == queries_with(10)


def test_details_awaiting_confirmation_are_shown_masked_and_can_be_applied(
    client, django_capture_on_commit_callbacks
):
    meeting = open_meeting_for_confirmation()
    delegation = meeting.delegations.get()
    session = meeting.sessions.get()
    delegate = DelegateFactory(
        email="known@example.org", position="Director", passport_number="P1234567"
    )
    registration = services.registration_submit(
        meeting=meeting,
        delegation=delegation,
        delegate_data={
            "family_name": delegate.family_name,
            "email": "known@example.org",
            "position": "Deputy Minister",
            "passport_number": "Q7654321",
        },
        registration_data={"role": "delegate"},
        sessions=[session],
    )
    page = client.get(reverse("delegates:manage", args=[registration.token]))
    html = page.content.decode()
    assert "Please confirm your details" in html
    assert "Deputy Minister" in html
    assert "Q7654321" not in html and "P1234567" not in html
    assert "321" in html
    url = reverse("delegates:confirm_details", args=[registration.token])
    assert client.get(url).status_code == 405
    response = client.post(url, {"choice": "accept"})
    assert response.status_code == 302
    delegate = Delegate.objects.get(pk=delegate.pk)
    assert (delegate.position, delegate.passport_number) == (
        "Deputy Minister",
        "Q7654321",
    )
    assert (
        client.post(
            reverse("delegates:confirm_details", args=["x" * 43]), {"choice": "accept"}
        ).status_code
        == 404
    )


def open_meeting_for_confirmation():
    now = timezone.now()
    meeting = MeetingFactory(
        registration_opens_at=now - datetime.timedelta(days=1),
        registration_closes_at=now + datetime.timedelta(days=1),
        start_date=(now + datetime.timedelta(days=30)).date(),
        end_date=(now + datetime.timedelta(days=34)).date(),
    )
    DelegationFactory(meeting=meeting, party=MemberStateFactory())
    SessionFactory(meeting=meeting)
    return meeting
