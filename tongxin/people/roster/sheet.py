"""Reading a roster worksheet row by row, without loading the workbook into memory.

We drive openpyxl's streaming worksheet parser (the one behind its read-only mode) directly:

- its public row iterator gives neither the merged ranges (written after the rows) nor, with
  ``values_only``, a cell's type, so a formula would look like text starting with ``=``;
- opening a read-only workbook sizes every worksheet first, which for files without a
  ``<dimension>`` tag (openpyxl's and Apache POI's streaming writers write none) means
  parsing the whole sheet one extra time.

So we run the steps of ``load_workbook`` we need (shared strings, workbook, styles) and parse
the one sheet ourselves. This leans on openpyxl internals (pinned to 3.x in pyproject.toml);
the tests on merged cells, formulas, dates and text fail loudly if a new version changes them.
"""

from __future__ import annotations

import logging
import zipfile
import zlib
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from xml.etree.ElementTree import ParseError

from django.utils.translation import gettext as _
from openpyxl.reader.excel import ExcelReader
from openpyxl.styles.stylesheet import apply_stylesheet
from openpyxl.utils import column_index_from_string
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet._reader import INLINE_STRING, VALUE_TAG, WorkSheetParser, _cast_number
from openpyxl.xml.constants import SHEET_MAIN_NS

logger = logging.getLogger(__name__)

SHEET_NAME = "花名册"
EXCEL_SUFFIXES = (".xlsx", ".xlsm")


_T = f"{{{SHEET_MAIN_NS}}}t"
_R = f"{{{SHEET_MAIN_NS}}}r"
_DIGITS = "0123456789"
# Column letters → number ("A" → 1): the same few letters on every row.
_column = lru_cache(maxsize=None)(column_index_from_string)


class _Parser(WorkSheetParser):
    """openpyxl's parser, with a shorter way for the cells a roster is made of: text (shared or
    inline, ``t="inlineStr"``) and numbers that are not dates. openpyxl itself, Apache POI's
    streaming writer and many exporting systems write inline strings, for which the parser
    builds a rich-text object per cell; that took half the reading time. Formulas, dates,
    booleans and error values go through openpyxl's own ``parse_cell``."""

    def parse_cell(self, element):
        data_type = element.get("t", "n")
        if data_type not in ("inlineStr", "s", "n"):
            return super().parse_cell(element)
        value = inline = None
        for child in element:
            tag = child.tag
            if tag == VALUE_TAG:
                value = child.text
            elif tag == INLINE_STRING:
                inline = child
            else:  # a formula
                return super().parse_cell(element)
        style_id = element.get("s")
        style_id = int(style_id) if style_id else 0
        if data_type == "inlineStr":
            value = None  # as openpyxl: an inline string has no <v>
            if inline is not None:
                # As openpyxl's Text.content: the plain text, then the runs' text, without phonetic hints.
                plain, runs = [], []
                for part in inline:
                    if part.tag == _T:
                        plain.append(part.text or "")
                    elif part.tag == _R:
                        runs += [t.text or "" for t in part if t.tag == _T]
                value, data_type = "".join(plain + runs), "s"
        elif not value:
            value = None
        elif data_type == "s":
            value = self.shared_strings[int(value)]
        elif style_id in self.date_formats:
            return super().parse_cell(element)
        else:
            value = _cast_number(value)
        coordinate = element.get("r")
        if coordinate:
            letters = coordinate.rstrip(_DIGITS)
            row, column = int(coordinate[len(letters):]), _column(letters)
            self.col_counter = column
        else:
            self.col_counter += 1
            row, column = self.row_counter, self.col_counter
        return {"row": row, "column": column, "value": value, "data_type": data_type, "style_id": style_id}


class RosterFileError(Exception):
    """The file cannot be read as a roster; ``str(exc)`` is the reason shown to the cadre."""


def file_name_of(file) -> str:
    if isinstance(file, (str, Path)):
        return Path(file).name
    return Path(getattr(file, "name", "") or "").name


class RosterSheet:
    """The roster sheet of a workbook: the sheet named 花名册, else the first worksheet."""

    def __init__(self, file):
        name = file_name_of(file)
        if name and not name.lower().endswith(EXCEL_SUFFIXES):
            raise RosterFileError(
                _("只能导入 .xlsx 格式的 Excel 文件；.xls 或 .csv 文件请先在 Excel/WPS 中另存为 .xlsx")
            )
        if hasattr(file, "seek"):
            file.seek(0)
        try:
            reader = ExcelReader(file, read_only=True, data_only=False, keep_links=False)
            self.archive = reader.archive
            reader.read_manifest()
            reader.read_strings()
            reader.read_workbook()
            apply_stylesheet(reader.archive, reader.wb)
            sheets = [(sheet.name, rel.target) for sheet, rel in reader.parser.find_sheets()
                      if rel.target in reader.valid_files and "chartsheet" not in rel.Type]
        except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError, ParseError) as exc:
            logger.info("roster file %r cannot be opened: %s", name, exc)
            if getattr(self, "archive", None) is not None:
                self.close()
            raise RosterFileError(
                _("无法打开文件：不是有效的 .xlsx 工作簿（如设置了打开密码，请先取消密码）")
            ) from exc
        if not sheets:
            self.close()
            raise RosterFileError(_("工作表为空"))
        self.title, self.path = next(((n, p) for n, p in sheets if n == SHEET_NAME), sheets[0])
        self.shared_strings = reader.shared_strings
        self.workbook = reader.wb
        self.merged_ranges: list[str] = []

    def rows(self) -> Iterator[tuple[int, list[dict]]]:
        """``(excel_row_number, cells)`` for every row the file holds, in order. Each cell is
        openpyxl's dict: ``column`` (1 = A), ``value`` and ``data_type`` ('n' number, 's' text,
        'b' boolean, 'd' date, 'f' formula, 'e' error value). After the last row,
        ``merged_ranges`` lists the sheet's merged ranges (e.g. ``"E2:E5"``)."""
        workbook = self.workbook
        row_number = 0
        try:
            with self.archive.open(self.path) as source:
                parser = _Parser(
                    source, self.shared_strings, data_only=False, epoch=workbook.epoch,
                    date_formats=workbook._date_formats, timedelta_formats=workbook._timedelta_formats,
                )
                for row_number, cells in parser.parse():
                    yield row_number, cells
                if parser.merged_cells is not None:
                    self.merged_ranges = [str(item.ref) for item in parser.merged_cells.mergeCell]
        except (ParseError, zipfile.BadZipFile, zlib.error, EOFError, KeyError, ValueError) as exc:
            logger.info("roster sheet unreadable after row %s: %s", row_number, exc)
            raise RosterFileError(
                _("文件已损坏：读到第 %(row)d 行后无法继续读取，请在 Excel/WPS 中打开后另存一份再导入")
                % {"row": row_number}
            ) from exc

    def close(self) -> None:
        self.archive.close()
