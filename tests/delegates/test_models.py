"""The participants' invariants hold in the database, not only in forms."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import DataError, IntegrityError, transaction
from django.db.models import RestrictedError

from delegates.models import Delegate, Party, Registration
from meetings.models import PartyKind
from tests.factories import (
    AttendanceFactory,
    DelegateFactory,
    DelegationFactory,
    MeetingFactory,
    MemberStateFactory,
    PartyFactory,
    RegistrationFactory,
    SessionFactory,
)

pytestmark = pytest.mark.django_db


def test_party_code_is_unique():
    PartyFactory(code="IGF")
    with pytest.raises(IntegrityError), transaction.atomic():
        Party.objects.create(code="IGF", name="Another", kind=PartyKind.OBSERVER)


def test_member_state_needs_iso_code_and_accession_date():
    with pytest.raises(IntegrityError), transaction.atomic():
        Party.objects.create(code="XXA", name="Nowhere", kind=PartyKind.MEMBER_STATE)


@pytest.mark.parametrize("iso3", ["my", "MYSX", "mys"])
def test_iso3_must_be_three_capitals(iso3):
    # PostgreSQL refuses the over-long value by its column type, SQLite by the check.
    with pytest.raises((IntegrityError, DataError)), transaction.atomic():
        Party.objects.create(
            code="ABC", name="Bad code", kind=PartyKind.OBSERVER, iso3=iso3
        )


def test_party_code_must_be_capitals():
    with pytest.raises(IntegrityError), transaction.atomic():
        Party.objects.create(code="igf", name="Lower", kind=PartyKind.OBSERVER)


def test_timor_leste_is_an_observer_before_accession_and_a_member_after():
    tls = MemberStateFactory(
        code="TLS", name="Timor-Leste", asean_member_since=datetime.date(2025, 10, 26)
    )
    assert tls.kind_on(datetime.date(2024, 4, 29)) == PartyKind.OBSERVER
    assert not tls.is_member_state_on(datetime.date(2025, 10, 25))
    assert tls.is_member_state_on(datetime.date(2025, 10, 26))


def test_asean_order_puts_member_states_first_then_partners_then_secretariat():
    PartyFactory(
        code="ASEC", name="ASEAN Secretariat", kind=PartyKind.ASEAN_SECRETARIAT
    )
    PartyFactory(code="IGF", name="IGF", kind=PartyKind.INTERNATIONAL_ORGANISATION)
    PartyFactory(code="USAID", name="USAID", kind=PartyKind.DIALOGUE_PARTNER)
    MemberStateFactory(code="VNM", name="Viet Nam")
    MemberStateFactory(code="BRN", name="Brunei Darussalam")
    PartyFactory(
        code="IDNOC", name="Organising Committee", kind=PartyKind.HOST_COMMITTEE
    )
    codes = [p.code for p in Party.objects.in_asean_order()]
    assert codes == ["BRN", "VNM", "USAID", "IGF", "ASEC", "IDNOC"]


def test_one_delegation_per_party_and_meeting():
    delegation = DelegationFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        DelegationFactory(meeting=delegation.meeting, party=delegation.party)


def test_quota_cannot_be_negative():
    with pytest.raises(IntegrityError), transaction.atomic():
        DelegationFactory(quota=-1)


def test_delegate_email_is_unique_whatever_its_case():
    DelegateFactory(email="Siti.Rahma@example.org")
    with pytest.raises(IntegrityError), transaction.atomic():
        DelegateFactory(email="siti.rahma@EXAMPLE.org")


def test_delegate_needs_a_family_name():
    with pytest.raises(IntegrityError), transaction.atomic():
        Delegate.objects.create(family_name="", email="x@example.org")


def test_delegate_full_clean_rejects_a_malformed_email():
    delegate = DelegateFactory.build(email="not-an-email")
    with pytest.raises(ValidationError) as excinfo:
        delegate.full_clean()
    assert "email" in excinfo.value.message_dict


def test_masked_passport_shows_only_the_last_three_characters():
    delegate = DelegateFactory.build(passport_number="A1234567")
    assert delegate.masked_passport.endswith("567")
    assert "1234" not in delegate.masked_passport


def test_one_active_registration_per_person_and_meeting():
    registration = RegistrationFactory(status=Registration.Status.PENDING)
    with pytest.raises(IntegrityError), transaction.atomic():
        RegistrationFactory(
            delegation=registration.delegation, delegate=registration.delegate
        )


def test_a_withdrawn_registration_does_not_block_a_new_one():
    registration = RegistrationFactory(status=Registration.Status.WITHDRAWN)
    again = RegistrationFactory(
        delegation=registration.delegation, delegate=registration.delegate
    )
    assert again.is_active


def test_the_same_person_may_register_for_two_meetings():
    registration = RegistrationFactory()
    other = RegistrationFactory(delegate=registration.delegate)
    assert other.meeting != registration.meeting


def test_one_head_of_delegation_at_a_time():
    head = RegistrationFactory(role=Registration.Role.HEAD)
    with pytest.raises(IntegrityError), transaction.atomic():
        RegistrationFactory(delegation=head.delegation, role=Registration.Role.HEAD)
    head.status = Registration.Status.WITHDRAWN
    head.save()
    assert RegistrationFactory(delegation=head.delegation, role=Registration.Role.HEAD)


def test_reference_codes_are_unique():
    registration = RegistrationFactory(reference="JWG11-MYS-001")
    with pytest.raises(IntegrityError), transaction.atomic():
        RegistrationFactory(
            delegation=registration.delegation, reference="JWG11-MYS-001"
        )


def test_token_is_generated_long_and_distinct():
    first, second = RegistrationFactory(), RegistrationFactory()
    assert len(first.token) >= 32
    assert first.token != second.token


def test_short_token_is_refused_by_the_database():
    registration = RegistrationFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Registration.objects.filter(pk=registration.pk).update(token="short")


def test_departure_cannot_precede_arrival():
    with pytest.raises(IntegrityError), transaction.atomic():
        RegistrationFactory(
            arrival_date=datetime.date(2024, 4, 28),
            departure_date=datetime.date(2024, 4, 27),
        )


def test_registration_must_share_its_delegations_meeting():
    delegation = DelegationFactory()
    other_meeting = MeetingFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        RegistrationFactory(delegation=delegation, meeting=other_meeting)


def test_a_delegation_with_registrations_cannot_move_meeting():
    registration = RegistrationFactory()
    delegation = registration.delegation
    delegation.meeting = MeetingFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        delegation.save()


def test_registration_cannot_choose_another_meetings_session():
    registration = RegistrationFactory()
    foreign = SessionFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        registration.sessions.add(foreign)
    own = SessionFactory(meeting=registration.meeting)
    registration.sessions.add(own)
    assert list(registration.sessions.all()) == [own]


def test_one_attendance_record_per_registration_and_session():
    attendance = AttendanceFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        AttendanceFactory(
            registration=attendance.registration, session=attendance.session
        )


def test_attendance_only_at_a_session_of_the_registrations_meeting():
    registration = RegistrationFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        AttendanceFactory(registration=registration, session=SessionFactory())


def test_asean_order_on_a_date_ranks_a_future_member_as_observer():
    MemberStateFactory(code="THA", name="Thailand")
    MemberStateFactory(code="VNM", name="Viet Nam")
    MemberStateFactory(
        code="TLS", name="Timor-Leste", asean_member_since=datetime.date(2025, 10, 26)
    )
    PartyFactory(code="USAID", name="USAID", kind=PartyKind.DIALOGUE_PARTNER)
    in_2024 = Party.objects.in_asean_order(on=datetime.date(2024, 4, 29))
    in_2026 = Party.objects.in_asean_order(on=datetime.date(2026, 1, 1))
    assert [p.code for p in in_2024] == ["THA", "VNM", "TLS", "USAID"]
    assert [p.code for p in in_2026] == ["THA", "TLS", "VNM", "USAID"]


def test_deleting_a_meeting_takes_its_registrations_but_a_delegation_is_kept():
    registration = RegistrationFactory()
    with pytest.raises(RestrictedError), transaction.atomic():
        registration.delegation.delete()
    registration.meeting.delete()
    assert not Registration.objects.exists()


def test_a_party_is_labelled_by_name_short_name_or_code():
    assert MemberStateFactory(code="VNM", name="Viet Nam").label == "Viet Nam"
    escap = PartyFactory(code="ESCAP", name="United Nations ESCAP")
    assert escap.label == "ESCAP"
    escap.short_name = "UN ESCAP"
    assert escap.label == "UN ESCAP"
