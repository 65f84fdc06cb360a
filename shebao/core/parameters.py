"""Dated parameters: the value in force for region R on date D, falling back to parent regions, then national."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import yaml
from django.conf import settings
from django.db import transaction
from django.db.models import Q

from .errors import ApplicationError
from .models import Parameter, Region

PARAMETER_DIR = Path(settings.PACKAGE_DIR) / "rules" / "parameters"


@dataclass(frozen=True)
class ParamValue:
    """A resolved parameter: value plus where it came from."""

    key: str
    value: str
    unit: str
    region_code: str | None
    effective_from: dt.date
    legal_reference: str

    def as_decimal(self) -> Decimal:
        return Decimal(self.value)

    def as_int(self) -> int:
        return int(self.value)


def _region_chain(region_code: str | None) -> list[str | None]:
    chain: list[str | None] = []
    if region_code:
        region = Region.objects.select_related("parent__parent").filter(code=region_code).first()
        if region is None:
            raise ApplicationError(f"未知的行政区划代码 {region_code}", field="region")
        chain.extend(region.lineage_codes())
    chain.append(None)
    return chain


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
            return ParamValue(key, best.value, best.unit, code, best.effective_from, best.legal_reference)
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
                    Parameter.objects.update_or_create(
                        key=key,
                        region_id=region,
                        effective_from=effective,
                        defaults={
                            "value": str(entry["value"]),
                            "unit": spec.get("unit", ""),
                            "legal_reference": entry.get("ref", spec.get("ref", "")),
                            "note": spec.get("description", ""),
                            "is_default": True,
                        },
                    )
                    count += 1
    return count


@transaction.atomic
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
) -> Parameter:
    """Override a parameter for a region from a date (agency admin within its region; national: superuser)."""
    from .audit import audit_write
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
    previous = Parameter.objects.filter(key=key).order_by("-effective_from").first()
    param, created = Parameter.objects.update_or_create(
        key=key,
        region_id=region or None,
        effective_from=effective_from,
        defaults={
            "value": value,
            "unit": unit or (previous.unit if previous else ""),
            "legal_reference": legal_reference[:300],
            "note": note[:300],
            "is_default": False,
            "created_by": actor,
        },
    )
    audit_write(
        actor=actor,
        action="parameter.set",
        object_type="parameter",
        object_id=param.pk,
        after={"key": key, "region": region, "from": effective_from, "value": value, "created": created},
    )
    return param
