"""Chinese official documents (公文) laid out per GB/T 9704-2012, built with python-docx.

The weekly bulletin (通报) and the progress report (工作开展情况报告) are written with this builder.
It knows nothing of Django models, so the layout can be tested on its own and the report code only
says what to write, never how it looks.

What the standard asks, and the constants below that hold it:

================  =========================  ===========================  ==============================
Element           Chinese font               Size                         Layout
================  =========================  ===========================  ==============================
标题 title        方正小标宋简体 FONT_TITLE  二号 22 pt TITLE_SIZE        centred, "\\n" breaks it
副题 subtitle     楷体_GB2312 FONT_KAI       三号 16 pt BODY_SIZE         centred
主送 addressee    仿宋_GB2312 FONT_BODY      三号                         flush left, ends with ：
正文 body         仿宋_GB2312                三号                         indent 2 characters, justified
标题 一、         黑体 FONT_HEI              三号                         indent 2 characters
标题 （一）       楷体_GB2312                三号                         indent 2 characters
标题 1.           仿宋_GB2312, bold          三号                         indent 2 characters
标题 （1）        仿宋_GB2312                三号                         indent 2 characters
表格 table        仿宋_GB2312                小四 12 pt TABLE_SIZE        bordered, header repeated
落款 signature    仿宋_GB2312                三号                         right, 右空二字
页码 page number  宋体 FONT_SONG             四号 14 pt PAGE_NUMBER_SIZE  — 1 —, odd right, even left
================  =========================  ===========================  ==============================

Latin letters and digits are in Times New Roman (FONT_LATIN), except the page numbers, which the standard
wants in 半角宋体. Every line of the text block is LINE_PITCH (28.95 pt) high, exactly: 22 lines fill the
225 mm of the text block, as the standard asks.

The page is A4 with margins of 37 mm (top), 35 mm (bottom), 28 mm (left) and 26 mm (right), which leaves
the standard's text block of 156 × 225 mm.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from os import PathLike
from typing import IO, Any, NamedTuple

from docx import Document
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Emu, Length, Mm, Pt
from docx.table import Table, _Cell, _Row
from docx.text.paragraph import Paragraph
from docx.text.run import Run

PAGE_WIDTH = Mm(210)
PAGE_HEIGHT = Mm(297)
MARGIN_TOP = Mm(37)
MARGIN_BOTTOM = Mm(35)
MARGIN_LEFT = Mm(28)
MARGIN_RIGHT = Mm(26)
TEXT_WIDTH = Mm(156)
# The standard puts the page number's dashes 7 mm under the text block, i.e. 28 mm above the page's foot.
# Word measures the footer from the foot of the page to the bottom of its line; a 14 pt line of 宋体 has its
# dash about 2.5 mm under its top, so the line's bottom sits near 28 + 2.5 - 4.9 ≈ 25.5 mm.
FOOTER_DISTANCE = Mm(25.5)

FONT_TITLE = "方正小标宋简体"
FONT_BODY = "仿宋_GB2312"
FONT_KAI = "楷体_GB2312"
FONT_HEI = "黑体"
FONT_SONG = "宋体"
FONT_LATIN = "Times New Roman"

TITLE_SIZE = Pt(22)  # 二号
BODY_SIZE = Pt(16)  # 三号
PAGE_NUMBER_SIZE = Pt(14)  # 四号
# 小四 rather than 四号: a bulletin's table has seven or eight columns in 156 mm, about 20 mm each, and a
# five-character header such as 学习覆盖率 only fits on one line at 12 pt.
TABLE_SIZE = Pt(12)  # 小四
LINE_PITCH = Pt(28.95)
TABLE_LINE_PITCH = Pt(20)
# "字", the standard's unit of horizontal distance: the width of one character of the body text.
CHAR = BODY_SIZE
FIRST_LINE_INDENT = Pt(2 * CHAR.pt)


class HeadingStyle(NamedTuple):
    """How a heading level looks and how it is numbered: `number` is the numeral's frame."""

    font: str
    bold: bool
    number: str
    chinese: bool  # 一、二、三 rather than 1, 2, 3


HEADING_STYLES = {
    1: HeadingStyle(FONT_HEI, False, "{}、", True),
    2: HeadingStyle(FONT_KAI, False, "（{}）", True),
    3: HeadingStyle(FONT_BODY, True, "{}.", False),
    4: HeadingStyle(FONT_BODY, False, "（{}）", False),
}

# A heading that already starts with a number of any level, e.g. "一、", "（二）", "( 二)", "3." or "（4）".
_NUMBERED = re.compile(
    r"^\s*(?:[一二三四五六七八九十]+\s*[、.．]|[（(]\s*[一二三四五六七八九十\d]+\s*[）)]|\d+\s*[.．、])")
_NUMBER_TEXT = re.compile(r"^[-+]?\d[\d,]*(?:\.\d+)?%?$")
_ALIGNMENTS = {"left": WD_ALIGN_PARAGRAPH.LEFT, "center": WD_ALIGN_PARAGRAPH.CENTER,
               "right": WD_ALIGN_PARAGRAPH.RIGHT}
_DIGITS = "零一二三四五六七八九"


def chinese_numeral(number: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 20 → 二十, 99 → 九十九: how headings are counted, up to 99."""
    if not 1 <= number <= 99:
        raise ValueError(f"a heading number must be between 1 and 99, not {number}")
    tens, units = divmod(number, 10)
    if not tens:
        return _DIGITS[units]
    return ("" if tens == 1 else _DIGITS[tens]) + "十" + (_DIGITS[units] if units else "")


def date_text(day: date) -> str:
    """The date as the standard writes it: Arabic numerals, no leading zeros — 2024年3月12日."""
    return f"{day.year}年{day.month}月{day.day}日"


def _width_in_chars(text: str) -> float:
    """How many body characters wide a line is: Chinese characters are one, digits and Latin letters half
    (Times New Roman's digits are exactly half an em)."""
    return sum(1 if unicodedata.east_asian_width(char) in "WF" else 0.5 for char in text)


def _style_run(run: Run, font: str, size: Length, *, bold: bool = False, latin: str = FONT_LATIN) -> Run:
    """Both fonts on every run: without `w:eastAsia` Word shows the Chinese text in its default font. The
    `eastAsia` hint makes Word draw the characters that both scripts share (“”, ‘’, —, …) in the Chinese
    font, full width, as Chinese text expects; without it the quotes come out narrow, in Times New Roman."""
    run.font.name = latin
    run.font.size = size
    if bold:
        run.font.bold = True
    fonts = run._r.get_or_add_rPr().get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), font)
    fonts.set(qn("w:hint"), "eastAsia")
    return run


def _is_number(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float | Decimal):
        return True
    return isinstance(value, str) and bool(_NUMBER_TEXT.match(value.strip()))


class OfficialDocument:
    """One official document, written from the top down: title, addressee, then headings, paragraphs
    and tables in reading order, and the signature at the end. `document` is the python-docx document,
    for what this builder does not cover."""

    def __init__(self, title: str, *, subtitle: str | None = None, addressee: str | None = None):
        if not title.strip():
            raise ValueError("an official document needs a title")
        self.document = Document()
        self._counters = [0] * len(HEADING_STYLES)
        self._set_defaults(title)
        self._set_page()
        self._set_page_numbers()
        self._write_title(title, subtitle)
        # The standard leaves one empty line between the title and the addressee (or the body).
        self._body_paragraph("", first_line=None)
        if addressee and addressee.strip():
            # Flush left, and still flush left when it wraps; a full-width colon after the last name.
            self._body_paragraph(addressee.strip().rstrip(":：") + "：", first_line=None)

    def heading(self, level: int, text: str, number: bool = True, run_in: str | None = None) -> Paragraph:
        """A heading of level 1 to 4: 一、 in 黑体, （一） in 楷体, 1. in bold 仿宋, （1） in 仿宋.

        With `number` the builder writes the number, counting each level afresh under a new parent; without
        it the text is written as given, but it still counts, so that given and numbered headings can be
        mixed. `run_in` is body text that goes on in the heading's paragraph, as the seeds write "（一）突出
        “紧”，在谋划部署上抓早抓细。一是……"."""
        style = HEADING_STYLES.get(level)
        if style is None:
            raise ValueError(f"heading levels are 1 to {len(HEADING_STYLES)}, not {level}")
        text = text.strip()
        if number and _NUMBERED.match(text):
            raise ValueError(f"the heading {text!r} is numbered already: pass number=False")
        self._counters[level - 1] += 1
        self._counters[level:] = [0] * (len(self._counters) - level)
        if number:
            count = self._counters[level - 1]
            text = style.number.format(chinese_numeral(count) if style.chinese else count) + text
        paragraph = self._body_paragraph(keep_with_next=not run_in)
        _style_run(paragraph.add_run(text), style.font, BODY_SIZE, bold=style.bold)
        if run_in:
            _style_run(paragraph.add_run(run_in.strip()), FONT_BODY, BODY_SIZE)
        # Word's navigation pane and table of contents find the heading by its outline level.
        paragraph._p.get_or_add_pPr().get_or_add_outlineLvl().val = level - 1
        return paragraph

    def paragraph(self, text: str, lead: str | None = None) -> Paragraph:
        """A body paragraph from plain text. `lead` opens it in bold, as the seeds write "一是形式多样。"
        before the rest. Leading spaces (the full-width ones typed to indent, too) are dropped: the first
        line is indented by the layout."""
        paragraph = self._body_paragraph()
        if lead and lead.strip():
            _style_run(paragraph.add_run(lead.strip()), FONT_BODY, BODY_SIZE, bold=True)
        if text.strip():
            _style_run(paragraph.add_run(text.strip()), FONT_BODY, BODY_SIZE)
        return paragraph

    def paragraphs(self, text: str) -> list[Paragraph]:
        """Narrative text as typed into a text box: each non-empty line is a body paragraph."""
        return [self.paragraph(line) for line in text.splitlines() if line.strip()]

    def table(self, headers: Sequence[str], rows: Sequence[Sequence[Any]], widths_mm: Sequence[float] | None = None,
              align: Sequence[str] | None = None) -> Table:
        """A bordered table of figures in 仿宋 小四, its header row bold and repeated on every page.

        Columns are `widths_mm` wide, or share the text block's 156 mm equally. `align` gives each column
        "left", "center" or "right"; without it numbers (and text such as "1,024" or "95.5%") go right and
        other text left. None is written as an empty cell."""
        columns = len(headers)
        if not columns:
            raise ValueError("a table needs at least one column")
        if widths_mm is None:
            widths = [Emu(int(TEXT_WIDTH / columns))] * columns
        elif len(widths_mm) == columns:
            widths = [Mm(width) for width in widths_mm]
        else:
            raise ValueError(f"{len(widths_mm)} widths for {columns} columns")
        if align is not None and (len(align) != columns or not set(align) <= _ALIGNMENTS.keys()):
            raise ValueError(f"align needs one of {sorted(_ALIGNMENTS)} for each of the {columns} columns")
        rows = [list(row) for row in rows]
        for number, row in enumerate(rows, start=1):
            if len(row) != columns:
                raise ValueError(f"row {number} has {len(row)} cells for {columns} columns")

        table = self.document.add_table(rows=1 + len(rows), cols=columns)
        table.style = self.document.styles["Table Grid"]
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        table.autofit = False
        for column, width in zip(table.columns, widths, strict=True):
            column.width = width
        table_width = table._tbl.tblPr.find(qn("w:tblW"))
        if table_width is not None:  # "auto" in python-docx's template; Word lays a fixed table out by it
            table_width.set(qn("w:type"), "dxa")
            table_width.set(qn("w:w"), str(sum(width.twips for width in widths)))
        for index, row in enumerate(table.rows):
            _keep_row(row, header=index == 0)
            values = headers if index == 0 else rows[index - 1]
            for column, (cell, value) in enumerate(zip(row.cells, values, strict=True)):
                cell.width = widths[column]
                if index == 0:
                    alignment = WD_ALIGN_PARAGRAPH.CENTER
                elif align is not None:
                    alignment = _ALIGNMENTS[align[column]]
                else:
                    alignment = WD_ALIGN_PARAGRAPH.RIGHT if _is_number(value) else WD_ALIGN_PARAGRAPH.LEFT
                _write_cell(cell, "" if value is None else str(value), alignment, bold=index == 0)
        return table

    def signature(self, org_name: str, day: date) -> None:
        """The issuing body's name and the date under the body text, after an empty line.

        Right-aligned as GB/T 9704 sets a document without a seal: the name ends two characters from the
        right edge (右空二字) and the date, on the next line, starts two characters right of the name's
        start; when the date is the longer, the name moves right so that the date ends two characters
        from the edge."""
        org_name = org_name.strip()
        if not org_name:
            raise ValueError("the signature needs the issuing body's name")
        written = date_text(day)
        org_width, date_width = _width_in_chars(org_name), _width_in_chars(written)
        span = max(org_width, date_width + 2)
        self._body_paragraph("", first_line=None, keep_with_next=True)
        for text, indent, keep in ((org_name, 2 + span - org_width, True), (written, span - date_width, False)):
            paragraph = self._body_paragraph(text, first_line=None, keep_with_next=keep)
            paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            paragraph.paragraph_format.right_indent = Pt(indent * CHAR.pt)

    def save(self, out: str | PathLike | IO[bytes]) -> None:
        """Write the .docx to a path or to a binary file object."""
        self.document.save(out)

    def _body_paragraph(self, text: str = "", *, first_line: Length | None = FIRST_LINE_INDENT,
                        keep_with_next: bool = False) -> Paragraph:
        paragraph = self.document.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
        layout = paragraph.paragraph_format
        layout.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        layout.line_spacing = LINE_PITCH
        if first_line is not None:
            layout.first_line_indent = first_line
        if keep_with_next:
            layout.keep_with_next = True
        if text:
            _style_run(paragraph.add_run(text), FONT_BODY, BODY_SIZE)
        return paragraph

    def _write_title(self, title: str, subtitle: str | None) -> None:
        paragraph = self._body_paragraph(first_line=None, keep_with_next=True)
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        for index, line in enumerate(line.strip() for line in title.strip().splitlines()):
            run = _style_run(paragraph.add_run(), FONT_TITLE, TITLE_SIZE)
            if index:
                run.add_break()
            run.add_text(line)
        if subtitle and subtitle.strip():
            paragraph = self._body_paragraph(first_line=None, keep_with_next=True)
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            _style_run(paragraph.add_run(subtitle.strip()), FONT_KAI, BODY_SIZE)

    def _set_defaults(self, title: str) -> None:
        """The template's defaults are an English letter: theme fonts, 11 pt, space after every paragraph.
        Make them the body text's, so that a paragraph an editor adds later looks like the rest, and mark
        the text as Chinese, which Word needs for line breaking and punctuation."""
        defaults = self.document.styles.element.find(qn("w:docDefaults"))
        run_defaults = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
        fonts = run_defaults.get_or_add_rFonts()
        fonts.attrib.clear()
        for attribute in ("w:ascii", "w:hAnsi", "w:cs"):
            fonts.set(qn(attribute), FONT_LATIN)
        fonts.set(qn("w:eastAsia"), FONT_BODY)
        run_defaults.sz_val = BODY_SIZE
        for size in run_defaults.findall(qn("w:szCs")):
            size.set(qn("w:val"), str(int(BODY_SIZE.pt * 2)))
        for lang in run_defaults.findall(qn("w:lang")):
            lang.set(qn("w:eastAsia"), "zh-CN")
        spacing = defaults.find(qn("w:pPrDefault")).find(qn("w:pPr")).find(qn("w:spacing"))
        if spacing is not None:
            spacing.attrib.clear()
            spacing.set(qn("w:after"), "0")
            spacing.set(qn("w:line"), "240")
            spacing.set(qn("w:lineRule"), "auto")
        theme_lang = self.document.settings.element.find(qn("w:themeFontLang"))
        if theme_lang is not None:
            theme_lang.set(qn("w:eastAsia"), "zh-CN")
        # The template says python-docx wrote it in 2013; a document sent out should say nothing of that.
        properties = self.document.core_properties
        now = datetime.now(UTC)
        properties.title = " ".join(title.split())
        properties.author = properties.last_modified_by = properties.comments = ""
        properties.created = properties.modified = now
        properties.revision = 1

    def _set_page(self) -> None:
        section = self.document.sections[0]
        section.page_width, section.page_height = PAGE_WIDTH, PAGE_HEIGHT
        section.top_margin, section.bottom_margin = MARGIN_TOP, MARGIN_BOTTOM
        section.left_margin, section.right_margin = MARGIN_LEFT, MARGIN_RIGHT
        section.footer_distance = FOOTER_DISTANCE

    def _set_page_numbers(self) -> None:
        """Odd pages carry the number on the right and even pages on the left, each one character in from
        the edge of the text block, which takes a footer for each (`w:evenAndOddHeaders`)."""
        self.document.settings.odd_and_even_pages_header_footer = True
        section = self.document.sections[0]
        for footer, alignment in ((section.footer, WD_ALIGN_PARAGRAPH.RIGHT),
                                  (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT)):
            paragraph = footer.paragraphs[0]
            paragraph.alignment = alignment
            layout = paragraph.paragraph_format
            layout.space_after = Pt(0)
            layout.line_spacing = 1.0
            if alignment == WD_ALIGN_PARAGRAPH.RIGHT:
                layout.right_indent = CHAR
            else:
                layout.left_indent = CHAR
            _write_page_number(paragraph)


def _write_page_number(paragraph: Paragraph) -> None:
    """ "— 7 —": a real PAGE field between two dashes, so Word counts the pages itself."""

    def run(text: str = "") -> Run:
        return _style_run(paragraph.add_run(text), FONT_SONG, PAGE_NUMBER_SIZE, latin=FONT_SONG)

    def field_char(kind: str) -> None:
        mark = OxmlElement("w:fldChar")
        mark.set(qn("w:fldCharType"), kind)
        run()._r.append(mark)

    run("— ")
    field_char("begin")
    instruction = OxmlElement("w:instrText")
    instruction.set(qn("xml:space"), "preserve")
    instruction.text = " PAGE "
    run()._r.append(instruction)
    field_char("separate")
    run("1")  # shown until Word lays the pages out and updates the field
    field_char("end")
    run(" —")


def _keep_row(row: _Row, *, header: bool) -> None:
    """No row is split across pages, and the header row is repeated at the top of each page."""
    properties = row._tr.get_or_add_trPr()
    properties.append(OxmlElement("w:cantSplit"))
    if header:
        properties.append(OxmlElement("w:tblHeader"))


def _write_cell(cell: _Cell, text: str, alignment: WD_ALIGN_PARAGRAPH, *, bold: bool) -> None:
    cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    paragraph = cell.paragraphs[0]
    paragraph.alignment = alignment
    layout = paragraph.paragraph_format
    layout.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    layout.line_spacing = TABLE_LINE_PITCH
    if text:
        _style_run(paragraph.add_run(text), FONT_BODY, TABLE_SIZE, bold=bold)
