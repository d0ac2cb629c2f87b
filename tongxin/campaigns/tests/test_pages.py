"""The campaign pages as a street admin, a community worker and a grid worker use them, in Chinese."""

import re

import pytest

from tongxin.campaigns.models import Campaign, CampaignTask, Measure, Plan, TaskCompletion
from tongxin.campaigns.services import campaign_create, task_complete, task_create
from tongxin.core.models import AuditEntry
from tongxin.learning.models import SessionKind
from tongxin.orgs.models import Domain

from .records import days, make_session


def _html(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


# --- Campaigns: list, create, detail -------------------------------------------------------------

def test_street_admin_creates_a_campaign(client, street, more):
    client.force_login(street.accounts["street_admin"])
    form = _html(client.get("/campaigns/new/"))
    assert "新建主题活动" in form and "面向居民群众" in form and "八里铺小学" in form
    response = client.post("/campaigns/new/", {
        "name": "学习贯彻主题教育", "slug": "", "theme": "学思想、强党性", "starts_on": days(-1).isoformat(),
        "ends_on": days(60).isoformat(), "scope": street.street.pk, "status": "active", "targets_members": "on",
        "targets_residents": "on", "resident_groups": ["retired", "elderly"], "units": [more.school.pk],
    })
    campaign = Campaign.objects.get(name="学习贯彻主题教育")
    assert response.status_code == 302 and response.url == f"/campaigns/{campaign.slug}/"
    assert campaign.slug.startswith("xxgcztjy-")
    assert AuditEntry.objects.filter(action="campaign_created", object_id=str(campaign.pk)).exists()
    html = _html(client.get(response.url))
    assert "全体党员；居民群众（退休人员、老年人）；指定单位：八里铺小学" in html
    assert "八里铺街道（街道）" in html


def test_bad_dates_are_shown_in_chinese_and_nothing_is_saved(client, street):
    client.force_login(street.accounts["street_admin"])
    response = client.post("/campaigns/new/", {
        "name": "倒着的活动", "starts_on": days(10).isoformat(), "ends_on": days(1).isoformat(),
        "scope": street.street.pk, "status": "active", "targets_members": "on",
    })
    assert "结束日期不能早于开始日期" in _html(response)
    assert not Campaign.objects.filter(name="倒着的活动").exists()


def test_a_community_worker_cannot_choose_a_scope_they_do_not_run(client, street):
    client.force_login(street.accounts["community_worker"])
    assert client.get("/campaigns/new/").status_code == 403


def test_list_searches_by_name_and_sorts_by_start_date(client, street, campaign):
    campaign_create(by=None, name="党史学习教育", slug="dangshi", starts_on=days(-100), ends_on=days(-40),
                    scope=street.street)
    campaign_create(by=None, name="冬季宣讲", slug="winter", starts_on=days(-3), ends_on=days(20),
                    scope=street.street)
    client.force_login(street.accounts["grid_worker"])
    html = _html(client.get("/campaigns/"))
    assert "共 3 项活动" in html
    names = re.findall(r'<td class="name" data-label="活动名称"><a href="/campaigns/[\w-]+/">([^<]+)</a>', html)
    assert names == ["冬季宣讲", "感党恩、听党话、跟党走", "党史学习教育"]  # newest first
    html = _html(client.get("/campaigns/?sort=start"))
    names = re.findall(r'<td class="name" data-label="活动名称"><a href="/campaigns/[\w-]+/">([^<]+)</a>', html)
    assert names == ["党史学习教育", "感党恩、听党话、跟党走", "冬季宣讲"]
    html = _html(client.get("/campaigns/?q=党史"))
    assert "党史学习教育" in html and "冬季宣讲" not in html and "共 1 项活动" in html
    assert "新建主题活动" not in html  # a grid worker does not run campaigns


def test_street_admin_sets_up_the_1_7_n_plans_actions_and_measures(client, street, campaign, more):
    client.force_login(street.accounts["street_admin"])
    base = f"/campaigns/{campaign.slug}"
    response = client.post(f"{base}/plans/new/", {"kind": "domain", "title": "城镇社区操作规程",
                                                  "domain": Domain.URBAN_COMMUNITY})
    assert "请先制定实施方案" in _html(response)
    for data in ({"kind": "overall", "title": "八里铺街道实施方案", "issued_on": days(-20).isoformat()},
                 {"kind": "domain", "title": "城镇社区操作规程", "domain": Domain.URBAN_COMMUNITY},
                 {"kind": "unit", "title": "八里铺社区子方案", "org": street.community_a.pk}):
        assert client.post(f"{base}/plans/new/", data).status_code == 302, data
    response = client.post(f"{base}/tasks/new/", {
        "title": "专题党课", "required": "on", "due_on": (campaign.ends_on + (days(1) - days(0))).isoformat(),
        "domain": Domain.URBAN_COMMUNITY, "proof_kind": "session", "session_kind": SessionKind.PARTY_LECTURE})
    assert "完成时限须在活动期间内" in _html(response)
    assert client.post(f"{base}/tasks/new/", {
        "title": "专题党课", "required": "on", "due_on": days(10).isoformat(), "domain": Domain.URBAN_COMMUNITY,
        "proof_kind": "session", "session_kind": SessionKind.PARTY_LECTURE}).status_code == 302
    assert client.post(f"{base}/tasks/new/", {
        "title": "红色观影", "due_on": days(12).isoformat(), "org": street.street.pk,
        "proof_kind": "report"}).status_code == 302
    assert client.post(f"{base}/measures/new/", {
        "title": "“五微五进”", "plan": Plan.objects.get(kind="domain").pk}).status_code == 302
    assert CampaignTask.objects.filter(required=True).count() == 1
    assert Measure.objects.get().domain == Domain.URBAN_COMMUNITY

    html = _html(client.get(f"{base}/"))
    assert "“1+1+1”：实施方案 1 个，领域操作规程 1 个，子方案 1 个" in html
    # The tree: the sub-plan sits inside the procedure, which sits inside the overall plan.
    tree = html[html.index('class="plan-tree"'):]
    assert tree.index("八里铺街道实施方案") < tree.index("城镇社区操作规程") < tree.index("八里铺社区子方案")
    assert tree.count("<ul") == 2  # two levels below the root list
    required = html[html.index("<h2>规定动作</h2>"):html.index("<h2>自选动作</h2>")]
    assert "专题党课" in required and days(10).isoformat() in required and "学习活动（党课）" in required
    optional = html[html.index("<h2>自选动作</h2>"):html.index("<h2>推进举措</h2>")]
    assert "红色观影" in optional and "工作报告" in optional
    assert "“五微五进”" in html[html.index("<h2>推进举措</h2>"):]


def test_detail_for_a_resident_has_no_compliance_and_no_forms(client, street, campaign):
    client.force_login(street.accounts["resident"])
    html = _html(client.get(f"/campaigns/{campaign.slug}/"))
    assert "感党恩、听党话、跟党走" in html and "规定动作" in html
    assert "规定动作完成情况" not in html and "布置动作" not in html


# --- Compliance -------------------------------------------------------------------------------

@pytest.fixture
def tasks(campaign, street):
    return {
        "study": task_create(by=None, campaign=campaign, title="集中学习", due_on=days(-3), org=street.street),
        "report": task_create(by=None, campaign=campaign, title="报送进展情况", due_on=days(-1), org=street.street,
                              proof_kind="report"),
        "lecture": task_create(by=None, campaign=campaign, title="专题党课", due_on=days(10), org=street.street,
                               session_kind=SessionKind.PARTY_LECTURE),
    }


def test_compliance_page_for_the_street(client, street, campaign, tasks):
    session = make_session(street, campaign, street.grid_a1, day=days(-5))
    client.force_login(street.accounts["street_admin"])
    html = _html(client.get(f"/campaigns/{campaign.slug}/compliance/"))
    assert "规定动作完成情况 · 八里铺街道" in html
    assert f'href="/campaigns/{campaign.slug}/proof/session/{session.pk}/?org=BLP"' in html
    assert "✓ 已完成" in html and '<span class="tag red">逾期</span>' in html and '<span class="tag">未到期</span>' in html
    # Each cell carries its action's name, so that on a phone each unit is one card of labelled lines.
    assert 'class="list phone-cards compliance"' in html and 'data-label="集中学习"' in html
    assert f"/compliance/BLP-C2/tasks/{tasks['report'].pk}/complete/?back=BLP" in html
    assert "已完成 <b>1</b> / 6" in html


def test_compliance_sorted_by_overdue(client, street, campaign, tasks):
    make_session(street, campaign, street.community_a, day=days(-5))
    task_complete(by=None, task=tasks["report"], org=street.community_a, report="已报送")
    client.force_login(street.accounts["street_admin"])
    html = _html(client.get(f"/campaigns/{campaign.slug}/compliance/?org=BLP&sort=overdue"))
    rows = re.findall(r'<td class="name" data-label="单位">(?:<a href="\?org=[\w-]+">)?([^<]+)<', html)
    assert rows == ["学院社区", "八里铺社区"]


def test_grid_worker_sees_their_community_and_cannot_record(client, street, campaign, tasks):
    client.force_login(street.accounts["grid_worker"])
    html = _html(client.get(f"/campaigns/{campaign.slug}/compliance/"))
    assert "规定动作完成情况 · 八里铺第一网格" in html
    assert "八里铺社区" in html and "学院社区" not in html
    assert "/complete/" not in html


def test_community_worker_records_a_report_once(client, street, campaign, tasks):
    client.force_login(street.accounts["community_worker"])
    compliance_page = _html(client.get(f"/campaigns/{campaign.slug}/compliance/"))
    assert "规定动作完成情况 · 八里铺社区" in compliance_page and "学院社区" not in compliance_page
    url = f"/campaigns/{campaign.slug}/compliance/BLP-C1/tasks/{tasks['report'].pk}/complete/"
    form = _html(client.get(url))
    assert "记录完成情况" in form and "报送进展情况" in form and "工作报告" in form
    response = client.post(url, {"completed_on": days(0).isoformat(), "report": "第一周：召开动员会，42 人参加。"})
    assert response.status_code == 302 and response.url == f"/campaigns/{campaign.slug}/compliance/?org=BLP-C1"
    completion = TaskCompletion.objects.get(task=tasks["report"], org=street.community_a)
    assert completion.recorded_by == street.accounts["community_worker"]
    html = _html(client.get(response.url))
    assert f"/proof/completion/{completion.pk}/?org=BLP-C1" in html
    proof = _html(client.get(f"/campaigns/{campaign.slug}/proof/completion/{completion.pk}/?org=BLP-C1"))
    assert "第一周：召开动员会，42 人参加。" in proof and "逾期完成" in proof  # due yesterday
    again = _html(client.post(url, {"completed_on": days(0).isoformat(), "report": "再报一次"}))
    assert "八里铺社区已记录完成“报送进展情况”，不能重复记录" in again
    assert TaskCompletion.objects.count() == 1


def test_an_empty_report_is_refused_in_chinese(client, street, campaign, tasks):
    client.force_login(street.accounts["community_worker"])
    url = f"/campaigns/{campaign.slug}/compliance/BLP-C1/tasks/{tasks['report'].pk}/complete/"
    html = _html(client.post(url, {"completed_on": days(0).isoformat(), "report": ""}))
    assert "这个字段是必填项" in html
    assert not TaskCompletion.objects.exists()


def test_proof_pages_follow_the_compliance_page_they_come_from(client, street, campaign, tasks):
    in_a = make_session(street, campaign, street.grid_a1, day=days(-5))
    in_b = make_session(street, campaign, street.community_b, day=days(-5))
    client.force_login(street.accounts["grid_worker"])
    html = _html(client.get(f"/campaigns/{campaign.slug}/proof/session/{in_a.pk}/?org=BLP-C1-G1"))
    assert "学习活动：学习党的二十大精神" in html and "八里铺第一网格" in html and "签到人数" in html
    assert client.get(f"/campaigns/{campaign.slug}/proof/session/{in_b.pk}/?org=BLP-C1-G1").status_code == 404
    assert client.get(f"/campaigns/{campaign.slug}/proof/session/{in_a.pk}/?org=BLP").status_code == 403
    client.force_login(street.accounts["resident"])
    assert client.get(f"/campaigns/{campaign.slug}/proof/session/{in_a.pk}/?org=BLP-C1").status_code == 403


def test_api_compliance_lists_units_with_their_actions(client, street, campaign, tasks):
    session = make_session(street, campaign, street.grid_a1, day=days(-5))
    client.force_login(street.accounts["street_admin"])
    data = client.get(f"/api/v1/campaigns/{campaign.slug}/compliance?org=BLP").json()
    assert data["campaign"] == "gandangen" and data["org"] == "BLP" and data["as_of"] == days(0).isoformat()
    assert [t["title"] for t in data["tasks"]] == ["集中学习", "报送进展情况", "专题党课"]
    units = {u["code"]: u for u in data["units"]}
    assert set(units) == {"BLP-C1", "BLP-C2"}
    a = units["BLP-C1"]
    assert (a["required"], a["done"], a["overdue"], a["pending"]) == (3, 1, 1, 1)
    study = next(c for c in a["tasks"] if c["task"] == tasks["study"].pk)
    assert study["state"] == "done" and study["state_name"] == "已完成"
    assert study["proof"] == {"kind": "session", "id": session.pk, "on": days(-5).isoformat(), "recorded": False,
                              "completion": None}
    assert units["BLP-C2"]["overdue"] == 2
    listed = client.get("/api/v1/campaigns").json()
    assert listed == [{
        "id": campaign.pk, "slug": "gandangen", "name": "感党恩、听党话、跟党走", "theme": "群众性教育实践活动",
        "starts_on": campaign.starts_on.isoformat(), "ends_on": campaign.ends_on.isoformat(), "scope": "BLP",
        "scope_name": "八里铺街道", "status": "active", "status_name": "进行中", "target": "全体党员；全体居民群众",
    }]
    assert client.get("/api/v1/campaigns/nope/compliance").status_code == 404
    assert client.get(f"/api/v1/campaigns/{campaign.slug}/compliance?org=NOPE").status_code == 404
    # The sort keys are a closed list: another is refused (422, in Chinese), not silently ignored.
    assert client.get("/api/v1/campaigns?sort=start").status_code == 200
    refused = client.get("/api/v1/campaigns?sort=name")
    assert refused.status_code == 422 and "不是有效的取值" in refused.json()["detail"]
    assert client.get(f"/api/v1/campaigns/{campaign.slug}/compliance?sort=overdue").status_code == 200
    assert client.get(f"/api/v1/campaigns/{campaign.slug}/compliance?sort=worst").status_code == 422


# --- Home page and menu -----------------------------------------------------------------------

@pytest.mark.parametrize("role, shown", [("street_admin", True), ("grid_worker", True), ("superior", True),
                                         ("resident", False), ("party_member", False)])
def test_home_card_and_menu(client, street, role, shown):
    client.force_login(street.accounts[role])
    html = _html(client.get("/"))
    assert ('href="/campaigns/">主题活动<small>方案、规定动作与完成情况</small>' in html) == shown
    assert ('<a href="/campaigns/">活动</a>' in html) == shown
