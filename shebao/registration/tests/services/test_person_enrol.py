"""01010201 个人参保登记: employees (增员, single and bulk), flexible workers, residents."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from shebao.conftest import make_user, person_data
from shebao.core.cases import case_accept, case_approve, pending_message
from shebao.core.choices import CaseStatus, Channel, Role
from shebao.core.errors import ApplicationError, ConflictError, NotFoundError
from shebao.core.identifiers import id_check_digit, mask_id
from shebao.core.models import AuditEvent, Case
from shebao.core.synthetic import citizen_id
from shebao.core.validation import month_add
from shebao.registration.choices import ContributionMethod, EnrolmentStatus, PersonCategory
from shebao.registration.models import Enrolment, Person
from shebao.registration.services import person_change, person_enrol, person_enrol_bulk
from shebao.testing import assert_refused

pytestmark = [pytest.mark.django_db, pytest.mark.catalog("01010201")]

_VALID = citizen_id("330102", dt.date(1990, 1, 1), 1)
BAD_CHECK = _VALID[:17] + ("0" if _VALID[17] != "0" else "1")


def this_month():
    return timezone.localdate().replace(day=1)


def _counts():
    return Case.objects.count(), AuditEvent.objects.count(), Person.objects.count(), Enrolment.objects.count()


SAVED = (Case, AuditEvent, Person, Enrolment)  # nothing of these is written by a refused request


def test_single_employee(clerk, reviewer, make_employer):
    employer = make_employer()
    number = citizen_id("330102", dt.date(1988, 8, 8), 123)  # odd sequence: male
    case = person_enrol(actor=clerk, employer=employer, data=person_data(id_number=number, name="张伟"))
    assert case.status == CaseStatus.ACCEPTED and case.summary == "个人参保登记：张伟"
    assert not Person.objects.exists()
    case = case_approve(actor=reviewer, case=case)
    person = Person.objects.get(id_number=number)
    assert case.result["created"] == 1 and case.result["enrolments"] == 2
    assert person.name == "张伟" and person.gender == "1" and person.birth_date == dt.date(1988, 8, 8)
    assert person.category == PersonCategory.EMPLOYEE
    assert person.employer == employer and person.agency == employer.agency
    assert person.contribution_method == ContributionMethod.EMPLOYER
    rows = list(person.enrolments.order_by("insurance_type_id"))
    assert [(r.insurance_type_id, r.status, r.start_month, r.employer_id) for r in rows] == [
        ("110", "active", this_month(), employer.pk),
        ("310", "active", this_month(), employer.pk),
    ]
    case.refresh_from_db()
    assert case.person == person
    event = AuditEvent.objects.get(action="person.enrol")
    assert event.after["id_number"] == mask_id(number)  # never the full number in the audit payload
    assert number not in str(event.after)


def test_employer_user_enrols_online_clerk_accepts_reviewer_approves(clerk, reviewer, make_employer):
    employer = make_employer()
    unit_user = make_user(Role.EMPLOYER, None, employer=employer)
    case = person_enrol(actor=unit_user, employer=employer, data=person_data())
    assert (case.status, case.channel) == (CaseStatus.SUBMITTED, Channel.ONLINE)
    case_accept(actor=clerk, case=case)
    case_approve(actor=reviewer, case=case)
    assert Person.objects.get().employer == employer


def test_employer_user_cannot_enrol_into_another_unit(make_employer):
    own, other = make_employer(), make_employer()
    unit_user = make_user(Role.EMPLOYER, None, employer=own)
    with pytest.raises(NotFoundError):
        person_enrol(actor=unit_user, employer=other, data=person_data())


def test_flexible_worker(clerk, reviewer, agencies):
    case = person_enrol(actor=clerk, category=PersonCategory.FLEXIBLE, data=person_data(insurances=["110", "310"]))
    assert case.agency == agencies["a"]
    case_approve(actor=reviewer, case=case)
    person = Person.objects.get()
    assert person.category == PersonCategory.FLEXIBLE
    assert person.employer is None and person.agency == agencies["a"]
    assert person.contribution_method == ContributionMethod.SELF
    assert set(person.enrolments.values_list("insurance_type_id", "employer_id")) == {("110", None), ("310", None)}


def test_flexible_worker_cannot_take_resident_or_unemployment_insurance(clerk):
    assert_refused(
        lambda: person_enrol(actor=clerk, category=PersonCategory.FLEXIBLE, data=person_data(insurances=["390"])),
        field="insurances",
        nothing_saved=SAVED,
    )
    assert_refused(
        lambda: person_enrol(actor=clerk, category=PersonCategory.FLEXIBLE, data=person_data(insurances=["210"])),
        field="insurances",
        nothing_saved=SAVED,
    )


def test_resident(clerk, reviewer):
    young = citizen_id("330102", timezone.localdate().replace(day=1) - dt.timedelta(days=365 * 5), 2)
    case = person_enrol(
        actor=clerk, category=PersonCategory.RESIDENT, data=person_data(id_number=young, insurances=["170", "390"])
    )
    case_approve(actor=reviewer, case=case)
    person = Person.objects.get()
    assert person.category == PersonCategory.RESIDENT and person.gender == "2"
    assert set(person.enrolments.values_list("insurance_type_id", flat=True)) == {"170", "390"}
    assert_refused(
        lambda: person_enrol(actor=clerk, category=PersonCategory.RESIDENT, data=person_data(insurances=["110"])),
        field="insurances",
        nothing_saved=SAVED,
    )


def test_category_and_employer_must_agree(clerk, make_employer):
    employer = make_employer()
    assert_refused(
        lambda: person_enrol(actor=clerk, data=person_data()), field="employer", nothing_saved=SAVED
    )  # employee without a unit
    assert_refused(
        lambda: person_enrol(actor=clerk, employer=employer, category=PersonCategory.FLEXIBLE, data=person_data()),
        field="employer",
        nothing_saved=SAVED,
    )
    assert_refused(
        lambda: person_enrol(actor=clerk, category="pupil", data=person_data()), field="category", nothing_saved=SAVED
    )


def test_one_person_per_id_across_the_system(clerk, reviewer, clerk_b, reviewer_b, make_employer, make_person):
    employer_a = make_employer()
    employer_b = make_employer(actor=clerk_b, approver=reviewer_b)
    person = make_person(employer_a)
    # Same ID at another agency, same insurance type still active: refused.
    error = assert_refused(
        lambda: person_enrol(
            actor=clerk_b, employer=employer_b, data=person_data(id_number=person.id_number, insurances=["110"])
        ),
        field="insurances",
        status=409,  # already enrolled: a conflict with the records, not bad input
        nothing_saved=SAVED,
    )
    assert "已有有效的企业职工基本养老保险" in error.errors["insurances"][0]
    assert Person.objects.filter(id_number=person.id_number).count() == 1


def test_second_enrolment_refused_at_submission_naming_the_pending_case(clerk, reviewer, make_employer):
    employer, other = make_employer(), make_employer()
    data = person_data(insurances=["110"])
    first = person_enrol(actor=clerk, employer=employer, data=data)
    error = assert_refused(
        lambda: person_enrol(actor=clerk, employer=other, data=data),  # the first is still pending
        field="id_number",
        status=409,  # as every item's second open case (core.cases refuses those with a ConflictError)
        nothing_saved=SAVED,
    )
    assert isinstance(error, ConflictError)
    assert error.errors["id_number"] == [pending_message(first, "该人员")]
    assert error.message == f"该人员已有在办的「{first.item.full_name}」业务（业务流水号 {first.number}），请勿重复申报"
    assert Case.objects.filter(item_id="01010201").count() == 1
    case_approve(actor=reviewer, case=first)
    with pytest.raises(ConflictError):  # once approved, the active enrolment itself refuses it
        person_enrol(actor=clerk, employer=other, data=data)
    assert Enrolment.objects.filter(insurance_type_id="110", status="active").count() == 1
    assert Person.objects.count() == 1


def test_rehire_after_leaving_ends_the_suspended_enrolment(
    clerk, reviewer, clerk_b, reviewer_b, agencies, make_employer, make_person
):
    old_unit = make_employer()
    new_unit = make_employer(actor=clerk_b, approver=reviewer_b)
    person = make_person(old_unit)
    # 减员 at the old unit: 停保 of both types.
    case_approve(
        actor=reviewer,
        case=person_change(
            actor=clerk,
            person=person,
            suspend_insurances=["110", "310"],
            reason="解除劳动关系",
            change_month=f"{this_month():%Y-%m}",
        ),
    )
    assert set(person.enrolments.values_list("status", flat=True)) == {EnrolmentStatus.SUSPENDED}
    # 增员 at the new unit (another agency).
    start = month_add(this_month(), 1)
    case = person_enrol(
        actor=clerk_b,
        employer=new_unit,
        data=person_data(id_number=person.id_number, name=person.name, start_month=f"{start:%Y-%m}"),
    )
    case = case_approve(actor=reviewer_b, case=case)
    assert case.result["created"] == 0
    assert Person.objects.filter(id_number=person.id_number).count() == 1
    person.refresh_from_db()
    assert person.employer == new_unit and person.agency == agencies["b"]
    old = Enrolment.objects.filter(person=person, employer=old_unit)
    assert set(old.values_list("status", "end_month", "end_reason")) == {("ended", this_month(), "新单位增员")}
    new = Enrolment.objects.filter(person=person, employer=new_unit)
    assert set(new.values_list("insurance_type_id", "status", "start_month", "agency_id")) == {
        ("110", "active", start, agencies["b"].pk),
        ("310", "active", start, agencies["b"].pk),
    }


def test_minimum_age(clerk, make_employer):
    employer = make_employer()
    today = timezone.localdate()
    child = citizen_id("330102", dt.date(today.year - 15, 1, 1), 11)
    error = assert_refused(
        lambda: person_enrol(actor=clerk, employer=employer, data=person_data(id_number=child)),
        field="id_number",
        nothing_saved=SAVED,
    )
    assert "未满16周岁" in error.errors["id_number"][0]
    sixteen = citizen_id("330102", dt.date(today.year - 16, today.month, 1), 13)
    assert person_enrol(actor=clerk, employer=employer, data=person_data(id_number=sixteen))


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"id_number": BAD_CHECK}, "id_number"),
        ({"id_number": ""}, "id_number"),
        ({"name": ""}, "name"),
        ({"phone": "12"}, "phone"),
        ({"insurances": []}, "insurances"),
        ({"insurances": ["210"]}, "insurances"),  # the unit does not take part in 210
        ({"start_month": ""}, "start_month"),
        ({"start_month": "2000-01"}, "start_month"),
    ],
)
def test_input_errors_save_nothing(clerk, make_employer, overrides, field):
    employer = make_employer(insurances=["110", "310"])
    assert_refused(
        lambda: person_enrol(actor=clerk, employer=employer, data=person_data(**overrides)),
        field=field,
        nothing_saved=SAVED,
    )


def test_fifteen_digit_id_is_stored_as_eighteen(clerk, reviewer, make_employer):
    employer = make_employer()
    case_approve(
        actor=reviewer, case=person_enrol(actor=clerk, employer=employer, data=person_data(id_number="330102900101002"))
    )
    assert Person.objects.get().id_number == "33010219900101002" + id_check_digit("33010219900101002")


def test_scope_clerk_b_cannot_enrol_into_agency_a_unit(clerk_b, make_employer):
    employer = make_employer()
    with pytest.raises(NotFoundError):
        person_enrol(actor=clerk_b, employer=employer, data=person_data())


def test_insured_person_may_only_apply_for_themselves(agencies, clerk, reviewer, make_employer, make_person):
    person = make_person(make_employer())
    insured = make_user(Role.INSURED, None, person=person)
    assert_refused(
        lambda: person_enrol(actor=insured, category=PersonCategory.RESIDENT, data=person_data(insurances=["170"])),
        field="id_number",
        nothing_saved=SAVED,
    )


# --- bulk -------------------------------------------------------------------------------------------------------


def test_bulk_valid_rows_in_one_case_and_errors_by_row(clerk, reviewer, make_employer):
    employer = make_employer()
    good = [person_data() for _ in range(3)]
    rows = [good[0], {**person_data(), "id_number": "123"}, good[1], dict(good[1]), good[2]]
    result = person_enrol_bulk(actor=clerk, employer=employer, rows=rows)
    assert result.valid == 3
    assert [(e.row, e.field) for e in result.errors] == [(3, "id_number"), (5, "id_number")]
    assert "与第4行" in result.errors[1].message
    assert result.case.summary.startswith("批量增员")
    case_approve(actor=reviewer, case=result.case)
    assert Person.objects.count() == 3
    assert Enrolment.objects.filter(employer=employer, status="active").count() == 6


def test_bulk_with_no_valid_rows_opens_no_case(clerk, make_employer):
    employer = make_employer()
    before = _counts()
    result = person_enrol_bulk(actor=clerk, employer=employer, rows=[{"id_number": "x"}])
    assert result.case is None and result.valid == 0 and result.errors
    assert _counts() == before
    with pytest.raises(ApplicationError) as exc:
        person_enrol_bulk(actor=clerk, employer=employer, rows=[])
    assert "file" in exc.value.errors
