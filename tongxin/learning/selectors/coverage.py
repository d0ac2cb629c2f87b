"""Coverage (覆盖率, "全覆盖, 不漏一人"): for a campaign and an org, who must be reached, who is,
by which way, and who is not yet — with the way that fits each of them and who answers for them.

Definitions
-----------
**Where.** An org *holds* a person in one of two ways. A place (city … grid, building) holds
the active persons who live in its subtree (``Person.org_path`` starts with its path). A unit or a
party organisation holds the party members whose branch lies in its subtree. The coverage of a
campaign *within org O* is read over the persons held by O and by the campaign's scope. When O
contains the scope (O is the scope or above it, e.g. the district for a street campaign), it is
clipped to the scope: the figures are the campaign's own. An org outside the scope (a sibling
street) has an empty target.

**Target** (应覆盖). The active persons held by the scope (and by O) who are

* party members, if the campaign ``targets_members``;
* residents — persons who are *not* party members — if it ``targets_residents``: those in one of
  its ``resident_groups``, or all of them when the list is empty;
* party members whose branch lies under one of the campaign's ``units``.

A person counts once, whatever makes them a target. A unit's member counts where they live: one
who lives outside the scope is not in the target (the services refuse to record study for them in
the campaign either).

**Reached** (已覆盖). A target person with an ``Attendance`` whose ``campaign`` is the campaign, or
a ``Delivery`` whose ``campaign`` is the campaign. Attendance of another campaign, or of no
campaign, does not count. **By way**: attendance by the session's kind (集中学习, 微课堂, 宣讲 …)
and deliveries by their kind (送学上门, 网络助学, 口袋书 …). A person reached several ways counts
once in ``reached`` and once under each way, so the ways add up to ``reached`` or more.

**Rate** = reached / target, 0 when the target is 0, shown as a percentage with one decimal.
Rounded half up, except that it never shows 100.0 % while someone is missing, nor 0.0 % when
someone is reached (99.96 % shows as 99.9 %, 0.04 % as 0.1 %).

**By group.** Members: regular (neither of the two below), infirm (``needs_home_delivery``,
老弱病残), mobile (``is_mobile``, 流动党员); a member who is both counts in both rows. Residents
(non-members) by ``PersonGroup``: a person in two groups counts in both rows (so these rows
overlap); residents in no group are "其他居民" (only when the campaign targets all residents).
For every row, reached + gaps = target.

**By place.** Each child of O (street → communities → grids → buildings), with the persons held
directly by O itself in a row of their own; and each grid under O. For a unit or party org the
children are its branches, by the members' branch.

**Week by week.** For each ISO week (Monday to Sunday, local time) of the campaign's period, up to
the current week, the persons whose first reach (the earliest ``checked_in_at`` of their
attendances and ``delivered_at`` of their deliveries, in the campaign) falls in it, and the
cumulative number reached by its end. A reach dated before the first week counts in the first
week; one after the period's last week in no week (so the last cumulative can be below
``reached``).

**Gap list** (未覆盖名单). The target persons not reached, ordered by place (``org_path``), then
name, paginated in SQL. Each with the suggested way (``GapWay``):

* an infirm member → 送学上门;
* a mobile member → 网络助学 或 口袋书;
* a member with an active study pair (as the one helped) → 由结对党员 X 助学;
* anyone else → the next session of the campaign that would reach them: the soonest not closed
  one starting after now, of kind 宣讲 or 微课堂 (or 集中学习 for a member), held by an org whose
  path is a prefix of the person's place (their building, grid, community, street …) or, for a
  member, of their branch's path. Only a session *of this campaign* closes the gap, so sessions
  of other campaigns are not suggested. None → "待安排宣讲/微课堂".

A member of the first two kinds who also has a study partner gets the partner's name as well.

Who answers for a gap (``Responsible``): the 包户 holders of the person's household; else the
包楼 holders of their building (the deepest org above them with one); else the grid workers of
their grid (accounts with ``Role.GRID_WORKER`` on an org above them); else the 包片 holders of the
area. It is ``people.selectors.who_answers_for`` for a page of people at once.

Cost
----
Every figure is a grouped SQL aggregate over the target, evaluated by the database: the summary
is one pass over the persons under O computing each one's first reach (with
``attendance_coverage``, an index-only probe), one pass for the resident groups, and one grouped
count each over attendance and deliveries for the ways — plus two small queries on orgs. Python
only adds up the grouped rows (at most grids × 5 member classes × weeks). A page of the gap list
is the count, the page's ids (sorted narrow), its persons, and four queries for the ways and the
responsible persons of its 30 people, however many there are.

All of it costs in proportion to the people under O, not to the size of the tables. Measured on
PostgreSQL 15 (two shared cores) with the demo district — 1,000,008 residents, 9.9 million
attendance rows, 4.2 million of them in the campaign read — summary / one page of the gap list:

    grid (506 people)          22 ms /   20 ms
    community (2,571)          57 ms /   28 ms
    street (20,001)           325 ms /   90 ms
    street (128,603)          2.2 s /  350 ms
    district (1,000,008)       12 s /  1.5 s

So the budgets (500 ms, 300 ms) hold up to a street of about 30,000; figures for a district or a
city need a roll-up kept by the attendance and delivery services (not built yet).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import reduce
from operator import or_

from django.core.paginator import Page, Paginator
from django.db import connection, transaction
from django.db.models import (
    BooleanField, Case, Count, DateTimeField, Exists, ExpressionWrapper, F, Func, IntegerField, OuterRef, Q, QuerySet,
    Subquery, Value, When, Window,
)
from django.db.models.functions import Coalesce, Collate, Least, RowNumber, TruncWeek
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tongxin.accounts.models import Role, RoleAssignment
from tongxin.accounts.selectors import scope_paths
from tongxin.campaigns.models import Campaign, CampaignStatus
from tongxin.orgs.models import Org, OrgKind
from tongxin.orgs.selectors import PLACE_KINDS
from tongxin.people.models import (
    Person, PersonGroup, PersonGroupMembership, Responsibility, ResponsibilityKind, StudyPair,
)
from tongxin.people.selectors import ancestor_paths

from ..models import Attendance, Delivery, DeliveryKind, Session, SessionKind, SessionStatus
from ..permissions import COVERAGE_ROLES

GAP_PAGE_SIZE = 30

# Member classes of the main pass (``_member_class``).
_RESIDENT, _REGULAR, _INFIRM, _MOBILE, _INFIRM_MOBILE = 0, 1, 2, 3, 4

# The ways a person not yet reached may be suggested (``GapWay.code``).
WAY_HOME = "home"
WAY_ONLINE_OR_BOOK = "online_or_pocket_book"
WAY_PARTNER = "partner"
WAY_SESSION = "session"
WAY_UNSCHEDULED = "unscheduled"

# Session kinds that reach a resident, and a member, in their place (see the gap list).
RESIDENT_SESSION_KINDS = (SessionKind.OUTREACH, SessionKind.MICRO_CLASS)
MEMBER_SESSION_KINDS = (SessionKind.OUTREACH, SessionKind.MICRO_CLASS, SessionKind.GROUP_STUDY)

# The three ways a grid worker records from the to-do list.
TODO_DELIVERY_KINDS = (DeliveryKind.HOME, DeliveryKind.ONLINE, DeliveryKind.POCKET_BOOK)

MEMBER_GROUP_LABELS = {
    "member_regular": gettext_lazy("普通党员"),
    "member_infirm": gettext_lazy("老弱病残党员（送学上门）"),
    "member_mobile": gettext_lazy("流动党员"),
}


def coverage_rate(reached: int, target: int) -> float:
    """reached / target as a percentage with one decimal (see the module docstring)."""
    if target <= 0 or reached <= 0:
        return 0.0
    rate = (Decimal(reached) * 100 / Decimal(target)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    if reached < target and rate >= 100:
        rate = Decimal("99.9")
    if rate <= 0:
        rate = Decimal("0.1")
    return float(rate)


@dataclass
class Figures:
    target: int = 0
    reached: int = 0

    @property
    def gaps(self) -> int:
        return self.target - self.reached

    @property
    def rate(self) -> float:
        return coverage_rate(self.reached, self.target)

    def add(self, target: int, reached: int) -> None:
        self.target += target
        self.reached += reached


@dataclass
class GroupRow(Figures):
    key: str = ""
    label: str = ""
    kind: str = "member"  # "member" or "resident"


@dataclass
class WayRow:
    key: str
    source: str  # "session" (attendance) or "delivery"
    kind: str
    label: str
    reached: int = 0


@dataclass
class PlaceRow(Figures):
    org: Org | None = None  # None: the persons held directly by the org read
    label: str = ""


@dataclass
class WeekRow:
    starts_on: date
    ends_on: date
    number: int  # 1 for the campaign's first week
    new: int = 0
    cumulative: int = 0
    rate: float = 0.0


@dataclass
class Coverage(Figures):
    campaign: Campaign | None = None
    org: Org | None = None  # the org asked about
    clipped: bool = False  # the org lies above the scope: the figures are the campaign's own
    groups: list[GroupRow] = field(default_factory=list)
    ways: list[WayRow] = field(default_factory=list)
    places: list[PlaceRow] = field(default_factory=list)
    grids: list[PlaceRow] = field(default_factory=list)
    weeks: list[WeekRow] = field(default_factory=list)


# --- The target -------------------------------------------------------------------------------

def is_place(org: Org) -> bool:
    return org.kind in PLACE_KINDS


def _holds_q(org: Org) -> Q:
    """The persons an org holds: residents of a place, members of a unit's or party org's branches."""
    if is_place(org):
        return Q(org_path__startswith=org.path)
    return Q(party_member__branch__path__startswith=org.path)


def contains_scope(campaign: Campaign, org: Org) -> bool:
    return campaign.scope_path.startswith(org.path)


def _disjoint(campaign: Campaign, org: Org) -> bool:
    """Two places neither of which contains the other hold nobody in common."""
    scope = campaign.scope
    return (is_place(org) and is_place(scope)
            and not org.path.startswith(scope.path) and not scope.path.startswith(org.path))


def _unit_paths(campaign: Campaign) -> list[str]:
    """The paths of the campaign's units, read once per campaign object."""
    cached = getattr(campaign, "_coverage_unit_paths", None)
    if cached is None:
        cached = sorted(u.path for u in campaign.units.all())  # uses a prefetch when there is one
        campaign._coverage_unit_paths = cached
    return cached


def _who_q(campaign: Campaign) -> Q | None:
    """Who the campaign must reach, wherever they are (None: nobody)."""
    if campaign.targets_members and campaign.targets_residents and not campaign.resident_groups:
        return Q()  # everyone
    parts = []
    if campaign.targets_members:
        parts.append(Q(party_member__isnull=False))
    if campaign.targets_residents:
        residents = Q(party_member__isnull=True)
        if campaign.resident_groups:
            residents &= Q(Exists(PersonGroupMembership.objects.filter(
                person=OuterRef("pk"), group__in=list(campaign.resident_groups))))
        parts.append(residents)
    if not campaign.targets_members:
        unit_paths = _unit_paths(campaign)
        if unit_paths:
            branches = Org.objects.filter(reduce(or_, [Q(path__startswith=p) for p in unit_paths]))
            parts.append(Q(party_member__branch__in=branches.values("pk")))
    return reduce(or_, parts) if parts else None


def coverage_target(campaign: Campaign, orgs: Sequence[Org]) -> QuerySet[Person]:
    """The campaign's target persons held by any of ``orgs`` (see the module docstring)."""
    who = _who_q(campaign)
    orgs = [o for o in orgs if not _disjoint(campaign, o)]
    if who is None or not orgs:
        return Person.objects.none()
    scope = campaign.scope
    condition = Q(is_active=True) & who
    if any(contains_scope(campaign, o) for o in orgs):
        condition &= _holds_q(scope)
    else:
        # A place inside a place scope holds only people the scope holds: one range, not two.
        inside = all(is_place(o) and is_place(scope) and o.path.startswith(scope.path) for o in orgs)
        condition &= reduce(or_, [_holds_q(o) for o in orgs]) if inside \
            else _holds_q(scope) & reduce(or_, [_holds_q(o) for o in orgs])
    return Person.objects.filter(condition)


def _attended(campaign: Campaign, person_ref: str = "pk") -> Exists:
    return Exists(Attendance.objects.filter(campaign=campaign, person=OuterRef(person_ref)))


def _delivered(campaign: Campaign, person_ref: str = "pk") -> Exists:
    return Exists(Delivery.objects.filter(campaign=campaign, person=OuterRef(person_ref)))


def reached_q(campaign: Campaign) -> Q:
    return Q(_attended(campaign)) | Q(_delivered(campaign))


def gaps_q(campaign: Campaign) -> Q:
    """Not reached, written as two NOT EXISTS so the database can run them as anti-joins."""
    return ~Q(_attended(campaign)) & ~Q(_delivered(campaign))


def _first_reach(campaign: Campaign):
    """The person's first reach in the campaign (None: not reached). Each side is one probe of
    an index on (campaign, person, time)."""
    first_attendance = Subquery(
        Attendance.objects.filter(campaign=campaign, person=OuterRef("pk"))
        .order_by("checked_in_at").values("checked_in_at")[:1])
    first_delivery = Subquery(
        Delivery.objects.filter(campaign=campaign, person=OuterRef("pk"))
        .order_by("delivered_at").values("delivered_at")[:1])
    return _Earliest(first_attendance, first_delivery)


class _Earliest(Func):
    """The earlier of two times, either of which may be NULL. PostgreSQL's LEAST skips NULLs;
    SQLite's MIN(a, b) is NULL as soon as one side is, so there each side falls back on the other
    (which evaluates the subqueries twice: fine for the embedded database, not for PostgreSQL)."""

    function = "LEAST"
    arity = 2
    output_field = DateTimeField()

    def as_sqlite(self, compiler, connection, **extra_context):
        first, second = self.get_source_expressions()
        return compiler.compile(Least(Coalesce(first, second), Coalesce(second, first)))


def _member_class():
    return Case(
        When(party_member__isnull=True, then=Value(_RESIDENT)),
        When(party_member__needs_home_delivery=True, party_member__is_mobile=True, then=Value(_INFIRM_MOBILE)),
        When(party_member__needs_home_delivery=True, then=Value(_INFIRM)),
        When(party_member__is_mobile=True, then=Value(_MOBILE)),
        default=Value(_REGULAR),
        output_field=IntegerField(),
    )


# --- The summary ------------------------------------------------------------------------------

def _place_key(org: Org):
    """What the main pass groups by: under a place above the grids, each person's grid (a
    building's parent); in a grid or a building, each person's own place; under a unit or party
    org, each member's branch."""
    if not is_place(org):
        return F("party_member__branch_id")
    if org.kind in (OrgKind.GRID, OrgKind.BUILDING):
        return F("org_id")
    return Case(When(org__kind=OrgKind.BUILDING, then=F("org__parent_id")), default=F("org_id"),
                output_field=IntegerField())


def _weeks_of(campaign: Campaign, today: date) -> list[tuple[date, date]]:
    first = campaign.starts_on - timedelta(days=campaign.starts_on.weekday())
    last_day = min(campaign.ends_on, max(today, campaign.starts_on))
    weeks = []
    monday = first
    while monday <= last_day:
        weeks.append((monday, monday + timedelta(days=6)))
        monday += timedelta(days=7)
    return weeks


def _local_date(value) -> date | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.date()
    return value


@contextmanager
def _figures_transaction():
    """PostgreSQL compiles queries whose estimated cost is high (``jit_above_cost``) to machine
    code first. For these counts — cheap index probes per person, estimated as expensive — the
    compilation costs about a second at the scale of a street and saves nothing, so the coverage
    reads switch it off for their own transaction."""
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")
        yield


def coverage_for_org(campaign: Campaign, org: Org, *, today: date | None = None) -> Coverage:
    """Target, reached and rate of ``campaign`` within ``org``, by group, by way, by place and by
    week (see the module docstring for every definition)."""
    with _figures_transaction():
        return _coverage_for_org(campaign, org, today=today)


def _coverage_for_org(campaign: Campaign, org: Org, *, today: date | None) -> Coverage:
    today = today or timezone.localdate()
    result = Coverage(campaign=campaign, org=org,
                      clipped=contains_scope(campaign, org) and org.path != campaign.scope_path)
    target = coverage_target(campaign, [org])
    members_counted = campaign.targets_members or bool(_unit_paths(campaign))
    member_rows = {key: GroupRow(key=key, label=str(label), kind="member")
                   for key, label in MEMBER_GROUP_LABELS.items()} if members_counted else {}

    # 1. One pass over the target: (place key, member class, week of first reach) → persons.
    cells = (
        target.annotate(key=_place_key(org), cls=_member_class(), week=TruncWeek(_first_reach(campaign)))
        .values_list("key", "cls", "week").annotate(n=Count("pk")).order_by()
    )
    by_key: dict[int | None, Figures] = defaultdict(Figures)
    by_week: dict[date, int] = defaultdict(int)
    class_rows = {_REGULAR: ["member_regular"], _INFIRM: ["member_infirm"], _MOBILE: ["member_mobile"],
                  _INFIRM_MOBILE: ["member_infirm", "member_mobile"], _RESIDENT: []}
    for key, cls, week, n in cells:
        reached = n if week is not None else 0
        result.add(n, reached)
        by_key[key].add(n, reached)
        for row_key in class_rows[cls]:
            if row_key in member_rows:
                member_rows[row_key].add(n, reached)
        if week is not None:
            by_week[_local_date(week)] += n
    result.groups = list(member_rows.values())

    # 2. Residents by group: a person in two groups is in two rows.
    if campaign.targets_residents:
        result.groups += _resident_rows(campaign, target)

    # 3. By way: distinct target persons per session kind and per delivery kind.
    result.ways = _way_rows(campaign, target)

    # 4. By place: the grouped keys rolled up to O's children, and the grids.
    result.places, result.grids = _place_rows(org, by_key)

    # 5. Week by week, cumulative.
    weeks = _weeks_of(campaign, today)
    cumulative = 0
    for number, (monday, sunday) in enumerate(weeks, start=1):
        new = sum(n for day, n in by_week.items() if (day <= sunday if number == 1 else monday <= day <= sunday))
        cumulative += new
        result.weeks.append(WeekRow(starts_on=monday, ends_on=sunday, number=number, new=new,
                                    cumulative=cumulative, rate=coverage_rate(cumulative, result.target)))
    return result


def _resident_rows(campaign: Campaign, target: QuerySet[Person]) -> list[GroupRow]:
    chosen = list(campaign.resident_groups) or list(PersonGroup.values)
    rows = {code: GroupRow(key=f"group:{code}", label=str(PersonGroup(code).label), kind="resident")
            for code in PersonGroup.values if code in chosen}
    other = GroupRow(key="resident_other", label=_("其他居民"), kind="resident")
    hit = ExpressionWrapper(reached_q(campaign), output_field=BooleanField())
    grouped = (
        target.filter(party_member__isnull=True)
        .annotate(hit=hit).values_list("group_memberships__group", "hit").annotate(n=Count("pk")).order_by()
    )
    for group, reached, n in grouped:
        row = other if group is None else rows.get(group)
        if row is not None:  # a targeted resident's other, untargeted groups are not rows
            row.add(n, n if reached else 0)
    return list(rows.values()) + ([] if campaign.resident_groups else [other])


def _way_rows(campaign: Campaign, target: QuerySet[Person]) -> list[WayRow]:
    persons = target.values("pk")
    by_session = dict(
        Attendance.objects.filter(campaign=campaign, person__in=persons)
        .values_list("session__kind").annotate(n=Count("person", distinct=True)).order_by()
    )
    by_delivery = dict(
        Delivery.objects.filter(campaign=campaign, person__in=persons)
        .values_list("kind").annotate(n=Count("person", distinct=True)).order_by()
    )
    rows = [WayRow(key=f"session:{k}", source="session", kind=k, label=str(label), reached=by_session.get(k, 0))
            for k, label in SessionKind.choices]
    rows += [WayRow(key=f"delivery:{k}", source="delivery", kind=k, label=str(label), reached=by_delivery.get(k, 0))
             for k, label in DeliveryKind.choices]
    return rows


def _place_rows(org: Org, by_key: dict[int | None, Figures]) -> tuple[list[PlaceRow], list[PlaceRow]]:
    key_orgs = {o.pk: o for o in Org.objects.filter(pk__in=[k for k in by_key if k is not None])
                .only("id", "path", "kind", "name", "code")}
    children = list(Org.objects.filter(parent=org).order_by("kind", "name"))
    if is_place(org):
        children = [c for c in children if is_place(c)]
    else:
        children = [c for c in children if c.kind in (OrgKind.PARTY_COMMITTEE, OrgKind.PARTY_BRANCH)]
    child_rows = {c.path: PlaceRow(org=c, label=c.name) for c in children}
    direct = PlaceRow(org=None, label=_("直接登记在本级"))
    grids: dict[int, PlaceRow] = {}
    for key, figures in by_key.items():
        key_org = key_orgs.get(key)
        path = key_org.path if key_org else None
        row = direct
        if path and path.startswith(org.path) and path != org.path:
            child_path = org.path + path[len(org.path):].split("/", 1)[0] + "/"
            row = child_rows.get(child_path, direct)
        row.add(figures.target, figures.reached)
        if key_org is not None and key_org.kind == OrgKind.GRID and is_place(org) and org.kind != OrgKind.GRID:
            grids[key_org.pk] = PlaceRow(org=key_org, label=key_org.name, target=figures.target,
                                         reached=figures.reached)
    # People held by the org itself get a row only beside its children's rows.
    places = list(child_rows.values()) + ([direct] if direct.target and child_rows else [])
    if org.kind == OrgKind.GRID:
        grid_rows = [PlaceRow(org=org, label=org.name,
                              target=sum(f.target for f in by_key.values()),
                              reached=sum(f.reached for f in by_key.values()))]
    else:
        grid_rows = sorted(grids.values(), key=lambda r: r.org.path)
    return places, grid_rows


# --- The gap list -----------------------------------------------------------------------------

def coverage_gaps(campaign: Campaign, orgs: Sequence[Org], *, visible: Q | None = None) -> QuerySet[Person]:
    """Target persons not reached, by place then name. ``visible`` narrows to the rows the reader
    may see (``people.selectors.person_visible_q``)."""
    qs = coverage_target(campaign, orgs).filter(gaps_q(campaign))
    if visible is not None:
        qs = qs.filter(visible)
    return qs.order_by(TreeOrder("org_path"), "name", "id")


def _persons_in_order(ids: Sequence[int]) -> list[Person]:
    """The page's persons with what the page shows of them, in the order of ``ids``. The page is
    first chosen as bare ids, so the database sorts narrow rows, not whole people."""
    found = Person.objects.select_related("org", "household", "party_member__branch").in_bulk(list(ids))
    return [found[pk] for pk in ids if pk in found]


class TreeOrder(Collate):
    """A path in the tree's order: byte by byte (``COLLATE "C"`` on PostgreSQL; SQLite compares
    bytes already), so that ``/1/2/`` sorts right before ``/1/2/3/`` whatever the database's
    locale. It also keeps PostgreSQL from walking the whole people index in locale order to find
    the first page of one street: it reads the street's range and sorts it (measured on a
    million people: 410 ms for one page of a street of 20,000 the first way, under 100 ms this
    way)."""

    def __init__(self, expression):
        super().__init__(expression, "C")

    def as_sqlite(self, compiler, connection, **extra_context):
        return compiler.compile(self.get_source_expressions()[0])


def coverage_gap_page(campaign: Campaign, orgs: Sequence[Org], *, page: int | str | None = 1,
                      per_page: int = GAP_PAGE_SIZE, visible: Q | None = None,
                      now: datetime | None = None) -> tuple[Page, list[GapItem]]:
    """One page of the gap list (count and rows in SQL) with each person's way and who answers.
    The page's ``object_list`` holds the persons."""
    with _figures_transaction():
        ids = coverage_gaps(campaign, orgs, visible=visible).values_list("pk", flat=True)
        page_obj = Paginator(ids, per_page).get_page(page)
        page_obj.object_list = _persons_in_order(list(page_obj.object_list))
        items = coverage_gap_items(campaign, page_obj.object_list, now=now)
    return page_obj, items


def coverage_gap_slice(campaign: Campaign, orgs: Sequence[Org], *, offset: int = 0, limit: int = GAP_PAGE_SIZE,
                       visible: Q | None = None, now: datetime | None = None) -> tuple[int, list[GapItem]]:
    """The count of the gap list and ``limit`` of its items from ``offset`` (for the API)."""
    with _figures_transaction():
        ids = coverage_gaps(campaign, orgs, visible=visible).values_list("pk", flat=True)
        count = ids.count()
        persons = _persons_in_order(list(ids[offset:offset + limit])) if offset < count else []
        items = coverage_gap_items(campaign, persons, now=now)
    return count, items


@dataclass
class GapWay:
    code: str  # WAY_*
    label: str
    session: Session | None = None
    partner: str = ""  # the study partner's name, for any member who has one
    delivery_kind: str = ""  # the delivery that fits, for the to-do's buttons


@dataclass
class Responsible:
    name: str
    kind: str  # "household", "building", "grid_worker", "area"
    kind_label: str
    person_id: int | None = None


@dataclass
class GapItem:
    person: Person
    way: GapWay
    responsible: list[Responsible]

    @property
    def is_member(self) -> bool:
        return getattr(self.person, "party_member", None) is not None


def _member(person: Person):
    return getattr(person, "party_member", None)


def _session_paths(person: Person) -> list[str]:
    paths = ancestor_paths(person.org_path)
    member = _member(person)
    if member is not None:
        paths += [p for p in ancestor_paths(member.branch.path) if p not in paths]
    return paths


def _next_sessions(campaign: Campaign, paths: Iterable[str], now: datetime) -> dict[str, list[Session]]:
    """For each org path, its soonest upcoming session of each suggested kind (one query)."""
    paths = sorted(set(paths))
    if not paths:
        return {}
    ranked = (
        Session.objects.filter(campaign=campaign, org_path__in=paths, starts_at__gt=now,
                               kind__in=MEMBER_SESSION_KINDS)
        .exclude(status=SessionStatus.CLOSED)
        .annotate(rank=Window(RowNumber(), partition_by=[F("org_path"), F("kind")],
                              order_by=[F("starts_at").asc(), F("id").asc()]))
        .filter(rank=1)
        .select_related("org")
    )
    found: dict[str, list[Session]] = defaultdict(list)
    for session in ranked:
        found[session.org_path].append(session)
    return found


def _suggested_way(person: Person, partners: dict[int, str], sessions: dict[str, list[Session]]) -> GapWay:
    member = _member(person)
    partner = partners.get(person.pk, "")
    if member is not None and member.needs_home_delivery:
        return GapWay(WAY_HOME, str(DeliveryKind.HOME.label), partner=partner, delivery_kind=DeliveryKind.HOME)
    if member is not None and member.is_mobile:
        return GapWay(WAY_ONLINE_OR_BOOK, _("网络助学 或 口袋书"), partner=partner, delivery_kind=DeliveryKind.ONLINE)
    if member is not None and partner:
        return GapWay(WAY_PARTNER, _("由结对党员 %(name)s 助学") % {"name": partner}, partner=partner)
    kinds = MEMBER_SESSION_KINDS if member is not None else RESIDENT_SESSION_KINDS
    candidates = [s for path in _session_paths(person) for s in sessions.get(path, []) if s.kind in kinds]
    if candidates:
        session = min(candidates, key=lambda s: (s.starts_at, s.pk))
        when = formats.date_format(timezone.localtime(session.starts_at), "n月j日 H:i")
        return GapWay(WAY_SESSION, _("%(when)s %(kind)s：%(topic)s（%(org)s）") % {
            "when": when, "kind": session.get_kind_display(), "topic": session.topic, "org": session.org.name,
        }, session=session)
    return GapWay(WAY_UNSCHEDULED, _("待安排宣讲/微课堂"))


def _partners(persons: Sequence[Person]) -> dict[int, str]:
    """Person id → the name of their study partner (the first, by name, of their active pairs)."""
    member_ids = [p.pk for p in persons if _member(p) is not None]
    if not member_ids:
        return {}
    found: dict[int, str] = {}
    pairs = (StudyPair.objects.filter(active=True, member__person_id__in=member_ids)
             .values_list("member__person_id", "helper__person__name").order_by("helper__person__name"))
    for person_id, name in pairs:
        found.setdefault(person_id, name)
    return found


def responsible_for(persons: Sequence[Person]) -> dict[int, list[Responsible]]:
    """Who answers for each person: 包户 > 包楼 > grid worker > 包片, in two queries for a page
    (``people.selectors.who_answers_for`` does one household at a time)."""
    if not persons:
        return {}
    households = {p.household_id for p in persons if p.household_id}
    paths = sorted({a for p in persons for a in ancestor_paths(p.org_path)})
    duties = (
        Responsibility.objects.filter(
            Q(kind=ResponsibilityKind.HOUSEHOLD, household_id__in=households)
            | Q(kind__in=[ResponsibilityKind.BUILDING, ResponsibilityKind.AREA], org_path__in=paths))
        .values_list("kind", "household_id", "org_path", "person_id", "person__name")
        .order_by("person__name", "person_id")
    )
    by_household: dict[int, list[Responsible]] = defaultdict(list)
    by_path: dict[tuple[str, str], list[Responsible]] = defaultdict(list)
    labels = dict(ResponsibilityKind.choices)
    for kind, household_id, org_path, person_id, name in duties:
        entry = Responsible(name=name, kind=kind, kind_label=str(labels[kind]), person_id=person_id)
        if kind == ResponsibilityKind.HOUSEHOLD:
            by_household[household_id].append(entry)
        else:
            by_path[(kind, org_path)].append(entry)
    workers: dict[str, list[Responsible]] = defaultdict(list)
    grants = (RoleAssignment.objects.filter(role=Role.GRID_WORKER, org__path__in=paths)
              .select_related("user__person", "org").order_by("org__path", "user__username"))
    for grant in grants:
        user = grant.user
        workers[grant.org.path].append(Responsible(
            name=user.display_name, kind="grid_worker", kind_label=str(Role.GRID_WORKER.label),
            person_id=user.person_id))

    result = {}
    for person in persons:
        chain = list(reversed(ancestor_paths(person.org_path)))  # the deepest place first
        found = by_household.get(person.household_id, []) if person.household_id else []
        for kind_paths in (
            [by_path.get((ResponsibilityKind.BUILDING, p), []) for p in chain],
            [workers.get(p, []) for p in chain],
            [by_path.get((ResponsibilityKind.AREA, p), []) for p in chain],
        ):
            if found:
                break
            found = next((entries for entries in kind_paths if entries), [])
        result[person.pk] = found
    return result


def coverage_gap_items(campaign: Campaign, persons: Sequence[Person], *,
                       now: datetime | None = None) -> list[GapItem]:
    """The suggested way and who answers, for a page of gap persons (three queries for the page)."""
    persons = list(persons)
    now = now or timezone.now()
    partners = _partners(persons)
    needs_session = [p for p in persons if not (_member(p) and (_member(p).needs_home_delivery
                                                                or _member(p).is_mobile
                                                                or p.pk in partners))]
    sessions = _next_sessions(campaign, {path for p in needs_session for path in _session_paths(p)}, now)
    answers = responsible_for(persons)
    return [GapItem(person=p, way=_suggested_way(p, partners, sessions), responsible=answers.get(p.pk, []))
            for p in persons]


# --- Which campaign and org a page opens on, and the to-do's places --------------------------

def coverage_campaigns_for(user, *, today: date | None = None) -> list[Campaign]:
    """Campaigns under way that the account may read coverage of, newest first."""
    from tongxin.campaigns.selectors import campaign_visible_q

    today = today or timezone.localdate()
    return list(
        Campaign.objects.filter(campaign_visible_q(user), status=CampaignStatus.ACTIVE, starts_on__lte=today,
                                ends_on__gte=today)
        .select_related("scope").order_by("-starts_on", "name", "id")
    )


def coverage_default_org(user, campaign: Campaign) -> Org | None:
    """The campaign's scope for those who read it, else the account's widest place inside it."""
    if user.has_perm("learning.view_coverage", campaign.scope):
        return campaign.scope
    paths = sorted((p for p in scope_paths(user, COVERAGE_ROLES)
                    if p.startswith(campaign.scope_path) or campaign.scope_path.startswith(p)), key=len)
    return Org.objects.filter(path__in=paths[:1]).first() if paths else None


def todo_places_for(user) -> list[Org]:
    """The grids where the account is a grid worker and the buildings where it is a building head."""
    paths = scope_paths(user, (Role.GRID_WORKER, Role.BUILDING_HEAD))
    outer = [p for p in sorted(set(paths)) if not any(p != q and p.startswith(q) for q in paths)]
    return list(Org.objects.filter(path__in=outer).order_by("path"))
