"""Compliance with the required actions: done (recorded, or found in the sessions and deliveries),
overdue, pending, and the counts per unit."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tongxin.campaigns.selectors import DONE, OVERDUE, PENDING, compliance
from tongxin.campaigns.services import campaign_create, task_complete, task_create
from tongxin.learning.models import SessionKind
from tongxin.orgs.models import Domain, OrgKind
from tongxin.orgs.services import org_create
from tongxin.people.services import PersonData, party_member_save, person_create
from tongxin.testing import make_id_number

from .records import days, make_delivery, make_session


def _other_campaign(campaign):
    return campaign_create(by=None, name="另一项活动", slug="another", starts_on=campaign.starts_on,
                           ends_on=campaign.ends_on, scope=campaign.scope)


@pytest.fixture
def scene(campaign, street, more):
    """Five required actions and one optional one, and the records described in ``EXPECTED``."""
    def task(title, due, **kwargs):
        return task_create(by=None, campaign=campaign, title=title, due_on=due, **kwargs)

    t = {
        "T1": task("集中学习", days(-7), org=street.street, session_kind=SessionKind.GROUP_STUDY),
        "T2": task("任一学习活动", days(14), org=street.street),
        "T3": task("送学上门", days(-3), org=street.street, proof_kind="delivery"),
        "T4": task("报送进展情况", days(-1), org=street.street, proof_kind="report"),
        "T5": task("三比三评", days(-5), domain=Domain.SCHOOL),
        "optional": task("自选动作", days(-5), org=street.street, required=False),
    }
    # 李四 lives in community B and is a member of the school's branch.
    party_member_save(by=None, person=street.resident_b, branch=more.school_branch)
    r = {
        "S_a": make_session(street, campaign, street.grid_a1, day=days(-10)),
        "S_a_first": make_session(street, campaign, street.building_a1, day=days(-12)),
        "S_b": make_session(street, campaign, street.community_b, day=days(-5)),
        "S_b_other_campaign": make_session(street, _other_campaign(campaign), street.community_b, day=days(-20)),
        "S_school": make_session(street, campaign, more.school_branch, day=days(-6)),
        "S_village_future": make_session(street, campaign, more.village, day=days(2)),
        "D_a": make_delivery(street, campaign, street.resident_a, day=days(-4)),
        "D_b": make_delivery(street, campaign, street.resident_b, day=days(-4)),
        "C_a_report": task_complete(by=street.accounts["community_worker"], task=t["T4"], org=street.community_a,
                                    report="已报送第一周进展情况"),
    }
    return t, r


# Per unit and action: the state, and for a done one the record that proves it.
EXPECTED = {
    "BLP-C1": {"T1": (DONE, "S_a_first"), "T2": (DONE, "S_a_first"), "T3": (DONE, "D_a"),
               "T4": (DONE, "C_a_report")},
    "BLP-C1-U1": {"T1": (OVERDUE,), "T2": (PENDING,), "T3": (OVERDUE,), "T4": (OVERDUE,)},
    "BLP-C2": {"T1": (OVERDUE,), "T2": (DONE, "S_b"), "T3": (DONE, "D_b"), "T4": (OVERDUE,)},
    "BLP-U1": {"T1": (OVERDUE,), "T2": (DONE, "S_school"), "T3": (DONE, "D_b"), "T4": (OVERDUE,),
               "T5": (DONE, "S_school")},
    "BLP-U2": {"T1": (OVERDUE,), "T2": (PENDING,), "T3": (OVERDUE,), "T4": (OVERDUE,)},
    "BLP-V1": {"T1": (OVERDUE,), "T2": (PENDING,), "T3": (OVERDUE,), "T4": (OVERDUE,)},
}


def _states(table, t) -> dict:
    names = {task.pk: name for name, task in t.items()}
    return {
        row.org.code: {names[c.task.pk]: c for c in row.cells if c.applies}
        for row in table.rows
    }


def test_every_unit_and_action_has_the_expected_state_and_proof(campaign, street, scene):
    t, r = scene
    table = compliance(campaign, street.street)
    assert [task.title for task in table.tasks] == ["集中学习", "三比三评", "送学上门", "报送进展情况", "任一学习活动"]
    states = _states(table, t)
    assert set(states) == set(EXPECTED)
    for code, expected in EXPECTED.items():
        assert set(states[code]) == set(expected), code
        for name, (state, *proof) in expected.items():
            cell = states[code][name]
            assert cell.state == state, (code, name, cell.state)
            if proof:
                assert cell.proof.record_id == r[proof[0]].pk, (code, name)
            else:
                assert cell.proof is None, (code, name)


def test_the_proof_says_where_it_comes_from(campaign, street, scene):
    t, r = scene
    cells = _states(compliance(campaign, street.street), t)["BLP-C1"]
    derived = cells["T1"].proof
    assert derived.kind == "session" and derived.derived and derived.on == days(-12)
    assert (derived.link_kind, derived.link_id) == ("session", r["S_a_first"].pk)
    recorded = cells["T4"].proof
    assert recorded.kind == "report" and not recorded.derived and recorded.completion_id == r["C_a_report"].pk
    assert (recorded.link_kind, recorded.link_id) == ("completion", r["C_a_report"].pk)
    assert cells["T3"].proof.kind == "delivery" and cells["T3"].proof.on == days(-4)


def test_counts_per_unit_add_up(campaign, street, scene):
    table = compliance(campaign, street.street)
    for row in table.rows:
        expected = EXPECTED[row.org.code]
        states = [s for s, *_ in expected.values()]
        assert row.required == len(expected) == len(row.applicable)
        assert (row.done, row.overdue, row.pending) == (states.count(DONE), states.count(OVERDUE),
                                                         states.count(PENDING))
        assert row.done + row.overdue + row.pending == row.required
    assert table.totals == {"required": 25, "done": 9, "overdue": 13, "pending": 3}
    school = next(row for row in table.rows if row.org.code == "BLP-U1")
    assert school.percent == 60


def test_a_recorded_completion_wins_and_may_be_late(campaign, street, scene):
    t, _r = scene
    completion = task_complete(by=None, task=t["T1"], org=street.community_b, report="已补学")
    cell = _states(compliance(campaign, street.street), t)["BLP-C2"]["T1"]
    assert cell.state == DONE and cell.late and cell.proof.completion_id == completion.pk


def test_a_session_on_the_due_date_counts_and_one_the_day_after_does_not(campaign, street):
    on_time = task_create(by=None, campaign=campaign, title="按时", due_on=days(-5), org=street.community_a)
    too_late = task_create(by=None, campaign=campaign, title="晚一天", due_on=days(-6), org=street.community_a)
    session = make_session(street, campaign, street.community_a, day=days(-5))
    cells = {c.task.title: c for c in compliance(campaign, street.community_a).rows[0].cells}
    assert cells["按时"].state == DONE and cells["按时"].proof.record_id == session.pk
    assert cells["晚一天"].state == OVERDUE


def test_a_session_not_yet_held_leaves_the_action_pending(campaign, street):
    task_create(by=None, campaign=campaign, title="集中学习", due_on=days(7), org=street.community_a)
    make_session(street, campaign, street.community_a, day=days(3))
    (row,) = compliance(campaign, street.community_a).rows
    assert row.cells[0].state == PENDING and row.pending == 1


def test_report_actions_are_never_derived_from_sessions(campaign, street):
    task_create(by=None, campaign=campaign, title="报送", due_on=days(-1), org=street.community_a,
                proof_kind="report")
    make_session(street, campaign, street.community_a, day=days(-3))
    make_delivery(street, campaign, street.resident_a, day=days(-3))
    (row,) = compliance(campaign, street.community_a).rows
    assert row.cells[0].state == OVERDUE


def test_records_of_another_campaign_or_another_unit_do_not_count(campaign, street):
    task_create(by=None, campaign=campaign, title="集中学习", due_on=days(-1), org=street.community_a)
    task_create(by=None, campaign=campaign, title="送学", due_on=days(-1), org=street.community_a,
                proof_kind="delivery")
    other = _other_campaign(campaign)
    make_session(street, other, street.community_a, day=days(-3))
    make_session(street, campaign, street.community_b, day=days(-3))
    make_delivery(street, other, street.resident_a, day=days(-3))
    make_delivery(street, campaign, street.resident_b, day=days(-3))
    (row,) = compliance(campaign, street.community_a).rows
    assert [c.state for c in row.cells] == [OVERDUE, OVERDUE]


def test_optional_actions_are_not_columns(campaign, street, scene):
    titles = [task.title for task in compliance(campaign, street.street).tasks]
    assert "自选动作" not in titles


def test_rows_under_a_community_a_grid_and_a_district(campaign, street, more, scene):
    assert [r.org.code for r in compliance(campaign, street.community_a).rows] == ["BLP-C1", "BLP-C1-U1"]
    # A grid worker's grid: the row is the community the grid belongs to.
    grid_rows = compliance(campaign, street.grid_a1).rows
    assert [r.org.code for r in grid_rows] == ["BLP-C1"] and grid_rows[0].done == 4
    assert [r.org.code for r in compliance(campaign, more.school_branch).rows] == ["BLP-U1"]
    # A superior's district: the whole scope, nothing of the street next door.
    district = [r.org.code for r in compliance(campaign, street.district).rows]
    assert district == [r.org.code for r in compliance(campaign, street.street).rows]
    assert "MR-U1" not in district
    assert compliance(campaign, more.other_street).rows == []


def test_sorted_by_overdue_count(campaign, street, scene):
    rows = compliance(campaign, street.street, sort="overdue").rows
    assert [r.overdue for r in rows] == sorted((r.overdue for r in rows), reverse=True)
    assert rows[-1].org.code == "BLP-C1"


def test_a_unit_with_no_required_action_is_not_a_row(campaign, street, more):
    task_create(by=None, campaign=campaign, title="三比三评", due_on=days(3), domain=Domain.SCHOOL)
    assert [r.org.code for r in compliance(campaign, street.street).rows] == ["BLP-U1"]


def test_the_number_of_queries_does_not_grow_with_the_units(campaign, street, more, scene):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            table = compliance(campaign, street.street)
            assert table.rows
        return len(queries)

    before = count()
    for n in range(1, 6):
        community = org_create(by=None, code=f"BLP-C{n + 10}", name=f"新社区{n}", kind=OrgKind.COMMUNITY,
                               parent=street.street)
        grid = org_create(by=None, code=f"BLP-C{n + 10}-G1", name=f"新网格{n}", kind=OrgKind.GRID, parent=community)
        person = person_create(by=None, data=PersonData(name=f"居民{n}", org=grid, id_number=make_id_number(500 + n)))
        make_session(street, campaign, grid, day=days(-9))
        make_delivery(street, campaign, person, day=days(-9))
    assert len(compliance(campaign, street.street).rows) == len(EXPECTED) + 5
    assert count() == before <= 6


def test_today_decides_overdue(campaign, street):
    task_create(by=None, campaign=campaign, title="集中学习", due_on=days(2), org=street.community_a)
    later = timezone.localdate() + timedelta(days=3)
    assert compliance(campaign, street.community_a).rows[0].cells[0].state == PENDING
    assert compliance(campaign, street.community_a, today=later).rows[0].cells[0].state == OVERDUE
