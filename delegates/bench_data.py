"""A large, realistic data set for the benchmarks in `bench/`.

Many meetings of the same bodies, twice a year: the JWG with its associated
meetings as sessions (the demo's programme), a delegation per party, people
who come back from one meeting to the next, registrations in every status,
badge codes, and attendance at each session of the past meetings. The bodies
and parties are the demo's (`delegates.demo`).

The last three meetings have parts to play:

- the last is upcoming, with registration open (the registration form);
- the one before is under way, its first day yesterday (the check-in desk);
- the one before that is past and the largest, holding at least
  `attendance_rows` attendance records (the attendance exports).

Rows are written with `bulk_create` in batches, so the database's
constraints and triggers (`jwg_portal.db_rules`) hold the data to the same
rules as the services, but no service runs and no mail is sent. Everything
is drawn from a seeded random generator, so two runs with the same sizes
write the same people, choices and statuses (codes and tokens stay random).
"""

import contextlib
import datetime
import itertools
import random
import re
import secrets
import unicodedata
import zoneinfo
from collections import Counter
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.utils import timezone

from delegates.demo import data as demo_data
from delegates.demo import loader as demo_loader
from delegates.models import (
    Attendance,
    BadgeCode,
    Delegate,
    Delegation,
    Registration,
    RegistrationEvent,
    new_token,
)
from meetings.cache import programme_changed
from meetings.models import AgendaItem, Meeting, PartyKind, Session

SLUG_PREFIX = "jwg-bench-"
# RFC 2606: no mail to a real person. The benchmark's own submissions use a
# subdomain, so that they can be told apart and removed before each run.
EMAIL_DOMAIN = "bench.example.org"
SUBMISSION_EMAIL_DOMAIN = f"post.{EMAIL_DOMAIN}"
# The JWG's 101st meeting onwards: clear of the demo's 11th and 12th.
FIRST_NUMBER = 101
BATCH_SIZE = 2000
MONTHS_BETWEEN_MEETINGS = 6
LENGTH_DAYS = 5

Status = Registration.Status
Role = Registration.Role

_MARKER = re.compile(
    r"meetings=(?P<meetings>\d+) registrations=(?P<registrations>\d+) "
    r"attendance_rows=(?P<attendance_rows>\d+)"
)

# The chair rotates in alphabetical order; each host with its zone and a city.
HOSTS = (
    ("BRN", "Asia/Brunei", "Bandar Seri Begawan"),
    ("KHM", "Asia/Phnom_Penh", "Siem Reap"),
    ("IDN", "Asia/Makassar", "Kuta, Bali"),
    ("LAO", "Asia/Vientiane", "Vientiane"),
    ("MYS", "Asia/Kuala_Lumpur", "Kuala Lumpur"),
    ("MMR", "Asia/Yangon", "Nay Pyi Taw"),
    ("PHL", "Asia/Manila", "Manila"),
    ("SGP", "Asia/Singapore", "Singapore"),
    ("THA", "Asia/Bangkok", "Bangkok"),
    ("VNM", "Asia/Ho_Chi_Minh", "Hanoi"),
)
HOST_COMMITTEES = {"IDN": "IDNOC", "MYS": "MYSOC"}

# Fictional names in each member state's usage; organisations draw from all.
NAMES = {
    "BRN": (("Hazri", "Nurul Aini", "Awang", "Siti Hajar"), ("Osman", "Yusof")),
    "KHM": (("Sokha", "Dara", "Chenda", "Vannak"), ("Chan", "Sok", "Kim", "Heng")),
    "IDN": (("Budi", "Sri", "Agus", "Dewi", "Rizky"), ("Santoso", "Wulandari")),
    "LAO": (("Khamphone", "Souksavanh", "Noy"), ("Phommachanh", "Vongsa")),
    "MYS": (("Ahmad", "Nurul Huda", "Kah Leong", "Priya"), ("Ismail", "Wong")),
    "MMR": (("Aung", "Thandar", "Kyaw", "Myat"), ("Win", "Htun", "Oo")),
    "PHL": (("Jose", "Maria Cristina", "Ramon", "Liza"), ("Santos", "Reyes")),
    "SGP": (("Wei Ling", "Rajesh", "Hui Min", "Daniel"), ("Tan", "Lim", "Nair")),
    "THA": (("Somchai", "Siriporn", "Anan", "Kanya"), ("Srisuk", "Chaiyaporn")),
    "VNM": (("Minh", "Thị Lan", "Đức Anh", "Hương"), ("Nguyễn", "Trần", "Phạm")),
    "TLS": (("José", "Ana", "Mateus", "Filomena"), ("da Costa", "Soares")),
}
POSITIONS = (
    "Director",
    "Deputy Director",
    "Senior Officer",
    "Geologist",
    "Mining Engineer",
    "Policy Analyst",
    "Programme Officer",
    "Assistant Director",
)
DIETS = ("", "", "", "", "", "Halal", "Vegetarian", "No seafood")

# The mix of statuses for each part a meeting plays, as weights.
STATUS_MIX = {
    "past": {
        Status.APPROVED: 86,
        Status.WITHDRAWN: 5,
        Status.REJECTED: 4,
        Status.WAITLISTED: 5,
    },
    "current": {
        Status.APPROVED: 90,
        Status.WITHDRAWN: 4,
        Status.REJECTED: 3,
        Status.WAITLISTED: 3,
    },
    "open": {
        Status.PENDING: 45,
        Status.APPROVED: 40,
        Status.WAITLISTED: 5,
        Status.REJECTED: 4,
        Status.WITHDRAWN: 6,
    },
}
ATTENDANCE_MIX = {
    Attendance.Status.PRESENT: 93,
    Attendance.Status.ABSENT: 4,
    Attendance.Status.EXCUSED: 3,
}
# Member states send the largest delegations.
PARTY_WEIGHT = {PartyKind.MEMBER_STATE: 4, PartyKind.ASEAN_SECRETARIAT: 2}
# How many new people each delegation brings to each meeting.
TURNOVER = 2


class SeedError(Exception):
    """The sizes asked for cannot be met."""


@dataclass(frozen=True)
class Sizes:
    meetings: int = 20
    registrations: int = 20_000
    attendance_rows: int = 100_000

    def marker(self):
        return (
            f"meetings={self.meetings} registrations={self.registrations} "
            f"attendance_rows={self.attendance_rows}"
        )


@dataclass
class _MeetingPlan:
    index: int
    part: str  # past, current or open
    host: str
    time_zone: str
    city: str
    start_date: datetime.date
    meeting: Meeting | None = None
    sessions: list = field(default_factory=list)
    delegations: list = field(default_factory=list)
    registrations: list = field(default_factory=list)

    @property
    def tz(self):
        return zoneinfo.ZoneInfo(self.time_zone)


@dataclass
class _RegistrationPlan:
    delegation: Delegation
    sequence: int
    status: str
    role: str
    session_orders: tuple
    needs_visa_letter: bool
    created_at: datetime.datetime
    person: int = 0
    registration: Registration | None = None


def bench_meetings():
    return Meeting.objects.filter(slug__startswith=SLUG_PREFIX)


def meeting_slug(index):
    return f"{SLUG_PREFIX}{index:02d}"


def parts(meetings=None):
    """The meetings that play a part: {"open", "current", "export"}."""
    ordered = list(meetings or bench_meetings().order_by("number"))
    if len(ordered) < 3:
        return {}
    return {"open": ordered[-1], "current": ordered[-2], "export": ordered[-3]}


def seeded_sizes():
    """The sizes the benchmark data were seeded with, or None."""
    first = bench_meetings().order_by("number").first()
    match = _MARKER.search(first.description) if first is not None else None
    if match is None:
        return None
    return Sizes(**{name: int(value) for name, value in match.groupdict().items()})


def seed_state(sizes, *, now=None):
    """'absent', 'current' (seeded with these sizes, registration still
    open) or 'stale' (other sizes, or a window that has closed since)."""
    held = seeded_sizes()
    if held is None and not bench_meetings().exists():
        return "absent"
    if held != sizes:
        return "stale"
    open_meeting = parts()["open"]
    if open_meeting.registration_state(now) != "open":
        return "stale"
    return "current"


def reset():
    """Delete the benchmark's meetings and people, the largest tables first
    in plain SQL (no per-row signals), the rest through the ORM."""
    meetings = bench_meetings()
    registrations = Registration.objects.filter(meeting__in=meetings)
    with transaction.atomic():
        _raw_delete(Attendance.objects.filter(session__meeting__in=meetings))
        _raw_delete(BadgeCode.objects.filter(registration__in=registrations))
        _raw_delete(RegistrationEvent.objects.filter(registration__in=registrations))
        _raw_delete(
            Registration.sessions.through.objects.filter(registration__in=registrations)
        )
        registrations.delete()
        meetings.delete()
        Delegate.objects.filter(
            email__iendswith=EMAIL_DOMAIN, registrations__isnull=True
        ).delete()
        programme_changed()


def _raw_delete(queryset):
    """One DELETE statement, whatever listens to the model's signals."""
    sql, params = queryset.values("pk").query.sql_with_params()
    table = connection.ops.quote_name(queryset.model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE id IN ({sql})", params)
        return cursor.rowcount


def seed(sizes: Sizes, *, today=None, seed=7):
    """Write the data set; returns the number of rows written per model."""
    if sizes.meetings < 3:
        raise SeedError("The benchmark needs at least 3 meetings.")
    today = today or timezone.localdate()
    rng = random.Random(seed)
    written = Counter()
    with transaction.atomic(), _stamps_as_given():
        tally = demo_loader.Tally()
        bodies = demo_loader.load_bodies(tally)
        parties = demo_loader.load_parties(tally)
        plans = _plan_meetings(sizes, today)
        _create_meetings(plans, bodies, sizes, written)
        _create_delegations(plans, parties, written)
        _plan_registrations(plans, sizes, rng)
        people = _create_delegates(plans, rng, written)
        _create_registrations(plans, people, rng, written)
        _create_badges(plans, written)
        _create_attendance(plans, today, rng, written)
        # bulk_create sends no signal: the cached programme pages would not know.
        programme_changed()
    analyse()
    return written


def analyse():
    """Refresh the planner's statistics, as autovacuum would in time: right
    after a bulk load they describe empty tables, and the plans that follow
    from them are not the ones a real database gets."""
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


@contextlib.contextmanager
def _stamps_as_given():
    """Let `bulk_create` keep the submission and record times it is given.

    `auto_now_add` would stamp every row with the moment of seeding, and a
    date hierarchy or a report over one instant is no benchmark.
    """
    stamped = [
        Registration._meta.get_field("created_at"),
        RegistrationEvent._meta.get_field("at"),
    ]
    for model_field in stamped:
        model_field.auto_now_add = False
    try:
        yield
    finally:
        for model_field in stamped:
            model_field.auto_now_add = True


def _plan_meetings(sizes, today):
    current_start = today - datetime.timedelta(days=1)
    plans = []
    for index in range(1, sizes.meetings + 1):
        host, zone, city = HOSTS[(index - 1) % len(HOSTS)]
        if index == sizes.meetings:
            part = "open"
            start = today + datetime.timedelta(days=60)
        elif index == sizes.meetings - 1:
            part, start = "current", current_start
        else:
            part = "past"
            months = MONTHS_BETWEEN_MEETINGS * (sizes.meetings - 1 - index)
            start = current_start - datetime.timedelta(days=round(months * 30.44))
        plans.append(_MeetingPlan(index, part, host, zone, city, start))
    return plans


def _ordinal(number):
    teens = 10 <= number % 100 <= 20
    suffix = "th" if teens else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"


def _create_meetings(plans, bodies, sizes, written):
    now = timezone.now()
    meetings = []
    for plan in plans:
        number = FIRST_NUMBER + plan.index - 1
        tz = plan.tz
        start = plan.start_date
        opens = datetime.datetime.combine(
            start - datetime.timedelta(days=90), datetime.time(9), tzinfo=tz
        )
        closes = datetime.datetime.combine(
            start - datetime.timedelta(days=14), datetime.time(), tzinfo=tz
        )
        if plan.part == "open":
            opens = now - datetime.timedelta(days=30)
        if plan.part == "past":
            status = (
                Meeting.Status.ARCHIVED
                if start < timezone.localdate() - datetime.timedelta(days=365)
                else Meeting.Status.CLOSED
            )
        else:
            status = Meeting.Status.PUBLISHED
        meeting = Meeting(
            slug=meeting_slug(plan.index),
            title=(
                f"{_ordinal(number)} Joint Working Group Meeting on ASEAN Mineral "
                "Cooperation and Its Associated Meetings (benchmark)"
            ),
            body=bodies["JWG"],
            number=number,
            host_country=plan.host,
            city=plan.city,
            start_date=start,
            end_date=start + datetime.timedelta(days=LENGTH_DAYS - 1),
            time_zone=plan.time_zone,
            registration_opens_at=opens,
            registration_closes_at=closes,
            status=status,
            is_demo=True,
            description=(
                "Invented for the benchmarks by `manage.py seed_bench` "
                f"({sizes.marker()}); the delegates are fictional."
            ),
        )
        # Done by save(), which bulk_create does not call.
        meeting.window_starts_at, meeting.window_ends_at = meeting.local_window()
        plan.meeting = meeting
        meetings.append(meeting)
    _insert(Meeting, meetings, written)
    sessions, agenda = [], []
    for plan in plans:
        for row in demo_data.JWG12_SESSIONS:
            day = plan.start_date + datetime.timedelta(days=row["day"])
            session = Session(
                meeting=plan.meeting,
                body=bodies[row["body"]],
                title=row["title"],
                starts_at=datetime.datetime.combine(day, row["starts"], plan.tz),
                ends_at=datetime.datetime.combine(day, row["ends"], plan.tz),
                open_to=list(row["open_to"]),
                order=row["order"],
                times_tentative=plan.part == "open",
            )
            plan.sessions.append(session)
            sessions.append(session)
            agenda += [
                AgendaItem(
                    session=session,
                    number=str(position),
                    order=position,
                    title=title,
                    description=description,
                )
                for position, (title, description) in enumerate(row["agenda"], 1)
            ]
    _insert(Session, sessions, written)
    _insert(AgendaItem, agenda, written)


def _create_delegations(plans, parties, written):
    delegations = []
    for plan in plans:
        codes = [code for code, _name, _joined in demo_data.MEMBER_STATES]
        codes += ["ASEC", "IGF", "ESCAP", "CCOP", "KIGAM"]
        if plan.start_date.year < 2025:
            codes.append("USAID")
        if plan.host in HOST_COMMITTEES:
            codes.append(HOST_COMMITTEES[plan.host])
        for code in codes:
            delegation = Delegation(meeting=plan.meeting, party=parties[code])
            plan.delegations.append(delegation)
            delegations.append(delegation)
    _insert(Delegation, delegations, written)


def _weighted(rng, weights):
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _registration_stream(plan, rng):
    """Registrations for one meeting, one after another, for ever: the
    delegations in turn by weight, each starting with its Head."""
    cycle = []
    for delegation in plan.delegations:
        kind = delegation.party.kind_on(plan.start_date)
        cycle += [delegation] * PARTY_WEIGHT.get(kind, 1)
    sequences = Counter()
    window_start = plan.meeting.registration_opens_at
    window_end = min(plan.meeting.registration_closes_at, timezone.now())
    window = max((window_end - window_start).total_seconds(), 3600)
    for delegation in itertools.cycle(cycle):
        sequence = sequences[delegation.pk] = sequences[delegation.pk] + 1
        kind = delegation.party.kind_on(plan.start_date)
        status = _weighted(rng, STATUS_MIX[plan.part])
        if sequence == 1:
            role = Role.HEAD
            status = Status.PENDING if plan.part == "open" else Status.APPROVED
        elif kind == PartyKind.ASEAN_SECRETARIAT:
            role = Role.SECRETARIAT
        elif kind == PartyKind.HOST_COMMITTEE:
            role = Role.ORGANISING_COMMITTEE
        elif kind == PartyKind.OBSERVER:
            role = Role.OBSERVER
        elif sequence == 2:
            role = Role.ALTERNATE
        else:
            role = Role.RESOURCE_PERSON if rng.random() < 0.05 else Role.DELEGATE
        open_orders = [s.order for s in plan.sessions if s.is_open_to(kind)]
        if plan.part == "past" and rng.random() < 0.3:
            # Some come for the JWG and a few of the working groups only.
            chosen = {2} | set(rng.sample(open_orders, k=len(open_orders) // 2))
            orders = tuple(o for o in open_orders if o in chosen)
        else:
            orders = tuple(open_orders)
        yield _RegistrationPlan(
            delegation=delegation,
            sequence=sequence,
            status=status,
            role=role,
            session_orders=orders,
            needs_visa_letter=kind != PartyKind.MEMBER_STATE and rng.random() < 0.5,
            created_at=window_start
            + datetime.timedelta(seconds=rng.uniform(0, window)),
        )


def _plan_registrations(plans, sizes, rng):
    """Share the registrations out; the export meeting takes what its
    attendance needs, the others the rest in equal parts."""
    export = plans[-3]
    others = [plan for plan in plans if plan is not export]
    if sizes.attendance_rows:
        rows = 0
        stream = _registration_stream(export, rng)
        while rows < sizes.attendance_rows:
            registration = next(stream)
            export.registrations.append(registration)
            if registration.status == Status.APPROVED:
                rows += len(registration.session_orders)
    spare = sizes.registrations - len(export.registrations)
    floor = len(plans[-1].delegations) * len(others)
    if spare < floor:
        needed = len(export.registrations) + floor
        raise SeedError(
            f"{sizes.attendance_rows} attendance rows in one meeting and a "
            f"delegation's worth at the others need --registrations {needed} "
            "or more."
        )
    if not sizes.attendance_rows:
        others.append(export)
    share, extra = divmod(spare, len(others))
    for position, plan in enumerate(others):
        count = share + (position < extra)
        plan.registrations += itertools.islice(_registration_stream(plan, rng), count)
    # A delegation's k-th registration at the n-th meeting is its person
    # k + TURNOVER * n: the same people come back, a few new each time.
    for plan in plans:
        for registration in plan.registrations:
            registration.person = registration.sequence - 1 + TURNOVER * plan.index


def _create_delegates(plans, rng, written):
    """The people the plans name; returns them by (party code, number)."""
    named = sorted(
        {
            (registration.delegation.party.code, registration.person)
            for plan in plans
            for registration in plan.registrations
        }
    )
    member_codes = [code for code, _name, _joined in demo_data.MEMBER_STATES]
    agencies = {row["party"]: row["agency"] for row in demo_data.DELEGATIONS}
    people = {}
    delegates = []
    for code, person in named:
        nationality = code if code in NAMES else rng.choice(member_codes)
        givens, families = NAMES[nationality]
        given, family = rng.choice(givens), rng.choice(families)
        delegate = Delegate(
            honorific=rng.choice(("Mr", "Ms", "Dr", "Mr", "Ms", "Ir.")),
            given_name=given,
            family_name=family,
            position=rng.choice(POSITIONS),
            agency=agencies.get(code) or "Ministry responsible for minerals",
            email=_email(given, family, code, person),
            phone=f"+{rng.randint(60, 95)} {rng.randint(100, 999)} "
            f"{rng.randint(1000, 9999)}",
            nationality=nationality,
            dietary_requirements=rng.choice(DIETS),
            preferred_language="id" if nationality == "IDN" else "en",
        )
        if code not in member_codes:
            # Those who may need a letter of invitation for a visa.
            delegate.passport_number = f"P{rng.randint(1000000, 9999999)}"
            delegate.passport_expiry = datetime.date(2036, 1, 1)
            delegate.passport_country = nationality
        people[code, person] = delegate
        delegates.append(delegate)
    _insert(Delegate, delegates, written)
    return people


def _email(given, family, code, person):
    plain = unicodedata.normalize("NFKD", f"{given} {family}")
    local = ".".join(
        plain.encode("ascii", "ignore").decode().lower().replace("-", "").split()
    )
    return f"{local}.{code.lower()}{person}@{EMAIL_DOMAIN}"


def _prefix(meeting):
    return f"{meeting.body.acronym.replace('-', '')}{meeting.number}"


def _create_registrations(plans, people, rng, written):
    registrations = []
    for plan in plans:
        prefix = _prefix(plan.meeting)
        for item in plan.registrations:
            delegation = item.delegation
            decided = item.status != Status.PENDING
            decided_at = item.created_at + datetime.timedelta(days=rng.randint(1, 7))
            endorsed = delegation.party.kind == PartyKind.MEMBER_STATE and (
                decided or rng.random() < 0.6
            )
            item.registration = Registration(
                meeting=plan.meeting,
                delegation=delegation,
                delegate=people[delegation.party.code, item.person],
                role=item.role,
                status=item.status,
                reference=f"{prefix}-{delegation.party.code}-{item.sequence:03d}",
                token=new_token(),
                needs_visa_letter=item.needs_visa_letter,
                consent_privacy_at=item.created_at,
                consent_publish=rng.random() < 0.8,
                decided_at=decided_at if decided else None,
                endorsement=(
                    Registration.Endorsement.ENDORSED
                    if endorsed
                    else Registration.Endorsement.AWAITING
                ),
                endorsed_at=item.created_at if endorsed else None,
                created_at=item.created_at,
            )
            registrations.append(item.registration)
    _insert(Registration, registrations, written)

    def choices():
        for plan in plans:
            sessions = {session.order: session for session in plan.sessions}
            for item in plan.registrations:
                for order in item.session_orders:
                    yield Registration.sessions.through(
                        registration=item.registration, session=sessions[order]
                    )

    def events():
        for plan in plans:
            for item in plan.registrations:
                registration = item.registration
                yield RegistrationEvent(
                    registration=registration,
                    at=item.created_at,
                    action="submitted",
                    to_status=Status.PENDING,
                )
                if registration.status != Status.PENDING:
                    yield RegistrationEvent(
                        registration=registration,
                        at=registration.decided_at,
                        action=registration.status,
                        from_status=Status.PENDING,
                        to_status=registration.status,
                    )

    _insert(Registration.sessions.through, choices(), written)
    _insert(RegistrationEvent, events(), written)


def _create_badges(plans, written):
    """A live badge code for every approved registration; one in fifty was
    reissued, so a revoked code stands beside the live one."""

    def badges():
        for plan in plans:
            for number, item in enumerate(plan.registrations):
                registration = item.registration
                if registration.status != Status.APPROVED:
                    continue
                if number % 50 == 49:
                    yield BadgeCode(
                        registration=registration,
                        code=secrets.token_urlsafe(18),
                        revoked_at=registration.decided_at,
                    )
                yield BadgeCode(
                    registration=registration, code=secrets.token_urlsafe(18)
                )

    _insert(BadgeCode, badges(), written)


def _create_attendance(plans, today, rng, written):
    """Attendance at every session of the past meetings, and at the current
    meeting's sessions of the days already over, for each approved person
    who chose the session."""

    def records():
        for plan in plans:
            if plan.part == "open":
                continue
            ahead = set(_days_ahead(plan.sessions, plan.tz, today))
            over = [session for session in plan.sessions if session not in ahead]
            for item in plan.registrations:
                if item.status != Status.APPROVED:
                    continue
                for session in over:
                    if session.order not in item.session_orders:
                        continue
                    status = _weighted(rng, ATTENDANCE_MIX)
                    present = status == Attendance.Status.PRESENT
                    yield Attendance(
                        registration=item.registration,
                        session=session,
                        status=status,
                        method=(
                            Attendance.Method.SCAN
                            if present and rng.random() < 0.8
                            else Attendance.Method.SHEET
                        ),
                        recorded_at=session.starts_at
                        + datetime.timedelta(minutes=rng.randint(0, 45)),
                    )

    _insert(Attendance, records(), written)


def _days_ahead(sessions, tz, today):
    return [s for s in sessions if timezone.localtime(s.starts_at, tz).date() >= today]


def sessions_to_scan(today=None):
    """The sessions of the meeting under way on its days not yet over: the
    seed records no attendance there, so the check-in desk can."""
    meeting = parts()["current"]
    sessions = meeting.sessions.order_by("starts_at", "order")
    return _days_ahead(sessions, meeting.tz, today or timezone.localdate())


def _insert(model, objects, written):
    """bulk_create in batches, taking from an iterable one batch at a time."""
    objects = iter(objects)
    while batch := list(itertools.islice(objects, BATCH_SIZE)):
        model.objects.bulk_create(batch)
        written[model._meta.label] += len(batch)
