"""Every route of the project, asked for by every kind of user.

`TABLE` is the permission matrix of docs/permissions.md, route by route: for
each URL pattern, what an anonymous visitor, a delegate with their private
link, a focal point of the object's delegation and of another one, check-in
staff, a rapporteur, the secretariat and a superuser get. The walk goes
through every pattern of the URL resolver (includes and the admin's
patterns too) and fails on any the table does not list, so no route can be
added without saying who may open it.
"""

import copy
import datetime
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

import pytest
from auditlog.models import LogEntry
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import URLResolver, get_resolver, reverse
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice
from PIL import Image
from reportlab.pdfgen import canvas

from accounts.roles import (
    CHECK_IN_STAFF,
    FOCAL_POINT,
    RAPPORTEUR,
    SECRETARIAT,
    role_assign,
)
from delegates import services
from delegates.models import ActionItemParty, PersonalDataPurge, Registration
from delegates.reports import REPORTS
from meetings import services as meeting_services
from meetings.models import ActionItem, Conclusion
from tests.factories import (
    AgendaItemFactory,
    AttendanceFactory,
    DelegateFactory,
    DelegationFactory,
    MeetingFactory,
    MemberStateFactory,
    RegistrationFactory,
    SessionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def pdf_bytes():
    """A real one-page PDF: uploads are parsed, not judged by their name."""
    out = io.BytesIO()
    letter = canvas.Canvas(out)
    letter.drawString(72, 720, "Nomination")
    letter.showPage()
    letter.save()
    return out.getvalue()


PDF = pdf_bytes()


def jpeg_bytes():
    out = io.BytesIO()
    Image.new("RGB", (8, 10), "grey").save(out, "JPEG")
    return out.getvalue()


DOCS = Path(__file__).resolve().parents[2] / "docs" / "permissions.md"

# The columns of the matrix.
ANONYMOUS = "anonymous"
DELEGATE = "delegate"  # anonymous, holding their private link
FOCAL = "focal point"  # of the delegation whose objects the URLs name
OTHER_FOCAL = "other focal point"  # of another delegation to the same meeting
CHECK_IN = "check-in staff"
RAPPORTEUR_USER = "rapporteur"  # assigned to the minutes the URLs name
SECRETARIAT_USER = "secretariat"
SUPERUSER = "superuser"
COLUMNS = (
    ANONYMOUS,
    DELEGATE,
    FOCAL,
    OTHER_FOCAL,
    CHECK_IN,
    RAPPORTEUR_USER,
    SECRETARIAT_USER,
    SUPERUSER,
)
STAFF = (RAPPORTEUR_USER, SECRETARIAT_USER, SUPERUSER)

# Answers besides plain status codes.
LOGIN = "302 to sign in"  # /accounts/login/?next=<the page>
ADMIN_LOGIN = "302 to the admin's sign-in"  # /admin/login/?next=<the page>
REDIRECT = "302 elsewhere"
EDIT = "200, editable"  # an admin change page with a Save button
READ = "200, read-only"  # an admin change page without one
FOUND = 200


def row(*answers):
    assert len(answers) == len(COLUMNS)
    return dict(zip(COLUMNS, answers, strict=True))


# The rows that recur. A focal point's objects of another delegation are a
# 404, never a 403 that would confirm they exist.
PUBLIC = row(*[FOUND] * 8)
TOKEN = row(404, *[FOUND] * 7)  # anonymous: a made-up token
SIGNED_IN = row(LOGIN, LOGIN, *[FOUND] * 6)
FOCAL_ONLY = row(LOGIN, LOGIN, FOUND, 404, 404, 404, 404, 404)
DESK = row(LOGIN, LOGIN, 403, 403, FOUND, 403, FOUND, FOUND)
TRACKER = row(LOGIN, LOGIN, 403, 403, 403, 403, FOUND, FOUND)


def staff_row(rapporteur, secretariat, superuser=FOUND, *, anonymous=LOGIN):
    """An admin page: users without is_staff are sent to the admin's sign-in
    page; the anonymous to the portal's, except on the admin site's own
    pages (index, app pages, ...), which name the admin's."""
    return row(
        anonymous,
        anonymous,
        ADMIN_LOGIN,
        ADMIN_LOGIN,
        ADMIN_LOGIN,
        rapporteur,
        secretariat,
        superuser,
    )


STAFF_ONLY = staff_row(FOUND, FOUND)
SECRETARIAT_ONLY = staff_row(403, FOUND)
SITE_STAFF_ONLY = staff_row(FOUND, FOUND, anonymous=ADMIN_LOGIN)


@dataclass
class Request:
    url: Callable  # world -> the address, path parameters filled in
    expect: dict
    method: str = "get"
    label: str = ""
    data: dict = field(default_factory=dict)


def get(url, expect, label=""):
    return [Request(url, expect, label=label)]


def post(url, expect, data=None):
    """A POST-only route, asked with a POST (undone after the answer)."""
    return [Request(url, expect, method="post", data=data or {})]


def named(name, *attrs, query=""):
    """The address of a named route whose arguments are objects' attributes
    (dotted paths on the world)."""

    def url(w):
        args = [attrgetter_path(w, attr) for attr in attrs]
        return reverse(name, args=args) + query

    return url


def attrgetter_path(obj, path):
    for part in path.split("."):
        obj = getattr(obj, part)
    return obj


# --- The table --------------------------------------------------------------

# Admin pages of each registered model, by role: v sees the list, the
# history and the change page read-only; c may change (the page has Save);
# a may add; d may delete. Users without is_staff never reach the admin.
NOTHING = ""
EVERYTHING = "vcad"
MODEL_ACCESS = {
    "auth.group": {RAPPORTEUR_USER: NOTHING, SECRETARIAT_USER: NOTHING},
    "auth.user": {RAPPORTEUR_USER: NOTHING, SECRETARIAT_USER: NOTHING},
    "otp_totp.totpdevice": {RAPPORTEUR_USER: NOTHING, SECRETARIAT_USER: NOTHING},
    # Sign-in records: nobody adds them by hand; the superuser unlocks.
    "axes.accessattempt": {
        RAPPORTEUR_USER: NOTHING,
        SECRETARIAT_USER: "v",
        SUPERUSER: "vd",
    },
    "axes.accesslog": {RAPPORTEUR_USER: NOTHING, SECRETARIAT_USER: "v", SUPERUSER: "v"},
    "axes.accessfailurelog": {
        RAPPORTEUR_USER: NOTHING,
        SECRETARIAT_USER: "v",
        SUPERUSER: "v",
    },
    # The audit log is read-only for everyone.
    "auditlog.logentry": {
        RAPPORTEUR_USER: NOTHING,
        SECRETARIAT_USER: "v",
        SUPERUSER: "v",
    },
    "meetings.body": {RAPPORTEUR_USER: NOTHING, SECRETARIAT_USER: EVERYTHING},
    "meetings.meeting": {RAPPORTEUR_USER: NOTHING, SECRETARIAT_USER: EVERYTHING},
    "meetings.session": {RAPPORTEUR_USER: NOTHING, SECRETARIAT_USER: EVERYTHING},
    "meetings.agendaitem": {RAPPORTEUR_USER: NOTHING, SECRETARIAT_USER: EVERYTHING},
    # A rapporteur edits the minutes they are assigned to; the secretariat
    # starts (adds) and deletes them.
    "meetings.minutes": {RAPPORTEUR_USER: "vc", SECRETARIAT_USER: EVERYTHING},
    # One record per agenda item, made with the minutes: nobody adds one.
    "meetings.minutesitem": {
        RAPPORTEUR_USER: "vc",
        SECRETARIAT_USER: "vc",
        SUPERUSER: "vc",
    },
    # Every meeting's actions: the secretariat's (a rapporteur's are inline).
    "meetings.actionitem": {RAPPORTEUR_USER: NOTHING, SECRETARIAT_USER: EVERYTHING},
    "delegates.party": {RAPPORTEUR_USER: NOTHING, SECRETARIAT_USER: EVERYTHING},
    "delegates.delegation": {RAPPORTEUR_USER: NOTHING, SECRETARIAT_USER: EVERYTHING},
    "delegates.delegate": {RAPPORTEUR_USER: NOTHING, SECRETARIAT_USER: EVERYTHING},
    "delegates.registration": {RAPPORTEUR_USER: NOTHING, SECRETARIAT_USER: EVERYTHING},
    "delegates.attendance": {RAPPORTEUR_USER: NOTHING, SECRETARIAT_USER: EVERYTHING},
    # Written by purge_personal_data alone, and kept as the proof.
    "delegates.personaldatapurge": {
        RAPPORTEUR_USER: NOTHING,
        SECRETARIAT_USER: "v",
        SUPERUSER: "v",
    },
}

# The object each model's admin pages are asked about.
ADMIN_OBJECTS = {
    "auth.group": "group",
    "auth.user": "focal_a",
    "otp_totp.totpdevice": "device",
    "axes.accessattempt": "access_attempt",
    "axes.accesslog": "access_log",
    "axes.accessfailurelog": "access_failure_log",
    "auditlog.logentry": "log_entry",
    "meetings.body": "meeting.body",
    "meetings.meeting": "meeting",
    "meetings.session": "session",
    "meetings.agendaitem": "agenda_item",
    "meetings.minutes": "minutes",
    "meetings.minutesitem": "minutes_item",
    "meetings.actionitem": "action",
    "delegates.party": "delegation_a.party",
    "delegates.delegation": "delegation_a",
    "delegates.delegate": "registration_a.delegate",
    "delegates.registration": "registration_a",
    "delegates.attendance": "attendance",
    "delegates.personaldatapurge": "purge",
}


def model_rows(label, model_admin):
    """The table's rows for the standard pages of one model's admin."""
    access = {SUPERUSER: EVERYTHING, **MODEL_ACCESS[label]}
    opts = model_admin.opts
    info = f"admin:{opts.app_label}_{opts.model_name}"
    obj = ADMIN_OBJECTS[label]

    def answer(letter, granted=FOUND):
        return staff_row(*(granted if letter in access[who] else 403 for who in STAFF))

    def change_page(who):
        letters = access[who]
        if "c" in letters:
            return EDIT
        return READ if "v" in letters else 403

    def object_url(suffix):
        return lambda w: (
            f"/admin/{opts.app_label}/{opts.model_name}/"
            f"{attrgetter_path(w, obj).pk}/{suffix}"
        )

    return {
        f"{info}_changelist": get(named(f"{info}_changelist"), answer("v")),
        f"{info}_add": get(named(f"{info}_add"), answer("a")),
        f"{info}_history": get(named(f"{info}_history", f"{obj}.pk"), answer("v")),
        f"{info}_delete": get(named(f"{info}_delete", f"{obj}.pk"), answer("d")),
        f"{info}_change": get(
            named(f"{info}_change", f"{obj}.pk"),
            staff_row(*(change_page(who) for who in STAFF)),
        ),
        # The bare object address redirects to its change page.
        f"admin/{opts.app_label}/{opts.model_name}/<path:object_id>/": get(
            object_url(""), staff_row(REDIRECT, REDIRECT, REDIRECT)
        ),
    }


# Which reports each staff user may download from /admin/reports/.
REPORT_ACCESS = {
    "attendance-by-session": staff_row(403, FOUND),
    "attendance-matrix": staff_row(403, FOUND),
    "attendance-summary": staff_row(403, FOUND),
    "participants": staff_row(403, FOUND),
    "participants-internal": staff_row(403, FOUND),
    "sign-in-sheets": staff_row(403, FOUND),
    # Every session's minutes: not for a rapporteur, who sees only theirs.
    "report": staff_row(403, FOUND),
}

# The admin's page of each app: a 404 for a user who may see none of its models.
APP_ACCESS = {
    "auth": staff_row(404, 404, anonymous=ADMIN_LOGIN),
    "otp_totp": staff_row(404, 404, anonymous=ADMIN_LOGIN),
    "axes": staff_row(404, FOUND, anonymous=ADMIN_LOGIN),
    "auditlog": staff_row(404, FOUND, anonymous=ADMIN_LOGIN),
    "meetings": staff_row(FOUND, FOUND, anonymous=ADMIN_LOGIN),
    "delegates": staff_row(404, FOUND, anonymous=ADMIN_LOGIN),
}


def report_requests():
    return [
        Request(
            _report_url(identifier, REPORTS[identifier].formats[0]),
            expect,
            label=identifier,
        )
        for identifier, expect in REPORT_ACCESS.items()
    ]


def _report_url(identifier, fmt):
    return lambda w: reverse(
        "delegates_reports:download", args=[w.meeting.slug, identifier, fmt]
    )


def app_list_requests():
    return [
        Request(
            lambda w, app_label=app_label: reverse("admin:app_list", args=[app_label]),
            expect,
            label=app_label,
        )
        for app_label, expect in APP_ACCESS.items()
    ]


# Routes whose view is marked @login_not_required: the public allow-list.
PUBLIC_ROUTES = {
    "healthz",
    "set_language",
    "admin:login",
    "login",
    "accounts:login",
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
    "meetings:list",
    "meetings:detail",
    "meetings:minutes_read",
    "delegates:privacy",
    "delegates:register",
    "delegates:register_done",
    "delegates:lost_link",
    "delegates:manage",
    "delegates:edit",
    "delegates:withdraw",
    "delegates:letter",
    "delegates:my_data",
    "delegates:confirm_details",
    "photos:registration",
}

FOCAL_DELEGATION_ROUTES = [
    ("focal:delegation", "get"),
    ("focal:nominate", "get"),
    ("focal:letter_upload", "post"),
    ("focal:letter_download", "get"),
    ("focal:import", "get"),
    ("focal:import_template_xlsx", "get"),
    ("focal:import_template_csv", "get"),
    ("focal:export_csv", "get"),
]
FOCAL_REGISTRATION_ROUTES = [
    ("focal:edit", "get"),
    ("focal:endorse", "post"),
    ("focal:decline", "post"),
    ("focal:make_head", "post"),
    ("focal:withdraw", "post"),
]


def focal_rows():
    # What a focal point gets back from each: the page, or after a POST
    # (an action done) the delegation's page; a withdrawal first asks again
    # and a letter sent without a file shows the form's error.
    answers = {
        "focal:letter_upload": FOUND,
        "focal:endorse": REDIRECT,
        "focal:decline": REDIRECT,
        "focal:make_head": REDIRECT,
        "focal:withdraw": FOUND,
    }
    rows = {}
    for routes, obj in (
        (FOCAL_DELEGATION_ROUTES, "delegation_a.pk"),
        (FOCAL_REGISTRATION_ROUTES, "registration_a.pk"),
    ):
        for name, method in routes:
            expect = {**FOCAL_ONLY, FOCAL: answers.get(name, FOUND)}
            url = named(name, obj)
            rows[name] = post(url, expect) if method == "post" else get(url, expect)
    return rows


def build_table():
    table = {
        # Public pages.
        "healthz": get(named("healthz"), PUBLIC),
        # Without a POST it only sends the visitor back.
        "set_language": get(named("set_language"), row(*[REDIRECT] * 8)),
        "meetings:list": get(named("meetings:list"), PUBLIC),
        "meetings:detail": get(named("meetings:detail", "meeting.slug"), PUBLIC),
        "delegates:privacy": get(named("delegates:privacy"), PUBLIC),
        "delegates:register": get(named("delegates:register", "meeting.slug"), PUBLIC),
        "delegates:register_done": get(
            named("delegates:register_done", "meeting.slug"), PUBLIC
        ),
        "delegates:lost_link": get(
            named("delegates:lost_link", "meeting.slug"), PUBLIC
        ),
        # The private links: the token is the key, whoever holds it.
        "delegates:manage": get(named("delegates:manage", "token"), TOKEN),
        "delegates:edit": get(named("delegates:edit", "token"), TOKEN),
        "delegates:withdraw": get(named("delegates:withdraw", "token"), TOKEN),
        "delegates:letter": get(named("delegates:letter", "token"), TOKEN),
        "delegates:my_data": get(named("delegates:my_data", "token"), TOKEN),
        # Photos: the person's own through the private link; a focal point
        # those of their delegations' people; staff with view_delegate any.
        "photos:registration": get(named("photos:registration", "token"), TOKEN),
        "photos:delegate": get(
            named("photos:delegate", "registration_a.delegate.pk"),
            row(LOGIN, LOGIN, FOUND, 404, 404, 404, FOUND, FOUND),
        ),
        "delegates:confirm_details": post(
            named("delegates:confirm_details", "token"), row(404, *[REDIRECT] * 7)
        ),
        "meetings:minutes_read": get(
            named("meetings:minutes_read", "read_token"), TOKEN
        ),
        # Signing in and out.
        "login": get(named("login"), PUBLIC),
        "accounts:login": get(named("accounts:login"), PUBLIC),
        "logout": post(named("logout"), row(LOGIN, LOGIN, *[FOUND] * 6)),
        "password_change": get(named("password_change"), SIGNED_IN),
        "password_change_done": get(named("password_change_done"), SIGNED_IN),
        "password_reset": get(named("password_reset"), PUBLIC),
        "password_reset_done": get(named("password_reset_done"), PUBLIC),
        "password_reset_confirm": get(
            lambda w: reverse(
                "password_reset_confirm", args=["MQ", "not-a-real-token"]
            ),
            PUBLIC,
        ),
        "password_reset_complete": get(named("password_reset_complete"), PUBLIC),
        # The second factor. Staff here have one and gave its code; the
        # others have none.
        "accounts:two_factor": get(named("accounts:two_factor"), SIGNED_IN),
        "accounts:setup": get(
            named("accounts:setup"),
            row(LOGIN, LOGIN, FOUND, FOUND, FOUND, REDIRECT, REDIRECT, REDIRECT),
        ),
        "accounts:verify": get(
            named("accounts:verify"), row(LOGIN, LOGIN, *[REDIRECT] * 6)
        ),
        "accounts:remove": get(
            named("accounts:remove"),
            row(LOGIN, LOGIN, REDIRECT, REDIRECT, REDIRECT, FOUND, FOUND, FOUND),
        ),
        # The focal point's pages.
        "focal:home": get(named("focal:home"), SIGNED_IN),
        **focal_rows(),
        # The check-in desk.
        "checkin:sessions": get(named("checkin:sessions"), DESK),
        "checkin:desk": get(named("checkin:desk", "session.pk"), DESK),
        "checkin:sheet": get(named("checkin:sheet", "session.pk"), DESK),
        # The action tracker.
        "actions:tracker": get(named("actions:tracker"), TRACKER),
        "actions:export_csv": get(named("actions:export_csv"), TRACKER),
        "actions:export_xlsx": get(named("actions:export_xlsx"), TRACKER),
        # The admin's own pages.
        "admin:index": get(named("admin:index"), SITE_STAFF_ONLY),
        # Signed-in users without is_staff get the form; staff go on to the index.
        "admin:login": get(
            named("admin:login"), row(*[FOUND] * 5, REDIRECT, REDIRECT, REDIRECT)
        ),
        "admin:logout": post(
            named("admin:logout"),
            row(
                ADMIN_LOGIN,
                ADMIN_LOGIN,
                REDIRECT,
                REDIRECT,
                REDIRECT,
                FOUND,
                FOUND,
                FOUND,
            ),
        ),
        "admin:password_change": get(named("admin:password_change"), SITE_STAFF_ONLY),
        "admin:password_change_done": get(
            named("admin:password_change_done"), SITE_STAFF_ONLY
        ),
        "admin:autocomplete": get(
            named(
                "admin:autocomplete",
                query="?app_label=delegates&model_name=registration"
                "&field_name=delegate&term=a",
            ),
            staff_row(403, FOUND, anonymous=ADMIN_LOGIN),
        ),
        "admin:jsi18n": get(named("admin:jsi18n"), SITE_STAFF_ONLY),
        "admin:view_on_site": get(
            lambda w: reverse(
                "admin:view_on_site",
                args=[ContentType.objects.get_for_model(w.meeting).pk, w.meeting.pk],
            ),
            staff_row(REDIRECT, REDIRECT, REDIRECT, anonymous=ADMIN_LOGIN),
        ),
        "admin:app_list": app_list_requests(),
        # The admin's catch-all: 404 to staff, the rest sign in first.
        "admin/(?P<url>.*)$": get(
            lambda w: "/admin/no-such-page/",
            staff_row(404, 404, 404, anonymous=ADMIN_LOGIN),
        ),
        "admin:auth_user_password_change": get(
            named("admin:auth_user_password_change", "focal_a.pk"),
            staff_row(403, 403),
        ),
        # Nobody reads another's secret (OTP_ADMIN_HIDE_SENSITIVE_DATA).
        "admin:otp_totp_totpdevice_config": get(
            named("admin:otp_totp_totpdevice_config", "device.pk"),
            staff_row(403, 403, 403),
        ),
        "admin:otp_totp_totpdevice_qrcode": get(
            named("admin:otp_totp_totpdevice_qrcode", "device.pk"),
            staff_row(403, 403, 403),
        ),
        # Registrations: exports, decisions, the letter, badges.
        "admin:delegates_registration_export": get(
            lambda w: reverse("admin:delegates_registration_export", args=["csv"]),
            SECRETARIAT_ONLY,
        ),
        # The focal point's nomination letter, for the secretariat.
        "admin:delegates_delegation_letter": get(
            named("admin:delegates_delegation_letter", "delegation_a.pk"),
            SECRETARIAT_ONLY,
        ),
        "admin:delegates_registration_reject": get(
            named("admin:delegates_registration_reject", "registration_a.pk"),
            SECRETARIAT_ONLY,
        ),
        "admin:delegates_registration_letter": get(
            named("admin:delegates_registration_letter", "registration_a.pk"),
            SECRETARIAT_ONLY,
        ),
        "admin:delegates_registration_badge": get(
            named("admin:delegates_registration_badge", "registration_a.pk"),
            SECRETARIAT_ONLY,
        ),
        "admin:delegates_registration_badge_reissue": post(
            named("admin:delegates_registration_badge_reissue", "registration_a.pk"),
            staff_row(403, REDIRECT, REDIRECT),
        ),
        "admin:delegates_registration_meeting_badges": get(
            named("admin:delegates_registration_meeting_badges", "meeting.pk"),
            SECRETARIAT_ONLY,
        ),
        **{
            f"admin:delegates_registration_{decision}": post(
                named(f"admin:delegates_registration_{decision}", "registration_b.pk"),
                staff_row(403, REDIRECT, REDIRECT),
            )
            for decision in ("approve", "waitlist", "reopen")
        },
        # The minutes' workflow.
        "admin:meetings_minutes_revisions": get(
            named("admin:meetings_minutes_revisions", "minutes.pk"), STAFF_ONLY
        ),
        "admin:meetings_minutes_revisions_diff": get(
            named(
                "admin:meetings_minutes_revisions_diff", "minutes.pk", query="?a=1&b=1"
            ),
            STAFF_ONLY,
        ),
        "admin:meetings_minutes_preview": get(
            named("admin:meetings_minutes_preview", "minutes.pk"), STAFF_ONLY
        ),
        **{
            f"admin:meetings_minutes_{step}": get(
                named(f"admin:meetings_minutes_{step}", "minutes.pk"),
                SECRETARIAT_ONLY,
            )
            for step in ("circulate", "adopt", "reopen")
        },
        # Reports.
        "delegates_reports:index": get(named("delegates_reports:index"), STAFF_ONLY),
        "delegates_reports:download": report_requests(),
    }
    for model, model_admin in admin.site._registry.items():
        label = model._meta.label_lower
        if label in MODEL_ACCESS:
            table.update(model_rows(label, model_admin))
    return table


TABLE = build_table()
MADE_UP_TOKEN = "not-a-token-anyone-was-given-0123456789abcdef"


# --- The walk ----------------------------------------------------------------


def url_patterns(resolver=None, prefix="", namespaces=()):
    """(key, pattern) for every URL pattern: the key is the pattern's
    namespaced name, or its full route when it has no name."""
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            inner = (
                (*namespaces, pattern.namespace) if pattern.namespace else namespaces
            )
            yield from url_patterns(pattern, route, inner)
        elif pattern.name:
            yield ":".join([*namespaces, pattern.name]), pattern
        else:
            yield route, pattern


@pytest.fixture
def world(settings, tmp_path):
    """One meeting with two delegations, a registration in each, minutes with
    a record, an action and a conclusion, a user of each role, and an object
    for each model the admin shows."""
    settings.MEDIA_ROOT = tmp_path
    now = timezone.now()
    today = timezone.localdate()
    meeting = MeetingFactory(
        start_date=today + datetime.timedelta(days=60),
        end_date=today + datetime.timedelta(days=64),
        registration_opens_at=now - datetime.timedelta(days=1),
        registration_closes_at=now + datetime.timedelta(days=1),
    )
    session = SessionFactory(meeting=meeting, title="JWG plenary")
    agenda_item = AgendaItemFactory(session=session, title="Critical minerals")
    delegation_a = DelegationFactory(
        meeting=meeting, party=MemberStateFactory(code="MYS", name="Malaysia")
    )
    delegation_b = DelegationFactory(
        meeting=meeting, party=MemberStateFactory(code="THA", name="Thailand")
    )

    focal_a = UserFactory(username="fp-mys")
    focal_b = UserFactory(username="fp-tha")
    check_in = UserFactory(username="desk")
    rapporteur = UserFactory(username="rapporteur")
    secretariat = UserFactory(username="secretary")
    superuser = UserFactory(username="root", is_staff=True, is_superuser=True)
    for user, role_name in [
        (focal_a, FOCAL_POINT),
        (focal_b, FOCAL_POINT),
        (check_in, CHECK_IN_STAFF),
        (rapporteur, RAPPORTEUR),
        (secretariat, SECRETARIAT),
    ]:
        role_assign(user=user, role_name=role_name)
    delegation_a.focal_points.add(focal_a)
    delegation_b.focal_points.add(focal_b)
    # Staff sign in with a second factor.
    for user in (rapporteur, secretariat, superuser):
        device = TOTPDevice.objects.create(user=user, name="app", confirmed=True)

    registration_a = RegistrationFactory(
        delegation=delegation_a,
        delegate=DelegateFactory(
            nationality="MYS",
            passport_number="A12345678",
            passport_expiry=today + datetime.timedelta(days=1000),
            passport_country="MYS",
        ),
        status=Registration.Status.APPROVED,
        needs_visa_letter=True,
    )
    registration_b = RegistrationFactory(
        delegation=delegation_b, status=Registration.Status.PENDING
    )
    for registration in (registration_a, registration_b):
        registration.sessions.add(session)
    services.delegation_upload_letter(
        delegation=delegation_a, upload=SimpleUploadedFile("a.pdf", PDF), by=None
    )
    registration_a.delegate.photo.save("photo.jpg", ContentFile(jpeg_bytes()))
    attendance = AttendanceFactory(registration=registration_a, session=session)

    minutes = meeting_services.minutes_start(session=session, by=secretariat)
    minutes.rapporteurs.add(rapporteur)
    meeting_services.minutes_record_revision(
        minutes=minutes, by=secretariat, action="started"
    )
    minutes_item = minutes.items.get()
    Conclusion.objects.create(
        item=minutes_item, kind=Conclusion.Kind.AGREED, text="The Meeting agreed."
    )
    action = ActionItem.objects.create(item=minutes_item, text="Report back.")
    ActionItemParty.objects.create(action_item=action, party=delegation_a.party)
    meeting_services.minutes_circulate(
        minutes=minutes, by=secretariat, recipients=["head@example.org"]
    )
    minutes.refresh_from_db()

    group = Group.objects.create(name="Visitors")
    attempt = {
        "user_agent": "test",
        "ip_address": "127.0.0.1",
        "username": "fp-mys",
        "http_accept": "*/*",
        "path_info": "/accounts/login/",
    }
    access_attempt = AccessAttempt.objects.create(
        **attempt, get_data="", post_data="", failures_since_start=1
    )
    access_log = AccessLog.objects.create(**attempt)
    access_failure_log = AccessFailureLog.objects.create(**attempt)
    log_entry = LogEntry.objects.log_create(
        meeting,
        force_log=True,
        action=LogEntry.Action.UPDATE,
        changes={"title": ["Before", "After"]},
    )
    purge = PersonalDataPurge.objects.create(meeting=meeting, retention_days=90)
    users = {
        ANONYMOUS: None,
        DELEGATE: None,
        FOCAL: focal_a,
        OTHER_FOCAL: focal_b,
        CHECK_IN: check_in,
        RAPPORTEUR_USER: rapporteur,
        SECRETARIAT_USER: secretariat,
        SUPERUSER: superuser,
    }
    return SimpleNamespace(**locals())


def sign_in(client, user):
    """Sign in as after the password and, for a user with a device, the code."""
    client.force_login(user)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is not None:
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()


def answer_of(response):
    if response.status_code in (301, 302):
        location = response["Location"]
        if location.startswith("/accounts/login/?next="):
            return LOGIN
        if location.startswith("/admin/login/?next="):
            return ADMIN_LOGIN
        return REDIRECT
    context = getattr(response, "context_data", None) or {}
    if response.status_code == 200 and context.get("change") is True:
        return EDIT if context.get("has_change_permission") else READ
    return response.status_code


def ask(client, request, url):
    """What the client gets for `request`. Whatever the request wrote is
    undone, the session too, and the client's cookies are put back (signing
    out deletes them), so each request finds the same world and session."""
    cookies = copy.deepcopy(client.cookies)
    with transaction.atomic():
        response = getattr(client, request.method)(url, request.data)
        if response.streaming:
            # Read to the end, as a server would; that also closes it.
            b"".join(response.streaming_content)
        transaction.set_rollback(True)
    client.cookies = cookies
    return answer_of(response)


def test_the_table_lists_every_route_and_only_those():
    keys = [key for key, _pattern in url_patterns()]
    duplicates = sorted(key for key in set(keys) if keys.count(key) > 1)
    assert duplicates == []
    assert sorted(set(keys) - TABLE.keys()) == [], "routes the table does not list"
    assert sorted(TABLE.keys() - set(keys)) == [], "rows for routes that are gone"


def test_the_table_has_a_row_for_every_report_and_every_admin_app():
    """Routes that take a report or an app in their address are asked once
    for each: a new one must be given its row too."""
    assert set(REPORT_ACCESS) == set(REPORTS)
    registered = {model._meta.app_label for model in admin.site._registry}
    assert set(APP_ACCESS) == registered
    labels = {model._meta.label_lower for model in admin.site._registry}
    assert set(MODEL_ACCESS) == set(ADMIN_OBJECTS) == labels


def test_the_public_allow_list_is_exactly_the_views_marked_login_not_required():
    public = {
        key
        for key, pattern in url_patterns()
        if not getattr(pattern.callback, "login_required", True)
    }
    assert public == PUBLIC_ROUTES


def test_the_table_sends_the_anonymous_to_sign_in_on_every_other_route():
    """The walk then checks that LoginRequiredMiddleware (or the admin) does."""
    for key, requests in TABLE.items():
        for request in requests:
            if key in PUBLIC_ROUTES:
                assert request.expect[ANONYMOUS] != LOGIN, key
            else:
                assert request.expect[ANONYMOUS] in (LOGIN, ADMIN_LOGIN), key
                assert request.expect[DELEGATE] in (LOGIN, ADMIN_LOGIN), key


def test_the_documented_allow_list_is_the_same():
    text = DOCS.read_text(encoding="utf-8")
    section = text.split("## Public allow-list", 1)[1].split("\n## ", 1)[0]
    documented = set()
    for line in section.splitlines():
        if line.startswith("| `"):
            documented.add(line.split("`")[1])
    assert documented == PUBLIC_ROUTES


@pytest.mark.parametrize("column", COLUMNS)
def test_every_route_answers_each_user_as_the_table_says(world, column):
    user = world.users[column]
    world.token = MADE_UP_TOKEN if column == ANONYMOUS else world.registration_a.token
    world.read_token = (
        MADE_UP_TOKEN if column == ANONYMOUS else world.minutes.read_token
    )
    client = Client()
    if user is not None:
        sign_in(client, user)
    wrong = []
    for key, requests in TABLE.items():
        for request in requests:
            url = request.url(world)
            got = ask(client, request, url)
            expected = request.expect[column]
            if got != expected:
                wrong.append(
                    f"{key} {request.label} {request.method.upper()} {url}: "
                    f"expected {expected}, got {got}"
                )
    assert not wrong, "\n" + "\n".join(wrong)
