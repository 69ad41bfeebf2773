"""Each role stays within its own objects and its own fields.

A focal point asking for another delegation's objects gets a 404 and changes
nothing; fields a focal point may not set are ignored or refused; a
rapporteur neither circulates nor adopts minutes, nor sees passports;
check-in staff reach neither the admin nor passports; the secretariat
without `view_passport` sees passports masked only.
"""

import csv
import datetime
import hashlib
import io

import openpyxl
import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from django.core import mail
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
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
from delegates.models import Registration
from meetings import services as meeting_services
from meetings.models import ActionItem, Minutes
from tests.factories import (
    AgendaItemFactory,
    DelegateFactory,
    DelegationFactory,
    MeetingFactory,
    MemberStateFactory,
    RegistrationFactory,
    SessionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
Status = Registration.Status
Role = Registration.Role


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


PASSPORT = "A98765432"
SNAPSHOT_APPS = ("meetings", "delegates", "auth")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def meeting():
    now = timezone.now()
    today = timezone.localdate()
    return MeetingFactory(
        start_date=today + datetime.timedelta(days=60),
        end_date=today + datetime.timedelta(days=64),
        registration_opens_at=now - datetime.timedelta(days=1),
        registration_closes_at=now + datetime.timedelta(days=1),
    )


@pytest.fixture
def session(meeting):
    return SessionFactory(meeting=meeting, order=1, title="JWG plenary")


def delegation_with_focal_point(meeting, code, name):
    delegation = DelegationFactory(
        meeting=meeting, party=MemberStateFactory(code=code, name=name), quota=5
    )
    user = UserFactory(username=f"fp-{code.lower()}")
    role_assign(user=user, role_name=FOCAL_POINT)
    delegation.focal_points.add(user)
    return delegation, user


@pytest.fixture
def delegation_a(meeting):
    return delegation_with_focal_point(meeting, "MYS", "Malaysia")


@pytest.fixture
def delegation_b(meeting):
    return delegation_with_focal_point(meeting, "THA", "Thailand")


def register(delegation, session, **kwargs):
    kwargs.setdefault("status", Status.PENDING)
    registration = RegistrationFactory(
        delegation=delegation, meeting=delegation.meeting, **kwargs
    )
    registration.sessions.add(session)
    return registration


def nomination(delegation, session, **extra):
    return {
        "delegation": delegation.pk,
        "role": Role.DELEGATE,
        "honorific": "Ms",
        "given_name": "Siti",
        "family_name": "Rahman",
        "email": "siti.rahman@example.org",
        "position": "Director",
        "agency": "Ministry of Natural Resources",
        "preferred_language": "en",
        "sessions": [session.pk],
        "consent_privacy": "on",
        **extra,
    }


def edit_data(registration, **extra):
    delegate = registration.delegate
    return {
        "delegation": registration.delegation_id,
        "role": registration.role,
        "honorific": delegate.honorific,
        "given_name": delegate.given_name,
        "family_name": "Changed",
        "email": delegate.email,
        "position": delegate.position,
        "agency": delegate.agency,
        "preferred_language": "en",
        "sessions": list(registration.sessions.values_list("pk", flat=True)),
        **extra,
    }


def nominees_csv():
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["given_name", "family_name", "email", "sessions"])
    writer.writerow(["Somchai", "Prasert", "somchai.prasert@example.org", "1"])
    return SimpleUploadedFile(
        "nominees.csv", out.getvalue().encode(), content_type="text/csv"
    )


def database_state():
    """Every row of every table of the portal's apps (many-to-many too)."""
    state = {}
    for model in apps.get_models(include_auto_created=True):
        if model._meta.app_label not in SNAPSHOT_APPS:
            continue
        names = [
            f.attname for f in model._meta.concrete_fields if f.name != "last_login"
        ]
        rows = list(model.objects.order_by("pk").values_list(*names))
        state[model._meta.label] = hashlib.sha256(repr(rows).encode()).hexdigest()
    return state


def files(root):
    return sorted(str(path) for path in root.rglob("*") if path.is_file())


# The focal point's requests, aimed at a delegation or a registration:
# (name, aim, method, data). The data are valid for the owner, so that only
# the access rule stops another delegation's focal point.
FOCAL_REQUESTS = [
    ("focal:delegation", "delegation", "get", None),
    ("focal:nominate", "delegation", "get", None),
    ("focal:nominate", "delegation", "post", "nomination"),
    ("focal:import", "delegation", "get", None),
    ("focal:import", "delegation", "post", "import"),
    ("focal:import_template_xlsx", "delegation", "get", None),
    ("focal:import_template_csv", "delegation", "get", None),
    ("focal:export_csv", "delegation", "get", None),
    ("focal:letter_upload", "delegation", "post", "letter"),
    ("focal:letter_download", "delegation", "get", None),
    ("focal:edit", "registration", "get", None),
    ("focal:edit", "registration", "post", "edit"),
    ("focal:endorse", "registration", "post", "empty"),
    ("focal:decline", "registration", "post", "empty"),
    ("focal:make_head", "registration", "post", "empty"),
    ("focal:withdraw", "registration", "post", "withdraw"),
    ("photos:delegate", "delegate", "get", None),
]
WRITES = {"nomination", "import", "letter", "edit", "empty", "withdraw"}


def focal_request(name, aim, data_kind, delegation, registration, session):
    target = {
        "delegation": delegation,
        "registration": registration,
        "delegate": registration.delegate,
    }[aim]
    url = reverse(name, args=[target.pk])
    data = {
        None: None,
        "nomination": lambda: nomination(delegation, session),
        "import": lambda: {"spreadsheet": nominees_csv(), "consent_privacy": "on"},
        "letter": lambda: {"letter": SimpleUploadedFile("b.pdf", PDF)},
        "edit": lambda: edit_data(registration),
        "empty": dict,
        "withdraw": lambda: {"confirmed": "1", "reason": "Cannot travel."},
    }[data_kind]
    return url, data() if data is not None else None


@pytest.fixture
def b_objects(delegation_b, session):
    delegation, _user = delegation_b
    registration = register(delegation, session)
    services.delegation_upload_letter(
        delegation=delegation, upload=SimpleUploadedFile("b.pdf", PDF), by=None
    )
    registration.delegate.photo.save("photo.jpg", ContentFile(jpeg_bytes()))
    return delegation, registration


@pytest.mark.parametrize(
    ("name", "aim", "method", "data_kind"),
    FOCAL_REQUESTS,
    ids=[f"{method}-{name}" for name, _aim, method, _kind in FOCAL_REQUESTS],
)
def test_a_focal_point_reaching_for_another_delegation_gets_404_and_changes_nothing(
    client,
    media,
    delegation_a,
    delegation_b,
    b_objects,
    session,
    name,
    aim,
    method,
    data_kind,
    django_capture_on_commit_callbacks,
):
    _delegation, focal_a = delegation_a
    delegation, registration = b_objects
    register(delegation_a[0], session)
    client.force_login(focal_a)
    before, files_before = database_state(), files(media)
    url, data = focal_request(name, aim, data_kind, delegation, registration, session)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = getattr(client, method)(url, data or {})

    assert response.status_code == 404
    assert database_state() == before
    assert files(media) == files_before
    assert callbacks == []
    assert mail.outbox == []


@pytest.mark.parametrize(
    ("name", "aim", "method", "data_kind"),
    FOCAL_REQUESTS,
    ids=[f"{method}-{name}" for name, _aim, method, _kind in FOCAL_REQUESTS],
)
def test_the_same_request_works_for_the_delegations_own_focal_point(
    client, delegation_b, b_objects, session, name, aim, method, data_kind
):
    """The control for the test above: the requests are good ones."""
    _delegation, focal_b = delegation_b
    delegation, registration = b_objects
    client.force_login(focal_b)
    before = database_state()
    url, data = focal_request(name, aim, data_kind, delegation, registration, session)

    response = getattr(client, method)(url, data or {})
    if response.streaming:
        b"".join(response.streaming_content)

    assert response.status_code in (200, 302)
    if response.status_code == 200 and response.context and "form" in response.context:
        form = response.context["form"]
        assert form is None or not form.errors
    if data_kind in WRITES:
        assert database_state() != before


# --- Fields a focal point may not set ---------------------------------------

FORBIDDEN = {
    "status": Status.APPROVED,
    "endorsement": Registration.Endorsement.DECLINED,
    "reference": "FORGED-001",
    "token": "forged-token",
    "decision_reason": "self-approved",
    "decided_at": "2024-01-01T00:00:00Z",
    "quota": 99,
    "approved_snapshot": '{"role": "head"}',
}


def test_a_nomination_ignores_the_fields_a_focal_point_may_not_set(
    client, meeting, delegation_a, session
):
    delegation, focal_a = delegation_a
    other_meeting = MeetingFactory()
    intruder = UserFactory(username="intruder")
    client.force_login(focal_a)
    response = client.post(
        reverse("focal:nominate", args=[delegation.pk]),
        nomination(
            delegation,
            session,
            meeting=other_meeting.pk,
            submitted_by=intruder.pk,
            decided_by=intruder.pk,
            **FORBIDDEN,
        ),
    )

    assert response.status_code == 302
    registration = Registration.objects.get()
    assert registration.status == Status.PENDING
    assert registration.endorsement == Registration.Endorsement.ENDORSED
    assert registration.meeting == meeting
    assert registration.reference != "FORGED-001"
    assert registration.token != "forged-token"
    assert registration.decision_reason == ""
    assert registration.decided_at is None
    assert registration.decided_by is None
    assert registration.approved_snapshot is None
    assert registration.submitted_by == focal_a
    delegation.refresh_from_db()
    assert delegation.quota == 5


def test_an_edit_ignores_the_fields_a_focal_point_may_not_set(
    client, delegation_a, session
):
    delegation, focal_a = delegation_a
    registration = register(delegation, session)
    token = registration.token
    client.force_login(focal_a)
    response = client.post(
        reverse("focal:edit", args=[registration.pk]),
        edit_data(registration, meeting=MeetingFactory().pk, **FORBIDDEN),
    )

    assert response.status_code == 302
    registration.refresh_from_db()
    delegation.refresh_from_db()
    assert registration.delegate.family_name == "Changed"
    assert (registration.status, registration.endorsement) == (
        Status.PENDING,
        Registration.Endorsement.AWAITING,
    )
    assert registration.token == token
    assert registration.reference != "FORGED-001"
    assert registration.decision_reason == ""
    assert registration.approved_snapshot is None
    assert delegation.quota == 5


def test_an_edit_cannot_move_a_registration_to_a_delegation_of_another_focal_point(
    client, delegation_a, delegation_b, session
):
    delegation, focal_a = delegation_a
    registration = register(delegation, session)
    client.force_login(focal_a)
    before = database_state()
    response = client.post(
        reverse("focal:edit", args=[registration.pk]),
        edit_data(registration, delegation=delegation_b[0].pk),
    )

    assert response.status_code == 200
    assert "delegation" in response.context["form"].errors
    assert database_state() == before


def test_an_edit_cannot_make_a_second_head_of_delegation(client, delegation_a, session):
    delegation, focal_a = delegation_a
    register(delegation, session, role=Role.HEAD)
    registration = register(delegation, session)
    client.force_login(focal_a)
    before = database_state()
    response = client.post(
        reverse("focal:edit", args=[registration.pk]),
        edit_data(registration, role=Role.HEAD),
    )

    assert response.status_code == 200
    assert response.context["form"].errors
    assert database_state() == before


def test_an_import_refuses_columns_a_focal_point_may_not_set(
    client, delegation_a, session
):
    delegation, focal_a = delegation_a
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["family_name", "email", "sessions", "status", "delegation"])
    writer.writerow(["Prasert", "somchai.prasert@example.org", "1", "approved", "1"])
    upload = SimpleUploadedFile("nominees.csv", out.getvalue().encode())
    client.force_login(focal_a)
    before = database_state()
    response = client.post(
        reverse("focal:import", args=[delegation.pk]),
        {"spreadsheet": upload, "consent_privacy": "on"},
    )

    assert response.status_code == 200
    assert response.context["form"].errors
    assert database_state() == before


def test_the_delegation_export_has_no_passports(client, delegation_a, session):
    delegation, focal_a = delegation_a
    register(delegation, session, delegate=DelegateFactory(passport_number=PASSPORT))
    client.force_login(focal_a)
    response = client.get(reverse("focal:export_csv", args=[delegation.pk]))
    content = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "Passport" not in content
    assert PASSPORT not in content
    assert PASSPORT[-3:] not in content


# --- Rapporteurs --------------------------------------------------------------


@pytest.fixture
def secretary():
    user = UserFactory(username="secretary")
    role_assign(user=user, role_name=SECRETARIAT)
    return type(user).objects.get(pk=user.pk)


@pytest.fixture
def rapporteur():
    user = UserFactory(username="rapporteur")
    role_assign(user=user, role_name=RAPPORTEUR)
    return type(user).objects.get(pk=user.pk)


@pytest.fixture
def minutes(session, secretary, rapporteur):
    AgendaItemFactory(session=session, number="1", order=1, title="Opening")
    minutes = meeting_services.minutes_start(session=session, by=secretary)
    minutes.rapporteurs.add(rapporteur)
    return minutes


@pytest.fixture
def other_minutes(meeting, secretary):
    session = SessionFactory(meeting=meeting, order=2, title="WGTIM")
    AgendaItemFactory(session=session, number="1", order=1, title="Opening")
    return meeting_services.minutes_start(session=session, by=secretary)


def minutes_state(minutes):
    minutes.refresh_from_db()
    return (minutes.status, minutes.circulated_at, minutes.adopted_on)


@pytest.mark.parametrize(
    ("step", "data"),
    [
        ("circulate", {"recipients": "head@example.org"}),
        ("adopt", {"on": "2024-05-03"}),
        ("adopt", {"on": "2024-05-03", "ad_referendum": "on"}),
    ],
)
def test_a_rapporteur_can_neither_circulate_nor_adopt_their_minutes(
    client, minutes, rapporteur, step, data
):
    client.force_login(rapporteur)
    before = minutes_state(minutes)
    url = reverse(f"admin:meetings_minutes_{step}", args=[minutes.pk])

    assert client.get(url).status_code == 403
    assert client.post(url, data).status_code == 403
    assert minutes_state(minutes) == before
    assert mail.outbox == []


def test_the_secretariat_can_circulate_them(client, minutes, secretary):
    """The control: the same request from the secretariat circulates."""
    client.force_login(secretary)
    response = client.post(
        reverse("admin:meetings_minutes_circulate", args=[minutes.pk]),
        {"recipients": "head@example.org"},
    )
    assert response.status_code == 302
    assert minutes_state(minutes)[0] == Minutes.Status.CIRCULATED


def test_a_rapporteur_cannot_reopen_adopted_minutes(
    client, minutes, secretary, rapporteur
):
    meeting_services.minutes_adopt(
        minutes=minutes, by=secretary, on=datetime.date(2024, 5, 3)
    )
    client.force_login(rapporteur)
    before = minutes_state(minutes)
    response = client.post(
        reverse("admin:meetings_minutes_reopen", args=[minutes.pk]),
        {"reason": "Mine to reopen."},
    )
    assert response.status_code == 403
    assert minutes_state(minutes) == before


def test_a_rapporteur_does_not_reach_minutes_they_are_not_assigned_to(
    client, minutes, other_minutes, rapporteur
):
    client.force_login(rapporteur)
    before = minutes_state(other_minutes)
    change = reverse("admin:meetings_minutes_change", args=[other_minutes.pk])
    response = client.get(change)
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:index")
    client.post(change, {"introduction": "Taken over."})
    other_minutes.refresh_from_db()
    assert other_minutes.introduction == ""
    assert minutes_state(other_minutes) == before


def test_a_rapporteur_edits_actions_in_their_minutes_not_in_the_list_of_all(
    client, minutes, other_minutes, rapporteur
):
    """The action items' admin spans every meeting's minutes; a rapporteur's
    permissions on actions serve the inline on their own minutes only."""
    mine = ActionItem.objects.create(item=minutes.items.get(), text="Mine.")
    theirs = ActionItem.objects.create(item=other_minutes.items.get(), text="Theirs.")
    client.force_login(rapporteur)

    assert (
        client.get(reverse("admin:meetings_actionitem_changelist")).status_code == 403
    )
    for action in (mine, theirs):
        url = reverse("admin:meetings_actionitem_change", args=[action.pk])
        assert client.get(url).status_code == 403
        response = client.post(url, {"item": action.item_id, "text": "Changed."})
        assert response.status_code == 403
        action.refresh_from_db()
        assert action.text != "Changed."
    delete = reverse("admin:meetings_actionitem_delete", args=[theirs.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert ActionItem.objects.filter(pk=theirs.pk).exists()

    page = client.get(
        reverse("admin:meetings_minutesitem_change", args=[minutes.items.get().pk])
    )
    assert page.status_code == 200
    actions_inline = next(
        formset
        for formset in page.context["inline_admin_formsets"]
        if formset.opts.model is ActionItem
    )
    assert actions_inline.has_change_permission
    assert actions_inline.has_add_permission


@pytest.fixture
def delegate_with_passport(delegation_a, session):
    delegate = DelegateFactory(
        passport_number=PASSPORT,
        passport_expiry=timezone.localdate() + datetime.timedelta(days=1000),
        passport_country="MYS",
        nationality="MYS",
    )
    registration = register(
        delegation_a[0],
        session,
        delegate=delegate,
        status=Status.APPROVED,
        needs_visa_letter=True,
    )
    return delegate, registration


def passport_pages(delegate, registration):
    return [
        reverse("admin:delegates_delegate_change", args=[delegate.pk]),
        reverse("admin:delegates_registration_change", args=[registration.pk]),
        reverse("admin:delegates_registration_letter", args=[registration.pk]),
        reverse("admin:delegates_registration_export", args=["csv"]),
        reverse("admin:delegates_registration_export", args=["xlsx"]),
    ]


def test_a_rapporteur_sees_no_passport(client, rapporteur, delegate_with_passport):
    client.force_login(rapporteur)
    for url in passport_pages(*delegate_with_passport):
        response = client.get(url)
        assert response.status_code == 403, url
        assert PASSPORT.encode() not in response.content


def test_check_in_staff_open_no_admin_page_and_see_no_passport(
    client, session, delegate_with_passport
):
    desk = UserFactory(username="desk")
    role_assign(user=desk, role_name=CHECK_IN_STAFF)
    client.force_login(desk)
    delegate, registration = delegate_with_passport
    from django.contrib import admin

    changelists = [
        reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        for model in admin.site._registry
    ]
    for url in [
        reverse("admin:index"),
        *changelists,
        *passport_pages(delegate, registration),
    ]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("admin:login")), url

    # The desk finds the person, without the passport.
    found = client.get(
        reverse("checkin:desk", args=[session.pk]), {"q": delegate.family_name}
    )
    assert found.status_code == 200
    assert registration in found.context["found"]
    assert PASSPORT.encode() not in found.content
    assert PASSPORT[-3:].encode() not in found.content


# --- The secretariat without view_passport ------------------------------------


@pytest.fixture
def secretary_without_passports():
    """A secretariat user holding every permission of the role but
    view_passport: given to the user, since the group is synced."""
    user = UserFactory(username="no-passports", is_staff=True)
    user.user_permissions.set(
        Group.objects.get(name=SECRETARIAT).permissions.exclude(
            codename="view_passport"
        )
    )
    return user


def export_text(response, file_format):
    content = (
        b"".join(response.streaming_content) if response.streaming else response.content
    )
    if file_format == "csv":
        return content.decode("utf-8-sig")
    workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    return "\n".join(
        " ".join(str(cell) for cell in row if cell is not None)
        for row in workbook.worksheets[0].iter_rows(values_only=True)
    )


def test_without_view_passport_the_secretariat_sees_passports_masked_only(
    client, secretary_without_passports, delegate_with_passport
):
    delegate, registration = delegate_with_passport
    # The approved version, kept when the passport changed, holds the old one.
    registration.approved_snapshot = {
        **services.registration_snapshot(registration),
        "passport_number": "B11112222",
    }
    registration.save(update_fields=["approved_snapshot"])
    client.force_login(secretary_without_passports)

    page = client.get(reverse("admin:delegates_delegate_change", args=[delegate.pk]))
    assert page.status_code == 200
    assert "passport_number" not in page.context["adminform"].form.fields
    assert PASSPORT.encode() not in page.content
    assert delegate.masked_passport.encode() in page.content

    page = client.get(
        reverse("admin:delegates_registration_change", args=[registration.pk])
    )
    assert page.status_code == 200
    assert PASSPORT.encode() not in page.content
    assert b"B11112222" not in page.content
    assert page.context["letter_url"] is None

    letter = reverse("admin:delegates_registration_letter", args=[registration.pk])
    assert client.get(letter).status_code == 403

    for file_format in ("csv", "xlsx"):
        response = client.get(
            reverse("admin:delegates_registration_export", args=[file_format])
        )
        assert response.status_code == 200
        text = export_text(response, file_format)
        assert registration.reference in text
        assert PASSPORT not in text
        assert "Passport" not in text


def test_with_view_passport_the_secretariat_sees_them_in_full(
    client, secretary, delegate_with_passport
):
    """The control for the test above."""
    delegate, registration = delegate_with_passport
    client.force_login(secretary)
    page = client.get(reverse("admin:delegates_delegate_change", args=[delegate.pk]))
    assert PASSPORT.encode() in page.content
    response = client.get(reverse("admin:delegates_registration_export", args=["csv"]))
    assert PASSPORT in export_text(response, "csv")
    letter = reverse("admin:delegates_registration_letter", args=[registration.pk])
    assert client.get(letter).status_code == 200
