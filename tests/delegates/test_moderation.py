"""The secretariat decides on registrations in the admin: every change of
status goes through the service, is reported, and is refused when not allowed."""

import datetime

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import Permission
from django.contrib.messages import WARNING
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import translation

from delegates import emails, services
from delegates.admin import RegistrationForm
from delegates.models import Registration
from tests.factories import (
    DelegateFactory,
    DelegationFactory,
    MemberStateFactory,
    RegistrationFactory,
    SessionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
Status = Registration.Status
CHANGELIST = "admin:delegates_registration_changelist"
PASSPORT = "P4471902Q"


def change_url(registration):
    return reverse("admin:delegates_registration_change", args=[registration.pk])


def decision_url(name, registration_or_pk):
    pk = getattr(registration_or_pk, "pk", registration_or_pk)
    return reverse(f"admin:delegates_registration_{name}", args=[pk])


def staff_user(*codenames):
    user = UserFactory(is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label="delegates", codename__in=codenames
        )
    )
    return user


def run_action(client, action, registrations, **extra):
    return client.post(
        reverse(CHANGELIST),
        {
            "action": action,
            ACTION_CHECKBOX_NAME: [r.pk for r in registrations],
            **extra,
        },
    )


def shown(response):
    return [(m.level, str(m)) for m in response.context["messages"]]


def statuses(*registrations):
    for registration in registrations:
        registration.refresh_from_db()
    return [registration.status for registration in registrations]


@pytest.fixture
def delegation(meeting):
    return DelegationFactory(meeting=meeting, party=MemberStateFactory(), quota=2)


def pending(delegation, **extra):
    return RegistrationFactory(
        delegation=delegation, **{"status": Status.PENDING, **extra}
    )


def test_approve_action_decides_through_the_service_and_mails(
    staff_client, delegation, django_capture_on_commit_callbacks
):
    first, second = pending(delegation), pending(delegation)
    with django_capture_on_commit_callbacks(execute=True):
        response = run_action(staff_client, "approve_selected", [first, second])
    assert response.status_code == 302
    assert statuses(first, second) == [Status.APPROVED, Status.APPROVED]
    assert first.decided_by == staff_client.user
    assert first.decided_at is not None
    assert first.events.last().to_status == Status.APPROVED
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [first.delegate.email, second.delegate.email]
    )
    response = staff_client.get(response.url)
    assert "2 registrations approved." in [text for _level, text in shown(response)]


def test_approve_action_past_the_quota_waitlists_the_newest_and_says_why(
    staff_client, delegation
):
    delegation.quota = 1
    delegation.save()
    older, newer = pending(delegation), pending(delegation)
    response = run_action(staff_client, "approve_selected", [newer, older])
    assert statuses(older, newer) == [Status.APPROVED, Status.WAITLISTED]
    messages = shown(staff_client.get(response.url))
    assert messages[0][1] == "1 registration approved."
    level, text = messages[1]
    assert level == WARNING
    assert "instead of approved" in text
    assert newer.reference in text
    assert "quota of 1 is reached" in text


def test_approving_a_withdrawn_registration_is_refused_and_the_rest_go_ahead(
    staff_client, delegation
):
    withdrawn = pending(delegation, status=Status.WITHDRAWN)
    fresh = pending(delegation)
    response = run_action(staff_client, "approve_selected", [withdrawn, fresh])
    assert statuses(withdrawn, fresh) == [Status.WITHDRAWN, Status.APPROVED]
    assert withdrawn.decided_by is None
    messages = shown(staff_client.get(response.url))
    assert (
        WARNING,
        f"{withdrawn.reference} was not changed: "
        "A withdrawn registration cannot be made approved.",
    ) in messages
    assert "1 registration approved." in [text for _level, text in messages]


def test_waitlist_and_reopen_actions(staff_client, delegation):
    registration = pending(delegation)
    run_action(staff_client, "waitlist_selected", [registration])
    assert statuses(registration) == [Status.WAITLISTED]
    response = run_action(staff_client, "reopen_selected", [registration])
    assert statuses(registration) == [Status.PENDING]
    assert "1 registration returned to pending." in [
        text for _level, text in shown(staff_client.get(response.url))
    ]


def test_reject_action_first_asks_for_a_reason(staff_client, delegation):
    first, second = pending(delegation), pending(delegation)
    response = run_action(staff_client, "reject_selected", [first, second])
    assert response.status_code == 200
    assert response.templates[0].name == "admin/delegates/registration/reject.html"
    assert first.reference in response.text
    assert second.reference in response.text
    assert 'name="action" value="reject_selected"' in response.text
    assert response.text.count(f'name="{ACTION_CHECKBOX_NAME}"') == 2
    assert 'name="reason"' in response.text
    assert statuses(first, second) == [Status.PENDING, Status.PENDING]


def test_reject_action_without_a_reason_shows_the_page_again(staff_client, delegation):
    registration = pending(delegation)
    response = run_action(
        staff_client, "reject_selected", [registration], confirm="yes", reason="  "
    )
    assert response.status_code == 200
    assert response.context["form"].errors["reason"] == ["This field is required."]
    assert statuses(registration) == [Status.PENDING]
    assert mail.outbox == []


def test_reject_action_with_a_reason_mails_the_delegate_in_their_language(
    staff_client, delegation, monkeypatch, django_capture_on_commit_callbacks
):
    registration = pending(
        delegation, delegate=DelegateFactory(preferred_language="id")
    )
    languages = []
    render = emails.render_to_string

    def spy(template, context):
        languages.append(translation.get_language())
        return render(template, context)

    monkeypatch.setattr(emails, "render_to_string", spy)
    with django_capture_on_commit_callbacks(execute=True):
        response = run_action(
            staff_client,
            "reject_selected",
            [registration],
            confirm="yes",
            reason="Not a nominated official.",
        )
    assert response.status_code == 302
    registration.refresh_from_db()
    assert registration.status == Status.REJECTED
    assert registration.decision_reason == "Not a nominated official."
    assert registration.decided_by == staff_client.user
    [message] = mail.outbox
    assert message.to == [registration.delegate.email]
    assert registration.reference in message.subject
    assert "Not a nominated official." in message.body
    assert languages and set(languages) == {"id"}


def test_actions_are_not_offered_to_staff_who_may_only_view(client, delegation):
    registration = pending(delegation)
    client.force_login(staff_user("view_registration"))
    page = client.get(reverse(CHANGELIST))
    assert "approve_selected" not in page.text
    # Viewers may print badges, so the list takes actions: a forged decision
    # is refused as an unknown one.
    response = run_action(client, "approve_selected", [registration])
    assert response.status_code == 302
    assert statuses(registration) == [Status.PENDING]


def buttons(response):
    return {
        name
        for name in ("approve", "waitlist", "reject", "reopen", "letter")
        if decision_url(name, response.context["original"]) in response.text
    }


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (Status.PENDING, {"approve", "waitlist", "reject"}),
        (Status.APPROVED, {"waitlist", "reject", "reopen"}),
        (Status.REJECTED, {"reopen"}),
        (Status.WITHDRAWN, set()),
    ],
)
def test_change_page_offers_the_decisions_the_status_allows(
    staff_client, delegation, status, expected
):
    registration = pending(delegation, status=status)
    assert buttons(staff_client.get(change_url(registration))) == expected


def test_change_page_offers_no_decisions_to_staff_who_may_only_view(client, delegation):
    registration = pending(delegation)
    client.force_login(staff_user("view_registration"))
    response = client.get(change_url(registration))
    assert response.status_code == 200
    assert buttons(response) == set()


def test_approve_button_decides_and_returns_to_the_page(
    staff_client, delegation, django_capture_on_commit_callbacks
):
    registration = pending(delegation)
    filters = "_changelist_filters=status__exact%3Dpending"
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            f"{decision_url('approve', registration)}?{filters}"
        )
    assert response.status_code == 302
    assert response.url == f"{change_url(registration)}?{filters}"
    assert statuses(registration) == [Status.APPROVED]
    assert registration.decided_by == staff_client.user
    assert len(mail.outbox) == 1


def test_a_refused_button_decision_is_a_message(staff_client, delegation):
    registration = pending(delegation, status=Status.WITHDRAWN)
    response = staff_client.post(decision_url("approve", registration), follow=True)
    assert statuses(registration) == [Status.WITHDRAWN]
    assert (
        WARNING,
        f"{registration.reference} was not changed: "
        "A withdrawn registration cannot be made approved.",
    ) in shown(response)


@pytest.mark.parametrize("name", ["approve", "waitlist", "reopen"])
def test_decision_buttons_only_accept_post(staff_client, delegation, name):
    registration = pending(delegation, status=Status.WAITLISTED)
    assert staff_client.get(decision_url(name, registration)).status_code == 405
    assert statuses(registration) == [Status.WAITLISTED]


def test_reject_button_asks_for_a_reason_then_rejects(staff_client, delegation):
    registration = pending(delegation)
    url = decision_url("reject", registration)
    page = staff_client.get(url)
    assert page.status_code == 200
    assert 'name="action"' not in page.text
    assert registration.reference in page.text
    again = staff_client.post(url, {"confirm": "yes", "reason": ""})
    assert again.status_code == 200
    assert again.context["form"].errors
    assert statuses(registration) == [Status.PENDING]
    done = staff_client.post(url, {"confirm": "yes", "reason": "Duplicate."})
    assert done.status_code == 302
    assert done.url == change_url(registration)
    assert statuses(registration) == [Status.REJECTED]
    assert registration.decision_reason == "Duplicate."


@pytest.mark.parametrize("name", ["approve", "waitlist", "reopen", "reject"])
def test_decision_urls_need_the_change_permission(client, delegation, name):
    registration = pending(delegation, status=Status.WAITLISTED)
    client.force_login(staff_user("view_registration"))
    assert client.post(decision_url(name, registration)).status_code == 403
    assert client.get(decision_url("reject", registration)).status_code == 403
    assert statuses(registration) == [Status.WAITLISTED]


@pytest.mark.parametrize("name", ["approve", "waitlist", "reopen", "reject", "letter"])
def test_custom_urls_are_404_for_a_missing_registration(staff_client, name):
    assert staff_client.post(decision_url(name, 999999)).status_code == 404


def test_decision_urls_need_the_csrf_token(delegation):
    registration = pending(delegation)
    client = Client(enforce_csrf_checks=True)
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    assert client.post(decision_url("approve", registration)).status_code == 403
    assert statuses(registration) == [Status.PENDING]


def change_form_post(registration, **changes):
    data = {
        "delegation": registration.delegation_id,
        "delegate": registration.delegate_id,
        "role": registration.role,
        "sessions": [],
        "arrival_date": "",
        "departure_date": "",
        "needs_visa_letter": "",
    }
    data.update(changes)
    return data


def test_the_change_form_cannot_change_the_status_or_the_decision(
    staff_client, delegation
):
    registration = pending(delegation)
    response = staff_client.post(
        change_url(registration),
        change_form_post(
            registration,
            status=Status.APPROVED,
            decision_reason="Forged.",
            role=Registration.Role.OBSERVER,
        ),
    )
    assert response.status_code == 302
    registration.refresh_from_db()
    assert registration.role == Registration.Role.OBSERVER
    assert registration.status == Status.PENDING
    assert registration.decision_reason == ""


@pytest.fixture
def decided_meanwhile(monkeypatch):
    """Someone waitlists the registration while the change form is checked."""
    clean = RegistrationForm.clean

    def clean_then_decide(form):
        cleaned_data = clean(form)
        Registration.objects.filter(pk=form.instance.pk).update(
            status=Status.WAITLISTED, decision_reason="quota reached"
        )
        return cleaned_data

    monkeypatch.setattr(RegistrationForm, "clean", clean_then_decide)


def test_the_change_form_never_writes_back_an_old_decision(
    staff_client, delegation, decided_meanwhile
):
    registration = pending(delegation)
    response = staff_client.post(
        change_url(registration),
        change_form_post(registration, role=Registration.Role.OBSERVER),
    )
    assert response.status_code == 302
    registration.refresh_from_db()
    assert registration.role == Registration.Role.OBSERVER
    assert (registration.status, registration.decision_reason) == (
        Status.WAITLISTED,
        "quota reached",
    )


def test_the_delegation_page_never_writes_back_an_old_decision(
    staff_client, delegation, decided_meanwhile
):
    registration = pending(delegation)
    prefix = "registrations-0-"
    response = staff_client.post(
        reverse("admin:delegates_delegation_change", args=[delegation.pk]),
        {
            "quota": "2",
            "notes": "",
            "registrations-TOTAL_FORMS": "1",
            "registrations-INITIAL_FORMS": "1",
            "registrations-MIN_NUM_FORMS": "0",
            "registrations-MAX_NUM_FORMS": "1000",
            f"{prefix}id": registration.pk,
            f"{prefix}delegation": delegation.pk,
            f"{prefix}delegate": registration.delegate_id,
            f"{prefix}role": Registration.Role.OBSERVER,
            f"{prefix}reference": registration.reference,
        },
    )
    assert response.status_code == 302
    registration.refresh_from_db()
    assert registration.role == Registration.Role.OBSERVER
    assert registration.status == Status.WAITLISTED


@pytest.fixture
def amended(delegation):
    """An approved registration whose delegate then chose another session."""
    kept = SessionFactory(meeting=delegation.meeting, title="JWG plenary")
    added = SessionFactory(meeting=delegation.meeting, title="WGMID")
    expiry = delegation.meeting.end_date + datetime.timedelta(days=400)
    registration = pending(
        delegation,
        needs_visa_letter=True,
        delegate=DelegateFactory(passport_number=PASSPORT, passport_expiry=expiry),
    )
    registration.sessions.add(kept)
    services.registration_decide(
        registration=registration, to_status=Status.APPROVED, by=None
    )
    delegate = registration.delegate
    services.registration_update(
        registration=registration,
        delegate_data={"email": delegate.email, "family_name": delegate.family_name},
        registration_data={"role": registration.role, "needs_visa_letter": True},
        sessions=[kept, added],
    )
    registration.refresh_from_db()
    assert registration.status == Status.PENDING
    return registration


def test_change_page_shows_the_approved_version_beside_the_current(
    staff_client, amended
):
    response = staff_client.get(change_url(amended))
    rows = {str(row["label"]): row for row in response.context["approved_version"]}
    assert rows["Sessions"]["approved"] == "JWG plenary"
    assert rows["Sessions"]["current"] == "JWG plenary; WGMID"
    assert rows["Sessions"]["changed"]
    assert not rows["Role"]["changed"]
    assert rows["Passport number"]["approved"] == PASSPORT
    assert "Changed after approval" in response.text
    assert "JWG plenary; WGMID" in response.text


def test_the_approved_version_keeps_the_passport_back(client, amended):
    client.force_login(staff_user("view_registration"))
    response = client.get(change_url(amended))
    assert "JWG plenary; WGMID" in response.text
    assert PASSPORT not in response.text
    assert amended.delegate.masked_passport in response.text


def test_no_approved_version_for_a_registration_never_changed(staff_client, delegation):
    response = staff_client.get(change_url(pending(delegation)))
    assert response.context["approved_version"] == []
    assert "Changed after approval" not in response.text


def test_changelist_marks_and_filters_registrations_changed_after_approval(
    staff_client, amended
):
    plain = pending(amended.delegation)
    response = staff_client.get(reverse(CHANGELIST), {"changed_after_approval": "yes"})
    assert list(response.context["cl"].result_list) == [amended]
    response = staff_client.get(reverse(CHANGELIST), {"changed_after_approval": "no"})
    assert list(response.context["cl"].result_list) == [plain]


def test_changelist_filters_by_delegation(staff_client, delegation):
    kept = pending(delegation)
    pending(DelegationFactory(meeting=delegation.meeting))
    response = staff_client.get(
        reverse(CHANGELIST), {"delegation__id__exact": delegation.pk}
    )
    assert list(response.context["cl"].result_list) == [kept]


def add_post(delegation, delegate, **changes):
    data = {
        "delegation": delegation.pk,
        "delegate": delegate.pk,
        "role": Registration.Role.DELEGATE,
        "reference": "",
        "sessions": [],
        "arrival_date": "",
        "departure_date": "",
    }
    data.update(changes)
    return data


def test_adding_in_the_admin_draws_the_next_reference_as_pending(
    staff_client, delegation
):
    RegistrationFactory(
        delegation=delegation,
        reference=f"JWG{delegation.meeting.number}-MYS-004",
    )
    delegate = DelegateFactory()
    response = staff_client.post(
        reverse("admin:delegates_registration_add"),
        add_post(delegation, delegate, status=Status.APPROVED),
    )
    assert response.status_code == 302
    registration = Registration.objects.get(delegate=delegate)
    assert registration.reference == f"JWG{delegation.meeting.number}-MYS-005"
    assert registration.status == Status.PENDING
    assert registration.submitted_by == staff_client.user
    event = registration.events.get()
    assert (event.action, event.by) == ("created_by_staff", staff_client.user)


def test_adding_in_a_delegation_draws_references_and_keeps_status_pending(
    staff_client, delegation
):
    delegates = DelegateFactory.create_batch(2)
    data = {
        "quota": "2",
        "notes": "",
        "registrations-TOTAL_FORMS": "2",
        "registrations-INITIAL_FORMS": "0",
        "registrations-MIN_NUM_FORMS": "0",
        "registrations-MAX_NUM_FORMS": "1000",
    }
    for index, delegate in enumerate(delegates):
        data.update(
            {
                f"registrations-{index}-id": "",
                f"registrations-{index}-delegate": delegate.pk,
                f"registrations-{index}-role": Registration.Role.DELEGATE,
                f"registrations-{index}-status": Status.APPROVED,
                f"registrations-{index}-reference": "",
            }
        )
    response = staff_client.post(
        reverse("admin:delegates_delegation_change", args=[delegation.pk]), data
    )
    assert response.status_code == 302
    registrations = delegation.registrations.order_by("reference")
    prefix = f"JWG{delegation.meeting.number}-MYS-"
    assert [r.reference for r in registrations] == [f"{prefix}001", f"{prefix}002"]
    assert {r.status for r in registrations} == {Status.PENDING}


@pytest.fixture
def letter_registration(delegation):
    expiry = delegation.meeting.end_date + datetime.timedelta(days=400)
    return RegistrationFactory(
        delegation=delegation,
        needs_visa_letter=True,
        delegate=DelegateFactory(
            given_name="Thị Hương",
            family_name="Nguyễn",
            nationality="VNM",
            passport_number=PASSPORT,
            passport_expiry=expiry,
        ),
    )


def test_staff_download_the_letter_of_invitation(staff_client, letter_registration):
    page = staff_client.get(change_url(letter_registration))
    url = decision_url("letter", letter_registration)
    assert url in page.text
    response = staff_client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "no-store" in response["Cache-Control"]
    assert response["Content-Disposition"] == (
        f'attachment; filename="letter-{letter_registration.reference}.pdf"'
    )
    assert response.content.startswith(b"%PDF")


@pytest.mark.parametrize(
    "change",
    [{"status": Status.PENDING}, {"needs_visa_letter": False}],
    ids=["not-approved", "no-visa-letter"],
)
def test_no_letter_unless_approved_and_asked_for(
    staff_client, letter_registration, change
):
    Registration.objects.filter(pk=letter_registration.pk).update(**change)
    url = decision_url("letter", letter_registration)
    assert staff_client.get(url).status_code == 404
    assert url not in staff_client.get(change_url(letter_registration)).text


def test_the_letter_needs_the_passport_permission(client, letter_registration):
    url = decision_url("letter", letter_registration)
    client.force_login(staff_user("view_registration"))
    assert client.get(url).status_code == 403
    assert url not in client.get(change_url(letter_registration)).text
    client.force_login(staff_user("view_registration", "view_passport"))
    assert client.get(url).status_code == 200
