"""Reading a roster sheet: our parser gives, cell for cell, what openpyxl's own gives, for text
written inline (openpyxl, exporting systems) and in the shared-strings table (Excel, WPS)."""

from __future__ import annotations

import zipfile
from datetime import date, datetime
from pathlib import Path
from xml.etree import ElementTree

from openpyxl import Workbook
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont
from openpyxl.worksheet._reader import WorkSheetParser

from tongxin.people.models import Person
from tongxin.people.roster import roster_import
from tongxin.people.roster.sheet import RosterSheet

from .test_roster_import import good_rows, write_roster

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
SHARED_STRINGS_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
SHARED_STRINGS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"


def with_shared_strings(source: Path, target: Path) -> Path:
    """``source`` (openpyxl writes text inline) as Excel saves it: every text in
    xl/sharedStrings.xml and the cells referring to it by number."""
    ElementTree.register_namespace("", MAIN)
    strings: dict[str, int] = {}
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename.startswith("xl/worksheets/sheet"):
                tree = ElementTree.fromstring(data)
                for cell in tree.iter(f"{{{MAIN}}}c"):
                    inline = cell.find(f"{{{MAIN}}}is")
                    if cell.get("t") != "inlineStr" or inline is None:
                        continue
                    text = "".join(t.text or "" for t in inline.iter(f"{{{MAIN}}}t"))
                    cell.remove(inline)
                    cell.set("t", "s")
                    ElementTree.SubElement(cell, f"{{{MAIN}}}v").text = str(strings.setdefault(text, len(strings)))
                data = ElementTree.tostring(tree, xml_declaration=True, encoding="UTF-8")
            elif item.filename == "[Content_Types].xml":
                data = data.replace(b"</Types>", f'<Override PartName="/xl/sharedStrings.xml" '
                                                 f'ContentType="{SHARED_STRINGS_TYPE}"/></Types>'.encode())
            elif item.filename == "xl/_rels/workbook.xml.rels":
                data = data.replace(b"</Relationships>", f'<Relationship Id="rIdShared" Type="{SHARED_STRINGS_REL}" '
                                                         f'Target="sharedStrings.xml"/></Relationships>'.encode())
            zout.writestr(item, data)
        table = ElementTree.Element(f"{{{MAIN}}}sst", count=str(len(strings)), uniqueCount=str(len(strings)))
        for text in strings:
            ElementTree.SubElement(ElementTree.SubElement(table, f"{{{MAIN}}}si"), f"{{{MAIN}}}t").text = text
        zout.writestr("xl/sharedStrings.xml", ElementTree.tostring(table, xml_declaration=True, encoding="UTF-8"))
    assert strings, "the workbook has no text"
    return target


def every_kind_of_cell(path: Path) -> Path:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "花名册"
    sheet.append(["姓名", "数字", "小数", "日期", "日期时间", "是否", "公式", "错误", "空", "备注"])
    sheet.append(["  张 三 ", 42, 3.5, date(2001, 7, 1), datetime(1990, 5, 4, 8, 30), True, "=1+1", "#N/A", None,
                  "150502197003150010"])
    sheet.append([CellRichText(["李", TextBlock(InlineFont(b=True), "四")]), -7, 1e20, None, None, False,
                  "=A2&A3", None, None, ""])
    sheet["J4"] = "只有一格"
    sheet["D3"].number_format = "yyyy-mm-dd"
    sheet["B5"] = 0
    workbook.save(path)
    return path


def parsed(path: Path, parser_class=None) -> list:
    sheet = RosterSheet(path)
    try:
        if parser_class is None:
            return list(sheet.rows())
        workbook = sheet.workbook
        with sheet.archive.open(sheet.path) as source:
            parser = parser_class(source, sheet.shared_strings, data_only=False, epoch=workbook.epoch,
                                  date_formats=workbook._date_formats, timedelta_formats=workbook._timedelta_formats)
            return list(parser.parse())
    finally:
        sheet.close()


def test_every_kind_of_cell_reads_as_openpyxl_reads_it(tmp_path):
    inline = every_kind_of_cell(tmp_path / "inline.xlsx")
    shared = with_shared_strings(inline, tmp_path / "shared.xlsx")
    for path in (inline, shared):
        ours = parsed(path)
        assert ours == parsed(path, WorkSheetParser)
        assert [c["value"] for c in ours[1][1]][:3] == ["  张 三 ", 42, 3.5]
    assert parsed(inline) == parsed(shared)  # text is text, however it is stored
    kinds = {c["data_type"] for _row, cells in parsed(shared) for c in cells}
    assert kinds >= {"s", "n", "d", "b", "f", "e"}


def test_a_roster_saved_by_excel_imports_as_the_same_roster_written_inline(street, tmp_path):
    shared = with_shared_strings(write_roster(tmp_path / "inline.xlsx", good_rows()), tmp_path / "excel.xlsx")
    with zipfile.ZipFile(shared) as archive:
        assert b't="s"' in archive.read("xl/worksheets/sheet1.xml")

    result = roster_import(by=None, org=street.community_a, file=shared)

    assert result.ok and (result.rows, result.created, result.party_members_created) == (4, 4, 2)
    zhao = Person.objects.get(name="赵六")
    assert zhao.household.number == "3-301" and sorted(zhao.group_codes) == ["elderly", "retired"]
