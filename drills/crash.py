"""DRILL crash: under load, the app's workers are killed, then the database is stopped dead.

Eight client threads send QR check-ins (each a new resident, each earning points) and points-store
redemptions (each with its own Idempotency-Key) through gunicorn, and note every answer.

1. At a random moment, ``kill -9`` every gunicorn worker; the master starts new ones.
2. In a second run, at a random moment, ``pg_ctl stop -m immediate`` (no checkpoint, as a power
   cut of the database server; fsync is on), then start it again: it recovers from its WAL.

Passes when no write answered 2xx is missing (each check-in's attendance, each redemption with
its spend), no ledger row lacks its source, every balance equals its ledger sum, every session's
kept count equals its attendances, the points figures (day tallies) equal the ledger, and the app
answers 2xx again. Prints the recovery times:
from the kill or the stop to the first 2xx answer after it.
"""

from __future__ import annotations

import itertools
import os
import random
import signal
import threading
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from django.db import connections
from django.db.models import Count, F, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from tongxin.core.demo.street import DEMO_STREET_CODE
from tongxin.learning.checkin_codes import make_code
from tongxin.learning.models import Attendance, Session
from tongxin.orgs.models import Org
from tongxin.points.figures import points_totals
from tongxin.points.models import PointsAccount, PointsEntry, Redemption, RewardKind
from tongxin.points.services.catalogue import reward_create

from .cluster import Cluster
from .common import Server, call, drill_community, lecture_now, new_residents, residents_with_points

THREADS = 8
BEFORE = (2.0, 5.0)  # seconds of load before the crash, drawn at random
AFTER = 20.0  # seconds of load after the crash (or the restart); new workers must boot first


@dataclass
class Sent:
    kind: str  # "checkin" or "redeem"
    who: int  # person id
    key: str
    started: float
    status: int = 0
    body: dict | None = None
    ended: float = 0.0


@dataclass
class Load:
    base: str
    session: Session
    scanners: list
    buyers: list
    reward_id: int
    sent: list[Sent] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self):
        self.next_scanner = itertools.count()
        self.next_request = itertools.count()
        self.lock = threading.Lock()

    def _one(self) -> bool:
        n = next(self.next_request)
        if n % 3 == 2:
            buyer = self.buyers[n % len(self.buyers)]
            item = Sent("redeem", buyer.person.pk, f"crash-{n}", time.monotonic())
            answer = call(self.base, "POST", "/api/v1/redemptions", token=buyer.token,
                          payload={"reward": self.reward_id, "quantity": 1}, headers={"Idempotency-Key": item.key},
                          timeout=10)
        else:
            index = next(self.next_scanner)
            if index >= len(self.scanners):
                return False  # every prepared resident has scanned: the load is bounded in count too
            scanner = self.scanners[index]
            item = Sent("checkin", scanner.person.pk, "", time.monotonic())
            answer = call(self.base, "POST", f"/api/v1/sessions/{self.session.pk}/checkin", token=scanner.token,
                          payload={"token": make_code(self.session)}, timeout=10)
        item.status, item.body, item.ended = answer.status, answer.body, time.monotonic()
        with self.lock:
            self.sent.append(item)
        return True

    def run(self, seconds_cap: float) -> list[threading.Thread]:
        deadline = time.monotonic() + seconds_cap

        def loop() -> None:
            while not self.stop.is_set() and time.monotonic() < deadline and self._one():
                pass

        threads = [threading.Thread(target=loop, daemon=True) for _ in range(THREADS)]
        for thread in threads:
            thread.start()
        return threads


def _workers(master: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat[stat.rindex(")") + 2:].split()[1]) == master:
                found.append(int(entry.name))
    return found


def _recovery(sent: list[Sent], crashed_at: float) -> float | None:
    after = [s.ended for s in sent if s.started >= crashed_at and 200 <= s.status < 300]
    return min(after) - crashed_at if after else None


def _phase(load: Load, crash) -> tuple[float | None, int]:
    """Load, crash at a random moment, load on; (recovery seconds, answers that were not 2xx)."""
    threads = load.run(seconds_cap=BEFORE[1] + AFTER + 60)
    time.sleep(random.uniform(*BEFORE))
    crashed_at = time.monotonic()
    crash()
    time.sleep(AFTER)
    load.stop.set()
    for thread in threads:
        thread.join(20)
    failed = sum(1 for s in load.sent if not 200 <= s.status < 300 and s.started >= crashed_at - 1)
    return _recovery(load.sent, crashed_at), failed


def _verify(sent: list[Sent], session: Session, community: Org) -> list[str]:
    problems = []
    checked_in = {s.who for s in sent if s.kind == "checkin" and 200 <= s.status < 300}
    present = set(Attendance.objects.filter(session=session, person_id__in=checked_in).values_list("person_id", flat=True))
    if checked_in - present:
        problems.append(f"{len(checked_in - present)} check-ins answered 2xx are missing")
    codes = {s.body["code"] for s in sent if s.kind == "redeem" and 200 <= s.status < 300 and s.body}
    kept = set(Redemption.objects.filter(code__in=codes, spend_entry__isnull=False).values_list("code", flat=True))
    if codes - kept:
        problems.append(f"{len(codes - kept)} redemptions answered 2xx are missing")
    entries = PointsEntry.objects.filter(org_path__startswith=community.path)
    attended = entries.filter(source_type="learning.attendance")
    orphans = attended.exclude(source_id__in=[str(pk) for pk in Attendance.objects.filter(
        session__org_path__startswith=community.path).values_list("pk", flat=True)]).count()
    spends = entries.filter(kind="spend", redemption__isnull=True).count()
    if orphans or spends:
        problems.append(f"ledger rows without their source: {orphans} awards, {spends} spends")
    off = (PointsAccount.objects.filter(org_path__startswith=community.path)
           .annotate(total=Coalesce(Sum("entries__amount"), 0)).exclude(balance=F("total")).count())
    if off:
        problems.append(f"{off} accounts whose balance is not their ledger sum")
    counted = Session.objects.filter(org_path__startswith=community.path).annotate(n=Count("attendances"))
    if any(s.attendance_count != s.n for s in counted):
        problems.append("a session's kept count differs from its attendances")
    # The day tallies (each entry's mark was written in the entry's statement) equal the ledger.
    today = timezone.localdate()
    totals = points_totals(community, date(2000, 1, 1), today)
    ledger = entries.aggregate(earned=Coalesce(Sum("amount", filter=Q(kind="earn")), 0),
                               spent=Coalesce(-Sum("amount", filter=Q(kind="spend")), 0),
                               refunded=Coalesce(Sum("amount", filter=Q(kind="refund")), 0))
    if (totals.earned, totals.spent, totals.refunded) != (ledger["earned"], ledger["spent"], ledger["refunded"]):
        problems.append(f"points figures {totals} differ from the ledger {ledger}")
    return problems


def run(workdir: Path, cluster: Cluster) -> tuple[bool, str]:
    street = Org.objects.get(code=DEMO_STREET_CODE)
    community = drill_community(street)
    session = lecture_now(community, "演练：断电中签到")
    scanners = new_residents(community, 4000, workdir)
    buyers = residents_with_points(community, 100, 10_000, workdir)
    reward = reward_create(by=None, org=community, stock=100_000, data={
        "name": "演练：停电也不丢的洗衣粉", "kind": RewardKind.GOODS, "cost": 1})
    problems: list[str] = []
    sent: list[Sent] = []
    with Server(workers=5, log_path=workdir / "crash-gunicorn.log") as server:
        master = server.process.pid

        def kill_workers() -> None:
            for pid in _workers(master):
                os.kill(pid, signal.SIGKILL)

        first = Load(server.base, session, scanners[:2000], buyers, reward.pk)
        workers_recovery, workers_failed = _phase(first, kill_workers)
        sent += first.sent

        restart_seconds = []

        def stop_database() -> None:
            cluster.stop(mode="immediate")
            time.sleep(1.0)
            restart_seconds.append(cluster.start())

        second = Load(server.base, session, scanners[2000:], buyers, reward.pk)
        database_recovery, database_failed = _phase(second, stop_database)
        sent += second.sent
    connections.close_all()  # the drill's own connection died with the server
    if workers_recovery is None or database_recovery is None:
        problems.append("no 2xx answer after a crash")
    problems += _verify(sent, session, community)
    for problem in problems:
        print(f"  crash: {problem}")
    ok2xx = sum(1 for s in sent if 200 <= s.status < 300)

    def seconds(value: float | None) -> str:
        return f"{value:.1f} s" if value is not None else "never"

    figures = (f"{len(sent):,} requests ({ok2xx:,} answered 2xx, every one found after the crashes); "
               f"workers killed: back in {seconds(workers_recovery)}, {workers_failed} answers lost in flight; "
               f"database stopped immediate: restart with recovery {restart_seconds[0] if restart_seconds else 0:.1f} s, "
               f"back in {seconds(database_recovery)}, {database_failed} answers refused meanwhile")
    return not problems, figures
