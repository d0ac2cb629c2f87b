"""Points (积分): an append-only ledger per person (``PointsEntry``) whose sum is the balance kept on
the account (``PointsAccount``), earning rules as data (``EarningRule``), and the store
(``Reward``, ``Redemption``).

Money-like rules: one row per movement, each with a unique idempotency key; the balance equals the
sum of the rows and never goes below zero (a database check); nothing is updated or deleted — a
correction or a refund is a row of its own; spending locks the account row."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tongxin.orgs.models import Org
from tongxin.people.models import Person


class PointsAccount(models.Model):
    """A person's points in their community. ``balance`` is the sum of the entries, written in
    the same transaction as each entry (the account row is locked while it changes)."""

    person = models.OneToOneField(Person, verbose_name=_("本人"), on_delete=models.PROTECT,
                                  related_name="points_account")
    org = models.ForeignKey(Org, verbose_name=_("所在社区"), on_delete=models.PROTECT, related_name="+")
    org_path = models.CharField(max_length=255, db_index=True, editable=False)
    balance = models.IntegerField(_("积分余额"), default=0)
    earned = models.IntegerField(_("累计获得"), default=0)
    spent = models.IntegerField(_("累计使用"), default=0)
    # When the first and the last award of the ledger were dated (earn entries only; null before
    # the first): how many people earned in a period is read from these, and only an account that
    # earned before and after the period needs its entries looked at (``points.tally``).
    first_earned_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_earned_at = models.DateTimeField(null=True, blank=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("积分账户")
        verbose_name_plural = _("积分账户")
        constraints = [models.CheckConstraint(condition=Q(balance__gte=0), name="points_balance_not_negative")]

    def __str__(self) -> str:
        return f"{self.person} {self.balance}"


class EntryKind(models.TextChoices):
    EARN = "earn", _("获得")
    SPEND = "spend", _("兑换")
    REFUND = "refund", _("退还")
    CORRECTION = "correction", _("更正")


class PointsEntryQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("积分流水只能追加，不能修改")

    def delete(self):
        raise PermissionError("积分流水只能追加，不能删除")


class PointsEntry(models.Model):
    """One movement of points: who, where, how many (+ earned, − spent), why, from which record,
    who acted, when. ``key`` is unique: a retried award or redemption finds the first row."""

    # What the audit log shows for it: this and the id (also written by the ledger's SQL).
    REPR_PREFIX = "积分流水 #"

    account = models.ForeignKey(PointsAccount, on_delete=models.PROTECT, related_name="entries")
    person = models.ForeignKey(Person, verbose_name=_("本人"), on_delete=models.PROTECT, related_name="+")
    org = models.ForeignKey(Org, verbose_name=_("所在社区"), on_delete=models.PROTECT, related_name="+")
    org_path = models.CharField(max_length=255, db_index=True, editable=False)
    amount = models.IntegerField(_("积分"))
    kind = models.CharField(_("类型"), max_length=20, choices=EntryKind.choices)
    action = models.CharField(_("事项"), max_length=40, blank=True)
    reason = models.CharField(_("说明"), max_length=200, blank=True)
    source_type = models.CharField(max_length=64, blank=True)
    source_id = models.CharField(max_length=64, blank=True)
    reverses = models.OneToOneField("self", verbose_name=_("冲正"), null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="reversed_by")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True,
                           on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(_("时间"), db_index=True)
    key = models.CharField(max_length=120, unique=True)

    objects = PointsEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("积分流水")
        verbose_name_plural = _("积分流水")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["account", "action", "at"], name="points_entry_caps"),
            models.Index(fields=["source_type", "source_id"], name="points_entry_source"),
        ]
        constraints = [models.CheckConstraint(condition=~Q(amount=0), name="points_entry_not_zero")]

    def __str__(self) -> str:
        return f"{self.REPR_PREFIX}{self.pk}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("积分流水只能追加，不能修改")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("积分流水只能追加，不能删除")


class CapPeriod(models.TextChoices):
    WEEK = "week", _("每周")
    MONTH = "month", _("每月")
    CAMPAIGN = "campaign", _("整个活动期间")


class EarningRule(models.Model):
    """How many points an action earns in an org (a community, or a street for all its
    communities): the points, a cap per day and a cap per period, in points. Data, edited by the
    community's staff: the apps residents know (学习强国) change their caps often."""

    org = models.ForeignKey(Org, verbose_name=_("适用范围"), on_delete=models.PROTECT, related_name="earning_rules")
    org_path = models.CharField(max_length=255, db_index=True, editable=False)
    action = models.CharField(_("事项"), max_length=40)
    points = models.PositiveSmallIntegerField(_("每次积分"))
    daily_cap = models.PositiveIntegerField(_("每日上限（分）"), null=True, blank=True)
    period_cap = models.PositiveIntegerField(_("周期上限（分）"), null=True, blank=True)
    period = models.CharField(_("周期"), max_length=20, choices=CapPeriod.choices, blank=True)
    active = models.BooleanField(_("启用"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("积分规则")
        verbose_name_plural = _("积分规则")
        constraints = [
            models.UniqueConstraint(fields=["org", "action"], name="earning_rule_unique"),
            models.CheckConstraint(condition=Q(period_cap__isnull=True) | ~Q(period=""),
                                   name="earning_rule_period_with_cap"),
        ]

    def __str__(self) -> str:
        return f"{self.org} {self.action} {self.points}"


class RewardKind(models.TextChoices):
    GOODS = "goods", _("实物")
    SERVICE = "service", _("物业优惠/服务")


class Reward(models.Model):
    """An item of a community's catalogue: goods with stock, or a service reward (parking or shed
    rent reduced by a percentage, an e-bike charging discount, a free repair) valid for some days
    and limited per person."""

    org = models.ForeignKey(Org, verbose_name=_("所属社区"), on_delete=models.PROTECT, related_name="rewards")
    org_path = models.CharField(max_length=255, db_index=True, editable=False)
    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=20, choices=RewardKind.choices)
    cost = models.PositiveIntegerField(_("所需积分"))
    stock = models.IntegerField(_("库存"), default=0)
    discount_percent = models.PositiveSmallIntegerField(_("优惠比例（%）"), null=True, blank=True)
    valid_days = models.PositiveSmallIntegerField(_("兑换后有效天数"), default=30)
    per_person_limit = models.PositiveSmallIntegerField(_("每人限兑"), null=True, blank=True)
    description = models.CharField(_("说明"), max_length=300, blank=True)
    active = models.BooleanField(_("上架"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("兑换商品")
        verbose_name_plural = _("兑换商品")
        ordering = ["org", "cost", "name"]
        constraints = [
            models.CheckConstraint(condition=Q(stock__gte=0), name="reward_stock_not_negative"),
            models.CheckConstraint(condition=Q(cost__gte=1), name="reward_cost_positive"),
            models.CheckConstraint(condition=Q(discount_percent__isnull=True) | Q(discount_percent__lte=100),
                                   name="reward_discount_percent"),
        ]

    def __str__(self) -> str:
        return self.name


class RedemptionStatus(models.TextChoices):
    PENDING = "pending", _("待领取")
    FULFILLED = "fulfilled", _("已领取")
    CANCELLED = "cancelled", _("已取消")
    EXPIRED = "expired", _("已过期")


class Redemption(models.Model):
    """A redemption: the points spent (one entry), a pickup code staff verify at the counter;
    cancelled or expired ones get a refund entry and their stock back."""

    code = models.CharField(_("兑换码"), max_length=12, unique=True)
    reward = models.ForeignKey(Reward, verbose_name=_("商品"), on_delete=models.PROTECT, related_name="redemptions")
    person = models.ForeignKey(Person, verbose_name=_("兑换人"), on_delete=models.PROTECT,
                               related_name="redemptions")
    org_path = models.CharField(max_length=255, db_index=True, editable=False)
    quantity = models.PositiveSmallIntegerField(_("数量"), default=1)
    points = models.PositiveIntegerField(_("使用积分"))
    status = models.CharField(_("状态"), max_length=20, choices=RedemptionStatus.choices,
                              default=RedemptionStatus.PENDING)
    spend_entry = models.OneToOneField(PointsEntry, on_delete=models.PROTECT, related_name="redemption")
    refund_entry = models.OneToOneField(PointsEntry, null=True, blank=True, on_delete=models.PROTECT,
                                        related_name="refunded_redemption")
    key = models.CharField(max_length=120, unique=True)
    created_at = models.DateTimeField(_("兑换时间"))
    expires_at = models.DateTimeField(_("有效期至"))
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("核销人"), null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("积分兑换")
        verbose_name_plural = _("积分兑换")
        ordering = ["-created_at", "-id"]
        constraints = [models.CheckConstraint(condition=Q(quantity__gte=1), name="redemption_quantity_positive")]

    def __str__(self) -> str:
        return f"{self.reward} ×{self.quantity} {self.code}"


class PointsDayTally(models.Model):
    """The points one community earned, spent and got back in one local day, by action: the sums
    of its ledger entries, so that the figures of a district add up tallies instead of reading
    every entry. Each entry leaves a ``PointsTallyMark`` in its own statement; a read of the
    figures first folds the marks in (``points.tally.tally_settle``)."""

    org = models.ForeignKey(Org, on_delete=models.PROTECT, related_name="+")
    org_path = models.CharField(max_length=255, db_index=True, editable=False)
    day = models.DateField()
    action = models.CharField(max_length=40, blank=True)
    earned = models.IntegerField(default=0)
    spent = models.IntegerField(default=0)  # positive, as the figures show it
    refunded = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["org", "day", "action"], name="points_tally_one_per_day")]

    def __str__(self) -> str:
        return f"{self.org_path} {self.day} {self.action}"


class PointsTallyMark(models.Model):
    """An entry not yet in its day's tally (its org, day, action, kind and amount), written with
    the entry and deleted when a read folds it in. Inserts only: the writers of a busy community
    never wait on one tally row."""

    org = models.ForeignKey(Org, on_delete=models.PROTECT, related_name="+", db_index=False)
    org_path = models.CharField(max_length=255, editable=False)
    day = models.DateField()
    action = models.CharField(max_length=40, blank=True)
    kind = models.CharField(max_length=20, choices=EntryKind.choices)
    amount = models.IntegerField()
