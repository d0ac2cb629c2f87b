"""The demo street's points (积分) over its campaign's eight weeks, as the ledger would hold them
had it been running:

- the street's default earning rules (``earning_rules_default``);
- a catalogue per community (积分超市): goods (洗衣液, 米面油, 毛巾, …) and the property discounts of
  the seed (物业优惠: 车位租金减免 20%, 小棚租赁减免 20%, 电动车充电 8 折, 免费入户维修 1 次);
- the awards for every attendance of the campaign, its home deliveries, reflections submitted and
  selected as excellent, with the keys the live services use (``attendance:<id>``,
  ``delivery:<id>``, …), and a check-in (打卡) most mornings by a share of the people with an
  account. They are replayed in date order with the ledger's own cap rules (``cap_windows``,
  ``capped_amount``), each dated when it happened, and written in bulk with their audit entries:
  the same rows ``points_award`` writes one locked transaction at a time, in a second rather than
  minutes;
- redemptions through the store's services, each dated after its person had earned enough: most
  fulfilled at the counter, some pending, a few cancelled (refunded).

The balance of every account is the sum of its entries and never negative, as in real use.
"""

from __future__ import annotations

import random
import time as clock
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from tongxin.campaigns.models import Campaign
from tongxin.core.audit import AuditAction, audit_record_many
from tongxin.learning.models import Attendance, Delivery, DeliveryKind, Reflection
from tongxin.orgs.models import Org
from tongxin.people.models import Person
from tongxin.points.actions import PointsAction, earning_rules_default
from tongxin.points.models import EarningRule, EntryKind, PointsAccount, PointsEntry, Reward, RewardKind
from tongxin.points.tally import tally_rebuild
from tongxin.points.services.catalogue import reward_create
from tongxin.points.services.ledger import CHECKIN, NotEnoughPoints, cap_windows, capped_amount
from tongxin.points.services.store import OutOfStock, redemption_cancel, redemption_create, redemption_verify

from .campaign.people import read_street

SEED = 2_0_2_1  # the year 八里铺街道 opened its 积分超市
CHECKIN_SHARE = 0.6  # of the people with an account, those who check in
CHECKIN_DAYS = 0.7  # of the days, how often they do
REDEEMERS_PER_COMMUNITY = 12
RECENT = timedelta(days=14)  # redemptions are of the last two weeks

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
        earned_by = self._award_all(events)
        for community in self.sp.communities:
            self._redemptions(community, rewards[community.org.pk], earned_by)
        tally_rebuild(self.street)  # the awards went in bulk, without their tallies' marks
        return self.result

    # -- the awards ---------------------------------------------------------------------------------
    def _award_all(self, events: list[tuple]) -> dict[int, list[tuple[datetime, int]]]:
        """Each event's award under the street's rules and their caps, as ``points_award`` would
        have made it at the time; the accounts, entries and audit entries written in bulk. Returns
        each person's awards (when, points) for dating their redemptions."""
        rules = {r.action: r for r in EarningRule.objects.filter(org=self.street, active=True)}
        persons = dict(Person.objects.filter(pk__in={e[1] for e in events}).values_list("pk", "org_path"))
        communities = {c.org.path: c.org for c in self.sp.communities}
        so_far: dict[tuple, int] = defaultdict(int)  # (person, action, "day"/"period", start): points
        accounts: dict[int, PointsAccount] = {}
        entries: list[PointsEntry] = []
        earned_by: dict[int, list[tuple[datetime, int]]] = defaultdict(list)
        for at, person_id, action, key, source, reason in events:
            rule = rules.get(action)
            if rule is None:
                continue
            day, period = cap_windows(rule, at, self.campaign)
            day_key, period_key = (person_id, action, "day", day), (person_id, action, "period", period)
            amount, _capped = capped_amount(rule, so_far[day_key], so_far[period_key])
            if amount <= 0:
                continue
            so_far[day_key] += amount
            so_far[period_key] += amount
            account = accounts.get(person_id)
            if account is None:
                path = persons[person_id]
                org = next(org for prefix, org in communities.items() if path.startswith(prefix))
                account = accounts[person_id] = PointsAccount(person_id=person_id, org=org, org_path=org.path)
            account.balance += amount
            account.earned += amount
            entries.append(PointsEntry(
                person_id=person_id, org_id=account.org_id, org_path=account.org_path, amount=amount,
                kind=EntryKind.EARN, action=action, reason=reason,
                source_type=source._meta.label_lower if source is not None else "",
                source_id=str(source.pk) if source is not None else "", at=at, key=key))
            earned_by[person_id].append((at, amount))
        PointsAccount.objects.bulk_create(accounts.values())
        for entry in entries:
            entry.account_id = accounts[entry.person_id].pk
        PointsEntry.objects.bulk_create(entries, batch_size=2_000)
        audit_record_many(by=None, action=AuditAction.POINTS_AWARDED, objects=entries, changes_for=lambda e: {
            "person": e.person_id, "action": e.action, "amount": e.amount, "key": e.key})
        self.result.awards = len(entries)
        self.result.points = sum(e.amount for e in entries)
        return earned_by

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
    def _redemptions(self, community, rewards: list[Reward], earned_by: dict[int, list[tuple]]) -> None:
        cheapest = min(r.cost for r in rewards)
        accounts = list(PointsAccount.objects.filter(org=community.org, balance__gte=cheapest)
                        .select_related("person").order_by("-balance", "pk")[:REDEEMERS_PER_COMMUNITY])
        staff = community.worker or self.sp.admin
        for n, account in enumerate(accounts):
            affordable = [r for r in rewards if r.cost <= account.balance]
            reward = self.rng.choice(affordable)
            try:
                redemption = redemption_create(by=None, person=account.person, reward=reward,
                                               key=f"demo:{reward.pk}:{n}",
                                               at=self._when_affordable(earned_by[account.person_id], reward.cost))
            except (NotEnoughPoints, OutOfStock):
                continue
            self.result.redemptions += 1
            # Most are picked up; every fifth waits at the counter; every seventh was cancelled.
            if n % 7 == 3:
                redemption_cancel(by=staff, redemption=redemption, reason="居民改换其他商品")
            elif n % 5 != 4:
                redemption_verify(by=staff, redemption=redemption)

    def _when_affordable(self, awards: list[tuple[datetime, int]], cost: int) -> datetime:
        """A moment of the last ``RECENT`` days after the award that first brought the balance to
        ``cost`` (each person redeems once, so the balance then covered it; and a recent code is
        still valid at the counter)."""
        total = 0
        for at, amount in awards:
            total += amount
            if total >= cost:
                start = max(at, self.now - RECENT)
                return start + (self.now - start) * self.rng.random()
        return self.now
