"""What each benchmarked request asks of the database, measured in-process.

    python -m bench.queries [--database jwg_bench] [--repeat 5] [--explain]
        [--profile SCENARIO]

Runs each scenario's request through Django's test client against the
benchmark database (seeded by `make bench`), under bench.settings, and
prints the number of queries, their total time and the request's time, with
the slowest queries; `--explain` adds PostgreSQL's plan for each of those,
`--profile` a cProfile of one scenario. Query counts do not depend on how
busy the machine is, so they explain what the timings alone cannot.
"""

import argparse
import cProfile
import datetime
import io
import json
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def scenarios():
    """name -> function(client, i) making the request, as wrk makes it."""
    from bench.run import scan_pairs
    from delegates.bench_data import SUBMISSION_EMAIL_DOMAIN, parts
    from meetings.models import PartyKind

    meetings = parts()
    open_meeting = meetings["open"]
    delegations = list(open_meeting.delegations.values_list("pk", flat=True))
    everyone = set(PartyKind.values)
    sessions = [
        s.pk
        for s in open_meeting.sessions.order_by("starts_at", "order")
        if set(s.open_to) == everyone
    ][1:4]
    expiry = open_meeting.end_date + datetime.timedelta(days=3 * 365)
    stamp = time.monotonic_ns()
    _scan_sessions, pairs = scan_pairs()

    def register(client, i):
        data = {
            "delegation": delegations[i % len(delegations)],
            "role": "delegate",
            "honorific": "Ms",
            "given_name": "Bench",
            "family_name": f"Profile {i}",
            "position": "Geologist",
            "agency": "Department of Mineral and Geoscience",
            "email": f"q{stamp}-{i}@{SUBMISSION_EMAIL_DOMAIN}",
            "phone": "+60 3 1234 5678",
            "nationality": "MYS",
            "preferred_language": "en",
            "sessions": sessions,
            "consent_publish": "on",
            "consent_privacy": "on",
        }
        if i % 5 == 0:
            data |= {
                "needs_visa_letter": "on",
                "passport_number": f"X{i:07d}",
                "passport_expiry": expiry.isoformat(),
                "passport_country": "MYS",
            }
        return client.post(f"/meetings/{open_meeting.slug}/register/", data)

    def scan(client, i):
        session, code = pairs[i % len(pairs)]
        return client.post(f"/checkin/sessions/{session}/", {"code": code})

    return {
        "floor": ("anonymous", lambda c, i: c.get("/bench/floor")),
        "programme": (
            "anonymous",
            lambda c, i: c.get(f"/meetings/{open_meeting.slug}/"),
        ),
        "register": ("anonymous", register),
        "scan": ("desk", scan),
        "changelist": (
            "secretariat",
            lambda c, i: c.get("/admin/delegates/registration/"),
        ),
    }


def clients():
    """Anonymous, and signed in as the desk and the secretariat, the way the
    load generator is: with the session cookie bench.run makes."""
    from django.test import Client

    from bench.run import session_cookie

    made = {"anonymous": Client(HTTP_HOST="127.0.0.1")}
    for name, username, staff, permission in (
        ("desk", "bench-desk", False, "delegates.check_in"),
        ("secretariat", "bench-secretariat", True, None),
    ):
        client = Client(HTTP_HOST="127.0.0.1")
        client.cookies.load(
            session_cookie(username, staff=staff, permission=permission)
        )
        made[name] = client
    return made


def measure(name, who, make, client, repeat, explain):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    runs = []
    for i in range(repeat):
        with CaptureQueriesContext(connection) as captured:
            started, cpu = time.perf_counter(), time.process_time()
            response = make(client, i)
            wall = (time.perf_counter() - started) * 1000
            cpu = (time.process_time() - cpu) * 1000
        queries = captured.captured_queries
        runs.append((wall, cpu, response.status_code, queries))
    walls = [run[0] for run in runs]
    _wall, _cpu, status, queries = runs[-1]
    slowest = sorted(queries, key=lambda q: float(q["time"]), reverse=True)[:3]
    result = {
        "scenario": name,
        "user": who,
        "status": status,
        "queries": len(queries),
        "sql_ms": round(sum(float(q["time"]) for q in queries) * 1000, 1),
        "request_ms_median": round(statistics.median(walls), 1),
        # This process's CPU alone: less moved by other processes than the
        # wall clock, and without the database server's share.
        "python_cpu_ms_median": round(statistics.median(run[1] for run in runs), 1),
        "all": [q["sql"][:160] for q in queries],
        "slowest": [
            {"ms": round(float(q["time"]) * 1000, 1), "sql": q["sql"][:400]}
            for q in slowest
        ],
    }
    if explain:
        with connection.cursor() as cursor:
            for query in result["slowest"]:
                full = next(q["sql"] for q in slowest if q["sql"][:400] == query["sql"])
                if not full.lstrip().upper().startswith("SELECT"):
                    continue
                cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {full}")
                query["plan"] = [row[0] for row in cursor.fetchall()]
    return result


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default="jwg_bench")
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--explain", action="store_true")
    parser.add_argument("--profile", help="a scenario to run under cProfile")
    parser.add_argument("--all", action="store_true", help="list every query")
    parser.add_argument("--json", action="store_true", help="JSON, one line")
    args = parser.parse_args(argv)
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    os.environ["DATABASE_URL"] = f"{args.pg}/{args.database}"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from bench.run import remove_submissions, reset_scans, scan_pairs

    made = clients()
    results = []
    for name, (who, make) in scenarios().items():
        results.append(measure(name, who, make, made[who], args.repeat, args.explain))
        if args.profile == name:
            # After the measured requests, so start-up work is not in it.
            profiler = cProfile.Profile()
            profiler.runcall(make, made[who], 10_000)
            out = io.StringIO()
            stats = pstats.Stats(profiler, stream=out)
            stats.sort_stats("tottime").print_stats(25)
            stats.sort_stats("cumulative").print_stats(40)
            print(out.getvalue())
    remove_submissions()
    reset_scans(scan_pairs()[0])
    if args.json:
        print(json.dumps(results))
        return
    for r in results:
        print(
            f"{r['scenario']:<11} {r['status']}  {r['queries']:>3} queries  "
            f"sql {r['sql_ms']:>7} ms  request {r['request_ms_median']:>7} ms  "
            f"python cpu {r['python_cpu_ms_median']:>6} ms"
        )
        for sql in r["all"] if args.all else ():
            print(f"      - {sql}")
        for q in r["slowest"]:
            print(f"    {q['ms']:>7} ms  {q['sql'][:300]}")
            for line in q.get("plan", [])[:12]:
                print(f"              {line}")


if __name__ == "__main__":
    main()
