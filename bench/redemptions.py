"""The points-store race: simultaneous redemptions of one reward through gunicorn, every one of which
must come out right.

    bash scripts/with_postgres.sh .venv/bin/python bench/redemptions.py --seed   # this part alone
    (and as part of bench/run.py, i.e. make bench and make bench-quick, after the check-ins)

What it does, all on 127.0.0.1 and on the PostgreSQL of ``DATABASE_URL``:

1. Prepares a community of its own under the demo street (``ensure_checkin_community`` of
   ``bench/checkin.py``) with ``--persons`` (200) new residents, in bulk, each with an account and
   an API token; gives each exactly 100 points through the ledger (``points_award`` of a rule of
   the community, ``bench_grant``, 100 points, no caps: one earning entry each, so balance = sum
   of entries); and puts one reward on its catalogue (``reward_create``) costing 60 points with
   a stock of one per resident. Balances and stock are then both exhausted by exactly one
   redemption per resident. Every run takes new residents and a new reward.
2. Starts gunicorn as the check-in benchmark does (deployment settings, sync workers, 2 × cores
   + 1 of them) and sends ``--requests-each`` (50) ``POST /api/v1/redemptions`` per resident,
   ``{"reward": id, "quantity": 1}`` with the resident's token and an ``Idempotency-Key`` of its
   own, with wrk (``bench/redeem.lua``) over ``--connections``, person by person, so that one
   person's requests are in flight together and race for the same balance. Every request is sent
   exactly once; a run that does not answer them all within ``--seconds`` fails.
3. Checks the answers: exactly one 201 (or 200) with a pickup code per resident, every other
   answer a 409 with its Chinese reason, no 5xx, nothing else, no socket errors; and the
   database: one redemption per resident and its audit entry, the codes answered are those
   written, every balance 40 and equal to the sum of its entries, no balance and no stock below
   zero anywhere, the reward's stock 0, no deadlock (``pg_stat_database``).

Reports requests answered per second under that contention (no target: the race serialises on
the reward's row lock by design), p50 and p99, the successes, the 5xx and the failed checks.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.db.models import Count, Sum  # noqa: E402
from django.utils import timezone  # noqa: E402

from bench import checkin  # noqa: E402
from tongxin.accounts.models import User  # noqa: E402
from tongxin.core.audit import AuditAction  # noqa: E402
from tongxin.core.models import AuditEntry  # noqa: E402
from tongxin.orgs.models import Org  # noqa: E402
from tongxin.people.models import Person  # noqa: E402
from tongxin.points.models import PointsAccount, PointsEntry, Redemption, Reward, RewardKind  # noqa: E402
from tongxin.points.services.catalogue import earning_rule_save, reward_create  # noqa: E402
from tongxin.points.services.ledger import points_award  # noqa: E402

COMMUNITY_CODE = "BLP-RD"
COMMUNITY_NAME = "兑换测评社区"
GRANT_ACTION = "bench_grant"
GRANT = 100
COST = 60
LUA = ROOT / "bench" / "redeem.lua"

PERSONS = 200
REQUESTS_EACH = 50
CONNECTIONS = 100  # two persons' requests in flight at once
THREADS = 1
SECONDS = 600  # the bound of the whole load, not its length: it stops when every request is answered


@dataclass
class Prepared:
    reward: Reward
    person_ids: list[int]
    lines_path: Path


def say(message: str) -> None:
    checkin.log(message, step="redemptions")


def prepare(*, street: Org, persons: int, requests_each: int, workdir: Path) -> Prepared:
    started = time.perf_counter()
    community = checkin.ensure_checkin_community(street=street, code=COMMUNITY_CODE, name=COMMUNITY_NAME)
    earning_rule_save(by=None, org=community, action=GRANT_ACTION, points=GRANT)
    # New residents each run (a fresh account each, with no points yet): those of earlier runs
    # stay as they were left.
    have = User.objects.filter(person__org__parent=community).count()
    user_ids = checkin.ensure_people(community, have + persons)[have:]
    person_of = dict(User.objects.filter(pk__in=user_ids).values_list("pk", "person_id"))
    people = Person.objects.in_bulk([person_of[uid] for uid in user_ids])
    for uid in user_ids:
        person = people[person_of[uid]]
        award = points_award(by=None, person=person, action=GRANT_ACTION, key=f"{GRANT_ACTION}:{person.pk}",
                             reason="兑换测评：发放积分")
        if award.points != GRANT:
            raise RuntimeError(f"the grant to person {person.pk} awarded {award.points} points, not {GRANT}")
    reward = reward_create(by=None, org=community, stock=persons, data={
        "name": f"兑换测评抢购品{timezone.localtime():%Y%m%d%H%M%S}", "kind": RewardKind.GOODS, "cost": COST})
    tokens_path = workdir / "tokens.txt"
    checkin.issue_keys(user_ids, tokens_path)
    tokens = tokens_path.read_text(encoding="ascii").split()
    # Person by person: the connections carry one person's requests at the same time.
    tag = secrets.token_hex(4)
    lines = [f"{token} bench-{tag}-{p}-{i}" for p, token in enumerate(tokens) for i in range(requests_each)]
    lines_path = workdir / "requests.txt"
    lines_path.write_text("\n".join(lines) + "\n", encoding="ascii")
    say(f"{persons:,} residents with {GRANT} points and a token each in {community.name}, reward {reward.pk} "
        f"({COST} points, stock {reward.stock}), {len(lines):,} requests, prepared in "
        f"{time.perf_counter() - started:.1f} s")
    return Prepared(reward=reward, person_ids=[person_of[uid] for uid in user_ids], lines_path=lines_path)


def run_race(url: str, *, lines: Path, reward: int, total: int, connections: int, threads: int,
             seconds: float) -> dict:
    """wrk with ``bench/redeem.lua`` until every line is answered (then interrupted) or ``seconds``
    pass; its counts and latencies (µs) as a dict, ``finished`` false when the bound ended it."""
    command = ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{seconds:g}s", "--timeout", "10s",
               "-s", str(LUA), url, "--", str(lines), str(reward), str(threads)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               errors="replace")
    killer = threading.Timer(seconds + 60, process.kill)  # wrk's own bound failed: stop it all the same
    killer.start()
    done_threads, output, finished_at = 0, [], None
    try:
        for line in process.stdout:
            output.append(line)
            if line.startswith("WRK_THREAD_DONE "):
                done_threads += 1
                if done_threads == threads:
                    finished_at = time.monotonic()
                    process.send_signal(signal.SIGINT)  # wrk sleeps out its duration otherwise
        process.wait()
    finally:
        killer.cancel()
    stdout = "".join(output)
    line = next((line for line in output if line.startswith("WRK_RESULT ")), None)
    if process.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({process.returncode}):\n{stdout[-3000:]}")
    result = json.loads(line.partition(" ")[2])
    result["finished"] = finished_at is not None and result["answered"] == total
    result["rate"] = result["answered"] / (result["elapsed_us"] / 1e6) if result["elapsed_us"] else 0.0
    result["socket_errors"] = (result["connect_errors"] + result["read_errors"] + result["write_errors"]
                               + result["timeouts"])
    return result


def deadlocks() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute("SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()")
        return cursor.fetchone()[0]


def verify(prepared: Prepared, race: dict, *, requests_each: int) -> list[str]:
    """The failed checks, in words; none when the race came out right."""
    persons = len(prepared.person_ids)
    total = persons * requests_each
    reward = Reward.objects.get(pk=prepared.reward.pk)
    problems = []
    if not race["finished"]:
        problems.append(f"{race['answered']:,} of {total:,} requests answered within the bound")
    if race["sent"] != total or race["resent"]:
        problems.append(f"{race['sent']:,} requests sent ({race['resent']} again after a socket error), "
                        f"not {total:,} once each")
    if race["ok"] != persons:
        problems.append(f"{race['ok']} redemptions answered with a code, not {persons}")
    refused = race["no_points"] + race["no_stock"]
    if refused != total - persons:
        problems.append(f"{refused:,} answers 409 with a reason, not {total - persons:,}")
    for name, words in (("server_errors", "5xx"), ("refused_other", "409 without the reason"),
                        ("other", "other statuses"), ("socket_errors", "socket errors")):
        if race[name]:
            problems.append(f"{race[name]} {words}")
    if race["first_failure"]:
        problems.append(f"first failure: {race['first_failure']}")

    redemptions = Redemption.objects.filter(reward=reward)
    written = redemptions.aggregate(n=Count("pk"), people=Count("person", distinct=True))
    if written["n"] != persons or written["people"] != persons:
        problems.append(f"{written['n']} redemptions of {written['people']} residents written, not one each "
                        f"of {persons}")
    codes = set(redemptions.values_list("code", flat=True))
    answered = set(race["codes"].split())
    if answered != codes:
        problems.append(f"{len(answered - codes)} codes answered but not written, {len(codes - answered)} written "
                        f"but not answered")
    audited = AuditEntry.objects.filter(action=AuditAction.REDEMPTION_CREATED, object_type="points.redemption",
                                        object_id__in=[str(pk) for pk in redemptions.values_list("pk", flat=True)])
    if audited.count() != written["n"]:
        problems.append(f"{audited.count()} audit entries for {written['n']} redemptions")
    balances = dict(PointsAccount.objects.filter(person_id__in=prepared.person_ids)
                    .values_list("person_id", "balance"))
    sums = dict(PointsEntry.objects.filter(person_id__in=prepared.person_ids).order_by().values("person")
                .annotate(total=Sum("amount")).values_list("person", "total"))
    left = GRANT - COST
    wrong = [pk for pk in prepared.person_ids if balances.get(pk) != left or sums.get(pk) != left]
    if wrong:
        pk = wrong[0]
        problems.append(f"{len(wrong)} balances not {left} or not the sum of their entries (person {pk}: "
                        f"balance {balances.get(pk)}, entries {sums.get(pk)})")
    if PointsAccount.objects.filter(balance__lt=0).exists():
        problems.append("a balance below zero")
    if Reward.objects.filter(stock__lt=0).exists():
        problems.append("a stock below zero")
    if reward.stock != prepared.reward.stock - persons:
        problems.append(f"the reward's stock is {reward.stock}, not {prepared.reward.stock - persons}")
    return problems


def bench_redemptions(street: Org, *, persons: int = PERSONS, requests_each: int = REQUESTS_EACH,
                      connections: int = CONNECTIONS, threads: int = THREADS, workers: int | None = None,
                      seconds: float = SECONDS) -> dict[str, float]:
    """Run the race under ``street``; the figures for bench/run.py's table."""
    if connection.vendor != "postgresql":
        raise RuntimeError("The redemption race runs on PostgreSQL (DATABASE_URL), like a deployment.")
    if shutil.which("wrk") is None:
        raise RuntimeError("wrk is missing: run scripts/ensure_system_packages.sh (make system-packages)")
    if persons < 1 or requests_each < 2 or persons * requests_each < threads:
        raise RuntimeError("the race needs residents, at least two requests each, and a request per wrk thread")
    workers = workers or checkin.default_workers()
    total = persons * requests_each
    with tempfile.TemporaryDirectory(prefix="tongxin-redeem-") as tmp:
        workdir = Path(tmp)
        prepared = prepare(street=street, persons=persons, requests_each=requests_each, workdir=workdir)
        deadlocks_before = deadlocks()
        connection.close()  # hold no connection while the server works
        with checkin.Server(workers=workers, log_path=workdir / "gunicorn.log") as server:
            say(f"gunicorn: {workers} sync workers on {server.base}; wrk: {connections} connections, "
                f"{threads} thread(s), {total:,} requests, bound {seconds:g} s")
            race = run_race(f"{server.base}/api/v1/redemptions", lines=prepared.lines_path,
                            reward=prepared.reward.pk, total=total, connections=connections, threads=threads,
                            seconds=seconds)
            gunicorn_log = server.log_tail()
    new_deadlocks = deadlocks() - deadlocks_before
    say(f"{race['answered']:,} answered in {race['elapsed_us'] / 1e6:.1f} s: {race['rate']:,.0f} requests/s, "
        f"p50 {race['p50_us'] / 1000:.1f} ms, p99 {race['p99_us'] / 1000:.1f} ms, max {race['max_us'] / 1000:.1f} ms; "
        f"{race['ok']} redeemed ({race['replayed']} as 200), {race['no_points']:,} × 409 积分不足, "
        f"{race['no_stock']:,} × 409 库存不足, {race['server_errors']} × 5xx, {race['refused_other'] + race['other']} "
        f"other, {race['socket_errors']} socket errors")
    problems = verify(prepared, race, requests_each=requests_each)
    if new_deadlocks:
        problems.append(f"{new_deadlocks} deadlocks in PostgreSQL during the race")
    for problem in problems:
        say(f"PROBLEM: {problem}")
    if problems and gunicorn_log:
        print(gunicorn_log)
    if not problems:
        say(f"verified: {persons} redemptions, one per resident, every balance {GRANT - COST} = the sum of its "
            f"entries, stock 0, nothing below zero, no deadlock")
    return {
        "redemption_rate": race["rate"],
        "redemption_p50": race["p50_us"] / 1000,
        "redemption_p99": race["p99_us"] / 1000,
        "redemption_success": race["ok"],
        "redemption_refused": race["no_points"] + race["no_stock"],
        "redemption_5xx": race["server_errors"],
        "redemption_problems": len(problems),
        "redemption_workers": workers,
        "redemption_connections": connections,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--persons", "--redemption-persons", dest="persons", type=int, default=PERSONS)
    parser.add_argument("--requests-each", type=int, default=REQUESTS_EACH)
    parser.add_argument("--connections", type=int, default=CONNECTIONS)
    parser.add_argument("--threads", type=int, default=THREADS, help="wrk threads")
    parser.add_argument("--workers", type=int, default=None, help="gunicorn workers (default: 2 × cores + 1)")
    parser.add_argument("--seconds", type=float, default=SECONDS, help="the bound of the load, in seconds")
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
    results = bench_redemptions(street, persons=args.persons, requests_each=args.requests_each,
                                connections=args.connections, threads=args.threads, workers=args.workers,
                                seconds=args.seconds)
    print(json.dumps({k: round(v, 2) for k, v in results.items()}, indent=2))
    return 0 if results["redemption_problems"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
