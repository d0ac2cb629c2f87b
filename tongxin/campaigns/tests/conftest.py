"""The small street of ``tongxin.testing`` with what campaigns need on top: units of several
domains, a village, and a street next door (outside the campaign's scope).

    八里铺街道 BLP (campaign scope)
    ├── 八里铺社区 BLP-C1 (community, domain blank → 城镇社区)
    │   ├── 八里铺第一网格 BLP-C1-G1 › 1号楼 BLP-C1-G1-B1   (张三, 王五 live here)
    │   ├── 八里铺社区第一党支部 BLP-C1-P1
    │   └── 富民超市 BLP-C1-U1 (unit, 民营企业)
    ├── 学院社区 BLP-C2 (community) › 学院第一网格 › 7号楼   (李四 lives here)
    ├── 八里铺小学 BLP-U1 (unit, 学校) › 小学党支部 BLP-U1-P1
    ├── 某协会 BLP-U2 (unit, domain blank)
    └── 东村 BLP-V1 (village, domain blank → 农村牧区)
    明仁街道 MR › 明仁小学 MR-U1 (unit, 学校; outside the scope)
"""

from dataclasses import dataclass

import pytest

from tongxin.orgs.models import Domain, Org, OrgKind
from tongxin.orgs.services import org_create


@dataclass
class More:
    shop: Org
    school: Org
    school_branch: Org
    plain_unit: Org
    village: Org
    other_street: Org
    other_school: Org


@pytest.fixture
def more(street) -> More:
    s = street
    shop = org_create(by=None, code="BLP-C1-U1", name="富民超市", kind=OrgKind.UNIT,
                      domain=Domain.PRIVATE_ENTERPRISE, parent=s.community_a)
    school = org_create(by=None, code="BLP-U1", name="八里铺小学", kind=OrgKind.UNIT, domain=Domain.SCHOOL,
                        parent=s.street)
    school_branch = org_create(by=None, code="BLP-U1-P1", name="小学党支部", kind=OrgKind.PARTY_BRANCH,
                               parent=school)
    plain_unit = org_create(by=None, code="BLP-U2", name="某协会", kind=OrgKind.UNIT, parent=s.street)
    village = org_create(by=None, code="BLP-V1", name="东村", kind=OrgKind.VILLAGE, parent=s.street)
    other_street = org_create(by=None, code="MR", name="明仁街道", kind=OrgKind.STREET, parent=s.district)
    other_school = org_create(by=None, code="MR-U1", name="明仁小学", kind=OrgKind.UNIT, domain=Domain.SCHOOL,
                              parent=other_street)
    return More(shop, school, school_branch, plain_unit, village, other_street, other_school)
