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


def item_test_classes() -> dict[str, list[str]]:
    """code → the `ItemTestCase` subclasses (module.Class) found in the service test modules that use the kit."""
    import importlib

    from django.conf import settings

    from shebao.core.management.commands.catalog_coverage import iter_test_files, test_kind
    from shebao.testing import ItemTestCase

    root = settings.PACKAGE_DIR
    for path in iter_test_files(root):
        if test_kind(path, root) == "services" and "ItemTestCase" in path.read_text(encoding="utf-8"):
            importlib.import_module(".".join(path.relative_to(root.parent).with_suffix("").parts))
    found: dict[str, list[str]] = {}
    pending = list(ItemTestCase.__subclasses__())
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if cls.item_code and cls.__name__.startswith("Test"):
            found.setdefault(cls.item_code, []).append(f"{cls.__module__}.{cls.__qualname__}")
    return found


def items_without_item_test_case() -> list[str]:
    """Registered item codes that no `ItemTestCase` subclass covers (items that open no case are not concerned)."""
    return sorted({code for code, item in ITEMS.items() if not item.immediate} - set(item_test_classes()))


def test_every_registered_item_has_an_item_test_case():
    missing = items_without_item_test_case()
    hint = "在 <app>/tests/services/ 中继承 shebao.testing.ItemTestCase"
    assert not missing, f"业务事项缺少 ItemTestCase 测试类（{hint}）：" + "、".join(missing)
    assert set(item_test_classes()) <= set(ITEMS), "ItemTestCase 子类的 item_code 未登记"


def test_an_item_registered_without_item_test_case_is_reported(monkeypatch):
    from shebao.core.items import BusinessItem

    monkeypatch.setitem(ITEMS, "01010104", BusinessItem(code="01010104"))
    assert items_without_item_test_case() == ["01010104"]


def services_without_materials() -> list[str]:
    """Services of items with a materials checklist that cannot take what was handed in (`materials=`)."""
    import inspect

    return sorted(
        f"{item.code} {service.__module__}.{service.__qualname__}"
        for item in ITEMS.values()
        if item.materials
        for service in item.services
        if _opens_case(service) and "materials" not in inspect.signature(service).parameters
    )


def _opens_case(service) -> bool:
    """A service that opens a case (calls `case_open`); batch runs, file imports and postings open none, so no
    materials are handed in to them."""
    import inspect

    try:
        return "case_open(" in inspect.getsource(service)
    except (OSError, TypeError):
        return True


def test_every_service_of_an_item_with_materials_takes_them():
    """Each service passes `materials` on to `case_open`, which checks them: no item is left without the check."""
    missing = services_without_materials()
    assert not missing, "业务服务缺少 materials 参数（传给 case_open）：" + "；".join(missing)


def test_a_service_without_materials_is_reported(monkeypatch):
    from shebao.core.items import BusinessItem, Material

    def service_without(*, actor):
        """A service that forgot the materials."""
        from shebao.core.cases import case_open

        return case_open(actor=actor)  # never called: only its signature and source are looked at

    monkeypatch.setitem(
        ITEMS, "01010104", BusinessItem(code="01010104", services=(service_without,), materials=(Material("证明"),))
    )
    assert services_without_materials() == [f"01010104 {__name__}.{service_without.__qualname__}"]


def submits_dropping_materials() -> list[str]:
    """Pages (`ItemFormView`) and APIs (`ItemCaseApi`) of items with a materials checklist whose `submit` does not
    hand the materials on (`self.materials`): files uploaded there would be dropped silently."""
    import inspect

    from django.urls import get_resolver

    from shebao.core.api import ItemCaseApi
    from shebao.core.views import ItemFormView

    def views(resolver):
        for pattern in resolver.url_patterns:
            if hasattr(pattern, "url_patterns"):
                yield from views(pattern)
            else:
                callback = pattern.callback
                yield getattr(callback, "view_class", None) or getattr(callback, "cls", None)

    found = set()
    for view in views(get_resolver()):
        if not (isinstance(view, type) and issubclass(view, ItemFormView | ItemCaseApi)):
            continue
        item = ITEMS.get(getattr(view, "item_code", "") or "")
        if item is None or not item.materials or not view.takes_materials or "submit" not in view.__dict__:
            continue
        if "self.materials" not in inspect.getsource(view.submit):
            found.add(f"{item.code} {view.__module__}.{view.__qualname__}")
    return sorted(found)


def test_every_page_and_api_hands_the_materials_on():
    """What a clerk uploads with an application reaches the service (and `case_open`), on every page and API."""
    dropping = submits_dropping_materials()
    assert not dropping, "submit 未把申请材料（self.materials）传给业务服务：" + "；".join(dropping)
