"""DRILL backup: the backup and restore the README documents, done for real.

``pg_dump --format=custom`` of the running database (a consistent snapshot, taken while the app
may be writing), restored with ``pg_restore --no-owner --no-privileges`` into a new, empty cluster,
whose administrator then creates the app's role and grants it with ``manage.py grant_app_role``
(the grants of the old cluster name roles the new one may not have). Passes when, read as the
app's role, every table has the same number of rows, the points ledger the same totals, the audit
log the same entries (count, last id, and a digest of all of them); when the app's role still
cannot change the audit log; and when a person's encrypted ID number still reads back with the
deployment's data key. Prints how long the restore took.

``make drill-restore`` runs this drill alone.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import psycopg
from django.apps import apps
from django.db import connection

from .cluster import Cluster

APP_ROLE = "tongxin_app"

# The same facts read on both sides, as SQL (the restored cluster is not Django's connection).
LEDGER = ("SELECT COALESCE(SUM(amount), 0), COUNT(*) FROM points_pointsentry",
          "SELECT COALESCE(SUM(balance), 0), COALESCE(SUM(earned), 0), COALESCE(SUM(spent), 0) FROM points_pointsaccount")
AUDIT = "SELECT COUNT(*), MAX(id), md5(string_agg(id || action || object_id || changes::text, ',' ORDER BY id)) " \
        "FROM core_auditentry"


def _tables() -> list[str]:
    return sorted(m._meta.db_table for m in apps.get_models() if m._meta.managed and not m._meta.proxy)


def _facts(cursor, tables: list[str]) -> dict:
    facts = {}
    for table in tables:
        cursor.execute(f'SELECT COUNT(*) FROM "{table}"')
        facts[table] = cursor.fetchone()[0]
    for sql in (*LEDGER, AUDIT):
        cursor.execute(sql)
        facts[sql[:40]] = tuple(cursor.fetchone())
    return facts


def _person_sample(cursor) -> tuple | None:
    cursor.execute("SELECT id FROM people_person WHERE id_number_encrypted <> '' ORDER BY id LIMIT 1")
    return cursor.fetchone()


def run(workdir: Path, cluster: Cluster) -> tuple[bool, str]:
    from tongxin.core import personal_data
    from tongxin.people.models import Person

    tables = _tables()
    dump = workdir / "tongxin.dump"
    env = {**os.environ, "PGCONNECT_TIMEOUT": "10"}
    started = time.monotonic()
    subprocess.run([cluster.tool("pg_dump"), "--format=custom", "--file", str(dump), cluster.url], check=True,
                   env=env, timeout=600)
    dump_seconds = time.monotonic() - started
    with connection.cursor() as cursor:
        before = _facts(cursor, tables)
        sample = _person_sample(cursor)
    original_id = Person.objects.get(pk=sample[0]).id_number if sample else None

    problems: list[str] = []
    with Cluster("restore") as target:
        started = time.monotonic()
        subprocess.run([target.tool("pg_restore"), "--exit-on-error", "--no-owner", "--no-privileges",
                        "--dbname", target.url, str(dump)], check=True, env=env, timeout=1800)
        restore_seconds = time.monotonic() - started
        # The README's next step: the new cluster's administrator creates the app's role, the owner grants it.
        with psycopg.connect(target.url, autocommit=True) as owner:
            owner.execute(f"CREATE ROLE {APP_ROLE} LOGIN")
        subprocess.run([sys.executable, "manage.py", "grant_app_role", APP_ROLE], check=True, timeout=120,
                       cwd=Path(__file__).resolve().parent.parent, env={**env, "DATABASE_URL": target.url},
                       stdout=subprocess.DEVNULL)
        app_url = target.url.replace("postgres://tongxin@", f"postgres://{APP_ROLE}@")
        with psycopg.connect(app_url) as restored, restored.cursor() as cursor:
            after = _facts(cursor, tables)
            encrypted = None
            if sample:
                cursor.execute("SELECT id_number_encrypted FROM people_person WHERE id = %s", [sample[0]])
                encrypted = cursor.fetchone()[0]
            restored.rollback()
            try:
                cursor.execute("UPDATE core_auditentry SET action = action WHERE id = (SELECT MIN(id) FROM core_auditentry)")
                problems.append("the app's role may change the restored audit log")
            except psycopg.errors.InsufficientPrivilege:
                pass
    differ = {key: (before[key], after.get(key)) for key in before if before[key] != after.get(key)}
    if differ:
        problems.append(f"differs after the restore: {dict(list(differ.items())[:5])}")
    if sample:
        # Read the restored ciphertext with the deployment's key, as the app would.
        if personal_data.decrypt(encrypted) != original_id:
            problems.append("a restored ID number does not read back with the data key")
    for problem in problems:
        print(f"  backup: {problem}")
    rows = sum(v for k, v in before.items() if k in tables)
    audit = before[AUDIT[:40]]
    figures = (f"{len(tables)} tables, {rows:,} rows, {audit[0]:,} audit entries, ledger "
               f"{before[LEDGER[0][:40]][0]:,} points: all equal after the restore, read as the re-granted app role; dump {dump.stat().st_size / 1e6:.1f} MB "
               f"in {dump_seconds:.1f} s, restore into a new cluster {restore_seconds:.1f} s")
    return not problems, figures
