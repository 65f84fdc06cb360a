"""Bad input at the text entry points: identifiers and bank accounts are ASCII after NFKC; no control characters."""

from __future__ import annotations

import datetime as dt

import pytest

from shebao.core.errors import ApplicationError
from shebao.core.identifiers import parse_citizen_id, validate_region_code, validate_uscc
from shebao.core.validation import bank_account, optional, phone, required

ID = "11010519491231002X"
USCC = "91350100M000100Y43"
FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
DEVANAGARI = str.maketrans("0123456789", "०१२३४५६७८९")


def _one_digit(number: str, table: dict, position: int = 9) -> str:
    """The number with the digit at `position` written in another script."""
    return number[:position] + number[position].translate(table) + number[position + 1 :]


# --- identifiers ------------------------------------------------------------------------------------------------


def test_full_width_id_is_normalised_to_ascii():
    assert parse_citizen_id(ID.translate(FULL_WIDTH)).number == ID
    assert parse_citizen_id("１１０１０５１９４９１２３１００２ｘ").number == ID


@pytest.mark.parametrize("table", [ARABIC_INDIC, DEVANAGARI], ids=["arabic-indic", "devanagari"])
@pytest.mark.parametrize("position", [1, 9, 16])
def test_other_script_digit_in_id_is_refused(table, position):
    with pytest.raises(ApplicationError) as exc:
        parse_citizen_id(_one_digit(ID, table, position))
    assert exc.value.errors == {"id_number": ["社会保障号码只能由半角数字0–9和末位X组成"]}


def test_other_script_digit_in_15_digit_id_is_refused():
    with pytest.raises(ApplicationError) as exc:
        parse_citizen_id(_one_digit("110105491231002", ARABIC_INDIC, 5))
    assert "id_number" in exc.value.errors


def test_uscc_full_width_is_normalised_and_other_scripts_refused():
    assert validate_uscc(USCC.translate(FULL_WIDTH).replace("M", "Ｍ").replace("Y", "Ｙ")) == USCC
    with pytest.raises(ApplicationError) as exc:
        validate_uscc(_one_digit(USCC, ARABIC_INDIC, 3))
    assert exc.value.errors == {"uscc": ["统一社会信用代码只能由半角数字和大写字母组成"]}


def test_region_code_accepts_only_ascii_digits():
    assert validate_region_code("３３０１０２") == "330102"
    with pytest.raises(ApplicationError):
        validate_region_code("33٠102")


# --- text fields --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "bad",
    ["\x07", "\x1b[31m", "\x00", "\u202e", "\u202a", "\u2066", "\u2069", "\u200f", "\u200e", "\u061c", "\n"],
    ids=["BEL", "ESC", "NUL", "RLO", "LRE", "LRI", "PDI", "RLM", "LRM", "ALM", "LF"],
)
def test_control_and_bidi_characters_are_refused_in_text(bad):
    with pytest.raises(ApplicationError) as exc:
        required(f"王{bad}五", "name", "姓名", max_length=50)
    assert exc.value.errors == {"name": ["姓名含有不允许的控制字符"]}
    with pytest.raises(ApplicationError) as exc:
        optional(f"杭州市{bad}上城区", "address", "居住地址", max_length=200)
    assert exc.value.errors == {"address": ["居住地址含有不允许的控制字符"]}


def test_text_is_nfkc_normalised_and_multiline_allows_line_breaks():
    assert required("ＡＢＣ公司　", "name", "单位名称") == "ABC公司"
    assert optional("第一行\n第二行", "note", "说明", max_length=50, multiline=True) == "第一行\n第二行"


def test_bank_account_and_phone_accept_only_ascii_digits():
    assert bank_account("６２２２ ０２１２ ０２００ ０００", "bank_account") == "622202120200000"
    with pytest.raises(ApplicationError) as exc:
        bank_account("62220212٠2000000001", "bank_account")
    assert exc.value.errors == {"bank_account": ["银行账号应为8–30位数字"]}
    with pytest.raises(ApplicationError):
        bank_account("6222021२02000000001", "bank_account")
    with pytest.raises(ApplicationError):
        phone("1380013800٠")


def test_id_birth_date_check_uses_the_normalised_number():
    assert parse_citizen_id(ID.translate(FULL_WIDTH), today=dt.date(2026, 1, 1)).birth_date == dt.date(1949, 12, 31)
