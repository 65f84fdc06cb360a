"""Input checks shared by every business item: each returns the clean value or raises a Chinese error naming the field.

Text is normalised to NFKC first (full-width letters and digits become ASCII, so the stored value is one
spelling); control characters and bidirectional/format controls are refused, because they are invisible on
screen yet change what is stored, printed or exported (RLO reverses the text that follows it).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable

from shebao.core.errors import ApplicationError
from shebao.core.parameters import param_lookup

# Explicit ASCII classes: `\d` would also accept Arabic-Indic, Devanagari… digits.
_PHONE = re.compile(r"^(1[3-9][0-9]{9}|0[0-9]{2,3}-?[0-9]{7,8})$", re.ASCII)
_ACCOUNT = re.compile(r"^[0-9]{8,30}$", re.ASCII)
_INDUSTRY = re.compile(r"^[A-T]?[0-9]{2,4}$", re.ASCII)
_MONTH = re.compile(r"^([0-9]{4})-?([0-9]{2})$", re.ASCII)
# Bidirectional embeddings/overrides/isolates and marks (LRE…RLO, LRI…PDI, LRM, RLM, ALM).
_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")
_LINE_BREAKS = frozenset("\n\r\t")


class Errors:
    """Collects field errors so a form reports every problem at once."""

    def __init__(self) -> None:
        self.errors: dict[str, list[str]] = {}

    def add(self, field: str, message: str) -> None:
        """Record one message for a field."""
        self.errors.setdefault(field, []).append(message)

    def capture(self, func, *args, **kwargs):
        """Run one check; its ApplicationError becomes field errors here and the result is None."""
        try:
            return func(*args, **kwargs)
        except ApplicationError as exc:
            for field, msgs in exc.errors.items():
                for m in msgs:
                    self.add(field, m)
            if not exc.errors:
                self.add("non_field_errors", exc.message)
            return None

    def raise_if_any(self) -> None:
        """Raise one ApplicationError carrying every recorded message (the first one as its headline)."""
        if self.errors:
            first = next(iter(self.errors.values()))[0]
            raise ApplicationError(first, errors=self.errors)


def clean_text(value, field: str, label: str, *, multiline: bool = False) -> str:
    """Text as typed, NFKC-normalised and stripped; refused when it holds control or bidi characters."""
    text = unicodedata.normalize("NFKC", "" if value is None else str(value)).strip()
    for ch in text:
        if multiline and ch in _LINE_BREAKS:
            continue
        if ch in _BIDI or unicodedata.category(ch) == "Cc":
            raise ApplicationError(f"{label}含有不允许的控制字符", field=field)
    return text


def required(value, field: str, label: str, *, max_length: int | None = None, multiline: bool = False) -> str:
    """Required text: not blank, within max_length, no control characters."""
    text = clean_text(value, field, label, multiline=multiline)
    if not text:
        raise ApplicationError(f"{label}不能为空", field=field)
    if max_length and len(text) > max_length:
        raise ApplicationError(f"{label}不能超过{max_length}个字符", field=field)
    return text


def optional(value, field: str, label: str, *, max_length: int, multiline: bool = False) -> str:
    """Optional text: may be blank, within max_length, no control characters."""
    text = clean_text(value, field, label, multiline=multiline)
    if len(text) > max_length:
        raise ApplicationError(f"{label}不能超过{max_length}个字符", field=field)
    return text


def phone(value, field: str = "phone", label: str = "联系电话", *, allow_blank: bool = False) -> str:
    """A mobile (11 digits) or landline (area code-number) telephone number, ASCII after NFKC."""
    text = unicodedata.normalize("NFKC", "" if value is None else str(value)).strip()
    if not text and allow_blank:
        return ""
    if not _PHONE.match(text):
        raise ApplicationError(f"{label}格式不正确（手机号11位，或区号-座机号）", field=field)
    return text


def bank_account(value, field: str, *, allow_blank: bool = True) -> str:
    """A bank account number: 8–30 ASCII digits once NFKC-normalised and spaces removed."""
    text = re.sub(r"\s", "", unicodedata.normalize("NFKC", "" if value is None else str(value)))
    if not text and allow_blank:
        return ""
    if not _ACCOUNT.match(text):
        raise ApplicationError("银行账号应为8–30位数字", field=field)
    return text


def industry_code(value, field: str = "industry_code") -> str:
    """A GB/T 4754 industry code (optional section letter and 2–4 digits)."""
    text = unicodedata.normalize("NFKC", "" if value is None else str(value)).strip().upper()
    if not _INDUSTRY.match(text):
        raise ApplicationError("行业代码应符合GB/T 4754（如 C3911 或 7240）", field=field)
    return text


def risk_class(value, field: str = "injury_risk_class") -> int:
    """工伤风险类别 1–8."""
    text = str(value).strip()
    if not (text.isascii() and text.isdigit()):
        raise ApplicationError("工伤风险类别应为1–8的整数", field=field)
    try:
        number = int(text)
    except (TypeError, ValueError):
        raise ApplicationError("工伤风险类别应为1–8的整数", field=field) from None
    if not 1 <= number <= 8:
        raise ApplicationError("工伤风险类别应为1–8的整数", field=field)
    return number


def parse_month(value, field: str = "start_month", label: str = "参保起始月") -> dt.date:
    """'2026-11', '202611', a date or 'YYYY-MM-DD' → the first day of that month."""
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return value.replace(day=1)
    text = ("" if value is None else str(value)).strip()
    if not text:
        raise ApplicationError(f"{label}不能为空", field=field)
    match = _MONTH.match(text[:7] if len(text) == 10 else text)
    if not match:
        raise ApplicationError(f"{label}格式应为YYYY-MM", field=field)
    year, month = int(match.group(1)), int(match.group(2))
    if not (1900 <= year <= 2999 and 1 <= month <= 12):
        raise ApplicationError(f"{label}不是有效的月份", field=field)
    return dt.date(year, month, 1)


def parse_date(value, field: str, label: str) -> dt.date:
    """A calendar date written YYYY-MM-DD (or a date object)."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = ("" if value is None else str(value)).strip()
    if not text:
        raise ApplicationError(f"{label}不能为空", field=field)
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ApplicationError(f"{label}格式应为YYYY-MM-DD", field=field) from None


def not_future(day: dt.date, today: dt.date, field: str, label: str) -> dt.date:
    """The day itself, refused when it lies after today."""
    if day > today:
        raise ApplicationError(f"{label}不能晚于今天", field=field)
    return day


def month_add(month: dt.date, n: int) -> dt.date:
    """The first day of the month n months after (or before, n < 0) `month`."""
    total = month.year * 12 + month.month - 1 + n
    return dt.date(total // 12, total % 12 + 1, 1)


def start_month_window(
    month: dt.date, *, today: dt.date, region: str | None, field: str = "start_month", label: str = "参保起始月"
) -> dt.date:
    """Start month within the window the region allows (earlier months are back-payment, not enrolment)."""
    back = param_lookup("registration.enrol_backdate_months", region=region, on=today).as_int()
    ahead = param_lookup("registration.enrol_advance_months", region=region, on=today).as_int()
    this_month = today.replace(day=1)
    if month > month_add(this_month, ahead):
        raise ApplicationError(f"{label}不能晚于{month_add(this_month, ahead):%Y-%m}", field=field)
    if month < month_add(this_month, -back):
        raise ApplicationError(
            f"{label}不能早于{month_add(this_month, -back):%Y-%m}（更早的月份请办理补缴）", field=field
        )
    return month


def code_list(values: Iterable | str | None, field: str, allowed: dict[str, str], label: str = "险种") -> list[str]:
    """A list of insurance type codes, each known and allowed here."""
    if values is None or values == "":
        return []
    if isinstance(values, str):
        values = [v for v in re.split(r"[,，;；\s]+", values) if v]
    out: list[str] = []
    for v in values:
        code = str(v).strip()
        if code not in allowed:
            raise ApplicationError(f"{label}编码 {code} 无效或不适用", field=field)
        if code not in out:
            out.append(code)
    return out
