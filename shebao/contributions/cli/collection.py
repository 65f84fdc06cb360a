"""`manage.py contributions check-ledgers`: 020501 — the receivable ledger, allocations and arrears agree."""

from __future__ import annotations

import json

from django.core.management.base import CommandError

from . import Subcommand


def _arguments(parser) -> None:
    parser.add_argument("--employer", type=int, action="append", default=[], help="只检查指定单位（可重复）")
    parser.add_argument("--json", action="store_true", help="以 JSON 输出检查结果")
    parser.add_argument("--limit", type=int, default=200, help="每类问题最多列出的条数")


def _check_ledgers(command, **options) -> None:
    from shebao.contributions.services.collection_check import check_ledgers

    report = check_ledgers(employer_ids=options["employer"] or None, limit=max(options["limit"], 1))
    if options["json"]:
        command.stdout.write(json.dumps(report.as_dict(), ensure_ascii=False))
    else:
        command.stdout.write(
            f"缴费主体 {report.payers} 个；应收合计 {report.receivables:.2f}，已冲抵 {report.allocations:.2f}，"
            f"欠费 {report.arrears:.2f}"
        )
        for problem in report.problems:
            command.stdout.write(f"  ✗ {problem}")
        if report.ok:
            command.stdout.write("账簿一致：应收 = 已冲抵 + 欠费，冲抵未超过应收明细或缴费金额，缴费主体一致")
    if not report.ok:
        raise CommandError(f"账簿不一致：发现 {len(report.problems)} 处问题", returncode=1)


COMMANDS = {
    "check-ledgers": Subcommand(
        help="020501 核对应收、冲抵与欠费是否一致（不一致时以非零状态退出）",
        arguments=_arguments,
        handle=_check_ledgers,
    ),
}
