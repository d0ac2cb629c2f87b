"""The actions that earn points (积分事项), one code each, and the rules a street starts with.

Every module that awards points names its action here and calls ``points_award`` with it; the
rules themselves are data (``EarningRule``) that a community's staff edit. ``earning_rules_default``
gives a street the defaults below when it has none, so a new street earns from the first day.
Quizzes, volunteering and voices add their codes here when they are built.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models, transaction
from django.utils.translation import gettext_lazy as _

from tongxin.core.audit import AuditAction, audit_record
from tongxin.orgs.models import Org, OrgKind

from .models import CapPeriod, EarningRule


class PointsAction(models.TextChoices):
    DAILY_CHECKIN = "daily_checkin", _("每日打卡")
    ATTENDANCE = "attendance", _("参加学习活动")
    HOME_DELIVERY = "home_delivery", _("接受送学上门")
    REFLECTION_SUBMITTED = "reflection_submitted", _("提交学习心得")
    REFLECTION_EXCELLENT = "reflection_excellent", _("心得评为优质")


@dataclass(frozen=True)
class DefaultRule:
    points: int
    daily_cap: int | None = None
    period_cap: int | None = None
    period: str = ""


# Small daily amounts, larger ones for what takes effort (an excellent reflection); the caps keep
# a person who attends three sessions a day, or writes ten short reflections, from running away
# with the store.
DEFAULT_RULES: dict[str, DefaultRule] = {
    PointsAction.DAILY_CHECKIN: DefaultRule(points=2, daily_cap=2),
    PointsAction.ATTENDANCE: DefaultRule(points=10, daily_cap=20, period_cap=50, period=CapPeriod.WEEK),
    PointsAction.HOME_DELIVERY: DefaultRule(points=10, daily_cap=10, period_cap=30, period=CapPeriod.WEEK),
    PointsAction.REFLECTION_SUBMITTED: DefaultRule(points=5, daily_cap=5, period_cap=15, period=CapPeriod.WEEK),
    PointsAction.REFLECTION_EXCELLENT: DefaultRule(points=20, period_cap=60, period=CapPeriod.MONTH),
}


@transaction.atomic
def earning_rules_default(*, by, org: Org) -> list[EarningRule]:
    """Create the default rules for the street (or township) ``org`` if it has none at all; a
    street that has any rule of its own is left as it is (its staff chose). Returns the rules
    created."""
    if org.kind not in (OrgKind.STREET, OrgKind.TOWNSHIP):
        raise ValueError("默认积分规则只设在街道或苏木乡镇")
    if EarningRule.objects.select_for_update().filter(org=org).exists():
        return []
    rules = EarningRule.objects.bulk_create([
        EarningRule(org=org, org_path=org.path, action=action, points=rule.points, daily_cap=rule.daily_cap,
                    period_cap=rule.period_cap, period=rule.period)
        for action, rule in DEFAULT_RULES.items()])
    audit_record(by=by, action=AuditAction.EARNING_RULE_SAVED, obj=org,
                 changes={"defaults": {action: rule.points for action, rule in DEFAULT_RULES.items()}})
    return rules
