"""seed_demo's rates part: every demo employer in work-injury insurance rated (set-based), a few rate changes
(approved, one waiting for review), tiers and bases for residents and flexible workers, portal logins left to
choose; skipped with a note while the contribution parameters are missing."""

from __future__ import annotations

from io import StringIO
from types import SimpleNamespace

import pytest
from django.core.management import call_command

from shebao.contributions.demo import rates as demo
from shebao.contributions.models import EmployerRate, PersonContributionChoice
from shebao.core.audit import audit_verify
from shebao.core.models import Case, Parameter, User
from shebao.registration.models import EmployerInsurance

pytestmark = [pytest.mark.django_db, pytest.mark.catalog("02020101", "02020201", "02020102", "02020202")]


def test_seed_demo_rates_and_choices():
    call_command("seed_demo", employers=12, persons=300, seed=7, stdout=StringIO(), stderr=StringIO())
    in_injury = EmployerInsurance.objects.filter(insurance_type_id="410", active=True).values("employer_id")
    assert set(EmployerRate.objects.filter(case__isnull=True).values_list("employer_id", flat=True)) == {
        row["employer_id"] for row in in_injury
    }
    changes = Case.objects.filter(item_id="02020201")
    assert changes.count() >= 2 and changes.filter(status="accepted").count() == 1
    assert EmployerRate.objects.filter(case__isnull=False).count() == changes.filter(status="completed").count()
    assert PersonContributionChoice.objects.filter(tier__isnull=False).exists()
    assert PersonContributionChoice.objects.filter(base__isnull=False).exists()
    assert Case.objects.filter(item_id="02020102", status="completed").exists()
    assert Case.objects.filter(item_id="02020202").exists()
    for username in ("insured", "resident"):
        person = User.objects.get(username=username).person
        assert not PersonContributionChoice.objects.filter(person=person).exists()
    assert User.objects.get(username="resident").person.category == "resident"
    assert audit_verify().ok


def test_demo_skips_without_parameters():
    Parameter.objects.filter(key__startswith="contribution.injury.").delete()
    laps = []
    demo.load(SimpleNamespace(lap=laps.append))
    assert laps and "缺少缴费参数" in laps[0] and not EmployerRate.objects.exists()
