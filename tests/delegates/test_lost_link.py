""" "Lost your link?" answers a registered and an unknown address alike: the
same page, headers and redirect, and the same work while answering. The
address is looked up and the mail rendered and sent only once the answer
has gone, so the time it takes tells nothing either."""

import datetime
import re

import pytest
from django.contrib.messages.storage import default_storage
from django.contrib.sessions.middleware import SessionMiddleware
from django.core import mail
from django.core.signals import request_finished
from django.db import close_old_connections, connection
from django.http import HttpResponse
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from delegates import views
from tests.factories import (
    DelegateFactory,
    DelegationFactory,
    MeetingFactory,
    RegistrationFactory,
)

pytestmark = pytest.mark.django_db

KNOWN = "siti@example.org"
UNKNOWN = "nobody@example.org"


@pytest.fixture
def meeting():
    now = timezone.now()
    return MeetingFactory(
        start_date=timezone.localdate() + datetime.timedelta(days=30),
        end_date=timezone.localdate() + datetime.timedelta(days=32),
        registration_opens_at=now - datetime.timedelta(days=1),
        registration_closes_at=now + datetime.timedelta(days=20),
    )


@pytest.fixture
def registration(meeting):
    return RegistrationFactory(
        delegation=DelegationFactory(meeting=meeting),
        delegate=DelegateFactory(email=KNOWN),
    )


def lost_link_url(meeting):
    return reverse("delegates:lost_link", kwargs={"slug": meeting.slug})


def without_csrf(html):
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)


def test_the_answer_is_the_same_for_a_known_and_an_unknown_address(
    meeting, registration, django_capture_on_commit_callbacks
):
    url = lost_link_url(meeting)
    known, unknown = Client(), Client()
    with django_capture_on_commit_callbacks(execute=True):
        answers = [
            person.post(url, {"email": email})
            for person, email in ((known, KNOWN), (unknown, UNKNOWN))
        ]
    assert answers[0].status_code == answers[1].status_code == 302
    # Expires says the time of the answer, to the second.
    headers = [
        {name: value for name, value in answer.headers.items() if name != "Expires"}
        for answer in answers
    ]
    assert headers[0] == headers[1]
    assert answers[0].content == answers[1].content
    # Its length said, the client knows it has it all before the work after it.
    assert answers[0]["Content-Length"] == str(len(answers[0].content))
    # The message travels in a signed, dated cookie: the same name, and the
    # same page once it is shown.
    assert answers[0].cookies.keys() == answers[1].cookies.keys()
    pages = [person.get(url).content.decode() for person in (known, unknown)]
    assert "If this address has a registration" in pages[0]
    assert without_csrf(pages[0]) == without_csrf(pages[1])
    [sent] = mail.outbox
    assert sent.to == [KNOWN]
    assert registration.token in sent.body


def post_without_closing(rf, meeting, email):
    """The view's answer before the server has sent it, as a server holds it."""
    request = rf.post(lost_link_url(meeting), {"email": email})
    SessionMiddleware(lambda request: HttpResponse()).process_request(request)
    request._messages = default_storage(request)
    return views.lost_link(request, slug=meeting.slug)


def close(response):
    """What the server does once it has sent the answer. As in Django's test
    client, without closing the database connection, which would end the
    test's transaction."""
    request_finished.disconnect(close_old_connections)
    try:
        response.close()
    finally:
        request_finished.connect(close_old_connections)


@pytest.mark.parametrize("email", [KNOWN, UNKNOWN])
def test_nothing_is_looked_up_or_sent_until_the_answer_has_gone(
    rf, meeting, registration, email, django_capture_on_commit_callbacks
):
    with CaptureQueriesContext(connection) as answering:
        response = post_without_closing(rf, meeting, email)
    assert response.status_code == 302
    # Only the meeting, the same for both: no query about the address.
    assert len(answering) == 1
    assert "delegates_" not in answering[0]["sql"]
    assert mail.outbox == []

    with django_capture_on_commit_callbacks(execute=True):
        close(response)
    assert [message.to for message in mail.outbox] == (
        [[KNOWN]] if email == KNOWN else []
    )


def test_a_failure_after_the_answer_is_logged_not_raised(
    rf, meeting, registration, monkeypatch, caplog
):
    def broken(**kwargs):
        raise RuntimeError("mail server down")

    monkeypatch.setattr(views.services, "registration_resend_link", broken)
    response = post_without_closing(rf, meeting, KNOWN)
    close(response)
    assert "The work after a response failed." in caplog.text
    assert "mail server down" in caplog.text


def test_closing_twice_sends_once(
    rf, meeting, registration, django_capture_on_commit_callbacks
):
    response = post_without_closing(rf, meeting, KNOWN)
    with django_capture_on_commit_callbacks(execute=True):
        close(response)
        close(response)
    assert len(mail.outbox) == 1


def test_a_withdrawn_registration_gets_no_link(
    client, meeting, registration, django_capture_on_commit_callbacks
):
    registration.status = registration.Status.WITHDRAWN
    registration.save()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(lost_link_url(meeting), {"email": KNOWN})
    assert response.status_code == 302
    assert mail.outbox == []
