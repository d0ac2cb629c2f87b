"""Points as .xlsx: the statement of a community for a period (积分台账): a sheet of totals, one
of redemptions and one of ledger entries; and the figures of an org for a period (积分统计): one
sheet per table of the figures page, each opening with the org, the period and what it counts.
Audited writes, so they live with the services; the caller has already decided who may export
which org. Cells go through learning's ``export_cell``: formula-safe, any phone or ID number in a
text masked; no column holds either."""

from __future__ import annotations

from typing import BinaryIO

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from tongxin.core.audit import AuditAction, audit_record
from tongxin.learning.services.materials import export_cell

from ..figures import PointsFigures
from ..models import RedemptionStatus
from ..selectors.pages import FIGURES_DEFINITIONS, Statement, figures_totals


def _sheet(workbook: Workbook, title: str, headers: list[str], widths: tuple[int, ...], rows) -> int:
    sheet = workbook.create_sheet(title)
    for index, width in enumerate(widths):
        sheet.column_dimensions[get_column_letter(index + 1)].width = width
    sheet.freeze_panes = "A2"
    header = []
    for text in headers:
        cell = WriteOnlyCell(sheet, value=text)
        cell.font = Font(bold=True)
        header.append(cell)
    sheet.append(header)
    count = 0
    for row in rows:
        sheet.append([export_cell(sheet, value) for value in row])
        count += 1
    return count


def statement_export_workbook(*, by, statement: Statement, out: BinaryIO) -> int:
    """Write ``statement`` (``selectors.statement_for``) to ``out``; audited. Returns the number
    of entries written."""
    workbook = Workbook(write_only=True)
    t = statement.totals
    _sheet(workbook, _("汇总"), [_("项目"), _("数值")], (20, 14), [
        [_("社区"), statement.org.name],
        [_("起始日期"), statement.since.isoformat()], [_("截止日期"), statement.until.isoformat()],
        [_("获得积分"), t["earned"]], [_("兑换使用"), t["spent"]], [_("退还"), t["refunded"]],
        [_("更正"), t["corrected"]], [_("净变动"), t["net"]], [_("涉及人数"), t["people"]],
        [_("兑换笔数"), t["redeemed_count"]], [_("兑换积分"), t["redeemed_points"]], [_("已领取"), t["fulfilled"]],
    ])
    _sheet(workbook, _("兑换记录"), [_("兑换码"), _("商品"), _("数量"), _("兑换人"), _("积分"), _("状态"),
                                   _("兑换时间"), _("办结时间")], (12, 20, 6, 10, 8, 8, 18, 18), (
        [r.code, r.reward.name, r.quantity, r.person.name, r.points, r.get_status_display(), r.created_at,
         r.closed_at] for r in statement.redemptions.iterator(chunk_size=2000)))
    count = _sheet(workbook, _("积分流水"), [_("时间"), _("本人"), _("类型"), _("事项"), _("说明"), _("积分")],
                   (18, 10, 8, 16, 30, 8), (
        [e.at, e.person.name, e.get_kind_display(), e.action, e.reason, e.amount]
        for e in statement.entries.iterator(chunk_size=2000)))
    workbook.save(out)
    audit_record(by=by, action=AuditAction.POINTS_STATEMENT_EXPORTED, obj=statement.org, changes={
        "org": statement.org.code, "since": statement.since.isoformat(), "until": statement.until.isoformat(),
        "entries": count})
    return count


def _figures_sheet(workbook: Workbook, figures: PointsFigures, title: str, definition: str, headers: list[str],
                   widths: tuple[int, ...], rows: list[list]) -> int:
    """A sheet of one table of the figures: the org, the period and the definition in the first
    rows (so that a printed or forwarded sheet says what it is), then the bold header, frozen."""
    sheet = workbook.create_sheet(title)
    for index, width in enumerate(widths):
        sheet.column_dimensions[get_column_letter(index + 1)].width = width
    preamble = [[_("组织"), figures.org.name],
                [_("统计期间"), _("%(from)s 至 %(to)s") % {"from": figures.date_from.isoformat(),
                                                       "to": figures.date_to.isoformat()}],
                [_("说明"), str(definition)], []]
    sheet.freeze_panes = f"A{len(preamble) + 2}"
    for row in preamble:
        sheet.append([export_cell(sheet, value) for value in row])
    header = []
    for text in headers:
        cell = WriteOnlyCell(sheet, value=str(text))
        cell.font = Font(bold=True)
        header.append(cell)
    sheet.append(header)
    for row in rows:
        sheet.append([export_cell(sheet, value) for value in row])
    return len(rows)


def figures_export_workbook(*, by, figures: PointsFigures, out: BinaryIO) -> int:
    """Write ``figures`` (``figures.points_figures``) to ``out``, one sheet per table of the page:
    totals, by action, by child org, top earners of each community, redemptions by reward. Audited.
    Returns the number of data rows written."""
    workbook = Workbook(write_only=True)
    movement = [_("获得积分"), _("兑换使用"), _("退还"), _("净使用")]

    def amounts(m) -> list[int]:
        return [m.earned, m.spent, m.refunded, m.spent - m.refunded]

    statuses = RedemptionStatus.choices
    count = sum([
        _figures_sheet(workbook, figures, _("汇总"), FIGURES_DEFINITIONS["totals"], [_("项目"), _("数值")], (16, 12),
                       [[str(label), value] for _key, label, value in figures_totals(figures)]),
        _figures_sheet(workbook, figures, _("按事项"), FIGURES_DEFINITIONS["by_action"], [_("事项"), *movement],
                       (16, 10, 10, 10, 10), [[m.label, *amounts(m)] for m in figures.by_action]),
        _figures_sheet(workbook, figures, _("按下级"), FIGURES_DEFINITIONS["by_org"], [_("名称"), *movement],
                       (18, 10, 10, 10, 10), [[m.label, *amounts(m)] for m in figures.by_org]),
        _figures_sheet(workbook, figures, _("积分排行"), FIGURES_DEFINITIONS["top"],
                       [_("社区"), _("名次"), _("姓名"), _("获得积分")], (18, 8, 12, 10),
                       [[e.community, e.rank, e.name, e.earned] for earners in figures.top_earners.values()
                        for e in earners]),
        _figures_sheet(workbook, figures, _("兑换商品"), FIGURES_DEFINITIONS["rewards"],
                       [_("商品"), _("社区"), _("兑换笔数"), _("件数"), _("积分"), *(label for _v, label in statuses)],
                       (20, 16, 10, 8, 8, *([8] * len(statuses))),
                       [[r.name, r.community, r.redemptions, r.quantity, r.points,
                         *(r.by_status.get(value, 0) for value, _label in statuses)] for r in figures.rewards]),
    ])
    workbook.save(out)
    audit_record(by=by, action=AuditAction.POINTS_FIGURES_EXPORTED, obj=figures.org, changes={
        "org": figures.org.code, "from": figures.date_from.isoformat(), "to": figures.date_to.isoformat(),
        "rows": count})
    return count
