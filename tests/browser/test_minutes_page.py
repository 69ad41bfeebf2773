"""The circulated minutes' read-only page, as a head of delegation opens it."""

import pytest

from meetings import services
from meetings.models import Conclusion, Minutes
from tests.factories import AgendaItemFactory, SessionFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_circulated_minutes_page_passes_axe(live_server, page, axe):
    secretary = UserFactory(username="secretary", is_superuser=True, is_staff=True)
    session = SessionFactory(title="Joint Working Group")
    AgendaItemFactory(session=session, number="3", order=1, title="AMCAP-IV")
    minutes = services.minutes_start(session=session, by=secretary)
    item = minutes.items.get()
    item.discussion = "The Meeting discussed **AMCAP-IV**:\n\n- measurable\n- concrete"
    item.save()
    Conclusion.objects.create(
        item=item, kind=Conclusion.Kind.AGREED, text="to draft AMCAP-IV"
    )
    services.minutes_circulate(
        minutes=minutes, by=secretary, recipients=["head@example.org"]
    )
    minutes = Minutes.objects.get(pk=minutes.pk)
    page.goto(f"{live_server.url}/minutes/{minutes.read_token}/")
    assert "AMCAP-IV" in page.content()
    assert page.locator("strong", has_text="AMCAP-IV").count() == 1
    axe(page)
