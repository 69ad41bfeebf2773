"""The circulate page suggests the meeting's approved Heads of Delegation as
recipients, found by the delegates app for the meetings app."""

import pytest
from django.urls import reverse

from delegates.models import Registration
from delegates.selectors import head_of_delegation_emails
from meetings import services
from tests.factories import (
    AgendaItemFactory,
    DelegateFactory,
    DelegationFactory,
    MeetingFactory,
    MemberStateFactory,
    PartyFactory,
    RegistrationFactory,
    SessionFactory,
)

pytestmark = pytest.mark.django_db

Role = Registration.Role
Status = Registration.Status


def head(meeting, party, email, *, status=Status.APPROVED, role=Role.HEAD):
    delegation = DelegationFactory(meeting=meeting, party=party)
    return RegistrationFactory(
        delegation=delegation,
        delegate=DelegateFactory(email=email),
        role=role,
        status=status,
    )


@pytest.fixture
def heads(meeting):
    # Created out of ASEAN order, to see them put in it.
    head(
        meeting,
        MemberStateFactory(code="MYS", name="Malaysia"),
        "head.mys@example.org",
    )
    head(
        meeting,
        MemberStateFactory(code="IDN", name="Indonesia"),
        "head.idn@example.org",
    )
    head(
        meeting,
        PartyFactory(code="IGF"),
        "head.igf@example.org",
        status=Status.PENDING,
    )


def circulate_page(client, meeting):
    session = SessionFactory(meeting=meeting)
    AgendaItemFactory(session=session)
    minutes = services.minutes_start(session=session, by=client.user)
    url = reverse("admin:meetings_minutes_circulate", args=[minutes.pk])
    return client.get(url).content.decode()


def test_the_provider_is_registered_by_the_delegates_app():
    assert head_of_delegation_emails in services.HEADS_OF_DELEGATION
    assert services.HEADS_OF_DELEGATION.count(head_of_delegation_emails) == 1


def test_approved_heads_are_suggested_in_asean_order(meeting, heads):
    assert services.heads_of_delegation_emails(meeting) == [
        "head.idn@example.org",
        "head.mys@example.org",
    ]


def test_the_circulate_textarea_holds_the_approved_heads(staff_client, meeting, heads):
    content = circulate_page(staff_client, meeting)
    textarea = content.split('name="recipients"')[1].split("</textarea>")[0]
    assert "head.idn@example.org\nhead.mys@example.org" in textarea
    assert "head.igf@example.org" not in content


def test_delegates_and_other_meetings_heads_are_not_suggested(meeting):
    party = MemberStateFactory(code="THA", name="Thailand")
    head(meeting, party, "member.tha@example.org", role=Role.DELEGATE)
    head(MeetingFactory(), party, "head.other@example.org")
    head(
        meeting,
        MemberStateFactory(code="PHL", name="Philippines"),
        "withdrawn.phl@example.org",
        status=Status.WITHDRAWN,
    )
    assert services.heads_of_delegation_emails(meeting) == []


def test_every_provider_is_asked_and_an_address_is_given_once(meeting, monkeypatch):
    monkeypatch.setattr(
        services,
        "HEADS_OF_DELEGATION",
        [lambda m: ["a@example.org", "b@example.org"], lambda m: ["b@example.org"]],
    )
    assert services.heads_of_delegation_emails(meeting) == [
        "a@example.org",
        "b@example.org",
    ]
