from datetime import date

from django.utils.translation import gettext as _
from ninja import Query, Router, Schema

from tongxin.core.api_schemas import OrgCode, Text, choice, code_path, not_found
from tongxin.orgs.models import Org

from .models import Campaign
from .permissions import may_view_compliance
from .selectors import (
    COMPLIANCE_SORTS, campaign_get_visible, campaign_list_for, campaign_target_text, compliance,
    compliance_default_org,
)
from .selectors.campaigns import LIST_SORTS

router = Router(tags=["campaigns"])
CampaignSlug = code_path(r"^[-A-Za-z0-9_]{1,60}$", "主题活动简称")


class CampaignOut(Schema):
    id: int
    slug: str
    name: str
    theme: str
    starts_on: date
    ends_on: date
    scope: str
    scope_name: str
    status: str
    status_name: str
    target: str

    @staticmethod
    def resolve_scope(obj: Campaign) -> str:
        return obj.scope.code

    @staticmethod
    def resolve_scope_name(obj: Campaign) -> str:
        return obj.scope.name

    @staticmethod
    def resolve_status_name(obj: Campaign) -> str:
        return str(obj.get_status_display())

    @staticmethod
    def resolve_target(obj: Campaign) -> str:
        return campaign_target_text(obj)


class CampaignsQuery(Schema):
    q: Text = ""
    sort: choice(list(LIST_SORTS)) = "-start"


@router.get("", response=list[CampaignOut])
def campaigns(request, query: Query[CampaignsQuery]):
    """Campaigns the caller may see (``campaigns.view_campaign``), newest first; ``sort=start`` for
    oldest first, ``q`` to search by name."""
    return list(campaign_list_for(request.user, q=query.q, sort=query.sort))


class TaskOut(Schema):
    id: int
    title: str
    due_on: date
    proof_kind: str
    session_kind: str
    domain: str
    org: str | None


class ProofOut(Schema):
    kind: str
    id: int
    on: date
    recorded: bool
    completion: int | None


class CellOut(Schema):
    task: int
    state: str
    state_name: str
    late: bool
    proof: ProofOut | None


class UnitOut(Schema):
    code: str
    name: str
    kind: str
    required: int
    done: int
    overdue: int
    pending: int
    tasks: list[CellOut]


class ComplianceOut(Schema):
    campaign: str
    org: str
    as_of: date
    tasks: list[TaskOut]
    units: list[UnitOut]


class ComplianceQuery(Schema):
    org: OrgCode = ""
    sort: choice(COMPLIANCE_SORTS) = "path"


@router.get("/{slug}/compliance", response=ComplianceOut)
def campaign_compliance(request, slug: CampaignSlug, query: Query[ComplianceQuery]):
    """Each unit under ``org`` (default: the campaign's scope, or the caller's own scope in it)
    with each required action that applies to it: ``done`` (with its proof), ``overdue`` or
    ``pending``. Staff and superiors only; 404 for a campaign the caller does not see."""
    campaign = campaign_get_visible(user=request.user, slug=slug)
    if campaign is None:
        raise not_found(_("找不到该主题活动"))
    org = query.org
    where = Org.objects.filter(code=org).first() if org else compliance_default_org(request.user, campaign)
    if org and where is None:
        raise not_found(_("找不到编码为“%(code)s”的组织") % {"code": org})
    if where is None or not may_view_compliance(request.user, campaign, where):
        raise PermissionError(_("无权查看该组织的完成情况"))
    table = compliance(campaign, where, sort=query.sort)
    return {
        "campaign": campaign.slug,
        "org": where.code,
        "as_of": table.today,
        "tasks": [
            {"id": t.pk, "title": t.title, "due_on": t.due_on, "proof_kind": t.proof_kind,
             "session_kind": t.session_kind, "domain": t.domain, "org": t.org.code if t.org_id else None}
            for t in table.tasks
        ],
        "units": [
            {
                "code": row.org.code, "name": row.org.name, "kind": row.org.kind, "required": row.required,
                "done": row.done, "overdue": row.overdue, "pending": row.pending,
                "tasks": [
                    {"task": cell.task.pk, "state": cell.state, "state_name": cell.state_label, "late": cell.late,
                     "proof": None if cell.proof is None else {
                         "kind": cell.proof.kind, "id": cell.proof.record_id, "on": cell.proof.on,
                         "recorded": not cell.proof.derived, "completion": cell.proof.completion_id}}
                    for cell in row.cells if cell.applies
                ],
            }
            for row in table.rows
        ],
    }
