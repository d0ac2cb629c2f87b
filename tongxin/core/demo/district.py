"""科尔沁区 at full size: about a million residents in ten streets and townships, for benchmarks.

Beside the demo street 八里铺街道 (about 20,000 residents, with the demo accounts) come seven
streets of about 129,000 residents and two townships of 40,000, each with its own seed, tree,
staff, members and responsibility. Rows go in through the bulk services (by COPY on
PostgreSQL, see ``tongxin.core.bulk_insert``); on PostgreSQL streets are built side by side in
worker processes, elsewhere one by one. Each street is one transaction, so an interrupted run
leaves whole streets and a re-run builds only the missing ones.
"""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection, connections, transaction

from tongxin.core.models import AuditEntry
from tongxin.orgs.models import Domain, Household, Org, OrgKind
from tongxin.people.models import PartyMember, Person, PersonGroupMembership

from .bulk import ServiceWriter
from .street import SEED, CommunitySpec, StreetBuilder, StreetResult, StreetSpec, UnitSpec

_COMMUNITY_NAMES = (
    "新华 民主 胜利 光明 团结 幸福 园丁 康宁 滨河 福源 锦绣 阳光 振兴 利民 翠湖 南苑 北苑 东升 西苑 春晖 "
    "文化 健康 和顺 宏达 长青 银河 红光 东风 前进 兴安 站前 新城 河西 花园 育新 永安 华丰 泰和 丰收 平安 "
    "安居 康乐 青年 东兴 北站 明珠 龙泉 金桥 朝阳 霍林 清河 辽河 富强 金鼎 曙光 汇丰 "
).split()
_VILLAGE_NAMES = (
    "大林村 三合村 四合村 五家子嘎查 六家子村 新艾力嘎查 东兴村 西太平村 腰林毛都嘎查 双合村 长胜村 "
    "钱家店村 新立屯村 前进村 胜利嘎查 三义堂村"
).split()
_COMPOUND_SUFFIXES = ["小区", "花园", "家园"]

# (code, name, kind, residents)
DISTRICT_STREETS = [
    ("YQ", "永清街道", OrgKind.STREET, 128_600),
    ("HX", "红星街道", OrgKind.STREET, 128_600),
    ("XM", "西门街道", OrgKind.STREET, 128_600),
    ("MR", "明仁街道", OrgKind.STREET, 128_600),
    ("SJ", "施介街道", OrgKind.STREET, 128_600),
    ("JG", "建国街道", OrgKind.STREET, 128_600),
    ("DJ", "东郊街道", OrgKind.STREET, 128_400),
    ("DL", "大林镇", OrgKind.TOWNSHIP, 40_000),
    ("QJD", "钱家店镇", OrgKind.TOWNSHIP, 40_000),
]


def district_street_specs(scale: float = 1.0) -> list[StreetSpec]:
    """The nine streets and townships besides 八里铺街道; ``scale`` shrinks them (tests)."""
    specs = []
    community_names = iter(_COMMUNITY_NAMES)
    village_names = iter(_VILLAGE_NAMES)
    for index, (code, name, kind, residents) in enumerate(DISTRICT_STREETS, start=1):
        rural = kind == OrgKind.TOWNSHIP
        count = 8 if scale >= 1 else 2
        if rural:
            communities = [CommunitySpec(next(village_names), [], 5 if scale >= 1 else 1,
                                         (5, 7) if scale >= 1 else (1, 2)) for _ in range(count)]
            units = [UnitSpec(f"{name}中心学校", Domain.SCHOOL, co_building=True),
                     UnitSpec(f"{name}卫生院", Domain.PUBLIC_HOSPITAL),
                     UnitSpec(f"{name[:-1]}农牧业合作社", Domain.RURAL_PASTORAL, co_building=True)]
        else:
            communities = []
            for _ in range(count):
                base = next(community_names)
                communities.append(CommunitySpec(
                    f"{base}社区", [f"{base}{suffix}" for suffix in _COMPOUND_SUFFIXES],
                    7 if scale >= 1 else 1, (10, 14) if scale >= 1 else (1, 2)))
            units = [UnitSpec(f"{name[:-2]}小学", Domain.SCHOOL, co_building=True),
                     UnitSpec(f"{name[:-2]}社区卫生服务中心", Domain.PUBLIC_HOSPITAL),
                     UnitSpec(f"{name[:-2]}商贸有限公司", Domain.PRIVATE_ENTERPRISE, co_building=True),
                     UnitSpec(f"{name}社会组织服务中心", Domain.SOCIAL_ORG)]
        specs.append(StreetSpec(code, name, max(50, round(residents * scale)), communities, units, kind=kind,
                                leaders=5, community_staff=4, seed=SEED + index, index=index,
                                address="通辽市科尔沁区"))
    return specs


def district_writer():
    return ServiceWriter()


@dataclass
class StreetTask:
    spec: StreetSpec
    district_id: int
    with_accounts: bool = False


def _build_street(task: StreetTask) -> StreetResult:
    """Build one street in its own transaction (in a worker process, or in this one)."""
    district = Org.objects.get(pk=task.district_id)
    with transaction.atomic():
        result = StreetBuilder(task.spec, district=district, writer=district_writer()).build(
            with_accounts=task.with_accounts)
    result.street = None  # the Org does not travel back from a worker process
    return result


def _worker_start() -> None:
    # A forked worker must not share the parent's database connection.
    connections.close_all()


def build_district(*, district: Org, specs: list[StreetSpec] | None = None, demo_street: StreetSpec | None = None,
                   log: Callable[[str], None] = print, jobs: int = 1) -> int:
    """Build the streets of ``specs`` (and ``demo_street``, with the demo accounts) that do not
    exist yet; returns how many were built.

    With ``jobs`` > 1 on PostgreSQL, streets are built side by side in worker processes, each
    street in its own transaction: one process keeps one core busy with the services' Python
    work while the database takes in another street's rows.
    """
    specs = district_street_specs() if specs is None else specs
    tasks = [StreetTask(demo_street, district.pk, with_accounts=True)] if demo_street else []
    tasks += [StreetTask(spec, district.pk) for spec in specs]
    total = len(tasks)
    todo = []
    for task in tasks:
        if Org.objects.filter(code=task.spec.code).exists():
            log(f"  {task.spec.name}（{task.spec.code}）已存在，跳过")
        else:
            todo.append(task)
    # The largest first, so that the last to finish are small ones.
    todo.sort(key=lambda task: (not task.with_accounts, -task.spec.residents))
    started = time.perf_counter()
    done = total - len(todo)

    def report(result: StreetResult, spec: StreetSpec) -> None:
        log(f"  [{done}/{total}] {spec.name}（{spec.code}）：居民 {result.residents:,} 人，"
            f"{result.households:,} 户，党员 {result.members:,} 人，组织 {result.orgs:,} 个，"
            f"用时 {result.seconds:.1f} 秒（累计 {time.perf_counter() - started:.1f} 秒）")

    if jobs > 1 and len(todo) > 1 and connection.vendor == "postgresql" and not connection.in_atomic_block:
        connections.close_all()
        context = multiprocessing.get_context("fork")
        with context.Pool(min(jobs, len(todo)), initializer=_worker_start) as pool:
            by_code = {task.spec.code: task.spec for task in todo}
            for result in pool.imap_unordered(_build_street, todo):
                done += 1
                report(result, by_code[result.code])
    else:
        for task in todo:
            result = _build_street(task)
            done += 1
            report(result, task.spec)
    if todo:
        analyze_people_tables(vacuum=True)
    return len(todo)


def analyze_people_tables(*, vacuum: bool = False) -> None:
    """Refresh planner statistics (and the visibility map, for index-only counts) after a bulk load."""
    tables = [model._meta.db_table for model in (Org, Household, Person, PersonGroupMembership, PartyMember, AuditEntry)]
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            cursor.execute("ANALYZE")
            return
        # VACUUM cannot run inside a transaction (as in tests); ANALYZE can.
        verb = "VACUUM (ANALYZE)" if vacuum and not connection.in_atomic_block else "ANALYZE"
        for table in tables:
            cursor.execute(f"{verb} {connection.ops.quote_name(table)}")
