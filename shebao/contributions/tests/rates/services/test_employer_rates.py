"""02020101 费率核定 and 02020201 费率调整 in the service: defaults, every refusal with nothing saved, effective-month
lookups, the assessed-months rule and its adjustment path, and the applier's re-checks."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from shebao.contributions.choices import ReceivableKind
from shebao.contributions.models import EmployerRate, Receivable
from shebao.contributions.services import rates as svc
from shebao.contributions.services.rates import (
    employer_rate_change,
    employer_rate_determine,
    employer_rate_for,
    employer_rates_in_force,
)
from shebao.core.cases import case_approve
from shebao.core.errors import ConflictError, PermissionDeniedError
from shebao.core.models import AuditEvent, Case
from shebao.registration.choices import EmployerStatus
from shebao.registration.models import EmployerInsurance
from shebao.registration.tests.factories import EmployerFactory, EmployerUserFactory
from shebao.testing import assert_refused

from ..conftest import month_add, rated_employer, this_month

pytestmark = [pytest.mark.django_db, pytest.mark.catalog("02020101", "02020201")]
GUARDED = (Case, AuditEvent, EmployerRate)


def _unit(agencies, **kw):
    return EmployerFactory(agency=agencies["a"], **kw)


def _assessed(employer, month: dt.date):
    """A monthly assessment line of the employer's work-injury insurance (what the 020301 batch writes)."""
    return Receivable.objects.create(
        kind=ReceivableKind.ASSESSMENT,
        agency=employer.agency,
        employer=employer,
        insurance_type_id="410",
        period=month,
        base=Decimal("5000.00"),
        employer_rate=Decimal("0.002"),
        employer_amount=Decimal("10.00"),
        due_date=month.replace(day=15),
    )


# -- 02020101 -------------------------------------------------------------------------------------------------------


def test_determination_defaults_to_grade_one_from_the_work_injury_start_month(agencies, clerk, reviewer):
    start = month_add(this_month(), -2)
    employer = _unit(agencies, injury_risk_class=4, registered_on=start)
    case = employer_rate_determine(actor=clerk, employer=employer)
    assert case.payload["valid_from"] == start.isoformat() and case.payload["float_grade"] == "1.000"
    case = case_approve(actor=reviewer, case=case)
    row = EmployerRate.objects.get(employer=employer)
    assert (row.valid_from, row.risk_class, row.employer_rate) == (start, 4, Decimal("0.009"))
    assert case.result["employer_rate"] == "0.009000" and case.result["reassess_from"] is None


@pytest.mark.parametrize(
    ("risk_class", "grade", "rate"),
    [(1, "1.0", "0.002"), (1, "1.5", "0.003"), (3, "1.2", "0.0084"), (7, "0.8", "0.0128"), (8, "0.5", "0.0095")],
)
def test_the_rate_is_the_class_base_rate_times_the_grade(agencies, clerk, risk_class, grade, rate):
    employer = _unit(agencies, injury_risk_class=risk_class)
    case = employer_rate_determine(actor=clerk, employer=employer, float_grade=grade)
    assert Decimal(case.payload["employer_rate"]) == Decimal(rate)


@pytest.mark.parametrize(("risk_class", "grade"), [(1, "0.5"), (1, "0.8"), (2, "2.0"), (5, "1.1"), (8, "0.49")])
def test_a_grade_outside_the_class_grades_is_refused(agencies, clerk, risk_class, grade):
    employer = _unit(agencies, injury_risk_class=risk_class)
    assert_refused(
        lambda: employer_rate_determine(actor=clerk, employer=employer, float_grade=grade),
        field="float_grade",
        status=400,
        message_contains=f"第{risk_class}类",
        nothing_saved=GUARDED,
    )


@pytest.mark.parametrize("grade", ["abc", "-1", "1.2345", "", "１.２x", "1e2"])
def test_a_grade_that_is_no_number_is_refused(agencies, clerk, grade):
    employer = _unit(agencies)
    assert_refused(
        lambda: employer_rate_determine(actor=clerk, employer=employer, float_grade=grade),
        field="float_grade",
        status=400,
        nothing_saved=GUARDED,
    )


def test_full_width_grade_digits_are_read(agencies, clerk):
    case = employer_rate_determine(actor=clerk, employer=_unit(agencies), float_grade="１.２")
    assert case.payload["float_grade"] == "1.200"


def test_effective_month_window(agencies, clerk):
    employer = _unit(agencies)  # in work injury from this month
    before = month_add(this_month(), -1)
    assert_refused(
        lambda: employer_rate_determine(actor=clerk, employer=employer, valid_from=f"{before:%Y-%m}"),
        field="valid_from",
        message_contains="起始月",
        nothing_saved=GUARDED,
    )
    too_late = month_add(this_month(), 13)  # contribution.rate.advance_months = 12
    assert_refused(
        lambda: employer_rate_determine(actor=clerk, employer=employer, valid_from=f"{too_late:%Y-%m}"),
        field="valid_from",
        message_contains="不能晚于",
        nothing_saved=GUARDED,
    )
    assert_refused(
        lambda: employer_rate_determine(actor=clerk, employer=employer, valid_from="2026-13"),
        field="valid_from",
        nothing_saved=GUARDED,
    )
    case = employer_rate_determine(actor=clerk, employer=employer, valid_from=f"{month_add(this_month(), 12):%Y-%m}")
    assert case.payload["valid_from"] == month_add(this_month(), 12).isoformat()


def test_a_unit_without_work_injury_insurance_is_refused(agencies, clerk):
    employer = _unit(agencies, insurances=["110", "210", "310"])
    assert_refused(
        lambda: employer_rate_determine(actor=clerk, employer=employer),
        field="non_field_errors",
        message_contains="未参加工伤保险",
        nothing_saved=GUARDED,
    )


def test_a_second_determination_is_refused_pointing_to_the_change(agencies, clerk):
    employer = rated_employer(agencies["a"])
    assert_refused(
        lambda: employer_rate_determine(actor=clerk, employer=employer),
        status=409,
        message_contains="02020201",
        nothing_saved=GUARDED,
    )


def test_a_cancelled_unit_is_refused(agencies, clerk):
    employer = _unit(agencies, status=EmployerStatus.CANCELLED)
    assert_refused(lambda: employer_rate_determine(actor=clerk, employer=employer), nothing_saved=GUARDED)


def test_employer_users_may_not_determine_their_own_rate(agencies):
    user = EmployerUserFactory(employer=_unit(agencies))
    error = assert_refused(
        lambda: employer_rate_determine(actor=user, employer=user.employer), status=403, nothing_saved=GUARDED
    )
    assert isinstance(error, PermissionDeniedError)


def test_assessed_months_need_the_adjustment_path(agencies, clerk, reviewer):
    start = month_add(this_month(), -3)
    employer = _unit(agencies, registered_on=start)
    _assessed(employer, start)
    _assessed(employer, month_add(start, 1))
    assert_refused(
        lambda: employer_rate_determine(actor=clerk, employer=employer, float_grade="1.2"),
        field="valid_from",
        message_contains="已核定应缴",
        nothing_saved=GUARDED,
    )
    # the month after the last assessed one needs no adjustment
    later = employer_rate_determine(actor=clerk, employer=employer, valid_from=f"{month_add(start, 2):%Y-%m}")
    assert later.payload["adjust_assessed"] is False


def test_adjustment_path_hands_the_assessed_months_to_the_hooks(agencies, clerk, reviewer, monkeypatch):
    start = month_add(this_month(), -3)
    employer = _unit(agencies, registered_on=start)
    _assessed(employer, start)
    _assessed(employer, month_add(start, 1))
    calls = []
    monkeypatch.setattr(svc, "RATE_ADJUSTMENT_HOOKS", [lambda **kw: calls.append(kw)])
    case = employer_rate_determine(actor=clerk, employer=employer, float_grade="1.5", adjust_assessed=True)
    case = case_approve(actor=reviewer, case=case)
    assert (case.result["reassess_from"], case.result["reassess_to"]) == (
        start.isoformat(),
        month_add(start, 1).isoformat(),
    )
    (call,) = calls
    assert (call["from_month"], call["to_month"]) == (start, month_add(start, 1))
    assert call["old_rate"] is None and call["new_rate"].employer_rate == Decimal("0.003")


def test_approval_refuses_a_rate_that_appeared_meanwhile(agencies, clerk, reviewer):
    employer = _unit(agencies)
    case = employer_rate_determine(actor=clerk, employer=employer)
    EmployerRate.objects.create(
        employer=employer, insurance_type_id="410", valid_from=this_month(), employer_rate=Decimal("0.002")
    )
    with pytest.raises(ConflictError):
        case_approve(actor=reviewer, case=case)
    case.refresh_from_db()
    assert case.status == "accepted" and EmployerRate.objects.filter(employer=employer).count() == 1


def test_approval_recomputes_with_the_parameters_of_the_day(agencies, clerk, reviewer):
    from ..conftest import set_parameter

    employer = _unit(agencies, injury_risk_class=2)
    case = employer_rate_determine(actor=clerk, employer=employer, float_grade="0.5")
    set_parameter("contribution.injury.float_grades.2", "1.0,1.2", on=dt.date(2016, 1, 1))
    with pytest.raises(ConflictError, match="费率参数已变化"):
        case_approve(actor=reviewer, case=case)


# -- 02020201 -------------------------------------------------------------------------------------------------------


def test_change_adds_a_row_and_the_month_lookup_returns_the_row_in_force(agencies, clerk, reviewer):
    first = month_add(this_month(), -6)
    employer = rated_employer(agencies["a"], valid_from=first)
    original = EmployerRate.objects.get(employer=employer)
    change_from = month_add(this_month(), 1)
    case = employer_rate_change(
        actor=clerk, employer=employer, reason="evaluation", float_grade="1.2", valid_from=f"{change_from:%Y-%m}"
    )
    case_approve(actor=reviewer, case=case)
    assert employer_rate_for(employer, "410", month_add(first, -1)) is None
    assert employer_rate_for(employer, "410", first) == original
    assert employer_rate_for(employer, "410", this_month()) == original
    assert employer_rate_for(employer, "410", change_from).employer_rate == Decimal("0.0024")
    assert employer_rate_for(employer, "410", month_add(change_from, 30)).employer_rate == Decimal("0.0024")
    assert employer_rate_for(employer, "110", this_month()) is None  # statutory types have no own rows
    original.refresh_from_db()
    assert (original.employer_rate, original.valid_from, original.float_grade) == (
        Decimal("0.002"),
        first,
        Decimal("1.0"),
    )


def test_rates_in_force_for_many_employers_in_one_query(agencies, django_assert_num_queries):
    a = rated_employer(agencies["a"], valid_from=month_add(this_month(), -2))
    b = rated_employer(agencies["a"], risk_class=2, grade="0.5", rate="0.002")
    EmployerRate.objects.create(
        employer=a,
        insurance_type_id="410",
        valid_from=this_month(),
        float_grade=Decimal("1.5"),
        risk_class=1,
        employer_rate=Decimal("0.003"),
    )
    with django_assert_num_queries(1):
        now = {r.employer_id: r.employer_rate for r in employer_rates_in_force(this_month())}
    assert now == {a.pk: Decimal("0.003"), b.pk: Decimal("0.002")}
    before = {r.employer_id: r.employer_rate for r in employer_rates_in_force(month_add(this_month(), -1))}
    assert before == {a.pk: Decimal("0.002")}


def test_change_must_start_after_the_current_rate(agencies, clerk):
    employer = rated_employer(agencies["a"])
    for month in (this_month(), month_add(this_month(), -1)):
        assert_refused(
            lambda m=month: employer_rate_change(
                actor=clerk, employer=employer, reason="evaluation", float_grade="1.2", valid_from=f"{m:%Y-%m}"
            ),
            field="valid_from",
            message_contains="现行费率起始月的次月",
            nothing_saved=GUARDED,
        )


def test_change_into_assessed_months_is_refused_unless_adjusted(agencies, clerk, reviewer, monkeypatch):
    first = month_add(this_month(), -4)
    employer = rated_employer(agencies["a"], valid_from=first)
    for m in range(3):
        _assessed(employer, month_add(first, m))
    last = month_add(first, 2)
    kwargs = {"reason": "correction", "float_grade": "1.5", "valid_from": f"{last:%Y-%m}", "note": "档次录入差错"}
    assert_refused(
        lambda: employer_rate_change(actor=clerk, employer=employer, **kwargs),
        field="valid_from",
        message_contains=f"{last:%Y-%m} 及以前",
        nothing_saved=GUARDED,
    )
    calls = []
    monkeypatch.setattr(svc, "RATE_ADJUSTMENT_HOOKS", [lambda **kw: calls.append(kw)])
    case = employer_rate_change(actor=clerk, employer=employer, adjust_assessed=True, **kwargs)
    case = case_approve(actor=reviewer, case=case)
    assert (case.result["reassess_from"], case.result["reassess_to"]) == (last.isoformat(), last.isoformat())
    assert calls[0]["old_rate"].employer_rate == Decimal("0.002")
    assert calls[0]["new_rate"].employer_rate == Decimal("0.003")


def test_industry_change_uses_the_registered_class(agencies, clerk, reviewer):
    employer = rated_employer(agencies["a"])
    month = f"{month_add(this_month(), 1):%Y-%m}"
    assert_refused(
        lambda: employer_rate_change(actor=clerk, employer=employer, reason="industry", valid_from=month),
        field="reason",
        message_contains="01010102",
        nothing_saved=GUARDED,
    )
    employer.injury_risk_class = 5  # as the 01010102 change of industry leaves it
    employer.save(update_fields=["injury_risk_class"])
    case = employer_rate_change(actor=clerk, employer=employer, reason="industry", valid_from=month)
    case = case_approve(actor=reviewer, case=case)
    row = employer_rate_for(employer, "410", month_add(this_month(), 1))
    assert (row.risk_class, row.float_grade, row.employer_rate) == (5, Decimal("1.0"), Decimal("0.011"))


def test_change_with_nothing_changed_or_without_a_rate_is_refused(agencies, clerk):
    employer = rated_employer(agencies["a"])
    month = f"{month_add(this_month(), 1):%Y-%m}"
    assert_refused(
        lambda: employer_rate_change(
            actor=clerk, employer=employer, reason="evaluation", float_grade="1.0", valid_from=month
        ),
        field="float_grade",
        message_contains="未发生变化",
        nothing_saved=GUARDED,
    )
    unrated = _unit(agencies)
    assert_refused(
        lambda: employer_rate_change(
            actor=clerk, employer=unrated, reason="evaluation", float_grade="1.2", valid_from=month
        ),
        message_contains="02020101",
        nothing_saved=GUARDED,
    )


def test_change_reports_every_bad_field_at_once(agencies, clerk):
    employer = rated_employer(agencies["a"])
    error = assert_refused(
        lambda: employer_rate_change(actor=clerk, employer=employer, reason="whim", float_grade="9", valid_from="x"),
        status=400,
        nothing_saved=GUARDED,
    )
    assert {"reason", "valid_from"} <= set(error.errors)
    error = assert_refused(
        lambda: employer_rate_change(
            actor=clerk, employer=employer, reason="other", float_grade="1.2", valid_from="2999-01"
        ),
        nothing_saved=GUARDED,
    )
    assert {"note", "valid_from"} <= set(error.errors)


def test_approval_refuses_a_change_overtaken_by_another(agencies, clerk, reviewer):
    employer = rated_employer(agencies["a"])
    month = month_add(this_month(), 1)
    case = employer_rate_change(
        actor=clerk, employer=employer, reason="evaluation", float_grade="1.2", valid_from=f"{month:%Y-%m}"
    )
    EmployerRate.objects.create(
        employer=employer, insurance_type_id="410", valid_from=month_add(month, 1), employer_rate=Decimal("0.003")
    )
    with pytest.raises(ConflictError, match="已被其他业务调整"):
        case_approve(actor=reviewer, case=case)


def test_determination_and_change_share_one_open_case_per_unit(agencies, clerk):
    employer = rated_employer(agencies["a"])
    first = employer_rate_change(
        actor=clerk,
        employer=employer,
        reason="evaluation",
        float_grade="1.2",
        valid_from=f"{month_add(this_month(), 1):%Y-%m}",
    )
    assert_refused(
        lambda: employer_rate_change(
            actor=clerk,
            employer=employer,
            reason="evaluation",
            float_grade="1.5",
            valid_from=f"{month_add(this_month(), 2):%Y-%m}",
        ),
        status=409,
        message_contains=first.number,
        nothing_saved=GUARDED,
    )


def test_removed_work_injury_insurance_is_not_rated(agencies, clerk):
    employer = _unit(agencies)
    EmployerInsurance.objects.filter(employer=employer, insurance_type_id="410").update(
        active=False, end_month=timezone.localdate().replace(day=1)
    )
    assert_refused(lambda: employer_rate_determine(actor=clerk, employer=employer), nothing_saved=GUARDED)
