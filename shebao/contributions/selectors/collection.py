"""Scoped reads of collection (020401, 020402, 020501): who collects, arrears lines and their ageing, payments.

Arrears are read from the `ArrearsLine` view (receivables − allocations), always through `scope_filter`: a clerk
sees the agency subtree, an employer user its own unit, an insured person their own lines.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Case, CharField, DecimalField, F, Min, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Coalesce

from shebao.core.access import scope_filter
from shebao.core.errors import ApplicationError, NotFoundError
from shebao.core.money import to_fen
from shebao.core.parameters import param_lookup

from ..choices import Collector, LineClass, PaymentChannel
from ..models import ArrearsLine, Payment, PaymentAllocation

ZERO = Decimal("0.00")
MONEY_FIELD = DecimalField(max_digits=16, decimal_places=2)

# Ageing buckets by days past the due date (as_of − due_date); lines not yet due are kept apart.
BUCKETS: tuple[tuple[str, str, int | None, int | None], ...] = (
    ("not_due", "未到期", None, -1),
    ("days_0_30", "0–30天", 0, 30),
    ("days_31_90", "31–90天", 31, 90),
    ("days_91_180", "91–180天", 91, 180),
    ("days_181_365", "181–365天", 181, 365),
    ("days_over_365", "365天以上", 366, None),
)
BUCKET_LABELS = {key: label for key, label, _, _ in BUCKETS}
PAST_DUE = tuple(key for key, *_ in BUCKETS if key != "not_due")


def collector_for(region_code: str | None, on: dt.date) -> str:
    """Who collects in a region on a date: `agency` or `tax` (parameter `contribution.collector`).

    A database without the parameter (before the contribution parameters are loaded) collects by the agency,
    the arrangement of 社会保险费征缴暂行条例第六条 until a province decides otherwise.
    """
    try:
        value = param_lookup("contribution.collector", region=region_code, on=on).value.strip()
    except ApplicationError as exc:
        if "未配置" in exc.message:
            return Collector.AGENCY
        raise
    if value not in Collector.values:
        raise ApplicationError(
            f"参数 contribution.collector 的取值“{value}”无效（应为 agency 或 tax），请系统管理员更正",
            field="parameter",
        )
    return value


def bucket_of(due_date: dt.date, as_of: dt.date) -> str:
    """The ageing bucket of a line due on `due_date`, seen on `as_of`."""
    days = (as_of - due_date).days
    for key, _, low, high in BUCKETS:
        if (low is None or days >= low) and (high is None or days <= high):
            return key
    return "days_over_365"  # unreachable: the buckets cover every day count


def _bucket_conditions(as_of: dt.date) -> list[tuple[str, Q]]:
    """(bucket, condition on due_date) — date comparisons, so the same SQL runs on PostgreSQL and SQLite."""
    out = []
    for key, _, low, high in BUCKETS:
        q = Q()
        if low is not None:  # days >= low  ⇔  due_date <= as_of − low
            q &= Q(due_date__lte=as_of - dt.timedelta(days=low))
        if high is not None:  # days <= high  ⇔  due_date >= as_of − high
            q &= Q(due_date__gte=as_of - dt.timedelta(days=high))
        out.append((key, q))
    return out


def bucket_expression(as_of: dt.date):
    """SQL CASE giving each arrears line its ageing bucket on `as_of`."""
    return Case(
        *[When(cond, then=Value(key)) for key, cond in _bucket_conditions(as_of)],
        default=Value("days_over_365"),
        output_field=CharField(),
    )


def subtree_ids(agency) -> list[int]:
    """Ids of an agency and those below it — as a list, so that a filter on the arrears view is pushed down into it
    (a join to the agency table would make PostgreSQL aggregate the whole ledger first)."""
    from shebao.core.models import Agency

    return list(Agency.objects.filter(path__startswith=agency.path).values_list("pk", flat=True))


def arrears_scope(actor) -> QuerySet[ArrearsLine]:
    """Every arrears line the actor may see (agency subtree, own unit, oneself)."""
    from shebao.core.access import is_staff

    if is_staff(actor):
        return ArrearsLine.objects.filter(agency_id__in=subtree_ids(actor.agency))
    return scope_filter(actor, ArrearsLine.objects.all(), employer="employer_id", person="person_id")


def arrears_lines(
    *,
    actor,
    employer=None,
    person=None,
    agency=None,
    as_of: dt.date | None = None,
    outstanding_only: bool = True,
    insurance_type: str | None = None,
    period: dt.date | None = None,
) -> QuerySet[ArrearsLine]:
    """020501 欠费明细: arrears per payer, person, insurance type, month and class, with `bucket` and `arrears`.

    `employer` gives the unit's lines (its employees' and its own); `person` a person paying alone; `agency` the
    lines of an agency subtree. Only lines with something outstanding, unless `outstanding_only=False`.
    """
    from django.utils import timezone

    as_of = as_of or timezone.localdate()
    qs = arrears_scope(actor)
    if employer is not None:
        qs = qs.filter(employer_id=employer.pk)
    if person is not None:
        qs = qs.filter(employer__isnull=True, person_id=person.pk)
    if agency is not None:
        qs = qs.filter(agency_id__in=subtree_ids(agency))
    if insurance_type:
        qs = qs.filter(insurance_type_id=insurance_type)
    if period:
        qs = qs.filter(period=period)
    if outstanding_only:
        qs = qs.exclude(employer_arrears=0, individual_arrears=0)
    return (
        qs.select_related("insurance_type", "person", "employer")
        .annotate(bucket=bucket_expression(as_of), outstanding=F("employer_arrears") + F("individual_arrears"))
        .order_by("period", "-line_class", "insurance_type_id", "person_id", "id")  # contributions before late fees
    )


@dataclass
class ArrearsSummary:
    """020501: one payer's arrears in totals — by part and class, by ageing bucket, by insurance type, by month."""

    as_of: dt.date
    employer_arrears: Decimal = ZERO
    individual_arrears: Decimal = ZERO
    late_fee: Decimal = ZERO
    buckets: dict[str, Decimal] = field(default_factory=dict)
    by_type: list[dict] = field(default_factory=list)
    by_period: list[dict] = field(default_factory=list)
    credit: Decimal = ZERO
    lines: int = 0

    @property
    def total(self) -> Decimal:
        """Everything outstanding (due or not yet due)."""
        return self.employer_arrears + self.individual_arrears + self.late_fee

    @property
    def past_due(self) -> Decimal:
        """What is overdue on `as_of` (欠费)."""
        return sum((self.buckets.get(k, ZERO) for k in PAST_DUE), ZERO)

    @property
    def not_due(self) -> Decimal:
        return self.buckets.get("not_due", ZERO)

    def bucket_rows(self) -> list[tuple[str, str, Decimal]]:
        """(key, label, amount) in bucket order."""
        return [(key, label, self.buckets.get(key, ZERO)) for key, label, *_ in BUCKETS]


def _sum(qs, expr) -> Decimal:
    """A sum to the fen (SQLite sums decimals as floating point; PostgreSQL's numeric sums are exact already)."""
    return to_fen(qs.aggregate(v=Coalesce(Sum(expr), Value(ZERO), output_field=MONEY_FIELD))["v"] or ZERO)


def arrears_summary(*, actor, employer=None, person=None, as_of: dt.date | None = None) -> ArrearsSummary:
    """020501 欠费汇总 of one unit (or one person paying alone): totals, ageing, by type and month, and credit."""
    from django.utils import timezone

    as_of = as_of or timezone.localdate()
    qs = arrears_lines(actor=actor, employer=employer, person=person, as_of=as_of)
    principal = qs.filter(line_class=LineClass.PRINCIPAL)
    summary = ArrearsSummary(as_of=as_of)
    summary.employer_arrears = _sum(principal, "employer_arrears")
    summary.individual_arrears = _sum(principal, "individual_arrears")
    summary.late_fee = _sum(qs.filter(line_class=LineClass.LATE_FEE), F("employer_arrears") + F("individual_arrears"))
    sums = {
        key: Coalesce(
            Sum(F("employer_arrears") + F("individual_arrears"), filter=cond), Value(ZERO), output_field=MONEY_FIELD
        )
        for key, cond in _bucket_conditions(as_of)
    }
    summary.buckets = {k: to_fen(v or ZERO) for k, v in qs.order_by().aggregate(**sums).items()}
    summary.by_type = list(
        qs.order_by()
        .values("insurance_type_id", "insurance_type__name")
        .annotate(
            employer=Sum("employer_arrears"),
            individual=Sum("individual_arrears"),
            total=Sum(F("employer_arrears") + F("individual_arrears")),
        )
        .order_by("insurance_type_id")
    )
    summary.by_period = list(
        qs.order_by()
        .values("period")
        .annotate(
            employer=Sum("employer_arrears"),
            individual=Sum("individual_arrears"),
            total=Sum(F("employer_arrears") + F("individual_arrears")),
        )
        .order_by("period")
    )
    summary.lines = qs.count()
    if employer is not None:
        summary.credit = credit_of(employer_id=employer.pk)
    elif person is not None:
        summary.credit = credit_of(person_id=person.pk)
    return summary


def agency_arrears(*, actor, agency=None, as_of: dt.date | None = None, q: str = "") -> QuerySet:
    """020501 欠费台账（机构）: one row per payer in scope with its arrears by class and ageing bucket."""
    from django.utils import timezone

    from shebao.registration.selectors import normalise_query

    as_of = as_of or timezone.localdate()
    qs = arrears_scope(actor).exclude(employer_arrears=0, individual_arrears=0)
    if agency is not None:
        qs = qs.filter(agency_id__in=subtree_ids(agency))
    term = normalise_query(q)
    if term is None:
        return qs.none().values("employer_id")
    if term:
        qs = qs.filter(
            Q(employer__name__contains=term)
            | Q(employer__reg_no=term)
            | Q(employer__uscc=term.upper())
            | Q(employer__isnull=True, person__name=term)
        )
    amount = F("employer_arrears") + F("individual_arrears")
    buckets = {
        key: Coalesce(Sum(amount, filter=cond), Value(ZERO), output_field=MONEY_FIELD)
        for key, cond in _bucket_conditions(as_of)
    }
    principal = Q(line_class=LineClass.PRINCIPAL)
    return (
        qs.order_by()
        .annotate(
            alone_id=Case(When(employer__isnull=True, then=F("person_id")), default=None),
            alone_name=Case(When(employer__isnull=True, then=F("person__name")), default=Value("")),
        )
        .values("employer_id", "employer__name", "employer__reg_no", "alone_id", "alone_name")
        .annotate(
            employer_part=Coalesce(Sum("employer_arrears", filter=principal), Value(ZERO), output_field=MONEY_FIELD),
            individual_part=Coalesce(
                Sum("individual_arrears", filter=principal), Value(ZERO), output_field=MONEY_FIELD
            ),
            late_fee=Coalesce(Sum(amount, filter=~principal), Value(ZERO), output_field=MONEY_FIELD),
            total=Sum(amount),
            oldest=Min("period"),
            **buckets,
        )
        .order_by("-total", "employer_id", "alone_id")
    )


def agency_totals(*, actor, as_of: dt.date | None = None) -> dict:
    """Everything open in the actor's scope: total, by ageing bucket, and the number of payers owing."""
    from django.db.models import Count
    from django.utils import timezone

    as_of = as_of or timezone.localdate()
    qs = arrears_scope(actor).exclude(employer_arrears=0, individual_arrears=0)
    amount = F("employer_arrears") + F("individual_arrears")
    sums = {
        key: Coalesce(Sum(amount, filter=cond), Value(ZERO), output_field=MONEY_FIELD)
        for key, cond in _bucket_conditions(as_of)
    }
    totals = qs.order_by().aggregate(
        total=Coalesce(Sum(amount), Value(ZERO), output_field=MONEY_FIELD),
        units=Count("employer_id", distinct=True),
        alone=Count("person_id", distinct=True, filter=Q(employer__isnull=True)),
        **sums,
    )
    totals["payers"] = totals.pop("units") + totals.pop("alone")
    return totals


def credit_of(*, employer_id: int | None = None, person_id: int | None = None) -> Decimal:
    """Money received but not yet applied to any due (预缴/溢缴余额) of a unit or a person paying alone."""
    payments = Payment.objects.exclude(channel=PaymentChannel.REFUND)
    if employer_id is not None:
        payments = payments.filter(employer_id=employer_id)
    else:
        payments = payments.filter(employer__isnull=True, person_id=person_id)
    received = _sum(payments, "amount")
    applied = _sum(
        PaymentAllocation.objects.filter(payment__in=payments.values("pk")), F("employer_part") + F("individual_part")
    )
    return received - applied


def payments_of(*, actor, employer=None, person=None) -> QuerySet[Payment]:
    """缴费记录 of a unit (or a person paying alone) within scope, newest first, with the applied amount."""
    qs = scope_filter(actor, Payment.objects.all(), employer="employer_id", person="person_id")
    if employer is not None:
        qs = qs.filter(employer_id=employer.pk)
    if person is not None:
        qs = qs.filter(employer__isnull=True, person_id=person.pk)
    return (
        qs.annotate(
            applied=Coalesce(
                Sum(F("allocations__employer_part") + F("allocations__individual_part")),
                Value(ZERO),
                output_field=MONEY_FIELD,
            )
        )
        .annotate(left=F("amount") - F("applied"))
        .order_by("-paid_on", "-id")
    )


def payment_get_for(*, actor, payment_id) -> Payment:
    """A payment within scope (agency subtree, own unit, oneself), else NotFoundError (404)."""
    qs = scope_filter(
        actor,
        Payment.objects.select_related("agency", "employer", "person", "case"),
        employer="employer_id",
        person="person_id",
    )
    try:
        return qs.get(pk=int(payment_id))
    except (Payment.DoesNotExist, ValueError, TypeError):
        raise NotFoundError("缴费记录不存在") from None


def _staff_scoped(actor, qs: QuerySet) -> QuerySet:
    """Agency staff see their subtree's records; nobody else sees these agency-side records."""
    from shebao.core.access import is_staff

    if not is_staff(actor):
        return qs.none()
    return qs.filter(agency__path__startswith=actor.agency.path)


def bank_files_for(actor, *, kind: str | None = None) -> QuerySet:
    """Files exchanged with banks and the tax authority in the actor's agency subtree, newest first."""
    from ..models import BankFile

    qs = _staff_scoped(actor, BankFile.objects.select_related("agency", "created_by").defer("content"))
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("-created_at", "-id")


def bank_file_get_for(*, actor, file_id, with_content: bool = False):
    """One exchanged file within scope, else NotFoundError (404)."""
    from ..models import BankFile

    qs = _staff_scoped(actor, BankFile.objects.select_related("agency", "created_by", "collection_file"))
    if not with_content:
        qs = qs.defer("content")
    try:
        return qs.get(pk=int(file_id))
    except (BankFile.DoesNotExist, ValueError, TypeError):
        raise NotFoundError("文件不存在") from None


def plans_for(actor) -> QuerySet:
    """征收计划 of the actor's agency subtree, newest month first."""
    from ..models import CollectionPlan

    qs = CollectionPlan.objects.select_related("agency", "case", "made_by", "approved_by")
    return _staff_scoped(actor, qs).order_by("-period", "-id")


def plan_get_for(*, actor, plan_id):
    from ..models import CollectionPlan

    try:
        return plans_for(actor).get(pk=int(plan_id))
    except (CollectionPlan.DoesNotExist, ValueError, TypeError):
        raise NotFoundError("征收计划不存在") from None


def ledgers_for(actor) -> QuerySet:
    """月度欠费台账 of the actor's agency subtree, newest month first."""
    from ..models import ArrearsLedger

    return _staff_scoped(actor, ArrearsLedger.objects.select_related("agency", "case")).order_by("-period", "-id")


def ledger_get_for(*, actor, ledger_id):
    from ..models import ArrearsLedger

    try:
        return ledgers_for(actor).get(pk=int(ledger_id))
    except (ArrearsLedger.DoesNotExist, ValueError, TypeError):
        raise NotFoundError("欠费台账不存在") from None


def agencies_for(actor) -> QuerySet:
    """The actor's agency and those below it (the agencies a clerk may plan, generate files or keep ledgers for)."""
    from shebao.core.access import is_staff
    from shebao.core.models import Agency

    if not is_staff(actor):
        return Agency.objects.none()
    return Agency.objects.filter(path__startswith=actor.agency.path).order_by("path")


def agency_by_code(code, *, field: str = "agency"):
    """An agency by its code (agencies are reference data; scope is checked by the service), else a 400."""
    from shebao.core.models import Agency

    text = str(code or "").strip()
    if not text:
        raise ApplicationError("经办机构不能为空", field=field)
    agency = Agency.objects.filter(code=text).first()
    if agency is None:
        raise ApplicationError(f"经办机构 {text[:20]} 不存在", field=field)
    return agency
