"""manage.py bench and seed_demo are generic: they find what each installed app contributes; core names no app."""

import ast
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from shebao.core.bench.common import discover_benchmarks
from shebao.core.bench.demo import demo_modules
from shebao.core.management.commands.bench import Command as BenchCommand

CORE = Path(__file__).resolve().parents[1]


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_core_bench_and_commands_import_no_app():
    files = [*(CORE / "bench").glob("*.py"), *(CORE / "management" / "commands").glob("*.py")]
    files = [f for f in files if f.parent.name == "bench" or f.stem in ("bench", "seed_demo")]
    assert len(files) >= 5
    for path in files:
        offending = {m for m in _imports(path) if m.startswith("shebao.") and not m.startswith("shebao.core")}
        assert not offending, f"{path.name} imports {offending}"


def test_benchmarks_are_discovered_from_the_apps():
    benchmarks = discover_benchmarks()
    assert {"registration", "lookup", "pages"} <= set(benchmarks)
    help_text = BenchCommand().create_parser("manage.py", "bench").format_help()
    for name in ("registration", "lookup", "pages"):
        assert name in help_text


def test_bench_refuses_an_unknown_name_and_a_bad_n():
    with pytest.raises(CommandError):
        call_command("bench", "nosuch", n=1, stdout=StringIO(), stderr=StringIO())
    with pytest.raises(CommandError, match="--n"):
        call_command("bench", "lookup", n=0, stdout=StringIO(), stderr=StringIO())


def test_demo_modules_are_discovered_from_the_apps():
    names = [m.__name__ for m in demo_modules()]
    assert "shebao.registration.demo" in names
    assert not any(n.startswith("shebao.core") for n in names)
