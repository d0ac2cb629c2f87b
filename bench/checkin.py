"""The check-in benchmark: QR check-ins per second through gunicorn, against two floors.

    bash scripts/with_postgres.sh .venv/bin/python bench/checkin.py --seed   # this part alone
    (and as part of bench/run.py, i.e. make bench and make bench-quick)

What it does, all on 127.0.0.1 and on the PostgreSQL of ``DATABASE_URL``:

1. Prepares, in bulk, a community under the demo street with ``--persons`` residents, each with
   an account and an API token, a campaign over it, a lecture open now, and a staff account.
2. Starts gunicorn with the deployment settings (``config.settings.production``: DEBUG off,
   throwaway secrets) extended by the bare view (``bench.bare``), sync workers, and fetches the
   session's current code from ``GET /api/v1/sessions/{id}/qr-token`` as the staff account.
3. Drives ``POST /api/v1/sessions/{id}/checkin`` with wrk (``bench/checkin.lua``) for
   ``--seconds``: every request another person's token, so every request is a first check-in;
   the code follows the 30-second windows. Reports check-ins per second, p50 and p99, and any
   response that is not 2xx.
4. The same load (connections, duration, a small JSON POST) against the bare view, which inserts
   one row with the ORM and nothing else: what Django reaches on this stack.
5. pgbench with a one-insert script on the same table, with as many clients as gunicorn has
   workers (the app's connections): what PostgreSQL reaches on this machine.
6. Checks that the attendances (and their audit entries) written equal the 2xx responses with
   ``"created": true``, and the bare rows the bare view's 2xx responses.

Every loop is bounded in time (wrk's and pgbench's duration, timeouts on every wait) and in
count (the keys prepared; a run that exhausts them fails).
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import resource
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime, timedelta
from datetime import timezone as dt_timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from tongxin.accounts.models import ApiToken, Role, User  # noqa: E402
from tongxin.accounts.services import account_create, api_token_issue, role_grant  # noqa: E402
from tongxin.campaigns.services import campaign_create  # noqa: E402
from tongxin.core.audit import AuditAction  # noqa: E402
from tongxin.core.bulk_insert import insert_instances, insert_rows  # noqa: E402
from tongxin.core.chinese import name_initials  # noqa: E402
from tongxin.core.models import AuditEntry  # noqa: E402
from tongxin.learning.checkin_codes import WINDOW_SECONDS, make_code, window_of  # noqa: E402
from tongxin.learning.models import Attendance, CoverageEntry, Session, SessionKind  # noqa: E402
from tongxin.learning.services.sessions import session_create  # noqa: E402
from tongxin.orgs.models import Org, OrgKind  # noqa: E402
from tongxin.orgs.services import org_build, org_bulk_create, org_create  # noqa: E402
from tongxin.people.models import Person  # noqa: E402

COMMUNITY_CODE = "BLP-CK"
COMMUNITY_NAME = "签到测评社区"
GRIDS = 6
STAFF_USERNAME = "bench_checkin_staff"
LUA = ROOT / "bench" / "checkin.lua"
SERVER_SETTINGS = "bench.bare.settings"
BARE_PATH = "/bench/bare/insert"
SURNAMES = "王李张刘赵杨陈包孙于马吴高徐周白郭韩"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰凤"

# Defaults: a lecture's thousand people many times over, and enough keys for 2,000 check-ins a
# second over the whole run, so that no run of this machine can exhaust them.
SECONDS = 20
WARM_SECONDS = 3
CONNECTIONS = 16
PERSONS = 50_000


@dataclass
class Prepared:
    community: Org
    session: Session
    staff_key: str
    keys_path: Path
    codes_path: Path
    persons: int


def log(message: str, *, step: str = "check-in") -> None:
    print(f"{step}: {message}", flush=True)


def ensure_checkin_community(*, street: Org, code: str = COMMUNITY_CODE, name: str = COMMUNITY_NAME) -> Org:
    """The benchmark's community under ``street`` with its grids (created once, through the org
    services); ``code`` and ``name`` give another benchmark a community of its own."""
    community = Org.objects.filter(code=code).first()
    if community is not None:
        return community
    community = org_create(by=None, code=code, name=name, kind=OrgKind.COMMUNITY, parent=street)
    org_bulk_create(by=None, orgs=[
        org_build(code=f"{code}-G{g}", name=f"{name.removesuffix('社区')}第{'一二三四五六七八九十'[g - 1]}网格",
                  kind=OrgKind.GRID, parent=community)
        for g in range(1, GRIDS + 1)
    ])
    return community


def ensure_people(community: Org, count: int) -> list[int]:
    """Ids of ``count`` accounts of residents of ``community``, creating what is missing.

    Bulk inserts, not the services: the residents are the load, not the subject of the
    benchmark, and 50,000 of them take seconds this way. Accounts have no usable password.
    """
    grids = list(Org.objects.filter(parent=community, kind=OrgKind.GRID).order_by("code"))
    have = list(User.objects.filter(person__org__parent=community).order_by("id").values_list("id", flat=True))
    missing = count - len(have)
    if missing > 0:
        start = len(have)
        persons = []
        for i in range(start, start + missing):
            name = (SURNAMES[i % len(SURNAMES)] + GIVEN[(i // len(SURNAMES)) % len(GIVEN)]
                    + GIVEN[i % 7 * 3 % len(GIVEN)])
            grid = grids[i % len(grids)]
            persons.append(Person(name=name, name_initials=name_initials(name), org=grid, org_path=grid.path))
        insert_instances(Person, persons)
        users = [User(username=f"ck{person.pk}", password="!bench", person_id=person.pk) for person in persons]
        insert_instances(User, users)
        have += [user.pk for user in users]
    return have[:count]


def issue_keys(user_ids: list[int], path: Path) -> None:
    """A fresh API token for each account (the old ones of these accounts are dropped), one key a
    line in ``path``, in the order of ``user_ids``."""
    ApiToken.objects.filter(user_id__in=user_ids).delete()
    keys = [secrets.token_urlsafe(32) for _ in user_ids]
    expires = timezone.now() + timedelta(days=1)
    insert_rows(ApiToken, ["user", "key_hash", "expires_at"],
                ((uid, ApiToken.hash_key(key), expires) for uid, key in zip(user_ids, keys)))
    path.write_text("\n".join(keys) + "\n", encoding="ascii")


def prepare(*, street: Org, persons: int, workdir: Path) -> Prepared:
    started = time.perf_counter()
    community = ensure_checkin_community(street=street)
    staff = User.objects.filter(username=STAFF_USERNAME).first()
    if staff is None:
        staff = account_create(by=None, username=STAFF_USERNAME, password=secrets.token_urlsafe(24) + "a1")
    role_grant(by=None, user=staff, role=Role.COMMUNITY_WORKER, org=community)
    user_ids = ensure_people(community, persons)
    # A campaign of this run over the community, made after its residents, so that each of them
    # is in its target (with a coverage row) and every check-in does the campaign's bookkeeping.
    today = timezone.localdate()
    campaign = campaign_create(by=staff, name=f"签到测评主题教育{timezone.localtime():%Y%m%d%H%M%S}",
                               starts_on=today - timedelta(days=7), ends_on=today + timedelta(days=30),
                               scope=community, targets_members=True, targets_residents=True)
    now = timezone.now()
    session = session_create(by=staff, org=community, kind=SessionKind.LECTURE, topic="千人大讲堂（签到测评）",
                             starts_at=now - timedelta(minutes=5), ends_at=now + timedelta(hours=2),
                             place="社区党群服务中心", campaign=campaign)
    keys_path = workdir / "keys.txt"
    issue_keys(user_ids, keys_path)
    log(f"{len(user_ids):,} residents with accounts and tokens in {community.name}, session {session.pk}, "
        f"prepared in {time.perf_counter() - started:.1f} s")
    return Prepared(community=community, session=session, staff_key=api_token_issue(user=staff),
                    keys_path=keys_path, codes_path=workdir / "codes.txt", persons=len(user_ids))


def write_codes(session: Session, path: Path, seconds: float) -> None:
    """The codes of the windows from now until ``seconds`` from now (the screen's, computed here)."""
    first = window_of(timezone.now())
    last = first + int(seconds // WINDOW_SECONDS) + 2
    lines = [f"{w} {make_code(session, now=datetime.fromtimestamp(w * WINDOW_SECONDS, tz=dt_timezone.utc))}"
             for w in range(first, last + 1)]
    path.write_text("\n".join(lines) + "\n", encoding="ascii")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_env() -> dict[str, str]:
    env = dict(os.environ)
    env.update({
        "DJANGO_SETTINGS_MODULE": SERVER_SETTINGS,
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
        # The same data key as the data was loaded with, as the deployment that loaded it.
        "TONGXIN_DATA_KEY": settings.TONGXIN_DATA_KEY or base64.b64encode(secrets.token_bytes(32)).decode(),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_LOG_LEVEL": "WARNING",
        "TONGXIN_TRUSTED_PROXIES": "1",  # nginx
        "PYTHONPATH": str(ROOT),
    })
    return env


def http(method: str, url: str, *, headers: dict[str, str] | None = None, body: bytes | None = None,
         timeout: float = 5) -> tuple[int, bytes]:
    request = urllib.request.Request(url, method=method, data=body,
                                     headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": "10.8.0.1",
                                              **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


class Server:
    """gunicorn on a free port of 127.0.0.1, stopped (and waited for) on exit. The app is loaded
    once in the master (``--preload``), as the README deploys it: a worker that dies is replaced
    by a fork in a moment, not by a new start of Django."""

    def __init__(self, *, workers: int, log_path: Path):
        self.workers = workers
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> "Server":
        command = [sys.executable, "-m", "gunicorn", "config.wsgi:application", "--bind", f"127.0.0.1:{self.port}",
                   "--workers", str(self.workers), "--worker-class", "sync", "--backlog", "2048", "--preload",
                   "--timeout", "30", "--log-level", "warning", "--error-logfile", str(self.log_path)]
        # The app's own log lines (a traceback of a 500) go to the same file as gunicorn's.
        self.output = open(self.log_path, "ab")
        self.process = subprocess.Popen(command, cwd=ROOT, env=server_env(), stdout=self.output,
                                        stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn stopped ({self.process.returncode}):\n{self.log_tail()}")
            try:
                status, _ = http("GET", f"{self.base}/healthz", timeout=2)
                if status == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.2)
        self.__exit__(None, None, None)
        raise RuntimeError(f"gunicorn did not answer within 60 s:\n{self.log_tail()}")

    def __exit__(self, *exc) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        if getattr(self, "output", None):
            self.output.close()

    def log_tail(self) -> str:
        try:
            return "\n".join(self.log_path.read_text(encoding="utf-8", errors="replace").splitlines()[-30:])
        except OSError:
            return ""


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _proc_stat(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text[text.rindex(")") + 2:].split()  # the fields after the command name


def tree_cpu_seconds(root: int) -> float:
    """CPU time of a process and its living children, plus that of the children it has reaped
    (PostgreSQL's backends come and go; the postmaster reaps them)."""
    total = 0.0
    stat = _proc_stat(root)
    if stat is None:
        return 0.0
    # Fields (from the state, counted from 0): 11 utime, 12 stime, 13 cutime, 14 cstime.
    total += sum(int(v) for v in stat[11:15])
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != root:
            child = _proc_stat(int(entry.name))
            if child is not None and int(child[1]) == root:
                total += int(child[11]) + int(child[12])
    return total / CLOCK_TICKS


def children_of(parent: int) -> list[int]:
    return [int(entry.name) for entry in Path("/proc").iterdir()
            if entry.name.isdigit() and (stat := _proc_stat(int(entry.name))) is not None and int(stat[1]) == parent]


def peak_rss_mb(pid: int) -> float:
    """The most memory the process has held at once (its high-water mark, VmHWM)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def postmaster_pid() -> int | None:
    """The PostgreSQL server's process, if it runs on this machine and we may read its files."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SHOW data_directory")
            data_directory = cursor.fetchone()[0]
        return int((Path(data_directory) / "postmaster.pid").read_text().split()[0])
    except Exception:  # a remote server, or its files out of reach: no CPU figures for it
        return None


class CpuMeter:
    """CPU seconds spent by the app server, the database server and wrk over a run. Contention
    from other work on the machine lowers the rates but hardly the CPU a request costs."""

    def __init__(self, server_pid: int, db_pid: int | None):
        self.server_pid, self.db_pid = server_pid, db_pid

    def sample(self) -> tuple[float, float, float]:
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        return (tree_cpu_seconds(self.server_pid), tree_cpu_seconds(self.db_pid) if self.db_pid else 0.0,
                children.ru_utime + children.ru_stime)


def run_wrk(url: str, *, mode: str, seconds: float, connections: int, threads: int = 1, keys: Path | None = None,
            first: int = 0, count: int = 0, codes: Path | None = None) -> dict:
    """One wrk run with ``bench/checkin.lua``; its counts and latencies (µs) as a dict."""
    command = ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{seconds:g}s", "--timeout", "10s",
               "-s", str(LUA), url, "--", mode, str(keys or "-"), str(first), str(count), str(codes or "-"),
               str(threads)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60)
    line = next((line for line in done.stdout.splitlines() if line.startswith("WRK_RESULT ")), None)
    if done.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    result = json.loads(line.partition(" ")[2])
    result["rate"] = result["ok2xx"] / (result["duration_us"] / 1e6)
    # Made but not answered: in flight when wrk stopped (the server may still have served them).
    result["unanswered"] = max(0, result["sent"] - result["ok2xx"] - result["other"])
    result["socket_errors"] = (result["connect_errors"] + result["read_errors"] + result["write_errors"]
                               + result["timeouts"])
    return result


def run_pgbench(*, clients: int, seconds: float, workdir: Path) -> float:
    """Transactions per second of pgbench inserting one row into the bare table."""
    script = workdir / "insert.sql"
    script.write_text("\\set n random(1, 1000000000)\n"
                      "INSERT INTO bench_bare_row (n, created_at) VALUES (:n, now());\n", encoding="ascii")
    db = settings.DATABASES["default"]
    conninfo = (f"host={db['HOST'] or '127.0.0.1'} port={db['PORT'] or 5432} dbname={db['NAME']} "
                f"user={db['USER']}")
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]
    command = ["pgbench", "-n", "-M", "prepared", "-c", str(clients), "-j", "1", "-T", str(int(seconds)),
               "-f", str(script), conninfo]
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60, env=env)
    tps = next((line for line in done.stdout.splitlines() if line.startswith("tps = ")), None)
    if done.returncode != 0 or tps is None:
        raise RuntimeError(f"pgbench failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return float(tps.split()[2])


def migrate_bare() -> None:
    done = subprocess.run([sys.executable, "manage.py", "migrate", "bench_bare", "--noinput", "-v0"], cwd=ROOT,
                          env=server_env(), capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        raise RuntimeError(f"migrate bench_bare failed:\n{done.stdout}\n{done.stderr}")


def settle() -> None:
    """VACUUM ANALYZE the tables the preparation filled or emptied, as a database in use would be
    (and so that autovacuum does not do it in the middle of the run)."""
    models = (Person, User, ApiToken, Session, Attendance, CoverageEntry, AuditEntry)
    tables = [model._meta.db_table for model in models] + ["bench_bare_row"]
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"VACUUM ANALYZE {connection.ops.quote_name(table)}")


def bare_rows() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM bench_bare_row")
        return cursor.fetchone()[0]


def default_workers() -> int:
    return 2 * (os.cpu_count() or 1) + 1


def bench_checkin(street: Org, *, seconds: float = SECONDS, connections: int = CONNECTIONS,
                  workers: int | None = None, persons: int = PERSONS, warm_seconds: float = WARM_SECONDS,
                  pgbench_seconds: float | None = None) -> dict[str, float]:
    """Run the check-in benchmark under ``street``; the figures for bench/run.py's table."""
    if connection.vendor != "postgresql":
        raise RuntimeError("The check-in benchmark runs on PostgreSQL (DATABASE_URL), like a deployment.")
    for tool in ("wrk", "pgbench"):
        if shutil.which(tool) is None:
            raise RuntimeError(f"{tool} is missing: run scripts/ensure_system_packages.sh (make system-packages)")
    workers = workers or default_workers()
    results: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="tongxin-checkin-") as tmp:
        workdir = Path(tmp)
        prepared = prepare(street=street, persons=persons, workdir=workdir)
        session = prepared.session
        write_codes(session, prepared.codes_path, warm_seconds * 2 + seconds + 60)
        migrate_bare()
        settle()
        db_pid = postmaster_pid()
        connection.close()  # hold no connection while the server works
        with Server(workers=workers, log_path=workdir / "gunicorn.log") as server:
            status, body = http("GET", f"{server.base}/api/v1/sessions/{session.pk}/qr-token",
                                headers={"Authorization": f"Bearer {prepared.staff_key}"})
            if status != 200:
                raise RuntimeError(f"qr-token answered {status}: {body[:300]!r}")
            token = json.loads(body)["token"]
            current = {line.split()[1] for line in prepared.codes_path.read_text(encoding="ascii").splitlines()}
            if token not in current:
                raise RuntimeError("the code of the QR screen is not among the codes computed for the run")
            log(f"gunicorn: {workers} sync workers on {server.base}; code {token.partition('.')[0]}.…; "
                f"wrk: {connections} connections, {seconds:g} s")

            url = f"{server.base}/api/v1/sessions/{session.pk}/checkin"
            # Enough keys for 2,000 check-ins a second; the main run gets all the rest.
            warm_keys = min(int(warm_seconds * 2000), prepared.persons // 5)
            warm = run_wrk(url, mode="checkin", seconds=warm_seconds, connections=connections,
                           keys=prepared.keys_path, first=0, count=warm_keys, codes=prepared.codes_path)
            meter = CpuMeter(server.process.pid, db_pid)
            before = meter.sample()
            main = run_wrk(url, mode="checkin", seconds=seconds, connections=connections,
                           keys=prepared.keys_path, first=warm_keys, count=prepared.persons - warm_keys,
                           codes=prepared.codes_path)
            main_cpu = [(b - a) * 1000 / max(1, main["ok2xx"]) for a, b in zip(before, meter.sample())]
            log(f"{main['rate']:,.0f} check-ins/s, p50 {main['p50_us'] / 1000:.1f} ms, "
                f"p99 {main['p99_us'] / 1000:.1f} ms, max {main['max_us'] / 1000:.1f} ms; "
                f"{main['ok2xx']:,} × 2xx, {main['other']} other, {main['socket_errors']} socket errors")

            bare_before = bare_rows()
            connection.close()
            bare_url = f"{server.base}{BARE_PATH}"
            bare_warm = run_wrk(bare_url, mode="bare", seconds=warm_seconds, connections=connections)
            before = meter.sample()
            bare = run_wrk(bare_url, mode="bare", seconds=seconds, connections=connections)
            bare_cpu = [(b - a) * 1000 / max(1, bare["ok2xx"]) for a, b in zip(before, meter.sample())]
            log(f"bare view: {bare['rate']:,.0f} inserts/s, p50 {bare['p50_us'] / 1000:.1f} ms, "
                f"p99 {bare['p99_us'] / 1000:.1f} ms; {bare['other']} non-2xx")
            for name, cpu in (("check-in", main_cpu), ("bare insert", bare_cpu)):
                log(f"CPU per {name}: gunicorn {cpu[0]:.2f} ms, PostgreSQL {cpu[1]:.2f} ms, wrk {cpu[2]:.2f} ms")
            gunicorn_log = server.log_tail()
            worker_peak_mb = max((peak_rss_mb(pid) for pid in children_of(server.process.pid)), default=0.0)
            log(f"peak memory of one worker after the runs: {worker_peak_mb:.0f} MB")
        bare_after = bare_rows()
        connection.close()
        tps = run_pgbench(clients=workers, seconds=pgbench_seconds or min(seconds, 10), workdir=workdir)
        log(f"pgbench, one insert, {workers} clients: {tps:,.0f} tps")

    # Every 2xx must be a check-in that was written, with its audit entry. Requests in flight when
    # wrk stopped (made, never answered to it) may have been written too, and nothing else.
    attended = Attendance.objects.filter(session=session).count()
    audited = AuditEntry.objects.filter(action=AuditAction.ATTENDANCE_CHECKED_IN, object_type="learning.attendance",
                                        object_id__in=[str(pk) for pk in Attendance.objects.filter(session=session)
                                                       .values_list("pk", flat=True)]).count()
    ok = warm["ok2xx"] + main["ok2xx"]
    created = warm["created"] + main["created"]
    unanswered = warm["unanswered"] + main["unanswered"]
    bare_ok = bare_warm["ok2xx"] + bare["ok2xx"]
    bare_unanswered = bare_warm["unanswered"] + bare["unanswered"]
    bare_written = bare_after - bare_before
    problems = []
    if warm["exhausted"] or main["exhausted"]:
        problems.append("the run used up the prepared persons (raise --persons)")
    if created != ok:
        problems.append(f"{ok - created} responses were 2xx but not a new check-in")
    if not created <= attended <= created + unanswered or audited != attended:
        problems.append(f"{created:,} check-ins answered (and {unanswered} unanswered at the stop), "
                        f"{attended:,} attendances and {audited:,} audit entries written")
    if not bare_ok <= bare_written <= bare_ok + bare_unanswered:
        problems.append(f"the bare view answered {bare_ok:,} × 2xx (and {bare_unanswered} unanswered at the stop) "
                        f"and wrote {bare_written:,} rows")
    failures = [r["first_failure"] for r in (warm, main, bare_warm, bare) if r["first_failure"]]
    if failures:
        problems.append(f"first failure: {failures[0]}")
    for problem in problems:
        log(f"PROBLEM: {problem}")
    if problems and gunicorn_log:
        print(gunicorn_log)
    log(f"verified: {attended:,} attendances and {audited:,} audit entries for {created:,} check-ins answered "
        f"and {attended - created} made as wrk stopped; {bare_written:,} bare rows for {bare_ok:,} answered")

    results["checkin_rate"] = main["rate"]
    results["checkin_p50"] = main["p50_us"] / 1000
    results["checkin_p99"] = main["p99_us"] / 1000
    results["checkin_errors"] = (warm["other"] + main["other"] + warm["socket_errors"] + main["socket_errors"]
                                 + bare_warm["other"] + bare["other"] + bare_warm["socket_errors"]
                                 + bare["socket_errors"])
    results["checkin_unverified"] = len(problems)
    results["checkin_bare_rate"] = bare["rate"]
    results["checkin_bare_p99"] = bare["p99_us"] / 1000
    results["checkin_pgbench_rate"] = tps
    results["checkin_vs_bare"] = 100 * main["rate"] / bare["rate"] if bare["rate"] else 0.0
    results["checkin_vs_pgbench"] = 100 * main["rate"] / tps if tps else 0.0
    results["checkin_cpu_app"] = main_cpu[0]
    results["checkin_cpu_db"] = main_cpu[1]
    results["checkin_bare_cpu_app"] = bare_cpu[0]
    # What the CPU a check-in costs (app, database, load generator) allows on idle cores.
    results["checkin_cpu_bound"] = (os.cpu_count() or 1) * 1000 / sum(main_cpu) if sum(main_cpu) else 0.0
    results["worker_peak_rss"] = worker_peak_mb
    results["checkin_workers"] = workers
    results["checkin_connections"] = connections
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=SECONDS)
    parser.add_argument("--connections", type=int, default=CONNECTIONS)
    parser.add_argument("--workers", type=int, default=None, help="gunicorn workers (default: 2 × cores + 1)")
    parser.add_argument("--persons", type=int, default=PERSONS)
    parser.add_argument("--seed", action="store_true", help="load the demo street first if it is missing")
    args = parser.parse_args()

    from django.core.management import call_command

    from tongxin.core.demo.street import DEMO_STREET_CODE

    call_command("migrate", verbosity=0, interactive=False)
    if args.seed and not Org.objects.filter(code=DEMO_STREET_CODE).exists():
        call_command("seed_demo", scale="street")
    street = Org.objects.filter(code=DEMO_STREET_CODE).first()
    if street is None:
        print("The demo street is not loaded: add --seed, or run seed_demo --scale street first.")
        return 2
    results = bench_checkin(street, seconds=args.seconds, connections=args.connections, workers=args.workers,
                            persons=args.persons)
    print(json.dumps({k: round(v, 2) for k, v in results.items()}, indent=2))
    return 0 if results["checkin_errors"] == 0 and results["checkin_unverified"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
