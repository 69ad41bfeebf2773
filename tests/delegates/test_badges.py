"""Badges: A4 sheets of eight, for approved registrations only, each with a QR
code carrying a random, revocable code and nothing about the person."""

import datetime
import io

import pytest
import segno
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pypdf import PdfReader

from delegates import badges, services
from delegates.models import BadgeCode, Registration
from meetings.models import PartyKind
from tests.factories import (
    DelegationFactory,
    MeetingFactory,
    MemberStateFactory,
    PartyFactory,
    RegistrationFactory,
    SessionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

Role = Registration.Role
Status = Registration.Status


def text_of(pdf):
    reader = PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def pages_of(pdf):
    return len(PdfReader(io.BytesIO(pdf)).pages)


def live_code(registration):
    return BadgeCode.objects.get(registration=registration, revoked_at__isnull=True)


def staff_user(*codenames):
    user = UserFactory(is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label="delegates", codename__in=codenames
        )
    )
    return user


def registration_url(view, *args):
    return reverse(f"admin:delegates_registration_{view}", args=args)


@pytest.fixture
def jwg():
    return MeetingFactory(number=11, city="Kuta, Bali")


@pytest.fixture
def viet_nam(jwg):
    return DelegationFactory(
        meeting=jwg, party=MemberStateFactory(code="VNM", name="Viet Nam")
    )


@pytest.fixture
def huong(viet_nam):
    return RegistrationFactory(
        delegation=viet_nam,
        role=Role.HEAD,
        delegate__given_name="Nguyễn Thị",
        delegate__family_name="Hương",
        delegate__email="huong@example.vn",
    )


# What a badge shows.


def test_a_badge_shows_name_delegation_role_meeting_and_code(huong):
    pdf = badges.badges_pdf([huong])
    text = text_of(pdf)
    assert "Nguyễn Thị Hương" in text
    assert "Viet Nam" in text
    assert "Head of Delegation" in text
    assert "11th JWG" in text
    assert "Kuta, Bali · 29 April – 3 May 2024" in text
    assert live_code(huong).code in text


def test_the_name_on_badge_is_printed_rather_than_the_full_name(huong):
    huong.delegate.badge_name = "Chị Hương"
    huong.delegate.save()
    text = text_of(badges.badges_pdf([huong]))
    assert "Chị Hương" in text
    assert "Nguyễn" not in text


def test_a_long_name_is_wrapped_onto_two_lines_not_cut(viet_nam):
    registration = RegistrationFactory(
        delegation=viet_nam,
        delegate__given_name="Ir. Bambang Sukmana",
        delegate__family_name="Wirjosoedarmo Hadiprawiro",
    )
    text = text_of(badges.badges_pdf([registration]))
    assert "Ir. Bambang Sukmana Wirjosoedarmo Hadiprawiro" in text
    assert "…" not in text


def test_a_name_too_long_for_two_lines_is_cut_with_an_ellipsis(viet_nam):
    registration = RegistrationFactory(
        delegation=viet_nam,
        delegate__given_name="Maria Concepcion Fernandez-de la Cruz Santisteban",
        delegate__family_name="y Villanueva Gonzales de los Reyes Mercado",
    )
    text = text_of(badges.badges_pdf([registration]))
    assert "Maria Concepcion" in text
    assert "…" in text
    assert "Mercado" not in text


def test_the_sheet_is_a4_with_an_embedded_unicode_font(huong):
    page = PdfReader(io.BytesIO(badges.badges_pdf([huong]))).pages[0]
    width, height = float(page.mediabox.width), float(page.mediabox.height)
    assert (round(width), round(height)) == (595, 842)
    fonts = {str(font["/BaseFont"]) for font in page["/Resources"]["/Font"].values()}
    assert any("DejaVuSans" in name for name in fonts)


def test_nothing_personal_in_the_document_metadata(huong):
    reader = PdfReader(io.BytesIO(badges.badges_pdf([huong])))
    metadata = " ".join(str(value) for value in reader.metadata.values())
    assert "Hương" not in metadata
    assert huong.reference not in metadata


@pytest.mark.parametrize(("approved", "pages"), [(1, 1), (8, 1), (9, 2), (16, 2)])
def test_eight_badges_to_a_sheet(jwg, approved, pages):
    RegistrationFactory.create_batch(approved, delegation__meeting=jwg)
    pdf = badges.badges_pdf(Registration.objects.all())
    assert pages_of(pdf) == pages


def test_only_approved_registrations_get_a_badge(viet_nam, huong):
    others = {
        status: RegistrationFactory(
            delegation=viet_nam, status=status, delegate__family_name=f"Not-{status}"
        )
        for status in Status
        if status != Status.APPROVED
    }
    text = text_of(badges.badges_pdf(Registration.objects.all()))
    assert "Hương" in text
    for status in others:
        assert f"Not-{status}" not in text
    assert not BadgeCode.objects.filter(registration__in=others.values()).exists()


def test_badges_follow_the_list_of_participants(jwg, viet_nam):
    """Member states alphabetically (a state not yet a member counts as an
    observer), then partners; the head first, then by family name."""
    indonesia = DelegationFactory(
        meeting=jwg, party=MemberStateFactory(code="IDN", name="Indonesia")
    )
    malaysia = DelegationFactory(
        meeting=jwg, party=MemberStateFactory(code="MYS", name="Malaysia")
    )
    timor = DelegationFactory(
        meeting=jwg,
        party=MemberStateFactory(
            code="TLS",
            name="Timor-Leste",
            asean_member_since=datetime.date(2025, 10, 26),
        ),
    )
    igf = DelegationFactory(
        meeting=jwg,
        party=PartyFactory(
            code="IGF",
            name="Aaa IGF",
            kind=PartyKind.INTERNATIONAL_ORGANISATION,
        ),
    )
    for delegation, family_name, role in [
        (igf, "Igfone", Role.DELEGATE),
        (timor, "Timorone", Role.HEAD),
        (malaysia, "Aziz", Role.DELEGATE),
        (malaysia, "Zulkifli", Role.HEAD),
        (viet_nam, "Vietone", Role.HEAD),
        (indonesia, "Wibowo", Role.DELEGATE),
        (indonesia, "Budiman", Role.DELEGATE),
        (indonesia, "Susanto", Role.HEAD),
    ]:
        RegistrationFactory(
            delegation=delegation, role=role, delegate__family_name=family_name
        )
    text = text_of(badges.badges_pdf(Registration.objects.all()))
    order = ["Susanto", "Budiman", "Wibowo", "Zulkifli", "Aziz", "Vietone"]
    order += ["Timorone", "Igfone"]
    positions = [text.index(name) for name in order]
    assert positions == sorted(positions)


# The QR code and its code.


def test_the_qr_code_carries_only_the_live_badge_code(viet_nam):
    registration = RegistrationFactory(
        pk=987654321,
        delegation=viet_nam,
        reference="JWG11-VNM-042",
        delegate__given_name="Trần",
        delegate__family_name="Văn Đức",
        delegate__email="duc@example.vn",
    )
    code, matrix = badges.qr_matrix_for(registration)
    assert code == live_code(registration).code
    expected = segno.make(code, error="m").matrix
    assert matrix == [[bool(module) for module in row] for row in expected]
    assert len(code) >= 24
    for personal in ("987654321", "JWG11-VNM-042", "duc@example.vn", "Đức", "VNM"):
        assert personal not in code


def test_the_sheet_draws_the_qr_code_of_the_badge_code_only(huong, monkeypatch):
    drawn = []
    real = badges.qr_matrix

    def recording(code):
        drawn.append(code)
        return real(code)

    monkeypatch.setattr(badges, "qr_matrix", recording)
    badges.badges_pdf([huong])
    assert drawn == [live_code(huong).code]


def test_badge_codes_are_random_per_registration(viet_nam):
    first, second = RegistrationFactory.create_batch(2, delegation=viet_nam)
    codes = {badges.qr_matrix_for(first)[0], badges.qr_matrix_for(second)[0]}
    assert len(codes) == 2


def test_a_reprint_keeps_the_code(huong):
    first = text_of(badges.badges_pdf([huong]))
    code = live_code(huong).code
    second = text_of(badges.badges_pdf([huong]))
    assert code in first
    assert code in second
    assert BadgeCode.objects.filter(registration=huong).count() == 1


def test_no_qr_code_for_a_registration_that_is_not_approved(viet_nam):
    registration = RegistrationFactory(delegation=viet_nam, status=Status.PENDING)
    with pytest.raises(services.AttendanceError):
        badges.qr_matrix_for(registration)


# Role colours.


def relative_luminance(hex_colour):
    channels = [int(hex_colour.lstrip("#")[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    r, g, b = (
        c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels
    )
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(first, second):
    lighter, darker = sorted(
        (relative_luminance(first), relative_luminance(second)), reverse=True
    )
    return (lighter + 0.05) / (darker + 0.05)


def test_the_contrast_check_itself_is_right():
    assert contrast_ratio("#FFFFFF", "#000000") == pytest.approx(21)
    assert contrast_ratio("#777777", "#FFFFFF") == pytest.approx(4.48, abs=0.01)


@pytest.mark.parametrize("role", Role)
def test_every_role_has_a_band_whose_text_is_readable(role):
    band, text = badges.ROLE_COLOURS[role]
    assert contrast_ratio(band, text) >= 4.5


def test_each_role_has_its_own_colour():
    bands = [band for band, _text in badges.ROLE_COLOURS.values()]
    assert len(set(bands)) == len(Role)


# The admin: printing and reissuing.


def print_action(client, registrations):
    return client.post(
        registration_url("changelist"),
        {
            "action": "print_badges",
            "_selected_action": [registration.pk for registration in registrations],
        },
    )


def assert_pdf(response):
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    # The admin adds its own no-cache directives.
    assert "no-store" in response["Cache-Control"].split(", ")
    return text_of(response.content)


def messages_of(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_print_badges_for_selected_registrations(staff_client, viet_nam, huong):
    pending = RegistrationFactory(
        delegation=viet_nam, status=Status.PENDING, delegate__family_name="Pending"
    )
    response = print_action(staff_client, [huong, pending])
    text = assert_pdf(response)
    assert "Hương" in text
    assert "Pending" not in text
    assert messages_of(response) == [
        "1 registration was left out of the badges: it is not approved."
    ]


def test_print_badges_with_none_approved_says_so(staff_client, viet_nam):
    pending = RegistrationFactory(delegation=viet_nam, status=Status.PENDING)
    response = print_action(staff_client, [pending])
    assert response.status_code == 302
    assert messages_of(response) == [
        "No badges to print: only an approved registration gets one."
    ]


def test_view_permission_is_enough_to_print(client, huong):
    client.force_login(staff_user("view_registration"))
    page = client.get(registration_url("changelist")).content.decode()
    assert 'value="print_badges"' in page
    assert "Hương" in assert_pdf(print_action(client, [huong]))
    assert "Hương" in assert_pdf(client.get(registration_url("badge", huong.pk)))


def test_the_badge_of_one_registration(staff_client, huong):
    text = assert_pdf(staff_client.get(registration_url("badge", huong.pk)))
    assert "Nguyễn Thị Hương" in text
    assert live_code(huong).code in text


def test_no_badge_for_a_registration_that_is_not_approved(staff_client, viet_nam):
    pending = RegistrationFactory(delegation=viet_nam, status=Status.PENDING)
    response = staff_client.get(registration_url("badge", pending.pk))
    assert response.status_code == 404
    assert not BadgeCode.objects.exists()


def test_no_badge_without_view_permission(client, huong):
    client.force_login(staff_user("view_delegate"))
    response = client.get(registration_url("badge", huong.pk))
    assert response.status_code == 403


def test_reissue_revokes_the_old_code(staff_client, huong):
    session = SessionFactory(meeting=huong.meeting)
    huong.sessions.add(session)
    old = badges.qr_matrix_for(huong)[0]
    response = staff_client.post(registration_url("badge_reissue", huong.pk))
    assert response.status_code == 302
    assert messages_of(response) == [
        f"A new badge code was drawn for {huong.reference}: the old badge no "
        "longer works at the door. Print the new badge."
    ]
    assert BadgeCode.objects.get(code=old).revoked_at is not None
    text = text_of(badges.badges_pdf([huong]))
    new = live_code(huong).code
    assert new != old
    assert new in text
    assert old not in text
    refused = services.check_in_by_code(session=session, code=old, by=None)
    assert refused.outcome == services.ScanOutcome.REVOKED
    admitted = services.check_in_by_code(session=session, code=new, by=None)
    assert admitted.outcome == services.ScanOutcome.CHECKED_IN


def test_reissue_needs_change_permission(client, huong):
    client.force_login(staff_user("view_registration"))
    old = badges.qr_matrix_for(huong)[0]
    response = client.post(registration_url("badge_reissue", huong.pk))
    assert response.status_code == 403
    assert live_code(huong).code == old


def test_reissue_only_by_post(staff_client, huong):
    old = badges.qr_matrix_for(huong)[0]
    response = staff_client.get(registration_url("badge_reissue", huong.pk))
    assert response.status_code == 405
    assert live_code(huong).code == old


def test_no_reissue_for_a_registration_that_is_not_approved(staff_client, viet_nam):
    pending = RegistrationFactory(delegation=viet_nam, status=Status.PENDING)
    response = staff_client.post(registration_url("badge_reissue", pending.pk))
    assert response.status_code == 404
    assert not BadgeCode.objects.exists()


def test_the_change_page_links_the_badge_and_its_reissue(staff_client, huong):
    page = staff_client.get(registration_url("change", huong.pk)).content.decode()
    assert registration_url("badge", huong.pk) in page
    assert registration_url("badge_reissue", huong.pk) in page


def test_a_viewer_sees_the_badge_link_but_no_reissue(client, huong):
    client.force_login(staff_user("view_registration"))
    page = client.get(registration_url("change", huong.pk)).content.decode()
    assert registration_url("badge", huong.pk) in page
    assert registration_url("badge_reissue", huong.pk) not in page


def test_no_badge_links_for_a_pending_registration(staff_client, viet_nam):
    pending = RegistrationFactory(delegation=viet_nam, status=Status.PENDING)
    page = staff_client.get(registration_url("change", pending.pk)).content.decode()
    assert registration_url("badge", pending.pk) not in page


# Batches: a meeting's, a delegation's.


def test_the_badges_of_a_meeting(staff_client, jwg, huong):
    RegistrationFactory(delegation__meeting=jwg, delegate__family_name="Sameting")
    RegistrationFactory(delegate__family_name="Elsewhere")
    text = assert_pdf(staff_client.get(registration_url("meeting_badges", jwg.pk)))
    assert "Hương" in text
    assert "Sameting" in text
    assert "Elsewhere" not in text


def test_the_badges_of_a_meeting_need_view_permission(client, jwg, huong):
    client.force_login(staff_user("view_delegation"))
    response = client.get(registration_url("meeting_badges", jwg.pk))
    assert response.status_code == 403


def test_the_badges_of_an_unknown_meeting(staff_client):
    response = staff_client.get(registration_url("meeting_badges", 999999))
    assert response.status_code == 404


def test_a_meeting_with_no_approved_registration(staff_client, jwg):
    RegistrationFactory(delegation__meeting=jwg, status=Status.PENDING)
    response = staff_client.get(registration_url("meeting_badges", jwg.pk))
    assert response.status_code == 302
    assert f"meeting__id__exact={jwg.pk}" in response["Location"]


def test_the_list_filtered_by_meeting_links_its_badges(staff_client, jwg, huong):
    badges_url = registration_url("meeting_badges", jwg.pk)
    filtered = staff_client.get(
        registration_url("changelist"), {"meeting__id__exact": jwg.pk}
    )
    assert badges_url in filtered.content.decode()
    unfiltered = staff_client.get(registration_url("changelist"))
    assert "badges/meeting/" not in unfiltered.content.decode()


def meeting_badges_queries(client, meeting):
    # The first print draws the missing codes; count a reprint.
    client.get(registration_url("meeting_badges", meeting.pk))
    with CaptureQueriesContext(connection) as queries:
        response = client.get(registration_url("meeting_badges", meeting.pk))
    assert response.status_code == 200
    return len(queries)


def test_meeting_badges_query_count_does_not_grow(staff_client, jwg):
    RegistrationFactory.create_batch(3, delegation__meeting=jwg)
    small = meeting_badges_queries(staff_client, jwg)
    RegistrationFactory.create_batch(9, delegation__meeting=jwg)
    assert Registration.objects.filter(meeting=jwg).count() == 12
    assert meeting_badges_queries(staff_client, jwg) == small


def test_codes_are_drawn_only_for_those_without_one(jwg, monkeypatch):
    registrations = RegistrationFactory.create_batch(3, delegation__meeting=jwg)
    badges.qr_matrix_for(registrations[0])
    issued = []
    real = services.badge_issue

    def recording(*, registration, **kwargs):
        issued.append(registration.pk)
        return real(registration=registration, **kwargs)

    monkeypatch.setattr(services, "badge_issue", recording)
    badges.badges_pdf(Registration.objects.all())
    assert sorted(issued) == sorted(r.pk for r in registrations[1:])


def delegation_action(client, delegations):
    return client.post(
        reverse("admin:delegates_delegation_changelist"),
        {
            "action": "print_badges",
            "_selected_action": [delegation.pk for delegation in delegations],
        },
    )


def test_print_badges_for_a_delegation(staff_client, jwg, viet_nam, huong):
    RegistrationFactory(delegation__meeting=jwg, delegate__family_name="Otherparty")
    response = delegation_action(staff_client, [viet_nam])
    text = assert_pdf(response)
    assert "Hương" in text
    assert "Otherparty" not in text
    assert response["Content-Disposition"] == (
        f'attachment; filename="badges-{jwg.slug}-VNM.pdf"'
    )


def test_printing_a_delegation_needs_view_permission_on_registrations(
    client, viet_nam, huong
):
    client.force_login(staff_user("view_delegation", "change_delegation"))
    response = delegation_action(client, [viet_nam])
    assert response.status_code == 200
    assert response["Content-Type"] != "application/pdf"
    assert not BadgeCode.objects.exists()
    client.force_login(staff_user("view_delegation", "view_registration"))
    assert "Hương" in assert_pdf(delegation_action(client, [viet_nam]))
