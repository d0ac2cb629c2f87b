"""Every figure the seeds report, for any org subtree, campaign and period, from the records.

``report_figures(org, campaign, date_from, date_to)`` returns a ``ReportFigures``: one ``Figure``
per key of ``CATALOGUE`` (its Chinese name, unit and definition; rates with their numerator and
denominator). The dashboard, the weekly bulletin, the progress report, the API
(``GET /api/v1/figures``) and the Excel export all read it, so a figure means the same wherever
it is shown. The list with its definitions is in ``docs/figures.md`` (a test keeps the two equal).

Each area is a few SQL aggregates over the subtree by its materialised path, most of them by the
selectors the areas already have: coverage (``learning.selectors.coverage``), study
(``learning.selectors.study``), voices (``voices.selectors.figures``), points
(``points.figures.points_totals``), required actions (``campaigns.selectors.compliance``).

The period: the dates given (local days, both included), else the campaign's from its first day
to today (or its last day if it is over), else everything up to today. Learning records (sessions,
attendance, deliveries, reflections, bulletins) count when they belong to the campaign, if one is
given, and fall in the period; voices, visits and points count by their dates alone (a voice is not
tagged with a campaign: what residents said in the campaign's weeks is the campaign's harvest).
Coverage and required actions are the campaign's own and need one: without a campaign they are
absent (``None``), not zero.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tongxin.campaigns.models import Campaign
from tongxin.campaigns.selectors.compliance import compliance
from tongxin.learning.models import (
    Bulletin, Delivery, DeliveryKind, Distribution, MaterialKind, Reflection, Session, SessionKind,
    SpeakerRole,
)
from tongxin.learning.selectors.coverage.summary import coverage_for_org, coverage_rate
from tongxin.orgs.models import Org, OrgKind
from tongxin.points.figures import points_totals
from tongxin.points.models import Redemption, RedemptionStatus
from tongxin.voices.models import Channel, Library
from tongxin.voices.selectors.figures import voice_figures

SECTIONS = {
    "coverage": _("学习覆盖"),
    "learning": _("学习教育"),
    "voices": _("听民声、办实事"),
    "points": _("积分激励"),
    "actions": _("规定动作"),
}


@dataclass(frozen=True)
class FigureDef:
    key: str
    section: str
    label: str
    unit: str
    definition: str


def _defs() -> list[FigureDef]:
    d = []

    def add(key, section, label, unit, definition):
        d.append(FigureDef(key, section, label, unit, definition))

    add("coverage_target", "coverage", _("应覆盖人数"), _("人"), _("活动范围内应参加学习的党员和居民人数（须选定活动）"))
    add("coverage_reached", "coverage", _("已覆盖人数"), _("人"), _("至少参加一次学习或接受一次送学的人数"))
    add("coverage_rate", "coverage", _("覆盖率"), "%", _("已覆盖人数 ÷ 应覆盖人数"))
    add("sessions", "learning", _("开展学习活动"), _("场"), _("期间内开始、未取消的学习活动场次（集中学习、党课、讲堂……）"))
    for kind, label in SessionKind.choices:
        add(f"sessions.{kind}", "learning", label, _("场"), _("其中该形式的场次"))
    for role, label in SpeakerRole.choices:
        add(f"party_lectures.{role}", "learning", _("%(role)s讲党课") % {"role": label}, _("场"),
            _("党课中主讲人为该身份的场次"))
    add("attendance", "learning", _("参加学习"), _("人次"), _("期间内各场学习活动的签到人次（扫码、名单勾选、签到表补录）"))
    add("deliveries", "learning", _("送学"), _("人次"), _("期间内各种方式送学的人次"))
    for kind, label in DeliveryKind.choices:
        add(f"deliveries.{kind}", "learning", label, _("人次"), _("其中该方式的人次"))
    add("materials", "learning", _("发放学习材料"), _("册（件）"), _("期间内发放到本组织人员和单位的学习材料份数"))
    for kind, label in MaterialKind.choices:
        add(f"materials.{kind}", "learning", label, _("册（件）"), _("其中该类材料的份数"))
    add("bulletins", "learning", _("编发简报"), _("期"), _("期间内编发的简报期数"))
    add("reflections", "learning", _("收集学习心得"), _("篇"), _("期间内提交的学习心得篇数"))
    add("reflections_excellent", "learning", _("评为优秀心得"), _("篇"), _("其中评为优秀的篇数"))
    add("voices", "voices", _("收集群众心声"), _("条"), _("期间内收到的意见、建议、心愿、困难和投诉（合并的重复只计一次）"))
    for library, label in Library.choices:
        add(f"voices.library.{library}", "voices", _("归入%(library)s") % {"library": label}, _("条"),
            _("期间内收到、已归入该库的条数"))
    for channel, label in Channel.choices:
        add(f"voices.channel.{channel}", "voices", _("来自%(channel)s") % {"channel": label}, _("条"),
            _("期间内经该渠道收到的条数"))
    add("wishes", "voices", _("群众微心愿"), _("个"), _("期间内收到的心愿个数"))
    add("wishes_claimed", "voices", _("心愿被认领"), _("个"), _("其中已被党员、干部或共建单位认领的个数"))
    add("wishes_resolved", "voices", _("心愿已实现"), _("个"), _("其中已办结的个数"))
    add("households_visited", "voices", _("走访群众"), _("户"), _("期间内至少走访过一次的户数"))
    add("visits", "voices", _("走访"), _("户次"), _("期间内的走访次数"))
    add("hardship_visited", "voices", _("走访困难户"), _("户"), _("期间内走访过的困难户户数"))
    add("projects", "voices", _("民生实事项目"), _("项"), _("期间内在推进或完成的民生实事项目"))
    add("project_supervisors", "voices", _("群众监督员"), _("人"), _("这些项目聘请的群众监督员人数"))
    add("projects_done", "voices", _("已完成民生实事"), _("项"), _("其中已完成的项目"))
    add("rectifications", "voices", _("问题清单"), _("项"), _("期末以前列入问题清单、期初以前未整改完成的问题"))
    add("rectifications_fixed", "voices", _("已完成整改"), _("项"), _("其中已完成整改的"))
    add("rectifications_in_progress", "voices", _("正在整改"), _("项"), _("其中正在整改的"))
    add("good_deeds", "voices", _("办好事实事"), _("件"), _("期间内党员办好一件实事、居民办好一件小事的件数"))
    add("voices_overdue", "voices", _("逾期未办结"), _("条"), _("期间内收到、至今未办结且已过办理期限的条数"))
    add("response_rate", "voices", _("响应率"), "%", _("期间内收到的心声中已答复（受理或不予受理）的比例"))
    add("resolution_rate", "voices", _("解决率"), "%", _("已受理的心声中已办结的比例"))
    add("satisfaction_rate", "voices", _("满意率"), "%", _("已评价的心声中满意和基本满意的比例"))
    add("points_earned", "points", _("发放积分"), _("分"), _("期间内居民和党员获得的积分"))
    add("points_redeemed", "points", _("兑换使用积分"), _("分"), _("期间内兑换商品和服务所用积分，减去取消和过期退回的"))
    add("points_participants", "points", _("获得积分人数"), _("人"), _("期间内获得过积分的人数"))
    add("redemptions", "points", _("积分兑换"), _("笔"), _("期间内提交、未取消未过期的兑换笔数"))
    add("actions_required", "actions", _("规定动作"), _("项次"), _("各单位应完成的规定动作项次（须选定活动）"))
    add("actions_done", "actions", _("已完成规定动作"), _("项次"), _("有证明记录或已登记完成的项次"))
    add("actions_overdue", "actions", _("逾期未完成"), _("项次"), _("已过完成期限仍未完成的项次"))
    add("actions_done_rate", "actions", _("规定动作完成率"), "%", _("已完成项次 ÷ 应完成项次"))
    return d


CATALOGUE: list[FigureDef] = _defs()
DEFS: dict[str, FigureDef] = {d.key: d for d in CATALOGUE}


@dataclass(frozen=True)
class Figure:
    """One figure: its value (``None``: not defined here, e.g. coverage without a campaign, or a
    rate with nothing to divide by), and for a rate its numerator and denominator."""

    key: str
    value: int | float | None
    numerator: int | None = None
    denominator: int | None = None

    @property
    def defn(self) -> FigureDef:
        return DEFS[self.key]

    @property
    def label(self) -> str:
        return str(self.defn.label)

    @property
    def unit(self) -> str:
        return str(self.defn.unit)

    @property
    def shown(self) -> str:
        """The value as a report writes it: "1,234", "87.5%", or "—"."""
        if self.value is None:
            return "—"
        if self.defn.unit == "%":
            return f"{self.value:.1f}%"
        return f"{self.value:,}"


@dataclass
class ReportFigures:
    org: Org
    campaign: Campaign | None
    date_from: date | None
    date_to: date
    figures: dict[str, Figure] = field(default_factory=dict)

    def __getitem__(self, key: str) -> Figure:
        return self.figures[key]

    def value(self, key: str):
        return self.figures[key].value

    def section(self, section: str) -> list[Figure]:
        return [self.figures[d.key] for d in CATALOGUE if d.section == section and d.key in self.figures]

    def as_dict(self) -> dict[str, int | float | None]:
        return {key: figure.value for key, figure in self.figures.items()}


def _rate(numerator: int, denominator: int) -> tuple[int, int, float | None]:
    """A percentage with one decimal as ``coverage_rate`` rounds it (never 100 before it is)."""
    return numerator, denominator, (coverage_rate(numerator, denominator) if denominator else None)


def resolve_period(campaign: Campaign | None, date_from: date | None, date_to: date | None,
                   today: date | None = None) -> tuple[date | None, date]:
    today = today or timezone.localdate()
    if campaign is not None:
        date_from = date_from or campaign.starts_on
        date_to = date_to or min(campaign.ends_on, today)
    return date_from, date_to or today


def _bounds(date_from: date | None, date_to: date) -> tuple[datetime | None, datetime]:
    tz = timezone.get_current_timezone()
    start = timezone.make_aware(datetime.combine(date_from, time.min), tz) if date_from else None
    return start, timezone.make_aware(datetime.combine(date_to + timedelta(days=1), time.min), tz)


def _within(field_name: str, start: datetime | None, end: datetime) -> Q:
    q = Q(**{f"{field_name}__lt": end})
    return q & Q(**{f"{field_name}__gte": start}) if start else q


def _of_campaign(qs: QuerySet, campaign: Campaign | None, lookup: str = "campaign") -> QuerySet:
    return qs.filter(**{lookup: campaign}) if campaign is not None else qs


def report_figures(org: Org, campaign: Campaign | None = None, date_from: date | None = None,
                   date_to: date | None = None, *, today: date | None = None) -> ReportFigures:
    """Every figure of ``org``'s subtree for ``campaign`` and the period (see the module's
    docstring). The caller checks that the account may read ``org``."""
    date_from, date_to = resolve_period(campaign, date_from, date_to, today)
    result = ReportFigures(org, campaign, date_from, date_to)
    put = result.figures.__setitem__
    start, end = _bounds(date_from, date_to)

    # Coverage and required actions: the campaign's own.
    coverage = coverage_for_org(campaign, org) if campaign is not None else None
    if coverage is not None:
        put("coverage_target", Figure("coverage_target", coverage.target))
        put("coverage_reached", Figure("coverage_reached", coverage.reached))
        num, den, rate = _rate(coverage.reached, coverage.target)
        put("coverage_rate", Figure("coverage_rate", rate, num, den))
    else:
        for key in ("coverage_target", "coverage_reached", "coverage_rate"):
            put(key, Figure(key, None))

    # Sessions by kind, party lectures by speaker, attendance of those sessions.
    sessions = _of_campaign(Session.objects.filter(org_path__startswith=org.path), campaign).filter(
        _within("starts_at", start, end))
    by_kind = dict(sessions.order_by().values_list("kind").annotate(n=Count("id")))
    by_speaker = dict(sessions.filter(kind=SessionKind.PARTY_LECTURE).order_by().values_list("speaker_role")
                      .annotate(n=Count("id")))
    put("sessions", Figure("sessions", sum(by_kind.values())))
    for kind in SessionKind.values:
        put(f"sessions.{kind}", Figure(f"sessions.{kind}", by_kind.get(kind, 0)))
    for role in SpeakerRole.values:
        put(f"party_lectures.{role}", Figure(f"party_lectures.{role}", by_speaker.get(role, 0)))
    # Each session keeps its count of attendances (a district holds ten million of them).
    attendance = sessions.aggregate(n=Sum("attendance_count"))["n"] or 0
    put("attendance", Figure("attendance", attendance))

    # Deliveries, materials, bulletins, reflections.
    deliveries = _of_campaign(Delivery.objects.filter(person__org_path__startswith=org.path), campaign).filter(
        _within("delivered_at", start, end))
    delivered = dict(deliveries.order_by().values_list("kind").annotate(n=Count("id")))
    put("deliveries", Figure("deliveries", sum(delivered.values())))
    for kind in DeliveryKind.values:
        put(f"deliveries.{kind}", Figure(f"deliveries.{kind}", delivered.get(kind, 0)))
    handed = Distribution.objects.filter(Q(person__org_path__startswith=org.path) | Q(org__path__startswith=org.path),
                                         _within("distributed_at", start, end))
    copies = dict(handed.order_by().values_list("material__kind").annotate(n=Sum("quantity")))
    put("materials", Figure("materials", sum(copies.values())))
    for kind in MaterialKind.values:
        put(f"materials.{kind}", Figure(f"materials.{kind}", copies.get(kind, 0)))
    bulletins = _of_campaign(Bulletin.objects.filter(org_path__startswith=org.path), campaign)
    if date_from:
        bulletins = bulletins.filter(published_on__gte=date_from)
    put("bulletins", Figure("bulletins", bulletins.filter(published_on__lte=date_to).count()))
    reflections = _of_campaign(Reflection.objects.filter(org_path__startswith=org.path), campaign).filter(
        _within("submitted_at", start, end)).aggregate(n=Count("id"), excellent=Count("id", filter=Q(is_excellent=True)))
    put("reflections", Figure("reflections", reflections["n"]))
    put("reflections_excellent", Figure("reflections_excellent", reflections["excellent"]))

    _put_voices(result, voice_figures(org=org, date_from=date_from, date_to=date_to))
    _put_points(result, org, date_from, date_to, start, end)
    _put_actions(result, campaign, org, today)
    return result


def _put_voices(result: ReportFigures, v) -> None:
    put = result.figures.__setitem__
    put("voices", Figure("voices", v.received))
    by_library = {t.key: t.count for t in v.by_library}
    for library in Library.values:
        put(f"voices.library.{library}", Figure(f"voices.library.{library}", by_library.get(library, 0)))
    by_channel = {t.key: t.count for t in v.by_channel}
    for channel in Channel.values:
        put(f"voices.channel.{channel}", Figure(f"voices.channel.{channel}", by_channel.get(channel, 0)))
    put("wishes", Figure("wishes", v.wishes.received))
    put("wishes_claimed", Figure("wishes_claimed", v.wishes.claimed))
    put("wishes_resolved", Figure("wishes_resolved", v.wishes.resolved))
    put("households_visited", Figure("households_visited", v.visits.households_visited))
    put("visits", Figure("visits", v.visits.visits))
    put("hardship_visited", Figure("hardship_visited", v.visits.hardship_visited))
    put("projects", Figure("projects", v.projects.total))
    put("project_supervisors", Figure("project_supervisors", v.projects.supervisors))
    put("projects_done", Figure("projects_done", v.projects.done))
    put("rectifications", Figure("rectifications", v.rectifications.total))
    put("rectifications_fixed", Figure("rectifications_fixed", v.rectifications.fixed))
    put("rectifications_in_progress", Figure("rectifications_in_progress", v.rectifications.in_progress))
    put("good_deeds", Figure("good_deeds", v.deeds_total))
    put("voices_overdue", Figure("voices_overdue", v.overdue))
    for key, rate in (("response_rate", v.response_rate), ("resolution_rate", v.resolution_rate),
                      ("satisfaction_rate", v.satisfaction_rate)):
        put(key, Figure(key, rate.percent, rate.numerator, rate.denominator))


def _put_points(result: ReportFigures, org: Org, date_from: date | None, date_to: date,
                start: datetime | None, end: datetime) -> None:
    put = result.figures.__setitem__
    p = points_totals(org, date_from or date(2000, 1, 1), date_to)
    put("points_earned", Figure("points_earned", p.earned))
    put("points_redeemed", Figure("points_redeemed", p.spent - p.refunded))
    put("points_participants", Figure("points_participants", p.participants))
    redemptions = Redemption.objects.filter(_within("created_at", start, end), org_path__startswith=org.path).exclude(
        status__in=[RedemptionStatus.CANCELLED, RedemptionStatus.EXPIRED])
    put("redemptions", Figure("redemptions", redemptions.count()))


def _put_actions(result: ReportFigures, campaign: Campaign | None, org: Org, today: date | None) -> None:
    put = result.figures.__setitem__
    if campaign is None:
        for key in ("actions_required", "actions_done", "actions_overdue", "actions_done_rate"):
            put(key, Figure(key, None))
        return
    totals = compliance(campaign, org, today=today).totals
    put("actions_required", Figure("actions_required", totals["required"]))
    put("actions_done", Figure("actions_done", totals["done"]))
    put("actions_overdue", Figure("actions_overdue", totals["overdue"]))
    num, den, rate = _rate(totals["done"], totals["required"])
    put("actions_done_rate", Figure("actions_done_rate", rate, num, den))


# The children compared side by side: the places below an org (a district's streets, a street's
# communities, a community's grids), not its units or party branches.
CHILD_KINDS = (OrgKind.DISTRICT, OrgKind.STREET, OrgKind.TOWNSHIP, OrgKind.COMMUNITY, OrgKind.VILLAGE, OrgKind.GRID)


def child_places(org: Org) -> list[Org]:
    return list(Org.objects.filter(parent=org, kind__in=CHILD_KINDS).order_by("path"))


def report_figures_by_child(org: Org, campaign: Campaign | None = None, date_from: date | None = None,
                            date_to: date | None = None, *, today: date | None = None) -> list[ReportFigures]:
    """``report_figures`` of each child place of ``org``, side by side (the roll-up's rows: their
    sums are the org's own figures, bar what sits directly on the org)."""
    return [report_figures(child, campaign, date_from, date_to, today=today) for child in child_places(org)]
