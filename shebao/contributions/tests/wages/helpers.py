"""Builders shared by the wages tests (020101–020103): units with employees, declaration lines, ledger lines."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from shebao.contributions.choices import ReceivableKind
from shebao.contributions.models import Receivable
from shebao.contributions.services import wages_rules as rules
from shebao.core import validation as v
from shebao.registration.tests.factories import EmployerFactory, PersonFactory

REGION = "330102"  # agency a of the `agencies` fixture (上城区); parameters fall back to 330100 and 330000


def this_month() -> dt.date:
    return timezone.localdate().replace(day=1)


def current_year() -> int:
    """The contribution year in force today for agency a."""
    return rules.contribution_year_of(this_month(), REGION)


def bounds(year: int | None = None) -> rules.BaseBounds:
    year = year or current_year()
    return rules.base_bounds(region=REGION, year=year)


def unit_with_staff(agency, n: int = 3, **employer_kw):
    """An employer of `agency` and `n` active employees (enrolled in 110 and 310 with it)."""
    employer = EmployerFactory(agency=agency, **employer_kw)
    people = [PersonFactory(employer=employer) for _ in range(n)]
    return employer, people


def lines_for(people, wages=("96000.00",), months=12) -> list[dict]:
    """JSON lines for the people (wages cycled)."""
    return [
        {"id_number": p.id_number, "name": p.name, "annual_wage": wages[i % len(wages)], "months": months}
        for i, p in enumerate(people)
    ]


def pasted(lines: list[dict]) -> str:
    """The same lines as a clerk pastes them (comma-separated)."""
    return "\n".join(f"{x['id_number']},{x.get('name', '')},{x['annual_wage']},{x.get('months', 12)}" for x in lines)


def year_months(n: int = 2) -> list[dt.date]:
    """Up to `n` months of the current contribution year, from its first month, none after this month."""
    start, _ = rules.year_months(current_year(), REGION)
    out, month = [], start
    while len(out) < n and month <= this_month():
        out.append(month)
        month = v.month_add(month, 1)
    return out


def assessed(person, month: dt.date, code: str, base: str, employer_rate: str, individual_rate: str, **kw):
    """A monthly assessment line of the ledger as the 020301 run would write it."""
    b = Decimal(base)
    er, ir = Decimal(employer_rate), Decimal(individual_rate)
    return Receivable.objects.create(
        kind=kw.pop("kind", ReceivableKind.ASSESSMENT),
        agency=person.agency,
        employer=person.employer,
        person=person,
        insurance_type_id=code,
        period=month,
        base=b,
        employer_rate=er,
        employer_amount=(b * er).quantize(Decimal("0.01")),
        individual_rate=ir,
        individual_amount=(b * ir).quantize(Decimal("0.01")),
        due_date=month.replace(day=15),
        **kw,
    )
