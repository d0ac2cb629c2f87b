"""The 公文 builder, read back the way Word will: a document written with it, saved and opened again
with python-docx, has the page, fonts, numbering, table, signature and page numbers of GB/T 9704-2012.
No database: the builder knows nothing of the models."""

import io
from datetime import date

import docx
import pytest
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml.ns import qn

from tongxin.reports.docx.official import (
    BODY_SIZE, CHAR, FIRST_LINE_INDENT, FONT_BODY, FONT_HEI, FONT_KAI, FONT_LATIN, FONT_SONG, FONT_TITLE,
    LINE_PITCH, PAGE_NUMBER_SIZE, TABLE_SIZE, TITLE_SIZE, OfficialDocument, chinese_numeral, date_text,
)

TITLE = "关于东风街道群众教育实践活动\n开展情况的报告"
LEAD = "一是坚持分类指导。"
LEAD_TEXT = "针对党员层面，采取集中学习的方式定期开展学习。"
PLAIN = "　　全街道共开展“春风讲堂”学习活动12场，覆盖党员320人。"
EXPECTED_HEADINGS = [
    (1, "一、工作开展情况"),
    (2, "（一）教育学习提认识"),
    (3, "1.集中学习"),
    (3, "2.送学上门"),
    (2, "（二）服务群众办实事"),
    (3, "1.建立台账"),
    (1, "二、存在的问题"),
    (2, "（一）学习覆盖还不均衡"),
]
HEADING_FONTS = {1: (FONT_HEI, False), 2: (FONT_KAI, False), 3: (FONT_BODY, True)}


def _build() -> OfficialDocument:
    doc = OfficialDocument(title=TITLE, subtitle="（2024年3月1日—3月31日）", addressee="党史学习教育第三巡回指导组:")
    doc.heading(1, "工作开展情况")
    doc.heading(2, "教育学习提认识")
    doc.paragraph(LEAD_TEXT, lead=LEAD)
    doc.heading(3, "集中学习")
    doc.paragraph(PLAIN)
    doc.heading(3, "送学上门")
    doc.heading(2, "服务群众办实事")
    doc.heading(3, "建立台账")
    doc.heading(1, "存在的问题")
    doc.heading(2, "学习覆盖还不均衡")
    doc.table(["单位", "党员数", "学习覆盖率"], [["东风社区", 120, "95.5%"], ["西岭社区", 86, None]],
              widths_mm=[76, 40, 40])
    doc.signature("东风街道党工委", date(2024, 3, 12))
    return doc


@pytest.fixture(scope="module")
def read_back():
    out = io.BytesIO()
    _build().save(out)
    out.seek(0)
    return docx.Document(out)


def _east_asian(run) -> str | None:
    return run._r.rPr.rFonts.get(qn("w:eastAsia"))


def _paragraph(document, text):
    return next(p for p in document.paragraphs if p.text == text)


def _outline_level(paragraph) -> int | None:
    level = paragraph._p.pPr.find(qn("w:outlineLvl")) if paragraph._p.pPr is not None else None
    return None if level is None else int(level.get(qn("w:val"))) + 1


def test_page_is_a4_with_the_margins_of_the_standard(read_back):
    section = read_back.sections[0]
    for measured, expected in ((section.page_width, 210), (section.page_height, 297), (section.top_margin, 37),
                               (section.bottom_margin, 35), (section.left_margin, 28), (section.right_margin, 26)):
        assert measured.mm == pytest.approx(expected, abs=0.1)


def test_title_is_22_pt_xiaobiaosong_centred_and_breaks_where_asked(read_back):
    title, subtitle = read_back.paragraphs[:2]
    assert title.text == TITLE
    assert title.alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert {(run.font.size, _east_asian(run), run.font.name) for run in title.runs} == {
        (TITLE_SIZE, FONT_TITLE, FONT_LATIN)}
    assert subtitle.text == "（2024年3月1日—3月31日）"
    assert subtitle.alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert [(run.font.size, _east_asian(run)) for run in subtitle.runs] == [(BODY_SIZE, FONT_KAI)]


def test_addressee_is_flush_left_after_an_empty_line_with_a_full_width_colon(read_back):
    blank, addressee = read_back.paragraphs[2:4]
    assert blank.text == ""
    assert addressee.text == "党史学习教育第三巡回指导组："
    assert addressee.paragraph_format.first_line_indent is None
    assert [(run.font.size, _east_asian(run)) for run in addressee.runs] == [(BODY_SIZE, FONT_BODY)]


def test_body_is_fangsong_16_pt_indented_two_characters_on_a_fixed_line_pitch(read_back):
    plain = _paragraph(read_back, PLAIN.strip())  # the full-width spaces typed to indent are dropped
    led = _paragraph(read_back, LEAD + LEAD_TEXT)
    for paragraph in (plain, led):
        layout = paragraph.paragraph_format
        assert layout.first_line_indent == FIRST_LINE_INDENT == 2 * CHAR
        assert layout.line_spacing_rule == WD_LINE_SPACING.EXACTLY
        assert layout.line_spacing == LINE_PITCH
        assert layout.line_spacing.pt == pytest.approx(28.95)
        assert paragraph.alignment == WD_ALIGN_PARAGRAPH.JUSTIFY
        for run in paragraph.runs:
            assert (run.font.size, _east_asian(run), run.font.name) == (BODY_SIZE, FONT_BODY, FONT_LATIN)
            # Quotes and dashes are drawn full width in the Chinese font, not narrow in Times New Roman.
            assert run._r.rPr.rFonts.get(qn("w:hint")) == "eastAsia"
    assert [(run.text, run.bold) for run in led.runs] == [(LEAD, True), (LEAD_TEXT, None)]
    assert [run.bold for run in plain.runs] == [None]


def test_headings_are_numbered_per_level_and_restart_under_a_new_parent(read_back):
    headings = [(_outline_level(p), p.text) for p in read_back.paragraphs if _outline_level(p)]
    assert headings == EXPECTED_HEADINGS


@pytest.mark.parametrize("level", [1, 2, 3])
def test_each_heading_level_has_its_font_and_keeps_the_indent(read_back, level):
    font, bold = HEADING_FONTS[level]
    paragraphs = [p for p in read_back.paragraphs if _outline_level(p) == level]
    assert paragraphs
    for paragraph in paragraphs:
        assert paragraph.paragraph_format.first_line_indent == FIRST_LINE_INDENT
        assert paragraph.paragraph_format.line_spacing == LINE_PITCH
        assert paragraph.paragraph_format.keep_with_next
        assert [(run.font.size, _east_asian(run), bool(run.bold)) for run in paragraph.runs] == [
            (BODY_SIZE, font, bold)]


def test_table_has_the_figures_a_bold_repeated_header_and_numbers_on_the_right(read_back):
    (table,) = read_back.tables
    assert [[cell.text for cell in row.cells] for row in table.rows] == [
        ["单位", "党员数", "学习覆盖率"], ["东风社区", "120", "95.5%"], ["西岭社区", "86", ""]]
    assert [round(column.width.mm) for column in table.columns] == [76, 40, 40]
    header, first, _ = table.rows
    assert header._tr.trPr.find(qn("w:tblHeader")) is not None
    for cell in header.cells:
        assert [(run.bold, run.font.size, _east_asian(run)) for run in cell.paragraphs[0].runs] == [
            (True, TABLE_SIZE, FONT_BODY)]
    assert [cell.paragraphs[0].alignment for cell in first.cells] == [
        WD_ALIGN_PARAGRAPH.LEFT, WD_ALIGN_PARAGRAPH.RIGHT, WD_ALIGN_PARAGRAPH.RIGHT]
    assert table.style.name == "Table Grid"  # single lines round every cell


def test_signature_is_right_aligned_after_an_empty_line_with_the_date_in_arabic_numerals(read_back):
    blank, org, day = read_back.paragraphs[-3:]
    assert (blank.text, org.text, day.text) == ("", "东风街道党工委", "2024年3月12日")
    assert org.alignment == day.alignment == WD_ALIGN_PARAGRAPH.RIGHT
    # 右空二字 for the longer line, and the date starts two characters right of the name: 7 characters
    # for the name, 6.5 for the date (digits are half a character).
    assert day.paragraph_format.right_indent == 2 * CHAR
    org_start = org.paragraph_format.right_indent.pt + 7 * CHAR.pt
    day_start = day.paragraph_format.right_indent.pt + 6.5 * CHAR.pt
    assert org_start - day_start == pytest.approx(2 * CHAR.pt)


def test_page_numbers_are_page_fields_right_on_odd_pages_and_left_on_even_ones(read_back):
    assert read_back.settings.odd_and_even_pages_header_footer
    assert read_back.settings.element.find(qn("w:evenAndOddHeaders")) is not None
    section = read_back.sections[0]
    for footer, alignment in ((section.footer, WD_ALIGN_PARAGRAPH.RIGHT),
                              (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT)):
        (paragraph,) = footer.paragraphs
        xml = footer._element.xml
        assert 'w:fldCharType="begin"' in xml and 'w:fldCharType="end"' in xml
        assert [node.text.strip() for node in footer._element.iter(qn("w:instrText"))] == ["PAGE"]
        assert paragraph.text == "— 1 —"  # the field's last result; Word puts the page's own number
        assert paragraph.alignment == alignment
        assert {(run.font.size, run.font.name, _east_asian(run)) for run in paragraph.runs} == {
            (PAGE_NUMBER_SIZE, FONT_SONG, FONT_SONG)}


def test_no_placeholder_is_left_anywhere(read_back):
    section = read_back.sections[0]
    texts = [p.text for p in read_back.paragraphs]
    texts += [cell.text for table in read_back.tables for row in table.rows for cell in row.cells]
    texts += [p.text for footer in (section.footer, section.even_page_footer) for p in footer.paragraphs]
    assert all("*" not in text and "XX" not in text for text in texts)
    assert read_back.core_properties.author == ""


def test_saves_to_a_path(tmp_path):
    path = tmp_path / "report.docx"
    _build().save(path)
    assert docx.Document(path).paragraphs[-1].text == "2024年3月12日"


def test_headings_given_as_they_are_still_count():
    doc = OfficialDocument("关于学习情况的通报")
    doc.heading(1, "一、总体情况", number=False)
    doc.heading(2, "学习")
    doc.heading(1, "存在的问题")
    assert [p.text for p in doc.document.paragraphs[-3:]] == ["一、总体情况", "（一）学习", "二、存在的问题"]


@pytest.mark.parametrize("number, written", [(1, "一"), (9, "九"), (10, "十"), (11, "十一"), (20, "二十"),
                                             (23, "二十三"), (99, "九十九")])
def test_chinese_numerals(number, written):
    assert chinese_numeral(number) == written


def test_dates_have_no_leading_zeros():
    assert date_text(date(2024, 1, 5)) == "2024年1月5日"


@pytest.mark.parametrize("build", [
    lambda doc: doc.heading(5, "层级太深"),
    lambda doc: doc.heading(1, "一、已有序号"),
    lambda doc: doc.heading(2, "( 二)已有序号"),
    lambda doc: doc.table(["单位", "人数"], [["东风社区"]]),
    lambda doc: doc.table(["单位", "人数"], [], widths_mm=[156]),
    lambda doc: doc.table(["单位", "人数"], [], align=["left", "middle"]),
    lambda doc: doc.signature(" ", date(2024, 3, 12)),
], ids=["level", "numbered-1", "numbered-2", "row", "widths", "align", "signature"])
def test_bad_input_is_refused(build):
    with pytest.raises(ValueError):
        build(OfficialDocument("关于学习情况的通报"))
