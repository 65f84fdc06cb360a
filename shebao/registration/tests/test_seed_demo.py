"""manage.py seed_demo: deterministic 杭州市 demo data through the real services, refused when already present."""

from io import StringIO

import pytest
from django.core.management import call_command

from shebao.core.audit import audit_verify
from shebao.core.identifiers import parse_citizen_id, validate_uscc
from shebao.core.models import Agency, Case, User
from shebao.registration.demo import build_plan
from shebao.registration.models import Employer, Enrolment, Person

pytestmark = [pytest.mark.django_db, pytest.mark.catalog("01010101", "01010201", "01010202", "01010203")]


def test_plan_is_deterministic_and_valid(db):
    first = build_plan(seed=7, employers=12, persons=300)
    again = build_plan(seed=7, employers=12, persons=300)
    other = build_plan(seed=8, employers=12, persons=300)
    ids = [p["id_number"] for p in first.persons]
    assert ids == [p["id_number"] for p in again.persons]
    assert [e["uscc"] for e in first.employers] == [e["uscc"] for e in again.employers]
    assert [p["name"] for p in first.persons] == [p["name"] for p in again.persons]
    assert ids != [p["id_number"] for p in other.persons]
    assert len(set(ids)) == 300
    for number in ids:
        cid = parse_citizen_id(number)
        assert cid.area_code.startswith("33")  # real Zhejiang county codes
    for e in first.employers:
        validate_uscc(e["uscc"])
    categories = {p["category"] for p in first.persons}
    assert categories == {"employee", "flexible", "resident"}


def test_seed_demo_loads_and_refuses_a_second_run(db):
    out, err = StringIO(), StringIO()
    call_command("seed_demo", employers=12, persons=300, seed=7, stdout=out, stderr=err)
    text = out.getvalue()
    for username in (
        "admin",
        "sc_clerk",
        "sc_reviewer",
        "gs_clerk",
        "gs_reviewer",
        "sc_finance",
        "city_auditor",
        "employer",
        "insured",
    ):
        assert username in text
        assert User.objects.filter(username=username).exists()
    assert "Shebao@2026" in text and "http://127.0.0.1:8000/" in text
    assert User.objects.get(username="admin").is_superuser
    assert User.objects.get(username="admin").check_password("Shebao@2026")

    city = Agency.objects.get(code="330100")
    assert set(city.children.values_list("code", flat=True)) == {"330102", "330105"}
    assert Employer.objects.count() == 12
    plan = build_plan(seed=7, employers=12, persons=300)
    assert set(Person.objects.values_list("id_number", flat=True)) == {p["id_number"] for p in plan.persons}
    assert Enrolment.objects.filter(insurance_type_id="390").exists()
    assert Enrolment.objects.filter(insurance_type_id="110", employer__isnull=True).exists()  # flexible workers

    employer_user = User.objects.get(username="employer")
    insured_user = User.objects.get(username="insured")
    assert employer_user.employer_id and insured_user.person_id
    assert insured_user.person.category == "flexible"

    statuses = set(Case.objects.values_list("status", flat=True))
    assert {"submitted", "accepted", "rejected", "completed"} <= statuses
    assert Case.objects.filter(item_id="01010201", status="completed").exists()
    assert audit_verify().ok

    # Idempotent: a second run changes nothing and says so.
    counts = (Person.objects.count(), Employer.objects.count(), Case.objects.count(), User.objects.count())
    out2 = StringIO()
    call_command("seed_demo", employers=12, persons=300, seed=7, stdout=out2, stderr=StringIO())
    assert "已存在" in out2.getvalue()
    assert counts == (Person.objects.count(), Employer.objects.count(), Case.objects.count(), User.objects.count())
