"""020301: an employer's bill for a month (单位月度缴费账单) — what the ledger says it owes for that month.

Per person and insurance type the employer and individual part (the employer withholds the individual part), the
employer-level lines (an undeclared month's 110% estimate and its settlement, base adjustments, back-payments, late
fees, refunds of that month), the totals per insurance type and overall, and the due date. Read-only and scoped:
staff of the agency subtree, or the employer's own users.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.paginator import Paginator
from django.db.models import QuerySet

from shebao.registration.models import Employer

from ..choices import ReceivableKind
from ..models import Receivable
from .assessment import ZERO, Totals, employer_of, receivables_for, totals_of

PERSON_KINDS = (ReceivableKind.ASSESSMENT, ReceivableKind.SUPPLEMENT)

__all__ = ["Bill", "PersonBill", "bill_lines", "bill_persons", "employer_bill", "employer_of"]


@dataclass
class PersonPart:
    """One insurance type of one person in the bill."""

    insurance_type: str
    base: Decimal
    employer_rate: Decimal
    employer_amount: Decimal
    individual_rate: Decimal
    individual_amount: Decimal
    kind: str


@dataclass
class PersonBill:
    """One person's lines of the month: a part per insurance type and the person's totals."""

    person_id: int
    name: str
    id_number: str
    parts: dict[str, PersonPart] = field(default_factory=dict)

    @property
    def employer(self) -> Decimal:
        return sum((p.employer_amount for p in self.parts.values()), ZERO)

    @property
    def individual(self) -> Decimal:
        return sum((p.individual_amount for p in self.parts.values()), ZERO)

    @property
    def total(self) -> Decimal:
        return self.employer + self.individual

    @property
    def base(self) -> Decimal:
        """The person's base (the same for every type of the month; the largest if a correction made them differ)."""
        return max((p.base for p in self.parts.values()), default=ZERO)


@dataclass
class Bill:
    """单位月度缴费账单."""

    employer: Employer
    month: dt.date
    totals: Totals
    types: list[str]
    other_lines: list[Receivable]
    due_date: dt.date | None
    persons_count: int

    @property
    def empty(self) -> bool:
        return not self.totals.types


def bill_lines(actor, employer: Employer, month: dt.date) -> QuerySet[Receivable]:
    """Every ledger line of the unit for the month that the actor may see."""
    return receivables_for(actor).filter(employer=employer, period=month)


def employer_bill(*, actor, employer: Employer, month: dt.date) -> Bill:
    """020301 单位月度缴费账单: totals per insurance type, the employer-level lines and the due date (the person
    lines are paged with `bill_persons`)."""
    lines = bill_lines(actor, employer, month)
    totals = totals_of(lines)
    other = list(
        lines.exclude(kind__in=PERSON_KINDS, person__isnull=False)
        .select_related("insurance_type", "person")
        .order_by("insurance_type_id", "kind", "pk")
    )
    due = lines.filter(kind__in=(*PERSON_KINDS, ReceivableKind.UNDECLARED)).order_by("due_date").first()
    persons = lines.filter(kind__in=PERSON_KINDS, person__isnull=False).values("person_id").distinct().count()
    return Bill(
        employer=employer,
        month=month,
        totals=totals,
        types=[t.code for t in totals.types],
        other_lines=other,
        due_date=due.due_date if due else None,
        persons_count=persons,
    )


def bill_persons(actor, employer: Employer, month: dt.date, *, page: int = 1, per_page: int = 50):
    """One page of the bill's persons (by name), each with its parts per insurance type: (page, [PersonBill])."""
    lines = bill_lines(actor, employer, month).filter(kind__in=PERSON_KINDS, person__isnull=False)
    people = (
        lines.values("person_id", "person__name", "person__id_number").distinct().order_by("person__name", "person_id")
    )
    paginator = Paginator(people, per_page)
    page_obj = paginator.get_page(page)
    ids = [p["person_id"] for p in page_obj.object_list]
    bills = {p["person_id"]: PersonBill(p["person_id"], p["person__name"], p["person__id_number"]) for p in page_obj}
    for line in lines.filter(person_id__in=ids).order_by("insurance_type_id"):
        bills[line.person_id].parts[line.insurance_type_id] = PersonPart(
            line.insurance_type_id,
            line.base,
            line.employer_rate,
            line.employer_amount,
            line.individual_rate,
            line.individual_amount,
            line.kind,
        )
    return page_obj, [bills[i] for i in ids]
