"""Set-based helpers: array parameters, lookups by many values, COPY row layouts, reserved primary keys."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection, transaction

from shebao.core.models import CatalogItem
from shebao.core.pgcopy import array_param, copy_layout, copy_rows, reserve_pks, rows_where_in

pytestmark = pytest.mark.django_db


def test_array_param_is_a_literal_only_for_plain_codes_and_integers():
    assert array_param(["01010201:id:11010519491231002X", "id_number"]) == "{01010201:id:11010519491231002X,id_number}"
    assert array_param([3, 10, 42]) == "{3,10,42}"
    for odd in (["a,b"], ['a"b'], ["a b"], ["{x}"], ["NULL"], ["null"], [""], ["王伟"], [None], [True], [1.5]):
        assert array_param(odd) == odd  # quoted by the driver instead


def test_rows_where_in_matches_exact_values_only():
    values = ["01010201", "no-such-code", "a,b", 'q"uote', "NULL", "", "0101020"]
    assert rows_where_in(CatalogItem, "code", values, ("code",)) == [("01010201",)]
    assert rows_where_in(CatalogItem, "code", [], ("code",)) == []


def test_rows_where_in_with_an_equality_condition():
    rows = rows_where_in(CatalogItem, "code", ["01010201", "01010101"], ("code", "name"), code="01010101")
    assert [code for code, _ in rows] == ["01010101"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY and sequences: PostgreSQL")
def test_copy_layout_fills_defaults_and_reserved_pks_are_used(agencies):
    from shebao.registration.models import Enrolment, Person

    with transaction.atomic():
        pks = reserve_pks(Person, 2)
        assert len(set(pks)) == 2
        columns, build = copy_layout(
            Person,
            ("id", "id_number", "name", "gender", "birth_date"),
            category="employee",
            agency_id=agencies["a"].pk,
            registered_on=dt.date(2026, 11, 1),
        )
        rows = [
            (pks[0], "11010519491231002X", "张三", "2", "1949-12-31"),
            (pks[1], "110105194912310021", "李四", "1", dt.date(1949, 12, 31)),
        ]
        copy_rows(Person, columns, map(build, rows))
        given = ("person_id", "insurance_type_id", "start_month")
        columns, build = copy_layout(Enrolment, given, agency_id=agencies["a"].pk)
        assert "id" not in columns  # left to the table's sequence
        copy_rows(Enrolment, columns, [build((pks[0], "110", "2026-11-01"))])
    first = Person.objects.get(pk=pks[0])
    assert (first.id_number, first.status, first.version, first.ethnicity, first.employer_id) == (
        "11010519491231002X",
        "active",
        1,
        "汉族",
        None,
    )
    enrolment = Enrolment.objects.get(person_id=pks[0])
    assert (enrolment.status, enrolment.end_month, enrolment.start_month) == ("active", None, dt.date(2026, 11, 1))
    assert (
        Person.objects.create(
            id_number="110105194912310048",
            name="王五",
            gender="2",
            birth_date=dt.date(1949, 12, 31),
            category="employee",
            agency=agencies["a"],
            registered_on=dt.date(2026, 11, 1),
        ).pk
        not in pks
    )  # the sequence moved past the reserved keys


def test_copy_layout_refuses_a_required_column_without_value():
    from shebao.registration.models import Person

    with pytest.raises(ValueError, match="birth_date"):
        copy_layout(Person, ("id_number", "name"))  # the birth date has no default
