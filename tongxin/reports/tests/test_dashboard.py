"""The dashboard (统计看板) through the test client: its figures are ``report_figures``', its weeks add
up to them (cut in Beijing time), the children sit side by side with drill-down as far as the account
reads, the charts are inline SVG that fetch nothing, bad input gets a Chinese message, and the
Excel export holds the same values and is audited."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import date, datetime, time, timedelta
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from tongxin.core.audit import AuditAction
from tongxin.core.models import AuditEntry
from tongxin.core.tests.test_browser import (  # noqa: F401  (browser is the shared Chromium fixture)
    PHONE, _log_in, _new_page, _page_fits_width, _screenshot, browser,
)
from tongxin.learning.models import SessionKind
from tongxin.learning.services.sessions import session_create
from tongxin.orgs.models import Org
from tongxin.reports.charts import comparison_chart, weekly_chart
from tongxin.reports.selectors.figures import CATALOGUE, report_figures, report_figures_by_child
from tongxin.reports.selectors.weekly import SERIES, TOTALS, WeekPoint, weekly_series
from tongxin.testing import as_role, text
from tongxin.voices.models import Voice
from tongxin.voices.services.visits import visit_record
from tongxin.voices.services.workflow import voice_accept, voice_assign, voice_resolve, voice_start

from .test_figures import work  # noqa: F401  (the fixture: a week of work in the small street)

URL = reverse("reports:dashboard")
EXPORT = reverse("reports:figures_export")
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def busy(work):
    """``work`` and a visit and a resolved voice, so that every weekly series counts something."""
    street, campaign = work
    admin = street.accounts["street_admin"]
    visit_record(by=street.accounts["grid_worker"], household=street.household_a,
                 visited_at=timezone.now() - timedelta(days=2))
    voice = Voice.objects.filter(org_path__startswith=street.street.path).order_by("pk").first()
    voice_accept(by=admin, voice=voice)
    voice_assign(by=admin, voice=voice, handler=admin)
    voice_start(by=admin, voice=voice)
    voice_resolve(by=admin, voice=voice, resolution="已在东门装好路灯")
    return street, campaign


def _cards(response) -> dict[str, str]:
    return dict(re.findall(r'data-figure="([^"]+)" data-value="([^"]*)"', response.content.decode()))


def _raw(value) -> str:
    return "" if value is None else str(value)


def _rows(response, table: str) -> list[tuple[str, dict[str, str]]]:
    """The rows of the children table: (org code, {column: raw value})."""
    body = response.content.decode()
    block = re.search(rf'data-table="{table}">(.*?)</table>', body, re.S).group(1)
    return [(code, dict(re.findall(r'data-col="([^"]+)" data-value="([^"]*)"', cells)))
            for code, cells in re.findall(r'<tr data-org="([^"]+)">(.*?)</tr>', block, re.S)]


def _svgs(response) -> list[str]:
    return re.findall(r"<svg\b.*?</svg>", response.content.decode(), re.S)


def _assert_self_contained(svg: str) -> None:
    """Inline SVG that names no URL and runs nothing: the page works on an intranet, without script."""
    assert "<script" not in svg and "http" not in svg and "//" not in svg
    assert "href" not in svg and "@import" not in svg and "<!--" not in svg
    assert not re.search(r"url\((?!#)", svg)
    ET.fromstring(svg)  # well-formed: every name escaped


# --- The page -----------------------------------------------------------------------------------

def test_the_cards_show_the_figures_of_report_figures(client, busy):
    street, campaign = busy
    response = as_role(client, street, "street_admin").get(URL, {"org": "BLP", "campaign": campaign.slug})
    assert response.status_code == 200
    f = report_figures(street.street, campaign)
    cards = _cards(response)
    assert {"coverage_rate", "sessions", "attendance", "deliveries", "voices", "response_rate", "resolution_rate",
            "satisfaction_rate", "wishes", "projects", "rectifications", "points_earned",
            "actions_done_rate"} <= set(cards)
    assert cards == {key: _raw(f.value(key)) for key in cards}
    assert (cards["sessions"], cards["attendance"], cards["coverage_rate"]) == ("2", "3", "100.0")
    page = text(response)
    assert "已覆盖 3 / 应覆盖 3" in page and "已办结 1 / 已受理 1" in page
    assert f"{campaign.name} · {campaign.starts_on.isoformat()} 至 {timezone.localdate().isoformat()}" in page
    # Every figure, folded below, with its definition.
    body = response.content.decode()
    assert re.findall(r'data-row="([^"]+)"', body) == [d.key for d in CATALOGUE]
    assert "已覆盖人数 ÷ 应覆盖人数" in page
    # The links to the export, the bulletin and the progress report, for the same scope.
    scope = f"org=BLP&amp;campaign={campaign.slug}&amp;from=&amp;to="
    for name in ("reports:figures_export", "reports:bulletin", "reports:progress"):
        assert f'href="{reverse(name)}?{scope}"' in body
    period = f"from={campaign.starts_on.isoformat()}&amp;to={timezone.localdate().isoformat()}"
    assert f'href="{reverse("points:figures")}?org={street.street.pk}&amp;{period}"' in body


def test_the_campaign_under_way_is_chosen_and_without_one_coverage_shows_a_dash(client, street, campaign):
    as_role(client, street, "street_admin")
    first = client.get(URL)
    assert first.status_code == 200
    assert f'<option value="{campaign.slug}" selected>' in first.content.decode()
    assert _cards(first)["coverage_rate"] == "0.0"  # nobody reached yet, three to reach
    none = client.get(URL, {"campaign": ""})
    assert _cards(none)["coverage_rate"] == "" and "选定主题活动后统计" in text(none)


def test_the_weeks_add_up_to_the_figures_of_the_period(busy):
    street, campaign = busy
    for org, chosen in ((street.street, campaign), (street.street, None), (street.community_a, campaign)):
        weeks = weekly_series(org, chosen)
        f = report_figures(org, chosen)
        for key, figure in TOTALS.items():
            total = f[figure].numerator if figure == "resolution_rate" else f.value(figure)
            assert sum(w.value(key) for w in weeks) == total, (org.code, key)
    weeks = weekly_series(street.street, campaign)
    assert all(w.week.weekday() == 0 for w in weeks)
    assert [b.week - a.week for a, b in zip(weeks, weeks[1:])] == [timedelta(days=7)] * (len(weeks) - 1)
    assert weeks[0].first_day == campaign.starts_on and weeks[-1].last_day == timezone.localdate()
    assert sum(w.visits for w in weeks) == 1 and sum(w.voices_resolved for w in weeks) == 1


def test_the_weeks_are_cut_in_beijing_time(street):
    """Monday 00:30 in Beijing is Sunday 16:30 in UTC: it opens the new week, not the old one."""
    monday = timezone.localdate() - timedelta(days=timezone.localdate().weekday() + 14)
    admin = street.accounts["street_admin"]
    for day, hour in ((monday - timedelta(days=1), time(23, 30)), (monday, time(0, 30)), (monday, time(0, 30))):
        start = datetime.combine(day, hour, tzinfo=SHANGHAI)
        session_create(by=admin, org=street.community_a, kind=SessionKind.GROUP_STUDY, topic="学习", starts_at=start,
                       ends_at=start + timedelta(minutes=50))
    weeks = weekly_series(street.street, None, monday - timedelta(days=7), monday + timedelta(days=6))
    assert [(w.week, w.sessions) for w in weeks] == [(monday - timedelta(days=7), 1), (monday, 2)]


def test_the_weekly_table_on_the_page_adds_up_to_the_cards(client, busy):
    street, campaign = busy
    response = as_role(client, street, "street_admin").get(URL, {"campaign": campaign.slug})
    body = response.content.decode()
    total = re.search(r'<tr data-week="total">(.*?)</tr>', body, re.S).group(1)
    totals = {key: int(value) for key, value in re.findall(r'data-col="([^"]+)" data-value="(\d+)"', total)}
    assert list(totals) == list(SERIES)
    cards = _cards(response)
    assert (totals["sessions"], totals["attendance"], totals["voices"]) == (
        int(cards["sessions"]), int(cards["attendance"]), int(cards["voices"]))
    weeks = re.findall(r'<tr data-week="(\d{4}-\d\d-\d\d)">', body)
    assert len(weeks) == len(weekly_series(street.street, campaign)) and len(weeks) >= 5


# --- Children side by side, drill-down, who reads what --------------------------------------------

def test_the_street_compares_its_communities_and_links_to_each(client, busy):
    street, campaign = busy
    response = as_role(client, street, "street_admin").get(URL, {"campaign": campaign.slug})
    rows = _rows(response, "children")
    assert [code for code, _cells in rows] == ["BLP-C1", "BLP-C2"]
    by_child = {r.org.code: r for r in report_figures_by_child(street.street, campaign)}
    for code, cells in rows:
        assert cells == {key: _raw(by_child[code].value(key)) for key in cells}
    assert cells.keys() >= {"coverage_rate", "sessions", "voices", "response_rate", "points_earned"}
    body = response.content.decode()
    link = f'{URL}?org=BLP-C1&amp;campaign={campaign.slug}&amp;from=&amp;to='
    assert f'href="{link}" data-drill' in body


@pytest.mark.parametrize(("sort", "order"), [
    ("-attendance", ["BLP-C1", "BLP-C2"]), ("attendance", ["BLP-C2", "BLP-C1"]), ("nonsense", ["BLP-C1", "BLP-C2"]),
])
def test_the_children_sort_by_a_column(client, work, sort, order):
    street, campaign = work
    response = as_role(client, street, "street_admin").get(URL, {"campaign": campaign.slug, "sort": sort})
    assert [code for code, _cells in _rows(response, "children")] == order
    if sort == "-attendance":
        assert 'aria-sort="descending"' in response.content.decode()


def test_a_community_worker_reads_their_community_and_its_grids_only(client, work):
    street, campaign = work
    worker = as_role(client, street, "community_worker")
    response = worker.get(URL, {"campaign": campaign.slug})
    assert response.status_code == 200
    assert "统计看板 · 八里铺社区" in text(response)
    assert [code for code, _cells in _rows(response, "children")] == ["BLP-C1-G1"]
    assert 'class="crumbs"' not in response.content.decode()  # nothing above their own scope
    assert _cards(response)["attendance"] == "2"
    assert worker.get(URL, {"org": "BLP"}).status_code == 403
    assert worker.get(URL, {"org": "BLP-C2"}).status_code == 403
    assert worker.get(EXPORT, {"org": "BLP"}).status_code == 403


def test_a_superior_drills_from_the_district_to_the_street_to_the_community(client, work):
    street, campaign = work
    superior = as_role(client, street, "superior")
    district = superior.get(URL, {"campaign": campaign.slug})
    assert [code for code, _cells in _rows(district, "children")] == ["BLP"]
    links = re.findall(r'href="([^"]+)" data-drill', district.content.decode())
    assert len(links) == 1
    page = superior.get(links[0].replace("&amp;", "&"))
    assert page.status_code == 200 and "统计看板 · 八里铺街道" in text(page)
    links = re.findall(r'href="([^"]+)" data-drill', page.content.decode())
    assert len(links) == 2
    community = superior.get(links[0].replace("&amp;", "&"))
    assert community.status_code == 200
    crumbs = re.search(r'<nav class="crumbs".*?</nav>', community.content.decode(), re.S).group(0)
    assert re.findall(r">([^<>]+)</a>", crumbs) == ["科尔沁区", "八里铺街道", "八里铺社区"]  # no city
    assert _cards(community)["attendance"] == "2"


@pytest.mark.parametrize("role", ["resident", "party_member", "system_admin", "auditor"])
def test_accounts_without_a_staff_or_superior_role_get_403(client, street, role):
    as_role(client, street, role)
    assert client.get(URL).status_code == 403
    assert client.get(EXPORT).status_code == 403


def test_the_menu_links_the_dashboard_for_staff_and_superiors(client, street):
    def nav(role):
        body = as_role(client, street, role).get("/").content.decode()
        return re.search(r'<nav class="nav".*?</nav>', body, re.S).group(0)

    for role in ("street_admin", "community_worker", "superior"):
        assert f'href="{URL}"' in nav(role) and "统计报告" in nav(role), role
    for role in ("resident", "party_member", "grid_worker"):
        assert "统计报告" not in nav(role), role


# --- Bad input ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("query", "status", "message"), [
    ({"from": "2024-13-01"}, 400, "日期格式应为 2024-09-10"),
    ({"from": "2024-09-10", "to": "2024-09-01"}, 400, "结束日期不能早于开始日期"),
    ({"from": "2020-01-01", "to": "2024-09-01"}, 400, "统计期间最长三年"),
    ({"campaign": "nope"}, 400, "找不到该主题活动"),
    ({"org": "NOPE"}, 404, "找不到编码为“NOPE”的组织"),
])
def test_bad_input_gets_a_chinese_message_on_the_page(client, street, query, status, message):
    as_role(client, street, "street_admin")
    for url in (URL, EXPORT):
        response = client.get(url, query)
        assert response.status_code == status, url
        assert message in text(response) and "data-error" in response.content.decode()
    assert not AuditEntry.objects.filter(action=AuditAction.REPORT_FIGURES_EXPORTED).exists()


# --- Charts ---------------------------------------------------------------------------------------

def test_the_charts_are_inline_svg_that_fetch_and_run_nothing(client, work):
    street, campaign = work
    response = as_role(client, street, "street_admin").get(URL, {"campaign": campaign.slug})
    body = response.content.decode()
    assert body.count('data-chart="weekly"') == 4 and 'data-chart="rates"' in body and 'data-chart="compare"' in body
    svgs = _svgs(response)
    assert len(svgs) == 6
    for svg in svgs:
        _assert_self_contained(svg)
        assert 'role="img"' in svg and "Noto Sans CJK SC" in svg and 'viewBox="0 0 400 ' in svg
        assert not re.search(r"<svg[^>]* (width|height)=", svg)  # as wide as its box, on a phone too
    # Each value carries its own title (the browser's tooltip, a screen reader's text).
    assert "<title>八里铺社区：100.0%</title>" in body


def test_compare_picks_the_figure_and_a_bad_key_falls_back(client, work):
    street, campaign = work
    as_role(client, street, "street_admin")
    chosen = client.get(URL, {"campaign": campaign.slug, "compare": "attendance"}).content.decode()
    assert 'data-compare="attendance"' in chosen and "<title>八里铺社区：2</title>" in chosen
    assert '<option value="attendance" selected>' in chosen
    bad = client.get(URL, {"campaign": campaign.slug, "compare": "<script>"})
    assert bad.status_code == 200 and 'data-compare="coverage_rate"' in bad.content.decode()
    assert "<script>" not in re.search(r'data-chart="compare".*?</figure>', bad.content.decode(), re.S).group(0)
    without = client.get(URL, {"campaign": "", "compare": "nope"}).content.decode()
    assert 'data-compare="sessions"' in without  # no coverage without a campaign: the sessions instead


def test_org_names_are_escaped_in_the_charts(street, campaign):
    Org.objects.filter(pk=street.community_b.pk).update(name='学院<b>&"社区')
    rows = report_figures_by_child(street.street, campaign)
    svg = comparison_chart(rows, "sessions", name='对比 <i>&')
    _assert_self_contained(svg)
    assert "学院&lt;b&gt;&amp;" in svg and "<b>" not in svg and "<i>" not in svg
    weeks = [WeekPoint(date(2024, 9, 2), date(2024, 9, 2), date(2024, 9, 8), sessions=3)]
    _assert_self_contained(weekly_chart(weeks, ["sessions"], name="每周"))


def test_the_page_escapes_org_names(client, street, campaign):
    Org.objects.filter(pk=street.community_b.pk).update(name="学院<script>alert(1)</script>社区")
    body = as_role(client, street, "street_admin").get(URL).content.decode()
    assert "<script>alert(1)" not in body and "学院&lt;script&gt;alert(1)&lt;/script&gt;社区" in body


# --- The export -----------------------------------------------------------------------------------

def test_the_export_holds_the_figures_and_the_children_and_is_audited(client, busy):
    street, campaign = busy
    response = as_role(client, street, "street_admin").get(EXPORT, {"org": "BLP", "campaign": campaign.slug})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    workbook = load_workbook(BytesIO(b"".join(response.streaming_content)))
    assert workbook.sheetnames == ["概况", "下级对比"]
    f = report_figures(street.street, campaign)

    overview = workbook["概况"]
    assert [overview.cell(row=r, column=2).value for r in (1, 2, 3)] == [
        "八里铺街道（BLP）", campaign.name,
        f"{campaign.starts_on.isoformat()} 至 {timezone.localdate().isoformat()}"]
    rows = list(overview.iter_rows(min_row=5, values_only=True))
    assert rows[0] == ("类别", "指标", "数值", "单位", "分子", "分母", "口径", "键")
    assert overview.freeze_panes == "C6"
    figures = {row[7]: row for row in rows[1:]}
    assert list(figures) == [d.key for d in CATALOGUE]
    assert figures["sessions"][:4] == ("学习教育", "开展学习活动", 2, "场")
    assert figures["attendance"][2] == 3 and figures["voices"][2] == f.value("voices")
    assert figures["coverage_rate"][2:6] == (1.0, "%", 3, 3)
    assert figures["resolution_rate"][2:6] == (1.0, "%", 1, 1)
    assert figures["satisfaction_rate"][2] is None  # nothing rated: no value, not zero
    assert figures["coverage_rate"][6] == "已覆盖人数 ÷ 应覆盖人数"
    rate_row = 6 + [d.key for d in CATALOGUE].index("response_rate")
    assert overview.cell(row=rate_row, column=8).value == "response_rate"
    assert overview.cell(row=rate_row, column=3).number_format == "0.0%"
    assert overview.cell(row=rate_row, column=3).value == pytest.approx(f.value("response_rate") / 100)
    for definition in CATALOGUE:
        value, expected = figures[definition.key][2], f.value(definition.key)
        if expected is not None and definition.unit == "%":
            expected = pytest.approx(expected / 100)
        assert value == expected, definition.key

    side = workbook["下级对比"]
    header = [c.value for c in side[1]]
    assert header[:3] == ["名称", "编码", "应覆盖人数（人）"] and "开展学习活动（场）" in header
    assert side.freeze_panes == "C2"
    body = {row[1]: row for row in side.iter_rows(min_row=2, values_only=True)}
    assert list(body) == ["BLP-C1", "BLP-C2", "BLP"] and body["BLP"][0] == "八里铺街道（合计）"
    column = header.index("参加学习（人次）")
    assert (body["BLP-C1"][column], body["BLP-C2"][column], body["BLP"][column]) == (2, 1, 3)

    entry = AuditEntry.objects.get(action=AuditAction.REPORT_FIGURES_EXPORTED)
    assert entry.actor == street.accounts["street_admin"] and entry.object_id == str(street.street.pk)
    assert entry.changes | {} == {**entry.changes, "org": "BLP", "campaign": campaign.slug, "children": 2}


# --- In a browser, on a phone ---------------------------------------------------------------------

@pytest.mark.browser
def test_on_a_phone_the_dashboard_fits_draws_its_charts_and_drills_down(live_server, work, browser):
    street, campaign = work
    page, errors = _new_page(browser, viewport=PHONE, phone=True)
    base = live_server.url
    outside: list[str] = []
    page.on("request", lambda request: outside.append(request.url) if not request.url.startswith(base) else None)
    _log_in(page, base, "street_admin")
    page.get_by_role("navigation", name="主菜单").get_by_role("link", name="统计报告").click()
    page.wait_for_url(f"{base}{URL}")
    assert page.title() == "统计看板 · 八里铺街道 · 同心 Tongxin"
    page.get_by_label("主题活动").select_option(campaign.slug)  # two are under way: choose ours
    page.get_by_role("button", name="统计").click()
    page.wait_for_url(lambda url: f"campaign={campaign.slug}" in url)
    assert page.locator('[data-figure="attendance"] .dash-value').inner_text().startswith("3")
    charts = page.get_by_role("img")
    assert charts.count() == 6
    for index in range(charts.count()):
        box = charts.nth(index).bounding_box()
        assert box["width"] > 250 and box["height"] > 80  # drawn at the width of the phone
    assert _page_fits_width(page)
    _screenshot(page, "phone-reports-dashboard")

    page.get_by_role("link", name="学院社区").click()
    page.wait_for_url(lambda url: "org=BLP-C2" in url)
    assert page.locator('[data-figure="attendance"] .dash-value').inner_text().startswith("1")
    page.get_by_role("navigation", name="位置").get_by_role("link", name="八里铺街道").click()
    page.wait_for_url(lambda url: "org=BLP&" in url)
    assert _page_fits_width(page)
    assert outside == [] and errors == []
