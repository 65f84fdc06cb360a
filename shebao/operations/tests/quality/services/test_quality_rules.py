"""1106 质量管理: every rule finds its planted bad record and none of the good ones; scope; SQL agrees with Python."""

from __future__ import annotations

import random

import pytest
from django.db import connection

from shebao.conftest import make_user
from shebao.core.choices import Role
from shebao.core.identifiers import id_check_digit, mask_id, uscc_check_char
from shebao.core.models import AuditEvent
from shebao.core.synthetic import uscc
from shebao.core.tests.factories import valid_id_number
from shebao.operations.models import QualityFinding, QualityRunStatus
from shebao.operations.services.quality import quality_check
from shebao.operations.services.quality_rules import (
    QUALITY_RULES,
    Dialect,
    _py_id_ok,
    _py_norm_id,
    _py_uscc_ok,
)

from ..planted import PLANTED_CASES, plant

pytestmark = [pytest.mark.django_db, pytest.mark.catalog("1106")]


@pytest.fixture
def admin_a(agencies):
    return make_user(Role.AGENCY_ADMIN, agencies["a"])


def _found(run) -> dict[str, set]:
    out: dict[str, set] = {code: set() for code in run.rules}
    for rule, kind, oid in QualityFinding.objects.filter(run=run).values_list("rule", "object_type", "object_id"):
        out[rule].add((kind, oid))
    return out


def test_every_built_in_rule_has_a_planted_case():
    assert set(PLANTED_CASES) == set(QUALITY_RULES)


@pytest.mark.parametrize("code", sorted(PLANTED_CASES))
def test_each_rule_finds_exactly_its_planted_records(agencies, admin_a, code):
    expected = plant(agencies["a"])
    run = quality_check(actor=admin_a)
    assert run.status == QualityRunStatus.DONE
    found = _found(run)
    assert found[code] == expected[code], f"{code} {PLANTED_CASES[code]}"
    assert run.counts[code] == len(expected[code])


def test_run_totals_audit_and_masked_details(agencies, admin_a):
    expected = plant(agencies["a"])
    run = quality_check(actor=admin_a)
    assert run.total == sum(len(v) for v in expected.values()) == QualityFinding.objects.filter(run=run).count()
    assert run.persons > 0 and run.employers > 0 and run.enrolments > 0
    assert run.finished_at is not None and set(run.seconds) == set(run.rules)
    actions = list(
        AuditEvent.objects.filter(object_type="quality_run", object_id=str(run.pk)).values_list("action", flat=True)
    )
    assert actions == ["quality.run.start", "quality.run.finish"]
    from shebao.registration.models import Person

    for number in Person.objects.exclude(id_number="").values_list("id_number", flat=True):
        assert not QualityFinding.objects.filter(run=run, detail__contains=number).exists(), (
            "full ID number in a detail"
        )
    detail = QualityFinding.objects.get(run=run, rule="YZ05").detail
    person = Person.objects.get(pk=next(iter(expected["YZ05"]))[1])
    assert mask_id(person.id_number) in detail and person.name in detail


def test_a_run_sees_only_its_agency_subtree(agencies, admin_a):
    plant(agencies["b"])
    run = quality_check(actor=admin_a)
    assert run.total == 0 and run.persons == 0
    city_admin = make_user(Role.AGENCY_ADMIN, agencies["city"])
    whole = quality_check(actor=city_admin)
    assert whole.total > 0 and whole.counts["YX01"] == 2


def test_a_subset_of_rules(agencies, admin_a):
    plant(agencies["a"])
    run = quality_check(actor=admin_a, rules=["wy01", "YZ03"])
    assert run.rules == ["YZ03", "WY01"] and set(run.counts) == {"YZ03", "WY01"}
    assert run.counts == {"YZ03": 1, "WY01": 2}


def _sql_values(expr_of, values: list[str]) -> list:
    d = Dialect(connection.vendor)
    d.prepare(connection)
    out = []
    with connection.cursor() as cur:
        for value in values:
            cur.execute(f"SELECT {expr_of(d, '%(v)s')}", {"v": value})
            out.append(cur.fetchone()[0])
    return out


@pytest.mark.django_db
def test_check_digits_in_sql_agree_with_python():
    rng = random.Random(7)
    ids = [valid_id_number(rng.randrange(7_000_000)) for _ in range(60)]
    ids += [i[:17] + rng.choice("0123456789X") for i in ids[:40]]
    ids += ["", "12345", "11010519491231002x", "11010519491231002X", "１１０１０５１９４９１２３１００２X"]
    got = _sql_values(lambda d, v: f"CASE WHEN {d.id_ok(v)} THEN 1 ELSE 0 END", ids)
    assert got == [_py_id_ok(i) for i in ids]
    codes = [uscc("330102", rng.randrange(10**9)) for _ in range(60)]
    codes += [c[:17] + rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for c in codes[:40]] + ["", "91330102MA2AAAAAA"]
    got = _sql_values(lambda d, v: f"CASE WHEN {d.uscc_ok(v)} THEN 1 ELSE 0 END", codes)
    assert got == [_py_uscc_ok(c) for c in codes]
    assert all(uscc_check_char(c[:17]) == c[17] for c in codes[:60])


@pytest.mark.django_db
def test_normalisation_and_masking_in_sql_agree_with_python():
    first17 = "33010280010112"  # 14 digits + '3' below makes a 15-digit legacy number
    fifteen = first17[:6] + first17[8:] + "3"
    eighteen = "33010219800101" + "123"
    eighteen += id_check_digit(eighteen)
    values = [
        fifteen,
        " " + eighteen.lower() + " ",
        "３３０１０２１９８００１０１１２３" + eighteen[-1],
        eighteen,
        "12",
    ]
    assert _sql_values(lambda d, v: d.norm_id(v), values) == [_py_norm_id(v) for v in values]
    assert _sql_values(lambda d, v: d.mask(v), [eighteen, "12345", ""]) == [mask_id(eighteen), "12***", ""]


def test_the_partial_index_of_wrong_numbers_matches_rule_yx01():
    """The migration's partial index is used by YX01 only while its predicate is the rule's expression."""
    from importlib import import_module

    migration = import_module("shebao.operations.migrations.0005_quality")
    d = Dialect("postgresql")
    assert "id_number <> '' AND NOT " + d.id_ok("id_number").replace("%%", "%") == migration.BAD_ID_PREDICATE
    assert "p.id_number <> '' AND NOT " + d.id_ok("p.id_number") in QUALITY_RULES["YX01"].query(d)


@pytest.mark.django_db
def test_yx01_reads_the_partial_index_on_postgresql(agencies, admin_a):
    if connection.vendor != "postgresql":
        pytest.skip("the partial index exists on PostgreSQL only")
    d = Dialect("postgresql", [agencies["a"].pk])
    condition = "p.id_number <> '' AND NOT " + d.id_ok("p.id_number")
    with connection.cursor() as cur:
        cur.execute("SET LOCAL enable_seqscan = off")
        cur.execute(f"EXPLAIN SELECT p.id FROM {d.person} p WHERE {condition}", {})
        plan = "\n".join(row[0] for row in cur.fetchall())
    assert "quality_person_bad_id_idx" in plan, plan
