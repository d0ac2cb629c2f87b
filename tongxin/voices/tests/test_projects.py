"""Livelihood projects (民生实事): creating one with its milestones, every move of its status
(allowed and forbidden), who may do what, the progress arithmetic, and resident supervisors who
comment only on their own projects and confirm only milestones marked done."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from tongxin.campaigns.services import campaign_create
from tongxin.core.models import AuditEntry
from tongxin.people.models import Person
from tongxin.people.services import PersonData, person_create
from tongxin.testing import make_id_number
from tongxin.voices.models import Milestone, Project, ProjectStatus, ProjectSupervisor, SupervisorComment
from tongxin.voices.selectors.projects import (
    project_counts,
    project_get_visible,
    project_list,
    supervised_by,
    supervisor_candidates,
)
from tongxin.voices.services.projects import (
    TRANSITIONS,
    ProjectConflict,
    ProjectMove,
    milestone_add,
    milestone_done,
    milestone_undo,
    project_create,
    project_start,
    project_update,
    supervisor_appoint,
    supervisor_comment,
    supervisor_remove,
)

TODAY = timezone.localdate()
MILESTONES = [{"title": "方案论证", "weight": 1}, {"title": "施工", "weight": 2}, {"title": "验收", "weight": 3}]


def create(street, role: str = "community_worker", org=None, **kwargs) -> Project:
    values = {"title": "老旧小区加装电梯", "owner": "八里铺社区党委", "milestones": MILESTONES, **kwargs}
    return project_create(by=street.accounts[role] if role else None, org=org or street.community_a, **values)


def milestones_of(project: Project) -> list[Milestone]:
    return list(project.milestones.order_by("order"))


def progress_of(street, project: Project) -> int:
    return project_get_visible(user=street.accounts["street_admin"], pk=project.pk).progress


def mark(street, milestone: Milestone, day: date = TODAY, role: str = "community_worker") -> Milestone:
    return milestone_done(by=street.accounts[role], milestone=milestone, done_on=day)


@pytest.fixture
def project(street):
    return create(street)


@pytest.fixture
def supervised(street, project):
    """The project with 张三 (the resident account's person) as its supervisor."""
    supervisor_appoint(by=street.accounts["community_worker"], project=project, person=street.resident_a)
    return project


# --- Create ------------------------------------------------------------------------------------

def test_community_worker_creates_a_project_with_its_milestones(street, project):
    project.refresh_from_db()
    assert (project.org, project.org_path, project.status) == (
        street.community_a, street.community_a.path, ProjectStatus.PLANNED)
    assert [(m.order, m.title, m.weight) for m in milestones_of(project)] == [
        (1, "方案论证", 1), (2, "施工", 2), (3, "验收", 3)]
    entry = AuditEntry.objects.get(action="project_saved", object_id=str(project.pk))
    assert entry.actor == street.accounts["community_worker"] and entry.changes["created"] is True
    assert entry.changes["milestones"] == ["方案论证", "施工", "验收"]


@pytest.mark.parametrize("role, org, allowed", [
    ("street_admin", "street", True), ("street_admin", "community_b", True),
    ("community_worker", "community_a", True), ("community_worker", "community_b", False),
    ("community_worker", "street", False), ("grid_worker", "community_a", False),
    ("building_head", "community_a", False), ("superior", "community_a", False),
    ("party_member", "community_a", False), ("resident", "community_a", False),
    ("system_admin", "community_a", False), ("auditor", "community_a", False),
])
def test_who_may_create_a_project(street, role, org, allowed):
    if allowed:
        assert create(street, role, org=getattr(street, org)).pk
    else:
        with pytest.raises(PermissionError, match="无权管理"):
            create(street, role, org=getattr(street, org))
        assert not Project.objects.exists()


@pytest.mark.parametrize("kwargs, field, message", [
    ({"title": "  "}, "title", "请填写项目名称"),
    ({"title": "项" * 101}, "title", "不能超过 100 字"),
    ({"owner": ""}, "owner", "请填写责任人或责任单位"),
    ({"starts_on": TODAY, "due_on": TODAY - timedelta(days=1)}, "due_on", "计划完成日期不能早于开始日期"),
    ({"milestones": [{"title": "施工", "weight": 0}]}, "milestones", "第 1 个节点：权重须为 1 到 100 之间的整数"),
    ({"milestones": [{"title": "施工", "weight": "两"}]}, "milestones", "权重须为"),
    ({"milestones": [{"title": "施工"}, {"title": "", "weight": 2}]}, "milestones", "第 2 个节点：请填写节点名称"),
    ({"starts_on": TODAY, "due_on": TODAY + timedelta(days=30),
      "milestones": [{"title": "施工", "due_on": TODAY + timedelta(days=31)}]},
     "milestones", "节点计划日期不能晚于项目计划完成日期"),
    ({"starts_on": TODAY, "milestones": [{"title": "施工", "due_on": TODAY - timedelta(days=1)}]},
     "milestones", "节点计划日期不能早于项目开始日期"),
])
def test_bad_input_is_refused_in_chinese(street, kwargs, field, message):
    with pytest.raises(ValidationError) as caught:
        create(street, **kwargs)
    assert message in " ".join(caught.value.message_dict[field])
    assert not Project.objects.exists() and not Milestone.objects.exists()


def test_a_project_belongs_to_a_street_community_or_grid(street):
    with pytest.raises(ValidationError, match="须属于街道、社区或网格"):
        create(street, "street_admin", org=street.building_a1)


def test_campaign_and_source_voice_must_cover_the_project(street, campaign):
    elsewhere = campaign_create(by=None, name="学院社区专项", slug="xueyuan", starts_on=TODAY,
                                ends_on=TODAY + timedelta(days=30), scope=street.community_b)
    with pytest.raises(ValidationError, match="不在所选主题活动范围内"):
        create(street, campaign=elsewhere)
    assert create(street, campaign=campaign).campaign == campaign


def test_update_keeps_milestones_inside_the_period(street, project):
    milestone_add(by=street.accounts["community_worker"], project=project, title="回访", due_on=TODAY + timedelta(days=40))
    with pytest.raises(ValidationError, match="已有节点的计划日期晚于该计划完成日期"):
        project_update(by=street.accounts["community_worker"], project=project, title="加装电梯", owner="社区",
                       due_on=TODAY + timedelta(days=30))
    project_update(by=street.accounts["community_worker"], project=project, title="加装电梯", owner="社区",
                   due_on=TODAY + timedelta(days=60))
    project.refresh_from_db()
    assert (project.title, project.owner) == ("加装电梯", "社区")
    entry = AuditEntry.objects.filter(action="project_saved", object_id=str(project.pk)).order_by("-id").first()
    assert entry.changes["title"] == ["老旧小区加装电梯", "加装电梯"]
    with pytest.raises(PermissionError):
        project_update(by=street.accounts["superior"], project=project, title="x", owner="y")


# --- Status moves ------------------------------------------------------------------------------

def test_the_table_of_moves():
    assert TRANSITIONS == {
        ProjectMove.START: ((ProjectStatus.PLANNED,), ProjectStatus.IN_PROGRESS),
        ProjectMove.FINISH: ((ProjectStatus.IN_PROGRESS,), ProjectStatus.DONE),
        ProjectMove.RESUME: ((ProjectStatus.DONE,), ProjectStatus.IN_PROGRESS),
    }


def test_first_milestone_done_starts_the_project_and_the_last_finishes_it(street, project):
    first, second, third = milestones_of(project)
    mark(street, first, TODAY - timedelta(days=5))
    project.refresh_from_db()
    assert project.status == ProjectStatus.IN_PROGRESS and project.starts_on == TODAY - timedelta(days=5)
    mark(street, third, TODAY - timedelta(days=1))
    mark(street, second, TODAY - timedelta(days=3))
    project.refresh_from_db()
    # Done on the latest day a milestone was done, not the day the last one was ticked.
    assert project.status == ProjectStatus.DONE and project.done_on == TODAY - timedelta(days=1)


def test_explicit_start_then_milestones(street, project):
    project_start(by=street.accounts["community_worker"], project=project)
    assert project.status == ProjectStatus.IN_PROGRESS and project.starts_on == TODAY
    with pytest.raises(ProjectConflict, match="项目当前为“推进中”，不能开始推进"):
        project_start(by=street.accounts["community_worker"], project=project)
    mark(street, milestones_of(project)[0])
    project.refresh_from_db()
    assert project.status == ProjectStatus.IN_PROGRESS


def test_start_date_cannot_be_in_the_future(street, project):
    with pytest.raises(ValidationError, match="开始日期不能晚于今天"):
        project_start(by=street.accounts["community_worker"], project=project, starts_on=TODAY + timedelta(days=1))


def test_a_done_project_cannot_start_or_take_milestones(street, project):
    for milestone in milestones_of(project):
        mark(street, milestone)
    project.refresh_from_db()
    with pytest.raises(ProjectConflict, match="不能开始推进"):
        project_start(by=street.accounts["community_worker"], project=project)
    with pytest.raises(ProjectConflict, match="项目已完成，不能再增加节点"):
        milestone_add(by=street.accounts["community_worker"], project=project, title="追加")


def test_undo_on_a_done_project_resumes_it(street, project):
    milestones = milestones_of(project)
    for milestone in milestones:
        mark(street, milestone)
    milestone_undo(by=street.accounts["community_worker"], milestone=milestones[1], reason="施工未完成，误点")
    project.refresh_from_db()
    milestones[1].refresh_from_db()
    assert project.status == ProjectStatus.IN_PROGRESS and project.done_on is None
    assert milestones[1].done_on is None and "施工未完成" in milestones[1].note
    assert progress_of(street, project) == 66  # (1 + 3) / 6


def test_a_milestone_is_done_once(street, project):
    milestone = milestones_of(project)[0]
    mark(street, milestone)
    with pytest.raises(ProjectConflict, match="已于 .* 标记完成"):
        mark(street, milestone)


@pytest.mark.parametrize("day, message", [
    (TODAY + timedelta(days=1), "完成日期不能晚于今天"),
    (None, "请填写完成日期"),
])
def test_milestone_done_dates(street, project, day, message):
    with pytest.raises(ValidationError, match=message):
        mark(street, milestones_of(project)[0], day)


def test_milestone_cannot_be_done_before_the_project_started(street):
    project = create(street, starts_on=TODAY - timedelta(days=2))
    with pytest.raises(ValidationError, match="完成日期不能早于项目开始日期"):
        mark(street, milestones_of(project)[0], TODAY - timedelta(days=3))


def test_undo_needs_a_done_milestone_and_a_reason(street, project):
    milestone = milestones_of(project)[0]
    with pytest.raises(ProjectConflict, match="该节点尚未完成"):
        milestone_undo(by=street.accounts["community_worker"], milestone=milestone, reason="误点")
    mark(street, milestone)
    with pytest.raises(ValidationError, match="请写明撤销的原因"):
        milestone_undo(by=street.accounts["community_worker"], milestone=milestone, reason=" ")


def test_a_milestone_confirmed_by_a_supervisor_cannot_be_undone(street, supervised):
    milestone = milestones_of(supervised)[0]
    mark(street, milestone)
    supervisor_comment(by=street.accounts["resident"], project=supervised, text="", milestone=milestone,
                       confirms=True)
    with pytest.raises(ValidationError, match="监督员已确认该节点完成，不能撤销"):
        milestone_undo(by=street.accounts["community_worker"], milestone=milestone, reason="误点")


@pytest.mark.parametrize("role, allowed", [
    ("street_admin", True), ("community_worker", True), ("grid_worker", False), ("building_head", False),
    ("superior", False), ("party_member", False), ("resident", False), ("auditor", False),
])
def test_who_may_mark_milestones(street, project, role, allowed):
    milestone = milestones_of(project)[0]
    if allowed:
        project_start(by=street.accounts[role], project=project)
        mark(street, milestone, role=role)
        milestone_undo(by=street.accounts[role], milestone=milestone, reason="误点")
        assert milestone_add(by=street.accounts[role], project=project, title="回访").order == 4
    else:
        with pytest.raises(PermissionError):
            mark(street, milestone, role=role)
        with pytest.raises(PermissionError):
            milestone_add(by=street.accounts[role], project=project, title="回访")
        with pytest.raises(PermissionError):
            project_start(by=street.accounts[role], project=project)
        milestone.refresh_from_db()
        assert milestone.done_on is None


def test_community_worker_of_another_community_may_not_touch_it(street):
    project = create(street, "street_admin", org=street.community_b)
    with pytest.raises(PermissionError):
        mark(street, milestones_of(project)[0])


def test_milestone_add_checks_its_fields(street, project):
    with pytest.raises(ValidationError) as caught:
        milestone_add(by=street.accounts["community_worker"], project=project, title="", weight=0)
    assert set(caught.value.message_dict) == {"title", "weight"}


# --- Progress ----------------------------------------------------------------------------------

def test_progress_is_done_weight_over_total_weight(street, project):
    first, second, third = milestones_of(project)
    assert progress_of(street, project) == 0
    mark(street, first)
    assert progress_of(street, project) == 16  # 1/6, rounded down
    mark(street, third)
    assert progress_of(street, project) == 66  # 4/6
    mark(street, second)
    assert progress_of(street, project) == 100


def test_progress_of_a_project_without_milestones_is_zero(street):
    project = create(street, milestones=[])
    annotated = project_get_visible(user=street.accounts["street_admin"], pk=project.pk)
    assert (annotated.progress, annotated.total_weight, annotated.milestone_count) == (0, 0, 0)


def test_sort_by_progress(street, project):
    other = create(street, title="社区食堂", milestones=[{"title": "开业", "weight": 1}])
    mark(street, milestones_of(other)[0])
    mark(street, milestones_of(project)[0])
    admin = street.accounts["street_admin"]
    assert [p.title for p in project_list(user=admin, sort="-progress")] == ["社区食堂", "老旧小区加装电梯"]
    assert [p.title for p in project_list(user=admin, sort="progress")] == ["老旧小区加装电梯", "社区食堂"]


# --- Supervisors -------------------------------------------------------------------------------

def test_appoint_a_resident_of_the_community_once(street, project):
    link = supervisor_appoint(by=street.accounts["community_worker"], project=project, person=street.resident_a)
    assert link.person == street.resident_a and link.appointed_on == TODAY
    with pytest.raises(ValidationError, match="张三 已是本项目的监督员"):
        supervisor_appoint(by=street.accounts["community_worker"], project=project, person=street.resident_a)
    assert ProjectSupervisor.objects.count() == 1
    entry = AuditEntry.objects.filter(action="project_saved", object_id=str(project.pk)).order_by("-id").first()
    assert entry.changes == {"supervisor_appointed": street.resident_a.pk}


def test_a_resident_of_another_community_cannot_supervise(street, project):
    with pytest.raises(ValidationError, match="监督员须是本社区的居民"):
        supervisor_appoint(by=street.accounts["street_admin"], project=project, person=street.resident_b)


def test_a_street_wide_project_takes_supervisors_from_the_whole_street(street):
    project = create(street, "street_admin", org=street.street)
    supervisor_appoint(by=street.accounts["street_admin"], project=project, person=street.resident_b)
    assert project.supervisor_links.count() == 1


def test_a_person_no_longer_in_the_registry_cannot_supervise(street, project):
    Person.objects.filter(pk=street.resident_a.pk).update(is_active=False)
    street.resident_a.refresh_from_db()
    with pytest.raises(ValidationError, match="该人员已不在册"):
        supervisor_appoint(by=street.accounts["community_worker"], project=project, person=street.resident_a)


@pytest.mark.parametrize("role", ["grid_worker", "building_head", "superior", "party_member", "resident"])
def test_only_managers_appoint_and_remove(street, project, role):
    with pytest.raises(PermissionError):
        supervisor_appoint(by=street.accounts[role], project=project, person=street.resident_a)
    supervisor_appoint(by=street.accounts["community_worker"], project=project, person=street.resident_a)
    with pytest.raises(PermissionError):
        supervisor_remove(by=street.accounts[role], project=project, person=street.resident_a)
    assert project.supervisor_links.count() == 1


def test_remove_a_supervisor_keeps_what_they_said(street, supervised):
    supervisor_comment(by=street.accounts["resident"], project=supervised, text="施工噪音太大，请注意时间")
    supervisor_remove(by=street.accounts["community_worker"], project=supervised, person=street.resident_a)
    assert not supervised.supervisor_links.exists() and supervised.comments.count() == 1
    with pytest.raises(ValidationError, match="不是本项目的监督员"):
        supervisor_remove(by=street.accounts["community_worker"], project=supervised, person=street.resident_a)
    with pytest.raises(PermissionError, match="只有本项目的群众监督员"):
        supervisor_comment(by=street.accounts["resident"], project=supervised, text="还有意见")


def test_candidates_are_residents_of_the_community_not_yet_appointed(street, project):
    zhang_er = person_create(by=None, data=PersonData(name="张二", org=street.building_a1,
                                                      id_number=make_id_number(44), phone="13600002222"))
    found = supervisor_candidates(project, "张")
    assert set(found) == {street.resident_a, zhang_er}
    supervisor_appoint(by=street.accounts["community_worker"], project=project, person=street.resident_a)
    assert supervisor_candidates(project, "zs") == []  # 张三 is appointed already
    assert supervisor_candidates(project, "李") == []  # 李四 lives in the other community
    assert supervisor_candidates(project, "2222") == [zhang_er]  # the last four digits of the phone


# --- Supervisor comments -----------------------------------------------------------------------

def test_a_supervisor_comments_as_themselves(street, supervised):
    comment = supervisor_comment(by=street.accounts["resident"], project=supervised, text="  施工围挡不牢固  ")
    assert (comment.person, comment.text, comment.confirms, comment.milestone) == (
        street.resident_a, "施工围挡不牢固", False, None)
    entry = AuditEntry.objects.get(action="supervisor_commented")
    assert entry.actor == street.accounts["resident"] and entry.changes["person"] == street.resident_a.pk


def test_the_same_comment_sent_twice_is_kept_once(street, supervised):
    first = supervisor_comment(by=street.accounts["resident"], project=supervised, text="围挡不牢固")
    again = supervisor_comment(by=street.accounts["resident"], project=supervised, text="围挡不牢固")
    assert first.pk == again.pk and SupervisorComment.objects.count() == 1


@pytest.mark.parametrize("role", ["community_worker", "street_admin", "superior", "party_member"])
def test_only_an_appointed_supervisor_comments(street, supervised, role):
    with pytest.raises(PermissionError):
        supervisor_comment(by=street.accounts[role], project=supervised, text="意见")
    assert not SupervisorComment.objects.exists()


def test_supervisors_comment_only_on_their_own_projects(street, supervised):
    other = create(street, title="社区食堂")
    with pytest.raises(PermissionError, match="只有本项目的群众监督员"):
        supervisor_comment(by=street.accounts["resident"], project=other, text="意见")
    milestone_of_other = milestones_of(other)[0]
    mark(street, milestone_of_other)
    with pytest.raises(ValidationError, match="该节点不属于本项目"):
        supervisor_comment(by=street.accounts["resident"], project=supervised, text="确认",
                           milestone=milestone_of_other, confirms=True)


def test_nobody_comments_in_a_supervisors_name(street, supervised):
    with pytest.raises(PermissionError, match="只能以本人身份"):
        supervisor_comment(by=street.accounts["party_member"], project=supervised, text="意见",
                           person=street.resident_a)
    # The demo (the system) names the supervisor.
    assert supervisor_comment(by=None, project=supervised, text="意见", person=street.resident_a).pk


def test_confirm_only_a_milestone_marked_done_and_only_once(street, supervised):
    first = milestones_of(supervised)[0]
    with pytest.raises(ValidationError, match="请选择要确认的节点"):
        supervisor_comment(by=street.accounts["resident"], project=supervised, text="", confirms=True)
    with pytest.raises(ValidationError, match="该节点尚未标记完成，不能确认"):
        supervisor_comment(by=street.accounts["resident"], project=supervised, text="", milestone=first,
                           confirms=True)
    mark(street, first)
    comment = supervisor_comment(by=street.accounts["resident"], project=supervised, text="", milestone=first,
                                 confirms=True)
    assert comment.confirms and comment.text == "确认该节点已完成"
    with pytest.raises(ProjectConflict, match="您已确认过该节点"):
        supervisor_comment(by=street.accounts["resident"], project=supervised, text="再次确认", milestone=first,
                           confirms=True)


def test_a_supervisor_disputes_a_done_milestone_with_a_comment(street, supervised):
    first = milestones_of(supervised)[0]
    mark(street, first)
    comment = supervisor_comment(by=street.accounts["resident"], project=supervised, milestone=first,
                                 text="方案没有征求居民意见")
    assert comment.milestone == first and not comment.confirms


@pytest.mark.parametrize("text, message", [("", "请填写监督意见"), ("意" * 501, "不能超过 500 字")])
def test_comment_text(street, supervised, text, message):
    with pytest.raises(ValidationError, match=message):
        supervisor_comment(by=street.accounts["resident"], project=supervised, text=text)


# --- Reads -------------------------------------------------------------------------------------

def test_counts_equal_hand_counts(street):
    """"领办民生实事10项": ten projects, some done, some under way, some with supervisors."""
    admin = street.accounts["street_admin"]
    projects = [create(street, "street_admin", org=street.community_a if i < 6 else street.community_b,
                       title=f"民生实事{i}", milestones=[{"title": "完成", "weight": 1}]) for i in range(10)]
    for p in projects[:4]:
        mark(street, milestones_of(p)[0], role="street_admin")  # done
    for p in projects[4:7]:
        project_start(by=admin, project=p)  # in progress
    supervisor_appoint(by=admin, project=projects[0], person=street.resident_a)
    supervisor_appoint(by=admin, project=projects[1], person=street.resident_a)
    supervisor_appoint(by=admin, project=projects[1], person=street.member_a)
    supervisor_appoint(by=admin, project=projects[8], person=street.resident_b)

    counts = project_counts(user=admin)
    statuses = [Project.objects.get(pk=p.pk).status for p in projects]
    assert counts == {
        "total": 10, "done": statuses.count("done"), "in_progress": statuses.count("in_progress"),
        "planned": statuses.count("planned"), "overdue": 0, "with_supervisors": 3, "supervisors": 3,
    }
    assert (counts["done"], counts["in_progress"], counts["planned"]) == (4, 3, 3)
    community_a = project_counts(user=admin, org=street.community_a)
    assert (community_a["total"], community_a["with_supervisors"], community_a["supervisors"]) == (6, 2, 2)


def test_overdue_projects(street):
    late = create(street, title="逾期项目", starts_on=TODAY - timedelta(days=30), due_on=TODAY - timedelta(days=1),
                  milestones=[{"title": "施工", "due_on": TODAY - timedelta(days=10)}])
    late_milestone = create(street, title="节点逾期", milestones=[{"title": "施工", "due_on": None}])
    milestone_add(by=street.accounts["community_worker"], project=late_milestone, title="验收",
                  due_on=TODAY - timedelta(days=2))
    create(street, title="按期项目", due_on=TODAY + timedelta(days=5))
    admin = street.accounts["street_admin"]
    assert {p.title for p in project_list(user=admin, overdue=True)} == {"逾期项目", "节点逾期"}
    assert project_counts(user=admin)["overdue"] == 2
    for milestone in milestones_of(late):
        mark(street, milestone, TODAY - timedelta(days=5))
    assert {p.title for p in project_list(user=admin, overdue=True)} == {"节点逾期"}


def test_search_and_filters(street, project):
    create(street, title="社区食堂", owner="共建单位某银行")
    admin = street.accounts["street_admin"]
    assert [p.title for p in project_list(user=admin, q="电梯")] == ["老旧小区加装电梯"]
    assert [p.title for p in project_list(user=admin, q="银行")] == ["社区食堂"]
    supervisor_appoint(by=admin, project=project, person=street.resident_a)
    assert [p.title for p in project_list(user=admin, supervised="yes")] == ["老旧小区加装电梯"]
    assert [p.title for p in project_list(user=admin, supervised="no")] == ["社区食堂"]
    assert [p.title for p in project_list(user=admin, status="planned", org=street.community_b)] == []


@pytest.mark.parametrize("role, sees_a, sees_b", [
    ("street_admin", True, True), ("community_worker", True, False), ("grid_worker", True, False),
    ("building_head", True, False), ("superior", True, True), ("party_member", False, False),
    ("resident", False, False), ("system_admin", False, False), ("auditor", False, False),
])
def test_who_reads_which_projects(street, role, sees_a, sees_b):
    a = create(street, "street_admin", org=street.community_a, title="八里铺项目")
    b = create(street, "street_admin", org=street.community_b, title="学院项目")
    user = street.accounts[role]
    assert (project_get_visible(user=user, pk=a.pk) is not None, project_get_visible(user=user, pk=b.pk) is not None
            ) == (sees_a, sees_b)


def test_a_supervisor_reads_their_project_and_what_waits_for_them(street, supervised):
    resident = street.accounts["resident"]
    assert [p.pk for p in project_list(user=resident)] == [supervised.pk]
    first, second, _third = milestones_of(supervised)
    mark(street, first)
    mark(street, second)
    supervisor_comment(by=resident, project=supervised, text="", milestone=first, confirms=True)
    mine = list(supervised_by(street.resident_a))
    assert [(p.pk, p.to_confirm, p.progress) for p in mine] == [(supervised.pk, 1, 50)]
