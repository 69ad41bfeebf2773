"""The Report of the Meeting, each format read back: title, place and dates,
the attendance sentence, the records of the agenda items, conclusions,
actions, matters arising from the body's earlier meeting, the adoption line
and the annex; the export_report command; queries that do not grow with the
items."""

import datetime
import io

import docx
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from pypdf import PdfReader

from delegates.models import ActionItemParty, Delegation
from delegates.reports import REPORTS
from delegates.reports.meeting_report import markdown_blocks
from meetings.models import (
    ActionItem,
    AgendaItem,
    Conclusion,
    Minutes,
    MinutesItem,
    Session,
)
from tests.factories import (
    AgendaItemFactory,
    BodyFactory,
    DelegateFactory,
    MeetingFactory,
    RegistrationFactory,
    SessionFactory,
)

from .test_wording import AMS_2024, attend, make_parties

pytestmark = pytest.mark.django_db

ATTENDANCE = (
    "The Meeting was attended by all ASEAN Member States except Viet Nam, and by IGF."
)


def record(session, number, title, discussion, *, status=Minutes.Status.DRAFT):
    minutes, _created = Minutes.objects.get_or_create(
        session=session,
        defaults={
            "status": status,
            "adopted_on": (
                datetime.date(2024, 5, 3)
                if status in Minutes.ADOPTED_STATUSES
                else None
            ),
        },
    )
    agenda_item = AgendaItemFactory(session=session, number=number, title=title)
    return MinutesItem.objects.create(
        minutes=minutes, agenda_item=agenda_item, discussion=discussion
    )


class Report:
    """The 11th JWG: a JWG session and a WGTIM session, with records; the
    10th JWG left an action open, which comes back as a matter arising."""

    def __init__(self, *, status=Minutes.Status.DRAFT):
        self.parties = make_parties()
        jwg_body = BodyFactory(acronym="JWG", name="Joint Working Group")
        older = MeetingFactory(
            body=jwg_body,
            slug="jwg-10",
            number=10,
            title="10th JWG",
            start_date=datetime.date(2023, 5, 8),
            end_date=datetime.date(2023, 5, 12),
        )
        old_item = record(
            SessionFactory(meeting=older, body=jwg_body), "3", "AMIS", "Old."
        )
        self.arising = ActionItem.objects.create(
            item=old_item, text="Complete the AMIS roadmap", responsible_note="ASEC"
        )
        ActionItem.objects.create(
            item=old_item, text="A finished task", status=ActionItem.Status.DONE
        )
        self.meeting = MeetingFactory(
            body=jwg_body, slug="jwg-11", number=11, title="11th JWG"
        )
        self.jwg = SessionFactory(
            meeting=self.meeting, body=jwg_body, title="Joint Working Group"
        )
        self.wgtim = SessionFactory(
            meeting=self.meeting,
            body=BodyFactory(acronym="WGTIM", name="WGTIM"),
            title="Working Group on Trade and Investment",
            starts_at=self.jwg.starts_at + datetime.timedelta(days=1),
            ends_at=self.jwg.ends_at + datetime.timedelta(days=1),
        )
        for code in [*AMS_2024[:-1], "IGF"]:
            attend(self.jwg, self.parties[code])
        item = record(
            self.jwg,
            "4",
            "AMCAP-IV drafting",
            "The Meeting discussed **AMCAP-IV**.\n\n- concrete activities\n"
            "- measurable targets",
            status=status,
        )
        Conclusion.objects.create(
            item=item, kind=Conclusion.Kind.AGREED, text="to draft AMCAP-IV by 2025."
        )
        Conclusion.objects.create(
            item=item, kind=Conclusion.Kind.NOTED, text="the progress of AMIS.", order=1
        )
        action = ActionItem.objects.create(
            item=item,
            text="Circulate the AMCAP-IV outline",
            responsible_note="with Indonesia",
            due_date=datetime.date(2024, 7, 31),
        )
        action.responsible_bodies.add(jwg_body)
        ActionItemParty.objects.create(action_item=action, party=self.parties["ASEC"])
        self.unsafe = record(
            self.jwg,
            "5",
            "Any other business <b>& more</b>",
            "A rapporteur typed `<script>` and a < b.\n\n"
            "<script>alert('x')</script>Kept.",
        )
        record(self.wgtim, "2", "Trade statistics", "WGTIM reviewed trade data.")
        delegation, _created = Delegation.objects.get_or_create(
            meeting=self.meeting, party=self.parties["IDN"]
        )
        RegistrationFactory(
            delegation=delegation,
            consent_publish=True,
            delegate=DelegateFactory(given_name="Hendra", family_name="Wibisono"),
        )
        RegistrationFactory(
            delegation=delegation,
            consent_publish=False,
            delegate=DelegateFactory(given_name="Hidden", family_name="Person"),
        )


@pytest.fixture
def report():
    return Report()


def write(meeting, fmt, **options):
    stream = io.BytesIO()
    REPORTS["report"](meeting, **options).write(fmt, stream)
    return stream.getvalue()


def pdf_text(data):
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    return " ".join(text.split())


def docx_text(data):
    document = docx.Document(io.BytesIO(data))
    parts = [paragraph.text for paragraph in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts += [cell.text for cell in row.cells]
    for section in document.sections:
        parts += [paragraph.text for paragraph in section.header.paragraphs]
    return " ".join(" ".join(parts).split())


def text_of(meeting, fmt, **options):
    data = write(meeting, fmt, **options)
    return pdf_text(data) if fmt == "pdf" else docx_text(data)


def test_the_report_is_registered_for_those_who_may_read_minutes():
    report_class = REPORTS["report"]
    assert report_class.formats == ("pdf", "docx")
    assert report_class.permission == "meetings.view_minutes"


@pytest.mark.parametrize("fmt", ["pdf", "docx"])
def test_the_report_says_what_the_meeting_did(report, fmt):
    text = text_of(report.meeting, fmt)
    assert "Report of the 11th JWG" in text
    assert "Conference Hall, Kuta, Bali, Indonesia, 29 April – 3 May 2024" in text
    assert ATTENDANCE in text
    assert "4. AMCAP-IV drafting" in text
    assert "The Meeting discussed AMCAP-IV." in text
    assert "• concrete activities" in text
    assert "4.1 The Meeting agreed to draft AMCAP-IV by 2025." in text
    assert "4.2 The Meeting noted the progress of AMIS." in text
    assert "Circulate the AMCAP-IV outline" in text
    assert "JWG; ASEC; with Indonesia" in text
    assert "31 July 2024" in text
    # The other session, in order.
    assert text.index("Joint Working Group") < text.index("2. Trade statistics")
    assert "WGTIM reviewed trade data." in text


@pytest.mark.parametrize("fmt", ["pdf", "docx"])
def test_open_actions_of_the_bodys_earlier_meeting_are_matters_arising(report, fmt):
    text = text_of(report.meeting, fmt)
    assert "Matters arising" in text
    assert "Complete the AMIS roadmap" in text
    assert "decided at the 10th JWG, agenda item 3" in text
    assert "A finished task" not in text
    # Once, not again for the WGTIM, which has no earlier meeting.
    assert text.count("Matters arising") == 1


@pytest.mark.parametrize("fmt", ["pdf", "docx"])
def test_the_annex_lists_the_published_participants_only(report, fmt):
    text = text_of(report.meeting, fmt)
    annex = text[text.index("Annex: List of Participants") :]
    assert "INDONESIA" in annex
    assert "Hendra Wibisono" in annex
    assert "Hidden" not in text


@pytest.mark.parametrize("fmt", ["pdf", "docx"])
def test_what_users_typed_is_printed_as_text(report, fmt):
    text = text_of(report.meeting, fmt)
    assert "5. Any other business <b>& more</b>" in text
    assert "A rapporteur typed <script> and a < b." in text
    # A raw script is removed, as on the portal's pages; the rest is kept.
    assert "alert" not in text
    assert "Kept." in text


def test_markdown_lists_become_bulleted_and_numbered_paragraphs():
    assert markdown_blocks("Intro\n\n- a\n- b\n\n1. x\n2. y") == [
        "Intro",
        "• a",
        "• b",
        "1. x",
        "2. y",
    ]


@pytest.mark.parametrize("fmt", ["pdf", "docx"])
def test_a_draft_says_so_on_every_page(report, fmt):
    data = write(report.meeting, fmt)
    if fmt == "pdf":
        pages = PdfReader(io.BytesIO(data)).pages
        assert len(pages) > 1
        for page in pages:
            assert "Draft — not adopted" in page.extract_text()
    else:
        document = docx.Document(io.BytesIO(data))
        assert document.sections[0].header.paragraphs[0].text == ("Draft — not adopted")
    assert "Adopted on" not in (pdf_text(data) if fmt == "pdf" else docx_text(data))


@pytest.mark.parametrize("fmt", ["pdf", "docx"])
def test_adopted_minutes_carry_their_date_and_no_draft_mark(fmt):
    report = Report()
    Minutes.objects.filter(session__meeting=report.meeting).update(
        status=Minutes.Status.ADOPTED, adopted_on=datetime.date(2024, 5, 3)
    )
    Minutes.objects.filter(session=report.wgtim).update(
        status=Minutes.Status.ADOPTED_AD_REFERENDUM
    )
    text = text_of(report.meeting, fmt)
    assert "Adopted on 3 May 2024" in text
    assert "Adopted ad referendum on 3 May 2024" in text
    assert "Draft" not in text


@pytest.mark.parametrize("fmt", ["pdf", "docx"])
def test_a_session_report_leaves_out_the_other_sessions(report, fmt):
    text = text_of(report.meeting, fmt, session=report.wgtim.pk)
    assert "Report of the Working Group on Trade and Investment" in text
    assert "Kuta, Bali, Indonesia, 30 April 2024" in text
    assert "2. Trade statistics" in text
    assert "AMCAP-IV" not in text
    assert "Complete the AMIS roadmap" not in text
    assert "No attendance was recorded for the WGTIM Meeting." in text


def test_a_session_of_another_meeting_is_refused(report):
    other = SessionFactory()
    with pytest.raises(Session.DoesNotExist):
        write(report.meeting, "pdf", session=other.pk)


def test_an_unknown_format_is_refused(report):
    with pytest.raises(ValueError, match="xlsx"):
        write(report.meeting, "xlsx")


def test_the_command_writes_both_formats(report, tmp_path):
    pdf, word = tmp_path / "report.pdf", tmp_path / "report.docx"
    call_command("export_report", "jwg-11", "--format", "pdf", "--output", str(pdf))
    call_command(
        "export_report",
        "jwg-11",
        "--format",
        "docx",
        "--output",
        str(word),
        "--session",
        str(report.jwg.pk),
    )
    assert ATTENDANCE in pdf_text(pdf.read_bytes())
    word_text = docx_text(word.read_bytes())
    assert "Report of the Joint Working Group" in word_text
    assert "Trade statistics" not in word_text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["jwg-99"], "No meeting has the slug 'jwg-99'. Known: jwg-11, jwg-10."),
        (["jwg-11", "--format", "xlsx"], "cannot be written as 'xlsx'"),
        (["jwg-11", "--session", "999999"], "jwg-11 has no session 999999."),
    ],
)
def test_the_command_refuses_cleanly(report, tmp_path, args, message):
    output = tmp_path / "out.pdf"
    with pytest.raises(CommandError, match=message.replace(".", r"\.")):
        call_command("export_report", *args, "--output", str(output))
    assert not output.exists()
    assert list(tmp_path.iterdir()) == []


def queries_for(meeting, fmt):
    with CaptureQueriesContext(connection) as context:
        write(meeting, fmt)
    return len(context.captured_queries)


def add_items(report, start, count):
    for number in range(start, start + count):
        item = record(report.jwg, str(number), f"Item {number}", "Discussed.")
        Conclusion.objects.create(item=item, kind=Conclusion.Kind.AGREED, text="so.")
        action = ActionItem.objects.create(item=item, text=f"Do {number}")
        action.responsible_bodies.add(report.jwg.body)
        ActionItemParty.objects.create(action_item=action, party=report.parties["MYS"])


@pytest.mark.parametrize("fmt", ["pdf", "docx"])
def test_queries_do_not_grow_with_the_items(report, fmt):
    add_items(report, 10, 2)
    few = queries_for(report.meeting, fmt)
    add_items(report, 12, 6)
    records = AgendaItem.objects.filter(session=report.jwg, record__isnull=False)
    assert records.count() == 10
    assert queries_for(report.meeting, fmt) == few
