"""A person downloads everything held on them through their private link:
their details with the passport in full, every registration at every
meeting, with sessions, history, attendance and badges; never another
person's data, never a secret that opens a door."""

import datetime
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from delegates import services
from delegates.models import Registration
from tests.factories import (
    AttendanceFactory,
    DelegateFactory,
    DelegationFactory,
    MeetingFactory,
    RegistrationFactory,
    SessionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

PASSPORT = "P4471902Q"


def url(registration):
    return reverse("delegates:my_data", args=[registration.token])


def download(client, registration):
    response = client.get(url(registration))
    assert response.status_code == 200
    return json.loads(response.content)


@pytest.fixture
def person():
    return DelegateFactory(
        given_name="Siti",
        family_name="Rahman",
        email="siti@example.org",
        phone="+60 3 1234 5678",
        dietary_requirements="Halal",
        accessibility_needs="Step-free access",
        passport_number=PASSPORT,
        passport_expiry=datetime.date(2031, 7, 9),
        passport_country="MYS",
    )


@pytest.fixture
def registration(person):
    registration = RegistrationFactory(
        delegate=person,
        reference="JWG11-MYS-007",
        needs_visa_letter=True,
        submitted_by=UserFactory(username="focal-mys", first_name="Ahmad"),
        decision_reason="Welcome",
    )
    session = SessionFactory(meeting=registration.meeting, title="JWG plenary")
    registration.sessions.add(session)
    AttendanceFactory(registration=registration, session=session, note="Late")
    services.badge_issue(registration=registration)
    services.registration_withdraw(registration=registration, reason="Ill")
    return Registration.objects.get(pk=registration.pk)


def test_the_download_holds_the_person_and_every_registration(
    client, person, registration
):
    later = RegistrationFactory(
        delegate=person,
        reference="JWG12-MYS-003",
        delegation=DelegationFactory(meeting=MeetingFactory(slug="jwg-12")),
        proposed_details={"position": "Deputy Director"},
    )
    data = download(client, registration)

    details = data["person"]
    assert details["family_name"] == "Rahman"
    assert details["phone"] == "+60 3 1234 5678"
    assert details["dietary_requirements"] == "Halal"
    assert details["accessibility_needs"] == "Step-free access"
    # Their own, asked for on purpose: in full.
    assert details["passport_number"] == PASSPORT
    assert details["passport_expiry"] == "2031-07-09"
    assert details["photo_held"] is False

    by_reference = {r["reference"]: r for r in data["registrations"]}
    assert set(by_reference) == {"JWG11-MYS-007", later.reference}
    first = by_reference["JWG11-MYS-007"]
    assert first["status"] == "withdrawn"
    assert first["registered_by"] == "the secretariat or your focal point, for you"
    assert [s["title"] for s in first["sessions"]] == ["JWG plenary"]
    assert [a["note"] for a in first["attendance"]] == ["Late"]
    assert first["attendance"][0]["status"] == "present"
    assert [e["action"] for e in first["history"]][-1] == "withdrawn"
    assert first["history"][-1]["note"] == "Ill"
    assert len(first["badges"]) == 1
    assert first["badges"][0]["revoked_at"] is None
    assert by_reference[later.reference]["proposed_details"] == {
        "position": "Deputy Director"
    }
    assert by_reference[later.reference]["meeting"]["slug"] == "jwg-12"


def test_no_secret_and_no_other_person_is_in_the_download(client, person, registration):
    other = RegistrationFactory(
        delegation=registration.delegation,
        delegate=DelegateFactory(family_name="Tan", passport_number="Q7654321"),
    )
    raw = client.get(url(registration)).content.decode()
    for secret in (
        registration.token,
        registration.badge_codes.get().code,
        other.token,
        other.reference,
        "Tan",
        "Q7654321",
        "focal-mys",
        "Ahmad",
    ):
        assert secret not in raw
    # Through the other person's link, nothing of this one.
    theirs = client.get(url(other)).content.decode()
    assert PASSPORT not in theirs
    assert "Rahman" not in theirs


def test_the_download_is_an_attachment_kept_out_of_caches(client, registration):
    response = client.get(url(registration))
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"] == (
        'attachment; filename="my-data-JWG11-MYS-007.json"'
    )
    assert "no-store" in response["Cache-Control"]
    assert response["Referrer-Policy"] == "strict-origin"
    assert response["X-Robots-Tag"] == "noindex, nofollow"


def test_an_unknown_token_is_404(client, db):
    response = client.get(reverse("delegates:my_data", args=["x" * 43]))
    assert response.status_code == 404


def test_only_get_and_head(client, registration):
    assert client.post(url(registration)).status_code == 405
    assert client.head(url(registration)).status_code == 200


def test_the_private_page_links_to_the_download(client, registration):
    page = client.get(reverse("delegates:manage", args=[registration.token]))
    assert url(registration) in page.content.decode()


def test_queries_do_not_grow_with_the_registrations(client, person, registration):
    def queries():
        with CaptureQueriesContext(connection) as captured:
            download(client, registration)
        return len(captured)

    few = queries()
    for _ in range(3):
        more = RegistrationFactory(delegate=person)
        session = SessionFactory(meeting=more.meeting)
        more.sessions.add(session)
        AttendanceFactory(registration=more, session=session)
        services.badge_issue(registration=more)
    assert len(download(client, registration)["registrations"]) == 4
    assert queries() == few
