"""The main flows in a real browser: Debian's Chromium driven by Playwright against a live server.

Screenshots of each final state go to ``test-artifacts/`` (not committed) for a person to look at.
Chromium is found at ``/usr/bin/chromium`` or where ``TONGXIN_CHROMIUM`` says; ``make test``
installs it. Without it these tests fail: a browser test that skips is a test nobody runs.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connections

from tongxin.core.models import AuditEntry
from tongxin.testing import PASSWORD

pytestmark = pytest.mark.browser

CHROMIUM = os.environ.get("TONGXIN_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
    "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
]
ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}


@pytest.fixture
def browser():
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        pytest.fail(
            f"Chromium not found at {CHROMIUM}. Install the Debian package with "
            "`make system-packages` (scripts/ensure_system_packages.sh), or point TONGXIN_CHROMIUM at it.",
            pytrace=False,
        )
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an asyncio event loop running in this thread, and Django then
    # refuses ORM calls from it (SynchronousOnlyOperation), such as the test's own read of the
    # audit log. Nothing here is really concurrent: the live server answers in its own thread
    # and this thread only waits on the browser. So allow it here, for browser tests only, and
    # put the old value back afterwards.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            try:
                yield chromium
            finally:
                chromium.close()
                # With a loop running, Django keeps this thread's database connections apart from
                # its usual ones (asgiref treats the thread as async), so the test's own queries
                # above opened a second connection. Close it while the loop still runs, or
                # PostgreSQL keeps the session and the test database cannot be dropped.
                connections.close_all()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


def _new_page(browser, *, viewport: dict, phone: bool = False):
    context = browser.new_context(
        viewport=viewport, locale="zh-CN", timezone_id="Asia/Shanghai",
        is_mobile=phone, has_touch=phone, device_scale_factor=2 if phone else 1,
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    return page, errors


def _screenshot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def _log_in(page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    assert page.title() == "登录 · 同心 Tongxin"
    page.get_by_label("用户名或手机号").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{base_url}/")


def _page_fits_width(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_search_a_person_reveal_the_id_and_switch_to_large_text(live_server, street, browser):
    page, errors = _new_page(browser, viewport=DESKTOP)
    base = live_server.url
    _log_in(page, base, "community_worker")
    _screenshot(page, "desktop-home-community-worker")

    page.get_by_role("navigation", name="主菜单").get_by_role("link", name="人员").click()
    page.wait_for_url(f"{base}/people/")
    search = page.get_by_role("searchbox", name="搜索")
    search.fill("张")
    page.get_by_role("button", name="查询").click()
    page.wait_for_url(lambda url: "q=%E5%BC%A0" in url)
    people = page.locator("table.people tbody tr")
    assert people.count() == 1
    _screenshot(page, "desktop-people-search")

    page.get_by_role("link", name="张三").click()
    page.wait_for_url(f"{base}/people/{street.resident_a.pk}/")
    assert page.title() == "张三 · 同心 Tongxin"
    id_number = page.locator("[data-reveal-target=id_number]")
    assert id_number.inner_text().startswith("1505**********")

    revealed_before = AuditEntry.objects.filter(action="person_revealed").count()
    page.locator("dd", has=id_number).get_by_role("button", name="查看完整").click()
    full = street.resident_a.id_number
    page.wait_for_function(
        "value => document.querySelector('[data-reveal-target=id_number]').textContent === value", arg=full)
    entry = AuditEntry.objects.filter(action="person_revealed").first()
    assert AuditEntry.objects.filter(action="person_revealed").count() == revealed_before + 1
    assert entry.actor == street.accounts["community_worker"] and entry.changes == {"field": "id_number"}

    toggle = page.get_by_role("button", name="大字")
    toggle.click()
    assert "large-text" in page.evaluate("document.body.className")
    assert toggle.get_attribute("aria-pressed") == "true"
    page.reload()
    assert "large-text" in page.evaluate("document.body.className")
    assert page.get_by_role("button", name="大字").get_attribute("aria-pressed") == "true"
    assert _page_fits_width(page)
    _screenshot(page, "desktop-person-large-text")
    assert errors == []


def test_people_list_on_a_phone_is_cards_without_sideways_scrolling(live_server, street, browser):
    page, errors = _new_page(browser, viewport=PHONE, phone=True)
    base = live_server.url
    _log_in(page, base, "grid_worker")
    assert _page_fits_width(page)
    _screenshot(page, "phone-home-grid-worker")

    page.get_by_role("navigation", name="主菜单").get_by_role("link", name="人员").click()
    page.wait_for_url(f"{base}/people/")
    rows = page.locator("table.people tbody tr")
    assert rows.count() == 2  # 张三 and 王五 live in the grid; 李四 does not
    assert page.locator("table.people thead").evaluate("e => getComputedStyle(e).display") == "none"
    assert rows.first.evaluate("e => getComputedStyle(e).display") == "block"
    assert page.get_by_text("137****1111").is_visible()
    assert _page_fits_width(page)
    _screenshot(page, "phone-people-list")

    page.get_by_role("button", name="大字").click()
    assert _page_fits_width(page)
    _screenshot(page, "phone-people-list-large-text")

    page.get_by_role("link", name="王五").click()
    page.wait_for_url(f"{base}/people/{street.member_a.pk}/")
    assert page.get_by_role("button", name="查看完整").count() == 0  # grid workers see masked values only
    assert _page_fits_width(page)
    _screenshot(page, "phone-person-large-text")
    assert errors == []
