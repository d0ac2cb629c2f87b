"""Which actions apply to a unit (``task_applies_to``, ``tasks_for_org``). The units that do
actions are communities, villages and units (机关, schools, enterprises …: ``OrgKind.UNIT``),
inside the campaign's scope. An action applies to such a unit when

* it names an org that is the unit itself or one of its ancestors (an action of the street
  applies to every community, village and unit of the street), and
* it names a domain that is the unit's domain. A community or village whose domain is blank
  counts as 城镇社区 (``URBAN_COMMUNITY``) or 农村牧区 (``RURAL_PASTORAL``): that is what they are
  in the Tongliao "ten domains", and the registry rarely fills the domain in for places. A unit
  (``OrgKind.UNIT``) with a blank domain gets no domain action: we do not guess whether it is a
  school or a hospital.

An action that names both an org and a domain applies to the units of that domain under that
org. (One naming neither cannot be made by ``task_create``; if one exists it applies to every
unit in scope.) The campaign's chosen ``units`` define who must be *reached* (coverage), not
which units do actions, so they do not narrow this.
"""

from __future__ import annotations

from tongxin.orgs.models import Domain, Org, OrgKind

from ..models import Campaign, CampaignTask

# The orgs that do actions and appear as rows of the compliance table.
UNIT_KINDS = (OrgKind.COMMUNITY, OrgKind.VILLAGE, OrgKind.UNIT)
_PLACE_DOMAINS = {OrgKind.COMMUNITY: Domain.URBAN_COMMUNITY, OrgKind.VILLAGE: Domain.RURAL_PASTORAL}


def unit_domain(org: Org) -> str:
    """The org's domain; a community or village without one is 城镇社区 / 农村牧区."""
    return org.domain or _PLACE_DOMAINS.get(org.kind, "")


def task_applies_to(task: CampaignTask, org: Org) -> bool:
    """Whether ``task`` applies to ``org`` (see the module docstring). Reads no rows."""
    if not org.path.startswith(task.campaign.scope_path):
        return False
    if task.org_id is not None:
        if task.org_id != org.pk and task.org_id not in org.ancestor_ids:
            return False
        if task.org_id != org.pk and org.kind not in UNIT_KINDS:
            return False  # a street's action applies to its units, not to its grids and branches
    elif org.kind not in UNIT_KINDS:
        return False
    if task.domain:
        return org.kind in UNIT_KINDS and unit_domain(org) == task.domain
    return True


def tasks_for_org(campaign: Campaign, org: Org, *, required: bool | None = None) -> list[CampaignTask]:
    """The actions of ``campaign`` that apply to ``org``, by due date (``required`` narrows to
    规定动作 or 自选动作). One query: a campaign has tens of actions, the rule is matched on them."""
    tasks = campaign.tasks.select_related("org").order_by("due_on", "title", "id")
    if required is not None:
        tasks = tasks.filter(required=required)
    return [task for task in tasks if task_applies_to(task, org)]
