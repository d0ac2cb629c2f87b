"""花名册模板: the workbook a cadre downloads, fills in and imports."""

from __future__ import annotations

from datetime import date

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from tongxin.core.identity import id_check_char
from tongxin.orgs.models import Org, OrgKind
from tongxin.orgs.selectors import org_subtree
from tongxin.people.models import PersonGroup

from .columns import COLUMNS
from .export import excel_safe
from .importing import EXAMPLE_PREFIX
from .places import BRANCH_KINDS
from .sheet import SHEET_NAME

TEMPLATE_ROWS = 5000  # rows that get the drop-down lists and the text format


def _column_help() -> dict[str, str]:
    return {
        "name": _("必填。"),
        "gender": _("男 或 女；可留空，按身份证号判断。"),
        "id_number": _("必填，18 位（15 位旧号自动升位）。本列已设为“文本”；不要粘贴成数字，否则会变成 1.5E+17。"),
        "phone": _("11 位手机号，可留空。"),
        "grid": _("必填，填本社区网格的名称，见下方列表。"),
        "building": _("楼栋名称（须属于所填网格）；没有楼栋可留空。"),
        "household": _("门牌号，如 1-101；同一楼栋内相同门牌号为同一户，没有的户会自动建立。"),
        "groups": _("可填多个，用 、 或 , 分隔。可填：%(labels)s。") % {
            "labels": "、".join(str(label) for _code, label in PersonGroup.choices)},
        "is_member": _("是 或 否；留空视为否。"),
        "joined_on": _("党员必填，如 2001-07-01 或 2001年7月1日。"),
        "branch": _("党员必填，填本社区党支部的名称，见下方列表。"),
        "birth_date": _("可留空，按身份证号计算；填写时须与身份证号一致。"),
        "household_hardship": _("是 或 否；须同时填写门牌号。"),
        "needs_home_delivery": _("党员填写：是 或 否。需要送学上门的老弱病残党员填“是”。"),
        "is_mobile": _("党员填写：是 或 否。"),
        "member_hardship": _("党员填写：是 或 否。"),
        "note": _("可留空，不超过 200 个字。"),
    }


def _example_id_number() -> str:
    first17 = "15050219800101001"
    return first17 + id_check_char(first17)


def _places(org: Org | None) -> tuple[list[Org], list[Org], list[Org]]:
    if org is None:
        return [], [], []
    items = list(org_subtree(org).filter(kind__in=(OrgKind.GRID, OrgKind.BUILDING, *BRANCH_KINDS))
                 .order_by("path"))
    grids = [o for o in items if o.kind == OrgKind.GRID]
    buildings = [o for o in items if o.kind == OrgKind.BUILDING]
    branches = [o for o in items if o.kind in BRANCH_KINDS]
    return grids, buildings, branches


def roster_template_workbook(org: Org | None = None) -> Workbook:
    """The import template: headers, one example row (ignored on import), drop-down lists,
    the ID, phone and house-number columns formatted as text, and a 说明 sheet listing the
    grids, buildings and party branches of ``org`` when given."""
    grids, buildings, branches = _places(org)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = SHEET_NAME
    required_fill = PatternFill("solid", fgColor="FDE2E1")
    optional_fill = PatternFill("solid", fgColor="EEEEEE")
    letters = {}
    for index, column in enumerate(COLUMNS, start=1):
        letter = get_column_letter(index)
        letters[column.key] = letter
        cell = sheet.cell(row=1, column=index, value=column.header)
        cell.font = Font(bold=True)
        cell.fill = required_fill if column.required else optional_fill
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        dimension = sheet.column_dimensions[letter]
        dimension.width = column.width
        if column.text:
            # Typed-in values in the column stay text: Excel would otherwise turn an ID number
            # into 1.5E+17 and 3-12 into a date.
            dimension.number_format = "@"
    sheet.freeze_panes = "A2"
    sheet.row_dimensions[1].height = 30

    grid = grids[0] if grids else None
    building = next((b for b in buildings if grid and b.parent_id == grid.pk), None)
    example = {
        "name": _("%(prefix)s张三") % {"prefix": EXAMPLE_PREFIX + "："},
        "gender": "男",
        "id_number": _example_id_number(),
        "phone": "13800000000",
        "grid": excel_safe(grid.name) if grid else _("第一网格"),
        "building": excel_safe(building.name) if building else (_("1号楼") if grid is None else ""),
        "household": "1-101",
        "groups": "退休人员、老年人",
        "is_member": "是",
        "joined_on": date(2001, 7, 1),
        "branch": excel_safe(branches[0].name) if branches else _("第一党支部"),
        "birth_date": date(1980, 1, 1),
        "household_hardship": "否",
        "needs_home_delivery": "否",
        "is_mobile": "否",
        "member_hardship": "否",
        "note": _("第 2 行是示例，导入时自动跳过；可直接覆盖或删除"),
    }
    grey = Font(color="808080", italic=True)
    for index, column in enumerate(COLUMNS, start=1):
        cell = sheet.cell(row=2, column=index, value=example[column.key])
        cell.font = grey
        if column.text:
            cell.number_format = "@"
        elif isinstance(example[column.key], date):
            cell.number_format = "yyyy-mm-dd"

    last = TEMPLATE_ROWS + 1
    for keys, choices in ((("gender",), "男,女"),
                          (("is_member", "household_hardship", "needs_home_delivery", "is_mobile",
                            "member_hardship"), "是,否")):
        validation = DataValidation(type="list", formula1=f'"{choices}"', allow_blank=True,
                                    showErrorMessage=True, errorTitle=_("请从列表中选择"),
                                    error=_("只能填：%(c)s") % {"c": choices.replace(",", "、")})
        for key in keys:
            validation.add(f"{letters[key]}2:{letters[key]}{last}")
        sheet.add_data_validation(validation)

    _write_help(workbook.create_sheet(_("说明")), org, grids, buildings, branches)
    workbook.active = 0
    return workbook


def _write_help(sheet, org: Org | None, grids: list[Org], buildings: list[Org], branches: list[Org]) -> None:
    bold = Font(bold=True)
    sheet.column_dimensions["A"].width = 22
    sheet.column_dimensions["B"].width = 10
    sheet.column_dimensions["C"].width = 80
    title = _("花名册填写说明") + (f" · {org.name}" if org else "")  # starts with 花: formula-safe
    sheet.append([title])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append([_("每人一行，表头在第 1 行，不要改动表头、合并单元格或使用公式（请粘贴为数值）。"
                    "一个文件要么全部导入，要么有错时一条也不导入；已登记的身份证号自动跳过。")])
    sheet.append([])
    sheet.append([_("列名"), _("表头"), _("填写说明")])
    for cell in sheet[sheet.max_row]:
        cell.font = bold
    helps = _column_help()
    for column in COLUMNS:
        sheet.append([column.header, _("必须有") if column.required else _("可没有"), helps[column.key]])
        sheet.cell(row=sheet.max_row, column=3).alignment = Alignment(wrap_text=True)
    if org is None:
        return
    sheet.append([])
    sheet.append([_("%(org)s的网格和楼栋") % {"org": org.name}])
    sheet.cell(row=sheet.max_row, column=1).font = bold
    sheet.append([_("网格"), "", _("楼栋")])
    for grid in grids:
        names = [b.name for b in buildings if b.parent_id == grid.pk]
        sheet.append([excel_safe(grid.name), "", excel_safe("、".join(names))])
    sheet.append([])
    sheet.append([_("%(org)s的党组织（所在支部）") % {"org": org.name}])
    sheet.cell(row=sheet.max_row, column=1).font = bold
    for branch in branches:
        sheet.append([excel_safe(branch.name)])
