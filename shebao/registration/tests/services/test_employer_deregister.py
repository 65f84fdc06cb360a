"""01010103 单位注销登记."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from shebao.conftest import person_data
from shebao.core.cases import case_approve
from shebao.core.choices import CaseStatus
from shebao.core.errors import ApplicationError, ConflictError, NotFoundError
from shebao.core.models import AuditEvent, Case
from shebao.registration.choices import EmployerStatus, EnrolmentStatus
from shebao.registration.models import Enrolment
from shebao.registration.services import employer_deregister, person_change, person_enrol
from shebao.testing import assert_refused, material_files

pytestmark = [pytest.mark.django_db, pytest.mark.catalog("01010103")]


def _today():
    return timezone.localdate()


def _leave(clerk, reviewer, person):
    """减员: suspend every active insurance type of the person at their unit."""
    codes = list(person.enrolments.filter(status="active").values_list("insurance_type_id", flat=True))
    case = person_change(
        actor=clerk, person=person, suspend_insurances=codes, reason="解除劳动关系", change_month=f"{_today():%Y-%m}"
    )
    return case_approve(actor=reviewer, case=case)


SAVED = (Case, AuditEvent)  # nothing of these is written by a refused request


def test_refused_while_employees_are_active(clerk, make_employer, make_person):
    employer = make_employer()
    make_person(employer)
    make_person(employer)
    error = assert_refused(
        lambda: employer_deregister(
            actor=clerk, employer=employer, reason="歇业", cancel_date=_today(), materials=material_files("01010103")
        ),
        field="employer",
        nothing_saved=SAVED,
    )
    assert "2 名在职参保人员" in error.errors["employer"][0]


def test_succeeds_after_the_employees_leave(clerk, reviewer, make_employer, make_person):
    employer = make_employer()
    people = [make_person(employer) for _ in range(2)]
    for person in people:
        _leave(clerk, reviewer, person)
    case = employer_deregister(
        actor=clerk, employer=employer, reason="歇业", cancel_date=_today(), materials=material_files("01010103")
    )
    employer.refresh_from_db()
    assert employer.status == EmployerStatus.ACTIVE  # not before approval
    case = case_approve(actor=reviewer, case=case)
    assert case.status == CaseStatus.COMPLETED
    employer.refresh_from_db()
    assert employer.status == EmployerStatus.CANCELLED
    assert employer.cancelled_on == _today() and employer.cancel_reason == "歇业"
    assert not employer.insurances.filter(active=True).exists()
    assert set(employer.insurances.values_list("end_month", flat=True)) == {_today().replace(day=1)}
    # The suspended relationships of former employees end with the unit.
    rows = Enrolment.objects.filter(employer=employer)
    assert {r.status for r in rows} == {EnrolmentStatus.ENDED}
    assert {r.end_reason for r in rows} == {"单位注销"}
    event = AuditEvent.objects.get(action="employer.cancel")
    assert event.before["status"] == "active" and event.after["status"] == "cancelled"


def test_unit_without_employees_can_be_cancelled(clerk, reviewer, make_employer):
    employer = make_employer()
    case_approve(
        actor=reviewer,
        case=employer_deregister(
            actor=clerk,
            employer=employer,
            reason="注销",
            cancel_date=_today().isoformat(),
            materials=material_files("01010103"),
        ),
    )
    employer.refresh_from_db()
    assert employer.status == EmployerStatus.CANCELLED


def test_deregistration_checks_hook_blocks(clerk, make_employer, monkeypatch):
    employer = make_employer()
    calls = []

    def arrears(unit):
        calls.append(unit.pk)
        return ["单位尚有欠缴社会保险费 1,234.56 元"]

    monkeypatch.setattr("shebao.registration.services.employers.DEREGISTRATION_CHECKS", [arrears])
    error = assert_refused(
        lambda: employer_deregister(
            actor=clerk, employer=employer, reason="歇业", cancel_date=_today(), materials=material_files("01010103")
        ),
        field="employer",
        nothing_saved=SAVED,
    )
    assert error.errors["employer"] == ["单位尚有欠缴社会保险费 1,234.56 元"]
    assert calls == [employer.pk]


def test_hook_also_blocks_at_approval(clerk, reviewer, make_employer, monkeypatch):
    employer = make_employer()
    case = employer_deregister(
        actor=clerk, employer=employer, reason="歇业", cancel_date=_today(), materials=material_files("01010103")
    )
    monkeypatch.setattr("shebao.registration.services.employers.DEREGISTRATION_CHECKS", [lambda unit: ["欠费"]])
    with pytest.raises(ConflictError):
        case_approve(actor=reviewer, case=case)
    case.refresh_from_db()
    employer.refresh_from_db()
    assert case.status == CaseStatus.ACCEPTED
    assert employer.status == EmployerStatus.ACTIVE


def test_employee_hired_after_application_blocks_approval(clerk, reviewer, make_employer):
    employer = make_employer()
    case = employer_deregister(
        actor=clerk, employer=employer, reason="歇业", cancel_date=_today(), materials=material_files("01010103")
    )
    case_approve(actor=reviewer, case=person_enrol(actor=clerk, employer=employer, data=person_data()))
    with pytest.raises(ConflictError):
        case_approve(actor=reviewer, case=case)


@pytest.mark.parametrize(
    ("reason", "day", "field"),
    [
        ("", "today", "reason"),
        ("歇业", "", "cancel_date"),
        ("歇业", "tomorrow", "cancel_date"),
        ("歇业", "2026-02-30", "cancel_date"),
        ("歇业", "2000-01-01", "cancel_date"),  # before registration
        ("x" * 201, "today", "reason"),
    ],
)
def test_input_errors(clerk, make_employer, reason, day, field):
    employer = make_employer()
    day = {"today": _today(), "tomorrow": _today() + dt.timedelta(days=1)}.get(day, day)
    assert_refused(
        lambda: employer_deregister(
            actor=clerk, employer=employer, reason=reason, cancel_date=day, materials=material_files("01010103")
        ),
        field=field,
        nothing_saved=SAVED,
    )


def test_cancelled_unit_cannot_be_cancelled_again_or_take_employees(clerk, reviewer, make_employer):
    employer = make_employer()
    case_approve(
        actor=reviewer,
        case=employer_deregister(
            actor=clerk, employer=employer, reason="歇业", cancel_date=_today(), materials=material_files("01010103")
        ),
    )
    employer.refresh_from_db()
    assert_refused(
        lambda: employer_deregister(
            actor=clerk, employer=employer, reason="歇业", cancel_date=_today(), materials=material_files("01010103")
        ),
        field="status",
        nothing_saved=SAVED,
    )
    with pytest.raises(ApplicationError) as exc:
        person_enrol(actor=clerk, employer=employer, data=person_data())
    assert "employer" in exc.value.errors


def test_scope_clerk_b(clerk_b, make_employer):
    employer = make_employer()
    with pytest.raises(NotFoundError):
        employer_deregister(
            actor=clerk_b, employer=employer, reason="歇业", cancel_date=_today(), materials=material_files("01010103")
        )
