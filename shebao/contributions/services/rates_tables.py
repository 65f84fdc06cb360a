"""Reads of 02020101–02020202 (no writes): an employer's full rate table for a month, a person's tier or base.

The rate table lists every insurance type the employer takes part in that month with the employer and individual
rate, where each comes from (the region's parameter, or the employer's own work-injury rate) and its legal
reference. The overview of a person lists the tier or base in force, the history and what may be chosen next.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q
from django.utils import timezone

from shebao.core.errors import ApplicationError
from shebao.registration.models import Employer, EmployerInsurance, InsuranceType, Person

from ..choices import ChoiceKind
from ..models import EmployerRate, PersonContributionChoice
from . import rates_rules as rules
from .rates import INJURY, employer_rate_for
from .rates_choices import choice_kind, choice_options, choice_types, period_label, period_start, person_choice_for

SOURCE_LABELS = {"parameter": "统筹地区费率", "employer": "单位核定费率", "missing": "未核定", "unset": "未配置"}


@dataclass
class RateLine:
    """One insurance type of an employer's rate table for a month."""

    insurance_type: str
    name: str
    employer_rate: Decimal | None
    individual_rate: Decimal | None
    source: str  # parameter | employer | missing | unset
    effective_from: dt.date | None = None
    reference: str = ""
    risk_class: int | None = None
    float_grade: Decimal | None = None
    base_rate: Decimal | None = None
    case_number: str = ""

    @property
    def source_label(self) -> str:
        """来源 in Chinese."""
        return SOURCE_LABELS[self.source]


@dataclass
class RateTable:
    """An employer's rates of one month: a line per insurance type, and warnings for the clerk."""

    employer: Employer
    month: dt.date
    lines: list[RateLine] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _types_in_force(employer: Employer, month: dt.date) -> list[EmployerInsurance]:
    return list(
        EmployerInsurance.objects.filter(employer=employer, start_month__lte=month)
        .filter(Q(end_month__isnull=True) | Q(end_month__gt=month))
        .select_related("insurance_type")
        .order_by("insurance_type_id")
    )


def _join(*refs: str) -> str:
    return "；".join(dict.fromkeys(r for r in refs if r))


def _parts_reference(employer_pv, individual_pv) -> str:
    """One reference when both parts rest on the same document, else each part's."""
    refs = {label: pv.legal_reference for label, pv in (("单位", employer_pv), ("个人", individual_pv)) if pv}
    if len(set(refs.values())) <= 1:
        return next(iter(refs.values()), "")
    return "；".join(f"{label}：{ref}" for label, ref in refs.items() if ref)


def _injury_line(employer: Employer, month: dt.date, name: str, individual) -> tuple[RateLine, list[str]]:
    row = employer_rate_for(employer, INJURY, month)
    rate_individual = individual.as_decimal() if individual else None
    if row is None:
        line = RateLine(INJURY, name, None, rate_individual, "missing", reference="尚未办理费率核定（02020101）")
        return line, [f"{month:%Y-%m} 尚未核定工伤保险费率，请办理费率核定（02020101）"]
    base = None
    reference = ""
    if row.risk_class:
        try:
            base_pv = rules.lookup(
                f"contribution.injury.base_rate.{row.risk_class}", region=employer.agency.region_id, on=row.valid_from
            )
            base, reference = base_pv.as_decimal(), base_pv.legal_reference
        except ApplicationError:
            pass
    grade = rules.grade_str(row.float_grade) if row.float_grade is not None else None
    detail = f"第{row.risk_class}类行业基准费率 {base} × 浮动档次 {grade}" if base is not None and grade else ""
    line = RateLine(
        INJURY,
        name,
        row.employer_rate,
        rate_individual,
        "employer",
        effective_from=row.valid_from,
        reference=_join(reference, detail),
        risk_class=row.risk_class,
        float_grade=row.float_grade,
        base_rate=base,
        case_number=row.case.number if row.case_id else "",
    )
    warnings = []
    if row.risk_class and row.risk_class != employer.injury_risk_class:
        warnings.append(
            f"单位登记的工伤风险类别（{employer.injury_risk_class}类）与现行费率的风险类别（{row.risk_class}类）不一致，"
            "请办理费率调整（02020201）"
        )
    return line, warnings


def employer_rate_table(employer: Employer, month: dt.date, *, source=None) -> RateTable:
    """02020101: the employer's rate per insurance type in `month` — parameter rate or own rate, with its source."""
    month = month.replace(day=1)
    region = employer.agency.region_id
    table = RateTable(employer=employer, month=month)
    for ins in _types_in_force(employer, month):
        code, name = ins.insurance_type_id, ins.insurance_type.name
        employer_pv = rules.statutory_rate(code, "employer", region=region, on=month, source=source)
        individual_pv = rules.statutory_rate(code, "individual", region=region, on=month, source=source)
        if code == INJURY:
            line, warnings = _injury_line(employer, month, name, individual_pv)
            table.lines.append(line)
            table.warnings += warnings
            continue
        if employer_pv is None and individual_pv is None:
            table.lines.append(RateLine(code, name, None, None, "unset", reference="统筹地区尚未配置该险种费率"))
            continue
        dates = [pv.effective_from for pv in (employer_pv, individual_pv) if pv]
        table.lines.append(
            RateLine(
                code,
                name,
                employer_pv.as_decimal() if employer_pv else None,
                individual_pv.as_decimal() if individual_pv else None,
                "parameter",
                effective_from=max(dates),
                reference=_parts_reference(employer_pv, individual_pv),
            )
        )
    return table


def employer_rate_history(employer: Employer):
    """The employer's own rate rows, newest first (with the case that set each)."""
    return (
        EmployerRate.objects.filter(employer=employer)
        .select_related("insurance_type", "case")
        .order_by("insurance_type_id", "-valid_from")
    )


# ----------------------------------------------------------------------------------------------------------------
# A person's tier or base
# ----------------------------------------------------------------------------------------------------------------


@dataclass
class ChoiceLine:
    """The tier or base in force for one insurance type."""

    insurance_type: str
    name: str
    start_month: dt.date
    row: PersonContributionChoice | None

    @property
    def amount(self) -> Decimal | None:
        """The tier or base of the row in force (None when not determined)."""
        if self.row is None:
            return None
        return self.row.tier if self.row.tier is not None else self.row.base


@dataclass
class ChoiceOverview:
    """What a resident or flexible worker has chosen and may choose next."""

    person: Person
    kind: str | None
    today: dt.date
    lines: list[ChoiceLine] = field(default_factory=list)
    next_period: dt.date | None = None
    options: object | None = None  # rates_rules.TierOptions or BaseBand for the next period
    options_error: str = ""

    @property
    def kind_label(self) -> str:
        """城乡居民养老保险缴费档次 / 灵活就业人员缴费基数."""
        return ChoiceKind(self.kind).label if self.kind else ""

    @property
    def determined(self) -> bool:
        """Whether every type has a choice (then a change is the way to a new one)."""
        return bool(self.lines) and all(line.row for line in self.lines)

    @property
    def next_label(self) -> str:
        """The next period as people read it."""
        return period_label(self.kind, self.next_period) if self.kind and self.next_period else ""


def person_choice_overview(person: Person, *, today: dt.date | None = None) -> ChoiceOverview:
    """02020102 / 02020202: the person's tier or base now, and the options for the next period."""
    today = today or timezone.localdate()
    kind = choice_kind(person)
    view = ChoiceOverview(person=person, kind=kind, today=today)
    if kind is None:
        return view
    names = dict(InsuranceType.objects.values_list("code", "name"))
    now = period_start(kind, today)
    for code, enrolment in choice_types(person).items():
        row = person_choice_for(person, code, now) or person_choice_for(person, code, dt.date(9999, 12, 1))
        view.lines.append(ChoiceLine(code, names.get(code, code), enrolment.start_month, row))
    region = person.agency.region_id
    try:
        view.next_period = rules.next_period(kind, region=region, today=today)
        first = max((period_start(kind, line.start_month) for line in view.lines), default=now)
        view.options = choice_options(kind, region=region, on=view.next_period if view.determined else first)
    except ApplicationError as exc:
        view.options_error = exc.message
    return view


def person_choice_history(person: Person):
    """The person's tier and base rows, newest first (superseded ones included, marked)."""
    return (
        PersonContributionChoice.objects.filter(person=person)
        .select_related("insurance_type", "case")
        .order_by("-valid_from", "insurance_type_id", "-pk")
    )
