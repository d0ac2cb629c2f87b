"""Reads on home visits (民情日记): the visit list, visit coverage of an org subtree for a period
(households visited of all, hardship households visited of all, by child org), the households
not yet visited (the grid worker's to-do), and a visitor's own recent visits.

A period is a pair of local days, either end open. A campaign stands for its period: a visit made
then in the org counts, whether or not the worker tagged it with the campaign.

Figures are grouped SQL counts; subtrees are ``org_path LIKE 'prefix%'`` on indexed columns.
Coverage (``visit_coverage``) is four queries whatever the size: households grouped by child org,
hardship and visited-or-not; the child orgs; visits by reason; voices heard by kind. "Visited" is
``household.id IN (SELECT household_id FROM visit WHERE org_path LIKE … AND visited_at …)``, which
PostgreSQL runs as one hashed subplan over the subtree's visits, not one probe per household (on
a street of 20,000 households the grouped query takes about 35 ms, the whole coverage about 50).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import (
    BooleanField, Count, Exists, ExpressionWrapper, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery, Value,
)
from django.db.models.functions import Coalesce, Left, StrIndex, Substr
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tongxin.accounts.selectors import scope_filter, scope_paths
from tongxin.campaigns.models import Campaign, CampaignStatus
from tongxin.campaigns.selectors import campaign_visible_q
from tongxin.orgs.models import Household, Org, OrgKind
from tongxin.people.models import Person

from ..models import Visit, VisitReason, Voice, VoiceKind
from ..permissions import RECORD_ROLES, VIEW_ROLES

NOTHING = Q(pk__in=[])
PLACE_KINDS = (OrgKind.STREET, OrgKind.TOWNSHIP, OrgKind.COMMUNITY, OrgKind.VILLAGE, OrgKind.GRID, OrgKind.BUILDING)
ORDINARY = "ordinary"  # the reason filter's value for a visit without a 四访四问 reason
# The reasons as a list's tags show them.
REASON_SHORT = {
    VisitReason.HARDSHIP: gettext_lazy("困难户"),
    VisitReason.RETURNED_WORKER: gettext_lazy("返乡务工"),
    VisitReason.PETITIONER: gettext_lazy("上访户"),
    VisitReason.OLD_SICK: gettext_lazy("老弱病"),
}


# --- Periods ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Period:
    since: date | None = None
    until: date | None = None

    def bounds(self) -> tuple[datetime | None, datetime | None]:
        """The period as ``[start, end)`` in time (None where open)."""
        tz = timezone.get_current_timezone()
        return (datetime.combine(self.since, time.min, tzinfo=tz) if self.since else None,
                datetime.combine(self.until + timedelta(days=1), time.min, tzinfo=tz) if self.until else None)

    def q(self, field: str) -> Q:
        """Local-day bounds on a datetime column, inclusive of both days (indexable)."""
        start, end = self.bounds()
        condition = Q()
        if start:
            condition &= Q(**{f"{field}__gte": start})
        if end:
            condition &= Q(**{f"{field}__lt": end})
        return condition

    def day_q(self, field: str) -> Q:
        condition = Q()
        if self.since:
            condition &= Q(**{f"{field}__gte": self.since})
        if self.until:
            condition &= Q(**{f"{field}__lte": self.until})
        return condition

    @property
    def label(self) -> str:
        if self.since and self.until:
            return _("%(since)s 至 %(until)s") % {"since": self.since.isoformat(), "until": self.until.isoformat()}
        if self.since:
            return _("%(since)s 以来") % {"since": self.since.isoformat()}
        if self.until:
            return _("%(until)s 以前") % {"until": self.until.isoformat()}
        return _("全部时间")


ALL_TIME = Period()


def period_for(*, campaign: Campaign | None = None, since: date | None = None, until: date | None = None) -> Period:
    """The period asked for: the dates given, else the campaign's, else all time."""
    if campaign is not None:
        since = since or campaign.starts_on
        until = until or campaign.ends_on
    return Period(since, until)


def this_year() -> Period:
    """The period of a to-do list when no campaign is under way: 民情日记 are kept by the year."""
    today = timezone.localdate()
    return Period(date(today.year, 1, 1), None)


def campaigns_under_way(user, *, places: list[Org] | None = None) -> list[Campaign]:
    """Campaigns running today that the account sees, newest first; with ``places``, only those
    whose scope holds or lies in one of them."""
    today = timezone.localdate()
    campaigns = list(Campaign.objects.filter(campaign_visible_q(user), status=CampaignStatus.ACTIVE,
                                             starts_on__lte=today, ends_on__gte=today)
                     .select_related("scope").order_by("-starts_on", "name", "id"))
    if places is not None:
        campaigns = [c for c in campaigns if any(p.path.startswith(c.scope_path) or c.scope_path.startswith(p.path)
                                                 for p in places)]
    return campaigns


def _under(paths: list[str], field: str = "org_path") -> Q:
    condition = NOTHING
    for path in paths:
        condition |= Q(**{f"{field}__startswith": path})
    return condition


def rate(part: int, whole: int) -> float:
    """part / whole in percent with one decimal; 100 only when nothing is left."""
    if whole <= 0 or part <= 0:
        return 0.0
    value = (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    if part < whole and value >= 100:
        value = Decimal("99.9")
    return float(max(value, Decimal("0.1")))


# --- Coverage ---------------------------------------------------------------------------------

@dataclass
class VisitFigures:
    households: int = 0
    visited: int = 0
    hardship: int = 0
    hardship_visited: int = 0

    @property
    def not_visited(self) -> int:
        return self.households - self.visited

    @property
    def hardship_not_visited(self) -> int:
        return self.hardship - self.hardship_visited

    @property
    def rate(self) -> float:
        return rate(self.visited, self.households)

    @property
    def hardship_rate(self) -> float:
        return rate(self.hardship_visited, self.hardship)

    def add(self, *, hardship: bool, seen: bool, n: int) -> None:
        self.households += n
        self.visited += n if seen else 0
        self.hardship += n if hardship else 0
        self.hardship_visited += n if hardship and seen else 0


@dataclass
class PlaceRow(VisitFigures):
    org: Org | None = None  # None: the households registered on the org itself
    label: str = ""


@dataclass
class CountRow:
    key: str
    label: str
    count: int = 0
    urgent: int = 0


@dataclass
class VisitCoverage(VisitFigures):
    org: Org | None = None
    period: Period = field(default_factory=Period)
    visits: int = 0
    visitors: int = 0
    reasons: list[CountRow] = field(default_factory=list)  # 四访四问, then ordinary visits
    heard: int = 0
    heard_urgent: int = 0
    heard_by_kind: list[CountRow] = field(default_factory=list)
    places: list[PlaceRow] = field(default_factory=list)


def visited_households(paths: list[str], period: Period) -> QuerySet:
    """``household_id`` of the visits under ``paths`` in ``period``, as a subquery."""
    return Visit.objects.filter(_under(paths), period.q("visited_at")).values("household_id")


def _child_path(org: Org):
    """The path of the child of ``org`` that a row's ``org_path`` lies under: the prefix up to the
    next "/" after the org's own path (the org's path itself for rows held by the org)."""
    n = len(org.path)
    return Left("org_path", Value(n) + StrIndex(Substr("org_path", n + 1), Value("/")))


def _household_cells(org: Org, period: Period) -> dict[str, PlaceRow]:
    """One grouped query: households under ``org`` by child org, hardship, visited or not."""
    seen = ExpressionWrapper(Q(pk__in=visited_households([org.path], period)), output_field=BooleanField())
    cells = (Household.objects.filter(org_path__startswith=org.path)
             .annotate(child=_child_path(org), seen=seen)
             .values_list("child", "in_hardship", "seen").annotate(n=Count("id")).order_by())
    rows: dict[str, PlaceRow] = {}
    for child, hardship, was_seen, n in cells:
        rows.setdefault(child, PlaceRow()).add(hardship=hardship, seen=bool(was_seen), n=n)
    return rows


def _reason_rows(visits: QuerySet) -> tuple[int, int, list[CountRow]]:
    counts = visits.order_by().aggregate(
        visits=Count("id"), visitors=Count("visitor", distinct=True),
        ordinary=Count("id", filter=Q(**{f: False for f in Visit.REASON_FIELDS.values()})),
        **{reason.value: Count("id", filter=Q(**{f: True})) for reason, f in Visit.REASON_FIELDS.items()},
    )
    rows = [CountRow(reason.value, reason.label, counts[reason.value]) for reason in Visit.REASON_FIELDS]
    rows.append(CountRow(ORDINARY, _("日常走访"), counts["ordinary"]))
    return counts["visits"], counts["visitors"], rows


def heard_by_kind(visits: QuerySet) -> tuple[int, int, list[CountRow]]:
    """Voices heard at ``visits``: total, urgent, and by kind (one grouped query)."""
    grouped = {kind: (n, urgent) for kind, n, urgent in
               Voice.objects.filter(visit__in=visits.order_by().values("pk"))
               .values_list("kind").annotate(n=Count("id"), urgent=Count("id", filter=Q(urgent=True))).order_by()}
    rows = [CountRow(kind, label, *grouped.get(kind, (0, 0))) for kind, label in VoiceKind.choices]
    return sum(r.count for r in rows), sum(r.urgent for r in rows), rows


def visit_coverage(org: Org, *, campaign: Campaign | None = None, period: Period | None = None) -> VisitCoverage:
    """Households visited of all and hardship households visited of all under ``org`` in
    ``period`` (by default the campaign's, else all time), by child org (place kinds only;
    households held by the org itself in a row of their own), with the visits by reason and the
    voices heard at them."""
    period = period or period_for(campaign=campaign)
    cells = _household_cells(org, period)
    children = list(Org.objects.filter(parent=org, kind__in=PLACE_KINDS).order_by("name", "path"))
    places = []
    for child in children:
        row = cells.get(child.path, PlaceRow())
        row.org, row.label = child, child.name
        places.append(row)
    if org.path in cells and children:
        own = cells[org.path]
        own.label = _("直属住户")
        places.append(own)
    coverage = VisitCoverage(org=org, period=period, places=places)
    for row in cells.values():
        coverage.households += row.households
        coverage.visited += row.visited
        coverage.hardship += row.hardship
        coverage.hardship_visited += row.hardship_visited
    visits = Visit.objects.filter(org_path__startswith=org.path).filter(period.q("visited_at"))
    coverage.visits, coverage.visitors, coverage.reasons = _reason_rows(visits)
    coverage.heard, coverage.heard_urgent, coverage.heard_by_kind = heard_by_kind(visits)
    return coverage


def visit_progress(paths: list[str], period: Period) -> VisitFigures:
    """Households visited of all under ``paths`` (a worker's grids and buildings), one query."""
    counts = Household.objects.filter(_under(paths)).aggregate(
        households=Count("id"), hardship=Count("id", filter=Q(in_hardship=True)),
        visited=Count("id", filter=Q(pk__in=visited_households(paths, period))),
        hardship_visited=Count("id", filter=Q(in_hardship=True, pk__in=visited_households(paths, period))),
    )
    return VisitFigures(**counts)


def households_not_visited(paths: list[str], period: Period) -> QuerySet[Household]:
    """Households under ``paths`` without a visit in ``period``: hardship households first, then
    by building and number; each with its residents (and its last visit ever, kept on the row)."""
    return (Household.objects.filter(_under(paths)).exclude(pk__in=visited_households(paths, period))
            .select_related("org")
            .prefetch_related(_residents())
            .order_by("-in_hardship", "org_path", "number", "id"))


def _residents() -> Prefetch:
    return Prefetch("members", queryset=Person.objects.filter(is_active=True).only("id", "name", "household_id")
                    .order_by("id"), to_attr="residents")


# --- Households a worker may visit ------------------------------------------------------------

def visit_places_for(user) -> list[Org]:
    """The outermost places where the account may record visits (a grid worker's grid)."""
    paths = set(scope_paths(user, RECORD_ROLES))
    outer = [p for p in sorted(paths) if not any(p != q and p.startswith(q) for q in paths)]
    return list(Org.objects.filter(path__in=outer).order_by("path"))


def household_visitable_q(user) -> Q:
    return scope_filter(user, RECORD_ROLES) or NOTHING


def household_search(*, user, q: str, limit: int = 30) -> list[Household]:
    """Households the account may visit, found by number (any part: "501" finds "3-2-501") or
    by a resident's name or pinyin initials."""
    q = q.strip()
    if not q:
        return []
    qs = Household.objects.filter(household_visitable_q(user))
    if re.search(r"\d", q):
        qs = qs.filter(number__contains=q)
    else:
        qs = qs.filter(Exists(Person.objects.filter(_name_q(q), household=OuterRef("pk"), is_active=True)))
    return list(qs.select_related("org").prefetch_related(_residents())
                .order_by("-in_hardship", "org_path", "number", "id")[:limit])


def household_get_visitable(*, user, pk) -> Household | None:
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    return (Household.objects.filter(household_visitable_q(user), pk=pk).select_related("org")
            .prefetch_related(_residents()).first())


def _name_q(q: str, prefix: str = "") -> Q:
    if re.fullmatch(r"[A-Za-z]+", q):
        return Q(**{f"{prefix}name_initials__startswith": q.lower()})
    return Q(**{f"{prefix}name__startswith": q})


# --- The visit list ---------------------------------------------------------------------------

VISIT_SORTS = {
    "-date": ("-visited_at", "-id"),
    "date": ("visited_at", "id"),
    "household": ("org_path", "household__number", "-visited_at", "-id"),
    "visitor": ("visitor_name", "-visited_at", "-id"),
    "-heard": ("-heard", "-visited_at", "-id"),
}


def visit_visible_q(user) -> Q:
    """Visits under the account's staff and superior scopes, and those it made."""
    condition = scope_filter(user, VIEW_ROLES) or NOTHING
    if getattr(user, "pk", None):
        condition |= Q(visitor_id=user.pk)
    return condition


def _heard_count():
    heard = Voice.objects.filter(visit=OuterRef("pk")).order_by().values("visit").annotate(n=Count("id")).values("n")
    return Coalesce(Subquery(heard, output_field=IntegerField()), 0)


def visit_list(*, user, org: Org | None = None, period: Period = ALL_TIME, q: str = "", reason: str = "",
               visitor: int | None = None, sort: str = "-date") -> QuerySet[Visit]:
    qs = Visit.objects.filter(visit_visible_q(user)).filter(period.q("visited_at"))
    if org is not None:
        qs = qs.filter(org_path__startswith=org.path)
    if reason == ORDINARY:
        qs = qs.filter(**{f: False for f in Visit.REASON_FIELDS.values()})
    elif reason in VisitReason.values:
        qs = qs.filter(**{Visit.REASON_FIELDS[VisitReason(reason)]: True})
    if visitor:
        qs = qs.filter(visitor_id=visitor)
    q = q.strip()
    if q:
        if re.search(r"\d", q):
            qs = qs.filter(household__number__contains=q)
        else:
            residents = Person.objects.filter(_name_q(q), household=OuterRef("household_id"))
            qs = qs.filter(Q(visitor_name__startswith=q) | Q(Exists(residents)))
    return (qs.select_related("household__org", "campaign").annotate(heard=_heard_count())
            .order_by(*VISIT_SORTS.get(sort, VISIT_SORTS["-date"])))


def visit_counts(visits: QuerySet[Visit]) -> dict:
    """The list's totals: visits, households, voices heard (two queries)."""
    counts = visits.order_by().aggregate(visits=Count("id"), households=Count("household", distinct=True))
    counts["heard"] = Voice.objects.filter(visit__in=visits.order_by().values("pk")).count()
    return counts


def visitors_in(visits: QuerySet[Visit], limit: int = 200) -> list[tuple[int, str]]:
    """``(visitor id, name)`` of those who made ``visits``, for the visitor filter."""
    return list(visits.order_by("visitor_name", "visitor_id").values_list("visitor_id", "visitor_name")
                .distinct()[:limit])


def visit_get_visible(*, user, pk: int) -> Visit | None:
    return (Visit.objects.filter(visit_visible_q(user), pk=pk)
            .select_related("household__org", "org", "campaign", "visitor")
            .prefetch_related(Prefetch("voices", queryset=Voice.objects.select_related("person").order_by("id")))
            .first())


def visits_by(user, *, limit: int = 10) -> list[Visit]:
    """The account's own latest visits (the worker's diary)."""
    return list(Visit.objects.filter(visitor_id=user.pk).select_related("household__org")
                .annotate(heard=_heard_count()).order_by("-visited_at", "-id")[:limit])
