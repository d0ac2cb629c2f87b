"""The demo campaign's sessions: planned week by week for the street, the communities, their grids,
branches and units, then created through ``session_create`` (the past ones closed, one per
community open now).

A mixin of ``street.StreetCampaignBuilder``: it uses the builder's ``sp`` (the street as read),
``rng``, ``now``, ``today``, ``campaign``, ``admin`` and ``day()``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from tongxin.core.audit import AuditAction, audit_record_many
from tongxin.learning.models import OutreachPlace, Session, SessionKind, SessionStatus, SpeakerRole
from tongxin.learning.services.sessions import session_create, session_open
from tongxin.orgs.models import Domain, Org

from ..names import person_name
from . import texts
from .people import StudyPerson

WEEKS_DONE = 5  # whole weeks before the current one
WEEKS = 8


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


@dataclass(eq=False)
class PlannedSession:
    org: Org
    kind: str
    topic: str
    starts_at: datetime
    ends_at: datetime
    by: object
    speaker: str = ""
    speaker_role: str = ""
    place: str = ""
    outreach_place: str = ""
    capacity: int | None = None
    open_now: bool = False
    session: Session | None = None
    attendees: list[StudyPerson] = field(default_factory=list)


class SessionPlanner:
    """Plans the sessions of the eight weeks and creates them (see the module docstring)."""

    def _add(self, org: Org, kind: str, topic: str, day: date, start: tuple[int, int], minutes: int, **extra) -> None:
        starts_at = at(day, *start)
        if day > self.today + timedelta(days=14) or day > self.ends_on:
            return  # the timetable runs on, but only the coming two weeks are planned
        by = extra.pop("by", None) or self.sp.staff_for(org)
        self.planned.append(PlannedSession(org, kind, topic, starts_at, starts_at + timedelta(minutes=minutes),
                                           by=by, **extra))

    def _speaker(self, role: str, place=None) -> str:
        rng = self.rng
        if role == SpeakerRole.COMMUNITY_SECRETARY and place is not None and place.secretary:
            return place.secretary
        if role == SpeakerRole.LEADERSHIP and self.sp.leaders:
            return rng.choice(self.sp.leaders)
        if role == SpeakerRole.VETERAN:
            veterans = [p for p in self.sp.people if p.member and p.age >= 75]
            if veterans:
                return rng.choice(veterans).name
        if role == SpeakerRole.RESIDENT:
            return rng.choice(self.sp.people).name
        gender = rng.choice("MF")
        return person_name(rng, gender, rng.randint(1965, 1990))[0]

    def _plan_sessions(self) -> None:
        rng, sp = self.rng, self.sp
        schools = [u.name for u in sp.units if u.domain == Domain.SCHOOL]
        firms = [u.name for u in sp.units if u.domain in (Domain.STATE_ENTERPRISE, Domain.PRIVATE_ENTERPRISE)]
        first_secretaries = {0, 3}  # 驻社区第一书记讲党课 2 人
        for ci, place in enumerate(sp.communities):
            org, center = place.org, f"{place.org.name}党群服务中心"
            for week in range(WEEKS):
                for k, weekday in enumerate((1, 4)):
                    topic = texts.GROUP_STUDY_TOPICS[(2 * week + k + ci) % len(texts.GROUP_STUDY_TOPICS)]
                    self._add(org, SessionKind.GROUP_STUDY, topic, self.day(week, weekday), (15, 0), 120,
                              place=f"{center}会议室")
                where = texts.OUTREACH_ORDER[(week + ci) % len(texts.OUTREACH_ORDER)]
                topic, default_place = texts.OUTREACH[where]
                compound = place.compounds[week % len(place.compounds)]
                spot = {OutreachPlace.SCHOOL: rng.choice(schools) if schools else default_place,
                        OutreachPlace.ENTERPRISE: rng.choice(firms) if firms else default_place,
                        OutreachPlace.COMPOUND: f"{compound}广场", OutreachPlace.SHOP: f"{compound}周边商户",
                        OutreachPlace.HOME: f"{compound}居民家中"}[where]
                role = [SpeakerRole.EXPERT, SpeakerRole.VETERAN, SpeakerRole.COMMUNITY_SECRETARY,
                        SpeakerRole.RESIDENT][(week + ci) % 4]
                speaker = self._speaker(role, place)
                if role == SpeakerRole.EXPERT:
                    speaker = f"{rng.choice(texts.EXPERTS)}{speaker}"[:50]
                self._add(org, SessionKind.OUTREACH, topic, self.day(week, 2), (9, 30), 90, place=spot,
                          outreach_place=where, speaker=speaker, speaker_role=role)
            self._add(org, SessionKind.PARTY_LECTURE, texts.PARTY_LECTURE_TOPICS[ci % 6], self.day(1, 0), (15, 0), 90,
                      place=f"{center}会议室", speaker=self._speaker(SpeakerRole.COMMUNITY_SECRETARY, place),
                      speaker_role=SpeakerRole.COMMUNITY_SECRETARY)
            if ci in first_secretaries:
                self._add(org, SessionKind.PARTY_LECTURE, texts.PARTY_LECTURE_TOPICS[(ci + 1) % 6], self.day(3, 0),
                          (15, 0), 90, place=f"{center}会议室", speaker=self._speaker(SpeakerRole.FIRST_SECRETARY),
                          speaker_role=SpeakerRole.FIRST_SECRETARY)
            self._add(org, SessionKind.PARTY_LECTURE, texts.PARTY_LECTURE_TOPICS[(ci + 2) % 6], self.day(4, 0),
                      (15, 0), 90, place=f"{center}会议室", speaker=self._speaker(SpeakerRole.LEADERSHIP),
                      speaker_role=SpeakerRole.LEADERSHIP)
            # Forums: most communities held theirs in week 3; every third is late (the task is overdue).
            forum_week = 2 if ci % 3 != 2 else WEEKS_DONE + 1
            self._add(org, SessionKind.FORUM, texts.FORUMS[ci % len(texts.FORUMS)], self.day(forum_week, 3), (9, 0),
                      120, place=f"{center}会议室", capacity=40)
            visit_week = 4 if ci % 2 == 0 else WEEKS_DONE + 1
            topic, spot = texts.FIELD_VISITS[ci % len(texts.FIELD_VISITS)]
            self._add(org, SessionKind.FIELD_VISIT, topic, self.day(visit_week, 5), (8, 30), 420, place=spot,
                      capacity=45)
            for bi, branch in enumerate(place.branches):
                for week in (1, 4):
                    self._add(branch, SessionKind.PARTY_DAY, texts.PARTY_DAY_TOPICS[(week + bi) % 4],
                              self.day(week, 4), (9, 0), 120, place=f"{center}党员活动室")
            for gi, grid in enumerate(place.grids):
                for week in range(WEEKS):
                    # Every other week, by grid; a weak grid has none planned ahead (待安排).
                    if (week + gi) % 2:
                        continue
                    self._add(grid, SessionKind.MICRO_CLASS,
                              texts.MICRO_CLASS_TOPICS[(week + gi + ci) % len(texts.MICRO_CLASS_TOPICS)],
                              self.day(week, 3), (19, 0), 60, place=f"{grid.name}党群服务站",
                              speaker=self._speaker(SpeakerRole.RESIDENT), speaker_role=SpeakerRole.OTHER)
            self.planned.append(PlannedSession(
                org, SessionKind.LECTURE, texts.OPEN_NOW_TOPIC, self.now - timedelta(minutes=20),
                self.now + timedelta(minutes=100), by=place.worker or self.admin, place=f"{center}多功能厅",
                speaker=self._speaker(SpeakerRole.COMMUNITY_SECRETARY, place),
                speaker_role=SpeakerRole.COMMUNITY_SECRETARY, open_now=True))
        street, admin = self.street, self.admin
        for i, week in enumerate((0, 3, 6)):
            self._add(street, SessionKind.LECTURE, texts.LECTURE_TOPICS[i], self.day(week, 3), (9, 0), 150,
                      by=admin, place="八里铺党校报告厅", speaker=f"区委党校讲师{self._speaker(SpeakerRole.EXPERT)}",
                      speaker_role=SpeakerRole.EXPERT)
        office = sp.office_branch
        if office is not None:
            for week in range(WEEKS):
                self._add(office, SessionKind.GROUP_STUDY, texts.GROUP_STUDY_TOPICS[week], self.day(week, 1), (8, 30),
                          90, by=admin, place=f"{street.name}办事处三楼会议室")
            self._add(office, SessionKind.PARTY_LECTURE, "党工委书记讲专题党课：感党恩、听党话、跟党走", self.day(2, 0),
                      (15, 0), 90, by=admin, place=f"{street.name}办事处三楼会议室",
                      speaker=sp.leaders[0] if sp.leaders else self._speaker(SpeakerRole.LEADERSHIP),
                      speaker_role=SpeakerRole.LEADERSHIP)
            topic, spot = texts.FIELD_VISITS[0]
            self._add(office, SessionKind.FIELD_VISIT, topic, self.day(3, 5), (8, 0), 480, by=admin, place=spot,
                      capacity=45)
            self._add(office, SessionKind.PARTY_DAY, texts.PARTY_DAY_TOPICS[0], self.day(1, 4), (9, 0), 90, by=admin,
                      place=f"{street.name}办事处三楼会议室")
        for ui, unit in enumerate(sp.units):
            branch = sp.unit_branches.get(unit.pk)
            if branch is None:
                continue
            for week in range(0, WEEKS, 2):
                self._add(branch, SessionKind.GROUP_STUDY, texts.GROUP_STUDY_TOPICS[(week + ui) % 12],
                          self.day(week, 3), (16, 0), 90, by=admin, place=f"{unit.name}会议室")
            if ui % 4 != 3:  # one unit in four has not held its party day: overdue
                self._add(branch, SessionKind.PARTY_DAY, texts.PARTY_DAY_TOPICS[(ui + 2) % 4], self.day(2, 4),
                          (9, 0), 120, by=admin, place=f"{unit.name}党员活动室")

    def _create_sessions(self) -> None:
        for p in self.planned:
            p.session = session_create(
                by=p.by, org=p.org, kind=p.kind, topic=p.topic, starts_at=p.starts_at, ends_at=p.ends_at,
                speaker=p.speaker, speaker_role=p.speaker_role, place=p.place, outreach_place=p.outreach_place,
                capacity=p.capacity, campaign=self.campaign)
            if p.open_now:
                session_open(by=p.by, session=p.session)
        # The sessions held so far were closed when they ended: the same status and audit entry as
        # ``session_close`` writes, for some hundreds of sessions in one statement each.
        held = [p for p in self.planned if p.ends_at <= self.now and not p.open_now]
        Session.objects.filter(pk__in=[p.session.pk for p in held]).update(status=SessionStatus.CLOSED)
        by_closer = defaultdict(list)
        for p in held:
            p.session.status = SessionStatus.CLOSED
            by_closer[p.by].append(p.session)
        for closer, sessions in by_closer.items():
            audit_record_many(by=closer, action=AuditAction.SESSION_CLOSED, objects=sessions,
                              changes_for=lambda s: {"status": [SessionStatus.PLANNED, SessionStatus.CLOSED]})
