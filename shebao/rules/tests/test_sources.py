"""The three parameter sources answer alike: the database (param_lookup), the batch cache and the YAML in memory."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest

from shebao.core.errors import ApplicationError
from shebao.core.models import Parameter
from shebao.core.parameters import param_lookup
from shebao.rules import CachedSource, DatabaseSource, StaticSource, back_payment, contribution

pytestmark = pytest.mark.django_db

DATES = [dt.date(2011, 6, 30), dt.date(2019, 4, 30), dt.date(2019, 5, 1), dt.date(2020, 1, 1), dt.date(2024, 12, 31)]
REGIONS = [None, "330000", "330100", "330102", "110105"]


def _answer(source, key, region, on):
    try:
        v = source(key, region, on)
    except ApplicationError as exc:
        return ("error", sorted(exc.errors))
    return (v.value, v.region_code, v.effective_from, v.legal_reference)


def test_every_shipped_key_resolves_alike_in_all_sources():
    static, cached, database = StaticSource.from_yaml(), CachedSource(), DatabaseSource()
    keys = sorted(set(Parameter.objects.filter(key__startswith="contribution.").values_list("key", flat=True)))
    assert len(keys) >= 40
    compared = 0
    for key in keys:
        for region in REGIONS:
            for on in DATES:
                expected = _answer(database, key, region, on)
                assert _answer(cached, key, region, on) == expected, (key, region, on)
                assert _answer(static, key, region, on) == expected, (key, region, on)
                compared += 1
    assert compared == len(keys) * len(REGIONS) * len(DATES)


def test_database_source_is_param_lookup():
    on = dt.date(2024, 3, 1)
    assert DatabaseSource()("contribution.average_wage", "330102", on) == param_lookup(
        "contribution.average_wage", region="330102", on=on
    )


def test_history_lists_the_values_in_force_in_a_period():
    for source in (DatabaseSource(), CachedSource(), StaticSource.from_yaml()):
        history = source.history("contribution.late_fee.daily_rate", None, dt.date(2011, 1, 1), dt.date(2012, 1, 1))
        assert [(v.value, v.effective_from) for v in history] == [
            ("0.002", dt.date(1999, 1, 22)),
            ("0.0005", dt.date(2011, 7, 1)),
        ]
        rates = source.history("contribution.rate.310.employer", "330102", dt.date(2019, 6, 1), dt.date(2021, 1, 1))
        assert [(v.value, v.region_code) for v in rates] == [("0.06", None), ("0.095", "330100")]


def test_unknown_region_is_refused_by_every_source():
    for source in (DatabaseSource(), CachedSource(), StaticSource.from_yaml()):
        with pytest.raises(ApplicationError) as exc:
            source("contribution.due_day", "999999", dt.date(2024, 1, 1))
        assert list(exc.value.errors) == ["region"]


def test_an_agency_override_in_the_database_is_seen_by_the_rules():
    Parameter.objects.create(
        key="contribution.rate.110.employer",
        region_id="330102",
        effective_from=dt.date(2024, 1, 1),
        value="0.14",
        unit="比例",
        legal_reference="上城区测试文件",
    )
    result = contribution(month=dt.date(2024, 2, 1), base=D("1000"), insurance_types=["110"], region="330102")
    assert result.employer_total == D("140.00")
    assert result.trace[1].reference == "上城区测试文件" and result.trace[1].region == "330102"
    cached = contribution(
        month=dt.date(2024, 2, 1), base=D("1000"), insurance_types=["110"], region="330102", params=CachedSource()
    )
    assert cached == result


def test_cached_and_database_sources_give_the_same_back_payment(django_assert_max_num_queries):
    args = {
        "from_month": dt.date(2019, 1, 1),
        "to_month": dt.date(2020, 12, 1),
        "base": D("7000"),
        "insurance_types": ["110", "210", "310", "410", "510"],
        "injury_class": 2,
        "paid_date": dt.date(2025, 3, 31),
        "region": "330102",
    }
    expected = back_payment(**args)
    with django_assert_max_num_queries(40):  # 24 months: each key read once, not once a month
        cached = back_payment(params=CachedSource(), **args)
    assert cached == expected
    assert len(cached.lines) == 24
