"""Writes on campaigns: the campaign, its plans "1+7+N", required and optional actions, measures,
and the records that prove a unit did an action. Every function validates, saves in one
transaction and audits. Who may call them is checked by the views and the API
(``campaigns.manage_campaign`` / ``campaigns.record_completion``), as in ``people``.
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from tongxin.core.audit import AuditAction, audit_record, changed_fields
from tongxin.core.chinese import name_initials
from tongxin.learning.models import Delivery, Session, SessionKind
from tongxin.learning.services.coverage import coverage_rebuild
from tongxin.orgs.models import Domain, Org, OrgKind
from tongxin.people.models import PersonGroup

from .models import (
    Campaign, CampaignStatus, CampaignTask, Measure, Plan, PlanKind, ProofKind, TaskCompletion,
)
from .selectors import task_applies_to, unit_domain

# A campaign runs in an area (city … village) or inside one unit; never in a grid or a branch.
SCOPE_KINDS = (OrgKind.CITY, OrgKind.DISTRICT, OrgKind.STREET, OrgKind.TOWNSHIP, OrgKind.COMMUNITY,
               OrgKind.VILLAGE, OrgKind.UNIT)
_GROUP_CODES = frozenset(PersonGroup.values)


def _in_scope(campaign: Campaign, org: Org | None) -> bool:
    return org is not None and org.path.startswith(campaign.scope_path)


def _check_open(campaign: Campaign) -> None:
    if campaign.status == CampaignStatus.CLOSED:
        raise ValidationError(_("该活动已结束，不能再修改方案、动作或举措"))


def _slug_for(name: str, starts_on: date) -> str:
    """简称 from the pinyin initials of the name and the year: 感党恩、听党话、跟党走 → gdetdhgdz-2025."""
    base = slugify(name_initials(name))[:40] or "campaign"
    slug = f"{base}-{starts_on.year}"
    n = 2
    while Campaign.objects.filter(slug=slug).exists():
        slug = f"{base}-{starts_on.year}-{n}"
        n += 1
    return slug


def _validate_campaign(*, campaign: Campaign, units: list[Org], exclude_pk: int | None = None) -> None:
    """The rules of a campaign; raises ``ValidationError`` with Chinese messages per field."""
    errors: dict[str, str] = {}
    if not campaign.name:
        errors["name"] = _("请填写活动名称")
    if campaign.slug != slugify(campaign.slug) or not campaign.slug:
        errors["slug"] = _("简称只能由小写字母、数字和连字符组成")
    elif Campaign.objects.filter(slug=campaign.slug).exclude(pk=exclude_pk).exists():
        errors["slug"] = _("简称“%(slug)s”已被其他活动使用") % {"slug": campaign.slug}
    if campaign.starts_on is None or campaign.ends_on is None:
        errors["ends_on"] = _("请填写开始和结束日期")
    elif campaign.ends_on < campaign.starts_on:
        errors["ends_on"] = _("结束日期不能早于开始日期")
    if campaign.scope_id is None:
        errors["scope"] = _("请选择活动范围")
    elif campaign.scope.kind not in SCOPE_KINDS:
        errors["scope"] = _("活动范围须是市、旗县区、街道、苏木乡镇、社区、嘎查村或单位")
    if campaign.status not in CampaignStatus.values:
        errors["status"] = _("未知的活动状态")
    unknown = [g for g in campaign.resident_groups if g not in _GROUP_CODES]
    if unknown:
        errors["resident_groups"] = _("未知的居民类别：%(g)s") % {"g": "、".join(map(str, unknown))}
    elif campaign.resident_groups and not campaign.targets_residents:
        errors["resident_groups"] = _("选择了居民类别，须同时勾选“面向居民群众”")
    if "scope" not in errors:
        outside = [u.name for u in units if not u.path.startswith(campaign.scope.path)]
        not_units = [u.name for u in units if u.kind != OrgKind.UNIT]
        if outside:
            errors["units"] = _("以下单位不在活动范围内：%(names)s") % {"names": "、".join(outside)}
        elif not_units:
            errors["units"] = _("只能指定单位（机关、学校、企业、医院、社会组织等）：%(names)s") % {
                "names": "、".join(not_units)}
    if not (campaign.targets_members or campaign.targets_residents or units):
        errors["targets_members"] = _("请至少选择一类活动对象：全体党员、居民群众或指定单位")
    if errors:
        raise ValidationError(errors)


def _campaign_audit_view(campaign: Campaign, units: list[Org]) -> dict:
    return {
        "name": campaign.name, "slug": campaign.slug, "theme": campaign.theme,
        "starts_on": campaign.starts_on.isoformat(), "ends_on": campaign.ends_on.isoformat(),
        "scope": campaign.scope.code, "status": campaign.status, "targets_members": campaign.targets_members,
        "targets_residents": campaign.targets_residents, "resident_groups": sorted(campaign.resident_groups),
        "units": sorted(u.code for u in units),
    }


@transaction.atomic
def campaign_create(*, by, name: str, starts_on: date, ends_on: date, scope: Org, slug: str = "", theme: str = "",
                    targets_members: bool = True, targets_residents: bool = False,
                    resident_groups: list[str] | None = None, units: list[Org] | None = None,
                    status: str = CampaignStatus.ACTIVE) -> Campaign:
    """A campaign over ``scope``'s subtree. Its target is all members, residents (all, or the
    ``resident_groups``), and/or the members of the chosen ``units``; at least one of them."""
    units = list(units or [])
    name = (name or "").strip()
    campaign = Campaign(
        name=name, theme=(theme or "").strip(), starts_on=starts_on, ends_on=ends_on, scope=scope,
        scope_path=scope.path if scope is not None else "", status=status, targets_members=targets_members,
        targets_residents=targets_residents, resident_groups=sorted(set(resident_groups or [])),
        created_by=by if getattr(by, "pk", None) else None,
    )
    slug = (slug or "").strip()
    campaign.slug = slug if slug else (_slug_for(name, starts_on) if name and starts_on else "")
    _validate_campaign(campaign=campaign, units=units)
    campaign.full_clean(exclude=["slug"])  # the slug's uniqueness is checked above, with our message
    campaign.save()
    campaign.units.set(units)
    coverage_rebuild(campaign)
    audit_record(by=by, action=AuditAction.CAMPAIGN_CREATED, obj=campaign,
                 changes=_campaign_audit_view(campaign, units))
    return campaign


_CAMPAIGN_TRACKED = ["name", "slug", "theme", "starts_on", "ends_on", "scope_id", "status", "targets_members",
                     "targets_residents", "resident_groups"]


@transaction.atomic
def campaign_update(*, by, campaign: Campaign, name: str | None = None, slug: str | None = None,
                    theme: str | None = None, starts_on: date | None = None, ends_on: date | None = None,
                    scope: Org | None = None, status: str | None = None, targets_members: bool | None = None,
                    targets_residents: bool | None = None, resident_groups: list[str] | None = None,
                    units: list[Org] | None = None) -> Campaign:
    """Change a campaign. A new period must still hold every action's due date; a new scope must
    still hold every plan's, action's and measure's org (nothing is moved silently)."""
    # Lock the row, and start from what is stored: two admins editing at once change it in turn.
    Campaign.objects.select_for_update().only("pk").get(pk=campaign.pk)
    campaign.refresh_from_db()
    before = {f: getattr(campaign, f) for f in _CAMPAIGN_TRACKED}
    before_units = sorted(campaign.units.values_list("code", flat=True))
    for field, value in [("name", name), ("slug", slug), ("theme", theme)]:
        if value is not None:
            setattr(campaign, field, value.strip())
    for field, value in [("starts_on", starts_on), ("ends_on", ends_on), ("status", status),
                         ("targets_members", targets_members), ("targets_residents", targets_residents)]:
        if value is not None:
            setattr(campaign, field, value)
    if resident_groups is not None:
        campaign.resident_groups = sorted(set(resident_groups))
    if scope is not None:
        campaign.scope, campaign.scope_path = scope, scope.path
    new_units = list(units) if units is not None else list(campaign.units.all())
    _validate_campaign(campaign=campaign, units=new_units, exclude_pk=campaign.pk)
    late = campaign.tasks.exclude(due_on__range=(campaign.starts_on, campaign.ends_on)).order_by("due_on").first()
    if late is not None:
        raise ValidationError({"ends_on": _("动作“%(task)s”的完成时限 %(due)s 不在新的活动期间内") % {
            "task": late.title, "due": late.due_on.isoformat()}})
    if scope is not None:
        for model, label in [(Plan, _("方案")), (CampaignTask, _("动作")), (Measure, _("举措"))]:
            stray = (model.objects.filter(campaign=campaign, org__isnull=False)
                     .exclude(org__path__startswith=scope.path).select_related("org").first())
            if stray is not None:
                raise ValidationError({"scope": _("%(what)s“%(title)s”的单位%(org)s不在新的活动范围内") % {
                    "what": label, "title": stray.title, "org": stray.org.name}})
    campaign.full_clean(exclude=["slug"])
    campaign.save()
    diff = changed_fields(campaign, before, _CAMPAIGN_TRACKED)
    if units is not None:
        campaign.units.set(new_units)
        after_units = sorted(u.code for u in new_units)
        if after_units != before_units:
            diff["units"] = [before_units, after_units]
    if diff.keys() & {"scope_id", "status", "targets_members", "targets_residents", "resident_groups", "units"}:
        coverage_rebuild(campaign)  # who is in the target may have changed, or the campaign reopened
    if diff:
        audit_record(by=by, action=AuditAction.CAMPAIGN_UPDATED, obj=campaign, changes=diff)
    return campaign


@transaction.atomic
def plan_create(*, by, campaign: Campaign, kind: str, title: str, domain: str = "", org: Org | None = None,
                parent: Plan | None = None, body: str = "", issued_on: date | None = None) -> Plan:
    """A plan of the "1+7+N": the one overall plan (实施方案), a procedure per domain (领域操作规程),
    a sub-plan per unit (子方案). Domain procedures and sub-plans hang under the overall plan (a
    sub-plan under its domain's procedure when there is one), so the overall plan comes first."""
    # The campaign row is the lock that keeps two "one per campaign" plans from both passing the check.
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    _check_open(campaign)
    title = (title or "").strip()
    errors: dict[str, str] = {}
    if not title:
        errors["title"] = _("请填写方案标题")
    if kind not in PlanKind.values:
        raise ValidationError({"kind": _("未知的方案类型")})
    if domain and domain not in Domain.values:
        errors["domain"] = _("未知的领域")
    if issued_on is not None and issued_on > timezone.localdate():
        errors["issued_on"] = _("印发日期不能晚于今天")
    if errors:
        raise ValidationError(errors)
    plans = Plan.objects.filter(campaign=campaign)
    overall = plans.filter(kind=PlanKind.OVERALL).first()
    if kind == PlanKind.OVERALL:
        if overall is not None:
            raise ValidationError({"kind": _("每个活动只能有一个实施方案（“1+7+N”中的“1”），已有：%(t)s") % {
                "t": overall.title}})
        if parent is not None or domain:
            raise ValidationError({"parent": _("实施方案是总方案，不设上级方案和领域")})
        if org is not None and not _in_scope(campaign, org):
            raise ValidationError({"org": _("制定单位不在活动范围内")})
        org = org or campaign.scope
    else:
        if overall is None:
            raise ValidationError({"kind": _("请先制定实施方案，再制定领域操作规程和子方案")})
        if parent is not None and parent.campaign_id != campaign.pk:
            raise ValidationError({"parent": _("上级方案不属于本活动")})
    if kind == PlanKind.DOMAIN:
        if not domain:
            raise ValidationError({"domain": _("领域操作规程须选择领域")})
        if plans.filter(kind=PlanKind.DOMAIN, domain=domain).exists():
            raise ValidationError({"domain": _("%(d)s领域已有操作规程") % {"d": Domain(domain).label}})
        if parent is not None and parent.kind != PlanKind.OVERALL:
            raise ValidationError({"parent": _("领域操作规程的上级须是实施方案")})
        if org is not None and not _in_scope(campaign, org):
            raise ValidationError({"org": _("制定单位不在活动范围内")})
        parent = parent or overall
    elif kind == PlanKind.UNIT:
        if org is None:
            raise ValidationError({"org": _("子方案须指定制定单位")})
        if not _in_scope(campaign, org):
            raise ValidationError({"org": _("%(org)s不在活动范围内") % {"org": org.name}})
        if plans.filter(kind=PlanKind.UNIT, org=org).exists():
            raise ValidationError({"org": _("%(org)s已有子方案") % {"org": org.name}})
        domain = domain or unit_domain(org)
        if parent is None:
            parent = (plans.filter(kind=PlanKind.DOMAIN, domain=domain).first() if domain else None) or overall
        elif parent.kind == PlanKind.UNIT:
            raise ValidationError({"parent": _("子方案的上级须是实施方案或领域操作规程")})
    plan = Plan(campaign=campaign, kind=kind, title=title, domain=domain, org=org, parent=parent,
                body=(body or "").strip(), issued_on=issued_on)
    plan.full_clean()
    plan.save()
    audit_record(by=by, action=AuditAction.PLAN_CREATED, obj=plan, changes={
        "campaign": campaign.slug, "kind": kind, "title": title, "domain": domain,
        "org": org.code if org else None, "parent": parent.pk if parent else None,
        "issued_on": issued_on.isoformat() if issued_on else None,
    })
    return plan


def _check_plan(campaign: Campaign, plan: Plan | None) -> None:
    if plan is not None and plan.campaign_id != campaign.pk:
        raise ValidationError({"plan": _("所选方案不属于本活动")})


@transaction.atomic
def task_create(*, by, campaign: Campaign, title: str, due_on: date, required: bool = True, domain: str = "",
                org: Org | None = None, plan: Plan | None = None, description: str = "",
                proof_kind: str = ProofKind.SESSION, session_kind: str = "") -> CampaignTask:
    """规定动作 (``required``) or 自选动作 for the units of a ``domain``, for ``org`` and the units
    under it, or for the units of a domain under an org (both given). See
    ``selectors.task_applies_to`` for which units an action applies to."""
    _check_open(campaign)
    title = (title or "").strip()
    errors: dict[str, str] = {}
    if not title:
        errors["title"] = _("请填写动作名称")
    if due_on is None:
        errors["due_on"] = _("请填写完成时限")
    elif not campaign.starts_on <= due_on <= campaign.ends_on:
        errors["due_on"] = _("完成时限须在活动期间内（%(start)s 至 %(end)s）") % {
            "start": campaign.starts_on.isoformat(), "end": campaign.ends_on.isoformat()}
    if domain and domain not in Domain.values:
        errors["domain"] = _("未知的领域")
    if not domain and org is None:
        errors["org"] = _("请选择适用领域或适用单位")
    elif org is not None and not _in_scope(campaign, org):
        errors["org"] = _("%(org)s不在活动范围内") % {"org": org.name}
    if proof_kind not in ProofKind.values:
        errors["proof_kind"] = _("未知的佐证类型")
    if session_kind:
        if session_kind not in SessionKind.values:
            errors["session_kind"] = _("未知的活动类型")
        elif proof_kind != ProofKind.SESSION:
            errors["session_kind"] = _("只有以学习活动为佐证的动作才限定活动类型")
    if errors:
        raise ValidationError(errors)
    _check_plan(campaign, plan)
    task = CampaignTask(campaign=campaign, plan=plan, title=title, description=(description or "").strip(),
                        required=required, due_on=due_on, domain=domain, org=org, proof_kind=proof_kind,
                        session_kind=session_kind)
    task.full_clean()
    task.save()
    audit_record(by=by, action=AuditAction.CAMPAIGN_TASK_CREATED, obj=task, changes={
        "campaign": campaign.slug, "title": title, "required": required, "due_on": due_on.isoformat(),
        "domain": domain, "org": org.code if org else None, "plan": plan.pk if plan else None,
        "proof_kind": proof_kind, "session_kind": session_kind,
    })
    return task


@transaction.atomic
def measure_create(*, by, campaign: Campaign, title: str, plan: Plan | None = None, domain: str = "",
                   org: Org | None = None, description: str = "") -> Measure:
    """推进举措 under a plan; without a domain of its own it takes its plan's."""
    _check_open(campaign)
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": _("请填写举措名称")})
    if domain and domain not in Domain.values:
        raise ValidationError({"domain": _("未知的领域")})
    if org is not None and not _in_scope(campaign, org):
        raise ValidationError({"org": _("%(org)s不在活动范围内") % {"org": org.name}})
    _check_plan(campaign, plan)
    domain = domain or (plan.domain if plan is not None else "")
    measure = Measure(campaign=campaign, plan=plan, domain=domain, org=org, title=title,
                      description=(description or "").strip())
    measure.full_clean()
    measure.save()
    audit_record(by=by, action=AuditAction.MEASURE_CREATED, obj=measure, changes={
        "campaign": campaign.slug, "title": title, "plan": plan.pk if plan else None, "domain": domain,
        "org": org.code if org else None,
    })
    return measure


def _delivery_in_subtree(delivery: Delivery, org: Org) -> bool:
    """A delivery belongs to a unit's subtree if the person lives there or, for units, is a
    member of one of its branches (members of a school are registered where they live)."""
    if delivery.person.org_path.startswith(org.path):
        return True
    member = getattr(delivery.person, "party_member", None)
    return member is not None and member.branch.path.startswith(org.path)


@transaction.atomic
def task_complete(*, by, task: CampaignTask, org: Org, completed_on: date | None = None,
                  session: Session | None = None, delivery: Delivery | None = None,
                  report: str = "") -> TaskCompletion:
    """Record that ``org`` did ``task``, with what proves it: a session of the campaign held in
    the unit's subtree (for an action proved by a session), a delivery of the campaign to a
    person of the subtree (for one proved by a delivery), or a written report (any action; the
    only proof of a REPORT action). A unit completes an action once."""
    campaign = task.campaign
    _check_open(campaign)
    report = (report or "").strip()
    today = timezone.localdate()
    if not task_applies_to(task, org):
        raise ValidationError({"task": _("动作“%(task)s”不适用于%(org)s") % {"task": task.title, "org": org.name}})
    if session is None and delivery is None and not report:
        raise ValidationError({"report": _("请提供佐证：学习活动、送学记录或工作报告")})
    if task.proof_kind == ProofKind.REPORT and not report:
        raise ValidationError({"report": _("该动作须提交工作报告")})
    if session is not None:
        if task.proof_kind != ProofKind.SESSION:
            raise ValidationError({"session": _("该动作不以学习活动为佐证")})
        if session.campaign_id != campaign.pk:
            raise ValidationError({"session": _("该学习活动不属于本主题活动")})
        if not session.org_path.startswith(org.path):
            raise ValidationError({"session": _("该学习活动不是%(org)s或其下属组织举办的") % {"org": org.name}})
        if task.session_kind and session.kind != task.session_kind:
            raise ValidationError({"session": _("该动作须以%(kind)s为佐证") % {
                "kind": SessionKind(task.session_kind).label}})
        if session.starts_at > timezone.now():
            raise ValidationError({"session": _("该学习活动尚未举行")})
    if delivery is not None:
        if task.proof_kind != ProofKind.DELIVERY:
            raise ValidationError({"delivery": _("该动作不以送学记录为佐证")})
        if delivery.campaign_id != campaign.pk:
            raise ValidationError({"delivery": _("该送学记录不属于本主题活动")})
        if not _delivery_in_subtree(delivery, org):
            raise ValidationError({"delivery": _("该送学记录的对象不在%(org)s") % {"org": org.name}})
    if completed_on is None:
        completed_on = (timezone.localdate(session.starts_at) if session is not None
                        else timezone.localdate(delivery.delivered_at) if delivery is not None else today)
    if completed_on > today:
        raise ValidationError({"completed_on": _("完成日期不能晚于今天")})
    if completed_on < campaign.starts_on:
        raise ValidationError({"completed_on": _("完成日期不能早于活动开始日期")})
    duplicate = _("%(org)s已记录完成“%(task)s”，不能重复记录") % {"org": org.name, "task": task.title}
    if TaskCompletion.objects.filter(task=task, org=org).exists():
        raise ValidationError({"task": duplicate})
    completion = TaskCompletion(task=task, org=org, completed_on=completed_on, session=session, delivery=delivery,
                                report=report, recorded_by=by if getattr(by, "pk", None) else None)
    completion.full_clean(validate_constraints=False)
    try:
        # The check above answers the common case; the unique constraint answers two workers
        # recording the same action at the same moment (the savepoint keeps the caller's
        # transaction usable).
        with transaction.atomic():
            completion.save()
    except IntegrityError:
        raise ValidationError({"task": duplicate}) from None
    audit_record(by=by, action=AuditAction.TASK_COMPLETED, obj=completion, changes={
        "campaign": campaign.slug, "task": task.pk, "org": org.code, "completed_on": completed_on.isoformat(),
        "session": session.pk if session else None, "delivery": delivery.pk if delivery else None,
        "report": report[:200],
    })
    return completion
