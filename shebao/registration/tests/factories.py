"""factory_boy factories of cluster 01: employers (valid USCC), persons (valid ID numbers), enrolments, portal users.

They write the tables directly (no case, no audit): use them for the subjects of a test and for lists; the act
under test goes through the real services. `make_employer` / `make_person` (shebao/conftest.py) still register
through the services when a test needs the cases and audit rows of the registration itself.
"""

from __future__ import annotations

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from shebao.core.choices import Role
from shebao.core.models import Region
from shebao.core.synthetic import uscc
from shebao.core.tests.factories import AgencyFactory, UserFactory, this_month, valid_id_number
from shebao.registration.choices import ContributionMethod, EnrolmentStatus, PersonCategory, UnitType
from shebao.registration.models import Employer, EmployerInsurance, Enrolment, Person

EMPLOYER_INSURANCES = ("110", "210", "310", "410", "510")


def _birth(id_number: str):
    import datetime as dt

    return dt.date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))


class EmployerFactory(DjangoModelFactory):
    """An active employer with a valid 统一社会信用代码 and its insurance types (`insurances=[...]` to choose)."""

    class Meta:
        model = Employer
        skip_postgeneration_save = True

    agency = factory.SubFactory(AgencyFactory)
    region = factory.LazyAttribute(lambda o: Region.objects.get(code=o.agency.region_id))
    # Numbers far from those the services hand out (counter from 1) and from `employer_data` (1000 + n).
    reg_no = factory.Sequence(lambda n: f"9{n:013d}")
    uscc = factory.LazyAttributeSequence(lambda o, n: uscc(o.agency.region_id, 500_000 + n))
    name = factory.Sequence(lambda n: f"杭州工厂测试有限公司{n}")
    unit_type = UnitType.ENTERPRISE
    legal_rep = "张三"
    address = "浙江省杭州市上城区解放路1号"
    industry_code = "I6510"
    injury_risk_class = 1
    contact_name = "李四"
    contact_phone = "13800138000"
    bank_name = "中国工商银行杭州分行"
    bank_account = "6222021202000000001"
    registered_on = factory.LazyFunction(lambda: this_month())

    @factory.post_generation
    def insurances(self, create, codes, **kwargs):
        """Active 单位参保险种 rows from this month (default: the five employee schemes)."""
        if not create:
            return
        codes = EMPLOYER_INSURANCES if codes is None else codes
        EmployerInsurance.objects.bulk_create(
            [EmployerInsurance(employer=self, insurance_type_id=c, start_month=self.registered_on) for c in codes]
        )


class PersonFactory(DjangoModelFactory):
    """An insured employee with a valid ID number (real county code) and active enrolments (`enrolments=[...]`)."""

    class Meta:
        model = Person
        skip_postgeneration_save = True

    id_number = factory.Sequence(valid_id_number)
    name = factory.Sequence(lambda n: f"测试{n}")
    gender = factory.LazyAttribute(lambda o: "1" if int(o.id_number[16]) % 2 else "2")
    birth_date = factory.LazyAttribute(lambda o: _birth(o.id_number))
    phone = "13900139000"
    address = "杭州市上城区"
    category = PersonCategory.EMPLOYEE
    employer = factory.SubFactory(EmployerFactory)
    agency = factory.LazyAttribute(lambda o: o.employer.agency if o.employer else AgencyFactory())
    contribution_method = ContributionMethod.EMPLOYER
    registered_on = factory.LazyFunction(lambda: this_month())

    @factory.post_generation
    def enrolments(self, create, codes, **kwargs):
        """Active enrolments from this month with the person's employer (default 110 and 310)."""
        if not create:
            return
        for code in ("110", "310") if codes is None else codes:
            EnrolmentFactory(person=self, insurance_type_id=code)


class EnrolmentFactory(DjangoModelFactory):
    """One insurance type of a person (active, from this month, with the person's employer and agency)."""

    class Meta:
        model = Enrolment

    person = factory.SubFactory(PersonFactory, enrolments=[])
    insurance_type_id = "110"
    employer = factory.LazyAttribute(lambda o: o.person.employer)
    agency = factory.LazyAttribute(lambda o: o.person.agency)
    start_month = factory.LazyFunction(this_month)
    status = EnrolmentStatus.ACTIVE


class EmployerUserFactory(UserFactory):
    """单位经办人: a portal login of one employer."""

    role = Role.EMPLOYER
    username = factory.Sequence(lambda n: f"unit-{n}")
    agency = None
    employer = factory.SubFactory(EmployerFactory)


class InsuredUserFactory(UserFactory):
    """参保人: a portal login of one insured person (and their ID number)."""

    role = Role.INSURED
    username = factory.Sequence(lambda n: f"insured-{n}")
    agency = None
    person = factory.SubFactory(PersonFactory)
    id_number = factory.SelfAttribute("person.id_number")


def today():
    """Today in the project's time zone."""
    return timezone.localdate()
