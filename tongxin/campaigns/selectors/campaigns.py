"""Which campaigns an account sees, who a campaign must reach, and its plans "1+7+N"."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from tongxin.accounts.selectors import scope_paths
from tongxin.orgs.models import Domain
from tongxin.people.models import PersonGroup
from tongxin.people.selectors import ancestor_paths

from ..models import Campaign, Plan, PlanKind
from ..permissions import VIEW_ROLES

LIST_SORTS = {
    "-start": ("-starts_on", "name", "id"),
    "start": ("starts_on", "name", "id"),
}


# --- Which campaigns an account sees --------------------------------------------------------

def campaign_visible_q(user) -> Q:
    """The campaigns ``campaigns.view_campaign`` allows, as one filter: staff and superiors whose
    scope is above the campaign's or inside it; members and residents living inside it."""
    condition = Q(pk__in=[])
    for path in scope_paths(user, VIEW_ROLES):
        condition |= Q(scope_path__startswith=path) | Q(scope_path__in=ancestor_paths(path))
    person = getattr(user, "person", None) if getattr(user, "person_id", None) else None
    if person is not None:
        condition |= Q(scope_path__in=ancestor_paths(person.org_path))
    return condition


def campaign_list_for(user, *, q: str = "", sort: str = "-start") -> QuerySet[Campaign]:
    """Campaigns the account may see, optionally whose name contains ``q``, newest first by default."""
    qs = Campaign.objects.filter(campaign_visible_q(user))
    q = q.strip()
    if q:
        qs = qs.filter(name__contains=q)
    return (qs.select_related("scope").prefetch_related("units")
            .order_by(*LIST_SORTS.get(sort, LIST_SORTS["-start"])))


def campaign_get_visible(*, user, slug: str) -> Campaign | None:
    """The campaign if the account may see it, else None (so callers answer 404, not 403)."""
    campaign = Campaign.objects.select_related("scope").filter(slug=slug).first()
    if campaign is None or not user.has_perm("campaigns.view_campaign", campaign):
        return None
    return campaign


def campaign_target_text(campaign: Campaign) -> str:
    """Who the campaign must reach, in words: 全体党员；居民群众（退休人员、老年人）；指定单位：…"""
    parts = []
    if campaign.targets_members:
        parts.append(_("全体党员"))
    if campaign.targets_residents:
        if campaign.resident_groups:
            chosen = set(campaign.resident_groups)
            labels = [str(label) for code, label in PersonGroup.choices if code in chosen]  # in the registry's order
            parts.append(_("居民群众（%(groups)s）") % {"groups": "、".join(labels)})
        else:
            parts.append(_("全体居民群众"))
    units = sorted(campaign.units.all(), key=lambda u: u.path)  # ``all()`` uses a prefetch when there is one
    if units:
        parts.append(_("指定单位：%(names)s") % {"names": "、".join(u.name for u in units)})
    return "；".join(parts) or _("未指定")


# --- Plans "1+7+N" ---------------------------------------------------------------------------

@dataclass
class PlanNode:
    plan: Plan
    children: list[PlanNode] = field(default_factory=list)


_DOMAIN_ORDER = {value: index for index, value in enumerate(Domain.values)}
_KIND_ORDER = {PlanKind.OVERALL: 0, PlanKind.DOMAIN: 1, PlanKind.UNIT: 2}


def plan_tree(campaign: Campaign) -> list[PlanNode]:
    """The plans as a tree: the overall plan, its domain procedures (in the order of the ten
    domains), their unit sub-plans (in the order of the org tree). One query."""
    plans = sorted(
        campaign.plans.select_related("org"),
        key=lambda p: (_KIND_ORDER.get(p.kind, 9), _DOMAIN_ORDER.get(p.domain, 99), p.org.path if p.org else "",
                       p.title),
    )
    nodes = {p.pk: PlanNode(p) for p in plans}
    roots = []
    for plan in plans:
        parent = nodes.get(plan.parent_id)
        (parent.children if parent is not None else roots).append(nodes[plan.pk])
    return roots


def plan_counts(campaign: Campaign) -> dict[str, int]:
    """How many plans of each kind: the "1", the "7" and the "N"."""
    counts = {kind: 0 for kind in PlanKind.values}
    for kind in campaign.plans.values_list("kind", flat=True):
        counts[kind] += 1
    return counts
