"""A small, fully built street for tests: two communities, grids, buildings, households,
residents, members and one account per role. Built through the services, like real data."""

from __future__ import annotations

from dataclasses import dataclass, field
import re
from datetime import date
from html.parser import HTMLParser

from tongxin.accounts.models import Role, User
from tongxin.accounts.services import account_create, role_grant
from tongxin.core.identity import id_check_char
from tongxin.orgs.models import Household, Org, OrgKind
from tongxin.orgs.services import household_create, org_create
from tongxin.people.models import Person
from tongxin.people.services import PersonData, party_member_save, person_create

PASSWORD = "Test2024pass"


class _Text(HTMLParser):
    def __init__(self):
        super().__init__()
        self.chunks: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "head"):
            self._skip += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style", "head"):
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.chunks.append(data)


def text(response) -> str:
    """The page as a person reads it: no tags, no scripts, whitespace collapsed."""
    parser = _Text()
    parser.feed(response.content.decode())
    return " ".join(" ".join(parser.chunks).split())


def title(response) -> str:
    return re.search(r"<title>(.*?)</title>", response.content.decode(), re.S).group(1).strip()


def as_role(client, street, role: str):
    """``client`` logged in as the account of ``role`` in the small street."""
    client.force_login(street.accounts[role])
    return client


def make_id_number(serial: int, birth: str = "19800101", region: str = "150502") -> str:
    first17 = f"{region}{birth}{serial % 1000:03d}"
    return first17 + id_check_char(first17)


@dataclass
class SmallStreet:
    city: Org
    district: Org
    street: Org
    community_a: Org
    community_b: Org
    grid_a1: Org
    grid_b1: Org
    building_a1: Org
    building_b1: Org
    branch_a: Org
    household_a: Household
    household_b: Household
    resident_a: Person
    resident_b: Person
    member_a: Person
    accounts: dict[str, User] = field(default_factory=dict)


def build_small_street() -> SmallStreet:
    by = None
    city = org_create(by=by, code="TL", name="通辽市", kind=OrgKind.CITY)
    district = org_create(by=by, code="KEQ", name="科尔沁区", kind=OrgKind.DISTRICT, parent=city)
    street = org_create(by=by, code="BLP", name="八里铺街道", kind=OrgKind.STREET, parent=district)
    community_a = org_create(by=by, code="BLP-C1", name="八里铺社区", kind=OrgKind.COMMUNITY, parent=street)
    community_b = org_create(by=by, code="BLP-C2", name="学院社区", kind=OrgKind.COMMUNITY, parent=street)
    grid_a1 = org_create(by=by, code="BLP-C1-G1", name="八里铺第一网格", kind=OrgKind.GRID, parent=community_a)
    grid_b1 = org_create(by=by, code="BLP-C2-G1", name="学院第一网格", kind=OrgKind.GRID, parent=community_b)
    building_a1 = org_create(by=by, code="BLP-C1-G1-B1", name="1号楼", kind=OrgKind.BUILDING, parent=grid_a1)
    building_b1 = org_create(by=by, code="BLP-C2-G1-B1", name="7号楼", kind=OrgKind.BUILDING, parent=grid_b1)
    branch_a = org_create(by=by, code="BLP-C1-P1", name="八里铺社区第一党支部", kind=OrgKind.PARTY_BRANCH,
                          parent=community_a)
    household_a = household_create(by=by, org=building_a1, number="1-101")
    household_b = household_create(by=by, org=building_b1, number="2-202")
    resident_a = person_create(by=by, data=PersonData(
        name="张三", org=building_a1, household=household_a, id_number=make_id_number(11), phone="13812345678",
        groups=["retired"]))
    resident_b = person_create(by=by, data=PersonData(
        name="李四", org=building_b1, household=household_b, id_number=make_id_number(22), phone="13987654321"))
    member_a = person_create(by=by, data=PersonData(
        name="王五", org=building_a1, household=household_a, id_number=make_id_number(33, "19450607"),
        phone="13700001111"))
    party_member_save(by=by, person=member_a, branch=branch_a, joined_on=date(1970, 7, 1), needs_home_delivery=True)
    s = SmallStreet(city, district, street, community_a, community_b, grid_a1, grid_b1, building_a1, building_b1,
                    branch_a, household_a, household_b, resident_a, resident_b, member_a)
    scope = {
        Role.STREET_ADMIN: street, Role.COMMUNITY_WORKER: community_a, Role.GRID_WORKER: grid_a1,
        Role.BUILDING_HEAD: building_a1, Role.SUPERIOR: district, Role.SYSTEM_ADMIN: city,
        Role.SECURITY_ADMIN: city, Role.AUDITOR: city, Role.PARTY_MEMBER: community_a, Role.RESIDENT: community_a,
    }
    linked = {Role.PARTY_MEMBER: member_a, Role.RESIDENT: resident_a}
    for role, org in scope.items():
        user = account_create(by=by, username=role.value, password=PASSWORD, person=linked.get(role))
        role_grant(by=by, user=user, role=role, org=org)
        s.accounts[role.value] = user
    return s


def build_campaign(street: SmallStreet):
    """The campaign of the seeds over the small street: members and all residents, eight weeks
    from four weeks ago."""
    from datetime import timedelta

    from django.utils import timezone

    from tongxin.campaigns.services import campaign_create

    today = timezone.localdate()
    return campaign_create(
        by=None, name="感党恩、听党话、跟党走", slug="gandangen", theme="群众性教育实践活动",
        starts_on=today - timedelta(weeks=4), ends_on=today + timedelta(weeks=4),
        scope=street.street, targets_members=True, targets_residents=True,
    )
