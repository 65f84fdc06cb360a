"""Shebao's rules library: pure functions over dated parameters, shared by batches, services and calculators.

Stable API (keyword-only arguments; the batch assessment and the public calculators call the same functions):

Parameter sources (`shebao.rules.source`)
    ParamSource            callable (key, region, on) -> core.parameters.ParamValue, plus .history(key, region,
                           start, end), .exists(key, region), .check_region(region)
    DatabaseSource()       the default: core.parameters.param_lookup for every read
    CachedSource()         for batches and multi-month requests: each (key, region) read once, then in memory
    StaticSource(values) / StaticSource.from_yaml()   no database (tests, what-if)

Contributions (`shebao.rules.contributions`; months are dates, money Decimal, amounts to the fen half up)
    base_bounds(on, region=None, category="employee", params=None) -> BaseBounds(average_wage, lower, upper, trace)
    contribution_base(on, declared_monthly_wage, region=None, category="employee", params=None)
        -> BaseResult(declared, base, lower, upper, average_wage, bounded "lower"|"upper"|"", trace)
    injury_rate(on, risk_class 1..8, grade=None (1.0), region=None, params=None)
        -> InjuryRate(risk_class, base_rate, grade, grades, rate, trace)
    contribution_rates(month, insurance_type, region=None, category="employee", injury_class=None,
        injury_grade=None, override=RateOverride(employer, individual)|None, params=None)
        -> Rates(insurance_type, employer_rate, individual_rate, trace)
    line_amount(base, rate) -> Decimal         one ledger amount: to_fen(base × rate)
    contribution(month, base, insurance_types, region=None, category="employee", rates={type: RateOverride},
        injury_class=None, injury_grade=None, params=None)
        -> ContributionResult(month, base, category, lines (ContributionLine: insurance_type, name, employer_rate,
           employer_amount, individual_rate, individual_amount), employer_total, individual_total, total, trace)
    resident_pension(year, tier, region=None, params=None)
        -> ResidentPension(year, tier, tiers, subsidy, account_credit, trace)

Due dates, late fees, back-payment (`shebao.rules.late_fees`; day-count convention in that module's docstring)
    due_date(month, region=None, params=None) -> DueDate(month, date, trace)
    late_fee_days(due, paid) -> int            paid − due, at least 0
    late_fee(principal, due_date=None, paid_date=None, days=None, on=None, region=None, params=None)
        -> LateFee(principal, days, segments, uncapped, cap, late_fee, trace)
    back_payment(from_month, to_month, base, insurance_types, paid_date, region=None, category="employee",
        rates=None, injury_class=None, injury_grade=None, with_late_fee=True, params=None)
        -> BackPayment(lines (BackPaymentLine: month, due_date, days, employer_amount, individual_amount,
           principal, late_fee), employer_total, individual_total, principal_total, late_fee_total, total, trace)

Policy (`shebao.rules.policy`)
    collector(on, region=None, params=None) -> Collector(code "agency"|"tax", label, trace)
    undeclared_amount(previous_amount, month, region=None, params=None) -> UndeclaredAmount(previous, ratio, amount,
        trace)
    deferral_limits(on, region=None, params=None) -> DeferralLimits(max_months, insurance_types, trace)
    arrears_notice_days(on, region=None, params=None) -> int

Every result's `trace` is a tuple of `TraceStep(step, value, parameter, effective_from, reference, region)`;
`step.as_dict()` is the API form. Bad input raises `core.errors.ApplicationError` naming the input field.
"""

from .contributions import (
    CATEGORIES,
    EMPLOYEE,
    FLEXIBLE,
    INSURANCE_TYPE_NAMES,
    RATED_TYPES,
    BaseBounds,
    BaseResult,
    ContributionLine,
    ContributionResult,
    InjuryRate,
    RateOverride,
    Rates,
    ResidentPension,
    base_bounds,
    contribution,
    contribution_base,
    contribution_rates,
    injury_rate,
    line_amount,
    month_start,
    resident_pension,
)
from .late_fees import (
    BackPayment,
    BackPaymentLine,
    DueDate,
    LateFee,
    back_payment,
    due_date,
    late_fee,
    late_fee_days,
    months_between,
)
from .policy import arrears_notice_days, collector, deferral_limits, undeclared_amount
from .source import CachedSource, DatabaseSource, ParamSource, StaticSource, default_source
from .trace import TraceStep

__all__ = [
    "CATEGORIES",
    "EMPLOYEE",
    "FLEXIBLE",
    "INSURANCE_TYPE_NAMES",
    "RATED_TYPES",
    "BackPayment",
    "BackPaymentLine",
    "BaseBounds",
    "BaseResult",
    "CachedSource",
    "ContributionLine",
    "ContributionResult",
    "DatabaseSource",
    "DueDate",
    "InjuryRate",
    "LateFee",
    "ParamSource",
    "RateOverride",
    "Rates",
    "ResidentPension",
    "StaticSource",
    "TraceStep",
    "arrears_notice_days",
    "back_payment",
    "base_bounds",
    "collector",
    "contribution",
    "contribution_base",
    "contribution_rates",
    "default_source",
    "deferral_limits",
    "due_date",
    "injury_rate",
    "late_fee",
    "late_fee_days",
    "line_amount",
    "month_start",
    "months_between",
    "resident_pension",
    "undeclared_amount",
]
