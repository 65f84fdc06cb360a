"""`manage.py catalog_coverage`: derived from the item registry, the URL resolver and the test markers."""

from __future__ import annotations

import json
import subprocess
import sys
from io import StringIO

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.test import override_settings
from django.urls import include, path
from django.views import View

from shebao.core import items
from shebao.core.catalog import catalog_view
from shebao.core.items import BusinessItem, register_item
from shebao.core.management.commands import catalog_coverage as cov

# A URLconf used by the tests below (override ROOT_URLCONF to this module).


@catalog_view("020101")
def _fake_ui(request):  # pragma: no cover - never requested
    raise NotImplementedError


class _FakeApi(View):
    catalog_codes = ("020101", "020102")


class _FakeDrf:
    """Stands in for a DRF view: `as_view()` returns a function carrying `cls`."""

    catalog_codes = ("020103",)

    @classmethod
    def as_view(cls):
        def view(request):  # pragma: no cover
            raise NotImplementedError

        view.cls = cls
        return view


_api_patterns = [
    path("wages/", _FakeApi.as_view(), name="wage-audit"),
    path("wages/drf/", _FakeDrf.as_view(), name="wage-drf"),
]
_ui_patterns = [path("wages/", _fake_ui, name="wage-audit")]
urlpatterns = [
    path("api/v1/", include((_api_patterns, "api-contributions"))),
    path("contributions/", include((_ui_patterns, "contributions"))),
    path("unnamed/", _fake_ui),
]


def _json() -> list[dict]:
    out = StringIO()
    call_command("catalog_coverage", "--json", stdout=out)
    return json.loads(out.getvalue())


def test_one_row_per_leaf_with_unique_codes():
    rows = _json()
    assert len(rows) == 152
    codes = [r["code"] for r in rows]
    assert len(set(codes)) == 152
    for row in rows:
        assert set(row) == {"code", "name", "service", "api", "ui", "tests", "all", "test_kinds"}
        assert row["name"]
    assert codes[0] == "01010101"


def test_registered_services_and_tests_show_up():
    rows = {r["code"]: r for r in _json()}
    row = rows["01010101"]
    assert row["service"] == "shebao.registration.services.employers.employer_enrol"
    assert row["tests"] is not None and row["tests"].startswith("shebao.")
    assert "shebao.registration.tests.services.test_employer_enrol" in row["all"]["tests"]
    assert len(rows["01010102"]["all"]["service"]) >= 3  # change, restructure, agency transfer
    for code in ("01010101", "01010102", "01010103", "01010201", "01010202", "01010203"):
        assert all(rows[code][k] for k in cov.KINDS), code  # the six registration items are complete
        assert all(rows[code]["test_kinds"][k] for k in cov.TEST_KINDS), code


def test_coverage_reads_the_registry_the_server_uses():
    code = next(r["code"] for r in _json() if r["service"] is None)

    def fake_service(*, actor):  # pragma: no cover
        return None

    register_item(BusinessItem(code=code, services=(fake_service,)))
    try:
        row = next(r for r in _json() if r["code"] == code)
        assert row["service"] == f"{__name__}.test_coverage_reads_the_registry_the_server_uses.<locals>.fake_service"
    finally:
        items.ITEMS.pop(code)
    assert next(r for r in _json() if r["code"] == code)["service"] is None


def test_a_code_registered_twice_is_refused():
    with pytest.raises(ImproperlyConfigured, match="重复登记"):
        register_item(BusinessItem(code="01010101"))
    assert items.ITEMS["01010101"].services  # the real registration is untouched


def test_a_code_registered_twice_stops_start_up(tmp_path):
    """An app whose items.py registers an existing code: `manage.py check` fails at start-up."""
    app = tmp_path / "dupitems"
    app.mkdir()
    (app / "__init__.py").write_text("")
    (app / "items.py").write_text(
        'from shebao.core.items import BusinessItem, register_item\nregister_item(BusinessItem(code="01010201"))\n'
    )
    (tmp_path / "dup_settings.py").write_text(
        "from shebao.settings.test import *  # noqa\nINSTALLED_APPS = [*INSTALLED_APPS, 'dupitems']\n"
    )
    env = {
        "PYTHONPATH": f"{tmp_path}:{settings.BASE_DIR}",
        "DJANGO_SETTINGS_MODULE": "dup_settings",
        "PATH": "/usr/bin",
    }
    run = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"], capture_output=True, text=True, env=env, timeout=120
    )
    assert run.returncode != 0
    assert "01010201" in run.stderr and "重复登记" in run.stderr


@override_settings(ROOT_URLCONF=__name__)
def test_views_are_found_by_walking_the_resolver():
    rows = {r["code"]: r for r in _json()}
    assert rows["020101"]["api"] == "api-contributions:wage-audit"
    assert rows["020101"]["ui"] == "contributions:wage-audit"
    assert rows["020101"]["all"]["ui"] == ["contributions:wage-audit", "/unnamed/"]
    assert rows["020102"]["api"] == "api-contributions:wage-audit"
    assert rows["020102"]["ui"] is None
    assert rows["020103"]["api"] == "api-contributions:wage-drf"


def test_marker_scan_reads_string_arguments(tmp_path):
    pkg = tmp_path / "shebao"
    (pkg / "demo" / "tests" / "services").mkdir(parents=True)
    (pkg / "tests").mkdir()
    (pkg / "demo" / "tests" / "services" / "test_a.py").write_text(
        'import pytest\npytestmark = [pytest.mark.django_db, pytest.mark.catalog("07010101", "07010102")]\n',
        encoding="utf-8",
    )
    (pkg / "tests" / "test_b.py").write_text(
        "from pytest import mark\n\n@mark.catalog('07010101')\ndef test_x():\n    pass\n", encoding="utf-8"
    )
    (pkg / "demo" / "tests" / "helpers.py").write_text('import pytest\npytest.mark.catalog("09")\n', encoding="utf-8")
    (pkg / "demo" / "tests" / "test_bench.py").write_text(
        'import pytest\npytestmark = pytest.mark.catalog("07010103")\n'
    )
    found = cov.marked_test_modules(pkg)
    assert found == {  # only service, api and ui tests count (a bench test carrying the marker does not)
        "07010101": ["shebao.demo.tests.services.test_a", "shebao.tests.test_b"],
        "07010102": ["shebao.demo.tests.services.test_a"],
    }
    by_kind = cov.marked_test_modules(pkg, kinds=True)
    assert by_kind["07010101"] == {"services": ["shebao.demo.tests.services.test_a"], "ui": ["shebao.tests.test_b"]}


def test_marked_codes_ignores_other_marks_and_non_strings():
    src = 'import pytest\nCODE = "1"\npytestmark = [pytest.mark.slow("01"), pytest.mark.catalog(CODE, "02")]\n'
    assert cov.marked_codes(src) == ["02"]


def test_table_output_has_a_summary():
    out = StringIO()
    call_command("catalog_coverage", stdout=out)
    text = out.getvalue()
    lines = text.strip().splitlines()
    assert lines[0].split()[:2] == ["编码", "名称"]
    assert lines[-1].endswith("/152 complete")
    assert any(line.startswith("01010101") for line in lines)


def test_missing_flag_lists_only_incomplete_items():
    out = StringIO()
    call_command("catalog_coverage", "--missing", stdout=out)
    complete = {r["code"] for r in _json() if all(r[k] for k in cov.KINDS)}
    listed = {line.split()[0] for line in out.getvalue().splitlines()[2:] if line[:1].isdigit()}
    assert listed and not (listed & complete)


def test_services_without_tests_is_reported():
    code = next(r["code"] for r in _json() if r["service"] is None and r["tests"] is None)

    def untested_service(*, actor):  # pragma: no cover
        return None

    register_item(BusinessItem(code=code, services=(untested_service,)))
    try:
        assert code in cov.services_without_tests()
    finally:
        items.ITEMS.pop(code)
    assert code not in cov.services_without_tests()


def test_catalog_marker_is_registered(pytestconfig):
    markers = pytestconfig.getini("markers")
    assert any(m.startswith("catalog") for m in markers)
