"""The problem list (问题清单): immediate and phased items, every allowed and forbidden move, who
may do what, bad input, overdue, and the counts a report quotes ("梳理形成问题清单20项，已完成整改
18个，正在整改2个") equal to a count by hand."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from tongxin.core.models import AuditEntry
from tongxin.voices.models import (
    Rectification,
    RectificationMode,
    RectificationPhase,
    RectificationSource,
    RectificationStatus,
)
from tongxin.voices.selectors.rectifications import (
    rectification_counts,
    rectification_get_visible,
    rectification_history,
    rectification_list,
    rectification_phases,
)
from tongxin.voices.services.rectifications import (
    IMMEDIATE_MAX_DAYS,
    TRANSITIONS,
    RectificationConflict,
    RectificationEvent,
    moves_open,
    phase_done,
    rectification_create,
    rectification_fix,
    rectification_reopen,
    rectification_start,
)

TODAY = timezone.localdate()
S = RectificationStatus


def days(n: int):
    return TODAY + timedelta(days=n)


def immediate(street, role: str = "community_worker", org=None, **kwargs) -> Rectification:
    values = {"item": "社区办事大厅工作人员迟到早退", "source": RectificationSource.RESIDENTS, "owner": "社区党委",
              "mode": RectificationMode.IMMEDIATE, **kwargs}
    return rectification_create(by=street.accounts[role], org=org or street.community_a, **values)


def phased(street, role: str = "community_worker", org=None, **kwargs) -> Rectification:
    values = {"item": "老旧小区雨污管网混接", "source": RectificationSource.SELF_REVIEW, "owner": "街道城建办",
              "mode": RectificationMode.PHASED,
              "phases": [{"target": "摸清混接点位", "due_on": days(10)}, {"target": "完成管网改造", "due_on": days(60)}],
              **kwargs}
    return rectification_create(by=street.accounts[role], org=org or street.community_a, **values)


def phases_of(item: Rectification) -> list[RectificationPhase]:
    return list(item.phases.order_by("order"))


def tick(street, phase, day=TODAY, role: str = "community_worker"):
    return phase_done(by=street.accounts[role], phase=phase, done_on=day)


def fix(street, item, role: str = "community_worker", day=TODAY, note: str = "已建立签到制度，整改到位"):
    return rectification_fix(by=street.accounts[role], rectification=item, fixed_on=day, note=note)


def status_of(item) -> str:
    return Rectification.objects.get(pk=item.pk).status


# --- Create ------------------------------------------------------------------------------------

def test_an_immediate_item_has_no_phases_and_is_due_within_a_week(street):
    item = immediate(street)
    item.refresh_from_db()
    assert (item.status, item.mode, item.due_on, item.org_path) == (
        S.OPEN, RectificationMode.IMMEDIATE, days(7), street.community_a.path)
    assert not item.phases.exists()
    entry = AuditEntry.objects.get(action="rectification_saved", object_id=str(item.pk))
    assert entry.changes["event"] == "create" and entry.actor == street.accounts["community_worker"]


def test_an_immediate_item_is_due_soon(street):
    assert immediate(street, due_on=days(IMMEDIATE_MAX_DAYS)).due_on == days(IMMEDIATE_MAX_DAYS)
    with pytest.raises(ValidationError, match="立行立改须在 30 天内完成"):
        immediate(street, due_on=days(IMMEDIATE_MAX_DAYS + 1))


def test_an_immediate_item_takes_no_phases(street):
    with pytest.raises(ValidationError, match="立行立改的问题不分阶段"):
        immediate(street, phases=[{"target": "一", "due_on": days(3)}])


def test_a_phased_item_is_due_with_its_last_phase(street):
    item = phased(street)
    assert item.due_on == days(60)
    assert [(p.order, p.target, p.due_on) for p in phases_of(item)] == [
        (1, "摸清混接点位", days(10)), (2, "完成管网改造", days(60))]


@pytest.mark.parametrize("phases, message", [
    ([], "分阶段整改至少需要两个阶段"),
    ([{"target": "只有一个阶段", "due_on": days(5)}], "分阶段整改至少需要两个阶段"),
    ([{"target": "", "due_on": days(5)}, {"target": "二", "due_on": days(9)}], "第 1 阶段：请填写阶段目标"),
    ([{"target": "一", "due_on": days(5)}, {"target": "二", "due_on": None}], "第 2 阶段：请填写完成时限"),
    ([{"target": "一", "due_on": days(9)}, {"target": "二", "due_on": days(9)}], "第 2 阶段：完成时限须晚于上一阶段"),
    ([{"target": "一", "due_on": days(9)}, {"target": "二", "due_on": days(5)}], "第 2 阶段：完成时限须晚于上一阶段"),
])
def test_phases_need_targets_and_dates_in_order(street, phases, message):
    with pytest.raises(ValidationError) as caught:
        phased(street, phases=phases)
    assert message in " ".join(caught.value.message_dict["phases"])
    assert not Rectification.objects.exists() and not RectificationPhase.objects.exists()


def test_a_phased_item_is_not_due_before_its_last_phase(street):
    with pytest.raises(ValidationError, match="不能早于最后一个阶段的时限"):
        phased(street, due_on=days(30))


@pytest.mark.parametrize("kwargs, field", [
    ({"item": " "}, "item"), ({"item": "问" * 301}, "item"), ({"owner": ""}, "owner"),
    ({"source": "gossip"}, "source"), ({"mode": "someday"}, "mode"),
])
def test_bad_input_names_the_field(street, kwargs, field):
    with pytest.raises(ValidationError) as caught:
        immediate(street, **kwargs)
    assert field in caught.value.message_dict


@pytest.mark.parametrize("role, org, allowed", [
    ("street_admin", "community_b", True), ("community_worker", "community_a", True),
    ("community_worker", "community_b", False), ("grid_worker", "community_a", False),
    ("building_head", "community_a", False), ("superior", "community_a", False),
    ("party_member", "community_a", False), ("resident", "community_a", False), ("auditor", "community_a", False),
])
def test_who_may_put_a_problem_on_the_list(street, role, org, allowed):
    if allowed:
        assert immediate(street, role, org=getattr(street, org)).pk
    else:
        with pytest.raises(PermissionError, match="无权管理该组织的问题清单"):
            immediate(street, role, org=getattr(street, org))


# --- Moves -------------------------------------------------------------------------------------

def test_the_table_of_moves():
    assert TRANSITIONS == {
        RectificationEvent.START: ((S.OPEN,), S.IN_PROGRESS),
        RectificationEvent.FIX: ((S.OPEN, S.IN_PROGRESS), S.FIXED),
        RectificationEvent.REOPEN: ((S.FIXED,), S.IN_PROGRESS),
    }


def test_an_immediate_item_is_fixed_on_the_spot(street):
    item = immediate(street)
    assert moves_open(item) == ["start", "fix"]
    fix(street, item)
    item.refresh_from_db()
    assert (item.status, item.fixed_on) == (S.FIXED, TODAY) and moves_open(item) == ["reopen"]


def test_start_then_fix(street):
    item = immediate(street)
    rectification_start(by=street.accounts["community_worker"], rectification=item)
    assert item.status == S.IN_PROGRESS and moves_open(item) == ["fix"]
    fix(street, item)
    assert item.status == S.FIXED


@pytest.mark.parametrize("move", ["start", "fix"])
def test_nothing_moves_a_fixed_item_but_reopen(street, move):
    item = immediate(street)
    fix(street, item)
    with pytest.raises(RectificationConflict, match="该问题当前为“已完成整改”"):
        if move == "start":
            rectification_start(by=street.accounts["community_worker"], rectification=item)
        else:
            fix(street, item)


def test_start_twice_and_reopen_an_open_item_are_refused(street):
    item = immediate(street)
    with pytest.raises(RectificationConflict, match="不能重新整改"):
        rectification_reopen(by=street.accounts["community_worker"], rectification=item, reason="复查不到位")
    rectification_start(by=street.accounts["community_worker"], rectification=item)
    with pytest.raises(RectificationConflict, match="不能开始整改"):
        rectification_start(by=street.accounts["community_worker"], rectification=item)
    with pytest.raises(RectificationConflict, match="不能重新整改"):
        rectification_reopen(by=street.accounts["community_worker"], rectification=item, reason="复查不到位")


def test_an_inspection_reopens_a_fixed_item_with_a_reason(street):
    item = immediate(street)
    fix(street, item)
    with pytest.raises(ValidationError, match="请写明重新整改的原因"):
        rectification_reopen(by=street.accounts["community_worker"], rectification=item, reason="")
    rectification_reopen(by=street.accounts["community_worker"], rectification=item, reason="巡回指导组复查仍有迟到")
    item.refresh_from_db()
    assert (item.status, item.fixed_on) == (S.IN_PROGRESS, None)
    fix(street, item, note="再次整改，纳入考核")
    events = [(h["event"], h["note"]) for h in rectification_history(item)]
    assert events == [("列入问题清单", ""), ("完成整改", "已建立签到制度，整改到位"),
                      ("重新整改", "巡回指导组复查仍有迟到"), ("完成整改", "再次整改，纳入考核")]


@pytest.mark.parametrize("day, note, message", [
    (days(1), "已整改", "完成日期不能晚于今天"), (None, "已整改", "请填写完成日期"), (TODAY, " ", "请写明整改结果"),
])
def test_fix_needs_a_past_date_and_a_result(street, day, note, message):
    item = immediate(street)
    with pytest.raises(ValidationError, match=message):
        fix(street, item, day=day, note=note)
    assert status_of(item) == S.OPEN


def test_phases_are_ticked_in_order_and_the_first_starts_the_item(street):
    item = phased(street)
    first, second = phases_of(item)
    with pytest.raises(ValidationError, match="请先完成第 1 阶段"):
        tick(street, second)
    tick(street, first, days(-3))
    assert status_of(item) == S.IN_PROGRESS
    with pytest.raises(RectificationConflict, match="第 1 阶段已于 .* 完成"):
        tick(street, first)
    with pytest.raises(ValidationError, match="完成日期不能早于上一阶段的完成日期"):
        tick(street, second, days(-4))
    with pytest.raises(ValidationError, match="完成日期不能晚于今天"):
        tick(street, second, days(1))


def test_a_phased_item_is_fixed_only_when_every_phase_is_done(street):
    item = phased(street)
    first, second = phases_of(item)
    tick(street, first, days(-2))
    with pytest.raises(ValidationError, match="还有 1 个阶段未完成，不能销号"):
        fix(street, item)
    tick(street, second, days(-1))
    with pytest.raises(ValidationError, match="不能早于最后一个阶段的完成日期"):
        fix(street, item, day=days(-2))
    fix(street, item)
    assert status_of(item) == S.FIXED
    with pytest.raises(RectificationConflict, match="该问题已完成整改"):
        tick(street, first)


@pytest.mark.parametrize("role", ["grid_worker", "building_head", "superior", "party_member", "resident"])
def test_only_managers_move_items(street, role):
    item = phased(street)
    user = street.accounts[role]
    with pytest.raises(PermissionError):
        rectification_start(by=user, rectification=item)
    with pytest.raises(PermissionError):
        phase_done(by=user, phase=phases_of(item)[0], done_on=TODAY)
    with pytest.raises(PermissionError):
        rectification_fix(by=user, rectification=item, fixed_on=TODAY, note="已整改")
    assert status_of(item) == S.OPEN


def test_street_admin_moves_items_of_every_community(street):
    item = immediate(street, "street_admin", org=street.community_b)
    fix(street, item, role="street_admin")
    rectification_reopen(by=street.accounts["street_admin"], rectification=item, reason="复查未到位")
    with pytest.raises(PermissionError):
        fix(street, item)  # the community worker of the other community


# --- Reads -------------------------------------------------------------------------------------

def test_counts_equal_hand_counts(street):
    """The seed: 问题清单20项，已完成整改18个，正在整改2个."""
    items = [immediate(street, "street_admin", org=street.community_a if i % 2 else street.community_b,
                       item=f"问题{i}") for i in range(16)]
    items += [phased(street, "street_admin", item=f"分阶段问题{i}") for i in range(4)]
    for item in items[:16]:
        fix(street, item, role="street_admin")
    for item in items[16:18]:
        for phase in phases_of(item):
            tick(street, phase, role="street_admin")
        fix(street, item, role="street_admin")
    for item in items[18:]:
        tick(street, phases_of(item)[0], role="street_admin")

    statuses = [status_of(item) for item in items]
    counts = rectification_counts(user=street.accounts["street_admin"])
    assert counts == {"total": len(items), "fixed": statuses.count(S.FIXED),
                      "in_progress": statuses.count(S.IN_PROGRESS), "open": statuses.count(S.OPEN),
                      "immediate": 16, "phased": 4, "overdue": 0}
    assert (counts["total"], counts["fixed"], counts["in_progress"]) == (20, 18, 2)
    community_b = rectification_counts(user=street.accounts["street_admin"], org=street.community_b)
    assert (community_b["total"], community_b["fixed"]) == (8, 8)
    # The community worker of 八里铺社区 counts only what they see.
    assert rectification_counts(user=street.accounts["community_worker"])["total"] == 12


def test_overdue_items_and_phases(street):
    late = immediate(street, item="逾期未改", due_on=days(-1))
    late_phase = phased(street, item="阶段逾期",
                        phases=[{"target": "一", "due_on": days(-5)}, {"target": "二", "due_on": days(20)}])
    immediate(street, item="按期")
    fixed_late = immediate(street, item="逾期但已整改", due_on=days(-2))
    fix(street, fixed_late)
    admin = street.accounts["street_admin"]
    assert {r.item for r in rectification_list(user=admin, overdue=True)} == {"逾期未改", "阶段逾期"}
    assert rectification_counts(user=admin)["overdue"] == 2
    assert {r.item for r in rectification_list(user=admin) if r.is_overdue} == {"逾期未改", "阶段逾期"}
    first, second = rectification_phases(late_phase)
    assert (first.is_overdue, first.is_next, second.is_overdue, second.is_next) == (True, True, False, False)
    tick(street, phases_of(late_phase)[0])
    assert {r.item for r in rectification_list(user=admin, overdue=True)} == {late.item}


def test_search_filter_and_sort(street):
    immediate(street, item="窗口服务态度差", owner="社区服务站")
    phased(street, item="管网混接", owner="街道城建办", source=RectificationSource.INSPECTION)
    admin = street.accounts["street_admin"]
    assert [r.item for r in rectification_list(user=admin, q="城建")] == ["管网混接"]
    assert [r.item for r in rectification_list(user=admin, q="窗口")] == ["窗口服务态度差"]
    assert [r.item for r in rectification_list(user=admin, mode="phased")] == ["管网混接"]
    assert [r.item for r in rectification_list(user=admin, source="inspection")] == ["管网混接"]
    assert [r.item for r in rectification_list(user=admin, sort="due")] == ["窗口服务态度差", "管网混接"]
    assert [(r.phase_count, r.phases_done) for r in rectification_list(user=admin, mode="phased")] == [(2, 0)]


@pytest.mark.parametrize("role, sees_a, sees_b", [
    ("street_admin", True, True), ("community_worker", True, False), ("grid_worker", True, False),
    ("superior", True, True), ("party_member", False, False), ("resident", False, False), ("auditor", False, False),
])
def test_who_reads_which_items(street, role, sees_a, sees_b):
    a = immediate(street, "street_admin", org=street.community_a)
    b = immediate(street, "street_admin", org=street.community_b)
    user = street.accounts[role]
    assert (rectification_get_visible(user=user, pk=a.pk) is not None,
            rectification_get_visible(user=user, pk=b.pk) is not None) == (sees_a, sees_b)
