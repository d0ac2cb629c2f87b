"""Reads on sessions, the timetable and attendance, always within what the account may see.

Every list is one query (or one per kind of row): no loop issues a query per session or person.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from tongxin.accounts.selectors import scope_filter
from tongxin.orgs.models import OrgKind
from tongxin.people.models import Person
from tongxin.people.selectors import ancestor_paths, search_q

from ..models import Attendance, ScheduleItem, Session, SessionKind
from ..permissions import SESSION_VIEW_ROLES

# Kinds meant for party members: their roster and sign-in sheet list members first.
PARTY_KINDS = frozenset({SessionKind.GROUP_STUDY, SessionKind.PARTY_LECTURE, SessionKind.PARTY_DAY})


def in_scope_q(session: Session) -> Q:
    """Persons who may attend ``session``: registered persons whose place lies in the session org's
    subtree, and party members of a branch in that subtree (the rule of
    ``services.attendance``, and that of ``learning.view_session`` for persons)."""
    return Q(is_active=True) & (
        Q(org_path__startswith=session.org_path) | Q(party_member__branch__path__startswith=session.org_path)
    )


def in_scope(session: Session, *, org_path: str, branch_path: str | None, is_active: bool = True) -> bool:
    """The same rule as ``in_scope_q``, for a person already read."""
    return is_active and (org_path.startswith(session.org_path)
                          or (branch_path is not None and branch_path.startswith(session.org_path)))


def _person_paths(user) -> list[str]:
    """The paths above the account's person (their place and their branch), for "sessions of the
    places above them and of their branch"."""
    if not getattr(user, "person_id", None):
        return []
    row = (Person.objects.filter(pk=user.person_id)
           .values_list("org_path", "party_member__branch__path").first())
    if row is None:
        return []
    place, branch = row
    return sorted(set(ancestor_paths(place) + (ancestor_paths(branch) if branch else [])))


def session_visible_q(user) -> Q:
    """Sessions the account may see (the list form of ``learning.view_session``)."""
    condition = scope_filter(user, SESSION_VIEW_ROLES) or Q(pk__in=[])
    paths = _person_paths(user)
    if paths:
        condition |= Q(org_path__in=paths)
    return condition


def session_list(*, user, org=None, campaign=None, starts_from: datetime | None = None,
                 starts_before: datetime | None = None, kind: str = "") -> QuerySet[Session]:
    """Sessions the account may see, optionally under an org, of a campaign, in a period, of a kind;
    each with ``attended`` = how many have checked in."""
    qs = Session.objects.filter(session_visible_q(user))
    if org is not None:
        qs = qs.filter(org_path__startswith=org.path)
    if campaign is not None:
        qs = qs.filter(campaign=campaign)
    if starts_from is not None:
        qs = qs.filter(starts_at__gte=starts_from)
    if starts_before is not None:
        qs = qs.filter(starts_at__lt=starts_before)
    if kind:
        qs = qs.filter(kind=kind)
    return qs.select_related("org", "campaign").annotate(attended=Count("attendances"))


def session_get_visible(*, user, pk: int) -> Session | None:
    """The session if the account may see it, else None (so callers answer 404, not 403)."""
    return (Session.objects.filter(session_visible_q(user), pk=pk)
            .select_related("org", "campaign", "created_by").first())


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _local_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


# --- Calendar ------------------------------------------------------------------------------------

@dataclass
class CalendarDay:
    day: date
    in_month: bool
    is_today: bool
    sessions: list[Session] = field(default_factory=list)


def session_month(*, user, year: int, month: int, org=None, campaign=None) -> list[list[CalendarDay]]:
    """The month as weeks of days (Monday first), each day with its sessions, from one query."""
    weeks_of_days = calendar.Calendar(firstweekday=0).monthdatescalendar(year, month)
    first, last = weeks_of_days[0][0], weeks_of_days[-1][-1]
    today = timezone.localdate()
    qs = session_list(user=user, org=org, campaign=campaign, starts_from=_local_midnight(first),
                      starts_before=_local_midnight(last + timedelta(days=1))).order_by("starts_at")
    by_day: dict[date, list[Session]] = {}
    for s in qs:
        by_day.setdefault(timezone.localdate(s.starts_at), []).append(s)
    return [[CalendarDay(d, d.month == month, d == today, by_day.get(d, [])) for d in week] for week in weeks_of_days]


# --- This week, for a member or resident --------------------------------------------------------

@dataclass
class WeekEntry:
    """One line of "this week": a session, or a timetable slot with no session planned for it."""

    starts_at: datetime
    ends_at: datetime
    kind_label: str
    topic: str
    place: str
    org_name: str
    session: Session | None = None
    attended: bool = False


@dataclass
class WeekDay:
    day: date
    is_today: bool
    entries: list[WeekEntry] = field(default_factory=list)


def this_week_for(*, user, day: date | None = None) -> list[WeekDay]:
    """The week (Monday to Sunday) around ``day`` for the account's person: the timetable slots of
    the places above them and of their branch, and the sessions there, with a tick where they
    checked in. A slot is left out on a day its org already has a session of that kind."""
    day = day or timezone.localdate()
    monday = week_start(day)
    days = [monday + timedelta(days=i) for i in range(7)]
    paths = _person_paths(user)
    sessions = list(
        Session.objects.filter(org_path__in=paths, starts_at__gte=_local_midnight(monday),
                               starts_at__lt=_local_midnight(monday + timedelta(days=7)))
        .select_related("org")
        .annotate(mine=Exists(Attendance.objects.filter(session=OuterRef("pk"), person_id=user.person_id or 0)))
        .order_by("starts_at")
    ) if paths else []
    items = list(ScheduleItem.objects.filter(org_path__in=paths, active=True).select_related("org")) if paths else []
    today = timezone.localdate()
    week = {d: WeekDay(d, d == today) for d in days}
    taken: set[tuple[date, int, str]] = set()
    for s in sessions:
        d = timezone.localdate(s.starts_at)
        taken.add((d, s.org_id, s.kind))
        week[d].entries.append(WeekEntry(s.starts_at, s.ends_at, s.get_kind_display(), s.topic, s.place,
                                         s.org.name, session=s, attended=s.mine))
    for item in items:
        d = days[item.weekday]
        if (d, item.org_id, item.kind) in taken:
            continue
        week[d].entries.append(WeekEntry(
            timezone.make_aware(datetime.combine(d, item.starts_at)),
            timezone.make_aware(datetime.combine(d, item.ends_at)),
            item.get_kind_display(), item.topic, item.place, item.org.name))
    for wd in week.values():
        wd.entries.sort(key=lambda e: e.starts_at)
    return [week[d] for d in days]


def schedule_for(*, org) -> list[tuple[int, str, list[ScheduleItem]]]:
    """An org's timetable and those of the orgs under it: ``[(weekday, label, items), …]``."""
    labels = dict(ScheduleItem._meta.get_field("weekday").choices)
    items = list(ScheduleItem.objects.filter(org_path__startswith=org.path)
                 .select_related("org", "campaign").order_by("weekday", "starts_at", "org_path"))
    return [(d, labels[d], [i for i in items if i.weekday == d]) for d in range(7)]


# --- Attendance and roster -----------------------------------------------------------------------

def attendance_list(*, session: Session) -> QuerySet[Attendance]:
    return (Attendance.objects.filter(session=session)
            .select_related("person__org", "person__party_member", "recorded_by__person")
            .order_by("checked_in_at", "id"))


def attendance_count(*, session: Session) -> int:
    return Attendance.objects.filter(session_id=session.pk).count()


def attendance_by_method(*, session: Session) -> dict[str, int]:
    return dict(Attendance.objects.filter(session=session).values_list("method").annotate(n=Count("id")))


ROSTER_FILTERS = ("members", "all", "present", "absent")


def roster_default_filter(session: Session) -> str:
    party_org = session.org.kind in (OrgKind.PARTY_BRANCH, OrgKind.PARTY_COMMITTEE)
    return "members" if session.kind in PARTY_KINDS or party_org else "all"


def session_roster(*, session: Session, q: str = "", who: str = "all") -> QuerySet[Person]:
    """Who may attend ``session`` (and anyone recorded as present), each with ``checked_in_at``
    (None if not yet) and ``method``; ``who`` narrows to members, present or absent."""
    mine = Attendance.objects.filter(session_id=session.pk, person_id=OuterRef("pk"))
    present = Attendance.objects.filter(session_id=session.pk).values("person_id")
    qs = (Person.objects.filter(in_scope_q(session) | Q(pk__in=present))
          .annotate(checked_in_at=Subquery(mine.values("checked_in_at")[:1]),
                    method=Subquery(mine.values("method")[:1]))
          .select_related("org", "party_member__branch"))
    if q:
        qs = qs.filter(search_q(q))
    if who == "members":
        qs = qs.filter(party_member__isnull=False)
    elif who == "present":
        qs = qs.filter(pk__in=present)
    elif who == "absent":
        qs = qs.exclude(pk__in=present)
    return qs.order_by("org_path", "name_initials", "id")


def roster_counts(*, session: Session) -> dict[str, int]:
    """How many may attend, how many of them are members, and how many have checked in."""
    in_scope = Person.objects.filter(in_scope_q(session))
    totals = in_scope.aggregate(total=Count("id", distinct=True),
                                members=Count("id", distinct=True, filter=Q(party_member__isnull=False)))
    totals["present"] = attendance_count(session=session)
    return totals
