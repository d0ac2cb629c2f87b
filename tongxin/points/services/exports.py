"""The statement of a community's points for a period as .xlsx (积分台账): a sheet of totals, one
of redemptions and one of ledger entries. An audited write, so it lives with the services; the
caller has already decided who may export which community. Cells go through learning's
``export_cell``: formula-safe, any phone or ID number in a text masked; no column holds either."""

from __future__ import annotations

from typing import BinaryIO

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from tongxin.core.audit import AuditAction, audit_record
from tongxin.learning.services.materials import export_cell

from ..selectors.pages import Statement


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
