"""Identifiers: 社会保障号码 (GB 11643 citizen ID), 统一社会信用代码 (GB 32100), GB/T 2260 region codes.

Checksums come from python-stdnum; the validation and Chinese messages are ours, so an agency can
accept an ID whose area code has been retired (codes are retired, never reused).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

from stdnum.cn import ric as _ric
from stdnum.cn import uscc as _uscc

from .errors import ApplicationError

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
# Explicit ASCII classes: `\d` and str.isdigit() also match full-width, Arabic-Indic, Devanagari… digits.
_ID18 = re.compile(r"^[0-9]{17}[0-9X]$", re.ASCII)
_ID15 = re.compile(r"^[0-9]{15}$", re.ASCII)
_USCC = re.compile(rf"^[{USCC_ALPHABET}]{{18}}$", re.ASCII)
_USCC_AREA = re.compile(r"^[1-9][0-9]{5}$", re.ASCII)
_REGION = re.compile(r"^[1-9][0-9]{5}$", re.ASCII)


def normalise_code(value) -> str:
    """The ASCII form of a typed code: NFKC (full-width ０-９ / Ｘ become 0-9 / X), stripped, upper case.

    NFKC does not turn other scripts' digits (٣, ३) into ASCII; those stay and are refused by the ASCII patterns.
    """
    return unicodedata.normalize("NFKC", "" if value is None else str(value)).strip().upper()


@dataclass(frozen=True)
class CitizenId:
    """A validated 18-digit 公民身份号码 with what it encodes."""

    number: str
    birth_date: dt.date
    gender: str  # "1" male, "2" female (GB/T 2261.1)
    area_code: str


def id_check_digit(first17: str) -> str:
    """ISO 7064 MOD 11-2 check character for the first 17 digits."""
    # stdnum's calc_check_digit expects the full 18-character number and drops its last character.
    return _ric.calc_check_digit(first17[:17] + "0")


def id_from_15(number15: str) -> str:
    """Convert a legacy 15-digit ID to 18 digits (insert '19', add the check character)."""
    number15 = normalise_code(number15)
    if not _ID15.fullmatch(number15):
        raise ApplicationError("15位身份号码应为15位数字", field="id_number")
    first17 = number15[:6] + "19" + number15[6:]
    return first17 + id_check_digit(first17)


def parse_citizen_id(value: str, *, field: str = "id_number", today: dt.date | None = None) -> CitizenId:
    """Validate a 社会保障号码 (18 digits, or 15 converted) and return its parts; Chinese error on failure."""
    number = normalise_code(value)
    if not number:
        raise ApplicationError("社会保障号码不能为空", field=field)
    if _ID15.fullmatch(number):
        number = id_from_15(number)
    if len(number) == 18 and not number.isascii():
        raise ApplicationError("社会保障号码只能由半角数字0–9和末位X组成", field=field)
    if not _ID18.fullmatch(number):
        raise ApplicationError("社会保障号码应为18位（前17位为数字，末位为数字或X）", field=field)
    if not _REGION.fullmatch(number[:6]):
        raise ApplicationError("社会保障号码的地址码无效", field=field)
    try:
        birth = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise ApplicationError("社会保障号码中的出生日期无效", field=field) from None
    today = today or dt.date.today()
    if birth > today or birth.year < 1880:
        raise ApplicationError("社会保障号码中的出生日期不合理", field=field)
    if id_check_digit(number[:17]) != number[17]:
        raise ApplicationError("社会保障号码校验位错误，请核对", field=field)
    gender = "1" if int(number[16]) % 2 == 1 else "2"
    return CitizenId(number=number, birth_date=birth, gender=gender, area_code=number[:6])


def uscc_check_char(first17: str) -> str:
    """GB 32100 check character for the first 17 characters."""
    return _uscc.calc_check_digit(first17)


def validate_uscc(value: str, *, field: str = "uscc") -> str:
    """Validate a 统一社会信用代码 and return it normalised; Chinese error naming the field on failure."""
    code = normalise_code(value)
    if not code:
        raise ApplicationError("统一社会信用代码不能为空", field=field)
    if len(code) != 18:
        raise ApplicationError("统一社会信用代码应为18位", field=field)
    if not code.isascii():
        raise ApplicationError("统一社会信用代码只能由半角数字和大写字母组成", field=field)
    if not _USCC.fullmatch(code):
        raise ApplicationError("统一社会信用代码含有无效字符（不使用I、O、S、V、Z）", field=field)
    if not _USCC_AREA.fullmatch(code[2:8]):
        raise ApplicationError("统一社会信用代码第3–8位应为行政区划代码", field=field)
    if uscc_check_char(code[:17]) != code[17]:
        raise ApplicationError("统一社会信用代码校验位错误，请核对", field=field)
    return code


def validate_region_code(value: str, *, field: str = "region") -> str:
    """Validate the form of a GB/T 2260 six-digit code (existence is checked against the Region table)."""
    code = normalise_code(value)
    if not _REGION.fullmatch(code):
        raise ApplicationError("行政区划代码应为6位数字", field=field)
    return code


def mask_id(number: str | None) -> str:
    """Mask an ID number for lists, logs and exports: 110105********002X."""
    if not number:
        return ""
    if len(number) <= 10:
        return number[:2] + "*" * max(len(number) - 2, 0)
    return number[:6] + "*" * (len(number) - 10) + number[-4:]
