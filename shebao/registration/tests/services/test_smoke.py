import pytest

from shebao.core.cases import case_approve
from shebao.core.errors import ApplicationError
from shebao.registration.services import employer_enrol

pytestmark = [pytest.mark.django_db, pytest.mark.catalog("01010101", "01010201")]


def test_enrol_employer_and_person(make_employer, make_person):
    emp = make_employer()
    assert emp.reg_no.startswith("330102")
    person = make_person(emp)
    assert person.enrolments.count() == 2


def test_maker_checker(agencies):
    from shebao.conftest import employer_data, make_user

    admin = make_user("agency_admin", agencies["a"])
    case = employer_enrol(actor=admin, data=employer_data())
    with pytest.raises(ApplicationError) as exc:
        case_approve(actor=admin, case=case)
    assert "reviewer" in exc.value.errors
