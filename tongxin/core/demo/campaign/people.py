"""What the campaign seeders read of a street that already exists: its places, units and branches,
its people with what matters for study (member, infirm, mobile, study partner), and the staff
accounts that record the work. Read from the database, so a campaign can be added to a street
that was loaded before."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from tongxin.accounts.models import Role, RoleAssignment, User
from tongxin.orgs.models import Org, OrgKind
from tongxin.people.models import Person, Responsibility, ResponsibilityKind, StudyPair
from tongxin.people.selectors import ancestor_paths


@dataclass(eq=False)
class StudyPerson:
    id: int
    name: str
    org_path: str
    age: int
    member: bool = False
    branch_path: str = ""
    infirm: bool = False
    mobile: bool = False
    grid: Org | None = None
    community: Org | None = None
    partner_id: int | None = None  # the person of their study partner (结对助学)

    @property
    def regular(self) -> bool:
        return self.member and not self.infirm and not self.mobile

    def paths(self) -> list[str]:
        """The orgs whose sessions the person may attend: their places and their branch's."""
        paths = ancestor_paths(self.org_path)
        if self.branch_path:
            paths += [p for p in ancestor_paths(self.branch_path) if p not in paths]
        return paths


@dataclass(eq=False)
class CommunityPlaces:
    org: Org
    grids: list[Org] = field(default_factory=list)
    branches: list[Org] = field(default_factory=list)
    compounds: list[str] = field(default_factory=list)
    worker: User | None = None  # a community worker's account
    secretary: str = ""  # the community worker's name, who speaks as 社区书记


@dataclass(eq=False)
class StreetPeople:
    street: Org
    communities: list[CommunityPlaces]
    units: list[Org]
    unit_branches: dict[int, Org]  # unit id → its branch
    office_branch: Org | None
    people: list[StudyPerson]
    admin: User | None
    grid_workers: dict[int, User]  # grid id → account
    grid_worker_persons: dict[int, int]  # grid id → person id
    leaders: list[str]  # names of the 班子成员 (包片 holders)
    account_persons: set[int]  # persons with an account: they write and review their own

    def staff_for(self, org: Org) -> User | None:
        """The account that records the work of ``org``: its grid worker, its community's
        worker, else the street admin."""
        for community in self.communities:
            if org.path.startswith(community.org.path):
                if org.kind == OrgKind.GRID and org.pk in self.grid_workers:
                    return self.grid_workers[org.pk]
                return community.worker or self.admin
        return self.admin


_BUILDING_NUMBER = re.compile(r"\d+号楼$")


def _age(birth: date | None, today: date) -> int:
    if birth is None:
        return 40
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def read_street(street: Org, today: date) -> StreetPeople:
    below = list(Org.objects.filter(path__startswith=street.path).exclude(pk=street.pk).order_by("path"))
    by_parent: dict[int, list[Org]] = {}
    for org in below:
        by_parent.setdefault(org.parent_id, []).append(org)
    communities = []
    for org in sorted(by_parent.get(street.pk, []), key=lambda o: o.code):
        if org.kind not in (OrgKind.COMMUNITY, OrgKind.VILLAGE):
            continue
        place = CommunityPlaces(org)
        inside = [o for o in below if o.path.startswith(org.path)]
        place.grids = sorted((o for o in inside if o.kind == OrgKind.GRID), key=lambda o: o.code)
        place.branches = sorted((o for o in inside if o.kind == OrgKind.PARTY_BRANCH), key=lambda o: o.code)
        compounds = []
        for o in inside:
            if o.kind == OrgKind.BUILDING and _BUILDING_NUMBER.search(o.name):
                name = _BUILDING_NUMBER.sub("", o.name)
                if name and name not in compounds:
                    compounds.append(name)
        place.compounds = compounds or [org.name]
        communities.append(place)
    units = sorted((o for o in by_parent.get(street.pk, []) if o.kind == OrgKind.UNIT), key=lambda o: o.code)
    unit_branches = {}
    for unit in units:
        branch = next((o for o in below if o.path.startswith(unit.path) and o.kind == OrgKind.PARTY_BRANCH), None)
        if branch is not None:
            unit_branches[unit.pk] = branch
    committee = next((o for o in by_parent.get(street.pk, []) if o.kind == OrgKind.PARTY_COMMITTEE), None)
    office_branch = None
    if committee is not None:
        office_branch = next((o for o in by_parent.get(committee.pk, []) if o.kind == OrgKind.PARTY_BRANCH), None)

    grids = {g.path: (g, c) for c in communities for g in c.grids}
    community_by_path = {c.org.path: c.org for c in communities}
    pairs = dict(StudyPair.objects.filter(active=True, member__person__org_path__startswith=street.path)
                 .order_by("id").values_list("member__person_id", "helper__person_id"))
    people = []
    rows = (Person.objects.filter(org_path__startswith=street.path, is_active=True).order_by("id")
            .values_list("id", "name", "org_path", "birth_date", "party_member__id", "party_member__branch__path",
                         "party_member__needs_home_delivery", "party_member__is_mobile"))
    for pk, name, org_path, birth, member_id, branch_path, infirm, mobile in rows:
        person = StudyPerson(pk, name, org_path, _age(birth, today), member=member_id is not None,
                             branch_path=branch_path or "", infirm=bool(infirm), mobile=bool(mobile),
                             partner_id=pairs.get(pk))
        for path in ancestor_paths(org_path):
            if path in grids:
                person.grid, place = grids[path]
                person.community = place.org
            elif path in community_by_path:
                person.community = community_by_path[path]
        people.append(person)

    grants = list(RoleAssignment.objects.filter(org__path__startswith=street.path,
                                                role__in=[Role.STREET_ADMIN, Role.COMMUNITY_WORKER,
                                                          Role.GRID_WORKER])
                  .select_related("user", "user__person").order_by("user__username"))
    admin = next((g.user for g in grants if g.role == Role.STREET_ADMIN and g.org_id == street.pk), None)
    for place in communities:
        grant = next((g for g in grants if g.role == Role.COMMUNITY_WORKER and g.org_id == place.org.pk), None)
        if grant is not None:
            place.worker = grant.user
            place.secretary = grant.user.person.name if grant.user.person_id else ""
    grid_workers = {g.org_id: g.user for g in grants if g.role == Role.GRID_WORKER}
    grid_worker_persons = {org_id: user.person_id for org_id, user in grid_workers.items() if user.person_id}
    leaders = list(Responsibility.objects.filter(kind=ResponsibilityKind.AREA, org__path__startswith=street.path)
                   .order_by("person__name").values_list("person__name", flat=True).distinct())
    account_persons = set(User.objects.filter(person__org_path__startswith=street.path)
                          .values_list("person_id", flat=True))
    return StreetPeople(street, communities, units, unit_branches, office_branch, people, admin, grid_workers,
                        grid_worker_persons, leaders, account_persons)
