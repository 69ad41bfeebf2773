"""Who takes part: parties, their delegations, delegates, registrations and
attendance."""

import secrets

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Length, Lower, Upper
from django.db.models.lookups import Exact, GreaterThanOrEqual
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jwg_portal.crypto import EncryptedCharField, EncryptedJSONField
from meetings.models import Meeting, PartyKind, Session

ISO3_VALIDATOR = RegexValidator(
    r"^[A-Z]{3}$", _("An ISO 3166 alpha-3 code: three capital letters.")
)

# Position of each kind in the List of Participants.
KIND_RANK = {kind: rank for rank, kind in enumerate(PartyKind.values)}


class PartyQuerySet(models.QuerySet):
    def in_asean_order(self, on=None):
        """Member states alphabetically, then partners and organisations,
        the ASEAN Secretariat and the host's organising committee.

        With a date, a state that had not yet joined ASEAN on that day is
        ranked among the observers, as `Party.kind_on` has it.
        """
        whens = []
        if on is not None:
            whens.append(
                models.When(
                    kind=PartyKind.MEMBER_STATE,
                    asean_member_since__gt=on,
                    then=KIND_RANK[PartyKind.OBSERVER],
                )
            )
        whens += [models.When(kind=kind, then=r) for kind, r in KIND_RANK.items()]
        rank = models.Case(*whens, output_field=models.IntegerField())
        return self.annotate(kind_rank=rank).order_by("kind_rank", "name")


class Party(models.Model):
    """A lasting participant: a state, an organisation, the Secretariat."""

    code = models.CharField(
        _("code"),
        max_length=15,
        unique=True,
        validators=[
            RegexValidator(
                r"^[A-Z][A-Z0-9]{1,14}$",
                _("Capital letters and digits, e.g. MYS, IGF or ESCAP."),
            )
        ],
        help_text=_("Used in reference codes: ISO alpha-3 for states."),
    )
    name = models.CharField(_("name"), max_length=200, unique=True)
    short_name = models.CharField(
        _("short name"),
        max_length=40,
        blank=True,
        help_text=_("How reports name it, e.g. UN ESCAP; empty: the code."),
    )
    kind = models.CharField(_("kind"), max_length=30, choices=PartyKind.choices)
    iso3 = models.CharField(
        _("ISO 3166 alpha-3"),
        max_length=3,
        null=True,
        blank=True,
        unique=True,
        validators=[ISO3_VALIDATOR],
    )
    asean_member_since = models.DateField(
        _("ASEAN member since"),
        null=True,
        blank=True,
        help_text=_("For a member state; before this date it counts as observer."),
    )

    objects = PartyQuerySet.as_manager()

    class Meta:
        verbose_name = _("party")
        verbose_name_plural = _("parties")
        ordering = ["kind", "name"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind=PartyKind.MEMBER_STATE)
                | (Q(iso3__isnull=False) & Q(asean_member_since__isnull=False)),
                name="party_member_state_has_iso3_and_date",
                violation_error_message=_(
                    "A member state needs its ISO code and the date it joined ASEAN."
                ),
            ),
            models.CheckConstraint(
                condition=Q(iso3__isnull=True)
                | (Exact(Length("iso3"), 3) & Q(iso3=Upper("iso3"))),
                name="party_iso3_three_capitals",
            ),
            models.CheckConstraint(
                condition=Q(code=Upper("code")) & GreaterThanOrEqual(Length("code"), 2),
                name="party_code_capitals",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def label(self):
        """How a report names the party: a state by its name, an
        organisation by its short name or code (IGF, UN ESCAP)."""
        if self.iso3:
            return self.name
        return self.short_name or self.code

    def kind_on(self, date):
        """The party's kind at a date: a state is an observer before it joins."""
        if (
            self.kind == PartyKind.MEMBER_STATE
            and self.asean_member_since
            and date < self.asean_member_since
        ):
            return PartyKind.OBSERVER
        return self.kind

    def is_member_state_on(self, date):
        return self.kind_on(date) == PartyKind.MEMBER_STATE


def nomination_letter_path(instance, filename):
    # A generated name: the uploader's file name never reaches the disk.
    return f"nominations/{instance.meeting_id}/{secrets.token_hex(16)}.pdf"


def delegate_photo_path(instance, filename):
    # Generated, like the letters'; the photo is re-encoded to JPEG first.
    return f"photos/{secrets.token_hex(16)}.jpg"


class Delegation(models.Model):
    """A party's representation at one meeting."""

    meeting = models.ForeignKey(
        Meeting,
        verbose_name=_("meeting"),
        on_delete=models.CASCADE,
        related_name="delegations",
    )
    party = models.ForeignKey(
        Party,
        verbose_name=_("party"),
        on_delete=models.PROTECT,
        related_name="delegations",
    )
    quota = models.PositiveSmallIntegerField(
        _("quota of delegates"),
        null=True,
        blank=True,
        help_text=_("Most approved delegates; empty for no limit."),
    )
    focal_points = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("focal points"),
        blank=True,
        related_name="focal_point_delegations",
    )
    notes = models.TextField(_("notes"), blank=True)
    nomination_letter = models.FileField(
        _("nomination letter / note verbale"),
        upload_to=nomination_letter_path,
        blank=True,
    )
    nomination_letter_uploaded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("delegation")
        verbose_name_plural = _("delegations")
        ordering = ["meeting", "party__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "party"], name="delegation_unique_party_per_meeting"
            ),
            models.CheckConstraint(
                condition=Q(quota__isnull=True) | Q(quota__gte=0),
                name="delegation_quota_not_negative",
            ),
        ]

    def __str__(self):
        return f"{self.party} at {self.meeting.slug}"

    def kind(self):
        return self.party.kind_on(self.meeting.start_date)


def mask_passport(number):
    """All but the last three characters hidden, and never fewer than three."""
    if not number:
        return ""
    return "•" * max(len(number) - 3, 3) + number[-3:]


def email_is(email, field="email"):
    """A filter for the address, ignoring case as the unique constraint on
    LOWER(email) does, so that the lookup and the constraint always agree and
    PostgreSQL answers from that constraint's index (`iexact` compares
    UPPER() and scans the table)."""
    return Exact(Lower(field), Lower(models.Value(email)))


class Delegate(models.Model):
    """A person who takes part in meetings, across meetings."""

    class Honorific(models.TextChoices):
        MR = "Mr", _("Mr")
        MS = "Ms", _("Ms")
        MRS = "Mrs", _("Mrs")
        DR = "Dr", _("Dr")
        PROF = "Prof", _("Prof")
        HE = "H.E.", _("H.E.")
        IR = "Ir.", _("Ir.")

    honorific = models.CharField(
        _("honorific"), max_length=10, choices=Honorific.choices, blank=True
    )
    given_name = models.CharField(_("given name"), max_length=100, blank=True)
    family_name = models.CharField(
        _("family name"),
        max_length=100,
        help_text=_("Or the only name, for a person with one name."),
    )
    badge_name = models.CharField(
        _("name on badge"), max_length=60, blank=True, help_text=_("Empty: full name.")
    )
    position = models.CharField(_("position"), max_length=200, blank=True)
    agency = models.CharField(_("agency or ministry"), max_length=300, blank=True)
    email = models.EmailField(_("email"), max_length=254)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    nationality = models.CharField(
        _("nationality (ISO alpha-3)"),
        max_length=3,
        blank=True,
        validators=[ISO3_VALIDATOR],
    )
    dietary_requirements = models.CharField(
        _("dietary requirements"), max_length=300, blank=True
    )
    accessibility_needs = models.CharField(
        _("accessibility needs"), max_length=300, blank=True
    )
    preferred_language = models.CharField(
        _("preferred language"),
        max_length=8,
        choices=settings.LANGUAGES,
        default="en",
    )
    # Sensitive: needed only for letters of invitation for visas.
    # Encrypted at rest (jwg_portal.crypto): a dump shows no passport number.
    passport_number = EncryptedCharField(
        _("passport number"), plain_max_length=20, blank=True
    )
    passport_expiry = models.DateField(_("passport expiry"), null=True, blank=True)
    passport_country = models.CharField(
        _("passport issued by (ISO alpha-3)"),
        max_length=3,
        blank=True,
        validators=[ISO3_VALIDATOR],
    )
    photo = models.ImageField(
        _("photo"),
        upload_to=delegate_photo_path,
        blank=True,
        help_text=_("For the badge. Re-encoded on upload; never public."),
    )
    personal_data_purged_at = models.DateTimeField(
        _("sensitive data purged at"), null=True, blank=True, editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("delegate")
        verbose_name_plural = _("delegates")
        ordering = ["family_name", "given_name"]
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                name="delegate_unique_email_ci",
                violation_error_message=_("A delegate with this email exists."),
            ),
            models.CheckConstraint(
                condition=~Q(family_name=""), name="delegate_family_name_required"
            ),
        ]
        # The admin's list in name order pages through this, not a sort.
        indexes = [models.Index(fields=["family_name", "given_name", "id"])]
        permissions = [("view_passport", _("Can see passport details"))]

    def __str__(self):
        return self.full_name

    @property
    def full_name(self):
        return " ".join(
            part for part in (self.honorific, self.given_name, self.family_name) if part
        )

    @property
    def name_on_badge(self):
        return self.badge_name or " ".join(
            part for part in (self.given_name, self.family_name) if part
        )

    @property
    def masked_passport(self):
        return mask_passport(self.passport_number)


class Registration(models.Model):
    """A delegate at a meeting, through a delegation."""

    class Role(models.TextChoices):
        HEAD = "head", _("Head of Delegation")
        ALTERNATE = "alternate", _("Alternate Head of Delegation")
        DELEGATE = "delegate", _("Delegate")
        OBSERVER = "observer", _("Observer")
        RESOURCE_PERSON = "resource_person", _("Resource Person")
        SECRETARIAT = "secretariat", _("Secretariat")
        ORGANISING_COMMITTEE = "organising_committee", _("Organising Committee")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        WAITLISTED = "waitlisted", _("Waitlisted")
        REJECTED = "rejected", _("Rejected")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    class Endorsement(models.TextChoices):
        AWAITING = "awaiting", _("Awaiting the focal point")
        ENDORSED = "endorsed", _("Endorsed")
        DECLINED = "declined", _("Declined")

    ACTIVE_STATUSES = (Status.PENDING, Status.APPROVED, Status.WAITLISTED)

    meeting = models.ForeignKey(
        Meeting,
        verbose_name=_("meeting"),
        on_delete=models.CASCADE,
        related_name="registrations",
    )
    delegation = models.ForeignKey(
        Delegation,
        verbose_name=_("delegation"),
        # A delegation with registrations cannot be deleted on its own, but
        # deleting the whole meeting takes both.
        on_delete=models.RESTRICT,
        related_name="registrations",
    )
    delegate = models.ForeignKey(
        Delegate,
        verbose_name=_("delegate"),
        on_delete=models.PROTECT,
        related_name="registrations",
    )
    role = models.CharField(
        _("role"), max_length=30, choices=Role.choices, default=Role.DELEGATE
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PENDING
    )
    sessions = models.ManyToManyField(
        Session, verbose_name=_("sessions"), blank=True, related_name="registrations"
    )
    reference = models.CharField(_("reference"), max_length=40, unique=True)
    token = models.CharField(max_length=64, unique=True, editable=False)
    needs_visa_letter = models.BooleanField(
        _("needs a letter of invitation for a visa"), default=False
    )
    arrival_date = models.DateField(_("arrival"), null=True, blank=True)
    departure_date = models.DateField(_("departure"), null=True, blank=True)
    consent_privacy_at = models.DateTimeField(
        _("accepted the privacy notice at"), null=True, blank=True
    )
    consent_publish = models.BooleanField(
        _("may appear in the published list of participants"), default=False
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Empty when the delegate registered themselves."),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decision_reason = models.TextField(_("reason for the decision"), blank=True)
    endorsement = models.CharField(
        _("focal point's endorsement"),
        max_length=10,
        choices=Endorsement.choices,
        default=Endorsement.AWAITING,
    )
    endorsed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("endorsed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    endorsed_at = models.DateTimeField(_("endorsed at"), null=True, blank=True)
    # Both snapshots may hold a passport number: encrypted like the field.
    approved_snapshot = EncryptedJSONField(
        _("approved version"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("What the secretariat approved, kept while a change awaits."),
    )
    proposed_details = EncryptedJSONField(
        _("details awaiting the delegate's confirmation"),
        null=True,
        blank=True,
        editable=False,
        help_text=_(
            "Values entered with this registration that differ from those held "
            "for the person; applied only once confirmed through the private "
            "link, so nobody can change a person's details by knowing their "
            "email address."
        ),
    )
    created_at = models.DateTimeField(_("submitted at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        ordering = ["meeting", "reference"]
        constraints = [
            models.UniqueConstraint(
                fields=["delegate", "meeting"],
                condition=Q(status__in=["pending", "approved", "waitlisted"]),
                name="registration_one_active_per_person_and_meeting",
                violation_error_message=_(
                    "This person already has an active registration for this meeting."
                ),
            ),
            models.UniqueConstraint(
                fields=["delegation"],
                condition=Q(role="head", status__in=["pending", "approved"]),
                name="registration_one_head_per_delegation",
                violation_error_message=_(
                    "This delegation already has a Head of Delegation."
                ),
            ),
            models.CheckConstraint(
                condition=Q(arrival_date__isnull=True)
                | Q(departure_date__isnull=True)
                | Q(departure_date__gte=F("arrival_date")),
                name="registration_departs_after_arrival",
                violation_error_message=_("Departure cannot be before arrival."),
            ),
            models.CheckConstraint(
                condition=GreaterThanOrEqual(Length("token"), 32),
                name="registration_token_long",
            ),
        ]
        indexes = [
            models.Index(fields=["meeting", "status"]),
            models.Index(fields=["delegation", "status"]),
            # The admin's list, newest first: read backwards, it pages
            # without sorting every registration.
            models.Index(fields=["created_at", "id"]),
        ]

    def __str__(self):
        return f"{self.reference} {self.delegate}"

    def save(self, *args, **kwargs):
        if not self.token:
            self.token = new_token()
        super().save(*args, **kwargs)

    @property
    def is_active(self):
        return self.status in self.ACTIVE_STATUSES


def new_token():
    return secrets.token_urlsafe(32)


class RegistrationEvent(models.Model):
    """One step in a registration's life: who did what, when, and why."""

    registration = models.ForeignKey(
        Registration,
        verbose_name=_("registration"),
        on_delete=models.CASCADE,
        related_name="events",
    )
    at = models.DateTimeField(_("at"), auto_now_add=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Empty when the delegate acted through their private link."),
    )
    action = models.CharField(_("action"), max_length=30)
    from_status = models.CharField(_("from"), max_length=20, blank=True)
    to_status = models.CharField(_("to"), max_length=20, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("registration event")
        verbose_name_plural = _("registration events")
        ordering = ["registration", "at", "pk"]

    def __str__(self):
        return f"{self.registration.reference}: {self.action}"


class Attendance(models.Model):
    """Whether a registered delegate was at a session, and who recorded it."""

    class Status(models.TextChoices):
        PRESENT = "present", _("Present")
        ABSENT = "absent", _("Absent")
        EXCUSED = "excused", _("Excused")

    class Method(models.TextChoices):
        SCAN = "scan", _("Badge scan")
        SEARCH = "search", _("Name search at the desk")
        ADMIN = "admin", _("Admin")
        SHEET = "sheet", _("Signed sign-in sheet")
        IMPORT = "import", _("Import")

    registration = models.ForeignKey(
        Registration,
        verbose_name=_("registration"),
        on_delete=models.CASCADE,
        related_name="attendances",
    )
    session = models.ForeignKey(
        Session,
        verbose_name=_("session"),
        on_delete=models.CASCADE,
        related_name="attendances",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PRESENT
    )
    method = models.CharField(
        _("recorded by way of"), max_length=10, choices=Method.choices
    )
    recorded_at = models.DateTimeField(_("recorded at"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    override = models.BooleanField(
        _("admitted by override"),
        default=False,
        help_text=_("Recorded although the delegate had not chosen this session."),
    )

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        ordering = ["session", "registration"]
        constraints = [
            models.UniqueConstraint(
                fields=["registration", "session"],
                name="attendance_one_record_per_session",
            ),
        ]
        indexes = [
            models.Index(fields=["session", "status"]),
            # The admin's list, latest first, whole or for one session.
            models.Index(fields=["recorded_at", "id"]),
            models.Index(fields=["session", "recorded_at", "id"]),
        ]
        permissions = [("check_in", _("Can check delegates in at the desk"))]

    def __str__(self):
        return f"{self.registration.reference} at {self.session.title}: {self.status}"


def new_badge_code():
    return secrets.token_urlsafe(18)


class BadgeCode(models.Model):
    """The secret a badge's QR code carries: random, never the primary key.

    Reissuing a badge revokes the live code and draws a new one, so a lost
    badge stops working at the door; a revoked code is kept to say so.
    """

    registration = models.ForeignKey(
        Registration,
        verbose_name=_("registration"),
        on_delete=models.CASCADE,
        related_name="badge_codes",
    )
    code = models.CharField(
        _("code"), max_length=64, unique=True, default=new_badge_code, editable=False
    )
    issued_at = models.DateTimeField(_("issued at"), auto_now_add=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("issued by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("badge code")
        verbose_name_plural = _("badge codes")
        ordering = ["registration", "-issued_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["registration"],
                condition=Q(revoked_at__isnull=True),
                name="badge_one_live_code_per_registration",
            ),
            models.CheckConstraint(
                condition=GreaterThanOrEqual(Length("code"), 20),
                name="badge_code_long",
            ),
        ]

    def __str__(self):
        return f"{self.registration.reference} badge"

    @property
    def is_live(self):
        return self.revoked_at is None


class ActionItemParty(models.Model):
    """A party responsible for an action item.

    The action lives in `meetings`, which may not know parties, so the link
    is kept here; the bodies responsible are on the action itself.
    """

    action_item = models.ForeignKey(
        "meetings.ActionItem",
        verbose_name=_("action item"),
        on_delete=models.CASCADE,
        related_name="responsible_party_links",
    )
    party = models.ForeignKey(
        Party,
        verbose_name=_("party"),
        on_delete=models.PROTECT,
        related_name="actions",
    )

    class Meta:
        verbose_name = _("responsible party")
        verbose_name_plural = _("responsible parties")
        ordering = ["action_item", "party__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["action_item", "party"], name="action_item_party_unique"
            ),
        ]

    def __str__(self):
        return self.party.label


class PersonalDataPurge(models.Model):
    """A record that the sensitive fields of a meeting's delegates were purged.

    Kept after the data are gone, so the secretariat can show when and under
    which retention period it happened; it holds counts, never the data.
    """

    meeting = models.ForeignKey(
        Meeting,
        verbose_name=_("meeting"),
        on_delete=models.PROTECT,
        related_name="personal_data_purges",
    )
    ran_at = models.DateTimeField(_("ran at"), default=timezone.now)
    retention_days = models.PositiveIntegerField(_("retention (days after the end)"))
    delegates_purged = models.PositiveIntegerField(_("delegates purged"), default=0)
    delegates_kept = models.PositiveIntegerField(
        _("delegates kept for a later meeting"), default=0
    )
    fields = models.JSONField(_("fields purged"), default=list)
    ran_by = models.CharField(_("ran by"), max_length=150, blank=True)

    class Meta:
        verbose_name = _("personal data purge")
        verbose_name_plural = _("personal data purges")
        ordering = ["-ran_at"]

    def __str__(self):
        return f"{self.meeting.slug} purged {self.ran_at:%Y-%m-%d}"
