"""The coverage benchmark: the summary and one page of the gap list of the demo's campaign, at the
top of its scope (the district in ``make bench``, the street in ``make bench-quick``), warm, and
the first summary read after a burst of check-ins spread over the grids.

    bash scripts/with_postgres.sh .venv/bin/python bench/coverage.py   # this part alone, on loaded data
    (and as part of bench/run.py)

Each burst records persons not yet reached, drawn at random from the whole scope, one transaction
each as a check-in is, through the roster service of a session at the top of the scope (the same
coverage bookkeeping as a QR check-in: a reach mark per person). The read that follows settles the
marks (``selectors.coverage.tally``) and is timed; then the read again, warm.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

import django  # noqa: E402

django.setup()

from django.db import transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from tongxin.accounts.models import User  # noqa: E402
from tongxin.campaigns.models import Campaign  # noqa: E402
from tongxin.learning.models import AttendanceMethod, CoverageEntry, SessionKind  # noqa: E402
from tongxin.learning.selectors.coverage import coverage_for_org, coverage_gap_page  # noqa: E402
from tongxin.learning.services.attendance import attendance_record_roster  # noqa: E402
from tongxin.learning.services.sessions import session_create  # noqa: E402
from tongxin.orgs.models import Org  # noqa: E402
from tongxin.people.models import Person  # noqa: E402

BURSTS = (100, 1000)
BENCH_ACCOUNT = "bench_coverage"


def _ms(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def _gap_page(campaign: Campaign, top: Org) -> None:
    page, items = coverage_gap_page(campaign, [top])
    page.paginator.count  # noqa: B018 - the page shows the total


def _burst_session(campaign: Campaign, top: Org):
    account, _ = User.objects.get_or_create(username=BENCH_ACCOUNT, defaults={"is_superuser": True})
    now = timezone.now()
    return account, session_create(by=account, org=top, kind=SessionKind.LECTURE, topic="覆盖率测评讲堂",
                                   starts_at=now - timedelta(minutes=30), ends_at=now + timedelta(hours=2),
                                   campaign=campaign)


def bench_coverage(campaign: Campaign, top: Org, *, runs: int = 9, bursts=BURSTS) -> dict[str, float]:
    """``coverage_summary``, ``coverage_gap_page`` (warm medians, ms) and, per burst of n,
    ``coverage_first_read_n`` (ms) with the areas it touched (``coverage_burst_areas_n``)."""
    results: dict[str, float] = {}
    coverage_for_org(campaign, top)  # settle what the seed left
    results["coverage_summary"] = _ms(lambda: coverage_for_org(campaign, top), runs)
    _gap_page(campaign, top)
    results["coverage_gap_page"] = _ms(lambda: _gap_page(campaign, top), runs)
    print(f"coverage: {top.name}, summary {results['coverage_summary']:.0f} ms, "
          f"gap page {results['coverage_gap_page']:.0f} ms (warm, median of {runs})")
    account, session = _burst_session(campaign, top)
    for n in bursts:
        rows = list(CoverageEntry.objects.filter(campaign=campaign, first_reached_at__isnull=True)
                    .order_by("?").values_list("person_id", "area_id")[:n])
        persons = Person.objects.in_bulk([person_id for person_id, _area in rows])
        for person_id, _area in rows:
            with transaction.atomic():
                attendance_record_roster(by=account, session=session, persons=[persons[person_id]],
                                         method=AttendanceMethod.ROSTER)
        started = time.perf_counter()
        figures = coverage_for_org(campaign, top)
        results[f"coverage_first_read_{n}"] = (time.perf_counter() - started) * 1000
        results[f"coverage_burst_areas_{n}"] = len({area for _person, area in rows})
        warm = _ms(lambda: coverage_for_org(campaign, top), 3)
        print(f"coverage: after {len(rows):,} check-ins in {results[f'coverage_burst_areas_{n}']} areas, first read "
              f"{results[f'coverage_first_read_{n}']:.0f} ms, then {warm:.0f} ms; reached {figures.reached:,} "
              f"of {figures.target:,}")
    return results


def main() -> int:
    from tongxin.core.demo.campaign.district import district_campaign
    from tongxin.core.demo.street import DEMO_STREET_CODE, DISTRICT

    district = Org.objects.filter(code=DISTRICT[0]).first()
    campaign = district_campaign(district) if district else None
    top = district
    if campaign is None:
        top = Org.objects.filter(code=DEMO_STREET_CODE).first()
        campaign = Campaign.objects.filter(scope=top).order_by("pk").first() if top else None
    if campaign is None:
        print("No demo campaign: run seed_demo first.")
        return 2
    print(bench_coverage(campaign, top))
    return 0


if __name__ == "__main__":
    sys.exit(main())
