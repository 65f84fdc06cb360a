"""Identifiers: GB 11643 citizen ID (社会保障号码) and GB 32100 统一社会信用代码, vectors from DOMAIN-RULES.md."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from shebao.core import synthetic
from shebao.core.errors import ApplicationError
from shebao.core.identifiers import (
    USCC_ALPHABET,
    id_check_digit,
    id_from_15,
    parse_citizen_id,
    uscc_check_char,
    validate_region_code,
    validate_uscc,
)

TODAY = dt.date(2026, 6, 1)


# --- 社会保障号码 -------------------------------------------------------------------------------------------


def test_domain_rules_vector_is_valid():
    cid = parse_citizen_id("11010519491231002X")
    assert cid.number == "11010519491231002X"
    assert cid.birth_date == dt.date(1949, 12, 31)
    assert cid.gender == "2"  # 17th digit 2 is even: female
    assert cid.area_code == "110105"
    assert id_check_digit("11010519491231002") == "X"


def test_lower_case_x_and_spaces_are_normalised():
    assert parse_citizen_id("  11010519491231002x ").number == "11010519491231002X"


def test_odd_sequence_digit_is_male():
    number = synthetic.citizen_id("330102", dt.date(1990, 5, 17), 123)
    assert parse_citizen_id(number).gender == "1"


def test_fifteen_digit_id_is_converted():
    assert id_from_15("110105491231002") == "11010519491231002X"
    cid = parse_citizen_id("110105491231002")
    assert cid.number == "11010519491231002X"
    assert cid.birth_date == dt.date(1949, 12, 31)


def test_retired_area_code_is_accepted():
    # 330103 (former 下城区) was merged away in 2021; numbers issued there stay valid.
    number = synthetic.citizen_id("330103", dt.date(1980, 3, 1), 11)
    assert parse_citizen_id(number).area_code == "330103"


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("", "不能为空"),
        (None, "不能为空"),
        ("1101051949123100", "18位"),
        ("11010519491231002Y", "18位"),
        ("A1010519491231002X", "18位"),
        ("01010519491231002X", "地址码"),
        ("110105194913310020", "出生日期无效"),
        ("110105194902300020", "出生日期无效"),
        ("110105187912310020", "不合理"),
        ("110105203001010020", "不合理"),
        ("110105194912310021", "校验位"),
        ("11010549123100", "18位"),  # 14 digits: neither form
    ],
)
def test_citizen_id_errors_name_the_field(value, fragment):
    with pytest.raises(ApplicationError) as exc:
        parse_citizen_id(value, today=TODAY)
    assert list(exc.value.errors) == ["id_number"]
    assert fragment in exc.value.errors["id_number"][0]
    assert exc.value.status_code == 400


def test_citizen_id_error_uses_the_callers_field_name():
    with pytest.raises(ApplicationError) as exc:
        parse_citizen_id("110105194912310021", field="rows[3].id_number")
    assert "rows[3].id_number" in exc.value.errors


def test_bad_fifteen_digit_input():
    with pytest.raises(ApplicationError) as exc:
        id_from_15("11010549123100X")
    assert "id_number" in exc.value.errors


# --- 统一社会信用代码 ----------------------------------------------------------------------------------------


def test_uscc_domain_rules_vector():
    assert uscc_check_char("91350100M000100Y4") == "3"
    assert validate_uscc("91350100M000100Y43") == "91350100M000100Y43"
    assert validate_uscc(" 91350100m000100y43 ") == "91350100M000100Y43"


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("", "不能为空"),
        ("91350100M000100Y4", "18位"),
        ("91350100M000100Y433", "18位"),
        ("91350100M000100I43", "无效字符"),  # I is not in the alphabet
        ("91350100O000100Y43", "无效字符"),
        ("91A50100M000100Y43", "行政区划"),
        ("91050100M000100Y43", "行政区划"),
        ("91350100M000100Y44", "校验位"),
    ],
)
def test_uscc_errors_name_the_field(value, fragment):
    with pytest.raises(ApplicationError) as exc:
        validate_uscc(value)
    assert list(exc.value.errors) == ["uscc"]
    assert fragment in exc.value.errors["uscc"][0]


def test_region_code_form():
    assert validate_region_code(" 330102 ") == "330102"
    for bad in ("", "33010", "033010", "33010A"):
        with pytest.raises(ApplicationError) as exc:
            validate_region_code(bad)
        assert "region" in exc.value.errors


# --- properties ------------------------------------------------------------------------------------------------

areas = st.integers(min_value=110000, max_value=999999).map(str)
births = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2025, 12, 31))
seqs = st.integers(min_value=0, max_value=999)


@given(area=areas, birth=births, seq=seqs)
def test_synthetic_id_parses_back(area, birth, seq):
    number = synthetic.citizen_id(area, birth, seq)
    cid = parse_citizen_id(number, today=TODAY)
    assert cid.number == number
    assert cid.birth_date == birth
    assert cid.gender == ("1" if seq % 2 else "2")
    assert cid.area_code == area


@given(area=areas, birth=births, seq=seqs, position=st.integers(0, 17), replacement=st.sampled_from("0123456789X"))
def test_any_single_character_change_invalidates_an_id(area, birth, seq, position, replacement):
    number = synthetic.citizen_id(area, birth, seq)
    assume(number[position] != replacement)
    altered = number[:position] + replacement + number[position + 1 :]
    with pytest.raises(ApplicationError):
        parse_citizen_id(altered, today=TODAY)


uscc_regions = st.integers(min_value=110000, max_value=999999).map(str)
uscc_numbers = st.integers(min_value=0, max_value=31**9 - 1)


@given(region=uscc_regions, n=uscc_numbers, authority=st.sampled_from("159Y"))
def test_synthetic_uscc_is_valid(region, n, authority):
    code = synthetic.uscc(region, n, authority=authority)
    assert validate_uscc(code) == code
    assert code[2:8] == region


@given(region=uscc_regions, n=uscc_numbers, position=st.integers(0, 17), replacement=st.sampled_from(USCC_ALPHABET))
def test_any_single_character_change_invalidates_a_uscc(region, n, position, replacement):
    code = synthetic.uscc(region, n)
    assume(code[position] != replacement)
    altered = code[:position] + replacement + code[position + 1 :]
    with pytest.raises(ApplicationError):
        validate_uscc(altered)
