"""Registration services: every rule, and attempts to break it."""

import datetime

import pytest
from django.core import mail
from django.db import transaction

from delegates import services
from delegates.models import Delegate, Registration, RegistrationEvent
from meetings.models import PartyKind
from tests.factories import (
    DelegationFactory,
    MeetingFactory,
    MemberStateFactory,
    PartyFactory,
    RegistrationFactory,
    SessionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
Status = Registration.Status
NOW = datetime.datetime(2024, 3, 15, tzinfo=datetime.UTC)


@pytest.fixture
def open_meeting(time_machine):
    time_machine.move_to(NOW, tick=False)
    return MeetingFactory(
        registration_opens_at=NOW - datetime.timedelta(days=10),
        registration_closes_at=NOW + datetime.timedelta(days=10),
    )


@pytest.fixture
def delegation(open_meeting):
    return DelegationFactory(meeting=open_meeting, party=MemberStateFactory(), quota=2)


@pytest.fixture
def session(open_meeting):
    return SessionFactory(meeting=open_meeting)


def person(n=1, **extra):
    return {
        "given_name": "Siti",
        "family_name": f"Rahman{n}",
        "email": f"siti{n}@example.org",
        "position": "Director",
        **extra,
    }


def submit(delegation, session, n=1, registration_data=None, **delegate_extra):
    return services.registration_submit(
        meeting=delegation.meeting,
        delegation=delegation,
        delegate_data=person(n, **delegate_extra),
        registration_data=registration_data or {"role": Registration.Role.DELEGATE},
        sessions=[session],
    )


def test_submit_creates_a_pending_registration_with_a_reference(
    delegation, session, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = submit(delegation, session, 1)
        second = submit(delegation, session, 2)
    assert first.status == Status.PENDING
    assert first.reference == f"JWG{delegation.meeting.number}-MYS-001"
    assert second.reference.endswith("-MYS-002")
    assert list(first.sessions.all()) == [session]
    assert [m.to for m in mail.outbox] == [["siti1@example.org"], ["siti2@example.org"]]
    assert first.token in mail.outbox[0].body
    assert mail.outbox[0].alternatives[0][1] == "text/html"
    assert first.events.get().action == "submitted"


def test_references_are_never_reused_after_a_withdrawal(delegation, session):
    first = submit(delegation, session, 1)
    services.registration_withdraw(registration=first)
    assert submit(delegation, session, 2).reference.endswith("-002")


def test_the_thousandth_reference_follows_the_999th(delegation, session):
    # In text order "-999" sorts after "-1000"; the next must still be -1001.
    for number in (999, 1000):
        last = submit(delegation, session, number)
        prefix = last.reference.rsplit("-", 1)[0]
        Registration.objects.filter(pk=last.pk).update(reference=f"{prefix}-{number}")
    assert submit(delegation, session, 1).reference == f"{prefix}-1001"


def test_the_known_person_is_found_whatever_the_case_of_the_address(
    delegation, session
):
    first = submit(delegation, session, 1)
    services.registration_withdraw(registration=first)
    again = services.registration_submit(
        meeting=delegation.meeting,
        delegation=delegation,
        delegate_data=person(1, email="SITI1@Example.ORG"),
        registration_data={"role": Registration.Role.DELEGATE},
        sessions=[session],
    )
    assert again.delegate_id == first.delegate_id


def test_a_second_active_registration_is_refused_without_a_new_row(delegation, session):
    submit(delegation, session, 1)
    with pytest.raises(services.DuplicateRegistration):
        submit(delegation, session, 1, email="SITI1@example.org")
    assert Registration.objects.count() == 1
    assert Delegate.objects.count() == 1


def test_the_same_person_may_register_again_after_withdrawing(delegation, session):
    first = submit(delegation, session, 1)
    services.registration_withdraw(registration=first)
    again = submit(delegation, session, 1)
    assert again.delegate_id == first.delegate_id
    assert again.status == Status.PENDING


def test_submission_outside_the_window_is_refused(delegation, session, time_machine):
    time_machine.move_to(NOW + datetime.timedelta(days=11), tick=False)
    with pytest.raises(services.RegistrationError) as excinfo:
        submit(delegation, session)
    assert excinfo.value.code == "closed"
    assert not Delegate.objects.exists()


def test_a_passport_expiring_too_soon_writes_nothing(delegation, session):
    expiry = delegation.meeting.end_date + datetime.timedelta(days=90)
    with pytest.raises(services.RegistrationError) as excinfo:
        submit(
            delegation,
            session,
            registration_data={"role": "delegate", "needs_visa_letter": True},
            passport_number="A1234567",
            passport_expiry=expiry,
        )
    assert excinfo.value.code == "passport_expiry"
    assert not Delegate.objects.exists()
    assert not Registration.objects.exists()


def test_passport_needed_date_is_six_months_after_the_last_day():
    meeting = MeetingFactory.build(end_date=datetime.date(2024, 8, 31))
    assert services.passport_valid_until_needed(meeting) == datetime.date(2025, 2, 28)
    meeting.end_date = datetime.date(2024, 5, 3)
    assert services.passport_valid_until_needed(meeting) == datetime.date(2024, 11, 3)


def test_a_session_closed_to_the_party_is_refused(delegation, open_meeting):
    closed = SessionFactory(meeting=open_meeting, open_to=[PartyKind.DIALOGUE_PARTNER])
    with pytest.raises(services.RegistrationError) as excinfo:
        submit(delegation, closed)
    assert excinfo.value.code == "session_not_open"
    assert not Registration.objects.exists()


def test_no_mail_for_a_rolled_back_submission(
    delegation, session, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                submit(delegation, session)
                raise RuntimeError("something later failed")
        except RuntimeError:
            pass
    assert mail.outbox == []
    assert not Registration.objects.exists()


def decide(registration, to_status, reason=""):
    staff = UserFactory(username="secretariat", is_staff=True)
    return services.registration_decide(
        registration=registration, to_status=to_status, by=staff, reason=reason
    )


def test_approval_records_who_and_when_and_mails_the_delegate(
    delegation, session, django_capture_on_commit_callbacks
):
    registration = submit(delegation, session)
    with django_capture_on_commit_callbacks(execute=True):
        result = decide(registration, Status.APPROVED)
    registration.refresh_from_db()
    assert registration.status == Status.APPROVED
    assert registration.decided_by.username == "secretariat"
    assert registration.decided_at == NOW
    assert not result.waitlisted_instead
    event = registration.events.last()
    assert (event.from_status, event.to_status) == (Status.PENDING, Status.APPROVED)
    assert mail.outbox[-1].to == [registration.delegate.email]


def test_approval_past_the_quota_waitlists(delegation, session):
    registrations = [submit(delegation, session, n) for n in range(3)]
    results = [decide(r, Status.APPROVED) for r in registrations]
    assert [r.registration.status for r in results] == [
        Status.APPROVED,
        Status.APPROVED,
        Status.WAITLISTED,
    ]
    assert results[2].waitlisted_instead
    assert "quota" in results[2].registration.decision_reason


def test_a_freed_place_goes_to_the_waitlist(delegation, session):
    first, second, third = (submit(delegation, session, n) for n in range(3))
    for registration in (first, second, third):
        decide(registration, Status.APPROVED)
    services.registration_withdraw(registration=first)
    third.refresh_from_db()
    assert third.status == Status.APPROVED
    assert third.events.last().action == "promoted"


def test_session_capacity_is_never_exceeded(open_meeting):
    small = SessionFactory(meeting=open_meeting, capacity=1)
    delegation = DelegationFactory(meeting=open_meeting, party=MemberStateFactory())
    first = submit(delegation, small, 1)
    second = submit(delegation, small, 2)
    assert decide(first, Status.APPROVED).registration.status == Status.APPROVED
    result = decide(second, Status.APPROVED)
    assert result.registration.status == Status.WAITLISTED
    assert small.title in result.registration.decision_reason


@pytest.mark.parametrize(
    ("start", "target"),
    [
        (Status.WITHDRAWN, Status.APPROVED),
        (Status.WITHDRAWN, Status.PENDING),
        (Status.REJECTED, Status.APPROVED),
        (Status.PENDING, Status.PENDING),
    ],
)
def test_transitions_that_are_not_allowed(start, target):
    registration = RegistrationFactory(status=start)
    with pytest.raises(services.RegistrationError) as excinfo:
        decide(registration, target)
    assert excinfo.value.code == "transition"
    registration.refresh_from_db()
    assert registration.status == start


def test_rejection_needs_a_reason(delegation, session):
    registration = submit(delegation, session)
    with pytest.raises(services.RegistrationError):
        decide(registration, Status.REJECTED, reason="  ")
    decide(registration, Status.REJECTED, reason="Not a nominated official.")
    registration.refresh_from_db()
    assert registration.status == Status.REJECTED
    assert registration.decision_reason == "Not a nominated official."


def test_editing_a_judged_field_after_approval_asks_again(
    delegation, session, open_meeting, settings, django_capture_on_commit_callbacks
):
    settings.SECRETARIAT_EMAILS = ["secretariat@example.org"]
    registration = submit(delegation, session)
    decide(registration, Status.APPROVED)
    other = SessionFactory(meeting=open_meeting)
    with django_capture_on_commit_callbacks(execute=True):
        services.registration_update(
            registration=registration,
            delegate_data=person(1),
            registration_data={"role": Registration.Role.DELEGATE},
            sessions=[session, other],
        )
    registration.refresh_from_db()
    assert registration.status == Status.PENDING
    assert registration.approved_snapshot["sessions"] == [session.title]
    assert registration.events.last().action == "amended"
    assert mail.outbox[-1].to == ["secretariat@example.org"]
    decide(registration, Status.APPROVED)
    registration.refresh_from_db()
    assert registration.approved_snapshot is None


def test_editing_contact_details_after_approval_keeps_it_approved(delegation, session):
    registration = submit(delegation, session)
    decide(registration, Status.APPROVED)
    services.registration_update(
        registration=registration,
        delegate_data=person(1, phone="+62 361 000 111"),
        registration_data={"role": Registration.Role.DELEGATE},
        sessions=[session],
    )
    registration.refresh_from_db()
    assert registration.status == Status.APPROVED
    assert registration.delegate.phone == "+62 361 000 111"
    assert registration.approved_snapshot is None


def test_a_withdrawn_registration_cannot_be_edited(delegation, session):
    registration = submit(delegation, session)
    services.registration_withdraw(registration=registration)
    with pytest.raises(services.RegistrationError):
        services.registration_update(
            registration=registration,
            delegate_data=person(1),
            registration_data={"role": "delegate"},
            sessions=[session],
        )


def test_an_edit_cannot_take_another_delegates_email(delegation, session):
    submit(delegation, session, 1)
    second = submit(delegation, session, 2)
    with pytest.raises(services.RegistrationError) as excinfo:
        services.registration_update(
            registration=second,
            delegate_data=person(2, email="siti1@example.org"),
            registration_data={"role": "delegate"},
            sessions=[session],
        )
    assert excinfo.value.code == "email_taken"


def test_set_head_moves_the_former_head_to_alternate(delegation, session):
    head = submit(delegation, session, 1, registration_data={"role": "head"})
    other = submit(delegation, session, 2)
    focal_point = UserFactory()
    services.registration_set_head(registration=other, by=focal_point)
    head.refresh_from_db()
    other.refresh_from_db()
    assert (head.role, other.role) == ("alternate", "head")


def test_endorse_and_decline_record_the_focal_point(delegation, session):
    registration = submit(delegation, session)
    focal_point = UserFactory()
    services.registration_endorse(
        registration=registration, by=focal_point, endorse=False
    )
    registration.refresh_from_db()
    assert registration.endorsement == Registration.Endorsement.DECLINED
    assert registration.endorsed_by == focal_point
    services.registration_withdraw(registration=registration)
    with pytest.raises(services.RegistrationError):
        services.registration_endorse(
            registration=registration, by=focal_point, endorse=True
        )


def test_resend_link_mails_only_a_registered_address(
    delegation, session, django_capture_on_commit_callbacks
):
    registration = submit(delegation, session)
    with django_capture_on_commit_callbacks(execute=True):
        services.registration_resend_link(
            meeting=delegation.meeting, email="SITI1@example.org "
        )
        services.registration_resend_link(
            meeting=delegation.meeting, email="nobody@example.org"
        )
    assert [m.to for m in mail.outbox] == [["siti1@example.org"]]
    assert registration.token in mail.outbox[0].body


def test_events_never_contain_passport_numbers(delegation, session):
    expiry = delegation.meeting.end_date + datetime.timedelta(days=400)
    registration = submit(
        delegation,
        session,
        registration_data={"role": "delegate", "needs_visa_letter": True},
        passport_number="X9876543",
        passport_expiry=expiry,
        nationality="MYS",
    )
    decide(registration, Status.APPROVED)
    services.registration_update(
        registration=registration,
        delegate_data=person(
            1, passport_number="Y1111111", passport_expiry=expiry, nationality="MYS"
        ),
        registration_data={"role": "delegate", "needs_visa_letter": True},
        sessions=[session],
    )
    notes = " ".join(RegistrationEvent.objects.values_list("note", flat=True))
    assert "passport_number" in notes
    assert "X9876543" not in notes
    assert "Y1111111" not in notes


def test_partner_delegation_references_use_the_party_code(open_meeting, session):
    igf = DelegationFactory(
        meeting=open_meeting,
        party=PartyFactory(code="IGF", kind=PartyKind.INTERNATIONAL_ORGANISATION),
    )
    assert submit(igf, session).reference.endswith("-IGF-001")


def test_a_known_persons_details_are_not_overwritten_by_a_new_submission(
    delegation, session, open_meeting
):
    first = submit(delegation, session, 1, position="Director", phone="")
    services.registration_withdraw(registration=first)
    expiry = open_meeting.end_date + datetime.timedelta(days=400)
    again = submit(
        delegation,
        session,
        1,
        position="Someone else's title",
        phone="+60 3 1234 5678",
        passport_number="Z7654321",
        passport_expiry=expiry,
    )
    delegate = Delegate.objects.get()
    # Blank details are filled, held ones wait for the person to confirm.
    assert delegate.phone == "+60 3 1234 5678"
    assert delegate.position == "Director"
    assert delegate.passport_number == "Z7654321"
    assert again.proposed_details == {"position": "Someone else's title"}


def test_confirming_proposed_details_applies_them_and_asks_again_after_approval(
    delegation, session, open_meeting
):
    expiry = open_meeting.end_date + datetime.timedelta(days=400)
    first = submit(delegation, session, 1, passport_number="A1111111")
    services.registration_withdraw(registration=first)
    again = submit(
        delegation,
        session,
        1,
        passport_number="B2222222",
        passport_expiry=expiry,
        nationality="MYS",
    )
    decide(again, Status.APPROVED)
    services.registration_confirm_details(registration=again, accept=True)
    again.refresh_from_db()
    assert again.delegate.passport_number == "B2222222"
    assert again.proposed_details is None
    assert again.status == Status.PENDING
    assert again.approved_snapshot["passport_number"] == "A1111111"


def test_discarding_proposed_details_keeps_the_file(delegation, session):
    first = submit(delegation, session, 1, position="Director")
    services.registration_withdraw(registration=first)
    again = submit(delegation, session, 1, position="Minister")
    services.registration_confirm_details(registration=again, accept=False)
    again.refresh_from_db()
    assert again.proposed_details is None
    assert again.delegate.position == "Director"


def test_the_passport_entered_now_is_judged_not_the_one_on_file(
    delegation, session, open_meeting
):
    old_expiry = open_meeting.end_date + datetime.timedelta(days=30)
    first = submit(
        delegation, session, 1, passport_number="OLD11111", passport_expiry=old_expiry
    )
    services.registration_withdraw(registration=first)
    new_expiry = open_meeting.end_date + datetime.timedelta(days=900)
    again = submit(
        delegation,
        session,
        1,
        registration_data={"role": "delegate", "needs_visa_letter": True},
        passport_number="NEW22222",
        passport_expiry=new_expiry,
    )
    assert set(again.proposed_details) == {"passport_number", "passport_expiry"}


def test_mail_is_written_in_the_delegates_language(
    delegation, session, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        submit(delegation, session, 1, preferred_language="id")
    html = mail.outbox[0].alternatives[0][0]
    assert '<html lang="id">' in html


def test_a_second_head_of_delegation_is_a_clear_error_not_a_crash(delegation, session):
    submit(delegation, session, 1, registration_data={"role": "head"})
    with pytest.raises(services.RegistrationError) as excinfo:
        submit(delegation, session, 2, registration_data={"role": "head"})
    assert excinfo.value.code == "head_taken"
    assert Registration.objects.count() == 1
