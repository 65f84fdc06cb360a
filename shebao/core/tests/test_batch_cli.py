"""`manage.py batch`: kinds, start, run, resume, status (text and JSON), errors, and the progress display."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command

from shebao.core.batch_models import BatchRun, BatchStatus
from shebao.core.management.commands.batch import ProgressPrinter
from shebao.core.tests.batchkit import ECHO, expected, ledger, make_sources

pytestmark = pytest.mark.django_db


def batch(*args: str) -> str:
    out = io.StringIO()
    call_command("batch", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def sources(db):
    return make_sources(12)


def test_kinds_lists_the_registered_kinds():
    assert f"{ECHO}\t020301\t测试回显\t月度" in batch("kinds").splitlines()


def test_start_run_status(clerk, sources):
    out = batch(
        "start",
        ECHO,
        "--region",
        "330102",
        "--period",
        "2026-11",
        "--user",
        clerk.username,
        "--params",
        '{"chunk_size": 4}',
    )
    run = BatchRun.objects.get()
    assert f"已发起批次 #{run.pk}（主批次，3 个分块）" in out and f"batch run {run.pk}" in out
    assert run.started_by == clerk and run.params == {"chunk_size": 4}

    out = batch("run", str(run.pk))
    lines = out.splitlines()
    assert lines[0].startswith(f"批次 #{run.pk} 执行中：分块 1/3")  # plain lines when stdout is not a terminal
    assert f"批次 #{run.pk} 已完成：3 个分块，12 行" in out
    assert ledger("330102") == expected(sources, 11)

    status = batch("status", str(run.pk))
    assert "测试回显 330102 2026-11 主批次" in status and "分块 3/3（100.0%），12 行" in status
    data = json.loads(batch("status", str(run.pk), "--json"))
    assert data["id"] == run.pk and data["period"] == "2026-11" and data["status"] == "done"
    assert (data["chunks_done"], data["chunks_total"], data["rows"], data["percent"]) == (3, 3, 12, 100.0)

    again = batch("run", str(run.pk))
    assert "已完成，无需再次执行" in again and ledger("330102") == expected(sources, 11)
    assert "已完成，无需续跑" in batch("resume", str(run.pk), "--user", clerk.username)


def test_supplementary_from_the_command_line(clerk, sources):
    batch("start", ECHO, "--region", "330102", "--period", "2026-11", "--user", clerk.username)
    run = BatchRun.objects.get()
    with pytest.raises(CommandError, match="尚未完成") as exc:
        batch("start", ECHO, "--region", "330102", "--period", "2026-11", "--user", clerk.username, "--supplementary")
    assert exc.value.returncode == 3
    batch("run", str(run.pk))
    out = batch("start", ECHO, "--region", "330102", "--period", "2026-11", "--user", clerk.username, "--supplementary")
    assert "补充第1批" in out


def test_a_failed_run_exits_1_and_resume_finishes_it(clerk, sources):
    batch(
        "start",
        ECHO,
        "--region",
        "330102",
        "--period",
        "2026-11",
        "--user",
        clerk.username,
        "--params",
        '{"fail_on": 2}',
    )
    run = BatchRun.objects.get()
    with pytest.raises(CommandError, match="分块 2") as exc:
        batch("run", str(run.pk))
    assert exc.value.returncode == 1
    with pytest.raises(CommandError, match="已失败"):
        batch("run", str(run.pk))
    out = batch("resume", str(run.pk), "--user", clerk.username)
    assert f"批次 #{run.pk} 已完成" in out
    assert ledger("330102") == expected(sources, 11)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["start", ECHO, "--region", "330102", "--period", "2026-11", "--user", "nobody"], "不存在或已停用"),
        (["start", ECHO, "--region", "330102", "--period", "2026-13", "--user", "clerk_a"], "期间"),
        (["start", ECHO, "--region", "330102", "--period", "2026-11", "--user", "clerk_a", "--params", "{"], "JSON"),
        (["start", "no.such", "--region", "330102", "--period", "2026-11", "--user", "clerk_a"], "不存在"),
        (["start", ECHO, "--region", "330105", "--period", "2026-11", "--user", "clerk_a"], "数据范围"),
        (["run", "999999"], "不存在"),
        (["status", "999999"], "不存在"),
        (["resume", "999999", "--user", "clerk_a"], "不存在"),
    ],
)
def test_errors_are_reported_in_chinese_and_nothing_is_started(clerk, args, message):
    with pytest.raises(CommandError, match=message):
        batch(*args)
    assert not BatchRun.objects.exists()


def test_plain_progress_prints_at_most_a_line_a_second_and_the_last(clerk, sources):
    batch(
        "start",
        ECHO,
        "--region",
        "330102",
        "--period",
        "2026-11",
        "--user",
        clerk.username,
        "--params",
        '{"chunk_size": 1}',
    )
    run = BatchRun.objects.get()
    from shebao.core.batch import batch_run

    out = io.StringIO()
    printer = ProgressPrinter(_Wrapper(out), tty=False, every=3600)
    batch_run(run, progress=printer)
    lines = out.getvalue().splitlines()
    assert len(lines) == 2  # the first update, then the one that says the run is done
    assert "分块 1/12" in lines[0] and "分块 12/12" in lines[1] and "已完成" in lines[1]


def test_the_terminal_bar_shows_chunks_rows_rate_and_eta(clerk, sources):
    batch(
        "start",
        ECHO,
        "--region",
        "330102",
        "--period",
        "2026-11",
        "--user",
        clerk.username,
        "--params",
        '{"chunk_size": 6}',
    )
    run = BatchRun.objects.get()
    from shebao.core.batch import batch_run

    out = io.StringIO()
    printer = ProgressPrinter(_Wrapper(out), tty=True)
    batch_run(run, progress=printer)
    printer.close()
    text = out.getvalue()
    assert f"批次 #{run.pk}" in text and "分块 2/2" in text and "12 行" in text and "行/秒" in text
    assert BatchRun.objects.get().status == BatchStatus.DONE


class _Wrapper:
    """What Django's OutputWrapper offers the printer: write() adding a newline, and isatty()."""

    def __init__(self, out: io.StringIO):
        self._out = out

    def write(self, text: str) -> None:
        self._out.write(text + "\n")

    def isatty(self) -> bool:
        return False
