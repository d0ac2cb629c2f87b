"""Excel exports of the voices pages: the voice list, the visit log, livelihood projects with their
progress, the problem list with its phases, good deeds, and the figures with the children side by
side.

Exports are audited writes (``VOICES_EXPORTED``: which list, the org and filters, how many rows),
so they live with the services; the caller has already decided who may export what and hands in
the list the page shows (the list selectors keep to what the reader may see). Workbooks are
written by openpyxl in write-only mode from querysets read in chunks, so a district's list never
sits in memory; cells go through the learning exports' ``export_cell`` (formula-safe text, any
phone or ID number typed into a text masked). The speaker's name is shown; no column holds a
phone or ID number. Tested to open in Excel and WPS: plain cells, dates as dates, one bold
frozen header row.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import BinaryIO

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from tongxin.core.audit import AuditAction, audit_record
from tongxin.learning.services.materials import export_cell
from tongxin.orgs.models import Org

from ..models import GoodDeed, Project, Rectification, Visit, Voice
from ..selectors.figures import DEFINITIONS, ChildFigures, Rate, VoiceFigures

CHUNK = 2000


class Sheet:
    """One sheet to write: a title, the header (translated as it is written: the lists below are
    marked with ``N_``), column widths and the rows (any iterable)."""

    def __init__(self, title: str, headers: list[str], widths: Iterable[int], rows: Iterable[list]):
        self.title, self.headers, self.widths, self.rows = title, headers, list(widths), rows


def write_sheets(out: BinaryIO, sheets: list[Sheet]) -> list[int]:
    """Write the sheets to ``out`` as .xlsx in write-only mode; returns the data rows of each."""
    workbook = Workbook(write_only=True)
    bold = Font(bold=True)
    counts = []
    for spec in sheets:
        sheet = workbook.create_sheet(spec.title)
        for index, width in enumerate(spec.widths):
            sheet.column_dimensions[get_column_letter(index + 1)].width = width
        sheet.freeze_panes = "A2"
        header = []
        for text in spec.headers:
            cell = WriteOnlyCell(sheet, value=_(text))
            cell.font = bold
            header.append(cell)
        sheet.append(header)
        count = 0
        for row in spec.rows:
            sheet.append([_cell(sheet, value) for value in row])
            count += 1
        counts.append(count)
    workbook.save(out)
    return counts


def _cell(sheet, value):
    if isinstance(value, Rate):
        # A rate is a number Excel can compute with, shown as a percentage; "—" when undefined.
        if value.percent is None:
            return "—"
        cell = WriteOnlyCell(sheet, value=value.numerator / value.denominator)
        cell.number_format = "0.0%"
        return cell
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, date) and not isinstance(value, datetime):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = "yyyy-mm-dd"
        return cell
    return export_cell(sheet, value)


def _audit(*, by, what: str, org: Org | None, filters: dict, count: int) -> None:
    """One entry per export: which list, under which org and filters (those set), how many rows."""
    audit_record(by=by, action=AuditAction.VOICES_EXPORTED, obj=org, changes={
        "list": what, "org": org.code if org else None,
        "filters": {name: value.isoformat() if isinstance(value, date) else value
                    for name, value in filters.items() if value not in (None, "", False)},
        "count": count,
    })


# --- The voice list ----------------------------------------------------------------------------

VOICE_HEADERS = [
    N_("编号"), N_("提交时间"), N_("类型"), N_("来源渠道"), N_("反映人"), N_("所在网格/楼栋"), N_("急难愁盼"), N_("内容"), N_("所属库"), N_("类别"),
    N_("状态"), N_("承办人"), N_("承办单位"), N_("办理时限"), N_("逾期"), N_("响应时间"), N_("办结时间"), N_("办理结果"), N_("满意度"),
]


def voices_export_workbook(*, by, voices: QuerySet[Voice], org: Org | None, filters: dict, out: BinaryIO) -> int:
    """Write ``voices`` (the list page's, ``selectors.lists.voice_list`` under its filters) to
    ``out``. The speaker by the name they gave; never a phone or ID number. Audited. Returns the
    number of rows."""
    rows = (
        [v.pk, v.submitted_at, v.get_kind_display(), v.get_channel_display(), v.speaker_name, v.org.name, v.urgent,
         v.text, v.get_library_display() if v.library else "", v.category.name if v.category_id else "",
         v.get_status_display(), v.handler.display_name if v.handler_id else "",
         v.handler_unit.name if v.handler_unit_id else "", v.due_at, v.is_overdue, v.responded_at, v.resolved_at,
         v.resolution, v.get_rating_display() if v.rating else ""]
        for v in voices.select_related("org", "category", "handler__person", "handler_unit").iterator(chunk_size=CHUNK)
    )
    [count] = write_sheets(out, [Sheet(_("群众心声"), VOICE_HEADERS, (7, 17, 7, 11, 10, 16, 9, 50, 9, 10, 9, 12,
                                                                   16, 17, 6, 17, 17, 40, 9), rows)])
    _audit(by=by, what="voices", org=org, filters=filters, count=count)
    return count


# --- Visits ------------------------------------------------------------------------------------

VISIT_HEADERS = [
    N_("走访时间"), N_("走访人"), N_("所在网格/楼栋"), N_("走访户"), N_("困难户"), N_("四访四问"), N_("走访情况"), N_("听取心声（条）"),
]


def visits_export_workbook(*, by, visits: QuerySet[Visit], org: Org | None, filters: dict, out: BinaryIO) -> int:
    """Write ``visits`` (the visit list's, ``selectors.visits.visit_list``, with ``heard``: the
    voices heard) to ``out``: who visited which household when, for which 四访四问 reasons, what
    was found and how many voices were heard. Audited. Returns the number of rows."""
    rows = (
        [v.visited_at, v.visitor_name, v.household.org.name, v.household.number, v.household.in_hardship,
         "；".join(str(reason.label) for reason in v.reasons) or _("日常走访"), v.notes, v.heard]
        for v in visits.select_related("household__org").iterator(chunk_size=CHUNK)
    )
    [count] = write_sheets(out, [Sheet(_("走访记录"), VISIT_HEADERS, (17, 10, 16, 12, 7, 30, 50, 10), rows)])
    _audit(by=by, what="visits", org=org, filters=filters, count=count)
    return count


# --- Projects ----------------------------------------------------------------------------------

PROJECT_HEADERS = [
    N_("项目名称"), N_("所属组织"), N_("责任人/责任单位"), N_("状态"), N_("进度"), N_("节点完成"), N_("开始日期"), N_("计划完成日期"), N_("完成日期"),
    N_("逾期"), N_("群众监督员（人）"), N_("来源心声"),
]


def projects_export_workbook(*, by, projects: QuerySet[Project], org: Org | None, filters: dict,
                             out: BinaryIO) -> int:
    """Write ``projects`` (the project list's, ``selectors.projects.project_list``, annotated with
    their progress) to ``out``. Audited. Returns the number of rows."""
    rows = (
        [p.title, p.org.name, p.owner, p.get_status_display(),
         f"{p.progress}%" if p.milestone_count else "—", f"{p.milestones_done}/{p.milestone_count}",
         p.starts_on, p.due_on, p.done_on, p.is_overdue, p.supervisor_count,
         f"#{p.source_voice_id}" if p.source_voice_id else ""]
        for p in projects.iterator(chunk_size=CHUNK)
    )
    [count] = write_sheets(out, [Sheet(_("民生实事"), PROJECT_HEADERS, (30, 16, 18, 9, 7, 9, 12, 13, 12, 6, 13, 9),
                                       rows)])
    _audit(by=by, what="projects", org=org, filters=filters, count=count)
    return count


# --- The problem list ----------------------------------------------------------------------------

RECTIFICATION_HEADERS = [
    N_("问题"), N_("来源"), N_("所属组织"), N_("责任人/责任单位"), N_("整改方式"), N_("状态"), N_("完成时限"), N_("完成日期"), N_("逾期"),
    N_("整改措施"), N_("整改阶段"),
]


def _phases(item: Rectification) -> str:
    """The phases in order, one a line: 第1阶段：target（时限 …，已完成 … / 未完成）."""
    lines = []
    for phase in item.phases.all():
        state = (_("已完成 %(on)s") % {"on": phase.done_on.isoformat()}) if phase.done_on else _("未完成")
        lines.append(_("第%(n)d阶段：%(target)s（时限 %(due)s，%(state)s）") % {
            "n": phase.order, "target": phase.target, "due": phase.due_on.isoformat(), "state": state})
    return "\n".join(lines)


def rectifications_export_workbook(*, by, rectifications: QuerySet[Rectification], org: Org | None,
                                   filters: dict, out: BinaryIO) -> int:
    """Write ``rectifications`` (the problem list's, ``selectors.rectifications.rectification_list``)
    to ``out``, each with its phases. Audited. Returns the number of rows."""
    rows = (
        [r.item, r.get_source_display(), r.org.name, r.owner, r.get_mode_display(), r.get_status_display(),
         r.due_on, r.fixed_on, r.is_overdue, r.measures, _phases(r) or None]
        for r in rectifications.prefetch_related("phases").iterator(chunk_size=CHUNK)
    )
    widths = (36, 12, 16, 16, 11, 11, 12, 12, 6, 40, 50)
    [count] = write_sheets(out, [Sheet(_("问题清单"), RECTIFICATION_HEADERS, widths, rows)])
    _audit(by=by, what="rectifications", org=org, filters=filters, count=count)
    return count


# --- Good deeds ----------------------------------------------------------------------------------

DEED_HEADERS = [
    N_("日期"), N_("类型"), N_("办事人"), N_("所在组织"), N_("事项"), N_("服务对象"), N_("对应心愿/诉求"),
]


def deeds_export_workbook(*, by, deeds: QuerySet[GoodDeed], org: Org | None, filters: dict, out: BinaryIO) -> int:
    """Write ``deeds`` (the good deed list's, ``selectors.deeds.deed_list``) to ``out``. Audited.
    Returns the number of rows."""
    rows = (
        [d.done_on, d.get_kind_display(), d.person.name, d.org.name, d.what, d.for_whom,
         f"#{d.voice_id}" if d.voice_id else ""]
        for d in deeds.select_related("person", "org").iterator(chunk_size=CHUNK)
    )
    [count] = write_sheets(out, [Sheet(_("好事实事"), DEED_HEADERS, (12, 18, 10, 16, 50, 20, 12), rows)])
    _audit(by=by, what="deeds", org=org, filters=filters, count=count)
    return count


# --- The figures -----------------------------------------------------------------------------------

def _hours(value: float | None):
    return "—" if value is None else value


def figure_rows(f: VoiceFigures) -> list[list]:
    """The figures page's tables, one figure a row: [section, figure, value, note]."""
    rows: list[list] = []

    def section(title: str, items: list[tuple]) -> None:
        for name, value, *note in items:
            rows.append([title, name, value, note[0] if note else ""])

    def rate_note(rate: Rate) -> str:
        return f"{rate.numerator} / {rate.denominator}"

    section(_("总体"), [
        (_("收到"), f.received), (_("已响应"), f.responded), (_("已受理"), f.accepted), (_("不予受理"), f.rejected),
        (_("待受理"), f.waiting), (_("已解决（成果库）"), f.resolved), (_("已评价"), f.rated),
        (_("急难愁盼"), f.urgent), (_("逾期未办结"), f.overdue),
        (_("响应率"), f.response_rate, rate_note(f.response_rate)),
        (_("解决率"), f.resolution_rate, rate_note(f.resolution_rate)),
        (_("满意率"), f.satisfaction_rate, rate_note(f.satisfaction_rate)),
        (_("平均办结用时（小时）"), _hours(f.hours_mean)), (_("办结用时中位数（小时）"), _hours(f.hours_median)),
    ])
    for title, tallies in ((_("按所属库"), f.by_library), (_("按类别"), f.by_category), (_("按状态"), f.by_status),
                           (_("按来源渠道"), f.by_channel), (_("按类型"), f.by_kind), (_("满意度"), f.by_rating)):
        section(title, [(t.label, t.count) for t in tallies])
    section(_("心愿"), [(_("收到心愿"), f.wishes.received), (_("已接单"), f.wishes.claimed),
                       (_("已解决"), f.wishes.resolved)])
    v = f.visits
    section(_("走访"), [
        (_("走访次数"), v.visits), (_("辖区户数"), v.households), (_("已走访户数"), v.households_visited),
        (_("走访覆盖率"), v.household_coverage, rate_note(v.household_coverage)),
        (_("困难户数"), v.hardship_households), (_("已走访困难户"), v.hardship_visited),
        (_("困难户走访覆盖率"), v.hardship_coverage, rate_note(v.hardship_coverage)),
        *[(t.label, t.count) for t in v.by_reason],
    ])
    p, r = f.projects, f.rectifications
    section(_("民生实事"), [(_("项目数"), p.total), (_("设监督员的项目"), p.with_supervisors),
                          (_("群众监督员（人）"), p.supervisors), (_("已完成"), p.done)])
    section(_("问题清单"), [(_("问题数"), r.total), (_("已完成整改"), r.fixed), (_("正在整改"), r.in_progress),
                          (_("未开始"), r.not_started), (_("立行立改"), r.immediate), (_("分阶段整改"), r.phased)])
    section(_("好事实事"), [(t.label, t.count) for t in f.deeds])
    return rows


CHILD_HEADERS = [
    N_("名称"), N_("收到"), N_("已响应"), N_("响应率"), N_("已受理"), N_("已解决"), N_("解决率"), N_("已评价"), N_("满意率"),
    N_("平均办结用时（小时）"), N_("办结用时中位数（小时）"), N_("急难愁盼"), N_("逾期未办结"), N_("辖区户数"), N_("已走访户数"), N_("走访覆盖率"),
    N_("困难户走访覆盖率"), N_("民生实事"), N_("已完成项目"), N_("问题清单"), N_("已完成整改"), N_("好事实事"),
]


def child_row(row: ChildFigures) -> list:
    f = row.figures
    name = _("%(name)s（本级）") % {"name": row.org.name} if row.direct else row.org.name
    return [name, f.received, f.responded, f.response_rate, f.accepted, f.resolved, f.resolution_rate, f.rated,
            f.satisfaction_rate, _hours(f.hours_mean), _hours(f.hours_median), f.urgent, f.overdue,
            f.visits.households, f.visits.households_visited, f.visits.household_coverage,
            f.visits.hardship_coverage, f.projects.total, f.projects.done, f.rectifications.total,
            f.rectifications.fixed, f.deeds_total]


def figures_export_workbook(*, by, figures: VoiceFigures, children: list[ChildFigures], out: BinaryIO) -> int:
    """Write the figures of an org (``selectors.figures.voice_figures``) to ``out``: a sheet of
    every figure, a sheet of the children side by side (``voice_figures_by_child``) and a sheet of
    the definitions. Audited. Returns the number of figures written."""
    counts = write_sheets(out, [
        Sheet(_("统计"), [_("分组"), _("指标"), _("数值"), _("计算")], (12, 24, 12, 16), figure_rows(figures)),
        Sheet(_("下级对比"), CHILD_HEADERS, (18, *([10] * (len(CHILD_HEADERS) - 1))),
              [child_row(row) for row in children]),
        Sheet(_("指标说明"), [_("指标"), _("说明")], (12, 90), [[str(name), str(text)] for name, text in DEFINITIONS]),
    ])
    _audit(by=by, what="figures", org=figures.org, count=counts[0], filters={
        "from": figures.date_from, "to": figures.date_to, "campaign": figures.campaign.slug if figures.campaign else ""})
    return counts[0]
