"""`manage.py bench quality` with a small N: the planted defects are found, the JSON has the standard keys."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.catalog("1106")]


def test_bench_quality_small_n(capsys):
    call_command("bench", "quality", "--n", "3000", "--json")
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert {"name", "n", "seconds", "per_second", "floor_seconds", "ratio", "rule_seconds", "rule_findings"} <= set(out)
    assert out["name"] == "quality" and out["persons"] >= 3000 and out["enrolments"] >= 6000
    found, planted = out["rule_findings"], out["planted_now"]
    for code in ("WZ01", "WZ04", "YX01", "YZ04", "YZ05", "WY01"):
        assert found[code] == planted.get(code, 0), code
    for code, count in out["planted_enrolments"].items():
        assert found[code] == count, code
    assert found["WZ05"] >= 1 and out["findings"] == sum(found.values())
