"""The coverage summary of a campaign within an org: target, reached and rate, by group, by way,
by place and by week — grouped counts over the campaign's ``CoverageEntry`` rows."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Count, F, QuerySet
from django.db.models.functions import TruncWeek
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tongxin.campaigns.models import Campaign
from tongxin.orgs.models import Org, OrgKind
from tongxin.people.models import PersonGroup

from ...models import CoverageEntry, DeliveryKind, MemberClass, SessionKind, group_bit, way_bit
from .tally import campaign_tallies, tallied, tally_settle
from .target import _figures_transaction, _unit_paths, contains_scope, coverage_entries, is_place

MEMBER_GROUP_LABELS = {
    "member_regular": gettext_lazy("普通党员"),
    "member_infirm": gettext_lazy("老弱病残党员（送学上门）"),
    "member_mobile": gettext_lazy("流动党员"),
}

# The rows of the groups a member class counts in.
_CLASS_ROWS = {
    MemberClass.RESIDENT: [], MemberClass.REGULAR: ["member_regular"], MemberClass.INFIRM: ["member_infirm"],
    MemberClass.MOBILE: ["member_mobile"], MemberClass.INFIRM_MOBILE: ["member_infirm", "member_mobile"],
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


def _place_key(org: Org) -> str:
    """What the main pass groups by: under a place above the grids, each person's grid (a
    building's parent); in a grid or a building, each person's own place; under a unit or party
    org, each member's branch."""
    if not is_place(org):
        return "branch_id"
    if org.kind in (OrgKind.GRID, OrgKind.BUILDING):
        return "place_id"
    return "area_id"


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


def coverage_for_org(campaign: Campaign, org: Org, *, today: date | None = None) -> Coverage:
    """Target, reached and rate of ``campaign`` within ``org``, by group, by way, by place and by
    week (see the package docstring for every definition). A place at grid level or above is
    read from the tallies of its areas, settled first; anything else from the rows."""
    if not tallied(org):
        return coverage_for_org_direct(campaign, org, today=today)
    tally_settle(campaign)
    with _figures_transaction():
        return _summary(campaign, org, _tally_counts(campaign, org), today=today)


def coverage_for_org_direct(campaign: Campaign, org: Org, *, today: date | None = None) -> Coverage:
    """``coverage_for_org`` counted from the campaign's rows, whatever the org (the tallies are
    checked against it)."""
    with _figures_transaction():
        return _summary(campaign, org, _row_counts(campaign, org), today=today)


@dataclass
class _Counts:
    """What the summary is made of, from the rows or from the tallies."""

    by_key: dict[int | None, Figures] = field(default_factory=lambda: defaultdict(Figures))  # place key
    by_class: dict[int, Figures] = field(default_factory=lambda: defaultdict(Figures))  # member class
    by_week: dict[date, int] = field(default_factory=lambda: defaultdict(int))  # week of first reach
    groups: list[tuple[int, int, int]] = field(default_factory=list)  # residents: (groups, target, reached)
    ways: list[tuple[int, int]] = field(default_factory=list)  # (ways, persons)


def _row_counts(campaign: Campaign, org: Org) -> _Counts:
    counts = _Counts()
    cells, counts.groups, counts.ways = _grouped(coverage_entries(campaign, [org]), org)
    # (place key, member class, week of first reach) → persons.
    for key, cls, week, n in cells:
        reached = n if week is not None else 0
        counts.by_key[key].add(n, reached)
        counts.by_class[cls].add(n, reached)
        if week is not None:
            counts.by_week[_local_date(week)] += n
    return counts


def _tally_counts(campaign: Campaign, org: Org) -> _Counts:
    """The tallies of the areas under ``org`` added up: keyed by area, or in a grid by place
    (``_place_key``)."""
    counts = _Counts()
    by_place = _place_key(org) == "place_id"
    for area_id, figures in campaign_tallies(campaign, [org]).values_list("area_id", "figures"):
        for cls, (target, reached) in figures["classes"].items():
            counts.by_class[int(cls)].add(target, reached)
            if not by_place:
                counts.by_key[area_id].add(target, reached)
        if by_place:
            for place_id, (target, reached) in figures["places"].items():
                counts.by_key[int(place_id)].add(target, reached)
        for day, n in figures["weeks"].items():
            counts.by_week[date.fromisoformat(day)] += n
        counts.groups += [tuple(g) for g in figures["groups"]]
        counts.ways += [tuple(w) for w in figures["ways"]]
    return counts


def _summary(campaign: Campaign, org: Org, counts: _Counts, *, today: date | None) -> Coverage:
    today = today or timezone.localdate()
    result = Coverage(campaign=campaign, org=org,
                      clipped=contains_scope(campaign, org) and org.path != campaign.scope_path)
    members_counted = campaign.targets_members or bool(_unit_paths(campaign))
    member_rows = {key: GroupRow(key=key, label=str(label), kind="member")
                   for key, label in MEMBER_GROUP_LABELS.items()} if members_counted else {}

    # 1. By member class.
    for cls, figures in counts.by_class.items():
        result.add(figures.target, figures.reached)
        for row_key in _CLASS_ROWS[cls]:
            if row_key in member_rows:
                member_rows[row_key].add(figures.target, figures.reached)
    result.groups = list(member_rows.values())

    # 2. Residents by group: a person in two groups is in two rows.
    if campaign.targets_residents:
        result.groups += _resident_rows(campaign, counts.groups)

    # 3. By way: the target persons with each way's bit.
    result.ways = _way_rows(counts.ways)

    # 4. By place: the grouped keys rolled up to O's children, and the grids.
    result.places, result.grids = _place_rows(org, counts.by_key)

    # 5. Week by week, cumulative.
    weeks = _weeks_of(campaign, today)
    cumulative = 0
    for number, (monday, sunday) in enumerate(weeks, start=1):
        new = sum(n for day, n in counts.by_week.items()
                  if (day <= sunday if number == 1 else monday <= day <= sunday))
        cumulative += new
        result.weeks.append(WeekRow(starts_on=monday, ends_on=sunday, number=number, new=new,
                                    cumulative=cumulative, rate=coverage_rate(cumulative, result.target)))
    return result


def _grouped(rows: QuerySet[CoverageEntry], org: Org) -> tuple[list, list, list]:
    """The three grouped counts of the summary: (place key, member class, week of first reach),
    (groups, reached) of the residents, and the sets of ways. On PostgreSQL one scan of the rows
    computes all three (``GROUPING SETS``); elsewhere they are three queries."""
    rows = rows.order_by()
    by_cells = (rows.annotate(key=F(_place_key(org)), week=TruncWeek("first_reached_at"))
                .values_list("key", "member_class", "week").annotate(n=Count("*")))
    by_groups = (rows.filter(member_class=MemberClass.RESIDENT).values_list("groups")
                 .annotate(target=Count("*"), reached=Count("first_reached_at")))
    by_ways = rows.filter(ways__gt=0).values_list("ways").annotate(n=Count("*"))
    if connection.vendor != "postgresql":
        return list(by_cells), list(by_groups), list(by_ways)
    try:
        sql, params = (rows.annotate(key=F(_place_key(org)), week=TruncWeek("first_reached_at"))
                       .values("key", "member_class", "week", "groups", "ways", "first_reached_at")
                       .query.sql_with_params())
    except EmptyResultSet:  # an org outside the scope
        return [], [], []
    # GROUPING(...) tells the sets apart: 1 for each column a set leaves out (the first column
    # is the highest bit).
    grouped = f"""
        SELECT GROUPING(t.key, t.member_class, t.week, t.groups, t.ways), t.key, t.member_class, t.week, t.groups,
               t.ways, COUNT(*), COUNT(t.first_reached_at)
        FROM ({sql}) t
        GROUP BY GROUPING SETS ((t.key, t.member_class, t.week), (t.member_class, t.groups), (t.ways))
    """
    cells, groups, ways = [], [], []
    with connection.cursor() as cursor:
        cursor.execute(grouped, params)
        for grouping, key, cls, week, group_bits, way_bits, n, reached in cursor.fetchall():
            if grouping == 0b00011:
                cells.append((key, cls, week, n))
            elif grouping == 0b10101:
                if cls == MemberClass.RESIDENT:
                    groups.append((group_bits, n, reached))
            elif way_bits:
                ways.append((way_bits, n))
    return cells, groups, ways


def _resident_rows(campaign: Campaign, grouped: list[tuple[int, int, int]]) -> list[GroupRow]:
    """Residents grouped by their set of groups (a few dozen sets), each set counted in each of
    its groups' rows."""
    chosen = list(campaign.resident_groups) or list(PersonGroup.values)
    by_code = {code: GroupRow(key=f"group:{code}", label=str(PersonGroup(code).label), kind="resident")
               for code in PersonGroup.values if code in chosen}
    other = GroupRow(key="resident_other", label=_("其他居民"), kind="resident")
    bits = [(group_bit(code), row) for code, row in by_code.items()]
    for groups, target, reached in grouped:
        if not groups:
            other.add(target, reached)
        for bit, row in bits:  # a targeted resident's other, untargeted groups are not rows
            if groups & bit:
                row.add(target, reached)
    return list(by_code.values()) + ([] if campaign.resident_groups else [other])


def _way_rows(by_ways: list[tuple[int, int]]) -> list[WayRow]:
    """The persons grouped by their set of ways, each set counted under each of its ways."""
    result = [WayRow(key=f"session:{k}", source="session", kind=k, label=str(label))
              for k, label in SessionKind.choices]
    result += [WayRow(key=f"delivery:{k}", source="delivery", kind=k, label=str(label))
               for k, label in DeliveryKind.choices]
    for row in result:
        bit = way_bit(row.source, row.kind)
        row.reached = sum(n for ways, n in by_ways if ways & bit)
    return result


def _place_rows(org: Org, by_key: dict[int | None, Figures]) -> tuple[list[PlaceRow], list[PlaceRow]]:
    key_orgs = {o.pk: o for o in Org.objects.filter(pk__in=[k for k in by_key if k is not None])
                .only("id", "path", "kind", "name", "code")}
    children = list(Org.objects.filter(parent=org).order_by("kind", "code"))  # codes number them in order
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


