"""The letter of invitation: what the embassy reads, as selectable text."""

import datetime
import io

import pytest
from pypdf import PdfReader

from delegates import letters
from delegates.models import Registration
from tests.factories import (
    DelegationFactory,
    MeetingFactory,
    MemberStateFactory,
    RegistrationFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def registration():
    meeting = MeetingFactory(
        number=11,
        title="11th Joint Working Group Meeting on ASEAN Mineral Cooperation",
        host_organisation="Directorate General of Mineral and Coal",
        venue="Conference Hall",
        city="Kuta, Bali",
    )
    party = MemberStateFactory(code="VNM", name="Viet Nam")
    return RegistrationFactory(
        delegation=DelegationFactory(meeting=meeting, party=party),
        reference="JWG11-VNM-001",
        status=Registration.Status.APPROVED,
        needs_visa_letter=True,
        delegate__honorific="Ms",
        delegate__given_name="Nguyễn Thị",
        delegate__family_name="Hương",
        delegate__nationality="VNM",
        delegate__passport_number="C1234567",
        delegate__passport_expiry=datetime.date(2030, 1, 31),
    )


def text_of(pdf):
    reader = PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def test_the_letter_names_the_delegate_passport_meeting_and_dates(registration):
    pdf = letters.invitation_letter_pdf(registration)
    assert pdf.startswith(b"%PDF")
    text = text_of(pdf)
    assert "Letter of Invitation" in text
    assert "Ms Nguyễn Thị Hương" in text
    assert "C1234567" in text
    assert "31 January 2030" in text
    assert "Viet Nam" in text
    assert "11th Joint Working Group Meeting on ASEAN Mineral Cooperation" in text
    assert "29 April – 3 May 2024" in text
    assert "Conference Hall, Kuta, Bali, Indonesia" in text
    assert "Directorate General of Mineral and Coal" in text
    assert "JWG11-VNM-001" in text


def test_the_letter_is_a4_with_an_embedded_unicode_font(registration):
    reader = PdfReader(io.BytesIO(letters.invitation_letter_pdf(registration)))
    page = reader.pages[0]
    width, height = float(page.mediabox.width), float(page.mediabox.height)
    assert (round(width), round(height)) == (595, 842)
    fonts = {str(font["/BaseFont"]) for font in page["/Resources"]["/Font"].values()}
    assert any("DejaVuSans" in name for name in fonts)


def test_markup_in_a_name_is_printed_as_text(registration):
    delegate = registration.delegate
    delegate.family_name = "Hương & <b>Co</b>"
    delegate.save()
    text = text_of(letters.invitation_letter_pdf(registration))
    assert "Hương & <b>Co</b>" in text


def test_without_dejavu_the_letter_falls_back_to_helvetica(
    registration, monkeypatch, tmp_path
):
    monkeypatch.setattr(letters, "FONT_DIR", tmp_path)
    assert letters.letter_fonts() == ("Helvetica", "Helvetica-Bold")
    text = text_of(letters.invitation_letter_pdf(registration))
    assert "C1234567" in text


def test_the_passport_number_stays_out_of_the_metadata(registration):
    reader = PdfReader(io.BytesIO(letters.invitation_letter_pdf(registration)))
    assert "C1234567" not in " ".join(str(v) for v in reader.metadata.values())
