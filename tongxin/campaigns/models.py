"""Campaigns (主题教育 / 教育实践活动), their plans "1+7+N", required and optional actions,
measures, and the records that prove a unit did an action."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tongxin.orgs.models import Domain, Org


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", _("筹备中")
    ACTIVE = "active", _("进行中")
    CLOSED = "closed", _("已结束")


class Campaign(models.Model):
    """A themed campaign over a period, run in an org's subtree.

    Its *target* is who must be reached: all party members in scope, and/or residents (all, or
    only those in ``resident_groups``), and/or the members of the chosen ``units``' branches.
    """

    name = models.CharField(_("名称"), max_length=100)
    slug = models.SlugField(_("简称"), max_length=60, unique=True)
    theme = models.CharField(_("主题"), max_length=200, blank=True)
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"))
    scope = models.ForeignKey(Org, verbose_name=_("范围"), on_delete=models.PROTECT, related_name="campaigns")
    scope_path = models.CharField(max_length=255, db_index=True, editable=False)
    status = models.CharField(_("状态"), max_length=10, choices=CampaignStatus.choices, default=CampaignStatus.ACTIVE)
    targets_members = models.BooleanField(_("面向全体党员"), default=True)
    targets_residents = models.BooleanField(_("面向居民群众"), default=False)
    # PersonGroup codes; empty with ``targets_residents`` means every resident in scope.
    resident_groups = models.JSONField(_("居民类别"), default=list, blank=True)
    units = models.ManyToManyField(Org, verbose_name=_("指定单位"), blank=True, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("主题活动")
        verbose_name_plural = _("主题活动")
        ordering = ["-starts_on", "name"]
        constraints = [
            models.CheckConstraint(condition=models.Q(ends_on__gte=models.F("starts_on")), name="campaign_period_valid"),
        ]

    def __str__(self) -> str:
        return self.name


class PlanKind(models.TextChoices):
    OVERALL = "overall", _("实施方案")
    DOMAIN = "domain", _("领域操作规程")
    UNIT = "unit", _("子方案")


class Plan(models.Model):
    """"1+7+N": one overall plan, a procedure per domain, a sub-plan per unit."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="plans")
    kind = models.CharField(_("类型"), max_length=10, choices=PlanKind.choices)
    title = models.CharField(_("标题"), max_length=200)
    domain = models.CharField(_("领域"), max_length=30, choices=Domain.choices, blank=True)
    org = models.ForeignKey(Org, verbose_name=_("制定单位"), null=True, blank=True, on_delete=models.PROTECT,
                            related_name="plans")
    parent = models.ForeignKey("self", verbose_name=_("上级方案"), null=True, blank=True, on_delete=models.PROTECT,
                               related_name="children")
    body = models.TextField(_("正文"), blank=True)
    issued_on = models.DateField(_("印发日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("方案")
        verbose_name_plural = _("方案")
        ordering = ["campaign", "kind", "domain", "title"]

    def __str__(self) -> str:
        return self.title


class ProofKind(models.TextChoices):
    """What record proves an action was done."""

    SESSION = "session", _("学习活动")
    DELIVERY = "delivery", _("送学记录")
    REPORT = "report", _("工作报告")


class CampaignTask(models.Model):
    """规定动作 (``required``) / 自选动作: an action with a due date, for the units of a domain,
    or for one unit (org) and the units under it."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="tasks")
    plan = models.ForeignKey(Plan, null=True, blank=True, on_delete=models.SET_NULL, related_name="tasks")
    title = models.CharField(_("名称"), max_length=200)
    description = models.TextField(_("要求"), blank=True)
    required = models.BooleanField(_("规定动作"), default=True)
    due_on = models.DateField(_("完成时限"))
    domain = models.CharField(_("适用领域"), max_length=30, choices=Domain.choices, blank=True)
    org = models.ForeignKey(Org, verbose_name=_("适用单位"), null=True, blank=True, on_delete=models.PROTECT,
                            related_name="campaign_tasks")
    proof_kind = models.CharField(_("佐证"), max_length=10, choices=ProofKind.choices, default=ProofKind.SESSION)
    # For a session proof: which kind of session counts (empty: any).
    session_kind = models.CharField(_("活动类型"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("规定/自选动作")
        verbose_name_plural = _("规定/自选动作")
        ordering = ["campaign", "due_on", "title"]

    def __str__(self) -> str:
        return self.title


class TaskCompletion(models.Model):
    """A unit did an action; the session, delivery or report that proves it."""

    task = models.ForeignKey(CampaignTask, on_delete=models.CASCADE, related_name="completions")
    org = models.ForeignKey(Org, verbose_name=_("完成单位"), on_delete=models.PROTECT, related_name="task_completions")
    completed_on = models.DateField(_("完成日期"))
    session = models.ForeignKey("learning.Session", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    delivery = models.ForeignKey("learning.Delivery", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")
    report = models.TextField(_("工作报告"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("完成记录")
        verbose_name_plural = _("完成记录")
        constraints = [
            models.UniqueConstraint(fields=["task", "org"], name="task_completion_once_per_org"),
            models.CheckConstraint(
                condition=models.Q(session__isnull=False) | models.Q(delivery__isnull=False) | ~models.Q(report=""),
                name="task_completion_has_proof",
            ),
        ]

    def __str__(self) -> str:
        # 八里铺社区完成“召开动员会”（2024-05-01）: what the admin and the audit log list.
        return _("%(org)s完成“%(task)s”（%(on)s）") % {
            "org": self.org.name, "task": self.task.title, "on": self.completed_on.isoformat()}


class Measure(models.Model):
    """推进举措: a concrete measure under a plan (the Tongliao plan had 78 in ten domains)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="measures")
    plan = models.ForeignKey(Plan, null=True, blank=True, on_delete=models.SET_NULL, related_name="measures")
    domain = models.CharField(_("领域"), max_length=30, choices=Domain.choices, blank=True)
    org = models.ForeignKey(Org, verbose_name=_("责任单位"), null=True, blank=True, on_delete=models.PROTECT,
                            related_name="measures")
    title = models.CharField(_("举措"), max_length=200)
    description = models.TextField(_("内容"), blank=True)

    class Meta:
        verbose_name = _("推进举措")
        verbose_name_plural = _("推进举措")
        ordering = ["campaign", "domain", "title"]

    def __str__(self) -> str:
        return self.title
