"""The pages of livelihood projects and the problem list through the test client: who may open
which page, the counts on top, creating with rows (and keeping what was typed on an error), the
steps on a project's and an item's page, a supervisor confirming on their phone, and no full ID
or phone number in any page."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from tongxin.testing import as_role, make_id_number, text
from tongxin.voices.models import (
    Project,
    ProjectStatus,
    Rectification,
    RectificationMode,
    RectificationSource,
    RectificationStatus,
    SupervisorComment,
)
from tongxin.voices.services.intake import voice_submit
from tongxin.voices.services.projects import milestone_done, project_create, supervisor_appoint
from tongxin.voices.services.rectifications import phase_done, rectification_create, rectification_fix

TODAY = timezone.localdate()
FULL_IDS = [make_id_number(11), make_id_number(22), make_id_number(33, "19450607")]
FULL_PHONES = ["13812345678", "13987654321", "13700001111"]
STAFF = ["street_admin", "community_worker", "grid_worker", "building_head", "superior"]
NOT_STAFF = ["party_member", "resident", "system_admin", "security_admin", "auditor"]


def html(response) -> str:
    return response.content.decode()


def assert_no_personal_data(response) -> None:
    page = html(response)
    for value in FULL_IDS + FULL_PHONES:
        assert value not in page


@pytest.fixture
def project(street):
    project = project_create(by=street.accounts["community_worker"], org=street.community_a, title="老旧小区加装电梯",
                             owner="八里铺社区党委", milestones=[{"title": "方案论证", "weight": 1},
                                                          {"title": "施工", "weight": 3}])
    supervisor_appoint(by=street.accounts["community_worker"], project=project, person=street.resident_a)
    return project


@pytest.fixture
def items(street):
    admin = street.accounts["street_admin"]
    fixed = rectification_create(by=admin, org=street.community_a, item="办事大厅工作人员迟到早退",
                                 source=RectificationSource.RESIDENTS, owner="社区党委",
                                 mode=RectificationMode.IMMEDIATE)
    rectification_fix(by=admin, rectification=fixed, fixed_on=TODAY, note="实行上下班签到制度")
    going = rectification_create(by=admin, org=street.community_a, item="雨污管网混接",
                                 source=RectificationSource.SELF_REVIEW, owner="街道城建办",
                                 mode=RectificationMode.PHASED,
                                 phases=[{"target": "摸清点位", "due_on": TODAY + timedelta(days=5)},
                                         {"target": "完成改造", "due_on": TODAY + timedelta(days=40)}])
    phase_done(by=admin, phase=going.phases.get(order=1), done_on=TODAY)
    fresh = rectification_create(by=admin, org=street.community_b, item="学院社区路灯不亮",
                                 source=RectificationSource.INSPECTION, owner="学院社区",
                                 mode=RectificationMode.IMMEDIATE)
    return {"fixed": fixed, "going": going, "fresh": fresh}


# --- Who opens which page -------------------------------------------------------------------------

@pytest.mark.parametrize("role", STAFF)
@pytest.mark.parametrize("url", ["/voices/projects/", "/voices/problems/"])
def test_staff_and_superiors_read_the_lists(client, street, project, items, role, url):
    response = as_role(client, street, role).get(url)
    assert response.status_code == 200
    assert_no_personal_data(response)


@pytest.mark.parametrize("role", NOT_STAFF)
@pytest.mark.parametrize("url", ["/voices/projects/", "/voices/problems/", "/voices/projects/new/",
                                 "/voices/problems/new/"])
def test_the_lists_refuse_residents_members_and_duty_roles(client, street, role, url):
    assert as_role(client, street, role).get(url).status_code == 403


@pytest.mark.parametrize("role, status", [
    ("street_admin", 200), ("community_worker", 200), ("grid_worker", 403), ("building_head", 403),
    ("superior", 403),
])
@pytest.mark.parametrize("url", ["/voices/projects/new/", "/voices/problems/new/"])
def test_only_managers_create(client, street, role, status, url):
    assert as_role(client, street, role).get(url).status_code == status


def test_anonymous_is_sent_to_login(client):
    response = client.get("/voices/projects/")
    assert response.status_code == 302 and "/accounts/login/" in response.url


@pytest.mark.parametrize("role, status", [
    ("street_admin", 200), ("community_worker", 200), ("grid_worker", 200), ("superior", 200),
    ("resident", 200),  # 张三 supervises it
    ("party_member", 404), ("auditor", 404),
])
def test_who_opens_a_project(client, street, project, role, status):
    response = as_role(client, street, role).get(f"/voices/projects/{project.pk}/")
    assert response.status_code == status
    if status == 200:
        assert_no_personal_data(response)


def test_a_community_worker_does_not_open_another_communitys_item(client, street, items):
    as_role(client, street, "community_worker")
    assert client.get(f"/voices/problems/{items['fresh'].pk}/").status_code == 404
    assert client.get(f"/voices/problems/{items['going'].pk}/").status_code == 200


# --- Project list and create ------------------------------------------------------------------------

def test_project_list_shows_counts_progress_and_searches(client, street, project):
    other = project_create(by=street.accounts["street_admin"], org=street.community_b, title="学院社区食堂",
                           owner="学院社区", milestones=[{"title": "开业", "weight": 1}])
    milestone_done(by=street.accounts["street_admin"], milestone=other.milestones.get(), done_on=TODAY)
    milestone_done(by=street.accounts["community_worker"], milestone=project.milestones.get(order=1), done_on=TODAY)
    page = text(as_role(client, street, "street_admin").get("/voices/projects/"))
    assert "领办民生实事 2 项：推进中 1 项，已完成 1 项，谋划中 0 项" in page
    assert "设置群众监督员的项目 1 项，监督员 1 名" in page
    assert "25%" in page and "100%" in page  # 1 of 4 weights; all done
    page = text(client.get("/voices/projects/?q=食堂"))
    assert "学院社区食堂" in page and "老旧小区加装电梯" not in page
    page = text(client.get("/voices/projects/?status=done"))
    assert "学院社区食堂" in page and "老旧小区加装电梯" not in page
    assert "领办民生实事 2 项" in page  # the counts show every status side by side
    page = text(client.get("/voices/projects/?org=BLP-C1"))
    assert "老旧小区加装电梯" in page and "学院社区食堂" not in page


def test_a_grid_worker_cannot_pick_a_place_outside_their_scope(client, street):
    assert as_role(client, street, "grid_worker").get("/voices/projects/?org=BLP-C2").status_code == 403


def test_create_a_project_with_milestone_rows(client, street):
    as_role(client, street, "community_worker")
    form = client.get("/voices/projects/new/")
    assert form.status_code == 200 and 'name="milestones-0-title"' in html(form)
    response = client.post("/voices/projects/new/", {
        "org": street.community_a.pk, "title": "社区幸福食堂", "owner": "社区党委", "description": "",
        "starts_on": TODAY.isoformat(), "due_on": (TODAY + timedelta(days=90)).isoformat(),
        "milestones-TOTAL_FORMS": "5", "milestones-INITIAL_FORMS": "0",
        "milestones-0-title": "选址", "milestones-0-weight": "1", "milestones-0-due_on": "",
        "milestones-1-title": "装修", "milestones-1-weight": "3", "milestones-1-due_on": "",
        "milestones-2-title": "", "milestones-2-weight": "1", "milestones-2-due_on": "",
        "milestones-3-title": "开业", "milestones-3-weight": "1",
        "milestones-3-due_on": (TODAY + timedelta(days=80)).isoformat(),
    })
    project = Project.objects.get()
    assert response.status_code == 302 and response.url == f"/voices/projects/{project.pk}/"
    assert [(m.title, m.weight) for m in project.milestones.order_by("order")] == [("选址", 1), ("装修", 3), ("开业", 1)]


def test_bad_project_input_comes_back_filled_in_with_chinese_errors(client, street):
    as_role(client, street, "community_worker")
    response = client.post("/voices/projects/new/", {
        "org": street.community_a.pk, "title": "社区幸福食堂", "owner": "社区党委",
        "starts_on": TODAY.isoformat(), "due_on": (TODAY + timedelta(days=30)).isoformat(),
        "milestones-TOTAL_FORMS": "5", "milestones-INITIAL_FORMS": "0",
        "milestones-0-title": "选址", "milestones-0-weight": "0",
        "milestones-1-title": "开业", "milestones-1-weight": "1",
        "milestones-1-due_on": (TODAY + timedelta(days=60)).isoformat(),
        "milestones-2-title": "", "milestones-2-weight": "1", "milestones-2-due_on": TODAY.isoformat(),
    })
    assert response.status_code == 200 and not Project.objects.exists()
    page = html(response)
    assert "确保该值大于或等于1" in page or "大于或等于 1" in page  # Django's own message, in Chinese
    assert "请填写节点名称" in page  # a date without a name
    assert 'value="社区幸福食堂"' in page and 'value="开业"' in page


def test_service_errors_about_rows_are_shown_above_the_rows(client, street):
    as_role(client, street, "community_worker")
    response = client.post("/voices/projects/new/", {
        "org": street.community_a.pk, "title": "社区幸福食堂", "owner": "社区党委",
        "starts_on": TODAY.isoformat(), "due_on": (TODAY + timedelta(days=30)).isoformat(),
        "milestones-TOTAL_FORMS": "2", "milestones-INITIAL_FORMS": "0",
        "milestones-0-title": "开业", "milestones-0-weight": "1",
        "milestones-0-due_on": (TODAY + timedelta(days=60)).isoformat(),
    })
    assert response.status_code == 200 and not Project.objects.exists()
    assert "第 1 个节点：节点计划日期不能晚于项目计划完成日期" in text(response)


def test_edit_a_project(client, street, project):
    as_role(client, street, "community_worker")
    response = client.post(f"/voices/projects/{project.pk}/edit/", {
        "title": "加装电梯（一期）", "owner": "社区党委", "description": "3 栋楼"})
    assert response.status_code == 302
    project.refresh_from_db()
    assert (project.title, project.description) == ("加装电梯（一期）", "3 栋楼")
    assert as_role(client, street, "superior").get(f"/voices/projects/{project.pk}/edit/").status_code == 403


# --- Project page ---------------------------------------------------------------------------------

def test_staff_mark_a_milestone_done_and_the_bar_moves(client, street, project):
    as_role(client, street, "community_worker")
    first = project.milestones.get(order=1)
    page = html(client.get(f"/voices/projects/{project.pk}/"))
    assert page.count("标记完成</button>") == 2 and "确认完成</button>" not in page
    response = client.post(f"/voices/projects/{project.pk}/milestones/{first.pk}/done/",
                           {"done_on": TODAY.isoformat(), "note": "方案已通过居民议事会"})
    assert response.status_code == 302
    page = text(client.get(f"/voices/projects/{project.pk}/"))
    assert "25%" in page and "方案已通过居民议事会" in page and "推进中" in page


def test_a_milestone_done_in_the_future_is_refused_with_the_form_kept(client, street, project):
    as_role(client, street, "community_worker")
    first = project.milestones.get(order=1)
    tomorrow = (TODAY + timedelta(days=1)).isoformat()
    response = client.post(f"/voices/projects/{project.pk}/milestones/{first.pk}/done/",
                           {"done_on": tomorrow, "note": "提前完成"})
    assert response.status_code == 200
    page = html(response)
    assert "完成日期不能晚于今天" in page and 'value="提前完成"' in page and f'value="{tomorrow}"' in page
    first.refresh_from_db()
    assert first.done_on is None


@pytest.mark.parametrize("role", ["superior", "grid_worker", "resident"])
def test_readers_and_supervisors_do_not_mark_milestones(client, street, project, role):
    first = project.milestones.get(order=1)
    response = as_role(client, street, role).post(f"/voices/projects/{project.pk}/milestones/{first.pk}/done/",
                                                  {"done_on": TODAY.isoformat()})
    assert response.status_code == 403
    page = html(client.get(f"/voices/projects/{project.pk}/"))
    assert "标记完成</button>" not in page and "聘为监督员" not in page


def test_appoint_a_supervisor_by_searching_residents_with_masked_data(client, street, project):
    as_role(client, street, "community_worker")
    response = client.get(f"/voices/projects/{project.pk}/?q=ww")
    page = html(response)
    assert "王五" in page and "137****1111" in page
    assert_no_personal_data(response)
    assert "李四" not in text(client.get(f"/voices/projects/{project.pk}/?q=李"))  # another community
    response = client.post(f"/voices/projects/{project.pk}/supervisors/", {"person": street.member_a.pk, "q": "ww"})
    assert response.status_code == 302
    assert set(project.supervisor_links.values_list("person__name", flat=True)) == {"张三", "王五"}
    again = client.post(f"/voices/projects/{project.pk}/supervisors/", {"person": street.member_a.pk, "q": "ww"},
                        follow=True)
    assert "王五 已是本项目的监督员" in text(again)


def test_remove_a_supervisor(client, street, project):
    as_role(client, street, "community_worker")
    response = client.post(f"/voices/projects/{project.pk}/supervisors/{street.resident_a.pk}/remove/")
    assert response.status_code == 302 and not project.supervisor_links.exists()


def test_a_supervisor_confirms_a_done_milestone_on_the_phone(client, street, project):
    first = project.milestones.get(order=1)
    milestone_done(by=street.accounts["community_worker"], milestone=first, done_on=TODAY)
    as_role(client, street, "resident")
    mine = text(client.get("/voices/projects/mine/"))
    assert "老旧小区加装电梯" in mine and "1 个节点待您确认" in mine
    page = html(client.get(f"/voices/projects/{project.pk}/"))
    assert "确认完成</button>" in page and "提出异议</button>" in page and "标记完成</button>" not in page
    response = client.post(f"/voices/projects/{project.pk}/comments/",
                           {"milestone": first.pk, "text": "", "confirms": "1"})
    assert response.status_code == 302 and response.url.endswith(f"#milestone-{first.pk}")
    comment = SupervisorComment.objects.get()
    assert (comment.person, comment.milestone, comment.confirms) == (street.resident_a, first, True)
    page = text(client.get(f"/voices/projects/{project.pk}/"))
    assert "监督员已确认：张三" in page and "您已确认该节点完成" in page
    assert "待您确认" not in text(client.get("/voices/projects/mine/"))


def test_a_dispute_without_text_comes_back_under_its_milestone(client, street, project):
    first = project.milestones.get(order=1)
    milestone_done(by=street.accounts["community_worker"], milestone=first, done_on=TODAY)
    as_role(client, street, "resident")
    response = client.post(f"/voices/projects/{project.pk}/comments/", {"milestone": first.pk, "text": " "})
    assert response.status_code == 200 and "请填写监督意见" in text(response)
    assert f'id="c{first.pk}_text"' in html(response)
    assert not SupervisorComment.objects.exists()


def test_a_general_comment_keeps_its_text_on_error(client, street, project):
    as_role(client, street, "resident")
    response = client.post(f"/voices/projects/{project.pk}/comments/", {"milestone": "", "text": "意" * 501})
    assert response.status_code == 200 and not SupervisorComment.objects.exists()
    assert "意" * 501 in html(response)
    response = client.post(f"/voices/projects/{project.pk}/comments/", {"milestone": "", "text": "施工围挡不牢固"})
    assert response.status_code == 302
    assert "施工围挡不牢固" in text(client.get(f"/voices/projects/{project.pk}/"))


@pytest.mark.parametrize("role", ["community_worker", "superior"])
def test_staff_do_not_comment_as_supervisors(client, street, project, role):
    response = as_role(client, street, role).post(f"/voices/projects/{project.pk}/comments/", {"text": "意见"})
    assert response.status_code == 403 and not SupervisorComment.objects.exists()


def test_a_resident_who_supervises_nothing(client, street):
    page = text(as_role(client, street, "resident").get("/voices/projects/mine/"))
    assert "您目前没有需要监督的项目" in page
    assert as_role(client, street, "community_worker").get("/voices/projects/mine/").status_code == 403


def test_start_a_project_from_its_page(client, street, project):
    as_role(client, street, "community_worker")
    assert client.post(f"/voices/projects/{project.pk}/start/").status_code == 302
    project.refresh_from_db()
    assert project.status == ProjectStatus.IN_PROGRESS
    again = client.post(f"/voices/projects/{project.pk}/start/", follow=True)
    assert "不能开始推进" in text(again)


# --- Problem list ------------------------------------------------------------------------------------

def test_problem_list_counts_on_top_like_the_report(client, street, items):
    page = text(as_role(client, street, "street_admin").get("/voices/problems/"))
    assert "共 3 项，已完成整改 1 个，正在整改 1 个，未开始 1 个" in page
    assert "立行立改 2 项，分阶段整改 1 项" in page
    assert "1/2 阶段" in page
    page = text(client.get("/voices/problems/?status=fixed"))
    assert "办事大厅" in page and "雨污管网" not in page and "共 3 项" in page
    page = text(client.get("/voices/problems/?q=路灯"))
    assert "学院社区路灯不亮" in page and "办事大厅" not in page and "共 1 项" in page
    page = text(as_role(client, street, "community_worker").get("/voices/problems/"))
    assert "共 2 项" in page and "学院社区路灯不亮" not in page


def test_create_a_phased_item_with_rows(client, street):
    as_role(client, street, "community_worker")
    response = client.post("/voices/problems/new/", {
        "org": street.community_a.pk, "item": "楼道堆物占用消防通道", "source": "residents", "owner": "网格员",
        "mode": "phased", "measures": "先宣传后清理",
        "phases-TOTAL_FORMS": "4", "phases-INITIAL_FORMS": "0",
        "phases-0-target": "入户宣传", "phases-0-due_on": (TODAY + timedelta(days=7)).isoformat(),
        "phases-1-target": "集中清理", "phases-1-due_on": (TODAY + timedelta(days=21)).isoformat(),
    })
    item = Rectification.objects.get()
    assert response.status_code == 302 and response.url == f"/voices/problems/{item.pk}/"
    assert [p.target for p in item.phases.order_by("order")] == ["入户宣传", "集中清理"]
    assert item.due_on == TODAY + timedelta(days=21)


def test_a_phased_item_with_one_phase_comes_back_filled_in(client, street):
    as_role(client, street, "community_worker")
    response = client.post("/voices/problems/new/", {
        "org": street.community_a.pk, "item": "楼道堆物占用消防通道", "source": "residents", "owner": "网格员",
        "mode": "phased", "measures": "先宣传后清理",
        "phases-TOTAL_FORMS": "4", "phases-INITIAL_FORMS": "0",
        "phases-0-target": "入户宣传", "phases-0-due_on": (TODAY + timedelta(days=7)).isoformat(),
        "phases-1-target": "集中清理", "phases-1-due_on": "",
    })
    assert response.status_code == 200 and not Rectification.objects.exists()
    page = html(response)
    assert "请填写完成时限" in page
    assert "楼道堆物占用消防通道" in page and 'value="入户宣传"' in page and 'value="集中清理"' in page
    assert re.search(r'value="phased"[^>]*checked', page)
    response = client.post("/voices/problems/new/", {
        "org": street.community_a.pk, "item": "楼道堆物", "source": "residents", "owner": "网格员", "mode": "phased",
        "phases-TOTAL_FORMS": "4", "phases-INITIAL_FORMS": "0",
        "phases-0-target": "入户宣传", "phases-0-due_on": (TODAY + timedelta(days=7)).isoformat(),
    })
    assert "分阶段整改至少需要两个阶段" in text(response) and not Rectification.objects.exists()


def test_tick_fix_and_reopen_on_the_items_page(client, street, items):
    going = items["going"]
    second = going.phases.get(order=2)
    as_role(client, street, "community_worker")
    page = html(client.get(f"/voices/problems/{going.pk}/"))
    assert "本阶段完成" in page and "还有 1 个阶段未完成" in page
    assert client.post(f"/voices/problems/{going.pk}/phases/{second.pk}/done/",
                       {"done_on": TODAY.isoformat()}).status_code == 302
    response = client.post(f"/voices/problems/{going.pk}/fix/", {"fixed_on": TODAY.isoformat(), "note": ""})
    assert response.status_code == 200 and "这个字段是必填项" in text(response)
    assert client.post(f"/voices/problems/{going.pk}/fix/",
                       {"fixed_on": TODAY.isoformat(), "note": "管网改造完成"}).status_code == 302
    going.refresh_from_db()
    assert going.status == RectificationStatus.FIXED
    assert client.post(f"/voices/problems/{going.pk}/reopen/", {"reason": "复查仍有混接"}).status_code == 302
    page = text(client.get(f"/voices/problems/{going.pk}/"))
    assert "正在整改" in page and "复查仍有混接" in page and "管网改造完成" in page


@pytest.mark.parametrize("role", ["superior", "grid_worker"])
def test_readers_do_not_move_items(client, street, items, role):
    as_role(client, street, role)
    page = html(client.get(f"/voices/problems/{items['going'].pk}/"))
    assert "本阶段完成" not in page and "销号" not in page
    assert client.post(f"/voices/problems/{items['fixed'].pk}/reopen/", {"reason": "复查"}).status_code == 403
    assert client.post(f"/voices/problems/{items['going'].pk}/start/").status_code == 403


# --- From a voice ------------------------------------------------------------------------------------

def test_a_project_and_an_item_started_from_a_voice(client, street):
    heard = voice_submit(by=street.accounts["community_worker"], kind="wish", channel="visit", on_behalf=True,
                         person=street.resident_a, text="希望给1号楼加装电梯，老人上下楼太难了")
    elsewhere = voice_submit(by=street.accounts["street_admin"], kind="opinion", channel="visit", on_behalf=True,
                             person=street.resident_b, text="学院社区路灯不亮，晚上出行不安全")
    as_role(client, street, "community_worker")
    form = text(client.get(f"/voices/projects/new/?voice={heard.pk}"))
    assert f"来源：群众心声 #{heard.pk}" in form
    assert client.get(f"/voices/projects/new/?voice={elsewhere.pk}").status_code == 404
    response = client.post(f"/voices/projects/new/?voice={heard.pk}", {
        "org": street.community_a.pk, "title": "1号楼加装电梯", "owner": "社区党委", "source_voice": heard.pk,
        "milestones-TOTAL_FORMS": "1", "milestones-INITIAL_FORMS": "0",
        "milestones-0-title": "征求意见", "milestones-0-weight": "1"})
    assert response.status_code == 302 and Project.objects.get().source_voice == heard
    response = client.post(f"/voices/problems/new/?voice={heard.pk}", {
        "org": street.community_a.pk, "item": "老旧楼无电梯", "source": "residents", "owner": "社区党委",
        "mode": "immediate", "source_voice": heard.pk, "phases-TOTAL_FORMS": "0", "phases-INITIAL_FORMS": "0"})
    assert response.status_code == 302 and Rectification.objects.get().source_voice == heard
