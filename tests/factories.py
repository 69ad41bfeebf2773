"""factory-boy factories for both apps; each builds a valid row by default."""

import datetime
import zoneinfo

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from delegates.models import Attendance, Delegate, Delegation, Party, Registration
from meetings.models import AgendaItem, Body, Meeting, PartyKind, Session

WITA = zoneinfo.ZoneInfo("Asia/Makassar")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.django.Password("a-long-test-password")


class BodyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Body
        django_get_or_create = ("acronym",)

    acronym = factory.Sequence(lambda n: f"WG{n}")
    name = factory.LazyAttribute(lambda b: f"Working Group {b.acronym}")
    kind = Body.Kind.WORKING_GROUP


class MeetingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Meeting

    body = factory.SubFactory(BodyFactory, acronym="JWG", name="Joint Working Group")
    number = factory.Sequence(lambda n: n + 1)
    slug = factory.LazyAttribute(lambda m: f"{m.body.acronym.lower()}-{m.number}")
    title = factory.LazyAttribute(lambda m: f"Meeting {m.number} of {m.body.acronym}")
    host_country = "IDN"
    city = "Kuta, Bali"
    venue = "Conference Hall"
    start_date = datetime.date(2024, 4, 29)
    end_date = datetime.date(2024, 5, 3)
    time_zone = "Asia/Makassar"
    status = Meeting.Status.PUBLISHED


def registration_open_meeting(*, last_day=64, closes_in=1, **fields):
    """A meeting starting 60 days from today and ending `last_day` days from
    today, whose registration opened a day ago and closes in `closes_in`
    days."""
    today, now = timezone.localdate(), timezone.now()
    day = datetime.timedelta(days=1)
    return MeetingFactory(
        start_date=today + 60 * day,
        end_date=today + last_day * day,
        registration_opens_at=now - day,
        registration_closes_at=now + closes_in * day,
        **fields,
    )


class SessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Session

    meeting = factory.SubFactory(MeetingFactory)
    body = factory.LazyAttribute(lambda s: s.meeting.body)
    title = factory.Sequence(lambda n: f"Session {n}")
    starts_at = factory.LazyAttribute(
        lambda s: datetime.datetime.combine(
            s.meeting.start_date,
            datetime.time(9),
            tzinfo=zoneinfo.ZoneInfo(s.meeting.time_zone),
        )
    )
    ends_at = factory.LazyAttribute(lambda s: s.starts_at + datetime.timedelta(hours=3))
    room = "Room A"


class AgendaItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AgendaItem

    session = factory.SubFactory(SessionFactory)
    number = factory.Sequence(lambda n: str(n + 1))
    order = factory.Sequence(lambda n: n)
    title = factory.Sequence(lambda n: f"Agenda item {n}")


class PartyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Party
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"ORG{n}")
    name = factory.LazyAttribute(lambda p: f"Organisation {p.code}")
    kind = PartyKind.INTERNATIONAL_ORGANISATION


class MemberStateFactory(PartyFactory):
    code = "MYS"
    name = "Malaysia"
    kind = PartyKind.MEMBER_STATE
    iso3 = factory.LazyAttribute(lambda p: p.code)
    asean_member_since = datetime.date(1967, 8, 8)


class DelegationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Delegation

    meeting = factory.SubFactory(MeetingFactory)
    party = factory.SubFactory(PartyFactory)


class DelegateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Delegate

    honorific = Delegate.Honorific.MS
    given_name = factory.Sequence(lambda n: f"Given{n}")
    family_name = factory.Sequence(lambda n: f"Family{n}")
    email = factory.Sequence(lambda n: f"delegate{n}@example.org")
    position = "Director"
    agency = "Ministry of Mines"


class RegistrationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Registration

    delegation = factory.SubFactory(DelegationFactory)
    meeting = factory.LazyAttribute(lambda r: r.delegation.meeting)
    delegate = factory.SubFactory(DelegateFactory)
    reference = factory.Sequence(lambda n: f"TEST-{n:05d}")
    status = Registration.Status.APPROVED


class AttendanceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Attendance

    registration = factory.SubFactory(RegistrationFactory)
    session = factory.SubFactory(
        SessionFactory, meeting=factory.SelfAttribute("..registration.meeting")
    )
    status = Attendance.Status.PRESENT
    method = Attendance.Method.ADMIN
    recorded_at = factory.LazyFunction(
        lambda: datetime.datetime(2024, 4, 30, 9, 5, tzinfo=WITA)
    )
