"""Fixtures of the rates tests: a fixed set of contribution parameters, and subjects built with the factories."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from django.utils import timezone

from shebao.contributions.models import EmployerRate, PersonContributionChoice
from shebao.core.models import Parameter
from shebao.registration.choices import PersonCategory
from shebao.registration.tests.factories import EmployerFactory, PersonFactory
from shebao.tests.api_fixtures import api, approve  # noqa: F401

PARAMETERS = Path(__file__).with_name("parameters.yaml")


def load_test_parameters() -> None:
    """Replace every `contribution.*` parameter by the test set (whatever YAML the database was migrated with)."""
    Parameter.objects.filter(key__startswith="contribution.").delete()
    doc = yaml.safe_load(PARAMETERS.read_text(encoding="utf-8"))
    rows = []
    for key, spec in doc["parameters"].items():
        for entry in spec["values"]:
            day = entry["from"]
            rows.append(
                Parameter(
                    key=key,
                    region_id=entry.get("region"),
                    effective_from=day if isinstance(day, dt.date) else dt.date.fromisoformat(day),
                    value=str(entry["value"]),
                    unit=spec["unit"],
                    legal_reference=entry.get("ref", ""),
                    is_default=True,
                )
            )
    Parameter.objects.bulk_create(rows)


def set_parameter(key: str, value: str, *, on: dt.date, unit: str = "", region: str | None = None) -> Parameter:
    """Add (or replace) one dated value of a parameter, e.g. a new average wage from next year."""
    unit = unit or Parameter.objects.filter(key=key).values_list("unit", flat=True).first() or ""
    param, _ = Parameter.objects.update_or_create(
        key=key,
        region_id=region,
        effective_from=on,
        defaults={"value": value, "unit": unit, "legal_reference": "测试数据"},
    )
    return param


@pytest.fixture(autouse=True)
def rate_parameters(db):
    """Every rates test runs on the test parameter set."""
    load_test_parameters()


def this_month() -> dt.date:
    return timezone.localdate().replace(day=1)


def month_add(month: dt.date, n: int) -> dt.date:
    total = month.year * 12 + month.month - 1 + n
    return dt.date(total // 12, total % 12 + 1, 1)


def rated_employer(agency, *, risk_class: int = 1, grade: str = "1.0", rate: str = "0.002", valid_from=None, **kw):
    """An employer (in work-injury insurance from `valid_from`) with its first 410 rate row from that month."""
    month = valid_from or this_month()
    employer = EmployerFactory(agency=agency, injury_risk_class=risk_class, registered_on=month, **kw)
    EmployerRate.objects.create(
        employer=employer,
        insurance_type_id="410",
        valid_from=month,
        risk_class=risk_class,
        float_grade=Decimal(grade),
        employer_rate=Decimal(rate),
    )
    return employer


def flexible_worker(agency, *, types=("110", "310"), **kw):
    """A flexible worker of `agency` enrolled in `types` from this month."""
    return PersonFactory(employer=None, agency=agency, category=PersonCategory.FLEXIBLE, enrolments=list(types), **kw)


def resident(agency, *, tier: str | None = None, types=("170", "390"), **kw):
    """A resident of `agency` in 170/390 from this month; with `tier`, a tier row from 1 January of this year."""
    person = PersonFactory(employer=None, agency=agency, category=PersonCategory.RESIDENT, enrolments=list(types), **kw)
    if tier:
        PersonContributionChoice.objects.create(
            person=person,
            insurance_type_id="170",
            valid_from=dt.date(timezone.localdate().year, 1, 1),
            tier=Decimal(tier),
        )
    return person
