"""The demo's points on the tiny demo street: rules, a catalogue per community, eight weeks of
awards, check-ins and redemptions, with the ledger's rules kept. The checks share one load."""

from __future__ import annotations

from collections import defaultdict
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Sum
from django.utils import timezone

from tongxin.orgs.models import Org, OrgKind
from tongxin.points.actions import PointsAction
from tongxin.points.models import (EarningRule, EntryKind, PointsAccount, PointsEntry, Redemption, RedemptionStatus,
                                   Reward, RewardKind)


@pytest.fixture
def demo(db):
    out = StringIO()
    call_command("seed_demo", scale="tiny", stdout=out)
    return Org.objects.get(code="BLP"), out.getvalue()


def check_every_balance_is_the_sum_and_none_is_negative(street):
    accounts = PointsAccount.objects.filter(org_path__startswith=street.path)
    assert accounts.exists()
    sums = dict(PointsEntry.objects.filter(org_path__startswith=street.path).values_list("account_id")
                .annotate(total=Sum("amount")).values_list("account_id", "total"))
    for account in accounts:
        assert account.balance == sums.get(account.pk, 0) >= 0, account
        earned = sum(PointsEntry.objects.filter(account=account, kind=EntryKind.EARN).values_list("amount", flat=True))
        assert account.earned == earned


def check_rules_and_a_catalogue_in_every_community(street):
    assert set(EarningRule.objects.filter(org=street).values_list("action", flat=True)) == set(PointsAction.values)
    for community in Org.objects.filter(path__startswith=street.path, kind=OrgKind.COMMUNITY):
        rewards = Reward.objects.filter(org=community)
        assert rewards.filter(kind=RewardKind.GOODS).exists()
        assert set(rewards.filter(kind=RewardKind.SERVICE).values_list("name", flat=True)) >= {
            "车位租金减免 20%", "小棚租赁减免 20%", "电动车充电 8 折", "免费入户维修 1 次"}


def check_the_eight_weeks_earned_from_the_work(street):
    entries = PointsEntry.objects.filter(org_path__startswith=street.path, kind=EntryKind.EARN)
    actions = set(entries.values_list("action", flat=True))
    assert {PointsAction.ATTENDANCE, PointsAction.DAILY_CHECKIN, PointsAction.REFLECTION_SUBMITTED} <= actions
    days = {at.date() for at in entries.values_list("at", flat=True)}
    assert len(days) > 20  # spread over the weeks, not all today


def check_no_day_passes_its_cap(street):
    """The replay kept the daily caps as ``points_award`` does (and attendance hit its cap)."""
    caps = dict(EarningRule.objects.filter(org=street, daily_cap__isnull=False).values_list("action", "daily_cap"))
    per_day = defaultdict(int)
    for person, action, at, amount in (PointsEntry.objects.filter(org_path__startswith=street.path, kind=EntryKind.EARN)
                                       .values_list("person_id", "action", "at", "amount")):
        per_day[person, action, timezone.localdate(at)] += amount
    assert all(total <= caps[action] for (_p, action, _d), total in per_day.items() if action in caps)
    assert any(total == caps[PointsAction.ATTENDANCE] for (_p, action, _d), total in per_day.items()
               if action == PointsAction.ATTENDANCE)


def check_redemptions_in_each_status(street):
    statuses = set(Redemption.objects.filter(org_path__startswith=street.path).values_list("status", flat=True))
    assert {RedemptionStatus.FULFILLED, RedemptionStatus.PENDING, RedemptionStatus.CANCELLED} <= statuses
    cancelled = Redemption.objects.filter(org_path__startswith=street.path, status=RedemptionStatus.CANCELLED)
    assert not cancelled.filter(refund_entry__isnull=True).exists()
    # Dated over the last two weeks, each after its person had earned its cost.
    redemptions = Redemption.objects.filter(org_path__startswith=street.path).select_related("spend_entry")
    assert len({r.created_at.date() for r in redemptions}) > 3
    for r in redemptions:
        earned = sum(PointsEntry.objects.filter(person_id=r.person_id, kind=EntryKind.EARN, at__lte=r.created_at)
                     .values_list("amount", flat=True))
        assert earned >= r.points and r.spend_entry.at == r.created_at


def test_the_demo_street_earns_and_redeems(demo):
    street, out = demo
    assert "积分超市" in out
    check_every_balance_is_the_sum_and_none_is_negative(street)
    check_rules_and_a_catalogue_in_every_community(street)
    check_the_eight_weeks_earned_from_the_work(street)
    check_no_day_passes_its_cap(street)
    check_redemptions_in_each_status(street)
    # A second run adds nothing (one seed for all the checks: the tiny street is what each costs).
    before = (PointsEntry.objects.count(), Reward.objects.count(), Redemption.objects.count())
    call_command("seed_demo", scale="tiny", stdout=StringIO())
    assert (PointsEntry.objects.count(), Reward.objects.count(), Redemption.objects.count()) == before
