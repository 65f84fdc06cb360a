"""01010102 单位变更登记: details and insurance types, 分立/合并, 成建制转移."""

from __future__ import annotations

import pytest
from django.utils import timezone

from shebao.conftest import make_user
from shebao.core.cases import case_accept, case_approve
from shebao.core.choices import CaseStatus, Channel, Role
from shebao.core.errors import NotFoundError
from shebao.core.models import AuditEvent, Case
from shebao.core.validation import month_add
from shebao.registration.choices import EmployerStatus, EnrolmentStatus
from shebao.registration.models import EmployerInsurance, Enrolment, Person
from shebao.registration.selectors import employer_get_for, person_get_for
from shebao.registration.services import (
    employer_change,
    employer_restructure,
    employer_transfer_agency,
    person_change,
)
from shebao.testing import assert_refused, material_files

pytestmark = [pytest.mark.django_db, pytest.mark.catalog("01010102")]


def _window(service):
    """`service` as a clerk calls it at the window, handing in a scan of each required material (01010102)."""

    def call(**kwargs):
        return service(**kwargs, materials=material_files("01010102"))

    return call


change, restructure, transfer = (
    _window(employer_change),
    _window(employer_restructure),
    _window(employer_transfer_agency),
)


def this_month():
    return timezone.localdate().replace(day=1)


def next_month():
    return month_add(this_month(), 1)


def _counts():
    return Case.objects.count(), AuditEvent.objects.count()


SAVED = (Case, AuditEvent)  # nothing of these is written by a refused request


# --- details --------------------------------------------------------------------------------------------------


def test_details_change_is_applied_on_approval_with_history_in_the_audit_log(clerk, reviewer, make_employer):
    employer = make_employer()
    old_name, old_phone = employer.name, employer.contact_phone
    case = change(
        actor=clerk,
        employer=employer,
        changes={
            "name": "杭州新名称科技有限公司",
            "contact_phone": "0571-87654321",
            "legal_rep": employer.legal_rep,
            "reg_no": "ignored",
        },
    )
    assert case.payload["changes"] == {"name": "杭州新名称科技有限公司", "contact_phone": "0571-87654321"}
    employer.refresh_from_db()
    assert employer.name == old_name  # not before approval
    case = case_approve(actor=reviewer, case=case)
    employer.refresh_from_db()
    assert employer.name == "杭州新名称科技有限公司" and employer.contact_phone == "0571-87654321"
    assert employer.version == 2
    assert case.result["changed"] == ["contact_phone", "name"]
    event = AuditEvent.objects.get(action="employer.change")
    assert event.case == case and event.object_id == str(employer.pk)
    assert event.before["name"] == old_name and event.before["contact_phone"] == old_phone
    assert event.after["name"] == "杭州新名称科技有限公司"


def test_two_changes_leave_two_history_entries(clerk, reviewer, make_employer):
    employer = make_employer()
    case_approve(actor=reviewer, case=change(actor=clerk, employer=employer, changes={"address": "新地址1号"}))
    case_approve(actor=reviewer, case=change(actor=clerk, employer=employer, changes={"address": "新地址2号"}))
    history = list(
        AuditEvent.objects.filter(
            object_type="employer", object_id=str(employer.pk), action="employer.change"
        ).order_by("seq")
    )
    assert [(h.before["address"], h.after["address"]) for h in history] == [
        ("浙江省杭州市上城区解放路1号", "新地址1号"),
        ("新地址1号", "新地址2号"),
    ]


def test_nothing_to_change(clerk, make_employer):
    employer = make_employer()
    assert_refused(
        lambda: change(actor=clerk, employer=employer, changes={"name": employer.name}),
        field="non_field_errors",
        nothing_saved=SAVED,
    )
    assert_refused(lambda: change(actor=clerk, employer=employer), field="non_field_errors", nothing_saved=SAVED)


def test_invalid_details(clerk, make_employer):
    employer = make_employer()
    assert_refused(
        lambda: change(actor=clerk, employer=employer, changes={"name": " ", "contact_phone": "110", "uscc": "123"}),
        field=(
            "name",
            "contact_phone",
            "uscc",
        ),
        nothing_saved=SAVED,
    )


def test_uscc_of_another_unit_refused(clerk, make_employer):
    first, second = make_employer(), make_employer()
    error = assert_refused(
        lambda: change(actor=clerk, employer=second, changes={"uscc": first.uscc}),
        field="uscc",
        nothing_saved=SAVED,
    )
    assert "已登记" in error.errors["uscc"][0]


def test_employer_user_changes_online_clerk_accepts_reviewer_approves(clerk, reviewer, make_employer):
    employer = make_employer()
    unit_user = make_user(Role.EMPLOYER, None, employer=employer)
    case = employer_change(actor=unit_user, employer=employer, changes={"contact_name": "钱七"})
    assert (case.status, case.channel) == (CaseStatus.SUBMITTED, Channel.ONLINE)
    case_accept(actor=clerk, case=case)
    case_approve(actor=reviewer, case=case)
    employer.refresh_from_db()
    assert employer.contact_name == "钱七"


def test_employer_user_cannot_change_another_unit(make_employer):
    own, other = make_employer(), make_employer()
    unit_user = make_user(Role.EMPLOYER, None, employer=own)
    with pytest.raises(NotFoundError):
        employer_change(actor=unit_user, employer=other, changes={"contact_name": "钱七"})


def test_scope_clerk_b_cannot_change_agency_a_unit(clerk_b, make_employer):
    employer = make_employer()
    with pytest.raises(NotFoundError):
        change(actor=clerk_b, employer=employer, changes={"contact_name": "钱七"})


# --- insurance types ------------------------------------------------------------------------------------------


def test_add_and_remove_insurance_types(clerk, reviewer, make_employer):
    employer = make_employer(insurances=["110", "310", "410"])
    case = change(
        actor=clerk,
        employer=employer,
        add_insurances=["210", "510"],
        remove_insurances=["410"],
        effective_month=f"{next_month():%Y-%m}",
    )
    case_approve(actor=reviewer, case=case)
    active = set(
        EmployerInsurance.objects.filter(employer=employer, active=True).values_list("insurance_type_id", flat=True)
    )
    assert active == {"110", "210", "310", "510"}
    removed = EmployerInsurance.objects.get(employer=employer, insurance_type_id="410")
    assert removed.active is False and removed.end_month == next_month()
    assert EmployerInsurance.objects.get(employer=employer, insurance_type_id="210").start_month == next_month()


def test_insurance_change_needs_a_month(clerk, make_employer):
    employer = make_employer(insurances=["110", "310"])
    assert_refused(
        lambda: change(actor=clerk, employer=employer, add_insurances=["210"]),
        field="effective_month",
        nothing_saved=SAVED,
    )


def test_insurance_already_held_or_not_held(clerk, make_employer):
    employer = make_employer(insurances=["110", "310"])
    month = f"{this_month():%Y-%m}"
    assert_refused(
        lambda: change(actor=clerk, employer=employer, add_insurances=["110"], effective_month=month),
        field="add_insurances",
        nothing_saved=SAVED,
    )
    assert_refused(
        lambda: change(actor=clerk, employer=employer, remove_insurances=["210"], effective_month=month),
        field="remove_insurances",
        nothing_saved=SAVED,
    )
    assert_refused(
        lambda: change(actor=clerk, employer=employer, add_insurances=["390"], effective_month=month),
        field="add_insurances",
        nothing_saved=SAVED,
    )


def test_cannot_remove_a_type_with_active_employees(clerk, reviewer, make_employer, make_person):
    employer = make_employer(insurances=["110", "310", "410"])
    make_person(employer, insurances=["110", "310"])
    error = assert_refused(
        lambda: change(
            actor=clerk, employer=employer, remove_insurances=["310"], effective_month=f"{next_month():%Y-%m}"
        ),
        field="remove_insurances",
        nothing_saved=SAVED,
    )
    assert "减员" in error.errors["remove_insurances"][0]
    # 410 has no employees: allowed.
    case_approve(
        actor=reviewer,
        case=change(actor=clerk, employer=employer, remove_insurances=["410"], effective_month=f"{next_month():%Y-%m}"),
    )
    assert not EmployerInsurance.objects.filter(employer=employer, insurance_type_id="410", active=True).exists()


# --- 分立 / 合并 ----------------------------------------------------------------------------------------------


def _enrolments(person: Person):
    return list(Enrolment.objects.filter(person=person).order_by("insurance_type_id", "start_month"))


def test_split_into_two_successors_with_assignments(clerk, reviewer, make_employer, make_person):
    source = make_employer()
    t1, t2 = make_employer(), make_employer()
    p1, p2, p3 = (make_person(source) for _ in range(3))
    month = next_month()
    case = restructure(
        actor=clerk,
        kind="split",
        sources=[source],
        targets=[t1, t2],
        assignments={p1.pk: t1.pk, str(p2.pk): str(t2.pk)},
        effective_month=f"{month:%Y-%m}",
    )
    assert case.payload["moves"] == {str(p1.pk): t1.pk, str(p2.pk): t2.pk, str(p3.pk): t1.pk}
    assert Person.objects.get(pk=p1.pk).employer == source  # not before approval
    case = case_approve(actor=reviewer, case=case)
    assert case.result["moved"] == 3
    for person, target in ((p1, t1), (p2, t2), (p3, t1)):
        person.refresh_from_db()
        assert person.employer == target and person.agency == target.agency
        rows = _enrolments(person)
        old = [r for r in rows if r.employer_id == source.pk]
        new = [r for r in rows if r.employer_id == target.pk]
        assert {r.status for r in old} == {EnrolmentStatus.ENDED}
        assert {r.end_month for r in old} == {this_month()}
        assert {r.end_reason for r in old} == {"单位分立"}
        assert {r.status for r in new} == {EnrolmentStatus.ACTIVE}
        assert {r.start_month for r in new} == {month}
        assert {r.insurance_type_id for r in new} == {r.insurance_type_id for r in old} == {"110", "310"}
    source.refresh_from_db()
    assert source.status == EmployerStatus.ACTIVE  # a split keeps the source unless asked to cancel it
    moves = AuditEvent.objects.filter(action="person.move", case=case)
    assert moves.count() == 3


def test_split_assignment_errors(clerk, make_employer, make_person):
    source, t1, stranger_unit = make_employer(), make_employer(), make_employer()
    employee = make_person(source)
    stranger = make_person(stranger_unit)
    month = f"{next_month():%Y-%m}"
    assert_refused(
        lambda: restructure(
            actor=clerk,
            kind="split",
            sources=[source],
            targets=[t1],
            assignments={stranger.pk: t1.pk},
            effective_month=month,
        ),
        field="assignments",
        nothing_saved=SAVED,
    )
    assert_refused(
        lambda: restructure(
            actor=clerk,
            kind="split",
            sources=[source],
            targets=[t1],
            assignments={employee.pk: stranger_unit.pk},
            effective_month=month,
        ),
        field="assignments",
        nothing_saved=SAVED,
    )
    assert_refused(
        lambda: restructure(
            actor=clerk, kind="split", sources=[source, stranger_unit], targets=[t1], effective_month=month
        ),
        field="sources",
        nothing_saved=SAVED,
    )
    assert_refused(
        lambda: restructure(actor=clerk, kind="split", sources=[source], targets=[source], effective_month=month),
        field="targets",
        nothing_saved=SAVED,
    )
    assert_refused(
        lambda: restructure(actor=clerk, kind="swap", sources=[source], targets=[t1], effective_month=month),
        field="kind",
        nothing_saved=SAVED,
    )
    assert_refused(
        lambda: restructure(actor=clerk, kind="split", sources=[source], targets=[t1], effective_month=""),
        field="effective_month",
        nothing_saved=SAVED,
    )
    assert_refused(
        lambda: restructure(actor=clerk, kind="split", sources=[], targets=[], effective_month=month),
        field=(
            "sources",
            "targets",
        ),
        nothing_saved=SAVED,
    )


def test_merge_two_units_into_one(clerk, reviewer, make_employer, make_person):
    s1, s2, target = make_employer(), make_employer(), make_employer()
    a1, a2, b1 = make_person(s1), make_person(s1), make_person(s2)
    month = next_month()
    case = restructure(actor=clerk, kind="merge", sources=[s1, s2], targets=[target], effective_month=f"{month:%Y-%m}")
    case = case_approve(actor=reviewer, case=case)
    assert case.result == {"moved": 3, "targets": [target.pk], "sources_cancelled": True}
    for source in (s1, s2):
        source.refresh_from_db()
        assert source.status == EmployerStatus.CANCELLED
        assert source.successor == target and source.cancel_reason == "合并"
        assert source.cancelled_on == month
        assert not source.insurances.filter(active=True).exists()
    for person in (a1, a2, b1):
        person.refresh_from_db()
        assert person.employer == target
        open_rows = Enrolment.objects.filter(person=person).exclude(status="ended")
        assert {r.employer_id for r in open_rows} == {target.pk}
        assert {r.start_month for r in open_rows} == {month}
        assert set(
            Enrolment.objects.filter(person=person, employer__in=[s1, s2]).values_list(
                "status", "end_month", "end_reason"
            )
        ) == {("ended", this_month(), "单位合并")}
    # Everything happened in the one case.
    in_case = AuditEvent.objects.filter(case=case)
    assert in_case.filter(action="person.move").count() == 3
    assert in_case.filter(action="employer.cancel").count() == 2
    assert target.employees.count() == 3


def test_merge_needs_exactly_one_target(clerk, make_employer):
    s1, s2, t1, t2 = (make_employer() for _ in range(4))
    assert_refused(
        lambda: restructure(
            actor=clerk, kind="merge", sources=[s1, s2], targets=[t1, t2], effective_month=f"{next_month():%Y-%m}"
        ),
        field="targets",
        nothing_saved=SAVED,
    )


def test_restructure_scope(clerk_b, make_employer):
    s1, t1 = make_employer(), make_employer()
    with pytest.raises(NotFoundError):
        restructure(actor=clerk_b, kind="merge", sources=[s1], targets=[t1], effective_month=f"{next_month():%Y-%m}")


def test_cancelled_unit_cannot_be_restructured_or_changed(clerk, reviewer, make_employer):
    s1, target = make_employer(), make_employer()
    case_approve(
        actor=reviewer,
        case=restructure(
            actor=clerk, kind="merge", sources=[s1], targets=[target], effective_month=f"{next_month():%Y-%m}"
        ),
    )
    s1.refresh_from_db()
    assert_refused(
        lambda: change(actor=clerk, employer=s1, changes={"contact_name": "钱七"}),
        field="status",
        nothing_saved=SAVED,
    )
    assert_refused(
        lambda: restructure(
            actor=clerk, kind="merge", sources=[s1], targets=[target], effective_month=f"{next_month():%Y-%m}"
        ),
        field="status",
        nothing_saved=SAVED,
    )


# --- 成建制转移 -----------------------------------------------------------------------------------------------


def test_transfer_to_another_agency_moves_the_unit_and_all_employees(
    clerk, reviewer, clerk_b, agencies, make_employer, make_person
):
    employer = make_employer()
    people = [make_person(employer) for _ in range(3)]
    suspended = make_person(employer)
    case_approve(
        actor=reviewer,
        case=person_change(
            actor=clerk,
            person=suspended,
            suspend_insurances=["110", "310"],
            change_month=f"{this_month():%Y-%m}",
            reason="减员",
        ),
    )
    # Before: agency a sees the unit; agency b does not.
    assert employer_get_for(actor=clerk, employer_id=employer.pk) == employer
    with pytest.raises(NotFoundError):
        employer_get_for(actor=clerk_b, employer_id=employer.pk)

    case = transfer(actor=clerk, employer=employer, to_agency=agencies["b"], effective_month=f"{next_month():%Y-%m}")
    case = case_approve(actor=reviewer, case=case)
    assert case.result["moved"] == 3
    employer.refresh_from_db()
    assert employer.agency == agencies["b"]
    for person in people:
        person.refresh_from_db()
        assert person.agency == agencies["b"]
        assert {r.agency_id for r in Enrolment.objects.filter(person=person)} == {agencies["b"].pk}
    assert AuditEvent.objects.get(action="employer.transfer_agency").before == {"agency": agencies["a"].pk}
    # Someone who already left the unit (停保) stays with agency a, records and person alike.
    suspended.refresh_from_db()
    assert suspended.agency == agencies["a"]
    assert {r.agency_id for r in Enrolment.objects.filter(person=suspended)} == {agencies["a"].pk}

    # After: clerk_b sees the unit and its employees; the clerk of agency a does not.
    assert employer_get_for(actor=clerk_b, employer_id=employer.pk) == employer
    for person in people:
        assert person_get_for(actor=clerk_b, person_id=person.pk) == person
        with pytest.raises(NotFoundError):
            person_get_for(actor=clerk, person_id=person.pk)
    with pytest.raises(NotFoundError):
        employer_get_for(actor=clerk, employer_id=employer.pk)
    with pytest.raises(NotFoundError):
        change(actor=clerk, employer=employer, changes={"contact_name": "钱七"})
    assert change(actor=clerk_b, employer=employer, changes={"contact_name": "钱七"}).agency == agencies["b"]


def test_transfer_to_the_same_agency_is_refused(clerk, agencies, make_employer):
    employer = make_employer()
    assert_refused(
        lambda: transfer(
            actor=clerk, employer=employer, to_agency=agencies["a"], effective_month=f"{next_month():%Y-%m}"
        ),
        field="to_agency",
        nothing_saved=SAVED,
    )
    assert_refused(
        lambda: transfer(actor=clerk, employer=employer, to_agency=agencies["b"], effective_month="2026/13"),
        field="effective_month",
        nothing_saved=SAVED,
    )


def test_transfer_scope(clerk_b, agencies, make_employer):
    employer = make_employer()
    with pytest.raises(NotFoundError):
        transfer(actor=clerk_b, employer=employer, to_agency=agencies["b"], effective_month=f"{next_month():%Y-%m}")
