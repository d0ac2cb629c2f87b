"""The weekly bulletin (每周通报): the child places of an org (a street's communities, a community's
grids) ranked by a score, the first praised (表扬先进) and the last urged (督促后进), each with the
figures that put it there; shown as a page and written as an official document (通报, GB/T 9704).

**The week** is an ISO week, Monday to Sunday (local days). **The campaign** is the one asked for,
else the one running over the org that week (``bulletin_campaign``); without one, coverage,
participation and required actions have no value.

**The measures** (``MEASURES``), read from each child's ``ReportFigures`` of the week:

============= ============== ===== ==================================================================
key           中文           默认  value (0–100 for the six rates)
============= ============== ===== ==================================================================
coverage      学习覆盖率     20    ``coverage_rate``: the campaign's, *cumulative*, as of the week's end
participation 参与率         15    (``attendance`` + ``deliveries``) person-times of the week ÷
                                   ``coverage_target``, at most 100
response      响应率         15    ``response_rate`` of the voices received in the week
resolution    解决率         15    ``resolution_rate`` of those voices
satisfaction  满意率         15    ``satisfaction_rate`` of those voices
actions       规定动作完成率 20    ``actions_done_rate``: the campaign's required actions done to date
overdue       逾期事项       2     penalty, points per item: ``voices_overdue`` (received in the week,
                                   past their deadline, still open) + ``actions_overdue`` (past due
                                   by the week's end, not done)
============= ============== ===== ==================================================================

Participation counts person-times of study (sign-ins at the week's sessions and deliveries to
people's homes or phones) because every community records them the same way; the people who earned
points would compare each community's earning rules rather than its work. It is capped at 100 so
that a few crowded sessions cannot outweigh the other measures.

**The score**::

    score = Σ wᵢ·vᵢ ÷ Σ wᵢ  −  w_overdue × overdue items

over the six rates that have a value and a weight above 0: a weighted mean on 0–100, less the
penalty. A rate without a value (no voices received, nothing to divide by, no campaign) is left
out of that unit's mean — neither 0 nor 100 — and named in its reasons. The penalty is per item,
not per 100 people: the communities of one street are of like size, an overdue item is one
resident's matter waiting whatever the size, and "每逾期一项扣 2 分" is how assessment rules are
written. The score is rounded to one decimal and may fall below 0. A unit without any rate is not
scored and comes last, unranked.

**The ranking**: by score, highest first; equal scores (to one decimal) by the pinyin of the name,
and the reasons say so. The first (and any with the same score) are praised; the last (and any
with the same score) are urged, unless every unit has the same score. **The reasons** compare each
rate with the average of the units that have it (各社区平均, a plain mean, so that each unit counts
once whatever its size): the ones above it, the ones below it, the overdue items and the rates
without a value. The whole org's own figures of the week open the bulletin.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import IO

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from pypinyin import lazy_pinyin

from tongxin.accounts.models import Role
from tongxin.accounts.selectors import has_role_over
from tongxin.campaigns.models import Campaign, CampaignStatus
from tongxin.core.audit import AuditAction, audit_record
from tongxin.learning.selectors.coverage.summary import coverage_for_org, coverage_rate
from tongxin.orgs.models import Org, OrgKind
from tongxin.people.selectors import ancestor_paths

from ..docx.official import OfficialDocument, chinese_numeral, date_text
from ..models import BulletinWeights
from ..selectors.figures import Figure, ReportFigures, child_places, report_figures

RATE, PENALTY = "rate", "penalty"
WEIGHT_MAX = 100
WEIGHT_ROLES = (Role.STREET_ADMIN, Role.COMMUNITY_WORKER)


@dataclass(frozen=True)
class Reading:
    """A measure's value for one unit, and the counts behind it in words."""

    value: float | int | None
    detail: str = ""


@dataclass(frozen=True)
class Measure:
    key: str
    label: str  # lazy
    short: str  # the table's column
    default: float
    meaning: str  # lazy: what it counts, for the weights page
    kind: str  # RATE: higher is better, 0–100; PENALTY: points off per item
    read: Callable[[ReportFigures], Reading]


def _rate(key: str, detail: str) -> Callable[[ReportFigures], Reading]:
    def read(f: ReportFigures) -> Reading:
        figure = f[key]
        if figure.value is None:
            return Reading(None)
        return Reading(figure.value, str(detail) % {"n": figure.numerator, "d": figure.denominator})

    return read


def _participation(f: ReportFigures) -> Reading:
    target = f.value("coverage_target")
    if not target:
        return Reading(None)
    times = f.value("attendance") + f.value("deliveries")
    return Reading(coverage_rate(min(times, target), target),
                   _("参加学习、接受送学 %(times)s 人次，应覆盖 %(target)s 人") % {"times": times, "target": target})


def _overdue(f: ReportFigures) -> Reading:
    voices, actions = f.value("voices_overdue") or 0, f.value("actions_overdue") or 0
    parts = []
    if voices:
        parts.append(_("群众心声逾期未办结 %(n)s 条") % {"n": voices})
    if actions:
        parts.append(_("规定动作逾期未完成 %(n)s 项") % {"n": actions})
    return Reading(voices + actions, "、".join(parts))


MEASURES: tuple[Measure, ...] = (
    Measure("coverage", gettext_lazy("学习覆盖率"), gettext_lazy("覆盖率"), 20,
            gettext_lazy("活动以来已覆盖人数 ÷ 应覆盖人数，累计到本周末"), RATE,
            _rate("coverage_rate", gettext_lazy("应覆盖 %(d)s 人，已覆盖 %(n)s 人"))),
    Measure("participation", gettext_lazy("参与率"), gettext_lazy("参与率"), 15,
            gettext_lazy("本周参加学习、接受送学的人次 ÷ 应覆盖人数，最高计 100%"), RATE, _participation),
    Measure("response", gettext_lazy("响应率"), gettext_lazy("响应率"), 15,
            gettext_lazy("本周收到的群众心声中已答复（受理或不予受理）的比例"), RATE,
            _rate("response_rate", gettext_lazy("收到 %(d)s 条，已答复 %(n)s 条"))),
    Measure("resolution", gettext_lazy("解决率"), gettext_lazy("解决率"), 15,
            gettext_lazy("本周收到并已受理的群众心声中已办结的比例"), RATE,
            _rate("resolution_rate", gettext_lazy("已受理 %(d)s 条，已办结 %(n)s 条"))),
    Measure("satisfaction", gettext_lazy("满意率"), gettext_lazy("满意率"), 15,
            gettext_lazy("本周收到、已评价的群众心声中满意和基本满意的比例"), RATE,
            _rate("satisfaction_rate", gettext_lazy("已评价 %(d)s 条，满意和基本满意 %(n)s 条"))),
    Measure("actions", gettext_lazy("规定动作完成率"), gettext_lazy("动作完成率"), 20,
            gettext_lazy("活动的规定动作已完成项次 ÷ 应完成项次，截至目前"), RATE,
            _rate("actions_done_rate", gettext_lazy("应完成 %(d)s 项次，已完成 %(n)s 项次"))),
    Measure("overdue", gettext_lazy("逾期事项"), gettext_lazy("逾期事项"), 2,
            gettext_lazy("每项扣分：本周收到、已过办理期限仍未办结的群众心声，加上到本周末已过期限仍未完成的规定动作"),
            PENALTY, _overdue),
)
MEASURE_KEYS = {m.key: m for m in MEASURES}
DEFAULT_WEIGHTS = {m.key: m.default for m in MEASURES}

# "全街道", "各社区": how a bulletin names the whole org and its units.
_WHOLE = {OrgKind.CITY: gettext_lazy("全市"), OrgKind.DISTRICT: gettext_lazy("全区"),
          OrgKind.STREET: gettext_lazy("全街道"), OrgKind.TOWNSHIP: gettext_lazy("全苏木乡镇"),
          OrgKind.COMMUNITY: gettext_lazy("全社区"), OrgKind.VILLAGE: gettext_lazy("全嘎查村"),
          OrgKind.GRID: gettext_lazy("全网格")}


def percent(value: float | None) -> str:
    """87.5 → "87.5%", 100.0 → "100%", None → "—"."""
    return "—" if value is None else f"{number(value)}%"


def number(value: float) -> str:
    """A score or weight as written: one decimal at most, none when it is whole (92.3, 85, -4)."""
    rounded = round(float(value), 1)
    return str(int(rounded)) if rounded == int(rounded) else f"{rounded:.1f}"


def _ordinal(rank: int) -> str:
    """第一, 第十二: ranks as the text writes them."""
    return chinese_numeral(rank) if rank <= 99 else str(rank)


# --- Weights -------------------------------------------------------------------------------------

def bulletin_weights(org: Org) -> dict[str, float]:
    """The weight of each measure for ``org``'s bulletin: its own where set, else the default."""
    saved = BulletinWeights.objects.filter(org=org).values_list("weights", flat=True).first() or {}
    return {key: saved.get(key, default) for key, default in DEFAULT_WEIGHTS.items()}


def may_edit_weights(user, org: Org) -> bool:
    """Street admins and community workers over ``org`` set its weights."""
    return org is not None and has_role_over(user, WEIGHT_ROLES, org.path)


def _clean_weight(measure: Measure, raw) -> float:
    try:
        if isinstance(raw, bool):
            raise InvalidOperation
        value = Decimal(str(raw).strip())
    except (InvalidOperation, ValueError):
        raise ValidationError(_("%(label)s的权重应为数字") % {"label": measure.label}) from None
    if not value.is_finite() or not 0 <= value <= WEIGHT_MAX:
        raise ValidationError(_("%(label)s的权重应在 0 到 100 之间") % {"label": measure.label})
    return int(value) if value == value.to_integral_value() else float(value)


def bulletin_weights_save(*, by, org: Org, weights: dict) -> BulletinWeights:
    """Set the weights of ``org``'s bulletin: ``weights`` maps measure keys to numbers 0–100; a
    key left out counts its default (``{}`` restores every default). At least one rate must count.
    Only the weights that differ from the defaults are stored, so that a later change of a default
    reaches the orgs that kept it. Audited with the weights before and after."""
    if not may_edit_weights(by, org):
        raise PermissionDenied(_("只有街道管理员和社区工作者可以设置本组织的通报权重"))
    errors: dict[str, list] = {}
    cleaned = dict(DEFAULT_WEIGHTS)
    for key, raw in (weights or {}).items():
        measure = MEASURE_KEYS.get(key)
        if measure is None:
            errors.setdefault(NON_FIELD_ERRORS, []).append(_("没有“%(key)s”这项指标") % {"key": key})
            continue
        try:
            cleaned[key] = _clean_weight(measure, raw)
        except ValidationError as error:
            errors[key] = error.messages
    if errors:
        raise ValidationError(errors)
    if not any(cleaned[m.key] > 0 for m in MEASURES if m.kind == RATE):
        raise ValidationError(_("各项比率的权重不能都为 0，至少一项应大于 0"))
    with transaction.atomic():
        record, _created = BulletinWeights.objects.select_for_update().get_or_create(org=org)
        before = {key: record.weights.get(key, default) for key, default in DEFAULT_WEIGHTS.items()}
        record.weights = {key: value for key, value in cleaned.items() if value != DEFAULT_WEIGHTS[key]}
        record.updated_by = by if getattr(by, "pk", None) else None
        record.full_clean(exclude=["weights"])  # checked above; {} (every default) is what "blank" refuses
        record.save()
        audit_record(by=by, action=AuditAction.BULLETIN_WEIGHTS_SAVED, obj=org, changes={
            "org": org.code, **{key: [before[key], cleaned[key]] for key in cleaned if before[key] != cleaned[key]}})
    return record


# --- The bulletin --------------------------------------------------------------------------------

@dataclass
class BulletinRow:
    org: Org
    figures: ReportFigures
    readings: dict[str, Reading]
    score: float | None = None
    penalty: float = 0
    rank: int | None = None
    strengths: list[Measure] = field(default_factory=list)  # above the units' average, strongest first
    weaknesses: list[Measure] = field(default_factory=list)  # below it, weakest first
    missing: list[Measure] = field(default_factory=list)  # counted rates without a value
    tied_with: list[Org] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    cells: list[tuple[str, str, str]] = field(default_factory=list)  # (measure key, shown, detail) per column
    praised: bool = False
    urged: bool = False

    @property
    def reasons_text(self) -> str:
        return "；".join(self.reasons)

    @property
    def score_text(self) -> str:
        return "—" if self.score is None else number(self.score)


@dataclass
class Bulletin:
    org: Org
    campaign: Campaign | None
    week_start: date
    week_end: date
    weights: dict[str, float]
    whole: ReportFigures  # the org's own figures of the week
    rows: list[BulletinRow]  # ranked, then the unscored
    title: str = ""
    opening: str = ""
    overview: str = ""
    formula: str = ""
    tie_note: str = ""
    praise: str = ""
    urge: str = ""
    closing: str = ""
    averages: dict[str, Reading] = field(default_factory=dict)  # each measure's mean over the units
    average_cells: list[tuple[str, str, str]] = field(default_factory=list)

    @property
    def week_code(self) -> str:
        year, week, _day = self.week_start.isocalendar()
        return f"{year}-W{week:02d}"

    @property
    def week_number(self) -> int:
        return self.week_start.isocalendar()[1]

    @property
    def measures(self) -> list[Measure]:
        """The measures that count (weight above 0): the table's columns."""
        return [m for m in MEASURES if self.weights[m.key] > 0]

    @property
    def weight_rows(self) -> list[tuple[Measure, str]]:
        return [(m, number(self.weights[m.key])) for m in MEASURES]

    @property
    def average_label(self) -> str:
        return _average_name(self)

    @property
    def praised(self) -> list[BulletinRow]:
        return [r for r in self.rows if r.praised]

    @property
    def urged(self) -> list[BulletinRow]:
        return [r for r in self.rows if r.urged]

    @property
    def unscored(self) -> list[BulletinRow]:
        return [r for r in self.rows if r.score is None]

    def cells(self, readings: dict[str, Reading]) -> list[tuple[str, str, str]]:
        """(key, shown, detail) of each counted measure: a row of the ranking table."""
        return [(m.key, _shown(m, readings[m.key].value), readings[m.key].detail) for m in self.measures]


def _shown(measure: Measure, value: float | None) -> str:
    if measure.kind == RATE or value is None:
        return percent(value)
    return number(value)


def week_monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def bulletin_campaign(org: Org, week_start: date) -> Campaign | None:
    """The campaign running over ``org`` in the week: its scope holds the org, its period meets
    the week, it is not a draft; the latest started if several."""
    monday = week_monday(week_start)
    return (Campaign.objects.filter(scope_path__in=ancestor_paths(org.path), starts_on__lte=monday + timedelta(days=6),
                                    ends_on__gte=monday).exclude(status=CampaignStatus.DRAFT)
            .order_by("-starts_on", "name").first())


def _week_figures(org: Org, campaign: Campaign | None, monday: date, sunday: date, today: date) -> ReportFigures:
    """``report_figures`` of the week; coverage as of the week's end rather than of today."""
    f = report_figures(org, campaign, monday, sunday, today=min(sunday, today))
    if campaign is not None and sunday < today:
        coverage = coverage_for_org(campaign, org, today=sunday)
        reached = coverage.weeks[-1].cumulative if coverage.weeks and sunday >= campaign.starts_on else 0
        target = coverage.target
        f.figures["coverage_reached"] = Figure("coverage_reached", reached)
        f.figures["coverage_rate"] = Figure("coverage_rate", coverage_rate(reached, target) if target else None,
                                            reached, target)
    return f


def _name_key(org: Org) -> tuple:
    return (lazy_pinyin(org.name), org.name, org.path)


def bulletin_for(org: Org, week_start: date, campaign: Campaign | None = None, *,
                 today: date | None = None) -> Bulletin:
    """The bulletin of ``org``'s child places for the ISO week of ``week_start`` (see the module's
    docstring). The caller checks that the account reads ``org``; an org without child places is
    refused (``ValidationError``)."""
    today = today or timezone.localdate()
    monday = week_monday(week_start)
    sunday = monday + timedelta(days=6)
    children = child_places(org)
    if not children:
        raise ValidationError(_("%(org)s没有下级社区、嘎查村或网格，无法排名") % {"org": org.name})
    campaign = campaign or bulletin_campaign(org, monday)
    weights = bulletin_weights(org)
    whole = _week_figures(org, campaign, monday, sunday, today)
    bulletin = Bulletin(org, campaign, monday, sunday, weights, whole, rows=[])
    rows = [BulletinRow(child, f, _readings(f))
            for child, f in ((c, _week_figures(c, campaign, monday, sunday, today)) for c in children)]
    bulletin.averages = {m.key: _average([row.readings[m.key].value for row in rows]) for m in MEASURES}
    rows = [_scored(row, bulletin) for row in rows]
    ranked = sorted((r for r in rows if r.score is not None), key=lambda r: (-r.score, _name_key(r.org)))
    bulletin.rows = ranked + sorted((r for r in rows if r.score is None), key=lambda r: _name_key(r.org))
    for rank, row in enumerate(ranked, start=1):
        row.rank = rank
        row.tied_with = [other.org for other in ranked if other is not row and other.score == row.score]
    if ranked:
        for row in ranked:
            row.praised = row.score == ranked[0].score
            row.urged = row.score == ranked[-1].score != ranked[0].score
    for row in bulletin.rows:
        row.reasons = _reasons(row, bulletin, upper=row.rank is not None and row.rank <= (len(ranked) + 1) // 2)
        row.cells = bulletin.cells(row.readings)
    bulletin.average_cells = bulletin.cells(bulletin.averages)
    _write_texts(bulletin)
    return bulletin


def _readings(f: ReportFigures) -> dict[str, Reading]:
    return {m.key: m.read(f) for m in MEASURES}


def _average(values: list) -> Reading:
    present = [v for v in values if v is not None]
    return Reading(round(sum(present) / len(present), 1) if present else None)


def _scored(row: BulletinRow, b: Bulletin) -> BulletinRow:
    counted = [m for m in MEASURES if m.kind == RATE and b.weights[m.key] > 0]
    rated = [(b.weights[m.key], row.readings[m.key].value) for m in counted if row.readings[m.key].value is not None]
    row.missing = [m for m in counted if row.readings[m.key].value is None]
    row.penalty = b.weights["overdue"] * row.readings["overdue"].value
    if rated:
        mean = sum(w * v for w, v in rated) / sum(w for w, _v in rated)
        row.score = round(mean - row.penalty, 1)
    gaps = []
    for m in counted:
        value, average = row.readings[m.key].value, b.averages[m.key].value
        if value is not None and average is not None and abs(value - average) >= 0.05:
            gaps.append((b.weights[m.key] * (value - average), m))
    row.strengths = [m for gap, m in sorted(gaps, key=lambda g: -g[0]) if gap > 0]
    row.weaknesses = [m for gap, m in sorted(gaps, key=lambda g: g[0]) if gap < 0]
    return row


def _items(row: BulletinRow, measures: list[Measure], *, detail: bool = False) -> str:
    def item(m: Measure) -> str:
        reading = row.readings[m.key]
        text = f"{m.label} {percent(reading.value)}"
        return f"{text}（{reading.detail}）" if detail and reading.detail else text

    return "、".join(item(m) for m in measures)


def _whole_name(org: Org) -> str:
    return str(_WHOLE.get(org.kind, org.name))


def _average_name(b: Bulletin) -> str:
    return _("各%(units)s平均") % {"units": _units_noun(b)}


def _overdue_text(row: BulletinRow, b: Bulletin, *, detail: bool = False) -> str:
    reading = row.readings["overdue"]
    if not reading.value:
        return _("无逾期事项")
    text = _("逾期事项 %(n)s 项") % {"n": reading.value}
    if detail and reading.detail:
        text += f"（{reading.detail}）"
    if row.penalty:
        text += _("，扣 %(points)s 分") % {"points": number(row.penalty)}
    return text


def _top_values(row: BulletinRow, b: Bulletin) -> list[Measure]:
    """The counted rates with a value, heaviest first: what a unit is shown by when no comparison
    says more (a single unit, or every rate at the average)."""
    measures = [m for m in b.measures if m.kind == RATE and row.readings[m.key].value is not None]
    return sorted(measures, key=lambda m: -b.weights[m.key])[:3]


def _reasons(row: BulletinRow, b: Bulletin, *, upper: bool) -> list[str]:
    average = _average_name(b)
    if row.score is None:
        return [_("各项比率本周均无数据，未计分")]
    above = _("%(items)s，高于%(average)s") % {"items": _items(row, row.strengths[:3]), "average": average}
    below = _("%(items)s，低于%(average)s") % {"items": _items(row, row.weaknesses[:3]), "average": average}
    parts = [text for text, present in ((above, row.strengths), (below, row.weaknesses)) if present]
    if not upper:
        parts.reverse()
    if not parts:
        parts.append(_items(row, _top_values(row, b)))
    parts.append(_overdue_text(row, b))
    if row.missing:
        parts.append(_("%(labels)s本周无数据，未计入得分") % {"labels": "、".join(str(m.label) for m in row.missing)})
    if row.tied_with:
        parts.append(_("与%(names)s得分相同，按名称拼音排序") % {"names": "、".join(o.name for o in row.tied_with)})
    return parts


def _units_noun(b: Bulletin) -> str:
    """"社区", "嘎查村", "社区、嘎查村": the kinds of the units ranked."""
    kinds = []
    for row in b.rows:
        label = str(OrgKind(row.org.kind).label).split("/")[0]
        if label not in kinds:
            kinds.append(label)
    return "、".join(kinds)


def _campaign_words(campaign: Campaign | None) -> str:
    """“感党恩、听党话、跟党走”群众性教育实践活动: the campaign's name, and the head of its theme
    when that names the kind of campaign (群众性教育实践活动：…)."""
    if campaign is None:
        return _("学习教育和为民办事工作")
    head = campaign.theme.replace(":", "：").split("：")[0].strip() if campaign.theme else ""
    return f"“{campaign.name}”" + (head if head and len(head) <= 16 and head != campaign.name else "")


def _short_day(day: date) -> str:
    return _("%(month)s月%(day)s日") % {"month": day.month, "day": day.day}


def _write_texts(b: Bulletin) -> None:
    """The bulletin's words, the page's and the document's alike."""
    units, whole, org = _units_noun(b), _whole_name(b.org), b.org.name
    span = f"{_short_day(b.week_start)}—{_short_day(b.week_end)}"
    b.title = _("关于%(org)s各%(units)s第%(week)s周（%(span)s）%(campaign)s开展情况的通报") % {
        "org": org, "units": units, "week": b.week_number, "span": span, "campaign": _campaign_words(b.campaign)}
    b.opening = _("现将第%(week)s周（%(start)s—%(end)s）%(org)s各%(units)s%(campaign)s开展情况通报如下。") % {
        "week": b.week_number, "start": date_text(b.week_start), "end": _short_day(b.week_end), "org": org,
        "units": units, "campaign": _campaign_words(b.campaign)}
    b.overview = _overview(b, whole)
    counted = [m for m in b.measures if m.kind == RATE]
    b.formula = _("按照%(rates)s加权平均计分（满分 100 分），每项逾期事项扣 %(penalty)s 分；本周无数据的指标不计入该%(unit)s"
                  "得分。各%(units)s得分及排名如下：") % {
        "rates": "、".join(_("%(label)s（权重 %(weight)s）") % {"label": m.label, "weight": number(b.weights[m.key])}
                          for m in counted),
        "penalty": number(b.weights["overdue"]), "unit": units.split("、")[0], "units": units}
    tied = [r for r in b.rows if r.tied_with and r.rank is not None]
    if tied:
        b.tie_note = _("注：%(names)s得分相同，按名称拼音排序。") % {"names": "、".join(r.org.name for r in tied)}
    b.praise = "".join(_praise_sentence(row, b) for row in b.praised)
    if b.praised:
        b.praise += _("特予通报表扬，希望再接再厉，发挥示范带动作用。")
    b.urge = "".join(_urge_sentence(row, b) for row in b.urged)
    if b.urged:
        b.urge += _("请%(names)s认真查找差距，分析原因，拿出措施，确保下周各项工作有明显提升。") % {
            "names": "、".join(r.org.name for r in b.urged)}
    if b.unscored:
        b.urge += _("%(names)s本周各项比率均无数据，未能计分，请及时登记学习活动和群众心声办理情况。") % {
            "names": "、".join(r.org.name for r in b.unscored)}
    b.closing = _("希望各%(units)s以受到表扬的%(unit)s为榜样，对照先进找差距，把学习教育、听取民意、为民办事各项任务"
                  "落到实处，推动%(campaign)s走深走实。") % {
        "units": units, "unit": units.split("、")[0], "campaign": _campaign_words(b.campaign)}


def _overview(b: Bulletin, whole: str) -> str:
    f = b.whole
    parts = [_("本周，%(whole)s共开展学习活动 %(sessions)s 场，参加学习 %(attendance)s 人次，送学 %(deliveries)s 人次") % {
        "whole": whole, "sessions": f.value("sessions"), "attendance": f.value("attendance"),
        "deliveries": f.value("deliveries")}]
    voices = _("收到群众心声 %(n)s 条") % {"n": f.value("voices")}
    rates = [f"{f[k].label} {percent(f.value(k))}" for k in ("response_rate", "resolution_rate", "satisfaction_rate")
             if f.value(k) is not None]
    parts.append(voices + ("，" + "、".join(rates) if rates else ""))
    if f.value("voices_overdue"):
        parts.append(_("逾期未办结 %(n)s 条") % {"n": f.value("voices_overdue")})
    cumulative = []
    if f.value("coverage_rate") is not None:
        cumulative.append(_("学习覆盖率 %(rate)s（应覆盖 %(target)s 人，已覆盖 %(reached)s 人）") % {
            "rate": percent(f.value("coverage_rate")), "target": f.value("coverage_target"),
            "reached": f["coverage_rate"].numerator})
    if f.value("actions_done_rate") is not None:
        cumulative.append(_("规定动作完成率 %(rate)s") % {"rate": percent(f.value("actions_done_rate"))})
    text = "；".join(parts)
    if cumulative:
        text += _("；截至本周末，%(figures)s") % {"figures": "，".join(cumulative)}
    return text + "。"


def _praise_sentence(row: BulletinRow, b: Bulletin) -> str:
    shown = row.strengths[:3] or _top_values(row, b)
    text = _("%(name)s得分 %(score)s 分，排名第%(rank)s") % {
        "name": row.org.name, "score": row.score_text, "rank": _ordinal(row.rank)}
    if shown:
        text += "，" + _items(row, shown, detail=True)
        if row.strengths:
            text += _("，高于%(average)s") % {"average": _average_name(b)}
    return text + "，" + _overdue_text(row, b) + "。"


def _urge_sentence(row: BulletinRow, b: Bulletin) -> str:
    text = _("%(name)s得分 %(score)s 分，排名第%(rank)s（末位）") % {
        "name": row.org.name, "score": row.score_text, "rank": _ordinal(row.rank)}
    down = []
    if row.weaknesses:
        down.append(_("%(items)s，低于%(average)s") % {"items": _items(row, row.weaknesses[:3], detail=True),
                                                       "average": _average_name(b)})
    if row.readings["overdue"].value:
        down.append(_overdue_text(row, b, detail=True))
    if down:
        text += _("，主要是") + "；".join(down)
    if row.missing:
        text += _("；%(labels)s本周无数据") % {"labels": "、".join(str(m.label) for m in row.missing)}
    return text + "。"


# --- The document --------------------------------------------------------------------------------

def bulletin_docx(*, org: Org, week_start: date, campaign: Campaign | None = None, out: str | IO[bytes],
                  by=None, today: date | None = None) -> Bulletin:
    """Write the bulletin of ``org`` for the week of ``week_start`` to ``out`` as an official
    document (通报): title, addressee, the week's figures, the ranking table, praise, urging, the
    closing line and the signature. Audited when ``by`` (the account) is given. The caller checks
    that the account reads ``org``."""
    today = today or timezone.localdate()
    b = bulletin_for(org, week_start, campaign, today=today)
    units = _units_noun(b)
    doc = OfficialDocument(b.title, addressee=_("各%(units)s") % {"units": units})
    doc.paragraph(b.opening)
    doc.heading(1, _("总体情况"))
    doc.paragraph(b.overview)
    doc.heading(1, _("排名情况"))
    doc.paragraph(b.formula)
    measures = b.measures
    headers = [_("排名"), units.split("、")[0], _("得分"), *[str(m.short) for m in measures]]
    rows = [[row.rank or "—", row.org.name, row.score_text, *[shown for _key, shown, _d in row.cells]]
            for row in b.rows]
    rest = 156 - 12 - 28 - 14
    doc.table(headers, rows, widths_mm=[12, 28, 14, *[rest / len(measures)] * len(measures)],
              align=["center", "left", "right", *["right"] * len(measures)])
    if b.tie_note:
        doc.paragraph(b.tie_note)
    if b.praise:
        doc.heading(1, _("表扬先进"))
        doc.paragraph(b.praise)
    if b.urge:
        doc.heading(1, _("督促后进"))
        doc.paragraph(b.urge)
    doc.heading(1, _("下步要求"))
    doc.paragraph(b.closing)
    doc.signature(org.name, today)
    doc.save(out)
    if by is not None:
        audit_record(by=by, action=AuditAction.REPORT_BULLETIN_GENERATED, obj=org, changes={
            "org": org.code, "week": b.week_code, "campaign": b.campaign.slug if b.campaign else None})
    return b
