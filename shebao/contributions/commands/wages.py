"""`manage.py contributions determine-bases --region R --year Y`: the yearly 020102 base determination."""

from __future__ import annotations

from django.core.management.base import CommandError

from shebao.core.errors import ApplicationError

from . import SubCommand


def _arguments(parser) -> None:
    parser.add_argument("--region", required=True, help="区划代码（GB/T 2260），如 330100；含其下级区划的经办机构")
    parser.add_argument("--year", required=True, type=int, help="缴费年度，如 2027")


def _determine(command, *, region: str, year: int, **_) -> None:
    from ..services.wages_batch import run_base_determination

    def progress(done: int, total: int, rows: int, seconds: float) -> None:
        rate = rows / seconds if seconds else 0
        eta = (total - done) * seconds / done if done else 0
        command.stdout.write(
            f"\r分块 {done}/{total}  写入 {rows} 条  {rate:,.0f} 条/秒  剩余约 {eta:,.0f} 秒", ending=""
        )
        command.stdout.flush()

    if not 1900 <= year <= 2999:
        raise CommandError("缴费年度应为四位年份")
    try:
        result = run_base_determination(region, year, progress=progress)
    except ApplicationError as exc:
        raise CommandError(exc.message) from None
    command.stdout.write("")
    sources = "，".join(f"{k} {v}" for k, v in result["by_source"].items()) or "无"
    command.stdout.write(
        command.style.SUCCESS(
            f"{result['region']} {year}年度缴费基数核定完成：{result['chunks']} 个分块，本次写入 {result['rows']} 条；"
            f"现有效 {result['persons']} 人（{sources}）"
        )
    )


COMMANDS = {
    "determine-bases": SubCommand(
        help="020102 年度缴费基数核定（按区划，分块提交，可重复执行）", add_arguments=_arguments, handle=_determine
    ),
}
