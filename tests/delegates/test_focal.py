"""The focal point's pages: what they may do for their own delegation, and
that every page and export is a 404 for another delegation's data."""

import csv
import datetime
import io

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from delegates import services
from delegates.models import Delegation, Registration
from tests.factories import (
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
Endorsement = Registration.Endorsement
# The smallest whole PDF: one blank page, with its cross-reference table
# (delegates.uploads.validate_pdf reads the file through).
PDF = (
    b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
    b"2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n"
    b"3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>\nendobj\n"
    b"xref\n0 4\n0000000000 65535 f \n0000000009 00000 n \n"
    b"0000000058 00000 n \n0000000115 00000 n \n"
    b"trailer\n<< /Size 4 /Root 1 0 R >>\nstartxref\n186\n%%EOF\n"
)
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 32


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


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


@pytest.fixture
def delegation_a(meeting):
    party = MemberStateFactory(code="MYS", name="Malaysia")
    return DelegationFactory(meeting=meeting, party=party, quota=5)


@pytest.fixture
def delegation_b(meeting):
    party = MemberStateFactory(code="THA", name="Thailand")
    return DelegationFactory(meeting=meeting, party=party, quota=4)


@pytest.fixture
def focal_user(delegation_a):
    user = UserFactory(username="focal-mys")
    delegation_a.focal_points.add(user)
    return user


@pytest.fixture
def focal_client(client, focal_user):
    client.force_login(focal_user)
    return client


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
        "family_name": delegate.family_name,
        "email": delegate.email,
        "position": delegate.position,
        "agency": delegate.agency,
        "preferred_language": "en",
        "sessions": list(registration.sessions.values_list("pk", flat=True)),
        **extra,
    }


DELEGATION_URLS = (
    "delegation",
    "nominate",
    "letter_upload",
    "letter_download",
    "import",
    "import_template_xlsx",
    "import_template_csv",
    "export_csv",
)
REGISTRATION_URLS = ("edit", "endorse", "decline", "make_head", "withdraw")
POST_ONLY = ("letter_upload", "endorse", "decline", "make_head", "withdraw")


def test_anonymous_users_are_sent_to_log_in(client, delegation_a, session):
    registration = register(delegation_a, session)
    urls = [reverse("focal:home")]
    urls += [reverse(f"focal:{n}", args=[delegation_a.pk]) for n in DELEGATION_URLS]
    urls += [reverse(f"focal:{n}", args=[registration.pk]) for n in REGISTRATION_URLS]
    for url in urls:
        for method in (client.get, client.post):
            response = method(url)
            assert response.status_code == 302, url
            assert response["Location"].startswith(reverse("login") + "?next="), url
    registration.refresh_from_db()
    assert registration.endorsement == Endorsement.AWAITING
    assert registration.status == Status.PENDING


def test_login_page_uses_the_portal_and_leads_to_the_focal_home(client, focal_user):
    page = client.get(reverse("login"))
    assert page.status_code == 200
    assert "base.html" in [t.name for t in page.templates]
    response = client.post(
        reverse("login"),
        {"username": focal_user.username, "password": "a-long-test-password"},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("focal:home")


# --- Isolation -------------------------------------------------------------


def b_state(delegation_b):
    """Everything a focal point of A might try to change in B."""
    delegation = Delegation.objects.get(pk=delegation_b.pk)
    registrations = list(
        Registration.objects.filter(delegation=delegation_b)
        .order_by("pk")
        .values(
            "pk",
            "status",
            "role",
            "endorsement",
            "endorsed_by",
            "delegation",
            "delegate__email",
            "delegate__position",
            "updated_at",
        )
    )
    return {
        "quota": delegation.quota,
        "letter": delegation.nomination_letter.name,
        "registrations": registrations,
        "events": sorted(
            Registration.objects.filter(delegation=delegation_b).values_list(
                "events__action", flat=True
            ),
            key=str,
        ),
        "total": Registration.objects.count(),
    }


def isolation_request(name, delegation_b, registration_b, session):
    """The request each URL takes, aimed at delegation B."""
    pdf = SimpleUploadedFile("letter.pdf", PDF, content_type="application/pdf")
    sheet = SimpleUploadedFile(
        "nominees.csv",
        b"family_name,email,sessions\nRahman,new.nominee@example.org,1\n",
        content_type="text/csv",
    )
    target = registration_b.pk if name in REGISTRATION_URLS else delegation_b.pk
    url = reverse(f"focal:{name}", args=[target])
    posts = {
        "nominate": nomination(delegation_b, session),
        "letter_upload": {"letter": pdf},
        "import": {"spreadsheet": sheet, "consent_privacy": "on"},
        "edit": edit_data(registration_b, position="Changed by A"),
        "endorse": {},
        "decline": {},
        "make_head": {},
        "withdraw": {"confirmed": "yes", "reason": "by A"},
    }
    return url, posts.get(name)


@pytest.mark.parametrize("name", DELEGATION_URLS + REGISTRATION_URLS)
def test_another_delegations_data_is_a_404_and_stays_unchanged(
    name,
    focal_client,
    delegation_a,
    delegation_b,
    session,
    django_capture_on_commit_callbacks,
):
    register(delegation_a, session)
    registration_b = register(delegation_b, session)
    register(delegation_b, session, role=Role.HEAD)
    services.delegation_upload_letter(
        delegation=delegation_b,
        upload=SimpleUploadedFile("b.pdf", PDF),
        by=None,
    )
    before = b_state(delegation_b)
    url, data = isolation_request(name, delegation_b, registration_b, session)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        responses = [] if name in POST_ONLY else [focal_client.get(url)]
        if data is not None:
            responses.append(focal_client.post(url, data))

    assert responses
    assert [r.status_code for r in responses] == [404] * len(responses)
    assert b_state(delegation_b) == before
    assert callbacks == []
    assert mail.outbox == []


def test_a_registration_cannot_be_moved_into_another_delegation(
    focal_client, delegation_a, delegation_b, session
):
    registration = register(delegation_a, session)
    response = focal_client.post(
        reverse("focal:edit", args=[registration.pk]),
        edit_data(registration, delegation=delegation_b.pk),
    )
    assert response.status_code == 200
    assert "delegation" in response.context["form"].errors
    registration.refresh_from_db()
    assert registration.delegation_id == delegation_a.pk
    assert not delegation_b.registrations.exists()


def test_a_nomination_cannot_be_aimed_at_another_delegation(
    focal_client, delegation_a, delegation_b, session
):
    response = focal_client.post(
        reverse("focal:nominate", args=[delegation_a.pk]),
        nomination(delegation_b, session),
    )
    assert response.status_code == 200
    assert "delegation" in response.context["form"].errors
    assert not Registration.objects.exists()


def test_a_focal_point_of_two_delegations_may_move_a_registration(
    focal_client, focal_user, delegation_a, delegation_b, session
):
    delegation_b.focal_points.add(focal_user)
    registration = register(delegation_a, session)
    response = focal_client.post(
        reverse("focal:edit", args=[registration.pk]),
        edit_data(registration, delegation=delegation_b.pk),
    )
    assert response.status_code == 302
    registration.refresh_from_db()
    assert registration.delegation_id == delegation_b.pk


def test_posted_fields_the_focal_point_may_not_set_are_ignored(
    focal_client, delegation_a, session
):
    forbidden = {
        "status": Status.APPROVED,
        "quota": 99,
        "endorsement": Endorsement.DECLINED,
        "reference": "FORGED-001",
        "decision_reason": "self-approved",
    }
    focal_client.post(
        reverse("focal:nominate", args=[delegation_a.pk]),
        nomination(delegation_a, session, **forbidden),
    )
    nominated = Registration.objects.get()
    assert nominated.status == Status.PENDING
    assert nominated.endorsement == Endorsement.ENDORSED
    assert nominated.reference != "FORGED-001"

    focal_client.post(
        reverse("focal:edit", args=[nominated.pk]),
        edit_data(nominated, **forbidden),
    )
    nominated.refresh_from_db()
    delegation_a.refresh_from_db()
    assert nominated.status == Status.PENDING
    assert nominated.endorsement == Endorsement.ENDORSED
    assert nominated.decision_reason == ""
    assert delegation_a.quota == 5


# --- Home and delegation page ----------------------------------------------


def test_home_lists_the_users_delegations_by_meeting_with_counts(
    focal_client, focal_user, delegation_a, delegation_b, session
):
    register(delegation_a, session)
    register(delegation_a, session, status=Status.APPROVED)
    register(delegation_b, session)
    other_meeting = MeetingFactory(title="12th JWG")
    DelegationFactory(meeting=other_meeting, party=delegation_a.party).focal_points.add(
        focal_user
    )

    response = focal_client.get(reverse("focal:home"))

    assert response.status_code == 200
    meetings = response.context["meetings"]
    assert [meeting.title for meeting, _ in meetings] == [
        delegation_a.meeting.title,
        "12th JWG",
    ]
    [mine] = meetings[0][1]
    assert mine == delegation_a
    assert mine.status_counts == [1, 1, 0, 0, 0]
    assert "Thailand" not in response.content.decode()


def test_delegation_page_lists_registrations_head_first_with_actions(
    focal_client, delegation_a, session
):
    delegate = register(delegation_a, session)
    head = register(delegation_a, session, role=Role.HEAD, status=Status.APPROVED)
    withdrawn = register(delegation_a, session, status=Status.WITHDRAWN)

    response = focal_client.get(reverse("focal:delegation", args=[delegation_a.pk]))

    assert response.status_code == 200
    assert response.context["registrations"] == [head, delegate, withdrawn]
    assert response.context["registrations"][0].session_count == 1
    html = response.content.decode()
    assert reverse("focal:endorse", args=[delegate.pk]) in html
    assert reverse("focal:make_head", args=[delegate.pk]) in html
    assert reverse("focal:make_head", args=[head.pk]) not in html
    assert reverse("focal:withdraw", args=[withdrawn.pk]) not in html
    assert reverse("focal:edit", args=[withdrawn.pk]) not in html
    assert reverse("focal:nominate", args=[delegation_a.pk]) in html
    assert "1 approved of a quota of 5" in html
    delegation_a.quota = None
    delegation_a.save()
    response = focal_client.get(reverse("focal:delegation", args=[delegation_a.pk]))
    assert "No limit; 1 delegate approved." in response.content.decode()


@pytest.mark.parametrize(
    ("name", "queries"),
    # Session, user, delegation, registrations (+ their sessions for the export).
    [("delegation", 4), ("export_csv", 5)],
)
def test_delegation_page_and_export_queries_do_not_grow_with_registrations(
    name, queries, focal_client, delegation_a, session, django_assert_num_queries
):
    url = reverse(f"focal:{name}", args=[delegation_a.pk])
    for size in (3, 30):
        while delegation_a.registrations.count() < size:
            register(delegation_a, session)
        with django_assert_num_queries(queries):
            response = focal_client.get(url)
            if response.streaming:
                # An export streams: its queries run as the body is read.
                b"".join(response.streaming_content)
        assert response.status_code == 200


def test_home_queries_do_not_grow_with_delegations(
    focal_client, focal_user, delegation_a, session, django_assert_num_queries
):
    register(delegation_a, session)
    for extra in (0, 5):
        for _ in range(extra):
            delegation = DelegationFactory(meeting=MeetingFactory())
            delegation.focal_points.add(focal_user)
            register(delegation, SessionFactory(meeting=delegation.meeting))
        with django_assert_num_queries(3):
            assert focal_client.get(reverse("focal:home")).status_code == 200


# --- Nominate and edit -----------------------------------------------------


def test_nominating_registers_pending_endorsed_and_mails_after_commit(
    focal_client, focal_user, delegation_a, session, django_capture_on_commit_callbacks
):
    page = focal_client.get(reverse("focal:nominate", args=[delegation_a.pk]))
    assert "has been informed of the privacy notice" in page.content.decode()

    with django_capture_on_commit_callbacks() as callbacks:
        response = focal_client.post(
            reverse("focal:nominate", args=[delegation_a.pk]),
            nomination(delegation_a, session),
        )
        assert mail.outbox == []
    for callback in callbacks:
        callback()

    assert response.status_code == 302
    assert response["Location"] == reverse("focal:delegation", args=[delegation_a.pk])
    registration = Registration.objects.get()
    assert registration.delegation == delegation_a
    assert registration.status == Status.PENDING
    assert registration.endorsement == Endorsement.ENDORSED
    assert registration.endorsed_by == focal_user
    assert registration.submitted_by == focal_user
    assert registration.consent_privacy_at is not None
    assert list(registration.sessions.all()) == [session]
    assert [m.to for m in mail.outbox] == [["siti.rahman@example.org"]]


def test_nominating_needs_the_attested_consent(focal_client, delegation_a, session):
    data = nomination(delegation_a, session)
    del data["consent_privacy"]
    response = focal_client.post(
        reverse("focal:nominate", args=[delegation_a.pk]), data
    )
    assert "consent_privacy" in response.context["form"].errors
    assert not Registration.objects.exists()


def test_a_duplicate_nomination_is_a_form_error(focal_client, delegation_a, session):
    existing = register(delegation_a, session)
    response = focal_client.post(
        reverse("focal:nominate", args=[delegation_a.pk]),
        nomination(delegation_a, session, email=existing.delegate.email.upper()),
    )
    assert response.status_code == 200
    assert "already has an active registration" in str(
        response.context["form"].non_field_errors()
    )
    assert Registration.objects.count() == 1


def test_with_the_window_closed_there_is_no_form_and_no_nomination(
    focal_client, delegation_a, session
):
    meeting = delegation_a.meeting
    meeting.registration_closes_at = timezone.now() - datetime.timedelta(hours=1)
    meeting.registration_opens_at = timezone.now() - datetime.timedelta(days=5)
    meeting.save()
    url = reverse("focal:nominate", args=[delegation_a.pk])

    page = focal_client.get(url)
    posted = focal_client.post(url, nomination(delegation_a, session))

    assert page.context["form"] is None
    assert "is not open" in page.content.decode()
    assert 'name="family_name"' not in page.content.decode()
    assert posted.status_code == 200
    assert not Registration.objects.exists()
    delegation_page = focal_client.get(
        reverse("focal:delegation", args=[delegation_a.pk])
    )
    assert url not in delegation_page.content.decode()


def test_editing_changes_the_registration_through_the_service(
    focal_client, focal_user, delegation_a, session
):
    registration = register(delegation_a, session)
    second = SessionFactory(meeting=delegation_a.meeting, order=2)
    page = focal_client.get(reverse("focal:edit", args=[registration.pk]))
    assert page.context["form"].initial["email"] == registration.delegate.email

    response = focal_client.post(
        reverse("focal:edit", args=[registration.pk]),
        edit_data(registration, position="Deputy Director", sessions=[second.pk]),
    )

    assert response.status_code == 302
    registration.refresh_from_db()
    assert registration.delegate.position == "Deputy Director"
    assert list(registration.sessions.all()) == [second]
    event = registration.events.get()
    assert (event.action, event.by) == ("edited", focal_user)


def test_a_withdrawn_registration_cannot_be_edited(focal_client, delegation_a, session):
    registration = register(delegation_a, session, status=Status.WITHDRAWN)
    response = focal_client.post(
        reverse("focal:edit", args=[registration.pk]),
        edit_data(registration, position="Changed"),
    )
    assert "can no longer be changed" in str(
        response.context["form"].non_field_errors()
    )
    registration.refresh_from_db()
    assert registration.delegate.position == "Director"


# --- Endorse, decline, make head, withdraw ---------------------------------


@pytest.mark.parametrize("name", POST_ONLY)
def test_actions_are_post_only(name, focal_client, delegation_a, session):
    registration = register(delegation_a, session)
    target = delegation_a if name == "letter_upload" else registration
    response = focal_client.get(reverse(f"focal:{name}", args=[target.pk]))
    assert response.status_code == 405
    registration.refresh_from_db()
    assert registration.endorsement == Endorsement.AWAITING


def test_endorse_then_decline(focal_client, focal_user, delegation_a, session):
    registration = register(delegation_a, session)
    back = reverse("focal:delegation", args=[delegation_a.pk])

    endorsed = focal_client.post(reverse("focal:endorse", args=[registration.pk]))
    registration.refresh_from_db()
    assert endorsed["Location"] == back
    assert registration.endorsement == Endorsement.ENDORSED
    assert registration.endorsed_by == focal_user

    focal_client.post(reverse("focal:decline", args=[registration.pk]))
    registration.refresh_from_db()
    assert registration.endorsement == Endorsement.DECLINED
    assert registration.status == Status.PENDING


def test_a_refused_action_is_shown_as_an_error(focal_client, delegation_a, session):
    registration = register(delegation_a, session, status=Status.WITHDRAWN)
    response = focal_client.post(
        reverse("focal:endorse", args=[registration.pk]), follow=True
    )
    [message] = response.context["messages"]
    assert message.level_tag == "error"
    assert "Only an active registration" in message.message
    registration.refresh_from_db()
    assert registration.endorsement == Endorsement.AWAITING


def test_make_head_turns_the_former_head_into_alternate(
    focal_client, delegation_a, session
):
    former = register(delegation_a, session, role=Role.HEAD, status=Status.APPROVED)
    registration = register(delegation_a, session)

    focal_client.post(reverse("focal:make_head", args=[registration.pk]))

    former.refresh_from_db()
    registration.refresh_from_db()
    assert registration.role == Role.HEAD
    assert former.role == Role.ALTERNATE


def test_withdraw_asks_once_more_then_withdraws(
    focal_client, delegation_a, session, django_capture_on_commit_callbacks
):
    registration = register(delegation_a, session)
    url = reverse("focal:withdraw", args=[registration.pk])

    asked = focal_client.post(url)
    registration.refresh_from_db()
    assert asked.status_code == 200
    assert registration.status == Status.PENDING
    assert 'name="confirmed"' in asked.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        done = focal_client.post(url, {"confirmed": "yes", "reason": "Cannot travel"})
    registration.refresh_from_db()
    assert done.status_code == 302
    assert registration.status == Status.WITHDRAWN
    assert registration.events.get().note == "Cannot travel"
    assert [m.to for m in mail.outbox] == [[registration.delegate.email]]


# --- Nomination letter -----------------------------------------------------


def upload(client, delegation, content, name="letter.pdf"):
    return client.post(
        reverse("focal:letter_upload", args=[delegation.pk]),
        {"letter": SimpleUploadedFile(name, content, content_type="application/pdf")},
    )


def test_a_pdf_letter_is_stored_under_a_generated_name_and_downloads(
    focal_client, delegation_a, tmp_path
):
    response = upload(focal_client, delegation_a, PDF, name="../../evil name.pdf")

    assert response.status_code == 302
    delegation_a.refresh_from_db()
    stored = delegation_a.nomination_letter.name
    assert stored.startswith(f"nominations/{delegation_a.meeting_id}/")
    assert "evil" not in stored
    assert (tmp_path / stored).read_bytes() == PDF
    assert delegation_a.nomination_letter_uploaded_at is not None

    download = focal_client.get(
        reverse("focal:letter_download", args=[delegation_a.pk])
    )
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"].startswith("attachment;")
    assert download["Cache-Control"] == "no-store"


@pytest.mark.parametrize(
    "content",
    [PNG, b"Dear Secretariat, please find our delegation below.\n"],
    ids=["png", "text"],
)
def test_a_file_named_pdf_that_is_not_a_pdf_is_refused(
    content, focal_client, delegation_a
):
    response = upload(focal_client, delegation_a, content)
    assert response.status_code == 200
    assert "not a PDF" in str(response.context["letter_form"].errors["letter"])
    delegation_a.refresh_from_db()
    assert not delegation_a.nomination_letter


def test_an_oversize_letter_is_refused_with_the_limit(
    settings, focal_client, delegation_a
):
    settings.NOMINATION_LETTER_MAX_BYTES = 2 * 1024 * 1024
    response = upload(focal_client, delegation_a, PDF + b"0" * 2 * 1024 * 1024)
    assert "the limit is 2 MB" in str(response.context["letter_form"].errors)
    delegation_a.refresh_from_db()
    assert not delegation_a.nomination_letter


def test_no_letter_is_a_404(focal_client, delegation_a):
    response = focal_client.get(
        reverse("focal:letter_download", args=[delegation_a.pk])
    )
    assert response.status_code == 404


def test_a_stored_letter_is_not_served_from_media_url(
    settings, focal_client, delegation_a
):
    upload(focal_client, delegation_a, PDF)
    delegation_a.refresh_from_db()
    stored = delegation_a.nomination_letter.name
    response = focal_client.get("/" + settings.MEDIA_URL + stored)
    assert response.status_code == 404


# --- Export ----------------------------------------------------------------


@pytest.mark.parametrize("superuser", [False, True], ids=["focal", "also-staff"])
def test_export_csv_is_safe_for_spreadsheets_and_has_no_passports(
    superuser, focal_client, focal_user, delegation_a, delegation_b, session
):
    focal_user.is_superuser = superuser
    focal_user.save()
    delegate = DelegateFactory(
        position="=cmd|' /C calc'!A0",
        given_name="@SUM(1)",
        passport_number="A1234567",
        phone="+62 361 123 4567",
    )
    mine = register(delegation_a, session, delegate=delegate)
    theirs = register(delegation_b, session)

    response = focal_client.get(reverse("focal:export_csv", args=[delegation_a.pk]))

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Cache-Control"] == "no-store"
    assert response["Content-Disposition"].startswith("attachment;")
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    header, *rows = list(csv.reader(io.StringIO(body[1:])))
    assert header[0] == "Reference"
    assert "Family name" in header
    assert not [title for title in header if "assport" in title]
    [row] = rows
    assert row[0] == mine.reference
    assert "'=cmd|' /C calc'!A0" in row
    assert "'@SUM(1)" in row
    assert "'+62 361 123 4567" in row
    assert "A1234567" not in body
    assert theirs.reference not in body
