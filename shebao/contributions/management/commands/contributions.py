"""`manage.py contributions <sub-command>`: cluster 02 operations (e.g. determine-bases); each area adds its own
sub-commands in `shebao/contributions/commands/<area>.py`."""

from __future__ import annotations

import importlib
import pkgutil

from django.core.management.base import BaseCommand, CommandError

from shebao.contributions import commands as package


def subcommands() -> dict:
    """Every area's sub-commands by name (a name defined twice is an error)."""
    found: dict = {}
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda i: i.name):
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        for name, sub in getattr(module, "COMMANDS", {}).items():
            if name in found:
                raise CommandError(f"子命令 {name} 重复定义")
            found[name] = sub
    return found


class Command(BaseCommand):
    help = "社会保险费征缴（02）批处理与维护命令"

    def add_arguments(self, parser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True, metavar="子命令")
        for name, spec in subcommands().items():
            spec.add_arguments(sub.add_parser(name, help=spec.help))

    def handle(self, *args, subcommand: str, **options) -> None:
        subcommands()[subcommand].handle(self, **options)
