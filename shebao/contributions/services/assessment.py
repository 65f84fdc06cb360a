"""020301 应缴额核定: start the monthly assessment of a region, and read what it assessed.

The assessment is a batch run (`contributions.assessment`, see `assessment_batch.py` and docs/batch.md): the "case"
of this item is the run itself — one main run per region and month (a second is a 409 naming it), supplementary
runs (补充核定) after it — started by a clerk holding the handle grant of 020301 and audited (`batch.start`).
Reads are scoped: staff see their agency subtree's lines, an employer user its own unit's, an insured person their
own (flexible workers' lines).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from shebao.core import validation as v
from shebao.core.access import is_staff, require_grant, scope_filter
from shebao.core.batch import batch_run_get_for, batch_runs_for, batch_start, region_prefix
from shebao.core.batch_models import BatchRun
from shebao.core.choices import Action
from shebao.core.errors import ApplicationError, ConflictError, NotFoundError
from shebao.registration.models import Employer, InsuranceType

from ..choices import ReceivableKind
from ..models import Receivable
from .assessment_batch import ITEM, KIND

ZERO = Decimal("0.00")


def _month_add(day: dt.date, months: int) -> dt.date:
    total = day.year * 12 + day.month - 1 + months
    return dt.date(total // 12, total % 12 + 1, 1)


def latest_assessable_month() -> dt.date:
    """The latest month that may be assessed: next month (contributions of a month fall due within it)."""
    return _month_add(timezone.localdate().replace(day=1), 1)


def _renamed(exc: ApplicationError, old: str, new: str) -> ApplicationError:
    errors = {(new if k == old else k): msgs for k, msgs in exc.errors.items()}
    return type(exc)(exc.message, errors=errors)


@transaction.atomic
def assessment_start(*, actor, region=None, month, supplementary: bool = False) -> BatchRun:
    """020301 应缴额核定: open the monthly assessment of a region (the main run, or a 补充核定 after it).

    Handle grant of 020301 (403); the region (default: the clerk's agency's) within the clerk's region (404); the
    month "YYYY-MM" not after next month (400 naming `month`); a second main run, or a supplementary run while an
    earlier run is not done, is a 409. The run is planned here (parameters resolved, chunks fixed) and executed by
    `batch_run` — in-process, or on Celery workers when a broker is configured.
    """
    require_grant(actor, ITEM, Action.HANDLE)
    if not is_staff(actor):
        raise NotFoundError("区划不在您的数据范围内", field="region")
    day = v.parse_month(month, field="month", label="核定月份")
    latest = latest_assessable_month()
    if day > latest:
        raise ApplicationError(f"核定月份不能晚于 {latest:%Y-%m}", field="month")
    if not isinstance(supplementary, bool):
        raise ApplicationError("是否补充核定应为是或否", field="supplementary")
    try:
        return batch_start(
            actor=actor,
            kind=KIND,
            region=region or actor.agency.region_id,
            period=f"{day:%Y-%m}",
            supplementary=supplementary,
        )
    except ApplicationError as exc:
        if "period" in exc.errors:
            raise _renamed(exc, "period", "month") from None
        raise


def assessment_runs_for(actor) -> QuerySet[BatchRun]:
    """The assessment runs the actor may see (staff of the region, view grant of 020301)."""
    return batch_runs_for(actor).filter(kind=KIND)


def assessment_run_get_for(*, actor, run_id) -> BatchRun:
    """One assessment run within scope, or 404."""
    run = batch_run_get_for(actor=actor, run_id=run_id)
    if run.kind != KIND:
        raise NotFoundError("应缴核定批次不存在")
    return run


def receivables_for(actor) -> QuerySet[Receivable]:
    """Ledger lines the actor may see: the agency subtree (staff), the own unit (employer), oneself (insured)."""
    return scope_filter(actor, Receivable.objects.all(), employer="employer_id", person="person_id")


# --------------------------------------------------------------------------------------------------------------
# Totals
# --------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TypeTotal:
    """One insurance type's totals: lines, persons, employer part, individual part."""

    code: str
    name: str
    lines: int
    persons: int
    employer: Decimal
    individual: Decimal

    @property
    def total(self) -> Decimal:
        return self.employer + self.individual


@dataclass(frozen=True)
class Totals:
    """Totals per insurance type and overall."""

    types: list[TypeTotal] = field(default_factory=list)

    @property
    def employer(self) -> Decimal:
        return sum((t.employer for t in self.types), ZERO)

    @property
    def individual(self) -> Decimal:
        return sum((t.individual for t in self.types), ZERO)

    @property
    def total(self) -> Decimal:
        return self.employer + self.individual

    @property
    def lines(self) -> int:
        return sum(t.lines for t in self.types)

    def as_dict(self) -> dict:
        """JSON-ready (amounts as decimal strings)."""
        return {
            "by_insurance_type": [
                {
                    "insurance_type": t.code,
                    "name": t.name,
                    "lines": t.lines,
                    "persons": t.persons,
                    "employer_amount": str(t.employer),
                    "individual_amount": str(t.individual),
                    "total": str(t.total),
                }
                for t in self.types
            ],
            "lines": self.lines,
            "employer_amount": str(self.employer),
            "individual_amount": str(self.individual),
            "total": str(self.total),
        }


def totals_of(lines: QuerySet[Receivable]) -> Totals:
    """Totals per insurance type of some ledger lines (one aggregate query)."""
    names = dict(InsuranceType.objects.values_list("code", "name"))
    rows = (
        lines.order_by()
        .values("insurance_type_id")
        .annotate(
            n=Count("id"),
            persons=Count("person_id", distinct=True),
            employer=Sum("employer_amount", default=ZERO),
            individual=Sum("individual_amount", default=ZERO),
        )
        .order_by("insurance_type_id")
    )
    return Totals(
        [
            TypeTotal(
                r["insurance_type_id"],
                names.get(r["insurance_type_id"], ""),
                r["n"],
                r["persons"],
                r["employer"],
                r["individual"],
            )
            for r in rows
        ]
    )


def run_totals(run: BatchRun) -> Totals:
    """What one run wrote, per insurance type (each line is owned by exactly one run)."""
    return totals_of(Receivable.objects.filter(batch_run=run))


def month_lines(actor, *, region, month: dt.date) -> QuerySet[Receivable]:
    """The month's lines of the region's agencies that the actor may see (every kind, every run)."""
    prefix = region_prefix(region)
    return receivables_for(actor).filter(period=month, agency__region__code__startswith=prefix)


def month_runs(actor, *, region, month: dt.date) -> QuerySet[BatchRun]:
    """The assessment runs of a region and month (main first)."""
    return assessment_runs_for(actor).filter(region=region, period=month).order_by("seq")


def employer_totals(lines: QuerySet[Receivable]) -> QuerySet:
    """Per employer: persons, lines, employer and individual part, total (for the drill-down list)."""
    return (
        lines.filter(employer__isnull=False)
        .order_by()
        .values("employer_id", "employer__name", "employer__reg_no")
        .annotate(
            n=Count("id"),
            persons=Count("person_id", distinct=True),
            employer_part=Sum("employer_amount", default=ZERO),
            individual_part=Sum("individual_amount", default=ZERO),
            undeclared=Count("id", filter=Q(kind=ReceivableKind.UNDECLARED)),
        )
        .order_by("employer__reg_no")
    )


def check_month(value, *, field_name: str = "month") -> dt.date:
    """A month "YYYY-MM" given to a read (400 naming the field)."""
    return v.parse_month(value, field=field_name, label="月份")


def employer_of(actor, employer_id) -> Employer:
    """The unit whose bill is asked for: within the actor's scope (an employer user: only its own), else 404."""
    from shebao.registration.selectors import employer_get_for

    return employer_get_for(actor=actor, employer_id=employer_id)


def conflict_message(run: BatchRun) -> str:
    """How a clerk is told that a month already has a main run."""
    return f"{run.period:%Y-%m} 已有主批次 #{run.pk}"


__all__ = [
    "ConflictError",
    "Totals",
    "TypeTotal",
    "assessment_run_get_for",
    "assessment_runs_for",
    "assessment_start",
    "check_month",
    "employer_of",
    "employer_totals",
    "month_lines",
    "month_runs",
    "receivables_for",
    "run_totals",
    "totals_of",
]
