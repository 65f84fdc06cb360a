"""Fixtures of the rules tests: the shipped YAML as an in-memory parameter source (no database needed)."""

from __future__ import annotations

import datetime as dt

import pytest

from shebao.core.parameters import ParamValue
from shebao.rules.source import StaticSource

YAML = StaticSource.from_yaml()


@pytest.fixture
def yaml_params() -> StaticSource:
    """The shipped defaults, read from the YAML files."""
    return YAML


def with_values(source: StaticSource, key: str, *entries: tuple[str, str, str | None]) -> StaticSource:
    """`source` with `key` replaced by (from ISO date, value, region) entries (reference "测试依据")."""
    unit = source._values[key][0].unit if key in source._values else ""
    values = [
        ParamValue(key, value, unit, region, dt.date.fromisoformat(start), "测试依据", True)
        for start, value, region in entries
    ]
    return StaticSource({**source._values, key: values})
