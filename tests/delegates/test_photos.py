"""Delegate photos: uploaded on the public form, by the focal point and in
the admin; checked and re-encoded; stored under a generated name; served
only through the permission-checked views; the old file gone when replaced."""

import datetime
import io

import pytest
from django.contrib.auth.models import Permission
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError
from django.test import Client
from django.urls import reverse
from PIL import ExifTags, Image
from pypdf import PdfReader

from delegates import badges
from delegates.models import Delegate, Registration
from tests.factories import (
    DelegateFactory,
    DelegationFactory,
    MemberStateFactory,
    RegistrationFactory,
    SessionFactory,
    UserFactory,
    registration_open_meeting,
)

pytestmark = pytest.mark.django_db
DAY = datetime.timedelta(days=1)
HTML = b"<!doctype html><html><body><script>alert(document.cookie)</script>"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def photo_bytes(format="PNG", size=(1200, 1500), colour="teal", gps=False):
    buffer = io.BytesIO()
    params = {}
    if gps:
        exif = Image.Exif()
        ifd = exif.get_ifd(ExifTags.IFD.GPSInfo)
        ifd[ExifTags.GPS.GPSLatitudeRef] = "S"
        ifd[ExifTags.GPS.GPSLatitude] = (8.0, 43.0, 12.0)
        params["exif"] = exif.tobytes()
    Image.new("RGB", size, colour).save(buffer, format, **params)
    return buffer.getvalue()


def photo_upload(content=None, name="Siti Rahman at home.png"):
    return SimpleUploadedFile(
        name, photo_bytes() if content is None else content, content_type="image/png"
    )


def stored_photos(media):
    folder = media / "photos"
    return sorted(folder.iterdir()) if folder.exists() else []


@pytest.fixture
def meeting():
    return registration_open_meeting(
        slug="jwg-11",
        number=11,
    )


@pytest.fixture
def session(meeting):
    return SessionFactory(meeting=meeting, title="Joint Working Group")


@pytest.fixture
def delegation(meeting):
    return DelegationFactory(meeting=meeting, party=MemberStateFactory())


@pytest.fixture
def other_delegation(meeting):
    return DelegationFactory(
        meeting=meeting, party=MemberStateFactory(code="THA", name="Thailand")
    )


def form_data(delegation, session, **overrides):
    data = {
        "delegation": delegation.pk,
        "role": "delegate",
        "honorific": "Ms",
        "given_name": "Siti",
        "family_name": "Rahman",
        "position": "Director",
        "agency": "Ministry of Natural Resources",
        "email": "siti@example.org",
        "phone": "+60 3 8000 8000",
        "nationality": "MYS",
        "preferred_language": "en",
        "sessions": [session.pk],
        "dietary_requirements": "Halal",
        "consent_privacy": "on",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def register(client, meeting, data):
    return client.post(reverse("delegates:register", args=[meeting.slug]), data)


def with_photo(delegate, content=None):
    """Give `delegate` a stored photo, as the services store one."""
    delegate.photo.save("photo.jpg", ContentFile(content or photo_bytes("JPEG")))
    return delegate


# --- The public registration form ----------------------------------------------


def test_the_registration_form_takes_files_and_offers_the_photo_field(
    client, meeting, delegation, session
):
    html = client.get(reverse("delegates:register", args=[meeting.slug])).content
    html = html.decode()
    assert 'enctype="multipart/form-data"' in html
    assert 'type="file" name="photo"' in html
    assert 'accept="image/jpeg,image/png,image/webp' in html


def test_a_photo_is_stored_re_encoded_under_a_generated_name(
    client, meeting, delegation, session, media
):
    upload = photo_upload(
        photo_bytes(size=(1600, 2000), gps=True), name="../../evil <b>.png"
    )
    response = register(client, meeting, form_data(delegation, session, photo=upload))

    assert response.status_code == 302
    delegate = Delegate.objects.get()
    name = delegate.photo.name
    assert name.startswith("photos/") and name.endswith(".jpg")
    assert "evil" not in name and "Siti" not in name
    assert len(name) == len("photos/") + 32 + len(".jpg")
    stored = Image.open(media / name)
    assert stored.format == "JPEG"
    assert stored.size == (800, 1000)
    assert stored.getexif().get_ifd(ExifTags.IFD.GPSInfo) == {}
    assert stored_photos(media) == [media / name]


def test_no_photo_is_fine(client, meeting, delegation, session, media):
    response = register(client, meeting, form_data(delegation, session))
    assert response.status_code == 302
    assert not Delegate.objects.get().photo
    assert stored_photos(media) == []


BAD_PHOTOS = {
    "html named .jpg": (HTML, "not a photo in JPEG, PNG or WebP"),
    "pdf named .jpg": (b"%PDF-1.4\n" + HTML + b"\n%%EOF\n", "JPEG, PNG or WebP"),
    "gif": (photo_bytes("GIF", size=(50, 50)), "JPEG, PNG or WebP"),
    "truncated": (photo_bytes(size=(400, 400))[:300], "could not be read"),
    "huge dimensions": (
        photo_bytes(size=(20000, 20000), colour="white"),
        "too many pixels",
    ),
}


@pytest.mark.parametrize(("content", "says"), BAD_PHOTOS.values(), ids=list(BAD_PHOTOS))
def test_a_bad_photo_is_a_form_error_that_keeps_the_other_answers_and_writes_nothing(
    client, meeting, delegation, session, media, content, says
):
    data = form_data(
        delegation,
        session,
        photo=SimpleUploadedFile("photo.jpg", content, content_type="image/jpeg"),
    )
    response = register(client, meeting, data)

    assert response.status_code == 200
    assert says in str(response.context["form"].errors["photo"])
    html = response.content.decode()
    assert 'href="#id_photo"' in html  # in the error summary
    assert 'value="Siti"' in html
    assert 'value="Rahman"' in html
    assert 'value="Halal"' in html
    assert not Delegate.objects.exists()
    assert not Registration.objects.exists()
    assert stored_photos(media) == []


def test_an_oversize_photo_is_refused_with_the_limit(
    settings, client, meeting, delegation, session, media
):
    settings.PHOTO_MAX_BYTES = 1024 * 1024
    big = photo_bytes(size=(100, 100)) + b"\x00" * (1024 * 1024)
    response = register(
        client, meeting, form_data(delegation, session, photo=photo_upload(big))
    )
    assert "the limit is 1 MB" in str(response.context["form"].errors["photo"])
    assert not Registration.objects.exists()
    assert stored_photos(media) == []


def test_a_good_photo_with_another_error_asks_for_the_photo_again(
    client, meeting, delegation, session, media
):
    response = register(
        client,
        meeting,
        form_data(delegation, session, family_name="", photo=photo_upload()),
    )
    assert response.status_code == 200
    assert "Choose the photo again" in response.content.decode()
    assert not Delegate.objects.exists()
    assert stored_photos(media) == []


def test_a_photo_refused_by_the_service_leaves_no_file(
    client, meeting, delegation, session, media, monkeypatch
):
    """The photo is written inside the transaction; when it rolls back the
    file is deleted again."""

    def lost_race(self, *args, **kwargs):
        raise IntegrityError("registration_one_active")

    monkeypatch.setattr(Registration, "save", lost_race)
    response = register(
        client, meeting, form_data(delegation, session, photo=photo_upload())
    )
    assert response.status_code == 200
    assert "already has an active registration" in response.content.decode()
    assert not Delegate.objects.exists()
    assert stored_photos(media) == []


def test_a_known_persons_photo_is_never_replaced_from_the_public_form(
    client, meeting, delegation, session, media
):
    person = with_photo(DelegateFactory(email="siti@example.org"))
    kept = person.photo.name

    response = register(
        client, meeting, form_data(delegation, session, photo=photo_upload())
    )

    assert response.status_code == 302
    person.refresh_from_db()
    assert person.photo.name == kept
    assert stored_photos(media) == [media / kept]


def test_a_known_person_without_a_photo_gets_the_one_given(
    client, meeting, delegation, session
):
    person = DelegateFactory(email="siti@example.org")
    register(client, meeting, form_data(delegation, session, photo=photo_upload()))
    person.refresh_from_db()
    assert person.photo.name.startswith("photos/")


# --- The private link's edit page -------------------------------------------


@pytest.fixture
def registration(delegation, session):
    registration = RegistrationFactory(
        delegation=delegation,
        status=Registration.Status.PENDING,
        delegate=with_photo(DelegateFactory(email="siti@example.org")),
    )
    registration.sessions.add(session)
    return registration


def edit_data(registration, session, **overrides):
    delegate = registration.delegate
    return form_data(
        registration.delegation,
        session,
        given_name=delegate.given_name,
        family_name=delegate.family_name,
        email=delegate.email,
        consent_privacy=None,
        **overrides,
    )


def private_edit(client, registration, data):
    return client.post(reverse("delegates:edit", args=[registration.token]), data)


def test_the_edit_page_shows_the_photo_through_the_private_link(client, registration):
    html = client.get(reverse("delegates:edit", args=[registration.token])).content
    html = html.decode()
    assert 'enctype="multipart/form-data"' in html
    url = reverse("photos:registration", args=[registration.token])
    assert f'src="{url}"' in html
    assert 'alt="Your photo on file"' in html
    assert 'name="remove_photo"' in html
    assert "/media/" not in html
    assert registration.delegate.photo.name not in html


def test_a_new_photo_replaces_the_old_one_and_its_file(
    client, registration, session, media, django_capture_on_commit_callbacks
):
    old = registration.delegate.photo.name
    with django_capture_on_commit_callbacks(execute=True):
        response = private_edit(
            client, registration, edit_data(registration, session, photo=photo_upload())
        )
    assert response.status_code == 302
    registration.delegate.refresh_from_db()
    new = registration.delegate.photo.name
    assert new != old
    assert stored_photos(media) == [media / new]


def test_removing_the_photo_deletes_its_file(
    client, registration, session, media, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        private_edit(
            client, registration, edit_data(registration, session, remove_photo="on")
        )
    registration.delegate.refresh_from_db()
    assert not registration.delegate.photo
    assert stored_photos(media) == []


def test_an_edit_without_a_photo_keeps_the_one_on_file(
    client, registration, session, media, django_capture_on_commit_callbacks
):
    old = registration.delegate.photo.name
    with django_capture_on_commit_callbacks(execute=True):
        private_edit(client, registration, edit_data(registration, session))
    registration.delegate.refresh_from_db()
    assert registration.delegate.photo.name == old
    assert stored_photos(media) == [media / old]


def test_a_new_photo_and_removal_together_is_a_form_error(
    client, registration, session, media
):
    old = registration.delegate.photo.name
    response = private_edit(
        client,
        registration,
        edit_data(registration, session, photo=photo_upload(), remove_photo="on"),
    )
    assert response.status_code == 200
    assert response.context["form"].errors["remove_photo"]
    registration.delegate.refresh_from_db()
    assert registration.delegate.photo.name == old
    assert stored_photos(media) == [media / old]


def test_a_photo_change_keeps_an_approval(
    client, registration, session, django_capture_on_commit_callbacks
):
    Registration.objects.filter(pk=registration.pk).update(
        status=Registration.Status.APPROVED
    )
    with django_capture_on_commit_callbacks(execute=True):
        private_edit(
            client, registration, edit_data(registration, session, photo=photo_upload())
        )
    registration.refresh_from_db()
    assert registration.status == Registration.Status.APPROVED


# --- The focal point's forms -----------------------------------------------


@pytest.fixture
def focal_client(delegation):
    user = UserFactory(username="focal-mys")
    delegation.focal_points.add(user)
    client = Client()
    client.force_login(user)
    return client


def test_a_focal_point_nominates_with_a_photo(focal_client, delegation, session, media):
    response = focal_client.post(
        reverse("focal:nominate", args=[delegation.pk]),
        form_data(delegation, session, photo=photo_upload()),
    )
    assert response.status_code == 302
    photo = Delegate.objects.get().photo
    assert Image.open(media / photo.name).format == "JPEG"


def test_a_focal_points_bad_photo_nominates_nobody(
    focal_client, delegation, session, media
):
    response = focal_client.post(
        reverse("focal:nominate", args=[delegation.pk]),
        form_data(
            delegation,
            session,
            photo=SimpleUploadedFile("p.jpg", HTML, content_type="image/jpeg"),
        ),
    )
    assert response.status_code == 200
    assert response.context["form"].errors["photo"]
    assert 'enctype="multipart/form-data"' in response.content.decode()
    assert not Registration.objects.exists()
    assert stored_photos(media) == []


def test_a_focal_point_replaces_a_photo_and_sees_it_on_the_edit_page(
    focal_client, registration, session, media, django_capture_on_commit_callbacks
):
    url = reverse("focal:edit", args=[registration.pk])
    html = focal_client.get(url).content.decode()
    photo_url = reverse("photos:delegate", args=[registration.delegate_id])
    assert f'src="{photo_url}"' in html
    assert registration.token not in html  # never the person's private link

    old = registration.delegate.photo.name
    with django_capture_on_commit_callbacks(execute=True):
        response = focal_client.post(
            url, edit_data(registration, session, photo=photo_upload())
        )
    assert response.status_code == 302
    registration.delegate.refresh_from_db()
    assert registration.delegate.photo.name != old
    assert stored_photos(media) == [media / registration.delegate.photo.name]


# --- The admin -------------------------------------------------------------


def admin_change_data(delegate, **extra):
    return {
        "honorific": delegate.honorific,
        "given_name": delegate.given_name,
        "family_name": delegate.family_name,
        "badge_name": "",
        "position": delegate.position,
        "agency": delegate.agency,
        "nationality": "",
        "email": delegate.email,
        "phone": "",
        "preferred_language": "en",
        "dietary_requirements": "",
        "accessibility_needs": "",
        "passport_number": "",
        "passport_expiry": "",
        "passport_country": "",
        **extra,
    }


def admin_change_url(delegate):
    return reverse("admin:delegates_delegate_change", args=[delegate.pk])


def test_the_admin_shows_the_photo_through_the_checked_view(admin_client):
    delegate = with_photo(DelegateFactory(given_name="Siti", family_name="Rahman"))
    html = admin_client.get(admin_change_url(delegate)).content.decode()
    url = reverse("photos:delegate", args=[delegate.pk])
    assert (
        f'<img class="delegate-photo" src="{url}" alt="Photo of Ms Siti Rahman">'
        in (html)
    )
    assert 'enctype="multipart/form-data"' in html
    assert delegate.photo.name not in html
    assert "/media/" not in html


def test_the_admin_uploads_a_photo_re_encoded(
    admin_client, media, django_capture_on_commit_callbacks
):
    delegate = with_photo(DelegateFactory())
    old = delegate.photo.name
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            admin_change_url(delegate),
            admin_change_data(
                delegate, new_photo=photo_upload(photo_bytes("WEBP", gps=True))
            ),
        )
    assert response.status_code == 302
    delegate.refresh_from_db()
    assert delegate.photo.name != old
    stored = Image.open(media / delegate.photo.name)
    assert stored.format == "JPEG"
    assert stored.getexif().get_ifd(ExifTags.IFD.GPSInfo) == {}
    assert stored_photos(media) == [media / delegate.photo.name]


def test_the_admin_adds_a_delegate_with_a_photo(admin_client, media):
    data = admin_change_data(
        DelegateFactory.build(email="new@example.org"), new_photo=photo_upload()
    )
    response = admin_client.post(reverse("admin:delegates_delegate_add"), data)
    assert response.status_code == 302
    delegate = Delegate.objects.get()
    assert stored_photos(media) == [media / delegate.photo.name]


def test_a_viewer_sees_the_photo_but_no_upload(photographed):
    viewer = staff_with("view_delegate", username="viewer")
    response = client_for(viewer).get(admin_change_url(photographed))
    assert response.status_code == 200
    html = response.content.decode()
    assert f'src="{delegate_photo_url(photographed)}"' in html
    assert 'type="file"' not in html


def test_the_admin_refuses_a_bad_photo_and_keeps_the_old(admin_client, media):
    delegate = with_photo(DelegateFactory())
    old = delegate.photo.name
    response = admin_client.post(
        admin_change_url(delegate),
        admin_change_data(
            delegate,
            family_name="Changed",
            new_photo=SimpleUploadedFile("x.jpg", HTML, content_type="image/jpeg"),
        ),
    )
    assert response.status_code == 200
    assert "JPEG, PNG or WebP" in str(response.context["adminform"].form.errors)
    delegate.refresh_from_db()
    assert delegate.family_name != "Changed"
    assert delegate.photo.name == old
    assert stored_photos(media) == [media / old]


def test_the_admin_removes_a_photo_and_its_file(
    admin_client, media, django_capture_on_commit_callbacks
):
    delegate = with_photo(DelegateFactory())
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(
            admin_change_url(delegate), admin_change_data(delegate, remove_photo="on")
        )
    delegate.refresh_from_db()
    assert not delegate.photo
    assert stored_photos(media) == []


def test_deleting_a_delegate_in_the_admin_deletes_the_photo(
    admin_client, media, django_capture_on_commit_callbacks
):
    delegate = with_photo(DelegateFactory())
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(
            reverse("admin:delegates_delegate_delete", args=[delegate.pk]),
            {"post": "yes"},
        )
    assert not Delegate.objects.exists()
    assert stored_photos(media) == []


def test_deleting_delegates_in_bulk_deletes_their_photos(
    admin_client, media, django_capture_on_commit_callbacks
):
    delegates = [with_photo(DelegateFactory()) for _ in range(2)]
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(
            reverse("admin:delegates_delegate_changelist"),
            {
                "action": "delete_selected",
                "_selected_action": [d.pk for d in delegates],
                "post": "yes",
            },
        )
    assert not Delegate.objects.exists()
    assert stored_photos(media) == []


# --- Who may see a photo ---------------------------------------------------


@pytest.fixture
def photographed(registration):
    """A delegate with a photo, registered through `delegation`."""
    return registration.delegate


def delegate_photo_url(delegate):
    return reverse("photos:delegate", args=[delegate.pk])


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


def staff_with(*codenames, username="clerk"):
    user = UserFactory(username=username, is_staff=True)
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="delegates", codename__in=codenames
        )
    )
    return user


def assert_is_the_photo(response, delegate):
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["Content-Disposition"] == "inline"
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]
    assert response["X-Content-Type-Options"] == "nosniff"
    with delegate.photo.open("rb") as stored:
        assert b"".join(response.streaming_content) == stored.read()


def test_anonymous_visitors_are_sent_to_sign_in(client, photographed):
    response = client.get(delegate_photo_url(photographed))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_the_focal_point_of_the_delegation_sees_the_photo(focal_client, photographed):
    assert_is_the_photo(
        focal_client.get(delegate_photo_url(photographed)), photographed
    )


def test_a_focal_point_of_another_delegation_gets_a_404(other_delegation, photographed):
    user = UserFactory(username="focal-tha")
    other_delegation.focal_points.add(user)
    assert client_for(user).get(delegate_photo_url(photographed)).status_code == 404


def test_a_focal_point_of_a_registration_elsewhere_sees_the_photo(
    other_delegation, photographed
):
    # The same person, registered by Thailand at another meeting too.
    later = DelegationFactory(party=other_delegation.party)
    RegistrationFactory(delegation=later, delegate=photographed)
    user = UserFactory(username="focal-tha")
    later.focal_points.add(user)
    assert_is_the_photo(
        client_for(user).get(delegate_photo_url(photographed)), photographed
    )


@pytest.mark.parametrize(
    ("user", "status"),
    [
        (lambda: UserFactory(username="plain"), 404),
        (lambda: staff_with(), 404),
        (lambda: staff_with("change_registration", "view_registration"), 404),
        (lambda: UserFactory(username="not-staff", is_staff=False), 404),
        (lambda: staff_with("view_delegate"), 200),
        (lambda: UserFactory(username="root", is_staff=True, is_superuser=True), 200),
    ],
    ids=[
        "signed-in",
        "staff-without-permission",
        "staff-with-registrations-only",
        "not-staff",
        "staff-view-delegate",
        "superuser",
    ],
)
def test_the_secretariat_needs_view_delegate(photographed, user, status):
    response = client_for(user()).get(delegate_photo_url(photographed))
    assert response.status_code == status
    if status == 200:
        assert_is_the_photo(response, photographed)


def test_view_delegate_without_staff_is_not_enough(photographed):
    user = staff_with("view_delegate", username="former-staff")
    user.is_staff = False
    user.save()
    response = client_for(user).get(delegate_photo_url(photographed))
    assert response.status_code == 404


def test_no_photo_or_a_lost_file_or_an_unknown_delegate_is_a_404(
    admin_client, photographed, media
):
    assert admin_client.get(delegate_photo_url(DelegateFactory())).status_code == 404
    assert admin_client.get("/photos/delegates/99999999.jpg").status_code == 404
    assert admin_client.get(f"/photos/delegates/{10**30}.jpg").status_code == 404
    (media / photographed.photo.name).unlink()
    assert admin_client.get(delegate_photo_url(photographed)).status_code == 404


def test_the_person_sees_their_photo_through_the_private_link(client, registration):
    response = client.get(reverse("photos:registration", args=[registration.token]))
    assert_is_the_photo(response, registration.delegate)
    assert response["Referrer-Policy"] == "strict-origin"
    assert response["X-Robots-Tag"] == "noindex, nofollow"


def test_a_wrong_token_or_no_photo_is_a_404(client, registration, delegation):
    wrong = registration.token[:-4] + "AAAA"
    assert client.get(f"/photos/registration/{wrong}.jpg").status_code == 404
    assert client.get("/photos/registration/.jpg").status_code == 404
    bare = RegistrationFactory(delegation=delegation)
    assert (
        client.get(reverse("photos:registration", args=[bare.token])).status_code == 404
    )


def test_photos_are_read_only(admin_client, client, registration):
    delegate_url = delegate_photo_url(registration.delegate)
    token_url = reverse("photos:registration", args=[registration.token])
    assert admin_client.post(delegate_url).status_code == 405
    assert client.post(token_url).status_code == 405
    assert admin_client.head(delegate_url).status_code == 200


def test_a_photo_is_not_served_under_the_media_url(
    admin_client, settings, photographed
):
    response = admin_client.get("/" + settings.MEDIA_URL + photographed.photo.name)
    assert response.status_code == 404


def test_the_photo_views_queries_are_few(
    focal_client, admin_client, client, registration, django_assert_max_num_queries
):
    with django_assert_max_num_queries(6):
        focal_client.get(delegate_photo_url(registration.delegate))
    with django_assert_max_num_queries(2):
        client.get(reverse("photos:registration", args=[registration.token]))


# --- The badge -------------------------------------------------------------


def images_on(pdf):
    return [image for page in PdfReader(io.BytesIO(pdf)).pages for image in page.images]


def text_on(pdf):
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_the_badge_shows_the_photo_beside_the_name(delegation):
    pictured = RegistrationFactory(
        delegation=delegation, delegate=with_photo(DelegateFactory(badge_name="Siti"))
    )
    bare = RegistrationFactory(
        delegation=delegation, delegate=DelegateFactory(badge_name="Ahmad")
    )
    [image] = images_on(badges.badges_pdf([pictured]))
    assert image.image.size == (1200, 1500)  # the stored photo, as it is
    assert images_on(badges.badges_pdf([bare])) == []
    both = badges.badges_pdf([pictured, bare])
    assert len(images_on(both)) == 1
    assert "Siti" in text_on(both) and "Ahmad" in text_on(both)


def test_a_badge_whose_photo_file_is_gone_is_printed_without_it(delegation, media):
    registration = RegistrationFactory(
        delegation=delegation, delegate=with_photo(DelegateFactory(badge_name="Siti"))
    )
    (media / registration.delegate.photo.name).unlink()
    pdf = badges.badges_pdf([registration])
    assert images_on(pdf) == []
    assert "Siti" in text_on(pdf)
