"""The figures kept beside the ledger (``points.tally``) equal what the entries say: the day
tallies and the earners count, for any period and place, after awards of today and of the past,
spends, refunds and corrections; the marks are folded in once; a rebuild gives the same tallies;
and on PostgreSQL, awards and reads at the same moment on real parallel connections lose nothing
and count nothing twice."""

from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest
from django.db import connection
from django.db.models import Q, Sum
from django.utils import timezone

from tongxin.people.services import PersonData, person_create
from tongxin.points.figures import _bounds, points_figures, points_totals
from tongxin.points.models import (EarningRule, EntryKind, PointsAccount, PointsDayTally, PointsEntry, PointsTallyMark,
                                   Reward, RewardKind)
from tongxin.points.services.ledger import points_award, points_reverse
from tongxin.points.services.store import redemption_cancel, redemption_create
from tongxin.points.tally import earners_count, tally_rebuild, tally_settle


def _by_hand(org, date_from: date, date_to: date) -> tuple[int, int, int, int]:
    """Earned, spent, refunded and earners of ``org``'s subtree, from the entries themselves."""
    start, end = _bounds(date_from, date_to)
    entries = PointsEntry.objects.filter(org_path__startswith=org.path, at__gte=start, at__lt=end)
    sums = entries.aggregate(earned=Sum("amount", filter=Q(kind=EntryKind.EARN)),
                             spent=Sum("amount", filter=Q(kind=EntryKind.SPEND)),
                             refunded=Sum("amount", filter=Q(kind=EntryKind.REFUND)))
    earners = entries.filter(kind=EntryKind.EARN).values("person_id").distinct().count()
    return sums["earned"] or 0, -(sums["spent"] or 0), sums["refunded"] or 0, earners


def _totals(org, date_from: date, date_to: date) -> tuple[int, int, int, int]:
    t = points_totals(org, date_from, date_to)
    return t.earned, t.spent, t.refunded, t.participants


def _tallies() -> dict:
    return {(t.org_id, t.day, t.action): (t.earned, t.spent, t.refunded) for t in PointsDayTally.objects.all()}


@pytest.fixture
def history(street):
    """Awards spread over 60 days in two communities (some entered late, dated in the past), a
    spend, a refund and a correction. 张三 earned 30 and 10 days ago only; 李四 earns every 5 days."""
    EarningRule.objects.create(org=street.street, org_path=street.street.path, action="bonus", points=50)
    now = timezone.now()
    a, b, m = street.resident_a, street.resident_b, street.member_a
    points_award(by=None, person=a, action="bonus", key="a:30", at=now - timedelta(days=30))
    points_award(by=None, person=a, action="bonus", key="a:10", at=now - timedelta(days=10))
    for days in range(0, 60, 5):
        points_award(by=None, person=b, action="bonus", key=f"b:{days}", at=now - timedelta(days=days))
    wrong = points_award(by=None, person=m, action="bonus", key="m:2", at=now - timedelta(days=2)).entry
    points_reverse(by=None, entry=wrong, reason="重复录入")
    soap = Reward.objects.create(org=street.community_a, org_path=street.community_a.path, name="洗衣液",
                                 kind=RewardKind.GOODS, cost=30, stock=5)
    redemption_create(by=None, person=a, reward=soap, key="r1")
    second = redemption_create(by=None, person=a, reward=soap, key="r2")
    redemption_cancel(by=street.accounts["community_worker"], redemption=second, reason="不要了")
    return street


PERIODS = [(0, 0), (6, 0), (20, 15), (12, 8), (35, 5), (59, 0), (90, 61), (400, 0)]  # days ago: from, to


@pytest.mark.django_db
def test_totals_equal_the_entries_for_every_place_and_period(history):
    today = timezone.localdate()
    for org in (history.street, history.community_a, history.community_b, history.building_a1):
        for ago_from, ago_to in PERIODS:
            period = (today - timedelta(days=ago_from), today - timedelta(days=ago_to))
            assert _totals(org, *period) == _by_hand(org, *period), (org.name, period)
    assert _totals(history.street, today - timedelta(days=59), today)[0] == 2 * 50 + 12 * 50 + 50


@pytest.mark.django_db
def test_figures_by_action_and_by_community_add_up_to_the_totals(history):
    today = timezone.localdate()
    figures = points_figures(history.street, today - timedelta(days=59), today)
    rows = {m.key: (m.earned, m.spent, m.refunded) for m in figures.by_action}
    assert rows == {"bonus": (750, 0, 0), "redeem": (0, 60, 30)}
    by_org = {m.label: (m.earned, m.spent, m.refunded) for m in figures.by_org}
    assert by_org[history.community_a.name] == (2 * 50 + 50, 60, 30)  # 张三 and 王五 (reversed later)
    assert by_org[history.community_b.name] == (12 * 50, 0, 0)
    assert figures.participants == 3


@pytest.mark.django_db
def test_an_account_that_earned_before_and_after_a_period_but_not_in_it_is_no_earner(history):
    """张三 earned 30 and 10 days ago: not in days 20..15 ago, though the period lies between."""
    start, end = _bounds(*(timezone.localdate() - timedelta(days=d) for d in (20, 15)))
    assert earners_count(history.community_a, start, end) == 0
    start, end = _bounds(*(timezone.localdate() - timedelta(days=d) for d in (31, 9)))
    assert earners_count(history.community_a, start, end) == 1
    start, end = _bounds(*(timezone.localdate() - timedelta(days=d) for d in (9, 3)))
    assert earners_count(history.community_a, start, end) == 0


@pytest.mark.django_db
def test_each_mark_is_folded_in_once(history):
    assert PointsTallyMark.objects.exists()
    today = timezone.localdate()
    first = _totals(history.street, today - timedelta(days=59), today)
    assert not PointsTallyMark.objects.exists()
    assert tally_settle() == 0
    assert _totals(history.street, today - timedelta(days=59), today) == first
    points_award(by=None, person=history.resident_b, action="bonus", key="b:late", at=timezone.now())
    assert PointsTallyMark.objects.count() == 1
    assert _totals(history.street, today - timedelta(days=59), today)[0] == first[0] + 50


@pytest.mark.django_db
def test_a_rebuild_counts_the_same_tallies_and_earning_dates(history):
    tally_settle()
    settled = _tallies()
    spans = {a.pk: (a.first_earned_at, a.last_earned_at) for a in PointsAccount.objects.all()}
    PointsDayTally.objects.all().delete()
    PointsAccount.objects.update(first_earned_at=None, last_earned_at=None)
    tally_rebuild(history.street)
    assert _tallies() == settled
    assert {a.pk: (a.first_earned_at, a.last_earned_at) for a in PointsAccount.objects.all()} == spans


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql",
                    reason="real parallel writers and readers; SQLite serialises whole transactions")
@pytest.mark.django_db(transaction=True)
def test_awards_and_reads_at_once_lose_nothing_and_count_nothing_twice(street):
    """Eight writers award while four readers read the figures (each read settles the marks),
    all on their own connections at the same moment."""
    EarningRule.objects.create(org=street.street, org_path=street.street.path, action="bonus", points=3)
    people = [person_create(by=None, data=PersonData(name=f"居民{i}", org=street.building_a1 if i % 2 else
                                                     street.community_b)) for i in range(8)]
    today = timezone.localdate()
    barrier = threading.Barrier(len(people) + 4)
    errors: list[str] = []

    def award(person) -> None:
        try:
            barrier.wait(timeout=20)
            for n in range(40):
                points_award(by=None, person=person, action="bonus", key=f"{person.pk}:{n}")
        except Exception as error:  # noqa: BLE001  (anything else is a failure to show)
            errors.append(repr(error))
        finally:
            connection.close()

    def read() -> None:
        try:
            barrier.wait(timeout=20)
            for _ in range(30):
                points_totals(street.street, today, today)
        except Exception as error:  # noqa: BLE001
            errors.append(repr(error))
        finally:
            connection.close()

    threads = ([threading.Thread(target=award, args=(p,)) for p in people]
               + [threading.Thread(target=read) for _ in range(4)])
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert errors == []
    assert _totals(street.street, today, today) == (8 * 40 * 3, 0, 0, 8) == _by_hand(street.street, today, today)
    assert not PointsTallyMark.objects.exists()
