"""Minutes: the workflow from draft to adoption, the rapporteurs' limits,
revisions with their diff, and text that never reaches a page as HTML."""

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from meetings import services
from meetings.models import ActionItem, Conclusion, Minutes, MinutesRevision
from tests.factories import AgendaItemFactory, SessionFactory, UserFactory

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert('x')</script>"
ADOPTION_DAY = datetime.date(2024, 5, 3)


def grant(user, *codenames):
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="meetings", codename__in=codenames
        )
    )
    # Permissions are cached on the instance.
    return type(user).objects.get(pk=user.pk)


@pytest.fixture
def secretary(db):
    user = UserFactory(username="secretary", is_staff=True)
    return grant(
        user,
        "manage_minutes",
        "add_minutes",
        "change_minutes",
        "change_minutesitem",
        "add_conclusion",
        "change_conclusion",
        "add_actionitem",
        "change_actionitem",
    )


@pytest.fixture
def rapporteur(db):
    user = UserFactory(username="rapporteur", is_staff=True)
    return grant(
        user,
        "change_minutes",
        "change_minutesitem",
        "add_conclusion",
        "change_conclusion",
        "delete_conclusion",
        "add_actionitem",
        "change_actionitem",
        "delete_actionitem",
    )


@pytest.fixture
def minutes(secretary):
    session = SessionFactory(title="Plenary")
    AgendaItemFactory(session=session, number="1", order=1, title="Opening")
    AgendaItemFactory(session=session, number="2", order=2, title="Critical minerals")
    return services.minutes_start(session=session, by=secretary)


def change_url(minutes):
    return reverse("admin:meetings_minutes_change", args=[minutes.pk])


def minutes_post_data(minutes, **changes):
    """The change form of the minutes, as a browser would send it back."""
    items = list(minutes.items.all())
    data = {
        "introduction": minutes.introduction,
        "items-TOTAL_FORMS": str(len(items)),
        "items-INITIAL_FORMS": str(len(items)),
        "items-MIN_NUM_FORMS": "0",
        "items-MAX_NUM_FORMS": "1000",
    }
    for index, item in enumerate(items):
        data[f"items-{index}-id"] = str(item.pk)
        data[f"items-{index}-minutes"] = str(minutes.pk)
        data[f"items-{index}-discussion"] = item.discussion
    data.update(changes)
    return data


# The services.


def test_start_makes_one_record_per_agenda_item_and_is_idempotent(minutes, secretary):
    assert [i.agenda_item.number for i in minutes.items.all()] == ["1", "2"]
    assert minutes.status == Minutes.Status.DRAFT
    AgendaItemFactory(session=minutes.session, number="3", order=3)

    again = services.minutes_start(session=minutes.session, by=secretary)

    assert again.pk == minutes.pk
    assert Minutes.objects.count() == 1
    assert again.items.count() == 3
    assert list(again.revisions.values_list("action", flat=True)) == ["started"]


def test_edited_revision_is_kept_only_when_text_changed(minutes, secretary):
    assert (
        services.minutes_record_revision(minutes=minutes, by=secretary, action="edited")
        is None
    )
    minutes.introduction = "The Meeting was opened."
    minutes.save()
    revision = services.minutes_record_revision(
        minutes=minutes, by=secretary, action="edited"
    )
    assert revision.number == 2
    assert revision.content["introduction"] == "The Meeting was opened."


def test_every_transition_records_who_and_when(
    minutes, secretary, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.minutes_circulate(
            minutes=minutes, by=secretary, recipients=["hod@example.org"]
        )
    services.minutes_adopt(minutes=minutes, by=secretary, on=ADOPTION_DAY)
    services.minutes_reopen(minutes=minutes, by=secretary, reason="Typo in 2.")
    services.minutes_adopt(
        minutes=minutes, by=secretary, on=ADOPTION_DAY, ad_referendum=True
    )

    revisions = list(minutes.revisions.order_by("number"))
    assert [r.action for r in revisions] == [
        "started",
        "circulated",
        "adopted",
        "reopened",
        "adopted_ad_referendum",
    ]
    assert all(r.author == secretary and r.created_at for r in revisions)
    assert revisions[3].note == "Typo in 2."
    minutes.refresh_from_db()
    assert minutes.status == Minutes.Status.ADOPTED_AD_REFERENDUM
    assert minutes.adopted_on == ADOPTION_DAY


def test_circulation_mails_the_recipients_a_link_after_commit(
    minutes, secretary, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.minutes_circulate(
            minutes=minutes,
            by=secretary,
            recipients=["hod-mys@example.org", "hod-idn@example.org"],
            comments_due=datetime.date(2024, 6, 1),
        )
    assert mail.outbox == []
    for callback in callbacks:
        callback()

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert sorted(message.to) == ["hod-idn@example.org", "hod-mys@example.org"]
    assert "http://" in message.body
    minutes.refresh_from_db()
    read_url = reverse("meetings:minutes_read", args=[minutes.read_token])
    assert read_url in message.body
    assert "/admin/" not in message.body
    assert "2024-06-01" in message.body
    minutes.refresh_from_db()
    assert minutes.status == Minutes.Status.CIRCULATED
    assert minutes.circulated_at is not None


def test_circulation_needs_draft_and_recipients(minutes, secretary):
    with pytest.raises(services.MinutesError) as error:
        services.minutes_circulate(minutes=minutes, by=secretary, recipients=[])
    assert error.value.code == "no_recipients"
    services.minutes_adopt(minutes=minutes, by=secretary, on=ADOPTION_DAY)
    with pytest.raises(services.MinutesError) as error:
        services.minutes_circulate(
            minutes=minutes, by=secretary, recipients=["a@example.org"]
        )
    assert error.value.code == "not_draft"
    assert mail.outbox == []


def test_adoption_needs_draft_or_circulated_minutes(minutes, secretary):
    services.minutes_adopt(minutes=minutes, by=secretary, on=ADOPTION_DAY)
    with pytest.raises(services.MinutesError) as error:
        services.minutes_adopt(minutes=minutes, by=secretary, on=ADOPTION_DAY)
    assert error.value.code == "already_adopted"


def test_adopted_minutes_refuse_edits(minutes, secretary):
    services.minutes_guard_editable(minutes)
    services.minutes_adopt(minutes=minutes, by=secretary, on=ADOPTION_DAY)
    minutes.refresh_from_db()
    with pytest.raises(services.MinutesError) as error:
        services.minutes_guard_editable(minutes)
    assert error.value.code == "adopted"


def test_reopening_needs_the_secretariat_and_a_reason(minutes, secretary, rapporteur):
    services.minutes_adopt(minutes=minutes, by=secretary, on=ADOPTION_DAY)
    with pytest.raises(services.MinutesError) as error:
        services.minutes_reopen(minutes=minutes, by=rapporteur, reason="Mine.")
    assert error.value.code == "permission"
    with pytest.raises(services.MinutesError) as error:
        services.minutes_reopen(minutes=minutes, by=secretary, reason="  ")
    assert error.value.code == "reason_required"
    minutes.refresh_from_db()
    assert minutes.is_adopted
    assert not minutes.revisions.filter(action="reopened").exists()

    services.minutes_reopen(minutes=minutes, by=secretary, reason="Wrong date.")
    minutes.refresh_from_db()
    assert minutes.status == Minutes.Status.DRAFT
    assert minutes.adopted_on is None
    reopened = minutes.revisions.get(action="reopened")
    assert (reopened.author, reopened.note) == (secretary, "Wrong date.")


def test_rapporteur_cannot_circulate_or_adopt(minutes, rapporteur):
    for call in (
        lambda: services.minutes_circulate(
            minutes=minutes, by=rapporteur, recipients=["a@example.org"]
        ),
        lambda: services.minutes_adopt(minutes=minutes, by=rapporteur, on=ADOPTION_DAY),
    ):
        with pytest.raises(services.MinutesError):
            call()
    minutes.refresh_from_db()
    assert minutes.status == Minutes.Status.DRAFT


def test_revision_diff_shows_the_change_escaped(minutes, secretary):
    item = minutes.items.first()
    item.discussion = f"Indonesia presented. {SCRIPT}"
    item.save()
    services.minutes_record_revision(minutes=minutes, by=secretary, action="edited")
    old, new = minutes.revisions.order_by("number")

    diff = services.revision_diff(old, new)

    assert "Indonesia" in diff
    assert "<script" not in diff
    assert "&lt;script&gt;" in diff


# The admin.


def test_admin_save_records_a_revision_with_its_author(client, minutes, rapporteur):
    minutes.rapporteurs.add(rapporteur)
    client.force_login(rapporteur)
    data = minutes_post_data(minutes, introduction="Opened at 9.")
    data["items-1-discussion"] = "Discussed."

    response = client.post(change_url(minutes), data)

    assert response.status_code == 302
    minutes.refresh_from_db()
    assert minutes.introduction == "Opened at 9."
    revision = minutes.revisions.order_by("number").last()
    assert (revision.action, revision.author) == ("edited", rapporteur)
    assert revision.content["items"][1]["discussion"] == "Discussed."


def test_admin_item_save_records_conclusions_and_actions(client, minutes, secretary):
    client.force_login(secretary)
    item = minutes.items.last()
    url = reverse("admin:meetings_minutesitem_change", args=[item.pk])
    data = {
        "discussion": "Members shared updates.",
        "conclusions-TOTAL_FORMS": "1",
        "conclusions-INITIAL_FORMS": "0",
        "conclusions-0-kind": "agreed",
        "conclusions-0-text": "To hold a workshop.",
        "conclusions-0-order": "0",
        "actions-TOTAL_FORMS": "1",
        "actions-INITIAL_FORMS": "0",
        "actions-0-text": "Draft the terms of reference.",
        "actions-0-responsible_note": "The ASEAN Secretariat",
        "actions-0-due_date": "2024-09-30",
        "actions-0-status": "open",
        "actions-0-progress_note": "",
    }

    response = client.post(url, data)

    assert response.status_code == 302, response.context["errors"]
    content = minutes.revisions.order_by("number").last().content
    assert content["items"][1]["conclusions"] == [["agreed", "To hold a workshop."]]
    assert content["items"][1]["actions"] == [
        [
            "Draft the terms of reference.",
            "The ASEAN Secretariat",
            "2024-09-30",
            "open",
            "",
        ]
    ]


def test_adopted_minutes_cannot_be_changed_in_the_admin(staff_client, minutes):
    services.minutes_adopt(minutes=minutes, by=staff_client.user, on=ADOPTION_DAY)
    item = minutes.items.first()
    revisions = minutes.revisions.count()

    response = staff_client.post(
        change_url(minutes), minutes_post_data(minutes, introduction="Changed.")
    )
    item_response = staff_client.post(
        reverse("admin:meetings_minutesitem_change", args=[item.pk]),
        {
            "discussion": "Changed.",
            "conclusions-TOTAL_FORMS": "0",
            "conclusions-INITIAL_FORMS": "0",
            "actions-TOTAL_FORMS": "0",
            "actions-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 403
    assert item_response.status_code == 403
    minutes.refresh_from_db()
    item.refresh_from_db()
    assert minutes.introduction == ""
    assert item.discussion == ""
    assert minutes.revisions.count() == revisions
    # Still readable.
    assert staff_client.get(change_url(minutes)).status_code == 200


def test_admin_reopen_needs_a_reason_and_is_recorded(staff_client, minutes):
    services.minutes_adopt(minutes=minutes, by=staff_client.user, on=ADOPTION_DAY)
    url = reverse("admin:meetings_minutes_reopen", args=[minutes.pk])

    assert staff_client.post(url, {"reason": ""}).status_code == 200
    minutes.refresh_from_db()
    assert minutes.is_adopted

    response = staff_client.post(url, {"reason": "Add the annex."})
    assert response.status_code == 302
    minutes.refresh_from_db()
    assert minutes.status == Minutes.Status.DRAFT
    assert minutes.revisions.get(action="reopened").note == "Add the annex."


def test_admin_circulate_validates_addresses_and_mails(
    staff_client, minutes, django_capture_on_commit_callbacks
):
    url = reverse("admin:meetings_minutes_circulate", args=[minutes.pk])
    response = staff_client.post(url, {"recipients": "not-an-address"})
    assert response.status_code == 200
    assert response.context["form"].errors

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            url, {"recipients": "a@example.org\n\nb@example.org\n"}
        )
    assert response.status_code == 302
    assert sorted(mail.outbox[0].to) == ["a@example.org", "b@example.org"]


def test_admin_adopt_ad_referendum(staff_client, minutes):
    url = reverse("admin:meetings_minutes_adopt", args=[minutes.pk])
    response = staff_client.post(url, {"on": "2024-05-03", "ad_referendum": "on"})
    assert response.status_code == 302
    minutes.refresh_from_db()
    assert minutes.status == Minutes.Status.ADOPTED_AD_REFERENDUM
    assert minutes.adopted_on == ADOPTION_DAY


def test_workflow_pages_refuse_a_rapporteur(client, minutes, rapporteur):
    minutes.rapporteurs.add(rapporteur)
    client.force_login(rapporteur)
    for name in ("circulate", "adopt", "reopen"):
        url = reverse(f"admin:meetings_minutes_{name}", args=[minutes.pk])
        assert client.post(url, {"on": "2024-05-03", "reason": "x"}).status_code == 403
    minutes.refresh_from_db()
    assert minutes.status == Minutes.Status.DRAFT


def test_revisions_page_and_diff(staff_client, minutes):
    minutes.introduction = "New text."
    minutes.save()
    services.minutes_record_revision(
        minutes=minutes, by=staff_client.user, action="edited"
    )
    base = reverse("admin:meetings_minutes_revisions", args=[minutes.pk])
    diff = reverse("admin:meetings_minutes_revisions_diff", args=[minutes.pk])

    listing = staff_client.get(base)
    assert listing.status_code == 200
    assert [r.number for r in listing.context["revisions"]] == [2, 1]

    response = staff_client.get(diff, {"a": 1, "b": 2})
    assert response.status_code == 200
    # difflib keeps spaces as &nbsp;.
    assert "New&nbsp;text." in response.content.decode()

    assert staff_client.get(diff, {"a": 1, "b": 9}).status_code == 404
    assert staff_client.get(diff, {"a": "x", "b": 2}).status_code == 404


# Rapporteurs.


@pytest.fixture
def other_minutes(secretary):
    session = SessionFactory(title="Other session")
    AgendaItemFactory(session=session, number="1")
    return services.minutes_start(session=session, by=secretary)


def test_rapporteur_sees_only_their_sessions(
    client, minutes, other_minutes, rapporteur
):
    minutes.rapporteurs.add(rapporteur)
    client.force_login(rapporteur)

    response = client.get(reverse("admin:meetings_minutes_changelist"))
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [minutes]

    items = client.get(reverse("admin:meetings_minutesitem_changelist"))
    assert {i.minutes_id for i in items.context["cl"].result_list} == {minutes.pk}

    assert client.get(change_url(minutes)).status_code == 200
    # The admin answers a missing object with a redirect to its index.
    response = client.get(change_url(other_minutes))
    assert response.status_code == 302
    assert response.url == reverse("admin:index")
    other_item = other_minutes.items.first()
    response = client.get(
        reverse("admin:meetings_minutesitem_change", args=[other_item.pk])
    )
    assert response.status_code == 302
    for name in ("preview", "revisions"):
        url = reverse(f"admin:meetings_minutes_{name}", args=[other_minutes.pk])
        assert client.get(url).status_code == 404
    url = reverse("admin:meetings_minutes_revisions_diff", args=[other_minutes.pk])
    assert client.get(url, {"a": 1, "b": 1}).status_code == 404


def test_rapporteur_cannot_post_to_another_session(
    client, minutes, other_minutes, rapporteur
):
    minutes.rapporteurs.add(rapporteur)
    client.force_login(rapporteur)
    other_item = other_minutes.items.first()

    client.post(
        change_url(other_minutes),
        minutes_post_data(other_minutes, introduction="Hijacked."),
    )
    client.post(
        reverse("admin:meetings_minutesitem_change", args=[other_item.pk]),
        {
            "discussion": "Hijacked.",
            "conclusions-TOTAL_FORMS": "1",
            "conclusions-INITIAL_FORMS": "0",
            "conclusions-0-kind": "agreed",
            "conclusions-0-text": "Hijacked.",
            "actions-TOTAL_FORMS": "0",
            "actions-INITIAL_FORMS": "0",
        },
    )

    other_minutes.refresh_from_db()
    other_item.refresh_from_db()
    assert other_minutes.introduction == ""
    assert other_item.discussion == ""
    assert not Conclusion.objects.exists()
    assert other_minutes.revisions.count() == 1


def test_rapporteur_cannot_change_rapporteurs(client, minutes, rapporteur):
    minutes.rapporteurs.add(rapporteur)
    intruder = UserFactory(username="intruder")
    client.force_login(rapporteur)
    data = minutes_post_data(minutes)
    data["rapporteurs"] = [str(intruder.pk)]

    client.post(change_url(minutes), data)

    assert list(minutes.rapporteurs.all()) == [rapporteur]


# Sanitising.


def test_script_in_any_text_never_renders_as_a_tag(staff_client, minutes):
    minutes.introduction = f"Intro {SCRIPT}"
    minutes.save()
    item = minutes.items.first()
    item.discussion = f"Discussion {SCRIPT} <img src=x onerror=alert(1)>"
    item.save()
    Conclusion.objects.create(item=item, kind="noted", text=f"Noted {SCRIPT}")
    ActionItem.objects.create(
        item=item,
        text=f"Act {SCRIPT}",
        responsible_note=SCRIPT,
        progress_note=f"Progress {SCRIPT}",
    )

    response = staff_client.get(
        reverse("admin:meetings_minutes_preview", args=[minutes.pk])
    )

    assert response.status_code == 200
    page = response.content.decode()
    for word in ("Intro", "Discussion", "Noted", "Act", "Progress"):
        assert word in page
    assert "<script>alert" not in page
    assert "onerror" not in page


# Query counts.


def test_minutes_changelist_queries_do_not_grow(staff_client, secretary):
    def make(count):
        for _ in range(count):
            minutes = services.minutes_start(session=SessionFactory(), by=secretary)
            minutes.rapporteurs.add(UserFactory())

    def queries():
        url = reverse("admin:meetings_minutes_changelist")
        with CaptureQueriesContext(connection) as captured:
            response = staff_client.get(url)
        assert response.status_code == 200
        assert response.context["cl"].result_count == Minutes.objects.count()
        return len(captured)

    make(3)
    few = queries()
    make(9)
    assert queries() == few
    assert MinutesRevision.objects.count() == 12
