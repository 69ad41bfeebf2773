"""Every list page, changelist, export and check-in endpoint costs the same
number of queries however many rows it shows.

Each case in `CASES` builds the rows a page lists, with the related rows that
could each cost a query, at SMALL and then at LARGE, asks for the page both
times as the user it is for, and requires the same count. An admin action
that writes a record per selected row through the services may grow by a
fixed, stated number of queries per row, and not one more.

`ROUTES`, `ACTIONS`, `AUTOCOMPLETE_FIELDS` and `REPORT_COUNTS` are the
inventory. The coverage tests walk the URL resolver, the admin's registry
(its actions and autocomplete fields) and the report registry, and fail on
anything not classified, and on a list page, changelist, export or check-in
endpoint counted neither here nor by a test `COUNTED_ELSEWHERE` names.
"""

import importlib
import io
import itertools
from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace

import openpyxl
import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.apps import apps
from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice
from pypdf import PdfReader

from delegates import services
from delegates.models import (
    ActionItemParty,
    Attendance,
    Delegate,
    Delegation,
    Party,
    PersonalDataPurge,
    Registration,
)
from delegates.reports import REPORTS
from meetings import services as meeting_services
from meetings.models import (
    ActionItem,
    AgendaItem,
    Body,
    Conclusion,
    Meeting,
    MinutesItem,
    Session,
)
from tests.accounts.test_permission_matrix import url_patterns
from tests.factories import (
    AgendaItemFactory,
    AttendanceFactory,
    BodyFactory,
    DelegateFactory,
    DelegationFactory,
    MeetingFactory,
    MemberStateFactory,
    PartyFactory,
    RegistrationFactory,
    SessionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

SMALL, LARGE = 2, 8
User = get_user_model()
NUMBERS = itertools.count(1)
# The family name of the people whose badges are counted in a PDF.
BADGE_NAME = "Wiryawan"


@pytest.fixture
def world(settings, tmp_path):
    """A meeting with a session, circulated minutes and a delegation, a user
    for each side of the portal (the secretariat as a superuser, the
    delegation's focal point, the check-in desk), and room for what a case
    keeps between its two sizes (`target`, `pick`, `sheet`)."""
    settings.MEDIA_ROOT = tmp_path
    # As on a running server, the content types the audit log names are
    # already known, so that a first write does not count their look-up.
    ContentType.objects.get_for_models(*apps.get_models())
    meeting = MeetingFactory()
    session = SessionFactory(meeting=meeting)
    staff = UserFactory(username="root", is_staff=True, is_superuser=True)
    focal = UserFactory(username="focal")
    desk = UserFactory(username="desk")
    desk.user_permissions.add(Permission.objects.get(codename="check_in"))
    delegation = DelegationFactory(meeting=meeting, party=MemberStateFactory())
    delegation.focal_points.add(focal)
    minutes = meeting_services.minutes_start(session=session, by=staff)
    meeting_services.minutes_circulate(
        minutes=minutes, by=staff, recipients=["head@example.org"]
    )
    return SimpleNamespace(
        meeting=meeting,
        session=session,
        delegation=delegation,
        minutes=minutes,
        staff=staff,
        focal=focal,
        desk=desk,
        target=None,
        pick=None,
        sheet={},
    )


def person(w, *, delegation=None, delegate=None, **fields):
    """An approved registration of the meeting, at its session."""
    registration = RegistrationFactory(
        delegation=delegation or w.delegation,
        delegate=delegate or DelegateFactory(given_name="Siti"),
        status=Registration.Status.APPROVED,
        **fields,
    )
    registration.sessions.add(w.session)
    return registration


def new_delegation(w):
    return DelegationFactory(meeting=w.meeting, party=PartyFactory())


# --- What each page lists: `grow(world, count)` adds `count` rows -------------


def groups(w, count):
    permissions = list(Permission.objects.all()[:3])
    for _ in range(count):
        group = Group.objects.create(name=f"Group {next(NUMBERS)}")
        group.permissions.set(permissions)


def users(w, count):
    group, _created = Group.objects.get_or_create(name="Visitors")
    for user in UserFactory.create_batch(count):
        user.groups.add(group)


def devices(w, count):
    for user in UserFactory.create_batch(count):
        TOTPDevice.objects.create(user=user, name="phone", confirmed=True)


def minutes_items(w, count):
    """Records of agenda items, each in the minutes of another meeting."""
    for _ in range(count):
        session = SessionFactory(meeting=MeetingFactory())
        AgendaItemFactory(session=session)
        meeting_services.minutes_start(session=session, by=w.staff)


def purges(w, count):
    for meeting in MeetingFactory.create_batch(count):
        PersonalDataPurge.objects.create(
            meeting=meeting, retention_days=90, fields=["passport_number"]
        )


def sign_in_records(model, **fields):
    def grow(w, count):
        for _ in range(count):
            model.objects.create(
                user_agent="test",
                ip_address="127.0.0.1",
                username=f"user{next(NUMBERS)}",
                http_accept="*/*",
                path_info="/accounts/login/",
                **fields,
            )

    return grow


def delegates(w, count):
    DelegateFactory.create_batch(count)


def meetings(w, count):
    for meeting in MeetingFactory.create_batch(count):
        SessionFactory(meeting=meeting)


def parties(w, count):
    PartyFactory.create_batch(count)


def delegations(w, count):
    DelegationFactory.create_batch(count)


def people(w, count):
    """Approved people, each of another delegation."""
    for _ in range(count):
        person(w, delegation=new_delegation(w))


def sessions(w, count):
    SessionFactory.create_batch(count)


def bodies(w, count):
    BodyFactory.create_batch(count)


def meeting_sessions(w, count):
    SessionFactory.create_batch(count, meeting=w.meeting)


def revisions(w, count):
    for _ in range(count):
        w.minutes.introduction = f"Draft {next(NUMBERS)}"
        w.minutes.save(update_fields=["introduction"])
        meeting_services.minutes_record_revision(
            minutes=w.minutes, by=UserFactory(), action="edited"
        )


def minutes_records(w, count):
    """Agenda items of the minutes' session, each recorded with a conclusion
    and an action for a body and a party, and someone present."""
    body, party = BodyFactory(), PartyFactory()
    AgendaItemFactory.create_batch(count, session=w.session)
    meeting_services.minutes_start(session=w.session, by=w.staff)
    for item in w.minutes.items.filter(conclusions__isnull=True):
        Conclusion.objects.create(
            item=item, kind=Conclusion.Kind.AGREED, text="The Meeting agreed."
        )
        action = ActionItem.objects.create(item=item, text="Report back.")
        action.responsible_bodies.add(body)
        ActionItemParty.objects.create(action_item=action, party=party)
        present = person(w, delegation=new_delegation(w))
        AttendanceFactory(registration=present, session=w.session)


def heads_of_delegation(w, count):
    for _ in range(count):
        person(w, delegation=new_delegation(w), role=Registration.Role.HEAD)


def badged_people(w, count):
    """People of as many delegations, each with the badge code already drawn
    (the first print draws the missing ones, a write per badge)."""
    for _ in range(count):
        registration = person(
            w,
            delegation=new_delegation(w),
            delegate=DelegateFactory(family_name=BADGE_NAME),
        )
        services.badge_issue(registration=registration)


def people_for_a_new_session(w, count):
    """More people, and a new session to record them at: each record written
    is a new one."""
    people(w, count)
    w.target = SessionFactory(meeting=w.meeting)


def records_made_at_the_desk(w, count):
    for _ in range(count):
        registration = person(w, delegation=new_delegation(w))
        AttendanceFactory(
            registration=registration,
            session=w.session,
            method=Attendance.Method.SCAN,
            recorded_by=w.desk,
        )


def desk_queue(w, count):
    """People at the session, all checked in but the last, who is picked."""
    for _ in range(count - 1):
        AttendanceFactory(registration=person(w), session=w.session)
    w.pick = person(w)


def sheet_rows(w, count):
    """The sheet as the page shows it: people with each status and the last
    without a record, whom the desk marks present."""
    if w.pick is not None:
        w.sheet[f"initial-status_{w.pick.pk}"] = Attendance.Status.PRESENT
    statuses = itertools.cycle(Attendance.Status.values)
    for _ in range(count - 1):
        registration = person(w, delegation=new_delegation(w))
        status = next(statuses)
        AttendanceFactory(registration=registration, session=w.session, status=status)
        w.sheet[f"status_{registration.pk}"] = status
        w.sheet[f"initial-status_{registration.pk}"] = status
    w.pick = person(w)
    w.sheet[f"status_{w.pick.pk}"] = Attendance.Status.PRESENT
    w.sheet[f"initial-status_{w.pick.pk}"] = ""


# --- How each page is asked for: `ask(client, world)` -------------------------


def get(name, arg=None):
    """A GET of a named route, its argument taken from the world."""
    return lambda client, w: client.get(reverse(name, args=[arg(w)] if arg else []))


def action(model, name, *, selected, data=lambda w: {}):
    """An admin action on the `selected` rows of `model`'s changelist (their
    keys are read in the count: one query at either size)."""
    url = f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist"

    def ask(client, w):
        pks = list(selected(w).values_list("pk", flat=True))
        return client.post(
            reverse(url), {"action": name, ACTION_CHECKBOX_NAME: pks, **data(w)}
        )

    return ask


def autocomplete(label, field):
    app_label, model_name = label.split(".")
    query = {
        "app_label": app_label,
        "model_name": model_name,
        "field_name": field,
        "term": "",
    }
    return lambda client, w: client.get(reverse("admin:autocomplete"), query)


def pick(client, w):
    return client.post(
        reverse("checkin:desk", args=[w.session.pk]),
        {"method": Attendance.Method.SEARCH, "registration": w.pick.pk, "q": "Siti"},
    )


def post_sheet(client, w):
    return client.post(reverse("checkin:sheet", args=[w.session.pk]), w.sheet)


def registrations_of_the_meeting(w):
    return Registration.objects.filter(meeting=w.meeting)


def delegations_of_the_meeting(w):
    return Delegation.objects.filter(meeting=w.meeting)


def records_at_the_session(w):
    return Attendance.objects.filter(session=w.session)


def record_at_the_new_session(w):
    return {"confirm": "yes", "session": w.target.pk, "status": "present"}


# --- What each answer lists: `listed(response, body, world)` ------------------


def result_count(response, body, w):
    return response.context["cl"].result_count


def results(response, body, w):
    return len(response.json()["results"])


def context_length(name):
    return lambda response, body, w: len(response.context[name])


def conclusions(response, body, w):
    return body.count(b'class="conclusion"')


def recipients(response, body, w):
    return len(response.context["form"].initial["recipients"].splitlines())


def second_sheet_rows(response, body, w):
    workbook = openpyxl.load_workbook(io.BytesIO(body), read_only=True)
    return workbook.worksheets[1].max_row - 1


def badges(response, body, w):
    reader = PdfReader(io.BytesIO(body))
    return " ".join(page.extract_text() for page in reader.pages).count(BADGE_NAME)


def records_held(response, body, w):
    return records_at_the_session(w).count()


def records_at_the_new_session(response, body, w):
    return Attendance.objects.filter(session=w.target).count()


def marked(status):
    def listed(response, body, w):
        return (
            records_at_the_session(w)
            .filter(status=status, method=Attendance.Method.ADMIN, recorded_by=w.staff)
            .count()
        )

    return listed


# --- The cases ----------------------------------------------------------------

# What one attendance record costs when written through the services: the
# savepoints, the check that the person chose the session, the locked read,
# the audit log's read of the record as it was and its entry, and the write.
UPDATED_RECORD_QUERIES = 9
NEW_RECORD_QUERIES = 10


@dataclass(frozen=True)
class Case:
    key: str  # what it counts: a route's key or an admin action's
    grow: Callable
    ask: Callable
    listed: Callable  # how many rows the answer lists (or wrote)
    user: str | None = "staff"
    status: int = 200
    per_row: int = 0  # queries each written row may add
    label: str = ""  # tells apart the cases of one key

    def __str__(self):
        return f"{self.key} {self.label}".strip()


def changelist(model, grow):
    name = f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist"
    return Case(name, grow, get(name), result_count)


# The models an autocomplete field offers, and how to add some.
AUTOCOMPLETE_ROWS = {
    Delegate: delegates,
    Meeting: meetings,
    Party: parties,
    Delegation: delegations,
    Registration: people,
    Session: sessions,
    Body: bodies,
}

# Every autocomplete field of the admin and of its inlines: the model it is
# on, and the field.
AUTOCOMPLETE_FIELDS = [
    ("delegates.registration", "delegate"),
    ("delegates.registration", "delegation"),
    ("delegates.delegation", "meeting"),
    ("delegates.delegation", "party"),
    ("delegates.attendance", "registration"),
    ("delegates.attendance", "session"),
    ("delegates.actionitemparty", "party"),
    ("meetings.actionitem", "responsible_bodies"),
    ("meetings.session", "meeting"),
    ("meetings.agendaitem", "session"),
    ("meetings.minutes", "session"),
]


def autocomplete_case(label, field):
    remote = apps.get_model(label)._meta.get_field(field).related_model
    return Case(
        "admin:autocomplete",
        AUTOCOMPLETE_ROWS[remote],
        autocomplete(label, field),
        results,
        label=f"{label}.{field}",
    )


def mark_case(name, status):
    return Case(
        f"delegates.attendance:{name}",
        records_made_at_the_desk,
        action(Attendance, name, selected=records_at_the_session),
        marked(status),
        status=302,
        per_row=UPDATED_RECORD_QUERIES,
    )


CASES = [
    changelist(Group, groups),
    changelist(User, users),
    changelist(TOTPDevice, devices),
    changelist(MinutesItem, minutes_items),
    changelist(PersonalDataPurge, purges),
    changelist(
        AccessAttempt,
        sign_in_records(
            AccessAttempt, get_data="", post_data="", failures_since_start=1
        ),
    ),
    changelist(AccessLog, sign_in_records(AccessLog)),
    changelist(AccessFailureLog, sign_in_records(AccessFailureLog)),
    *[autocomplete_case(label, field) for label, field in AUTOCOMPLETE_FIELDS],
    Case(
        "admin:meetings_minutes_revisions",
        revisions,
        get("admin:meetings_minutes_revisions", lambda w: w.minutes.pk),
        context_length("revisions"),
    ),
    Case(
        "admin:meetings_minutes_preview",
        minutes_records,
        get("admin:meetings_minutes_preview", lambda w: w.minutes.pk),
        conclusions,
    ),
    Case(
        "meetings:minutes_read",
        minutes_records,
        get("meetings:minutes_read", lambda w: w.minutes.read_token),
        conclusions,
        user=None,
    ),
    Case(
        "admin:meetings_minutes_circulate",
        heads_of_delegation,
        get("admin:meetings_minutes_circulate", lambda w: w.minutes.pk),
        recipients,
    ),
    Case(
        "focal:import_template_xlsx",
        meeting_sessions,
        get("focal:import_template_xlsx", lambda w: w.delegation.pk),
        second_sheet_rows,
        user="focal",
    ),
    Case(
        "delegates.delegation:print_badges",
        badged_people,
        action(Delegation, "print_badges", selected=delegations_of_the_meeting),
        badges,
    ),
    Case(
        "delegates.registration:print_badges",
        badged_people,
        action(Registration, "print_badges", selected=registrations_of_the_meeting),
        badges,
    ),
    Case(
        "delegates.registration:reject_selected",
        people,
        action(Registration, "reject_selected", selected=registrations_of_the_meeting),
        context_length("registrations"),
        label="asks for the reason",
    ),
    Case(
        "delegates.registration:record_attendance",
        people,
        action(
            Registration, "record_attendance", selected=registrations_of_the_meeting
        ),
        context_length("registrations"),
        label="asks for the session",
    ),
    Case(
        "delegates.registration:record_attendance",
        people_for_a_new_session,
        action(
            Registration,
            "record_attendance",
            selected=registrations_of_the_meeting,
            data=record_at_the_new_session,
        ),
        records_at_the_new_session,
        status=302,
        per_row=NEW_RECORD_QUERIES,
        label="records",
    ),
    mark_case("mark_present", Attendance.Status.PRESENT),
    mark_case("mark_absent", Attendance.Status.ABSENT),
    mark_case("mark_excused", Attendance.Status.EXCUSED),
    Case(
        "checkin:desk",
        desk_queue,
        pick,
        context_length("found"),
        user="desk",
        label="picked from the search",
    ),
    Case(
        "checkin:sheet",
        sheet_rows,
        post_sheet,
        records_held,
        user="desk",
        status=302,
        label="one row changed",
    ),
]


def measure(client, w, case):
    with CaptureQueriesContext(connection) as captured:
        response = case.ask(client, w)
        # A streamed answer runs its queries as it is read.
        body = (
            b"".join(response.streaming_content)
            if response.streaming
            else response.content
        )
    assert response.status_code == case.status, body[:500]
    return [query["sql"] for query in captured], case.listed(response, body, w)


@pytest.mark.parametrize("case", CASES, ids=str)
def test_queries_do_not_grow_with_the_rows(client, world, case):
    if case.user is not None:
        client.force_login(getattr(world, case.user))
    case.grow(world, SMALL)
    small, listed_small = measure(client, world, case)
    case.grow(world, LARGE - SMALL)
    large, listed_large = measure(client, world, case)
    assert listed_large - listed_small == LARGE - SMALL, "the rows added not listed"
    added = len(large) - len(small)
    assert added == case.per_row * (LARGE - SMALL), "\n".join(large)


# --- The inventory --------------------------------------------------------------

LIST = "list page"
CHANGELIST = "changelist"
EXPORT = "export"
CHECK_IN = "check-in endpoint"
COUNTED = (LIST, CHANGELIST, EXPORT, CHECK_IN)


@dataclass(frozen=True)
class Other:
    """Neither a list, an export nor a check-in: no count is owed."""

    reason: str


ONE_OBJECT = Other("one object's page or form")
ONE_PERSON = Other("one person's page, through their private link")
SIGN_IN = Other("signing in, out or a password: no rows")

# Every route but the standard admin pages of each model (see `admin_routes`).
ROUTES = {
    "healthz": Other("one fixed query"),
    "set_language": Other("a redirect that sets the language"),
    "delegates_reports:index": LIST,
    "delegates_reports:download": EXPORT,
    "admin:index": Other("lists the admin's models, not rows"),
    "admin:app_list": Other("lists one app's models, not rows"),
    "admin:login": SIGN_IN,
    "admin:logout": SIGN_IN,
    "admin:password_change": SIGN_IN,
    "admin:password_change_done": SIGN_IN,
    "admin:autocomplete": LIST,
    "admin:jsi18n": Other("the admin's translations: no rows"),
    "admin:view_on_site": Other("a redirect to one object"),
    "admin/(?P<url>.*)$": Other("the admin's catch-all: a 404"),
    "admin:auth_user_password_change": ONE_OBJECT,
    "admin:otp_totp_totpdevice_config": ONE_OBJECT,
    "admin:otp_totp_totpdevice_qrcode": ONE_OBJECT,
    "admin:meetings_minutes_revisions": LIST,
    "admin:meetings_minutes_revisions_diff": Other("two revisions of one minutes"),
    "admin:meetings_minutes_preview": LIST,
    "admin:meetings_minutes_circulate": LIST,
    "admin:meetings_minutes_adopt": ONE_OBJECT,
    "admin:meetings_minutes_reopen": ONE_OBJECT,
    "admin:delegates_delegation_letter": Other("one uploaded file"),
    "admin:delegates_registration_export": EXPORT,
    "admin:delegates_registration_reject": ONE_OBJECT,
    "admin:delegates_registration_letter": Other("one person's letter (PDF)"),
    "admin:delegates_registration_badge": Other("one person's badge (PDF)"),
    "admin:delegates_registration_badge_reissue": ONE_OBJECT,
    "admin:delegates_registration_meeting_badges": EXPORT,
    "admin:delegates_registration_approve": ONE_OBJECT,
    "admin:delegates_registration_waitlist": ONE_OBJECT,
    "admin:delegates_registration_reopen": ONE_OBJECT,
    "accounts:login": SIGN_IN,
    "accounts:two_factor": Other("the user's own second factor"),
    "accounts:setup": Other("the user's own second factor"),
    "accounts:verify": Other("the user's own second factor"),
    "accounts:remove": Other("the user's own second factor"),
    "login": SIGN_IN,
    "logout": SIGN_IN,
    "password_change": SIGN_IN,
    "password_change_done": SIGN_IN,
    "password_reset": SIGN_IN,
    "password_reset_done": SIGN_IN,
    "password_reset_confirm": SIGN_IN,
    "password_reset_complete": SIGN_IN,
    "photos:delegate": Other("one photo"),
    "photos:registration": Other("one photo"),
    "focal:home": LIST,
    "focal:delegation": LIST,
    "focal:nominate": ONE_OBJECT,
    "focal:letter_upload": Other("one uploaded file"),
    "focal:letter_download": Other("one uploaded file"),
    "focal:import": Other("reads an uploaded spreadsheet; writes a row each"),
    "focal:import_template_xlsx": EXPORT,
    "focal:import_template_csv": Other("the header row alone: no query for rows"),
    "focal:export_csv": EXPORT,
    "focal:edit": ONE_OBJECT,
    "focal:endorse": ONE_OBJECT,
    "focal:decline": ONE_OBJECT,
    "focal:make_head": ONE_OBJECT,
    "focal:withdraw": ONE_OBJECT,
    "checkin:sessions": LIST,
    "checkin:desk": CHECK_IN,
    "checkin:sheet": CHECK_IN,
    "actions:tracker": LIST,
    "actions:export_csv": EXPORT,
    "actions:export_xlsx": EXPORT,
    "delegates:privacy": Other("a fixed page"),
    "delegates:register": LIST,
    "delegates:register_done": Other("a fixed page"),
    "delegates:lost_link": Other("a form that mails one person"),
    "delegates:manage": ONE_PERSON,
    "delegates:edit": ONE_PERSON,
    "delegates:withdraw": ONE_PERSON,
    "delegates:letter": ONE_PERSON,
    "delegates:my_data": EXPORT,
    "delegates:confirm_details": ONE_PERSON,
    "meetings:list": LIST,
    "meetings:detail": LIST,
    "meetings:minutes_read": LIST,
}

DECIDES_EACH = Other(
    "decides each registration through registration_decide, in its own "
    "transaction with its mail: a write per row by design"
)

# Every admin action but Django's delete_selected (see `admin_actions`).
ACTIONS = {
    "delegates.delegation:print_badges": EXPORT,
    "delegates.registration:print_badges": EXPORT,
    "delegates.registration:approve_selected": DECIDES_EACH,
    "delegates.registration:waitlist_selected": DECIDES_EACH,
    # Asks for the reason on a page listing them, then decides each.
    "delegates.registration:reject_selected": LIST,
    "delegates.registration:reopen_selected": DECIDES_EACH,
    "delegates.registration:record_attendance": CHECK_IN,
    "delegates.attendance:mark_present": CHECK_IN,
    "delegates.attendance:mark_absent": CHECK_IN,
    "delegates.attendance:mark_excused": CHECK_IN,
    "axes.accessattempt:cleanup_expired_attempts": Other("one delete query"),
}

# Where each report is counted, in every format: tests parametrized with
# (identifier, format, ...), or with the format alone for the one report
# they make.
ATTENDANCE_REPORTS = (
    "tests.delegates.test_attendance_reports",
    "test_report_query_count_does_not_grow_with_records",
)
PARTICIPANTS_REPORTS = (
    "tests.delegates.test_participants",
    "test_query_counts_do_not_grow_with_the_rows",
)
REPORT_COUNTS = {
    "attendance-by-session": ATTENDANCE_REPORTS,
    "attendance-matrix": ATTENDANCE_REPORTS,
    "attendance-summary": ATTENDANCE_REPORTS,
    "participants": PARTICIPANTS_REPORTS,
    "participants-internal": PARTICIPANTS_REPORTS,
    "sign-in-sheets": PARTICIPANTS_REPORTS,
    "report": (
        "tests.delegates.test_meeting_report",
        "test_queries_do_not_grow_with_the_items",
    ),
}


@dataclass(frozen=True)
class Counted:
    """A query-count test in another module, and the parameter (or the
    leading parameters) of the case that counts the page."""

    module: str
    test: str
    param: object = None


def changelist_counted(module, model):
    return Counted(module, "test_changelist_query_count_does_not_grow_with_rows", model)


def action_tracker(param):
    return Counted(
        "tests.delegates.test_action_tracker",
        "test_query_count_does_not_grow_with_the_actions",
        param,
    )


def report_counted(identifier, fmt):
    module, test = REPORT_COUNTS[identifier]
    return Counted(module, test, fmt if identifier == "report" else (identifier, fmt))


DELEGATES_ADMIN = "tests.delegates.test_admin"
MEETINGS_ADMIN = "tests.meetings.test_admin"
CHECKIN = "tests.delegates.test_checkin"
FOCAL = "tests.delegates.test_focal"
VIEWS = "tests.meetings.test_views"

COUNTED_ELSEWHERE = {
    "admin:delegates_party_changelist": [changelist_counted(DELEGATES_ADMIN, Party)],
    "admin:delegates_delegation_changelist": [
        changelist_counted(DELEGATES_ADMIN, Delegation)
    ],
    "admin:delegates_delegate_changelist": [
        changelist_counted(DELEGATES_ADMIN, Delegate)
    ],
    "admin:delegates_registration_changelist": [
        changelist_counted(DELEGATES_ADMIN, Registration)
    ],
    "admin:delegates_attendance_changelist": [
        changelist_counted(DELEGATES_ADMIN, Attendance)
    ],
    "admin:meetings_body_changelist": [changelist_counted(MEETINGS_ADMIN, Body)],
    "admin:meetings_meeting_changelist": [changelist_counted(MEETINGS_ADMIN, Meeting)],
    "admin:meetings_session_changelist": [changelist_counted(MEETINGS_ADMIN, Session)],
    "admin:meetings_agendaitem_changelist": [
        changelist_counted(MEETINGS_ADMIN, AgendaItem)
    ],
    "admin:meetings_minutes_changelist": [
        Counted(
            "tests.meetings.test_minutes", "test_minutes_changelist_queries_do_not_grow"
        )
    ],
    "admin:meetings_actionitem_changelist": [action_tracker("admin-changelist")],
    "admin:auditlog_logentry_changelist": [
        Counted(
            "tests.accounts.test_audit",
            "test_the_audit_list_queries_do_not_grow_with_entries",
        )
    ],
    "delegates_reports:index": [
        Counted(
            "tests.delegates.test_reports_admin",
            "test_the_page_query_count_does_not_grow_with_meetings",
        )
    ],
    "delegates_reports:download": [
        report_counted(identifier, fmt)
        for identifier in REPORT_COUNTS
        for fmt in REPORTS[identifier].formats
    ],
    "admin:delegates_registration_export": [
        Counted(
            "tests.delegates.test_exports",
            "test_export_query_count_does_not_grow_with_rows",
            fmt,
        )
        for fmt in ("csv", "xlsx")
    ],
    "admin:delegates_registration_meeting_badges": [
        Counted(
            "tests.delegates.test_badges",
            "test_meeting_badges_query_count_does_not_grow",
        )
    ],
    "focal:home": [Counted(FOCAL, "test_home_queries_do_not_grow_with_delegations")],
    "focal:delegation": [
        Counted(
            FOCAL,
            "test_delegation_page_and_export_queries_do_not_grow_with_registrations",
            ("delegation",),
        )
    ],
    "focal:export_csv": [
        Counted(
            FOCAL,
            "test_delegation_page_and_export_queries_do_not_grow_with_registrations",
            ("export_csv",),
        )
    ],
    "checkin:sessions": [
        Counted(CHECKIN, "test_the_chooser_queries_do_not_grow_with_meetings")
    ],
    "checkin:desk": [
        Counted(CHECKIN, "test_scan_and_page_queries_do_not_grow_with_registrations"),
        Counted(CHECKIN, "test_search_queries_do_not_grow_with_matches"),
    ],
    "checkin:sheet": [
        Counted(CHECKIN, "test_the_sheet_queries_do_not_grow_with_people")
    ],
    "actions:tracker": [action_tracker("/actions/")],
    "actions:export_csv": [action_tracker("/actions/export.csv")],
    "actions:export_xlsx": [action_tracker("/actions/export.xlsx")],
    "delegates:register": [
        Counted(
            "tests.delegates.test_public_views",
            "test_register_page_queries_do_not_grow_with_the_sessions",
        )
    ],
    "delegates:my_data": [
        Counted(
            "tests.delegates.test_my_data",
            "test_queries_do_not_grow_with_the_registrations",
        )
    ],
    "meetings:list": [
        Counted(VIEWS, "test_list_query_count_does_not_grow_with_meetings")
    ],
    "meetings:detail": [
        Counted(
            VIEWS,
            "test_detail_query_count_does_not_grow_with_sessions_and_agenda_items",
        )
    ],
}


def admin_routes():
    """The standard pages of each registered model: its changelist, and the
    pages of one object."""
    routes = {}
    for model in admin.site._registry:
        opts = model._meta
        info = f"admin:{opts.app_label}_{opts.model_name}"
        routes[f"{info}_changelist"] = CHANGELIST
        for view in ("add", "change", "delete", "history"):
            routes[f"{info}_{view}"] = ONE_OBJECT
        routes[f"admin/{opts.app_label}/{opts.model_name}/<path:object_id>/"] = Other(
            "redirects to the change page"
        )
    return routes


def classified_routes():
    return {**admin_routes(), **ROUTES}


def admin_actions():
    """Every action the admin offers, keyed "<model label>:<action>"."""
    return {
        f"{model._meta.label_lower}:{name}"
        for model, model_admin in admin.site._registry.items()
        for _function, name, _description in model_admin._get_base_actions()
    }


def classified_actions():
    deletes = Other("Django's delete_selected: asks, then deletes")
    return {
        **{key: deletes for key in admin_actions() if key.endswith(":delete_selected")},
        **ACTIONS,
    }


def parametrized(function):
    """The values of a test's parametrize marks."""
    return [
        value
        for mark in getattr(function, "pytestmark", [])
        if mark.name == "parametrize"
        for value in mark.args[1]
    ]


def resolves(counted):
    """Whether the test exists and has the case it is said to have."""
    function = getattr(importlib.import_module(counted.module), counted.test, None)
    if function is None:
        return False
    if counted.param is None:
        return True
    for value in parametrized(function):
        if isinstance(counted.param, tuple) and isinstance(value, tuple):
            if value[: len(counted.param)] == counted.param:
                return True
        elif value == counted.param:
            return True
    return False


def test_every_route_is_classified():
    keys = {key for key, _pattern in url_patterns()}
    classified = classified_routes()
    assert sorted(keys - classified.keys()) == [], "routes not classified"
    assert sorted(classified.keys() - keys) == [], "classified routes that are gone"


def test_every_admin_action_is_classified():
    classified = classified_actions()
    assert sorted(admin_actions() - classified.keys()) == []
    assert sorted(classified.keys() - admin_actions()) == []


def test_every_autocomplete_field_has_a_case():
    fields = set()
    for model, model_admin in admin.site._registry.items():
        fields.update(
            (model._meta.label_lower, f) for f in model_admin.autocomplete_fields
        )
        for inline in model_admin.inlines:
            label = inline.model._meta.label_lower
            fields.update((label, f) for f in inline.autocomplete_fields)
    assert fields == set(AUTOCOMPLETE_FIELDS)


def test_every_report_is_counted_in_every_format():
    assert REPORT_COUNTS.keys() == REPORTS.keys()
    for identifier, report in REPORTS.items():
        for fmt in report.formats:
            assert resolves(report_counted(identifier, fmt)), (identifier, fmt)


@pytest.mark.parametrize(
    "classified",
    [classified_routes, classified_actions],
    ids=["routes", "admin actions"],
)
def test_every_list_changelist_export_and_check_in_is_counted(classified):
    cases = {case.key for case in CASES}
    uncounted = sorted(
        key
        for key, kind in classified().items()
        if kind in COUNTED and key not in cases and key not in COUNTED_ELSEWHERE
    )
    assert uncounted == []


def test_every_other_says_why():
    for kind in [*ROUTES.values(), *ACTIONS.values()]:
        assert kind in COUNTED or (isinstance(kind, Other) and kind.reason), kind


def test_every_count_elsewhere_is_there():
    missing = [
        (key, counted)
        for key, counted_list in COUNTED_ELSEWHERE.items()
        for counted in counted_list
        if not resolves(counted)
    ]
    assert missing == []
    assert COUNTED_ELSEWHERE.keys() <= classified_routes().keys()


def test_every_case_counts_something_classified():
    classified = {**classified_routes(), **classified_actions()}
    for case in CASES:
        assert classified.get(case.key) in COUNTED, case
