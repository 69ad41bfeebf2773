"""The public registration form fed anything a client can send.

Whatever arrives, the answer is never a 500, and a submission is either
refused whole (a form page or a 4xx, and not one row written) or stored
exactly as the form cleaned it: one registration, its event, its sessions,
and the person's details as typed, never cut short.
"""

import datetime
import shutil
import tempfile

from django.core.cache import cache
from django.test import override_settings
from django.urls import reverse
from hypothesis import event, given, note
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from delegates.forms import RegistrationForm
from delegates.models import Delegate, Registration
from delegates.services import DELEGATE_FIELDS, passport_valid_until_needed
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
    PHOTO_MAX_BYTES,
    TYPED,
    differences,
    email_variants,
    fuzz_settings,
    good_email,
    good_registration,
    last_text,
    media_files,
    post,
    registration_submission,
    row_counts,
)

DAY = datetime.timedelta(days=1)
MEDIA_ROOT = tempfile.mkdtemp(prefix="jwg-fuzz-media-")


@override_settings(
    REGISTRATION_RATE_PER_MINUTE=10**9,
    MEDIA_ROOT=MEDIA_ROOT,
    PHOTO_MAX_BYTES=PHOTO_MAX_BYTES,
)
class RegisterFuzz(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.meeting = registration_open_meeting(
            slug="jwg-90",
            number=90,
            closes_in=30,
        )
        other_meeting = MeetingFactory(slug="jwg-91", number=91)
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
        elsewhere = SessionFactory(meeting=other_meeting)
        # A person on file from another meeting, with blanks the form may fill.
        cls.known = DelegateFactory(
            email="kim.sam@example.org", given_name="", phone="", position=""
        )
        cls.known_values = {f: getattr(cls.known, f) for f in DELEGATE_FIELDS}
        RegistrationFactory(delegation=other_delegation, delegate=cls.known)
        # Someone already registered here, as the delegation's head.
        RegistrationFactory(
            delegation=cls.delegation,
            delegate=DelegateFactory(email="dup.reg@example.org"),
            role=Registration.Role.HEAD,
            status=Registration.Status.PENDING,
        )
        cls.ids = [
            cls.delegation.pk,
            other_delegation.pk,
            closed.pk,
            elsewhere.pk,
            *cls.open_sessions,
            [closed.pk, *cls.open_sessions],
            "dup.reg@example.org",
        ]
        cls.needed = passport_valid_until_needed(cls.meeting)
        cls.url = reverse("delegates:register", kwargs={"slug": cls.meeting.slug})
        cls.done_url = reverse(
            "delegates:register_done", kwargs={"slug": cls.meeting.slug}
        )

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        shutil.rmtree(MEDIA_ROOT, ignore_errors=True)

    def submit(self, data, broken_fields):
        good = good_registration(
            delegation=self.delegation.pk,
            sessions=self.open_sessions,
            emails=st.one_of(good_email, email_variants(self.known.email)),
            needed=self.needed,
        )
        pairs, encoding = registration_submission(
            data, good, broken_fields=broken_fields, ids=self.ids
        )
        note(f"{encoding}: {pairs!r}")
        cache.clear()
        before = row_counts()
        files = media_files()
        registrations = set(Registration.objects.values_list("pk", flat=True))

        response = post(self.client, self.url, pairs, encoding)

        assert response.status_code < 500
        after = row_counts()
        event(f"answer {response.status_code}")
        if response.status_code == 302:
            assert response["Location"] == self.done_url
            self.assert_stored_exactly(pairs, response, registrations, before, after)
            self.assert_photo_stored(response, files)
            return response
        assert response.status_code in (200, 400), response.status_code
        assert differences(before, after) == {}
        assert media_files() == files
        return response

    @given(data=st.data())
    @fuzz_settings(30)
    def test_a_good_submission_is_stored_exactly_as_typed(self, data):
        """Any script, any length up to the limit: a new address is always
        accepted (a known one may be held back, or be a look-alike)."""
        response = self.submit(data, broken_fields=[0])
        if response.status_code != 302:
            email = response.wsgi_request.POST.get("email", "")
            assert not email.startswith("fz-"), response.context["form"].errors

    @given(data=st.data())
    @fuzz_settings(80)
    def test_a_submission_is_refused_whole_or_stored_exactly(self, data):
        self.submit(data, broken_fields=[1, 2, 3, 4])

    def assert_stored_exactly(self, pairs, response, registrations, before, after):
        # The request's upload is closed by now; the photo is checked apart.
        form = RegistrationForm(response.wsgi_request.POST, meeting=self.meeting)
        assert form.is_valid(), form.errors
        cleaned = form.cleaned_data
        (registration,) = Registration.objects.exclude(pk__in=registrations)
        sessions = set(cleaned["sessions"])
        delegate = Delegate.objects.get(pk=registration.delegate_id)
        new_person = delegate.pk != self.known.pk
        changed = differences(before, after)
        changed.pop("auditlog.LogEntry", None)
        assert changed == {
            "delegates.Registration": 1,
            "delegates.RegistrationEvent": 1,
            "delegates.Registration_sessions": len(sessions),
            **({"delegates.Delegate": 1} if new_person else {}),
        }
        assert registration.meeting_id == self.meeting.pk
        assert registration.delegation == cleaned["delegation"]
        assert registration.status == Registration.Status.PENDING
        assert registration.consent_privacy_at is not None
        assert set(registration.sessions.all()) == sessions
        for name in form.registration_data():
            assert getattr(registration, name) == cleaned[name], name
        if new_person:
            assert registration.proposed_details is None
            for name in DELEGATE_FIELDS:
                assert getattr(delegate, name) == cleaned[name], name
            for name in TYPED:
                typed = (last_text(pairs, name) or "").strip()
                assert getattr(delegate, name) == typed, name
            return
        # A person on file: blanks filled, differing values held back.
        proposed = registration.proposed_details or {}
        for name in DELEGATE_FIELDS:
            held, given = self.known_values[name], cleaned[name]
            stored = getattr(delegate, name)
            if name == "email" or given in ("", None) or held == given:
                assert stored == held, name
                assert name not in proposed, name
            elif held in ("", None):
                assert stored == given, name
            else:
                assert stored == held, name
                as_json = given.isoformat() if hasattr(given, "isoformat") else given
                assert proposed[name] == as_json, name

    def assert_photo_stored(self, response, files):
        """A photo sent with an accepted submission is the one new file, as
        the person's photo; without one, no file appears."""
        (registration,) = Registration.objects.filter(
            meeting=self.meeting, reference__startswith="JWG90-"
        )
        photo = registration.delegate.photo
        new_files = media_files() - files
        if "photo" in response.wsgi_request.FILES:
            assert photo.name.startswith("photos/")
            assert new_files == {photo.path}
        else:
            assert new_files == set()
