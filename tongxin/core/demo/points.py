"""The demo street's points (积分) over its campaign's eight weeks, through the services, as the
ledger would hold them had it been running (each entry with its audit entry):

- the street's default earning rules (``earning_rules_default``);
- a catalogue per community (积分超市): goods (洗衣液, 米面油, 毛巾, …) and the property discounts of
  the seed (物业优惠: 车位租金减免 20%, 小棚租赁减免 20%, 电动车充电 8 折, 免费入户维修 1 次);
- the awards for the campaign's attendances, home deliveries, reflections submitted and selected
  as excellent, with the keys the live services use (``attendance:<id>``, ``delivery:<id>``, …),
  dated when each happened (``points_award(at=…)``) and replayed in date order so that the daily
  and weekly caps hold as they would have; a check-in (打卡) most mornings by a share of the
  people with an account. At the street scale the attendances are a sample (``ATTENDANCE_MAX``):
  each award is a locked, audited transaction of its own, and a sample shows the same figures'
  shape in seconds rather than minutes;
- redemptions: most fulfilled at the counter, some pending, a few cancelled (refunded).

Every movement goes through ``points_award`` and the store's services, so the balance of every
account is the sum of its entries and never negative, as in real use. The redemptions carry the
moment the demo ran (the store stamps them; the spends are the last movements of each account).
"""

from __future__ import annotations

import random
import time as clock
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from tongxin.campaigns.models import Campaign
from tongxin.learning.models import Attendance, Delivery, DeliveryKind, Reflection
from tongxin.orgs.models import Org
from tongxin.people.models import Person
from tongxin.points.actions import PointsAction, earning_rules_default
from tongxin.points.models import PointsAccount, Reward, RewardKind
from tongxin.points.services.catalogue import reward_create
from tongxin.points.services.ledger import CHECKIN, NotEnoughPoints, points_award
from tongxin.points.services.store import (
    OutOfStock,
    redemption_cancel,
    redemption_create,
    redemption_verify,
)

from .campaign.people import read_street

SEED = 2_0_2_1  # the year 八里铺街道 opened its 积分超市
ATTENDANCE_MAX = 3_000  # attendances awarded at most (a sample at the street scale)
CHECKIN_SHARE = 0.6  # of the people with an account, those who check in
CHECKIN_DAYS = 0.7  # of the days, how often they do
REDEEMERS_PER_COMMUNITY = 12

# name, kind, cost, stock, discount %, valid days, per-person limit, description
CATALOGUE = [
    ("洗衣液 2kg", RewardKind.GOODS, 30, 60, None, 30, None, "到社区党群服务中心领取"),
    ("毛巾", RewardKind.GOODS, 15, 100, None, 30, None, ""),
    ("米面油套装（大米 5kg、面粉 5kg、食用油 1.8L）", RewardKind.GOODS, 120, 20, None, 30, 1, ""),
    ("抽纸 6 包", RewardKind.GOODS, 20, 80, None, 30, None, ""),
    ("车位租金减免 20%", RewardKind.SERVICE, 80, 30, 20, 60, 1, "凭兑换码到物业服务中心办理，减免当月车位租金"),
    ("小棚租赁减免 20%", RewardKind.SERVICE, 60, 30, 20, 60, 1, "凭兑换码到物业服务中心办理，减免当月小棚租金"),
    ("电动车充电 8 折", RewardKind.SERVICE, 20, 200, 20, 30, 2, "小区充电桩，一个月内有效"),
    ("免费入户维修 1 次", RewardKind.SERVICE, 50, 40, None, 60, 1, "水电、门锁等小修，预约后上门"),
]


@dataclass
class PointsResult:
    rules: int = 0
    rewards: int = 0
    awards: int = 0
    points: int = 0
    redemptions: int = 0
    seconds: float = 0.0


def demo_has_points(street: Org) -> bool:
    return Reward.objects.filter(org_path__startswith=street.path).exists()


def seed_points(street: Org, campaign: Campaign, now: datetime | None = None) -> PointsResult:
    """The street's rules, catalogue, awards and redemptions; nothing if it has a catalogue."""
    started = clock.perf_counter()
    if demo_has_points(street):
        return PointsResult()
    now = now or timezone.now()
    with transaction.atomic():
        result = _PointsBuilder(street, campaign, now).build()
    result.seconds = clock.perf_counter() - started
    return result


class _PointsBuilder:
    def __init__(self, street: Org, campaign: Campaign, now: datetime):
        self.street, self.campaign, self.now = street, campaign, now
        self.today = timezone.localdate(now)
        self.first_day = max(campaign.starts_on, self.today - timedelta(weeks=8))
        self.rng = random.Random(SEED)
        self.sp = read_street(street, self.today)
        self.result = PointsResult()

    def build(self) -> PointsResult:
        self.result.rules = len(earning_rules_default(by=self.sp.admin, org=self.street))
        rewards = {community.org.pk: self._catalogue(community.org) for community in self.sp.communities}
        events = sorted(self._attendances() + self._deliveries() + self._reflections() + self._checkins(),
                        key=lambda e: (e[0], e[3]))
        persons = {p.pk: p for p in Person.objects.filter(pk__in={e[1] for e in events})
                   .only("id", "org_id", "org_path", "is_active")}
        for at, person_id, action, key, source, reason in events:
            award = points_award(by=None, person=persons[person_id], action=action, key=key, source=source,
                                 reason=reason, campaign=self.campaign, at=at)
            if award.entry is not None:
                self.result.awards += 1
                self.result.points += award.points
        for community in self.sp.communities:
            self._redemptions(community, rewards[community.org.pk])
        return self.result

    # -- the catalogue ------------------------------------------------------------------------------
    def _catalogue(self, community: Org) -> list[Reward]:
        made = []
        for name, kind, cost, stock, percent, days, limit, description in CATALOGUE:
            made.append(reward_create(by=None, org=community, stock=stock, data={
                "name": name, "kind": kind, "cost": cost, "discount_percent": percent, "valid_days": days,
                "per_person_limit": limit, "description": description}))
        self.result.rewards += len(made)
        return made

    # -- what earned: (at, person, action, key, source, reason) -----------------------------------
    def _in_window(self, at: datetime) -> bool:
        return self.first_day <= timezone.localdate(at) <= self.today and at <= self.now

    def _attendances(self) -> list[tuple]:
        rows = [r for r in Attendance.objects.filter(campaign=self.campaign).order_by("pk")
                .values_list("pk", "person_id", "checked_in_at") if self._in_window(r[2])]
        if len(rows) > ATTENDANCE_MAX:
            rows = sorted(self.rng.sample(rows, ATTENDANCE_MAX))
        return [(at, person_id, PointsAction.ATTENDANCE, f"attendance:{pk}", Attendance(pk=pk), "参加学习活动")
                for pk, person_id, at in rows]

    def _deliveries(self) -> list[tuple]:
        rows = (Delivery.objects.filter(campaign=self.campaign, kind=DeliveryKind.HOME)
                .values_list("pk", "person_id", "delivered_at"))
        return [(at, person_id, PointsAction.HOME_DELIVERY, f"delivery:{pk}", Delivery(pk=pk), "接受送学上门")
                for pk, person_id, at in rows if self._in_window(at)]

    def _reflections(self) -> list[tuple]:
        events = []
        rows = (Reflection.objects.filter(campaign=self.campaign)
                .values_list("pk", "person_id", "submitted_at", "is_excellent", "reviewed_at"))
        for pk, person_id, submitted, excellent, reviewed in rows:
            if not self._in_window(submitted):
                continue
            events.append((submitted, person_id, PointsAction.REFLECTION_SUBMITTED, f"reflection:{pk}",
                           Reflection(pk=pk), "提交学习心得"))
            if excellent:
                at = reviewed if reviewed and self._in_window(reviewed) else submitted
                events.append((at, person_id, PointsAction.REFLECTION_EXCELLENT, f"reflection_excellent:{pk}",
                               Reflection(pk=pk), "心得评为优质"))
        return events

    def _checkins(self) -> list[tuple]:
        people = sorted(self.sp.account_persons)
        checkers = [pk for pk in people if self.rng.random() < CHECKIN_SHARE]
        events = []
        day = self.first_day
        while day <= self.today:
            for person_id in checkers:
                if self.rng.random() < CHECKIN_DAYS:
                    at = self._morning(day)
                    if at <= self.now:  # the key of points_checkin: one a person a local day
                        events.append((at, person_id, PointsAction.DAILY_CHECKIN,
                                       f"{CHECKIN}:{person_id}:{day.isoformat()}", None, "每日打卡"))
            day += timedelta(days=1)
        return events

    def _morning(self, day: date) -> datetime:
        moment = time(6 + self.rng.randrange(4), self.rng.randrange(60), self.rng.randrange(60))
        return timezone.make_aware(datetime.combine(day, moment))

    # -- redemptions ----------------------------------------------------------------------------------
    def _redemptions(self, community, rewards: list[Reward]) -> None:
        cheapest = min(r.cost for r in rewards)
        accounts = list(PointsAccount.objects.filter(org=community.org, balance__gte=cheapest)
                        .select_related("person").order_by("-balance", "pk")[:REDEEMERS_PER_COMMUNITY])
        staff = community.worker or self.sp.admin
        for n, account in enumerate(accounts):
            affordable = [r for r in rewards if r.cost <= account.balance]
            reward = self.rng.choice(affordable)
            try:
                redemption = redemption_create(by=None, person=account.person, reward=reward,
                                               key=f"demo:{reward.pk}:{n}")
            except (NotEnoughPoints, OutOfStock):
                continue
            self.result.redemptions += 1
            # Most are picked up; every fifth waits at the counter; every seventh was cancelled.
            if n % 7 == 3:
                redemption_cancel(by=staff, redemption=redemption, reason="居民改换其他商品")
            elif n % 5 != 4:
                redemption_verify(by=staff, redemption=redemption)
