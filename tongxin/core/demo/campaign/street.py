"""The demo street's campaign "感党恩、听党话、跟党走", about eight weeks long: five weeks done, the
current one under way, two to come.

The structure goes through the services, as a street office would enter it, so each row has its
audit entry: the campaign, its plans "1+7+N", required and optional actions, measures, the weekly
timetable, every session (past ones closed, one per community open now, some planned in the
coming two weeks), materials and their distribution to communities and units, the pocket books
and mp3 players handed over, reflections with their review, bulletins, and the completions
recorded with a report or a session. The volume — attendance and the deliveries that hand nothing
over — goes in by bulk insert with one audit entry per row (``audit_record_many``).

Who is reached is decided first and the records are made to match, so coverage comes out high
but not complete: regular members almost all, infirm members mostly (送学上门, mp3), mobile members
much less (网络助学, 口袋书), residents by grid, with a few grids well behind. The gap lists and the
grid workers' to-do therefore show real people.

Everything random comes from one ``random.Random`` seeded per street; times follow ``now``.
"""

from __future__ import annotations

import random
import time as clock
import zlib
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from tongxin.campaigns.models import Campaign, CampaignTask, PlanKind
from tongxin.campaigns.services import campaign_create, measure_create, plan_create, task_complete, task_create
from tongxin.learning.models import MaterialKind, SessionKind
from tongxin.learning.services.bulletins import bulletin_create
from tongxin.learning.services.materials import distribution_record, material_create
from tongxin.learning.services.reflections import ReviewDecision, reflection_review, reflection_submit
from tongxin.learning.services.sessions import schedule_item_create
from tongxin.orgs.models import Domain, Org
from tongxin.people.models import Person

from . import texts
from .coverage_hook import refresh_coverage
from .people import StreetPeople, read_street
from .reach import ReachMixin
from .sessions import WEEKS, WEEKS_DONE, PlannedSession, SessionPlanner, at

SEED = 8_1_2024  # 八一 and the year the street was first seeded


@dataclass
class CampaignResult:
    campaign: Campaign | None
    sessions: int = 0
    attendances: int = 0
    deliveries: int = 0
    seconds: float = 0.0


def demo_campaign(street: Org) -> Campaign | None:
    return Campaign.objects.filter(scope=street, name=texts.CAMPAIGN_NAME).first()


def seed_campaign(street: Org, now: datetime | None = None) -> CampaignResult:
    """The campaign of ``street`` with its eight weeks of work; nothing if it exists already."""
    started = clock.perf_counter()
    existing = demo_campaign(street)
    if existing is not None:
        return CampaignResult(existing)
    now = now or timezone.now()
    with transaction.atomic():
        result = StreetCampaignBuilder(street, now).build()
        refresh_coverage(result.campaign)
    result.seconds = clock.perf_counter() - started
    return result


class StreetCampaignBuilder(SessionPlanner, ReachMixin):
    def __init__(self, street: Org, now: datetime):
        self.street = street
        self.now = now
        self.today = timezone.localdate(now)
        # Seeded by the street's code, not its id: the same street comes out on every database.
        self.rng = random.Random(SEED + zlib.crc32(street.code.encode()))
        self.monday = self.today - timedelta(days=self.today.weekday())
        self.starts_on = self.monday - timedelta(weeks=WEEKS_DONE)
        self.ends_on = self.starts_on + timedelta(weeks=WEEKS, days=-1)
        self.sp: StreetPeople = read_street(street, self.today)
        self.admin = self.sp.admin
        self.planned: list[PlannedSession] = []

    def day(self, week: int, weekday: int) -> date:
        return self.starts_on + timedelta(weeks=week, days=weekday)

    # -- the whole campaign -------------------------------------------------------------------
    def build(self) -> CampaignResult:
        self._campaign()
        self._plans()
        self._tasks_and_measures()
        self._materials()
        self._schedule()
        self._plan_sessions()
        self._create_sessions()
        reached = self._decide_reach()
        attendances = self._attend(reached)
        deliveries = self._deliver(reached)
        self._reflections()
        self._completions()
        self._bulletins()
        return CampaignResult(self.campaign, sessions=len(self.planned), attendances=attendances,
                              deliveries=deliveries)

    def _campaign(self) -> None:
        self.campaign = campaign_create(
            by=self.admin, name=texts.CAMPAIGN_NAME, theme=texts.CAMPAIGN_THEME, starts_on=self.starts_on,
            slug=texts.campaign_slug(self.street),
            ends_on=self.ends_on, scope=self.street, targets_members=True, targets_residents=True,
        )

    # -- "1+7+N" ----------------------------------------------------------------------------
    def _plans(self) -> None:
        street, by, issued = self.street, self.admin, self.starts_on
        self.overall = plan_create(
            by=by, campaign=self.campaign, kind=PlanKind.OVERALL, issued_on=issued, body=texts.OVERALL_PLAN_BODY,
            title=f"{street.name}“感党恩、听党话、跟党走”群众教育实践活动实施方案")
        self.domain_plans = {}
        for domain in texts.DOMAIN_PROCEDURES:
            self.domain_plans[domain] = plan_create(
                by=by, campaign=self.campaign, kind=PlanKind.DOMAIN, domain=domain, issued_on=issued,
                title=f"{Domain(domain).label}领域群众教育实践活动操作规程", body=texts.DOMAIN_PROCEDURE_BODY[domain])
        for org in [c.org for c in self.sp.communities] + self.sp.units:
            plan_create(by=by, campaign=self.campaign, kind=PlanKind.UNIT, org=org,
                        issued_on=min(issued + timedelta(days=self.rng.randint(2, 6)), self.today),
                        title=f"{org.name}群众教育实践活动子方案",
                        body=f"结合{org.name}实际，细化学习教育、听取民意、为民办事各项任务，明确责任人和完成时限。")

    def _tasks_and_measures(self) -> None:
        self.tasks: dict[str, CampaignTask] = {}
        for title, week, required, proof, session_kind, domain, description in texts.TASKS:
            due = min(self.day(week, 6), self.ends_on)
            plan = self.domain_plans.get(domain) if domain else self.overall
            self.tasks[title] = task_create(
                by=self.admin, campaign=self.campaign, title=title, due_on=due, required=required,
                domain=domain or "", org=None if domain else self.street, plan=plan, description=description,
                proof_kind=proof, session_kind=session_kind)
        for domain, title, description in texts.MEASURES:
            plan = self.domain_plans.get(domain) if domain else self.overall
            measure_create(by=self.admin, campaign=self.campaign, title=title, plan=plan, description=description,
                           org=None if domain else self.street)

    # -- materials --------------------------------------------------------------------------
    def _materials(self) -> None:
        by, street, c = self.admin, self.street, self.campaign
        self.materials = {
            title: material_create(by=by, org=street, campaign=c, title=title, kind=kind, stock=stock)
            for title, kind, stock in [
                (texts.BOOK, MaterialKind.BOOK, 1200), (texts.ROUTE_BOOK, MaterialKind.BOOK, 300),
                (texts.POCKET_BOOK, MaterialKind.POCKET_BOOK, 600), (texts.MP3, MaterialKind.MP3_PLAYER, 100),
                (texts.AUDIO, MaterialKind.AUDIO, 0), (texts.VIDEO, MaterialKind.VIDEO, 0),
                (texts.ARTICLE, MaterialKind.ARTICLE, 0),
            ]
        }
        # The books go to the communities and units in bulk in the first week (千余册).
        when = at(self.day(0, 2), 10)
        for place in self.sp.communities:
            distribution_record(by=by, material=self.materials[texts.BOOK], quantity=120, org=place.org,
                                distributed_at=when, note="规定书目，发放至社区党组织")
            distribution_record(by=by, material=self.materials[texts.ROUTE_BOOK], quantity=30, org=place.org,
                                distributed_at=when + timedelta(minutes=5))
        for unit in self.sp.units:
            distribution_record(by=by, material=self.materials[texts.BOOK], quantity=20, org=unit,
                                distributed_at=when + timedelta(hours=1), note="规定书目")

    # -- the timetable ----------------------------------------------------------------------
    def _schedule(self) -> None:
        for place in self.sp.communities:
            by = place.worker or self.admin
            for weekday, start, end, kind, topic, where in texts.SCHEDULE:
                schedule_item_create(by=by, org=place.org, weekday=weekday, starts_at=time(*start),
                                     ends_at=time(*end), kind=kind, topic=topic, place=f"{place.org.name}{where}"
                                     if kind == SessionKind.GROUP_STUDY else where, campaign=self.campaign)
            for grid in place.grids:
                schedule_item_create(by=self.sp.staff_for(grid), org=grid, weekday=3, starts_at=time(19, 0),
                                     ends_at=time(20, 0), kind=SessionKind.MICRO_CLASS, topic="网格微课堂",
                                     place=f"{grid.name}党群服务站", campaign=self.campaign)
        if self.sp.office_branch is not None:
            schedule_item_create(by=self.admin, org=self.sp.office_branch, weekday=1, starts_at=time(8, 30),
                                 ends_at=time(10, 0), topic="机关党支部集中学习", place=f"{self.street.name}办事处三楼会议室",
                                 campaign=self.campaign)

    # -- reflections, completions, bulletins ------------------------------------------------
    def _reflections(self) -> None:
        rng = self.rng
        candidates = defaultdict(list)
        for a, p in ((a, p) for p in self.planned if not p.open_now for a in p.attendees):
            if a.id not in self.sp.account_persons and p.kind in (SessionKind.GROUP_STUDY, SessionKind.PARTY_LECTURE,
                                                                  SessionKind.LECTURE, SessionKind.FIELD_VISIT):
                key = a.community.pk if a.community else 0
                candidates[key].append((a, p))
        persons = Person.objects.in_bulk([a.id for items in candidates.values() for a, _p in items])
        reviewers = {c.org.pk: c.worker for c in self.sp.communities}
        written = set()
        for key in sorted(candidates):
            items = candidates[key]
            rng.shuffle(items)
            count = 0
            for author, planned in items:
                if author.id in written or count >= 4:
                    continue
                written.add(author.id)
                count += 1
                topic = planned.topic.split("：")[0]
                text = (rng.choice(texts.REFLECTION_OPENINGS).format(topic=f"“{topic}”") +
                        "".join(rng.sample(texts.REFLECTION_MIDDLES, 2)) + rng.choice(texts.REFLECTION_CLOSINGS))
                reflection = reflection_submit(by=None, person=persons[author.id], session=planned.session,
                                               title=rng.choice(texts.REFLECTION_TITLES), text=text)
                reviewer = reviewers.get(key) or self.admin
                # The first three show each state a reviewer meets; the rest fall as they may.
                roll = (0.1, 0.9, 0.65)[len(written) - 1] if len(written) <= 3 else rng.random()
                if roll < 0.6:
                    reflection_review(by=reviewer, reflection=reflection, decision=ReviewDecision.APPROVE)
                    if roll < 0.25:
                        reflection_review(by=reviewer, reflection=reflection, decision=ReviewDecision.EXCELLENT,
                                          note="联系实际、感悟真切，推荐在简报刊发")
                elif roll < 0.7:
                    reflection_review(by=reviewer, reflection=reflection, decision=ReviewDecision.RETURN,
                                      note="请结合自身工作和生活实际，谈谈具体打算")

    def _completions(self) -> None:
        tasks, sp = self.tasks, self.sp
        sub_plan = tasks["召开动员部署会议，制定子方案"]
        for i, place in enumerate(sp.communities):
            late = i == len(sp.communities) - 1 and i > 0
            task_complete(by=place.worker or self.admin, task=sub_plan, org=place.org,
                          completed_on=sub_plan.due_on + timedelta(days=3 if late else -2),
                          report=f"{place.org.name}召开动员部署会议，制定并印发子方案，已报街道党工委备案。")
        lecture_task = tasks["社区党组织书记讲专题党课"]
        for place in sp.communities[: (len(sp.communities) + 1) // 2]:
            session = next((p.session for p in self.planned if p.org.pk == place.org.pk
                            and p.kind == SessionKind.PARTY_LECTURE and p.ends_at <= self.now), None)
            if session is not None:
                task_complete(by=place.worker or self.admin, task=lecture_task, org=place.org, session=session)
        government = [u for u in sp.units if u.domain == Domain.GOVERNMENT]
        if government:
            task = tasks["机关党员到社区报到"]
            task_complete(by=self.admin, task=task, org=government[0], completed_on=task.due_on - timedelta(days=1),
                          report="机关党员全部到居住地社区报到，参加“党员联户”走访。")
        if sp.communities:
            task = tasks["开辟“有声书”学习专栏"]
            place = sp.communities[0]
            task_complete(by=place.worker or self.admin, task=task, org=place.org,
                          completed_on=min(task.due_on, self.today),
                          report="在社区微信公众号开辟“有声书”专栏，每周更新学习书目音频。")

    def _bulletins(self) -> None:
        sessions_by_week = Counter()
        people_by_week = Counter()
        for p in self.planned:
            if p.ends_at <= self.now and not p.open_now:
                week = (timezone.localdate(p.starts_at) - self.starts_on).days // 7
                sessions_by_week[week] += 1
                people_by_week[week] += len(p.attendees)
        kinds_by_week = Counter((((timezone.localdate(p.starts_at) - self.starts_on).days // 7), p.kind)
                                for p in self.planned if p.ends_at <= self.now and not p.open_now)
        # Each community's coverage as it stood when the bulletin went out: praise the first, urge the last.
        first_reach: dict[int, datetime] = {}
        for when, person_id in sorted([(a.checked_in_at, a.person_id) for a in self.attendances]
                                      + [(d.delivered_at, d.person_id) for d in self.deliveries]):
            first_reach.setdefault(person_id, when)
        members_of = defaultdict(list)
        for person in self.sp.people:
            if person.community is not None:
                members_of[person.community.name].append(person.id)

        def ranking(cutoff: datetime) -> list[str]:
            rate = {name: sum(1 for pk in ids if first_reach.get(pk, cutoff) < cutoff) / len(ids)
                    for name, ids in members_of.items()}
            return sorted(rate, key=lambda name: (-rate[name], name))

        for week in range(WEEKS_DONE):
            published = self.day(week + 1, 0)
            if published > self.today:
                break
            body = (
                f"第{week + 1}周，全街道共开展学习活动{sessions_by_week[week]}场，参学{people_by_week[week]}人次，"
                f"其中集中学习{kinds_by_week[(week, SessionKind.GROUP_STUDY)]}场、"
                f"宣讲{kinds_by_week[(week, SessionKind.OUTREACH)]}场、"
                f"微课堂{kinds_by_week[(week, SessionKind.MICRO_CLASS)]}场。"
            )
            ranked = ranking(at(published, 0))
            if len(ranked) >= 2:
                body += (f"\n表扬先进：{ranked[0]}组织有力，参学覆盖面广。"
                         f"\n督促后进：{ranked[-1]}覆盖率偏低，请对照未覆盖名单逐人落实，做到不漏一人。")
            bulletin_create(by=self.admin, org=self.street, campaign=self.campaign, published_on=published,
                            title=f"{self.street.name}“感党恩、听党话、跟党走”群众教育实践活动工作通报（第{week + 1}期）",
                            body=body)
        if self.sp.communities and self.today >= self.day(2, 0):
            place = self.sp.communities[0]
            bulletin_create(by=place.worker or self.admin, org=place.org, campaign=self.campaign,
                            published_on=self.day(2, 0), title=f"{place.org.name}开展“五微五进”系列活动",
                            body=f"{place.org.name}以“五微五进”为载体，微党课进社区、微宣讲进小区、微诵读进网格、"
                                 "微分享进楼栋、微故事进家庭，让群众细说身边发展变化。")
