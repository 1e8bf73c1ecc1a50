import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from registry.identifiers import make_id_number, make_uscc
from registry.validators import (
    mask_id_number,
    normalize_uscc,
    validate_id_number,
    validate_uscc,
)

# Real, published codes (from public registration records and GB 11643's own example).
REAL_USCC = ["91110000802100433B", "91350100M000100Y43", "91310000MA1FL1MMXL"]
REAL_ID = ["11010519491231002X"]


@pytest.mark.parametrize("code", REAL_USCC + [make_uscc(1), make_uscc(2, prefix="52")])
def test_valid_uscc_accepted(code):
    validate_uscc(code)


def test_uscc_normalised_to_upper_case_without_spaces():
    assert normalize_uscc(" 91350100m000100y43 ") == "91350100M000100Y43"
    validate_uscc(" 91350100m000100y43 ")


@pytest.mark.parametrize(
    ("code", "error_code"),
    [
        ("91350100M000100Y4", "uscc_length"),  # 17 characters
        ("91350100M000100Y431", "uscc_length"),  # 19 characters
        ("91350100M000100I43", "uscc_format"),  # I is not in the alphabet
        ("9135010@M000100Y43", "uscc_format"),
        ("91350100M000100Y44", "uscc_checksum"),  # wrong check character
    ],
)
def test_invalid_uscc_refused_with_specific_reason(code, error_code):
    with pytest.raises(ValidationError) as excinfo:
        validate_uscc(code)
    assert excinfo.value.code == error_code


@pytest.mark.parametrize("number", REAL_ID + [make_id_number(1), make_id_number(2)])
def test_valid_id_numbers_accepted(number):
    validate_id_number(number)


def test_retiree_born_before_their_district_existed_is_accepted():
    # 东湖区 (360102) exists since 1983; a teacher born in 1955 there holds such a number.
    validate_id_number(make_id_number(7, birth=__import__("datetime").date(1955, 6, 1)))


@pytest.mark.parametrize(
    ("number", "error_code"),
    [
        ("11010519491231002", "id_length"),
        ("1101051949123100211", "id_length"),
        ("1101051949123100A2", "id_format"),
        ("110105194912310021", "id_checksum"),
        # 1949-02-30 with a correct check digit: the birth date does not exist.
        ("11010519490230" + "0010", "id_birth_date"),
        ("999999196005010011", "id_region"),
    ],
)
def test_invalid_id_numbers_refused_with_specific_reason(number, error_code):
    from stdnum.cn import ric

    if error_code in ("id_birth_date", "id_region"):
        number = number[:17] + ric.calc_check_digit(number[:17] + "0")
    with pytest.raises(ValidationError) as excinfo:
        validate_id_number(number)
    assert excinfo.value.code == error_code


def test_future_birth_date_refused():
    from stdnum.cn import ric

    first17 = "36010221000101001"
    with pytest.raises(ValidationError) as excinfo:
        validate_id_number(first17 + ric.calc_check_digit(first17 + "0"))
    assert excinfo.value.code == "id_birth_date"


def test_messages_are_in_chinese_by_default_and_english_on_request():
    messages = {}
    for language in ("zh-hans", "en"):
        with translation.override(language), pytest.raises(ValidationError) as excinfo:
            validate_id_number("110105194912310021")
        with translation.override(language):
            messages[language] = str(excinfo.value.messages[0])
    assert "校验位不正确" in messages["zh-hans"]
    assert "check digit" in messages["en"]


def test_mask_shows_only_first_and_last_four():
    assert mask_id_number("11010519491231002X") == "1101**********002X"
