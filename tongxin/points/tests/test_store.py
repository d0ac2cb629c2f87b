"""The store: redeem, verify at the counter, cancel and expire with their refunds; stock and
balance never below zero; the same Idempotency-Key redeems once."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone

from tongxin.points.models import CapPeriod, EarningRule, PointsAccount, PointsEntry, Redemption, Reward, RewardKind
from tongxin.points.services.ledger import NotEnoughPoints, balance_of, points_award
from tongxin.points.services.store import (
    OutOfStock, RedemptionConflict, redemption_cancel, redemption_create, redemption_verify, redemptions_expire,
)


@pytest.fixture
def shop(street):
    EarningRule.objects.create(org=street.street, org_path=street.street.path, action="bonus", points=50,
                               period=CapPeriod.WEEK)
    for n in range(2):
        points_award(by=None, person=street.resident_a, action="bonus", key=f"bonus:{n}")
    soap = Reward.objects.create(org=street.community_a, org_path=street.community_a.path, name="洗衣液",
                                 kind=RewardKind.GOODS, cost=30, stock=2, valid_days=7)
    parking = Reward.objects.create(org=street.community_a, org_path=street.community_a.path, name="车位租金减免 20%",
                                    kind=RewardKind.SERVICE, cost=50, stock=10, discount_percent=20, per_person_limit=1)
    return street, soap, parking


def test_redeem_verify_and_the_counts(shop):
    street, soap, _parking = shop
    person = street.resident_a
    redemption = redemption_create(by=street.accounts["resident"], person=person, reward=soap, quantity=2, key="k1")
    assert redemption.points == 60 and len(redemption.code) == 8 and redemption.status == "pending"
    soap.refresh_from_db()
    assert soap.stock == 0 and balance_of(person) == 40
    done = redemption_verify(by=street.accounts["community_worker"], redemption=redemption)
    assert done.status == "fulfilled" and done.closed_by == street.accounts["community_worker"]
    with pytest.raises(RedemptionConflict, match="已领取"):
        redemption_verify(by=street.accounts["community_worker"], redemption=redemption)


def test_the_same_key_redeems_once(shop):
    street, soap, _parking = shop
    first = redemption_create(by=None, person=street.resident_a, reward=soap, key="same")
    again = redemption_create(by=None, person=street.resident_a, reward=soap, key="same")
    assert again.pk == first.pk and Redemption.objects.count() == 1 and balance_of(street.resident_a) == 70


def test_not_enough_points_or_stock_or_over_the_limit_changes_nothing(shop):
    street, soap, parking = shop
    with pytest.raises(OutOfStock, match="库存不足"):
        redemption_create(by=None, person=street.resident_a, reward=soap, quantity=3, key="a")
    redemption_create(by=None, person=street.resident_a, reward=parking, key="b")
    with pytest.raises(ValidationError, match="每人限兑"):
        redemption_create(by=None, person=street.resident_a, reward=parking, key="c")
    with pytest.raises(NotEnoughPoints, match="积分不足"):
        redemption_create(by=None, person=street.resident_a, reward=soap, quantity=2, key="d")
    soap.refresh_from_db()
    assert soap.stock == 2 and balance_of(street.resident_a) == 50


def test_only_the_own_community_shop(shop):
    street, soap, _parking = shop
    with pytest.raises(ValidationError, match="本社区"):
        redemption_create(by=None, person=street.resident_b, reward=soap, key="x")


def test_cancel_and_expire_refund_and_put_the_stock_back(shop):
    street, soap, _parking = shop
    person = street.resident_a
    cancelled = redemption_create(by=None, person=person, reward=soap, key="1")
    kept = redemption_create(by=None, person=person, reward=soap, key="2")
    redemption_cancel(by=street.accounts["resident"], redemption=cancelled)
    with pytest.raises(PermissionError):
        redemption_cancel(by=street.accounts["grid_worker"], redemption=kept)
    assert redemptions_expire(now=timezone.now() + timedelta(days=8)) == 1
    kept.refresh_from_db()
    soap.refresh_from_db()
    assert kept.status == "expired" and kept.refund_entry.amount == 30
    assert soap.stock == 2 and balance_of(person) == 100
    account = PointsAccount.objects.get(person=person)
    assert account.balance == sum(PointsEntry.objects.filter(account=account).values_list("amount", flat=True))
    assert account.spent == 0


def test_the_daily_job_expires_what_waited_too_long_once(shop):
    street, soap, _parking = shop
    person = street.resident_a
    old = redemption_create(by=None, person=person, reward=soap, key="old", at=timezone.now() - timedelta(days=8))
    fresh = redemption_create(by=None, person=person, reward=soap, key="fresh")
    out = StringIO()
    call_command("points_expire", stdout=out)
    assert "已过期 1 笔兑换" in out.getvalue()
    old.refresh_from_db()
    fresh.refresh_from_db()
    assert (old.status, fresh.status) == ("expired", "pending")
    assert balance_of(person) == 70
    out = StringIO()
    call_command("points_expire", stdout=out)
    assert "已过期 0 笔兑换" in out.getvalue()
