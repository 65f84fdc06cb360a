"""`manage.py batch`: start, run, resume and follow batch runs (docs/batch.md), with a progress bar.

    manage.py batch kinds
    manage.py batch start <kind> --region 330102 --period 2026-11 [--supplementary] --user clerk_a [--params JSON]
    manage.py batch run <id>            # in-process, or queued for Celery workers when SHEBAO_BROKER_URL is set
    manage.py batch resume <id> --user clerk_a
    manage.py batch status <id> [--json]

On a terminal the progress is a bar (chunks, rows, rate, ETA); otherwise (a log file, cron) one plain line per
chunk, at most one a second, and a last line when the run ends.
"""

from __future__ import annotations

import json
import time

from django.core.management.base import BaseCommand, CommandError

from shebao.core.batch import (
    BatchProgress,
    batch_kinds,
    batch_progress,
    batch_resume,
    batch_run,
    batch_start,
    batch_wait,
    broker_url,
    get_batch_kind,
)
from shebao.core.batch_models import BatchRun, BatchStatus
from shebao.core.errors import ApplicationError
from shebao.core.models import User


class ProgressPrinter:
    """Shows BatchProgress updates: a rich progress bar on a terminal, plain lines (≤ 1 a second) elsewhere."""

    def __init__(self, stdout, *, tty: bool | None = None, every: float = 1.0):
        self.stdout, self.every, self.last = stdout, every, None
        self.tty = stdout.isatty() if tty is None else tty
        self.bar = self.task = None

    def __call__(self, progress: BatchProgress) -> None:
        if self.tty:
            self._bar(progress)
            return
        now = time.monotonic()
        if progress.finished or self.last is None or now - self.last >= self.every:
            self.last = now
            self.stdout.write(progress.text())

    def _bar(self, p: BatchProgress) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TextColumn

        if self.bar is None:
            self.bar = Progress(
                TextColumn("批次 #{task.fields[run]}"),
                BarColumn(),
                TextColumn("分块 {task.completed:.0f}/{task.total:.0f}"),
                TextColumn("{task.fields[rows]} 行"),
                TextColumn("{task.fields[rate]} 行/秒"),
                TextColumn("剩余 {task.fields[eta]}"),
                console=Console(file=getattr(self.stdout, "_out", self.stdout)),
            )
            self.bar.start()
            self.task = self.bar.add_task("", total=max(p.chunks_total, 1), run=p.run_id, rows=0, rate=0, eta="未知")
        self.bar.update(
            self.task,
            completed=p.chunks_done if p.chunks_total else (1 if p.status == BatchStatus.DONE else 0),
            rows=p.rows,
            rate=f"{p.rows_per_second:.1f}",
            eta=p.eta_text,
        )

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()


class Command(BaseCommand):
    help = "批处理：发起（start）、执行（run）、续跑（resume）、查看进度（status），以及列出批处理类型（kinds）。"

    def add_arguments(self, parser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="{kinds,start,run,resume,status}")
        sub.add_parser("kinds", help="列出已登记的批处理类型")
        start = sub.add_parser("start", help="发起批次（主批次，或 --supplementary 补充批次）并划分分块")
        start.add_argument("kind", help="批处理类型，如 contributions.assessment")
        start.add_argument("--region", required=True, help="区划代码，如 330102")
        start.add_argument("--period", required=True, help="期间：月度 YYYY-MM，年度 YYYY")
        start.add_argument("--supplementary", action="store_true", help="补充批次：只处理此前批次未覆盖的数据")
        start.add_argument("--user", required=True, help="发起人的用户名（须有该业务的经办权限）")
        start.add_argument("--params", default="", help="批处理参数（JSON 对象）")
        run = sub.add_parser("run", help="执行批次中尚未完成的分块（已完成的批次不做任何事）")
        run.add_argument("run_id", type=int)
        run.add_argument("--no-wait", action="store_true", help="使用 Celery 时只派发任务，不等待完成")
        resume = sub.add_parser("resume", help="续跑失败或中断的批次：重试未完成的分块")
        resume.add_argument("run_id", type=int)
        resume.add_argument("--user", required=True, help="操作人的用户名（须有该业务的经办权限）")
        resume.add_argument("--no-wait", action="store_true", help="使用 Celery 时只派发任务，不等待完成")
        status = sub.add_parser("status", help="查看批次进度")
        status.add_argument("run_id", type=int)
        status.add_argument("--json", action="store_true", dest="as_json", help="以 JSON 输出")

    def handle(self, *args, action: str, **options) -> None:
        try:
            getattr(self, f"_{action}")(**options)
        except ApplicationError as exc:
            details = [m for msgs in exc.errors.values() for m in msgs if m != exc.message]
            raise CommandError(
                "；".join([exc.message, *details]), returncode=2 if exc.status_code != 409 else 3
            ) from None

    # -- actions ---------------------------------------------------------------------------------------------

    def _kinds(self, **options) -> None:
        for kind in batch_kinds():
            unit = "年度" if kind.period == "year" else "月度"
            self.stdout.write(f"{kind.name}\t{kind.item_code}\t{kind.label_zh}\t{unit}")

    def _start(self, *, kind, region, period, supplementary, user, params, **options) -> None:
        actor = _user(user)
        try:
            parsed = json.loads(params) if params else None
        except json.JSONDecodeError as exc:
            raise CommandError(f"--params 不是有效的 JSON：{exc}") from None
        run = batch_start(
            actor=actor, kind=kind, region=region, period=period, supplementary=supplementary, params=parsed
        )
        which = f"补充第{run.seq}批" if run.seq else "主批次"
        self.stdout.write(self.style.SUCCESS(f"已发起批次 #{run.pk}（{which}，{run.chunks_total} 个分块）"))
        self.stdout.write(f"执行：python manage.py batch run {run.pk}")

    def _run(self, *, run_id, no_wait=False, **options) -> None:
        run = _get(run_id)
        if run.status == BatchStatus.DONE:
            self.stdout.write(f"批次 #{run.pk} 已完成，无需再次执行（重复执行不会重复写入）。")
            self._report(batch_progress(run))
            return
        self._execute(lambda progress: batch_run(run, progress=progress), run, no_wait)

    def _resume(self, *, run_id, user, no_wait=False, **options) -> None:
        actor, run = _user(user), _get(run_id)
        if run.status == BatchStatus.DONE:
            self.stdout.write(f"批次 #{run.pk} 已完成，无需续跑。")
            self._report(batch_progress(run))
            return
        self._execute(lambda progress: batch_resume(actor=actor, run=run, progress=progress), run, no_wait)

    def _status(self, *, run_id, as_json=False, **options) -> None:
        run = _get(run_id)
        progress = batch_progress(run)
        if as_json:
            data = {
                "id": run.pk,
                "kind": run.kind,
                "region": run.region_id,
                "period": run.period_text,
                "seq": run.seq,
                **progress.as_dict(),
            }
            self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))
            return
        kind = get_batch_kind(run.kind)
        which = f"补充第{run.seq}批" if run.seq else "主批次"
        label = kind.label_zh if kind else run.kind
        self.stdout.write(f"批次 #{run.pk} {label} {run.region_id} {run.period_text} {which}")
        self._report(progress)

    # -- helpers ---------------------------------------------------------------------------------------------

    def _execute(self, start, run: BatchRun, no_wait: bool) -> None:
        printer = ProgressPrinter(self.stdout)
        try:
            result = start(printer)
            if broker_url() and result.status not in (BatchStatus.DONE, BatchStatus.FAILED):
                if no_wait:
                    self.stdout.write(f"批次 #{run.pk} 的分块已派发给 Celery 执行；用 batch status {run.pk} 查看进度。")
                    return
                result = batch_wait(result, progress=printer)
        finally:
            printer.close()
        progress = batch_progress(result)
        if result.status == BatchStatus.FAILED:
            raise CommandError(f"批次 #{run.pk} 失败：{result.error}", returncode=1)
        if result.status == BatchStatus.DONE:
            self.stdout.write(
                self.style.SUCCESS(f"批次 #{run.pk} 已完成：{progress.chunks_done} 个分块，{progress.rows} 行")
            )
        else:
            self.stdout.write(f"批次 #{run.pk} 尚有分块由其他进程执行中：{progress.text()}")

    def _report(self, progress: BatchProgress) -> None:
        self.stdout.write(progress.text())
        if progress.stalled:
            self.stdout.write(self.style.WARNING("长时间没有进展，执行进程可能已中断：可用 batch resume 续跑。"))
        if progress.error:
            self.stdout.write(self.style.ERROR(progress.error))


def _user(username: str) -> User:
    user = User.objects.filter(username=username, is_active=True).select_related("agency__region").first()
    if user is None:
        raise CommandError(f"用户 {username!r} 不存在或已停用")
    return user


def _get(run_id: int) -> BatchRun:
    run = BatchRun.objects.filter(pk=run_id).first()
    if run is None:
        raise CommandError(f"批次 #{run_id} 不存在")
    return run
