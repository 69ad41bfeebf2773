"""Every write to registrations goes through these functions.

Each runs in one transaction, takes the row locks its rule needs, records an
event (who, when, from which status to which), and sends mail only after the
transaction commits. Views, forms and admin actions call them and turn
`RegistrationError` into a message or a 4xx.

Every change to who holds a place first locks the meeting's row
(`lock_meeting`), so such changes in one meeting happen one at a time.
Finer locks do not suffice: a withdrawal may promote from any
delegation's waitlist into any session, a new Head of Delegation starts from
the delegation, an approval from the registration; taken in those different
orders, row locks on delegations, sessions and registrations deadlocked under
concurrent use (tests/delegates/test_races.py). A registration's own row is
still locked before it is changed, against writers outside these services;
`of=("self",)` keeps PostgreSQL from also locking the rows select_related
joins in. A submission (pending: it holds no place) takes no meeting lock,
only its delegation's row to draw the reference (`_next_reference`), last,
so that a registration rush is not one queue per meeting.
"""

import copy
import datetime
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q
from django.db.models.functions import Length
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.audit import PRIVATE_LINK, PUBLIC_FORM, audited
from meetings.models import Meeting, Session

from .. import emails
from ..models import Delegate, Delegation, Registration, RegistrationEvent, email_is
from ..uploads import photo_changes
from .errors import ServiceError

__all__ = [
    "ALLOWED_TRANSITIONS",
    "DELEGATE_FIELDS",
    "JUDGED_SNAPSHOT_KEYS",
    "REGISTRATION_FIELDS",
    "DecisionResult",
    "DuplicateRegistration",
    "RegistrationError",
    "delegation_upload_letter",
    "lock_meeting",
    "passport_valid_until_needed",
    "registration_confirm_details",
    "registration_create_by_staff",
    "registration_decide",
    "registration_endorse",
    "registration_resend_link",
    "registration_set_head",
    "registration_snapshot",
    "registration_submit",
    "registration_update",
    "registration_withdraw",
    "sessions_closed_to",
    "sessions_open_to",
]

Status = Registration.Status

# The secretariat's decisions, and what the delegate or focal point may do.
ALLOWED_TRANSITIONS = {
    Status.PENDING: {Status.APPROVED, Status.WAITLISTED, Status.REJECTED},
    Status.WAITLISTED: {Status.APPROVED, Status.REJECTED, Status.PENDING},
    Status.APPROVED: {Status.WAITLISTED, Status.REJECTED, Status.PENDING},
    Status.REJECTED: {Status.PENDING},
    Status.WITHDRAWN: set(),
}

# Fields the secretariat judged: changing one after approval asks again.
JUDGED_REGISTRATION_FIELDS = ("delegation_id", "role", "needs_visa_letter")
JUDGED_DELEGATE_FIELDS = ("passport_number", "passport_expiry", "passport_country")
DELEGATE_FIELDS = (
    "honorific",
    "given_name",
    "family_name",
    "badge_name",
    "position",
    "agency",
    "email",
    "phone",
    "nationality",
    "dietary_requirements",
    "accessibility_needs",
    "preferred_language",
    *JUDGED_DELEGATE_FIELDS,
)
REGISTRATION_FIELDS = (
    "role",
    "needs_visa_letter",
    "arrival_date",
    "departure_date",
    "consent_publish",
)


class RegistrationError(ServiceError):
    """A registration rule refused the change."""


class DuplicateRegistration(RegistrationError):
    def __init__(self, registration=None):
        super().__init__(
            _(
                "This email address already has an active registration for this "
                "meeting. We can send its private link to that address again."
            ),
            code="duplicate",
        )
        self.registration = registration


@dataclass(frozen=True)
class DecisionResult:
    registration: Registration
    requested: str
    reason: str = ""

    @property
    def waitlisted_instead(self):
        return (
            self.requested == Status.APPROVED
            and self.registration.status == Status.WAITLISTED
        )


def passport_valid_until_needed(meeting):
    """The day a passport must still be valid on: six months after the meeting."""
    end = meeting.end_date
    month = end.month + 6
    year = end.year + (month - 1) // 12
    month = (month - 1) % 12 + 1
    # The same day six months on, or that month's last day when it is shorter.
    for day in (end.day, 30, 29, 28):
        try:
            return datetime.date(year, month, day)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def sessions_closed_to(meeting, party, sessions):
    """Those of `sessions` the party may not attend at the meeting: closed to
    its kind on the first day, or another meeting's."""
    kind = party.kind_on(meeting.start_date)
    return [s for s in sessions if s.meeting_id != meeting.pk or not s.is_open_to(kind)]


def sessions_open_to(meeting, party):
    sessions = list(meeting.sessions.all())
    closed = sessions_closed_to(meeting, party, sessions)
    return [s for s in sessions if s not in closed]


def _check_sessions(meeting, delegation, sessions):
    refused = sessions_closed_to(meeting, delegation.party, sessions)
    if refused:
        raise RegistrationError(
            _("%(party)s may not attend: %(sessions)s.")
            % {
                "party": delegation.party.name,
                "sessions": ", ".join(s.title for s in refused),
            },
            code="session_not_open",
        )


def _check_passport(meeting, delegate, needs_visa_letter):
    if not needs_visa_letter:
        return
    if not (delegate.passport_number and delegate.passport_expiry):
        raise RegistrationError(
            _("A letter of invitation needs the passport number and its expiry."),
            code="passport_missing",
        )
    needed = passport_valid_until_needed(meeting)
    if delegate.passport_expiry < needed:
        raise RegistrationError(
            _("The passport must be valid until at least %(date)s.")
            % {"date": needed.isoformat()},
            code="passport_expiry",
        )


def _record(registration, action, *, by=None, from_status="", note=""):
    RegistrationEvent.objects.create(
        registration=registration,
        by=by if by is not None and by.is_authenticated else None,
        action=action,
        from_status=from_status,
        to_status=registration.status,
        note=note,
    )


def _next_reference(delegation):
    """`JWG11-MYS-007`: body and number, party, sequence in the delegation.

    Locks the delegation's row until the transaction ends, so two drawings
    for one delegation happen one after the other; the unique constraint is
    the last guard. Lock it last, just before the registration is written:
    it is held until commit. The highest number is the longest reference
    (`-1000` after `-999`), then the highest in text order.
    """
    # No ordering: the default one joins the meeting, whose row would be
    # locked too.
    list(
        Delegation.objects.select_for_update()
        .filter(pk=delegation.pk)
        .order_by()
        .values_list("pk", flat=True)
    )
    meeting = delegation.meeting
    prefix = f"{meeting.body.acronym.replace('-', '')}{meeting.number}-"
    prefix += f"{delegation.party.code}-"
    last = (
        Registration.objects.filter(
            meeting_id=delegation.meeting_id, reference__startswith=prefix
        )
        .order_by(Length("reference").desc(), "-reference")
        .values_list("reference", flat=True)
        .first()
    )
    match = re.search(r"(\d+)$", last or "")
    sequence = int(match.group(1)) + 1 if match else 1
    return f"{prefix}{sequence:03d}"


def lock_meeting(meeting_id):
    """Wait for, then hold, the right to change the meeting's registrations.

    FOR NO KEY UPDATE: it excludes the other holders, but not the key-share
    lock that inserting a row which refers to the meeting takes, so a
    submission (which does not take this lock) is not held up by it.
    """
    list(
        Meeting.objects.select_for_update(no_key=True)
        .filter(pk=meeting_id)
        .values_list("pk", flat=True)
    )


def _apply(instance, data, fields):
    changed = set()
    for field in fields:
        if field in data and getattr(instance, field) != data[field]:
            setattr(instance, field, data[field])
            changed.add(field)
    return changed


def _split_known_person(delegate, data):
    """For a person already on file: fill what is blank, hold back the rest.

    Returns the differing values, as JSON, for the person to confirm through
    the private link that only their mailbox receives.
    """
    proposed = {}
    for field in DELEGATE_FIELDS:
        if field == "email" or field not in data:
            continue
        held, given = getattr(delegate, field), data[field]
        if held in ("", None):
            setattr(delegate, field, given)
        elif given not in ("", None) and held != given:
            proposed[field] = (
                given.isoformat() if hasattr(given, "isoformat") else given
            )
    return proposed


def _proposed_values(proposed):
    """The held-back values as model values again (dates from ISO text)."""
    return {
        field: Delegate._meta.get_field(field).to_python(value)
        for field, value in proposed.items()
    }


def _raise_for_integrity(error):
    """Turn the database's last guard into the error a person can act on.

    It fires when a concurrent change won a race (the same new person at two
    meetings at once, say). SQLite names the columns, PostgreSQL the
    constraint.
    """
    message = str(error).lower()
    if any(
        name in message
        for name in (
            "registration_one_active",
            "delegates_registration.delegate_id",
            "delegate_unique_email_ci",
        )
    ):
        raise DuplicateRegistration() from error
    if (
        "registration_one_head" in message
        or "delegates_registration.delegation_id" in message
    ):
        raise RegistrationError(
            _("This delegation already has a Head of Delegation."),
            code="head_taken",
        ) from error
    raise error


def _clean_delegate(delegate):
    """The model's validation, as an error the person can act on.

    The constraints are left to the database: the address was looked up as
    its unique constraint compares it (`email_is`), so only a concurrent
    submission can collide, and `_raise_for_integrity` answers that; a
    family name is a required field. Checking them here would cost four
    queries per submission.
    """
    try:
        delegate.full_clean(validate_constraints=False)
    except ValidationError as error:
        raise RegistrationError(" ".join(error.messages)) from error


@audited(by="submitted_by", anonymous=PUBLIC_FORM)
def registration_submit(
    *,
    meeting: Meeting,
    delegation: Delegation,
    delegate_data: dict,
    registration_data: dict,
    sessions: list[Session],
    submitted_by=None,
    endorse: bool = False,
    enforce_window: bool = True,
    consent_privacy: bool = True,
) -> Registration:
    """Register a person for a meeting through a delegation, as pending.

    Finds the delegate by email (case-insensitive) or creates them; refuses a
    second active registration for the same person and meeting with
    `DuplicateRegistration`. Sends the confirmation with the private link
    after commit. A focal point's nomination (`endorse=True`) is endorsed.

    `delegate_data["photo"]`, a re-encoded JPEG, is stored for a new person
    and for a known one without a photo; a known person's photo is never
    replaced from a public form (they change it through the private link).
    """
    if enforce_window and meeting.registration_state() != "open":
        raise RegistrationError(
            _("Registration for this meeting is not open."), code="closed"
        )
    if delegation.meeting_id != meeting.pk:
        raise RegistrationError(_("Choose a delegation to this meeting."))
    if not consent_privacy:
        raise RegistrationError(_("The privacy notice must be accepted."))
    photo = delegate_data.get("photo")
    # A pending registration holds no place, so a submission does not wait
    # for the meeting's lock: only the reference is drawn under a lock (the
    # delegation's, taken last), and the constraints on one active
    # registration per person, one head per delegation and one person per
    # address settle the races that remain (`_raise_for_integrity`).
    delegation.meeting = meeting
    try:
        with photo_changes() as change_photo, transaction.atomic():
            email = delegate_data["email"].strip()
            delegate = Delegate.objects.filter(email_is(email)).first()
            if delegate is not None:
                existing = Registration.objects.filter(
                    delegate=delegate,
                    meeting=meeting,
                    status__in=Registration.ACTIVE_STATUSES,
                ).first()
                if existing is not None:
                    raise DuplicateRegistration(existing)
                proposed = _split_known_person(delegate, delegate_data)
            else:
                delegate = Delegate(email=email)
                _apply(delegate, {**delegate_data, "email": email}, DELEGATE_FIELDS)
                proposed = {}
            _clean_delegate(delegate)
            registration = Registration(
                meeting=meeting,
                delegation=delegation,
                submitted_by=submitted_by,
                consent_privacy_at=timezone.now(),
                proposed_details=proposed or None,
            )
            _apply(registration, registration_data, REGISTRATION_FIELDS)
            _check_sessions(meeting, delegation, sessions)
            # Judge the passport the person gave now, confirmed or not yet.
            as_given = copy.copy(delegate)
            _apply(as_given, _proposed_values(proposed), DELEGATE_FIELDS)
            _check_passport(meeting, as_given, registration.needs_visa_letter)
            if photo and not delegate.photo:
                change_photo(delegate, photo)
            delegate.save()
            registration.delegate = delegate
            if endorse:
                registration.endorsement = Registration.Endorsement.ENDORSED
                registration.endorsed_by = submitted_by
                registration.endorsed_at = timezone.now()
            registration.reference = _next_reference(delegation)
            registration.save()
            registration.sessions.add(*sessions)
            _record(registration, "submitted", by=submitted_by)
            transaction.on_commit(
                lambda: emails.send_registration_mail(registration, "submitted")
            )
    except IntegrityError as error:
        _raise_for_integrity(error)
    return registration


@audited()
def registration_create_by_staff(*, registration: Registration, by) -> Registration:
    """Save a registration the secretariat entered in the admin, as pending.

    Without a reference typed in, it takes the delegation's next one, drawn
    under the meeting's lock as a submission's is. The caller adds the
    sessions afterwards.
    """
    with transaction.atomic():
        delegation = Delegation.objects.select_related("meeting__body", "party").get(
            pk=registration.delegation_id
        )
        lock_meeting(delegation.meeting_id)
        registration.meeting_id = delegation.meeting_id
        if not registration.reference:
            registration.reference = _next_reference(delegation)
        registration.status = Status.PENDING
        registration.submitted_by = by
        registration.save()
        _record(registration, "created_by_staff", by=by)
    return registration


@audited(anonymous=PRIVATE_LINK)
def registration_update(
    *,
    registration: Registration,
    delegate_data: dict,
    registration_data: dict,
    sessions: list[Session],
    delegation: Delegation | None = None,
    by=None,
) -> Registration:
    """Change a registration and its delegate's details.

    Free while pending. After approval, a change to what the secretariat
    judged (delegation, role, sessions, visa letter and passport) returns
    the registration to pending, keeps the approved version beside it, and
    tells the secretariat. A new photo (`delegate_data["photo"]`) replaces
    the one on file, False removes it; neither asks the secretariat again.
    """
    photo = delegate_data.get("photo")
    try:
        with photo_changes() as change_photo, transaction.atomic():
            lock_meeting(registration.meeting_id)
            registration = (
                Registration.objects.select_for_update(of=("self",))
                .select_related("delegate", "delegation__party", "meeting__body")
                .get(pk=registration.pk)
            )
            if registration.status in (Status.WITHDRAWN, Status.REJECTED):
                raise RegistrationError(
                    _("A %(status)s registration can no longer be changed.")
                    % {"status": registration.get_status_display().lower()},
                    code="final",
                )
            before = registration_snapshot(registration)
            delegate = registration.delegate
            meeting = registration.meeting
            if delegation is not None and delegation.pk != registration.delegation_id:
                if delegation.meeting_id != meeting.pk:
                    raise RegistrationError(_("Choose a delegation to this meeting."))
                registration.delegation = delegation
            new_email = delegate_data.get("email", delegate.email).strip()
            if (
                new_email.lower() != delegate.email.lower()
                and Delegate.objects.filter(email_is(new_email))
                .exclude(pk=delegate.pk)
                .exists()
            ):
                raise RegistrationError(
                    _("Another delegate already uses this email address."),
                    code="email_taken",
                )
            _apply(delegate, {**delegate_data, "email": new_email}, DELEGATE_FIELDS)
            _clean_delegate(delegate)
            _apply(registration, registration_data, REGISTRATION_FIELDS)
            _check_sessions(meeting, registration.delegation, sessions)
            _check_passport(meeting, delegate, registration.needs_visa_letter)
            if photo is not None and (photo or delegate.photo):
                change_photo(delegate, photo)
            delegate.save()
            registration.save()
            registration.sessions.set(sessions)
            after = registration_snapshot(registration)
            judged_changed = any(
                before[key] != after[key] for key in JUDGED_SNAPSHOT_KEYS
            )
            if registration.status == Status.APPROVED and judged_changed:
                registration.approved_snapshot = before
                registration.status = Status.PENDING
                registration.save(update_fields=["status", "approved_snapshot"])
                _record(
                    registration,
                    "amended",
                    by=by,
                    from_status=Status.APPROVED,
                    note=_changes_note(before, after),
                )
                _waitlist_promote(meeting, registration.delegation_id)
                transaction.on_commit(
                    lambda: emails.send_secretariat_mail(registration, "amended")
                )
            else:
                _record(
                    registration,
                    "edited",
                    by=by,
                    from_status=registration.status,
                    note=_changes_note(before, after),
                )
    except IntegrityError as error:
        _raise_for_integrity(error)
    return registration


JUDGED_SNAPSHOT_KEYS = (
    "delegation",
    "role",
    "sessions",
    "needs_visa_letter",
    "passport_number",
    "passport_expiry",
    "passport_country",
)


def registration_snapshot(registration):
    """What the secretariat judges, as plain JSON-ready values."""
    delegate = registration.delegate
    return {
        "delegation": registration.delegation.party.name,
        "role": registration.role,
        "sessions": sorted(registration.sessions.values_list("title", flat=True)),
        "needs_visa_letter": registration.needs_visa_letter,
        "passport_number": delegate.passport_number,
        "passport_expiry": (
            delegate.passport_expiry.isoformat() if delegate.passport_expiry else ""
        ),
        "passport_country": delegate.passport_country,
    }


def _changes_note(before, after):
    changed = [key for key in before if before[key] != after[key]]
    # Passport values stay out of the event log; the field's name is enough.
    return ", ".join(changed)


def _fits(registration):
    """Whether approving would keep the delegation's quota and every capacity."""
    delegation = registration.delegation
    if delegation.quota is not None:
        approved = (
            Registration.objects.filter(delegation=delegation, status=Status.APPROVED)
            .exclude(pk=registration.pk)
            .count()
        )
        if approved >= delegation.quota:
            return False, _("the delegation's quota of %(quota)s is reached") % {
                "quota": delegation.quota
            }
    full = (
        Session.objects.filter(pk__in=registration.sessions.values("pk"))
        .filter(capacity__isnull=False)
        .annotate(
            taken=Count(
                "registrations",
                filter=Q(registrations__status=Status.APPROVED)
                & ~Q(registrations__pk=registration.pk),
            )
        )
        .filter(taken__gte=F("capacity"))
    )
    full_titles = [s.title for s in full]
    if full_titles:
        return False, _("full: %(sessions)s") % {"sessions": ", ".join(full_titles)}
    return True, ""


@audited()
def registration_decide(
    *, registration: Registration, to_status: str, by, reason: str = ""
) -> DecisionResult:
    """The secretariat approves, waitlists, rejects or reopens a registration.

    Approval past the delegation's quota or a session's capacity waitlists
    instead (the result says so). A place freed by a rejection or a move to
    the waitlist goes to the first waitlisted registration that now fits.
    """
    with transaction.atomic():
        lock_meeting(registration.meeting_id)
        registration = (
            Registration.objects.select_for_update(of=("self",))
            .select_related("delegation__party", "meeting", "delegate")
            .get(pk=registration.pk)
        )
        from_status = registration.status
        requested = to_status
        if to_status not in ALLOWED_TRANSITIONS[from_status]:
            raise RegistrationError(
                _("A %(from)s registration cannot be made %(to)s.")
                % {
                    "from": Status(from_status).label.lower(),
                    "to": Status(to_status).label.lower(),
                },
                code="transition",
            )
        if to_status == Status.REJECTED and not reason.strip():
            raise RegistrationError(
                _("Give a reason for the rejection; the delegate will read it."),
                code="reason_required",
            )
        note = reason
        if to_status == Status.APPROVED:
            fits, why = _fits(registration)
            if not fits:
                to_status = Status.WAITLISTED
                note = str(why)
        registration.status = to_status
        registration.decided_at = timezone.now()
        registration.decided_by = by
        registration.decision_reason = note
        if to_status == Status.APPROVED:
            registration.approved_snapshot = None
        try:
            with transaction.atomic():
                registration.save()
        except IntegrityError as error:
            raise RegistrationError(
                _(
                    "This person already has another active registration for the "
                    "meeting, or the delegation already has a Head of Delegation."
                ),
                code="conflict",
            ) from error
        _record(registration, to_status, by=by, from_status=from_status, note=note)
        if from_status == Status.APPROVED:
            _waitlist_promote(registration.meeting, registration.delegation_id)
        if from_status != to_status:
            transaction.on_commit(
                lambda: emails.send_registration_mail(registration, to_status)
            )
    return DecisionResult(registration, requested=requested, reason=note)


@audited(anonymous=PRIVATE_LINK)
def registration_withdraw(*, registration: Registration, by=None, reason="") -> None:
    """The delegate (or their focal point) withdraws; the place goes onward."""
    with transaction.atomic():
        lock_meeting(registration.meeting_id)
        registration = (
            Registration.objects.select_for_update(of=("self",))
            .select_related("meeting", "delegate", "delegation__party")
            .get(pk=registration.pk)
        )
        if registration.status == Status.WITHDRAWN:
            return
        from_status = registration.status
        registration.status = Status.WITHDRAWN
        registration.save(update_fields=["status", "updated_at"])
        _record(registration, "withdrawn", by=by, from_status=from_status, note=reason)
        if from_status == Status.APPROVED:
            _waitlist_promote(registration.meeting, registration.delegation_id)
        transaction.on_commit(
            lambda: emails.send_registration_mail(registration, "withdrawn")
        )


def _waitlist_promote(meeting, delegation_id):
    """Approve, oldest first, the waitlisted registrations that now fit.

    A freed place may be a delegation's or a session's, so every waitlisted
    registration of the meeting is considered; there are few.
    """
    waiting = (
        Registration.objects.select_for_update(of=("self",))
        .filter(meeting=meeting, status=Status.WAITLISTED)
        .select_related("delegation__party", "delegate")
        .order_by("created_at", "pk")
    )
    for candidate in waiting:
        fits, _why = _fits(candidate)
        if not fits:
            continue
        candidate.status = Status.APPROVED
        candidate.decided_at = timezone.now()
        candidate.decision_reason = ""
        candidate.save()
        _record(
            candidate,
            "promoted",
            from_status=Status.WAITLISTED,
            note="a place became free",
        )
        transaction.on_commit(
            lambda c=candidate: emails.send_registration_mail(c, Status.APPROVED)
        )


@audited()
def registration_endorse(*, registration: Registration, by, endorse: bool) -> None:
    """The focal point endorses or declines a registration of their delegation."""
    with transaction.atomic():
        registration = Registration.objects.select_for_update().get(pk=registration.pk)
        if not registration.is_active:
            raise RegistrationError(
                _("Only an active registration can be endorsed or declined."),
                code="final",
            )
        registration.endorsement = (
            Registration.Endorsement.ENDORSED
            if endorse
            else Registration.Endorsement.DECLINED
        )
        registration.endorsed_by = by
        registration.endorsed_at = timezone.now()
        registration.save(
            update_fields=["endorsement", "endorsed_by", "endorsed_at", "updated_at"]
        )
        _record(
            registration,
            registration.endorsement,
            by=by,
            from_status=registration.status,
        )


@audited()
def registration_set_head(*, registration: Registration, by) -> None:
    """Make this registration the Head of Delegation; the former head becomes
    Alternate Head."""
    with transaction.atomic():
        lock_meeting(registration.meeting_id)
        registration = Registration.objects.select_for_update().get(pk=registration.pk)
        if registration.status not in (Status.PENDING, Status.APPROVED):
            raise RegistrationError(
                _("Only a pending or approved delegate can lead the delegation."),
                code="final",
            )
        former = Registration.objects.filter(
            delegation_id=registration.delegation_id,
            role=Registration.Role.HEAD,
        ).exclude(pk=registration.pk)
        for head in former:
            head.role = Registration.Role.ALTERNATE
            head.save(update_fields=["role", "updated_at"])
            _record(head, "head_replaced", by=by, from_status=head.status)
        registration.role = Registration.Role.HEAD
        registration.save(update_fields=["role", "updated_at"])
        _record(registration, "head_set", by=by, from_status=registration.status)


def registration_resend_link(*, meeting: Meeting, email: str) -> None:
    """Mail the private link again, if the address has an active registration.

    Says nothing either way to the caller, so the form cannot be used to
    learn who registered.
    """
    registration = (
        Registration.objects.filter(
            email_is(email.strip(), "delegate__email"),
            meeting=meeting,
            status__in=Registration.ACTIVE_STATUSES,
        )
        .select_related("delegate", "meeting")
        .first()
    )
    if registration is not None:
        transaction.on_commit(
            lambda: emails.send_registration_mail(registration, "link")
        )


@audited()
def delegation_upload_letter(*, delegation: Delegation, upload, by) -> None:
    """Store the nomination letter / note verbale under a generated name."""
    with transaction.atomic():
        delegation = Delegation.objects.select_for_update().get(pk=delegation.pk)
        old = delegation.nomination_letter.name if delegation.nomination_letter else ""
        delegation.nomination_letter.save("letter.pdf", upload, save=False)
        delegation.nomination_letter_uploaded_at = timezone.now()
        delegation.save(
            update_fields=["nomination_letter", "nomination_letter_uploaded_at"]
        )
        if old:
            storage = delegation.nomination_letter.storage
            transaction.on_commit(lambda: storage.delete(old))


@audited(anonymous=PRIVATE_LINK)
def registration_confirm_details(*, registration: Registration, accept: bool) -> None:
    """The person, through their private link, accepts or discards the
    details they entered that differ from those on file.

    Accepting is an edit like any other: after approval, a changed passport
    asks the secretariat again.
    """
    with transaction.atomic():
        lock_meeting(registration.meeting_id)
        registration = (
            Registration.objects.select_for_update(of=("self",))
            .select_related("delegate", "delegation")
            .get(pk=registration.pk)
        )
        proposed = registration.proposed_details or {}
        registration.proposed_details = None
        registration.save(update_fields=["proposed_details"])
        if not (accept and proposed):
            return
        delegate = registration.delegate
        delegate_data = {field: getattr(delegate, field) for field in DELEGATE_FIELDS}
        delegate_data.update(_proposed_values(proposed))
        registration_update(
            registration=registration,
            delegate_data=delegate_data,
            registration_data={
                field: getattr(registration, field) for field in REGISTRATION_FIELDS
            },
            sessions=list(registration.sessions.all()),
        )
