"""The meeting report's sentence on who attended: made from the attendance
records (present only), with ASEAN membership as it stood on the day."""

import datetime

import pytest
from django.core.management import call_command
from django.utils import translation

from delegates.models import Attendance, Delegation, Registration
from delegates.reports import wording
from meetings.models import Body, Meeting, PartyKind
from tests.factories import (
    AttendanceFactory,
    BodyFactory,
    DelegationFactory,
    MeetingFactory,
    MemberStateFactory,
    PartyFactory,
    RegistrationFactory,
    SessionFactory,
)

pytestmark = pytest.mark.django_db

# In ASEAN order; Timor-Leste from the 47th ASEAN Summit.
MEMBER_STATES = (
    ("BRN", "Brunei Darussalam", datetime.date(1984, 1, 7)),
    ("KHM", "Cambodia", datetime.date(1999, 4, 30)),
    ("IDN", "Indonesia", datetime.date(1967, 8, 8)),
    ("LAO", "Lao PDR", datetime.date(1997, 7, 23)),
    ("MYS", "Malaysia", datetime.date(1967, 8, 8)),
    ("MMR", "Myanmar", datetime.date(1997, 7, 23)),
    ("PHL", "Philippines", datetime.date(1967, 8, 8)),
    ("SGP", "Singapore", datetime.date(1967, 8, 8)),
    ("THA", "Thailand", datetime.date(1967, 8, 8)),
    ("TLS", "Timor-Leste", datetime.date(2025, 10, 26)),
    ("VNM", "Viet Nam", datetime.date(1995, 7, 28)),
)
AMS_2024 = [code for code, _name, _joined in MEMBER_STATES if code != "TLS"]
OTHERS = (
    ("IGF", "Intergovernmental Forum on Mining", PartyKind.INTERNATIONAL_ORGANISATION),
    (
        "ESCAP",
        "UN ESCAP",
        PartyKind.INTERNATIONAL_ORGANISATION,
    ),
    ("KIGAM", "Korea Institute of Geoscience", PartyKind.DIALOGUE_PARTNER),
    ("USAID", "United States Agency", PartyKind.DIALOGUE_PARTNER),
    ("ASEC", "ASEAN Secretariat", PartyKind.ASEAN_SECRETARIAT),
    ("IDNOC", "Organising Committee", PartyKind.HOST_COMMITTEE),
)


def make_parties():
    """Every member state (with its date of admission) and a few others."""
    parties = {}
    for code, name, joined in MEMBER_STATES:
        parties[code] = MemberStateFactory(
            code=code, name=name, asean_member_since=joined
        )
    for code, name, kind in OTHERS:
        parties[code] = PartyFactory(code=code, name=name, kind=kind)
    return parties


@pytest.fixture
def parties():
    return make_parties()


def meeting_on(start):
    return MeetingFactory(start_date=start, end_date=start + datetime.timedelta(days=4))


@pytest.fixture
def jwg():
    return meeting_on(datetime.date(2024, 4, 29))


def attend(session, party, status=Attendance.Status.PRESENT):
    """One delegate of `party` recorded at `session` with `status`."""
    delegation, _created = Delegation.objects.get_or_create(
        meeting=session.meeting, party=party
    )
    AttendanceFactory(
        registration=RegistrationFactory(delegation=delegation),
        session=session,
        status=status,
    )


def sentence_for(meeting, parties, codes, **kwargs):
    session = SessionFactory(meeting=meeting)
    for code in codes:
        attend(session, parties[code])
    return wording.meeting_sentence(meeting, **kwargs)


def without(*codes):
    return [code for code in AMS_2024 if code not in codes]


def test_all_member_states_present(parties, jwg):
    assert sentence_for(jwg, parties, AMS_2024) == (
        "The Meeting was attended by all ASEAN Member States."
    )


def test_one_absent(parties, jwg):
    assert sentence_for(jwg, parties, without("VNM")) == (
        "The Meeting was attended by all ASEAN Member States except Viet Nam."
    )


def test_two_absent_in_asean_order(parties, jwg):
    assert sentence_for(jwg, parties, without("VNM", "MMR")) == (
        "The Meeting was attended by all ASEAN Member States except Myanmar "
        "and Viet Nam."
    )


def test_three_absent_joined_with_commas_and_and(parties, jwg):
    assert sentence_for(jwg, parties, without("VNM", "KHM", "MMR")) == (
        "The Meeting was attended by all ASEAN Member States except Cambodia, "
        "Myanmar and Viet Nam."
    )


def test_half_present_is_still_all_except(parties, jwg):
    text = sentence_for(jwg, parties, ["BRN", "KHM", "IDN", "LAO", "MYS"])
    assert text == (
        "The Meeting was attended by all ASEAN Member States except Myanmar, "
        "Philippines, Singapore, Thailand and Viet Nam."
    )


def test_fewer_than_half_present_are_named_instead(parties, jwg):
    assert sentence_for(jwg, parties, ["IDN", "KHM", "BRN"]) == (
        "The Meeting was attended by Brunei Darussalam, Cambodia and Indonesia."
    )


def test_one_state_present_is_named(parties, jwg):
    assert sentence_for(jwg, parties, ["SGP"]) == (
        "The Meeting was attended by Singapore."
    )


def test_nobody_present(parties, jwg):
    assert sentence_for(jwg, parties, []) == (
        "No attendance was recorded for the Meeting."
    )


def test_no_member_state_but_partners(parties, jwg):
    assert sentence_for(jwg, parties, ["IGF", "KIGAM"]) == (
        "No ASEAN Member State attended the Meeting; it was attended by KIGAM and IGF."
    )


def test_partners_follow_dialogue_partners_first_then_organisations(parties, jwg):
    text = sentence_for(
        jwg, parties, [*without("VNM"), "IGF", "USAID", "ESCAP", "KIGAM"]
    )
    assert text == (
        "The Meeting was attended by all ASEAN Member States except Viet Nam, "
        "and by KIGAM, USAID, ESCAP and IGF."
    )


def test_the_secretariat_also_attended(parties, jwg):
    assert sentence_for(jwg, parties, [*AMS_2024, "ASEC", "IGF"]) == (
        "The Meeting was attended by all ASEAN Member States, and by IGF. "
        "The ASEAN Secretariat also attended."
    )


def test_the_secretariat_alone(parties, jwg):
    assert sentence_for(jwg, parties, ["ASEC"]) == (
        "No ASEAN Member State attended the Meeting. The ASEAN Secretariat "
        "attended the Meeting."
    )


def test_the_host_committee_is_not_named(parties, jwg):
    assert sentence_for(jwg, parties, [*AMS_2024, "IDNOC"]) == (
        "The Meeting was attended by all ASEAN Member States."
    )


def test_timor_leste_attends_2024_as_an_observer(parties, jwg):
    assert sentence_for(jwg, parties, [*without("VNM"), "TLS"]) == (
        "The Meeting was attended by all ASEAN Member States except Viet Nam. "
        "Timor-Leste attended as an observer."
    )


def test_timor_leste_not_missed_before_it_joined(parties, jwg):
    assert "Timor-Leste" not in sentence_for(jwg, parties, AMS_2024)


def test_two_observers(parties, jwg):
    parties["PNG"] = PartyFactory(
        code="PNG", name="Papua New Guinea", kind=PartyKind.OBSERVER, iso3="PNG"
    )
    text = sentence_for(jwg, parties, [*AMS_2024, "TLS", "PNG"])
    assert text.endswith(" Papua New Guinea and Timor-Leste attended as observers.")


def test_timor_leste_is_a_member_state_in_2026(parties):
    meeting = meeting_on(datetime.date(2026, 5, 4))
    assert sentence_for(meeting, parties, AMS_2024) == (
        "The Meeting was attended by all ASEAN Member States except Timor-Leste."
    )


def test_all_eleven_in_2026(parties):
    meeting = meeting_on(datetime.date(2026, 5, 4))
    assert sentence_for(meeting, parties, [*AMS_2024, "TLS"]) == (
        "The Meeting was attended by all ASEAN Member States."
    )


def test_on_the_day_of_admission_timor_leste_is_a_member(parties):
    meeting = meeting_on(datetime.date(2025, 10, 26))
    assert sentence_for(meeting, parties, AMS_2024).endswith("except Timor-Leste.")


def test_a_state_without_a_delegation_is_absent(parties, jwg):
    # Viet Nam was not even invited; it is a member state all the same.
    text = sentence_for(jwg, parties, without("VNM"))
    assert jwg.delegations.filter(party=parties["VNM"]).count() == 0
    assert text.endswith("except Viet Nam.")


def test_registered_is_not_attended(parties, jwg):
    """A delegation registered for the session, even recorded absent or
    excused, is absent: the sentence reads attendance, not registrations."""
    session = SessionFactory(meeting=jwg)
    for code in without("VNM", "MMR", "LAO"):
        attend(session, parties[code])
    registration = RegistrationFactory(
        delegation=DelegationFactory(meeting=jwg, party=parties["VNM"]),
        status=Registration.Status.APPROVED,
    )
    registration.sessions.add(session)
    attend(session, parties["MMR"], status=Attendance.Status.ABSENT)
    attend(session, parties["LAO"], status=Attendance.Status.EXCUSED)
    assert wording.meeting_sentence(jwg) == (
        "The Meeting was attended by all ASEAN Member States except Lao PDR, "
        "Myanmar and Viet Nam."
    )


def test_attendance_at_another_meeting_does_not_count(parties, jwg):
    other = meeting_on(datetime.date(2024, 4, 29))
    elsewhere = SessionFactory(meeting=other)
    attend(elsewhere, parties["VNM"])
    assert sentence_for(jwg, parties, without("VNM")).endswith("except Viet Nam.")


def test_a_session_is_named_by_its_body(parties, jwg):
    wgtim = SessionFactory(
        meeting=jwg, body=BodyFactory(acronym="WGTIM", name="Trade and Investment")
    )
    workshop = SessionFactory(
        meeting=jwg,
        body=BodyFactory(
            acronym="ASEAN-IGF-ASM", name="Workshop", kind=Body.Kind.WORKSHOP
        ),
    )
    for code in without("VNM"):
        attend(wgtim, parties[code])
    attend(workshop, parties["IGF"])
    whole, by_session = wording.attendance_summary(jwg, [wgtim, workshop])
    assert by_session == [
        (
            wgtim,
            "The WGTIM Meeting was attended by all ASEAN Member States except "
            "Viet Nam.",
        ),
        (
            workshop,
            "No ASEAN Member State attended the ASEAN-IGF-ASM Workshop; it was "
            "attended by IGF.",
        ),
    ]
    assert whole == (
        "The Meeting was attended by all ASEAN Member States except Viet Nam, "
        "and by IGF."
    )


def test_the_summary_takes_three_queries_however_many_sessions(
    parties, jwg, django_assert_num_queries
):
    sessions = [SessionFactory(meeting=jwg) for _ in range(2)]
    for code in AMS_2024:
        attend(sessions[0], parties[code])
    with django_assert_num_queries(3):
        wording.attendance_summary(jwg, sessions)
    sessions += [SessionFactory(meeting=jwg) for _ in range(4)]
    for session in sessions[2:]:
        for code in without("VNM"):
            attend(session, parties[code])
    with django_assert_num_queries(3):
        wording.attendance_summary(jwg, sessions)


@pytest.mark.parametrize(
    ("names", "joined"),
    [
        ([], ""),
        (["Viet Nam"], "Viet Nam"),
        (["Myanmar", "Viet Nam"], "Myanmar and Viet Nam"),
        (["Cambodia", "Myanmar", "Viet Nam"], "Cambodia, Myanmar and Viet Nam"),
    ],
)
def test_join_names(names, joined):
    assert wording.join_names(names) == joined


def test_join_names_takes_the_and_of_the_language(monkeypatch):
    catalogue = {"%(items)s and %(last)s": "%(items)s dan %(last)s"}
    monkeypatch.setattr(wording, "gettext", lambda text: catalogue.get(text, text))
    assert wording.join_names(["Kamboja", "Myanmar", "Viet Nam"]) == (
        "Kamboja, Myanmar dan Viet Nam"
    )


def test_the_sentence_is_made_in_the_language_asked(parties, jwg, monkeypatch):
    monkeypatch.setattr(
        wording, "gettext", lambda text: f"[{translation.get_language()}]{text}"
    )
    with translation.override("en"):
        text = sentence_for(jwg, parties, without("VNM"), language="id")
        assert translation.get_language() == "en"
    assert text.startswith("[id]")
    assert "[id]all ASEAN Member States except Viet Nam" in text


def test_the_11th_jwg_as_the_press_release_tells_it():
    call_command("seed_demo", verbosity=0)
    meeting = Meeting.objects.get(slug="jwg-11")
    assert wording.meeting_sentence(meeting) == (
        "The Meeting was attended by all ASEAN Member States except Viet Nam, "
        "and by KIGAM, USAID, CCOP, IGF and UN ESCAP. The ASEAN Secretariat also "
        "attended."
    )
