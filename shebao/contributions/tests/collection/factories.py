"""Test helpers of collection: receivable lines written directly (the monthly assessment is another area's work).

`receivable(...)` appends one ledger line as the assessment would; `collector(region, value)` sets the dated
parameter `contribution.collector` for a region (the shipped YAML belongs to the rules area).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from shebao.contributions.choices import ReceivableKind
from shebao.contributions.models import Receivable
from shebao.core.models import Parameter


def month(text: str) -> dt.date:
    """'2026-03' → date(2026, 3, 1)."""
    year, mon = text.split("-")
    return dt.date(int(year), int(mon), 1)


def receivable(
    *,
    employer=None,
    person=None,
    itype: str = "110",
    period: dt.date | str = "2026-01",
    employer_amount: str | Decimal = "0.00",
    individual_amount: str | Decimal = "0.00",
    kind: str = ReceivableKind.ASSESSMENT,
    due_date: dt.date | None = None,
    agency=None,
    base: str | Decimal = "0.00",
) -> Receivable:
    """One receivable line (person × type × month) as the monthly assessment writes it; due on day 15."""
    if isinstance(period, str):
        period = month(period)
    agency = agency or (employer.agency if employer else person.agency)
    return Receivable.objects.create(
        kind=kind,
        agency=agency,
        employer=employer,
        person=person,
        insurance_type_id=itype,
        period=period,
        base=Decimal(base),
        employer_amount=Decimal(employer_amount),
        individual_amount=Decimal(individual_amount),
        due_date=due_date or period.replace(day=15),
    )


def collector(region: str | None, value: str, since: dt.date = dt.date(2019, 1, 1)) -> Parameter:
    """Set `contribution.collector` (agency | tax) for a region from a date."""
    return Parameter.objects.update_or_create(
        key="contribution.collector",
        region_id=region,
        effective_from=since,
        defaults={"value": value, "unit": "方式", "legal_reference": "社会保险费征缴暂行条例第六条"},
    )[0]
