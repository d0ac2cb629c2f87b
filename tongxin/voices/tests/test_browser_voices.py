"""A wish from a resident's phone to their rating, in a real browser: the resident sends it, a
community worker accepts it at a desk, a party member claims it on the wish wall on a phone, starts
and resolves it, the resident rates it 满意, and the item's timeline shows every step.

Screenshots go to ``test-artifacts/``."""

from __future__ import annotations

import pytest

from tongxin.core.tests.test_browser import DESKTOP, PHONE, _log_in, _new_page, _page_fits_width, _screenshot, browser  # noqa: F401  (browser is the shared Chromium fixture)
from tongxin.voices.models import Rating, Voice, VoiceStatus

from .test_intake import media  # noqa: F401  (photos go to a temporary folder)

pytestmark = pytest.mark.browser

WISH = "家里老人腿脚不便，希望每周有人帮忙买一次菜送上楼。"


def test_a_wish_from_a_phone_to_its_rating(live_server, street, browser):  # noqa: F811
    base = live_server.url

    # A resident sends a wish from a phone.
    phone, phone_errors = _new_page(browser, viewport=PHONE, phone=True)
    _log_in(phone, base, "resident")
    phone.goto(f"{base}/voices/new/")
    assert _page_fits_width(phone)
    phone.get_by_label("心愿", exact=True).check()
    phone.get_by_label("具体内容").fill(WISH)
    _screenshot(phone, "phone-voice-new")
    phone.get_by_role("button", name="提交").click()
    phone.wait_for_url(lambda url: url.endswith("/sent/"))
    voice = Voice.objects.get()
    assert phone.get_by_role("heading", name="已收到").is_visible()
    assert f"您的心愿已提交，编号 #{voice.pk}" in phone.get_by_role("status").inner_text()
    assert phone.get_by_text("初步归类：").is_visible()
    assert _page_fits_width(phone)
    _screenshot(phone, "phone-voice-sent")

    # A community worker accepts it at a desk: 待受理, the item, library and category, 确认受理.
    desk, desk_errors = _new_page(browser, viewport=DESKTOP)
    _log_in(desk, base, "community_worker")
    desk.goto(f"{base}/voices/")
    desk.get_by_role("link", name="待受理").click()
    desk.wait_for_url(lambda url: "tab=submitted" in url)
    desk.get_by_role("link", name=WISH).click()
    desk.wait_for_url(f"{base}/voices/{voice.pk}/")
    accept = desk.locator("form[data-action=accept]")
    accept.get_by_label("难点库").check()
    accept.get_by_label("类别").select_option(label="养老")
    _screenshot(desk, "desktop-voice-accept")
    with desk.expect_navigation():
        accept.get_by_role("button", name="确认受理").click()
    assert desk.get_by_text("已受理，归入难点库 · 养老").is_visible()
    assert desk.locator("form[data-action=accept]").count() == 0

    # A party member claims it on the wish wall, on a phone, then starts and resolves it.
    member, member_errors = _new_page(browser, viewport=PHONE, phone=True)
    _log_in(member, base, "party_member")
    member.goto(f"{base}/voices/wishes/")
    card = member.locator(f"[data-wish='{voice.pk}']")
    assert WISH in card.inner_text() and "张三" not in card.inner_text()
    assert _page_fits_width(member)
    _screenshot(member, "phone-wish-wall")
    card.get_by_role("button", name="我来接单").click()
    member.wait_for_url(f"{base}/voices/{voice.pk}/")
    assert member.get_by_text("接单成功").is_visible()
    with member.expect_navigation():
        member.locator("form[data-action=start]").get_by_role("button", name="开始办理").click()
    resolve = member.locator("form[data-action=resolve]")
    resolve.get_by_label("办理结果").fill("每周六上午送菜上门，已送三次")
    assert _page_fits_width(member)
    with member.expect_navigation():
        resolve.get_by_role("button", name="办结").click()
    assert member.get_by_text("已办结，等待反映人评价").is_visible()
    _screenshot(member, "phone-voice-resolved")

    # The resident rates it 满意 from "my voices".
    phone.goto(f"{base}/voices/mine/")
    item = phone.locator(f"[data-voice='{voice.pk}']")
    assert "每周六上午送菜上门，已送三次" in item.inner_text()
    assert _page_fits_width(phone)
    _screenshot(phone, "phone-my-voices-rate")
    with phone.expect_navigation():
        item.get_by_role("button", name="满意", exact=True).click()
    assert phone.url == f"{base}/voices/mine/"
    assert phone.get_by_text("感谢您的评价").is_visible()
    assert "满意" in phone.locator(f"[data-voice='{voice.pk}']").inner_text()

    # The timeline shows every step, in order.
    phone.goto(f"{base}/voices/{voice.pk}/")
    steps = [row.locator("strong").inner_text() for row in phone.locator("ol.timeline li").all()]
    assert steps == ["提交", "受理", "接单", "开始办理", "办结", "评价"]
    assert "王五" in phone.locator("ol.timeline").inner_text()
    assert _page_fits_width(phone)
    _screenshot(phone, "phone-voice-timeline")
    voice.refresh_from_db()
    assert voice.status == VoiceStatus.CLOSED and voice.rating == Rating.SATISFIED
    assert phone_errors == [] and desk_errors == [] and member_errors == []
