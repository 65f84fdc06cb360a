"""Batch runs across real processes (PostgreSQL): a `manage.py batch run` killed with SIGKILL mid-run and run again
leaves exactly the ledger of an uninterrupted run; two Celery worker processes (Redis) leave the same ledger as the
in-process run.

These tests commit (`transaction=True`): the child processes connect to the same test database through
DATABASE_URL and see only what is committed.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from shebao.conftest import make_user
from shebao.core.batch import batch_run, batch_start, batch_wait
from shebao.core.batch_models import BatchChunk, BatchRun, BatchStatus, ChunkStatus
from shebao.core.choices import Role
from shebao.core.models import AuditEvent
from shebao.core.tests.batchapp.models import EchoLine, EchoSummary
from shebao.core.tests.batchkit import ECHO, child_env, expected, ledger, make_sources

pytestmark = pytest.mark.django_db(transaction=True)

REDIS_URL = os.environ.get("SHEBAO_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")  # a db number of its own


@pytest.fixture(autouse=True)
def _postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: the child processes share the test database with this one")


def _sessions(application_name: str) -> int:
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM pg_stat_activity WHERE application_name = %s", [application_name])
        return cur.fetchone()[0]


def _wait_for(condition, *, timeout: float, what: str, interval: float = 0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    pytest.fail(f"timed out after {timeout}s waiting for {what}")


def _manage(*args: str, env: dict, **kwargs) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), "batch", *args],
        env=env,
        cwd=settings.BASE_DIR,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kwargs,
    )


@pytest.fixture
def staff(agencies):
    return make_user(Role.CLERK, agencies["a"], username="batch_a"), make_user(
        Role.CLERK, agencies["b"], username="batch_b"
    )


def test_killed_mid_run_and_rerun_gives_the_uninterrupted_ledger(staff):
    clerk_a, clerk_b = staff
    sources = make_sources(30)
    params = {"chunk_size": 3, "delay": 0.3}  # 10 chunks; each sleeps inside its transaction after writing its rows
    reference = batch_run(batch_start(actor=clerk_b, kind=ECHO, region="330105", period="2026-11", params=params))
    assert reference.status == BatchStatus.DONE

    run = batch_start(actor=clerk_a, kind=ECHO, region="330102", period="2026-11", params=params)
    tag = f"batch-kill-{uuid.uuid4().hex[:8]}"
    child = _manage("run", str(run.pk), env=child_env(tag))
    done = lambda: BatchChunk.objects.filter(run=run, status=ChunkStatus.DONE).count()  # noqa: E731
    _wait_for(lambda: done() >= 3, timeout=60, what="three chunks done by the child")
    child.send_signal(signal.SIGKILL)
    child.communicate(timeout=30)
    assert child.returncode == -signal.SIGKILL
    _wait_for(lambda: _sessions(tag) == 0, timeout=30, what="the killed process's session to end")

    # killed mid-run: some chunks done, the rest pending, and only the rows of done chunks are there
    run.refresh_from_db()
    killed_done = dict(BatchChunk.objects.filter(run=run, status=ChunkStatus.DONE).values_list("number", "done_at"))
    assert run.status == BatchStatus.RUNNING and 3 <= len(killed_done) < 10
    assert EchoLine.objects.filter(run=run).count() == 3 * len(killed_done)
    assert not EchoSummary.objects.filter(run=run).exists()

    rerun = _manage("run", str(run.pk), env=child_env(f"{tag}-rerun"))
    out, err = rerun.communicate(timeout=120)
    assert rerun.returncode == 0, err
    assert f"批次 #{run.pk} 已完成" in out

    run.refresh_from_db()
    assert (run.status, run.chunks_done, run.rows) == (BatchStatus.DONE, 10, 30)
    assert ledger("330102") == ledger("330105") == expected(sources, 11)  # no line doubled, none missing
    # the chunks done before the kill were not executed again
    after = dict(BatchChunk.objects.filter(run=run, number__in=killed_done).values_list("number", "done_at"))
    assert after == killed_done
    workers = set(BatchChunk.objects.filter(run=run).values_list("worker", flat=True))
    assert len(workers) == 2 and all(w.endswith((f":{child.pid}", f":{rerun.pid}")) for w in workers)
    assert EchoSummary.objects.get(run=run).lines == 30
    assert AuditEvent.objects.filter(action="batch.finish", object_id=str(run.pk)).count() == 1

    again = _manage("run", str(run.pk), env=child_env(f"{tag}-again"))
    out, _ = again.communicate(timeout=120)
    assert again.returncode == 0 and "已完成，无需再次执行" in out
    assert ledger("330102") == expected(sources, 11)


# -- Celery -------------------------------------------------------------------------------------------------------


def _redis_or_skip():
    try:
        import redis

        client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1, socket_timeout=2)
        client.ping()
    except Exception as exc:  # not reachable: the only reason to skip
        pytest.skip(f"Redis not reachable at {REDIS_URL}: {exc}")
    return client


class _Worker:
    """A Celery worker process whose log is drained by a thread (so it never blocks) and kept for diagnostics."""

    def __init__(self, name: str, queue: str, env: dict):
        command = [sys.executable, "-m", "celery", "-A", "shebao", "worker", "--pool=solo", "-Q", queue, "-n", name]
        command += ["--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "INFO"]
        self.process = subprocess.Popen(
            command,
            env=env,
            cwd=settings.BASE_DIR,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: list[str] = []
        threading.Thread(target=self._drain, daemon=True).start()

    def _drain(self) -> None:
        for line in self.process.stderr:
            self.lines.append(line)

    @property
    def ready(self) -> bool:
        if self.process.poll() is not None:
            pytest.fail("a Celery worker exited:\n" + "".join(self.lines[-40:]))
        return any(" ready." in line for line in self.lines)

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)


@pytest.fixture
def celery_workers():
    """Two Celery worker processes (solo pool) on a queue of this test only; stopped and cleaned up after."""
    client = _redis_or_skip()
    queue = f"shebao-test-{uuid.uuid4().hex[:10]}"
    env = child_env(f"{queue}-worker", SHEBAO_BROKER_URL=REDIS_URL, SHEBAO_BATCH_QUEUE=queue)
    workers = [_Worker(f"w{i}-{queue}@localhost", queue, env) for i in (1, 2)]
    try:
        _wait_for(lambda: all(w.ready for w in workers), timeout=90, what="two Celery workers", interval=0.2)
        yield {"queue": queue, "pids": {w.process.pid for w in workers}, "workers": workers}
    finally:
        for w in workers:
            w.stop()
        for key in client.scan_iter(f"*{queue}*"):
            client.delete(key)


def test_two_celery_workers_leave_the_same_ledger_as_in_process(staff, celery_workers, settings):
    clerk_a, clerk_b = staff
    sources = make_sources(36)
    params = {"chunk_size": 3, "delay": 0.2}  # 12 chunks
    reference = batch_run(batch_start(actor=clerk_b, kind=ECHO, region="330105", period="2026-11", params=params))
    assert reference.status == BatchStatus.DONE and reference.rows == 36

    settings.SHEBAO_BROKER_URL, settings.SHEBAO_BATCH_QUEUE = REDIS_URL, celery_workers["queue"]
    run = batch_start(actor=clerk_a, kind=ECHO, region="330102", period="2026-11", params=params)
    queued = batch_run(run)
    assert queued.status == BatchStatus.RUNNING  # queued, not executed here
    finished = batch_wait(queued, timeout=120, interval=0.2)
    logs = "".join(line for w in celery_workers["workers"] for line in w.lines[-20:])
    assert finished.status == BatchStatus.DONE, finished.error or logs
    assert (finished.chunks_done, finished.rows) == (12, 36)
    assert ledger("330102") == ledger("330105") == expected(sources, 11)
    pids = {int(w.rsplit(":", 1)[1]) for w in BatchChunk.objects.filter(run=run).values_list("worker", flat=True)}
    assert pids == celery_workers["pids"]  # both workers executed chunks, and nothing ran in this process
    assert EchoSummary.objects.get(run=run).lines == 36
    assert AuditEvent.objects.filter(action="batch.finish", object_id=str(run.pk)).count() == 1
    # a rerun through the queue changes nothing
    assert batch_run(finished).status == BatchStatus.DONE
    assert EchoLine.objects.filter(run=run).count() == 36
    assert BatchRun.objects.get(pk=run.pk).rows == 36
