"""The reports' benchmark (part of bench/run.py): the figures of the top org (the district, a
million residents, at district scale) and of the demo street, and the demo street's progress report
as a Word document, and the dashboard page at the top as a superior sees it, each timed warm as the
median of a few runs.

Targets (the reports issue): the district's figures under 1 s on PostgreSQL, the street's progress
report under 3 s.
"""

from __future__ import annotations

import io
import statistics
import time

from django.test import Client

from tongxin.accounts.models import User
from tongxin.campaigns.models import Campaign
from tongxin.orgs.models import Org
from tongxin.reports.selectors.figures import report_figures


def _median_ms(fn, runs: int) -> float:
    fn()  # warm: the first run settles coverage tallies and fills caches, as the day's first reader does
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def bench_reports(top: Org, top_campaign: Campaign | None, street: Org, street_campaign: Campaign | None,
                  *, runs: int = 5) -> dict[str, float]:
    from tongxin.reports.services.progress import progress_docx

    results = {
        "figures_top": _median_ms(lambda: report_figures(top, top_campaign), runs),
        "figures_street": _median_ms(lambda: report_figures(street, street_campaign), runs),
    }
    # The dashboard page as a superior opens it at the top: the figures, the week-by-week charts
    # and the places below side by side (each with its own figures).
    client = Client(HTTP_HOST="localhost")
    client.force_login(User.objects.get(username="superior"))
    query = {"org": top.code, "campaign": top_campaign.slug if top_campaign else ""}

    def dashboard() -> None:
        response = client.get("/reports/", query)
        if response.status_code != 200:
            raise RuntimeError(f"the dashboard answered {response.status_code}")

    results["dashboard_top"] = _median_ms(dashboard, runs)
    if street_campaign is not None:
        results["progress_report_street"] = _median_ms(
            lambda: progress_docx(org=street, campaign=street_campaign, out=io.BytesIO()), runs) / 1000
    return results
