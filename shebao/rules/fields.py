"""Input fields of the public calculators: decimals, months and dates as strings, region codes, rate overrides.

Every message names the field in Chinese (its `label`), since the calculators are read by the public.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from decimal import Decimal

from drf_spectacular.drainage import set_override
from rest_framework import serializers

from shebao.core.api.base import StrictChoiceField, StrictDateField, StrictRegexField
from shebao.core.models import Region

from .contributions import INSURANCE_TYPE_NAMES, RATED_TYPES

FIRST_YEAR, LAST_YEAR = 1990, 2099


def _text(data) -> str | None:
    """The input as NFKC text (full-width digits become ASCII), or None when it is not a string."""
    if not isinstance(data, str):
        return None
    return unicodedata.normalize("NFKC", data).strip()


class DecimalText(serializers.Field):
    """A non-negative decimal written as a string ("1234.56"): a JSON number is refused (no float ever)."""

    def __init__(self, *, digits: int = 12, places: int = 2, maximum: Decimal | None = None, example: str, **kwargs):
        super().__init__(**kwargs)
        self.digits, self.places, self.maximum = digits, places, maximum
        self.pattern = re.compile(rf"[0-9]{{1,{digits}}}(?:\.[0-9]{{1,{places}}})?", re.ASCII)
        schema = {"type": "string", "pattern": f"^{self.pattern.pattern}$", "example": example}
        set_override(self, "field", schema)

    def to_internal_value(self, data):
        text = _text(data)
        if text is None:
            raise serializers.ValidationError(f'{self.label}应为字符串形式的十进制数，如 "{self._example()}"')
        if text.startswith("-") and self.pattern.fullmatch(text[1:]):
            raise serializers.ValidationError(f"{self.label}不能为负数")
        if not self.pattern.fullmatch(text):
            raise serializers.ValidationError(
                f'{self.label}应为不超过{self.digits}位整数、最多{self.places}位小数的数，如 "{self._example()}"'
            )
        value = Decimal(text)
        if self.maximum is not None and value > self.maximum:
            raise serializers.ValidationError(f"{self.label}不能超过 {self.maximum}")
        return value

    def to_representation(self, value):
        return format(value, "f")

    def _example(self) -> str:
        return "0.16" if self.maximum == 1 else "1234.56"


def money(label: str, *, digits: int = 9, required: bool = True, help_text: str = "") -> DecimalText:
    """An amount in yuan, to the fen."""
    return DecimalText(
        digits=digits, places=2, example="5000.00", label=label, required=required, help_text=help_text or label
    )


def ratio(label: str, *, required: bool = False) -> DecimalText:
    """A rate between 0 and 1 (0.16 = 16%), up to 6 decimals."""
    return DecimalText(
        digits=1, places=6, maximum=Decimal(1), example="0.16", label=label, required=required, help_text=label
    )


class MonthText(serializers.Field):
    """A month written "YYYY-MM" (→ the date of its first day)."""

    PATTERN = re.compile(r"([0-9]{4})-(0[1-9]|1[0-2])", re.ASCII)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        set_override(self, "field", {"type": "string", "pattern": f"^{self.PATTERN.pattern}$", "example": "2024-05"})

    def to_internal_value(self, data):
        text = _text(data)
        match = self.PATTERN.fullmatch(text or "")
        if not match:
            raise serializers.ValidationError(f"{self.label}应为“年-月”格式的月份，如 2024-05")
        year = int(match.group(1))
        if not FIRST_YEAR <= year <= LAST_YEAR:
            raise serializers.ValidationError(f"{self.label}应在 {FIRST_YEAR} 年到 {LAST_YEAR} 年之间")
        return dt.date(year, int(match.group(2)), 1)

    def to_representation(self, value):
        return f"{value:%Y-%m}"


class DateText(StrictDateField):
    """A calendar date written YYYY-MM-DD, within the years the parameters cover."""

    def to_internal_value(self, value):
        try:
            day = super().to_internal_value(value)
        except serializers.ValidationError:
            raise serializers.ValidationError(f"{self.label}应为“年-月-日”格式的日期，如 2024-05-20") from None
        if not FIRST_YEAR <= day.year <= LAST_YEAR:
            raise serializers.ValidationError(f"{self.label}应在 {FIRST_YEAR} 年到 {LAST_YEAR} 年之间")
        return day


class RegionField(StrictRegexField):
    """An optional GB/T 2260 code; national values when absent. An unknown code is a 400 naming `region`."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", "行政区划代码")
        kwargs.setdefault("help_text", "GB/T 2260 行政区划代码（6位，如 330102）；不填按全国默认参数计算")
        super().__init__(r"^[0-9]{6}$", required=False, allow_blank=True, max_length=6, **kwargs)
        self.error_messages["invalid"] = "行政区划代码应为6位数字，如 330102"

    def to_internal_value(self, data):
        code = super().to_internal_value(_text(data) if isinstance(data, str) else data)
        if code and not Region.objects.filter(code=code).exists():
            raise serializers.ValidationError(f"未知的行政区划代码 {code}")
        return code or None


def insurance_types(*, label: str = "险种") -> serializers.ListField:
    """A list of insurance type codes assessed by rate (110 120 210 310 410 510), at least one, no repeats."""
    choices = [(code, f"{code} {INSURANCE_TYPE_NAMES[code]}") for code in RATED_TYPES]
    return serializers.ListField(
        child=StrictChoiceField(choices=choices, error_messages={"invalid_choice": "“{input}”不是可选的险种编码"}),
        min_length=1,
        max_length=len(RATED_TYPES),
        label=label,
        help_text="险种编码列表：" + "、".join(label for _code, label in choices),
        error_messages={"min_length": "请至少选择一个险种", "not_a_list": '险种应为编码列表，如 ["110", "310"]'},
    )


_RATE_PAIR = {
    "type": "object",
    "properties": {
        "employer": {"type": "string", "pattern": r"^[0-9]{1,1}(?:\.[0-9]{1,6})?$", "example": "0.16"},
        "individual": {"type": "string", "pattern": r"^[0-9]{1,1}(?:\.[0-9]{1,6})?$", "example": "0.08"},
    },
    "additionalProperties": False,
}


class RatesOverride(serializers.Field):
    """试算费率 {"110": {"employer": "0.16", "individual": "0.08"}}: either part may be left to the parameters."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", "试算费率")
        super().__init__(**kwargs)
        set_override(
            self,
            "field",
            {
                "type": "object",
                "properties": {code: _RATE_PAIR for code in RATED_TYPES},
                "additionalProperties": False,
                "example": {"110": {"employer": "0.16", "individual": "0.08"}},
            },
        )

    def to_internal_value(self, data):
        from .contributions import RateOverride

        if not isinstance(data, dict):
            raise serializers.ValidationError('试算费率应为对象，如 {"110": {"employer": "0.16"}}')
        out = {}
        for code, pair in data.items():
            if code not in RATED_TYPES:
                raise serializers.ValidationError(f"试算费率中的“{code}”不是可选的险种编码")
            if not isinstance(pair, dict) or set(pair) - {"employer", "individual"}:
                raise serializers.ValidationError(f"险种 {code} 的试算费率只能填写 employer 和 individual")
            parts = {}
            for part, label in (("employer", "单位费率"), ("individual", "个人费率")):
                if part in pair:
                    field = ratio(f"险种 {code} 的试算{label}")
                    parts[part] = field.to_internal_value(pair[part])
            out[code] = RateOverride(**parts)
        return out

    def to_representation(self, value):
        return value
