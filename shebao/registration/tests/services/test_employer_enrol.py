"""01010101 单位参保登记."""

from __future__ import annotations

import pytest
from django.utils import timezone

from shebao.conftest import employer_data, make_user
from shebao.core.cases import case_approve, case_reject
from shebao.core.choices import CaseStatus, Role
from shebao.core.errors import NotFoundError
from shebao.core.models import AuditEvent, Case
from shebao.core.synthetic import uscc
from shebao.core.validation import month_add
from shebao.registration.models import Employer, EmployerInsurance
from shebao.registration.services import employer_enrol
from shebao.testing import assert_refused, material_files

pytestmark = [pytest.mark.django_db, pytest.mark.catalog("01010101")]


def _counts() -> tuple[int, int, int]:
    return Case.objects.count(), AuditEvent.objects.count(), Employer.objects.count()


SAVED = (Case, AuditEvent, Employer)  # nothing of these is written by a refused request


def test_happy_path(clerk, reviewer, agencies):
    data = employer_data()
    case = employer_enrol(actor=clerk, data=data, materials=material_files("01010101"))
    assert case.item_id == "01010101"
    assert case.status == CaseStatus.ACCEPTED
    assert case.payload["uscc"] == data["uscc"]
    assert case.applicant_name == data["name"]
    assert not Employer.objects.exists()

    case = case_approve(actor=reviewer, case=case)
    assert case.status == CaseStatus.COMPLETED
    employer = Employer.objects.get(pk=case.result["employer_id"])
    assert employer.uscc == data["uscc"] and employer.name == data["name"]
    assert employer.agency == agencies["a"] and employer.region_id == "330102"
    assert employer.reg_no == case.result["reg_no"]
    assert employer.reg_no.startswith("330102") and len(employer.reg_no) == 14
    assert employer.status == "active"
    assert employer.registered_on == timezone.localdate()
    month = timezone.localdate().replace(day=1)
    insurances = EmployerInsurance.objects.filter(employer=employer, active=True)
    assert sorted(i.insurance_type_id for i in insurances) == ["110", "210", "310", "410", "510"]
    assert {i.start_month for i in insurances} == {month}
    case.refresh_from_db()
    assert case.employer == employer
    event = AuditEvent.objects.get(action="employer.create")
    assert event.case == case and event.object_id == str(employer.pk)
    assert event.after["uscc"] == data["uscc"] and event.after["insurances"] == data["insurances"]


def test_registration_numbers_are_sequential_per_region(make_employer):
    first, second = make_employer(), make_employer()
    assert int(second.reg_no[6:]) == int(first.reg_no[6:]) + 1


def test_lower_case_uscc_is_normalised(clerk, reviewer):
    data = employer_data()
    case = employer_enrol(
        actor=clerk, data={**data, "uscc": data["uscc"].lower()}, materials=material_files("01010101")
    )
    assert case.payload["uscc"] == data["uscc"]


def test_duplicate_uscc_of_a_registered_unit_is_refused(clerk, make_employer):
    employer = make_employer()
    error = assert_refused(
        lambda: employer_enrol(
            actor=clerk, data=employer_data(uscc=employer.uscc), materials=material_files("01010101")
        ),
        field="uscc",
        nothing_saved=SAVED,
    )
    assert "已登记" in error.errors["uscc"][0]


def test_duplicate_uscc_while_first_application_is_pending(clerk, reviewer):
    data = employer_data()
    employer_enrol(actor=clerk, data=data, materials=material_files("01010101"))
    error = assert_refused(
        lambda: employer_enrol(
            actor=clerk, data=employer_data(uscc=data["uscc"]), materials=material_files("01010101")
        ),
        field="uscc",
        nothing_saved=SAVED,
    )
    assert "在办" in error.errors["uscc"][0]


def test_after_a_rejected_application_the_unit_may_apply_again(clerk, reviewer):
    data = employer_data()
    case_reject(
        actor=reviewer,
        case=employer_enrol(actor=clerk, data=data, materials=material_files("01010101")),
        reason="材料不全",
    )
    case = case_approve(
        actor=reviewer, case=employer_enrol(actor=clerk, data=data, materials=material_files("01010101"))
    )
    assert Employer.objects.get(pk=case.result["employer_id"]).uscc == data["uscc"]


@pytest.mark.parametrize("bad", ["", "91350100M000100Y44", "9135010OM000100Y43", "913501"])
def test_invalid_uscc(clerk, bad):
    assert_refused(
        lambda: employer_enrol(actor=clerk, data=employer_data(uscc=bad), materials=material_files("01010101")),
        field="uscc",
        nothing_saved=SAVED,
    )


@pytest.mark.parametrize("month", [None, "", "2026-13", "26-01", "abc", "1899-12"])
def test_missing_or_illegal_start_month(clerk, month):
    assert_refused(
        lambda: employer_enrol(
            actor=clerk, data=employer_data(start_month=month), materials=material_files("01010101")
        ),
        field="start_month",
        nothing_saved=SAVED,
    )


def test_start_month_window(clerk):
    this_month = timezone.localdate().replace(day=1)
    assert_refused(
        lambda: employer_enrol(
            actor=clerk,
            data=employer_data(start_month=f"{month_add(this_month, -4):%Y-%m}"),
            materials=material_files("01010101"),
        ),
        field="start_month",
        nothing_saved=SAVED,
    )
    assert_refused(
        lambda: employer_enrol(
            actor=clerk,
            data=employer_data(start_month=f"{month_add(this_month, 2):%Y-%m}"),
            materials=material_files("01010101"),
        ),
        field="start_month",
        nothing_saved=SAVED,
    )
    assert employer_enrol(
        actor=clerk,
        data=employer_data(start_month=f"{month_add(this_month, -3):%Y-%m}"),
        materials=material_files("01010101"),
    )
    assert employer_enrol(
        actor=clerk,
        data=employer_data(start_month=f"{month_add(this_month, 1):%Y%m}"),
        materials=material_files("01010101"),
    )


def test_every_problem_is_reported_at_once(clerk):
    error = assert_refused(
        lambda: employer_enrol(
            actor=clerk,
            data=employer_data(
                name="",
                contact_phone="12345",
                region="999999",
                unit_type="XX",
                injury_risk_class=9,
                industry_code="??",
                bank_account="12ab",
            ),
            materials=material_files("01010101"),
        ),
        field=(
            "name",
            "contact_phone",
            "region",
            "unit_type",
            "injury_risk_class",
            "industry_code",
            "bank_account",
        ),
        nothing_saved=SAVED,
    )
    assert error.status_code == 400


@pytest.mark.parametrize(("insurances", "fragment"), [([], "至少"), (["390"], "390"), (["110", "999"], "999")])
def test_insurance_types(clerk, insurances, fragment):
    error = assert_refused(
        lambda: employer_enrol(
            actor=clerk, data=employer_data(insurances=insurances), materials=material_files("01010101")
        ),
        field="insurances",
        nothing_saved=SAVED,
    )
    assert fragment in error.errors["insurances"][0]


def test_insurance_list_as_text(clerk, reviewer):
    case = case_approve(
        actor=reviewer,
        case=employer_enrol(
            actor=clerk, data=employer_data(insurances="110，310 410"), materials=material_files("01010101")
        ),
    )
    employer = Employer.objects.get(pk=case.result["employer_id"])
    assert sorted(employer.insurances.values_list("insurance_type_id", flat=True)) == ["110", "310", "410"]


def test_scope_clerk_b_cannot_enrol_at_agency_a(clerk_b, agencies):
    before = _counts()
    with pytest.raises(NotFoundError):
        employer_enrol(actor=clerk_b, data=employer_data(), agency=agencies["a"], materials=material_files("01010101"))
    assert _counts() == before


def test_city_clerk_may_enrol_at_a_district(agencies, reviewer):
    city_clerk = make_user(Role.CLERK, agencies["city"])
    case = employer_enrol(
        actor=city_clerk, data=employer_data(), agency=agencies["a"], materials=material_files("01010101")
    )
    assert case.agency == agencies["a"]
    case_approve(actor=reviewer, case=case)
    assert Employer.objects.get().agency == agencies["a"]


def test_approval_rechecks_the_uscc(clerk, reviewer, agencies):
    """Two applications for the same code cannot both complete (the second approval is refused)."""
    from shebao.core.cases import case_open
    from shebao.core.choices import Channel
    from shebao.core.errors import ConflictError

    data = employer_data()
    first = employer_enrol(actor=clerk, data=data, materials=material_files("01010101"))
    # A second case slipped in by another path (e.g. before the duplicate check existed).
    payload = {**first.payload, "name": "另一家"}
    second = case_open(
        actor=clerk,
        item_code="01010101",
        agency=agencies["a"],
        channel=Channel.WINDOW,
        summary="重复",
        payload=payload,
        materials=material_files("01010101"),
    )
    case_approve(actor=reviewer, case=first)
    with pytest.raises(ConflictError):
        case_approve(actor=reviewer, case=second)
    assert Employer.objects.filter(uscc=data["uscc"]).count() == 1


def test_uscc_of_another_region_is_accepted(clerk, reviewer):
    case = employer_enrol(
        actor=clerk, data=employer_data(uscc=uscc("350100", 77)), materials=material_files("01010101")
    )
    assert case.payload["uscc"][2:8] == "350100"
