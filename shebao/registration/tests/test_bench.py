"""manage.py bench: registration through the real bulk path and person lookup, printed as one JSON object."""

import json
from io import StringIO

import pytest
from django.core.management import call_command

from shebao.registration.bench.lookup import ensure_population
from shebao.registration.models import Enrolment, Person

pytestmark = [pytest.mark.django_db, pytest.mark.catalog("01010201")]

KEYS = {"name", "n", "seconds", "per_second", "floor_seconds", "ratio"}


def _bench(*args, **options) -> dict:
    out = StringIO()
    call_command("bench", *args, json=True, no_progress=True, stdout=out, stderr=StringIO(), **options)
    lines = out.getvalue().strip().splitlines()
    assert len(lines) == 1  # stdout carries exactly the JSON object
    return json.loads(lines[0])


def test_bench_registration(db):
    data = _bench("registration", n=200, chunk=150)
    assert data.keys() >= KEYS
    assert data["name"] == "registration" and data["n"] == 200
    assert data["seconds"] > 0 and data["floor_seconds"] > 0
    assert data["ratio"] == pytest.approx(data["seconds"] / data["floor_seconds"], rel=0.05)
    assert data["cases"] == 2
    assert Person.objects.filter(employer_id=data["employer_id"]).count() == 200
    assert Enrolment.objects.filter(employer_id=data["employer_id"]).count() == 1000
    # A second run uses a fresh employer and new ID numbers.
    again = _bench("registration", n=10)
    assert again["employer_id"] != data["employer_id"]
    assert Person.objects.filter(agency__code="BENCH").count() == 210


def test_bench_lookup(db):
    data = _bench("lookup", n=2000)
    assert data.keys() >= KEYS
    assert data["name"] == "lookup" and data["n"] == 2000
    assert data["population"] == 2000 and data["loaded_now"] == 2000
    assert data["searches"] >= 2000
    for key in ("id_p50_ms", "id_p95_ms", "id_p99_ms", "name_p50_ms", "name_p95_ms", "name_p99_ms"):
        assert data[key] >= 0
    assert Person.objects.filter(agency__code="BENCHLK").count() == 2000
    # The population is reused by later runs, topped up only when a larger N is asked for.
    _, added, _ = ensure_population(2000, show=False)
    assert added == 0
    _, added, _ = ensure_population(2100, show=False)
    assert added == 100 and Person.objects.filter(agency__code="BENCHLK").count() == 2100


def test_bench_pages(db):
    data = _bench("pages", n=300, requests=3)
    assert data["name"] == "pages" and data["population"] >= 300
    for page in ("dashboard", "case_list", "employer_detail", "person_detail"):
        assert data[f"{page}_p95_ms"] > 0
        assert data[f"{page}_queries"] == data[f"{page}_queries_fewer_rows"] > 0
    assert data["queries_constant"] is True


def test_bench_lookup_times_contains_and_id_suffix(db):
    data = _bench("lookup", n=1200)
    for key in ("contains_p95_ms", "id_suffix_p95_ms", "surname_only_p95_ms"):
        assert data[key] > 0
