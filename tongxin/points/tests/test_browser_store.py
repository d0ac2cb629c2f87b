"""Redeem → verify at the counter, in a real browser: a resident on a phone checks in, redeems a
reward and sees their pickup code large with its QR code; a community worker at the counter enters
the code and verifies it; the resident's "my codes" shows it fulfilled.

Screenshots go to ``test-artifacts/``."""

from __future__ import annotations

import pytest

from tongxin.core.tests.test_browser import DESKTOP, PHONE, _log_in, _new_page, _page_fits_width, _screenshot, browser  # noqa: F401  (browser is the shared Chromium fixture)
from tongxin.points.models import EarningRule, Redemption, RedemptionStatus, Reward, RewardKind
from tongxin.points.services.ledger import CHECKIN, balance_of, points_award

pytestmark = pytest.mark.browser


def test_redeem_on_a_phone_and_verify_at_the_counter(live_server, street, browser):  # noqa: F811
    base = live_server.url
    EarningRule.objects.create(org=street.street, org_path=street.street.path, action=CHECKIN, points=5, daily_cap=5)
    EarningRule.objects.create(org=street.street, org_path=street.street.path, action="bonus", points=40)
    points_award(by=None, person=street.resident_a, action="bonus", key="bonus:1")
    soap = Reward.objects.create(org=street.community_a, org_path=street.community_a.path, name="洗衣液",
                                 kind=RewardKind.GOODS, cost=30, stock=3, valid_days=7)

    # The resident checks in on a phone.
    phone, phone_errors = _new_page(browser, viewport=PHONE, phone=True)
    _log_in(phone, base, "resident")
    phone.goto(f"{base}/points/")
    assert phone.locator("[data-balance]").inner_text() == "40"
    with phone.expect_navigation():
        phone.get_by_role("button", name="每日打卡").click()
    assert phone.get_by_text("打卡成功，获得 5 积分").is_visible()
    assert phone.locator("[data-balance]").inner_text() == "45"
    assert phone.get_by_role("button", name="今日已打卡").is_disabled()
    assert _page_fits_width(phone)
    _screenshot(phone, "phone-points-checkin")

    # Redeems a reward in the store: the pickup code, large, with its QR code.
    phone.get_by_role("link", name="积分超市").click()
    card = phone.locator(f"[data-reward='{soap.pk}']")
    card.get_by_label("数量").fill("1")
    assert _page_fits_width(phone)
    _screenshot(phone, "phone-points-catalogue")
    with phone.expect_navigation():
        card.get_by_role("button", name="兑换").click()
    redemption = Redemption.objects.get()
    assert phone.get_by_text("兑换成功").is_visible()
    assert phone.locator(".pickup-code").inner_text() == redemption.code
    assert phone.locator(".qr-box svg").is_visible()
    assert balance_of(street.resident_a) == 15
    assert _page_fits_width(phone)
    _screenshot(phone, "phone-points-code")

    # A community worker at the counter enters the code and verifies it.
    desk, desk_errors = _new_page(browser, viewport=DESKTOP)
    _log_in(desk, base, "community_worker")
    desk.goto(f"{base}/points/counter/")
    desk.get_by_label("兑换码").fill(redemption.code.lower())
    with desk.expect_navigation():
        desk.get_by_role("button", name="查询").click()
    result = desk.locator(".counter-result")
    assert "洗衣液 ×1" in result.inner_text() and "张三" in result.inner_text()
    _screenshot(desk, "desktop-points-counter")
    with desk.expect_navigation():
        result.get_by_role("button", name="确认核销，交付商品").click()
    assert desk.get_by_text("核销成功").is_visible()
    assert "不能重复使用" in desk.locator(".counter-result").inner_text()
    redemption.refresh_from_db()
    assert redemption.status == RedemptionStatus.FULFILLED

    # The resident's "my codes" shows it fulfilled.
    phone.goto(f"{base}/points/codes/")
    item = phone.locator(f"[data-code='{redemption.code}']")
    assert item.get_attribute("data-status") == "fulfilled" and "已领取" in item.inner_text()
    assert item.get_by_role("button", name="取消兑换").count() == 0
    assert _page_fits_width(phone)
    _screenshot(phone, "phone-points-my-codes")
    assert phone_errors == [] and desk_errors == []
