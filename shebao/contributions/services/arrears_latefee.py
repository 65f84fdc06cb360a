"""The late fee on arrears and back-payments, with approved deferrals (020302) taken out — one function.

Rule (docs/decisions.md "Arrears"): the late fee runs as the rules library says (`rules.late_fee`: from the day
after the due date to the payment date, 0.05 % a day) except on the days an approved deferral of the unit covers
for the line's insurance type — from the deferral's first month's first day to its expiry (`Deferral.expires_on`,
the last day of its last month). What is unpaid at expiry is arrears from the line's ORIGINAL due date (its
ageing and the 责令限期缴纳 notice count from there; the ledger line is never re-dated); only the late fee skips
the deferred days. With deferred days, the charged days are priced at the daily rate in force on the payment
date (every deferral lies after 2011-07-01, since when the rate has not changed).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from shebao.rules import late_fee

from ..models import Deferral


@dataclass(frozen=True)
class ArrearsLateFee:
    """滞纳金 of one principal: calendar days overdue, of which deferred, and the fee charged (to the fen)."""

    days: int
    deferred_days: int
    late_fee: Decimal

    @property
    def charged_days(self) -> int:
        return self.days - self.deferred_days


def deferral_windows(*, employer_id: int | None, insurance_type: str) -> list[tuple[dt.date, dt.date]]:
    """The (first day, expiry) of each approved deferral of the unit that covers `insurance_type`."""
    if not employer_id:
        return []
    return [
        (d.start_month, d.expires_on)
        for d in Deferral.objects.filter(employer_id=employer_id).only("insurance_types", "start_month", "expires_on")
        if insurance_type in d.types
    ]


def overlap_days(due: dt.date, paid: dt.date, windows) -> int:
    """Days of the overdue period [due + 1, paid] that fall inside any window (windows may overlap each other)."""
    first = due + dt.timedelta(days=1)
    covered: set[int] = set()
    for start, end in windows:
        lo, hi = max(first, start), min(paid, end)
        if lo <= hi:
            covered.update(range(lo.toordinal(), hi.toordinal() + 1))
    return len(covered)


def arrears_late_fee(
    *,
    principal: Decimal,
    due_date: dt.date,
    paid_date: dt.date,
    region: str | None = None,
    windows=(),
    params=None,
) -> ArrearsLateFee:
    """The late fee on `principal` due on `due_date` and paid on `paid_date`, skipping the deferral `windows`."""
    full = late_fee(principal=principal, due_date=due_date, paid_date=paid_date, region=region, params=params)
    deferred = overlap_days(due_date, paid_date, windows) if full.days else 0
    if not deferred:
        return ArrearsLateFee(full.days, 0, full.late_fee)
    charged = late_fee(principal=principal, days=full.days - deferred, on=paid_date, region=region, params=params)
    return ArrearsLateFee(full.days, deferred, charged.late_fee)
