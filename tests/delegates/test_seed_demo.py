"""`seed_demo` loads the 11th JWG as the press release tells it, and no more;
and an invented 12th JWG, dated from today, whose registration is open."""

import datetime
import hashlib
import io
import re
import zoneinfo

import pytest
import time_machine
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError

from delegates import services
from delegates.models import (
    ActionItemParty,
    Attendance,
    Delegate,
    Delegation,
    Party,
    Registration,
)
from meetings.models import (
    ActionItem,
    AgendaItem,
    Body,
    Conclusion,
    Meeting,
    Minutes,
    MinutesItem,
    MinutesRevision,
    PartyKind,
    Session,
)
from meetings.selectors import action_origin, matters_arising

pytestmark = pytest.mark.django_db

FIRST_DAY = datetime.date(2024, 4, 29)
LAST_DAY = datetime.date(2024, 5, 3)
RELEASE_ORDER = (
    "ASEAN-IGF-ASM",
    "JWG",
    "AMCAP-TF",
    "WGTIM",
    "WGCBM",
    "WGSMD",
    "WGMID",
    "PSC-CCOP-KIGAM",
)
AMS_IN_ASEAN_ORDER = (
    "BRN",
    "KHM",
    "IDN",
    "LAO",
    "MYS",
    "MMR",
    "PHL",
    "SGP",
    "THA",
    "VNM",
)
AMS = set(AMS_IN_ASEAN_ORDER)
PARTNERS = {"IGF", "ESCAP", "CCOP", "KIGAM", "USAID"}
RESERVED_DOMAINS = {"example.org", "example.com", "example.net"}
REFERENCE = re.compile(r"^JWG1[12]-([A-Z][A-Z0-9]{1,14})-(\d{3})$")
DEMO_APPS = ("meetings", "delegates", "auth")
KUALA_LUMPUR = zoneinfo.ZoneInfo("Asia/Kuala_Lumpur")
# A Wednesday: 60 days on is a Sunday, so the 12th JWG starts the day after.
NOW = datetime.datetime(2026, 3, 4, 2, 0, tzinfo=datetime.UTC)
TODAY = NOW.date()
JWG12_START = datetime.date(2026, 5, 4)
AMS_2026 = (*AMS_IN_ASEAN_ORDER[:9], "TLS", "VNM")
FOCAL_POINT_LINE = re.compile(r"^\s+(fp-[a-z]{3})\s+(.+?)\s+(\S+)$", re.MULTILINE)


def seed(*args, stderr=None):
    out = io.StringIO()
    call_command("seed_demo", *args, stdout=out, stderr=stderr or io.StringIO())
    return out.getvalue()


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def jwg12(frozen):
    seed()
    return Meeting.objects.select_related("body").get(slug="jwg-12")


def focal_point_passwords(output):
    return {m.group(1): m.group(3) for m in FOCAL_POINT_LINE.finditer(output)}


@pytest.fixture
def jwg11(db):
    seed()
    return Meeting.objects.select_related("body").get(slug="jwg-11")


def present_codes(**filters):
    return set(
        Attendance.objects.filter(
            status=Attendance.Status.PRESENT, **filters
        ).values_list("registration__delegation__party__code", flat=True)
    )


def snapshot():
    """Every row of every demo table (many-to-many tables too), hashed."""
    state = {}
    for model in apps.get_models(include_auto_created=True):
        if model._meta.app_label not in DEMO_APPS:
            continue
        names = [f.attname for f in model._meta.concrete_fields]
        rows = list(model.objects.order_by("pk").values_list(*names))
        digest = hashlib.sha256(repr(rows).encode()).hexdigest()
        state[model._meta.label] = (len(rows), digest)
    return state


def test_meeting_holds_the_release_facts(jwg11):
    assert jwg11.title == (
        "11th Joint Working Group Meeting on ASEAN Mineral Cooperation and Its "
        "Associated Meetings"
    )
    assert jwg11.body.acronym == "JWG"
    assert jwg11.number == 11
    assert jwg11.city == "Kuta, Bali"
    assert jwg11.host_country == "IDN"
    assert jwg11.host_organisation == (
        "Directorate General of Mineral and Coal, Ministry of Energy and Mineral "
        "Resources"
    )
    assert (jwg11.start_date, jwg11.end_date) == (FIRST_DAY, LAST_DAY)
    assert jwg11.time_zone == "Asia/Makassar"
    assert jwg11.status == Meeting.Status.CLOSED
    assert Meeting.objects.published().filter(pk=jwg11.pk).exists()


def test_meeting_invents_no_venue_and_says_what_is_illustrative(jwg11):
    assert jwg11.venue == ""
    assert not jwg11.is_demo, "the meeting itself is real"
    assert "Acting Director General of Mineral and Coal" in jwg11.description
    assert "illustrative" in jwg11.description
    assert "fictional" in jwg11.description


def test_eight_sessions_in_the_release_order_by_order_and_by_time(jwg11):
    by_order = list(jwg11.sessions.select_related("body").order_by("order"))
    by_time = list(jwg11.sessions.select_related("body").order_by("starts_at"))
    assert [s.order for s in by_order] == list(range(1, 9))
    assert tuple(s.body.acronym for s in by_order) == RELEASE_ORDER
    assert by_time == by_order
    assert by_order[0].title == (
        "ASEAN-IGF Workshop on Formalization of Artisanal and Small-Scale Mining"
    )
    assert by_order[7].title.startswith(
        "Project Steering Committee (PSC) Meeting of the ASEAN-CCOP-KIGAM"
    )


def test_sessions_lie_within_the_meeting_days_in_local_time(jwg11):
    for session in jwg11.sessions.all():
        starts, ends = session.local_starts_at(), session.local_ends_at()
        assert FIRST_DAY <= starts.date() == ends.date() <= LAST_DAY
        assert starts < ends


def test_session_times_are_marked_tentative_and_open_to_every_kind(jwg11):
    for session in jwg11.sessions.all():
        assert session.times_tentative, "the release gives no session times"
        assert sorted(session.open_to) == sorted(PartyKind.values)


def test_agendas_are_numbered_and_the_jwg_lists_the_release_topics(jwg11):
    for session in jwg11.sessions.all():
        items = list(session.agenda_items.order_by("order"))
        assert items
        assert [i.number for i in items] == [str(n) for n in range(1, len(items) + 1)]
    jwg_titles = " | ".join(
        AgendaItem.objects.filter(session__meeting=jwg11, session__order=2)
        .order_by("order")
        .values_list("title", flat=True)
    )
    for topic in ("AMCAP-IV", "AMIS", "AMTF", "AMMin", "ASEAN Mining Vision"):
        assert topic in jwg_titles


def test_bodies_kinds_and_lines_of_reporting(jwg11):
    bodies = {b.acronym: b for b in Body.objects.select_related("parent")}
    assert set(bodies) == {"AMMin", "ASOMM", *RELEASE_ORDER}
    assert bodies["ASOMM"].kind == Body.Kind.SENIOR_OFFICIALS
    assert bodies["AMMin"].kind == Body.Kind.MINISTERIAL
    assert bodies["AMCAP-TF"].kind == Body.Kind.TASK_FORCE
    assert bodies["PSC-CCOP-KIGAM"].kind == Body.Kind.STEERING_COMMITTEE
    assert bodies["ASEAN-IGF-ASM"].kind == Body.Kind.WORKSHOP
    assert bodies["JWG"].parent.acronym == "ASOMM"
    for acronym in ("WGTIM", "WGCBM", "WGSMD", "WGMID"):
        assert bodies[acronym].kind == Body.Kind.WORKING_GROUP
        assert bodies[acronym].parent.acronym == "JWG"
    assert bodies["WGMID"].name == "Working Group on Mineral Information and Database"


def test_member_states_have_iso_codes_and_come_in_asean_order(jwg11):
    members_2024 = [
        p for p in Party.objects.in_asean_order() if p.is_member_state_on(FIRST_DAY)
    ]
    assert tuple(p.code for p in members_2024) == AMS_IN_ASEAN_ORDER
    assert all(p.iso3 == p.code for p in members_2024)
    assert [p.name for p in members_2024][:4] == [
        "Brunei Darussalam",
        "Cambodia",
        "Indonesia",
        "Lao PDR",
    ]
    assert members_2024[-1].name == "Viet Nam"


def test_list_of_participants_order_puts_partners_then_asec_then_host(jwg11):
    codes = list(
        Party.objects.in_asean_order(on=FIRST_DAY).values_list("code", flat=True)
    )
    # In 2024 Timor-Leste was an observer: after the ten member states.
    assert codes[:10] == list(AMS_IN_ASEAN_ORDER)
    assert codes[10] == "TLS"
    assert codes[11:] == [
        "KIGAM",
        "USAID",
        "CCOP",
        "IGF",
        "ESCAP",
        "ASEC",
        "IDNOC",
        "MYSOC",
    ]


def test_timor_leste_is_an_observer_in_2024_and_a_member_state_in_2026(jwg11):
    timor_leste = Party.objects.get(code="TLS")
    assert timor_leste.iso3 == "TLS"
    assert timor_leste.asean_member_since == datetime.date(2025, 10, 26)
    assert timor_leste.kind_on(FIRST_DAY) == PartyKind.OBSERVER
    assert timor_leste.kind_on(datetime.date(2026, 1, 1)) == PartyKind.MEMBER_STATE
    assert not Delegation.objects.filter(meeting=jwg11, party=timor_leste).exists()


def test_every_member_state_but_viet_nam_was_present(jwg11):
    members = {
        p.code for p in Party.objects.all() if p.is_member_state_on(jwg11.start_date)
    }
    assert members == AMS
    present = present_codes(session__meeting=jwg11)
    assert present & members == AMS - {"VNM"}


def test_viet_nam_has_an_empty_delegation_and_no_attendance(jwg11):
    delegation = Delegation.objects.get(meeting=jwg11, party__code="VNM")
    assert not delegation.registrations.exists()
    assert not Attendance.objects.filter(
        registration__delegation__party__code="VNM"
    ).exists()


def test_present_parties_are_exactly_the_release_partners_asec_and_host(jwg11):
    """Partners are exactly IGF, UN ESCAP, CCOP, KIGAM and USAID; besides the
    nine member states only the Secretariat and the host's committee."""
    present = present_codes(session__meeting=jwg11)
    kinds = {
        p.code: p.kind_on(jwg11.start_date)
        for p in Party.objects.filter(code__in=present)
    }
    partners = {
        code
        for code, kind in kinds.items()
        if kind in (PartyKind.DIALOGUE_PARTNER, PartyKind.INTERNATIONAL_ORGANISATION)
    }
    assert partners == PARTNERS
    assert present == (AMS - {"VNM"}) | PARTNERS | {"ASEC", "IDNOC"}
    assert kinds["ASEC"] == PartyKind.ASEAN_SECRETARIAT
    assert kinds["IDNOC"] == PartyKind.HOST_COMMITTEE


def test_partners_attend_the_jwg_and_the_sessions_named_after_them(jwg11):
    def partners_at(order):
        return present_codes(session__meeting=jwg11, session__order=order) & PARTNERS

    assert partners_at(2) == PARTNERS
    assert partners_at(1) == {"IGF"}
    assert partners_at(8) == {"CCOP", "KIGAM"}
    for order in range(3, 8):
        assert partners_at(order) == set()


def test_attendance_is_a_signed_sheet_during_a_session_the_delegate_chose(jwg11):
    attendance = list(
        Attendance.objects.filter(session__meeting=jwg11).select_related(
            "session", "registration"
        )
    )
    assert attendance
    for record in attendance:
        assert record.status == Attendance.Status.PRESENT
        assert record.method == Attendance.Method.SHEET
        assert record.recorded_by is None
        assert record.session.starts_at <= record.recorded_at < record.session.ends_at
        assert record.registration.status == Registration.Status.APPROVED
        assert record.registration.sessions.filter(pk=record.session_id).exists()


def test_every_delegation_that_sent_delegates_has_exactly_one_head(jwg11):
    delegations = Delegation.objects.filter(meeting=jwg11).exclude(party__code="VNM")
    assert delegations.count() == 16
    for delegation in delegations:
        registrations = delegation.registrations.all()
        heads = [r for r in registrations if r.role == Registration.Role.HEAD]
        assert len(heads) == 1, delegation
        assert heads[0].reference.endswith("-001")
        assert all(r.meeting_id == delegation.meeting_id for r in registrations)
        assert all(r.status == Registration.Status.APPROVED for r in registrations)
        if delegation.quota is not None:
            assert len(registrations) <= delegation.quota


def test_reference_codes_name_meeting_party_and_sequence(jwg11):
    by_delegation = {}
    for registration in Registration.objects.select_related("delegation__party"):
        match = REFERENCE.match(registration.reference)
        assert match, registration.reference
        assert match.group(1) == registration.delegation.party.code
        by_delegation.setdefault(registration.delegation_id, []).append(
            int(match.group(2))
        )
    for sequence in by_delegation.values():
        assert sorted(sequence) == list(range(1, len(sequence) + 1))


def test_delegates_are_fictional_with_reserved_addresses(jwg11):
    delegates = list(Delegate.objects.all())
    assert len(delegates) >= 9 * 2 + 5
    for delegate in delegates:
        assert delegate.email.rsplit("@", 1)[1] in RESERVED_DOMAINS
        assert not delegate.passport_number
    assert not Delegate.objects.filter(family_name__icontains="Suswantono").exists()


def test_consents_are_recorded_and_most_may_be_published(jwg11):
    registrations = list(Registration.objects.all())
    assert all(r.consent_privacy_at is not None for r in registrations)
    published = [r for r in registrations if r.consent_publish]
    assert len(registrations) > len(published) > len(registrations) / 2


def test_every_seeded_row_passes_model_validation(jwg11):
    for model in (
        Body,
        Party,
        Meeting,
        Session,
        AgendaItem,
        Delegation,
        Delegate,
        Registration,
        Attendance,
        Minutes,
        MinutesItem,
        Conclusion,
        ActionItem,
        ActionItemParty,
        MinutesRevision,
    ):
        for obj in model.objects.all():
            obj.full_clean()


@pytest.mark.parametrize("flags", [(), ("--with-users",)])
def test_a_first_run_creates_every_row_and_updates_none(db, flags):
    output = seed(*flags)
    total = sum(
        model.objects.count()
        for model in (
            Body,
            Party,
            Meeting,
            Session,
            AgendaItem,
            Delegation,
            Delegate,
            Registration,
            Attendance,
            Minutes,
            MinutesItem,
            Conclusion,
            ActionItem,
            ActionItemParty,
            MinutesRevision,
        )
    )
    assert Minutes.objects.exists()
    assert f"; {total} created, 0 updated." in output


def test_a_second_run_changes_nothing(jwg11):
    before = snapshot()
    output = seed()
    assert snapshot() == before
    assert "0 created, 0 updated." in output


def test_a_second_run_puts_back_edited_and_deleted_rows(jwg11):
    before = snapshot()
    Meeting.objects.filter(pk=jwg11.pk).update(city="Denpasar")
    Session.objects.filter(meeting=jwg11, order=2).update(title="Renamed")
    Attendance.objects.filter(session__order=1).first().delete()
    Registration.objects.get(reference="JWG11-MYS-002").sessions.clear()
    output = seed()
    jwg11.refresh_from_db()
    assert jwg11.city == "Kuta, Bali"
    assert Session.objects.get(meeting=jwg11, order=2).title.startswith("Joint")
    assert Registration.objects.get(reference="JWG11-MYS-002").sessions.count() == 8
    assert "1 created, 3 updated." in output
    after = snapshot()
    changed = {label for label in before if before[label] != after[label]}
    # The recreated attendance has a new id; nothing else differs in count.
    assert {label: after[label][0] for label in changed} == {
        label: before[label][0] for label in changed
    }


def test_summary_line_counts_what_it_loaded(jwg11):
    output = seed()
    assert f"sessions {Session.objects.count()}," in output
    assert f"delegates {Delegate.objects.count()}," in output
    assert f"attendance {Attendance.objects.count()}," in output
    assert f"minutes {Minutes.objects.count()}," in output
    assert f"action items {ActionItem.objects.count()};" in output
    assert f"registrations {Registration.objects.count()}," in output


def test_without_the_flag_no_user_is_created(jwg11):
    assert not get_user_model().objects.exists()


def test_with_superuser_creates_one_and_prints_a_working_password(db):
    output = seed("--with-superuser")
    assert "Superuser: admin" in output
    password = re.search(r"^Password: (\S+)$", output, re.MULTILINE).group(1)
    user = get_user_model().objects.get()
    assert user.username == "admin"
    assert user.is_superuser and user.is_staff and user.is_active
    assert user.check_password(password)
    assert len(password) >= 20


def test_with_superuser_again_resets_the_password(db):
    first = re.search(r"Password: (\S+)", seed("--with-superuser")).group(1)
    second = re.search(r"Password: (\S+)", seed("--with-superuser")).group(1)
    user = get_user_model().objects.get()
    assert first != second
    assert user.check_password(second)
    assert not user.check_password(first)


def test_with_superuser_takes_a_given_password(db):
    output = seed("--with-superuser", "--password", "kuta-bali-demo-2024")
    assert "Password: kuta-bali-demo-2024" in output
    assert (
        get_user_model()
        .objects.get(username="admin")
        .check_password("kuta-bali-demo-2024")
    )


def test_a_weak_password_is_refused_and_nothing_is_loaded(db):
    with pytest.raises(CommandError):
        seed("--with-superuser", "--password", "12345")
    assert not get_user_model().objects.exists()
    assert not Meeting.objects.exists()


def test_password_without_a_user_flag_is_refused(db):
    with pytest.raises(CommandError):
        seed("--password", "kuta-bali-demo-2024")
    assert not get_user_model().objects.exists()


# The 12th JWG: invented, upcoming, registration open


def test_jwg12_is_published_demo_content_that_says_it_is_invented(jwg12):
    assert jwg12.title == (
        "12th Joint Working Group Meeting on ASEAN Mineral Cooperation and Its "
        "Associated Meetings (demo)"
    )
    assert (jwg12.body.acronym, jwg12.number) == ("JWG", 12)
    assert jwg12.is_demo
    assert jwg12.status == Meeting.Status.PUBLISHED
    assert Meeting.objects.published().filter(pk=jwg12.pk).exists()
    assert "invented" in jwg12.description
    assert "not an announced meeting" in jwg12.description
    assert "fictional" in jwg12.description
    # A host is needed, but nothing more is claimed for it.
    assert (jwg12.host_country, jwg12.city) == ("MYS", "Kuala Lumpur")
    assert jwg12.venue == jwg12.host_organisation == ""
    assert jwg12.time_zone == "Asia/Kuala_Lumpur"


@pytest.mark.parametrize("offset", range(7))
def test_jwg12_starts_on_the_first_monday_at_least_60_days_ahead(db, offset):
    today = datetime.date(2026, 3, 2) + datetime.timedelta(days=offset)
    with time_machine.travel(
        datetime.datetime.combine(today, datetime.time(12), tzinfo=datetime.UTC),
        tick=False,
    ):
        seed()
    meeting = Meeting.objects.get(slug="jwg-12")
    assert meeting.start_date.weekday() == 0
    assert 60 <= (meeting.start_date - today).days < 67
    assert meeting.end_date == meeting.start_date + datetime.timedelta(days=4)


def test_registration_opened_a_month_ago_and_closes_two_weeks_before(jwg12):
    assert jwg12.start_date == JWG12_START
    assert jwg12.registration_state() == "open"
    assert jwg12.registration_opens_at == datetime.datetime(
        2026, 2, 2, tzinfo=KUALA_LUMPUR
    )
    assert jwg12.registration_closes_at == datetime.datetime(
        2026, 4, 20, tzinfo=KUALA_LUMPUR
    )
    assert jwg12.registration_state(now=jwg12.registration_closes_at) == "closed"


def test_jwg12_sessions_repeat_the_11th_in_order_within_its_dates(jwg12):
    jwg11 = Meeting.objects.get(slug="jwg-11")
    by_order = list(jwg12.sessions.select_related("body").order_by("order"))
    by_time = list(jwg12.sessions.select_related("body").order_by("starts_at"))
    assert by_time == by_order
    assert [(s.order, s.body.acronym, s.title) for s in by_order] == list(
        jwg11.sessions.order_by("order").values_list("order", "body__acronym", "title")
    )
    for session in by_order:
        starts, ends = session.local_starts_at(), session.local_ends_at()
        assert jwg12.start_date <= starts.date() == ends.date() <= jwg12.end_date
        assert session.times_tentative
        assert session.agenda_items.exists()
    assert {s.local_starts_at().date() for s in by_order} == set(jwg12.days())


def test_jwg12_invents_no_topics_for_the_jwg(jwg12):
    titles = " | ".join(
        AgendaItem.objects.filter(session__meeting=jwg12).values_list(
            "title", flat=True
        )
    )
    assert "AMCAP-IV" not in titles
    assert "Matters arising from the 11th JWG" in titles


def test_the_psc_is_not_open_to_observers_or_the_host_committee(jwg12):
    psc = jwg12.sessions.get(body__acronym="PSC-CCOP-KIGAM")
    assert sorted(psc.open_to) == sorted(
        [
            PartyKind.MEMBER_STATE,
            PartyKind.DIALOGUE_PARTNER,
            PartyKind.INTERNATIONAL_ORGANISATION,
            PartyKind.ASEAN_SECRETARIAT,
        ]
    )
    parties = {p.code: p for p in Party.objects.all()}
    for code in ("TLS", "ASEC", "CCOP", "KIGAM"):
        assert psc in services.sessions_open_to(jwg12, parties[code]), code
    assert psc not in services.sessions_open_to(jwg12, parties["MYSOC"])
    others = jwg12.sessions.exclude(pk=psc.pk)
    assert all(sorted(s.open_to) == sorted(PartyKind.values) for s in others)


def test_the_workshop_alone_has_a_capacity(jwg12):
    capacities = dict(jwg12.sessions.values_list("body__acronym", "capacity"))
    assert capacities.pop("ASEAN-IGF-ASM") == 40
    assert set(capacities.values()) == {None}


def test_eleven_member_states_including_timor_leste_and_the_partners(jwg12):
    delegations = {
        d.party.code: d
        for d in Delegation.objects.filter(meeting=jwg12).select_related("party")
    }
    members = [c for c, d in delegations.items() if d.kind() == PartyKind.MEMBER_STATE]
    assert sorted(members) == sorted(AMS_2026)
    assert delegations["TLS"].kind() == PartyKind.MEMBER_STATE
    assert {c: d.quota for c, d in delegations.items() if c in AMS} == dict.fromkeys(
        AMS, 6
    )
    assert set(delegations) - set(AMS_2026) == {
        "ASEC",
        "IGF",
        "ESCAP",
        "CCOP",
        "KIGAM",
        "MYSOC",
    }
    assert {delegations[c].quota for c in ("ASEC", "IGF", "ESCAP", "CCOP")} == {3}
    assert delegations["KIGAM"].quota == 3
    assert delegations["MYSOC"].quota is None
    assert delegations["MYSOC"].kind() == PartyKind.HOST_COMMITTEE


def test_registrations_in_every_status_with_reasons_where_due(jwg12):
    registrations = list(Registration.objects.filter(meeting=jwg12))
    by_status = {}
    for registration in registrations:
        by_status.setdefault(registration.status, []).append(registration)
    assert set(by_status) == set(Registration.Status.values)
    for status in (Registration.Status.REJECTED, Registration.Status.WAITLISTED):
        assert all(r.decision_reason for r in by_status[status])
    for status in Registration.Status.values:
        decided = status != Registration.Status.PENDING
        assert all((r.decided_at is not None) == decided for r in by_status[status])
    endorsements = {r.endorsement for r in registrations}
    assert endorsements == set(Registration.Endorsement.values)


def test_jwg12_registrations_were_made_while_registration_was_open(jwg12):
    for registration in Registration.objects.filter(meeting=jwg12):
        submitted = registration.created_at
        assert registration.consent_privacy_at == submitted
        assert jwg12.registration_opens_at < submitted < NOW
        if registration.decided_at:
            assert submitted < registration.decided_at < NOW
        if registration.endorsed_at:
            assert submitted <= registration.endorsed_at < NOW


def test_jwg12_registrations_keep_the_rules_of_the_form(jwg12):
    registrations = Registration.objects.filter(meeting=jwg12).select_related(
        "delegation__party"
    )
    for registration in registrations:
        assert REFERENCE.match(registration.reference)
        assert registration.reference.startswith("JWG12-")
        chosen = set(registration.sessions.all())
        assert chosen
        allowed = services.sessions_open_to(jwg12, registration.delegation.party)
        assert chosen <= set(allowed)
        if registration.status == Registration.Status.APPROVED:
            assert services.registration._fits(registration) == (True, "")


def test_the_returning_head_is_the_same_delegate_as_at_the_11th(jwg12):
    head = Registration.objects.get(reference="JWG12-MYS-001")
    assert head.role == Registration.Role.HEAD
    assert head.delegate.registrations.filter(meeting__slug="jwg-11").exists()


def test_without_users_there_are_no_focal_points_and_no_one_endorsed_by_name(jwg12):
    assert not get_user_model().objects.exists()
    assert not Delegation.focal_points.through.objects.exists()
    assert not Registration.objects.filter(endorsed_by__isnull=False).exists()


def test_with_users_one_focal_point_per_member_state_of_both_meetings(frozen):
    output = seed("--with-users")
    passwords = focal_point_passwords(output)
    assert sorted(passwords) == sorted(f"fp-{c.lower()}" for c in AMS_2026)
    users = {u.username: u for u in get_user_model().objects.all()}
    assert set(users) == set(passwords)
    for username, password in passwords.items():
        user = users[username]
        code = username.removeprefix("fp-").upper()
        assert user.check_password(password)
        assert len(password) >= 20
        assert user.email == f"{username}@example.org"
        assert user.is_active and not user.is_staff and not user.is_superuser
        meetings = set(
            user.focal_point_delegations.filter(party__code=code).values_list(
                "meeting__slug", flat=True
            )
        )
        # Timor-Leste was not at the 11th JWG.
        assert meetings == ({"jwg-12"} if code == "TLS" else {"jwg-11", "jwg-12"})
        assert not user.focal_point_delegations.exclude(party__code=code).exists()
    assert re.search(r"^\s+fp-mys\s+Malaysia\s+\S+$", output, re.MULTILINE)
    # In ASEAN order, as the parties are listed everywhere else.
    assert list(passwords) == [f"fp-{c.lower()}" for c in AMS_2026]


def test_with_users_the_focal_point_is_named_on_its_endorsements(frozen):
    seed("--with-users")
    head = Registration.objects.get(reference="JWG12-MYS-001")
    assert head.submitted_by.username == head.endorsed_by.username == "fp-mys"
    declined = Registration.objects.get(reference="JWG12-PHL-001")
    assert declined.endorsement == Registration.Endorsement.DECLINED
    assert declined.endorsed_by.username == "fp-phl"
    assert declined.status == Registration.Status.REJECTED
    awaiting = Registration.objects.filter(
        meeting__slug="jwg-12", endorsement=Registration.Endorsement.AWAITING
    )
    assert awaiting.exists()
    assert not awaiting.filter(endorsed_by__isnull=False).exists()


def test_focal_points_added_later_are_named_on_the_demo_endorsements(frozen):
    seed()
    output = seed("--with-users")
    assert Registration.objects.get(reference="JWG12-MYS-001").endorsed_by
    assert Registration.objects.get(reference="JWG12-PHL-001").endorsed_by
    assert ", 0 created," not in output
    assert re.search(r"; 0 created, [1-9]\d* updated\.", output)


def test_with_users_again_resets_the_passwords_and_duplicates_nothing(frozen):
    first = focal_point_passwords(seed("--with-users"))
    before = snapshot()
    output = seed("--with-users")
    second = focal_point_passwords(output)
    assert set(first) == set(second)
    after = snapshot()
    assert after["auth.User"][0] == before["auth.User"][0] == len(AMS_2026)
    del before["auth.User"], after["auth.User"]
    assert after == before
    assert "0 created, 0 updated." in output
    user = get_user_model().objects.get(username="fp-lao")
    assert first["fp-lao"] != second["fp-lao"]
    assert user.check_password(second["fp-lao"])
    assert not user.check_password(first["fp-lao"])


def test_the_given_password_goes_to_every_demo_user(frozen):
    output = seed("--with-superuser", "--with-users", "--password", "kl-demo-2026!")
    assert set(focal_point_passwords(output).values()) == {"kl-demo-2026!"}
    users = get_user_model().objects.all()
    assert len(users) == len(AMS_2026) + 1
    assert all(user.check_password("kl-demo-2026!") for user in users)


def test_a_second_run_the_same_day_changes_nothing(jwg12, frozen):
    before = snapshot()
    frozen.move_to(NOW + datetime.timedelta(hours=20))
    output = seed()
    assert snapshot() == before
    assert "0 created, 0 updated." in output


def test_ten_days_later_the_12th_jwg_moves_and_nothing_is_duplicated(jwg12, frozen):
    jwg11_rows = (
        list(Meeting.objects.filter(slug="jwg-11").values()),
        list(Session.objects.filter(meeting__slug="jwg-11").values()),
        list(Registration.objects.filter(meeting__slug="jwg-11").values()),
        list(Attendance.objects.values()),
    )
    before = snapshot()
    session_ids = dict(jwg12.sessions.values_list("order", "pk"))
    frozen.move_to(NOW + datetime.timedelta(days=10))
    output = seed()
    jwg12.refresh_from_db()
    assert jwg12.start_date == JWG12_START + datetime.timedelta(days=14)
    assert jwg12.registration_state() == "open"
    assert jwg12.registration_opens_at == datetime.datetime(
        2026, 2, 12, tzinfo=KUALA_LUMPUR
    )
    for session in jwg12.sessions.all():
        assert session.pk == session_ids[session.order]
        assert jwg12.start_date <= session.local_starts_at().date() <= jwg12.end_date
    assert jwg11_rows == (
        list(Meeting.objects.filter(slug="jwg-11").values()),
        list(Session.objects.filter(meeting__slug="jwg-11").values()),
        list(Registration.objects.filter(meeting__slug="jwg-11").values()),
        list(Attendance.objects.values()),
    )
    after = snapshot()
    assert {label: rows for label, (rows, _digest) in after.items()} == {
        label: rows for label, (rows, _digest) in before.items()
    }
    # The meeting and its eight sessions; the registrations stay as they were.
    assert "0 created, 9 updated." in output
    assert seed().endswith("0 created, 0 updated.\n")


def test_a_session_added_to_the_demo_meeting_moves_with_it(jwg12, frozen):
    body = Body.objects.get(acronym="WGMID")
    last_day = datetime.datetime.combine(
        jwg12.end_date, datetime.time(18), tzinfo=KUALA_LUMPUR
    )
    added = Session.objects.create(
        meeting=jwg12,
        body=body,
        title="Side event",
        order=9,
        starts_at=last_day,
        ends_at=last_day + datetime.timedelta(hours=2),
    )
    frozen.move_to(NOW + datetime.timedelta(days=10))
    seed()
    added.refresh_from_db()
    assert added.local_starts_at() == last_day + datetime.timedelta(days=14)


def test_visitors_decisions_on_demo_registrations_are_kept(jwg12, frozen):
    pending = Registration.objects.get(reference="JWG12-MYS-002")
    services.registration_decide(
        registration=pending, to_status=Registration.Status.APPROVED, by=None
    )
    Registration.objects.get(reference="JWG12-IGF-001").delete()
    seed()
    assert (
        Registration.objects.get(reference="JWG12-MYS-002").status
        == Registration.Status.APPROVED
    )
    restored = Registration.objects.get(reference="JWG12-IGF-001")
    assert restored.status == Registration.Status.APPROVED
    assert restored.sessions.count() == 2


def test_a_deleted_demo_registration_that_would_break_a_rule_stays_out(jwg12, frozen):
    Registration.objects.get(reference="JWG12-TLS-001").delete()
    delegation = Delegation.objects.get(meeting=jwg12, party__code="TLS")
    newcomer = services.registration_submit(
        meeting=jwg12,
        delegation=delegation,
        delegate_data={"family_name": "Guterres", "email": "guterres@example.org"},
        registration_data={"role": Registration.Role.HEAD},
        sessions=list(jwg12.sessions.all()),
    )
    assert newcomer.reference == "JWG12-TLS-001"
    Registration.objects.filter(pk=newcomer.pk).update(reference="JWG12-TLS-002")
    stderr = io.StringIO()
    seed(stderr=stderr)
    assert not Registration.objects.filter(reference="JWG12-TLS-001").exists()
    assert "JWG12-TLS-001 was not put back" in stderr.getvalue()
    assert "Head of Delegation" in stderr.getvalue()


def test_a_12th_jwg_made_real_is_left_alone(jwg12, frozen):
    Meeting.objects.filter(pk=jwg12.pk).update(is_demo=False, city="Putrajaya")
    before = snapshot()
    frozen.move_to(NOW + datetime.timedelta(days=10))
    stderr = io.StringIO()
    seed("--with-users", stderr=stderr)
    jwg12.refresh_from_db()
    assert (jwg12.start_date, jwg12.city) == (JWG12_START, "Putrajaya")
    assert "jwg-12 is no longer demo content" in stderr.getvalue()
    assert not Delegation.objects.filter(
        meeting=jwg12, focal_points__isnull=False
    ).exists()
    for label in ("meetings.Meeting", "meetings.Session", "delegates.Registration"):
        assert snapshot()[label] == before[label]


def test_a_visitor_holding_a_demo_reference_is_not_credited_to_the_focal_point(
    jwg12, frozen
):
    Registration.objects.get(reference="JWG12-TLS-001").delete()
    newcomer = services.registration_submit(
        meeting=jwg12,
        delegation=Delegation.objects.get(meeting=jwg12, party__code="TLS"),
        delegate_data={"family_name": "Guterres", "email": "guterres@example.org"},
        registration_data={"role": Registration.Role.DELEGATE},
        sessions=list(jwg12.sessions.all()),
    )
    assert newcomer.reference == "JWG12-TLS-001"
    seed("--with-users")
    newcomer.refresh_from_db()
    assert newcomer.submitted_by is None
    assert newcomer.endorsed_by is None
    assert newcomer.delegate.email == "guterres@example.org"


# The draft minutes of the 11th JWG's JWG session, from the press release.


def jwg11_minutes():
    return Minutes.objects.select_related("session__body").get(
        session__meeting__slug="jwg-11"
    )


def minutes_text(minutes):
    parts = [minutes.introduction]
    for item in minutes.items.all():
        parts.append(item.discussion)
        parts += [c.text for c in item.conclusions.all()]
        parts += [a.text for a in item.actions.all()]
    return "\n".join(parts)


def test_the_jwg_session_has_draft_minutes_marked_as_demo(jwg11):
    minutes = jwg11_minutes()
    assert minutes.session.body.acronym == "JWG"
    assert minutes.is_demo
    assert minutes.status == Minutes.Status.DRAFT
    assert minutes.adopted_on is None and minutes.circulated_at is None
    assert (
        "Demo content: drafted from the press release of 30 April 2024; not an "
        "official record." in minutes.introduction
    )
    assert "all ASEAN Member States except Viet Nam" in minutes.introduction


def test_only_the_jwg_session_has_minutes(jwg11):
    assert Minutes.objects.count() == 1


def test_minutes_restate_the_release_topics(jwg11):
    text = minutes_text(jwg11_minutes())
    for fact in ("AMCAP-IV", "concrete and measurable", "AMIS", "AMTF", "online"):
        assert fact in text
    assert "USAID" in text and "ASEAN Mining Vision" in text
    assert "ASOMM at the end of 2024 in Bali" in text
    assert "ASEAN Mineral Business Forum" in text


def test_every_jwg_agenda_item_has_a_record_in_agenda_order(jwg11):
    minutes = jwg11_minutes()
    assert [i.agenda_item.number for i in minutes.items.all()] == [
        str(n) for n in range(1, 10)
    ]
    assert set(
        minutes.session.agenda_items.values_list("record__minutes", flat=True)
    ) == {minutes.pk}


def test_items_the_release_is_silent_on_say_so(jwg11):
    minutes = jwg11_minutes()
    for number in ("2", "8"):
        item = minutes.items.get(agenda_item__number=number)
        assert item.discussion == "The press release does not report on this item."
        assert not item.conclusions.exists() and not item.actions.exists()


def test_conclusions_are_typed_as_the_release_tells_them(jwg11):
    by_item = {
        (c.item.agenda_item.number, c.kind)
        for c in Conclusion.objects.select_related("item__agenda_item")
    }
    Kind = Conclusion.Kind
    assert by_item == {
        ("3", Kind.AGREED),
        ("4", Kind.NOTED),
        ("5", Kind.NOTED),
        ("6", Kind.REQUESTED),
        ("7", Kind.AGREED),
        ("9", Kind.NOTED),
    }
    requested = Conclusion.objects.get(kind=Kind.REQUESTED)
    assert "ASEAN Secretariat" in requested.text and "online" in requested.text


def test_the_asec_consolidates_ammin_options_and_amis_is_to_be_completed(jwg11):
    actions = {
        a.item.agenda_item.number: a
        for a in ActionItem.objects.select_related("item__agenda_item")
    }
    assert set(actions) == {"4", "6"}
    assert all(a.status == ActionItem.Status.OPEN for a in actions.values())
    assert all(a.due_date is None for a in actions.values())
    ammin = actions["6"]
    assert "online" in ammin.text
    assert list(
        ammin.responsible_party_links.values_list("party__code", flat=True)
    ) == ["ASEC"]
    amis = actions["4"]
    assert "AMIS" in amis.text
    assert list(amis.responsible_bodies.values_list("acronym", flat=True)) == ["JWG"]
    assert "Not named in the press release" in amis.responsible_note


def test_one_revision_keeps_the_loaded_text(jwg11):
    minutes = jwg11_minutes()
    revision = minutes.revisions.get()
    assert (revision.number, revision.action, revision.author) == (1, "started", None)
    assert revision.content["introduction"] == minutes.introduction
    assert len(revision.content["items"]) == 9


def test_the_open_actions_arise_at_the_12th_jwg(jwg12):
    session = jwg12.sessions.get(body__acronym="JWG")
    arising = matters_arising(session)
    assert {a.item.agenda_item.number for a in arising} == {"4", "6"}
    for action in arising:
        origin = action_origin(action)
        assert origin.meeting.slug == "jwg-11"
        assert origin.session.body.acronym == "JWG"
    other = jwg12.sessions.get(body__acronym="WGTIM")
    assert matters_arising(other) == []


def test_a_second_run_adds_no_revision_and_puts_edited_minutes_back(jwg11):
    minutes = jwg11_minutes()
    Minutes.objects.filter(pk=minutes.pk).update(introduction="Edited")
    action = ActionItem.objects.get(item__agenda_item__number="6")
    ActionItem.objects.filter(pk=action.pk).update(status=ActionItem.Status.DONE)
    Conclusion.objects.filter(item__agenda_item__number="9").delete()
    ActionItemParty.objects.all().delete()
    output = seed()
    minutes.refresh_from_db()
    action.refresh_from_db()
    assert minutes.introduction.startswith("**Demo content")
    assert action.status == ActionItem.Status.OPEN
    assert Conclusion.objects.filter(item__agenda_item__number="9").count() == 1
    assert ActionItemParty.objects.count() == 1
    assert minutes.revisions.count() == 1
    assert "2 created, 2 updated." in output


def test_minutes_that_are_no_longer_demo_content_are_left_alone(jwg11):
    minutes = jwg11_minutes()
    Minutes.objects.filter(pk=minutes.pk).update(is_demo=False, introduction="Ours")
    stderr = io.StringIO()
    output = seed(stderr=stderr)
    minutes.refresh_from_db()
    assert minutes.introduction == "Ours"
    assert "no longer demo content" in stderr.getvalue()
    assert "0 created, 0 updated." in output
