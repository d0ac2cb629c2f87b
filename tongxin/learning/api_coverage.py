"""Coverage over the API (mounted at /api/v1/coverage).

``GET /coverage?org=&campaign=``: target, reached, gaps and rate, by group, by way, by place (the
org's children), by grid and by week. ``GET /coverage/gaps?org=&campaign=&limit=&offset=``: the
gap list (``count``, ``items``), each with the person (phone masked), the suggested way and who
answers for them. ``org`` is a code and ``campaign`` a slug; without them, the newest campaign
under way and the caller's widest org in it. Definitions: ``tongxin.learning.selectors.coverage``.
"""

from __future__ import annotations

from datetime import date, datetime

from django.utils.translation import gettext as _
from ninja import Query, Router, Schema

from tongxin.campaigns.selectors import campaign_get_visible
from tongxin.core.api_schemas import ErrorOut, Limit, Offset, OrgCode, Slug, not_found
from tongxin.orgs.models import Org
from tongxin.people.selectors import person_visible_q

from .selectors.coverage import (
    GAP_PAGE_SIZE, GapItem, coverage_campaigns_for, coverage_default_org, coverage_for_org, coverage_gap_slice,
)

router = Router(tags=["coverage"])


class CoverageQuery(Schema):
    org: OrgCode = ""
    campaign: Slug = ""


class GapsQuery(CoverageQuery):
    limit: Limit = GAP_PAGE_SIZE
    offset: Offset = 0


class GroupOut(Schema):
    key: str
    label: str
    kind: str
    target: int
    reached: int
    gaps: int
    rate: float


class WayOut(Schema):
    key: str
    source: str
    kind: str
    label: str
    reached: int


class PlaceOut(Schema):
    org: str | None
    name: str
    kind: str | None
    target: int
    reached: int
    gaps: int
    rate: float


class WeekOut(Schema):
    week: int
    starts_on: date
    ends_on: date
    new: int
    cumulative: int
    rate: float


class CoverageOut(Schema):
    campaign: str
    org: str
    org_name: str
    clipped: bool
    target: int
    reached: int
    gaps: int
    rate: float
    by_group: list[GroupOut]
    by_way: list[WayOut]
    by_place: list[PlaceOut]
    by_grid: list[PlaceOut]
    by_week: list[WeekOut]


class GapPersonOut(Schema):
    id: int
    name: str
    phone: str
    org: str
    org_name: str
    household: str | None
    is_party_member: bool


class SessionRefOut(Schema):
    id: int
    kind: str
    topic: str
    starts_at: datetime
    org: str
    org_name: str


class SuggestedOut(Schema):
    code: str
    label: str
    partner: str
    session: SessionRefOut | None


class ResponsibleOut(Schema):
    name: str
    kind: str
    kind_label: str


class GapOut(Schema):
    person: GapPersonOut
    suggested: SuggestedOut
    responsible: list[ResponsibleOut]


class GapsOut(Schema):
    count: int
    items: list[GapOut]


def _resolve(request, query: CoverageQuery):
    if query.campaign:
        campaign = campaign_get_visible(user=request.user, slug=query.campaign)
    else:
        campaign = next(iter(coverage_campaigns_for(request.user)), None)
    if campaign is None:
        raise not_found(_("找不到该主题活动") if query.campaign else _("没有您可查看的进行中的主题活动"))
    if query.org:
        org = Org.objects.filter(code=query.org).first()
        if org is None:
            raise not_found(_("找不到编码为“%(code)s”的组织") % {"code": query.org})
    else:
        org = coverage_default_org(request.user, campaign)
    if org is None or not request.user.has_perm("learning.view_coverage", org):
        raise PermissionError(_("无权查看该组织的学习覆盖情况"))
    return campaign, org


def _place(row) -> dict:
    return {"org": row.org.code if row.org else None, "name": row.label, "kind": row.org.kind if row.org else None,
            "target": row.target, "reached": row.reached, "gaps": row.gaps, "rate": row.rate}


@router.get("", response={200: CoverageOut, 404: ErrorOut})
def coverage(request, query: Query[CoverageQuery]):
    """Coverage of a campaign within an org: who must be reached, who is, by which way, and the rate."""
    campaign, org = _resolve(request, query)
    cov = coverage_for_org(campaign, org)
    return {
        "campaign": campaign.slug, "org": org.code, "org_name": org.name, "clipped": cov.clipped,
        "target": cov.target, "reached": cov.reached, "gaps": cov.gaps, "rate": cov.rate,
        "by_group": [{"key": g.key, "label": g.label, "kind": g.kind, "target": g.target, "reached": g.reached,
                      "gaps": g.gaps, "rate": g.rate} for g in cov.groups],
        "by_way": [{"key": w.key, "source": w.source, "kind": w.kind, "label": w.label, "reached": w.reached}
                   for w in cov.ways],
        "by_place": [_place(r) for r in cov.places],
        "by_grid": [_place(r) for r in cov.grids],
        "by_week": [{"week": w.number, "starts_on": w.starts_on, "ends_on": w.ends_on, "new": w.new,
                     "cumulative": w.cumulative, "rate": w.rate} for w in cov.weeks],
    }


def _gap(item: GapItem) -> dict:
    p = item.person
    session = item.way.session
    return {
        "person": {"id": p.pk, "name": p.name, "phone": p.phone_masked, "org": p.org.code, "org_name": p.org.name,
                   "household": p.household.number if p.household_id else None,
                   "is_party_member": item.is_member},
        "suggested": {
            "code": item.way.code, "label": item.way.label, "partner": item.way.partner,
            "session": None if session is None else {
                "id": session.pk, "kind": session.kind, "topic": session.topic, "starts_at": session.starts_at,
                "org": session.org.code, "org_name": session.org.name},
        },
        "responsible": [{"name": r.name, "kind": r.kind, "kind_label": r.kind_label} for r in item.responsible],
    }


@router.get("/gaps", response={200: GapsOut, 404: ErrorOut})
def coverage_gaps(request, query: Query[GapsQuery]):
    """The persons not yet reached, by place then name: the suggested way and who answers for each."""
    campaign, org = _resolve(request, query)
    count, items = coverage_gap_slice(campaign, [org], offset=query.offset, limit=query.limit,
                                      visible=person_visible_q(request.user))
    return {"count": count, "items": [_gap(item) for item in items]}
