"""The admin's reports page: every registered report of every meeting, for
those with the permission each report names; streamed, never cached."""

import csv
import datetime
import io

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from delegates.reports import REPORTS
from tests.factories import MeetingFactory, UserFactory

from .test_attendance_reports import Jwg

pytestmark = pytest.mark.django_db
INDEX = "/admin/reports/"


def download_url(slug, identifier, fmt):
    return reverse("delegates_reports:download", args=[slug, identifier, fmt])


def staff_with(*permissions):
    user = UserFactory(is_staff=True)
    for permission in permissions:
        app_label, codename = permission.split(".")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    return user


@pytest.fixture
def jwg():
    return Jwg()


def test_the_page_is_mounted_in_the_admin():
    assert reverse("delegates_reports:index") == INDEX
    assert download_url("jwg-11", "attendance-matrix", "csv") == (
        "/admin/reports/jwg-11/attendance-matrix.csv"
    )


def test_the_admin_index_links_to_the_reports(staff_client):
    response = staff_client.get(reverse("admin:index"))
    assert response.status_code == 200
    assert f'href="{INDEX}"' in response.text
    # The admin's own list of apps is still there.
    assert reverse("admin:delegates_registration_changelist") in response.text


def test_the_page_lists_every_registered_report_in_every_format(staff_client, jwg):
    older = MeetingFactory(
        slug="jwg-10",
        number=10,
        title="10th JWG",
        start_date=datetime.date(2023, 5, 8),
        end_date=datetime.date(2023, 5, 12),
    )
    response = staff_client.get(INDEX)
    assert response.status_code == 200
    text = response.text
    # Newest first.
    assert text.index("11th JWG") < text.index("10th JWG")
    # The participants reports are someone else's: listed all the same.
    assert {"attendance-by-session", "attendance-matrix", "attendance-summary"} <= set(
        REPORTS
    )
    for report_class in REPORTS.values():
        for meeting in (jwg.meeting, older):
            for fmt in report_class.formats:
                url = download_url(meeting.slug, report_class.identifier, fmt)
                assert f'href="{url}"' in text


def test_the_page_lists_only_the_reports_the_user_may_download(client, jwg):
    user = staff_with("delegates.view_attendance")
    client.force_login(user)
    text = client.get(INDEX).text
    for report_class in REPORTS.values():
        url = download_url("jwg-11", report_class.identifier, report_class.formats[0])
        assert (f'href="{url}"' in text) == user.has_perm(report_class.permission)


def test_the_page_says_when_the_user_may_download_nothing(client, jwg):
    client.force_login(staff_with())
    response = client.get(INDEX)
    assert response.status_code == 200
    assert "may not download any report" in response.text
    assert "/admin/reports/jwg-11/" not in response.text


def test_the_page_is_for_staff_only(client, jwg):
    client.force_login(UserFactory(is_staff=False))
    response = client.get(INDEX)
    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))
    response = client.get(download_url("jwg-11", "attendance-matrix", "csv"))
    assert response.status_code == 302


def test_the_page_query_count_does_not_grow_with_meetings(staff_client, jwg):
    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert staff_client.get(INDEX).status_code == 200
        return len(captured)

    few = queries()
    for number in range(12, 17):
        MeetingFactory(slug=f"jwg-{number}", number=number)
    assert queries() == few


def test_a_download_streams_the_file_as_an_attachment_never_cached(client, jwg):
    client.force_login(staff_with("delegates.view_attendance"))
    response = client.get(download_url("jwg-11", "attendance-matrix", "csv"))
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        'attachment; filename="jwg-11-attendance-matrix.csv"'
    )
    assert "no-store" in response["Cache-Control"]
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:])))
    assert rows[1] == ["Cambodia", "0", "0", "0", "0", "yes"]


@pytest.mark.parametrize(
    ("identifier", "fmt", "content_type", "magic"),
    [
        (
            "attendance-by-session",
            "xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            b"PK\x03\x04",
        ),
        ("attendance-by-session", "pdf", "application/pdf", b"%PDF"),
        (
            "attendance-summary",
            "docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            b"PK\x03\x04",
        ),
    ],
)
def test_binary_downloads(staff_client, jwg, identifier, fmt, content_type, magic):
    response = staff_client.get(download_url("jwg-11", identifier, fmt))
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert b"".join(response.streaming_content).startswith(magic)


@pytest.mark.parametrize("identifier", sorted(REPORTS))
def test_a_download_needs_the_permission_the_report_names(client, jwg, identifier):
    report_class = REPORTS[identifier]
    url = download_url("jwg-11", identifier, report_class.formats[0])
    # A permission no report asks for.
    client.force_login(staff_with("delegates.view_party"))
    assert client.get(url).status_code == 403
    client.force_login(staff_with(report_class.permission))
    response = client.get(url)
    assert response.status_code == 200
    b"".join(response.streaming_content)


def test_attendance_reports_need_view_attendance_not_view_registration(client, jwg):
    client.force_login(staff_with("delegates.view_registration"))
    url = download_url("jwg-11", "attendance-by-session", "csv")
    assert client.get(url).status_code == 403


@pytest.mark.parametrize(
    "url",
    [
        "/admin/reports/jwg-99/attendance-matrix.csv",
        "/admin/reports/jwg-11/no-such-report.csv",
        "/admin/reports/jwg-11/attendance-matrix.docx",
        "/admin/reports/jwg-11/attendance-matrix.exe",
        "/admin/reports/jwg-11/attendance-matrix",
    ],
)
def test_unknown_meetings_reports_and_formats_are_404(staff_client, jwg, url):
    assert staff_client.get(url).status_code == 404


def test_the_page_and_downloads_only_answer_reads(staff_client, jwg):
    assert staff_client.post(INDEX).status_code == 405
    url = download_url("jwg-11", "attendance-matrix", "csv")
    assert staff_client.post(url).status_code == 405
