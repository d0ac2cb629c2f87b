"""The dashboard (统计看板) of an org, and its figures as .xlsx.

``GET /reports/?org=&campaign=&from=&to=&sort=&compare=``: the org of ``org`` (a code; default the
account's widest scope), the campaign (a slug among those over the org; default the one under way;
empty: every record) and the period (default the campaign's up to today). The page shows the key
figures of each section as cards, the weeks as charts and a table, the child places side by side
(sortable by ``sort``, each name linking to its own dashboard when the account reads it), a chart
comparing them on the figure ``compare``, and every figure with its definition, folded.

An account with no staff or superior role, or an org it may not read: 403. An unknown org or bad
dates: the page with a message in Chinese (404, 400), never a 500. Every figure comes from
``report_figures``, the weeks from ``weekly_series`` over the same records.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from datetime import date

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tongxin.accounts.selectors import scope_paths
from tongxin.campaigns.models import Campaign
from tongxin.learning.services.exports import filename_part
from tongxin.learning.views.filters import xlsx_response
from tongxin.orgs.models import Org
from tongxin.orgs.selectors import org_ancestors
from tongxin.points.forms import FIGURES_MAX_DAYS
from tongxin.voices.selectors.figures import figures_orgs_for

from .. import charts
from ..forms_dashboard import DashboardForm, campaign_under_way, campaigns_over
from ..permissions import FIGURES_ROLES
from ..scope import ScopeNotFound, parse_scope
from ..selectors.figures import DEFS, SECTIONS, Figure, ReportFigures, report_figures, report_figures_by_child
from ..selectors.weekly import SERIES, series_totals, weekly_series
from ..services.exports import figures_export_workbook, period_text

VIEW = "reports.view_figures"

# The cards of each section: the figures a report quotes first.
CARDS = [
    ("coverage", ["coverage_rate"]),
    ("learning", ["sessions", "attendance", "deliveries"]),
    ("voices", ["voices", "response_rate", "resolution_rate", "satisfaction_rate", "wishes", "projects",
                "rectifications"]),
    ("points", ["points_earned"]),
    ("actions", ["actions_done_rate", "actions_overdue"]),
]
# What a card says under its value: a rate's numerator and denominator in words, and the parts of a count.
RATE_PARTS = {
    "coverage_rate": (gettext_lazy("已覆盖"), gettext_lazy("应覆盖")),
    "response_rate": (gettext_lazy("已响应"), gettext_lazy("收到")),
    "resolution_rate": (gettext_lazy("已办结"), gettext_lazy("已受理")),
    "satisfaction_rate": (gettext_lazy("满意"), gettext_lazy("已评价")),
    "actions_done_rate": (gettext_lazy("已完成"), gettext_lazy("应完成")),
}
CARD_NOTES = {
    "sessions": ["sessions.party_lecture"], "voices": ["voices_overdue"],
    "wishes": ["wishes_claimed", "wishes_resolved"], "projects": ["projects_done"],
    "rectifications": ["rectifications_fixed"], "points_earned": ["points_participants"],
    "actions_overdue": ["actions_required"],
}
# The children side by side: the key column of every area; sortable by each.
CHILD_COLUMNS = ["coverage_rate", "sessions", "attendance", "deliveries", "voices", "response_rate", "resolution_rate",
                 "satisfaction_rate", "wishes", "projects", "rectifications", "points_earned", "actions_done_rate"]
# The figures the comparison chart offers: the rates, then the counts.
COMPARE_KEYS = ["coverage_rate", "response_rate", "resolution_rate", "satisfaction_rate", "actions_done_rate",
                "coverage_reached", "sessions", "attendance", "deliveries", "voices", "wishes", "visits", "projects",
                "rectifications", "good_deeds", "points_earned", "redemptions"]
# The weekly charts: a name, the series, bars or lines (series of a like size share a chart).
WEEKLY_CHARTS = [
    (gettext_lazy("每周学习活动"), ["sessions"], "bar"),
    (gettext_lazy("每周参学与送学"), ["attendance", "deliveries"], "line"),
    (gettext_lazy("每周群众心声"), ["voices", "voices_resolved"], "line"),
    (gettext_lazy("每周发放积分"), ["points_earned"], "bar"),
]


@dataclass
class _Scope:
    org: Org
    orgs: list[Org]
    form: DashboardForm
    campaign: Campaign | None = None
    date_from: date | None = None
    date_to: date | None = None

    def query(self, org: Org | None = None, **extra) -> str:
        """The page's parameters for ``org`` (default its own), as a query string."""
        data = self.form.data
        params = {"org": (org or self.org).code, "campaign": self.campaign.slug if self.campaign else "",
                  "from": self.date_from.isoformat() if self.date_from else "",
                  "to": self.date_to.isoformat() if self.date_to else ""}
        for name in ("sort", "compare"):
            if data.get(name):
                params[name] = data[name]
        params.update(extra)
        return urlencode({k: v for k, v in params.items() if v is not None})


class _Refused(Exception):
    def __init__(self, message: str, status: int):
        super().__init__(message)
        self.message, self.status = message, status


def _org(request) -> Org:
    """The org of ``?org=`` (a code) or the account's widest scope. No staff or superior role, or
    an org the account may not read: 403; an unknown code: ``_Refused`` (the page says so)."""
    if not scope_paths(request.user, FIGURES_ROLES):
        raise PermissionDenied
    try:
        return parse_scope(request.user, org=request.GET.get("org", "")).org
    except ScopeNotFound as refusal:
        raise _Refused(str(refusal), 404) from None
    except PermissionError:
        raise PermissionDenied from None


def _scope(request) -> _Scope:
    """The org, the form and, when the form is valid, the campaign and the dates asked for."""
    org = _org(request)
    campaigns = campaigns_over(request.user, org)
    data = request.GET.copy()
    if "campaign" not in data:  # a first visit: the campaign under way
        under_way = campaign_under_way(campaigns)
        data["campaign"] = under_way.slug if under_way else ""
    form = DashboardForm(data, campaigns=campaigns)
    orgs = figures_orgs_for(request.user)
    if org not in orgs:
        orgs = sorted([*orgs, org], key=lambda o: o.path)
    scope = _Scope(org, orgs, form)
    if form.is_valid():
        scope.campaign = form.cleaned_data["campaign_obj"]
        scope.date_from, scope.date_to = form.cleaned_data["from"], form.cleaned_data["to"]
    return scope


def _raw(figure: Figure) -> str:
    """The value for a ``data-value`` attribute: as Python writes it, empty when there is none."""
    return "" if figure.value is None else str(figure.value)


def _card(figures: ReportFigures, key: str) -> dict:
    figure = figures[key]
    parts = ""
    if key in RATE_PARTS and figure.denominator is not None:
        top, bottom = RATE_PARTS[key]
        parts = f"{top} {figure.numerator:,} / {bottom} {figure.denominator:,}"
    notes = [(figures[n].label, figures[n].shown) for n in CARD_NOTES.get(key, []) if n in figures.figures]
    return {"key": key, "figure": figure, "raw": _raw(figure), "parts": parts, "notes": notes,
            "needs_campaign": figures.campaign is None and DEFS[key].section in ("coverage", "actions")}


def _sort_key(column: str):
    descending = column.startswith("-")
    key = column.lstrip("-")
    if key not in CHILD_COLUMNS:
        return None, ""

    def order(row: ReportFigures):
        value = row.value(key)
        # No value sorts last either way.
        return (value is None, -(value or 0) if descending else (value or 0))
    return order, column


def _children(request, scope: _Scope, rows: list[ReportFigures]) -> tuple[list[dict], str]:
    order, sort = _sort_key(request.GET.get("sort", "").strip())
    if order is not None:
        rows = sorted(rows, key=order)
    url = reverse("reports:dashboard")
    return [{
        "org": row.org,
        "url": f"{url}?{scope.query(row.org)}" if request.user.has_perm(VIEW, row.org) else None,
        "cells": [{"key": key, "figure": row[key], "raw": _raw(row[key])} for key in CHILD_COLUMNS],
    } for row in rows], sort


def _headers(scope: _Scope, sort: str) -> list[dict]:
    """The children table's column heads, each a link sorting by it: largest first, then smallest."""
    url = reverse("reports:dashboard")
    heads = []
    for key in CHILD_COLUMNS:
        state = "descending" if sort == f"-{key}" else "ascending" if sort == key else ""
        heads.append({"key": key, "label": str(DEFS[key].label), "unit": str(DEFS[key].unit), "state": state,
                      "url": f"{url}?{scope.query(sort=key if state == 'descending' else f'-{key}')}#children"})
    return heads


def _points_url(user, figures: ReportFigures) -> str:
    """The points figures page (积分统计: by action, top earners, rewards) of the org, for the same
    period when that page takes it (both days, at most a year), else for its default month."""
    if not user.has_perm("points.view_figures", figures.org):
        return ""
    params = {"org": figures.org.pk}
    if figures.date_from and (figures.date_to - figures.date_from).days < FIGURES_MAX_DAYS:
        params.update({"from": figures.date_from.isoformat(), "to": figures.date_to.isoformat()})
    return f"{reverse('points:figures')}?{urlencode(params)}"


def _render(request, scope: _Scope | None, context: dict, status: int = 200):
    base = {"sections": SECTIONS, "compare_keys": [(k, DEFS[k].label) for k in COMPARE_KEYS]}
    if scope is not None:
        base.update({"org": scope.org, "orgs": scope.orgs, "form": scope.form})
    return render(request, "reports/dashboard.html", {**base, **context}, status=status)


@login_required
def dashboard(request):
    try:
        scope = _scope(request)
    except _Refused as refused:
        return _render(request, None, {"error": refused.message,
                                       "home": reverse("reports:dashboard")}, status=refused.status)
    if not scope.form.is_valid():
        return _render(request, scope, {"error": _("请更正下面标出的日期或活动后再统计。")},
                       status=400)
    user, org = request.user, scope.org
    figures = report_figures(org, scope.campaign, scope.date_from, scope.date_to)
    rows = report_figures_by_child(org, scope.campaign, scope.date_from, scope.date_to)
    weeks = weekly_series(org, scope.campaign, scope.date_from, scope.date_to)
    url = reverse("reports:dashboard")

    wanted = request.GET.get("compare", "").strip()
    compare = wanted if wanted in COMPARE_KEYS else ("coverage_rate" if scope.campaign else "sessions")
    children, sort = _children(request, scope, rows)
    ancestry = [*(o for o in org_ancestors(org) if user.has_perm(VIEW, o)), org]
    name = org.name
    context = {
        "f": figures, "period": period_text(figures),
        "query": scope.query(), "export_query": scope.query(sort=None, compare=None),
        "crumbs": [(o, f"{url}?{scope.query(o)}") for o in ancestry],
        "cards": [(SECTIONS[section], [_card(figures, key) for key in keys]) for section, keys in CARDS],
        "rates_chart": charts.rates_chart(figures, name=_("%(org)s 各项比率") % {"org": name}),
        "week_rows": [{"point": w, "cells": [(key, w.value(key), f"{w.value(key):,}") for key in SERIES]}
                      for w in weeks],
        "week_totals": [(key, total, f"{total:,}") for key, total in series_totals(weeks).items()],
        "partial_weeks": any(w.days < 7 for w in weeks),
        "series": [(key, label, unit) for key, (label, unit) in SERIES.items()],
        "weekly_charts": [(title, charts.weekly_chart(weeks, keys, name=f"{name} {title}", kind=kind))
                          for title, keys, kind in WEEKLY_CHARTS] if weeks else [],
        "children": children, "headers": _headers(scope, sort), "sort": sort,
        "compare": compare, "compare_label": DEFS[compare].label,
        "compare_chart": charts.comparison_chart(rows, compare, name=_("%(org)s 下级对比：%(figure)s") % {
            "org": name, "figure": DEFS[compare].label}) if rows else "",
        "all_figures": [(label, figures.section(section)) for section, label in SECTIONS.items()],
        "points_url": _points_url(user, figures),
    }
    return _render(request, scope, context)


@login_required
def figures_export(request):
    """The figures of the page as .xlsx (``services.exports``); a scope the page refuses shows the
    page with its message."""
    try:
        scope = _scope(request)
    except _Refused:
        return dashboard(request)
    if not scope.form.is_valid():
        return dashboard(request)
    figures = report_figures(scope.org, scope.campaign, scope.date_from, scope.date_to)
    children = report_figures_by_child(scope.org, scope.campaign, scope.date_from, scope.date_to)
    out = tempfile.TemporaryFile()
    figures_export_workbook(by=request.user, figures=figures, children=children, out=out)
    filename = _("统计数据-%(org)s-%(from)s-%(to)s.xlsx") % {
        "org": filename_part(scope.org.name),
        "from": figures.date_from.strftime("%Y%m%d") if figures.date_from else _("始"),
        "to": figures.date_to.strftime("%Y%m%d")}
    return xlsx_response(out, filename)

