"""Text units (档次, 险种, 方式) have a fixed shape; shipped YAML values are checked against their unit at load."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from shebao.core import parameters
from shebao.core.errors import ApplicationError
from shebao.core.models import Parameter
from shebao.core.parameters import load_default_parameters, parameter_list, parameter_value_clean


@pytest.mark.parametrize(
    ("value", "unit", "clean"),
    [
        ("1.0,1.2,1.5", "档次", "1.0,1.2,1.5"),
        ("100, 200 ,300", "档次", "100,200,300"),
        ("１００，２００", "档次", "100,200"),  # full-width digits and comma (NFKC)
        ("110,210,410", "险种", "110,210,410"),
        ("110", "险种", "110"),
        ("agency", "方式", "agency"),
        ("tax", "方式", "tax"),
    ],
)
def test_text_unit_values_are_cleaned(value, unit, clean):
    assert parameter_value_clean(value, unit) == clean


@pytest.mark.parametrize(
    ("value", "unit"),
    [
        ("1.0,,1.5", "档次"),
        ("1.0;1.2", "档次"),
        ("-1,2", "档次"),
        ("一百", "档次"),
        ("11,210", "险种"),
        ("110,", "险种"),
        ("Agency", "方式"),
        ("税务", "方式"),
        ("", "方式"),
    ],
)
def test_text_unit_values_of_the_wrong_shape_are_refused(value, unit):
    with pytest.raises(ApplicationError) as exc:
        parameter_value_clean(value, unit)
    assert list(exc.value.errors) == ["value"]
    assert unit in exc.value.message


def test_parameter_list_splits_on_commas():
    assert parameter_list("100,200, 300") == ["100", "200", "300"]
    assert parameter_list("") == []


@pytest.mark.django_db
def test_a_shipped_value_that_does_not_fit_its_unit_stops_loading(tmp_path, monkeypatch):
    (tmp_path / "bad.yaml").write_text(
        "parameters:\n  test.bad_ratio:\n    unit: 比例\n    values:\n"
        '      - {from: 2020-01-01, value: "1.6", ref: "测试依据"}\n',
        encoding="utf-8",
    )
    monkeypatch.setattr(parameters, "PARAMETER_DIR", tmp_path)
    with pytest.raises(ImproperlyConfigured, match=r"test\.bad_ratio"):
        load_default_parameters()
    assert not Parameter.objects.filter(key="test.bad_ratio").exists()


@pytest.mark.django_db
def test_a_value_may_carry_its_own_note(tmp_path, monkeypatch):
    (tmp_path / "notes.yaml").write_text(
        "parameters:\n  test.noted:\n    unit: 元/月\n    description: 全国说明\n    values:\n"
        '      - {from: 2020-01-01, value: "100", ref: "测试依据"}\n'
        '      - {from: 2020-01-01, region: "330000", value: "200", ref: "测试依据", note: "演示数据：浙江"}\n',
        encoding="utf-8",
    )
    monkeypatch.setattr(parameters, "PARAMETER_DIR", tmp_path)
    load_default_parameters()
    notes = dict(Parameter.objects.filter(key="test.noted").values_list("region_id", "note"))
    assert notes == {None: "全国说明", "330000": "演示数据：浙江"}
