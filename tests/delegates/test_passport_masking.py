"""Passport numbers reach only those allowed to see them.

A delegate with known passport numbers (on file, in an approved version,
and awaiting confirmation) is looked at through every page and download
that shows delegates: the admin's lists, pages and exports, the reports
in each format (read back with openpyxl, pypdf and python-docx), the
focal point's pages and export and the check-in desk. Without
`delegates.view_passport` no full number appears in any of them; with it,
the number appears where it is meant to and nowhere else.
"""

import csv
import datetime
import io
import json

import docx
import openpyxl
import pypdf
import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from delegates import services
from delegates.exports import XLSX_CONTENT_TYPE
from delegates.models import Registration, mask_passport
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

PASSPORT = "P4471902Q"
APPROVED_PASSPORT = "K1199300Z"
CURRENT_PASSPORT = "M5562814X"
PROPOSED_PASSPORT = "R8803377W"
SECRETS = (PASSPORT, APPROVED_PASSPORT, CURRENT_PASSPORT, PROPOSED_PASSPORT)
DOCX_CONTENT_TYPE = (
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def text_of(response):
    """What a person reading the page or file would see, as text."""
    content = (
        b"".join(response.streaming_content) if response.streaming else response.content
    )
    kind = response["Content-Type"].split(";")[0]
    if kind == "application/pdf":
        reader = pypdf.PdfReader(io.BytesIO(content))
        return "\n".join(page.extract_text() for page in reader.pages)
    if kind == XLSX_CONTENT_TYPE:
        workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
        return "\n".join(
            str(value)
            for sheet in workbook.worksheets
            for row in sheet.iter_rows(values_only=True)
            for value in row
            if value is not None
        )
    if kind == DOCX_CONTENT_TYPE:
        document = docx.Document(io.BytesIO(content))
        cells = [
            cell.text
            for table in document.tables
            for row in table.rows
            for cell in row.cells
        ]
        return "\n".join([p.text for p in document.paragraphs] + cells)
    if kind == "text/csv":
        rows = csv.reader(io.StringIO(content.decode("utf-8-sig")))
        return "\n".join(",".join(row) for row in rows)
    return content.decode()


def assert_no_full_number(text, where):
    # A PDF may break a line anywhere: look without the spaces too.
    squeezed = "".join(text.split())
    for secret in SECRETS:
        assert secret not in text, f"{secret} shown in {where}"
        assert secret not in squeezed, f"{secret} shown in {where}"


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
    session = SessionFactory(meeting=meeting, title="JWG plenary")
    delegation = DelegationFactory(
        meeting=meeting, party=MemberStateFactory(code="MYS", name="Malaysia")
    )
    focal = UserFactory(username="focal-mys")
    delegation.focal_points.add(focal)
    expiry = meeting.end_date + datetime.timedelta(days=400)

    traveller = RegistrationFactory(
        delegation=delegation,
        status=Registration.Status.APPROVED,
        consent_publish=True,
        needs_visa_letter=True,
        delegate=DelegateFactory(
            family_name="Traveller",
            nationality="MYS",
            passport_number=PASSPORT,
            passport_expiry=expiry,
            passport_country="MYS",
        ),
    )
    traveller.sessions.add(session)
    AttendanceFactory(registration=traveller, session=session)
    services.badge_issue(registration=traveller)

    amended = RegistrationFactory(
        delegation=delegation,
        status=Registration.Status.PENDING,
        consent_publish=True,
        delegate=DelegateFactory(
            family_name="Amended",
            passport_number=CURRENT_PASSPORT,
            passport_expiry=expiry,
        ),
    )
    amended.sessions.add(session)
    snapshot = services.registration_snapshot(amended)
    snapshot["passport_number"] = APPROVED_PASSPORT
    Registration.objects.filter(pk=amended.pk).update(
        approved_snapshot=snapshot,
        proposed_details={"passport_number": PROPOSED_PASSPORT},
    )
    return {
        "meeting": meeting,
        "session": session,
        "delegation": delegation,
        "focal": focal,
        "traveller": traveller,
        "amended": amended,
    }


def staff(*, passport):
    """Staff with every permission of both apps, with or without passports."""
    user = UserFactory(is_staff=True)
    permissions = Permission.objects.filter(
        content_type__app_label__in=["delegates", "meetings"]
    )
    if not passport:
        permissions = permissions.exclude(codename="view_passport")
    user.user_permissions.set(permissions)
    return user


def admin(name, *args):
    return reverse(f"admin:delegates_{name}", args=args)


def staff_urls(world):
    traveller, amended = world["traveller"], world["amended"]
    delegate = traveller.delegate
    meeting, session = world["meeting"], world["session"]
    urls = {
        "delegate list": admin("delegate_changelist"),
        "delegate page": admin("delegate_change", delegate.pk),
        "amended delegate page": admin("delegate_change", amended.delegate.pk),
        "delegate history": admin("delegate_history", delegate.pk),
        "registration list": admin("registration_changelist"),
        "registration list search": admin("registration_changelist") + "?q=Traveller",
        "registration page": admin("registration_change", traveller.pk),
        "amended registration page": admin("registration_change", amended.pk),
        "delegation page": admin("delegation_change", world["delegation"].pk),
        "attendance list": admin("attendance_changelist"),
        "attendance page": admin("attendance_change", traveller.attendances.get().pk),
        "export csv": admin("registration_export", "csv"),
        "export xlsx": admin("registration_export", "xlsx"),
        "badge": admin("registration_badge", traveller.pk),
        "meeting badges": admin("registration_meeting_badges", meeting.pk),
        "delegate autocomplete": reverse("admin:autocomplete")
        + "?app_label=delegates&model_name=registration&field_name=delegate",
        "reports": reverse("delegates_reports:index"),
        "check-in desk": reverse("checkin:desk", args=[session.pk]) + "?q=Travel",
        "sign-in sheet": reverse("checkin:sheet", args=[session.pk]),
    }
    for identifier, report in REPORTS.items():
        for fmt in report.formats:
            urls[f"report {identifier}.{fmt}"] = reverse(
                "delegates_reports:download", args=[meeting.slug, identifier, fmt]
            )
    return urls


def test_staff_without_the_permission_never_see_a_full_number(client, world):
    client.force_login(staff(passport=False))
    shown_names = 0
    for where, url in staff_urls(world).items():
        response = client.get(url)
        assert response.status_code == 200, where
        text = text_of(response)
        assert_no_full_number(text, where)
        shown_names += "Traveller" in text
    # Not a test of empty pages: the person is in most of them.
    assert shown_names >= 20


def test_the_masked_number_is_shown_instead(client, world):
    client.force_login(staff(passport=False))
    delegate = world["traveller"].delegate
    page = client.get(admin("delegate_change", delegate.pk)).text
    assert delegate.masked_passport in page
    amended = client.get(admin("registration_change", world["amended"].pk)).text
    # The approved version beside the current one, both masked.
    assert mask_passport(APPROVED_PASSPORT) in amended
    assert mask_passport(CURRENT_PASSPORT) in amended


def test_without_the_permission_the_letter_is_refused(client, world):
    client.force_login(staff(passport=False))
    traveller = world["traveller"]
    assert client.get(admin("registration_letter", traveller.pk)).status_code == 403
    page = client.get(admin("registration_change", traveller.pk)).text
    assert admin("registration_letter", traveller.pk) not in page


def test_with_the_permission_the_number_is_where_it_is_needed(client, world):
    client.force_login(staff(passport=True))
    traveller, amended = world["traveller"], world["amended"]
    intended = {
        "delegate page": admin("delegate_change", traveller.delegate.pk),
        "export csv": admin("registration_export", "csv"),
        "export xlsx": admin("registration_export", "xlsx"),
        "letter of invitation": admin("registration_letter", traveller.pk),
    }
    for where, url in intended.items():
        response = client.get(url)
        assert response.status_code == 200, where
        assert PASSPORT in "".join(text_of(response).split()), where
    approved_version = client.get(admin("registration_change", amended.pk)).text
    assert APPROVED_PASSPORT in approved_version
    assert CURRENT_PASSPORT in approved_version
    # Lists, reports and the desk have no use for it, whoever looks.
    not_intended = {
        where: url
        for where, url in staff_urls(world).items()
        if where
        not in ("delegate page", "amended delegate page", "export csv", "export xlsx")
        and where != "amended registration page"
    }
    for where, url in not_intended.items():
        assert_no_full_number(text_of(client.get(url)), where)


def test_a_focal_point_never_sees_a_full_number(client, world):
    client.force_login(world["focal"])
    delegation = world["delegation"]
    urls = {
        "home": reverse("focal:home"),
        "delegation": reverse("focal:delegation", args=[delegation.pk]),
        "export": reverse("focal:export_csv", args=[delegation.pk]),
        "edit traveller": reverse("focal:edit", args=[world["traveller"].pk]),
        "edit amended": reverse("focal:edit", args=[world["amended"].pk]),
    }
    for where, url in urls.items():
        response = client.get(url)
        assert response.status_code == 200, where
        assert_no_full_number(text_of(response), where)
    edit = client.get(urls["edit traveller"]).text
    assert world["traveller"].delegate.masked_passport in edit


def focal_edit_data(registration, **changes):
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
        "nationality": delegate.nationality,
        "preferred_language": "en",
        "sessions": list(registration.sessions.values_list("pk", flat=True)),
        "needs_visa_letter": "on" if registration.needs_visa_letter else "",
        "passport_number": delegate.masked_passport,
        "passport_expiry": delegate.passport_expiry.isoformat(),
        "passport_country": delegate.passport_country,
        **changes,
    }


def test_a_focal_point_sending_the_masked_number_back_keeps_the_one_on_file(
    client, world
):
    client.force_login(world["focal"])
    traveller = world["traveller"]
    url = reverse("focal:edit", args=[traveller.pk])
    response = client.post(url, focal_edit_data(traveller, position="Deputy Director"))
    assert response.status_code == 302
    traveller.delegate.refresh_from_db()
    assert traveller.delegate.position == "Deputy Director"
    assert traveller.delegate.passport_number == PASSPORT
    traveller.refresh_from_db()
    # Nothing judged changed: still approved.
    assert traveller.status == Registration.Status.APPROVED


def test_a_refused_focal_edit_shows_the_number_still_masked(client, world):
    client.force_login(world["focal"])
    traveller = world["traveller"]
    url = reverse("focal:edit", args=[traveller.pk])
    response = client.post(url, focal_edit_data(traveller, family_name=""))
    assert response.status_code == 200
    assert response.context["form"].errors["family_name"]
    assert_no_full_number(response.text, "refused edit")
    assert traveller.delegate.masked_passport in response.text


def test_a_focal_point_may_still_give_a_new_number(client, world):
    client.force_login(world["focal"])
    traveller = world["traveller"]
    response = client.post(
        reverse("focal:edit", args=[traveller.pk]),
        focal_edit_data(traveller, passport_number="N1234567"),
    )
    assert response.status_code == 302
    traveller.delegate.refresh_from_db()
    assert traveller.delegate.passport_number == "N1234567"


def test_the_autocomplete_answer_is_json_without_numbers(client, world):
    client.force_login(staff(passport=True))
    response = client.get(
        reverse("admin:autocomplete"),
        {
            "app_label": "delegates",
            "model_name": "registration",
            "field_name": "delegate",
        },
    )
    names = [result["text"] for result in json.loads(response.content)["results"]]
    assert any("Traveller" in name for name in names)
    assert_no_full_number(response.content.decode(), "autocomplete")
