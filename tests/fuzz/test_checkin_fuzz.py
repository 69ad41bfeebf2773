"""The check-in desk fed anything a scanner, a keyboard or a forged request
can send.

Whatever arrives, the answer is never a 500; a scan or a pick records at
most one presence, only for the one approved registration of this meeting
it names (that chose the session, or admitted by override), never a second
record, and nothing at all for a code or an id that names nobody.
"""

from django.contrib.auth.models import Permission
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from hypothesis import event, given, note
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from delegates.checkin import PickForm, SheetForm, _sheet_people
from delegates.models import Attendance, BadgeCode, Registration
from meetings.models import Session
from tests.factories import (
    AttendanceFactory,
    DelegateFactory,
    DelegationFactory,
    MeetingFactory,
    MemberStateFactory,
    PartyFactory,
    RegistrationFactory,
    SessionFactory,
    UserFactory,
)

from .strategies import (
    MISSING,
    encodings,
    fuzz_settings,
    idish,
    nasty_value,
    pairs_from,
    post,
)

Status = Registration.Status
SCRIPT = "<script>alert(1)</script>"
STATUSES = Attendance.Status.values


def attendances():
    """Every record as it stands, by person and session."""
    return {
        (a.registration_id, a.session_id): (
            a.pk,
            a.status,
            a.method,
            a.override,
            a.recorded_at,
            a.recorded_by_id,
            a.note,
        )
        for a in Attendance.objects.all()
    }


def as_override(value):
    """What the form's BooleanField makes of the posted value."""
    if value is None:
        return False
    return value.lower() not in ("false", "0", "")


def as_code(value):
    """The code the scan form passes on, or None when it refuses the field."""
    if value is None:
        return None
    code = value.strip()
    if not code or len(code) > 200 or "\x00" in code:
        return None
    return code


class CheckinDeskFuzz(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.meeting = MeetingFactory(slug="jwg-80", number=80)
        other_meeting = MeetingFactory(slug="jwg-81", number=81)
        cls.session = SessionFactory(meeting=cls.meeting, title="Plenary")
        workshop = SessionFactory(meeting=cls.meeting, title="Workshop")
        delegation = DelegationFactory(meeting=cls.meeting, party=MemberStateFactory())
        elsewhere = DelegationFactory(
            meeting=other_meeting, party=PartyFactory(code="IGF")
        )

        def person(family, *, delegation=delegation, status=Status.APPROVED, at=None):
            registration = RegistrationFactory(
                delegation=delegation,
                delegate=DelegateFactory(family_name=family),
                status=status,
            )
            registration.sessions.add(at or cls.session)
            return registration

        cls.people = {
            "chose": person("Chosen"),
            "not_chosen": person("Workshopper", at=workshop),
            "pending": person("Pendingperson", status=Status.PENDING),
            "reissued": person("Reissued"),
            "elsewhere": person(
                "Outsider",
                delegation=elsewhere,
                at=SessionFactory(meeting=other_meeting),
            ),
            "present": person("Alreadyhere"),
            "absent": person("Markedabsent"),
        }
        codes = {
            name: BadgeCode.objects.create(registration=registration).code
            for name, registration in cls.people.items()
        }
        revoked = BadgeCode.objects.create(
            registration=RegistrationFactory(
                delegation=delegation, delegate=DelegateFactory()
            ),
            revoked_at=timezone.now(),
        )
        BadgeCode.objects.filter(registration=cls.people["reissued"]).update(
            revoked_at=timezone.now()
        )
        codes["reissued_new"] = BadgeCode.objects.create(
            registration=cls.people["reissued"]
        ).code
        codes["revoked"] = revoked.code
        cls.codes = sorted(codes.values())
        AttendanceFactory(registration=cls.people["present"], session=cls.session)
        AttendanceFactory(
            registration=cls.people["absent"],
            session=cls.session,
            status=Attendance.Status.ABSENT,
        )
        cls.registration_ids = sorted(Registration.objects.values_list("pk", flat=True))
        cls.user = UserFactory(username="desk")
        cls.user.user_permissions.add(Permission.objects.get(codename="check_in"))
        cls.url = reverse("checkin:desk", kwargs={"session_pk": cls.session.pk})

    def codes_as_typed(self):
        """Real codes, as a scanner types them (a trailing Enter, Tab) and
        as they must not match (another case, a character more or less)."""
        code = st.sampled_from(self.codes)
        padded = st.builds(
            lambda c, pad: pad + c + pad, code, st.sampled_from([" ", "\t", "\r\n"])
        )
        mistyped = st.one_of(
            code.map(str.lower),
            code.map(str.upper),
            code.map(lambda c: c[:-1]),
            code.map(lambda c: c + "x"),
            code.map(lambda c: c + "\x00"),
            code.map(lambda c: c + " " + c),
        )
        return st.one_of(code, code, padded, mistyped)

    def actions(self):
        override = st.one_of(
            st.just(MISSING),
            st.sampled_from(["on", "1", "true", "True", "false", "False", "0", ""]),
            nasty_value(),
        )
        extra = st.fixed_dictionaries(
            {},
            optional={
                "q": nasty_value(),
                "method": st.one_of(st.just("scan"), nasty_value()),
                "registration": nasty_value(self.registration_ids),
            },
        )
        scan = st.fixed_dictionaries(
            {
                "code": st.one_of(
                    self.codes_as_typed(),
                    self.codes_as_typed(),
                    st.lists(self.codes_as_typed(), min_size=2, max_size=3),
                    nasty_value(),
                    st.just(MISSING),
                ),
                "override": override,
            }
        )
        pick = st.fixed_dictionaries(
            {
                "method": st.just("search"),
                "registration": st.one_of(
                    st.sampled_from(self.registration_ids).map(str),
                    nasty_value(self.registration_ids),
                    idish,
                    st.just(MISSING),
                ),
                "override": override,
            }
        )
        posted = st.tuples(
            st.just("post"),
            st.one_of(scan, pick).flatmap(
                lambda data: extra.map(lambda more: {**more, **data})
            ),
            encodings,
        )
        search = st.tuples(
            st.just("get"),
            st.fixed_dictionaries({"q": nasty_value()}),
            st.just("query"),
        )
        return st.lists(st.one_of(posted, posted, search), min_size=1, max_size=4)

    @given(data=st.data())
    @fuzz_settings(100)
    def test_the_desk_records_at_most_the_one_presence_it_was_given(self, data):
        self.client.force_login(self.user)
        for kind, fields, encoding in data.draw(self.actions(), label="actions"):
            cache.clear()
            before = attendances()
            pairs = pairs_from(fields)
            note(f"{kind} {encoding}: {pairs!r}")
            if kind == "get":
                response = self.client.get(
                    self.url, [(name, str(value)) for name, value in pairs]
                )
            else:
                response = post(self.client, self.url, pairs, encoding)
            event(f"{kind} answered {response.status_code}")
            assert response.status_code < 500
            assert SCRIPT.encode() not in response.content
            after = attendances()
            if kind == "get":
                assert response.status_code == 200
                assert after == before
                self.assert_only_this_meetings_approved_people(response)
                continue
            self.assert_recorded_as_asked(response, before, after)

    def assert_recorded_as_asked(self, response, before, after):
        posted = response.wsgi_request.POST
        override = as_override(posted.get("override"))
        if posted.get("method") == "search":
            registration = self.picked(posted.get("registration"))
            method = Attendance.Method.SEARCH
            if registration is None:
                assert response.status_code in (400, 404), response.status_code
        else:
            code = as_code(posted.get("code"))
            badge = (
                BadgeCode.objects.filter(code=code, revoked_at__isnull=True).first()
                if code
                else None
            )
            registration = badge.registration if badge else None
            method = Attendance.Method.SCAN
            assert response.status_code in (200, 400), response.status_code
        key = registration and (registration.pk, self.session.pk)
        if registration is None or not self.may_enter(registration, override):
            assert after == before
            return
        event(f"{method} recorded")
        others = {k: v for k, v in after.items() if k != key}
        assert others == {k: v for k, v in before.items() if k != key}
        record = Attendance.objects.get(registration=registration, session=self.session)
        assert record.status == Attendance.Status.PRESENT
        held = before.get(key)
        if held is not None and held[1] == Attendance.Status.PRESENT:
            # Already in: the first record stands as it was.
            assert after[key] == held
        else:
            assert record.method == method
            assert record.recorded_by_id == self.user.pk
            assert record.override == (not self.chose(registration))
            if held is not None:
                assert record.pk == held[0]

    def picked(self, value):
        """The registration a pick names, read as the desk's form reads it."""
        form = PickForm({"registration": value})
        if not form.is_valid():
            return None
        return Registration.objects.filter(
            pk=form.cleaned_data["registration"], meeting=self.meeting
        ).first()

    def chose(self, registration):
        return registration.sessions.filter(pk=self.session.pk).exists()

    def may_enter(self, registration, override):
        return (
            registration.status == Status.APPROVED
            and registration.meeting_id == self.meeting.pk
            and (override or self.chose(registration))
        )

    def assert_only_this_meetings_approved_people(self, response):
        page = response.content.decode()
        for name in ("pending", "elsewhere"):
            family = self.people[name].delegate.family_name
            assert family not in page, name

    @given(data=st.data(), encoding=encodings)
    @fuzz_settings(50)
    def test_the_sheet_records_every_change_or_none(self, data, encoding):
        """The signed sheet: each row's status and the value the page showed
        (its hidden initial), any of them broken; saved whole or not at all."""
        self.client.force_login(self.user)
        people = _sheet_people(self.session)
        status = st.one_of(st.just(MISSING), st.sampled_from(["", *STATUSES]))
        fields = {}
        for registration in people:
            name = f"status_{registration.pk}"
            fields[name] = data.draw(status, label=name)
            fields[f"initial-{name}"] = data.draw(status, label=f"initial-{name}")
        fields["note"] = data.draw(st.one_of(st.just(MISSING), nasty_value()))
        broken = data.draw(
            st.dictionaries(st.sampled_from(sorted(fields)), nasty_value(), max_size=2),
            label="broken",
        )
        fields.update(broken)
        pairs = pairs_from(fields)
        note(f"{encoding}: {pairs!r}")
        before = attendances()
        url = reverse("checkin:sheet", kwargs={"session_pk": self.session.pk})

        response = post(self.client, url, pairs, encoding)

        assert response.status_code < 500
        event(f"sheet answered {response.status_code}")
        after = attendances()
        if response.status_code != 302:
            assert response.status_code in (200, 400)
            assert after == before
            return
        form = SheetForm(response.wsgi_request.POST, people=people)
        assert form.is_valid(), form.errors
        changes = {
            (registration.pk, self.session.pk): status
            for registration, status, _held in form.changes()
        }
        for key, record in after.items():
            if key not in changes:
                assert record == before.get(key), key
                continue
            assert record[1] == changes[key]
            assert record[2] == Attendance.Method.SHEET
            assert record[5] == self.user.pk
        assert set(after) == set(before) | set(changes)


class CheckinDeskAddressFuzz(TestCase):
    """The session's id in the address: any integer the route lets through."""

    @classmethod
    def setUpTestData(cls):
        cls.user = UserFactory(username="desk")
        cls.user.user_permissions.add(Permission.objects.get(codename="check_in"))
        cls.session = SessionFactory()

    @given(pk=st.one_of(st.integers(min_value=0), st.just(2**63), st.just(10**40)))
    @fuzz_settings(30)
    def test_any_session_id_is_the_session_or_a_404(self, pk):
        self.client.force_login(self.user)
        for name in ("checkin:desk", "checkin:sheet"):
            response = self.client.get(reverse(name, kwargs={"session_pk": pk}))
            exists = Session.objects.filter(pk=pk).exists()
            assert response.status_code == (200 if exists else 404)
