"""Bulk nomination from XLSX and CSV: every row checked, all or nothing."""

import csv
import datetime
import io
import zipfile

import openpyxl
import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from delegates import exports, imports, services
from delegates.imports import COLUMNS, RowError
from delegates.models import Delegate, Registration
from meetings.models import PartyKind
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


@pytest.fixture
def meeting():
    now = timezone.now()
    today = timezone.localdate()
    meeting = MeetingFactory(
        start_date=today + datetime.timedelta(days=60),
        end_date=today + datetime.timedelta(days=64),
        registration_opens_at=now - datetime.timedelta(days=1),
        registration_closes_at=now + datetime.timedelta(days=1),
    )
    SessionFactory(meeting=meeting, order=1, title="ASEAN-IGF Workshop")
    SessionFactory(meeting=meeting, order=2, title="=JWG plenary")
    SessionFactory(
        meeting=meeting,
        order=3,
        title="Dialogue partners only",
        open_to=[PartyKind.DIALOGUE_PARTNER],
    )
    return meeting


@pytest.fixture
def delegation(meeting):
    party = MemberStateFactory(code="MYS", name="Malaysia")
    return DelegationFactory(meeting=meeting, party=party)


@pytest.fixture
def focal_user(delegation):
    user = UserFactory(username="focal-mys")
    delegation.focal_points.add(user)
    return user


@pytest.fixture
def focal_client(client, focal_user):
    client.force_login(focal_user)
    return client


def nominee(n, **values):
    return {
        "honorific": "Ms",
        "given_name": f"Siti{n}",
        "family_name": "Rahman",
        "position": "Director",
        "agency": "Ministry of Natural Resources",
        "email": f"nominee{n}@example.org",
        "phone": "+60 3 8000 8000",
        "nationality": "MYS",
        "role": "delegate",
        "sessions": "1;2",
        "needs_visa_letter": "no",
        "consent_publish": "yes",
        **values,
    }


def csv_upload(rows, *, header=COLUMNS, delimiter=",", name="nominees.csv"):
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(column, "") for column in header])
    return SimpleUploadedFile(name, out.getvalue().encode(), content_type="text/csv")


def xlsx_upload(rows, *, header=COLUMNS):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(list(header))
    for row in rows:
        sheet.append([row.get(column) for column in header])
    out = io.BytesIO()
    workbook.save(out)
    return SimpleUploadedFile(
        "nominees.xlsx", out.getvalue(), content_type=exports.XLSX_CONTENT_TYPE
    )


def post(client, delegation, upload, *, attest=True):
    data = {"spreadsheet": upload}
    if attest:
        data["consent_privacy"] = "on"
    return client.post(reverse("focal:import", args=[delegation.pk]), data)


def file_errors(response):
    return " ".join(response.context["form"].errors.get("spreadsheet", []))


def test_a_good_csv_imports_every_row_endorsed_and_mails_after_commit(
    focal_client, focal_user, delegation, django_capture_on_commit_callbacks
):
    upload = csv_upload([nominee(1), nominee(2, role="head"), nominee(3)])

    with django_capture_on_commit_callbacks() as callbacks:
        response = post(focal_client, delegation, upload)
        assert mail.outbox == []
    for callback in callbacks:
        callback()

    assert response.status_code == 302
    registrations = Registration.objects.order_by("reference")
    assert [r.delegate.given_name for r in registrations] == [
        "Siti1",
        "Siti2",
        "Siti3",
    ]
    for registration in registrations:
        assert registration.delegation == delegation
        assert registration.status == Status.PENDING
        assert registration.endorsement == Registration.Endorsement.ENDORSED
        assert registration.submitted_by == focal_user
        assert registration.consent_publish is True
        assert registration.sessions.count() == 2
    assert registrations[1].role == Role.HEAD
    assert len(mail.outbox) == 3


def test_a_good_xlsx_imports_every_row_whatever_the_cell_types(
    focal_client, delegation
):
    expiry = delegation.meeting.end_date + datetime.timedelta(days=400)
    upload = xlsx_upload(
        [
            nominee(
                1,
                sessions=1,
                needs_visa_letter="Yes",
                passport_number="A1234567",
                passport_expiry=datetime.datetime.combine(expiry, datetime.time()),
            ),
            nominee(2, honorific="dr.", role="Head of Delegation", sessions="2"),
        ]
    )

    response = post(focal_client, delegation, upload)

    assert response.status_code == 302
    first, second = Registration.objects.order_by("reference")
    assert first.needs_visa_letter is True
    assert first.delegate.passport_expiry == expiry
    assert [s.order for s in first.sessions.all()] == [1]
    assert second.delegate.honorific == Delegate.Honorific.DR
    assert second.role == Role.HEAD


def test_a_semicolon_separated_csv_is_read(focal_client, delegation):
    response = post(focal_client, delegation, csv_upload([nominee(1)], delimiter=";"))
    assert response.status_code == 302
    assert Registration.objects.count() == 1


def test_one_bad_row_among_good_ones_imports_nothing_and_is_listed(
    focal_client, delegation, django_capture_on_commit_callbacks
):
    rows = [nominee(1), nominee(2, email="not-an-address"), nominee(3)]

    with django_capture_on_commit_callbacks() as callbacks:
        response = post(focal_client, delegation, csv_upload(rows))

    assert response.status_code == 200
    assert [(e.row, e.column) for e in response.context["errors"]] == [(3, "email")]
    html = response.content.decode()
    assert "Nothing was imported" in html
    assert '<th scope="row" class="text-end">3</th>' in html
    assert "Enter a valid email address." in html
    assert not Registration.objects.exists()
    assert not Delegate.objects.exists()
    assert callbacks == []


def test_every_bad_row_is_listed_with_its_reason(focal_client, delegation):
    rows = [
        nominee(1),
        nominee(2, family_name=""),
        nominee(3, email="NOMINEE1@example.org"),
        nominee(4, sessions="1;9"),
        nominee(5, sessions="3"),
        nominee(6, needs_visa_letter="maybe"),
        nominee(7, nationality="XYZ"),
        nominee(8, role="secretariat"),
        nominee(9, needs_visa_letter="yes"),
    ]

    response = post(focal_client, delegation, csv_upload(rows))

    errors = {(e.row, e.column): str(e.message) for e in response.context["errors"]}
    assert "required" in errors[(3, "family_name")]
    assert errors[(4, "email")] == "The same email address as row 2."
    assert errors[(5, "sessions")] == "No session numbered 9 at this meeting."
    assert "may not attend: Dialogue partners only" in errors[(6, "sessions")]
    assert errors[(7, "needs_visa_letter")] == "Write yes or no."
    assert "XYZ" in errors[(8, "nationality")]
    assert "not open to Malaysia" in errors[(9, "role")]
    assert "Needed for a letter of invitation" in errors[(10, "passport_number")]
    assert (2, "email") not in errors
    assert not Registration.objects.exists()


def test_a_person_already_registered_for_the_meeting_is_flagged(
    focal_client, delegation, meeting
):
    thailand = MemberStateFactory(code="THA", name="Thailand")
    elsewhere = DelegationFactory(meeting=meeting, party=thailand)
    registered = DelegateFactory(email="Already@Example.org")
    RegistrationFactory(
        delegation=elsewhere, delegate=registered, reference="JWG-THA-001"
    )

    response = post(
        focal_client,
        delegation,
        csv_upload([nominee(1), nominee(2, email="already@example.org")]),
    )

    [error] = response.context["errors"]
    assert (error.row, error.column) == (3, "email")
    assert "already has an active registration" in str(error.message)
    assert "JWG-THA-001" not in response.content.decode()
    assert Registration.objects.count() == 1


def test_a_second_head_is_flagged_in_the_file_and_against_the_delegation(
    focal_client, delegation
):
    rows = [nominee(1, role="head"), nominee(2, role="head")]
    response = post(focal_client, delegation, csv_upload(rows))
    assert [(e.row, e.column) for e in response.context["errors"]] == [(3, "role")]

    RegistrationFactory(delegation=delegation, role=Role.HEAD)
    response = post(focal_client, delegation, csv_upload([nominee(1, role="head")]))
    assert [(e.row, e.column) for e in response.context["errors"]] == [(2, "role")]
    assert Registration.objects.count() == 1


def test_a_rule_refusing_a_row_during_the_import_rolls_back_every_row(
    focal_client, delegation, monkeypatch, django_capture_on_commit_callbacks
):
    real_submit = services.registration_submit
    calls = []

    def submit_then_refuse(**kwargs):
        calls.append(kwargs)
        if len(calls) == 2:
            raise services.RegistrationError("A concurrent change won.")
        return real_submit(**kwargs)

    monkeypatch.setattr(services, "registration_submit", submit_then_refuse)

    with django_capture_on_commit_callbacks() as callbacks:
        response = post(focal_client, delegation, csv_upload([nominee(1), nominee(2)]))

    assert response.context["errors"] == [RowError(3, "", "A concurrent change won.")]
    assert len(calls) == 2
    assert not Registration.objects.exists()
    assert not Delegate.objects.exists()
    assert callbacks == []


def test_formula_like_cells_are_kept_as_text_and_exported_safely(
    focal_client, delegation
):
    rows = [
        nominee(1, position='=HYPERLINK("http://evil.example","x")'),
        nominee(2, agency="+cmd|' /C calc'!A0", dietary_requirements="-no nuts"),
    ]
    assert post(focal_client, delegation, csv_upload(rows)).status_code == 302
    response = post(
        focal_client, delegation, xlsx_upload([nominee(3, position="=1+2")])
    )
    assert response.status_code == 302

    first = Registration.objects.get(delegate__email="nominee1@example.org")
    assert first.delegate.position == '=HYPERLINK("http://evil.example","x")'
    # A formula written by a program has no value until a spreadsheet runs it.
    assert Delegate.objects.get(email="nominee3@example.org").position == ""
    export = focal_client.get(reverse("focal:export_csv", args=[delegation.pk]))
    body = b"".join(export.streaming_content).decode()
    assert "'=HYPERLINK" in body
    assert "'+cmd|" in body
    assert "'-no nuts" in body


@pytest.mark.parametrize(
    "content",
    [
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\xff" * 40,
        b"%PDF-1.4\n\xe2\xe3\xcf\xd3\n%%EOF",
        b"PK\x03\x04 not really a workbook",
    ],
    ids=["png", "pdf", "broken-zip"],
)
def test_a_file_that_is_not_a_spreadsheet_gets_an_error(
    content, focal_client, delegation
):
    upload = SimpleUploadedFile("nominees.xlsx", content)
    response = post(focal_client, delegation, upload)
    assert "Upload an XLSX workbook or a CSV file" in file_errors(response)
    assert not Registration.objects.exists()


def test_a_zip_that_is_not_a_workbook_gets_an_error(focal_client, delegation):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    response = post(
        focal_client, delegation, SimpleUploadedFile("n.xlsx", out.getvalue())
    )
    assert "Upload an XLSX workbook" in file_errors(response)


def test_more_than_200_rows_are_refused(focal_client, delegation):
    rows = [nominee(n) for n in range(201)]
    response = post(focal_client, delegation, csv_upload(rows))
    assert "At most 200 delegates" in file_errors(response)
    assert not Registration.objects.exists()


def test_a_file_over_the_upload_cap_is_refused(settings, focal_client, delegation):
    settings.NOMINATION_LETTER_MAX_BYTES = 1024 * 1024
    upload = csv_upload([nominee(1, accessibility_needs="x" * 1024 * 1024)])
    response = post(focal_client, delegation, upload)
    assert "the limit is 1 MB" in file_errors(response)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "The submitted file is empty."),
        (b"\xef\xbb\xbf\n\n", "The file is empty."),
        (b"family_name,email,sessions\n", "header row but no delegates"),
        (b"Ms,Siti,Rahman,siti@example.org,1\n", "The first row must name"),
        (b"family_name,email,sessions,shoe_size\nR,r@example.org,1,42\n", "shoe_size"),
        (b"family_name,email\nR,r@example.org\n", "Missing columns: sessions"),
        (b"family_name,email,email,sessions\n", "named more than once: email"),
        (b"family_name,email,sessions\nR,r@example.org,1,extra\n", "Row 2 has"),
        (b"family_name,email,,sessions\nR,r@example.org,x,1\n", "Row 2 has"),
    ],
    ids=[
        "no-bytes",
        "blank",
        "header-only",
        "no-header",
        "unknown",
        "missing",
        "twice",
        "extra-cell",
        "unnamed-cell",
    ],
)
def test_a_file_without_the_right_shape_gets_a_clear_error(
    content, message, focal_client, delegation
):
    response = post(focal_client, delegation, SimpleUploadedFile("n.csv", content))
    assert message in " ".join(response.context["form"].errors["spreadsheet"])
    assert not Registration.objects.exists()


def test_row_numbers_are_those_of_the_spreadsheet():
    upload = SimpleUploadedFile(
        "n.csv",
        b"\n family_name ,Email,sessions\nA,a@example.org,1\n,,\nB,b@example.org,2\n",
    )
    rows = imports.read_rows(upload)
    assert [(row.number, row.values["family_name"]) for row in rows] == [
        (3, "A"),
        (5, "B"),
    ]


def test_an_xlsx_table_may_start_below_and_right_of_a1():
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet["B3"], sheet["C3"], sheet["D3"] = "family_name", "email", "sessions"
    sheet["B5"], sheet["C5"], sheet["D5"] = "Rahman", "r@example.org", 1
    out = io.BytesIO()
    workbook.save(out)
    [row] = imports.read_rows(SimpleUploadedFile("n.xlsx", out.getvalue()))
    assert row.number == 5
    assert row.values == {
        "family_name": "Rahman",
        "email": "r@example.org",
        "sessions": "1",
    }


def test_reading_refuses_a_csv_that_is_not_utf8():
    upload = SimpleUploadedFile(
        "n.csv", "family_name,email,sessions\nMüller,m@example.org,1\n".encode("cp1252")
    )
    with pytest.raises(ValidationError, match="UTF-8"):
        imports.read_rows(upload)


def test_the_nominees_consent_must_be_attested(focal_client, delegation):
    response = post(focal_client, delegation, csv_upload([nominee(1)]), attest=False)
    assert "consent_privacy" in response.context["form"].errors
    assert not Registration.objects.exists()


def test_with_the_window_closed_the_import_page_says_so_and_imports_nothing(
    focal_client, delegation, meeting
):
    meeting.registration_opens_at = timezone.now() - datetime.timedelta(days=5)
    meeting.registration_closes_at = timezone.now() - datetime.timedelta(days=1)
    meeting.save()

    response = post(focal_client, delegation, csv_upload([nominee(1)]))

    assert response.status_code == 200
    assert "is not open" in response.content.decode()
    assert 'name="spreadsheet"' not in response.content.decode()
    assert not Registration.objects.exists()


def test_the_xlsx_template_has_the_header_sessions_and_roles(focal_client, delegation):
    response = focal_client.get(
        reverse("focal:import_template_xlsx", args=[delegation.pk])
    )
    assert response["Content-Type"] == exports.XLSX_CONTENT_TYPE
    assert response["Content-Disposition"].startswith("attachment;")
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    nominations, sessions, roles = workbook.worksheets
    assert [cell.value for cell in nominations[1]] == list(COLUMNS)
    listed = list(sessions.iter_rows(min_row=2, values_only=True))
    assert [(number, title, open_) for number, title, _, open_ in listed] == [
        (1, "ASEAN-IGF Workshop", "yes"),
        (2, "'=JWG plenary", "yes"),
        (3, "Dialogue partners only", "no"),
    ]
    assert ("head", "Head of Delegation") in roles.iter_rows(values_only=True)


def test_the_csv_template_has_the_header(focal_client, delegation):
    response = focal_client.get(
        reverse("focal:import_template_csv", args=[delegation.pk])
    )
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff")
    assert list(csv.reader(io.StringIO(body[1:]))) == [list(COLUMNS)]


def test_the_filled_in_xlsx_template_imports(focal_client, delegation):
    template = focal_client.get(
        reverse("focal:import_template_xlsx", args=[delegation.pk])
    )
    workbook = openpyxl.load_workbook(io.BytesIO(template.content))
    sheet = workbook.worksheets[0]
    sheet.append([nominee(1).get(column) for column in COLUMNS])
    out = io.BytesIO()
    workbook.save(out)

    response = post(
        focal_client, delegation, SimpleUploadedFile("filled.xlsx", out.getvalue())
    )

    assert response.status_code == 302
    assert Registration.objects.get().delegate.email == "nominee1@example.org"
