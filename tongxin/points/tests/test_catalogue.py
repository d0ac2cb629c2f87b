"""The catalogue and the rules as staff edit them: validation in Chinese, permissions, audit."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from tongxin.core.models import AuditEntry
from tongxin.points.models import Reward
from tongxin.points.services.catalogue import earning_rule_save, reward_create, reward_restock, reward_update

GOOD = {"name": "洗衣液", "kind": "goods", "cost": 30, "valid_days": 30, "active": True}


def test_reward_create_update_restock(street):
    worker = street.accounts["community_worker"]
    reward = reward_create(by=worker, org=street.community_a, data=GOOD, stock=5)
    assert reward.org_path == street.community_a.path and reward.stock == 5
    reward = reward_update(by=worker, reward=reward, data={**GOOD, "cost": 35, "description": "2 公斤装"})
    reward = reward_update(by=worker, reward=reward, data={"active": False})  # take off sale: the rest stays
    assert reward.cost == 35 and not reward.active and reward.description == "2 公斤装"
    reward = reward_restock(by=worker, reward=reward, quantity=10)
    assert Reward.objects.get().stock == 15
    assert AuditEntry.objects.filter(action="reward_updated").count() == 2
    changes = AuditEntry.objects.filter(action="reward_updated").order_by("pk").last().changes
    assert changes == {"active": [True, False]}
    assert AuditEntry.objects.get(action="reward_restocked").changes["stock"] == [5, 15]


def test_reward_validation_in_chinese(street):
    worker = street.accounts["community_worker"]
    with pytest.raises(ValidationError) as error:
        reward_create(by=worker, org=street.community_a,
                      data={**GOOD, "name": " ", "cost": 0, "discount_percent": 120}, stock=1)
    assert set(error.value.message_dict) == {"name", "cost", "discount_percent"}
    assert "请填写商品名称" in error.value.message_dict["name"]
    with pytest.raises(ValidationError, match="社区"):
        reward_create(by=street.accounts["street_admin"], org=street.street, data=GOOD)
    reward = reward_create(by=worker, org=street.community_a, data=GOOD)
    with pytest.raises(ValidationError, match="入库数量"):
        reward_restock(by=worker, reward=reward, quantity=0)


def test_only_the_store_staff(street):
    with pytest.raises(PermissionError):
        reward_create(by=street.accounts["grid_worker"], org=street.community_a, data=GOOD)
    with pytest.raises(PermissionError):
        reward_create(by=street.accounts["community_worker"], org=street.community_b, data=GOOD)
    with pytest.raises(PermissionError):
        earning_rule_save(by=street.accounts["resident"], org=street.community_a, action="x", points=1)


def test_earning_rule_save_creates_then_changes(street):
    admin = street.accounts["street_admin"]
    rule = earning_rule_save(by=admin, org=street.street, action="daily_checkin", points=5, daily_cap=5)
    again = earning_rule_save(by=admin, org=street.street, action="daily_checkin", points=10, daily_cap=20,
                              period_cap=100, period="week", active=False)
    assert again.pk == rule.pk and (again.points, again.period_cap, again.active) == (10, 100, False)
    assert AuditEntry.objects.filter(action="earning_rule_saved").count() == 2
    with pytest.raises(ValidationError) as error:
        earning_rule_save(by=admin, org=street.street, action="", points=0, daily_cap=0)
    assert set(error.value.message_dict) == {"action", "points", "daily_cap"}
    with pytest.raises(ValidationError, match="每日上限不能小于每次积分"):
        earning_rule_save(by=admin, org=street.street, action="a", points=10, daily_cap=5)
