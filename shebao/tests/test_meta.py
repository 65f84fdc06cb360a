"""Meta-tests over the whole project: every registered business service has a test module marking its item."""

from __future__ import annotations

from shebao.core.items import ITEMS
from shebao.core.management.commands.catalog_coverage import leaf_items, marked_test_modules, service_map


def test_every_service_has_a_test_module_that_marks_it():
    services = service_map()
    tests = marked_test_modules()
    missing = {code: paths for code, paths in services.items() if not tests.get(code)}
    assert not missing, "业务服务缺少测试（在测试模块中加 pytest.mark.catalog(code)）：" + "; ".join(
        f"{code}: {', '.join(paths)}" for code, paths in sorted(missing.items())
    )


def test_services_and_markers_name_real_leaf_items():
    leaves = {item["code"] for item in leaf_items()}
    assert set(ITEMS) <= leaves, sorted(set(ITEMS) - leaves)
    unknown = sorted(set(marked_test_modules()) - leaves)
    assert not unknown, f"pytest.mark.catalog 中的业务编码不在目录中：{unknown}"
