"""The coverage rows (``CoverageEntry``) kept by the services: after every kind of write, the rows
are exactly what a rebuild from the registry and the records writes, and the figures read from
them agree with the live definitions (``coverage_target``, ``reached_q``) group by group.

Three campaigns over the small street of ``tongxin.testing`` keep different targets in step at
once: ``gandangen`` (all members and residents), ``retired`` (retired residents and the members
of a school's branch) and ``school`` (scoped to the school itself: its members, wherever they
live).
"""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone

from tongxin.campaigns.models import CampaignStatus
from tongxin.campaigns.services import campaign_create, campaign_update
from tongxin.learning.checkin_codes import make_code
from tongxin.learning.models import CoverageEntry, DeliveryKind, SessionKind
from tongxin.learning.selectors.coverage import coverage_for_org, coverage_gaps, coverage_target, reached_q
from tongxin.learning.services.attendance import attendance_checkin, attendance_record_roster
from tongxin.learning.services.coverage import coverage_rebuild
from tongxin.learning.services.deliveries import delivery_record
from tongxin.learning.services.sessions import session_create
from tongxin.orgs.models import OrgKind
from tongxin.orgs.services import org_create
from tongxin.people.models import PersonGroup
from tongxin.people.roster import roster_import
from tongxin.people.services import (
    PersonData, party_member_build, party_member_bulk_create, party_member_remove, party_member_save,
    person_build, person_bulk_create, person_create, person_update,
)
from tongxin.people.tests.test_roster_import import row, write_roster

from .test_coverage import add_person, at

_FIELDS = ["person_id", "name", "place_id", "place_path", "area_id", "branch_id", "branch_path", "member_class",
           "groups", "first_reached_at", "ways"]


def rows_of(campaign) -> list[tuple]:
    return list(CoverageEntry.objects.filter(campaign=campaign).order_by("person_id").values_list(*_FIELDS))


class Setting:
    def __init__(self, s, campaign):
        self.s = s
        self.admin = s.accounts["street_admin"]
        self.school = org_create(by=None, code="BLP-U1", name="八里铺小学", kind=OrgKind.UNIT, parent=s.street,
                                 domain="school")
        self.school_branch = org_create(by=None, code="BLP-U1-P", name="八里铺小学党支部",
                                        kind=OrgKind.PARTY_BRANCH, parent=self.school)
        self.teacher = add_person("冯老师", s.building_b1, "2-301", branch=self.school_branch)
        self.retiree = add_person("赵六", s.building_b1, "2-302", groups=["retired", "elderly"])
        self.main = campaign
        self.retired = campaign_create(by=None, name="退休人员宣讲", slug="retired", starts_on=campaign.starts_on,
                                       ends_on=campaign.ends_on, scope=s.street, targets_members=False,
                                       targets_residents=True, resident_groups=["retired"], units=[self.school])
        self.at_school = campaign_create(by=None, name="学校党员专题学习", slug="school",
                                         starts_on=campaign.starts_on, ends_on=campaign.ends_on, scope=self.school,
                                         targets_members=True)
        self.campaigns = [self.main, self.retired, self.at_school]

    def session(self, campaign, kind=SessionKind.LECTURE, org=None, starts_at=None):
        starts_at = starts_at or timezone.now() - timedelta(minutes=10)
        return session_create(by=self.admin, org=org or self.s.street, kind=kind, topic="学习", starts_at=starts_at,
                              ends_at=starts_at + timedelta(hours=2), campaign=campaign,
                              outreach_place="compound" if kind == SessionKind.OUTREACH else "")


@pytest.fixture
def setting(street, campaign):
    return Setting(street, campaign)


def assert_in_step(setting: Setting) -> None:
    """The kept rows equal a rebuild, and agree with the live definitions group by group."""
    for campaign in setting.campaigns:
        kept = rows_of(campaign)
        coverage_rebuild(campaign)
        assert kept == rows_of(campaign), campaign.slug
        assert_figures_live(campaign)


def assert_figures_live(campaign) -> None:
    scope = campaign.scope
    target = coverage_target(campaign, [scope])
    reached = target.filter(reached_q(campaign))
    cov = coverage_for_org(campaign, scope)
    assert (cov.target, cov.reached) == (target.count(), reached.count())
    gap_ids = set(coverage_gaps(campaign, [scope]).values_list("pk", flat=True))
    assert gap_ids == set(target.exclude(pk__in=reached.values("pk")).values_list("pk", flat=True))
    live = {
        "member_regular": dict(party_member__isnull=False, party_member__needs_home_delivery=False,
                               party_member__is_mobile=False),
        "member_infirm": dict(party_member__needs_home_delivery=True),
        "member_mobile": dict(party_member__is_mobile=True),
        "resident_other": dict(party_member__isnull=True, group_memberships__isnull=True),
        **{f"group:{code}": dict(party_member__isnull=True, group_memberships__group=code)
           for code in PersonGroup.values},
    }
    for group in cov.groups:
        persons = target.filter(**live[group.key])
        in_group = set(persons.values_list("pk", flat=True))
        assert group.target == len(in_group), (campaign.slug, group.key)
        assert group.reached == persons.filter(reached_q(campaign)).count(), (campaign.slug, group.key)
        assert group.gaps == len(in_group & gap_ids), (campaign.slug, group.key)
        assert group.reached + group.gaps == group.target


# --- Study recorded ----------------------------------------------------------------------------

def test_rows_are_written_when_a_campaign_is_created(setting):
    s = setting.s
    assert {r[1] for r in rows_of(setting.main)} == {"张三", "李四", "王五", "冯老师", "赵六"}
    assert {r[1] for r in rows_of(setting.retired)} == {"张三", "赵六", "冯老师"}
    assert {r[1] for r in rows_of(setting.at_school)} == {"冯老师"}
    assert all(r[-2] is None and r[-1] == 0 for c in setting.campaigns for r in rows_of(c))
    entry = CoverageEntry.objects.get(campaign=setting.main, person=s.member_a)
    assert (entry.place_id, entry.area_id, entry.branch_id) == (s.building_a1.pk, s.grid_a1.pk, s.branch_a.pk)
    assert_in_step(setting)


def test_a_qr_check_in_marks_the_person_reached(setting):
    s = setting.s
    session = setting.session(setting.main, SessionKind.GROUP_STUDY, org=s.community_a)
    now = timezone.now()
    attendance_checkin(by=s.accounts["resident"], session=session, token=make_code(session, now=now), now=now)
    entry = CoverageEntry.objects.get(campaign=setting.main, person=s.resident_a)
    assert entry.first_reached_at == now and entry.ways != 0
    assert_in_step(setting)


def test_a_roster_tick_marks_every_person_and_keeps_the_earliest_reach(setting):
    s = setting.s
    late = setting.session(setting.main, SessionKind.LECTURE)
    start = setting.main.starts_on
    early = setting.session(setting.retired, SessionKind.OUTREACH, starts_at=at(start + timedelta(days=1)))
    attendance_record_roster(by=setting.admin, session=late, persons=[s.resident_a, s.resident_b, setting.teacher])
    # An earlier session of the main campaign entered afterwards from a paper sheet.
    sheet = setting.session(setting.main, SessionKind.OUTREACH, starts_at=at(start + timedelta(days=2)))
    attendance_record_roster(by=setting.admin, session=sheet, persons=[s.resident_a], method="sign_sheet",
                             checked_in_at=sheet.starts_at)
    attendance_record_roster(by=setting.admin, session=early, persons=[setting.retiree, s.resident_b],
                             method="sign_sheet", checked_in_at=early.starts_at)
    entry = CoverageEntry.objects.get(campaign=setting.main, person=s.resident_a)
    assert entry.first_reached_at == sheet.starts_at
    cov = coverage_for_org(setting.main, s.street)
    assert {w.key: w.reached for w in cov.ways if w.reached} == {"session:lecture": 3, "session:outreach": 1}
    assert_in_step(setting)


def test_a_delivery_marks_the_person_reached(setting):
    s = setting.s
    delivery_record(by=None, person=s.member_a, kind=DeliveryKind.HOME, campaign=setting.main)
    delivery_record(by=None, person=s.member_a, kind=DeliveryKind.POCKET_BOOK, campaign=setting.main)
    delivery_record(by=None, person=setting.teacher, kind=DeliveryKind.ONLINE, campaign=setting.at_school)
    delivery_record(by=None, person=s.resident_b, kind=DeliveryKind.ONLINE)  # no campaign: no row changes
    cov = coverage_for_org(setting.main, s.street)
    assert {w.key: w.reached for w in cov.ways if w.reached} == {"delivery:home": 1, "delivery:pocket_book": 1}
    assert coverage_for_org(setting.at_school, setting.school).reached == 1
    assert_in_step(setting)


# --- The registry changes ----------------------------------------------------------------------

def test_a_person_moved_to_another_grid_renamed_or_regrouped(setting):
    s = setting.s
    attendance_record_roster(by=setting.admin, session=setting.session(setting.main), persons=[s.resident_a])
    person_update(by=None, person=s.resident_a, org=s.building_b1)
    entry = CoverageEntry.objects.get(campaign=setting.main, person=s.resident_a)
    assert (entry.area_id, entry.place_path) == (s.grid_b1.pk, s.building_b1.path)
    assert entry.first_reached_at is not None  # the reach moves with the person
    assert_in_step(setting)
    person_update(by=None, person=s.resident_b, groups=["retired", "student"], name="李四光")
    assert CoverageEntry.objects.get(campaign=setting.retired, person=s.resident_b).name == "李四光"
    person_update(by=None, person=setting.retiree, groups=[])  # no longer in the retired campaign
    assert not CoverageEntry.objects.filter(campaign=setting.retired, person=setting.retiree).exists()
    assert_in_step(setting)


def test_a_person_moved_out_of_the_scope_leaves_its_rows(setting):
    s = setting.s
    far = org_create(by=None, code="XM", name="西门街道", kind=OrgKind.STREET, parent=s.district)
    far_grid = org_create(by=None, code="XM-G", name="西门网格", kind=OrgKind.GRID,
                          parent=org_create(by=None, code="XM-C", name="西门社区", kind=OrgKind.COMMUNITY, parent=far))
    person_update(by=None, person=setting.teacher, org=far_grid)
    assert not CoverageEntry.objects.filter(campaign=setting.main, person=setting.teacher).exists()
    # The school's own campaign holds its members wherever they live.
    assert CoverageEntry.objects.filter(campaign=setting.at_school, person=setting.teacher).exists()
    assert_in_step(setting)


def test_membership_and_its_flags(setting):
    s = setting.s
    party_member_save(by=None, person=s.resident_b, branch=setting.school_branch, joined_on=date(2001, 7, 1))
    assert CoverageEntry.objects.filter(campaign=setting.at_school, person=s.resident_b).exists()
    assert_in_step(setting)
    party_member_save(by=None, person=s.resident_b, branch=setting.school_branch, joined_on=date(2001, 7, 1),
                      needs_home_delivery=True, is_mobile=True)
    cov = coverage_for_org(setting.main, s.street)
    assert {g.key: g.target for g in cov.groups if g.kind == "member"} == {
        "member_regular": 1, "member_infirm": 2, "member_mobile": 1}
    assert_in_step(setting)
    party_member_remove(by=None, person=s.resident_b)
    assert not CoverageEntry.objects.filter(campaign=setting.at_school, person=s.resident_b).exists()
    assert_in_step(setting)


def test_a_person_deactivated_or_added(setting):
    s = setting.s
    person_update(by=None, person=s.resident_b, is_active=False)
    assert not CoverageEntry.objects.filter(person=s.resident_b).exists()
    person_create(by=None, data=PersonData(name="孙新", org=s.building_a1, groups=["retired"]))
    assert_in_step(setting)
    person_update(by=None, person=s.resident_b, is_active=True)
    assert CoverageEntry.objects.filter(campaign=setting.main, person=s.resident_b).count() == 1
    assert_in_step(setting)


def test_a_bulk_load_and_a_roster_import(setting, tmp_path):
    s = setting.s
    persons = person_bulk_create(by=None, rows=[
        (person_build(PersonData(name=f"批量{i}", org=s.building_a1)), ["retired"] if i % 2 else []) for i in range(7)])
    party_member_bulk_create(by=None, members=[party_member_build(person=p, branch=setting.school_branch)
                                               for p in persons[:3]])
    assert CoverageEntry.objects.filter(campaign=setting.at_school).count() == 4
    path = write_roster(tmp_path / "roster.xlsx", [
        row(501, "导入甲", 人员类别="退休人员"),
        row(502, "导入乙", 是否党员="是", 入党日期="2001-07-01", 所在支部="八里铺社区第一党支部", **{"老弱病残(需送学上门)": "是"}),
    ])
    result = roster_import(by=None, org=s.community_a, file=path)
    assert not result.errors
    assert {"导入甲", "导入乙"} <= {r[1] for r in rows_of(setting.main)}
    assert_in_step(setting)


# --- The campaign changes ----------------------------------------------------------------------

def test_a_campaign_whose_target_changes_is_rebuilt(setting):
    s = setting.s
    attendance_record_roster(by=setting.admin, session=setting.session(setting.retired), persons=[s.resident_a])
    campaign_update(by=None, campaign=setting.retired, resident_groups=["elderly"], units=[])
    assert {r[1] for r in rows_of(setting.retired)} == {"赵六"}
    campaign_update(by=None, campaign=setting.retired, resident_groups=[])
    assert {r[1] for r in rows_of(setting.retired)} == {"张三", "李四", "赵六"}
    assert CoverageEntry.objects.get(campaign=setting.retired, person=s.resident_a).first_reached_at is not None
    assert_in_step(setting)


def test_a_closed_campaign_keeps_its_rows_until_it_reopens(setting):
    s = setting.s
    campaign_update(by=None, campaign=setting.retired, status=CampaignStatus.CLOSED)
    person_update(by=None, person=setting.retiree, is_active=False)
    assert CoverageEntry.objects.filter(campaign=setting.retired, person=setting.retiree).exists()
    campaign_update(by=None, campaign=setting.retired, status=CampaignStatus.ACTIVE)
    assert not CoverageEntry.objects.filter(campaign=setting.retired, person=setting.retiree).exists()
    assert CoverageEntry.objects.filter(campaign=setting.main, person=s.resident_a).exists()
    assert_in_step(setting)


def test_the_rebuild_command(setting):
    CoverageEntry.objects.all().delete()
    call_command("coverage_rebuild", stdout=io.StringIO())
    assert CoverageEntry.objects.filter(campaign=setting.main).count() == 5
    CoverageEntry.objects.filter(campaign=setting.main).delete()
    call_command("coverage_rebuild", "--campaign", "gandangen", stdout=io.StringIO())
    assert_in_step(setting)


# --- Deliveries within a unit's campaign -------------------------------------------------------

def test_a_unit_campaign_takes_deliveries_for_its_members_wherever_they_live(setting):
    """The scope of a unit holds its branches' members (they live in the places around it): a
    delivery in the unit's campaign is recorded for them, and refused for anyone else."""
    s = setting.s
    delivery = delivery_record(by=None, person=setting.teacher, kind=DeliveryKind.ONLINE, campaign=setting.at_school)
    assert delivery.campaign == setting.at_school
    assert coverage_for_org(setting.at_school, setting.school).reached == 1
    for outsider in (s.resident_a, s.member_a):  # a resident; a member of a community branch
        with pytest.raises(ValidationError) as refused:
            delivery_record(by=None, person=outsider, kind=DeliveryKind.ONLINE, campaign=setting.at_school)
        assert refused.value.message_dict == {"person": ["该人员不在本次活动范围内"]}
