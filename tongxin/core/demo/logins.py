"""The demo accounts: one per role, each scoped where that role works."""

from __future__ import annotations

from dataclasses import dataclass

from tongxin.accounts.models import Role


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    scope: str  # which org: city, district, street, community, grid, building
    person: str  # which resident the account is linked to, "" for none
    duty: str  # what the account is for, shown by ``demo_logins``


DEMO_LOGINS: tuple[DemoLogin, ...] = (
    DemoLogin("street_admin", Role.STREET_ADMIN, "street", "leader", "街道党工委：部署活动、分配包联、看全部数字、发通报"),
    DemoLogin("community_worker", Role.COMMUNITY_WORKER, "community", "community_staff",
              "社区书记：花名册、学习活动、民意、积分超市"),
    DemoLogin("grid_worker", Role.GRID_WORKER, "grid", "grid_worker", "网格员：走访、送学上门、待办（手机）"),
    DemoLogin("building_head", Role.BUILDING_HEAD, "building", "building_head", "楼栋长：本楼栋的走访与通知"),
    DemoLogin("member", Role.PARTY_MEMBER, "community", "member", "党员：学习、签到、答题、认领心愿"),
    DemoLogin("resident", Role.RESIDENT, "community", "resident", "居民：签到、积分、提交心声与心愿"),
    DemoLogin("superior", Role.SUPERIOR, "district", "", "上级/巡回指导组：只读汇总与报告"),
    DemoLogin("sysadmin", Role.SYSTEM_ADMIN, "city", "", "系统管理员：新建、停用账号（可进入 /admin/）"),
    DemoLogin("secadmin", Role.SECURITY_ADMIN, "city", "", "安全管理员：角色授权、登录锁定（可进入 /admin/）"),
    DemoLogin("auditor", Role.AUDITOR, "city", "", "审计员：审计日志"),
)

DEMO_USERNAMES = tuple(login.username for login in DEMO_LOGINS)
