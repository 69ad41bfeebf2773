"""Quotas and capacities hold when decisions and submissions race.

Each test starts its threads together at a barrier and repeats the race a few
rounds. They run on both databases. On PostgreSQL they test the services'
row locks (SELECT ... FOR UPDATE of the meeting, then of the registration),
and that no two transactions deadlock. On SQLite, transactions begin
IMMEDIATE and so take the database's write lock one at a time; there the
same tests hold the services to doing each rule's reads and writes inside
one transaction.
"""

import threading
import time

import pytest
from django.db import OperationalError, connection, transaction

from delegates import services
from delegates.models import Registration
from tests.factories import (
    DelegateFactory,
    DelegationFactory,
    PartyFactory,
    RegistrationFactory,
    SessionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)
Status = Registration.Status
ROUNDS = 5


def patiently(call):
    """Call, waiting while SQLite is locked by another thread.

    The test database on SQLite is shared in memory, and there a second
    writer is told "locked" at once, where a database file (as in use) waits
    up to its timeout. A refused call has rolled back, so calling it again is
    what the timeout would have done.
    """
    deadline = time.monotonic() + 30
    while True:
        try:
            return call()
        except OperationalError as error:
            if (
                connection.vendor != "sqlite"
                or "locked" not in str(error)
                or time.monotonic() > deadline
            ):
                raise
        time.sleep(0.002)


def race(*calls):
    """Run each call in its own thread, all released at once.

    Returns each call's result or the RegistrationError it raised (a refusal
    is a fair outcome of a race); any other exception fails the test.
    """
    barrier = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)
    failures = []

    def run(index, call):
        try:
            barrier.wait(timeout=10)
            outcomes[index] = patiently(call)
        except services.RegistrationError as refusal:
            outcomes[index] = refusal
        except BaseException as error:  # noqa: BLE001 - re-raised below
            failures.append(error)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=run, args=(index, call))
        for index, call in enumerate(calls)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a thread hung"
    if failures:
        raise failures[0]
    return outcomes


def approve(registration, by):
    return lambda: services.registration_decide(
        registration=registration, to_status=Status.APPROVED, by=by
    )


@pytest.fixture
def staff():
    return UserFactory(is_staff=True)


def approved_in(delegation):
    return delegation.registrations.filter(status=Status.APPROVED).count()


@pytest.mark.parametrize("contenders", [2, 4])
def test_racing_approvals_never_pass_the_delegation_quota(meeting, staff, contenders):
    for _round in range(ROUNDS):
        delegation = DelegationFactory(meeting=meeting, quota=1)
        registrations = RegistrationFactory.create_batch(
            contenders, delegation=delegation, status=Status.PENDING
        )
        outcomes = race(*(approve(r, staff) for r in registrations))
        assert approved_in(delegation) == 1
        assert (
            delegation.registrations.filter(status=Status.WAITLISTED).count()
            == contenders - 1
        )
        assert sum(result.waitlisted_instead for result in outcomes) == contenders - 1


def test_racing_approvals_never_pass_a_session_capacity(meeting, staff):
    for _round in range(ROUNDS):
        session = SessionFactory(meeting=meeting, capacity=1)
        registrations = [
            RegistrationFactory(
                delegation=DelegationFactory(meeting=meeting),
                status=Status.PENDING,
            )
            for _party in range(3)
        ]
        for registration in registrations:
            registration.sessions.add(session)
        race(*(approve(r, staff) for r in registrations))
        statuses = sorted(
            Registration.objects.filter(sessions=session).values_list(
                "status", flat=True
            )
        )
        assert statuses == [Status.APPROVED, Status.WAITLISTED, Status.WAITLISTED]


def test_racing_submissions_draw_distinct_references(meeting):
    session = SessionFactory(meeting=meeting)
    for round_number in range(ROUNDS):
        delegation = DelegationFactory(
            meeting=meeting, party=PartyFactory(code=f"RACE{round_number}")
        )

        def submit(n, delegation=delegation):
            return lambda: services.registration_submit(
                meeting=meeting,
                delegation=delegation,
                delegate_data={
                    "family_name": f"Racer{n}",
                    "email": f"racer{n}@{delegation.party.code.lower()}.example",
                },
                registration_data={"role": Registration.Role.DELEGATE},
                sessions=[session],
                enforce_window=False,
            )

        outcomes = race(*(submit(n) for n in range(4)))
        assert all(isinstance(r, Registration) for r in outcomes), outcomes
        prefix = f"JWG{meeting.number}-RACE{round_number}-"
        assert sorted(delegation.registrations.values_list("reference", flat=True)) == [
            f"{prefix}{n:03d}" for n in range(1, 5)
        ]


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite has one write lock for the whole database",
)
def test_a_submission_does_not_wait_for_the_meetings_lock(meeting):
    delegation = DelegationFactory(meeting=meeting)
    session = SessionFactory(meeting=meeting)
    locked, release = threading.Event(), threading.Event()

    def hold_the_meeting():
        with transaction.atomic():
            services.lock_meeting(meeting.pk)
            locked.set()
            release.wait(timeout=30)

    holder = threading.Thread(target=lambda: (hold_the_meeting(), connection.close()))
    holder.start()
    try:
        assert locked.wait(timeout=10)
        with connection.cursor() as cursor:
            # Waiting for the meeting's row would fail at once, not hang.
            cursor.execute("SET lock_timeout = '2s'")
        registration = services.registration_submit(
            meeting=meeting,
            delegation=delegation,
            delegate_data={"family_name": "Early", "email": "early@example.org"},
            registration_data={"role": Registration.Role.DELEGATE},
            sessions=[session],
            enforce_window=False,
        )
        assert holder.is_alive()
    finally:
        release.set()
        holder.join(timeout=30)
        with connection.cursor() as cursor:
            cursor.execute("RESET lock_timeout")
    assert registration.reference == f"JWG{meeting.number}-{delegation.party.code}-001"


def test_the_same_person_submitting_twice_at_once_gets_one_registration(meeting):
    delegation = DelegationFactory(meeting=meeting)
    session = SessionFactory(meeting=meeting)

    def submit():
        return services.registration_submit(
            meeting=meeting,
            delegation=delegation,
            delegate_data={"family_name": "Twice", "email": "twice@example.org"},
            registration_data={"role": Registration.Role.DELEGATE},
            sessions=[session],
            enforce_window=False,
        )

    outcomes = race(submit, submit)
    assert sorted(type(outcome).__name__ for outcome in outcomes) == [
        "DuplicateRegistration",
        "Registration",
    ]
    assert delegation.registrations.count() == 1


def test_a_withdrawal_racing_approvals_keeps_the_quota(meeting, staff):
    for _round in range(ROUNDS):
        delegation = DelegationFactory(meeting=meeting, quota=1)
        leaving = RegistrationFactory(delegation=delegation, status=Status.APPROVED)
        waiting = RegistrationFactory(delegation=delegation, status=Status.WAITLISTED)
        newcomer = RegistrationFactory(delegation=delegation, status=Status.PENDING)
        race(
            lambda leaving=leaving: services.registration_withdraw(
                registration=leaving
            ),
            approve(waiting, staff),
            approve(newcomer, staff),
        )
        leaving.refresh_from_db()
        assert leaving.status == Status.WITHDRAWN
        # The freed place is taken, once.
        assert approved_in(delegation) == 1


def test_a_rejection_racing_approvals_in_other_delegations_keeps_every_quota(
    meeting, staff
):
    """A freed place may be promoted to any delegation's waitlist, which
    must not lock its way into a deadlock with approvals elsewhere."""
    for _round in range(ROUNDS):
        first = DelegationFactory(meeting=meeting, quota=1)
        second = DelegationFactory(meeting=meeting, quota=1)
        session = SessionFactory(meeting=meeting, capacity=2)
        rejected = RegistrationFactory(delegation=first, status=Status.APPROVED)
        others = [
            RegistrationFactory(delegation=second, status=Status.APPROVED),
            RegistrationFactory(delegation=first, status=Status.WAITLISTED),
            RegistrationFactory(delegation=second, status=Status.WAITLISTED),
            RegistrationFactory(delegation=first, status=Status.PENDING),
            RegistrationFactory(delegation=second, status=Status.PENDING),
        ]
        for registration in (rejected, *others):
            registration.sessions.add(session)
        race(
            lambda rejected=rejected: services.registration_decide(
                registration=rejected,
                to_status=Status.REJECTED,
                by=staff,
                reason="Not nominated.",
            ),
            *(approve(registration, staff) for registration in others[1:]),
        )
        assert approved_in(first) == 1
        assert approved_in(second) == 1
        assert session.registrations.filter(status=Status.APPROVED).count() == 2


def test_race_helper_reports_a_failure_in_a_thread():
    def broken():
        raise ZeroDivisionError

    with pytest.raises(ZeroDivisionError):
        race(broken, lambda: DelegateFactory.build())


def test_a_new_head_racing_approvals_in_the_delegation(meeting, staff):
    """The focal point names a new Head of Delegation while the secretariat
    approves both the new and the former head."""
    for _round in range(ROUNDS * 2):
        delegation = DelegationFactory(meeting=meeting, quota=3)
        former = RegistrationFactory(
            delegation=delegation, status=Status.PENDING, role=Registration.Role.HEAD
        )
        new = RegistrationFactory(delegation=delegation, status=Status.PENDING)
        race(
            lambda new=new: services.registration_set_head(registration=new, by=staff),
            approve(new, staff),
            approve(former, staff),
        )
        former.refresh_from_db()
        new.refresh_from_db()
        assert (former.role, new.role) == (Registration.Role.ALTERNATE, "head")
        assert approved_in(delegation) == 2
