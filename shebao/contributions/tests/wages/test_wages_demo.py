"""seed_demo's wages part: declarations for most demo units for the current contribution year, every active
employee's base determined (so the assessment has bases), one declaration of the next year waiting for review."""

from io import StringIO

import pytest
from django.core.management import call_command

from shebao.contributions.models import ContributionBase, WageDeclaration
from shebao.contributions.services import wages_rules as rules
from shebao.core.audit import audit_verify
from shebao.core.models import Case, User
from shebao.registration.choices import EnrolmentStatus, PersonCategory, PersonStatus
from shebao.registration.models import Employer, Person

pytestmark = [pytest.mark.django_db]


def test_seed_demo_declares_wages_and_determines_bases(db):
    out = StringIO()
    call_command("seed_demo", employers=12, persons=300, seed=7, stdout=out, stderr=StringIO())
    from django.utils import timezone

    year = rules.contribution_year_of(timezone.localdate().replace(day=1), "330100")
    declared = WageDeclaration.objects.filter(year=year)
    assert declared.count() >= 8 and declared.filter(case__isnull=False).count() == 3
    portal_unit = User.objects.get(username="employer").employer
    assert declared.filter(employer=portal_unit).exists()
    assert not WageDeclaration.objects.filter(employer=portal_unit, year=year + 1).exists()
    assert Case.objects.filter(item_id="020101", status="accepted", payload__year=year + 1).count() == 1

    employees = Person.objects.filter(
        category=PersonCategory.EMPLOYEE,
        status=PersonStatus.ACTIVE,
        enrolments__status=EnrolmentStatus.ACTIVE,
        employer__in=Employer.objects.all(),
    ).distinct()
    based = ContributionBase.objects.filter(year=year, superseded_by__isnull=True)
    assert set(based.values_list("person_id", flat=True)) >= set(employees.values_list("pk", flat=True))
    assert {"declared", "default"} >= set(based.values_list("source", flat=True))
    assert based.filter(source="declared").count() > based.filter(source="default").count()
    assert "缴费基数" in out.getvalue()
    assert audit_verify().ok
