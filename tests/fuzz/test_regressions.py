"""What the fuzz tests found, each kept as the exact input that failed."""

import datetime
from urllib.parse import quote

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.urls import reverse

from delegates import services
from delegates.models import Attendance, BadgeCode, Delegate, Registration
from tests.factories import (
    AttendanceFactory,
    DelegateFactory,
    DelegationFactory,
    MeetingFactory,
    MemberStateFactory,
    PartyFactory,
    RegistrationFactory,
    SessionFactory,
    UserFactory,
    registration_open_meeting,
)

from .strategies import row_counts

pytestmark = pytest.mark.django_db
DAY = datetime.timedelta(days=1)


@pytest.fixture
def open_meeting():
    return registration_open_meeting(
        slug="jwg-90",
        number=90,
        closes_in=30,
    )


@pytest.fixture
def delegation(open_meeting):
    return DelegationFactory(meeting=open_meeting, party=MemberStateFactory())


@pytest.fixture
def session(open_meeting):
    return SessionFactory(meeting=open_meeting, title="Plenary")


@pytest.fixture
def kim_on_file():
    """kim.sam@example.org, registered at another meeting."""
    other = DelegationFactory(
        meeting=MeetingFactory(slug="jwg-91", number=91),
        party=PartyFactory(code="IGF"),
    )
    delegate = DelegateFactory(email="kim.sam@example.org")
    RegistrationFactory(delegation=other, delegate=delegate)
    return delegate


def form_data(delegation, session, **overrides):
    return {
        "delegation": str(delegation.pk),
        "role": "delegate",
        "family_name": "0",
        "email": "fz-0@example.org",
        "preferred_language": "en",
        "sessions": [str(session.pk)],
        "consent_publish": "on",
        "consent_privacy": "on",
        **overrides,
    }


def test_an_address_the_database_folds_to_one_on_file_is_never_a_500(
    client,
    delegation,
    session,
    kim_on_file,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    """Found on PostgreSQL: `kİm.sam@` (a dotted capital I) was missed by the
    email lookup (UPPER keeps İ) but matched by the unique LOWER(email)
    constraint, so the delegate's full_clean() raised a ValidationError,
    which no view caught. The lookup now compares LOWER() as the constraint
    does: on PostgreSQL it is the person on file, as `KIM.SAM@` would be,
    and the private link goes to the address on file, not to the one typed.
    SQLite folds neither way, so there it is simply a new person."""
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("delegates:register", kwargs={"slug": "jwg-90"}),
            form_data(delegation, session, email="kİm.sam@example.org"),
        )

    assert response.status_code == 302
    registration = Registration.objects.get(delegation=delegation)
    if connection.vendor == "postgresql":
        assert registration.delegate == kim_on_file
        assert Delegate.objects.count() == 1
        assert [m.to for m in mailoutbox] == [["kim.sam@example.org"]]
    else:
        assert registration.delegate.email == "kİm.sam@example.org"


def test_an_edit_to_an_address_folded_to_another_persons_is_never_a_500(
    client, delegation, session, kim_on_file
):
    """The same through the private link: `Kiki` with a Kelvin sign for K
    passed the service's own check (Python lowercases K to k, PostgreSQL
    uppercases K to itself) and then failed full_clean()."""
    registration = RegistrationFactory(
        delegation=delegation, status=Registration.Status.PENDING
    )
    registration.sessions.add(session)
    taken = DelegateFactory(email="kiki.taken@example.org")
    before = row_counts()

    response = client.post(
        reverse("delegates:edit", kwargs={"token": registration.token}),
        form_data(delegation, session, email="\u212aiki.taken@example.org"),
    )

    if connection.vendor == "postgresql":
        assert response.status_code == 200
        assert row_counts() == before
        assert Delegate.objects.get(pk=registration.delegate_id).email != taken.email
    else:
        assert response.status_code == 302


def test_the_model_validation_of_a_submission_is_a_registration_error(
    delegation, session
):
    """Whatever the model refuses that the form did not (here a nationality
    that is no ISO code, given to the service directly) comes back as a
    RegistrationError the views show, not a ValidationError they do not
    catch; and nothing is written."""
    before = row_counts()

    with pytest.raises(services.RegistrationError) as refused:
        services.registration_submit(
            meeting=delegation.meeting,
            delegation=delegation,
            delegate_data={
                "family_name": "Rahman",
                "email": "siti@example.org",
                "nationality": "xx",
            },
            registration_data={"role": "delegate"},
            sessions=[session],
        )

    assert "ISO 3166 alpha-3" in refused.value.message
    assert row_counts() == before


@pytest.mark.parametrize("page", ["manage", "edit", "withdraw", "letter"])
def test_a_token_with_a_nul_character_is_a_404(client, page):
    """Found on PostgreSQL: `/registration/%00/` reached the query, and
    psycopg2 refuses a NUL in a string literal with a ValueError (a 500)."""
    RegistrationFactory()
    url = reverse(f"delegates:{page}", kwargs={"token": "TOKEN"})

    for token in ("\x00", "a\x00", "x" * 42 + "\x00"):
        response = client.get(url.replace("TOKEN", quote(token)))
        assert response.status_code == 404


def test_a_token_with_a_nul_character_is_a_404_for_the_details_choice(client):
    response = client.post(
        reverse("delegates:confirm_details", kwargs={"token": "TOKEN"}).replace(
            "TOKEN", "%00"
        ),
        {"choice": "accept"},
    )
    assert response.status_code == 404


def test_a_minutes_link_with_a_nul_character_is_a_404(client):
    """The minutes' read-only link takes a token the same way."""
    url = reverse("meetings:minutes_read", kwargs={"token": "TOKEN"})
    response = client.get(url.replace("TOKEN", "%00"))
    assert response.status_code == 404


def test_a_second_scan_of_someone_recorded_by_nobody_answers_already_in(client):
    """Found on both databases: scanning the badge of someone whose record
    has no recorder (an import, or a desk user since deleted) rendered
    `default:record.recorded_by.get_username`, a filter argument Django
    does not silence when recorded_by is None: a 500 at the door."""
    meeting = MeetingFactory()
    session = SessionFactory(meeting=meeting)
    registration = RegistrationFactory(
        delegation=DelegationFactory(meeting=meeting, party=MemberStateFactory())
    )
    registration.sessions.add(session)
    code = BadgeCode.objects.create(registration=registration).code
    gone = UserFactory(username="gone")
    AttendanceFactory(registration=registration, session=session, recorded_by=gone)
    gone.delete()
    desk = UserFactory(username="desk")
    desk.user_permissions.add(Permission.objects.get(codename="check_in"))
    client.force_login(desk)

    response = client.post(
        reverse("checkin:desk", kwargs={"session_pk": session.pk}), {"code": code}
    )

    assert response.status_code == 200
    assert response.context["result"].outcome == services.ScanOutcome.ALREADY
    assert "nobody recorded" in response.content.decode()
    assert Attendance.objects.filter(registration=registration).count() == 1


def test_a_photo_link_with_a_nul_character_is_a_404(client):
    """The private link's photo address takes the token the same way."""
    url = reverse("photos:registration", kwargs={"token": "TOKEN"})
    response = client.get(url.replace("TOKEN", "%00"))
    assert response.status_code == 404


@pytest.mark.parametrize(
    "session_id",
    ["9_223_372_036_854_775_808", "-9_223_372_036_854_775_809", "9" * 4000],
)
def test_a_session_id_too_large_for_the_database_is_a_form_error(
    client, delegation, session, session_id
):
    """Found on SQLite: the guard against ids past 2**63 - 1 read only 0-9,
    but int() also reads "9_223_372_036_854_775_808", which then reached the
    `pk__in` query and overflowed SQLite's integer (a 500)."""
    before = row_counts()

    response = client.post(
        reverse("delegates:register", kwargs={"slug": "jwg-90"}),
        form_data(delegation, session, sessions=[session_id]),
    )

    assert response.status_code == 200
    assert response.context["form"].has_error("sessions", "invalid_pk_value")
    assert row_counts() == before
