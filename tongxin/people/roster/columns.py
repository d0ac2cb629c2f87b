"""The roster's columns and how one spreadsheet cell becomes a value.

The Chinese headers are the file format that cadres fill in, not interface text: they are
not passed through gettext, because a translated header would no longer match their files.
Every message about a cell is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from tongxin.people.models import PersonGroup


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    required: bool  # the header must be present (the cell may still be blank, see the help)
    aliases: tuple[str, ...] = ()
    text: bool = False  # the template formats the column as text ('@')
    width: int = 12


COLUMNS: tuple[Column, ...] = (
    Column("name", "姓名", True, width=10),
    Column("gender", "性别", True, width=6),
    Column("id_number", "身份证号", True, ("身份证号码", "公民身份号码", "身份证"), text=True, width=22),
    Column("phone", "手机号", True, ("手机号码", "联系电话", "手机", "电话"), text=True, width=14),
    Column("grid", "网格", True, ("所在网格", "网格名称"), width=16),
    Column("building", "楼栋", True, ("所在楼栋", "楼号"), width=10),
    Column("household", "门牌号", True, ("房号", "户号", "门牌"), text=True, width=10),
    Column("groups", "人员类别", True, ("人员类型",), width=18),
    Column("is_member", "是否党员", True, ("党员",), width=9),
    Column("joined_on", "入党日期", True, ("入党时间",), width=12),
    Column("branch", "所在支部", True, ("所属支部", "党支部"), width=22),
    Column("birth_date", "出生日期", False, width=12),
    Column("household_hardship", "困难户", False, ("是否困难户",), width=8),
    Column("needs_home_delivery", "老弱病残(需送学上门)", False,
           ("老弱病残", "需送学上门", "送学上门", "老弱病残需送学上门"), width=20),
    Column("is_mobile", "流动党员", False, ("是否流动党员",), width=9),
    Column("member_hardship", "困难党员", False, ("是否困难党员",), width=9),
    Column("note", "备注", False, width=20),
)
BY_KEY = {c.key: c for c in COLUMNS}

_FULL_WIDTH_PUNCT = str.maketrans({"（": "(", "）": ")", "＊": "*"})
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"), None)


def normalize_header(text: object) -> str:
    """A header as written by a cadre, reduced for matching: no spaces or line breaks, ASCII
    brackets, no required-marks such as ``*`` or ``(必填)``."""
    if not isinstance(text, str):
        return ""
    value = re.sub(r"\s+", "", text.translate(_INVISIBLE)).translate(_FULL_WIDTH_PUNCT)
    value = re.sub(r"\((必填|选填|可选)\)$", "", value)
    return value.strip("*")


HEADER_KEYS: dict[str, str] = {}
for _column in COLUMNS:
    for _name in (_column.header, *_column.aliases):
        HEADER_KEYS[normalize_header(_name)] = _column.key


class CellError(ValueError):
    """A cell whose content cannot be used; the message is the reason shown to the cadre."""


def clean_text(value: object) -> str:
    """The text of a cell: numbers without a trailing ``.0``, invisible characters removed,
    surrounding spaces (also full-width and non-breaking ones) stripped."""
    if type(value) is str:  # most cells, and a roster row has about twenty to clean
        return value.translate(_INVISIBLE).strip()
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime):
        value = value.date()
    return str(value).translate(_INVISIBLE).strip()


_CJK = r"\u3400-\u9fff\uf900-\ufaff"


def clean_name(value: object) -> str:
    """Names are often padded to line up in a printed list (张　三); spaces between Chinese
    characters are removed, those in other names (e.g. transliterated ones) are kept."""
    text = clean_text(value)
    return re.sub(rf"(?<=[{_CJK}])\s+(?=[{_CJK}])", "", text)


_DATE_TEXT = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")


def parse_date(value: object, header: str) -> date | None:
    """A date cell, or text such as 2001-07-01, 2001/7/1, 2001.7.1, 2001年7月1日, 20010701."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = clean_text(value)
    if not text:
        return None
    match = _DATE_TEXT.match(text)
    if match is None and re.fullmatch(r"\d{8}", text):
        match = re.match(r"(\d{4})(\d{2})(\d{2})", text)
    if match is not None:
        try:
            return date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            pass
    raise CellError(_("%(header)s应为日期，如 2001-07-01 或 2001年7月1日") % {"header": header})


_YES = {"是", "√", "✓", "✔", "y", "yes", "true", "1", "有"}
_NO = {"否", "×", "✗", "x", "n", "no", "false", "0", "无"}


def parse_yes_no(value: object, header: str) -> bool | None:
    """是 / 否 (also ✓ and ×, and TRUE/FALSE cells); ``None`` when blank."""
    if isinstance(value, bool):
        return value
    text = clean_text(value).lower()
    if not text:
        return None
    if text in _YES:
        return True
    if text in _NO:
        return False
    raise CellError(_("%(header)s只能填“是”或“否”") % {"header": header})


_GENDERS = {"男": "M", "男性": "M", "女": "F", "女性": "F"}


def parse_gender(value: object) -> str:
    text = clean_text(value)
    if not text:
        return ""
    if text not in _GENDERS:
        raise CellError(_("性别只能填“男”或“女”"))
    return _GENDERS[text]


_GROUP_SEPARATORS = re.compile(r"[、,，;；/／\s]+")


@lru_cache(maxsize=8)
def _group_codes(language: str | None) -> dict[str, str]:
    """Label → code of PersonGroup in the active language (the labels are lazy translations;
    evaluating all of them for every row took a fifth of a large import)."""
    return {str(label): code for code, label in PersonGroup.choices}


def parse_groups(value: object) -> list[str]:
    """人员类别: several labels separated by 、 or , (also ，；/ and spaces)."""
    text = clean_text(value)
    if not text:
        return []
    labels = _group_codes(get_language())
    codes: list[str] = []
    for part in _GROUP_SEPARATORS.split(text):
        if not part:
            continue
        if part not in labels:
            raise CellError(_("未知的人员类别“%(label)s”；可填：%(known)s")
                            % {"label": part, "known": "、".join(labels)})
        if labels[part] not in codes:
            codes.append(labels[part])
    return codes
