"""Which actions apply to which unit (see the docstring of ``tongxin.campaigns.selectors.tasks``)."""

import pytest

from tongxin.campaigns.selectors import tasks_for_org, unit_domain
from tongxin.campaigns.services import task_create
from tongxin.orgs.models import Domain
from tongxin.orgs.services import org_update

from .records import days


@pytest.fixture
def tasks(campaign, street, more):
    def make(title, required=True, **kwargs):
        return task_create(by=None, campaign=campaign, title=title, due_on=days(7), required=required, **kwargs)

    return {
        "street": make("街道动员", org=street.street),
        "community_a": make("八里铺社区专题党课", org=street.community_a),
        "urban": make("五微五进", domain=Domain.URBAN_COMMUNITY),
        "rural": make("话十年发展变化", domain=Domain.RURAL_PASTORAL),
        "school": make("三比三评", domain=Domain.SCHOOL),
        "enterprise_in_a": make("企业融合教育", domain=Domain.PRIVATE_ENTERPRISE, org=street.community_a),
        "optional": make("自选：红色观影", required=False, org=street.street),
    }


def _titles(campaign, org, **kwargs) -> set[str]:
    return {task.title for task in tasks_for_org(campaign, org, **kwargs)}


def test_each_unit_gets_the_actions_of_its_ancestors_and_of_its_domain(campaign, street, more, tasks):
    assert _titles(campaign, street.community_a) == {"街道动员", "八里铺社区专题党课", "五微五进", "自选：红色观影"}
    assert _titles(campaign, street.community_b) == {"街道动员", "五微五进", "自选：红色观影"}
    assert _titles(campaign, more.village) == {"街道动员", "话十年发展变化", "自选：红色观影"}
    assert _titles(campaign, more.school) == {"街道动员", "三比三评", "自选：红色观影"}
    # A unit in community A: A's own action and the enterprises-under-A action, not the urban one.
    assert _titles(campaign, more.shop) == {"街道动员", "八里铺社区专题党课", "企业融合教育", "自选：红色观影"}
    # A unit whose domain is blank gets no domain action: we do not guess its domain.
    assert _titles(campaign, more.plain_unit) == {"街道动员", "自选：红色观影"}


def test_required_narrows_to_required_actions(campaign, street, tasks):
    assert _titles(campaign, street.community_b, required=True) == {"街道动员", "五微五进"}
    assert _titles(campaign, street.community_b, required=False) == {"自选：红色观影"}


def test_grids_and_branches_are_not_units(campaign, street, more, tasks):
    assert _titles(campaign, street.grid_a1) == set()
    assert _titles(campaign, more.school_branch) == set()
    # The org an action names always has it, whatever its kind.
    assert _titles(campaign, street.street) == {"街道动员", "自选：红色观影"}


def test_blank_place_domains_count_as_urban_and_rural_but_a_set_domain_wins(campaign, street, more, tasks):
    assert unit_domain(street.community_a) == Domain.URBAN_COMMUNITY
    assert unit_domain(more.village) == Domain.RURAL_PASTORAL
    assert unit_domain(more.plain_unit) == ""
    org_update(by=None, org=street.community_b, domain=Domain.RURAL_PASTORAL)  # a 村改居 community
    assert _titles(campaign, street.community_b) == {"街道动员", "话十年发展变化", "自选：红色观影"}


def test_nothing_applies_outside_the_scope(campaign, more, tasks):
    assert _titles(campaign, more.other_school) == set()
    assert _titles(campaign, more.other_street) == set()


def test_tasks_come_by_due_date(campaign, street):
    late = task_create(by=None, campaign=campaign, title="后", due_on=days(20), org=street.street)
    early = task_create(by=None, campaign=campaign, title="先", due_on=days(3), org=street.street)
    assert tasks_for_org(campaign, street.community_a) == [early, late]
