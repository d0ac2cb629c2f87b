"""The points pages through the test client: a resident checks in, redeems (a double submit
redeems once), sees and cancels their codes; staff verify at the counter with clear messages,
manage the catalogue and the rules, and read the statement. Who may open what."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import quote

import pytest
from django.urls import reverse
from django.utils import timezone

from tongxin.core.models import AuditEntry
from tongxin.points.models import EarningRule, Redemption, Reward, RewardKind
from tongxin.points.services.ledger import CHECKIN, balance_of, points_award
from tongxin.points.services.store import redemption_create
from tongxin.testing import as_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(street):
    EarningRule.objects.create(org=street.street, org_path=street.street.path, action=CHECKIN, points=5, daily_cap=5)
    EarningRule.objects.create(org=street.street, org_path=street.street.path, action="bonus", points=100)
    points_award(by=None, person=street.resident_a, action="bonus", key="bonus:1")
    soap = Reward.objects.create(org=street.community_a, org_path=street.community_a.path, name="洗衣液",
                                 kind=RewardKind.GOODS, cost=30, stock=5, valid_days=7)
    return street, soap


def _key(response, reward) -> str:
    return re.search(rf'name="r{reward.pk}-key" value="([^"]+)"', response.content.decode()).group(1)


def test_my_points_and_the_daily_checkin_once(client, shop):
    street, _soap = shop
    as_role(client, street, "resident")
    page = client.get(reverse("points:my_points"))
    assert page.status_code == 200 and "每日打卡" in page.content.decode() and "100" in page.content.decode()
    client.post(reverse("points:checkin"))
    client.post(reverse("points:checkin"))
    assert balance_of(street.resident_a) == 105
    page = client.get(reverse("points:my_points"))
    assert "今日已打卡" in page.content.decode() and "每日打卡" in page.content.decode()


def test_redeem_twice_with_the_same_form_redeems_once(client, shop):
    street, soap = shop
    as_role(client, street, "resident")
    page = client.get(reverse("points:catalogue"))
    assert "洗衣液" in page.content.decode()
    key = _key(page, soap)
    data = {f"r{soap.pk}-quantity": "2", f"r{soap.pk}-key": key}
    first = client.post(reverse("points:redeem", args=[soap.pk]), data)
    second = client.post(reverse("points:redeem", args=[soap.pk]), data)
    redemption = Redemption.objects.get()
    assert first.url == second.url == reverse("points:code_detail", args=[redemption.code])
    assert balance_of(street.resident_a) == 40
    detail = client.get(first.url).content.decode()
    assert redemption.code in detail and "<svg" in detail
    # A fresh form draws a fresh key.
    assert _key(client.get(reverse("points:catalogue")), soap) != key


def test_redeem_errors_in_chinese_keep_the_quantity(client, shop):
    street, soap = shop
    as_role(client, street, "resident")
    key = _key(client.get(reverse("points:catalogue")), soap)
    url = reverse("points:redeem", args=[soap.pk])
    page = client.post(url, {f"r{soap.pk}-quantity": "4", f"r{soap.pk}-key": key})
    body = page.content.decode()
    assert page.status_code == 400 and "积分不足" in body and 'value="4"' in body and key in body
    page = client.post(url, {f"r{soap.pk}-quantity": "abc", f"r{soap.pk}-key": key})
    assert "数量须为整数" in page.content.decode()
    assert not Redemption.objects.exists()


def test_my_codes_and_cancel(client, shop):
    street, soap = shop
    redemption = redemption_create(by=None, person=street.resident_a, reward=soap, key="x")
    as_role(client, street, "resident")
    page = client.get(reverse("points:my_codes")).content.decode()
    assert redemption.code in page and "待领取" in page
    client.post(reverse("points:code_cancel", args=[redemption.code]))
    redemption.refresh_from_db()
    assert redemption.status == "cancelled" and balance_of(street.resident_a) == 100
    # Someone else's code: not found.
    as_role(client, street, "party_member")
    assert client.get(reverse("points:code_detail", args=[redemption.code])).status_code == 404


def test_counter_messages_and_verify(client, shop):
    street, soap = shop
    redemption = redemption_create(by=None, person=street.resident_a, reward=soap, key="x")
    as_role(client, street, "community_worker")
    page = client.get(reverse("points:counter"), {"code": "NOPE2345"}).content.decode()
    assert "兑换码不存在" in page
    page = client.get(reverse("points:counter"), {"code": redemption.code.lower()}).content.decode()
    assert "张三" in page and "确认核销" in page
    response = client.post(reverse("points:counter_verify", args=[redemption.code]), follow=True)
    assert "核销成功" in response.content.decode()
    redemption.refresh_from_db()
    assert redemption.status == "fulfilled"
    page = client.get(reverse("points:counter"), {"code": redemption.code}).content.decode()
    assert "不能重复使用" in page and "确认核销" not in page
    old = redemption_create(by=None, person=street.resident_a, reward=soap, key="y")
    Redemption.objects.filter(pk=old.pk).update(expires_at=timezone.now() - timedelta(days=1))
    page = client.get(reverse("points:counter"), {"code": old.code}).content.decode()
    assert "已过有效期" in page


@pytest.mark.parametrize("role, status", [
    ("street_admin", 200), ("community_worker", 200), ("grid_worker", 403), ("resident", 403),
    ("party_member", 403),
])
@pytest.mark.parametrize("name", ["counter", "catalogue_manage", "rules", "statement"])
def test_staff_pages_by_role(client, shop, role, status, name):
    street, _soap = shop
    as_role(client, street, role)
    assert client.get(reverse(f"points:{name}")).status_code == status


def test_community_b_code_is_unknown_to_community_a(client, shop):
    street, _soap = shop
    EarningRule.objects.create(org=street.community_b, org_path=street.community_b.path, action="b", points=50)
    points_award(by=None, person=street.resident_b, action="b", key="b:1")
    tea = Reward.objects.create(org=street.community_b, org_path=street.community_b.path, name="茶叶",
                                kind=RewardKind.GOODS, cost=10, stock=1)
    other = redemption_create(by=None, person=street.resident_b, reward=tea, key="z")
    as_role(client, street, "community_worker")
    assert "兑换码不存在" in client.get(reverse("points:counter"), {"code": other.code}).content.decode()
    assert client.post(reverse("points:counter_verify", args=[other.code])).status_code == 404


def test_catalogue_manage_create_edit_restock_toggle(client, shop):
    street, soap = shop
    as_role(client, street, "community_worker")
    bad = client.post(reverse("points:reward_new"), {"name": "电动车充电优惠", "kind": "service", "cost": "0",
                                                      "valid_days": "30", "stock": "10"})
    assert "所需积分须为正整数" in bad.content.decode() and "电动车充电优惠" in bad.content.decode()
    client.post(reverse("points:reward_new"), {"name": "电动车充电优惠", "kind": "service", "cost": "20",
                                                "discount_percent": "50", "valid_days": "30", "stock": "10",
                                                "active": "on"})
    charge = Reward.objects.get(name="电动车充电优惠")
    assert charge.org == street.community_a and charge.stock == 10 and charge.discount_percent == 50
    client.post(reverse("points:reward_edit", args=[soap.pk]), {
        "name": "洗衣液 2kg", "kind": "goods", "cost": "40", "valid_days": "7", "active": "on"})
    client.post(reverse("points:reward_restock", args=[soap.pk]), {"quantity": "3"})
    client.post(reverse("points:reward_toggle", args=[soap.pk]))
    soap.refresh_from_db()
    assert (soap.name, soap.cost, soap.stock, soap.active) == ("洗衣液 2kg", 40, 8, False)
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"reward_created", "reward_updated", "reward_restocked"} <= actions
    page = client.get(reverse("points:catalogue_manage")).content.decode()
    assert "已下架" in page
    as_role(client, street, "resident")
    assert "洗衣液" not in client.get(reverse("points:catalogue")).content.decode()
    assert client.post(reverse("points:reward_edit", args=[soap.pk]), {}).status_code == 404


def test_rules_edit(client, shop):
    street, _soap = shop
    as_role(client, street, "community_worker")
    page = client.post(reverse("points:rules"), {"action": "study", "points": "10", "period_cap": "50"})
    assert "设了周期上限，请选择周期" in page.content.decode()
    client.post(reverse("points:rules"), {"action": "study", "points": "10", "daily_cap": "20", "period_cap": "50",
                                          "period": "week", "active": "on"})
    rule = EarningRule.objects.get(action="study")
    assert rule.org == street.community_a and (rule.points, rule.daily_cap, rule.period_cap) == (10, 20, 50)
    page = client.get(reverse("points:rules"), {"org": street.community_a.pk, "action": "study"}).content.decode()
    assert 'value="study"' in page
    assert AuditEntry.objects.filter(action="earning_rule_saved").exists()


def test_statement_totals(client, shop):
    street, soap = shop
    redemption_create(by=None, person=street.resident_a, reward=soap, quantity=2, key="s")
    as_role(client, street, "community_worker")
    today = timezone.localdate()
    page = client.get(reverse("points:statement"), {"org": street.community_a.pk, "since": today.isoformat(),
                                                    "until": today.isoformat()})
    totals = page.context["s"].totals
    assert totals["earned"] == 100 and totals["spent"] == -60 and totals["net"] == 40
    assert totals["redeemed_count"] == 1 and totals["people"] == 1
    bad = client.get(reverse("points:statement"), {"since": today.isoformat(),
                                                   "until": (today - timedelta(days=3)).isoformat()})
    assert "截止日期不能早于起始日期" in bad.content.decode()


def test_statement_export(client, shop):
    from io import BytesIO

    from openpyxl import load_workbook

    street, soap = shop
    redemption_create(by=None, person=street.resident_a, reward=soap, key="e")
    as_role(client, street, "community_worker")
    today = timezone.localdate().isoformat()
    response = client.get(reverse("points:statement_export"), {"org": street.community_a.pk, "since": today,
                                                               "until": today})
    assert response.status_code == 200 and quote("积分台账") in response["Content-Disposition"]
    workbook = load_workbook(BytesIO(b"".join(response.streaming_content)))
    assert workbook.sheetnames == ["汇总", "兑换记录", "积分流水"]
    assert workbook["积分流水"].max_row == 3  # header + award + spend
    assert AuditEntry.objects.filter(action="points_statement_exported").exists()
    as_role(client, street, "resident")
    assert client.get(reverse("points:statement_export")).status_code == 403


@pytest.mark.parametrize("name", ["my_points", "catalogue", "my_codes"])
def test_resident_pages_need_a_person(client, shop, name):
    street, _soap = shop
    as_role(client, street, "street_admin")  # a staff account with no person: no points account
    assert client.get(reverse(f"points:{name}")).status_code == 403
    as_role(client, street, "party_member")
    assert client.get(reverse(f"points:{name}")).status_code == 200


def test_the_qr_code_leads_staff_to_the_counter(client, shop):
    from tongxin.points.views import _counter_url

    street, soap = shop
    redemption = redemption_create(by=None, person=street.resident_a, reward=soap, key="q")
    url = _counter_url(type("R", (), {"build_absolute_uri": staticmethod(lambda path: path)})(), redemption.code)
    assert url == f"{reverse('points:counter')}?code={redemption.code}"
    as_role(client, street, "community_worker")
    assert "确认核销" in client.get(url).content.decode()
