"""`manage.py contributions check-ledger`: every receivable line names rows that exist (020301)."""

from __future__ import annotations

from . import Subcommand


def _arguments(parser) -> None:
    """No options."""


def _check(command, **_) -> None:
    from django.core.management.base import CommandError

    from shebao.contributions.services.assessment_checks import REFERENCES, ledger_orphans

    found = ledger_orphans()
    if found:
        lines = "；".join(f"{column} {count} 条" for column, count in found.items())
        raise CommandError(f"应收台账引用了不存在的记录：{lines}")
    command.stdout.write(f"应收台账引用完整（已核对 {len(REFERENCES)} 类引用）")


COMMANDS = {
    "check-ledger": Subcommand(
        help="核对应收台账：每条应收明细引用的经办机构、单位、人员、险种、批次、经办单和被冲销明细都存在",
        arguments=_arguments,
        handle=_check,
    )
}
