"""The figures of voices and follow-through for an org's subtree and a period: what came in, how
it was handled (the three rates by which the work is judged: response, resolution, satisfaction),
how long it took, and what the visits, livelihood projects, problem list and good deeds add up to.

Every figure is a SQL aggregate: one query per model with conditional counts
(``Count("pk", filter=Q(...))``), plus one for the median. ``voice_figures_by_child`` runs the
same queries grouped by the child of the org each row sits under, so the side-by-side comparison
costs what one org's figures cost, however many children there are.

**Definitions** (the figures page shows them in Chinese, ``DEFINITIONS``):

- *Period*: local days (Asia/Shanghai), both ends included, either end open. A campaign stands for
  its own period where no date is given, as on the visits pages: what was done then counts,
  whether or not it was tagged with the campaign.
- *Received* (收到): voices submitted in the period (by ``submitted_at``) at a place in the org's
  subtree. A voice merged into another as its duplicate (``duplicate_of`` set) is left out everywhere:
  each matter counts once, in the item it was merged into.
- *Responded* (已响应): received and answered — accepted or not accepted (``responded_at`` set).
  **Response rate** = responded / received.
- *Accepted* (已受理): received, less those not accepted (rejected), less those still waiting to be
  accepted (submitted). An item reopened after an unsatisfied rating is still accepted.
- *Resolved* (已解决, the results library 成果库): resolved, or closed after its resolution (a
  resolution written). **Resolution rate** = resolved / accepted.
- *Rated* (已评价): with a rating from the speaker or a follow-up call; an item rated again after
  reopening counts its latest rating. **Satisfaction rate** = (满意 + 基本满意) / rated.
- *Time to resolve* (办结用时): hours from submitted to resolved, over the resolved items: the mean
  and the median.
- *Overdue* (逾期未办结): received, still open (not resolved, closed or rejected), past its deadline now.
- *Wishes* (心愿): received; claimed (接单 at least once); resolved.
- *Visits* (走访): households of the subtree visited at least once in the period out of all its
  households; the same for hardship households (困难户); visits in the period by 四访四问 reason
  (a visit for several reasons counts under each; one for none is an ordinary visit, 日常走访).
- *Projects* (民生实事): projects of the subtree under way at some time in the period — started
  (with no start date: created) on or before its last day and not done before its first; of them,
  those with resident supervisors, the supervisors (persons), and those done.
- *Problem list* (问题清单): items listed on or before the period's last day and not fixed before
  its first; fixed, being fixed, not started; fixed on the spot (立行立改) or in phases.
- *Good deeds* (好事实事): done in the period, by kind.

A rate whose denominator is zero has no value (``Rate.percent`` is ``None``, shown as "—").
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime

from django.db import connection
from django.db.models import Aggregate, Avg, Count, Exists, F, FloatField, Func, OuterRef, Q, QuerySet, Value, Window
from django.db.models.functions import RowNumber, StrIndex, Substr
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tongxin.accounts.selectors import scope_filter, scope_paths
from tongxin.campaigns.models import Campaign
from tongxin.core.spans import happened_within
from tongxin.orgs.models import Household, Org, OrgKind

from ..models import (
    Channel, DeedKind, GoodDeed, Library, Project, ProjectStatus, Rating, Rectification, RectificationMode,
    RectificationStatus, Visit, VisitReason, Voice, VoiceAction, VoiceCategory, VoiceEvent, VoiceKind, VoiceStatus,
)
from ..permissions import VIEW_ROLES
from ..services.workflow import OPEN
from .visits import ORDINARY, Period, period_for

S = VoiceStatus
RESULTS_Q = Q(status__in=(S.RESOLVED, S.CLOSED)) & ~Q(resolution="")
# The org picker offers places down to the grid; buildings are reached by drilling down.
PICKER_KINDS = (OrgKind.CITY, OrgKind.DISTRICT, OrgKind.STREET, OrgKind.TOWNSHIP, OrgKind.COMMUNITY, OrgKind.VILLAGE,
                OrgKind.GRID)
PICKER_MAX = 300
# A child of these kinds is not a place: it gets a row in the comparison only if something sits under it.
NOT_PLACES = (OrgKind.UNIT, OrgKind.PARTY_COMMITTEE, OrgKind.PARTY_BRANCH)

DEFINITIONS = [
    (_("统计期间"), _("按北京时间的日期，含首尾两天；只选主题活动、未填日期时，按该活动的起止日期统计。")),
    (_("收到"), _("期间内（按提交日期，北京时间，含首尾两天）本组织及下级登记的群众心声；被合并的重复事项不计，"
                 "只在合并到的事项中计一次。")),
    (_("响应率"), _("已响应（已受理或不予受理）÷ 收到。")),
    (_("解决率"), _("已解决（已办结，或办结后关闭，即成果库）÷ 已受理；已受理 = 收到 − 不予受理 − 待受理，"
                  "重新办理的事项仍计入已受理。")),
    (_("满意率"), _("（满意 + 基本满意）÷ 已评价；重新办理后再次评价的，按最近一次评价计。")),
    (_("办结用时"), _("已解决事项从提交到办结的小时数，取平均值和中位数。")),
    (_("逾期未办结"), _("尚未办结（非已办结、已关闭、不予受理），且已超过办理时限。")),
    (_("走访覆盖"), _("期间内至少走访过一次的户 ÷ 辖区全部户；困难户同样计算。一次走访有多项“四访四问”事由的，各项分别计一次。")),
    (_("民生实事"), _("期间内推进过的项目：开始（无开始日期的按登记日期）不晚于期末，且未在期初前完成。")),
    (_("问题清单"), _("期末前已列入、且未在期初前完成整改的问题。")),
    (_("好事实事"), _("期间内办成的好事实事。")),
    (_("比率"), _("分母为零时不计算，显示为“—”。")),
]


@dataclass(frozen=True)
class Rate:
    numerator: int
    denominator: int

    @property
    def percent(self) -> float | None:
        """The rate in per cent with one decimal; ``None`` when there is nothing to divide by."""
        if not self.denominator:
            return None
        return round(100 * self.numerator / self.denominator, 1)


@dataclass(frozen=True)
class Tally:
    """One line of a breakdown: the value counted by (a status, a category code; "" for none)."""

    key: str
    label: str
    count: int


@dataclass(frozen=True)
class WishFigures:
    received: int
    claimed: int
    resolved: int


@dataclass(frozen=True)
class VisitFigures:
    visits: int
    households: int
    households_visited: int
    hardship_households: int
    hardship_visited: int
    by_reason: tuple[Tally, ...]

    @property
    def household_coverage(self) -> Rate:
        return Rate(self.households_visited, self.households)

    @property
    def hardship_coverage(self) -> Rate:
        return Rate(self.hardship_visited, self.hardship_households)


@dataclass(frozen=True)
class ProjectFigures:
    total: int
    with_supervisors: int
    supervisors: int
    done: int


@dataclass(frozen=True)
class RectificationFigures:
    total: int
    fixed: int
    in_progress: int
    not_started: int
    immediate: int
    phased: int


@dataclass(frozen=True)
class VoiceFigures:
    """The figures of ``org``'s subtree over the period (see the module's definitions)."""

    org: Org
    date_from: date | None
    date_to: date | None
    campaign: Campaign | None
    received: int
    responded: int
    accepted: int
    rejected: int
    waiting: int
    resolved: int
    rated: int
    urgent: int
    overdue: int
    response_rate: Rate
    resolution_rate: Rate
    satisfaction_rate: Rate
    hours_mean: float | None
    hours_median: float | None
    by_library: tuple[Tally, ...]
    by_category: tuple[Tally, ...]
    by_status: tuple[Tally, ...]
    by_channel: tuple[Tally, ...]
    by_kind: tuple[Tally, ...]
    by_rating: tuple[Tally, ...]
    wishes: WishFigures
    visits: VisitFigures
    projects: ProjectFigures
    rectifications: RectificationFigures
    deeds: tuple[Tally, ...]

    @property
    def deeds_total(self) -> int:
        return sum(t.count for t in self.deeds)


@dataclass(frozen=True)
class ChildFigures:
    """A row of the side-by-side comparison: a child of the org (``direct`` False), or the org
    itself for what sits directly on it (``direct`` True)."""

    org: Org
    direct: bool
    figures: VoiceFigures


# --- SQL pieces ------------------------------------------------------------------------------

class HoursBetween(Func):
    """Hours from the datetime ``start`` to the datetime ``end``, as a float (SQLite, PostgreSQL)."""

    output_field = FloatField()

    def __init__(self, start, end, **extra):
        super().__init__(end, start, **extra)  # the SQL subtracts the second from the first

    def as_sqlite(self, compiler, connection, **extra):
        # SQLite keeps datetimes as text; julianday() reads them as days.
        return self.as_sql(compiler, connection, template="(julianday(%(expressions)s)) * 24.0",
                           arg_joiner=") - julianday(", **extra)

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection,
                           template="CAST(EXTRACT(EPOCH FROM (%(expressions)s)) AS double precision) / 3600.0",
                           arg_joiner=" - ", **extra)


class Median(Aggregate):
    """PostgreSQL's median: ``percentile_cont(0.5)``, interpolating between the middle two."""

    function = "PERCENTILE_CONT"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()


def child_key(org: Org):
    """The path of the child of ``org`` a row sits under (``/1/7/42/`` for ``/1/7/42/55/``
    under ``/1/7/``), or ``org.path`` for a row at ``org`` itself: the grouping of the
    side-by-side comparison, computed in SQL from the row's ``org_path``."""
    rest = Substr("org_path", len(org.path) + 1)
    return Substr("org_path", 1, Value(len(org.path)) + StrIndex(rest, Value("/")))


@dataclass(frozen=True)
class _Scope:
    """The rows the figures count: under ``org``, in ``period`` (local days, both included)."""

    org: Org
    period: Period

    def voices(self) -> QuerySet[Voice]:
        return Voice.objects.filter(self.period.q("submitted_at"), org_path__startswith=self.org.path,
                                    duplicate_of__isnull=True).order_by()

    def households(self) -> QuerySet[Household]:
        return Household.objects.filter(org_path__startswith=self.org.path).order_by()

    def visits(self) -> QuerySet[Visit]:
        return Visit.objects.filter(self.period.q("visited_at"), org_path__startswith=self.org.path).order_by()

    def projects(self) -> QuerySet[Project]:
        """Under way at some time in the period: started (with no start date: created) by its last
        day, and not done before its first."""
        since, until = self.period.since, self.period.until
        qs = Project.objects.filter(org_path__startswith=self.org.path)
        if until:
            qs = qs.filter(Q(starts_on__lte=until) | (Q(starts_on__isnull=True) & Period(None, until).q("created_at")))
        if since:
            qs = qs.filter(Q(done_on__isnull=True) | Q(done_on__gte=since))
        return qs.order_by()

    def rectifications(self) -> QuerySet[Rectification]:
        """On the list at some time in the period: listed by its last day, not fixed before its first."""
        qs = Rectification.objects.filter(Period(None, self.period.until).q("created_at"),
                                          org_path__startswith=self.org.path)
        if self.period.since:
            qs = qs.filter(Q(fixed_on__isnull=True) | Q(fixed_on__gte=self.period.since))
        return qs.order_by()

    def deeds(self) -> QuerySet[GoodDeed]:
        return GoodDeed.objects.filter(self.period.day_q("done_on"), org_path__startswith=self.org.path).order_by()


def _voice_counts(categories: list[VoiceCategory], now: datetime) -> dict:
    """The conditional counts of one query over voices (names → aggregates)."""
    claimed = Exists(VoiceEvent.objects.filter(voice=OuterRef("pk"), action=VoiceAction.CLAIM))
    wish = Q(kind=VoiceKind.WISH)
    counts = {
        "received": Count("pk"),
        "responded": Count("pk", filter=Q(responded_at__isnull=False)),
        "resolved": Count("pk", filter=RESULTS_Q),
        "rated": Count("pk", filter=~Q(rating="")),
        "urgent": Count("pk", filter=Q(urgent=True)),
        "overdue": Count("pk", filter=Q(status__in=OPEN, due_at__lt=now)),
        "hours_mean": Avg(HoursBetween("submitted_at", "resolved_at"),
                          filter=RESULTS_Q & Q(resolved_at__isnull=False)),
        "wishes": Count("pk", filter=wish),
        "wishes_claimed": Count("pk", filter=wish & Q(claimed)),
        "wishes_resolved": Count("pk", filter=wish & RESULTS_Q),
        "library_": Count("pk", filter=Q(library="")),
        "category_": Count("pk", filter=Q(category__isnull=True)),
    }
    for field, choices in (("status", VoiceStatus), ("library", Library), ("channel", Channel),
                           ("kind", VoiceKind), ("rating", Rating)):
        for value in choices.values:
            counts[f"{field}_{value}"] = Count("pk", filter=Q(**{field: value}))
    for category in categories:
        counts[f"category_{category.pk}"] = Count("pk", filter=Q(category_id=category.pk))
    return counts


def _household_counts(scope: _Scope) -> dict:
    # A district has hundreds of thousands of households: those visited in the period are told by
    # their first and last visit, in the same pass (``core.spans``).
    visits_between = Exists(Visit.objects.filter(scope.period.q("visited_at"), household=OuterRef("pk")))
    start, end = scope.period.bounds()
    visited = happened_within("first_visited_at", "last_visited_at", start, end, visits_between)
    return {
        "households": Count("pk"),
        "households_visited": Count("pk", filter=visited),
        "hardship_households": Count("pk", filter=Q(in_hardship=True)),
        "hardship_visited": Count("pk", filter=Q(in_hardship=True) & visited),
    }


def _visit_counts() -> dict:
    counts = {"visits": Count("pk"),
              f"reason_{ORDINARY}": Count("pk", filter=Q(**{f: False for f in Visit.REASON_FIELDS.values()}))}
    for reason, field in Visit.REASON_FIELDS.items():
        counts[f"reason_{reason}"] = Count("pk", filter=Q(**{field: True}))
    return counts


def _project_counts() -> dict:
    # Joined to the supervisors: projects are counted distinct, supervisors as distinct persons.
    return {
        "projects": Count("pk", distinct=True),
        "projects_supervised": Count("pk", distinct=True, filter=Q(supervisor_links__isnull=False)),
        "supervisors": Count("supervisor_links__person", distinct=True),
        "projects_done": Count("pk", distinct=True, filter=Q(status=ProjectStatus.DONE)),
    }


def _rectification_counts() -> dict:
    return {
        "rectifications": Count("pk"),
        "rect_fixed": Count("pk", filter=Q(status=RectificationStatus.FIXED)),
        "rect_in_progress": Count("pk", filter=Q(status=RectificationStatus.IN_PROGRESS)),
        "rect_open": Count("pk", filter=Q(status=RectificationStatus.OPEN)),
        "rect_immediate": Count("pk", filter=Q(mode=RectificationMode.IMMEDIATE)),
        "rect_phased": Count("pk", filter=Q(mode=RectificationMode.PHASED)),
    }


def _deed_counts() -> dict:
    return {f"deed_{kind}": Count("pk", filter=Q(kind=kind)) for kind in DeedKind.values}


def _median_hours(voices: QuerySet[Voice], key=None) -> dict[str | None, float]:
    """The median hours from submitted to resolved of the resolved ``voices``, per ``key`` (an
    expression over the voice row; ``None``: one median, under the key ``None``)."""
    timed = voices.filter(RESULTS_Q, resolved_at__isnull=False)
    hours = HoursBetween("submitted_at", "resolved_at")
    if connection.vendor == "postgresql":
        if key is None:
            return {None: timed.aggregate(median=Median(hours))["median"]}
        return dict(timed.values(grp=key).annotate(median=Median(hours)).values_list("grp", "median"))
    # SQLite has no percentile function: number the rows by hours within each group, and average
    # the middle row (an odd count) or the middle two (an even one).
    partition = [key] if key is not None else None
    ranked = timed.annotate(
        grp=key if key is not None else Value(""), hours=hours,
        rn=Window(RowNumber(), partition_by=partition, order_by=F("hours").asc()),
        n=Window(Count("pk"), partition_by=partition),
    ).values_list("grp", "hours", "rn", "n")
    sql, params = ranked.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT grp, AVG(hours) FROM ({sql}) ranked "
                       f"WHERE rn IN ((n + 1) / 2, (n + 2) / 2) GROUP BY grp", params)
        rows = cursor.fetchall()
    if key is None:
        return {None: rows[0][1] if rows else None}
    return dict(rows)


def _tallies(row: dict, field: str, choices) -> tuple[Tally, ...]:
    return tuple(Tally(value, str(label), row.get(f"{field}_{value}") or 0) for value, label in choices.choices)


def _hours(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _build(scope: _Scope, campaign: Campaign | None, categories: list[VoiceCategory], v: dict, h: dict, vi: dict, p: dict, r: dict,
           d: dict, median: float | None) -> VoiceFigures:
    """The figures from the aggregate rows of each model; a name missing from a row (a child with
    nothing of that model) counts zero."""
    def n(row: dict, name: str) -> int:
        return row.get(name) or 0

    received, rejected, waiting = n(v, "received"), n(v, f"status_{S.REJECTED}"), n(v, f"status_{S.SUBMITTED}")
    accepted = received - rejected - waiting
    satisfied = n(v, f"rating_{Rating.SATISFIED}") + n(v, f"rating_{Rating.BASICALLY}")
    return VoiceFigures(
        org=scope.org, date_from=scope.period.since, date_to=scope.period.until, campaign=campaign,
        received=received, responded=n(v, "responded"), accepted=accepted, rejected=rejected, waiting=waiting,
        resolved=n(v, "resolved"), rated=n(v, "rated"), urgent=n(v, "urgent"), overdue=n(v, "overdue"),
        response_rate=Rate(n(v, "responded"), received),
        resolution_rate=Rate(n(v, "resolved"), accepted),
        satisfaction_rate=Rate(satisfied, n(v, "rated")),
        hours_mean=_hours(v.get("hours_mean")), hours_median=_hours(median),
        by_library=_tallies(v, "library", Library) + (Tally("", str(_("未归库")), n(v, "library_")),),
        by_category=tuple(Tally(c.code, c.name, n(v, f"category_{c.pk}")) for c in categories)
        + (Tally("", str(_("未分类")), n(v, "category_")),),
        by_status=_tallies(v, "status", VoiceStatus),
        by_channel=_tallies(v, "channel", Channel),
        by_kind=_tallies(v, "kind", VoiceKind),
        by_rating=_tallies(v, "rating", Rating),
        wishes=WishFigures(received=n(v, "wishes"), claimed=n(v, "wishes_claimed"),
                           resolved=n(v, "wishes_resolved")),
        visits=VisitFigures(
            visits=n(vi, "visits"), households=n(h, "households"), households_visited=n(h, "households_visited"),
            hardship_households=n(h, "hardship_households"), hardship_visited=n(h, "hardship_visited"),
            by_reason=tuple(Tally(value, str(label), n(vi, f"reason_{value}")) for value, label in VisitReason.choices)
            + (Tally(ORDINARY, str(_("日常走访")), n(vi, f"reason_{ORDINARY}")),)),
        projects=ProjectFigures(total=n(p, "projects"), with_supervisors=n(p, "projects_supervised"),
                                supervisors=n(p, "supervisors"), done=n(p, "projects_done")),
        rectifications=RectificationFigures(
            total=n(r, "rectifications"), fixed=n(r, "rect_fixed"), in_progress=n(r, "rect_in_progress"),
            not_started=n(r, "rect_open"), immediate=n(r, "rect_immediate"), phased=n(r, "rect_phased")),
        deeds=_tallies(d, "deed", DeedKind),
    )


def _categories() -> list[VoiceCategory]:
    return list(VoiceCategory.objects.order_by("order", "code"))


def voice_figures(*, org: Org, date_from: date | None = None, date_to: date | None = None,
                  campaign: Campaign | None = None) -> VoiceFigures:
    """The figures of ``org``'s subtree from ``date_from`` to ``date_to`` (local days, both
    included; either may be open). A ``campaign`` stands for its period where no date is given,
    as on the visits pages: what was done then counts, whether or not it was tagged with the
    campaign. The caller checks ``voices.view_figures``. Definitions: the module docstring."""
    scope = _Scope(org, period_for(campaign=campaign, since=date_from, until=date_to))
    categories = _categories()
    voices = scope.voices()
    return _build(
        scope, campaign, categories,
        voices.aggregate(**_voice_counts(categories, timezone.now())),
        scope.households().aggregate(**_household_counts(scope)),
        scope.visits().aggregate(**_visit_counts()),
        scope.projects().aggregate(**_project_counts()),
        scope.rectifications().aggregate(**_rectification_counts()),
        scope.deeds().aggregate(**_deed_counts()),
        _median_hours(voices)[None],
    )


def _grouped(qs: QuerySet, org: Org, counts: dict) -> dict[str, dict]:
    rows = qs.values(grp=child_key(org)).annotate(**counts)
    return {row.pop("grp"): row for row in rows}


def voice_figures_by_child(*, org: Org, date_from: date | None = None, date_to: date | None = None,
                           campaign: Campaign | None = None) -> list[ChildFigures]:
    """The figures of each child of ``org`` side by side, each equal to ``voice_figures`` of that
    child: the same queries, grouped by the child each row sits under (one query per model, not
    one per child). Children that are places always have a row; a unit or party organisation only
    when something sits under it; and the org itself (``direct``) when something sits directly on
    it. In the order of the tree (kind, then code)."""
    period = period_for(campaign=campaign, since=date_from, until=date_to)
    scope = _Scope(org, period)
    categories = _categories()
    voices = scope.voices()
    v = _grouped(voices, org, _voice_counts(categories, timezone.now()))
    h = _grouped(scope.households(), org, _household_counts(scope))
    vi = _grouped(scope.visits(), org, _visit_counts())
    p = _grouped(scope.projects(), org, _project_counts())
    r = _grouped(scope.rectifications(), org, _rectification_counts())
    d = _grouped(scope.deeds(), org, _deed_counts())
    medians = _median_hours(voices, child_key(org))
    used = set().union(v, h, vi, p, r, d)
    rows = [(child, False) for child in Org.objects.filter(parent=org).order_by("kind", "code")
            if child.kind not in NOT_PLACES or child.path in used]
    if org.path in used:
        rows.append((org, True))
    return [
        ChildFigures(org=child, direct=direct, figures=_build(
            _Scope(child, period), campaign, categories, v.get(child.path, {}), h.get(child.path, {}),
            vi.get(child.path, {}), p.get(child.path, {}), r.get(child.path, {}), d.get(child.path, {}),
            medians.get(child.path)))
        for child, direct in rows
    ]


def figures_as_dict(figures: VoiceFigures) -> dict:
    """The figures as plain data (codes, counts, rates with numerator, denominator and per cent),
    for the API and the export."""
    def rate(value: Rate) -> dict:
        return {"numerator": value.numerator, "denominator": value.denominator, "percent": value.percent}

    def tallies(items) -> list[dict]:
        return [{"key": t.key, "label": t.label, "count": t.count} for t in items]

    f, visits = figures, figures.visits
    return {
        "org": f.org.code, "org_name": f.org.name, "date_from": f.date_from, "date_to": f.date_to,
        "campaign": f.campaign.slug if f.campaign else None,
        "received": f.received, "responded": f.responded, "accepted": f.accepted, "rejected": f.rejected,
        "waiting": f.waiting, "resolved": f.resolved, "rated": f.rated, "urgent": f.urgent, "overdue": f.overdue,
        "response_rate": rate(f.response_rate), "resolution_rate": rate(f.resolution_rate),
        "satisfaction_rate": rate(f.satisfaction_rate),
        "hours_mean": f.hours_mean, "hours_median": f.hours_median,
        "by_library": tallies(f.by_library), "by_category": tallies(f.by_category),
        "by_status": tallies(f.by_status), "by_channel": tallies(f.by_channel), "by_kind": tallies(f.by_kind),
        "by_rating": tallies(f.by_rating),
        "wishes": asdict(f.wishes),
        "visits": {"visits": visits.visits, "households": visits.households,
                   "households_visited": visits.households_visited,
                   "hardship_households": visits.hardship_households, "hardship_visited": visits.hardship_visited,
                   "household_coverage": rate(visits.household_coverage),
                   "hardship_coverage": rate(visits.hardship_coverage), "by_reason": tallies(visits.by_reason)},
        "projects": asdict(f.projects),
        "rectifications": asdict(f.rectifications),
        "deeds": tallies(f.deeds),
    }


def figures_default_org(user) -> Org | None:
    """The widest org whose figures the account reads: its highest staff or superior scope."""
    paths = scope_paths(user, VIEW_ROLES)
    if not paths:
        return None
    return Org.objects.filter(path=min(paths, key=lambda path: (path.count("/"), path))).first()


def figures_orgs_for(user) -> list[Org]:
    """The orgs of the figures page's picker: the account's scopes and the places under them down
    to the grid, in the order of the tree."""
    condition = scope_filter(user, VIEW_ROLES, field="path")
    if condition is None:
        return []
    own = scope_paths(user, VIEW_ROLES)
    return list(Org.objects.filter((condition & Q(kind__in=PICKER_KINDS)) | Q(path__in=own))
                .order_by("path")[:PICKER_MAX])
