"""`seed_bench` writes the benchmarks' data set at the sizes asked, within
the rules the services keep, and only once."""

import datetime
import io

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.models import Count, F, Q
from django.utils import timezone

from delegates import bench_data
from delegates.demo import loader
from delegates.models import (
    Attendance,
    BadgeCode,
    Delegate,
    Registration,
    RegistrationEvent,
)
from meetings.models import Meeting

pytestmark = pytest.mark.django_db

SIZES = {"meetings": 4, "registrations": 240, "attendance_rows": 400}
Status = Registration.Status


def seed(**sizes):
    out = io.StringIO()
    call_command("seed_bench", **{**SIZES, **sizes}, stdout=out)
    return out.getvalue()


def bench_registrations():
    return Registration.objects.filter(meeting__slug__startswith="jwg-bench-")


def test_seed_writes_the_sizes_asked_and_gives_each_meeting_its_part():
    output = seed()

    assert "seeded (meetings=4 registrations=240 attendance_rows=400)" in output
    assert bench_data.bench_meetings().count() == 4
    assert bench_registrations().count() == 240
    parts = bench_data.parts()
    today = timezone.localdate()
    assert parts["open"].registration_state() == "open"
    assert parts["open"].start_date > today
    assert parts["current"].start_date < today <= parts["current"].end_date
    assert parts["export"].end_date < today
    export_rows = Attendance.objects.filter(session__meeting=parts["export"]).count()
    assert export_rows >= 400
    # The export meeting is the largest; the others share the rest.
    per_meeting = dict(
        bench_registrations().values_list("meeting__slug").annotate(Count("pk"))
    )
    assert max(per_meeting, key=per_meeting.get) == parts["export"].slug
    others = {n for slug, n in per_meeting.items() if slug != parts["export"].slug}
    assert max(others) - min(others) <= 1


def test_seeded_rows_keep_the_rules_the_services_keep():
    seed()
    registrations = bench_registrations()

    assert not registrations.exclude(delegation__meeting=F("meeting")).exists()
    assert not Registration.sessions.through.objects.exclude(
        session__meeting=F("registration__meeting")
    ).exists()
    # Attendance only for approved people, at sessions they chose.
    attendance = Attendance.objects.filter(registration__in=registrations)
    assert attendance.exists()
    assert not attendance.exclude(registration__status=Status.APPROVED).exists()
    chosen = set(
        Registration.sessions.through.objects.values_list(
            "registration_id", "session_id"
        )
    )
    assert set(attendance.values_list("registration_id", "session_id")) <= chosen
    # One live badge per approved registration, none for anyone else.
    live = BadgeCode.objects.filter(revoked_at__isnull=True)
    approved = registrations.filter(status=Status.APPROVED)
    assert live.count() == approved.count()
    assert set(live.values_list("registration_id", flat=True)) == set(
        approved.values_list("pk", flat=True)
    )
    assert BadgeCode.objects.filter(revoked_at__isnull=False).exists()
    # A Head of Delegation per delegation, and the same person at most once
    # in a meeting.
    heads = registrations.filter(role="head", status__in=[Status.PENDING, "approved"])
    assert heads.count() == heads.values("delegation").distinct().count()
    assert (
        registrations.values("meeting", "delegate").distinct().count()
        == registrations.count()
    )


def test_seeded_data_are_varied_like_a_real_portal():
    seed()
    registrations = bench_registrations()

    statuses = set(registrations.values_list("status", flat=True))
    assert statuses == set(Status.values)
    # People come back from one meeting to the next.
    assert Delegate.objects.annotate(n=Count("registrations")).filter(n__gt=1).exists()
    # Submitted over the registration window, not all at the seeding moment.
    assert registrations.values("created_at").distinct().count() > 100
    assert not registrations.filter(
        Q(created_at__lt=F("meeting__registration_opens_at"))
        | Q(created_at__gt=timezone.now())
    ).exists()
    assert RegistrationEvent.objects.filter(action="submitted").count() == 240
    assert set(Attendance.objects.values_list("status", flat=True)) == set(
        Attendance.Status.values
    )


def test_passports_are_encrypted_at_rest_even_when_written_in_bulk():
    seed()
    holder = Delegate.objects.exclude(passport_number="").first()

    assert holder.passport_number.startswith("P")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT passport_number FROM delegates_delegate WHERE id = %s", [holder.pk]
        )
        (stored,) = cursor.fetchone()
    assert stored.startswith("fernet:")
    assert holder.passport_number not in stored


def test_the_sessions_left_for_the_desk_have_no_attendance_yet():
    seed()
    sessions = bench_data.sessions_to_scan()

    assert sessions
    assert not Attendance.objects.filter(session__in=sessions).exists()
    # The days already over do have their records.
    current = bench_data.parts()["current"]
    assert Attendance.objects.filter(session__meeting=current).exists()


def test_a_second_run_with_the_same_sizes_writes_nothing():
    seed()
    before = (bench_registrations().count(), Attendance.objects.count())

    output = seed()

    assert "already seeded" in output
    assert (bench_registrations().count(), Attendance.objects.count()) == before


def test_other_sizes_are_refused_without_reset_and_replace_the_data_with_it():
    seed()
    with pytest.raises(CommandError, match="--reset"):
        seed(registrations=200)
    assert bench_registrations().count() == 240

    seed(registrations=200, reset=True)

    assert bench_registrations().count() == 200
    assert bench_data.seeded_sizes() == bench_data.Sizes(4, 200, 400)
    # Nobody left over from the first data set.
    assert not Delegate.objects.filter(
        email__endswith=bench_data.EMAIL_DOMAIN, registrations__isnull=True
    ).exists()


def test_a_closed_registration_window_makes_the_data_stale():
    seed()
    sizes = bench_data.Sizes(**SIZES)
    assert bench_data.seed_state(sizes) == "current"

    with time_machine.travel(timezone.now() + datetime.timedelta(days=60)):
        assert bench_data.seed_state(sizes) == "stale"


def test_sizes_that_cannot_be_met_are_refused_and_nothing_is_written():
    with pytest.raises(CommandError, match="--registrations"):
        seed(registrations=100, attendance_rows=5000)
    with pytest.raises(CommandError, match="at least 3 meetings"):
        seed(meetings=2)

    assert not bench_data.bench_meetings().exists()
    assert not Delegate.objects.exists()


def test_the_demo_and_the_benchmark_data_live_side_by_side():
    loader.load_demo()
    demo = set(Meeting.objects.values_list("slug", flat=True))

    seed()

    assert demo <= set(Meeting.objects.values_list("slug", flat=True))
    assert Meeting.objects.get(slug="jwg-11").registrations.count() > 0
    bench_data.reset()
    assert set(Meeting.objects.values_list("slug", flat=True)) == demo
