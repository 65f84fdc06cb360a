"""The four rate items through the item test kit (`shebao.testing.ItemTestCase`): window case, approval applying
the change with its audit rows, 404 out of scope, 400 naming the field with nothing saved, maker-checker, and one
open case per subject — in the service, the API and the UI."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from shebao.contributions.models import EmployerRate, PersonContributionChoice
from shebao.contributions.services.rates import employer_rate_change, employer_rate_determine, employer_rate_for
from shebao.contributions.services.rates_choices import (
    person_choice_change,
    person_choice_determine,
    person_choice_for,
)
from shebao.registration.tests.factories import EmployerFactory
from shebao.testing import ItemTestCase, Kit, Submission

from ..conftest import flexible_worker, month_add, rated_employer, resident, this_month

pytestmark = [pytest.mark.django_db, pytest.mark.catalog("02020101", "02020201", "02020102", "02020202")]


class TestEmployerRateDetermineKit(ItemTestCase):
    """02020101 费率核定."""

    item_code = "02020101"
    bad_field = "float_grade"
    saved_models = (EmployerRate,)

    def subject(self, kit: Kit):
        return EmployerFactory(agency=kit.agencies["a"], injury_risk_class=1)

    def _submission(self, employer, grade: str) -> Submission:
        body = {"float_grade": grade, "valid_from": f"{this_month():%Y-%m}"}
        return Submission(
            service=employer_rate_determine,
            kwargs={"employer": employer, **body},
            api_url=f"/api/v1/employers/{employer.pk}/rates/determine/",
            api_body=body,
            ui_url=reverse("contributions:rates-employer-determine", args=[employer.pk]),
            ui_form={**body, "note": ""},
        )

    def submission(self, kit, subject):
        return self._submission(subject, "1.2")

    def bad_submission(self, kit, subject):
        return self._submission(subject, "0.5")  # class 1 floats 1.0 / 1.2 / 1.5 only

    def check_applied(self, kit, subject, case):
        row = EmployerRate.objects.get(employer=subject, insurance_type_id="410")
        assert (row.risk_class, row.float_grade, row.employer_rate) == (1, Decimal("1.2"), Decimal("0.0024"))
        assert row.valid_from == this_month() and row.case == case


class TestEmployerRateChangeKit(ItemTestCase):
    """02020201 费率调整."""

    item_code = "02020201"
    bad_field = "float_grade"
    saved_models = (EmployerRate,)

    def subject(self, kit: Kit):
        return rated_employer(kit.agencies["a"])

    def _submission(self, employer, grade: str) -> Submission:
        body = {"reason": "evaluation", "float_grade": grade, "valid_from": f"{month_add(this_month(), 1):%Y-%m}"}
        return Submission(
            service=employer_rate_change,
            kwargs={"employer": employer, **body},
            api_url=f"/api/v1/employers/{employer.pk}/rates/change/",
            api_body=body,
            ui_url=reverse("contributions:rates-employer-change", args=[employer.pk]),
            ui_form={**body, "note": ""},
        )

    def submission(self, kit, subject):
        return self._submission(subject, "1.5")

    def bad_submission(self, kit, subject):
        return self._submission(subject, "0.8")

    def check_applied(self, kit, subject, case):
        assert EmployerRate.objects.filter(employer=subject).count() == 2
        assert employer_rate_for(subject, "410", this_month()).employer_rate == Decimal("0.002")
        assert employer_rate_for(subject, "410", month_add(this_month(), 1)).employer_rate == Decimal("0.003")


class TestPersonChoiceDetermineKit(ItemTestCase):
    """02020102 费额核定 (a flexible worker's first monthly base)."""

    item_code = "02020102"
    bad_field = "amount"
    saved_models = (PersonContributionChoice,)

    def subject(self, kit: Kit):
        return flexible_worker(kit.agencies["a"])

    def _submission(self, person, amount: str) -> Submission:
        body = {"amount": amount}
        return Submission(
            service=person_choice_determine,
            kwargs={"person": person, **body},
            api_url=f"/api/v1/persons/{person.pk}/contribution-choices/determine/",
            api_body=body,
            ui_url=reverse("contributions:rates-person-determine", args=[person.pk]),
            ui_form={**body, "valid_from": f"{this_month():%Y-%m}", "insurance_types": ["110", "310"], "note": ""},
            id_number=person.id_number,
        )

    def submission(self, kit, subject):
        return self._submission(subject, "6000.00")

    def bad_submission(self, kit, subject):
        return self._submission(subject, "4799.99")  # band 4800.00–24000.00 (0.6–3 × 8000)

    def check_applied(self, kit, subject, case):
        rows = PersonContributionChoice.objects.filter(person=subject).order_by("insurance_type_id")
        assert [(r.insurance_type_id, r.base, r.valid_from) for r in rows] == [
            ("110", Decimal("6000.00"), this_month()),
            ("310", Decimal("6000.00"), this_month()),
        ]


class TestPersonChoiceChangeKit(ItemTestCase):
    """02020202 费额调整 (a resident's yearly tier, from next year)."""

    item_code = "02020202"
    bad_field = "amount"
    saved_models = (PersonContributionChoice,)

    def subject(self, kit: Kit):
        return resident(kit.agencies["a"], tier="200")

    def _submission(self, person, amount: str) -> Submission:
        next_year = f"{timezone.localdate().year + 1}-01"
        return Submission(
            service=person_choice_change,
            kwargs={"person": person, "amount": amount},
            api_url=f"/api/v1/persons/{person.pk}/contribution-choices/change/",
            api_body={"amount": amount},
            ui_url=reverse("contributions:rates-person-change", args=[person.pk]),
            ui_form={"amount": amount, "valid_from": next_year, "note": ""},
            id_number=person.id_number,
        )

    def submission(self, kit, subject):
        return self._submission(subject, "500")

    def bad_submission(self, kit, subject):
        return self._submission(subject, "550")

    def check_applied(self, kit, subject, case):
        next_year = dt.date(timezone.localdate().year + 1, 1, 1)
        assert person_choice_for(subject, "170", this_month()).tier == Decimal("200")
        assert person_choice_for(subject, "170", next_year).tier == Decimal("500")
        assert case.payload["subsidy"] == "60.00"
