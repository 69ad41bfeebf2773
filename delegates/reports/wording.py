"""The fixed phrase of a meeting report that says who attended.

"The Meeting was attended by all ASEAN Member States except Viet Nam, and by
KIGAM, USAID, CCOP, ESCAP and IGF." is generated from the attendance records
(status present), never typed and never taken from the registrations: a
delegation that registered and did not come is absent.

How the sentence is made:

- The member states are the parties that were members on the meeting's
  first day (`Party.kind_on`), all of them, whether or not they were invited:
  ten for 2024, eleven from 26 October 2025 when Timor-Leste joined.
- All present: "all ASEAN Member States"; some absent: "all ASEAN Member
  States except Myanmar and Viet Nam", in ASEAN (alphabetical) order. When
  fewer than half came, "all ... except" seven names would hide who was
  there, so the states present are named instead: "attended by Brunei
  Darussalam, Cambodia and Indonesia". None: "No ASEAN Member State
  attended the Meeting".
- Then the Dialogue Partners and the international organisations present,
  partners first, each group alphabetically by the name shown. A state is
  named by its name, an organisation by its code (IGF, ESCAP, KIGAM), as
  meeting reports and the press release name them.
- Observers (Timor-Leste before it joined) in a sentence of their own, and
  the ASEAN Secretariat last: "The ASEAN Secretariat also attended." The
  host's organising committee runs the meeting and is not named.

Every phrase is a whole translatable sentence with named placeholders, and
lists are joined with a translatable "and" ("dan" in Bahasa Indonesia).
"""

import contextlib
from collections import defaultdict

from django.utils import translation
from django.utils.text import capfirst
from django.utils.translation import gettext, ngettext

from meetings.models import Body, PartyKind

from ..models import KIND_RANK, Attendance, Party

PARTNER_KINDS = (PartyKind.DIALOGUE_PARTNER, PartyKind.INTERNATIONAL_ORGANISATION)


def join_names(names) -> str:
    """ "A", "A and B", "A, B and C": no comma before "and", as ASEAN writes."""
    names = [str(name) for name in names]
    if len(names) < 2:
        return "".join(names)
    return gettext("%(items)s and %(last)s") % {
        "items": ", ".join(names[:-1]),
        "last": names[-1],
    }


def party_label(party) -> str:
    """How a report names a party (see Party.label)."""
    return party.label


def member_states_on(date) -> list:
    """Every party that was an ASEAN Member State on `date`, in ASEAN order."""
    states = Party.objects.filter(kind=PartyKind.MEMBER_STATE).order_by("name")
    return [party for party in states if party.is_member_state_on(date)]


def present_parties(meeting, *, session=None):
    """The parties with at least one delegate recorded present at the
    meeting (or at one of its sessions)."""
    attendances = Attendance.objects.filter(
        session__meeting=meeting, status=Attendance.Status.PRESENT
    )
    if session is not None:
        attendances = attendances.filter(session=session)
    return Party.objects.filter(
        pk__in=attendances.values("registration__delegation__party")
    )


def meeting_phrase(session=None) -> str:
    """ "the Meeting", or for one session "the WGTIM Meeting" (a workshop is
    a Workshop); lower case, to go inside a sentence."""
    if session is None:
        return gettext("the Meeting")
    if session.body.kind == Body.Kind.WORKSHOP:
        return gettext("the %(body)s Workshop") % {"body": session.body.acronym}
    return gettext("the %(body)s Meeting") % {"body": session.body.acronym}


def _in_order(parties, date):
    return sorted(
        parties,
        key=lambda party: (KIND_RANK[party.kind_on(date)], party_label(party)),
    )


def _states_phrase(members, present_members):
    absent = [party for party in members if party.pk not in present_members]
    if not absent:
        return gettext("all ASEAN Member States")
    if len(present_members) * 2 < len(members):
        present = [party for party in members if party.pk in present_members]
        return join_names(party_label(party) for party in present)
    return gettext("all ASEAN Member States except %(absent)s") % {
        "absent": join_names(party_label(party) for party in absent)
    }


def attendance_sentence(
    meeting, present_parties, *, language=None, subject=None, member_states=None
) -> str:
    """The report's sentence on who attended, from the parties present.

    `subject` is what was attended, as `meeting_phrase` gives it (the whole
    meeting by default); `member_states` saves a query when many sentences
    are made for one meeting (as `member_states_on(meeting.start_date)`).
    """
    override = translation.override(language) if language else contextlib.nullcontext()
    with override:
        return _sentence(meeting, present_parties, subject, member_states)


def _sentence(meeting, present_parties, subject, members):
    date = meeting.start_date
    subject = subject or meeting_phrase()
    if members is None:
        members = member_states_on(date)
    by_kind = defaultdict(list)
    for party in _in_order(present_parties, date):
        by_kind[party.kind_on(date)].append(party)
    present_members = {party.pk for party in by_kind[PartyKind.MEMBER_STATE]}
    others = join_names(
        party_label(party) for kind in PARTNER_KINDS for party in by_kind[kind]
    )
    observers = by_kind[PartyKind.OBSERVER]
    secretariat = bool(by_kind[PartyKind.ASEAN_SECRETARIAT])
    if not (present_members or others or observers or secretariat):
        return capfirst(
            gettext("No attendance was recorded for %(meeting)s.")
            % {"meeting": subject}
        )
    values = {"meeting": subject, "others": others}
    if present_members:
        values["states"] = _states_phrase(members, present_members)
        if others:
            text = gettext("%(meeting)s was attended by %(states)s, and by %(others)s.")
        else:
            text = gettext("%(meeting)s was attended by %(states)s.")
    elif others:
        text = gettext(
            "No ASEAN Member State attended %(meeting)s; it was attended by %(others)s."
        )
    else:
        text = gettext("No ASEAN Member State attended %(meeting)s.")
    sentences = [capfirst(text % values)]
    if observers:
        sentences.append(
            ngettext(
                "%(names)s attended as an observer.",
                "%(names)s attended as observers.",
                len(observers),
            )
            % {"names": join_names(party_label(party) for party in observers)}
        )
    if secretariat:
        if present_members or others or observers:
            sentences.append(gettext("The ASEAN Secretariat also attended."))
        else:
            sentences.append(
                capfirst(
                    gettext("The ASEAN Secretariat attended %(meeting)s.")
                    % {"meeting": subject}
                )
            )
    return " ".join(sentences)


def meeting_sentence(meeting, *, language=None) -> str:
    """The sentence for the whole meeting, from its attendance records."""
    return attendance_sentence(meeting, present_parties(meeting), language=language)


def session_sentence(session, *, language=None) -> str:
    """The sentence for one session ("The WGTIM Meeting was attended by
    ..."), from its attendance records; "" when none records anyone present."""
    parties = list(present_parties(session.meeting, session=session))
    if not parties:
        return ""
    return attendance_sentence(
        session.meeting,
        parties,
        language=language,
        subject=meeting_phrase(session),
    )


def attendance_summary(meeting, sessions, *, language=None):
    """The sentence for the whole meeting, then (session, sentence) for each
    of `sessions`: three queries however many sessions and records."""
    pairs = (
        Attendance.objects.filter(
            session__meeting=meeting, status=Attendance.Status.PRESENT
        )
        .values_list("session_id", "registration__delegation__party_id")
        .distinct()
    )
    by_session = defaultdict(set)
    for session_id, party_id in pairs:
        by_session[session_id].add(party_id)
    everyone = set().union(*by_session.values())
    parties = {party.pk: party for party in Party.objects.filter(pk__in=everyone)}
    members = member_states_on(meeting.start_date)

    def sentence(party_ids, session=None):
        return attendance_sentence(
            meeting,
            [parties[pk] for pk in party_ids],
            language=language,
            subject=meeting_phrase(session) if session else None,
            member_states=members,
        )

    override = translation.override(language) if language else contextlib.nullcontext()
    with override:
        return sentence(everyone), [
            (session, sentence(by_session[session.pk], session)) for session in sessions
        ]
