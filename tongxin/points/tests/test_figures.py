"""The points figures equal the counts by hand: earned, spent and refunded by action and by
community, participants, the top earners of each community, redemptions by reward; outside the
period or the org nothing counts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tongxin.people.services import PersonData, person_create
from tongxin.points.actions import PointsAction, earning_rules_default
from tongxin.points.figures import TOP, points_figures, points_totals
from tongxin.points.models import EarningRule, Reward, RewardKind
from tongxin.points.services.ledger import points_award
from tongxin.points.services.store import redemption_cancel, redemption_create, redemption_verify
from tongxin.testing import make_id_number


@pytest.fixture
def ledger(street):
    """张三 (community A): 2 check-ins (2+2), 1 attendance (10), a bonus of 100; 王五 (A): 1
    attendance (10); 李四 (B): 1 check-in (2). 张三 redeems soap twice (30 each): one verified,
    one cancelled (refunded 30). An award of last month counts in no period below."""
    earning_rules_default(by=None, org=street.street)
    EarningRule.objects.create(org=street.street, org_path=street.street.path, action="bonus", points=100)
    today = timezone.now()
    a, b, m = street.resident_a, street.resident_b, street.member_a
    points_award(by=None, person=a, action=PointsAction.DAILY_CHECKIN, key="c:a:1", at=today - timedelta(days=1))
    points_award(by=None, person=a, action=PointsAction.DAILY_CHECKIN, key="c:a:2", at=today)
    points_award(by=None, person=a, action=PointsAction.ATTENDANCE, key="at:a:1", at=today)
    points_award(by=None, person=a, action="bonus", key="bonus:a", at=today)
    points_award(by=None, person=m, action=PointsAction.ATTENDANCE, key="at:m:1", at=today)
    points_award(by=None, person=b, action=PointsAction.DAILY_CHECKIN, key="c:b:1", at=today)
    points_award(by=None, person=b, action=PointsAction.ATTENDANCE, key="old", at=today - timedelta(days=40))
    soap = Reward.objects.create(org=street.community_a, org_path=street.community_a.path, name="洗衣液",
                                 kind=RewardKind.GOODS, cost=30, stock=5)
    first = redemption_create(by=None, person=a, reward=soap, key="r1")
    redemption_verify(by=street.accounts["community_worker"], redemption=first)
    second = redemption_create(by=None, person=a, reward=soap, key="r2")
    redemption_cancel(by=street.accounts["community_worker"], redemption=second, reason="不要了")
    return street, soap


def _week(street):
    today = timezone.localdate()
    return points_figures(street.street, today - timedelta(days=6), today)


def test_by_action_equals_the_hand_count(ledger):
    street, _soap = ledger
    figures = _week(street)
    rows = {m.key: (m.earned, m.spent, m.refunded) for m in figures.by_action}
    assert rows == {
        "attendance": (20, 0, 0), "bonus": (100, 0, 0), "daily_checkin": (6, 0, 0), "redeem": (0, 60, 30),
    }
    assert (figures.earned, figures.spent, figures.refunded) == (126, 60, 30)
    assert {m.key: m.label for m in figures.by_action}["daily_checkin"] == "每日打卡"


def test_by_org_participants_and_the_period(ledger):
    street, _soap = ledger
    figures = _week(street)
    by_org = {m.label: (m.earned, m.spent, m.refunded) for m in figures.by_org}
    assert by_org == {"八里铺社区": (124, 60, 30), "学院社区": (2, 0, 0)}
    assert figures.participants == 3
    # Forty days ago 李四 attended: counted only in a period that holds that day.
    today = timezone.localdate()
    old = points_figures(street.street, today - timedelta(days=45), today - timedelta(days=30))
    assert old.earned == 10 and old.participants == 1 and old.rewards == []
    # A community sees its own only.
    assert points_figures(street.community_b, today - timedelta(days=6), today).earned == 2


def test_top_earners_per_community(ledger):
    street, _soap = ledger
    for n in range(TOP + 2):  # twelve more residents of community A, 100 each: below 张三 (114), ten places for thirteen
        person = person_create(by=None, data=PersonData(name=f"居民{n}", org=street.building_a1,
                                                        id_number=make_id_number(100 + n)))
        points_award(by=None, person=person, action="bonus", key=f"bonus:{n}")
    figures = _week(street)
    top_a = figures.top_earners[street.community_a.pk]
    assert len(top_a) == TOP and [e.rank for e in top_a] == list(range(1, TOP + 1))
    assert top_a[0].name == "张三" and top_a[0].earned == 114
    assert [e.name for e in figures.top_earners[street.community_b.pk]] == ["李四"]


def test_redemptions_by_reward(ledger):
    street, soap = ledger
    [row] = _week(street).rewards
    assert (row.reward_id, row.name, row.community, row.redemptions, row.quantity, row.points) == (
        soap.pk, "洗衣液", "八里铺社区", 2, 2, 60)
    assert row.by_status == {"pending": 0, "fulfilled": 1, "cancelled": 1, "expired": 0}


def test_the_totals_alone_equal_the_figures(ledger):
    street, _soap = ledger
    today = timezone.localdate()
    for org, since in ((street.street, today - timedelta(days=6)), (street.street, today - timedelta(days=45)),
                       (street.community_b, today - timedelta(days=6))):
        whole, totals = points_figures(org, since, today), points_totals(org, since, today)
        assert (totals.earned, totals.spent, totals.refunded, totals.participants) == (
            whole.earned, whole.spent, whole.refunded, whole.participants)
