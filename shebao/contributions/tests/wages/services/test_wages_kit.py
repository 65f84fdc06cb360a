"""020101, 020102 and 020103 through the item test kit (`shebao.testing.ItemTestCase`): happy path, approval applying
the change with audit rows, 404 out of scope, 400 on bad input with nothing saved, maker-checker, one open case per
subject — in the service, the API and the UI."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from shebao.contributions.choices import BaseSource
from shebao.contributions.models import ContributionBase, Receivable, WageDeclaration, WageDeclarationLine
from shebao.contributions.services.wages import wage_declaration_submit
from shebao.contributions.services.wages_adjust import contribution_base_adjust
from shebao.contributions.services.wages_bases import contribution_base_determine
from shebao.registration.models import Person
from shebao.testing import ItemTestCase, Kit, Submission

from ..helpers import current_year, lines_for, pasted, this_month, unit_with_staff

pytestmark = [pytest.mark.django_db, pytest.mark.catalog("020101", "020102", "020103")]


class TestWageDeclarationKit(ItemTestCase):
    """020101 工资总额审核 (counter: pasted lines; API: JSON lines)."""

    item_code = "020101"
    bad_field = "year"
    saved_models = (WageDeclaration, WageDeclarationLine)

    def subject(self, kit: Kit):
        employer, _ = unit_with_staff(kit.agencies["a"], 2)
        return employer

    def _submission(self, employer, year):
        lines = lines_for(Person.objects.filter(employer=employer).order_by("pk"), wages=("96000.00", "72000"))
        return Submission(
            service=wage_declaration_submit,
            kwargs={"employer": employer, "year": year, "lines": lines},
            api_url="/api/v1/wage-declarations/",
            api_body={"employer": employer.pk, "year": int(year), "lines": lines},
            ui_url=f"{reverse('contributions:wage-declare')}?employer={employer.pk}",
            ui_form={"year": year, "lines": pasted(lines)},
        )

    def submission(self, kit, subject):
        return self._submission(subject, current_year())

    def bad_submission(self, kit, subject):
        return self._submission(subject, 1999)

    def check_applied(self, kit, subject, case):
        declaration = WageDeclaration.objects.get(employer=subject, year=current_year())
        assert declaration.headcount == 2 and declaration.wage_total == Decimal("168000.00")
        assert declaration.lines.count() == 2 and declaration.case == case


class TestBaseDetermineKit(ItemTestCase):
    """020102 缴费基数核定 (single case: a redetermination from this month with the person's wage)."""

    item_code = "020102"
    bad_field = "monthly_wage"
    saved_models = (ContributionBase,)

    def subject(self, kit):
        _, (person,) = unit_with_staff(kit.agencies["a"], 1)
        return person

    def _submission(self, person, wage):
        body = {
            "kind": "redetermine",
            "year": current_year(),
            "valid_from": f"{this_month():%Y-%m}",
            "monthly_wage": wage,
            "note": "",
        }
        return Submission(
            service=contribution_base_determine,
            kwargs={"person": person, **body},
            api_url=f"/api/v1/contribution-bases/persons/{person.pk}/determine/",
            api_body=body,
            ui_url=reverse("contributions:base-determine", args=[person.pk]),
            ui_form=body,
            id_number=person.id_number,
        )

    def submission(self, kit, subject):
        return self._submission(subject, "8000")

    def bad_submission(self, kit, subject):
        return self._submission(subject, "-8000")

    def check_applied(self, kit, subject, case):
        row = ContributionBase.objects.get(person=subject, superseded_by__isnull=True)
        assert (row.base, row.source, row.valid_from, row.case) == (
            Decimal("8000.00"),
            BaseSource.DECLARED,
            this_month(),
            case,
        )


class TestBaseAdjustKit(ItemTestCase):
    """020103 缴费基数调整 (an audit finding for this month)."""

    item_code = "020103"
    bad_field = "base"
    saved_models = (ContributionBase, Receivable)

    def subject(self, kit):
        _, (person,) = unit_with_staff(kit.agencies["a"], 1)
        return person

    def _submission(self, person, base):
        month = f"{this_month():%Y-%m}"
        body = {
            "from_month": month,
            "to_month": month,
            "base": base,
            "source": "audit",
            "reason": "稽核发现少报工资",
            "document_no": "",
        }
        return Submission(
            service=contribution_base_adjust,
            kwargs={"person": person, **body},
            api_url=f"/api/v1/contribution-bases/persons/{person.pk}/adjust/",
            api_body=body,
            ui_url=reverse("contributions:base-adjust", args=[person.pk]),
            ui_form=body,
            id_number=person.id_number,
        )

    def submission(self, kit, subject):
        return self._submission(subject, "9000")

    def bad_submission(self, kit, subject):
        return self._submission(subject, "-9000")

    def check_applied(self, kit, subject, case):
        row = ContributionBase.objects.get(person=subject, superseded_by__isnull=True, valid_from=this_month())
        assert (row.base, row.source, row.case) == (Decimal("9000.00"), BaseSource.ADJUSTED, case)
