"""Write the demo content to the database, the same way every time.

Each row is found by its natural key and made to hold the data; it is saved
only when something differs, so a second run writes nothing (not even an
`updated_at`) and a run after someone edited a demo row puts it back.

The loader writes through the ORM rather than the services: the services
model what people do (submit, approve, record attendance, with the mail that
goes with it), while the loader restores a known state and must send no mail.
The database's constraints and triggers still hold it to the same rules.

The 12th JWG is the exception in two ways. Its dates are worked out from the
day the loader runs, so a later run moves it (while it is still demo content).
And it is there to be played with: its registrations are created once and
then left to whatever visitors do with them; a later run only puts back one
that was deleted, if that breaks no rule.
"""

import datetime
import secrets
import zoneinfo
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.db import models
from django.utils import timezone

from accounts.roles import FOCAL_POINT, role_assign
from delegates.models import (
    ActionItemParty,
    Attendance,
    Delegate,
    Delegation,
    Party,
    Registration,
    email_is,
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
from meetings.services import minutes_record_revision

from . import data

SUPERUSER_NAME = "admin"

# The order of the summary line.
SUMMARY_MODELS = (
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
)


@dataclass
class Tally:
    """What a run found, created and changed, per model."""

    # The primary keys seen, per model: a delegate of both meetings counts once.
    seen: defaultdict = field(default_factory=lambda: defaultdict(set))
    created: Counter = field(default_factory=Counter)
    updated: Counter = field(default_factory=Counter)
    # Rows created in this run, whose relations being filled is no update.
    fresh: set = field(default_factory=set)
    # (username, party, password) of each focal-point user created or reset.
    accounts: list = field(default_factory=list)
    # What the run left alone, and why, for the person running it.
    notes: list = field(default_factory=list)

    def see(self, obj):
        self.seen[type(obj)].add(obj.pk)

    def summary(self):
        counts = ", ".join(
            f"{model._meta.verbose_name_plural} {len(self.seen[model])}"
            for model in SUMMARY_MODELS
        )
        return (
            f"Demo loaded: {counts}; "
            f"{self.created.total()} created, {self.updated.total()} updated."
        )


def sync(tally, model, keys, values):
    """The row of `model` found by `keys`, created or changed to hold `values`."""
    try:
        obj = model.objects.get(**keys)
    except model.DoesNotExist:
        obj = _create(tally, model, {**keys, **values})
        tally.see(obj)
        return obj
    tally.see(obj)
    changed = [name for name, value in values.items() if _differs(obj, name, value)]
    if changed:
        for name in changed:
            setattr(obj, name, values[name])
        # With update_fields, Django writes an auto_now field only if named.
        stamps = [
            f.name for f in model._meta.concrete_fields if getattr(f, "auto_now", False)
        ]
        obj.save(update_fields=[*changed, *stamps])
        tally.updated[model] += 1
    return obj


def _create(tally, model, values):
    obj = model.objects.create(**values)
    # An auto_now_add field takes the clock's time on insert whatever it is
    # given; the demo's own time goes in after, or the next run would see a
    # difference and write it.
    stamps = {
        name: value
        for name, value in values.items()
        if getattr(model._meta.get_field(name), "auto_now_add", False)
    }
    if stamps:
        model.objects.filter(pk=obj.pk).update(**stamps)
        for name, value in stamps.items():
            setattr(obj, name, value)
    tally.created[model] += 1
    tally.fresh.add((model, obj.pk))
    return obj


def _differs(obj, name, value):
    model_field = obj._meta.get_field(name)
    if isinstance(model_field, models.ForeignKey):
        return getattr(obj, model_field.attname) != (value.pk if value else None)
    return getattr(obj, name) != value


def sync_many(tally, obj, name, targets):
    """Make the many-to-many `name` of `obj` hold exactly `targets`."""
    manager = getattr(obj, name)
    if set(manager.values_list("pk", flat=True)) != {t.pk for t in targets}:
        manager.set(targets)
        if (type(obj), obj.pk) not in tally.fresh:
            tally.updated[type(obj)] += 1


def load_demo(*, with_users=False, password=None):
    """Load every part of the demo; returns the tally for the summary.

    With `with_users`, also creates (or resets the password of) a focal-point
    user for each member state, with `password` or a generated one. Raises
    django.core.exceptions.ValidationError for a password the validators
    refuse.
    """
    tally = Tally()
    bodies = load_bodies(tally)
    parties = load_parties(tally)
    jwg11 = load_jwg11(tally, bodies, parties)
    load_jwg11_minutes(tally, jwg11, bodies, parties)
    schedule = jwg12_schedule(timezone.localdate())
    jwg12 = load_jwg12(tally, bodies, parties, schedule)
    if with_users:
        # In ASEAN order: alphabetically, Timor-Leste before Viet Nam.
        members = sorted(
            (
                party
                for party in parties.values()
                if party.is_member_state_on(schedule.start_date)
            ),
            key=lambda party: party.name,
        )
        meetings = [m for m in (jwg11, jwg12) if m is not None]
        ensure_focal_points(tally, members, meetings, password)
    if jwg12 is not None:
        load_jwg12_registrations(tally, jwg12, schedule)
    return tally


def load_bodies(tally):
    """The bodies by acronym."""
    bodies = {}
    for row in data.BODIES:
        values = {**row, "parent": bodies[row["parent"]] if row["parent"] else None}
        acronym = values.pop("acronym")
        bodies[acronym] = sync(tally, Body, {"acronym": acronym}, values)
    return bodies


def load_parties(tally):
    """The parties by code."""
    parties = {}
    for code, name, joined in data.MEMBER_STATES:
        parties[code] = sync(
            tally,
            Party,
            {"code": code},
            {
                "name": name,
                "kind": PartyKind.MEMBER_STATE,
                "iso3": code,
                "asean_member_since": joined,
            },
        )
    for code, name, kind in data.OTHER_PARTIES:
        parties[code] = sync(
            tally,
            Party,
            {"code": code},
            {
                "name": name,
                "short_name": data.SHORT_NAMES.get(code, ""),
                "kind": kind,
                "iso3": None,
                "asean_member_since": None,
            },
        )
    return parties


def load_jwg11(tally, bodies, parties):
    """The 11th JWG of 2024: programme, delegations, delegates, attendance."""
    values = {**data.JWG11, "body": bodies[data.JWG11["body"]]}
    slug = values.pop("slug")
    meeting = sync(
        tally,
        Meeting,
        {"slug": slug},
        {**values, "status": Meeting.Status.CLOSED, "is_demo": False},
    )
    sessions = load_sessions(tally, meeting, bodies, data.SESSIONS)
    load_delegations(tally, meeting, parties, sessions, data.DELEGATIONS)
    return meeting


def load_jwg11_minutes(tally, meeting, bodies, parties):
    """Draft minutes of the JWG session, from the press release alone.

    Found by session, their records by agenda item, conclusions and actions
    by record and text. Minutes someone has made their own (no longer demo
    content) are left alone. The first revision is kept only when the minutes
    are created, so a later run that puts back an edit adds none.
    """
    spec = data.JWG11_MINUTES
    session = meeting.sessions.get(order=spec["session_order"])
    existing = Minutes.objects.filter(session=session).first()
    if existing is not None and not existing.is_demo:
        tally.notes.append(
            f"The minutes of {meeting.slug}'s {session.body.acronym} session are "
            "no longer demo content, so they were left alone."
        )
        return None
    minutes = sync(
        tally,
        Minutes,
        {"session": session},
        {
            "status": Minutes.Status.DRAFT,
            "introduction": spec["introduction"],
            "circulated_at": None,
            "comments_due": None,
            "adopted_on": None,
            "is_demo": True,
        },
    )
    created = (Minutes, minutes.pk) in tally.fresh
    agenda = {a.number: a for a in session.agenda_items.all()}
    for number, row in spec["items"].items():
        item = sync(
            tally,
            MinutesItem,
            {"agenda_item": agenda[number]},
            {"minutes": minutes, "discussion": row["discussion"]},
        )
        for order, (kind, text) in enumerate(row.get("conclusions", ()), start=1):
            # Keyed by position, so a reworded demo conclusion is updated in
            # place rather than added beside the old wording.
            sync(
                tally,
                Conclusion,
                {"item": item, "order": order},
                {"kind": kind, "text": text},
            )
        for action_row in row.get("actions", ()):
            action = sync(
                tally,
                ActionItem,
                {"item": item, "text": action_row["text"]},
                {
                    "responsible_note": action_row["responsible_note"],
                    "due_date": None,
                    "status": ActionItem.Status.OPEN,
                    "progress_note": "",
                },
            )
            sync_many(
                tally,
                action,
                "responsible_bodies",
                [bodies[acronym] for acronym in action_row["bodies"]],
            )
            for code in action_row["parties"]:
                sync(
                    tally,
                    ActionItemParty,
                    {"action_item": action, "party": parties[code]},
                    {},
                )
    if created:
        revision = minutes_record_revision(
            minutes=minutes,
            by=None,
            action="started",
            note="Demo content loaded by seed_demo from the press release.",
        )
        tally.see(revision)
        tally.created[MinutesRevision] += 1
    return minutes


def load_sessions(tally, meeting, bodies, rows):
    """The meeting's sessions and their agendas, by order."""
    tz = meeting.tz
    sessions = {}
    for row in rows:
        session = sync(
            tally,
            Session,
            {"meeting": meeting, "order": row["order"]},
            {
                "body": bodies[row["body"]],
                "title": row["title"],
                "starts_at": datetime.datetime.combine(
                    row["date"], row["starts"], tzinfo=tz
                ),
                "ends_at": datetime.datetime.combine(
                    row["date"], row["ends"], tzinfo=tz
                ),
                "room": "",
                "capacity": row.get("capacity"),
                "mode": Session.Mode.IN_PERSON,
                "open_to": list(row.get("open_to", PartyKind.values)),
                "times_tentative": True,
            },
        )
        for position, (title, description) in enumerate(row["agenda"], start=1):
            sync(
                tally,
                AgendaItem,
                {"session": session, "number": str(position)},
                {"order": position, "title": title, "description": description},
            )
        sessions[row["order"]] = session
    return sessions


def load_delegations(tally, meeting, parties, sessions, rows):
    """Each party's delegation, its delegates' registrations and attendance."""
    prefix = reference_prefix(meeting)
    for row in rows:
        party = parties[row["party"]]
        delegation = sync(
            tally,
            Delegation,
            {"meeting": meeting, "party": party},
            {"quota": row["quota"], "notes": row.get("notes", "")},
        )
        attended = [sessions[order] for order in row["sessions"]]
        for sequence, person in enumerate(row["delegates"], start=1):
            honorific, given, family, position, role, publish = person
            delegate = sync(
                tally,
                Delegate,
                {"email": demo_email(given, family)},
                {
                    "honorific": honorific,
                    "given_name": given,
                    "family_name": family,
                    "position": position,
                    "agency": row["agency"],
                    "nationality": row["nationality"],
                },
            )
            registration = sync(
                tally,
                Registration,
                {"reference": f"{prefix}-{party.code}-{sequence:03d}"},
                {
                    "meeting": meeting,
                    "delegation": delegation,
                    "delegate": delegate,
                    "role": role,
                    "status": Registration.Status.APPROVED,
                    "consent_privacy_at": data.CONSENT_AT,
                    "consent_publish": publish,
                    "decided_at": data.DECIDED_AT,
                    # Submitted as the privacy notice was accepted, not on the
                    # day the demo was loaded.
                    "created_at": data.CONSENT_AT,
                },
            )
            sync_many(tally, registration, "sessions", attended)
            for session in attended:
                sync(
                    tally,
                    Attendance,
                    {"registration": registration, "session": session},
                    {
                        "status": Attendance.Status.PRESENT,
                        "method": Attendance.Method.SHEET,
                        # Signed in as the session opened, one after another.
                        "recorded_at": session.starts_at
                        + datetime.timedelta(minutes=sequence),
                        "recorded_by": None,
                    },
                )


@dataclass(frozen=True)
class Schedule:
    """The 12th JWG's dates and registration window, worked out from a day."""

    start_date: datetime.date
    end_date: datetime.date
    opens_at: datetime.datetime
    closes_at: datetime.datetime

    def after_opening(self, days, time):
        """A moment `days` after registration opened, in the meeting's zone."""
        day = self.opens_at.date() + datetime.timedelta(days=days)
        return datetime.datetime.combine(day, time, tzinfo=self.opens_at.tzinfo)


def jwg12_schedule(today):
    """The first Monday at least `JWG12_LEAD_DAYS` after `today`, and so on."""
    tz = zoneinfo.ZoneInfo(data.JWG12["time_zone"])
    earliest = today + datetime.timedelta(days=data.JWG12_LEAD_DAYS)
    start = earliest + datetime.timedelta(days=(7 - earliest.weekday()) % 7)
    opens = today - datetime.timedelta(days=data.REGISTRATION_OPENED_DAYS_AGO)
    closes = start - datetime.timedelta(days=data.REGISTRATION_CLOSES_DAYS_BEFORE)
    return Schedule(
        start_date=start,
        end_date=start + datetime.timedelta(days=data.JWG12_LENGTH_DAYS - 1),
        opens_at=datetime.datetime.combine(opens, datetime.time(), tzinfo=tz),
        closes_at=datetime.datetime.combine(closes, datetime.time(), tzinfo=tz),
    )


def load_jwg12(tally, bodies, parties, schedule):
    """The invented 12th JWG: programme and delegations, on the schedule's dates.

    Returns None and leaves the meeting alone once someone has turned off its
    demo flag (it is theirs now), or when another meeting is the 12th JWG.
    """
    values = {**data.JWG12, "body": bodies[data.JWG12["body"]]}
    slug = values.pop("slug")
    existing = Meeting.objects.filter(slug=slug).first()
    if existing is not None and not existing.is_demo:
        tally.notes.append(f"{slug} is no longer demo content, so it was left alone.")
        return None
    rival = (
        Meeting.objects.filter(body=values["body"], number=values["number"])
        .exclude(slug=slug)
        .first()
    )
    if rival is not None:
        tally.notes.append(f"{rival.slug} is the 12th JWG, so {slug} was not loaded.")
        return None
    values |= {
        "start_date": schedule.start_date,
        "end_date": schedule.end_date,
        "registration_opens_at": schedule.opens_at,
        "registration_closes_at": schedule.closes_at,
        "status": Meeting.Status.PUBLISHED,
        "is_demo": True,
    }
    rows = [
        {**row, "date": schedule.start_date + datetime.timedelta(days=row["day"])}
        for row in data.JWG12_SESSIONS
    ]
    if existing is not None and _moves(existing, values):
        shift = values["start_date"] - existing.start_date
        _make_room(existing, values)
        _shift_other_sessions(existing, shift, [row["order"] for row in rows])
        load_sessions(tally, existing, bodies, rows)
        meeting = sync(tally, Meeting, {"slug": slug}, values)
    else:
        meeting = sync(tally, Meeting, {"slug": slug}, values)
        load_sessions(tally, meeting, bodies, rows)
    members = [
        code
        for code, _name, joined in data.MEMBER_STATES
        if joined <= schedule.start_date
    ]
    quotas = [(code, data.AMS_QUOTA) for code in members]
    for code, quota in [*quotas, *data.JWG12_OTHER_DELEGATIONS]:
        sync(
            tally,
            Delegation,
            {"meeting": meeting, "party": parties[code]},
            {"quota": quota},
        )
    return meeting


def _moves(meeting, values):
    return (meeting.start_date, meeting.end_date, meeting.time_zone) != (
        values["start_date"],
        values["end_date"],
        values["time_zone"],
    )


def _make_room(meeting, values):
    """Stretch the meeting over its old and its new dates at once.

    The database checks every statement: a session may not lie outside its
    meeting, nor a meeting leave one of its sessions outside. Stretched, the
    meeting holds its sessions wherever they are moved to, and the final
    dates are set once they are all in place. The two days' margin covers a
    change of time zone as well.
    """
    margin = datetime.timedelta(days=2)
    meeting.start_date = min(meeting.start_date, values["start_date"]) - margin
    meeting.end_date = max(meeting.end_date, values["end_date"]) + margin
    meeting.time_zone = values["time_zone"]
    meeting.save(update_fields=["start_date", "end_date", "time_zone"])


def _shift_other_sessions(meeting, shift, demo_orders):
    """Move the sessions someone added to the demo meeting along with it."""
    for session in meeting.sessions.exclude(order__in=demo_orders):
        session.starts_at += shift
        session.ends_at += shift
        session.save(update_fields=["starts_at", "ends_at"])


def ensure_focal_points(tally, parties, meetings, password=None):
    """Create or reset a focal-point user for each party, made a focal point of
    its delegation at each of `meetings`; adds them to `tally.accounts`.

    An existing user gets a new password (or `password`), as the superuser
    does: passwords are stored hashed, so printing one means setting it.
    Raises django.core.exceptions.ValidationError for a password the
    validators refuse.
    """
    user_model = get_user_model()
    for party in parties:
        username = f"fp-{party.code.lower()}"
        user = user_model.objects.filter(username=username).first() or user_model(
            username=username
        )
        user.email = f"{username}@{data.EMAIL_DOMAIN}"
        user.is_staff = user.is_superuser = False
        user.is_active = True
        secret = _password_for(user, password)
        user.set_password(secret)
        user.save()
        role_assign(user=user, role_name=FOCAL_POINT)
        for delegation in Delegation.objects.filter(meeting__in=meetings, party=party):
            if delegation.focal_points.filter(pk=user.pk).exists():
                continue
            delegation.focal_points.add(user)
            if (Delegation, delegation.pk) not in tally.fresh:
                tally.updated[Delegation] += 1
        tally.accounts.append((username, party.name, secret))


def load_jwg12_registrations(tally, meeting, schedule):
    """Registrations in every status, each created only if it is missing.

    One that exists is left as visitors made it, but for naming the focal
    point who endorsed or submitted it once that user exists.
    """
    prefix = reference_prefix(meeting)
    delegations = {
        d.party.code: d
        for d in meeting.delegations.select_related("party").prefetch_related(
            "focal_points"
        )
    }
    sessions = {s.order: s for s in meeting.sessions.all()}
    sequences = Counter()
    for row in data.JWG12_REGISTRATIONS:
        sequences[row["party"]] += 1
        delegation = delegations.get(row["party"])
        if delegation is None:
            # Timor-Leste's, with a clock set to before it joined ASEAN.
            continue
        reference = f"{prefix}-{row['party']}-{sequences[row['party']]:03d}"
        focal_point = next(
            (
                user
                for user in delegation.focal_points.all()
                if user.username == f"fp-{row['party'].lower()}"
            ),
            None,
        )
        person = _jwg12_person(row)
        registration = (
            Registration.objects.filter(reference=reference)
            .select_related("delegate")
            .first()
        )
        if registration is not None:
            tally.see(registration)
            tally.see(registration.delegate)
            # A visitor's registration may have taken the number of a deleted
            # demo one; it was not the focal point's doing.
            if registration.delegate.email.lower() == person["email"]:
                _credit_focal_point(tally, registration, row, focal_point)
            continue
        delegate = Delegate.objects.filter(email_is(person["email"])).first()
        conflict = _conflict(meeting, delegation, delegate, row)
        if conflict:
            tally.notes.append(f"{reference} was not put back: {conflict}.")
            continue
        if delegate is None:
            delegate = _create(tally, Delegate, person)
        tally.see(delegate)
        registration = _create(
            tally,
            Registration,
            _jwg12_registration(row, schedule, focal_point)
            | {
                "reference": reference,
                "meeting": meeting,
                "delegation": delegation,
                "delegate": delegate,
            },
        )
        tally.see(registration)
        registration.sessions.set([sessions[order] for order in row["sessions"]])


def _jwg12_person(row):
    if "returning" in row:
        code, place = row["returning"]
        delegation = next(d for d in data.DELEGATIONS if d["party"] == code)
        honorific, given, family, position, _role, _publish = delegation["delegates"][
            place - 1
        ]
        agency, nationality = delegation["agency"], delegation["nationality"]
    else:
        honorific, given, family, position, agency, nationality = row["person"]
    return {
        "honorific": honorific,
        "given_name": given,
        "family_name": family,
        "position": position,
        "agency": agency,
        "nationality": nationality,
        "email": demo_email(given, family),
    }


def _conflict(meeting, delegation, delegate, row):
    """Why creating the registration now would break a rule, if it would."""
    active = Registration.ACTIVE_STATUSES
    if (
        delegate is not None
        and row["status"] in active
        and Registration.objects.filter(
            meeting=meeting, delegate=delegate, status__in=active
        ).exists()
    ):
        return f"{delegate.email} already has an active registration"
    if (
        row["role"] == Registration.Role.HEAD
        and row["status"] in (Registration.Status.PENDING, Registration.Status.APPROVED)
        and Registration.objects.filter(
            delegation=delegation,
            role=Registration.Role.HEAD,
            status__in=(Registration.Status.PENDING, Registration.Status.APPROVED),
        ).exists()
    ):
        return "the delegation already has a Head of Delegation"
    return ""


def _jwg12_registration(row, schedule, focal_point):
    submitted_at = schedule.after_opening(row["submitted"], datetime.time(10, 0))
    endorsed = row["endorsement"] != Registration.Endorsement.AWAITING
    if not endorsed:
        endorsed_at = None
    elif row["by_focal_point"]:
        endorsed_at = submitted_at
    else:
        endorsed_at = submitted_at + datetime.timedelta(days=1)
    decided_at = (
        schedule.after_opening(row["decided"], datetime.time(15, 0))
        if row["decided"] is not None
        else None
    )
    return {
        "role": row["role"],
        "status": row["status"],
        "consent_privacy_at": submitted_at,
        "consent_publish": row["publish"],
        "submitted_by": focal_point if row["by_focal_point"] else None,
        "decided_at": decided_at,
        "decision_reason": row["reason"],
        "endorsement": row["endorsement"],
        "endorsed_by": focal_point if endorsed else None,
        "endorsed_at": endorsed_at,
        "created_at": submitted_at,
    }


def _credit_focal_point(tally, registration, row, focal_point):
    """Name the focal point on a demo registration loaded before it existed."""
    if focal_point is None:
        return
    changed = []
    if (
        row["endorsement"] != Registration.Endorsement.AWAITING
        and registration.endorsement == row["endorsement"]
        and registration.endorsed_by_id is None
    ):
        registration.endorsed_by = focal_point
        changed.append("endorsed_by")
    if row["by_focal_point"] and registration.submitted_by_id is None:
        registration.submitted_by = focal_point
        changed.append("submitted_by")
    if changed:
        registration.save(update_fields=[*changed, "updated_at"])
        tally.updated[Registration] += 1


def reference_prefix(meeting):
    # As `services.registration._next_reference` builds them, so that registrations made
    # later in the portal continue the demo's sequence.
    return f"{meeting.body.acronym.replace('-', '')}{meeting.number}"


def demo_email(given, family):
    local = ".".join(f"{given} {family}".lower().replace("-", "").split())
    return f"{local}@{data.EMAIL_DOMAIN}"


def ensure_superuser(password=None):
    """Create or reset the demo superuser; returns (username, password).

    Raises django.core.exceptions.ValidationError for a password the
    validators refuse.
    """
    user_model = get_user_model()
    user = user_model.objects.filter(username=SUPERUSER_NAME).first() or user_model(
        username=SUPERUSER_NAME
    )
    password = _password_for(user, password)
    user.email = f"{SUPERUSER_NAME}@{data.EMAIL_DOMAIN}"
    user.is_staff = user.is_superuser = user.is_active = True
    user.set_password(password)
    user.save()
    return SUPERUSER_NAME, password


def _password_for(user, password):
    """A new password, or `password` once the validators accept it for `user`."""
    if password is None:
        return secrets.token_urlsafe(18)
    validate_password(password, user)
    return password
