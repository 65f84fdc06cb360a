"""020103 缴费基数调整 (service): corrected base rows, ADJUSTMENT lines per assessed month and type, late fees
where the unit is at fault, negative lines when the base goes down; every refusal saves nothing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from shebao.contributions.choices import BaseSource, ReceivableKind
from shebao.contributions.models import ContributionBase, EmployerRate, Receivable
from shebao.contributions.selectors.wages import base_in_force
from shebao.contributions.services import wages_rules as rules
from shebao.contributions.services.wages_adjust import contribution_base_adjust
from shebao.contributions.services.wages_batch import run_base_determination
from shebao.core.cases import case_approve
from shebao.core.choices import CaseStatus, Channel
from shebao.core.models import AuditEvent, Case
from shebao.core.money import to_fen
from shebao.core.validation import month_add
from shebao.registration.tests.factories import EmployerUserFactory, EnrolmentFactory
from shebao.testing import assert_refused

from ..helpers import REGION, assessed, bounds, current_year, this_month, unit_with_staff, year_months

pytestmark = [pytest.mark.django_db, pytest.mark.catalog("020103")]

RATES = {"110": ("0.16", "0.08"), "310": ("0.095", "0.02")}  # 310: 杭州市 demo rate (330100), from 2020-01-01


def _assess(person, months, base: str, codes=("110", "310"), **kw):
    for month in months:
        for code in codes:
            assessed(person, month, code, base, *RATES[code], **kw)


def _adjust(actor, person, months, base: str, source: str = "audit", **kw):
    return contribution_base_adjust(
        actor=actor,
        person=person,
        from_month=f"{months[0]:%Y-%m}",
        to_month=f"{months[-1]:%Y-%m}",
        base=base,
        source=source,
        reason=kw.pop("reason", "稽核发现少报工资"),
        **kw,
    )


def _lines(kind):
    return {
        (r.period, r.insurance_type_id): (r.employer_amount, r.individual_amount)
        for r in Receivable.objects.filter(kind=kind)
    }


def test_upward_correction_found_by_audit_assesses_differences_and_late_fees(agencies, clerk, reviewer):
    unit, (person,) = unit_with_staff(agencies["a"], 1)
    months = year_months(2)
    run_base_determination("330102", current_year())
    _assess(person, months, "5000")
    case = case_approve(actor=reviewer, case=_adjust(clerk, person, months, "8000", document_no="杭人社稽〔2026〕1号"))

    expected = {}
    for month in months:
        expected[(month, "110")] = (Decimal("480.00"), Decimal("240.00"))  # 1280−800, 640−400
        expected[(month, "310")] = (Decimal("285.00"), Decimal("60.00"))  # 760−475, 160−100
    assert _lines(ReceivableKind.ADJUSTMENT) == expected
    today = timezone.localdate()
    fees = {}
    for month in months:
        due = month.replace(day=15)
        days = (today - due).days
        for code, principal in (("110", Decimal("720.00")), ("310", Decimal("345.00"))):
            fee = min(to_fen(principal * Decimal("0.0005") * days), principal)
            if days > 0 and fee:
                fees[(month, code)] = (fee, Decimal("0.00"))
    assert _lines(ReceivableKind.LATE_FEE) == fees
    line = Receivable.objects.filter(kind=ReceivableKind.ADJUSTMENT).first()
    assert line.case == case and line.employer == unit and line.due_date == line.period.replace(day=15)
    assert case.result["employer_diff"] == str(Decimal("765.00") * len(months))
    assert case.result["not_assessed"] == []

    # the base rows: the corrected one for the months, the earlier base again afterwards
    assert base_in_force(person.pk, months[0], current_year()).base == Decimal("8000.00")
    assert base_in_force(person.pk, months[-1], current_year()).source == BaseSource.ADJUSTED
    after = month_add(months[-1], 1)
    if after <= rules.year_months(current_year(), REGION)[1]:  # the earlier base resumes within the year
        resumed = base_in_force(person.pk, after, current_year())
        assert (resumed.base, resumed.source, resumed.case) == (bounds().lower, BaseSource.DEFAULT, case)
    assert ContributionBase.objects.filter(person=person, superseded_by__isnull=False).count() == 1
    assert AuditEvent.objects.filter(case=case, action="contribution_base.adjust").count() == 1


def test_downward_self_report_gives_negative_lines_and_no_late_fee(agencies, clerk, reviewer):
    _unit, (person,) = unit_with_staff(agencies["a"], 1)
    months = year_months(1)
    _assess(person, months, "8000")
    case_approve(actor=reviewer, case=_adjust(clerk, person, months, "5000", source="self_report"))
    assert _lines(ReceivableKind.ADJUSTMENT) == {
        (months[0], "110"): (Decimal("-480.00"), Decimal("-240.00")),
        (months[0], "310"): (Decimal("-285.00"), Decimal("-60.00")),
    }
    assert not Receivable.objects.filter(kind=ReceivableKind.LATE_FEE).exists()


def test_a_change_of_national_rules_carries_no_late_fee(agencies, clerk, reviewer):
    _unit, (person,) = unit_with_staff(agencies["a"], 1)
    months = year_months(1)
    _assess(person, months, "5000", codes=("110",))
    case_approve(actor=reviewer, case=_adjust(clerk, person, months, "6000", source="policy"))
    assert _lines(ReceivableKind.ADJUSTMENT) == {(months[0], "110"): (Decimal("160.00"), Decimal("80.00"))}
    assert not Receivable.objects.filter(kind=ReceivableKind.LATE_FEE).exists()


def test_months_not_yet_assessed_get_no_line_and_a_second_identical_adjustment_adds_none(agencies, clerk, reviewer):
    months = year_months(2)
    if len(months) < 2:
        pytest.skip("needs two months of the contribution year up to today")
    _unit, (person,) = unit_with_staff(agencies["a"], 1)
    _assess(person, months[:1], "5000", codes=("110",))
    case = case_approve(actor=reviewer, case=_adjust(clerk, person, months, "6000", source="policy"))
    assert case.result["not_assessed"] == [f"{months[1]:%Y-%m}"]
    assert Receivable.objects.filter(kind=ReceivableKind.ADJUSTMENT).count() == 1
    again = case_approve(actor=reviewer, case=_adjust(clerk, person, months, "6000", source="policy"))
    assert again.result["lines"] == 0, "the ledger already holds the corrected amounts"
    assert {base_in_force(person.pk, m, current_year()).base for m in months} == {Decimal("6000.00")}


def test_work_injury_uses_the_employers_own_rate_else_its_class_base_rate(agencies, clerk, reviewer):
    _unit, (person,) = unit_with_staff(agencies["a"], 1)  # risk class 1: base rate 0.002
    EnrolmentFactory(person=person, insurance_type_id="410")
    months = year_months(1)
    assessed(person, months[0], "410", "5000", "0.002", "0")
    case_approve(actor=reviewer, case=_adjust(clerk, person, months, "6000", source="policy"))
    assert _lines(ReceivableKind.ADJUSTMENT) == {(months[0], "410"): (Decimal("2.00"), Decimal("0.00"))}

    other, (person2,) = unit_with_staff(agencies["a"], 1)
    EnrolmentFactory(person=person2, insurance_type_id="410")
    EmployerRate.objects.create(
        employer=other,
        insurance_type_id="410",
        valid_from=dt.date(2020, 1, 1),
        float_grade=Decimal("1.5"),
        risk_class=1,
        employer_rate=Decimal("0.003"),
    )
    assessed(person2, months[0], "410", "5000", "0.003", "0")
    case_approve(actor=reviewer, case=_adjust(clerk, person2, months, "6000", source="policy"))
    line = Receivable.objects.get(kind=ReceivableKind.ADJUSTMENT, person=person2)
    assert (line.employer_rate, line.employer_amount) == (Decimal("0.003"), Decimal("3.00"))


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"to_month": "future"}, "to_month", "不能晚于本月"),
        ({"to_month": "before"}, "to_month", "不能早于起始月"),
        ({"from_month": "2019-13"}, "from_month", "有效的月份"),
        ({"base": "1"}, "base", "上下限"),
        ({"base": "-5"}, "base", "负数"),
        ({"source": "rumour"}, "source", "调整依据无效"),
        ({"reason": ""}, "reason", "调整原因不能为空"),
    ],
)
def test_refusals_name_the_field_and_save_nothing(agencies, clerk, change, field, message):
    _unit, (person,) = unit_with_staff(agencies["a"], 1)
    month = this_month()
    args = {
        "from_month": f"{month:%Y-%m}",
        "to_month": f"{month:%Y-%m}",
        "base": "8000",
        "source": "audit",
        "reason": "稽核发现少报",
    }
    args |= change
    if args["to_month"] == "future":
        args["to_month"] = f"{month_add(month, 1):%Y-%m}"
    elif args["to_month"] == "before":
        args["from_month"], args["to_month"] = f"{month:%Y-%m}", f"{month_add(month, -1):%Y-%m}"
    assert_refused(
        lambda: contribution_base_adjust(actor=clerk, person=person, **args),
        status=400,
        field=field,
        message_contains=message,
        nothing_saved=[Case, AuditEvent, ContributionBase, Receivable],
    )


def test_months_across_two_contribution_years_are_refused(agencies, clerk):
    _unit, (person,) = unit_with_staff(agencies["a"], 1)
    start = year_months(1)[0]
    assert_refused(
        lambda: contribution_base_adjust(
            actor=clerk,
            person=person,
            from_month=f"{month_add(start, -1):%Y-%m}",
            to_month=f"{start:%Y-%m}",
            base="8000",
            source="audit",
            reason="稽核",
        ),
        status=400,
        field="to_month",
        message_contains="同一缴费年度",
        nothing_saved=[Case],
    )


def test_the_unit_self_reports_online_for_its_own_employees_only(agencies, clerk):
    unit, (person,) = unit_with_staff(agencies["a"], 1)
    _other, (stranger,) = unit_with_staff(agencies["a"], 1)
    user = EmployerUserFactory(employer=unit)
    months = year_months(1)
    assert_refused(lambda: _adjust(user, person, months, "8000", source="audit"), field="source", status=400)
    case = _adjust(user, person, months, "8000", source="self_report", reason="自查发现少报奖金")
    assert (case.status, case.channel) == (CaseStatus.SUBMITTED, Channel.ONLINE)
    assert_refused(lambda: _adjust(user, stranger, months, "8000", source="self_report"), status=404)
