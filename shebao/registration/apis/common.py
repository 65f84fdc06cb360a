"""Helpers of the registration API: id fields and agency lookup by code."""

from __future__ import annotations

from django.conf import settings

from shebao.core.api import (
    StrictIntegerField,
)
from shebao.core.errors import ApplicationError
from shebao.core.models import Agency

XLSX = settings.SHEBAO_UPLOAD_TYPES[".xlsx"]
ID_MAX = 2**63 - 1


def _id_field(**kwargs) -> StrictIntegerField:
    """A database id (positive, within bigint range)."""
    return StrictIntegerField(min_value=1, max_value=ID_MAX, **kwargs)


def _agency_by_code(code: str, field: str) -> Agency:
    """An agency of this system by its code (agencies are reference data, not scoped)."""
    agency = Agency.objects.filter(code=code).first()
    if agency is None:
        raise ApplicationError(f"经办机构 {code} 不存在", field=field)
    return agency
