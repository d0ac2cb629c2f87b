"""The gap list (未覆盖名单): the way that fits each person, who answers for them, pagination in
SQL, masked phones, and a fixed number of queries per page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tongxin.accounts.models import Role
from tongxin.accounts.services import account_create, role_grant
from tongxin.campaigns.services import campaign_create
from tongxin.learning.models import SessionKind
from tongxin.learning.selectors.coverage import (
    WAY_HOME, WAY_ONLINE_OR_BOOK, WAY_PARTNER, WAY_SESSION, WAY_UNSCHEDULED, coverage_gap_page, coverage_gaps,
)
from tongxin.learning.services.sessions import session_close
from tongxin.orgs.models import OrgKind
from tongxin.orgs.services import household_get_or_create, org_create
from tongxin.people.models import Person, ResponsibilityKind
from tongxin.people.services import responsibility_assign, study_pair_create
from tongxin.testing import PASSWORD

from .test_coverage import add_person, add_session, attend, selects


@pytest.fixture
def gaps(street, campaign):
    """Everyone not reached, each of a different kind."""
    s = street
    branch_b = org_create(by=None, code="BLP-C2-P1", name="学院社区第一党支部", kind=OrgKind.PARTY_BRANCH,
                          parent=s.community_b)
    people = {
        "张三": Person.objects.get(pk=s.resident_a.pk),  # resident, grid A1
        "李四": Person.objects.get(pk=s.resident_b.pk),  # resident, grid B1
        "王五": s.member_a,  # infirm member
        "钱七": add_person("钱七", s.building_a1, "1-103", branch=s.branch_a, mobile=True),
        "孙八": add_person("孙八", s.building_a1, "1-104", branch=s.branch_a),  # paired regular member
        "周党员": add_person("周党员", s.building_b1, "2-203", branch=branch_b),  # regular member, grid B1
        "小王": add_person("小王", s.building_a1, "1-105", branch=s.branch_a),  # the young helper
    }
    study_pair_create(by=None, helper=people["小王"].party_member, member=people["孙八"].party_member)
    study_pair_create(by=None, helper=people["小王"].party_member, member=people["王五"].party_member)
    return {"s": s, "campaign": campaign, "branch_b": branch_b, "people": people}


def items_by_name(campaign, orgs, **kwargs):
    _page, items = coverage_gap_page(campaign, orgs, per_page=100, **kwargs)
    return {item.person.name: item for item in items}


def test_infirm_mobile_and_paired_members_get_their_way(gaps):
    s, campaign, p = gaps["s"], gaps["campaign"], gaps["people"]
    # The helper studied at a lecture: reached, so not on the list.
    lecture = add_session(s.accounts["street_admin"], s.street, SessionKind.LECTURE,
                          timezone.now() - timedelta(days=1), campaign)
    attend(s.accounts["street_admin"], lecture, p["小王"])
    items = items_by_name(campaign, [s.street])
    assert "小王" not in items
    home = items["王五"].way
    assert (home.code, home.label, home.partner, home.delivery_kind) == (WAY_HOME, "送学上门", "小王", "home")
    mobile = items["钱七"].way
    assert (mobile.code, mobile.label, mobile.partner, mobile.delivery_kind) == (
        WAY_ONLINE_OR_BOOK, "网络助学 或 口袋书", "", "online")
    paired = items["孙八"].way
    assert (paired.code, paired.label, paired.session) == (WAY_PARTNER, "由结对党员 小王 助学", None)


def test_a_resident_is_offered_the_soonest_outreach_or_micro_class_above_them(gaps):
    s, campaign, p = gaps["s"], gaps["campaign"], gaps["people"]
    admin = s.accounts["street_admin"]
    now = timezone.now()
    other = campaign_create(by=None, name="另一项活动", slug="another", starts_on=campaign.starts_on,
                            ends_on=campaign.ends_on, scope=s.street)
    add_session(admin, s.grid_a1, SessionKind.OUTREACH, now + timedelta(hours=2), other, "另一活动的宣讲")
    add_session(admin, s.grid_a1, SessionKind.MICRO_CLASS, now - timedelta(days=1), campaign, "已开过的微课堂")
    closed = add_session(admin, s.grid_a1, SessionKind.MICRO_CLASS, now + timedelta(hours=3), campaign, "已取消")
    session_close(by=admin, session=closed)
    add_session(admin, s.community_b, SessionKind.FORUM, now + timedelta(hours=4), campaign, "座谈会")
    add_session(admin, s.grid_b1, SessionKind.GROUP_STUDY, now + timedelta(hours=5), campaign, "网格党员集中学习")
    micro = add_session(admin, s.grid_a1, SessionKind.MICRO_CLASS, now + timedelta(days=3), campaign, "网格微课堂")
    talk = add_session(admin, s.community_a, SessionKind.OUTREACH, now + timedelta(days=1), campaign, "进小区宣讲")
    add_session(admin, s.community_a, SessionKind.OUTREACH, now + timedelta(days=2), campaign, "第二场宣讲")
    branch_study = add_session(admin, gaps["branch_b"], SessionKind.GROUP_STUDY, now + timedelta(hours=1), campaign,
                               "支部集中学习")
    items = items_by_name(campaign, [s.street])

    # 张三 (grid A1): the community's outreach tomorrow comes before the grid's micro-class.
    way = items["张三"].way
    assert (way.code, way.session) == (WAY_SESSION, talk)
    assert "宣讲" in way.label and "进小区宣讲" in way.label and "八里铺社区" in way.label
    assert micro != talk
    # 李四 (grid B1): a forum and a members' group study are not for a resident.
    assert items["李四"].way.code == WAY_UNSCHEDULED
    assert items["李四"].way.label == "待安排宣讲/微课堂"
    # 周党员 (grid B1, branch B): the branch's group study, the soonest of all.
    assert (items["周党员"].way.code, items["周党员"].way.session) == (WAY_SESSION, branch_study)


def test_who_answers_household_then_building_then_grid_worker_then_area(gaps):
    s, campaign, p = gaps["s"], gaps["campaign"], gaps["people"]
    staff = {name: add_person(name, s.building_b1, f"9-{i}") for i, name in enumerate(
        ["包户干部", "包楼干部", "包片领导", "另一包户"])}
    responsibility_assign(by=None, person=staff["包户干部"], kind=ResponsibilityKind.HOUSEHOLD,
                          household=s.household_a)  # 张三 and 王五's household
    responsibility_assign(by=None, person=staff["另一包户"], kind=ResponsibilityKind.HOUSEHOLD,
                          household=s.household_a)
    responsibility_assign(by=None, person=staff["包楼干部"], kind=ResponsibilityKind.BUILDING, org=s.building_a1)
    responsibility_assign(by=None, person=staff["包片领导"], kind=ResponsibilityKind.AREA, org=s.community_b)
    worker = add_person("刘网格员", s.building_b1, "9-9")
    account = account_create(by=None, username="liu", password=PASSWORD, person=worker)
    role_grant(by=None, user=account, role=Role.GRID_WORKER, org=s.grid_b1)
    grid_b2 = org_create(by=None, code="BLP-C2-G2", name="学院第二网格", kind=OrgKind.GRID, parent=s.community_b)
    add_person("无人管", grid_b2, "1")

    items = items_by_name(campaign, [s.street])

    def answers(name):
        return [(r.kind, r.name) for r in items[name].responsible]

    # Both 包户 of the household, though the building has a 包楼 and the grid a grid worker.
    assert sorted(answers("张三")) == [("household", "包户干部"), ("household", "另一包户")]
    assert answers("王五") == answers("张三")
    assert answers("钱七") == [("building", "包楼干部")]  # household 1-103 has no 包户
    assert answers("李四") == [("grid_worker", "刘网格员")]  # building 7号楼 has no 包楼
    assert answers("无人管") == [("area", "包片领导")]  # grid B2 has no grid worker
    assert [r.kind_label for r in items["张三"].responsible] == ["包户", "包户"]
    assert items["李四"].responsible[0].kind_label == "网格员"


def test_pagination_is_in_sql_by_place_then_name(gaps):
    s, campaign = gaps["s"], gaps["campaign"]
    grid = org_create(by=None, code="BLP-C1-G9", name="第九网格", kind=OrgKind.GRID, parent=s.community_a)
    building = org_create(by=None, code="BLP-C1-G9-B1", name="9号楼", kind=OrgKind.BUILDING, parent=grid)
    for i in range(35):
        add_person(f"居民{i:02d}", building, f"{i}")
    first, items = coverage_gap_page(campaign, [grid], page=1)
    second, more = coverage_gap_page(campaign, [grid], page=2)
    assert first.paginator.count == 35 and first.paginator.num_pages == 2
    assert [i.person.name for i in items] == [f"居民{i:02d}" for i in range(30)]
    assert [i.person.name for i in more] == [f"居民{i:02d}" for i in range(30, 35)]
    # Over the whole street the order is by place (org path), then name.
    everyone = list(coverage_gaps(campaign, [s.street]))
    assert [(p.org_path, p.name) for p in everyone] == sorted((p.org_path, p.name) for p in everyone)
    # A page past the end is the last page, as on the people list.
    last, _items = coverage_gap_page(campaign, [grid], page=99)
    assert last.number == 2


def test_the_page_shows_only_masked_phones(gaps):
    s, campaign = gaps["s"], gaps["campaign"]
    client = Client()
    client.force_login(s.accounts["street_admin"])
    response = client.get(reverse("learning:coverage_gaps"), {"org": s.street.code, "campaign": campaign.slug})
    assert response.status_code == 200
    html = response.content.decode()
    assert "138****5678" in html and "13812345678" not in html  # 张三
    assert "139****4321" in html and "13987654321" not in html  # 李四
    assert "张三" in html and "送学上门" in html and "由结对党员 小王 助学" in html


def test_a_page_of_thirty_costs_the_same_queries_as_a_page_of_five(gaps):
    s, campaign = gaps["s"], gaps["campaign"]
    grid = org_create(by=None, code="BLP-C1-G9", name="第九网格", kind=OrgKind.GRID, parent=s.community_a)
    building = org_create(by=None, code="BLP-C1-G9-B1", name="9号楼", kind=OrgKind.BUILDING, parent=grid)
    for i in range(5):
        add_person(f"居民{i:02d}", building, f"{i}")
    with CaptureQueriesContext(connection) as five:
        _page, items = coverage_gap_page(campaign, [grid])
    assert len(items) == 5
    for i in range(5, 40):
        add_person(f"居民{i:02d}", building, f"{i}")
    with CaptureQueriesContext(connection) as thirty:
        _page, items = coverage_gap_page(campaign, [grid])
    assert len(items) == 30
    # The count, the page's ids, its persons, next sessions, responsibility, grid workers (and
    # study partners, when the page holds members).
    assert len(selects(thirty)) == len(selects(five)) <= 7


def test_the_gap_page_is_for_those_who_read_the_orgs_coverage(gaps):
    s, campaign = gaps["s"], gaps["campaign"]
    url = reverse("learning:coverage_gaps")
    expected = {
        ("street_admin", s.street.code): 200, ("community_worker", s.community_a.code): 200,
        ("community_worker", s.street.code): 403, ("grid_worker", s.grid_a1.code): 200,
        ("grid_worker", s.grid_b1.code): 403, ("building_head", s.building_a1.code): 200,
        ("superior", s.street.code): 200, ("party_member", s.community_a.code): 403,
        ("resident", s.community_a.code): 403,
    }
    for (username, code), status in expected.items():
        client = Client()
        client.force_login(s.accounts[username])
        response = client.get(url, {"org": code, "campaign": campaign.slug})
        assert response.status_code == status, (username, code)
    client = Client()
    client.force_login(s.accounts["street_admin"])
    assert client.get(url, {"org": s.street.code, "campaign": "no-such"}).status_code == 404
    assert client.get(url, {"org": "NO-SUCH", "campaign": campaign.slug}).status_code == 404


def test_a_household_without_number_and_a_grid_without_anyone_still_answer(gaps):
    s, campaign = gaps["s"], gaps["campaign"]
    loner = add_person("独居", s.building_b1, "")  # no household
    assert loner.household_id is None
    items = items_by_name(campaign, [s.grid_b1])
    assert items["独居"].responsible == []
    household_get_or_create(by=None, org=s.building_b1, number="x")  # an empty household changes nothing
    assert items_by_name(campaign, [s.grid_b1]).keys() == items.keys()
