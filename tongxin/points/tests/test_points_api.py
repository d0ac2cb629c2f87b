"""The points API: balance, entries, the daily check-in, the catalogue, a redemption with an
Idempotency-Key (a retry answers the first and posts nothing), 409 with a Chinese reason, the
counter's verification and cancellation."""

from __future__ import annotations

import pytest

from tongxin.points.models import EarningRule, Redemption, Reward, RewardKind
from tongxin.points.services.ledger import points_award
from tongxin.testing import as_role

API = "/api/v1"


@pytest.fixture
def shop(street):
    for action, points in (("daily_checkin", 5), ("bonus", 100)):
        EarningRule.objects.create(org=street.street, org_path=street.street.path, action=action, points=points)
    points_award(by=None, person=street.resident_a, action="bonus", key="bonus")
    reward = Reward.objects.create(org=street.community_a, org_path=street.community_a.path, name="毛巾",
                                   kind=RewardKind.GOODS, cost=60, stock=5)
    return street, reward


def test_balance_checkin_and_entries(client, shop):
    street, _reward = shop
    resident = as_role(client, street, "resident")
    assert resident.get(f"{API}/points/balance").json() == {"balance": 100}
    first = resident.post(f"{API}/points/checkin").json()
    again = resident.post(f"{API}/points/checkin").json()
    assert (first["points"], first["balance"]) == (5, 105) and again["balance"] == 105
    entries = resident.get(f"{API}/points/entries").json()
    assert entries["count"] == 2 and entries["items"][0]["action"] == "daily_checkin"


def test_a_redemption_with_a_key_posts_once_and_409_when_points_run_out(client, shop):
    street, reward = shop
    resident = as_role(client, street, "resident")
    rewards = resident.get(f"{API}/rewards").json()
    assert [(r["id"], r["name"], r["cost"], r["stock"]) for r in rewards] == [(reward.pk, "毛巾", 60, 5)]
    body = {"reward": reward.pk, "quantity": 1}
    first = resident.post(f"{API}/redemptions", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="a1")
    again = resident.post(f"{API}/redemptions", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="a1")
    assert first.status_code == 201 and again.status_code == 200 and again.json() == first.json()
    assert Redemption.objects.count() == 1
    refused = resident.post(f"{API}/redemptions", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="a2")
    assert refused.status_code == 409 and refused.json()["code"] == "no_points" and "积分不足" in refused.json()["detail"]
    # Without the key the request is not what the schema says (the header is required): 422.
    missing = resident.post(f"{API}/redemptions", body, content_type="application/json")
    assert missing.status_code == 422 and "Idempotency-Key" in missing.json()["detail"]
    blank = resident.post(f"{API}/redemptions", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="  ")
    assert blank.status_code == 422 and "Idempotency-Key" in blank.json()["errors"]


def test_the_counter_verifies_and_others_may_not(client, shop):
    street, reward = shop
    code = as_role(client, street, "resident").post(f"{API}/redemptions", {"reward": reward.pk},
                                                     content_type="application/json",
                                                     HTTP_IDEMPOTENCY_KEY="k").json()["code"]
    assert as_role(client, street, "grid_worker").post(f"{API}/redemptions/{code}/verify").status_code == 403
    done = as_role(client, street, "community_worker").post(f"{API}/redemptions/{code.lower()}/verify")
    assert done.status_code == 200 and done.json()["status"] == "fulfilled"
    late = as_role(client, street, "resident").post(f"{API}/redemptions/{code}/cancel")
    assert late.status_code == 409 and "已领取" in late.json()["detail"]


@pytest.mark.parametrize("body", [{"reward": 1, "quantity": 0}, {"reward": 1, "quantity": 21}, {"quantity": 1},
                                  {"reward": 0}, {"reward": 10**30}, {"reward": 1, "quantity": "2"},
                                  {"reward": 1, "quantity": True}, {"reward": 1, "quantity": 1.5}])
def test_a_redemption_the_schema_does_not_allow_is_422(client, shop, body):
    street, _reward = shop
    response = as_role(client, street, "resident").post(f"{API}/redemptions", body, content_type="application/json",
                                                        HTTP_IDEMPOTENCY_KEY="k")
    assert response.status_code == 422 and response.json()["code"] == "invalid"
    assert not Redemption.objects.exists()


def test_what_names_nothing_is_404_and_bad_paging_422(client, shop):
    street, _reward = shop
    resident = as_role(client, street, "resident")
    response = resident.post(f"{API}/redemptions", {"reward": 999999}, content_type="application/json",
                             HTTP_IDEMPOTENCY_KEY="k")
    assert response.status_code == 404 and response.json() == {"detail": "找不到该商品", "code": "not_found"}
    response = resident.post(f"{API}/redemptions/ZZZZ2222/cancel")
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert resident.post(f"{API}/redemptions/bad-code/cancel").status_code == 422
    assert resident.get(f"{API}/rewards", {"org": "NOPE"}).status_code == 404
    for query in ({"offset": -6450647112106094106639661707296768}, {"limit": 0}, {"limit": 1000}):
        response = resident.get(f"{API}/points/entries", query)
        assert response.status_code == 422 and list(response.json()["errors"]) == list(query), query


def test_an_integral_number_is_an_integer_as_json_schema_says(client, shop):
    street, reward = shop
    response = as_role(client, street, "resident").post(f"{API}/redemptions", {"reward": float(reward.pk),
                                                                               "quantity": 1.0},
                                                        content_type="application/json", HTTP_IDEMPOTENCY_KEY="f")
    assert response.status_code == 201 and response.json()["quantity"] == 1
