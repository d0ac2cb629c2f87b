"""The points issue's race in a smaller form, on PostgreSQL with real parallel connections:
residents with 100 points each fire simultaneous 60-point redemptions; exactly one per resident
succeeds, no balance and no stock below zero, every other attempt refused for lack of points."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection
from django.db.models import Sum

from tongxin.people.services import PersonData, person_create
from tongxin.points.models import EarningRule, PointsAccount, PointsEntry, Redemption, Reward, RewardKind
from tongxin.points.services.ledger import NotEnoughPoints, points_award
from tongxin.points.services.store import redemption_create

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql",
                       reason="row locks order simultaneous redemptions; SQLite serialises whole transactions"),
]

RESIDENTS = 4
ATTEMPTS = 5  # each, at the same moment
SAME_KEY = 60


@pytest.mark.django_db(transaction=True)
def test_simultaneous_redemptions_never_overdraw(street):
    EarningRule.objects.create(org=street.street, org_path=street.street.path, action="bonus", points=100)
    people = [person_create(by=None, data=PersonData(name=f"居民{i}", org=street.building_a1))
              for i in range(RESIDENTS)]
    for person in people:
        points_award(by=None, person=person, action="bonus", key=f"bonus:{person.pk}")
    reward = Reward.objects.create(org=street.community_a, org_path=street.community_a.path, name="米面油礼包",
                                   kind=RewardKind.GOODS, cost=60, stock=RESIDENTS * ATTEMPTS)
    attempts = [(person, n) for person in people for n in range(ATTEMPTS)]
    barrier = threading.Barrier(len(attempts))
    outcomes: list[str] = []

    def redeem(person, n) -> None:
        try:
            barrier.wait(timeout=20)
            redemption_create(by=None, person=person, reward=reward, key=f"try-{n}")
            outcomes.append("ok")
        except NotEnoughPoints:
            outcomes.append("no points")
        except Exception as error:  # noqa: BLE001  (anything else is a failure to show)
            outcomes.append(f"error: {error!r}")
        finally:
            connection.close()

    threads = [threading.Thread(target=redeem, args=attempt) for attempt in attempts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert sorted(set(outcomes)) == ["no points", "ok"] and outcomes.count("ok") == RESIDENTS
    assert Redemption.objects.count() == RESIDENTS
    reward.refresh_from_db()
    assert reward.stock == RESIDENTS * ATTEMPTS - RESIDENTS
    for account in PointsAccount.objects.filter(person__in=people):
        total = PointsEntry.objects.filter(account=account).aggregate(total=Sum("amount"))["total"]
        assert account.balance == total == 40


@pytest.mark.django_db(transaction=True)
def test_one_key_sent_many_times_at_once_redeems_once_and_refuses_none(street):
    """A phone retrying while the first request is still at work: every answer is the one
    redemption, none a refusal (the points the first one spent are not "too few" for its retry)."""
    EarningRule.objects.create(org=street.street, org_path=street.street.path, action="bonus", points=100)
    person = person_create(by=None, data=PersonData(name="重复提交", org=street.building_a1))
    points_award(by=None, person=person, action="bonus", key=f"bonus:{person.pk}")
    reward = Reward.objects.create(org=street.community_a, org_path=street.community_a.path, name="洗衣液",
                                   kind=RewardKind.GOODS, cost=60, stock=10)
    barrier = threading.Barrier(SAME_KEY)
    codes: list[str] = []

    def redeem(n: int) -> None:
        try:
            barrier.wait(timeout=20)
            time.sleep(n * 0.001)  # spread over the first one's work, so that some arrive as it commits
            codes.append(redemption_create(by=None, person=person, reward=reward, key="one-key").code)
        except Exception as error:  # noqa: BLE001  (a refusal or an error is the failure to show)
            codes.append(f"error: {error!r}")
        finally:
            connection.close()

    threads = [threading.Thread(target=redeem, args=(n,)) for n in range(SAME_KEY)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(codes) == SAME_KEY and len(set(codes)) == 1 and not codes[0].startswith("error"), set(codes)
    assert Redemption.objects.filter(person=person).count() == 1
    assert PointsAccount.objects.get(person=person).balance == 40
