"""`manage.py catalog_coverage [--json]`: which code carries out each of the 152 leaf business items.

Everything is derived from registrations in the code, never typed by hand:

- service — the item registry `shebao.core.items.ITEMS` that the running server uses (filled at start-up by
  `CoreConfig.ready()` from every app's `items.py`); nothing is imported separately for the report;
- api / ui — the URL resolver, walked recursively; a view declares `catalog_codes` (on the function, on its
  `view_class`, or on DRF's `cls`). URLs whose full path starts with `api/` count as API, the rest as UI;
  the value is the namespaced URL name;
- tests — `pytest.mark.catalog("<code>", ...)` calls in test modules, read with `ast`, recognised by path:
  `<app>/tests/services/`, `<app>/tests/api/` and `<app>/tests/ui/` (or `shebao/tests/`, the browser tests).
  An item counts as tested only when all three kinds (service, api, ui) mark it — a benchmark or seed test
  that carries the marker does not count.

Where several match, the first is given and all of them are listed under `all`.
"""

from __future__ import annotations

import ast
import json
import unicodedata
from collections.abc import Iterable, Iterator
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from django.urls import URLPattern, URLResolver, get_resolver

from shebao.core.catalog import iter_catalog_nodes
from shebao.core.items import service_paths

KINDS = ("service", "api", "ui", "tests")


def leaf_items() -> list[dict]:
    """The leaf business items of the catalogue, in catalogue order."""
    return [n for n in iter_catalog_nodes() if n["leaf"]]


def service_map() -> dict[str, list[str]]:
    """code → dotted paths of the services the item registry holds for it."""
    return service_paths()


def _view_codes(callback) -> list[str]:
    codes: list[str] = []
    for obj in (callback, getattr(callback, "view_class", None), getattr(callback, "cls", None)):
        if obj is None:
            continue
        found = getattr(obj, "catalog_codes", None) or ()
        if isinstance(found, str):
            found = (found,)
        single = getattr(obj, "catalog_code", None)
        for code in (*found, *((single,) if single else ())):
            if code not in codes:
                codes.append(code)
    return codes


def iter_urls(
    patterns: Iterable | None = None, prefix: str = "", namespaces: tuple[str, ...] = ()
) -> Iterator[tuple[str, str | None, object]]:
    """(full path, namespaced name, callback) of every URL pattern, walking included resolvers."""
    if patterns is None:
        patterns = get_resolver().url_patterns
    for pattern in patterns:
        part = str(pattern.pattern).lstrip("^")
        if isinstance(pattern, URLResolver):
            ns = (*namespaces, pattern.namespace) if pattern.namespace else namespaces
            yield from iter_urls(pattern.url_patterns, prefix + part, ns)
        elif isinstance(pattern, URLPattern):
            name = ":".join((*namespaces, pattern.name)) if pattern.name else None
            yield prefix + part, name, pattern.callback


def url_maps() -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """(api, ui): code → namespaced URL names (the path where a pattern has no name)."""
    api: dict[str, list[str]] = {}
    ui: dict[str, list[str]] = {}
    for path, name, callback in iter_urls():
        target = api if path.startswith("api/") else ui
        for code in _view_codes(callback):
            entries = target.setdefault(code, [])
            label = name or f"/{path}"
            if label not in entries:
                entries.append(label)
    return api, ui


def _is_catalog_mark(func: ast.expr) -> bool:
    """`pytest.mark.catalog(...)`, or `mark.catalog(...)` after `from pytest import mark`."""
    if not (isinstance(func, ast.Attribute) and func.attr == "catalog"):
        return False
    owner = func.value
    return (isinstance(owner, ast.Attribute) and owner.attr == "mark") or (
        isinstance(owner, ast.Name) and owner.id == "mark"
    )


def marked_codes(source: str) -> list[str]:
    """The string arguments of every `pytest.mark.catalog(...)` call in a module's source."""
    codes: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and _is_catalog_mark(node.func):
            for arg in node.args:
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str) and arg.value not in codes:
                    codes.append(arg.value)
    return codes


def iter_test_files(package_dir: Path | None = None) -> list[Path]:
    """`shebao/**/tests/**/test_*.py` and `shebao/tests/test_*.py`, sorted."""
    root = Path(package_dir or settings.PACKAGE_DIR)
    found = {*root.glob("**/tests/**/test_*.py"), *root.glob("tests/test_*.py")}
    return sorted(p for p in found if p.is_file())


TEST_KINDS = ("services", "api", "ui")


def test_kind(path: Path, root: Path) -> str | None:
    """ "services", "api" or "ui" by where the test module lives; None for other tests (bench, seed, rules…)."""
    parts = path.relative_to(root).parts
    if parts[0] == "tests" and len(parts) == 2:
        return "ui"  # shebao/tests/: browser tests of the running server
    for kind in TEST_KINDS:
        if kind in parts[:-1]:
            return kind
    return None


def marked_test_modules(package_dir: Path | None = None, *, kinds: bool = False) -> dict:
    """code → dotted names of the service, API and UI test modules that mark it (with kinds=True:
    code → {kind: [modules]})."""
    root = Path(package_dir or settings.PACKAGE_DIR)
    base = root.parent
    out: dict = {}
    for path in iter_test_files(root):
        kind = test_kind(path, root)
        if kind is None:
            continue
        module = ".".join(path.relative_to(base).with_suffix("").parts)
        for code in marked_codes(path.read_text(encoding="utf-8")):
            if kinds:
                out.setdefault(code, {}).setdefault(kind, []).append(module)
            else:
                out.setdefault(code, []).append(module)
    return out


def coverage_rows(package_dir: Path | None = None) -> list[dict]:
    """One dict per leaf item: code, name, service, api, ui, tests (first match or None) and `all` lists."""
    services = service_map()
    api, ui = url_maps()
    tests = marked_test_modules(package_dir, kinds=True)
    rows = []
    for item in leaf_items():
        code = item["code"]
        by_kind = tests.get(code, {})
        complete = all(by_kind.get(k) for k in TEST_KINDS)
        found = {
            "service": services.get(code, []),
            "api": api.get(code, []),
            "ui": ui.get(code, []),
            "tests": [m for k in TEST_KINDS for m in by_kind.get(k, [])] if complete else [],
        }
        rows.append(
            {
                "code": code,
                "name": item["name"],
                **{k: (found[k][0] if found[k] else None) for k in KINDS},
                "all": found,
                "test_kinds": {k: by_kind.get(k, []) for k in TEST_KINDS},
            }
        )
    return rows


def services_without_tests(package_dir: Path | None = None) -> list[str]:
    """Codes that have a registered service but no test module marking them."""
    tests = marked_test_modules(package_dir)
    return sorted(code for code in service_map() if not tests.get(code))


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(width - _width(text), 0)


class Command(BaseCommand):
    help = "业务目录覆盖情况：每个末级业务事项的服务、API、界面和测试（由代码中的登记生成）。"

    def add_arguments(self, parser) -> None:
        parser.add_argument("--json", action="store_true", help="以JSON输出（每个末级事项一个对象）")
        parser.add_argument("--missing", action="store_true", help="只列出尚未完整覆盖的事项（表格模式）")

    def handle(self, *args, **options) -> None:
        rows = coverage_rows()
        if options["json"]:
            self.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2))
            return
        shown = [r for r in rows if not all(r[k] for k in KINDS)] if options["missing"] else rows
        headers = ["编码", "名称", "服务", "API", "界面", "测试"]
        table = [[r["code"], r["name"], *((r[k] or "—") for k in KINDS)] for r in shown]
        widths = [max([_width(h), *(_width(row[i]) for row in table)]) for i, h in enumerate(headers)]
        self.stdout.write("  ".join(_pad(h, w) for h, w in zip(headers, widths, strict=True)).rstrip())
        self.stdout.write("  ".join("-" * w for w in widths))
        for row in table:
            self.stdout.write("  ".join(_pad(c, w) for c, w in zip(row, widths, strict=True)).rstrip())
        total = len(rows)
        counts = {k: sum(1 for r in rows if r[k]) for k in KINDS}
        complete = sum(1 for r in rows if all(r[k] for k in KINDS))
        self.stdout.write("")
        self.stdout.write(
            f"service {counts['service']}/{total}, api {counts['api']}/{total}, ui {counts['ui']}/{total}, "
            f"tests {counts['tests']}/{total}"
        )
        self.stdout.write(f"{complete}/{total} complete")
