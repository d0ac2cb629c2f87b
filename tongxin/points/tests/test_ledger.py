"""The ledger's rules: the balance is the sum of the entries and never below zero, a retry with
the same key posts once, caps per day and per period, corrections as reversing rows, nothing
updated or deleted."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db.models import Sum

from tongxin.people.models import Person
from tongxin.points.models import CapPeriod, EarningRule, EntryKind, PointsAccount, PointsEntry
from tongxin.points.services.ledger import NotEnoughPoints, balance_of, points_award, points_reverse, points_spend


@pytest.fixture
def rules(street):
    EarningRule.objects.create(org=street.street, org_path=street.street.path, action="checkin", points=5,
                               daily_cap=5)
    EarningRule.objects.create(org=street.community_a, org_path=street.community_a.path, action="attendance",
                               points=10, daily_cap=25, period_cap=40, period=CapPeriod.WEEK)
    return street


def assert_balance_is_the_sum(person) -> None:
    account = PointsAccount.objects.get(person=person)
    total = PointsEntry.objects.filter(account=account).aggregate(total=Sum("amount"))["total"] or 0
    assert account.balance == total >= 0


def test_an_award_posts_once_whatever_is_retried(rules):
    person = rules.resident_a
    first = points_award(by=None, person=person, action="checkin", key="checkin:1")
    again = points_award(by=None, person=person, action="checkin", key="checkin:1")
    assert first.points == 5 and again.entry.pk == first.entry.pk
    assert PointsEntry.objects.count() == 1 and balance_of(person) == 5
    assert_balance_is_the_sum(person)


def test_the_daily_cap_gives_what_is_left_then_nothing(rules):
    person = rules.resident_a
    awards = [points_award(by=None, person=person, action="attendance", key=f"attendance:{n}") for n in range(4)]
    assert [a.points for a in awards] == [10, 10, 5, 0]
    assert [a.capped for a in awards] == ["", "", "daily", "daily"]
    assert balance_of(person) == 25
    assert_balance_is_the_sum(person)


def test_the_community_rule_comes_before_the_street_and_no_rule_awards_nothing(rules):
    assert points_award(by=None, person=rules.resident_a, action="attendance", key="a:1").points == 10
    # 李四 lives in the other community: the attendance rule is community A's only.
    assert points_award(by=None, person=rules.resident_b, action="attendance", key="a:2").entry is None
    assert points_award(by=None, person=rules.resident_b, action="checkin", key="c:2").points == 5
    assert points_award(by=None, person=rules.resident_b, action="quiz", key="q:2").entry is None


def test_an_account_opens_in_the_community_or_else_at_the_persons_own_place(rules):
    points_award(by=None, person=rules.resident_a, action="checkin", key="c:a")
    assert PointsAccount.objects.get(person=rules.resident_a).org == rules.community_a
    # Someone on the books of the street itself (the services register people in communities
    # only; older data may not be): the account opens where they are.
    at_street = Person.objects.create(name="街道居民", org=rules.street, org_path=rules.street.path)
    assert points_award(by=None, person=at_street, action="checkin", key="c:s").points == 5
    account = PointsAccount.objects.get(person=at_street)
    assert (account.org, account.org_path, account.balance) == (rules.street, rules.street.path, 5)


def test_a_spend_never_takes_the_balance_below_zero(rules):
    person = rules.resident_a
    points_award(by=None, person=person, action="checkin", key="checkin:1")
    with pytest.raises(NotEnoughPoints, match="积分不足"):
        points_spend(by=None, person=person, amount=6, action="redeem", key="r:1")
    spent = points_spend(by=None, person=person, amount=5, action="redeem", key="r:2")
    assert spent.amount == -5 and balance_of(person) == 0
    assert points_spend(by=None, person=person, amount=5, action="redeem", key="r:2").pk == spent.pk
    assert_balance_is_the_sum(person)


def test_a_refund_is_a_reversing_row_and_is_made_once(rules):
    person = rules.resident_a
    points_award(by=None, person=person, action="checkin", key="checkin:1")
    spent = points_spend(by=None, person=person, amount=5, action="redeem", key="r:1")
    refund = points_reverse(by=None, entry=spent, reason="取消兑换", kind=EntryKind.REFUND)
    assert refund.amount == 5 and refund.reverses == spent
    assert points_reverse(by=None, entry=spent, reason="再退一次", kind=EntryKind.REFUND).pk == refund.pk
    account = PointsAccount.objects.get(person=person)
    assert (account.balance, account.earned, account.spent) == (5, 5, 0)
    with pytest.raises(ValidationError):
        points_reverse(by=None, entry=refund, reason="冲正冲正")
    assert_balance_is_the_sum(person)


def test_entries_are_never_updated_or_deleted(rules):
    entry = points_award(by=None, person=rules.resident_a, action="checkin", key="checkin:1").entry
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()
    with pytest.raises(PermissionError):
        PointsEntry.objects.filter(pk=entry.pk).update(amount=500)
