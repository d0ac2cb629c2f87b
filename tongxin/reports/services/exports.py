"""The figures of an org as .xlsx (统计数据): the dashboard's "导出 Excel".

Two sheets, for Excel and WPS alike: 概况 — the org, the campaign and the period on top, then one
row per figure of ``CATALOGUE`` with its section, name, value, unit, numerator, denominator,
definition and key (names repeat across sections; the key tells them apart, as in
``docs/figures.md``); 下级对比 — the child places side by side, one row each (and the org's own
total last), one column per figure. Headers in Chinese, bold, frozen with the names column;
counts are numbers, rates numbers shown as per cent (87.5 is written 0.875 with the format
``0.0%``); a figure without a value is an empty cell. Text goes through learning's
``export_cell`` (formula-safe).

An audited write, so it lives with the services; the caller has checked that the account reads
the org.
"""

from __future__ import annotations

from typing import BinaryIO

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from tongxin.core.audit import AuditAction, audit_record
from tongxin.learning.services.materials import export_cell

from ..selectors.figures import CATALOGUE, SECTIONS, Figure, ReportFigures

PERCENT = "0.0%"
COUNT = "#,##0"


def period_text(figures: ReportFigures) -> str:
    if figures.date_from is None:
        return _("截至 %(to)s") % {"to": figures.date_to.isoformat()}
    return _("%(from)s 至 %(to)s") % {"from": figures.date_from.isoformat(), "to": figures.date_to.isoformat()}


def _bold(sheet, text: str):
    cell = WriteOnlyCell(sheet, value=str(text))
    cell.font = Font(bold=True)
    cell.alignment = Alignment(wrap_text=True, vertical="center")
    return cell


def _value(sheet, figure: Figure):
    """The figure's value as a number cell: a rate as a fraction with a per cent format."""
    if figure.value is None:
        return None
    if figure.defn.unit == "%":
        cell = WriteOnlyCell(sheet, value=round(figure.value / 100, 6))
        cell.number_format = PERCENT
    else:
        cell = WriteOnlyCell(sheet, value=figure.value)
        cell.number_format = COUNT
    return cell


def _widths(sheet, widths) -> None:
    for index, width in enumerate(widths):
        sheet.column_dimensions[get_column_letter(index + 1)].width = width


def _overview(workbook: Workbook, figures: ReportFigures) -> None:
    sheet = workbook.create_sheet(_("概况"))
    _widths(sheet, (14, 22, 12, 8, 10, 10, 60, 24))
    preamble = [
        [_("组织"), f"{figures.org.name}（{figures.org.code}）"],
        [_("主题活动"), figures.campaign.name if figures.campaign else _("不限活动（全部记录）")],
        [_("统计期间"), period_text(figures)],
        [],
    ]
    sheet.freeze_panes = f"C{len(preamble) + 2}"
    for row in preamble:
        sheet.append([export_cell(sheet, value) for value in row])
    sheet.append([_bold(sheet, text) for text in (
        _("类别"), _("指标"), _("数值"), _("单位"), _("分子"), _("分母"), _("口径"), _("键"))])
    for defn in CATALOGUE:
        figure = figures.figures.get(defn.key)
        if figure is None:
            continue
        sheet.append([str(SECTIONS[defn.section]), str(defn.label), _value(sheet, figure),
                      str(defn.unit), figure.numerator, figure.denominator,
                      str(defn.definition), defn.key])


def _side_by_side(workbook: Workbook, figures: ReportFigures, children: list[ReportFigures]) -> None:
    sheet = workbook.create_sheet(_("下级对比"))
    keys = [d.key for d in CATALOGUE if d.key in figures.figures]
    _widths(sheet, (18, 14, *([11] * len(keys))))
    sheet.freeze_panes = "C2"
    sheet.append([_bold(sheet, _("名称")), _bold(sheet, _("编码")), *(
        _bold(sheet, f"{figures[key].label}（{figures[key].unit}）") for key in keys)])
    for row, name in [*((child, child.org.name) for child in children),
                      (figures, _("%(name)s（合计）") % {"name": figures.org.name})]:
        sheet.append([export_cell(sheet, name), export_cell(sheet, row.org.code),
                      *(_value(sheet, row[key]) for key in keys)])


def figures_export_workbook(*, by, figures: ReportFigures, children: list[ReportFigures], out: BinaryIO) -> int:
    """Write ``figures`` (``report_figures``) and ``children`` (``report_figures_by_child``) to
    ``out`` as .xlsx; audited (``REPORT_FIGURES_EXPORTED``). Returns the number of figures written."""
    workbook = Workbook(write_only=True)
    _overview(workbook, figures)
    _side_by_side(workbook, figures, children)
    workbook.save(out)
    audit_record(by=by, action=AuditAction.REPORT_FIGURES_EXPORTED, obj=figures.org, changes={
        "org": figures.org.code, "campaign": figures.campaign.slug if figures.campaign else None,
        "from": figures.date_from.isoformat() if figures.date_from else None, "to": figures.date_to.isoformat(),
        "children": len(children)})
    return len(figures.figures)
