"""The district-wide campaign at benchmark size: about ten million check-ins in 科尔沁区.

``seed_district_activity`` gives the district one campaign "感党恩、听党话、跟党走" over eight weeks
(seven done, the current one under way) and, street by street, the work of those weeks:

* sessions — per community 集中学习 on Tuesday and Friday afternoons and a 讲堂 on Thursdays; per
  grid a 微课堂 on Wednesday evenings and a 宣讲 on Saturday mornings (the 五进 in turn);
* attendance — about ten per resident: most people are reached, each comes to some of the
  sessions of their grid and community; members to their group study;
* deliveries — 送学上门 for infirm members, 网络助学 for mobile ones.

The structure (campaign, plans) goes through the services. The volume goes in by bulk insert:
sessions and deliveries with one audit entry each (``audit_record_many``), attendance by COPY on
PostgreSQL (``insert_rows``) with one audit entry per session that counts its check-ins — an
entry per check-in would double the load for no reader.

Each street is one transaction: an interrupted run leaves whole streets, and a re-run fills in
only the streets that have no session of the campaign yet. On PostgreSQL streets are loaded side
by side in worker processes, as ``district.build_district`` does for the people.
"""

from __future__ import annotations

import multiprocessing
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import connection, connections, transaction
from django.utils import timezone

from tongxin.campaigns.models import Campaign, PlanKind
from tongxin.campaigns.services import campaign_create, plan_create
from tongxin.core.audit import AuditAction, audit_record_many
from tongxin.core.bulk_insert import insert_instances, insert_rows
from tongxin.learning.models import (
    Attendance, AttendanceMethod, Delivery, DeliveryKind, Session, SessionKind, SessionStatus,
)
from tongxin.learning.services.attendance import attendance_recount
from tongxin.orgs.models import Domain, Org, OrgKind
from tongxin.people.models import Person

from . import texts
from .coverage_hook import refresh_coverage
from .sessions import at

SEED = 2024_10
WEEKS_DONE = 7
WEEKS = 8

# Per-session chance that a reached person comes (see the module docstring).
TURNOUT = {
    SessionKind.MICRO_CLASS: 0.6, SessionKind.OUTREACH: 0.6, SessionKind.LECTURE: 0.32,
    SessionKind.GROUP_STUDY: 0.6,
}
REACH_RESIDENT = (0.86, 0.97)  # by grid
REACH_MEMBER = 0.97
REACH_INFIRM = 0.85
REACH_MOBILE = 0.6

# Cheap per-row variety, chosen by person id: minutes after the start (a few before it), method.
_OFFSETS = [timedelta(minutes=m) for m in (-25, -20, -15, -12, -10, -8, -6, -5, -4, -3, -2, -1, 0, 1, 2, 3, 5, 8,
                                           10, 15)]
_METHODS = [AttendanceMethod.QR] * 16 + [AttendanceMethod.ROSTER] * 2 + [AttendanceMethod.SIGN_SHEET] * 2


def district_campaign(district: Org) -> Campaign | None:
    return Campaign.objects.filter(scope=district, name=texts.CAMPAIGN_NAME).first()


def ensure_district_campaign(district: Org, today: date) -> Campaign:
    campaign = district_campaign(district)
    if campaign is not None:
        return campaign
    monday = today - timedelta(days=today.weekday())
    starts_on = monday - timedelta(weeks=WEEKS_DONE)
    with transaction.atomic():
        campaign = campaign_create(by=None, name=texts.CAMPAIGN_NAME, theme=texts.CAMPAIGN_THEME, starts_on=starts_on,
                                   slug=texts.campaign_slug(district),
                                   ends_on=starts_on + timedelta(weeks=WEEKS + 1, days=-1), scope=district,
                                   targets_members=True, targets_residents=True)
        overall = plan_create(by=None, campaign=campaign, kind=PlanKind.OVERALL, issued_on=starts_on,
                              title=f"{district.name}“感党恩、听党话、跟党走”群众教育实践活动实施方案",
                              body=texts.OVERALL_PLAN_BODY)
        for domain in texts.DOMAIN_PROCEDURES:
            plan_create(by=None, campaign=campaign, kind=PlanKind.DOMAIN, domain=domain, parent=overall,
                        issued_on=starts_on, title=f"{Domain(domain).label}领域群众教育实践活动操作规程",
                        body=texts.DOMAIN_PROCEDURE_BODY[domain])
    return campaign


@dataclass
class StreetActivity:
    code: str
    name: str
    sessions: int = 0
    attendances: int = 0
    deliveries: int = 0
    seconds: float = 0.0
    skipped: bool = False


@dataclass
class ActivityTask:
    street_id: int
    campaign_id: int
    now: datetime


def _street_activity(task: ActivityTask) -> StreetActivity:
    street = Org.objects.get(pk=task.street_id)
    campaign = Campaign.objects.select_related("scope").get(pk=task.campaign_id)
    started = time.perf_counter()
    with transaction.atomic():
        result = _load_street(street, campaign, task.now)
    result.seconds = time.perf_counter() - started
    return result


def _load_street(street: Org, campaign: Campaign, now: datetime) -> StreetActivity:
    result = StreetActivity(street.code, street.name)
    if Session.objects.filter(campaign=campaign, org_path__startswith=street.path).exists():
        result.skipped = True
        return result
    rng = random.Random(SEED + street.pk)
    today = timezone.localdate(now)
    starts_on = campaign.starts_on
    places = list(Org.objects.filter(path__startswith=street.path, kind__in=[
        OrgKind.COMMUNITY, OrgKind.VILLAGE, OrgKind.GRID]).order_by("path"))
    communities = [o for o in places if o.kind != OrgKind.GRID]
    grids = [o for o in places if o.kind == OrgKind.GRID]

    # -- sessions ---------------------------------------------------------------------------
    sessions: list[Session] = []

    def add(org: Org, kind: str, topic: str, day: date, hour: int, minute: int, minutes: int, **extra) -> None:
        starts_at = at(day, hour, minute)
        if day > today + timedelta(days=7):
            return
        ends_at = starts_at + timedelta(minutes=minutes)
        sessions.append(Session(
            campaign=campaign, org=org, org_path=org.path, kind=kind, topic=topic, starts_at=starts_at,
            ends_at=ends_at, status=SessionStatus.CLOSED if ends_at <= now else SessionStatus.PLANNED, **extra))

    for ci, community in enumerate(communities):
        center = f"{community.name}党群服务中心"
        for week in range(WEEKS):
            day = starts_on + timedelta(weeks=week)
            for k, weekday in enumerate((1, 4)):
                add(community, SessionKind.GROUP_STUDY,
                    texts.GROUP_STUDY_TOPICS[(2 * week + k + ci) % len(texts.GROUP_STUDY_TOPICS)],
                    day + timedelta(days=weekday), 15, 0, 120, place=f"{center}会议室")
            add(community, SessionKind.LECTURE, f"{community.name}大讲堂：{texts.PARTY_LECTURE_TOPICS[week % 6]}",
                day + timedelta(days=3), 9, 0, 120, place=f"{center}多功能厅")
    for gi, grid in enumerate(grids):
        for week in range(WEEKS):
            day = starts_on + timedelta(weeks=week)
            add(grid, SessionKind.MICRO_CLASS,
                texts.MICRO_CLASS_TOPICS[(week + gi) % len(texts.MICRO_CLASS_TOPICS)],
                day + timedelta(days=2), 19, 0, 60, place=f"{grid.name}党群服务站")
            where = texts.OUTREACH_ORDER[(week + gi) % len(texts.OUTREACH_ORDER)]
            add(grid, SessionKind.OUTREACH, texts.OUTREACH[where][0], day + timedelta(days=5), 9, 30, 90,
                place=f"{grid.name}{texts.OUTREACH[where][1]}", outreach_place=where)
    insert_instances(Session, sessions)
    audit_record_many(by=None, action=AuditAction.SESSION_CREATED, objects=sessions, changes_for=lambda s: {
        "org": s.org.code, "kind": s.kind, "topic": s.topic, "starts_at": s.starts_at.isoformat(),
        "ends_at": s.ends_at.isoformat(), "campaign": campaign.slug})
    result.sessions = len(sessions)

    # -- who is reached, and where they come ------------------------------------------------
    held: dict[str, list[Session]] = {}
    for session in sessions:
        if session.status == SessionStatus.CLOSED:
            held.setdefault(session.org_path, []).append(session)
    grid_reach = {g.path: rng.uniform(*REACH_RESIDENT) for g in grids}
    grid_paths = {g.path for g in grids}
    community_paths = [c.path for c in communities]
    # Reached persons per place and kind of audience: grid → residents and members; community → members.
    by_grid: dict[str, list[int]] = {}
    members_by_community: dict[str, list[int]] = {}
    everyone_by_community: dict[str, list[int]] = {}
    infirm: list[int] = []
    mobile: list[int] = []
    rows = (Person.objects.filter(org_path__startswith=street.path, is_active=True).order_by()
            .values_list("id", "org_path", "party_member__id", "party_member__needs_home_delivery",
                         "party_member__is_mobile").iterator(chunk_size=20_000))
    random_ = rng.random
    for pk, org_path, member_id, is_infirm, is_mobile in rows:
        grid_path = org_path[:org_path.rindex("/", 0, len(org_path) - 1) + 1]  # the building's parent
        if grid_path not in grid_paths:
            grid_path = next((p for p in grid_paths if org_path.startswith(p)), "")
        community_path = next((p for p in community_paths if org_path.startswith(p)), "")
        if member_id is not None:
            if is_infirm:
                if random_() < REACH_INFIRM:
                    infirm.append(pk)
                continue
            if is_mobile:
                if random_() < REACH_MOBILE:
                    mobile.append(pk)
                continue
            if random_() >= REACH_MEMBER:
                continue
            members_by_community.setdefault(community_path, []).append(pk)
        elif random_() >= grid_reach.get(grid_path, REACH_RESIDENT[0]):
            continue
        by_grid.setdefault(grid_path, []).append(pk)
        everyone_by_community.setdefault(community_path, []).append(pk)

    def audience(session: Session) -> list[int]:
        if session.kind == SessionKind.GROUP_STUDY:
            return members_by_community.get(session.org_path, [])
        if session.kind == SessionKind.LECTURE:
            return everyone_by_community.get(session.org_path, [])
        return by_grid.get(session.org_path, [])

    came: set[int] = set()
    plan: list[tuple[Session, list[int]]] = []
    for path, held_here in held.items():
        for session in held_here:
            people = audience(session)
            share = TURNOUT[session.kind] * rng.uniform(0.75, 1.25)
            chosen = rng.sample(people, min(len(people), round(len(people) * share)))
            plan.append((session, chosen))
            came.update(chosen)
    # Whoever is reached came at least once: to one of the sessions of their grid.
    for path, people in by_grid.items():
        options = held.get(path, [])
        extra: dict[int, list[int]] = {}
        for pk in people:
            if options and pk not in came:
                extra.setdefault(rng.randrange(len(options)), []).append(pk)
        plan += [(options[index], pks) for index, pks in extra.items()]

    fields = ["session", "person", "campaign", "method", "checked_in_at"]
    campaign_id = campaign.pk

    def attendance_rows():
        for session, pks in plan:
            sid, start = session.pk, session.starts_at
            for pk in pks:
                yield sid, pk, campaign_id, _METHODS[pk % 20], start + _OFFSETS[(pk * 7 + sid) % 20]

    # Streamed, session by session: a street's million rows never sit in memory at once.
    result.attendances = insert_rows(Attendance, fields, attendance_rows())
    attendance_recount(Session.objects.filter(pk__in=[s.pk for s in sessions]))
    counts: dict[int, int] = {}
    for session, pks in plan:
        counts[session.pk] = counts.get(session.pk, 0) + len(pks)
    audit_record_many(by=None, action=AuditAction.ATTENDANCE_RECORDED, objects=[s for s in sessions if s.pk in counts],
                      changes_for=lambda s: {"session": s.pk, "count": counts[s.pk], "source": "demo"})

    # -- study brought home -----------------------------------------------------------------
    days = max((today - starts_on).days, 1)

    def when() -> datetime:
        moment = at(starts_on + timedelta(days=rng.randrange(days)), rng.randint(9, 17), rng.randrange(0, 60, 10))
        return min(moment, now - timedelta(hours=1))

    deliveries = [Delivery(campaign=campaign, person_id=pk, kind=DeliveryKind.HOME, delivered_at=when(),
                           note="上门送学") for pk in infirm for _n in range(rng.randint(1, 3))]
    deliveries += [Delivery(campaign=campaign, person_id=pk, kind=DeliveryKind.ONLINE, delivered_at=when(),
                            note="微信推送") for pk in mobile for _n in range(rng.randint(1, 4))]
    insert_instances(Delivery, deliveries)
    audit_record_many(by=None, action=AuditAction.DELIVERY_RECORDED, objects=deliveries, changes_for=lambda d: {
        "person": d.person_id, "kind": d.kind, "campaign": campaign.slug})
    result.deliveries = len(deliveries)
    return result


def _worker_start() -> None:
    connections.close_all()  # a forked worker must not share the parent's connection


def per_street(load: Callable, tasks: list, jobs: int) -> Iterator:
    """``load(task)`` for each street's task, as each finishes: side by side in ``jobs`` worker
    processes on PostgreSQL (outside a transaction), else one after the other."""
    if jobs > 1 and len(tasks) > 1 and connection.vendor == "postgresql" and not connection.in_atomic_block:
        connections.close_all()
        with multiprocessing.get_context("fork").Pool(min(jobs, len(tasks)), initializer=_worker_start) as pool:
            yield from pool.imap_unordered(load, tasks)
    else:
        for task in tasks:
            yield load(task)


def seed_district_activity(district: Org, *, now: datetime | None = None, log: Callable[[str], None] = print,
                           jobs: int = 1) -> Campaign:
    """The district campaign and its eight weeks of work, street by street (see the module
    docstring); streets that have it already are left as they are."""
    now = now or timezone.now()
    campaign = ensure_district_campaign(district, timezone.localdate(now))
    streets = list(Org.objects.filter(parent=district, kind__in=[OrgKind.STREET, OrgKind.TOWNSHIP]).order_by("code"))
    tasks = [ActivityTask(s.pk, campaign.pk, now) for s in streets]
    started = time.perf_counter()
    done = 0

    def report(result: StreetActivity) -> None:
        if result.skipped:
            log(f"  {result.name}（{result.code}）已有活动记录，跳过")
        else:
            log(f"  [{done}/{len(tasks)}] {result.name}（{result.code}）：学习活动 {result.sessions:,} 场，"
                f"签到 {result.attendances:,} 人次，送学 {result.deliveries:,} 次，用时 {result.seconds:.1f} 秒"
                f"（累计 {time.perf_counter() - started:.1f} 秒）")

    loaded = 0
    for result in per_street(_street_activity, tasks, jobs):
        done += 1
        loaded += not result.skipped
        report(result)
    if loaded:
        analyze_activity_tables(vacuum=True)
        refresh_coverage(campaign)
    return campaign


def analyze_activity_tables(*, vacuum: bool = False) -> None:
    """Planner statistics (and the visibility map for index-only scans) after a bulk load."""
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            cursor.execute("ANALYZE")
            return
        verb = "VACUUM (ANALYZE)" if vacuum and not connection.in_atomic_block else "ANALYZE"
        for model in (Session, Attendance, Delivery):
            cursor.execute(f"{verb} {connection.ops.quote_name(model._meta.db_table)}")
