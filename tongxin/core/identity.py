"""Checks, normalisation and masking of resident ID numbers (GB 11643) and mobile numbers.

Each check raises ``ValidationError`` with a message a cadre can act on.
"""

from __future__ import annotations

import re
from datetime import date
from operator import mul

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ZERO_OFFSET = ord("0") * sum(_WEIGHTS)
_CHECK_CHARS = "10X98765432"
_SCIENTIFIC = re.compile(r"\d(\.\d+)?[eE]\+?\d+")
_FULL_WIDTH = re.compile(r"[\uFF10-\uFF19\uFF38\uFF58]")
_PHONE = re.compile(r"^1[3-9]\d{9}$")


def id_check_char(first17: str) -> str:
    if len(first17) == 17 and first17.isascii() and first17.isdigit():
        # Summed over the digits' character codes, without an int() per digit: an import checks
        # every number twice, and this was most of the cost.
        total = sum(map(mul, first17.encode("ascii"), _WEIGHTS)) - _ZERO_OFFSET
    else:
        total = sum(int(d) * w for d, w in zip(first17, _WEIGHTS))
    return _CHECK_CHARS[total % 11]


def _birth_date(digits8: str) -> date | None:
    try:
        return date(int(digits8[:4]), int(digits8[4:6]), int(digits8[6:8]))
    except ValueError:
        return None


def normalize_id_number(raw: object) -> str:
    """Return the 18-character ID number, upgrading an old 15-digit number.

    Refuses values that spreadsheets typically damage: numbers shown in scientific notation,
    full-width digits, wrong lengths and wrong check digits.
    """
    if raw is None or raw == "":
        raise ValidationError(_("身份证号为空"))
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        raise ValidationError(
            _("身份证号被保存成了数字（如 1.5E+17），后几位已丢失；请把该列设为“文本”后重新填写")
        )
    value = str(raw).strip().replace(" ", "")
    if _SCIENTIFIC.fullmatch(value):
        raise ValidationError(
            _("身份证号被保存成了数字（如 1.5E+17），后几位已丢失；请把该列设为“文本”后重新填写")
        )
    if _FULL_WIDTH.search(value):
        raise ValidationError(_("身份证号含全角字符，请改为半角数字"))
    value = value.upper()
    if len(value) == 15:
        if not value.isdigit():
            raise ValidationError(_("15 位身份证号只能是数字"))
        if _birth_date("19" + value[6:12]) is None:
            raise ValidationError(_("身份证号中的出生日期无效"))
        first17 = value[:6] + "19" + value[6:]
        return first17 + id_check_char(first17)
    if len(value) != 18:
        raise ValidationError(_("身份证号应为 18 位，现为 %(n)d 位") % {"n": len(value)})
    if not value[:17].isdigit() or not (value[17].isdigit() or value[17] == "X"):
        raise ValidationError(_("身份证号含有无效字符"))
    birth = _birth_date(value[6:14])
    if birth is None or birth > date.today() or birth.year < 1880:
        raise ValidationError(_("身份证号中的出生日期无效"))
    if id_check_char(value[:17]) != value[17]:
        raise ValidationError(_("身份证号校验位不正确，请核对"))
    return value


def birth_date_from_id(id_number: str) -> date | None:
    return _birth_date(id_number[6:14]) if len(id_number) == 18 else None


def gender_from_id(id_number: str) -> str:
    """'M' or 'F' from the 17th digit (odd for men)."""
    return "M" if int(id_number[16]) % 2 else "F"


def mask_id_number(id_number: str) -> str:
    if not id_number:
        return ""
    return id_number[:4] + "*" * (len(id_number) - 8) + id_number[-4:]


def normalize_phone(raw: object) -> str:
    if raw is None or raw == "":
        return ""
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    value = str(raw).strip().replace(" ", "").replace("-", "")
    if _FULL_WIDTH.search(value) or re.search(r"[\uFF10-\uFF19]", value):
        raise ValidationError(_("手机号含全角字符，请改为半角数字"))
    if value.startswith("+86"):
        value = value[3:]
    if not _PHONE.match(value):
        raise ValidationError(_("手机号应为 11 位、以 1 开头的数字"))
    return value


def mask_phone(phone: str) -> str:
    if not phone:
        return ""
    return phone[:3] + "****" + phone[-4:]


_ID_IN_TEXT = re.compile(r"(?<![0-9])([0-9]{17}[0-9Xx]|[0-9]{15})(?![0-9Xx])")
_PHONE_IN_TEXT = re.compile(r"(?<![0-9])(1[3-9][0-9]{9})(?![0-9])")


def mask_personal_numbers(text: str) -> str:
    """Phone and ID numbers typed into free text, masked as everywhere else in the app:
    ``"联系 13812345678"`` → ``"联系 138****5678"``; ID numbers likewise (1501**********1234)."""
    text = _ID_IN_TEXT.sub(lambda m: mask_id_number(m.group(1)), text)
    return _PHONE_IN_TEXT.sub(lambda m: mask_phone(m.group(1)), text)
