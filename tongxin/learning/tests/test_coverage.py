"""Coverage arithmetic on a small street built by hand (``selectors.coverage.coverage_for_org``).

The street of ``tongxin.testing`` plus a few people, so that every group has someone reached and
someone not. Who is who (campaign ``gandangen``: all members and all residents of 八里铺街道):

    grid BLP-C1-G1 (building 1号楼)            grid BLP-C2-G1 (building 7号楼)
    张三  resident, 退休           reached ×3      李四  resident, no group   only another campaign
    王五  member, infirm          home delivery   周九  resident, 学生         outreach
    赵六  resident, 退休+老年人    —              郑十一 member, infirm+mobile —
    钱七  member, mobile          lecture+online  吴十  inactive resident    (not in the target)
    孙八  member, regular         delivery without a campaign only

Reached: 张三, 王五, 钱七, 周九 (4 of 8).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tongxin.campaigns.services import campaign_create
from tongxin.learning.models import Attendance, DeliveryKind, OutreachPlace, Session, SessionKind
from tongxin.learning.selectors.coverage import (
    coverage_for_org, coverage_gaps, coverage_rate, coverage_target,
)
from tongxin.learning.services.attendance import attendance_record_roster
from tongxin.learning.services.deliveries import delivery_record
from tongxin.learning.services.sessions import session_create
from tongxin.orgs.models import Org, OrgKind
from tongxin.orgs.services import household_get_or_create, org_create
from tongxin.people.models import Person
from tongxin.people.services import PersonData, party_member_save, person_create, person_update
from tongxin.testing import SmallStreet

_phones = itertools.count(13900000001)


def at(day: date, hour: int = 10) -> datetime:
    """A local time on ``day``."""
    return timezone.make_aware(datetime.combine(day, time(hour)))


def add_person(name: str, org: Org, number: str, *, groups=(), branch: Org | None = None, infirm: bool = False,
               mobile: bool = False, phone: str | None = None) -> Person:
    household = household_get_or_create(by=None, org=org, number=number)
    person = person_create(by=None, data=PersonData(name=name, org=org, household=household,
                                                    phone=phone or str(next(_phones)), groups=list(groups)))
    if branch is not None:
        party_member_save(by=None, person=person, branch=branch, joined_on=date(2000, 7, 1),
                          needs_home_delivery=infirm, is_mobile=mobile)
    return Person.objects.select_related("party_member").get(pk=person.pk)


def add_session(by, org: Org, kind: str, starts_at: datetime, campaign, topic: str = "学习") -> Session:
    return session_create(by=by, org=org, kind=kind, topic=topic, starts_at=starts_at,
                          ends_at=starts_at + timedelta(hours=2), campaign=campaign,
                          outreach_place=OutreachPlace.COMPOUND if kind == SessionKind.OUTREACH else "")


def attend(by, session: Session, *persons: Person, when: datetime | None = None) -> None:
    attendance_record_roster(by=by, session=session, persons=persons, method="sign_sheet",
                             checked_in_at=when or session.starts_at + timedelta(minutes=5))


def week_of(campaign, moment: datetime) -> int:
    """1 for the ISO week of the campaign's first day."""
    first_monday = campaign.starts_on - timedelta(days=campaign.starts_on.weekday())
    return (timezone.localtime(moment).date() - first_monday).days // 7 + 1


@dataclass
class World:
    s: SmallStreet
    campaign: object
    other_campaign: object
    branch_b: Org
    people: dict[str, Person] = field(default_factory=dict)
    first_reach: dict[str, datetime] = field(default_factory=dict)

    def __getitem__(self, name: str) -> Person:
        return self.people[name]


def build_world(s: SmallStreet, campaign) -> World:
    admin = s.accounts["street_admin"]
    branch_b = org_create(by=None, code="BLP-C2-P1", name="学院社区第一党支部", kind=OrgKind.PARTY_BRANCH,
                          parent=s.community_b)
    other = campaign_create(by=None, name="另一项活动", slug="another", starts_on=campaign.starts_on - timedelta(days=1),
                            ends_on=campaign.ends_on, scope=s.street, targets_members=True, targets_residents=True)
    w = World(s, campaign, other, branch_b)
    w.people = {
        "张三": Person.objects.get(pk=s.resident_a.pk),
        "李四": Person.objects.get(pk=s.resident_b.pk),
        "王五": Person.objects.select_related("party_member").get(pk=s.member_a.pk),
        "赵六": add_person("赵六", s.building_a1, "1-102", groups=["retired", "elderly"]),
        "钱七": add_person("钱七", s.building_a1, "1-103", branch=s.branch_a, mobile=True),
        "孙八": add_person("孙八", s.building_a1, "1-104", branch=s.branch_a),
        "周九": add_person("周九", s.building_b1, "2-203", groups=["student"]),
        "吴十": add_person("吴十", s.building_b1, "2-204"),
        "郑十一": add_person("郑十一", s.building_b1, "2-205", branch=branch_b, infirm=True, mobile=True),
    }
    person_update(by=None, person=w["吴十"], is_active=False)

    start = campaign.starts_on
    week1 = at(start + timedelta(days=1), 19)
    week2 = at(start + timedelta(days=8), 19)
    week3 = at(start + timedelta(days=15), 19)
    lecture = add_session(admin, s.street, SessionKind.LECTURE, week1, campaign, "春风讲堂")
    micro = add_session(admin, s.grid_a1, SessionKind.MICRO_CLASS, week3, campaign, "网格微课堂")
    talk = add_session(admin, s.community_b, SessionKind.OUTREACH, week2, campaign, "进小区宣讲")
    elsewhere = add_session(admin, s.street, SessionKind.LECTURE, week1, other, "另一项活动的讲堂")
    nowhere = add_session(admin, s.street, SessionKind.FORUM, week1, None, "不属于任何活动的座谈会")
    attend(admin, lecture, w["张三"], w["钱七"])
    attend(admin, micro, w["张三"])
    attend(admin, talk, w["周九"])
    attend(admin, elsewhere, w["李四"])
    attend(admin, nowhere, w["李四"], w["赵六"])
    delivery_record(by=admin, person=w["王五"], kind=DeliveryKind.HOME, campaign=campaign,
                    delivered_at=at(start + timedelta(days=9)))
    delivery_record(by=admin, person=w["钱七"], kind=DeliveryKind.ONLINE, campaign=campaign,
                    delivered_at=at(start + timedelta(days=10)))
    delivery_record(by=admin, person=w["孙八"], kind=DeliveryKind.POCKET_BOOK, campaign=None,
                    delivered_at=at(start + timedelta(days=10)))
    w.first_reach = {"张三": week1 + timedelta(minutes=5), "钱七": week1 + timedelta(minutes=5),
                     "周九": week2 + timedelta(minutes=5), "王五": at(start + timedelta(days=9))}
    return w


@pytest.fixture
def world(street, campaign) -> World:
    return build_world(street, campaign)


def names(qs) -> set[str]:
    return set(qs.values_list("name", flat=True))


def rows(coverage, attr="groups") -> dict[str, tuple[int, int]]:
    return {r.key: (r.target, r.reached) for r in getattr(coverage, attr)}


# --- The figures of the street ----------------------------------------------------------------

def test_target_reached_and_rate_of_the_street(world):
    cov = coverage_for_org(world.campaign, world.s.street)
    assert (cov.target, cov.reached, cov.gaps, cov.rate) == (8, 4, 4, 50.0)
    assert names(coverage_target(world.campaign, [world.s.street])) == {
        "张三", "李四", "王五", "赵六", "钱七", "孙八", "周九", "郑十一"}
    assert names(coverage_gaps(world.campaign, [world.s.street])) == {"李四", "赵六", "孙八", "郑十一"}


def test_a_person_reached_twice_counts_once(world):
    # 张三: a lecture and a micro-class; 钱七: a lecture and an online delivery.
    assert Attendance.objects.filter(person=world["张三"], campaign=world.campaign).count() == 2
    cov = coverage_for_org(world.campaign, world.s.grid_a1)
    assert (cov.target, cov.reached) == (5, 3)  # 张三, 王五, 钱七 of 张三, 王五, 赵六, 钱七, 孙八


def test_every_group_row_adds_up_and_matches_the_gap_list(world):
    cov = coverage_for_org(world.campaign, world.s.street)
    expected = {
        "member_regular": (1, 0),  # 孙八
        "member_infirm": (2, 1),  # 王五 reached, 郑十一 not
        "member_mobile": (2, 1),  # 钱七 reached, 郑十一 not
        "group:student": (1, 1),  # 周九
        "group:retired": (2, 1),  # 张三 reached, 赵六 not
        "group:elderly": (1, 0),  # 赵六
        "resident_other": (1, 0),  # 李四
    }
    got = rows(cov)
    assert {k: v for k, v in got.items() if v != (0, 0)} == expected
    assert set(got) - set(expected) == {f"group:{g}" for g in (
        "enterprise_staff", "shop_owner", "civil_servant", "farmer_herder", "migrant_worker", "unemployed",
        "disabled", "veteran", "new_employment")}

    # reached + gaps = target for every row, and the gaps are the people of the gap list.
    gaps = list(coverage_gaps(world.campaign, [world.s.street]).prefetch_related("group_memberships"))
    def member(p):
        return getattr(p, "party_member", None)

    in_row = {
        "member_regular": lambda p: member(p) and not member(p).needs_home_delivery and not member(p).is_mobile,
        "member_infirm": lambda p: member(p) and member(p).needs_home_delivery,
        "member_mobile": lambda p: member(p) and member(p).is_mobile,
        "resident_other": lambda p: not member(p) and not p.group_codes,
    }
    for row in cov.groups:
        assert row.reached + row.gaps == row.target
        test = in_row.get(row.key) or (lambda p, g=row.key[6:]: not member(p) and g in p.group_codes)
        assert row.gaps == sum(1 for p in gaps if test(p)), row.key
    # Members' rows: 郑十一 is in two rows, every other member in one.
    members = [r for r in cov.groups if r.kind == "member"]
    assert sum(r.target for r in members) == 4 + 1


def test_by_way_counts_each_way_once_per_person(world):
    cov = coverage_for_org(world.campaign, world.s.street)
    ways = {w.key: w.reached for w in cov.ways if w.reached}
    assert ways == {"session:lecture": 2, "session:micro_class": 1, "session:outreach": 1,
                    "delivery:home": 1, "delivery:online": 1}
    assert sum(ways.values()) == 6 >= cov.reached
    # Every session and delivery kind has a row, so the API answers with stable keys.
    assert len(cov.ways) == len(SessionKind.values) + len(DeliveryKind.values)


def test_another_campaigns_attendance_and_a_delivery_without_campaign_do_not_count(world):
    # 李四 attended the other campaign's lecture and a forum of no campaign; 孙八 got a pocket
    # book outside any campaign.
    cov = coverage_for_org(world.campaign, world.s.community_b)
    assert (cov.target, cov.reached) == (3, 1)  # 李四, 周九, 郑十一: only 周九
    other = coverage_for_org(world.other_campaign, world.s.street)
    assert (other.target, other.reached) == (8, 1)  # only 李四
    assert names(coverage_gaps(world.campaign, [world.s.street])) >= {"李四", "孙八"}


def test_an_inactive_person_is_not_in_the_target(world):
    assert "吴十" not in names(coverage_target(world.campaign, [world.s.street]))


def test_week_by_week_is_cumulative_from_the_first_reach(world):
    cov = coverage_for_org(world.campaign, world.s.street)
    today = timezone.localdate()
    current = week_of(world.campaign, timezone.now())
    assert [w.number for w in cov.weeks] == list(range(1, current + 1))
    assert cov.weeks[0].starts_on.weekday() == 0 and cov.weeks[0].starts_on <= world.campaign.starts_on
    assert cov.weeks[-1].starts_on <= today <= cov.weeks[-1].ends_on
    new = {}
    for name, moment in world.first_reach.items():
        new[week_of(world.campaign, moment)] = new.get(week_of(world.campaign, moment), 0) + 1
    assert {w.number: w.new for w in cov.weeks if w.new} == new
    running = 0
    for w in cov.weeks:
        running += new.get(w.number, 0)
        assert w.cumulative == running
        assert w.rate == coverage_rate(running, 8)
    assert cov.weeks[-1].cumulative == cov.reached == 4
    # 张三's second attendance (week 3) and 钱七's delivery (week 2) are not first reaches.
    assert new == {week_of(world.campaign, world.first_reach["张三"]): 2,
                   week_of(world.campaign, world.first_reach["周九"]): 2}


def test_by_place_drills_down_and_adds_up(world):
    s = world.s
    street = coverage_for_org(world.campaign, s.street)
    assert [(r.org.code, r.target, r.reached) for r in street.places] == [
        ("BLP-C1", 5, 3), ("BLP-C2", 3, 1)]
    assert [(r.org.code, r.target, r.reached) for r in street.grids] == [("BLP-C1-G1", 5, 3), ("BLP-C2-G1", 3, 1)]
    assert sum(r.target for r in street.places) == street.target
    community = coverage_for_org(world.campaign, s.community_a)
    assert [(r.org.code, r.target, r.reached) for r in community.places] == [("BLP-C1-G1", 5, 3)]
    grid = coverage_for_org(world.campaign, s.grid_a1)
    assert [(r.org.code, r.target, r.reached) for r in grid.places] == [("BLP-C1-G1-B1", 5, 3)]
    assert [(r.org.code, r.target, r.reached) for r in grid.grids] == [("BLP-C1-G1", 5, 3)]
    building = coverage_for_org(world.campaign, s.building_a1)
    assert (building.target, building.reached, building.places, building.grids) == (5, 3, [], [])


def test_a_person_registered_directly_in_a_grid_has_a_row_of_their_own(world):
    add_person("陈十二", world.s.grid_a1, "散居-1")
    grid = coverage_for_org(world.campaign, world.s.grid_a1)
    assert [(r.org.code if r.org else None, r.target, r.reached) for r in grid.places] == [
        ("BLP-C1-G1-B1", 5, 3), (None, 1, 0)]
    assert sum(r.target for r in grid.places) == grid.target == 6


# --- Clipping to the scope -------------------------------------------------------------------

def test_an_org_above_the_scope_reads_the_campaigns_own_figures(world):
    s = world.s
    other_street = org_create(by=None, code="XM", name="西门街道", kind=OrgKind.STREET, parent=s.district)
    other_grid = org_create(by=None, code="XM-G", name="西门网格", kind=OrgKind.GRID,
                            parent=org_create(by=None, code="XM-C", name="西门社区", kind=OrgKind.COMMUNITY,
                                              parent=other_street))
    add_person("西门居民", other_grid, "1")
    street = coverage_for_org(world.campaign, s.street)
    for above in (s.district, s.city):
        cov = coverage_for_org(world.campaign, above)
        assert cov.clipped
        assert (cov.target, cov.reached, rows(cov)) == (street.target, street.reached, rows(street))
    assert not street.clipped
    # Drilling down from the district leads into the scope: its street holds everyone.
    district = coverage_for_org(world.campaign, s.district)
    assert [(r.org.code, r.target) for r in district.places if r.target] == [("BLP", 8)]
    # A street outside the scope has nobody to reach.
    outside = coverage_for_org(world.campaign, other_street)
    assert (outside.target, outside.reached, outside.weeks[-1].cumulative) == (0, 0, 0)
    assert outside.rate == 0.0


# --- Other targets ---------------------------------------------------------------------------

def test_units_target_the_members_of_their_branches_who_live_in_the_scope(world):
    s = world.s
    school = org_create(by=None, code="BLP-U1", name="八里铺小学", kind=OrgKind.UNIT, parent=s.street,
                        domain="school")
    school_branch = org_create(by=None, code="BLP-U1-P", name="八里铺小学党支部", kind=OrgKind.PARTY_BRANCH,
                               parent=school)
    teacher = add_person("冯老师", s.building_b1, "2-301", branch=school_branch)
    far = org_create(by=None, code="XM", name="西门街道", kind=OrgKind.STREET, parent=s.district)
    far_grid = org_create(by=None, code="XM-G", name="西门网格", kind=OrgKind.GRID,
                          parent=org_create(by=None, code="XM-C", name="西门社区", kind=OrgKind.COMMUNITY, parent=far))
    add_person("住在西门的老师", far_grid, "9", branch=school_branch)
    units_only = campaign_create(by=None, name="学校党员专题学习", slug="school", starts_on=world.campaign.starts_on,
                                 ends_on=world.campaign.ends_on, scope=s.street, targets_members=False,
                                 targets_residents=False, units=[school])
    assert names(coverage_target(units_only, [s.street])) == {"冯老师"}
    cov = coverage_for_org(units_only, s.street)
    assert (cov.target, cov.reached) == (1, 0)
    assert rows(cov) == {"member_regular": (1, 0), "member_infirm": (0, 0), "member_mobile": (0, 0)}
    delivery_record(by=None, person=teacher, kind=DeliveryKind.ONLINE, campaign=units_only)
    assert coverage_for_org(units_only, s.street).reached == 1
    assert coverage_for_org(units_only, s.community_a).target == 0  # the teacher lives in community B
    # Read at the unit itself: its members, by branch.
    at_school = coverage_for_org(units_only, school)
    assert (at_school.target, at_school.reached) == (1, 1)
    assert [(r.org.code, r.target) for r in at_school.places] == [("BLP-U1-P", 1)]
    # A campaign for all members counts the teacher once, with everyone else.
    assert coverage_for_org(world.campaign, s.street).target == 9


def test_resident_groups_target_only_residents_of_those_groups(world):
    s = world.s
    person_update(by=None, person=world["孙八"], groups=["retired"])  # a retired member: not a resident
    retired = campaign_create(by=None, name="退休人员宣讲", slug="retired", starts_on=world.campaign.starts_on,
                              ends_on=world.campaign.ends_on, scope=s.street, targets_members=False,
                              targets_residents=True, resident_groups=["retired"])
    assert names(coverage_target(retired, [s.street])) == {"张三", "赵六"}
    cov = coverage_for_org(retired, s.street)
    assert (cov.target, cov.reached) == (2, 0)  # 张三's attendance was in another campaign
    assert rows(cov) == {"group:retired": (2, 0)}  # 赵六 is also 老年人, which is not a row here


def test_a_campaign_scoped_to_a_community_reads_only_its_people(world):
    s = world.s
    community = campaign_create(by=None, name="社区活动", slug="community", starts_on=world.campaign.starts_on,
                                ends_on=world.campaign.ends_on, scope=s.community_a, targets_members=True,
                                targets_residents=True)
    assert coverage_for_org(community, s.street).target == 5
    assert coverage_for_org(community, s.community_b).target == 0
    assert coverage_for_org(community, s.grid_a1).target == 5


# --- The rate ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("reached", "target", "shown"), [
    (0, 0, 0.0), (0, 7, 0.0), (2, 3, 66.7), (1, 3, 33.3), (1, 8, 12.5), (3, 3, 100.0),
    (9999, 10000, 99.9),  # 99.99 would round to 100.0 while someone is missing
    (1, 10000, 0.1),  # 0.01 would round to 0.0 while someone is reached
    (1, 2000, 0.1), (1999, 2000, 99.9), (1, 16, 6.3),
])
def test_the_rate_has_one_decimal_and_never_hides_a_gap(reached, target, shown):
    assert coverage_rate(reached, target) == shown


# --- Cost ----------------------------------------------------------------------------------

def selects(ctx) -> list[str]:
    """The reads of a captured block (savepoints and ``SET LOCAL`` left out)."""
    return [q["sql"] for q in ctx.captured_queries if q["sql"].lstrip().upper().startswith("SELECT")]


def test_the_figures_take_a_fixed_number_of_queries(world):
    campaign = type(world.campaign).objects.select_related("scope").get(pk=world.campaign.pk)
    with CaptureQueriesContext(connection) as before:
        coverage_for_org(campaign, world.s.street)
    for i in range(20):
        add_person(f"新居民{i}", world.s.building_b1, f"3-{i}")
    campaign = type(world.campaign).objects.select_related("scope").get(pk=world.campaign.pk)
    with CaptureQueriesContext(connection) as after:
        cov = coverage_for_org(campaign, world.s.street)
    assert cov.target == 28
    # The target with first reaches, the resident groups, the two ways, the campaign's units, two
    # on orgs, and the areas marked for a count: however many people there are.
    assert len(selects(after)) == len(selects(before)) <= 8
