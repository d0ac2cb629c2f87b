"""The figures page (群众心声统计): every figure of ``selectors.figures`` for an org's subtree and a
period, each count linking to the list it counts where there is one, and the org's children side
by side with drill-down. Staff and superiors over the org (``voices.view_figures``).

``?org=CODE&from=YYYY-MM-DD&to=YYYY-MM-DD&campaign=SLUG``; without ``org``, the account's widest
scope. The Excel download (``views.exports.figures_export_view``) reads the same parameters
through ``figures_params``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from tongxin.campaigns.models import Campaign
from tongxin.campaigns.selectors import campaign_get_visible
from tongxin.orgs.models import Org
from tongxin.orgs.selectors import org_ancestors

from ..models import Library
from ..selectors.figures import (
    DEFINITIONS, ChildFigures, Tally, VoiceFigures, figures_default_org, figures_orgs_for, voice_figures,
    voice_figures_by_child,
)
from ..selectors.lists import RESULTS
from .visits import campaigns_seen_by

FIGURES = "voices.view_figures"


@dataclass
class FiguresParams:
    org: Org
    date_from: date | None
    date_to: date | None
    campaign: Campaign | None
    errors: dict[str, str]

    @property
    def selector_args(self) -> dict:
        return {"org": self.org, "date_from": self.date_from, "date_to": self.date_to, "campaign": self.campaign}

    def query(self, org: Org | None = None) -> str:
        """The page's query for ``org`` (default: this one) over the same period."""
        params = {"org": (org or self.org).code, "from": self.date_from, "to": self.date_to,
                  "campaign": self.campaign.slug if self.campaign else None}
        return urlencode({k: v for k, v in params.items() if v})


def _date(request, name: str, errors: dict) -> date | None:
    value = request.GET.get(name, "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        errors[name] = _("日期格式不正确，请按 2024-09-10 的格式填写")
        return None


def figures_params(request) -> FiguresParams:
    """The org (404 if unknown, 403 without ``voices.view_figures`` on it), the period and the
    campaign of a figures request. A date that cannot be read is left out, with its message in
    ``errors`` for the form; so is an end before the start."""
    code = request.GET.get("org", "").strip()
    org = get_object_or_404(Org, code=code) if code else figures_default_org(request.user)
    if org is None or not request.user.has_perm(FIGURES, org):
        raise PermissionDenied
    errors: dict[str, str] = {}
    date_from, date_to = _date(request, "from", errors), _date(request, "to", errors)
    if date_from and date_to and date_to < date_from:
        errors["to"] = _("结束日期不能早于开始日期")
        date_to = None
    campaign = None
    slug = request.GET.get("campaign", "").strip()
    if slug:
        campaign = campaign_get_visible(user=request.user, slug=slug)
        if campaign is None:
            raise Http404
    return FiguresParams(org, date_from, date_to, campaign, errors)


@dataclass
class Line:
    """One row of a figures table: a label, a count, and the list it counts (or none)."""

    label: str
    count: int
    url: str | None = None


class Links:
    """Addresses of the lists the figures count, narrowed to the org (and, for the lists that
    take a period, to the period)."""

    def __init__(self, params: FiguresParams, org: Org | None = None):
        self.org = org or params.org
        self.period = {"since": params.date_from, "until": params.date_to,
                       "campaign": params.campaign.slug if params.campaign else None}

    def _url(self, name: str, **params) -> str:
        query = {"org": self.org.code, **params}
        return f"{reverse(name)}?{urlencode({k: v for k, v in query.items() if v})}"

    def voices(self, **params) -> str:
        # The voice list does not filter by date: it shows every item of the kind asked for.
        return self._url("voices:voice_list", **params)

    def visits(self, **params) -> str:
        return self._url("voices:visit_list", **self.period, **params)

    def coverage(self) -> str:
        return self._url("voices:visit_coverage", **self.period)

    def deeds(self, **params) -> str:
        return self._url("voices:deed_list", **self.period, **params)

    def projects(self, **params) -> str:
        return self._url("voices:project_list", **params)

    def rectifications(self, **params) -> str:
        return self._url("voices:rectification_list", **params)


def _lines(tallies: tuple[Tally, ...], link) -> list[Line]:
    return [Line(t.label, t.count, link(t.key) if t.count else None) for t in tallies]


def _tables(f: VoiceFigures, links: Links) -> list[dict]:
    """The breakdown tables of the page, each ``{"title", "lines"}``."""
    def voices_by(field: str):
        return lambda key: links.voices(**{field: key}) if key else None

    def library(key: str):
        return links.voices(tab=key) if key in Library.values else None

    tables = [
        (_("按所属库"), _lines(f.by_library, library)
         + [Line(_("其中：成果库（已解决）"), f.resolved, links.voices(tab=RESULTS) if f.resolved else None)]),
        (_("按类别"), _lines(f.by_category, voices_by("category"))),
        (_("按办理状态"), _lines(f.by_status, voices_by("status"))),
        (_("按来源渠道"), _lines(f.by_channel, voices_by("channel"))),
        (_("按类型"), _lines(f.by_kind, voices_by("kind"))),
        (_("满意度评价"), _lines(f.by_rating, lambda key: None)),
    ]
    return [{"title": title, "lines": lines} for title, lines in tables]


def _sections(f: VoiceFigures, links: Links) -> list[dict]:
    """Wishes, visits, projects, the problem list and good deeds, each a small table."""
    v, p, r = f.visits, f.projects, f.rectifications

    def reason(key: str) -> str:
        return links.visits(reason=key)

    return [
        {"title": _("心愿清单"), "lines": [
            Line(_("收到心愿"), f.wishes.received, links.voices(kind="wish") if f.wishes.received else None),
            Line(_("已接单"), f.wishes.claimed),
            Line(_("已解决"), f.wishes.resolved,
                 links.voices(kind="wish", tab=RESULTS) if f.wishes.resolved else None),
        ]},
        {"title": _("走访（四访四问）"), "lines": [
            Line(_("走访次数"), v.visits, links.visits() if v.visits else None),
            *[Line(t.label, t.count, reason(t.key) if t.count else None) for t in v.by_reason],
        ], "rates": [
            (_("走访覆盖率（已走访户 ÷ 辖区户数）"), v.household_coverage, links.coverage()),
            (_("困难户走访覆盖率"), v.hardship_coverage, links.coverage()),
        ]},
        {"title": _("民生实事"), "lines": [
            Line(_("项目数"), p.total, links.projects() if p.total else None),
            Line(_("设群众监督员的项目"), p.with_supervisors,
                 links.projects(supervised="yes") if p.with_supervisors else None),
            Line(_("群众监督员（人）"), p.supervisors),
            Line(_("已完成"), p.done, links.projects(status="done") if p.done else None),
        ]},
        {"title": _("问题清单"), "lines": [
            Line(_("问题数"), r.total, links.rectifications() if r.total else None),
            Line(_("已完成整改"), r.fixed, links.rectifications(status="fixed") if r.fixed else None),
            Line(_("正在整改"), r.in_progress, links.rectifications(status="in_progress") if r.in_progress else None),
            Line(_("未开始"), r.not_started, links.rectifications(status="open") if r.not_started else None),
            Line(_("立行立改"), r.immediate, links.rectifications(mode="immediate") if r.immediate else None),
            Line(_("分阶段整改"), r.phased, links.rectifications(mode="phased") if r.phased else None),
        ]},
        {"title": _("好事实事"), "lines": [Line(t.label, t.count, links.deeds(kind=t.key) if t.count else None)
                                       for t in f.deeds]},
    ]


def _summary(f: VoiceFigures, links: Links) -> list[Line]:
    def link(count: int, **params) -> str | None:
        return links.voices(**params) if count else None

    return [
        Line(_("收到"), f.received, link(f.received)),
        Line(_("已响应"), f.responded),
        Line(_("已受理"), f.accepted),
        Line(_("待受理"), f.waiting, link(f.waiting, status="submitted")),
        Line(_("不予受理"), f.rejected, link(f.rejected, status="rejected")),
        Line(_("已解决"), f.resolved, link(f.resolved, tab=RESULTS)),
        Line(_("已评价"), f.rated),
        Line(_("急难愁盼"), f.urgent, link(f.urgent, urgent="1")),
        Line(_("逾期未办结"), f.overdue, link(f.overdue, overdue="1")),
    ]


def _children(params: FiguresParams, rows: list[ChildFigures], user) -> list[dict]:
    return [{
        "row": row,
        "name": _("%(name)s（本级）") % {"name": row.org.name} if row.direct else row.org.name,
        "drill": None if row.direct or not user.has_perm(FIGURES, row.org)
        else f"{reverse('voices:voice_figures')}?{params.query(row.org)}",
        "list": Links(params, row.org).voices() if row.figures.received and not row.direct else None,
    } for row in rows]


@login_required
def voice_figures_view(request):
    params = figures_params(request)
    figures = voice_figures(**params.selector_args)
    links = Links(params)
    user = request.user
    return render(request, "voices/figures.html", {
        "params": params, "org": params.org, "f": figures, "query": params.query(),
        "crumbs": [(o, f"{reverse('voices:voice_figures')}?{params.query(o)}")
                   for o in [*org_ancestors(params.org), params.org] if user.has_perm(FIGURES, o)],
        "orgs": figures_orgs_for(user), "campaigns": campaigns_seen_by(user),
        "summary": _summary(figures, links),
        "rates": [(_("响应率"), figures.response_rate, _("已响应 ÷ 收到")),
                  (_("解决率"), figures.resolution_rate, _("已解决 ÷ 已受理")),
                  (_("满意率"), figures.satisfaction_rate, _("（满意 + 基本满意）÷ 已评价"))],
        "tables": _tables(figures, links), "sections": _sections(figures, links),
        "children": _children(params, voice_figures_by_child(**params.selector_args), user),
        "definitions": DEFINITIONS,
        "has_period": bool(figures.date_from or figures.date_to),
        "typed": {name: request.GET.get(name, "") for name in ("from", "to")},
    })
