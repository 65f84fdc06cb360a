"""Dated parameters: the value in force for region R on date D, falling back to parent regions, then national."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

import yaml
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.db.models import Q

from .errors import ApplicationError
from .models import Parameter, Region

PARAMETER_DIR = Path(settings.PACKAGE_DIR) / "rules" / "parameters"
# Working notes that must never reach what clerks, employers or insured people read (legal references are printed
# on case pages): whether a source is confirmed is the `verified` flag, which only administrators see.
_INTERNAL_MARKERS = re.compile(r"unverified|unconfirmed|待核实|待核对|待确认|未核实|\bTODO\b|\bFIXME\b|\bTBD\b", re.I)


def internal_marker(text: str) -> str | None:
    """The internal working note found in a text meant for people (e.g. 'unverified', '待核实'), or None."""
    match = _INTERNAL_MARKERS.search(text or "")
    return match.group(0) if match else None


@dataclass(frozen=True)
class ParamValue:
    """A resolved parameter: value plus where it came from."""

    key: str
    value: str
    unit: str
    region_code: str | None
    effective_from: dt.date
    legal_reference: str
    verified: bool = True  # for administrators only; never shown to clerks, employers or insured people

    def as_decimal(self) -> Decimal:
        """The value as a Decimal; a value stored in a wrong form is a clear 400, not a crash."""
        try:
            number = Decimal(self.value)
        except InvalidOperation:
            raise self._broken() from None
        if not number.is_finite():
            raise self._broken()
        return number

    def as_int(self) -> int:
        """The value as a whole number; a value stored in a wrong form is a clear 400, not a crash."""
        if not _INTEGER.fullmatch(self.value or ""):
            raise self._broken()
        return int(self.value)

    def _broken(self) -> ApplicationError:
        where = f"区划 {self.region_code}" if self.region_code else "全国"
        return ApplicationError(
            f"参数 {self.key}（{where}，{self.effective_from} 起）的取值“{self.value}”不是有效的数值，"
            "请系统管理员更正该参数",
            field="parameter",
        )


# The kind of value each unit takes. A key's unit comes with its YAML definition; overrides keep it.
INTEGER_UNITS = frozenset({"日", "天", "工作日", "月", "年", "周岁", "岁", "人", "次", "个"})
DECIMAL_UNITS = frozenset({"元", "元/月", "元/年", "元/日", "倍", "系数"})
RATIO_UNITS = frozenset({"比例"})  # 0–1, e.g. 0.16
PERCENT_UNITS = frozenset({"%"})  # 0–100
# Text units with a fixed shape: unit -> (pattern of the whole value, what a person is told when it does not fit).
# 档次 a list of numbers (tiers, floating grades), 险种 a list of insurance type codes, 方式 a lower-case code whose
# allowed values the rule reading the key checks (e.g. contribution.collector: agency | tax).
_NUMBER = r"[0-9]{1,9}(?:\.[0-9]{1,8})?"
TEXT_UNITS = {
    "档次": (re.compile(rf"{_NUMBER}(?:,{_NUMBER})*", re.ASCII), "以英文逗号分隔的数值列表（如 1.0,1.2,1.5）"),
    "险种": (re.compile(r"[0-9]{3}(?:,[0-9]{3})*", re.ASCII), "以英文逗号分隔的三位险种编码（如 110,210,410）"),
    "方式": (re.compile(r"[a-z][a-z_]{0,29}", re.ASCII), "小写英文代码（如 agency）"),
}
_INTEGER = re.compile(r"-?[0-9]{1,9}", re.ASCII)
_DECIMAL = re.compile(r"-?[0-9]{1,12}(\.[0-9]{1,8})?", re.ASCII)


def parameter_value_clean(value: str, unit: str, *, field: str = "value") -> str:
    """The value in its canonical form for the unit (whole number, decimal, ratio 0–1, percent 0–100), or a 400."""
    text = unicodedata.normalize("NFKC", value).strip()
    if any(unicodedata.category(ch) == "Cc" for ch in text):
        raise ApplicationError("参数值含有不允许的控制字符", field=field)
    if unit in INTEGER_UNITS:
        if not _INTEGER.fullmatch(text) or int(text) < 0:
            raise ApplicationError(f"参数值应为非负整数（单位：{unit}）", field=field)
        return str(int(text))
    if unit in DECIMAL_UNITS | RATIO_UNITS | PERCENT_UNITS:
        if not _DECIMAL.fullmatch(text):
            raise ApplicationError(f"参数值应为数值（单位：{unit}）", field=field)
        number = Decimal(text)
        if number < 0:
            raise ApplicationError(f"参数值不能为负数（单位：{unit}）", field=field)
        if unit in RATIO_UNITS and number > 1:
            raise ApplicationError("比例参数应在0到1之间（如 0.16 表示16%）", field=field)
        if unit in PERCENT_UNITS and number > 100:
            raise ApplicationError("百分比参数应在0到100之间", field=field)
        return text
    if unit in TEXT_UNITS:
        pattern, shape = TEXT_UNITS[unit]
        text = re.sub(r"\s*,\s*", ",", text)
        if not pattern.fullmatch(text):
            raise ApplicationError(f"参数值应为{shape}（单位：{unit}）", field=field)
        return text
    return text


def parameter_list(value: str) -> list[str]:
    """The items of a list-valued parameter (units 档次 and 险种): "1.0,1.2,1.5" → ["1.0", "1.2", "1.5"]."""
    return [item.strip() for item in (value or "").split(",") if item.strip()]


def _region_chain(region_code: str | None) -> list[str | None]:
    chain: list[str | None] = []
    if region_code:
        region = Region.objects.select_related("parent__parent").filter(code=region_code).first()
        if region is None:
            raise ApplicationError(f"未知的行政区划代码 {region_code}", field="region")
        chain.extend(region.lineage_codes())
    chain.append(None)
    return chain


def region_chain(region_code: str | None) -> list[str | None]:
    """The codes searched for a region's parameters: itself, its parents, then None (national); 400 if unknown."""
    return _region_chain(region_code)


def param_lookup(key: str, *, region: str | None = None, on: dt.date) -> ParamValue:
    """The value of `key` in force on `on` for `region`: the nearest region with a value wins."""
    chain = _region_chain(region)
    rows = list(
        Parameter.objects.filter(key=key, effective_from__lte=on).filter(
            Q(region_id__in=[c for c in chain if c]) | Q(region__isnull=True)
        )
    )
    for code in chain:
        candidates = [r for r in rows if r.region_id == code]
        if candidates:
            best = max(candidates, key=lambda r: r.effective_from)
            return ParamValue(
                key, best.value, best.unit, code, best.effective_from, best.legal_reference, best.verified
            )
    raise ApplicationError(f"参数 {key} 在 {on} 未配置（区划 {region or '全国'}）", field="key")


def param_value(key: str, *, region: str | None = None, on: dt.date) -> str:
    """Shortcut: just the value string."""
    return param_lookup(key, region=region, on=on).value


def load_default_parameters() -> int:
    """Load the shipped YAML defaults into the table (idempotent; overrides entered by agencies stay)."""
    count = 0
    with transaction.atomic():
        for path in sorted(PARAMETER_DIR.glob("*.yaml")):
            doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            for key, spec in (doc.get("parameters") or {}).items():
                for entry in spec.get("values", []):
                    region = entry.get("region")
                    effective = entry["from"]
                    if isinstance(effective, str):
                        effective = dt.date.fromisoformat(effective)
                    reference = str(entry.get("ref", spec.get("ref", "")))
                    # A value may carry its own note (e.g. 演示数据 for a demo region's value), else the key's.
                    note = str(entry.get("note", spec.get("description", "")))
                    for text in (reference, note):
                        if internal_marker(text):
                            raise ImproperlyConfigured(
                                f"{path.name} {key}: “{internal_marker(text)}” is an internal note; "
                                "mark the value `verified: false` instead of writing it into ref/description"
                            )
                    unit = spec.get("unit", "")
                    try:
                        value = parameter_value_clean(str(entry["value"]), unit)
                    except ApplicationError as exc:
                        raise ImproperlyConfigured(
                            f"{path.name} {key} {region or '全国'} {effective}: {entry['value']!r} {exc.message}"
                        ) from None
                    Parameter.objects.update_or_create(
                        key=key,
                        region_id=region,
                        effective_from=effective,
                        defaults={
                            "value": value,
                            "unit": unit,
                            "legal_reference": reference,
                            "note": note,
                            "is_default": True,
                            "verified": bool(entry.get("verified", spec.get("verified", True))),
                        },
                    )
                    count += 1
    return count


@transaction.atomic
def parameter_validate(
    *,
    actor,
    key: str,
    region: str | None,
    effective_from: dt.date,
    value: str,
    unit: str = "",
    legal_reference: str = "",
    note: str = "",
    verified: bool = True,
) -> dict:
    """Check an override without writing anything: the clean values, or an ApplicationError naming every field.

    Used by `parameter_set` and by forms that show its errors (no write-and-roll-back to validate).
    """
    from .choices import Role
    from .errors import PermissionDeniedError

    key = (key or "").strip()
    if not key:
        raise ApplicationError("参数键不能为空", field="key")
    if not Parameter.objects.filter(key=key).exists():
        raise ApplicationError(f"未知的参数键 {key}", field="key")
    value = str(value if value is not None else "").strip()
    if not value:
        raise ApplicationError("参数值不能为空", field="value")
    if len(value) > 200:
        raise ApplicationError("参数值不能超过200个字符", field="value")
    if region:
        reg = Region.objects.filter(code=region).first()
        if reg is None:
            raise ApplicationError(f"未知的行政区划代码 {region}", field="region")
        allowed = actor.is_superuser or (
            actor.role == Role.AGENCY_ADMIN and actor.agency_id and actor.agency.region_id in reg.lineage_codes()
        )
    else:
        allowed = actor.is_superuser
    if not allowed:
        raise PermissionDeniedError("您无权设置该区划的参数（机构管理员只能设置本机构所辖区划）")
    for field, label, text in (("legal_reference", "政策依据", legal_reference), ("note", "说明", note)):
        if internal_marker(text):
            raise ApplicationError(
                f"{label}不能含有“{internal_marker(text)}”等内部标记（经办人员和群众会看到）；"
                "依据尚未核实时请取消勾选“依据已核实”",
                field=field,
            )
    previous = Parameter.objects.filter(key=key).order_by("-effective_from").first()
    unit = (unit or "").strip()
    if previous and previous.unit and unit and unit != previous.unit:
        raise ApplicationError(f"参数 {key} 的单位为{previous.unit}，不能改为{unit}", field="unit")
    unit = unit or (previous.unit if previous else "")
    value = parameter_value_clean(value, unit)
    return {
        "key": key,
        "region": region or None,
        "effective_from": effective_from,
        "value": value,
        "unit": unit,
        "legal_reference": (legal_reference or "")[:300],
        "note": (note or "")[:300],
    }


def parameter_set(
    *,
    actor,
    key: str,
    region: str | None,
    effective_from: dt.date,
    value: str,
    unit: str = "",
    legal_reference: str = "",
    note: str = "",
    verified: bool = True,
) -> Parameter:
    """Override a parameter for a region from a date (agency admin within its region; national: superuser)."""
    from .audit import audit_write

    clean = parameter_validate(
        actor=actor,
        key=key,
        region=region,
        effective_from=effective_from,
        value=value,
        unit=unit,
        legal_reference=legal_reference,
        note=note,
    )
    key, region, effective_from, value = clean["key"], clean["region"], clean["effective_from"], clean["value"]
    unit, legal_reference, note = clean["unit"], clean["legal_reference"], clean["note"]
    param, created = Parameter.objects.update_or_create(
        key=key,
        region_id=region or None,
        effective_from=effective_from,
        defaults={
            "value": value,
            "unit": unit,
            "legal_reference": legal_reference,
            "note": note,
            "is_default": False,
            "verified": bool(verified),
            "created_by": actor,
        },
    )
    audit_write(
        actor=actor,
        action="parameter.set",
        object_type="parameter",
        object_id=param.pk,
        after={
            "key": key,
            "region": region,
            "from": effective_from,
            "value": value,
            "verified": bool(verified),
            "created": created,
        },
    )
    return param
