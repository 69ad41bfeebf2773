"""Every page and download with personal data is sent `Cache-Control:
no-store`, so neither a shared cache nor the browser's history keeps it:
the focal point's pages and export, the admin's pages, exports, badges
and letters, the reports, the check-in desk and the private link's pages
and downloads."""

import datetime

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from delegates import services
from delegates.models import Registration
from delegates.reports import REPORTS
from tests.factories import (
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

PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< >>\n%%EOF\n"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def world():
    now = timezone.now()
    today = timezone.localdate()
    meeting = MeetingFactory(
        start_date=today + datetime.timedelta(days=30),
        end_date=today + datetime.timedelta(days=32),
        registration_opens_at=now - datetime.timedelta(days=1),
        registration_closes_at=now + datetime.timedelta(days=20),
    )
    session = SessionFactory(meeting=meeting)
    delegation = DelegationFactory(
        meeting=meeting, party=MemberStateFactory(code="MYS", name="Malaysia")
    )
    delegation.nomination_letter.save("letter.pdf", ContentFile(PDF))
    focal = UserFactory(username="focal-mys")
    delegation.focal_points.add(focal)
    registration = RegistrationFactory(
        delegation=delegation,
        status=Registration.Status.APPROVED,
        needs_visa_letter=True,
        delegate=DelegateFactory(
            nationality="MYS",
            passport_number="P4471902Q",
            passport_expiry=meeting.end_date + datetime.timedelta(days=400),
        ),
    )
    registration.sessions.add(session)
    AttendanceFactory(registration=registration, session=session)
    services.badge_issue(registration=registration)
    return {
        "meeting": meeting,
        "session": session,
        "delegation": delegation,
        "focal": focal,
        "registration": registration,
    }


def assert_no_store(response, where):
    assert response.status_code == 200, where
    assert "no-store" in response.get("Cache-Control", ""), where


FOCAL_PAGES = {
    "home": lambda w: reverse("focal:home"),
    "delegation": lambda w: reverse("focal:delegation", args=[w["delegation"].pk]),
    "nominate": lambda w: reverse("focal:nominate", args=[w["delegation"].pk]),
    "import": lambda w: reverse("focal:import", args=[w["delegation"].pk]),
    "export": lambda w: reverse("focal:export_csv", args=[w["delegation"].pk]),
    "nomination letter": lambda w: reverse(
        "focal:letter_download", args=[w["delegation"].pk]
    ),
    "edit": lambda w: reverse("focal:edit", args=[w["registration"].pk]),
}


@pytest.mark.parametrize("name", FOCAL_PAGES)
def test_focal_pages_and_downloads_are_not_stored(client, world, name):
    client.force_login(world["focal"])
    assert_no_store(client.get(FOCAL_PAGES[name](world)), name)


def test_the_focal_withdraw_confirmation_is_not_stored(client, world):
    client.force_login(world["focal"])
    url = reverse("focal:withdraw", args=[world["registration"].pk])
    assert_no_store(client.post(url), "withdraw confirmation")


def test_a_refused_letter_upload_page_is_not_stored(client, world):
    client.force_login(world["focal"])
    url = reverse("focal:letter_upload", args=[world["delegation"].pk])
    response = client.post(url, {"letter": ContentFile(b"not a pdf", "x.pdf")})
    assert_no_store(response, "letter upload")


def admin(name, *args):
    return reverse(f"admin:delegates_{name}", args=args)


ADMIN_PAGES = {
    "delegate list": lambda w: admin("delegate_changelist"),
    "delegate page": lambda w: admin("delegate_change", w["registration"].delegate_id),
    "registration list": lambda w: admin("registration_changelist"),
    "registration page": lambda w: admin("registration_change", w["registration"].pk),
    "delegation page": lambda w: admin("delegation_change", w["delegation"].pk),
    "attendance list": lambda w: admin("attendance_changelist"),
    "purge records": lambda w: admin("personaldatapurge_changelist"),
    "export csv": lambda w: admin("registration_export", "csv"),
    "export xlsx": lambda w: admin("registration_export", "xlsx"),
    "badge": lambda w: admin("registration_badge", w["registration"].pk),
    "meeting badges": lambda w: admin("registration_meeting_badges", w["meeting"].pk),
    "letter": lambda w: admin("registration_letter", w["registration"].pk),
    "reports": lambda w: reverse("delegates_reports:index"),
}


@pytest.mark.parametrize("name", ADMIN_PAGES)
def test_admin_pages_and_downloads_are_not_stored(staff_client, world, name):
    assert_no_store(staff_client.get(ADMIN_PAGES[name](world)), name)


def test_the_admin_badge_action_download_is_not_stored(staff_client, world):
    response = staff_client.post(
        admin("registration_changelist"),
        {"action": "print_badges", "_selected_action": [world["registration"].pk]},
    )
    assert response["Content-Type"] == "application/pdf"
    assert_no_store(response, "badges action")


REPORT_DOWNLOADS = [
    (identifier, fmt)
    for identifier, report in REPORTS.items()
    for fmt in report.formats
]


@pytest.mark.parametrize(("identifier", "fmt"), REPORT_DOWNLOADS)
def test_report_downloads_are_not_stored(staff_client, world, identifier, fmt):
    url = reverse(
        "delegates_reports:download", args=[world["meeting"].slug, identifier, fmt]
    )
    assert_no_store(staff_client.get(url), f"{identifier}.{fmt}")


CHECKIN_PAGES = {
    "sessions": lambda w: reverse("checkin:sessions"),
    "desk": lambda w: reverse("checkin:desk", args=[w["session"].pk]) + "?q=Given",
    "sheet": lambda w: reverse("checkin:sheet", args=[w["session"].pk]),
}


@pytest.mark.parametrize("name", CHECKIN_PAGES)
def test_check_in_pages_are_not_stored(staff_client, world, name):
    assert_no_store(staff_client.get(CHECKIN_PAGES[name](world)), name)


def test_a_check_in_answer_is_not_stored(staff_client, world):
    registration = world["registration"]
    afternoon = SessionFactory(meeting=world["meeting"])
    registration.sessions.add(afternoon)
    code = registration.badge_codes.get().code
    response = staff_client.post(
        reverse("checkin:desk", args=[afternoon.pk]), {"code": code}
    )
    assert registration.attendances.filter(session=afternoon).exists()
    assert_no_store(response, "scan")


@pytest.mark.parametrize("name", ["manage", "edit", "withdraw", "letter", "my_data"])
def test_private_link_pages_and_downloads_are_not_stored(client, world, name):
    url = reverse(f"delegates:{name}", args=[world["registration"].token])
    assert_no_store(client.get(url), name)


@pytest.mark.parametrize("who", ["secretariat", "focal point", "the person"])
def test_photos_are_not_stored(client, world, who):
    registration = world["registration"]
    registration.delegate.photo.save("photo.jpg", ContentFile(b"jpeg bytes"))
    if who == "the person":
        url = reverse("photos:registration", args=[registration.token])
    else:
        url = reverse("photos:delegate", args=[registration.delegate_id])
        client.force_login(
            world["focal"]
            if who == "focal point"
            else UserFactory(is_staff=True, is_superuser=True)
        )
    response = client.get(url)
    assert_no_store(response, who)
    response.close()
