"""The pages a private link opens, and "Lost your link?", fed anything.

A token that is not a registration's is a 404 whatever its characters; an
edit or a withdrawal through a good token is refused whole or saved exactly
as the form cleaned it; "Lost your link?" writes nothing, answers the same
for every address, and mails only the address on file.
"""

import datetime
import shutil
import tempfile
from urllib.parse import quote

from django.core import mail
from django.core.cache import cache
from django.test import override_settings
from django.urls import reverse
from hypothesis import event, given, note
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from delegates.forms import RegistrationForm
from delegates.models import Delegate, Registration, RegistrationEvent
from delegates.services import (
    DELEGATE_FIELDS,
    REGISTRATION_FIELDS,
    passport_valid_until_needed,
)
from meetings.models import PartyKind
from tests.factories import (
    DelegateFactory,
    DelegationFactory,
    MeetingFactory,
    MemberStateFactory,
    PartyFactory,
    RegistrationFactory,
    SessionFactory,
    registration_open_meeting,
)

from .strategies import (
    MISSING,
    PHOTO_MAX_BYTES,
    SPECIMENS,
    TYPED,
    differences,
    email_variants,
    encodings,
    fuzz_settings,
    good_email,
    good_registration,
    last_text,
    media_files,
    nasty_value,
    pairs_from,
    post,
    registration_submission,
    row_counts,
)

DAY = datetime.timedelta(days=1)
JUDGED_DELEGATE_FIELDS = ("passport_number", "passport_expiry", "passport_country")
MEDIA_ROOT = tempfile.mkdtemp(prefix="jwg-fuzz-media-")
Status = Registration.Status
TOKEN_PAGES = [
    "delegates:manage",
    "delegates:edit",
    "delegates:withdraw",
    "delegates:letter",
    "delegates:confirm_details",
    "delegates:my_data",
    "photos:registration",
    "meetings:minutes_read",
]


def open_meeting():
    return registration_open_meeting(
        slug="jwg-70",
        number=70,
        closes_in=30,
    )


def token_url(name, token):
    """The page's address with any token, escaped as a browser would."""
    url = reverse(name, kwargs={"token": "TOKEN"})
    return url.replace("TOKEN", quote(token, safe=""))


def state_of(registration_pk):
    """Everything an edit or a withdrawal may change, as stored."""
    registration = Registration.objects.filter(pk=registration_pk)
    row = registration.values().get()
    return {
        "registration": row,
        "delegate": Delegate.objects.filter(pk=row["delegate_id"]).values().get(),
        "sessions": set(
            Registration.sessions.through.objects.filter(
                registration_id=registration_pk
            ).values_list("session_id", flat=True)
        ),
        "events": RegistrationEvent.objects.filter(
            registration_id=registration_pk
        ).count(),
    }


@override_settings(
    REGISTRATION_RATE_PER_MINUTE=10**9,
    MEDIA_ROOT=MEDIA_ROOT,
    PHOTO_MAX_BYTES=PHOTO_MAX_BYTES,
)
class PrivateLinkFuzz(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.meeting = open_meeting()
        other_meeting = MeetingFactory(slug="jwg-71", number=71)
        cls.delegation = DelegationFactory(
            meeting=cls.meeting, party=MemberStateFactory()
        )
        other_delegation = DelegationFactory(
            meeting=other_meeting, party=PartyFactory(code="IGF")
        )
        cls.open_sessions = [
            SessionFactory(meeting=cls.meeting, title="Plenary").pk,
            SessionFactory(meeting=cls.meeting, title="Field visit").pk,
        ]
        closed = SessionFactory(
            meeting=cls.meeting, title="Partners", open_to=[PartyKind.DIALOGUE_PARTNER]
        )
        cls.registrations = {}
        for status in (Status.PENDING, Status.APPROVED, Status.WITHDRAWN):
            registration = RegistrationFactory(
                delegation=cls.delegation,
                delegate=DelegateFactory(email=f"sri.{status}@example.org"),
                status=status,
            )
            registration.sessions.add(cls.open_sessions[0])
            cls.registrations[status] = registration.pk
        cls.tokens = dict(
            Registration.objects.filter(pk__in=cls.registrations.values()).values_list(
                "pk", "token"
            )
        )
        # Someone else's address, which an edit may not take.
        cls.taken = DelegateFactory(email="kiki.taken@example.org").email
        RegistrationFactory(
            delegation=other_delegation,
            delegate=Delegate.objects.get(email=cls.taken),
        )
        cls.ids = [
            other_delegation.pk,
            closed.pk,
            *cls.open_sessions,
            cls.taken,
        ]
        cls.needed = passport_valid_until_needed(cls.meeting)

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        shutil.rmtree(MEDIA_ROOT, ignore_errors=True)

    def tokens_as_typed(self):
        """Any text, and the real tokens a character off, in another case,
        or with what a mail client may add around a link."""
        token = st.sampled_from(sorted(self.tokens.values()))
        return st.one_of(
            st.text(min_size=1, max_size=80),
            st.sampled_from([s for s in SPECIMENS if s]),
            st.sampled_from(["\x00", "a\x00", ".", "..", "%00", "%", "?", "#"]),
            token.map(str.upper),
            token.map(lambda t: t[:-1]),
            token.map(lambda t: t + "a"),
            token.map(lambda t: t + "\x00"),
            token.map(lambda t: t + ">"),
            token.map(lambda t: t + " "),
            st.builds(lambda n: "A" * n, st.sampled_from([43, 64, 65, 10_000])),
        )

    @given(
        token=st.data(),
        page=st.sampled_from(TOKEN_PAGES),
        method=st.sampled_from(["get", "post"]),
    )
    @fuzz_settings(80)
    def test_a_token_that_is_no_registrations_is_a_404(self, token, page, method):
        token = token.draw(self.tokens_as_typed(), label="token")
        before = row_counts()
        response = getattr(self.client, method)(token_url(page, token))
        event(f"{page} {method} {response.status_code}")
        assert response.status_code < 500
        if token in self.tokens.values():
            return
        assert response.status_code in (404, 405), response.status_code
        assert differences(before, row_counts()) == {}

    @given(data=st.data())
    @fuzz_settings(50)
    def test_an_edit_is_refused_whole_or_saved_exactly(self, data):
        status = data.draw(st.sampled_from([Status.PENDING, Status.APPROVED]))
        pk = self.registrations[status]
        own = Delegate.objects.get(registrations__pk=pk).email
        good = good_registration(
            delegation=self.delegation.pk,
            sessions=self.open_sessions,
            emails=st.one_of(
                email_variants(own), good_email, email_variants(self.taken)
            ),
            needed=self.needed,
        )
        pairs, encoding = registration_submission(
            data, good, broken_fields=[0, 1, 2, 3], ids=self.ids
        )
        note(f"{encoding}: {pairs!r}")
        before, rows, files = state_of(pk), row_counts(), media_files()

        response = post(
            self.client, token_url("delegates:edit", self.tokens[pk]), pairs, encoding
        )

        assert response.status_code < 500
        event(f"edit answered {response.status_code}")
        if response.status_code != 302:
            assert response.status_code in (200, 400), response.status_code
            assert state_of(pk) == before
            assert differences(rows, row_counts()) == {}
            assert media_files() == files
            return
        assert response["Location"] == token_url("delegates:manage", self.tokens[pk])
        self.assert_saved_exactly(pk, pairs, response, before, rows, files)

    def assert_saved_exactly(self, pk, pairs, response, before, rows, files):
        registration = Registration.objects.select_related("delegate").get(pk=pk)
        delegate = registration.delegate
        request = response.wsgi_request
        form = RegistrationForm(
            request.POST, meeting=self.meeting, registration=registration
        )
        assert form.is_valid(), form.errors
        cleaned = form.cleaned_data
        for name in DELEGATE_FIELDS:
            assert getattr(delegate, name) == cleaned[name], name
        for name in TYPED:
            typed = (last_text(pairs, name) or "").strip()
            assert getattr(delegate, name) == typed, name
        for name in REGISTRATION_FIELDS:
            assert getattr(registration, name) == cleaned[name], name
        assert registration.delegation == cleaned["delegation"]
        sessions = {session.pk for session in cleaned["sessions"]}
        assert set(registration.sessions.values_list("pk", flat=True)) == sessions
        judged = (
            registration.delegation_id != before["registration"]["delegation_id"]
            or registration.role != before["registration"]["role"]
            or registration.needs_visa_letter
            != before["registration"]["needs_visa_letter"]
            or sessions != before["sessions"]
            or any(
                getattr(delegate, name) != getattr(Delegate(**before["delegate"]), name)
                for name in JUDGED_DELEGATE_FIELDS
            )
        )
        was = before["registration"]["status"]
        last = registration.events.order_by("-pk").first()
        if was == Status.APPROVED and judged:
            assert registration.status == Status.PENDING
            assert registration.approved_snapshot is not None
            assert last.action == "amended"
        else:
            assert registration.status == was
            assert last.action == "edited"
        changed = differences(rows, row_counts())
        changed.pop("auditlog.LogEntry", None)
        expected = {
            "delegates.RegistrationEvent": 1,
            "delegates.Registration_sessions": len(sessions) - len(before["sessions"]),
        }
        assert changed == {k: v for k, v in expected.items() if v}
        new_files = media_files() - files
        if "photo" in request.FILES:
            assert new_files == {delegate.photo.path}
        else:
            assert new_files == set()
            assert delegate.photo.name == before["delegate"]["photo"]

    @given(
        fields=st.fixed_dictionaries(
            {
                "confirm": st.one_of(st.just("on"), st.just(MISSING), nasty_value()),
                "reason": st.one_of(st.just(MISSING), nasty_value()),
            }
        ),
        encoding=encodings,
    )
    @fuzz_settings(40)
    def test_a_withdrawal_is_refused_whole_or_saved_with_its_reason(
        self, fields, encoding
    ):
        pk = self.registrations[Status.APPROVED]
        pairs = pairs_from(fields)
        before, rows = state_of(pk), row_counts()

        response = post(
            self.client,
            token_url("delegates:withdraw", self.tokens[pk]),
            pairs,
            encoding,
        )

        assert response.status_code < 500
        event(f"withdraw answered {response.status_code}")
        if response.status_code != 302:
            assert state_of(pk) == before
            assert differences(rows, row_counts()) == {}
            return
        registration = Registration.objects.get(pk=pk)
        assert registration.status == Status.WITHDRAWN
        last = registration.events.order_by("-pk").first()
        assert last.action == "withdrawn"
        assert last.note == (last_text(pairs, "reason") or "").strip()


@override_settings(REGISTRATION_RATE_PER_MINUTE=10**9)
class LostLinkFuzz(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.meeting = open_meeting()
        delegation = DelegationFactory(meeting=cls.meeting, party=MemberStateFactory())
        cls.registered = DelegateFactory(email="kim.siti@example.org").email
        RegistrationFactory(
            delegation=delegation,
            delegate=Delegate.objects.get(email=cls.registered),
            status=Status.PENDING,
        )
        cls.withdrawn = DelegateFactory(email="gone@example.org").email
        RegistrationFactory(
            delegation=delegation,
            delegate=Delegate.objects.get(email=cls.withdrawn),
            status=Status.WITHDRAWN,
        )
        cls.url = reverse("delegates:lost_link", kwargs={"slug": cls.meeting.slug})

    @given(data=st.data(), encoding=encodings)
    @fuzz_settings(60)
    def test_the_answer_is_the_same_and_only_the_address_on_file_is_mailed(
        self, data, encoding
    ):
        email = data.draw(
            st.one_of(
                email_variants(self.registered),
                email_variants(self.withdrawn),
                good_email,
                nasty_value([self.registered]),
                st.just(MISSING),
            ),
            label="email",
        )
        extra = data.draw(
            st.dictionaries(st.sampled_from(["send", "slug", "token"]), nasty_value())
        )
        pairs = pairs_from({**extra, "email": email})
        cache.clear()
        mail.outbox = []
        rows = row_counts()

        with (
            self.captureOnCommitCallbacks(execute=True),
            self.assertNoLogs("delegates", level="ERROR"),
        ):
            response = post(self.client, self.url, pairs, encoding)

        assert response.status_code < 500
        event(f"answered {response.status_code}, {len(mail.outbox)} mailed")
        changed = differences(rows, row_counts())
        changed.pop("auditlog.LogEntry", None)
        assert changed == {}
        if response.status_code == 302:
            # The same redirect for every address: nothing to tell them apart.
            assert response["Location"] == self.url
        else:
            assert response.status_code in (200, 400)
            assert mail.outbox == []
        for message in mail.outbox:
            assert message.to == [self.registered]
        assert len(mail.outbox) <= 1
