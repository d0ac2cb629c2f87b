"""Home visits (民情日记): who may record one, what bad input does, that a visit and the voices heard
at it are saved together or not at all, that a retried visit is one, and that visit coverage
equals a count by hand of the records made here — for the street, its communities, a grid and
its buildings, for the campaign's period and for all time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from tongxin.accounts.models import Role
from tongxin.accounts.services import account_create, role_grant
from tongxin.campaigns.services import campaign_create
from tongxin.core.models import AuditEntry
from tongxin.orgs.models import Household, OrgKind
from tongxin.orgs.services import household_create, org_create
from tongxin.testing import PASSWORD
from tongxin.voices.models import Channel, Visit, VisitReason, Voice, VoiceStatus
from tongxin.voices.selectors.visits import (
    ORDINARY,
    Period,
    households_not_visited,
    period_for,
    visit_coverage,
    visit_list,
    visit_progress,
    visits_by,
)
from tongxin.voices.services.visits import visit_record

R = VisitReason
ALL_ROLES = [role.value for role in Role]
RECORDERS = {"street_admin", "community_worker", "grid_worker", "building_head"}


def ago(**delta):
    return timezone.now() - timedelta(**delta)


def record(street, role="grid_worker", household=None, **kwargs):
    kwargs.setdefault("visited_at", ago(minutes=10))
    kwargs.setdefault("reasons", [])
    return visit_record(by=street.accounts[role], household=household or street.household_a, **kwargs)


# --- Recording ----------------------------------------------------------------------------------

def test_a_visit_and_what_was_heard_become_a_visit_and_voices(street, campaign):
    visit = record(street, reasons=[R.HARDSHIP, R.OLD_SICK], notes="老两口身体尚可，子女在外地", campaign=campaign,
                   heard=[{"kind": "difficulty", "text": "楼道灯坏了一个多月，晚上上下楼不安全", "urgent": True,
                           "person": street.resident_a},
                          {"kind": "wish", "text": "希望社区组织一次义诊活动"}])
    assert (visit.household, visit.org, visit.org_path) == (
        street.household_a, street.building_a1, street.building_a1.path)
    assert visit.visitor == street.accounts["grid_worker"] and visit.visitor_name == "grid_worker"
    assert (visit.for_hardship, visit.for_returned_worker, visit.for_petitioner, visit.for_old_sick) == (
        True, False, False, True)
    assert visit.reasons == [R.HARDSHIP, R.OLD_SICK] and visit.campaign == campaign
    assert visit.visited_at.second == 0 and visit.visited_at.microsecond == 0
    first, second = visit.voices.order_by("id")
    assert (first.kind, first.channel, first.urgent, first.person, first.household, first.org) == (
        "difficulty", Channel.VISIT, True, street.resident_a, street.household_a, street.building_a1)
    assert (second.kind, second.person, second.speaker_name, second.urgent) == ("wish", None, "", False)
    assert {v.status for v in (first, second)} == {VoiceStatus.SUBMITTED}
    assert first.recorded_by == street.accounts["grid_worker"] and first.campaign == campaign
    entry = AuditEntry.objects.get(action="visit_recorded")
    assert entry.object_id == str(visit.pk) and entry.changes["heard"] == 2
    assert entry.changes["reasons"] == ["hardship", "old_sick"] and entry.changes["campaign"] == campaign.slug


def test_a_visit_without_a_reason_is_an_ordinary_visit(street):
    visit = record(street)
    assert visit.reasons == [] and not visit.voices.exists()


@pytest.mark.parametrize("role", ALL_ROLES)
def test_who_may_record_a_visit_in_community_a(street, role):
    if role in RECORDERS:
        assert record(street, role=role).pk
    else:
        with pytest.raises(PermissionError):
            record(street, role=role)
        assert not Visit.objects.exists()


@pytest.mark.parametrize("role, allowed", [
    ("street_admin", True), ("community_worker", False), ("grid_worker", False), ("building_head", False),
])
def test_staff_of_community_a_may_not_record_in_community_b(street, role, allowed):
    if allowed:
        assert record(street, role=role, household=street.household_b).household == street.household_b
    else:
        with pytest.raises(PermissionError):
            record(street, role=role, household=street.household_b)


def test_a_visit_by_an_account_whose_name_is_a_phone_number_keeps_it_masked(street):
    worker = account_create(by=None, username="13612341234", password=PASSWORD)
    role_grant(by=None, user=worker, role=Role.GRID_WORKER, org=street.grid_a1)
    visit = visit_record(by=worker, household=street.household_a, visited_at=ago(minutes=1), reasons=[])
    assert visit.visitor_name == "136****1234"


# --- Bad input ----------------------------------------------------------------------------------

@pytest.mark.parametrize("visited_at, field", [
    (None, "visited_at"),
    (timezone.now() + timedelta(hours=2), "visited_at"),
    (timezone.now() - timedelta(days=400), "visited_at"),
])
def test_a_visit_at_an_impossible_time_is_refused(street, visited_at, field):
    with pytest.raises(ValidationError) as error:
        record(street, visited_at=visited_at)
    assert field in error.value.message_dict
    assert not Visit.objects.exists()


def test_a_phone_clock_a_little_ahead_is_forgiven(street):
    assert record(street, visited_at=timezone.now() + timedelta(minutes=3)).pk


def test_a_campaign_visit_must_fall_in_the_campaign_and_its_scope(street, campaign):
    with pytest.raises(ValidationError) as error:
        record(street, campaign=campaign, visited_at=ago(weeks=5))
    assert "主题活动期间" in error.value.message_dict["visited_at"][0]
    today = timezone.localdate()
    elsewhere = campaign_create(by=None, name="学院社区专项走访", slug="xueyuan", starts_on=today - timedelta(days=7),
                                ends_on=today + timedelta(days=7), scope=street.community_b, targets_residents=True)
    with pytest.raises(ValidationError) as error:
        record(street, campaign=elsewhere)
    assert error.value.message_dict["campaign"] == ["该户不在主题活动范围内"]


@pytest.mark.parametrize("kwargs, field", [
    ({"reasons": ["visit_everyone"]}, "reasons"),
    ({"notes": "很" * 2001}, "notes"),
    ({"heard": [{"kind": "opinion", "text": f"第{i}条意见的内容"} for i in range(21)]}, "heard"),
])
def test_bad_fields_are_refused(street, kwargs, field):
    with pytest.raises(ValidationError) as error:
        record(street, **kwargs)
    assert field in error.value.message_dict
    assert not Visit.objects.exists() and not Voice.objects.exists()


@pytest.mark.parametrize("bad_item, message", [
    ({"kind": "opinion", "text": "短"}, "第2条：请把要反映的事情写清楚（至少 4 个字）"),
    ({"kind": "gossip", "text": "说了很多家长里短的事"}, "第2条：请选择反映的类型"),
    ({"kind": "opinion", "text": "隔壁楼的情况也要反映一下", "person": "resident_b"}, "第2条：反映人不是该户成员"),
])
def test_one_bad_item_rejects_the_whole_visit_naming_the_item(street, bad_item, message):
    if bad_item.get("person") == "resident_b":
        bad_item = {**bad_item, "person": street.resident_b}
    heard = [{"kind": "opinion", "text": "小区停车太乱，希望划线"}, bad_item,
             {"kind": "wish", "text": "希望加装电梯"}]
    with pytest.raises(ValidationError) as error:
        record(street, reasons=[R.OLD_SICK], heard=heard)
    assert error.value.message_dict["heard"] == [message]
    assert not Visit.objects.exists() and not Voice.objects.exists()
    assert not AuditEntry.objects.filter(action__in=["visit_recorded", "voice_submitted"]).exists()


def test_an_item_refused_while_saving_rolls_back_the_visit_and_the_items_before_it(street, monkeypatch):
    """The items are checked before anything is saved; should intake still refuse one (a rule the
    visit does not know), the visit and the voices already written go too."""
    from tongxin.voices.services import intake, visits

    calls = []

    def refuse_second(**kwargs):
        calls.append(kwargs["text"])
        if len(calls) == 2:
            raise ValidationError({"text": "内容含有不允许的字符"})
        return intake.voice_submit(**kwargs)

    monkeypatch.setattr(visits, "voice_submit", refuse_second)
    with pytest.raises(ValidationError) as error:
        record(street, heard=[{"kind": "opinion", "text": "第一条意见的内容"},
                              {"kind": "opinion", "text": "第二条意见的内容"}])
    assert error.value.message_dict["heard"] == ["第2条：内容含有不允许的字符"]
    assert len(calls) == 2 and not Visit.objects.exists() and not Voice.objects.exists()


# --- Retries ------------------------------------------------------------------------------------

def test_the_same_visit_sent_twice_is_one(street):
    at = timezone.localtime().replace(second=5, microsecond=0) - timedelta(minutes=3)
    heard = [{"kind": "opinion", "text": "垃圾桶太少，夏天味道大"}]
    first = record(street, visited_at=at, reasons=[R.HARDSHIP], heard=heard)
    again = record(street, visited_at=at.replace(second=50), reasons=[R.HARDSHIP], heard=heard)
    assert again.pk == first.pk
    assert Visit.objects.count() == 1 and Voice.objects.count() == 1
    assert AuditEntry.objects.filter(action="visit_recorded").count() == 1


def test_another_visitor_or_another_minute_is_another_visit(street):
    at = timezone.localtime().replace(second=0, microsecond=0) - timedelta(minutes=30)
    record(street, visited_at=at)
    record(street, role="building_head", visited_at=at)
    record(street, visited_at=at + timedelta(minutes=1))
    assert Visit.objects.count() == 3


# --- Coverage -----------------------------------------------------------------------------------

@dataclass
class Records:
    grid_a2: object
    building_a2: object
    households: dict[str, Household]
    visits: list[Visit]
    before: Visit  # made before the campaign


@pytest.fixture
def records(street, campaign) -> Records:
    """Seven households, four of them in hardship, and five visits, one before the campaign:

    community_a ─ grid_a1 ─ building_a1: a (1-101), a2 (1-102, hardship), a3 (1-103)
                │         └ held by the grid itself: a4 (平房1, hardship)
                └ grid_a2 ─ building_a2: a5 (2-101, hardship)
    community_b ─ grid_b1 ─ building_b1: b (2-202), b2 (2-203, hardship)
    """
    grid_a2 = org_create(by=None, code="BLP-C1-G2", name="八里铺第二网格", kind=OrgKind.GRID, parent=street.community_a)
    building_a2 = org_create(by=None, code="BLP-C1-G2-B1", name="2号楼", kind=OrgKind.BUILDING, parent=grid_a2)
    h = {
        "a": street.household_a,
        "a2": household_create(by=None, org=street.building_a1, number="1-102", in_hardship=True),
        "a3": household_create(by=None, org=street.building_a1, number="1-103"),
        "a4": household_create(by=None, org=street.grid_a1, number="平房1", in_hardship=True),
        "a5": household_create(by=None, org=building_a2, number="2-101", in_hardship=True),
        "b": street.household_b,
        "b2": household_create(by=None, org=street.building_b1, number="2-203", in_hardship=True),
    }
    visits = [
        record(street, household=h["a"], reasons=[R.OLD_SICK], visited_at=ago(days=3), campaign=campaign,
               heard=[{"kind": "opinion", "text": "小区停车太乱，希望划线"},
                      {"kind": "wish", "text": "希望给老人装个扶手", "urgent": True, "person": street.member_a}]),
        record(street, household=h["a"], reasons=[R.RETURNED_WORKER, R.OLD_SICK], visited_at=ago(days=1)),
        record(street, role="building_head", household=h["a2"], reasons=[R.HARDSHIP], visited_at=ago(days=2),
               heard=[{"kind": "difficulty", "text": "家里暖气不热，老人受冻", "urgent": True}]),
        record(street, role="street_admin", household=h["b2"], visited_at=ago(days=5)),
    ]
    before = record(street, household=h["a4"], reasons=[R.HARDSHIP], visited_at=ago(weeks=6),
                    heard=[{"kind": "suggestion", "text": "建议平房区装路灯"}])
    return Records(grid_a2, building_a2, h, visits, before)


def _by_hand(households, visits, period: Period):
    """The four coverage figures counted in Python from the records."""
    seen = {v.household_id for v in visits if period.since is None
            or timezone.localtime(v.visited_at).date() >= period.since}
    hardship = [x for x in households if x.in_hardship]
    return (len(households), sum(x.pk in seen for x in households), len(hardship),
            sum(x.pk in seen for x in hardship))


def _figures(row):
    return row.households, row.visited, row.hardship, row.hardship_visited


def test_street_coverage_in_the_campaign_equals_a_count_by_hand(street, campaign, records):
    period = period_for(campaign=campaign)
    everything = [*records.visits, records.before]
    coverage = visit_coverage(street.street, campaign=campaign)
    assert coverage.period == period
    assert _figures(coverage) == _by_hand(list(records.households.values()), everything, period) == (7, 3, 4, 2)
    assert (coverage.rate, coverage.hardship_rate) == (42.9, 50.0)
    by_org = {row.org: row for row in coverage.places}
    assert list(by_org) == [street.community_a, street.community_b]  # by name: 八 before 学
    h = records.households
    a_side = [h["a"], h["a2"], h["a3"], h["a4"], h["a5"]]
    assert _figures(by_org[street.community_a]) == _by_hand(a_side, everything, period) == (5, 2, 3, 1)
    assert _figures(by_org[street.community_b]) == _by_hand([h["b"], h["b2"]], everything, period) == (2, 1, 1, 1)
    assert coverage.visits == 4 and coverage.visitors == 3
    reasons = {row.key: row.count for row in coverage.reasons}
    assert reasons == {"hardship": 1, "returned_worker": 1, "petitioner": 0, "old_sick": 2, ORDINARY: 1}
    assert (coverage.heard, coverage.heard_urgent) == (3, 2)
    assert {row.key: (row.count, row.urgent) for row in coverage.heard_by_kind if row.count} == {
        "opinion": (1, 0), "wish": (1, 1), "difficulty": (1, 1)}


def test_all_time_coverage_counts_the_visit_before_the_campaign(street, records):
    coverage = visit_coverage(street.street)
    assert coverage.period == Period()
    assert _figures(coverage) == (7, 4, 4, 3)
    assert coverage.visits == 5 and coverage.heard == 4
    assert {row.key: row.count for row in coverage.reasons}["hardship"] == 2


def test_drill_down_from_a_community_to_its_grids_and_a_grid_to_its_buildings(street, campaign, records):
    period = period_for(campaign=campaign)
    community = visit_coverage(street.community_a, period=period)
    by_org = {row.org: row for row in community.places}
    assert set(by_org) == {street.grid_a1, records.grid_a2}
    assert _figures(by_org[street.grid_a1]) == (4, 2, 2, 1)
    assert _figures(by_org[records.grid_a2]) == (1, 0, 1, 0)
    grid = visit_coverage(street.grid_a1, period=period)
    assert [(row.org, row.label, _figures(row)) for row in grid.places] == [
        (street.building_a1, "1号楼", (3, 2, 1, 1)),
        (None, "直属住户", (1, 0, 1, 0)),  # 平房1, held by the grid itself
    ]
    assert _figures(grid) == (4, 2, 2, 1)
    building = visit_coverage(street.building_a1, period=period)
    assert building.places == [] and _figures(building) == (3, 2, 1, 1)
    assert _figures(visit_progress([street.grid_a1.path, records.grid_a2.path], period)) == (5, 2, 3, 1)


def test_coverage_is_a_few_queries_whatever_the_number_of_households(street, campaign, records,
                                                                     django_assert_max_num_queries):
    for n in range(30):
        household_create(by=None, org=street.building_b1, number=f"3-{n:03d}", in_hardship=n % 3 == 0)
    with django_assert_max_num_queries(4):
        coverage = visit_coverage(street.street, campaign=campaign)
    assert coverage.households == 37 and coverage.hardship == 14


def test_households_not_visited_put_hardship_first(street, campaign, records):
    period = period_for(campaign=campaign)
    h = records.households
    rows = list(households_not_visited([street.grid_a1.path], period))
    assert [x.number for x in rows] == ["平房1", "1-103"]
    assert rows[0].last_visited_at == records.before.visited_at and rows[1].last_visited_at is None
    assert [p.name for p in rows[0].residents] == [] and rows[1].org == street.building_a1
    street_rows = list(households_not_visited([street.street.path], period))
    assert {x.pk for x in street_rows} == {h["a3"].pk, h["a4"].pk, h["a5"].pk, h["b"].pk}
    flags = [x.in_hardship for x in street_rows]
    assert flags == sorted(flags, reverse=True)  # hardship households first
    # All time, 平房1 was visited.
    assert [x.number for x in households_not_visited([street.grid_a1.path], Period())] == ["1-103"]


def test_the_visit_list_filters_by_reason_visitor_period_and_search(street, records):
    admin = street.accounts["street_admin"]
    every = visit_list(user=admin)
    assert every.count() == 5
    assert {v.household.number for v in visit_list(user=admin, reason="hardship")} == {"1-102", "平房1"}
    assert [v.household.number for v in visit_list(user=admin, reason=ORDINARY)] == ["2-203"]
    assert visit_list(user=admin, visitor=street.accounts["building_head"].pk).get().household.number == "1-102"
    assert visit_list(user=admin, q="102").get().household.number == "1-102"
    assert visit_list(user=admin, q="张").count() == 2  # 张三 lives in 1-101
    assert visit_list(user=admin, q="zs").count() == 2
    assert visit_list(user=admin, q="grid").count() == 3  # the visitor's name
    assert visit_list(user=admin, period=Period(since=timezone.localdate() - timedelta(days=2))).count() == 2
    assert [v.heard for v in visit_list(user=admin, sort="-heard")][:2] == [2, 1]
    dates = [v.visited_at for v in visit_list(user=admin, sort="date")]
    assert dates == sorted(dates)


@pytest.mark.parametrize("role, count", [
    ("street_admin", 5), ("superior", 5), ("community_worker", 4), ("grid_worker", 4), ("building_head", 3),
    ("party_member", 0), ("resident", 0),
])
def test_the_visit_list_stays_in_the_account_scope(street, records, role, count):
    assert visit_list(user=street.accounts[role]).count() == count


def test_a_visitor_sees_their_own_recent_visits(street, records):
    mine = visits_by(street.accounts["grid_worker"])
    assert [v.household.number for v in mine] == ["1-101", "1-101", "平房1"]
    assert [v.heard for v in mine] == [0, 2, 1]
    assert visits_by(street.accounts["street_admin"])[0].household.number == "2-203"

