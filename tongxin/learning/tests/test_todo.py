"""The grid worker's to-do list (我的待办) on a phone: record a delivery from a card, the card goes;
nobody records for a person outside their grid; and the demo street read from the street's
figures down to one grid's to-do list."""

from __future__ import annotations

import re
from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tongxin.accounts.models import Role, User
from tongxin.accounts.services import account_create, role_grant
from tongxin.campaigns.services import campaign_create
from tongxin.learning.models import Delivery, DeliveryKind
from tongxin.orgs.models import Org
from tongxin.core.tests.test_browser import (  # noqa: F401  (``browser`` is a fixture)
    DESKTOP, PHONE, _log_in, _new_page, _page_fits_width, _screenshot, browser,
)
from tongxin.testing import PASSWORD

from .test_coverage import add_person

TODO = reverse("learning:my_todo")
RECORD = reverse("learning:my_todo_record")


def grid_worker(street, username: str, grid, lives_in) -> User:
    person = add_person(f"网格员{username}", lives_in, f"w-{username}")
    user = account_create(by=None, username=username, password=PASSWORD, person=person)
    role_grant(by=None, user=user, role=Role.GRID_WORKER, org=grid)
    return user


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def names_on(html: str) -> list[str]:
    return re.findall(r'<p class="todo-name"><a href="[^"]+">([^<]+)</a>', html)


def count_on(html: str) -> int:
    return int(re.search(r"还有 <strong>(\d+)</strong> 人未覆盖", html).group(1))


@pytest.fixture
def worker_a(street):
    # Lives in the other grid, so that the worker is not on their own list.
    return grid_worker(street, "liu", street.grid_a1, street.building_b1)


def test_a_grid_worker_records_a_home_delivery_and_the_card_goes(street, campaign, worker_a):
    client = client_for(worker_a)
    html = client.get(TODO).content.decode()
    assert names_on(html) == ["张三", "王五"]  # grid A1 by place, then name; 李四 lives in grid B1
    assert count_on(html) == 2
    response = client.post(RECORD, {"person": street.member_a.pk, "kind": DeliveryKind.HOME,
                                    "campaign": campaign.slug, "note": "带去《习近平著作选读》"})
    assert response.status_code == 302 and response["Location"].startswith(TODO)
    delivery = Delivery.objects.get(person=street.member_a)
    assert (delivery.kind, delivery.campaign, delivery.delivered_by, delivery.recorded_by, delivery.note) == (
        DeliveryKind.HOME, campaign, worker_a.person, worker_a, "带去《习近平著作选读》")
    html = client.get(response["Location"]).content.decode()
    assert names_on(html) == ["张三"] and count_on(html) == 1
    assert "已记录：王五 · 送学上门" in html


def test_the_same_card_sent_twice_records_once(street, campaign, worker_a):
    client = client_for(worker_a)
    data = {"person": street.resident_a.pk, "kind": DeliveryKind.POCKET_BOOK, "campaign": campaign.slug}
    assert client.post(RECORD, data).status_code == 302
    response = client.post(RECORD, data, follow=True)
    assert Delivery.objects.filter(person=street.resident_a).count() == 1
    assert "张三 已覆盖，无需重复记录。" in response.content.decode()


def test_a_grid_worker_of_another_grid_cannot_record_for_that_person(street, campaign, worker_a):
    worker_b = grid_worker(street, "zhao", street.grid_b1, street.building_b1)
    client = client_for(worker_b)
    assert names_on(client.get(TODO).content.decode()) == ["李四", "网格员liu", "网格员zhao"]
    response = client.post(RECORD, {"person": street.member_a.pk, "kind": DeliveryKind.HOME,
                                    "campaign": campaign.slug})
    assert response.status_code == 404
    assert not Delivery.objects.exists()
    # Nor with a way the list does not offer, an unknown campaign or an unknown person.
    for data in ({"person": street.resident_b.pk, "kind": DeliveryKind.MP3, "campaign": campaign.slug},
                 {"person": street.resident_b.pk, "kind": DeliveryKind.HOME, "campaign": "no-such"},
                 {"person": "x", "kind": DeliveryKind.HOME, "campaign": campaign.slug}):
        assert client.post(RECORD, data).status_code == 404
    assert client.get(RECORD).status_code == 405


def test_a_building_head_sees_their_building_and_other_roles_have_no_list(street, campaign):
    head = client_for(street.accounts["building_head"])
    assert names_on(head.get(TODO).content.decode()) == ["张三", "王五"]
    for role in ("community_worker", "street_admin", "resident"):
        response = client_for(street.accounts[role]).get(TODO)
        assert response.status_code == 200
        assert "您没有负责的网格或楼栋" in response.content.decode()
        assert client_for(street.accounts[role]).post(RECORD, {
            "person": street.member_a.pk, "kind": DeliveryKind.HOME, "campaign": campaign.slug}).status_code == 404


def test_the_suggested_way_is_the_first_button(street, campaign, worker_a):
    html = client_for(worker_a).get(TODO).content.decode()
    card = html[html.index(">王五<"):]
    card = card[:card.index("</li>")]
    assert '<button type="submit" name="kind" value="home" class="primary">已送学上门</button>' in card
    assert '<button type="submit" name="kind" value="online">已网络助学</button>' in card
    assert '<button type="submit" name="kind" value="pocket_book">已发口袋书</button>' in card
    assert "137****1111" in card and "13700001111" not in card


def test_the_list_fits_a_phone(street, campaign, worker_a):
    """No horizontal scroll on a phone: the page scales to the device, the list is cards (no
    table), buttons wrap, and nothing in the coverage styles is wider than a phone."""
    html = client_for(worker_a).get(TODO).content.decode()
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    main = html[html.index('<main class="page">'):]
    assert "<table" not in main
    assert main.count('<li class="todo-card">') == 2
    assert 'style="' not in main
    css = Path(finders.find("tongxin/site.css")).read_text(encoding="utf-8")
    block = css[css.index("/* learning: coverage */"):]
    assert re.search(r"\.todo-actions \{[^}]*display: flex;[^}]*flex-wrap: wrap;", block)
    assert re.search(r"@media \(max-width: 640px\) \{[^@]*\.todo-actions button \{ flex-basis: 100%; \}", block)
    assert re.search(r"@media \(max-width: 640px\) \{[^@]*\.cov thead \{ display: none; \}", block)
    declarations = re.sub(r"@media \([^)]*\)", "", block)  # the breakpoints are not widths
    widths = [int(w) for w in re.findall(r"width:\s*(\d+)px", declarations)]
    assert all(w <= 320 for w in widths)


def test_home_cards(street, worker_a):
    grid = client_for(street.accounts["grid_worker"]).get("/").content.decode()
    assert reverse("learning:my_todo") in grid and "我的待办" in grid
    admin = client_for(street.accounts["street_admin"]).get("/").content.decode()
    assert reverse("learning:coverage") in admin and "学习覆盖" in admin
    assert reverse("learning:my_todo") not in admin


def _links(html: str, name: str) -> list[str]:
    path = re.escape(reverse(f"learning:{name}"))
    return [href.replace("&amp;", "&") for href in re.findall(rf'href="({path}\?[^"]+)"', html)]


def test_the_demo_street_reads_down_to_one_grids_to_do_list(db):
    call_command("seed_demo", scale="tiny", stdout=StringIO())
    street = Org.objects.get(code="BLP")
    today = timezone.localdate()
    campaign = campaign_create(by=None, name="感党恩、听党话、跟党走", slug="demo", starts_on=today - timedelta(days=7),
                               ends_on=today + timedelta(days=30), scope=street, targets_members=True,
                               targets_residents=True)
    admin = Client()
    admin.force_login(User.objects.get(username="street_admin"))
    html = admin.get(reverse("learning:coverage")).content.decode()  # the newest campaign, the street
    assert "学习覆盖 · 八里铺街道" in html and "感党恩、听党话、跟党走" in html
    community = [u for u in _links(html, "coverage") if "org=BLP-C01" in u and "-G" not in u][0]
    html = admin.get(community).content.decode()
    assert "学习覆盖 · 八里铺社区" in html and "各网格" in html
    grid_link = [u for u in _links(html, "coverage") if "org=BLP-C01-G01" in u and "-B" not in u][0]
    html = admin.get(grid_link).content.decode()
    gaps = re.search(r"未覆盖名单（(\d+) 人）", html)
    assert gaps, "the grid's page links to its gap list"
    gap_link = [u for u in _links(html, "coverage_gaps") if "org=BLP-C01-G01&" in u + "&"][0]
    gap_html = admin.get(gap_link).content.decode()
    assert f"共 {gaps.group(1)} 人未覆盖" in gap_html

    worker = Client()
    worker.force_login(User.objects.get(username="grid_worker"))
    todo = worker.get(TODO).content.decode()
    assert count_on(todo) == int(gaps.group(1)) > 0
    assert len(names_on(todo)) == min(30, int(gaps.group(1)))
    assert settings.TONGXIN_DEMO_PASSWORD  # the demo accounts are the ones `make demo` prints


@pytest.mark.browser
def test_on_a_phone_the_grid_worker_records_from_the_list(live_server, street, campaign, worker_a, browser):
    page, errors = _new_page(browser, viewport=PHONE, phone=True)
    base = live_server.url
    _log_in(page, base, "liu")
    page.get_by_role("link", name="我的待办").click()
    page.wait_for_url(f"{base}{TODO}")
    assert page.locator("li.todo-card").count() == 2
    assert "还有 2 人未覆盖" in page.locator(".todo-count").inner_text()
    assert _page_fits_width(page)
    _screenshot(page, "phone-todo")
    card = page.locator("li.todo-card", has_text="王五")
    assert "送学上门" in card.locator(".todo-way").inner_text()
    card.get_by_role("button", name="已送学上门").click()
    page.wait_for_selector("text=已记录：王五 · 送学上门")
    assert page.locator("li.todo-card").count() == 1
    assert "还有 1 人未覆盖" in page.locator(".todo-count").inner_text()
    assert _page_fits_width(page)
    assert Delivery.objects.get(person=street.member_a).delivered_by == worker_a.person
    assert errors == []


@pytest.mark.browser
def test_the_coverage_page_on_a_phone_and_a_desktop(live_server, street, campaign, browser):
    from .test_coverage import build_world

    build_world(street, campaign)
    for name, viewport, phone in (("phone", PHONE, True), ("desktop", DESKTOP, False)):
        page, errors = _new_page(browser, viewport=viewport, phone=phone)
        base = live_server.url
        _log_in(page, base, "street_admin")
        page.get_by_role("link", name="学习覆盖").first.click()
        page.wait_for_url(lambda url: "/learning/coverage/" in url)
        assert "50.0%" in page.locator(".cov-figures").inner_text()
        assert _page_fits_width(page)
        _screenshot(page, f"{name}-coverage-street")
        page.get_by_role("link", name="八里铺社区").first.click()
        page.wait_for_url(lambda url: "org=BLP-C1" in url)
        page.get_by_role("link", name="八里铺第一网格").first.click()
        page.wait_for_url(lambda url: "org=BLP-C1-G1" in url)
        page.get_by_role("link", name="未覆盖名单（2 人）").click()
        page.wait_for_url(lambda url: "/learning/coverage/gaps/" in url)
        assert page.locator("table.gaps tbody tr").count() == 2
        assert _page_fits_width(page)
        _screenshot(page, f"{name}-coverage-gaps")
        assert errors == []
