"""The roster import part of the benchmark: a 100,000-row 花名册 and the community it names.

``write_roster`` writes a workbook the way a community would fill the template: every header,
names, valid ID numbers (check digit from ``id_check_char``), phones, grids, buildings and
households, person groups, and about 6 % party members with their join date and branch. It is
deterministic (one seeded ``random.Random``) and streams (openpyxl write-only), so 100,000 rows
take a few seconds and little memory.

``ensure_community`` creates, through the org services, the community the file names: a
community under the demo street with its grids, buildings and party branches. Its ID numbers
carry region codes the demo never uses, so the first import creates every row.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from pathlib import Path

from openpyxl import Workbook

from tongxin.core.demo.names import person_name
from tongxin.core.identity import id_check_char
from tongxin.orgs.models import Org, OrgKind
from tongxin.orgs.services import org_build, org_bulk_create, org_create
from tongxin.people.roster.columns import COLUMNS

COMMUNITY_CODE = "BLP-IMP"
COMMUNITY_NAME = "导入测评社区"
GRIDS = 8
BUILDINGS_PER_GRID = 12
BRANCHES = ("导入测评社区第一党支部", "导入测评社区第二党支部", "导入测评社区第三党支部")
# Region codes of other cities of Inner Mongolia (GB/T 2260): residents who moved here. The demo
# draws from 1505xx and 1523xx only, so these ID numbers are never already registered.
REGIONS = ("150102", "150105", "150203", "150402", "150602", "152502")
REFERENCE_DAY = date(2024, 7, 1)  # ages and join dates are computed against a fixed day
MEMBER_SHARE = 0.06
SEED = 100_000


def grid_name(n: int) -> str:
    return f"测评第{'一二三四五六七八九十'[n - 1]}网格"


def ensure_community(*, street: Org, by=None) -> Org:
    """The benchmark's community under ``street`` (created once, through the org services)."""
    community = Org.objects.filter(code=COMMUNITY_CODE).first()
    if community is not None:
        return community
    community = org_create(by=by, code=COMMUNITY_CODE, name=COMMUNITY_NAME, kind=OrgKind.COMMUNITY, parent=street)
    committee = org_create(by=by, code=f"{COMMUNITY_CODE}-PC", name=f"{COMMUNITY_NAME}党委",
                           kind=OrgKind.PARTY_COMMITTEE, parent=community)
    org_bulk_create(by=by, orgs=[
        org_build(code=f"{COMMUNITY_CODE}-P{i + 1}", name=name, kind=OrgKind.PARTY_BRANCH, parent=committee)
        for i, name in enumerate(BRANCHES)
    ])
    grids = org_bulk_create(by=by, orgs=[
        org_build(code=f"{COMMUNITY_CODE}-G{g}", name=grid_name(g), kind=OrgKind.GRID, parent=community)
        for g in range(1, GRIDS + 1)
    ])
    org_bulk_create(by=by, orgs=[
        org_build(code=f"{grid.code}-B{b}", name=f"{b}号楼", kind=OrgKind.BUILDING, parent=grid)
        for grid in grids for b in range(1, BUILDINGS_PER_GRID + 1)
    ])
    return community


class _Identities:
    def __init__(self, rng: random.Random):
        self.rng = rng
        self.used: set[str] = set()

    def id_number(self, birth: date, gender: str) -> str:
        while True:
            # The last digit of the serial is odd for men, even for women.
            serial = self.rng.randrange(100) * 10 + self.rng.randrange(5) * 2 + (1 if gender == "M" else 0)
            first17 = f"{self.rng.choice(REGIONS)}{birth:%Y%m%d}{serial:03d}"
            if first17 not in self.used:
                self.used.add(first17)
                return first17 + id_check_char(first17)


def _birth(rng: random.Random, age: int) -> date:
    return REFERENCE_DAY - timedelta(days=age * 365 + rng.randrange(365))


def _groups(rng: random.Random, age: int) -> str:
    if age < 22:
        return "学生" if age >= 6 else ""
    if age >= 60:
        return "退休人员、老年人" if rng.random() < 0.7 else "老年人"
    return rng.choice(["企业职工", "个体商户", "机关事业单位人员", "新就业群体", "外出务工人员", "失业人员", "", ""])


def write_roster(path: Path, rows: int = 100_000, seed: int = SEED) -> Path:
    """A filled roster of ``rows`` residents of ``ensure_community``'s community."""
    rng = random.Random(seed)
    identities = _Identities(rng)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("花名册")
    headers = [column.header for column in COLUMNS]
    sheet.append(headers)
    written = 0
    # Walk the buildings household by household; each grid also has households of its own,
    # outside any building (平房).
    places = [(g, b) for g in range(1, GRIDS + 1) for b in [*range(1, BUILDINGS_PER_GRID + 1), None]]
    per_place = -(-rows // len(places))
    for grid, building in places:
        unit, floor, room = 1, 1, 1
        in_place = 0
        while in_place < per_place and written < rows:
            number = f"平房{in_place + 1}号" if building is None else f"{unit}-{floor}{room:02d}"
            hardship = rng.random() < 0.03
            size = min(rng.choice((1, 2, 2, 3, 3, 3, 4, 5)), per_place - in_place, rows - written)
            surname = None
            for k in range(size):
                age = rng.randrange(25, 80) if k == 0 else rng.randrange(0, 90)
                gender = rng.choice("MF")
                birth = _birth(rng, age)
                name, family = person_name(rng, gender, birth.year, surname)
                surname = family if k == 0 else surname
                member = age >= 20 and rng.random() < MEMBER_SHARE / 0.86  # about 86 % are 20 or older
                joined = (min(birth.replace(year=birth.year + rng.randrange(19, 40), day=1), REFERENCE_DAY)
                          if member else None)
                values = {
                    "姓名": name,
                    "性别": ("男" if gender == "M" else "女") if rng.random() < 0.9 else None,
                    "身份证号": identities.id_number(birth, gender),
                    "手机号": f"1{rng.choice('3578')}{rng.randrange(10**9):09d}" if age >= 16 else None,
                    "网格": grid_name(grid),
                    "楼栋": f"{building}号楼" if building else None,
                    "门牌号": number,
                    "人员类别": _groups(rng, age),
                    "是否党员": "是" if member else "否",
                    "入党日期": (datetime.combine(joined, datetime.min.time()) if rng.random() < 0.5
                             else f"{joined:%Y-%m-%d}") if member else None,
                    "所在支部": rng.choice(BRANCHES) if member else None,
                    "出生日期": f"{birth.year}年{birth.month}月{birth.day}日" if rng.random() < 0.2 else None,
                    "困难户": "是" if hardship and k == 0 else None,
                    "老弱病残(需送学上门)": "是" if member and age >= 75 and rng.random() < 0.5 else None,
                    "流动党员": "是" if member and 20 <= age < 50 and rng.random() < 0.1 else None,
                    "困难党员": "是" if member and rng.random() < 0.04 else None,
                    "备注": "长期外出务工" if rng.random() < 0.02 else None,
                }
                sheet.append([values[h] for h in headers])
                written += 1
                in_place += 1
            room += 1
            if room > 4:
                room, floor = 1, floor + 1
                if floor > 18:
                    floor, unit = 1, unit + 1
    workbook.save(path)
    return path
