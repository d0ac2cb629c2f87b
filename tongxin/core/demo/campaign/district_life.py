"""The district's home visits, residents' voices and points at benchmark size.

``seed_district_life`` gives every street of the district but the demo street (which has the
demo made through the services, ``demo.voices`` and ``demo.points``) what the district campaign's
weeks would have left there, by bulk insert, street by street:

* visits (民情日记) — every hardship household once or twice, about one household in twelve of the
  others once, by their grid's worker (an account per grid, made here), with the 四访四问 reasons;
* voices — about two per hundred residents, over every channel and kind, with the texts and
  categories of the labelled voices the classifier ships with; most accepted and resolved, rated
  by a follow-up call, wishes claimed, some still in hand and a few overdue; each with its history
  (submitted, accepted, claimed, started, resolved, rated);
* points — the street's default earning rules, and for the residents who use the points app (one
  in six) 10 points for each of their check-ins in the campaign, within the rule's daily and weekly
  caps; their accounts hold the sum.

As for the district's check-ins, the volume has one audit entry per street and kind, not one per
row. Each street is one transaction; a street that has visits already is skipped, so a re-run
fills in only what is missing.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import connection, transaction
from django.db.models import OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce, Mod
from django.utils import timezone

from tongxin.accounts.models import Role, RoleAssignment, User
from tongxin.campaigns.models import Campaign
from tongxin.core.audit import AuditAction, audit_record
from tongxin.core.bulk_insert import insert_instances, insert_rows
from tongxin.learning.models import Attendance
from tongxin.orgs.models import Household, Org, OrgKind
from tongxin.people.models import Person
from tongxin.points.actions import DEFAULT_RULES, PointsAction, earning_rules_default
from tongxin.points.models import EntryKind, PointsAccount, PointsDayTally, PointsEntry
from tongxin.points.tally import tally_rebuild
from tongxin.voices.models import Rating, Visit, Voice, VoiceAction, VoiceCategory, VoiceEvent, VoiceKind
from tongxin.voices.models import VoiceStatus as S
from tongxin.voices.services.visits import household_visit_spans_rebuild
from tongxin.voices.text.corpus import labelled_voices

from .. import voices_texts
from .district import district_campaign, per_street
from .sessions import at

SEED = 2024_11
VOICE_SHARE = 0.02
VISIT_SHARE = 1 / 12
POINTS_USERS = 6  # one resident in this many uses the points app
CHANNELS = {"visit": 0.3, "online": 0.25, "hotline": 0.15, "forum": 0.15, "form": 0.15}


@dataclass
class StreetLife:
    code: str
    name: str
    visits: int = 0
    voices: int = 0
    points_entries: int = 0
    seconds: float = 0.0
    skipped: bool = False


def _grid_of(path: str, grids: dict[int, Org]) -> Org | None:
    for part in reversed(path.strip("/").split("/")):
        grid = grids.get(int(part))
        if grid is not None:
            return grid
    return None


class _Street:
    def __init__(self, street: Org, campaign: Campaign, now: datetime):
        self.street, self.campaign, self.now = street, campaign, now
        self.rng = random.Random(SEED + street.pk)
        self.first_day: date = campaign.starts_on
        self.days = max((timezone.localdate(now) - self.first_day).days, 1)
        self.result = StreetLife(street.code, street.name)
        self.grids = {g.pk: g for g in Org.objects.filter(path__startswith=street.path, kind=OrgKind.GRID)}
        self.communities = set(Org.objects.filter(path__startswith=street.path, kind__in=[
            OrgKind.COMMUNITY, OrgKind.VILLAGE]).values_list("pk", flat=True))

    def moment(self, *, evening: bool = False) -> datetime:
        day = self.first_day + timedelta(days=self.rng.randrange(self.days))
        hour = self.rng.randint(18, 20) if evening else self.rng.randint(9, 17)
        return min(at(day, hour, self.rng.randrange(0, 60, 5)), self.now - timedelta(hours=1))

    # -- the grid workers who visit ------------------------------------------------------------
    def visitors(self) -> dict[int, User]:
        users = [User(username=f"visitor_{g.code.lower()}", password="!demo", first_name=f"{g.name}网格员")
                 for g in self.grids.values()]
        insert_instances(User, users)
        insert_instances(RoleAssignment, [RoleAssignment(user=u, role=Role.GRID_WORKER, org=g)
                                          for u, g in zip(users, self.grids.values())])
        return {g.pk: u for u, g in zip(users, self.grids.values())}

    # -- visits ----------------------------------------------------------------------------------
    def visits(self, visitors: dict[int, User]) -> None:
        rng, fields = self.rng, ["household", "org", "org_path", "visitor", "visitor_name", "visited_at",
                                 "for_hardship", "for_returned_worker", "for_petitioner", "for_old_sick", "notes",
                                 "campaign"]
        rows = []
        households = Household.objects.filter(org_path__startswith=self.street.path).values_list(
            "pk", "org_id", "org_path", "in_hardship").order_by("pk")
        for pk, org_id, path, hardship in households.iterator(chunk_size=5000):
            times = rng.randint(1, 2) if hardship else (1 if rng.random() < VISIT_SHARE else 0)
            grid = _grid_of(path, self.grids)
            if not times or grid is None:
                continue
            visitor = visitors[grid.pk]
            for _n in range(times):
                old_sick, returned, petitioner = rng.random() < 0.06, rng.random() < 0.03, rng.random() < 0.005
                reason = ("hardship" if hardship else "old_sick" if old_sick else "returned_worker" if returned
                          else "petitioner" if petitioner else "")
                rows.append((pk, org_id, path, visitor.pk, visitor.first_name, self.moment(), hardship, returned,
                             petitioner, old_sick, voices_texts.VISIT_NOTES[reason], self.campaign.pk))
        self.result.visits = insert_rows(Visit, fields, rows)
        household_visit_spans_rebuild(self.street)
        audit_record(by=None, action=AuditAction.VISIT_RECORDED, obj=self.street,
                     changes={"count": self.result.visits, "source": "demo"})

    # -- voices ----------------------------------------------------------------------------------
    def voices(self, visitors: dict[int, User]) -> None:
        rng = self.rng
        texts: dict[str, list] = {}
        for item in labelled_voices():
            texts.setdefault(item.kind, []).append(item)
        categories = {c.code: c for c in VoiceCategory.objects.all()}
        people = Person.objects.filter(org_path__startswith=self.street.path, is_active=True).values_list(
            "pk", "org_id", "org_path", "household_id").order_by("pk")
        voices, histories = [], []
        for pk, org_id, path, household in people.iterator(chunk_size=5000):
            if rng.random() >= VOICE_SHARE:
                continue
            kind = rng.choices(list(texts), weights=[len(texts[k]) for k in texts])[0]
            item = rng.choice(texts[kind])
            category = categories.get(item.category)
            channel = rng.choices(list(CHANNELS), weights=list(CHANNELS.values()))[0]
            grid = _grid_of(path, self.grids)
            handler = visitors[grid.pk] if grid else None
            submitted = self.moment(evening=channel == "online" and rng.random() < 0.5)
            voice = Voice(kind=kind, channel=channel, text=item.text, person_id=pk, household_id=household,
                          org_id=org_id, org_path=path, campaign=self.campaign, library=item.library,
                          category=category, suggested_library=item.library, suggested_category=item.category,
                          submitted_at=submitted, urgent=rng.random() < 0.05)
            voice.due_at = submitted + timedelta(days=category.deadline_days if category else 15)
            histories.append(self._handle(voice, handler, kind))
            voices.append(voice)
        insert_instances(Voice, voices)
        events = [VoiceEvent(voice=voice, action=action, from_status=old, to_status=new, by=by,
                             by_name=by.first_name if by else "", at=when, note=note)
                  for voice, history in zip(voices, histories) for action, old, new, by, when, note in history]
        insert_instances(VoiceEvent, events)
        self.result.voices = len(voices)
        audit_record(by=None, action=AuditAction.VOICE_SUBMITTED, obj=self.street,
                     changes={"count": len(voices), "history": len(events), "source": "demo"})

    def _handle(self, voice: Voice, handler: User | None, kind: str) -> list[tuple]:
        """Move ``voice`` along as the community would have; its history rows."""
        rng, now = self.rng, self.now
        history = [(VoiceAction.SUBMIT, "", S.SUBMITTED, None, voice.submitted_at, "")]
        roll, when = rng.random(), voice.submitted_at
        if roll < 0.03 and now - when > timedelta(days=2):  # a few are rejected with a reason
            voice.status, voice.reject_reason = S.REJECTED, rng.choice(voices_texts.REJECT_REASONS)
            voice.responded_at = when + timedelta(hours=rng.randint(2, 30))
            history.append((VoiceAction.REJECT, S.SUBMITTED, S.REJECTED, handler, voice.responded_at,
                            voice.reject_reason))
            return history
        if roll < 0.06 or now - when < timedelta(hours=30):  # still waiting to be accepted
            return history
        voice.responded_at = when + timedelta(hours=rng.randint(1, 30))
        history.append((VoiceAction.ACCEPT, S.SUBMITTED, S.ACCEPTED, handler, voice.responded_at,
                        rng.choice(voices_texts.ACCEPT_NOTES)))
        status, moment = S.ACCEPTED, voice.responded_at
        if kind == VoiceKind.WISH:
            moment += timedelta(hours=rng.randint(2, 48))
            history.append((VoiceAction.CLAIM, status, S.CLAIMED, handler, moment, ""))
            status = S.CLAIMED
        voice.handler = handler
        moment += timedelta(hours=rng.randint(1, 24))
        history.append((VoiceAction.START, status, S.IN_PROGRESS, handler, moment, ""))
        status = S.IN_PROGRESS
        took = timedelta(days=rng.uniform(1, (voice.due_at - when).days * 1.2 + 1))
        if rng.random() < 0.85 and when + took < now:  # most are done, a few after their deadline
            voice.resolved_at = when + took
            voice.resolution = voices_texts.RESOLUTIONS.get(voice.category.code if voice.category else "other",
                                                            voices_texts.RESOLUTIONS["other"])
            history.append((VoiceAction.RESOLVE, status, S.RESOLVED, handler, voice.resolved_at, voice.resolution))
            status = S.RESOLVED
            if rng.random() < 0.8 and voice.resolved_at + timedelta(days=2) < now:
                voice.rating = rng.choices([Rating.SATISFIED, Rating.BASICALLY, Rating.UNSATISFIED], [80, 15, 5])[0]
                voice.rated_at = voice.resolved_at + timedelta(days=rng.randint(1, 2))
                note = rng.choice(voices_texts.UNSATISFIED_NOTES if voice.rating == Rating.UNSATISFIED
                                  else voices_texts.FOLLOW_UP_NOTES)
                history.append((VoiceAction.RATE, status, status, handler, voice.rated_at, note))
        voice.status = status
        return history

    # -- points ----------------------------------------------------------------------------------
    def points(self) -> None:
        earning_rules_default(by=None, org=self.street)
        rule = DEFAULT_RULES[PointsAction.ATTENDANCE]
        users = (Person.objects.filter(org_path__startswith=self.street.path, is_active=True)
                 .annotate(app=Mod("pk", POINTS_USERS)).filter(app=0).values_list("pk", "org_path"))
        accounts = {}
        for pk, path in users.iterator(chunk_size=5000):
            community = next((int(p) for p in reversed(path.strip("/").split("/")) if int(p) in self.communities),
                             None)
            if community is not None:
                accounts[pk] = PointsAccount(person_id=pk, org_id=community, org_path=None)
        paths = dict(Org.objects.filter(pk__in=self.communities).values_list("pk", "path"))
        for account in accounts.values():
            account.org_path = paths[account.org_id]
        insert_instances(PointsAccount, list(accounts.values()))

        attended = (Attendance.objects.filter(campaign=self.campaign, session__org_path__startswith=self.street.path)
                    .annotate(app=Mod("person_id", POINTS_USERS)).filter(app=0)
                    .order_by("person_id", "checked_in_at").values_list("pk", "person_id", "checked_in_at"))
        fields = ["account", "person", "org", "org_path", "amount", "kind", "action", "reason", "source_type",
                  "source_id", "at", "key"]

        # Read whole before the COPY starts: its connection cannot stream a query at the same time.
        attended = list(attended)

        def entries():
            person, day_total, week_total, day, week = None, 0, 0, None, None
            for pk, person_id, when in attended:
                if person_id not in accounts:  # no longer on the books, or outside a community
                    continue
                local = timezone.localdate(when)
                monday = local - timedelta(days=local.weekday())
                if person_id != person:
                    person, day, week, day_total, week_total = person_id, None, None, 0, 0
                if local != day:
                    day, day_total = local, 0
                if monday != week:
                    week, week_total = monday, 0
                amount = min(rule.points, rule.daily_cap - day_total, rule.period_cap - week_total)
                if amount <= 0:
                    continue
                day_total += amount
                week_total += amount
                account = accounts[person_id]
                yield (account.pk, person_id, account.org_id, account.org_path, amount, EntryKind.EARN,
                       PointsAction.ATTENDANCE, "参加学习活动", "learning.attendance", str(pk), when,
                       f"attendance:{pk}")

        self.result.points_entries = insert_rows(PointsEntry, fields, entries())
        total = (PointsEntry.objects.filter(account=OuterRef("pk")).order_by().values("account")
                 .annotate(s=Sum("amount")).values("s"))
        PointsAccount.objects.filter(pk__in=[a.pk for a in accounts.values()]).update(
            balance=Coalesce(Subquery(total), 0), earned=Coalesce(Subquery(total), 0))
        tally_rebuild(self.street)
        audit_record(by=None, action=AuditAction.POINTS_AWARDED, obj=self.street,
                     changes={"entries": self.result.points_entries, "accounts": len(accounts), "source": "demo"})


@dataclass
class LifeTask:
    street_id: int
    campaign_id: int
    now: datetime


def _street_life(task: LifeTask) -> StreetLife:
    street = Org.objects.get(pk=task.street_id)
    campaign = Campaign.objects.get(pk=task.campaign_id)
    started = time.perf_counter()
    with transaction.atomic():
        if Visit.objects.filter(org_path__startswith=street.path).exists():
            return StreetLife(street.code, street.name, skipped=True)
        builder = _Street(street, campaign, task.now)
        visitors = builder.visitors()
        builder.visits(visitors)
        builder.voices(visitors)
        builder.points()
    builder.result.seconds = time.perf_counter() - started
    return builder.result


def seed_district_life(district: Org, *, skip: Org | None = None, now: datetime | None = None,
                       log: Callable[[str], None] = print, jobs: int = 1) -> list[StreetLife]:
    """Visits, voices and points for the district's streets but ``skip`` (the demo street), after
    ``seed_district_activity`` (see the module docstring)."""
    now = now or timezone.now()
    campaign = district_campaign(district)
    if campaign is None:
        raise ValueError("先载入全区主题活动（seed_district_activity）")
    streets = Org.objects.filter(parent=district, kind__in=[OrgKind.STREET, OrgKind.TOWNSHIP]).order_by("code")
    tasks = [LifeTask(s.pk, campaign.pk, now) for s in streets if skip is None or s.pk != skip.pk]
    started = time.perf_counter()
    results = []

    def report(result: StreetLife) -> None:
        results.append(result)
        if result.skipped:
            log(f"  {result.name}（{result.code}）已有走访、心声与积分，跳过")
        else:
            log(f"  [{len(results)}/{len(tasks)}] {result.name}（{result.code}）：走访 {result.visits:,} 户次，"
                f"心声 {result.voices:,} 条，积分 {result.points_entries:,} 笔，用时 {result.seconds:.1f} 秒"
                f"（累计 {time.perf_counter() - started:.1f} 秒）")

    for result in per_street(_street_life, tasks, jobs):
        report(result)
    if any(not r.skipped for r in results) and connection.vendor == "postgresql" and not connection.in_atomic_block:
        with connection.cursor() as cursor:
            for model in (Household, Visit, Voice, VoiceEvent, PointsAccount, PointsEntry, PointsDayTally):
                cursor.execute(f"VACUUM (ANALYZE) {connection.ops.quote_name(model._meta.db_table)}")
    return results
