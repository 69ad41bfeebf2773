"""The benchmark runner behind `make bench` (see bench/README.md).

Creates and migrates a PostgreSQL database, seeds it (`seed_bench`, once per
size), serves the portal with gunicorn on a free loopback port under
production settings (`bench.settings`), drives each scenario with wrk from a
separate process, measures the attendance exports in processes of their
own, and writes bench/results/latest.json and latest.md.

Every figure is put beside a floor measured in the same run, because this
machine is shared and its speed varies from minute to minute: pages beside
`/bench/floor` (one trivial query through the same middleware), exports
beside PostgreSQL's COPY and bare spreadsheet loops over the same rows.

Exits 0 when every scenario ran, whether or not the budgets were met (the
report says which); 1 when a scenario could not run or its answers were
wrong (more than 0.5% unexpected responses, or rows not written).
"""

import argparse
import datetime
import json
import os
import platform
import re
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import asdict, dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
RESULTS = BENCH / "results"
PYTHON = sys.executable
LUA_SCRIPT = BENCH / "lua" / "scenario.lua"
MAX_ERROR_RATE = 0.005
EXPORT_KINDS = ("copy-csv", "app-csv", "bare-openpyxl", "bare-xlsxwriter", "app-xlsx")
MEMORY_LIMIT_ROWS = 10_000
MB = 1024 * 1024

# The budgets of issue 7; each is checked against figures of the same run.
BUDGETS = {
    "registration_vs_floor": 0.35,
    "scan_p95_ms": 50.0,
    "changelist_p50_ms": 200.0,
    "csv_vs_copy": 3.0,
    "xlsx_vs_bare": 1.5,
    "export_growth_mb": 50.0,
}


@dataclass
class Scenario:
    name: str
    kind: str  # get, register or scan
    concurrency: int
    description: str
    path: str = ""
    expect_status: int = 200
    expect_body: str = ""
    expect_location: str = ""
    # Each client waits this long between its requests (wrk's delay()):
    # desks at a human pace rather than as fast as the server answers.
    pace_ms: int = 0
    result: dict = field(default_factory=dict)
    failure: str = ""


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=20, help="seconds each")
    parser.add_argument("--warmup", type=float, default=3, help="seconds each")
    parser.add_argument("--quick", action="store_true", help="5 s runs, 1 export")
    parser.add_argument("--database", default="jwg_bench")
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--meetings", type=int, default=20)
    parser.add_argument("--registrations", type=int, default=20_000)
    parser.add_argument("--attendance-rows", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--worker-class", default="sync")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--export-repeats", type=int, default=5)
    parser.add_argument("--only", help="comma-separated scenario names")
    parser.add_argument("--skip-http", action="store_true")
    parser.add_argument("--skip-exports", action="store_true")
    parser.add_argument("--output", default=str(RESULTS / "latest"))
    args = parser.parse_args(argv)
    if args.quick:
        args.duration, args.warmup, args.export_repeats = 5, 1, 1
    return args


def log(message):
    stamp = datetime.datetime.now().astimezone().strftime("%H:%M:%S")
    print(f"[bench {stamp}] {message}", flush=True)


def manage(*arguments):
    subprocess.run([PYTHON, "manage.py", *arguments], cwd=ROOT, check=True)


def ensure_database(pg_url, name):
    import psycopg2

    connection = psycopg2.connect(f"{pg_url}/postgres")
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            log(f"creating database {name}")
            cursor.execute(f'CREATE DATABASE "{name}"')
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
    connection.close()
    return version


def machine_facts(pg_version, args):
    wrk = subprocess.run(["wrk", "--version"], capture_output=True, text=True)
    import django
    import gunicorn

    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    ).stdout.strip()
    changed = subprocess.run(
        ["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True
    ).stdout.splitlines()
    with open("/proc/meminfo") as meminfo:
        total_kib = int(meminfo.readline().split()[1])
    return {
        "cpu_count": os.cpu_count(),
        "memory_gib": round(total_kib / 1024 / 1024, 1),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "platform": platform.platform(),
        "python": platform.python_version(),
        "django": django.get_version(),
        "gunicorn": gunicorn.__version__,
        "postgresql": pg_version,
        "wrk": (wrk.stdout or wrk.stderr).split("[")[0].strip(),
        "git_commit": commit,
        "uncommitted_files": len(changed),
        "gunicorn_workers": args.workers,
        "gunicorn_worker_class": args.worker_class,
        "gunicorn_threads": args.threads,
    }


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """gunicorn serving the portal under bench.settings, in its own session
    so that stopping it stops its workers too."""

    def __init__(self, args, work):
        self.args = args
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = work / "gunicorn.log"
        self.process = None

    def __enter__(self):
        command = [
            str(Path(PYTHON).parent / "gunicorn"),
            "jwg_portal.wsgi:application",
            f"--bind=127.0.0.1:{self.port}",
            f"--workers={self.args.workers}",
            f"--worker-class={self.args.worker_class}",
            f"--threads={self.args.threads}",
            "--timeout=120",
            "--graceful-timeout=5",
            "--log-level=warning",
        ]
        self.log_file = open(self.log_path, "w")
        self.process = subprocess.Popen(
            command,
            cwd=ROOT,
            stdout=self.log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn stopped; see {self.log_path}")
            try:
                with urllib.request.urlopen(f"{self.base}/healthz", timeout=5) as r:
                    if r.status == 200:
                        return self
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.3)
        raise RuntimeError(f"gunicorn did not answer /healthz; see {self.log_path}")

    def __exit__(self, *exc):
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log_file.close()

    def log_tail(self, lines=30):
        return "\n".join(self.log_path.read_text().splitlines()[-lines:])


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def fetch_csrf(base, path, cookie=""):
    """The CSRF cookie and a form token from a page with a form."""
    opener = urllib.request.build_opener(NoRedirect)
    request = urllib.request.Request(base + path, headers={"Cookie": cookie})
    with opener.open(request, timeout=30) as response:
        body = response.read().decode()
        cookies = SimpleCookie()
        for header in response.headers.get_all("Set-Cookie") or []:
            cookies.load(header)
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body)
    if match is None or "csrftoken" not in cookies:
        raise RuntimeError(f"No CSRF token on {path}")
    return cookies["csrftoken"].value, match.group(1)


def static_is_current(static_root):
    """The collected files (with their manifest, as production serves them)
    are newer than every static source of the project's own."""
    manifest = static_root / "staticfiles.json"
    if not manifest.exists():
        return False
    sources = [ROOT / "static", *ROOT.glob("*/static")]
    newest = max(
        (
            path.stat().st_mtime
            for d in sources
            for path in d.rglob("*")
            if path.is_file()
        ),
        default=0,
    )
    return manifest.stat().st_mtime > newest


# Django, once the database exists and is migrated.


def django_setup():
    import django

    django.setup()


def remove_submissions():
    """Registrations made by earlier runs' POSTs, and their people."""
    from delegates.bench_data import SUBMISSION_EMAIL_DOMAIN
    from delegates.models import Delegate, Registration

    mine = Registration.objects.filter(
        delegate__email__iendswith=SUBMISSION_EMAIL_DOMAIN
    )
    mine.delete()
    Delegate.objects.filter(email__iendswith=SUBMISSION_EMAIL_DOMAIN).delete()


def submissions_count():
    from delegates.bench_data import SUBMISSION_EMAIL_DOMAIN
    from delegates.models import Registration

    return Registration.objects.filter(
        delegate__email__iendswith=SUBMISSION_EMAIL_DOMAIN
    ).count()


def session_cookie(username, *, staff, permission=None):
    """A signed-in session for a bench user, made as the test client's
    force_login makes one (no password, no login form); marked as verified
    by a second factor too, in case the admin asks for one."""
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Permission
    from django.test import Client

    user, _created = get_user_model().objects.update_or_create(
        username=username,
        defaults={
            "is_staff": staff,
            "is_superuser": staff,
            "is_active": True,
            "email": f"{username}@bench.example.org",
            "first_name": "Bench",
            "last_name": username,
        },
    )
    user.set_unusable_password()
    user.save()
    if permission:
        app_label, codename = permission.split(".")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    try:
        from django_otp import DEVICE_ID_SESSION_KEY
        from django_otp.plugins.otp_totp.models import TOTPDevice
    except ImportError:
        pass
    else:
        device, _created = TOTPDevice.objects.get_or_create(
            user=user, name="bench", defaults={"confirmed": True}
        )
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    name = settings.SESSION_COOKIE_NAME
    return f"{name}={client.cookies[name].value}"


def scan_pairs():
    """(session, live badge code) for every approved person who chose a
    session of the meeting under way on a day not yet over, taking the
    sessions in turn so that consecutive scans are at different doors."""
    from itertools import zip_longest

    from delegates.bench_data import sessions_to_scan
    from delegates.models import BadgeCode, Registration

    sessions = sessions_to_scan()
    columns = []
    for session in sessions:
        codes = BadgeCode.objects.filter(
            revoked_at__isnull=True,
            registration__status=Registration.Status.APPROVED,
            registration__sessions=session,
        ).order_by("registration__reference")
        columns.append(
            [(session.pk, code) for code in codes.values_list("code", flat=True)]
        )
    pairs = [pair for row in zip_longest(*columns) for pair in row if pair]
    return sessions, pairs


def reset_scans(sessions):
    from delegates.models import Attendance

    Attendance.objects.filter(session__in=sessions).delete()


def scanned_count(sessions):
    from delegates.models import Attendance

    return Attendance.objects.filter(session__in=sessions).count()


def lua_value(value):
    if isinstance(value, dict):
        items = ", ".join(
            f"[{lua_value(k)}] = {lua_value(v)}" for k, v in value.items()
        )
        return "{" + items + "}"
    if isinstance(value, list | tuple):
        return "{" + ", ".join(lua_value(v) for v in value) + "}"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    return json.dumps(str(value))


def prepare(server, work, run_id):
    """The scenarios, and the data file wrk's script reads."""
    from delegates.bench_data import SUBMISSION_EMAIL_DOMAIN, parts
    from meetings.models import PartyKind

    meetings = parts()
    open_meeting = meetings["open"]
    register_path = f"/meetings/{open_meeting.slug}/register/"
    csrf_cookie, csrf_token = fetch_csrf(server.base, register_path)
    desk_cookie = session_cookie(
        "bench-desk", staff=False, permission="delegates.check_in"
    )
    admin_cookie = session_cookie("bench-secretariat", staff=True)
    scan_sessions, pairs = scan_pairs()
    delegations = list(open_meeting.delegations.values_list("pk", flat=True))
    everyone = set(PartyKind.values)
    register_sessions = [
        session.pk
        for session in open_meeting.sessions.order_by("starts_at", "order")
        if set(session.open_to) == everyone
    ][1:4]
    expiry = open_meeting.end_date + datetime.timedelta(days=3 * 365)
    scenarios = [
        Scenario(
            "floor-c8",
            "get",
            8,
            "Baseline: /bench/floor, one trivial query through the full middleware",
            path="/bench/floor",
            expect_body="ok ",
        ),
        Scenario(
            "floor-c1",
            "get",
            1,
            "Baseline at one client, for the latency of single requests",
            path="/bench/floor",
            expect_body="ok ",
        ),
        Scenario(
            "programme-c8",
            "get",
            8,
            f"Public programme page /meetings/{open_meeting.slug}/",
            path=f"/meetings/{open_meeting.slug}/",
            expect_body=open_meeting.title,
        ),
        Scenario(
            "register-c8",
            "register",
            8,
            "Registration form POST, valid data, a new person each time",
            path=register_path,
            expect_status=302,
            expect_location=f"/meetings/{open_meeting.slug}/register/done/",
        ),
        Scenario(
            "register-c1",
            "register",
            1,
            "The same, one client: beside register-c8, how much the meeting's "
            "lock lets concurrent submissions overlap",
            path=register_path,
            expect_status=302,
            expect_location=f"/meetings/{open_meeting.slug}/register/done/",
        ),
        Scenario(
            "scan-c8",
            "scan",
            8,
            "Check-in desk badge scan (POST), 8 desks back to back",
            path="/checkin/sessions/%d/",
            expect_body='id="scan-result"',
        ),
        Scenario(
            "scan-c16",
            "scan",
            16,
            "Check-in desk badge scan (POST), 16 desks back to back",
            path="/checkin/sessions/%d/",
            expect_body='id="scan-result"',
        ),
        Scenario(
            "scan-c8-paced",
            "scan",
            8,
            "The same, 8 desks each scanning a badge every 0.5 s (16 a second "
            "in all): the latency a person at the door sees, without the queue "
            "that clients sending back to back build",
            path="/checkin/sessions/%d/",
            expect_body='id="scan-result"',
            pace_ms=500,
        ),
        Scenario(
            "scan-c16-paced",
            "scan",
            16,
            "16 desks, each a badge every 0.5 s (32 a second in all)",
            path="/checkin/sessions/%d/",
            expect_body='id="scan-result"',
            pace_ms=500,
        ),
        Scenario(
            "changelist-c1",
            "get",
            1,
            "Admin registrations changelist, all meetings, one secretariat user",
            path="/admin/delegates/registration/",
            expect_body='id="result_list"',
        ),
        Scenario(
            "floor-c8-end",
            "get",
            8,
            "Baseline again at the end, to see how far the machine drifted",
            path="/bench/floor",
            expect_body="ok ",
        ),
    ]
    lua = {}
    for scenario in scenarios:
        entry = {
            "kind": scenario.kind,
            "path": scenario.path,
            "threads": min(2, scenario.concurrency),
            "expect_status": scenario.expect_status,
            "cookie": f"csrftoken={csrf_cookie}",
        }
        if scenario.expect_body:
            entry["expect_body"] = scenario.expect_body
        if scenario.expect_location:
            entry["expect_location"] = scenario.expect_location
        if scenario.pace_ms:
            entry["pace_ms"] = scenario.pace_ms
        if scenario.kind == "register":
            entry |= {
                "csrf_token": csrf_token,
                "delegations": delegations,
                "sessions": register_sessions,
                "run_id": run_id,
                "email_domain": SUBMISSION_EMAIL_DOMAIN,
                "passport_expiry": expiry.isoformat(),
            }
        if scenario.kind == "scan":
            entry |= {
                "csrf_token": csrf_token,
                "cookie": f"{entry['cookie']}; {desk_cookie}",
                "pairs": pairs,
                "outcomes": {
                    "checked_in": "alert-success border-success",
                    "already": "alert-info border-info",
                    "not_for_session": "alert-warning border-warning",
                    "refused": "alert-danger border-danger",
                },
            }
        if scenario.name.startswith("changelist"):
            entry["cookie"] = f"{entry['cookie']}; {admin_cookie}"
        lua[scenario.name] = entry
    data_path = work / "wrk-data.lua"
    data_path.write_text("return " + lua_value({"scenarios": lua}) + "\n")
    return scenarios, data_path, scan_sessions, len(pairs)


def wrk(server, scenario, data_path, seconds, work, label):
    threads = min(2, scenario.concurrency)
    command = [
        "wrk",
        f"-t{threads}",
        f"-c{scenario.concurrency}",
        f"-d{max(1, round(seconds))}s",
        "--timeout=30s",
        "--latency",
        f"-s{LUA_SCRIPT}",
        server.base + "/",
    ]
    env = {
        **os.environ,
        "BENCH_DATA": str(data_path),
        "BENCH_SCENARIO": scenario.name,
        "BENCH_NONCE": f"{label}{time.monotonic_ns()}",
    }
    cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    load = os.getloadavg()[0]
    with DatabaseWaits() as waits:
        completed = subprocess.run(
            command, env=env, capture_output=True, encoding="utf-8", errors="replace"
        )
    cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    (work / f"wrk-{scenario.name}-{label}.txt").write_text(
        completed.stdout + completed.stderr
    )
    line = next(
        (x for x in completed.stdout.splitlines() if x.startswith("BENCH_JSON ")), None
    )
    if completed.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed: {completed.stderr.strip()[-500:]}")
    raw = re.sub(r"-?\bnan\b|-?\binf\b", "0", line.removeprefix("BENCH_JSON "))
    result = json.loads(raw)
    cpu = (cpu_after.ru_utime - cpu_before.ru_utime) + (
        cpu_after.ru_stime - cpu_before.ru_stime
    )
    result["load_generator_cpu_share"] = round(cpu / result["duration_s"], 3)
    result["load_average_1m"] = round(load, 2)
    result["database"] = waits.summary()
    return result


class DatabaseWaits:
    """Samples pg_stat_activity while a scenario runs: how many of the
    portal's connections are busy, and how many of those wait for a lock
    (another transaction's row lock, say) rather than work."""

    INTERVAL = 0.05
    QUERY = (
        "SELECT count(*) FILTER (WHERE state = 'active'), "
        "count(*) FILTER (WHERE state = 'active' AND wait_event_type = 'Lock') "
        "FROM pg_stat_activity "
        "WHERE datname = current_database() AND pid <> pg_backend_pid()"
    )

    def __enter__(self):
        import threading

        import psycopg2

        self.samples = []
        self.stop = threading.Event()
        self.connection = psycopg2.connect(os.environ["DATABASE_URL"])
        self.connection.autocommit = True
        self.thread = threading.Thread(target=self.sample, daemon=True)
        self.thread.start()
        return self

    def sample(self):
        with self.connection.cursor() as cursor:
            while not self.stop.wait(self.INTERVAL):
                cursor.execute(self.QUERY)
                self.samples.append(cursor.fetchone())

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join()
        self.connection.close()

    def summary(self):
        if not self.samples:
            return {}
        active = [a for a, _w in self.samples]
        waiting = [w for _a, w in self.samples]
        return {
            "samples": len(self.samples),
            "active_mean": round(statistics.mean(active), 2),
            "lock_waiting_mean": round(statistics.mean(waiting), 2),
            "lock_waiting_max": max(waiting),
        }


def summarise(scenario, raw):
    requests = raw["requests"]
    checks = raw["checks"]
    unexpected = checks["bad"] + raw["socket_errors"]
    percentiles = raw["latency_ms"]["percentiles"]
    result = {
        "requests": requests,
        "duration_s": round(raw["duration_s"], 2),
        "requests_per_s": round(requests / raw["duration_s"], 1),
        "latency_ms": {
            "p50": round(percentiles["50"], 2),
            "p90": round(percentiles["90"], 2),
            "p95": round(percentiles["95"], 2),
            "p99": round(percentiles["99"], 2),
            "max": round(raw["latency_ms"]["max"], 2),
            "mean": round(raw["latency_ms"]["mean"], 2),
        },
        "unexpected_responses": unexpected,
        "error_rate": round(unexpected / requests, 5) if requests else 1.0,
        "status_counts": {
            "2xx": checks["status_2xx"],
            "3xx": checks["status_3xx"],
            "4xx": checks["status_4xx"],
            "5xx": checks["status_5xx"],
        },
        "socket_errors": raw["socket_errors"],
        "load_generator_cpu_share": raw["load_generator_cpu_share"],
        "load_average_1m": raw["load_average_1m"],
        "database": raw["database"],
    }
    if raw.get("outcomes"):
        result["outcomes"] = raw["outcomes"]
    return result


def run_http(args, work, report):
    run_id = datetime.datetime.now().astimezone().strftime("r%Y%m%d%H%M%S")
    failed = False
    with Server(args, work) as server:
        log(f"gunicorn on {server.base}: {args.workers} x {args.worker_class}")
        scenarios, data_path, scan_sessions, pair_count = prepare(server, work, run_id)
        if args.only:
            wanted = set(args.only.split(","))
            scenarios = [s for s in scenarios if s.name in wanted]
        report["scan_pairs"] = pair_count
        for scenario in scenarios:
            log(f"{scenario.name}: warm-up {args.warmup:g} s, run {args.duration:g} s")
            try:
                wrk(server, scenario, data_path, args.warmup, work, "warmup")
                if scenario.kind == "scan":
                    reset_scans(scan_sessions)
                before = submissions_count() if scenario.kind == "register" else 0
                raw = wrk(server, scenario, data_path, args.duration, work, "run")
                scenario.result = summarise(scenario, raw)
                verify(scenario, raw, before, scan_sessions)
            except Exception as error:  # noqa: BLE001 - reported, and the run fails
                scenario.failure = f"{type(error).__name__}: {error}"
            if scenario.failure:
                failed = True
                log(f"  FAILED: {scenario.failure}")
                log("  gunicorn log tail:\n" + server.log_tail())
            else:
                r = scenario.result
                log(
                    f"  {r['requests_per_s']} req/s, p50 {r['latency_ms']['p50']} ms, "
                    f"p95 {r['latency_ms']['p95']} ms, p99 {r['latency_ms']['p99']} ms"
                )
    report["scenarios"] = [asdict(s) for s in scenarios]
    return failed


def explain(answer):
    """The status, redirect and any form errors of an unexpected answer."""
    head, _newline, body = answer.partition("\n")
    errors = re.findall(
        r'class="(?:errorlist[^"]*|invalid-feedback[^"]*|alert[^"]*)"[^>]*>(.*?)</',
        body,
        flags=re.S,
    )
    text = " | ".join(re.sub(r"<[^>]+>|\s+", " ", e).strip() for e in errors)
    title = re.search(r"<title>(.*?)</title>", body, flags=re.S)
    page = title.group(1).strip() if title else body[:200]
    return f"{head.strip()} [{page}] {text[:600]}".strip()


def verify(scenario, raw, before, scan_sessions):
    """Unexpected answers, and rows the database should now hold."""
    result = scenario.result
    if result["requests"] == 0:
        scenario.failure = "no request completed"
        return
    if result["error_rate"] > MAX_ERROR_RATE:
        scenario.failure = (
            f"{result['unexpected_responses']} of {result['requests']} answers "
            f"unexpected (status {result['status_counts']}); the first: "
            f"{explain(raw.get('first_unexpected', ''))}"
        )
        return
    good = raw["checks"]["good"]
    slack = scenario.concurrency * 2
    if scenario.kind == "register":
        created = submissions_count() - before
        result["rows_created"] = created
        if not good <= created <= good + slack:
            scenario.failure = (
                f"{good} submissions answered as done, {created} registrations written"
            )
    if scenario.kind == "scan":
        outcomes = raw.get("outcomes", {})
        written = scanned_count(scan_sessions)
        result["rows_created"] = written
        checked_in = outcomes.get("checked_in", 0)
        refused = outcomes.get("not_for_session", 0) + outcomes.get("refused", 0)
        if refused:
            scenario.failure = f"{refused} scans refused: the badge list is wrong"
        elif not checked_in <= written <= checked_in + slack:
            scenario.failure = (
                f"{checked_in} scans answered as checked in, {written} records written"
            )


def run_queries(args, report):
    """Queries per request of each scenario (bench.queries), which do not
    depend on how busy the machine is."""
    log("queries per request (bench.queries)")
    command = [PYTHON, "-m", "bench.queries", "--json", "--repeat", "10"]
    command += ["--database", args.database, "--pg", args.pg]
    completed = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    if completed.returncode != 0:
        report["queries_failure"] = completed.stderr.strip()[-800:]
        log(f"  FAILED: {report['queries_failure']}")
        return True
    report["queries"] = json.loads(completed.stdout.strip().splitlines()[-1])
    return False


def run_exports(args, work, report):
    from delegates.bench_data import parts
    from delegates.models import Attendance

    meeting = parts()["export"]
    rows = Attendance.objects.filter(session__meeting=meeting).count()
    report["export_meeting"] = {"slug": meeting.slug, "attendance_rows": rows}
    runs = {kind: [] for kind in EXPORT_KINDS}
    failed = False

    def probe(kind, limit=0):
        output = work / f"export-{kind}-{limit or 'all'}.{kind.split('-')[-1]}"
        command = [PYTHON, "-m", "bench.export_probe", kind, "--meeting", meeting.slug]
        command += ["--output", str(output)]
        if limit:
            command += ["--limit", str(limit)]
        completed = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
        if completed.returncode != 0:
            raise RuntimeError(f"{kind}: {completed.stderr.strip()[-800:]}")
        result = json.loads(completed.stdout.strip().splitlines()[-1])
        result["rss_growth_mb"] = round(
            max(0, result["rss_peak_kib"] - result["rss_before_kib"]) / 1024, 1
        )
        output.unlink(missing_ok=True)
        return result

    try:
        for repeat in range(args.export_repeats):
            for kind in EXPORT_KINDS:
                log(f"export {kind} ({repeat + 1}/{args.export_repeats}), {rows} rows")
                runs[kind].append(probe(kind))
        small = {}
        for kind in ("app-csv", "app-xlsx"):
            log(f"export {kind}, first {MEMORY_LIMIT_ROWS} rows (memory growth)")
            small[kind] = probe(kind, MEMORY_LIMIT_ROWS)
    except RuntimeError as error:
        log(f"  FAILED: {error}")
        report["exports_failure"] = str(error)
        return True
    exports = {}
    for kind, results in runs.items():
        exports[kind] = {
            "rows": results[0]["rows"],
            "seconds_median": round(
                statistics.median(r["seconds"] for r in results), 3
            ),
            "seconds_all": [round(r["seconds"], 3) for r in results],
            "bytes": results[0]["bytes"],
            "rss_growth_mb_max": max(r["rss_growth_mb"] for r in results),
            "rows_per_s": round(
                results[0]["rows"] / statistics.median(r["seconds"] for r in results)
            ),
        }
    for kind, result in small.items():
        exports[f"{kind}-{MEMORY_LIMIT_ROWS}"] = {
            "rows": result["rows"],
            "seconds_median": round(result["seconds"], 3),
            "seconds_all": [round(result["seconds"], 3)],
            "bytes": result["bytes"],
            "rss_growth_mb_max": result["rss_growth_mb"],
            "rows_per_s": round(result["rows"] / result["seconds"]),
        }
    report["exports"] = exports
    return failed


def budgets(report):
    """Each budget with the figure measured, the ratio to its floor, and
    whether it was met; None where the figures are missing."""
    by_name = {s["name"]: s for s in report.get("scenarios", []) if not s["failure"]}
    exports = report.get("exports", {})
    lines = []

    def add(name, measured, budget, met, floor=None, ratio=None, note=""):
        lines.append(
            {
                "budget": name,
                "measured": measured,
                "limit": budget,
                "floor": floor,
                "ratio_to_floor": ratio,
                "met": met,
                "note": note,
            }
        )

    floors = [by_name[n] for n in ("floor-c8", "floor-c8-end") if n in by_name]
    floor_rps = (
        statistics.mean(f["result"]["requests_per_s"] for f in floors)
        if floors
        else None
    )
    if floor_rps and "register-c8" in by_name:
        rps = by_name["register-c8"]["result"]["requests_per_s"]
        ratio = round(rps / floor_rps, 3)
        add(
            "Registration POST throughput ≥ 35% of the floor's (8 clients)",
            f"{rps} req/s",
            "≥ 0.35 x floor",
            ratio >= BUDGETS["registration_vs_floor"],
            f"{floor_rps:.1f} req/s",
            ratio,
        )
    floor_c8_p95 = by_name.get("floor-c8", {}).get("result", {}).get("latency_ms", {})
    scans = (
        ("scan-c8", "8 desks back to back", True),
        ("scan-c16", "16 desks back to back", False),
        ("scan-c8-paced", "8 desks, a scan each 0.5 s", False),
        ("scan-c16-paced", "16 desks, a scan each 0.5 s", False),
    )
    for name, how, budgeted in scans:
        if name in by_name:
            p95 = by_name[name]["result"]["latency_ms"]["p95"]
            floor_p95 = floor_c8_p95.get("p95")
            add(
                f"Check-in scan p95 < 50 ms ({how})",
                f"{p95} ms",
                "< 50 ms" if budgeted else "reported",
                p95 < BUDGETS["scan_p95_ms"] if budgeted else None,
                f"{floor_p95} ms (floor p95, 8 clients)" if floor_p95 else None,
                round(p95 / floor_p95, 2) if floor_p95 else None,
            )
    if "changelist-c1" in by_name:
        p50 = by_name["changelist-c1"]["result"]["latency_ms"]["p50"]
        floor_p50 = by_name.get("floor-c1", {}).get("result", {}).get("latency_ms", {})
        floor_p50 = floor_p50.get("p50")
        add(
            "Admin changelist median < 200 ms (one user)",
            f"{p50} ms",
            "< 200 ms",
            p50 < BUDGETS["changelist_p50_ms"],
            f"{floor_p50} ms (floor p50, 1 client)" if floor_p50 else None,
            round(p50 / floor_p50, 1) if floor_p50 else None,
        )
    if "app-csv" in exports and "copy-csv" in exports:
        app = exports["app-csv"]["seconds_median"]
        copy = exports["copy-csv"]["seconds_median"]
        ratio = round(app / copy, 2)
        add(
            "Attendance CSV export within 3x of COPY",
            f"{app} s",
            "≤ 3 x COPY",
            ratio <= BUDGETS["csv_vs_copy"],
            f"{copy} s (COPY)",
            ratio,
        )
    bare_kinds = ("bare-openpyxl", "bare-xlsxwriter")
    if "app-xlsx" in exports and all(k in exports for k in bare_kinds):
        bare = [exports[k]["seconds_median"] for k in bare_kinds]
        app = exports["app-xlsx"]["seconds_median"]
        fastest = min(bare)
        which = "openpyxl" if bare[0] <= bare[1] else "xlsxwriter"
        ratio = round(app / fastest, 2)
        add(
            "Attendance XLSX export within 1.5x of the faster bare loop",
            f"{app} s",
            "≤ 1.5 x bare",
            ratio <= BUDGETS["xlsx_vs_bare"],
            f"{fastest} s (bare {which})",
            ratio,
        )
    for kind in ("app-csv", "app-xlsx"):
        if kind in exports:
            growth = exports[kind]["rss_growth_mb_max"]
            small = exports.get(f"{kind}-{MEMORY_LIMIT_ROWS}", {}).get(
                "rss_growth_mb_max"
            )
            add(
                f"{kind.removeprefix('app-').upper()} export memory growth < 50 MB "
                f"({exports[kind]['rows']} rows)",
                f"{growth} MB",
                "< 50 MB",
                growth < BUDGETS["export_growth_mb"],
                None,
                None,
                f"{small} MB at {MEMORY_LIMIT_ROWS} rows" if small is not None else "",
            )
    return lines


def write_report(report, output):
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.with_suffix(".json").write_text(
        json.dumps(report, indent=2, default=str) + "\n"
    )
    output.with_suffix(".md").write_text(markdown(report))


def drift(report):
    """How far the floor moved between the start and the end of the run."""
    rates = {
        s["name"]: s["result"]["requests_per_s"]
        for s in report.get("scenarios", [])
        if s["name"] in ("floor-c8", "floor-c8-end") and not s["failure"]
    }
    if len(rates) < 2:
        return "not measured"
    start, end = rates["floor-c8"], rates["floor-c8-end"]
    return f"{start} req/s at the start, {end} at the end ({end / start - 1:+.0%})"


def markdown(report):
    machine = report["machine"]
    lines = [
        "# JWG Portal benchmark",
        "",
        f"Run {report['started_at']} ({report['mode']}), "
        f"{report['duration_s']} s per scenario after {report['warmup_s']} s warm-up; "
        f"took {report.get('took_s', '?')} s.",
        "",
        "## Machine",
        "",
        f"- {machine['cpu_count']} CPUs, {machine['memory_gib']} GiB; load average at "
        f"start {machine['load_average_at_start']}, at end "
        f"{report.get('load_average_at_end')}",
        f"- {machine['platform']}; Python {machine['python']}, Django "
        f"{machine['django']}, PostgreSQL {machine['postgresql']}, {machine['wrk']}",
        f"- gunicorn {machine['gunicorn']}: {machine['gunicorn_workers']} "
        f"{machine['gunicorn_worker_class']} workers x {machine['gunicorn_threads']} "
        "thread(s); wrk on loopback from its own process (2 threads)",
        f"- commit {machine['git_commit']} with {machine['uncommitted_files']} "
        "uncommitted file(s)",
        f"- data: {report['sizes']}",
        f"- floor drift: {drift(report)}",
        "",
        "## Budgets",
        "",
        "| Budget | Measured | Limit | Floor (same run) | Ratio to floor | Result |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for b in report.get("budgets", []):
        verdict = {True: "met", False: "**missed**", None: "reported"}[b["met"]]
        note = f" ({b['note']})" if b["note"] else ""
        lines.append(
            f"| {b['budget']} | {b['measured']}{note} | {b['limit']} | "
            f"{b['floor'] or '—'} | {b['ratio_to_floor'] or '—'} | {verdict} |"
        )
    lines += [
        "",
        "## HTTP scenarios",
        "",
        "| Scenario | Clients | req/s | x floor | p50 ms | p95 ms | p99 ms | max ms | "
        "Unexpected | DB busy | DB lock-waiting | Load 1m | wrk CPU |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- "
        "| --- |",
    ]
    floors = {
        s["name"]: s["result"]["requests_per_s"]
        for s in report.get("scenarios", [])
        if s["name"].startswith("floor") and not s["failure"]
    }
    for s in report.get("scenarios", []):
        # Each beside the floor at its own number of clients (one, or many).
        floor_rps = floors.get("floor-c1") if s["concurrency"] == 1 else None
        floor_rps = floor_rps or report.get("floor_rps")
        r = s["result"]
        if s["failure"] or not r:
            lines.append(
                f"| {s['name']} | {s['concurrency']} | FAILED: {s['failure']} |"
            )
            continue
        ratio = f"{r['requests_per_s'] / floor_rps:.2f}" if floor_rps else "—"
        lat = r["latency_ms"]
        db = r.get("database") or {}
        lines.append(
            f"| {s['name']} | {s['concurrency']} | {r['requests_per_s']} | {ratio} | "
            f"{lat['p50']} | {lat['p95']} | {lat['p99']} | {lat['max']} | "
            f"{r['unexpected_responses']} of {r['requests']} | "
            f"{db.get('active_mean', '—')} | {db.get('lock_waiting_mean', '—')} | "
            f"{r['load_average_1m']} | {r['load_generator_cpu_share']:.0%} |"
        )
    lines += [
        "",
        "DB busy and DB lock-waiting: the mean number of the portal's database "
        "connections running a query, and of those waiting for another "
        "transaction's lock, sampled every 50 ms during the run.",
        "",
    ]
    for s in report.get("scenarios", []):
        extra = []
        if "outcomes" in s["result"]:
            extra.append(f"outcomes {s['result']['outcomes']}")
        if "rows_created" in s["result"]:
            extra.append(f"rows written {s['result']['rows_created']}")
        lines.append(
            f"- **{s['name']}**: {s['description']}"
            + (f"; {', '.join(extra)}" if extra else "")
        )
    if report.get("queries"):
        lines += [
            "",
            "## Queries per request",
            "",
            "Each scenario's request once more through Django's test client, "
            "in-process (bench/queries.py): the count does not depend on the "
            "machine's load; the times do. The slowest query of each is in "
            "latest.json.",
            "",
            "| Scenario | Status | Queries | SQL ms | Request ms | Python CPU ms |",
            "| --- | --- | --- | --- | --- | --- |",
        ]
        for q in report["queries"]:
            lines.append(
                f"| {q['scenario']} | {q['status']} | {q['queries']} | "
                f"{q['sql_ms']} | {q['request_ms_median']} | "
                f"{q['python_cpu_ms_median']} |"
            )
    exports = report.get("exports")
    if exports:
        meeting = report["export_meeting"]
        lines += [
            "",
            "## Attendance exports",
            "",
            f"Attendance by session of {meeting['slug']} ({meeting['attendance_rows']} "
            "records), each measurement in a process of its own; median of "
            f"{report['export_repeats']}.",
            "",
            "| Export | Rows | Seconds (median) | All runs | Rows/s | Size "
            "| RSS growth |",
            "| --- | --- | --- | --- | --- | --- | --- |",
        ]
        for kind, e in exports.items():
            lines.append(
                f"| {kind} | {e['rows']} | {e['seconds_median']} | "
                f"{', '.join(map(str, e['seconds_all']))} | {e['rows_per_s']} | "
                f"{e['bytes'] / MB:.1f} MB | {e['rss_growth_mb_max']} MB |"
            )
    if report.get("exports_failure"):
        lines += ["", f"Exports FAILED: {report['exports_failure']}"]
    lines += [
        "",
        "Floors: `floor` is /bench/floor (bench/urls.py), one trivial query through "
        "every middleware; `copy-csv` is PostgreSQL `COPY (the report's query) TO "
        "STDOUT WITH CSV`; `bare-openpyxl` and `bare-xlsxwriter` write the report's "
        "rows, prepared as tuples beforehand, in write-only / constant-memory mode.",
        "",
    ]
    return "\n".join(lines)


def main(argv=None):
    args = parse_args(argv)
    started = time.monotonic()
    work = RESULTS / "tmp"
    work.mkdir(parents=True, exist_ok=True)
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    os.environ["DATABASE_URL"] = f"{args.pg}/{args.database}"
    os.environ["BENCH_WORK_DIR"] = str(work)
    sys.path.insert(0, str(ROOT))
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: apt-get install -y wrk")
    redis = urllib.parse.urlsplit(
        os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/15")
    )
    try:
        socket.create_connection((redis.hostname, redis.port or 6379), 5).close()
    except OSError:
        sys.exit(f"Redis is not answering at {redis.netloc} (BENCH_REDIS_URL).")
    try:
        pg_version = ensure_database(args.pg, args.database)
    except Exception as error:  # noqa: BLE001 - psycopg2's errors, said plainly
        sys.exit(f"PostgreSQL at {args.pg}: {error}")
    log("migrate")
    manage("migrate", "--noinput", "-v0")
    if not static_is_current(work / "static"):
        log("collectstatic")
        manage("collectstatic", "--noinput", "-v0")
    django_setup()
    from delegates import bench_data

    sizes = bench_data.Sizes(args.meetings, args.registrations, args.attendance_rows)
    state = bench_data.seed_state(sizes)
    if state != "current":
        log(f"seed_bench ({sizes.marker()}), data {state}")
        reset = ["--reset"] if state == "stale" else []
        manage(
            "seed_bench",
            f"--meetings={sizes.meetings}",
            f"--registrations={sizes.registrations}",
            f"--attendance-rows={sizes.attendance_rows}",
            *reset,
        )
    remove_submissions()
    report = {
        "started_at": datetime.datetime.now()
        .astimezone()
        .isoformat(timespec="seconds"),
        "mode": "quick" if args.quick else "full",
        "duration_s": args.duration,
        "warmup_s": args.warmup,
        "export_repeats": args.export_repeats,
        "sizes": asdict(sizes),
        "machine": machine_facts(pg_version, args),
        "budget_limits": BUDGETS,
    }
    from django.db import connection

    failed = False
    if not args.skip_http:
        failed |= run_http(args, work, report)
        floors = [
            s["result"]["requests_per_s"]
            for s in report["scenarios"]
            if s["name"] in ("floor-c8", "floor-c8-end") and not s["failure"]
        ]
        report["floor_rps"] = round(statistics.mean(floors), 1) if floors else None
        # Leave the data as seeded, for the next run and for bench.queries.
        remove_submissions()
        reset_scans(scan_pairs()[0])
    if not args.skip_http:
        failed |= run_queries(args, report)
    connection.close()
    if not args.skip_exports:
        failed |= run_exports(args, work, report)
    report["budgets"] = budgets(report)
    report["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    report["took_s"] = round(time.monotonic() - started)
    report["failed"] = failed
    write_report(report, args.output)
    log(f"report: {Path(args.output).with_suffix('.md')}")
    for b in report["budgets"]:
        verdict = {True: "met", False: "MISSED", None: "reported"}[b["met"]]
        ratio = b["ratio_to_floor"]
        log(f"  {verdict:8} {b['budget']}: {b['measured']} (ratio {ratio})")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
