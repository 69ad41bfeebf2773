"""A focal point's nomination form fed anything, and pointed at any
delegation: never a 500, never a nomination into another party's
delegation, and a nomination is refused whole or stored as typed."""

import datetime
import shutil
import tempfile

from django.core.cache import cache
from django.test import override_settings
from django.urls import reverse
from hypothesis import event, given, note
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from delegates.models import Delegate, Registration
from delegates.services import passport_valid_until_needed
from tests.factories import (
    DelegateFactory,
    DelegationFactory,
    MemberStateFactory,
    PartyFactory,
    RegistrationFactory,
    SessionFactory,
    UserFactory,
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


@override_settings(MEDIA_ROOT=MEDIA_ROOT, PHOTO_MAX_BYTES=PHOTO_MAX_BYTES)
class FocalNominateFuzz(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.meeting = registration_open_meeting(
            slug="jwg-60",
            number=60,
            closes_in=30,
        )
        cls.focal = UserFactory(username="fp-mys")
        cls.delegation = DelegationFactory(
            meeting=cls.meeting, party=MemberStateFactory()
        )
        cls.delegation.focal_points.add(cls.focal)
        cls.foreign = DelegationFactory(
            meeting=cls.meeting, party=PartyFactory(code="IGF")
        )
        cls.foreign.focal_points.add(UserFactory(username="fp-igf"))
        cls.sessions = [
            SessionFactory(meeting=cls.meeting, title="Plenary").pk,
            SessionFactory(meeting=cls.meeting, title="Field visit").pk,
        ]
        cls.registered = DelegateFactory(email="kim.nominated@example.org").email
        RegistrationFactory(
            delegation=cls.delegation,
            delegate=Delegate.objects.get(email=cls.registered),
            status=Registration.Status.PENDING,
        )
        cls.needed = passport_valid_until_needed(cls.meeting)

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        shutil.rmtree(MEDIA_ROOT, ignore_errors=True)

    @given(data=st.data())
    @fuzz_settings(40)
    def test_a_nomination_is_refused_whole_or_stored_in_the_own_delegation(self, data):
        target = data.draw(
            st.one_of(
                st.just(self.delegation.pk),
                st.sampled_from([self.foreign.pk, 10**6]),
            ),
            label="delegation in the address",
        )
        good = good_registration(
            delegation=self.delegation.pk,
            sessions=self.sessions,
            emails=st.one_of(good_email, email_variants(self.registered)),
            needed=self.needed,
        )
        pairs, encoding = registration_submission(
            data, good, broken_fields=[0, 1, 2, 3], ids=[self.foreign.pk]
        )
        note(f"{encoding}: {pairs!r}")
        self.client.force_login(self.focal)
        cache.clear()
        rows, files = row_counts(), media_files()
        known = set(Registration.objects.values_list("pk", flat=True))
        url = reverse("focal:nominate", kwargs={"pk": target})

        response = post(self.client, url, pairs, encoding)

        assert response.status_code < 500
        event(f"nominate answered {response.status_code}")
        if target != self.delegation.pk:
            assert response.status_code == 404
        if response.status_code != 302:
            assert response.status_code in (200, 400, 404), response.status_code
            assert differences(rows, row_counts()) == {}
            assert media_files() == files
            return
        assert response["Location"] == reverse(
            "focal:delegation", kwargs={"pk": self.delegation.pk}
        )
        (registration,) = Registration.objects.exclude(pk__in=known).select_related(
            "delegate"
        )
        assert registration.delegation_id == self.delegation.pk
        assert registration.submitted_by_id == self.focal.pk
        assert registration.endorsement == Registration.Endorsement.ENDORSED
        changed = differences(rows, row_counts())
        changed.pop("auditlog.LogEntry", None)
        assert changed["delegates.Registration"] == 1
        assert changed["delegates.RegistrationEvent"] == 1
        if changed.get("delegates.Delegate") == 1:
            for name in TYPED:
                typed = (last_text(pairs, name) or "").strip()
                assert getattr(registration.delegate, name) == typed, name
