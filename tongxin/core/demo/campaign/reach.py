"""Who the demo campaign reaches, and the records that say so: attendance at the sessions held,
deliveries to infirm and mobile members, the pocket books and mp3 players handed over.

Who is reached is decided first (by kind of person, and for residents by grid, a few grids well
behind), then the records are made to match, so coverage comes out high with real gaps. The
volume goes in by bulk insert with one audit entry per row; what leaves the stock goes through
``delivery_record``.

A mixin of ``street.StreetCampaignBuilder`` (uses ``sp``, ``rng``, ``now``, ``today``,
``starts_on``, ``street``, ``campaign``, ``admin``, ``planned`` and ``materials``).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime, timedelta

from tongxin.core.audit import AuditAction, audit_record_many
from tongxin.core.bulk_insert import insert_instances
from tongxin.learning.models import Attendance, AttendanceMethod, Delivery, DeliveryKind, Session, SessionKind
from tongxin.learning.services.attendance import attendance_recount
from tongxin.learning.services.deliveries import delivery_record
from tongxin.people.models import Person

from . import texts
from .people import StudyPerson
from .sessions import PlannedSession, at

# Who is reached (see the module docstring).
REACH_REGULAR = 0.97
REACH_INFIRM = 0.82
REACH_MOBILE = 0.58
GRID_REACH_USUAL = (0.88, 0.96)
GRID_REACH_WEAK = (0.60, 0.72)
WEAK_GRID_SHARE = 0.17
DEMO_GRID_REACH = 0.84  # the demo grid worker's grid: a real to-do, not a hopeless one

# Chance that a reached person also comes to a session of each kind they may attend.
MEMBER_TURNOUT = {
    SessionKind.GROUP_STUDY: 0.5, SessionKind.PARTY_LECTURE: 0.55, SessionKind.PARTY_DAY: 0.75,
    SessionKind.LECTURE: 0.3, SessionKind.FIELD_VISIT: 0.6, SessionKind.FORUM: 0.08,
    SessionKind.MICRO_CLASS: 0.1, SessionKind.OUTREACH: 0.05,
}
RESIDENT_TURNOUT = {
    SessionKind.MICRO_CLASS: 0.08, SessionKind.OUTREACH: 0.06, SessionKind.LECTURE: 0.02, SessionKind.FORUM: 0.004,
}
RESIDENT_FIRST = [SessionKind.OUTREACH, SessionKind.MICRO_CLASS, SessionKind.LECTURE]
RESIDENT_FIRST_WEIGHTS = [0.48, 0.44, 0.08]
MEMBER_KINDS = {SessionKind.GROUP_STUDY, SessionKind.PARTY_LECTURE, SessionKind.PARTY_DAY, SessionKind.FIELD_VISIT}


class ReachMixin:
    """Decides who is reached and writes the records that reach them (see the module docstring)."""

    def _decide_reach(self) -> set[int]:
        """The persons reached: of each kind of person (and of each grid's residents) a share drawn
        exactly, not person by person, so that even the tiny street keeps the pattern."""
        rng, sp = self.rng, self.sp
        grids = [g for c in sp.communities for g in c.grids]
        # The first grid is the demo grid worker's; the weak ones are among the others.
        weak = set(rng.sample(range(1, len(grids)), max(1, round(len(grids) * WEAK_GRID_SHARE)))) \
            if len(grids) > 1 else set()
        shares = {("grid", grid.pk): DEMO_GRID_REACH if i == 0 else rng.uniform(
            *(GRID_REACH_WEAK if i in weak else GRID_REACH_USUAL)) for i, grid in enumerate(grids)}
        shares.update({"infirm": REACH_INFIRM, "mobile": REACH_MOBILE, "member": REACH_REGULAR})
        classes: dict[object, list[int]] = defaultdict(list)
        for person in sp.people:
            key = ("infirm" if person.infirm else "mobile" if person.mobile else "member" if person.member
                   else ("grid", person.grid.pk if person.grid else None))
            classes[key].append(person.id)
        reached = set()
        for key, ids in classes.items():
            share = shares.get(key, GRID_REACH_USUAL[0])
            reached.update(rng.sample(ids, min(len(ids), round(len(ids) * share))))
        return reached

    def _attend(self, reached: set[int]) -> int:
        rng = self.rng
        held = [p for p in self.planned if p.ends_at <= self.now and not p.open_now]
        by_path: dict[str, list[PlannedSession]] = defaultdict(list)
        for p in held:
            by_path[p.org.path].append(p)
        taken: Counter = Counter()

        def attend(p: PlannedSession, person: StudyPerson) -> bool:
            if p.capacity is not None and taken[id(p)] >= p.capacity:
                return False
            taken[id(p)] += 1
            p.attendees.append(person)
            return True

        for person in self.sp.people:
            if person.id not in reached or person.infirm:
                continue
            sessions = [s for path in person.paths() for s in by_path.get(path, [])]
            if not sessions:
                continue
            if person.mobile:
                # Back home for a few days: one group study or party day, now and then.
                if rng.random() < 0.2:
                    choice = [s for s in sessions if s.kind in MEMBER_KINDS]
                    if choice:
                        attend(rng.choice(choice), person)
                continue
            if person.member:
                went = [s for s in sessions if rng.random() < MEMBER_TURNOUT.get(s.kind, 0) and attend(s, person)]
                if not went:
                    attend(rng.choice(sessions), person)
                continue
            # A resident: a first session of the kinds that reach residents, then now and then more.
            kind = rng.choices(RESIDENT_FIRST, RESIDENT_FIRST_WEIGHTS)[0]
            first = [s for s in sessions if s.kind == kind] or [s for s in sessions if s.kind in RESIDENT_TURNOUT]
            if not first:
                continue
            chosen = rng.choice(first)
            attend(chosen, person)
            for s in sessions:
                if s is not chosen and rng.random() < RESIDENT_TURNOUT.get(s.kind, 0):
                    attend(s, person)
        # A few have scanned in already at each session open now; the demo accounts have not.
        for p in self.planned:
            if p.open_now:
                here = [person for person in self.sp.people if person.community is not None
                        and person.community.pk == p.org.pk and person.id in reached
                        and person.id not in self.sp.account_persons and not person.infirm]
                for person in rng.sample(here, min(len(here), rng.randint(5, 12))):
                    attend(p, person)

        rows = []
        for p in self.planned:
            staff = p.by if getattr(p.by, "pk", None) else None
            for person in p.attendees:
                if p.open_now:
                    method = AttendanceMethod.QR
                    when = p.starts_at - timedelta(minutes=10) + timedelta(
                        seconds=rng.randint(0, int((self.now - p.starts_at).total_seconds()) + 600))
                else:
                    roll = rng.random()
                    old = person.age >= 70
                    method = (AttendanceMethod.SIGN_SHEET if roll < (0.35 if old else 0.06)
                              else AttendanceMethod.ROSTER if roll < (0.6 if old else 0.14) else AttendanceMethod.QR)
                    when = (p.starts_at if method == AttendanceMethod.SIGN_SHEET
                            else p.starts_at + timedelta(seconds=rng.randint(-1500, 900)))
                rows.append(Attendance(session=p.session, person_id=person.id, campaign=self.campaign, method=method,
                                       checked_in_at=when,
                                       recorded_by=None if method == AttendanceMethod.QR else staff))
        insert_instances(Attendance, rows)
        attendance_recount(Session.objects.filter(pk__in={a.session_id for a in rows}))
        scanned = [a for a in rows if a.method == AttendanceMethod.QR]
        audit_record_many(by=None, action=AuditAction.ATTENDANCE_CHECKED_IN, objects=scanned,
                          changes_for=lambda a: {"session": a.session_id, "person": a.person_id, "method": a.method})
        by_recorder = defaultdict(list)
        for a in rows:
            if a.method != AttendanceMethod.QR:
                by_recorder[a.recorded_by_id].append(a)
        recorders = {p.by.pk: p.by for p in self.planned if getattr(p.by, "pk", None)}
        for recorder_id, items in by_recorder.items():
            audit_record_many(by=recorders.get(recorder_id), action=AuditAction.ATTENDANCE_RECORDED, objects=items,
                              changes_for=lambda a: {"session": a.session_id, "person": a.person_id,
                                                     "method": a.method, "checked_in_at": a.checked_in_at.isoformat()})
        self.attendances = rows
        return len(rows)

    # -- study brought to people ------------------------------------------------------------
    def _when(self) -> datetime:
        """A working-day moment in the campaign so far."""
        rng = self.rng
        days = (self.today - self.starts_on).days
        for _attempt in range(20):
            day = self.starts_on + timedelta(days=rng.randrange(max(days, 1)))
            when = at(day, rng.randint(9, 17), rng.choice((0, 10, 20, 30, 40, 50)))
            if when < self.now - timedelta(hours=1):
                return when
        return self.now - timedelta(hours=2)

    def _deliver(self, reached: set[int]) -> int:
        rng, sp = self.rng, self.sp
        m = self.materials
        bulk: list[Delivery] = []
        handed: list[tuple] = []  # (person id, kind, material, deliverer id, when, recorder)
        for person in sp.people:
            if person.id not in reached or not (person.infirm or person.mobile):
                continue
            grid_id = person.grid.pk if person.grid else None
            worker = sp.grid_worker_persons.get(grid_id)
            recorder = sp.grid_workers.get(grid_id) or sp.staff_for(person.community or self.street)
            deliverer = person.partner_id or worker
            if deliverer == person.id:
                deliverer = None
            if person.infirm:
                for _n in range(rng.randint(1, 3)):
                    bulk.append(Delivery(campaign=self.campaign, person_id=person.id, kind=DeliveryKind.HOME,
                                         delivered_by_id=deliverer, delivered_at=self._when(),
                                         material=rng.choice([m[texts.BOOK], m[texts.POCKET_BOOK], None]),
                                         note=rng.choice(["", "读原著、讲政策", "带去学习资料并讲解", "上门送学，老人精神很好"]),
                                         recorded_by=recorder))
                roll = 0.0 if not handed else rng.random()  # the first always: the mp3 players are used
                if roll < 0.4:
                    handed.append((person.id, DeliveryKind.MP3, m[texts.MP3], deliverer, self._when(), recorder))
                elif roll < 0.55:
                    bulk.append(Delivery(campaign=self.campaign, person_id=person.id, kind=DeliveryKind.AUDIO_BOOK,
                                         delivered_by_id=deliverer, delivered_at=self._when(), material=m[texts.AUDIO],
                                         recorded_by=recorder))
            else:
                for _n in range(rng.randint(2, 5)):
                    bulk.append(Delivery(campaign=self.campaign, person_id=person.id, kind=DeliveryKind.ONLINE,
                                         delivered_by_id=deliverer, delivered_at=self._when(),
                                         material=rng.choice([m[texts.ARTICLE], m[texts.AUDIO], m[texts.VIDEO]]),
                                         note=rng.choice(["微信推送", "微信群推送学习材料", "与流入地党组织联系，转发学习安排"]),
                                         recorded_by=recorder))
                if not any(h[1] == DeliveryKind.POCKET_BOOK for h in handed) or rng.random() < 0.4:
                    handed.append((person.id, DeliveryKind.POCKET_BOOK, m[texts.POCKET_BOOK], deliverer, self._when(),
                                   recorder))
        insert_instances(Delivery, bulk)
        self.deliveries = bulk
        by_recorder = defaultdict(list)
        for d in bulk:
            by_recorder[d.recorded_by_id].append(d)
        recorders = {u.pk: u for u in list(sp.grid_workers.values()) + [c.worker for c in sp.communities if c.worker]
                     + ([self.admin] if self.admin else [])}
        for recorder_id, items in by_recorder.items():
            audit_record_many(by=recorders.get(recorder_id), action=AuditAction.DELIVERY_RECORDED, objects=items,
                              changes_for=lambda d: {"person": d.person_id, "kind": d.kind,
                                                     "campaign": self.campaign.slug, "delivered_by": d.delivered_by_id,
                                                     "material": d.material_id, "distribution": None})
        # What is handed over leaves the stock: through the service, which takes it under a lock.
        persons = Person.objects.in_bulk([h[0] for h in handed] + [h[3] for h in handed if h[3]])
        made = 0
        for person_id, kind, material, deliverer_id, when, recorder in sorted(handed, key=lambda h: h[4]):
            material.refresh_from_db(fields=["stock"])
            if material.stock < 1:
                continue  # all handed out: the rest wait for the next purchase
            delivery_record(by=recorder, person=persons[person_id], kind=kind, campaign=self.campaign,
                            delivered_by=persons.get(deliverer_id), delivered_at=when, material=material,
                            note="发放并教会使用" if kind == DeliveryKind.MP3 else "")
            made += 1
        return len(bulk) + made
