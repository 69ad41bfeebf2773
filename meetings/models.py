"""The programme: bodies, the meetings they hold, sessions and agenda items."""

import datetime
import secrets
import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class PartyKind(models.TextChoices):
    """The kinds of party; here because a session says which kinds may attend.

    The order of the members is the order of the List of Participants.
    """

    MEMBER_STATE = "member_state", _("ASEAN Member State")
    OBSERVER = "observer", _("Observer")
    DIALOGUE_PARTNER = "dialogue_partner", _("Dialogue Partner")
    INTERNATIONAL_ORGANISATION = (
        "international_organisation",
        _("International organisation"),
    )
    ASEAN_SECRETARIAT = "asean_secretariat", _("ASEAN Secretariat")
    HOST_COMMITTEE = "host_committee", _("Host organising committee")


def validate_time_zone(value):
    if value not in zoneinfo.available_timezones():
        raise ValidationError(
            _("%(value)s is not a known IANA time zone, e.g. Asia/Makassar."),
            params={"value": value},
        )


def validate_party_kinds(value):
    if not isinstance(value, list) or not all(
        kind in PartyKind.values for kind in value
    ):
        raise ValidationError(_("Choose kinds of party from the list."))


def all_party_kinds():
    return list(PartyKind.values)


class Body(models.Model):
    """A forum that meets again and again: ASOMM, the JWG, a working group."""

    class Kind(models.TextChoices):
        MINISTERIAL = "ministerial", _("Ministerial meeting")
        SENIOR_OFFICIALS = "senior_officials", _("Senior officials meeting")
        WORKING_GROUP = "working_group", _("Working group")
        TASK_FORCE = "task_force", _("Task force")
        STEERING_COMMITTEE = "steering_committee", _("Project steering committee")
        WORKSHOP = "workshop", _("Workshop")
        FORUM = "forum", _("Forum")

    acronym = models.CharField(
        _("acronym"),
        max_length=30,
        unique=True,
        validators=[
            RegexValidator(
                r"^[A-Za-z0-9][A-Za-z0-9-]*$",
                _("Letters, digits and hyphens only, e.g. WGTIM or ASEAN-IGF."),
            )
        ],
    )
    name = models.CharField(_("full name"), max_length=300)
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("reports to"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="subsidiaries",
    )
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("body")
        verbose_name_plural = _("bodies")
        ordering = ["acronym"]

    def __str__(self):
        return f"{self.acronym}: {self.name}"


class MeetingQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status__in=Meeting.PUBLIC_STATUSES)


class Meeting(models.Model):
    """One gathering of a body, with its associated meetings as sessions.

    `window_starts_at` and `window_ends_at` are the meeting's first and last
    local days as UTC instants. They are derived in `save()` and exist so that
    the database itself can refuse a session outside the meeting's dates (see
    the triggers in the migrations).
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        CLOSED = "closed", _("Closed")
        ARCHIVED = "archived", _("Archived")

    PUBLIC_STATUSES = (Status.PUBLISHED, Status.CLOSED, Status.ARCHIVED)

    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    title = models.CharField(_("title"), max_length=300)
    body = models.ForeignKey(
        Body,
        verbose_name=_("convening body"),
        on_delete=models.PROTECT,
        related_name="meetings",
    )
    number = models.PositiveSmallIntegerField(
        _("ordinal number"), help_text=_("11 for the 11th JWG.")
    )
    host_country = models.CharField(
        _("host country (ISO 3166 alpha-3)"),
        max_length=3,
        validators=[RegexValidator(r"^[A-Z]{3}$", _("Three capital letters."))],
    )
    host_organisation = models.CharField(
        _("host organisation"), max_length=300, blank=True
    )
    venue = models.CharField(_("venue"), max_length=300, blank=True)
    city = models.CharField(_("city"), max_length=120)
    start_date = models.DateField(_("first day"))
    end_date = models.DateField(_("last day"))
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        default="Asia/Jakarta",
        validators=[validate_time_zone],
        help_text=_("IANA name of the venue's zone, e.g. Asia/Makassar (WITA)."),
    )
    registration_opens_at = models.DateTimeField(
        _("registration opens"), null=True, blank=True
    )
    registration_closes_at = models.DateTimeField(
        _("registration closes"), null=True, blank=True
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    description = models.TextField(_("description"), blank=True)
    is_demo = models.BooleanField(
        _("demo content"),
        default=False,
        help_text=_("Invented for demonstration; not a record of a real meeting."),
    )
    window_starts_at = models.DateTimeField(editable=False)
    window_ends_at = models.DateTimeField(editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = MeetingQuerySet.as_manager()

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        ordering = ["-start_date", "slug"]
        constraints = [
            models.UniqueConstraint(
                fields=["body", "number"], name="meeting_unique_body_number"
            ),
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date")),
                name="meeting_ends_on_or_after_start",
                violation_error_message=_("The last day cannot be before the first."),
            ),
            models.CheckConstraint(
                condition=Q(registration_opens_at__isnull=True)
                | Q(registration_closes_at__isnull=True)
                | Q(registration_closes_at__gt=F("registration_opens_at")),
                name="meeting_registration_closes_after_opening",
                violation_error_message=_("Registration must close after it opens."),
            ),
            models.CheckConstraint(
                condition=Q(number__gte=1), name="meeting_number_positive"
            ),
        ]
        indexes = [models.Index(fields=["status", "start_date"])]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        self.window_starts_at, self.window_ends_at = self.local_window()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {
                *update_fields,
                "window_starts_at",
                "window_ends_at",
            }
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("meetings:detail", kwargs={"slug": self.slug})

    @property
    def tz(self):
        return zoneinfo.ZoneInfo(self.time_zone)

    def local_window(self):
        """The first and last days, as the instants they begin and end locally."""
        tz = self.tz
        start = datetime.datetime.combine(self.start_date, datetime.time(), tzinfo=tz)
        end = datetime.datetime.combine(
            self.end_date + datetime.timedelta(days=1), datetime.time(), tzinfo=tz
        )
        return start, end

    def days(self):
        day = self.start_date
        while day <= self.end_date:
            yield day
            day += datetime.timedelta(days=1)

    def registration_state(self, now=None):
        """'open', 'not_yet', 'closed' or 'none' (no window set)."""
        if self.registration_opens_at is None or self.registration_closes_at is None:
            return "none"
        now = now or timezone.now()
        if now < self.registration_opens_at:
            return "not_yet"
        if now >= self.registration_closes_at:
            return "closed"
        return "open"

    def clean(self):
        super().clean()
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValidationError(
                {"end_date": _("The last day cannot be before the first.")}
            )


class Session(models.Model):
    """One of the associated meetings inside a meeting, at a place and time."""

    class Mode(models.TextChoices):
        IN_PERSON = "in_person", _("In person")
        HYBRID = "hybrid", _("Hybrid")
        ONLINE = "online", _("Online")

    meeting = models.ForeignKey(
        Meeting,
        verbose_name=_("meeting"),
        on_delete=models.CASCADE,
        related_name="sessions",
    )
    body = models.ForeignKey(
        Body,
        verbose_name=_("body"),
        on_delete=models.PROTECT,
        related_name="sessions",
    )
    title = models.CharField(_("title"), max_length=300)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    room = models.CharField(_("room"), max_length=120, blank=True)
    capacity = models.PositiveIntegerField(
        _("capacity"), null=True, blank=True, help_text=_("Empty: no limit.")
    )
    mode = models.CharField(
        _("mode"), max_length=20, choices=Mode.choices, default=Mode.IN_PERSON
    )
    open_to = models.JSONField(
        _("open to"),
        default=all_party_kinds,
        validators=[validate_party_kinds],
        help_text=_("The kinds of party that may take part."),
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    times_tentative = models.BooleanField(
        _("times tentative"),
        default=False,
        help_text=_("The date and time are a plan, not yet confirmed."),
    )

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        ordering = ["meeting", "starts_at", "order"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")),
                name="session_ends_after_start",
                violation_error_message=_("A session must end after it starts."),
            ),
            models.CheckConstraint(
                condition=Q(capacity__isnull=True) | Q(capacity__gte=0),
                name="session_capacity_not_negative",
            ),
        ]
        indexes = [models.Index(fields=["meeting", "starts_at"])]

    def __str__(self):
        return f"{self.meeting.slug}: {self.title}"

    def local_starts_at(self):
        return timezone.localtime(self.starts_at, self.meeting.tz)

    def local_ends_at(self):
        return timezone.localtime(self.ends_at, self.meeting.tz)

    def is_open_to(self, kind):
        return kind in self.open_to

    def clean(self):
        super().clean()
        # A session added together with a new meeting has no meeting_id yet,
        # but its meeting, and so the dates to check, is already set.
        try:
            meeting = self.meeting
        except Meeting.DoesNotExist:
            return
        if not (self.starts_at and self.ends_at):
            return
        if self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": _("A session must end after it starts.")})
        start, end = meeting.local_window()
        if self.starts_at < start or self.ends_at > end:
            raise ValidationError(
                _(
                    "A session must lie within its meeting's dates "
                    "(%(first)s to %(last)s, local time)."
                ),
                params={"first": meeting.start_date, "last": meeting.end_date},
            )


class AgendaItem(models.Model):
    """A numbered item on a session's agenda."""

    session = models.ForeignKey(
        Session,
        verbose_name=_("session"),
        on_delete=models.CASCADE,
        related_name="agenda_items",
    )
    number = models.CharField(
        _("number"),
        max_length=10,
        validators=[RegexValidator(r"^\d+(\.\d+)*$", _("A number such as 3 or 3.1."))],
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("agenda item")
        verbose_name_plural = _("agenda items")
        ordering = ["session", "order", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "number"], name="agenda_item_unique_number"
            ),
        ]

    def __str__(self):
        return f"{self.number}. {self.title}"


def new_read_token():
    """A private, unguessable token for the minutes' read-only link."""
    return secrets.token_urlsafe(32)


class Minutes(models.Model):
    """The record of one session: what was discussed, concluded and to do.

    Written in Markdown, rendered sanitised. Adopted minutes are read-only
    until the secretariat reopens them; every change keeps a revision.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        CIRCULATED = "circulated", _("Circulated for comment")
        ADOPTED = "adopted", _("Adopted")
        ADOPTED_AD_REFERENDUM = "adopted_ad_referendum", _("Adopted ad referendum")

    ADOPTED_STATUSES = (Status.ADOPTED, Status.ADOPTED_AD_REFERENDUM)

    session = models.OneToOneField(
        Session,
        verbose_name=_("session"),
        on_delete=models.CASCADE,
        related_name="minutes",
    )
    status = models.CharField(
        _("status"), max_length=30, choices=Status.choices, default=Status.DRAFT
    )
    introduction = models.TextField(
        _("introduction"), blank=True, help_text=_("Markdown.")
    )
    rapporteurs = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("rapporteurs"),
        blank=True,
        related_name="rapporteur_minutes",
    )
    circulated_at = models.DateTimeField(_("circulated at"), null=True, blank=True)
    comments_due = models.DateField(_("comments due"), null=True, blank=True)
    adopted_on = models.DateField(_("adopted on"), null=True, blank=True)
    is_demo = models.BooleanField(_("demo content"), default=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    read_token = models.CharField(
        _("read token"),
        max_length=64,
        unique=True,
        default=new_read_token,
        editable=False,
        help_text=_("The private part of the read-only link mailed on circulation."),
    )

    class Meta:
        verbose_name = _("minutes")
        verbose_name_plural = _("minutes")
        ordering = ["session__meeting", "session__starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(status__in=["adopted", "adopted_ad_referendum"])
                    & Q(adopted_on__isnull=False)
                )
                | (Q(status__in=["draft", "circulated"]) & Q(adopted_on__isnull=True)),
                name="minutes_adopted_iff_dated",
                violation_error_message=_(
                    "Adopted minutes carry their date of adoption, and only they."
                ),
            ),
        ]
        permissions = [
            ("manage_minutes", _("Can circulate, adopt and reopen minutes")),
        ]

    def __str__(self):
        return str(_("Minutes of %(session)s") % {"session": self.session.title})

    @property
    def is_adopted(self):
        return self.status in self.ADOPTED_STATUSES


class MinutesItem(models.Model):
    """The record of one agenda item: the discussion in summary."""

    minutes = models.ForeignKey(
        Minutes,
        verbose_name=_("minutes"),
        on_delete=models.CASCADE,
        related_name="items",
    )
    agenda_item = models.OneToOneField(
        AgendaItem,
        verbose_name=_("agenda item"),
        on_delete=models.CASCADE,
        related_name="record",
    )
    discussion = models.TextField(
        _("discussion in summary"), blank=True, help_text=_("Markdown.")
    )

    class Meta:
        verbose_name = _("record of an agenda item")
        verbose_name_plural = _("records of agenda items")
        ordering = ["minutes", "agenda_item__order", "agenda_item__number"]

    def __str__(self):
        return str(self.agenda_item)


class Conclusion(models.Model):
    """What the meeting agreed, noted, endorsed, adopted or requested."""

    class Kind(models.TextChoices):
        AGREED = "agreed", _("agreed")
        NOTED = "noted", _("noted")
        ENDORSED = "endorsed", _("endorsed")
        ADOPTED_AD_REFERENDUM = "adopted_ad_referendum", _("adopted ad referendum")
        REQUESTED = "requested", _("requested")

    item = models.ForeignKey(
        MinutesItem,
        verbose_name=_("agenda item"),
        on_delete=models.CASCADE,
        related_name="conclusions",
    )
    kind = models.CharField(_("the Meeting"), max_length=30, choices=Kind.choices)
    text = models.TextField(_("text"), help_text=_("Markdown."))
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("conclusion")
        verbose_name_plural = _("conclusions")
        ordering = ["item", "order", "pk"]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.text[:60]}"


class ActionItem(models.Model):
    """A follow-up the meeting decided, tracked until done or dropped, and
    brought back as a matter arising when the body meets again."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")
        DROPPED = "dropped", _("Dropped")

    OPEN_STATUSES = (Status.OPEN, Status.IN_PROGRESS)

    item = models.ForeignKey(
        MinutesItem,
        verbose_name=_("agenda item"),
        on_delete=models.CASCADE,
        related_name="actions",
    )
    text = models.TextField(_("action"), help_text=_("Markdown."))
    responsible_bodies = models.ManyToManyField(
        Body,
        verbose_name=_("responsible bodies"),
        blank=True,
        related_name="actions",
    )
    responsible_note = models.CharField(
        _("responsible (as the minutes say it)"),
        max_length=300,
        blank=True,
        help_text=_("e.g. All AMS; the ASEAN Secretariat with Indonesia."),
    )
    due_date = models.DateField(_("due"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.OPEN
    )
    progress_note = models.TextField(_("progress"), blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("action item")
        verbose_name_plural = _("action items")
        ordering = ["item", "pk"]
        indexes = [models.Index(fields=["status", "due_date"])]

    def __str__(self):
        return self.text[:80]


class MinutesRevision(models.Model):
    """One saved state of a session's minutes: who, when, what changed."""

    minutes = models.ForeignKey(
        Minutes,
        verbose_name=_("minutes"),
        on_delete=models.CASCADE,
        related_name="revisions",
    )
    number = models.PositiveIntegerField(_("revision"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("at"), auto_now_add=True)
    action = models.CharField(_("action"), max_length=30)
    note = models.TextField(_("note"), blank=True)
    content = models.JSONField(_("content"))

    class Meta:
        verbose_name = _("minutes revision")
        verbose_name_plural = _("minutes revisions")
        ordering = ["minutes", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["minutes", "number"], name="minutes_revision_unique_number"
            ),
        ]

    def __str__(self):
        return f"{self.minutes} r{self.number}"
