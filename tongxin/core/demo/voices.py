"""The demo street's voices and follow-through over its campaign's weeks so far, through the
services, as the community offices would enter them (each row has its audit entry):

- grid workers visit households (民情日记): every hardship household, old and sick people living
  alone, returned migrant workers, and others; a visit in three brings a voice with it;
- residents write in online, through the opinion form and at forums, and call the hotline;
- community workers accept most (the suggested library and category as they come), reject a
  few with a reason, assign them to grid workers; members, cadres and partner units claim the
  wishes; most are resolved, rated by a follow-up call, some reopened after a 不满意, a few stay
  overdue and go up to the street; some are published on the community's board;
- ten livelihood projects (民生实事) with milestones and resident supervisors; the problem list
  of twenty items (eighteen fixed, two in progress, as the seed reports); good deeds.

The voices' texts come from the labelled voices the classifier ships with, so they read as
residents write. The services stamp a voice and its history with the present moment: the demo
then moves them back to the day each step happened (``_backdate``), since it replays weeks of
work in a moment. The audit entries keep the moment they were written (the audit log cannot be
changed).
"""

from __future__ import annotations

import random
import time as clock
import zlib
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import transaction
from django.utils import timezone

from tongxin.campaigns.models import Campaign
from tongxin.orgs.models import Household, Org, OrgKind
from tongxin.people.models import Person, PersonGroup
from tongxin.voices.models import (
    Channel,
    DeedKind,
    Rating,
    RectificationMode,
    Visit,
    VisitReason,
    Voice,
    VoiceEvent,
    VoiceKind,
)
from tongxin.voices.services import workflow
from tongxin.voices.services.deeds import good_deed_record
from tongxin.voices.services.escalation import escalate_overdue
from tongxin.voices.services.intake import voice_submit
from tongxin.voices.services.projects import (
    milestone_done,
    project_create,
    project_start,
    supervisor_appoint,
    supervisor_comment,
)
from tongxin.voices.services.publishing import voice_publish
from tongxin.voices.services.rectifications import (
    phase_done,
    rectification_create,
    rectification_fix,
    rectification_start,
)
from tongxin.voices.services.visits import visit_record
from tongxin.voices.text.corpus import labelled_voices

from . import voices_texts as texts
from .campaign.people import StreetPeople, read_street

SEED = 3_1_2014  # 梅塘社区's 31 suggestions, and the year it reported them

VISIT_SHARE = 0.06  # of the households, besides every hardship one (梅塘社区: about 800 visited)
HEARD_SHARE = 0.33  # visits that bring a voice
OTHER_VOICES_PER_COMMUNITY = 24  # online, form, forum, hotline


@dataclass
class VoicesResult:
    visits: int = 0
    voices: int = 0
    projects: int = 0
    rectifications: int = 0
    deeds: int = 0
    escalated: int = 0
    seconds: float = 0.0


def demo_has_voices(street: Org) -> bool:
    return Visit.objects.filter(org_path__startswith=street.path).exists()


def seed_voices(street: Org, campaign: Campaign, now: datetime | None = None) -> VoicesResult:
    """The street's voices, visits, projects, problem list and good deeds; nothing if its visits
    exist already."""
    started = clock.perf_counter()
    if demo_has_voices(street):
        return VoicesResult()
    now = now or timezone.now()
    with transaction.atomic():
        result = _VoicesBuilder(street, campaign, now).build()
    result.seconds = clock.perf_counter() - started
    return result


def _grid_of(place: Org) -> Org:
    """A building's grid (whose worker records its visits and handles its voices); else the place."""
    return place.parent if place.kind == OrgKind.BUILDING else place


class _VoicesBuilder:
    def __init__(self, street: Org, campaign: Campaign, now: datetime):
        self.street, self.campaign, self.now = street, campaign, now
        self.today = timezone.localdate(now)
        self.rng = random.Random(SEED + zlib.crc32(street.code.encode()))
        self.sp: StreetPeople = read_street(street, self.today)
        self.first_day = max(campaign.starts_on, self.today - timedelta(weeks=8))
        self.texts = defaultdict(list)
        for item in labelled_voices():
            self.texts[item.kind].append(item)
        self.result = VoicesResult()

    def build(self) -> VoicesResult:
        for community in self.sp.communities:
            if community.worker is None:
                continue
            voices = self._visits(community) + self._other_voices(community)
            for voice, when in voices:
                self._handle(voice, when, community)
            self._deeds(community)
        self._projects()
        self._rectifications()
        # The daily job, as it would have run: the overdue items go up to the street.
        self.result.escalated = escalate_overdue(now=self.now)
        return self.result

    # -- times ----------------------------------------------------------------------------------
    def _moment(self, day: date, *, hours=(9, 18)) -> datetime:
        hour = self.rng.randint(*hours)
        moment = timezone.make_aware(datetime.combine(day, datetime.min.time()).replace(
            hour=min(hour, 23), minute=self.rng.randint(0, 59)))
        return min(moment, self.now - timedelta(minutes=5))

    def _day(self) -> date:
        return self.first_day + timedelta(days=self.rng.randint(0, max(0, (self.today - self.first_day).days)))

    def _backdate(self, voice: Voice, start: datetime) -> None:
        """Spread the voice's history from ``start`` to now, in the order it was written: a few
        days between steps, never past the present. The voice's own times follow its events."""
        events = list(VoiceEvent.objects.filter(voice=voice).order_by("id"))
        at = start
        for index, event in enumerate(events):
            if index:
                at = min(at + timedelta(days=self.rng.uniform(0.3, 4.0)), self.now - timedelta(minutes=len(events) - index))
            event.at = at
        VoiceEvent.objects.bulk_update(events, ["at"])
        times = {event.action: event.at for event in events}
        fields = {"submitted_at": start}
        responded = times.get(workflow.A.ACCEPT) or times.get(workflow.A.REJECT)
        if responded:
            fields["responded_at"] = responded
        rated = times.get(workflow.A.RATE) or times.get(workflow.A.FOLLOW_UP)
        reopened = times.get(workflow.A.REOPEN) or (rated if voice.rating == Rating.UNSATISFIED else None)
        if voice.due_at and responded and voice.category_id:
            fields["due_at"] = (reopened or responded) + timedelta(days=voice.category.deadline_days)
        for action, field in ((workflow.A.RESOLVE, "resolved_at"), (workflow.A.PUBLISH, "published_at")):
            if field == "published_at" and not voice.published_at:
                continue
            if action in times:
                fields[field] = times[action]
        if rated and voice.rated_at:
            fields["rated_at"] = rated
        Voice.objects.filter(pk=voice.pk).update(**fields)

    # -- intake ---------------------------------------------------------------------------------
    def _pick_text(self, kinds: tuple[str, ...]):
        kind = self.rng.choice(kinds)
        return kind, self.rng.choice(self.texts[kind]).text

    def _visits(self, community) -> list[tuple[Voice, datetime]]:
        households = list(Household.objects.filter(org_path__startswith=community.org.path).order_by("id"))
        people = defaultdict(list)
        for pk, household_id, birth, groups in (Person.objects.filter(
                household__in=households, is_active=True).order_by("id")
                .values_list("pk", "household_id", "birth_date", "group_memberships__group")):
            people[household_id].append((pk, birth, groups))
        chosen = [h for h in households if h.in_hardship]
        others = [h for h in households if not h.in_hardship]
        chosen += self.rng.sample(others, min(len(others), round(len(households) * VISIT_SHARE)))
        heard = []
        for household in chosen:
            visitor = self.sp.staff_for(_grid_of(household.org)) or community.worker
            reasons = self._reasons(household, people[household.pk])
            voices = []
            if self.rng.random() < HEARD_SHARE:
                kind, text = self._pick_text(("wish", "difficulty", "suggestion", "opinion", "complaint"))
                speaker = people[household.pk][0][0] if people[household.pk] else None
                voices.append({"kind": kind, "text": text, "urgent": self.rng.random() < 0.1,
                               "person": Person.objects.get(pk=speaker) if speaker else None})
            when = self._moment(self._day())
            visit = visit_record(by=visitor, household=household, visited_at=when, reasons=reasons,
                                 notes=texts.VISIT_NOTES[reasons[0] if reasons else ""], heard=voices,
                                 campaign=self.campaign)
            self.result.visits += 1
            heard += [(voice, when) for voice in visit.voices.all()]
        return heard

    def _reasons(self, household: Household, people: list) -> list[str]:
        reasons = []
        if household.in_hardship:
            reasons.append(VisitReason.HARDSHIP)
        groups = {g for _pk, _birth, g in people if g}
        if PersonGroup.MIGRANT_WORKER in groups:
            reasons.append(VisitReason.RETURNED_WORKER)
        if any(birth and (self.today - birth).days > 75 * 365 for _pk, birth, _g in people) or (
                PersonGroup.DISABLED in groups):
            reasons.append(VisitReason.OLD_SICK)
        if not reasons and self.rng.random() < 0.02:
            reasons.append(VisitReason.PETITIONER)
        return reasons

    def _other_voices(self, community) -> list[tuple[Voice, datetime]]:
        residents = list(Person.objects.filter(org_path__startswith=community.org.path, is_active=True,
                                               party_member__isnull=True).order_by("?")
                         .values_list("pk", flat=True)[:OTHER_VOICES_PER_COMMUNITY])
        made = []
        channels = [Channel.FORM] * 8 + [Channel.FORUM] * 5 + [Channel.HOTLINE] * 3
        for index, person_id in enumerate(residents):
            person = Person.objects.select_related("org", "household").get(pk=person_id)
            kind, text = self._pick_text(("suggestion", "opinion", "wish", "complaint", "difficulty"))
            when = self._moment(self._day())
            if index % 3 == 0:  # a resident writing in on the phone: their own voice, online
                account = getattr(person, "account", None)
                voice = voice_submit(by=account, person=None if account else person, kind=kind, text=text)
            else:
                recorder = self.sp.staff_for(_grid_of(person.org)) or community.worker
                voice = voice_submit(by=recorder, kind=kind, text=text, person=person, channel=self.rng.choice(channels),
                                     on_behalf=True, campaign=self.campaign)
            made.append((voice, when))
        return made

    # -- handling -------------------------------------------------------------------------------
    def _handle(self, voice: Voice, when: datetime, community) -> None:
        worker = community.worker
        roll = self.rng.random()
        self.result.voices += 1
        if roll < 0.05:
            workflow.voice_reject(by=worker, voice=voice, reason=self.rng.choice(texts.REJECT_REASONS))
        elif roll < 0.12:
            pass  # still waiting to be accepted: the community's 待受理
        else:
            workflow.voice_accept(by=worker, voice=voice, note=self.rng.choice(texts.ACCEPT_NOTES))
            self._follow_through(voice, worker, community)
        self._backdate(voice, when)

    def _follow_through(self, voice: Voice, worker, community) -> None:
        roll = self.rng.random()
        if voice.kind == VoiceKind.WISH:
            unit = self.rng.choice(self.sp.units) if self.sp.units and roll < 0.3 else None
            workflow.voice_claim(by=worker, voice=voice, unit=unit if unit and unit.is_co_building_unit else None)
        else:
            handler = self.sp.staff_for(_grid_of(voice.org))
            workflow.voice_assign(by=worker, voice=voice, handler=handler if handler != worker else None,
                                  unit=community.org if handler == worker else None)
        if roll > 0.9:
            return  # claimed or assigned, not started yet
        workflow.voice_start(by=worker, voice=voice)
        if roll > 0.8:
            return  # under way (some of these become overdue)
        code = voice.category.code if voice.category_id else "other"
        workflow.voice_resolve(by=worker, voice=voice, resolution=texts.RESOLUTIONS.get(code, texts.RESOLUTIONS["other"]))
        rating = self.rng.choices([Rating.SATISFIED, Rating.BASICALLY, Rating.UNSATISFIED, None],
                                  weights=[70, 15, 5, 10])[0]
        if rating is None:
            return  # resolved, the follow-up call still to make
        note = self.rng.choice(texts.UNSATISFIED_NOTES if rating == Rating.UNSATISFIED else texts.FOLLOW_UP_NOTES)
        workflow.voice_follow_up(by=worker, voice=voice, rating=rating, note=note)
        if rating != Rating.UNSATISFIED and self.rng.random() < 0.3:
            summary = f"{community.org.name}：{voice.category.name}方面的问题已办结。{texts.RESOLUTIONS.get(code, '')}"
            voice_publish(by=worker, voice=voice, summary=summary[:300])

    # -- projects, problem list, good deeds -----------------------------------------------------
    def _projects(self) -> None:
        admin = self.sp.admin
        for index, (title, owner, milestones) in enumerate(texts.PROJECTS):
            community = self.sp.communities[index % len(self.sp.communities)]
            starts_on = self.first_day + timedelta(days=self.rng.randint(0, 10))
            project = project_create(
                by=admin, org=community.org, title=title, owner=owner, campaign=self.campaign,
                description=f"“我心向党诉心声”活动中群众反映集中的事项，列为{self.street.name}民生实事。",
                due_on=self.campaign.ends_on + timedelta(weeks=12),
                milestones=[{"title": t, "weight": w} for t, w in milestones])
            self.result.projects += 1
            residents = list(Person.objects.filter(org_path__startswith=community.org.path, is_active=True,
                                                   party_member__isnull=True).order_by("id")[index * 3:index * 3 + 2])
            for person in residents:
                supervisor_appoint(by=admin, project=project, person=person)
            if index >= len(texts.PROJECTS) - texts.PROJECTS_PLANNED:
                continue
            project_start(by=admin, project=project, starts_on=starts_on)
            steps = list(project.milestones.order_by("order"))
            done = len(steps) if index < texts.PROJECTS_DONE else self.rng.randint(1, len(steps) - 1)
            day = starts_on
            for milestone in steps[:done]:
                day = min(day + timedelta(days=self.rng.randint(3, 9)), self.today)
                milestone_done(by=admin, milestone=milestone, done_on=day)
                if residents:
                    supervisor_comment(by=None, person=residents[0], project=project, milestone=milestone,
                                       confirms=True, text="")
            if residents:
                supervisor_comment(by=None, person=residents[-1], project=project,
                                   text=self.rng.choice(texts.SUPERVISOR_COMMENTS))

    def _rectifications(self) -> None:
        admin = self.sp.admin
        for index, (item, source, owner, mode) in enumerate(texts.RECTIFICATIONS):
            org = self.street if owner == "街道党工委" else self.sp.communities[index % len(self.sp.communities)].org
            opened = self.first_day + timedelta(days=self.rng.randint(0, 7))
            phases = []
            if mode == RectificationMode.PHASED:
                phases = [{"target": target, "due_on": opened + timedelta(weeks=2 * (n + 1))}
                          for n, target in enumerate(texts.PHASE_TARGETS)]
            entry = rectification_create(by=admin, org=org, item=item, source=source, owner=owner, mode=mode,
                                         measures="对照问题清单逐项整改，明确责任人和完成时限。", phases=phases,
                                         due_on=self.today + timedelta(days=5) if mode == RectificationMode.IMMEDIATE
                                         else None, campaign=self.campaign)
            self.result.rectifications += 1
            rectification_start(by=admin, rectification=entry)
            still_open = index >= len(texts.RECTIFICATIONS) - texts.RECTIFICATIONS_OPEN
            day = opened
            for n, phase in enumerate(entry.phases.order_by("order")):
                if still_open and n >= 1:
                    break
                day = min(opened + timedelta(days=10 * (n + 1)), self.today)
                phase_done(by=admin, phase=phase, done_on=day)
            if not still_open:
                rectification_fix(by=admin, rectification=entry, fixed_on=min(day + timedelta(days=2), self.today),
                                  note="整改到位，群众认可")

    def _deeds(self, community) -> None:
        worker = community.worker
        members = list(Person.objects.filter(org_path__startswith=community.org.path, is_active=True,
                                             party_member__isnull=False).order_by("id")[:len(texts.MEMBER_DEEDS)])
        for person, (what, for_whom) in zip(members, texts.MEMBER_DEEDS, strict=False):
            good_deed_record(by=worker, kind=DeedKind.MEMBER, person=person, what=what, for_whom=for_whom,
                             done_on=self._day(), campaign=self.campaign)
            self.result.deeds += 1
        residents = list(Person.objects.filter(org_path__startswith=community.org.path, is_active=True,
                                               party_member__isnull=True).order_by("-id")[:len(texts.RESIDENT_DEEDS)])
        for person, (what, for_whom) in zip(residents, texts.RESIDENT_DEEDS, strict=False):
            good_deed_record(by=worker, kind=DeedKind.RESIDENT, person=person, what=what, for_whom=for_whom,
                             done_on=self._day(), campaign=self.campaign)
            self.result.deeds += 1
