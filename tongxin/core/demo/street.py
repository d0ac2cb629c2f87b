"""One street built the way a street office would register it, through the services.

``StreetBuilder`` makes the tree (street, 党工委 and its 机关党支部, units of several domains,
communities with their 党委 and branches, grids, buildings), fills the buildings with households,
gives the street its staff (班子成员, 机关干部, 社区工作者, 网格员, 楼栋长), its party members
(about 6 %, older members needing study at home, mobile members, members in hardship), and the
responsibility that ties them together: 包片 for leaders, 包楼 for cadres, 包户 for community
staff, 结对助学 for young members, and a few 群众监督员. The demo street also gets the demo accounts.

Everything random comes from one ``random.Random`` seeded per street, so the same street comes
out every time. Only the probationary members' join dates follow the calendar (they must fall
within the last year to be probationary).
"""

from __future__ import annotations

import heapq
import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings

from tongxin.accounts.models import Role, User
from tongxin.accounts.services import account_create, role_grant
from tongxin.core.audit import AuditAction, audit_record
from tongxin.orgs.models import Domain, Org, OrgKind
from tongxin.orgs.services import household_build, org_build, org_bulk_create, org_create
from tongxin.people.models import MemberStatus, PersonGroup, ResponsibilityKind
from tongxin.people.services import (
    PersonData, party_member_build, person_build, responsibility_build, responsibility_bulk_assign,
    study_pair_bulk_create, supervisor_appoint,
)

from .bulk import ServiceWriter
from .logins import DEMO_LOGINS
from .names import REFERENCE_DATE, IdentityFactory, chinese_ordinal
from .population import HouseholdPlan, PopulationFactory, Resident

SEED = 2024
CITY = ("TL", "通辽市")
DISTRICT = ("KEQ", "科尔沁区")
DEMO_STREET_CODE = "BLP"

MEMBER_SHARE = 0.06
HOME_DELIVERY_SHARE = 0.08
MOBILE_SHARE = 0.10
PROBATIONARY_SHARE = 0.03
MEMBER_HARDSHIP_SHARE = 0.04
HOUSEHOLD_HARDSHIP_SHARE = 0.03
BUILDINGS_PER_CADRE = 15
WORK_GROUPS = {
    PersonGroup.ENTERPRISE_STAFF, PersonGroup.CIVIL_SERVANT, PersonGroup.SHOP_OWNER, PersonGroup.NEW_EMPLOYMENT,
    PersonGroup.MIGRANT_WORKER, PersonGroup.UNEMPLOYED, PersonGroup.FARMER_HERDER, PersonGroup.STUDENT,
    PersonGroup.RETIRED,
}


@dataclass
class CommunitySpec:
    name: str
    compounds: list[str]  # residential compounds (小区); for a village, unused
    grids: int
    buildings: tuple[int, int]  # buildings per grid, min and max
    address: str = ""


@dataclass
class UnitSpec:
    name: str
    domain: str
    co_building: bool = False
    branch: bool = True


@dataclass
class StreetSpec:
    code: str
    name: str
    residents: int
    communities: list[CommunitySpec]
    units: list[UnitSpec]
    kind: str = OrgKind.STREET
    leaders: int = 7
    community_staff: int = 5
    seed: int = SEED
    # Position of the street in its district; keeps ID numbers and phones of different streets
    # apart (the first digits of an ID's serial name the police station that issued it).
    index: int = 0
    address: str = ""

    @property
    def rural(self) -> bool:
        return self.kind == OrgKind.TOWNSHIP


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


# --- The demo street ---------------------------------------------------------------------------
# 八里铺街道 and the places its reports name: 八里铺社区, 学院社区, 金泽园社区, 万达商圈, 八里铺党校.

BLP_UNITS = [
    UnitSpec("八里铺街道办事处", Domain.GOVERNMENT, branch=False),  # its members are in the 机关党支部
    UnitSpec("八里铺党校", Domain.GOVERNMENT, co_building=True),
    UnitSpec("八里铺小学", Domain.SCHOOL, co_building=True),
    UnitSpec("科尔沁区第五中学", Domain.SCHOOL),
    UnitSpec("科尔沁区第二人民医院", Domain.PUBLIC_HOSPITAL, co_building=True),
    UnitSpec("国网通辽供电公司八里铺供电所", Domain.STATE_ENTERPRISE, co_building=True),
    UnitSpec("金泽园物业服务有限公司", Domain.PRIVATE_ENTERPRISE, co_building=True),
    UnitSpec("通辽万达广场商业管理有限公司", Domain.PRIVATE_ENTERPRISE),
    UnitSpec("八里铺社会工作服务中心", Domain.SOCIAL_ORG, co_building=True),
    UnitSpec("八里铺外卖骑手驿站", Domain.NEW_EMPLOYMENT),
]

BLP_COMMUNITIES = [
    CommunitySpec("八里铺社区", ["八里铺新村", "八里铺小区", "党校家属院"], 8, (8, 15), "八里铺街道建国路"),
    CommunitySpec("学院社区", ["学院家属院", "民大教工小区", "学苑小区"], 7, (8, 15), "八里铺街道霍林河大街"),
    CommunitySpec("金泽园社区", ["金泽园小区一期", "金泽园小区二期", "金泽园小区三期"], 7, (8, 15), "八里铺街道金泽路"),
    CommunitySpec("万达社区", ["万达华府", "万达公馆"], 6, (8, 15), "八里铺街道万达广场东侧"),
    CommunitySpec("铁南社区", ["铁南小区", "铁路家属院", "南站小区"], 7, (8, 15), "八里铺街道铁南大街"),
    CommunitySpec("和平社区", ["和平小区", "和平里", "滨河湾"], 6, (8, 15), "八里铺街道和平路"),
]


def demo_street_spec(scale: str = "street") -> StreetSpec:
    """``street``: about 20,000 residents; ``tiny``: a few hundred, for tests."""
    if scale == "tiny":
        communities = [
            CommunitySpec("八里铺社区", ["八里铺新村", "八里铺小区"], 2, (2, 3)),
            CommunitySpec("学院社区", ["学院家属院"], 2, (2, 3)),
        ]
        units = [BLP_UNITS[i] for i in (0, 2, 4, 5, 8)]  # five domains
        return StreetSpec(DEMO_STREET_CODE, "八里铺街道", 800, communities, units, leaders=3,
                          community_staff=3, address="通辽市科尔沁区")
    return StreetSpec(DEMO_STREET_CODE, "八里铺街道", 20_000, BLP_COMMUNITIES, BLP_UNITS, address="通辽市科尔沁区")


def ensure_city_and_district(*, by=None) -> tuple[Org, Org]:
    city = Org.objects.filter(code=CITY[0]).first() or org_create(
        by=by, code=CITY[0], name=CITY[1], kind=OrgKind.CITY)
    district = Org.objects.filter(code=DISTRICT[0]).first() or org_create(
        by=by, code=DISTRICT[0], name=DISTRICT[1], kind=OrgKind.DISTRICT, parent=city)
    return city, district


# --- What gets built ---------------------------------------------------------------------------

@dataclass(eq=False)
class BuildingSlot:
    org: Org
    number: int  # the building's number within its compound (3 in 3-2-501)
    households: list[HouseholdPlan] = field(default_factory=list)
    head: Resident | None = None  # 楼栋长


@dataclass(eq=False)
class GridTree:
    org: Org
    buildings: list[BuildingSlot] = field(default_factory=list)
    worker: Resident | None = None  # 网格员


@dataclass(eq=False)
class CommunityTree:
    org: Org
    committee: Org
    branches: list[Org]
    grids: list[GridTree] = field(default_factory=list)
    staff: list[Resident] = field(default_factory=list)
    supervisors: list[Resident] = field(default_factory=list)

    def residents(self):
        for grid in self.grids:
            for slot in grid.buildings:
                for household in slot.households:
                    yield from household.residents


@dataclass
class StreetResult:
    street: Org | None
    code: str = ""
    residents: int = 0
    households: int = 0
    members: int = 0
    orgs: int = 0
    seconds: float = 0.0


class StreetBuilder:
    def __init__(self, spec: StreetSpec, *, district: Org, writer=None, by=None):
        self.spec = spec
        self.district = district
        self.by = by
        self.writer = writer or ServiceWriter(by=by)
        self.rng = random.Random(spec.seed)
        self.population = PopulationFactory(
            self.rng, rural=spec.rural, identities=IdentityFactory(self.rng, street_index=spec.index))
        self.orgs_created = 0
        self.posts: dict[str, list[Resident]] = {}

    # -- the whole street ---------------------------------------------------------------------
    def build(self, *, with_accounts: bool = False) -> StreetResult:
        started = time.perf_counter()
        self._build_tree()
        self._plan_population()
        self._plan_posts(demo_people=with_accounts)
        self._plan_household_hardship()
        self._plan_membership()
        result = StreetResult(street=self.street, code=self.spec.code)
        for community in self.communities:
            self._insert_community(community, result)
        self._assign_responsibility()
        self._pair_for_study()
        accounts = self._create_accounts() if with_accounts else {}
        self._appoint_supervisors(by=accounts.get("street_admin", self.by))
        result.orgs = self.orgs_created
        result.seconds = time.perf_counter() - started
        return result

    # -- tree -----------------------------------------------------------------------------------
    def _org(self, code: str, name: str, kind: str, parent: Org, **extra) -> Org:
        self.orgs_created += 1
        return org_create(by=self.by, code=code, name=name, kind=kind, parent=parent, **extra)

    def _build_tree(self) -> None:
        spec, rng = self.spec, self.rng
        self.street = self._org(spec.code, spec.name, spec.kind, self.district, address=spec.address)
        committee_name = f"{spec.name}党委" if spec.rural else f"{spec.name}党工委"
        self.working_committee = self._org(f"{spec.code}-PW", committee_name, OrgKind.PARTY_COMMITTEE, self.street)
        self.office_branch = self._org(f"{spec.code}-PW-P01", f"{spec.name}机关党支部", OrgKind.PARTY_BRANCH,
                                       self.working_committee)
        self.units: list[tuple[Org, Org | None]] = []
        for i, unit in enumerate(spec.units, start=1):
            org = self._org(f"{spec.code}-U{i:02d}", unit.name, OrgKind.UNIT, self.street, domain=unit.domain,
                            is_co_building_unit=unit.co_building)
            branch = (self._org(f"{spec.code}-U{i:02d}-P01", f"{unit.name}党支部", OrgKind.PARTY_BRANCH, org)
                      if unit.branch else None)
            self.units.append((org, branch))
        self.communities: list[CommunityTree] = []
        for ci, cspec in enumerate(spec.communities, start=1):
            ccode = f"{spec.code}-C{ci:02d}"
            org = self._org(ccode, cspec.name, OrgKind.VILLAGE if spec.rural else OrgKind.COMMUNITY, self.street,
                            domain=Domain.RURAL_PASTORAL if spec.rural else Domain.URBAN_COMMUNITY,
                            address=cspec.address)
            committee = self._org(f"{ccode}-PC", f"{cspec.name}{'党总支' if spec.rural else '党委'}",
                                  OrgKind.PARTY_COMMITTEE, org)
            branches = [
                self._org(f"{ccode}-P{b:02d}", f"{cspec.name}第{chinese_ordinal(b)}党支部", OrgKind.PARTY_BRANCH,
                          committee)
                for b in range(1, math.ceil(cspec.grids / 2) + 1)
            ]
            community = CommunityTree(org, committee, branches)
            next_number: dict[str, int] = {}
            buildings: list[tuple[GridTree, Org, int]] = []
            for gi in range(1, cspec.grids + 1):
                gcode = f"{ccode}-G{gi:02d}"
                grid = GridTree(self._org(gcode, f"{cspec.name}第{chinese_ordinal(gi)}网格", OrgKind.GRID, org))
                compound = cspec.compounds[(gi - 1) % len(cspec.compounds)] if cspec.compounds else ""
                for bi in range(1, rng.randint(*cspec.buildings) + 1):
                    if spec.rural:
                        number = (gi - 1) * cspec.buildings[1] + bi
                        name = f"{cspec.name}第{chinese_ordinal(number)}村民小组"
                    else:
                        number = next_number[compound] = next_number.get(compound, 0) + 1
                        name = f"{compound}{number}号楼"
                    building = org_build(code=f"{gcode}-B{bi:02d}", name=name, kind=OrgKind.BUILDING, parent=grid.org)
                    buildings.append((grid, building, number))
                community.grids.append(grid)
            # The buildings of a community in one go: most of a street's orgs are buildings.
            org_bulk_create(by=self.by, orgs=[building for _grid, building, _number in buildings])
            self.orgs_created += len(buildings)
            for grid, building, number in buildings:
                grid.buildings.append(BuildingSlot(building, number))
            self.communities.append(community)

    def _slots(self):
        for community in self.communities:
            for grid in community.grids:
                yield from grid.buildings

    # -- residents ------------------------------------------------------------------------------
    def _plan_population(self) -> None:
        rng = self.rng
        slots = list(self._slots())
        weights = [rng.uniform(0.6, 1.4) for _ in slots]
        total_weight = sum(weights)
        target = placed = 0.0
        for slot, weight in zip(slots, weights):
            target += self.spec.residents * weight / total_weight
            families = []
            while placed < target - 0.5 or not families:
                family = self.population.household()
                families.append(family)
                placed += len(family)
            numbers = self._addresses(slot.number, len(families))
            for number, family in zip(numbers, families):
                household = HouseholdPlan(number, family)
                for resident in family:
                    resident.household = household
                slot.households.append(household)

    def _addresses(self, building_number: int, count: int) -> list[str]:
        """Door numbers like 3-2-501 (building 3, entrance 2, floor 5, flat 01); 17号 in a village."""
        rng = self.rng
        if self.spec.rural:
            numbers = sorted(rng.sample(range(1, int(count * 1.3) + 2), count))
            return [f"{n}号" for n in numbers]
        for floors in (6, 7, 11, 18, 26, 33):
            entrances = next((e for e in range(1, 7) if e * floors * 2 * 0.85 >= count), None)
            if entrances:
                break
        else:
            floors, entrances = 33, 6
        flats = max(2, math.ceil(count / (entrances * floors)))
        chosen = sorted(rng.sample(range(entrances * floors * flats), count))
        result = []
        for index in chosen:
            entrance, rest = divmod(index, floors * flats)
            floor, flat = divmod(rest, flats)
            result.append(f"{building_number}-{entrance + 1}-{floor + 1}{flat + 1:02d}")
        return result

    # -- staff ----------------------------------------------------------------------------------
    def _pick(self, pool: list[Resident], low: int, high: int, post: str, note: str = "",
              extra: Callable[[Resident], bool] | None = None) -> Resident | None:
        rng = self.rng
        for _attempt in range(60):
            resident = pool[rng.randrange(len(pool))]
            if not resident.post and low <= resident.age <= high and (extra is None or extra(resident)):
                break
        else:
            candidates = [r for r in pool if not r.post and low <= r.age <= high and (extra is None or extra(r))]
            if not candidates:
                return None
            resident = rng.choice(candidates)
        resident.post = post
        if note:
            resident.note = note
        self.posts.setdefault(post, []).append(resident)
        return resident

    @staticmethod
    def _set_work(resident: Resident, work: str | None) -> None:
        resident.groups = [g for g in resident.groups if g not in WORK_GROUPS] + ([work] if work else [])

    def _plan_posts(self, *, demo_people: bool) -> None:
        spec = self.spec
        everyone = [r for c in self.communities for r in c.residents()]
        self.everyone = everyone
        titles = (["党委书记", "镇长", "党委副书记", "人大主席", "党委委员、副镇长", "党委委员、武装部长",
                   "党委委员、纪委书记"] if spec.rural else
                  ["党工委书记", "办事处主任", "党工委副书记", "人大工委主任", "党工委委员、副主任",
                   "党工委委员、武装部长", "党工委委员、纪工委书记"])
        for title in titles[: spec.leaders]:
            leader = self._pick(everyone, 35, 56, "leader", f"{spec.name}{title}")
            if leader:
                self._set_work(leader, PersonGroup.CIVIL_SERVANT)
        buildings = sum(1 for _ in self._slots())
        for _ in range(max(2, math.ceil(buildings / BUILDINGS_PER_CADRE))):
            cadre = self._pick(everyone, 24, 55, "cadre", f"{spec.name}{'政府' if spec.rural else '办事处'}干部")
            if cadre:
                self._set_work(cadre, PersonGroup.CIVIL_SERVANT)
        staff_titles = (["党总支书记、村委会主任", "党总支副书记", "村委会副主任", "村委会委员", "村务监督委员会主任"]
                        if spec.rural else
                        ["社区党委书记、居委会主任", "社区党委副书记", "社区居委会副主任", "社区党委委员",
                         "社区居委会委员"])
        for community in self.communities:
            people = list(community.residents())
            for title in staff_titles[: spec.community_staff]:
                staff = self._pick(people, 25, 55, "community_staff", f"{community.org.name}{title}")
                if staff:
                    self._set_work(staff, None)
                    community.staff.append(staff)
            for grid in community.grids:
                grid_people = [r for slot in grid.buildings for h in slot.households for r in h.residents]
                grid.worker = self._pick(grid_people, 23, 50, "grid_worker", f"{grid.org.name}网格员")
                if grid.worker:
                    self._set_work(grid.worker, None)
                for slot in grid.buildings:
                    slot.head = self._pick([r for h in slot.households for r in h.residents], 40, 72,
                                           "building_head", f"{slot.org.name}{'组长' if spec.rural else '楼栋长'}")
            community.supervisors = [
                s for s in (self._pick(people, 45, 70, "supervisor") for _ in range(2)) if s is not None
            ]
        if demo_people:
            first_grid = self.communities[0].grids[0]
            grid_people = [r for slot in first_grid.buildings for h in slot.households for r in h.residents]
            self._pick(grid_people, 28, 55, "demo_member")
            self._pick(grid_people, 25, 60, "demo_resident", extra=lambda r: bool(r.phone))

    # -- hardship and party membership ----------------------------------------------------------
    def _weighted_sample(self, items: list, weight: Callable, k: int) -> list:
        """``k`` items drawn without replacement, each with chance proportional to its weight."""
        rng = self.rng
        keyed = [(rng.random() ** (1.0 / w), i) for i, item in enumerate(items) if (w := weight(item)) > 0]
        return [items[i] for _key, i in heapq.nlargest(k, keyed)]

    def _plan_household_hardship(self) -> None:
        households = [h for slot in self._slots() for h in slot.households]

        def weight(household: HouseholdPlan) -> float:
            people = household.residents
            w = 0.3
            if len(people) == 1 and people[0].age >= 65:
                w += 4
            if any(PersonGroup.DISABLED in r.groups for r in people):
                w += 4
            if any(PersonGroup.UNEMPLOYED in r.groups for r in people):
                w += 3
            return w

        for household in self._weighted_sample(households, weight, round(len(households) * HOUSEHOLD_HARDSHIP_SHARE)):
            household.in_hardship = True
            people = household.residents
            if len(people) == 1 and people[0].age >= 65:
                household.note = "独居老人、低保户"
            elif any(PersonGroup.DISABLED in r.groups for r in people):
                household.note = "残疾人家庭"
            elif any(PersonGroup.UNEMPLOYED in r.groups for r in people):
                household.note = "就业困难家庭"
            else:
                household.note = "低保户"

    def _plan_membership(self) -> None:
        rng = self.rng
        forced_share = {"leader": 1.0, "cadre": 0.8, "community_staff": 0.7, "grid_worker": 0.5,
                        "building_head": 0.3, "demo_member": 1.0}
        members: list[Resident] = []
        for resident in self.everyone:
            share = forced_share.get(resident.post)
            if share and resident.age >= 19 and rng.random() < share:
                members.append(resident)
        chosen = {id(r) for r in members}

        def weight(resident: Resident) -> float:
            if id(resident) in chosen or resident.age < 19 or resident.post == "demo_resident":
                return 0
            age = resident.age
            w = 0.25 if age < 25 else 0.7 if age < 35 else 1.0 if age < 60 else 1.6 if age < 75 else 1.9
            for group, factor in ((PersonGroup.CIVIL_SERVANT, 4), (PersonGroup.VETERAN, 3),
                                  (PersonGroup.RETIRED, 1.2), (PersonGroup.STUDENT, 0.4),
                                  (PersonGroup.UNEMPLOYED, 0.5), (PersonGroup.FARMER_HERDER, 0.6)):
                if group in resident.groups:
                    w *= factor
            return w

        target = round(len(self.everyone) * MEMBER_SHARE)
        members += self._weighted_sample(self.everyone, weight, max(0, target - len(members)))
        self.members = members

        delivery = self._weighted_sample(
            [r for r in members if r.age >= 68 and r.post not in ("leader", "cadre", "demo_member")],
            lambda r: (r.age - 60) ** 2, round(len(members) * HOME_DELIVERY_SHARE))
        delivery_ids = {id(r) for r in delivery}
        mobile = self._weighted_sample(
            [r for r in members if 20 <= r.age <= 55 and not r.post and id(r) not in delivery_ids],
            lambda r: 6 if PersonGroup.MIGRANT_WORKER in r.groups else 1, round(len(members) * MOBILE_SHARE))
        mobile_ids = {id(r) for r in mobile}
        probationary = self._weighted_sample(
            [r for r in members if 19 <= r.age <= 40 and r.post not in ("leader", "cadre")],
            lambda r: 1, round(len(members) * PROBATIONARY_SHARE))
        probationary_ids = {id(r) for r in probationary}
        hardship_ids = {id(r) for r in members if r.household.in_hardship}
        extra = max(0, round(len(members) * MEMBER_HARDSHIP_SHARE) - len(hardship_ids))
        hardship_ids |= {id(r) for r in self._weighted_sample(
            [r for r in members if id(r) not in hardship_ids and r.post not in ("leader", "cadre")],
            lambda r: 4 if ({PersonGroup.UNEMPLOYED, PersonGroup.DISABLED} & set(r.groups)) else
            2 if r.age >= 70 else 0.2, extra)}

        unit_branches = [(org, branch) for org, branch in self.units if branch is not None]
        today = date.today()
        for resident in members:
            community, grid_index, grids = self._home_of(resident)
            if resident.post in ("leader", "cadre"):
                branch = self.office_branch
            elif unit_branches and ({PersonGroup.ENTERPRISE_STAFF, PersonGroup.CIVIL_SERVANT,
                                     PersonGroup.NEW_EMPLOYMENT} & set(resident.groups)) and rng.random() < 0.25:
                branch = self._unit_branch_for(resident, unit_branches)
            else:
                branch = community.branches[grid_index * len(community.branches) // grids]
            if id(resident) in probationary_ids:
                status, joined = MemberStatus.PROBATIONARY, today - timedelta(days=rng.randint(30, 330))
            else:
                status, joined = MemberStatus.FULL, self._join_date(resident)
            resident.member = dict(
                branch=branch, joined_on=joined, status=status,
                needs_home_delivery=id(resident) in delivery_ids, is_mobile=id(resident) in mobile_ids,
                in_hardship=id(resident) in hardship_ids,
            )

    def _unit_branch_for(self, resident: Resident, unit_branches: list[tuple[Org, Org]]) -> Org:
        if PersonGroup.NEW_EMPLOYMENT in resident.groups:
            for org, branch in unit_branches:
                if org.domain == Domain.NEW_EMPLOYMENT:
                    return branch
        return self.rng.choice(unit_branches)[1]

    def _join_date(self, resident: Resident) -> date:
        """A full member joined at 18 or later, and at least a year before the reference date."""
        rng = self.rng
        age = resident.age
        join_age = min(18 + int(abs(rng.gauss(0, 8))), age - 1)
        joined = _add_years(resident.birth, join_age) + timedelta(days=rng.randrange(365))
        latest = REFERENCE_DATE - timedelta(days=366)
        earliest = _add_years(resident.birth, 18) + timedelta(days=1)
        return max(earliest, min(joined, latest))

    def _home_of(self, resident: Resident) -> tuple[CommunityTree, int, int]:
        if not hasattr(self, "_home"):
            self._home = {}
            for community in self.communities:
                for gi, grid in enumerate(community.grids):
                    for slot in grid.buildings:
                        for household in slot.households:
                            self._home[id(household)] = (community, gi, len(community.grids))
        return self._home[id(resident.household)]

    # -- rows -----------------------------------------------------------------------------------
    def _insert_community(self, community: CommunityTree, result: StreetResult) -> None:
        plans = [(slot, h) for grid in community.grids for slot in grid.buildings for h in slot.households]
        households = [household_build(org=slot.org, number=h.number, in_hardship=h.in_hardship, note=h.note)
                      for slot, h in plans]
        self.writer.households(households)
        rows = []
        for (slot, plan), household in zip(plans, households):
            plan.household = household
            for r in plan.residents:
                r.person = person_build(PersonData(
                    name=r.name, org=slot.org, id_number=r.id_number, phone=r.phone, household=household,
                    groups=r.groups, note=r.note,
                ))
                rows.append((r.person, r.groups))
        self.writer.persons(rows)
        members = []
        for _slot, plan in plans:
            for r in plan.residents:
                if r.member:
                    r.party_member = party_member_build(person=r.person, **r.member)
                    members.append(r.party_member)
        self.writer.party_members(members)
        result.households += len(households)
        result.residents += len(rows)
        result.members += len(members)

    # -- responsibility, study pairs, supervisors -------------------------------------------------
    def _assign_responsibility(self) -> None:
        items = []
        leaders = self.posts.get("leader", [])
        area_leaders = leaders[1:] or leaders  # the secretary answers for the whole street
        for i, community in enumerate(self.communities):
            if area_leaders:
                items.append(responsibility_build(person=area_leaders[i % len(area_leaders)].person,
                                                  kind=ResponsibilityKind.AREA, org=community.org))
        cadres = self.posts.get("cadre", [])
        slots = list(self._slots())
        if cadres:
            per_cadre = math.ceil(len(slots) / len(cadres))
            for i, slot in enumerate(slots):
                items.append(responsibility_build(person=cadres[i // per_cadre].person,
                                                  kind=ResponsibilityKind.BUILDING, org=slot.org))
        for community in self.communities:
            staff = community.staff
            hardship = [h for grid in community.grids for slot in grid.buildings for h in slot.households
                        if h.in_hardship]
            for i, plan in enumerate(hardship):
                if staff:
                    items.append(responsibility_build(person=staff[i % len(staff)].person,
                                                      kind=ResponsibilityKind.HOUSEHOLD, household=plan.household))
        responsibility_bulk_assign(by=self.by, items=items)

    def _pair_for_study(self) -> None:
        pairs = []
        for community in self.communities:
            members = [r for r in community.residents() if r.party_member is not None]
            needing = [r for r in members if r.member["needs_home_delivery"] or r.member["is_mobile"]]
            helpers = [r for r in members if 22 <= r.age <= 42 and not r.member["is_mobile"]
                       and not r.member["needs_home_delivery"] and r.member["status"] == MemberStatus.FULL]
            self.rng.shuffle(helpers)
            for i, member in enumerate(needing[: 3 * len(helpers)]):
                pairs.append((helpers[i % len(helpers)].party_member, member.party_member))
        study_pair_bulk_create(by=self.by, pairs=pairs)

    def _appoint_supervisors(self, *, by) -> None:
        for community in self.communities:
            for resident in community.supervisors:
                supervisor_appoint(by=by, person=resident.person, org=community.org)

    # -- accounts (demo street only) ------------------------------------------------------------
    def _create_accounts(self) -> dict[str, User]:
        password = settings.TONGXIN_DEMO_PASSWORD
        home = self.communities[0]
        first_grid = home.grids[0]
        first_building = first_grid.buildings[0]
        scopes = {
            "city": self.district.parent, "district": self.district, "street": self.street, "community": home.org,
            "grid": first_grid.org, "building": first_building.org,
        }
        leaders = self.posts.get("leader", [])
        people = {
            "leader": leaders[2] if len(leaders) > 2 else leaders[-1],
            "community_staff": home.staff[0],
            "grid_worker": first_grid.worker,
            "building_head": first_building.head,
            "member": self.posts["demo_member"][0],
            "resident": self.posts["demo_resident"][0],
        }
        labels = {Role.SUPERIOR: "科尔沁区巡回指导组", Role.SYSTEM_ADMIN: "系统管理员",
                  Role.SECURITY_ADMIN: "安全管理员", Role.AUDITOR: "审计员"}
        accounts = {}
        for login in DEMO_LOGINS:
            resident = people.get(login.person)
            accounts[login.username] = self._account(
                login.username, password, login.role, scopes[login.scope],
                person=resident.person if resident else None, first_name=labels.get(login.role, ""),
            )
        for ci, community in enumerate(self.communities, start=1):
            if ci > 1 and community.staff:
                self._account(f"community_worker_c{ci:02d}", password, Role.COMMUNITY_WORKER, community.org,
                              person=community.staff[0].person)
            for gi, grid in enumerate(community.grids, start=1):
                if (ci, gi) != (1, 1) and grid.worker:
                    self._account(f"grid_worker_c{ci:02d}_g{gi:02d}", password, Role.GRID_WORKER, grid.org,
                                  person=grid.worker.person)
        return accounts

    def _account(self, username: str, password: str, role: str, org: Org, *, person=None,
                 first_name: str = "") -> User:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = account_create(by=self.by, username=username, password=password, person=person,
                                  first_name=first_name)
        role_grant(by=self.by, user=user, role=role, org=org)
        if role == Role.SYSTEM_ADMIN and not user.is_staff:
            # The system admin works in /admin/; accounts.services has no service for the flag.
            user.is_staff = True
            user.save(update_fields=["is_staff"])
            audit_record(by=self.by, action=AuditAction.ACCOUNT_UPDATED, obj=user, changes={"is_staff": [False, True]})
        return user
