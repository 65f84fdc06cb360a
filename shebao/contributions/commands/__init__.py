"""Sub-commands of `manage.py contributions <name>`, one module per area, each with a `COMMANDS` dict:

    COMMANDS = {"determine-bases": SubCommand(help="…", add_arguments=…, handle=…)}

The management command finds every module of this package, so an area adds its commands without editing it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class SubCommand:
    """One `manage.py contributions <name>` sub-command: its help, its arguments and what it does."""

    help: str
    add_arguments: Callable  # (parser) -> None
    handle: Callable  # (command, **options) -> None
