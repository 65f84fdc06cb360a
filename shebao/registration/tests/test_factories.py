"""The factories build what a real deployment holds: valid identifiers on real regions, scoped agency trees."""

from __future__ import annotations

import pytest
from stdnum.cn import ric
from stdnum.cn import uscc as stdnum_uscc

from shebao.core.choices import Role
from shebao.core.models import Region
from shebao.core.tests.factories import AgencyFactory, CaseFactory, ReviewerFactory, valid_id_number
from shebao.registration.selectors import employers_for, persons_for
from shebao.registration.tests.factories import (
    EmployerFactory,
    EmployerUserFactory,
    EnrolmentFactory,
    InsuredUserFactory,
    PersonFactory,
)

pytestmark = pytest.mark.django_db


def test_id_numbers_are_valid_distinct_and_on_real_regions():
    numbers = [valid_id_number(n) for n in range(0, 3_000_000, 997)]
    assert len(set(numbers)) == len(numbers)
    assert all(ric.is_valid(n) for n in numbers)
    assert set(Region.objects.filter(code__in={n[:6] for n in numbers}).values_list("code", flat=True)) == {
        n[:6] for n in numbers
    }


def test_person_factory_agrees_with_its_id_number():
    person = PersonFactory()
    assert ric.is_valid(person.id_number)
    assert person.birth_date == ric.get_birth_date(person.id_number)
    assert person.gender == ("1" if int(person.id_number[16]) % 2 else "2")
    assert person.agency == person.employer.agency
    assert sorted(person.enrolments.values_list("insurance_type_id", flat=True)) == ["110", "310"]
    assert PersonFactory(enrolments=["110"]).enrolments.count() == 1


def test_employer_factory_has_a_valid_uscc_and_its_insurances():
    employers = EmployerFactory.create_batch(3)
    assert all(stdnum_uscc.is_valid(e.uscc) for e in employers)
    assert len({e.uscc for e in employers}) == 3
    assert employers[0].insurances.filter(active=True).count() == 5
    assert EmployerFactory(insurances=["110"]).insurances.count() == 1


def test_agencies_form_a_tree_that_scopes_the_data():
    city = AgencyFactory(code="330100")
    district = AgencyFactory(code="330102", parent=city)
    other = AgencyFactory(code="330105", parent=city)
    assert district.path == "/330100/330102/" and district.region.name == "上城区"
    mine, theirs = EmployerFactory(agency=district), EmployerFactory(agency=other)
    reviewer = ReviewerFactory(agency=district)
    assert list(employers_for(reviewer)) == [mine]
    assert set(employers_for(ReviewerFactory(agency=city))) == {mine, theirs}
    assert theirs not in employers_for(reviewer)


def test_portal_users_see_their_own_records():
    unit_user = EmployerUserFactory()
    employee = PersonFactory(employer=unit_user.employer)
    PersonFactory()
    assert unit_user.role == Role.EMPLOYER and list(persons_for(unit_user)) == [employee]
    insured = InsuredUserFactory()
    assert insured.id_number == insured.person.id_number and list(persons_for(insured)) == [insured.person]


def test_enrolment_and_case_factories():
    enrolment = EnrolmentFactory(insurance_type_id="410")
    assert enrolment.employer == enrolment.person.employer and enrolment.agency == enrolment.person.agency
    case = CaseFactory(item_code="01010202", agency=enrolment.agency, person=enrolment.person)
    assert case.item.code == "01010202" and case.handler == case.submitted_by
    assert case.submitted_by.agency == case.agency
