"""The minutes' private read-only link: what heads of delegation open from
the circulation mail, with the session's attendance sentence."""

import datetime

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from meetings import services
from meetings.models import Conclusion, Minutes
from tests.factories import (
    AgendaItemFactory,
    AttendanceFactory,
    DelegationFactory,
    MemberStateFactory,
    RegistrationFactory,
    SessionFactory,
)
from tests.meetings.test_minutes import SCRIPT, secretary  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def minutes(secretary):  # noqa: F811
    session = SessionFactory(title="Plenary")
    AgendaItemFactory(session=session, number="1", order=1, title="Opening")
    minutes = services.minutes_start(session=session, by=secretary)
    minutes.introduction = "The Meeting *opened*."
    minutes.save()
    item = minutes.items.get()
    item.discussion = f"Discussed {SCRIPT} the **roadmap**."
    item.save()
    Conclusion.objects.create(
        item=item, kind=Conclusion.Kind.AGREED, text="to meet again"
    )
    return minutes


def read_url(minutes):
    return reverse("meetings:minutes_read", args=[minutes.read_token])


def circulate(minutes, secretary, django_capture_on_commit_callbacks):  # noqa: F811
    with django_capture_on_commit_callbacks(execute=True):
        services.minutes_circulate(
            minutes=minutes, by=secretary, recipients=["hod@example.org"]
        )
    minutes.refresh_from_db()
    return minutes


def test_each_minutes_has_its_own_token(minutes, secretary):  # noqa: F811
    other = services.minutes_start(session=SessionFactory(), by=secretary)
    assert len(minutes.read_token) >= 40
    assert minutes.read_token != other.read_token


def test_circulated_minutes_read_sanitised_and_not_cached(
    client,
    minutes,
    secretary,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    minutes = circulate(minutes, secretary, django_capture_on_commit_callbacks)
    assert read_url(minutes) in mail.outbox[0].body
    assert "/admin/" not in mail.outbox[0].body

    response = client.get(read_url(minutes))

    assert response.status_code == 200
    html = response.content.decode()
    assert "<script>alert" not in html
    assert "<strong>roadmap</strong>" in html
    assert "<em>opened</em>" in html
    assert "Draft circulated for comment" in html
    assert "The Meeting agreed" in html
    assert '<meta name="robots" content="noindex">' in html
    assert "no-store" in response["Cache-Control"]
    assert response["Referrer-Policy"] == "strict-origin"
    # No attendance recorded: no sentence, nothing broken.
    assert "attended by" not in html


def test_unknown_token_and_uncirculated_draft_are_404(client, minutes):
    assert client.get(read_url(minutes)).status_code == 404
    url = reverse("meetings:minutes_read", args=["not-a-token"])
    assert client.get(url).status_code == 404


def test_adopted_minutes_show_their_date(client, minutes, secretary):  # noqa: F811
    services.minutes_adopt(minutes=minutes, by=secretary, on=datetime.date(2024, 5, 3))
    html = client.get(read_url(minutes)).content.decode()
    assert "Adopted on 3 May 2024" in html
    minutes.refresh_from_db()
    assert minutes.status == Minutes.Status.ADOPTED


def test_attendance_sentence_from_the_records(
    staff_client,
    minutes,
    secretary,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    session = minutes.session
    delegation = DelegationFactory(meeting=session.meeting, party=MemberStateFactory())
    AttendanceFactory(
        registration=RegistrationFactory(delegation=delegation), session=session
    )
    minutes = circulate(minutes, secretary, django_capture_on_commit_callbacks)

    html = Client().get(read_url(minutes)).content.decode()
    assert "attended by all ASEAN Member States" in html
    assert services.session_attendance_sentence(session) in html

    preview = reverse("admin:meetings_minutes_preview", args=[minutes.pk])
    assert "attended by all ASEAN Member States" in (
        staff_client.get(preview).content.decode()
    )
