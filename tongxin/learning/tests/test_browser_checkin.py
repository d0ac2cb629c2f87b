"""Check-in in real browsers: a community worker puts the QR screen on the big screen, a resident
opens the address in the code on a phone, logs in, and is checked in; the screen's count goes up
by itself and the code changes by itself at the next 30-second window.

The address is read from the screen's ``data-checkin-url`` (what the QR image encodes), not by
decoding the image. Screenshots go to ``test-artifacts/``.
"""

from __future__ import annotations

from datetime import time, timedelta
from urllib.parse import urlsplit

import pytest
from django.utils import timezone

from tongxin.core.tests.test_browser import (  # noqa: F401  (browser is the shared Chromium fixture)
    DESKTOP, PHONE, _new_page, _page_fits_width, _screenshot, browser,
)
from tongxin.learning.checkin_codes import WINDOW_SECONDS
from tongxin.learning.models import Attendance, SessionKind
from tongxin.learning.services.sessions import schedule_item_create, session_create
from tongxin.testing import PASSWORD

pytestmark = pytest.mark.browser

BIG_SCREEN = {"width": 1600, "height": 900}


def _log_in_here(page, username: str) -> None:
    """Fill the login form the page has been sent to; the caller waits for where it leads."""
    page.get_by_label("用户名或手机号").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()


def test_scan_the_big_screen_with_a_phone_and_watch_the_count(live_server, street, browser):  # noqa: F811
    start = timezone.now().replace(second=0, microsecond=0) - timedelta(minutes=5)
    session = session_create(by=street.accounts["community_worker"], org=street.community_a, kind=SessionKind.LECTURE,
                             topic="“感党恩、听党话、跟党走”千人大讲堂", speaker="刘书记",
                             speaker_role="community_secretary", place="社区党群服务中心三楼", starts_at=start,
                             ends_at=start + timedelta(hours=2), capacity=200)
    # 每周二、五下午集中学习, as in the seeds: the resident's week shows both.
    for weekday in (1, 4):
        schedule_item_create(by=street.accounts["community_worker"], org=street.community_a, weekday=weekday,
                             starts_at=time(14, 30), ends_at=time(16, 30), topic="集中学习日：学习党的创新理论",
                             place="社区二楼会议室")
    base = live_server.url

    screen, screen_errors = _new_page(browser, viewport=BIG_SCREEN)
    screen.goto(f"{base}/accounts/login/")
    _log_in_here(screen, "community_worker")
    screen.wait_for_url(f"{base}/")
    screen.goto(f"{base}/learning/sessions/{session.pk}/")
    screen.get_by_role("link", name="打开签到二维码").click()
    screen.wait_for_url(f"{base}/learning/sessions/{session.pk}/qr/")
    stage = screen.locator("[data-qr-screen]")
    assert screen.locator("[data-qr-code] svg").is_visible()
    assert screen.locator("[data-qr-count]").inner_text() == "0"
    box = screen.locator("[data-qr-code] svg").bounding_box()
    assert box["width"] >= 450 and box["height"] >= 450  # readable from the back of the room
    assert _page_fits_width(screen)
    fits_one_screen = "document.documentElement.scrollHeight <= window.innerHeight"
    assert screen.evaluate(fits_one_screen)  # no scrolling on the projector
    screen.set_viewport_size({"width": 1366, "height": 768})  # an office laptop on the projector
    assert screen.evaluate(fits_one_screen) and _page_fits_width(screen)
    screen.set_viewport_size(BIG_SCREEN)
    screen.wait_for_timeout(500)
    _screenshot(screen, "bigscreen-session-qr")
    checkin_url = stage.get_attribute("data-checkin-url")
    first_token = stage.get_attribute("data-token")
    assert urlsplit(checkin_url).path == f"/learning/checkin/{session.pk}/{first_token}/"

    phone, phone_errors = _new_page(browser, viewport=PHONE, phone=True)
    phone.goto(checkin_url)
    phone.wait_for_url(lambda url: urlsplit(url).path == "/accounts/login/")
    assert _page_fits_width(phone)
    _screenshot(phone, "phone-checkin-login")
    _log_in_here(phone, "resident")
    phone.wait_for_url(checkin_url)
    assert phone.get_by_role("heading", name="签到成功").is_visible()
    assert "张三，您已于" in phone.get_by_role("status").inner_text()
    assert phone.get_by_text("千人大讲堂").first.is_visible()
    assert _page_fits_width(phone)
    _screenshot(phone, "phone-checkin-done")
    attendance = Attendance.objects.get(session=session)
    assert attendance.person == street.resident_a and attendance.method == "qr"

    # The big screen counts the new attendance by itself within a few seconds.
    screen.wait_for_function("document.querySelector('[data-qr-count]').textContent === '1'", timeout=8_000)
    _screenshot(screen, "bigscreen-session-qr-counted")

    # Scanning again on the phone is harmless.
    phone.reload()
    assert phone.get_by_role("heading", name="您已签到").is_visible()
    assert Attendance.objects.filter(session=session).count() == 1

    phone.get_by_role("link", name="本周学习").click()
    phone.wait_for_url(f"{base}/learning/this-week/")
    assert phone.get_by_text("✓ 已签到").is_visible()
    assert phone.get_by_text("集中学习日：学习党的创新理论").count() == 2
    assert _page_fits_width(phone)
    _screenshot(phone, "phone-this-week")

    # At the next window the screen fetches a new code and a new address by itself.
    screen.wait_for_function(
        "token => document.querySelector('[data-qr-screen]').dataset.token !== token",
        arg=first_token, timeout=(WINDOW_SECONDS + 8) * 1000)
    new_url = stage.get_attribute("data-checkin-url")
    assert new_url != checkin_url and screen.locator("[data-qr-code] svg").is_visible()
    assert screen_errors == [] and phone_errors == []


def test_an_old_code_on_a_phone_is_explained(live_server, street, browser):  # noqa: F811
    start = timezone.now() - timedelta(minutes=5)
    session = session_create(by=street.accounts["community_worker"], org=street.community_a,
                             kind=SessionKind.GROUP_STUDY, topic="集中学习", starts_at=start,
                             ends_at=start + timedelta(hours=1))
    from tongxin.learning.checkin_codes import make_code

    old = make_code(session, now=timezone.now() - timedelta(minutes=3))
    phone, errors = _new_page(browser, viewport=PHONE, phone=True)
    phone.goto(f"{live_server.url}/learning/checkin/{session.pk}/{old}/")
    assert phone.get_by_role("heading", name="未能签到").is_visible()
    assert phone.get_by_role("alert").inner_text() == "二维码已过期，请扫描屏幕上最新的二维码"
    assert _page_fits_width(phone)
    _screenshot(phone, "phone-checkin-expired")
    # The 400 status is the page's answer, not a script error.
    assert [e for e in errors if "400" not in e] == []


def test_staff_plan_tick_the_roster_and_print_the_sheet(live_server, street, browser):  # noqa: F811
    base = live_server.url
    start = timezone.now().replace(second=0, microsecond=0) - timedelta(minutes=20)
    for i, (kind, topic, extra) in enumerate([
        (SessionKind.PARTY_LECTURE, "专题党课：践行群众路线", {"speaker": "刘书记", "speaker_role": "leadership"}),
        (SessionKind.OUTREACH, "“五进”宣讲进校园", {"outreach_place": "school"}),
        (SessionKind.GROUP_STUDY, "集中学习《论群众路线》", {}),
    ]):
        session_create(by=street.accounts["community_worker"], org=street.community_a, kind=kind, topic=topic,
                       starts_at=start + timedelta(days=i * 2), ends_at=start + timedelta(days=i * 2, hours=2),
                       place="社区党群服务中心", **extra)
    desk, errors = _new_page(browser, viewport=DESKTOP)
    desk.goto(f"{base}/accounts/login/")
    _log_in_here(desk, "community_worker")
    desk.wait_for_url(f"{base}/")
    desk.get_by_role("navigation", name="主菜单").get_by_role("link", name="学习").click()
    desk.wait_for_url(f"{base}/learning/sessions/")
    assert desk.locator("table.sessions tbody tr").count() == 3
    _screenshot(desk, "desktop-session-list")
    desk.get_by_role("link", name="日历").click()
    desk.wait_for_url(f"{base}/learning/sessions/calendar/")
    assert desk.locator(".cal-session").count() == 3
    _screenshot(desk, "desktop-session-calendar")

    for weekday in (1, 4):
        schedule_item_create(by=street.accounts["community_worker"], org=street.community_a, weekday=weekday,
                             starts_at=time(14, 30), ends_at=time(16, 30), topic="集中学习日", place="二楼会议室")
    desk.get_by_role("link", name="学习课表").click()
    desk.wait_for_url(lambda url: "/learning/schedule/" in url)
    assert desk.locator(".slot").count() == 2
    _screenshot(desk, "desktop-schedule")
    desk.get_by_role("link", name="列表").click()
    desk.get_by_role("link", name="专题党课：践行群众路线").click()
    desk.get_by_role("link", name="名单勾选 / 补录").click()
    desk.wait_for_url(lambda url: url.endswith("/roster/"))
    desk.get_by_label("王五").check()  # a party lecture lists members
    desk.get_by_role("button", name="登记所勾选人员").click()
    desk.wait_for_url(lambda url: "/roster/" in url)
    assert desk.get_by_text("已登记签到 1 人").is_visible()
    _screenshot(desk, "desktop-session-roster")

    desk.goto(desk.url.split("/roster/")[0] + "/sign-sheet/?who=all")
    _screenshot(desk, "desktop-sign-sheet")
    desk.emulate_media(media="print")
    desk.set_viewport_size({"width": 718, "height": 1040})  # the printable width of A4 (190 mm) at 96 dpi
    assert desk.locator(".sheet-tools").is_hidden()
    assert _page_fits_width(desk)
    _screenshot(desk, "print-sign-sheet")
    pdf = desk.pdf(format="A4")
    assert pdf.startswith(b"%PDF") and len(pdf) > 1000
    desk.emulate_media(media="screen")
    desk.set_viewport_size(DESKTOP)

    phone, phone_errors = _new_page(browser, viewport=PHONE, phone=True)
    phone.goto(f"{base}/accounts/login/")
    _log_in_here(phone, "grid_worker")
    phone.wait_for_url(f"{base}/")
    phone.goto(f"{base}/learning/sessions/new/")
    assert phone.locator("[data-show-for-kind]").is_hidden()  # 五进 only for outreach
    phone.get_by_label("形式").select_option("outreach")
    assert phone.locator("[data-show-for-kind]").is_visible()
    phone.get_by_label("形式").select_option("micro_class")
    phone.get_by_label("主题", exact=True).fill("网格微课堂：反诈骗知识")
    phone.get_by_label("日期").fill((timezone.localdate() + timedelta(days=1)).isoformat())
    phone.get_by_label("开始时间").fill("19:00")
    phone.get_by_label("结束时间").fill("20:00")
    assert _page_fits_width(phone)
    _screenshot(phone, "phone-session-form")
    phone.get_by_role("button", name="保存").click()
    phone.wait_for_url(lambda url: "/learning/sessions/" in url and url.rstrip("/").split("/")[-1].isdigit())
    assert phone.get_by_role("heading", name="网格微课堂：反诈骗知识").is_visible()
    assert _page_fits_width(phone)
    _screenshot(phone, "phone-session-detail")
    phone.get_by_role("link", name="名单勾选 / 补录").click()
    phone.wait_for_url(lambda url: url.endswith("/roster/"))
    assert phone.locator("table.roster tbody tr").count() == 2  # 张三 and 王五 live in the grid
    assert _page_fits_width(phone)
    _screenshot(phone, "phone-session-roster")
    phone.goto(f"{base}/learning/sessions/calendar/")
    assert _page_fits_width(phone)
    _screenshot(phone, "phone-session-calendar")
    phone.goto(f"{base}/learning/schedule/")
    assert _page_fits_width(phone)
    _screenshot(phone, "phone-schedule")
    assert errors == [] and phone_errors == []
