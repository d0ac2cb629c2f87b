"""python manage.py grant_app_role ROLE: what the application's own database role may do.

Run by the owner of the tables (the role ``migrate`` runs as) after each ``migrate``; PostgreSQL
only. The application then connects as ROLE, which may read and write rows but owns nothing: it
cannot alter a table, drop or disable a trigger, or truncate. On the append-only tables — the
audit log and the points ledger — it may only add rows and read them. New tables that later
migrations create get the same grants (default privileges). The role itself is created by the
database administrator (``CREATE ROLE tongxin_app LOGIN PASSWORD '…'``); see the README.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from tongxin.core.models import AuditEntry
from tongxin.points.models import PointsEntry

APPEND_ONLY = (AuditEntry, PointsEntry)


def grant_statements(role: str) -> list[str]:
    quote = connection.ops.quote_name
    who = quote(role)
    tables = ", ".join(quote(m._meta.db_table) for m in APPEND_ONLY)
    return [
        f"GRANT USAGE ON SCHEMA public TO {who}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {who}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {who}",
        f"REVOKE UPDATE, DELETE, TRUNCATE ON {tables} FROM {who}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {who}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {who}",
    ]


class Command(BaseCommand):
    help = "授予应用数据库角色读写数据的权限（审计日志和积分流水只能追加）；在 migrate 之后由表的所有者运行"

    def add_arguments(self, parser):
        parser.add_argument("role", help="应用连接数据库所用的角色，如 tongxin_app")

    def handle(self, *args, role: str, **options):
        if connection.vendor != "postgresql":
            raise CommandError("只用于 PostgreSQL")
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
            if cursor.fetchone() is None:
                raise CommandError(f"数据库角色 {role} 不存在，请先由数据库管理员创建")
            with transaction.atomic():
                for statement in grant_statements(role):
                    cursor.execute(statement)
        self.stdout.write(f"已授权：{role} 可读写业务数据；审计日志与积分流水只能追加，不能修改、删除或清空。")
