"""01010203 社会保险关系终止."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from shebao.conftest import person_data
from shebao.core.cases import case_approve
from shebao.core.choices import CaseStatus
from shebao.core.errors import ApplicationError, NotFoundError
from shebao.core.models import AuditEvent, Case
from shebao.registration.choices import PersonStatus, TerminationReason
from shebao.registration.models import Enrolment
from shebao.registration.services import person_change, person_enrol, person_terminate
from shebao.testing import assert_refused, material_files

pytestmark = [pytest.mark.django_db, pytest.mark.catalog("01010203")]


def _today():
    return timezone.localdate()


@pytest.fixture
def person(make_employer, make_person):
    return make_person(make_employer())


SAVED = (Case, AuditEvent)  # nothing of these is written by a refused request


def test_death_ends_every_enrolment(clerk, reviewer, person):
    # One type active, one suspended: both end.
    case_approve(
        actor=reviewer,
        case=person_change(
            actor=clerk, person=person, suspend_insurances=["310"], reason="停保", change_month=f"{_today():%Y-%m}"
        ),
    )
    case = person_terminate(
        actor=clerk,
        person=person,
        reason=TerminationReason.DEATH,
        end_date=_today(),
        materials=material_files("01010203"),
    )
    assert case.summary.endswith("（死亡）")
    person.refresh_from_db()
    assert person.status == PersonStatus.ACTIVE  # not before approval
    case = case_approve(actor=reviewer, case=case)
    assert case.status == CaseStatus.COMPLETED and case.result["enrolments_ended"] == 2
    person.refresh_from_db()
    assert person.status == PersonStatus.TERMINATED
    assert person.terminated_on == _today() and person.termination_reason == TerminationReason.DEATH
    rows = Enrolment.objects.filter(person=person)
    assert set(rows.values_list("status", "end_month", "end_reason")) == {
        ("ended", _today().replace(day=1), "关系终止：死亡")
    }
    event = AuditEvent.objects.get(action="person.terminate")
    assert event.before["status"] == "active" and event.after["status"] == "terminated"


def test_emigration_by_string_date(clerk, reviewer, person):
    day = _today() - dt.timedelta(days=3)
    case_approve(
        actor=reviewer,
        case=person_terminate(
            actor=clerk,
            person=person,
            reason="emigration",
            end_date=day.isoformat(),
            note="定居加拿大",
            materials=material_files("01010203"),
        ),
    )
    person.refresh_from_db()
    assert person.terminated_on == day and person.termination_reason == "emigration"


@pytest.mark.parametrize(
    ("reason", "end_date", "note", "field"),
    [
        ("death", "tomorrow", "", "end_date"),
        ("death", "", "", "end_date"),
        ("death", "2026-02-30", "", "end_date"),
        ("death", "1950-01-01", "", "end_date"),  # before birth
        ("retired", "today", "", "reason"),
        ("other", "today", "", "note"),
        ("death", "today", "x" * 201, "note"),
    ],
)
def test_input_errors(clerk, person, reason, end_date, note, field):
    day = {"today": _today(), "tomorrow": _today() + dt.timedelta(days=1)}.get(end_date, end_date)
    assert_refused(
        lambda: person_terminate(
            actor=clerk, person=person, reason=reason, end_date=day, note=note, materials=material_files("01010203")
        ),
        field=field,
        nothing_saved=SAVED,
    )


def test_termination_hooks_are_called_once_on_approval(clerk, reviewer, person, monkeypatch):
    calls = []

    def hook(*, person, case, actor):
        calls.append((person.pk, person.status, case.pk, actor.pk))

    monkeypatch.setattr("shebao.registration.services.persons.TERMINATION_HOOKS", [hook])
    case = person_terminate(
        actor=clerk, person=person, reason="death", end_date=_today(), materials=material_files("01010203")
    )
    assert calls == []
    case_approve(actor=reviewer, case=case)
    assert calls == [(person.pk, PersonStatus.TERMINATED, case.pk, reviewer.pk)]


def test_failing_hook_rolls_the_termination_back(clerk, reviewer, person, monkeypatch):
    def hook(**kwargs):
        raise ApplicationError("社保卡注销失败", field="card")

    monkeypatch.setattr("shebao.registration.services.persons.TERMINATION_HOOKS", [hook])
    case = person_terminate(
        actor=clerk, person=person, reason="death", end_date=_today(), materials=material_files("01010203")
    )
    with pytest.raises(ApplicationError):
        case_approve(actor=reviewer, case=case)
    person.refresh_from_db()
    case.refresh_from_db()
    assert person.status == PersonStatus.ACTIVE and case.status == CaseStatus.ACCEPTED
    assert not Enrolment.objects.filter(person=person, status="ended").exists()


def test_terminated_person_cannot_be_enrolled_changed_or_terminated_again(clerk, reviewer, person, make_employer):
    case_approve(
        actor=reviewer,
        case=person_terminate(
            actor=clerk, person=person, reason="death", end_date=_today(), materials=material_files("01010203")
        ),
    )
    person.refresh_from_db()
    with pytest.raises(ApplicationError) as exc:
        person_enrol(actor=clerk, employer=make_employer(), data=person_data(id_number=person.id_number))
    assert "已终止" in exc.value.errors["id_number"][0]
    with pytest.raises(ApplicationError) as exc:
        person_change(actor=clerk, person=person, changes={"phone": "13700000000"})
    assert "status" in exc.value.errors
    assert_refused(
        lambda: person_terminate(
            actor=clerk, person=person, reason="death", end_date=_today(), materials=material_files("01010203")
        ),
        field="status",
        nothing_saved=SAVED,
    )


def test_enrolment_pending_when_terminated_is_refused_at_approval(clerk, reviewer, person, make_employer):
    from shebao.core.errors import ConflictError

    # A pending application for another unit, then the person dies.
    pending = person_enrol(
        actor=clerk, employer=make_employer(), data=person_data(id_number=person.id_number, insurances=["210"])
    )
    case_approve(
        actor=reviewer,
        case=person_terminate(
            actor=clerk, person=person, reason="death", end_date=_today(), materials=material_files("01010203")
        ),
    )
    with pytest.raises(ConflictError):
        case_approve(actor=reviewer, case=pending)


def test_scope_clerk_b(clerk_b, person):
    with pytest.raises(NotFoundError):
        person_terminate(
            actor=clerk_b, person=person, reason="death", end_date=_today(), materials=material_files("01010203")
        )
