"""The progress report (工作开展情况报告) of an org for a campaign, as the seeds write it:

    title   八里铺街道关于“感党恩、听党话、跟党走”群众性教育实践活动开展情况的报告
            （2024年9月10日至10月31日）
    opening 自开展……以来，……现将有关情况报告如下。
    一、工作开展情况
        （一）…（四） one per area (learning and coverage, voices, points, required actions): the
        area's paragraphs from its text, then a small table of the area's figures
    二、存在的问题   the problems the records suggest, unless the org wrote its own
    三、下步打算
    signature: the org's name and today's date

``progress_report`` builds it as a plain structure (``ProgressReport``), which the page shows as
HTML and ``progress_docx`` writes with ``OfficialDocument`` (GB/T 9704). Every figure comes from
``report_figures``; the narrative comes from the editable texts (``services.texts``) with their
slots filled, so no figure is typed by hand.

**The problems suggested from the records** (``{problems_found}`` of the problems text), each only
when it applies, in this order, as "一是……。二是……。":

- coverage: the grids (for a street, township, community or village; the child places for an org
  above them; the org itself for a grid or a unit) whose coverage rate is below
  ``COVERAGE_LOW`` (80%), lowest first, named with their rates (the first ``NAMED_MAX``);
- overdue voices: ``voices_overdue`` above zero;
- satisfaction: ``satisfaction_rate`` below ``SATISFACTION_LOW`` (90%), when anything was rated;
- required actions: the units with overdue required actions, most overdue first, named with
  their count, and the total ``actions_overdue``.

With none of them, a neutral sentence says so.

Cost: ``report_figures``, then the campaign's coverage by grid and its compliance table again (a
few grouped queries each, the coverage read from its tallies), and one query for the texts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from os import PathLike
from typing import IO

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tongxin.campaigns.models import Campaign
from tongxin.campaigns.selectors.compliance import compliance
from tongxin.core.audit import AuditAction, audit_record
from tongxin.learning.selectors.coverage.summary import PlaceRow, coverage_for_org
from tongxin.orgs.models import Org, OrgKind

from ..docx.official import OfficialDocument, chinese_numeral, date_text
from ..selectors.figures import CATALOGUE, ReportFigures, report_figures
from .texts import AREA_PARTS, PROBLEMS_SLOT, figure_text, fill, report_texts_effective, require_campaign_of

COVERAGE_LOW = 80.0  # % : a grid below it is named among the problems
SATISFACTION_LOW = 90.0  # %
NAMED_MAX = 5  # grids or units named in one problem; the rest are counted

AREA_HEADINGS = {
    "learning": gettext_lazy("教育学习提认识，推动学习教育全覆盖"),
    "voices": gettext_lazy("听民声办实事，解决群众急难愁盼"),
    "points": gettext_lazy("积分激励促参与，激发群众参与热情"),
    "actions": gettext_lazy("规定动作抓落实，推动各项任务落地见效"),
}
SECTION_HEADINGS = {
    "work": gettext_lazy("工作开展情况"),
    "problems": gettext_lazy("存在的问题"),
    "next_steps": gettext_lazy("下步打算"),
}


def _breakdown(prefix: str) -> list[str]:
    return [d.key for d in CATALOGUE if d.key.startswith(prefix)]


# Each area's table: (figure, its 其中 rows). A breakdown by kind shows only its kinds that occur;
# the named sub-figures (claimed, resolved…) are always shown.
AREA_FIGURES: dict[str, list[tuple[str, list[str], list[str]]]] = {
    "learning": [
        ("coverage_target", [], []), ("coverage_reached", [], []), ("coverage_rate", [], []),
        ("sessions", [], _breakdown("sessions.") + _breakdown("party_lectures.")),
        ("attendance", [], []),
        ("deliveries", [], _breakdown("deliveries.")),
        ("materials", [], _breakdown("materials.")),
        ("reflections", ["reflections_excellent"], []),
        ("bulletins", [], []),
    ],
    "voices": [
        ("voices", [], _breakdown("voices.library.")),
        ("wishes", ["wishes_claimed", "wishes_resolved"], []),
        ("households_visited", ["hardship_visited"], []),
        ("visits", [], []),
        ("projects", ["projects_done"], []),
        ("project_supervisors", [], []),
        ("rectifications", ["rectifications_fixed", "rectifications_in_progress"], []),
        ("good_deeds", [], []),
        ("voices_overdue", [], []),
        ("response_rate", [], []), ("resolution_rate", [], []), ("satisfaction_rate", [], []),
    ],
    "points": [
        ("points_earned", [], []), ("points_participants", [], []), ("redemptions", [], []),
        ("points_redeemed", [], []),
    ],
    "actions": [
        ("actions_required", [], []), ("actions_done", [], []), ("actions_overdue", [], []),
        ("actions_done_rate", [], []),
    ],
}
TABLE_HEADERS = (gettext_lazy("指标"), gettext_lazy("数值"), gettext_lazy("单位"), gettext_lazy("计算"))
TABLE_WIDTHS_MM = (64, 30, 26, 36)
TABLE_ALIGN = ("left", "right", "center", "center")

# "一是坚持分类指导。采取……": the opening sentence of an item is its lead, in bold in the document.
_LEAD = re.compile(r"^([一二三四五六七八九十]+是[^。！？\n]{1,40}[。！？])(.*)$", re.DOTALL)


@dataclass(frozen=True)
class FigureRow:
    key: str
    label: str
    shown: str  # as Figure.shown: "1,234", "85.4%", "—"
    unit: str  # blank for a rate, whose value carries its "%"
    basis: str  # a rate's numerator ÷ denominator, "686 ÷ 803"
    sub: bool  # a 其中 row

    @property
    def cells(self) -> list[str]:
        return [(_("其中：%(label)s") % {"label": self.label}) if self.sub else self.label, self.shown, self.unit,
                self.basis]


@dataclass(frozen=True)
class Paragraph:
    text: str  # the whole paragraph
    lead: str = ""  # its bold opening ("一是……。"), part of ``text``

    @property
    def rest(self) -> str:
        return self.text[len(self.lead):]


@dataclass
class Section:
    """A heading with its paragraphs, its figures' table and its sub-sections. ``number`` is the
    numeral as the document writes it ("一、", "（二）"); ``part`` the editable text it comes from."""

    level: int
    number: str
    heading: str
    part: str = ""
    paragraphs: list[Paragraph] = field(default_factory=list)
    rows: list[FigureRow] = field(default_factory=list)
    children: list[Section] = field(default_factory=list)

    @property
    def title(self) -> str:
        return self.number + self.heading


@dataclass(frozen=True)
class Problem:
    kind: str  # "coverage", "voices_overdue", "satisfaction", "actions_overdue"
    text: str  # without its ordinal
    names: tuple[str, ...] = ()  # the grids or units named


@dataclass
class ProgressReport:
    org: Org
    campaign: Campaign
    title: str
    subtitle: str  # the period, in brackets
    addressee: str
    day: date  # of the signature
    opening: list[Paragraph]
    sections: list[Section]
    figures: ReportFigures
    problems: list[Problem]
    # Each figure the narrative wrote, as (key, text): in a test, each is found in the document.
    written: list[tuple[str, str]] = field(default_factory=list)

    @property
    def date_from(self) -> date | None:
        return self.figures.date_from

    @property
    def day_text(self) -> str:
        return date_text(self.day)

    @property
    def date_to(self) -> date:
        return self.figures.date_to


# --- Words -------------------------------------------------------------------------------------

def campaign_phrase(campaign: Campaign) -> str:
    """How the report names the campaign: “感党恩、听党话、跟党走”群众性教育实践活动 (its name in
    quotes and the kind of campaign from its theme), or a name that says it already, 党史学习教育."""
    name = campaign.name.strip()
    if name.endswith(("活动", "教育", "学习")):
        return name
    kind = re.split(r"[：:，,；;。（(]", campaign.theme or "", maxsplit=1)[0].strip()
    if not kind.endswith(("活动", "教育")) or len(kind) > 20:
        kind = _("主题活动")
    return f"“{name.strip('“”')}”{kind}"


def period_text(date_from: date | None, date_to: date) -> str:
    """2024年9月10日至10月31日; the year once when both days share it."""
    if date_from is None:
        return _("截至%(day)s") % {"day": date_text(date_to)}
    if date_from == date_to:
        return date_text(date_to)
    until = date_text(date_to) if date_from.year != date_to.year else f"{date_to.month}月{date_to.day}日"
    return _("%(since)s至%(until)s") % {"since": date_text(date_from), "until": until}


def report_title(org: Org, campaign: Campaign) -> str:
    return _("%(org)s关于%(campaign)s开展情况的报告") % {"org": org.name, "campaign": campaign_phrase(campaign)}


def paragraphs_of(text: str) -> list[Paragraph]:
    """Each non-empty line a paragraph; an item's "一是……。" its lead."""
    result = []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        match = _LEAD.match(line)
        result.append(Paragraph(line, match.group(1) if match and match.group(2).strip() else ""))
    return result


# --- The problems the records suggest -----------------------------------------------------------

def _rate(value: float) -> str:
    return f"{value:.1f}%"


def _named(items: list[str], count: int, noun: str) -> str:
    """"A、B、C" or, past ``NAMED_MAX``, "A、B、C、D、E等12个网格"."""
    shown = "、".join(items[:NAMED_MAX])
    if count > NAMED_MAX:
        return _("%(names)s等%(count)s个%(noun)s") % {"names": shown, "count": count, "noun": noun}
    return shown


def _coverage_rows(campaign: Campaign, org: Org) -> tuple[list[PlaceRow], str]:
    """The places whose coverage the problems compare, and what they are called."""
    coverage = coverage_for_org(campaign, org)
    if org.kind in (OrgKind.STREET, OrgKind.TOWNSHIP, OrgKind.COMMUNITY, OrgKind.VILLAGE):
        return coverage.grids, _("网格")
    if org.kind in (OrgKind.CITY, OrgKind.DISTRICT):
        return [row for row in coverage.places if row.org is not None], _("下级单位")
    return [], ""  # a grid, a building, a unit: its own rate is the report's


def suggested_problems(org: Org, campaign: Campaign, figures: ReportFigures,
                       written: list[tuple[str, str]] | None = None) -> list[Problem]:
    """The problems the records show (see the module docstring), each a sentence."""
    written = written if written is not None else []
    problems = []

    rows, noun = _coverage_rows(campaign, org)
    low = sorted((r for r in rows if r.target and r.rate < COVERAGE_LOW), key=lambda r: (r.rate, r.label))
    own_rate = figures.value("coverage_rate")
    if low:
        names = _named([f"{r.label}（{_rate(r.rate)}）" for r in low], len(low), noun)
        gaps = sum(r.target - r.reached for r in low)
        problems.append(Problem("coverage", _(
            "学习覆盖还有薄弱环节。%(names)s学习覆盖率低于%(low)s，尚有%(gaps)s名党员群众未参加学习，"
            "分类指导、送学上门还需进一步加强。") % {
            "names": names, "low": _rate(COVERAGE_LOW).replace(".0%", "%"), "gaps": f"{gaps:,}"},
            tuple(r.label for r in low[:NAMED_MAX])))
    elif not rows and own_rate is not None and figures["coverage_target"].value and own_rate < COVERAGE_LOW:
        shown = figure_text(figures["coverage_rate"])
        written.append(("coverage_rate", shown))
        problems.append(Problem("coverage", _(
            "学习覆盖还有薄弱环节。学习覆盖率为%(rate)s，低于%(low)s，部分党员群众尚未参加学习。") % {
            "rate": shown, "low": _rate(COVERAGE_LOW).replace(".0%", "%")}))

    if figures.value("voices_overdue"):
        shown = figure_text(figures["voices_overdue"])
        written.append(("voices_overdue", shown))
        problems.append(Problem("voices_overdue", _(
            "群众诉求办理还不够及时。收集的群众心声中仍有%(n)s超过办理期限未办结，群众“急难愁盼”问题的"
            "跟踪督办还需加强。") % {"n": shown}))

    satisfaction = figures.value("satisfaction_rate")
    if satisfaction is not None and satisfaction < SATISFACTION_LOW:
        shown = figure_text(figures["satisfaction_rate"])
        written.append(("satisfaction_rate", shown))
        problems.append(Problem("satisfaction", _(
            "群众满意度还有提升空间。已评价的群众诉求满意率为%(rate)s，低于%(low)s，办理质量和回访工作"
            "还需改进。") % {"rate": shown, "low": _rate(SATISFACTION_LOW).replace(".0%", "%")}))

    if figures.value("actions_overdue"):
        behind = sorted((r for r in compliance(campaign, org).rows if r.overdue),
                        key=lambda r: (-r.overdue, r.org.path))
        shown = figure_text(figures["actions_overdue"])
        written.append(("actions_overdue", shown))
        names = _named([_("%(name)s（逾期%(n)s项次）") % {"name": r.org.name, "n": r.overdue} for r in behind],
                       len(behind), _("单位"))
        problems.append(Problem("actions_overdue", _(
            "部分单位规定动作推进滞后。%(names)s规定动作逾期未完成，共逾期%(n)s，压力传导还不到位。") % {
            "names": names, "n": shown}, tuple(r.org.name for r in behind[:NAMED_MAX])))
    return problems


def problems_text(problems: list[Problem]) -> str:
    """The problems as lines "一是……。", or the neutral sentence when there are none."""
    if not problems:
        return _("从目前掌握的数据看，学习覆盖、群众诉求办理和规定动作推进总体平稳，暂未发现突出问题，"
                 "但学习教育的深度和群众参与的广度仍需进一步提升。")
    return "\n".join(f"{chinese_numeral(i)}是{p.text}" for i, p in enumerate(problems, start=1))


# --- The report ---------------------------------------------------------------------------------

def _check(org: Org, campaign: Campaign | None) -> Campaign:
    if campaign is None:
        raise ValidationError({"campaign": _("请选择主题活动：工作开展情况报告是某一主题活动的报告")})
    require_campaign_of(org, campaign)
    return campaign


def _rows(figures: ReportFigures, area: str) -> list[FigureRow]:
    rows = []

    def row(key: str, sub: bool) -> FigureRow:
        figure = figures[key]
        basis = f"{figure.numerator:,} ÷ {figure.denominator:,}" if figure.denominator else ""
        return FigureRow(key, figure.label, figure.shown, "" if figure.unit == "%" else figure.unit, basis, sub)

    for key, named, kinds in AREA_FIGURES[area]:
        rows.append(row(key, False))
        rows += [row(sub, True) for sub in named]
        rows += [row(sub, True) for sub in kinds if figures.value(sub)]
    return rows


def progress_report(org: Org, campaign: Campaign | None, date_from: date | None = None,
                    date_to: date | None = None, *, addressee: str = "", today: date | None = None) -> ProgressReport:
    """The progress report of ``org``'s subtree for ``campaign`` and the period (by default the
    campaign's, up to today). The caller checks that the account may read ``org``. Raises
    ``ValidationError`` without a campaign, or with one not run in the org."""
    campaign = _check(org, campaign)
    today = today or timezone.localdate()
    figures = report_figures(org, campaign, date_from, date_to, today=today)
    texts = report_texts_effective(org, campaign)
    written: list[tuple[str, str]] = []
    context = {"org": org.name, "campaign": campaign_phrase(campaign),
               "period": period_text(figures.date_from, figures.date_to)}

    def filled(part: str, extra: dict[str, str] | None = None) -> list[Paragraph]:
        return paragraphs_of(fill(texts[part].text, figures, {**context, **(extra or {})}, written=written))

    work = Section(1, _numbered(1, 1), str(SECTION_HEADINGS["work"]))
    for index, area in enumerate(AREA_PARTS, start=1):
        work.children.append(Section(2, _numbered(2, index), str(AREA_HEADINGS[area]), area, filled(area),
                                     _rows(figures, area)))
    problems = suggested_problems(org, campaign, figures, written)
    sections = [
        work,
        Section(1, _numbered(1, 2), str(SECTION_HEADINGS["problems"]), "problems",
                filled("problems", {PROBLEMS_SLOT: problems_text(problems)})),
        Section(1, _numbered(1, 3), str(SECTION_HEADINGS["next_steps"]), "next_steps", filled("next_steps")),
    ]
    return ProgressReport(
        org=org, campaign=campaign, title=report_title(org, campaign),
        subtitle=f"（{context['period']}）", addressee=(addressee or "").strip().rstrip(":：").strip(), day=today,
        opening=filled("opening"), sections=sections, figures=figures, problems=problems, written=written)


def _numbered(level: int, count: int) -> str:
    return f"{chinese_numeral(count)}、" if level == 1 else f"（{chinese_numeral(count)}）"


# --- The Word document --------------------------------------------------------------------------

def _write_paragraphs(document: OfficialDocument, paragraphs: list[Paragraph]) -> None:
    for paragraph in paragraphs:
        document.paragraph(paragraph.rest, lead=paragraph.lead or None)


def _write_section(document: OfficialDocument, section: Section) -> None:
    document.heading(section.level, section.heading)
    _write_paragraphs(document, section.paragraphs)
    if section.rows:
        document.table([str(h) for h in TABLE_HEADERS], [row.cells for row in section.rows],
                       widths_mm=TABLE_WIDTHS_MM, align=TABLE_ALIGN)
    for child in section.children:
        _write_section(document, child)


def progress_document(report: ProgressReport) -> OfficialDocument:
    """The report laid out as a 公文 (GB/T 9704)."""
    document = OfficialDocument(report.title, subtitle=report.subtitle, addressee=report.addressee or None)
    _write_paragraphs(document, report.opening)
    for section in report.sections:
        _write_section(document, section)
    document.signature(report.org.name, report.day)
    return document


def progress_docx(*, org: Org, campaign: Campaign | None, date_from: date | None = None, date_to: date | None = None,
                  out: str | PathLike | IO[bytes], by=None, addressee: str = "") -> ProgressReport:
    """Write the progress report (``progress_report``) to ``out`` as .docx. With ``by`` (a page's
    download, the API), the account must read the org's figures, and the report is audited."""
    if by is not None and not by.has_perm("reports.view_figures", org):
        raise PermissionError(_("无权查看该组织的统计数据"))
    report = progress_report(org, campaign, date_from, date_to, addressee=addressee)
    progress_document(report).save(out)
    if by is not None:
        audit_record(by=by, action=AuditAction.REPORT_PROGRESS_GENERATED, obj=report.campaign, changes={
            "org": org.code, "campaign": report.campaign.slug, "date_from": _iso(report.date_from),
            "date_to": _iso(report.date_to)})
    return report


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None
