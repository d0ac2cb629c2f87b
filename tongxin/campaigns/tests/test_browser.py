"""Compliance in a real browser: the street admin's table on a desktop, the community worker's
cards on a phone, recording a report with a thumb. Screenshots go to ``test-artifacts/``."""

import pytest

from tongxin.campaigns.models import TaskCompletion
from tongxin.campaigns.services import measure_create, plan_create, task_create
from tongxin.core.tests.test_browser import (  # noqa: F401  (``browser`` is a fixture)
    DESKTOP, PHONE, _log_in, _new_page, _page_fits_width, _screenshot, browser,
)
from tongxin.learning.models import SessionKind

from .records import days, make_session

pytestmark = pytest.mark.browser


@pytest.fixture
def scene(street, campaign, more):
    for title, due, kwargs in [
        ("集中学习", days(-3), {"org": street.street}),
        ("报送第一周进展情况", days(-1), {"org": street.street, "proof_kind": "report"}),
        ("专题党课", days(10), {"org": street.street, "session_kind": SessionKind.PARTY_LECTURE}),
        ("三比三评", days(5), {"domain": "school"}),
    ]:
        task_create(by=None, campaign=campaign, title=title, due_on=due, **kwargs)
    make_session(street, campaign, street.grid_a1, day=days(-5))
    plan_create(by=None, campaign=campaign, kind="overall", title="八里铺街道群众教育实践活动实施方案")
    urban = plan_create(by=None, campaign=campaign, kind="domain", title="城镇社区领域操作规程",
                        domain="urban_community")
    plan_create(by=None, campaign=campaign, kind="unit", title="八里铺社区子方案", org=street.community_a)
    plan_create(by=None, campaign=campaign, kind="unit", title="八里铺小学子方案", org=more.school)
    measure_create(by=None, campaign=campaign, title="“五微五进”系列活动", plan=urban)
    return campaign


def test_street_admin_reads_compliance_on_a_desktop(live_server, street, scene, browser):
    page, errors = _new_page(browser, viewport=DESKTOP)
    base = live_server.url
    _log_in(page, base, "street_admin")
    page.get_by_role("link", name="主题活动 方案、规定动作与完成情况").click()
    page.wait_for_url(f"{base}/campaigns/")
    page.get_by_role("link", name="感党恩、听党话、跟党走").click()
    tree = page.locator("ul.plan-tree")
    assert tree.locator(":scope > li").count() == 1  # the "1"
    assert tree.locator(":scope > li > ul > li").count() == 2  # the procedure, and the school's sub-plan
    assert "八里铺社区子方案" in tree.locator(":scope > li > ul > li").first.inner_text()
    _screenshot(page, "desktop-campaign-detail")
    page.get_by_role("link", name="规定动作完成情况").click()
    page.wait_for_url(f"{base}/campaigns/{scene.slug}/compliance/")
    table = page.locator("table.compliance")
    assert table.locator("thead th.task").count() == 4
    assert table.locator("tbody tr").count() == 6  # two communities, the shop, the school, the association, the village
    assert page.locator("thead").first.is_visible()
    page.get_by_role("link", name="逾期").first.click()
    page.wait_for_url(lambda url: "sort=overdue" in url)
    overdue = [int(t) for t in table.locator("tbody tr td:nth-child(3)").all_inner_texts()]
    assert overdue == sorted(overdue, reverse=True)
    _screenshot(page, "desktop-campaign-compliance")
    assert errors == []


def test_community_worker_records_a_report_on_a_phone(live_server, street, scene, browser):
    page, errors = _new_page(browser, viewport=PHONE, phone=True)
    base = live_server.url
    _log_in(page, base, "community_worker")
    page.goto(f"{base}/campaigns/{scene.slug}/compliance/")
    assert _page_fits_width(page)
    assert not page.locator("table.compliance thead").is_visible()
    cards = page.locator("table.compliance tbody tr")
    assert cards.count() == 2  # 八里铺社区 and the shop in it
    community = cards.filter(has_text="八里铺社区").first
    assert community.get_by_text("✓ 已完成").is_visible()
    _screenshot(page, "phone-campaign-compliance")

    community.locator("td", has_text="逾期").get_by_role("link", name="记录完成").click()
    page.get_by_label("工作报告").fill("召开动员会，党员 42 人参加，会后分网格入户宣讲。")
    page.get_by_role("button", name="保存").click()
    page.wait_for_url(lambda url: "compliance/?org=BLP-C1" in url)
    assert page.get_by_text("已记录：八里铺社区完成“报送第一周进展情况”").is_visible()
    assert TaskCompletion.objects.filter(org=street.community_a, task__title="报送第一周进展情况").exists()
    assert _page_fits_width(page)
    _screenshot(page, "phone-campaign-compliance-recorded")
    assert errors == []
