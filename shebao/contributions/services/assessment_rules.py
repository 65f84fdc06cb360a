"""020301 应缴额核定: the parameter values one monthly run applies, resolved once through `shebao.rules`.

A run covers the agencies of a region; each agency's region may have its own parameters (a district overriding the
city), so the values are resolved per agency region — usually one set for the whole run — by the same rule functions
the public calculators call (`contribution_rates`, `injury_rate`, `due_date`), through one `CachedSource` per run.
The result is stored in the run (`BatchRun.params["resolved"]`) when it is planned, so every chunk, in whichever
process or Celery worker, applies exactly the same values, and the run shows afterwards which values it applied.

Per agency region (`RateSet`):
- `year`: the contribution year of the month (`contribution.year_start_month`, as 020102 reads it);
- `due_date`: day `contribution.due_day` of the month;
- `undeclared_ratio`: `contribution.undeclared_ratio` (110%, 社会保险费征缴暂行条例第十条);
- `employee`: per insurance type the employer and individual rate (410: the individual rate only — the employer's
  own `EmployerRate` in force applies, else the base rate of its risk class × 1.0, `injury`);
- `injury`: risk class 1–8 → base rate × 1.0;
- `flexible`: per insurance type the flexible workers' rate (individual, employer part 0);
- `missing`: rated types with no rate in force that month (not assessed; shown on the run).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from shebao.core.errors import ApplicationError
from shebao.rules import contributions as c
from shebao.rules import late_fees as lf
from shebao.rules.source import CachedSource, ParamSource

from .wages_rules import contribution_year_of

INJURY = "410"
EMPLOYEE_TYPES = c.RATED_TYPES  # 110 120 210 310 410 510: a rate on a monthly base
INJURY_CLASSES = tuple(range(1, 9))


@dataclass(frozen=True)
class RateSet:
    """The values one agency region applies in the month (see the module docstring)."""

    region: str
    year: int
    due_date: dt.date
    undeclared_ratio: Decimal
    employee: dict[str, tuple[Decimal | None, Decimal]]
    injury: dict[int, Decimal]
    flexible: dict[str, Decimal]
    missing: tuple[str, ...] = field(default=())

    def as_json(self) -> dict:
        """JSON-ready (decimals and dates as text)."""
        return {
            "region": self.region,
            "year": self.year,
            "due_date": self.due_date.isoformat(),
            "undeclared_ratio": str(self.undeclared_ratio),
            "employee": {t: [None if e is None else str(e), str(i)] for t, (e, i) in self.employee.items()},
            "injury": {str(k): str(v) for k, v in self.injury.items()},
            "flexible": {t: str(r) for t, r in self.flexible.items()},
            "missing": list(self.missing),
        }

    @classmethod
    def from_json(cls, data: dict) -> RateSet:
        """The set as stored in a run's params."""
        return cls(
            region=data["region"],
            year=int(data["year"]),
            due_date=dt.date.fromisoformat(data["due_date"]),
            undeclared_ratio=Decimal(data["undeclared_ratio"]),
            employee={t: (None if e is None else Decimal(e), Decimal(i)) for t, (e, i) in data["employee"].items()},
            injury={int(k): Decimal(v) for k, v in data["injury"].items()},
            flexible={t: Decimal(r) for t, r in data["flexible"].items()},
            missing=tuple(data.get("missing", ())),
        )


@dataclass(frozen=True)
class RunRates:
    """Every agency of a run → its `RateSet` (sets shared by agencies of the same region are stored once)."""

    month: dt.date
    sets: tuple[RateSet, ...]
    agencies: dict[int, int]  # agency id → index into `sets`

    def for_agency(self, agency_id: int) -> RateSet:
        """The values the agency's employers and persons are assessed with."""
        return self.sets[self.agencies[agency_id]]

    def as_json(self) -> dict:
        return {
            "month": self.month.isoformat(),
            "sets": [s.as_json() for s in self.sets],
            "agencies": {str(a): i for a, i in self.agencies.items()},
        }

    @classmethod
    def from_json(cls, data: dict) -> RunRates:
        return cls(
            month=dt.date.fromisoformat(data["month"]),
            sets=tuple(RateSet.from_json(s) for s in data["sets"]),
            agencies={int(a): int(i) for a, i in data["agencies"].items()},
        )


def _rate_or_none(params: ParamSource, **kwargs) -> c.Rates | None:
    """The rates of one type in the month, or None when the type has no rate in force then (e.g. 120 before 2014-10)."""
    try:
        return c.contribution_rates(params=params, **kwargs)
    except ApplicationError as exc:
        if "month" in exc.errors or "insurance_types" in exc.errors:
            return None
        raise


def resolve_rate_set(month: dt.date, region: str, params: ParamSource) -> RateSet:
    """The values of one agency region for the month (400 naming `month` when the due day or ratio is missing)."""
    month = c.month_start(month)
    employee: dict[str, tuple[Decimal | None, Decimal]] = {}
    missing: list[str] = []
    injury: dict[int, Decimal] = {}
    for risk_class in INJURY_CLASSES:
        try:
            injury[risk_class] = c.injury_rate(on=month, risk_class=risk_class, region=region, params=params).rate
        except ApplicationError as exc:
            if "month" not in exc.errors:
                raise
    for code in EMPLOYEE_TYPES:
        if code == INJURY:
            # The employer part is the employer's own (or its class's); the individual part is a parameter.
            rates = _rate_or_none(
                params, month=month, insurance_type=code, region=region, override=c.RateOverride(employer=Decimal(0))
            )
            if rates is None or not injury:
                missing.append(code)
            else:
                employee[code] = (None, rates.individual_rate)
            continue
        rates = _rate_or_none(params, month=month, insurance_type=code, region=region)
        if rates is None:
            missing.append(code)
        else:
            employee[code] = (rates.employer_rate, rates.individual_rate)
    flexible: dict[str, Decimal] = {}
    for code in EMPLOYEE_TYPES:
        if params.exists(f"contribution.flexible.rate.{code}", region):
            rates = _rate_or_none(params, month=month, insurance_type=code, region=region, category=c.FLEXIBLE)
            if rates is not None:
                flexible[code] = rates.individual_rate
    ratio = c.read(params, "contribution.undeclared_ratio", region, month, field="month").as_decimal()
    return RateSet(
        region=region,
        year=contribution_year_of(month, region, params=params),
        due_date=lf.due_date(month=month, region=region, params=params).date,
        undeclared_ratio=ratio,
        employee=employee,
        injury=injury,
        flexible=flexible,
        missing=tuple(missing),
    )


def resolve_run_rates(month: dt.date, agencies, params: ParamSource | None = None) -> RunRates:
    """The values of every agency of a run: one `RateSet` per distinct agency region, read through one cache."""
    params = params or CachedSource()
    month = c.month_start(month)
    by_region: dict[str, int] = {}
    sets: list[RateSet] = []
    mapping: dict[int, int] = {}
    for agency in agencies:
        region = agency.region_id
        if region not in by_region:
            by_region[region] = len(sets)
            sets.append(resolve_rate_set(month, region, params))
        mapping[agency.pk] = by_region[region]
    return RunRates(month=month, sets=tuple(sets), agencies=mapping)
