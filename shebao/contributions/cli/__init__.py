"""Sub-commands of `manage.py contributions`, contributed per area (`cli/<area>.py` defines `COMMANDS`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module

AREAS = ("wages", "rates", "assessment", "collection", "arrears")


@dataclass(frozen=True)
class Subcommand:
    """One `manage.py contributions <name>` task: its help, its argparse arguments and what it does."""

    help: str
    arguments: Callable  # (parser) -> None
    handle: Callable  # (command, **options) -> None; the command's stdout is `command.stdout`


def discover() -> dict[str, Subcommand]:
    """name → sub-command of every area module that exists."""
    found: dict[str, Subcommand] = {}
    for area in AREAS:
        try:
            module = import_module(f"{__name__}.{area}")
        except ModuleNotFoundError as exc:
            if exc.name != f"{__name__}.{area}":
                raise
            continue
        found.update(getattr(module, "COMMANDS", {}))
    return found
