"""The catalogue of a community's points store and its earning rules, as staff edit them: create a
reward, change it (or take it off sale), add stock; save an earning rule. Each write checks the
permission, validates with messages in Chinese, and writes its audit entry in the same transaction.

Stock taken by redemptions is the store's (``store``); here stock only grows, under the reward's
row lock, so a restock and a redemption at once cannot lose either change.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from tongxin.core.audit import AuditAction, audit_record, changed_fields
from tongxin.orgs.models import Org, OrgKind

from ..models import CapPeriod, EarningRule, Reward, RewardKind

REWARD_FIELDS = ["name", "kind", "cost", "discount_percent", "valid_days", "per_person_limit", "description",
                 "active"]
RULE_FIELDS = ["points", "daily_cap", "period_cap", "period", "active"]
RESTOCK_MAX = 100_000
STORE_KINDS = (OrgKind.COMMUNITY, OrgKind.VILLAGE)


def _require(by, perm: str, org: Org) -> None:
    if by is not None and not by.has_perm(perm, org):
        raise PermissionError(_("无权管理该社区的积分超市"))


def _clean_reward(data: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, str] = {}
    data = {name: data.get(name) for name in REWARD_FIELDS if name in data}
    name = (data.get("name") or "").strip()
    if "name" in data:
        if not name:
            errors["name"] = _("请填写商品名称")
        data["name"] = name
    if "kind" in data and data["kind"] not in RewardKind.values:
        errors["kind"] = _("请选择商品类型")
    cost = data.get("cost")
    if "cost" in data and (cost is None or cost < 1):
        errors["cost"] = _("所需积分须为正整数")
    percent = data.get("discount_percent")
    if percent is not None and not 1 <= percent <= 100:
        errors["discount_percent"] = _("优惠比例须在 1 到 100 之间")
    days = data.get("valid_days")
    if "valid_days" in data and (days is None or days < 1):
        errors["valid_days"] = _("有效天数至少为 1 天")
    limit = data.get("per_person_limit")
    if limit is not None and limit < 1:
        errors["per_person_limit"] = _("每人限兑至少为 1 件，不限请留空")
    if errors:
        raise ValidationError(errors)
    if "description" in data:
        data["description"] = (data["description"] or "").strip()
    return data


@transaction.atomic
def reward_create(*, by, org: Org, data: dict[str, Any], stock: int = 0) -> Reward:
    """A new reward in ``org``'s catalogue (a community or village), with its first stock."""
    _require(by, "points.run_store", org)
    if org.kind not in STORE_KINDS:
        raise ValidationError({"org": _("积分超市设在社区（村），请选择一个社区")})
    if stock is None or stock < 0 or stock > RESTOCK_MAX:
        raise ValidationError({"stock": _("库存须在 0 到 %(n)d 之间") % {"n": RESTOCK_MAX}})
    fields = _clean_reward(data)
    reward = Reward(org=org, org_path=org.path, stock=stock, **fields)
    reward.full_clean()
    reward.save()
    audit_record(by=by, action=AuditAction.REWARD_CREATED, obj=reward, changes={
        "org": org.pk, "name": reward.name, "cost": reward.cost, "stock": stock})
    return reward


@transaction.atomic
def reward_update(*, by, reward: Reward, data: dict[str, Any]) -> Reward:
    """Change a reward's terms, or take it off sale (``active=False``). Redemptions already made
    keep the points they cost."""
    _require(by, "points.run_store", reward.org)
    locked = Reward.objects.select_for_update().get(pk=reward.pk)
    before = {name: getattr(locked, name) for name in REWARD_FIELDS}
    for name, value in _clean_reward(data).items():
        setattr(locked, name, value)
    locked.full_clean()
    changes = changed_fields(locked, before, REWARD_FIELDS)
    if changes:
        locked.save(update_fields=list(changes))
        audit_record(by=by, action=AuditAction.REWARD_UPDATED, obj=locked, changes=changes)
    return locked


@transaction.atomic
def reward_restock(*, by, reward: Reward, quantity: int) -> Reward:
    """Add ``quantity`` items to the stock (入库)."""
    _require(by, "points.run_store", reward.org)
    if not isinstance(quantity, int) or not 1 <= quantity <= RESTOCK_MAX:
        raise ValidationError({"quantity": _("入库数量须在 1 到 %(n)d 之间") % {"n": RESTOCK_MAX}})
    locked = Reward.objects.select_for_update().get(pk=reward.pk)
    before = locked.stock
    locked.stock += quantity
    locked.save(update_fields=["stock"])
    audit_record(by=by, action=AuditAction.REWARD_RESTOCKED, obj=locked, changes={
        "stock": [before, locked.stock], "quantity": quantity})
    return locked


@transaction.atomic
def earning_rule_save(*, by, org: Org, action: str, points: int, daily_cap: int | None = None,
                      period_cap: int | None = None, period: str = "", active: bool = True) -> EarningRule:
    """Create or change the rule of ``action`` in ``org`` (a community, or a street for all its
    communities): points each time, a cap per day and per period (in points), active or not."""
    _require(by, "points.edit_rules", org)
    action = (action or "").strip()
    errors: dict[str, str] = {}
    if not action:
        errors["action"] = _("请填写事项")
    elif len(action) > 40:
        errors["action"] = _("事项不超过 40 个字符")
    if points is None or points < 1 or points > 10_000:
        errors["points"] = _("每次积分须在 1 到 10000 之间")
    if daily_cap is not None and daily_cap < 1:
        errors["daily_cap"] = _("每日上限至少为 1 分，不限请留空")
    if period_cap is not None and period_cap < 1:
        errors["period_cap"] = _("周期上限至少为 1 分，不限请留空")
    if period and period not in CapPeriod.values:
        errors["period"] = _("请选择周期")
    if period_cap is not None and not period:
        errors["period"] = _("设了周期上限，请选择周期")
    if points and daily_cap is not None and daily_cap < points:
        errors["daily_cap"] = _("每日上限不能小于每次积分")
    if errors:
        raise ValidationError(errors)
    rule = EarningRule.objects.select_for_update().filter(org=org, action=action).first()
    created = rule is None
    if created:
        rule = EarningRule(org=org, org_path=org.path, action=action)
    before = {name: getattr(rule, name) for name in RULE_FIELDS}
    rule.points, rule.daily_cap, rule.period_cap = points, daily_cap, period_cap
    rule.period, rule.active = period or "", active
    rule.save()
    changes = changed_fields(rule, before, RULE_FIELDS)
    if created or changes:
        audit_record(by=by, action=AuditAction.EARNING_RULE_SAVED, obj=rule, changes={
            "org": org.pk, "action": action, "created": created, **changes})
    return rule
