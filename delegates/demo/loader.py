"""Write the demo content to the database, the same way every time.

Each row is found by its natural key and made to hold the data; it is saved
only when something differs, so a second run writes nothing (not even an
`updated_at`) and a run after someone edited a demo row puts it back.

The loader writes through the ORM rather than the services: the services
model what people do (submit, approve, record attendance, with the mail that
goes with it), while the loader restores a known state and must send no mail.
The database's constraints and triggers still hold it to the same rules.
"""

import datetime
import secrets
from collections import Counter
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.db import models

from delegates.models import Attendance, Delegate, Delegation, Party, Registration
from meetings.models import AgendaItem, Body, Meeting, PartyKind, Session

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
)


@dataclass
class Tally:
    """What a run found, created and changed, per model."""

    seen: Counter = field(default_factory=Counter)
    created: Counter = field(default_factory=Counter)
    updated: Counter = field(default_factory=Counter)
    # Rows created in this run, whose relations being filled is no update.
    fresh: set = field(default_factory=set)

    def summary(self):
        counts = ", ".join(
            f"{model._meta.verbose_name_plural} {self.seen[model]}"
            for model in SUMMARY_MODELS
        )
        return (
            f"Demo loaded: {counts}; "
            f"{self.created.total()} created, {self.updated.total()} updated."
        )


def sync(tally, model, keys, values):
    """The row of `model` found by `keys`, created or changed to hold `values`."""
    tally.seen[model] += 1
    try:
        obj = model.objects.get(**keys)
    except model.DoesNotExist:
        tally.created[model] += 1
        obj = model.objects.create(**keys, **values)
        tally.fresh.add((model, obj.pk))
        return obj
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


def load_demo():
    """Load every part of the demo; returns the tally for the summary."""
    tally = Tally()
    bodies = load_bodies(tally)
    parties = load_parties(tally)
    load_jwg11(tally, bodies, parties)
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
            {"name": name, "kind": kind, "iso3": None, "asean_member_since": None},
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
                "capacity": None,
                "mode": Session.Mode.IN_PERSON,
                "open_to": list(PartyKind.values),
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
    # As `services._next_reference` builds them, so that registrations made
    # later in the portal continue the demo's sequence.
    prefix = f"{meeting.body.acronym.replace('-', '')}{meeting.number}"
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
    if password is None:
        password = secrets.token_urlsafe(18)
    else:
        validate_password(password, user)
    user.email = f"{SUPERUSER_NAME}@{data.EMAIL_DOMAIN}"
    user.is_staff = user.is_superuser = user.is_active = True
    user.set_password(password)
    user.save()
    return SUPERUSER_NAME, password
