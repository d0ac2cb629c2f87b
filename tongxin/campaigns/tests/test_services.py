"""Campaign services: what they refuse (in Chinese, saving nothing) and what they audit."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from tongxin.campaigns.models import Campaign, CampaignStatus, CampaignTask, Measure, Plan, PlanKind, ProofKind, \
    TaskCompletion
from tongxin.campaigns.services import (
    campaign_create, campaign_update, measure_create, plan_create, task_complete, task_create,
)
from tongxin.core.models import AuditEntry
from tongxin.learning.models import SessionKind
from tongxin.orgs.models import Domain

from .records import days, make_delivery, make_session


def _messages(error: ValidationError) -> str:
    return " ".join(m for messages in error.message_dict.values() for m in messages)


def _campaign_kwargs(street, **overrides):
    today = timezone.localdate()
    kwargs = dict(name="党史学习教育", slug="dangshi", theme="学史明理", starts_on=today - timedelta(days=10),
                  ends_on=today + timedelta(days=50), scope=street.street, targets_members=True)
    kwargs.update(overrides)
    return kwargs


# --- campaign_create / campaign_update ----------------------------------------------------------

def test_build_campaign_goes_through_the_service(campaign, street):
    assert campaign.scope_path == street.street.path and campaign.slug == "gandangen"
    entry = AuditEntry.objects.get(action="campaign_created", object_id=str(campaign.pk))
    assert entry.changes["scope"] == "BLP" and entry.changes["targets_residents"] is True


def test_campaign_create_sets_scope_path_target_and_audits(street, more):
    admin = street.accounts["street_admin"]
    campaign = campaign_create(by=admin, **_campaign_kwargs(
        street, targets_residents=True, resident_groups=["retired", "elderly", "retired"], units=[more.school]))
    assert campaign.scope_path == street.street.path
    assert campaign.resident_groups == ["elderly", "retired"]
    assert list(campaign.units.all()) == [more.school]
    assert campaign.created_by == admin
    entry = AuditEntry.objects.get(action="campaign_created", object_id=str(campaign.pk))
    assert entry.actor == admin
    assert entry.changes["units"] == ["BLP-U1"] and entry.changes["resident_groups"] == ["elderly", "retired"]


def test_campaign_slug_is_made_from_the_pinyin_initials_when_left_blank(street):
    first = campaign_create(by=None, **_campaign_kwargs(street, name="感党恩、听党话、跟党走", slug=""))
    second = campaign_create(by=None, **_campaign_kwargs(street, name="感党恩、听党话、跟党走", slug=""))
    year = first.starts_on.year
    assert first.slug == f"gdetdhgdz-{year}"
    assert second.slug == f"gdetdhgdz-{year}-2"


@pytest.mark.parametrize("overrides, field, message", [
    ({"name": "  "}, "name", "请填写活动名称"),
    ({"slug": "党史"}, "slug", "简称只能由小写字母、数字和连字符组成"),
    ({"ends_on": timezone.localdate() - timedelta(days=11)}, "ends_on", "结束日期不能早于开始日期"),
    ({"resident_groups": ["retired", "astronaut"], "targets_residents": True}, "resident_groups",
     "未知的居民类别：astronaut"),
    ({"resident_groups": ["retired"], "targets_residents": False}, "resident_groups", "须同时勾选“面向居民群众”"),
    ({"targets_members": False, "targets_residents": False}, "targets_members", "请至少选择一类活动对象"),
])
def test_campaign_create_refuses_bad_input_in_chinese(street, overrides, field, message):
    with pytest.raises(ValidationError) as caught:
        campaign_create(by=None, **_campaign_kwargs(street, **overrides))
    assert message in " ".join(caught.value.message_dict[field])
    assert not Campaign.objects.exists() and not AuditEntry.objects.filter(action="campaign_created").exists()


def test_campaign_scope_must_be_an_area_or_a_unit(street):
    with pytest.raises(ValidationError) as caught:
        campaign_create(by=None, **_campaign_kwargs(street, scope=street.grid_a1))
    assert "活动范围须是" in caught.value.message_dict["scope"][0]


def test_chosen_units_must_be_units_inside_the_scope(street, more):
    with pytest.raises(ValidationError) as caught:
        campaign_create(by=None, **_campaign_kwargs(street, units=[more.school, more.other_school]))
    assert caught.value.message_dict["units"] == ["以下单位不在活动范围内：明仁小学"]
    with pytest.raises(ValidationError) as caught:
        campaign_create(by=None, **_campaign_kwargs(street, units=[street.community_a]))
    assert "只能指定单位" in caught.value.message_dict["units"][0]
    assert not Campaign.objects.exists()


def test_a_slug_is_used_once(campaign, street):
    with pytest.raises(ValidationError) as caught:
        campaign_create(by=None, **_campaign_kwargs(street, slug="gandangen"))
    assert caught.value.message_dict["slug"] == ["简称“gandangen”已被其他活动使用"]


def test_campaign_update_audits_what_changed(campaign, street, more):
    admin = street.accounts["street_admin"]
    campaign_update(by=admin, campaign=campaign, theme="新主题", status=CampaignStatus.CLOSED, units=[more.school])
    campaign.refresh_from_db()
    assert campaign.theme == "新主题" and campaign.status == CampaignStatus.CLOSED
    entry = AuditEntry.objects.get(action="campaign_updated", object_id=str(campaign.pk))
    assert entry.changes["theme"] == ["群众性教育实践活动", "新主题"]
    assert entry.changes["status"] == ["active", "closed"] and entry.changes["units"] == [[], ["BLP-U1"]]
    assert set(entry.changes) == {"theme", "status", "units"}


def test_campaign_update_keeps_actions_inside_the_period_and_orgs_inside_the_scope(campaign, street):
    due = campaign.ends_on - timedelta(days=1)
    task_create(by=None, campaign=campaign, title="专题党课", due_on=due, org=street.community_b)
    with pytest.raises(ValidationError) as caught:
        campaign_update(by=None, campaign=campaign, ends_on=due - timedelta(days=1))
    assert "专题党课" in caught.value.message_dict["ends_on"][0] and "不在新的活动期间内" in _messages(caught.value)
    with pytest.raises(ValidationError) as caught:
        campaign_update(by=None, campaign=campaign, scope=street.community_a)
    assert caught.value.message_dict["scope"] == ["动作“专题党课”的单位学院社区不在新的活动范围内"]
    campaign.refresh_from_db()
    assert campaign.scope == street.street and campaign.ends_on == due + timedelta(days=1)
    assert not AuditEntry.objects.filter(action="campaign_updated").exists()


# --- plan_create: "1+7+N" -----------------------------------------------------------------------

def test_one_overall_plan_then_domain_procedures_then_unit_sub_plans(campaign, street, more):
    admin = street.accounts["street_admin"]
    with pytest.raises(ValidationError) as caught:
        plan_create(by=admin, campaign=campaign, kind=PlanKind.DOMAIN, title="城镇社区操作规程",
                    domain=Domain.URBAN_COMMUNITY)
    assert "请先制定实施方案" in _messages(caught.value)

    overall = plan_create(by=admin, campaign=campaign, kind=PlanKind.OVERALL, title="实施方案")
    assert overall.org == street.street and overall.parent is None
    with pytest.raises(ValidationError) as caught:
        plan_create(by=admin, campaign=campaign, kind=PlanKind.OVERALL, title="第二个实施方案")
    assert "每个活动只能有一个实施方案" in _messages(caught.value)

    urban = plan_create(by=admin, campaign=campaign, kind=PlanKind.DOMAIN, title="城镇社区操作规程",
                        domain=Domain.URBAN_COMMUNITY)
    assert urban.parent == overall
    with pytest.raises(ValidationError) as caught:
        plan_create(by=admin, campaign=campaign, kind=PlanKind.DOMAIN, title="又一个", domain=Domain.URBAN_COMMUNITY)
    assert caught.value.message_dict["domain"] == ["城镇社区领域已有操作规程"]
    with pytest.raises(ValidationError) as caught:
        plan_create(by=admin, campaign=campaign, kind=PlanKind.DOMAIN, title="无领域")
    assert caught.value.message_dict["domain"] == ["领域操作规程须选择领域"]

    # A community's sub-plan goes under the urban procedure (its domain is blank: 城镇社区);
    # the school's under the overall plan, since there is no school procedure.
    sub_a = plan_create(by=admin, campaign=campaign, kind=PlanKind.UNIT, title="八里铺社区子方案",
                        org=street.community_a)
    sub_school = plan_create(by=admin, campaign=campaign, kind=PlanKind.UNIT, title="小学子方案", org=more.school)
    assert sub_a.parent == urban and sub_a.domain == Domain.URBAN_COMMUNITY
    assert sub_school.parent == overall and sub_school.domain == Domain.SCHOOL
    with pytest.raises(ValidationError) as caught:
        plan_create(by=admin, campaign=campaign, kind=PlanKind.UNIT, title="再来一个", org=street.community_a)
    assert caught.value.message_dict["org"] == ["八里铺社区已有子方案"]
    with pytest.raises(ValidationError) as caught:
        plan_create(by=admin, campaign=campaign, kind=PlanKind.UNIT, title="无单位")
    assert caught.value.message_dict["org"] == ["子方案须指定制定单位"]
    with pytest.raises(ValidationError) as caught:
        plan_create(by=admin, campaign=campaign, kind=PlanKind.UNIT, title="邻街", org=more.other_school)
    assert caught.value.message_dict["org"] == ["明仁小学不在活动范围内"]

    assert Plan.objects.filter(campaign=campaign).count() == 4
    entries = AuditEntry.objects.filter(action="plan_created")
    assert entries.count() == 4
    assert entries.get(object_id=str(sub_a.pk)).changes["parent"] == urban.pk


def test_a_plan_parent_from_another_campaign_is_refused(campaign, street):
    other = campaign_create(by=None, **_campaign_kwargs(street))
    plan_create(by=None, campaign=campaign, kind=PlanKind.OVERALL, title="实施方案")
    foreign = plan_create(by=None, campaign=other, kind=PlanKind.OVERALL, title="另一个实施方案")
    with pytest.raises(ValidationError) as caught:
        plan_create(by=None, campaign=campaign, kind=PlanKind.DOMAIN, title="规程", domain=Domain.SCHOOL,
                    parent=foreign)
    assert caught.value.message_dict["parent"] == ["上级方案不属于本活动"]


# --- task_create / measure_create ---------------------------------------------------------------

@pytest.mark.parametrize("overrides, field, message", [
    ({"title": ""}, "title", "请填写动作名称"),
    ({"due_on": "after"}, "due_on", "完成时限须在活动期间内"),
    ({"due_on": "before"}, "due_on", "完成时限须在活动期间内"),
    ({"org": None, "domain": ""}, "org", "请选择适用领域或适用单位"),
    ({"domain": "space"}, "domain", "未知的领域"),
    ({"proof_kind": ProofKind.REPORT, "session_kind": SessionKind.PARTY_LECTURE}, "session_kind",
     "只有以学习活动为佐证的动作才限定活动类型"),
    ({"session_kind": "dance"}, "session_kind", "未知的活动类型"),
])
def test_task_create_refuses_bad_input_in_chinese(campaign, street, overrides, field, message):
    if overrides.get("due_on") == "after":
        overrides["due_on"] = campaign.ends_on + timedelta(days=1)
    elif overrides.get("due_on") == "before":
        overrides["due_on"] = campaign.starts_on - timedelta(days=1)
    kwargs = dict(campaign=campaign, title="集中学习", due_on=days(7), org=street.street)
    kwargs.update(overrides)
    with pytest.raises(ValidationError) as caught:
        task_create(by=None, **kwargs)
    assert message in " ".join(caught.value.message_dict[field])
    assert not CampaignTask.objects.exists()


def test_task_for_an_org_outside_the_scope_is_refused(campaign, more):
    with pytest.raises(ValidationError) as caught:
        task_create(by=None, campaign=campaign, title="集中学习", due_on=days(7), org=more.other_school)
    assert caught.value.message_dict["org"] == ["明仁小学不在活动范围内"]


def test_task_create_audits(campaign, street):
    admin = street.accounts["street_admin"]
    task = task_create(by=admin, campaign=campaign, title="专题党课", due_on=days(7), required=True,
                       domain=Domain.URBAN_COMMUNITY, session_kind=SessionKind.PARTY_LECTURE)
    entry = AuditEntry.objects.get(action="campaign_task_created", object_id=str(task.pk))
    assert entry.actor == admin
    assert entry.changes["due_on"] == days(7).isoformat() and entry.changes["session_kind"] == "party_lecture"
    assert entry.changes["domain"] == "urban_community" and entry.changes["required"] is True


def test_nothing_is_added_to_a_closed_campaign(campaign, street):
    campaign_update(by=None, campaign=campaign, status=CampaignStatus.CLOSED)
    campaign.refresh_from_db()
    with pytest.raises(ValidationError) as caught:
        task_create(by=None, campaign=campaign, title="集中学习", due_on=days(7), org=street.street)
    assert "该活动已结束" in caught.value.messages[0]


def test_measure_takes_its_plans_domain_and_is_audited(campaign, street, more):
    plan_create(by=None, campaign=campaign, kind=PlanKind.OVERALL, title="实施方案")
    procedure = plan_create(by=None, campaign=campaign, kind=PlanKind.DOMAIN, title="学校操作规程",
                            domain=Domain.SCHOOL)
    measure = measure_create(by=street.accounts["street_admin"], campaign=campaign, title="“三比三评”",
                             plan=procedure, org=more.school)
    assert measure.domain == Domain.SCHOOL
    assert AuditEntry.objects.get(action="measure_created", object_id=str(measure.pk)).changes["org"] == "BLP-U1"
    with pytest.raises(ValidationError) as caught:
        measure_create(by=None, campaign=campaign, title="邻街举措", org=more.other_school)
    assert caught.value.message_dict["org"] == ["明仁小学不在活动范围内"]
    with pytest.raises(ValidationError) as caught:
        measure_create(by=None, campaign=campaign, title="  ")
    assert caught.value.message_dict["title"] == ["请填写举措名称"]
    assert Measure.objects.count() == 1


# --- task_complete ------------------------------------------------------------------------------

@pytest.fixture
def report_task(campaign, street):
    return task_create(by=None, campaign=campaign, title="报送进展情况", due_on=days(7), org=street.street,
                       proof_kind=ProofKind.REPORT)


def test_a_report_completes_an_action_once(report_task, street):
    worker = street.accounts["community_worker"]
    completion = task_complete(by=worker, task=report_task, org=street.community_a, report="  已召开动员会 ")
    assert completion.report == "已召开动员会" and completion.completed_on == timezone.localdate()
    entry = AuditEntry.objects.get(action="task_completed", object_id=str(completion.pk))
    assert entry.actor == worker and entry.changes["org"] == "BLP-C1" and entry.changes["task"] == report_task.pk
    with pytest.raises(ValidationError) as caught:
        task_complete(by=worker, task=report_task, org=street.community_a, report="又一份")
    assert caught.value.message_dict["task"] == ["八里铺社区已记录完成“报送进展情况”，不能重复记录"]
    assert TaskCompletion.objects.count() == 1
    assert AuditEntry.objects.filter(action="task_completed").count() == 1


def test_a_completion_reads_as_a_sentence_in_the_admin_and_the_audit_log(report_task, street):
    day = timezone.localdate() - timedelta(days=1)
    completion = task_complete(by=None, task=report_task, org=street.community_a, completed_on=day,
                               report="已召开动员会")
    expected = f"八里铺社区完成“报送进展情况”（{day.isoformat()}）"
    assert str(TaskCompletion.objects.get(pk=completion.pk)) == expected
    assert AuditEntry.objects.get(action="task_completed").object_repr == expected


def test_a_report_action_needs_a_report(report_task, street, campaign):
    session = make_session(street, campaign, street.community_a, day=days(-2))
    with pytest.raises(ValidationError) as caught:
        task_complete(by=None, task=report_task, org=street.community_a, session=session)
    assert caught.value.message_dict["report"] == ["该动作须提交工作报告"]
    with pytest.raises(ValidationError) as caught:
        task_complete(by=None, task=report_task, org=street.community_a)
    assert caught.value.message_dict["report"] == ["请提供佐证：学习活动、送学记录或工作报告"]


def test_completion_date_cannot_be_in_the_future(report_task, street):
    with pytest.raises(ValidationError) as caught:
        task_complete(by=None, task=report_task, org=street.community_a, report="好", completed_on=days(1))
    assert caught.value.message_dict["completed_on"] == ["完成日期不能晚于今天"]


def test_an_action_that_does_not_apply_cannot_be_completed(campaign, street, more):
    task = task_create(by=None, campaign=campaign, title="三比三评", due_on=days(7), domain=Domain.SCHOOL,
                       proof_kind=ProofKind.REPORT)
    with pytest.raises(ValidationError) as caught:
        task_complete(by=None, task=task, org=street.community_a, report="做了")
    assert caught.value.message_dict["task"] == ["动作“三比三评”不适用于八里铺社区"]
    task_complete(by=None, task=task, org=more.school, report="做了")


def test_the_session_must_be_of_the_campaign_and_of_the_units_subtree(campaign, street):
    task = task_create(by=None, campaign=campaign, title="集中学习", due_on=days(7), org=street.street,
                       session_kind=SessionKind.GROUP_STUDY)
    other = campaign_create(by=None, **_campaign_kwargs(street))
    in_b = make_session(street, campaign, street.community_b, day=days(-2))
    of_other = make_session(street, other, street.community_a, day=days(-2))
    lecture = make_session(street, campaign, street.grid_a1, day=days(-2), kind=SessionKind.MICRO_CLASS)
    in_grid = make_session(street, campaign, street.grid_a1, day=days(-3))
    cases = [(in_b, "该学习活动不是八里铺社区或其下属组织举办的"), (of_other, "该学习活动不属于本主题活动"),
             (lecture, "该动作须以集中学习为佐证")]
    for session, message in cases:
        with pytest.raises(ValidationError) as caught:
            task_complete(by=None, task=task, org=street.community_a, session=session)
        assert caught.value.message_dict["session"] == [message]
    # A session of one of the community's grids proves the community's action; the date is the session's.
    completion = task_complete(by=None, task=task, org=street.community_a, session=in_grid)
    assert completion.completed_on == days(-3) and completion.session == in_grid


def test_a_session_not_yet_held_is_no_proof(campaign, street):
    task = task_create(by=None, campaign=campaign, title="集中学习", due_on=days(7), org=street.street)
    future = make_session(street, campaign, street.community_a, day=days(2))
    with pytest.raises(ValidationError) as caught:
        task_complete(by=None, task=task, org=street.community_a, session=future)
    assert caught.value.message_dict["session"] == ["该学习活动尚未举行"]


def test_the_delivery_must_reach_someone_of_the_unit(campaign, street):
    task = task_create(by=None, campaign=campaign, title="送学上门", due_on=days(7), org=street.street,
                       proof_kind=ProofKind.DELIVERY)
    to_b = make_delivery(street, campaign, street.resident_b, day=days(-1))
    with pytest.raises(ValidationError) as caught:
        task_complete(by=None, task=task, org=street.community_a, delivery=to_b)
    assert caught.value.message_dict["delivery"] == ["该送学记录的对象不在八里铺社区"]
    completion = task_complete(by=None, task=task, org=street.community_b, delivery=to_b)
    assert completion.delivery == to_b and completion.completed_on == days(-1)


def test_no_completion_on_a_closed_campaign(report_task, campaign, street):
    campaign_update(by=None, campaign=campaign, status=CampaignStatus.CLOSED)
    with pytest.raises(ValidationError):
        task_complete(by=None, task=CampaignTask.objects.get(pk=report_task.pk), org=street.community_a, report="做了")
    assert not TaskCompletion.objects.exists()
