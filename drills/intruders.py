"""DRILL intruders: someone with a grid worker's login looks for what is not theirs; someone else
guesses passwords; someone tries to wipe their tracks from the audit log.

The app runs under gunicorn as a database role of its own (``manage.py grant_app_role``), as the
README's deployment says. Before the crawl, canaries are planted in another community: a person,
their voice and a session, all named 越界哨兵.

1. Crawl: log in as ``grid_worker`` through the login form and follow every link of every page
   (GET only, bounded in count and time), downloads included (.xlsx and .docx are read); then every
   GET of the API's OpenAPI schema, its path parameters filled with the canaries' ids and codes.
   No answer may hold a registered person's full ID number or phone (or any 18-digit number with
   a valid check digit), nor a canary; a canary asked for by id must be 403 or 404.
2. Twenty wrong passwords for one account: locked after five (the right password refused too),
   each failure and the lock in the audit log.
3. The audit log and the points ledger: a system admin tries the admin's change and delete pages;
   the app's database role tries UPDATE, DELETE, TRUNCATE and disabling the trigger. All refused.
"""

from __future__ import annotations

import io
import json
import os
import re
import time
import zipfile
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from tongxin.accounts.models import Role, RoleAssignment, User
from tongxin.accounts.services import account_create, role_grant
from tongxin.campaigns.models import Campaign
from tongxin.core import personal_data
from tongxin.core.audit import AuditAction
from tongxin.core.demo.street import DEMO_STREET_CODE
from tongxin.core.identity import id_check_char
from tongxin.core.models import AuditEntry
from tongxin.learning.models import SessionKind
from tongxin.learning.services.sessions import session_create
from tongxin.orgs.models import Org, OrgKind
from tongxin.people.models import Person
from tongxin.people.services import PersonData, person_create
from tongxin.points.models import PointsEntry
from tongxin.voices.models import VoiceKind
from tongxin.voices.services.intake import voice_submit

from .browser import Browser
from .cluster import Cluster
from .common import Server, call

CANARY = "越界哨兵"
APP_ROLE = "tongxin_app"
MAX_PAGES = 1500
MAX_SECONDS = 240
VARIANTS_PER_PATH = 4  # of the query string: pages, sorts and filters of one list
SKIP = ("/accounts/logout", "/static/", "/healthz", "/admin/logout")
ID_LIKE = re.compile(r"(?<![0-9])[0-9]{17}[0-9Xx](?![0-9])")
PHONE_LIKE = re.compile(r"(?<![0-9])1[3-9][0-9]{9}(?![0-9])")
TAGS = re.compile(r"<[^>]+>")


def _plant(street: Org, grid_worker: User) -> dict:
    """The canaries, in a community other than the grid worker's."""
    grid = RoleAssignment.objects.filter(user=grid_worker, role=Role.GRID_WORKER).select_related("org").first().org
    mine = Org.objects.filter(pk__in=[int(p) for p in grid.path.strip("/").split("/")], kind=OrgKind.COMMUNITY).first()
    other = Org.objects.filter(parent=street, kind=OrgKind.COMMUNITY).exclude(pk=mine.pk).order_by("code").first()
    place = Org.objects.filter(path__startswith=other.path, kind=OrgKind.BUILDING).order_by("path").first() or other
    first17 = "150502199001019" + "99"  # a made-up number no demo person has
    person = person_create(by=None, data=PersonData(name=CANARY, org=place, id_number=first17 + id_check_char(first17),
                                                    phone="13999990000", note=f"{CANARY}的备注"))
    user = account_create(by=None, username="canary_resident", password=settings.TONGXIN_DEMO_PASSWORD, person=person)
    role_grant(by=None, user=user, role=Role.RESIDENT, org=place)
    voice = voice_submit(by=user, kind=VoiceKind.OPINION, text=f"{CANARY}：我们小区的路灯坏了三盏，晚上看不见路")
    admin = User.objects.get(username="street_admin")
    now = timezone.now()
    session = session_create(by=admin, org=other, kind=SessionKind.GROUP_STUDY, topic=f"{CANARY}集中学习",
                             starts_at=now - timedelta(minutes=10), ends_at=now + timedelta(hours=1), place="会议室")
    return {"community": other, "person": person, "voice": voice, "session": session}


def _secrets() -> tuple[set[str], set[str]]:
    ids, phones = set(), set()
    for id_cipher, phone_cipher in Person.objects.values_list("id_number_encrypted", "phone_encrypted"):
        if id_cipher:
            ids.add(personal_data.decrypt(id_cipher))
        if phone_cipher:
            phones.add(personal_data.decrypt(phone_cipher))
    return ids, phones


def _readable(content_type: str, body: bytes) -> str:
    """The text a person would see: pages and JSON as they are; workbooks and documents unzipped."""
    if body[:2] == b"PK":
        try:
            with zipfile.ZipFile(io.BytesIO(body)) as archive:
                return " ".join(TAGS.sub(" ", archive.read(n).decode("utf-8", errors="replace"))
                                for n in archive.namelist() if n.endswith(".xml"))
        except zipfile.BadZipFile:
            return ""
    return body.decode("utf-8", errors="replace")


class Findings:
    def __init__(self, ids: set[str], phones: set[str]):
        self.ids, self.phones = ids, phones
        self.leaks: list[str] = []
        self.read = 0

    def check(self, where: str, text: str) -> None:
        self.read += 1
        for found in ID_LIKE.findall(text):
            if found in self.ids or found[17].upper() == id_check_char(found[:17]):
                self.leaks.append(f"{where}: an ID number {found[:6]}…")
        for found in PHONE_LIKE.findall(text):
            if found in self.phones:
                self.leaks.append(f"{where}: a phone {found[:3]}…")
        if CANARY in text:
            self.leaks.append(f"{where}: the canary of another community")


def _crawl(browser: Browser, findings: Findings) -> int:
    queue, seen, per_path = ["/"], {"/"}, {}
    started = time.monotonic()
    fetched = 0
    while queue and fetched < MAX_PAGES and time.monotonic() - started < MAX_SECONDS:
        path = queue.pop(0)
        page = browser.get(path)
        fetched += 1
        if page.status >= 500:
            findings.leaks.append(f"{path}: answered {page.status}")
        findings.check(path, _readable(page.content_type, page.body))
        for link in page.links():
            target = urlsplit(link)
            if target.scheme or target.netloc or not target.path.startswith("/") or target.path.startswith(SKIP):
                continue
            full = target.path + (f"?{target.query}" if target.query else "")
            if full in seen:
                continue
            variants = per_path.setdefault(target.path, set())
            if target.query and len(variants) >= VARIANTS_PER_PATH:
                continue
            variants.add(target.query)
            seen.add(full)
            queue.append(full)
    return fetched


def _api(base: str, token: str, canaries: dict, findings: Findings) -> tuple[int, list[str]]:
    """Every GET of the schema. Path parameters name the canaries (a campaign's slug: the demo's);
    a list that takes ``org`` is asked once more for the canaries' community. Asking for a canary
    by its id or code must be refused (403 or 404)."""
    schema = call(base, "GET", "/api/v1/openapi.json", token=token).body or {}
    campaign = Campaign.objects.order_by("pk").first()
    canary = {"code": canaries["community"].code, "person_id": canaries["person"].pk,
              "voice_id": canaries["voice"].pk, "session_id": canaries["session"].pk}
    calls, served = 0, []
    for path, operations in schema.get("paths", {}).items():
        if "get" not in operations:
            continue
        target = path.replace("{slug}", campaign.slug if campaign else "x")
        asks = [name for name in canary if "{" + name + "}" in target]
        for name in asks:
            target = target.replace("{" + name + "}", str(canary[name]))
        if "{" in target:
            continue  # a parameter no canary stands for
        tries = [(target, bool(asks))]
        if any(p.get("name") == "org" for p in operations["get"].get("parameters", [])):
            # A list under the other community: refused, or the caller's own scope under it
            # (nothing); either way no canary in it, which the findings check.
            tries.append((f"{target}?org={canary['code']}", False))
        for url, for_canary in tries:
            answer = call(base, "GET", url, token=token)
            calls += 1
            findings.check(f"API {url}", json.dumps(answer.body, ensure_ascii=False) if answer.body else "")
            if answer.status >= 500:
                findings.leaks.append(f"API {url}: answered {answer.status}")
            if for_canary and 200 <= answer.status < 300:
                served.append(f"API {url} answered {answer.status}")
    return calls, served


def _guess_passwords(base_port: int) -> tuple[bool, str]:
    user = account_create(by=None, username="drill_lock_target", password=settings.TONGXIN_DEMO_PASSWORD)
    browser = Browser(base_port)
    statuses = [browser.log_in(user.username, f"wrong-{i}").status for i in range(20)]
    right = Browser(base_port).log_in(user.username, settings.TONGXIN_DEMO_PASSWORD).status
    first_locked = next((i + 1 for i, s in enumerate(statuses) if s == 403), None)
    failed = AuditEntry.objects.filter(action=AuditAction.LOGIN_FAILED, changes__username=user.username).count()
    locked = AuditEntry.objects.filter(action=AuditAction.LOGIN_LOCKED, changes__username=user.username).count()
    ok = (first_locked is not None and first_locked <= 6 and all(s == 403 for s in statuses[first_locked - 1:])
          and right == 403 and failed >= 5 and locked >= 1)
    return ok, (f"20 wrong passwords: locked from attempt {first_locked}, right password then {right}; "
                f"audit: {failed} failures, {locked} lock")


def _tamper(port: int, app_url: str) -> tuple[int, int, list[str]]:
    """(refused, tried, what got through)."""
    through = []
    entry = AuditEntry.objects.order_by("pk").first()
    admin = Browser(port)
    admin.log_in("sysadmin", settings.TONGXIN_DEMO_PASSWORD)
    tried = refused = 0
    for path, form in ((f"/admin/core/auditentry/{entry.pk}/delete/", {"post": "yes"}),
                       (f"/admin/core/auditentry/{entry.pk}/change/", {"action": "nothing", "actor_name": "nobody"})):
        admin.get(path)
        answer = admin.post(path, form)
        tried += 1
        if answer.status in (403, 404, 405) and AuditEntry.objects.filter(pk=entry.pk, action=entry.action).exists():
            refused += 1
        else:
            through.append(f"admin {path}: {answer.status}")
    audit, ledger = AuditEntry._meta.db_table, PointsEntry._meta.db_table
    statements = [f"UPDATE {audit} SET action = 'x'", f"DELETE FROM {audit}", f"TRUNCATE {audit}",
                  f"ALTER TABLE {audit} DISABLE TRIGGER ALL", f"DROP TRIGGER core_auditentry_no_update_delete ON {audit}",
                  f"UPDATE {ledger} SET amount = amount + 100", f"DELETE FROM {ledger}", f"TRUNCATE {ledger}",
                  f"ALTER TABLE {ledger} DISABLE TRIGGER ALL"]
    with psycopg.connect(app_url, autocommit=True) as app:
        for sql in statements:
            tried += 1
            try:
                app.execute(sql)
                through.append(f"the app's role: {sql}")
            except psycopg.Error:
                refused += 1
    return refused, tried, through


def run(workdir: Path, cluster: Cluster) -> tuple[bool, str]:
    street = Org.objects.get(code=DEMO_STREET_CODE)
    grid_worker = User.objects.get(username="grid_worker")
    canaries = _plant(street, grid_worker)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP ROLE IF EXISTS {APP_ROLE}")
        cursor.execute(f"CREATE ROLE {APP_ROLE} LOGIN")
    call_command("grant_app_role", APP_ROLE, stdout=io.StringIO())
    app_url = cluster.url.replace("postgres://tongxin@", f"postgres://{APP_ROLE}@")
    findings = Findings(*_secrets())
    problems: list[str] = []
    owner_url = os.environ["DATABASE_URL"]
    os.environ["DATABASE_URL"] = app_url  # gunicorn connects as the app's role
    try:
        with Server(workers=3, log_path=workdir / "intruders-gunicorn.log") as server:
            browser = Browser(server.port)
            login = browser.log_in("grid_worker", settings.TONGXIN_DEMO_PASSWORD)
            if login.status != 302:
                problems.append(f"the grid worker could not log in ({login.status})")
            pages = _crawl(browser, findings)
            token = call(server.base, "POST", "/api/v1/auth/token",
                         payload={"username": "grid_worker", "password": settings.TONGXIN_DEMO_PASSWORD}).body["token"]
            calls, wrongly = _api(server.base, token, canaries, findings)
            locked_ok, locked_figures = _guess_passwords(server.port)
            refused, tried, through = _tamper(server.port, app_url)
    finally:
        os.environ["DATABASE_URL"] = owner_url
    problems += findings.leaks[:10] + wrongly[:10] + through
    if not locked_ok:
        problems.append(locked_figures)
    for problem in problems:
        print(f"  intruders: {problem}")
    if any("answered 5" in p or ": 500" in p for p in problems):
        print((workdir / "intruders-gunicorn.log").read_text(encoding="utf-8", errors="replace")[-3000:])
    figures = (f"grid worker crawled {pages} pages and {calls} API calls: {len(findings.leaks)} leaks, "
               f"{len(wrongly)} canaries served; {locked_figures}; audit and ledger tampering refused {refused}/{tried}")
    return not problems, figures
