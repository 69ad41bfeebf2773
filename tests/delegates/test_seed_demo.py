"""`seed_demo` loads the 11th JWG as the press release tells it, and no more."""

import datetime
import hashlib
import io
import re

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError

from delegates.models import Attendance, Delegate, Delegation, Party, Registration
from meetings.models import AgendaItem, Body, Meeting, PartyKind, Session

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
REFERENCE = re.compile(r"^JWG11-([A-Z][A-Z0-9]{1,14})-(\d{3})$")
DEMO_APPS = ("meetings", "delegates", "auth")


def seed(*args):
    out = io.StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


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
    ]


def test_timor_leste_is_an_observer_in_2024_and_a_member_state_in_2026(jwg11):
    timor_leste = Party.objects.get(code="TLS")
    assert timor_leste.iso3 == "TLS"
    assert timor_leste.asean_member_since == datetime.date(2025, 10, 26)
    assert timor_leste.kind_on(FIRST_DAY) == PartyKind.OBSERVER
    assert timor_leste.kind_on(datetime.date(2026, 1, 1)) == PartyKind.MEMBER_STATE
    assert not Delegation.objects.filter(party=timor_leste).exists()


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
    ):
        for obj in model.objects.all():
            obj.full_clean()


def test_a_first_run_creates_every_row_and_updates_none(db):
    output = seed()
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
        )
    )
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
    assert "sessions 8," in output
    assert f"attendance {Attendance.objects.count()};" in output
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


def test_password_without_the_superuser_flag_is_refused(db):
    with pytest.raises(CommandError):
        seed("--password", "kuta-bali-demo-2024")
    assert not get_user_model().objects.exists()
