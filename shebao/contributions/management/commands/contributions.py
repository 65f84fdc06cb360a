"""`manage.py contributions <command> …`: the command-line work of cluster 02, one sub-command per task.

Each area contributes its sub-commands in `shebao/contributions/cli/<area>.py` as `COMMANDS = {name: Subcommand}`
(e.g. rates: `determine-rates`); this command only dispatches.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from shebao.contributions.cli import discover
from shebao.core.errors import ApplicationError


class Command(BaseCommand):
    help = "社会保险费征缴（第02类业务）的命令行作业，如 determine-rates（全区工伤保险费率初次核定）。"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="command", required=True)
        for name, spec in sorted(discover().items()):
            p = sub.add_parser(name, help=spec.help, description=spec.help)
            spec.arguments(p)

    def handle(self, *args, command: str, **options):
        spec = discover()[command]
        try:
            spec.handle(self, **options)
        except ApplicationError as exc:
            details = "；".join(f"{k}：{'，'.join(v)}" for k, v in exc.errors.items()) or exc.message
            raise CommandError(details) from None
