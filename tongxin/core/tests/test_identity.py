import pytest
from django.core.exceptions import ValidationError

from tongxin.core.identity import mask_id_number, mask_phone, normalize_id_number, normalize_phone
from tongxin.testing import make_id_number


def test_valid_18_digit_number_passes_and_lowercase_x_is_upper_cased():
    # 11010519491231002X is the standard's worked example.
    assert normalize_id_number("11010519491231002x") == "11010519491231002X"


def test_old_15_digit_number_is_upgraded_with_its_check_digit():
    assert normalize_id_number("110105491231002") == "11010519491231002X"


@pytest.mark.parametrize("raw, message", [
    ("110105194912310021", "校验位"),
    ("11010519491231002", "18 位，现为 17 位"),
    (1.10105194912310e17, "保存成了数字"),
    ("1.10105E+17", "保存成了数字"),
    ("１１０１０５１９４９１２３１００２X", "全角"),
    ("110105194913310027", "出生日期"),
    ("", "为空"),
])
def test_bad_id_numbers_are_refused_in_chinese(raw, message):
    with pytest.raises(ValidationError) as info:
        normalize_id_number(raw)
    assert message in " ".join(info.value.messages)


def test_masks():
    assert mask_id_number("150502198001010114") == "1505**********0114"
    assert mask_phone("13812345678") == "138****5678"


def test_phone_checks():
    assert normalize_phone("138 1234 5678") == "13812345678"
    assert normalize_phone(13812345678.0) == "13812345678"
    for bad in ("1381234567", "23812345678", "１３８１２３４５６７８"):
        with pytest.raises(ValidationError):
            normalize_phone(bad)


def test_test_helper_makes_valid_numbers():
    for serial in range(50):
        assert normalize_id_number(make_id_number(serial)) == make_id_number(serial)
