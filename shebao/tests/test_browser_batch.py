"""Browser test: the 批处理 run page follows a run executed by another process (`manage.py batch run`) without a
reload — the progress bar, chunks and rows advance and the status turns 已完成 (static script polling the API)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from shebao.conftest import make_user
from shebao.core.batch import batch_start
from shebao.core.choices import Role
from shebao.core.tests.batchkit import ECHO, child_env, make_sources
from shebao.tests.conftest import login, needs_chromium

ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts"

pytestmark = [pytest.mark.browser, needs_chromium]


@pytest.fixture
def started(agencies):
    """A planned run of 6 chunks (each sleeps 0.8 s) and the environment of a process that will execute it."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: the executing process shares the test database with the live server")
    clerk = make_user(Role.CLERK, agencies["a"], username="clerk_a")
    make_sources(12)
    run = batch_start(actor=clerk, kind=ECHO, region="330102", period="2026-11", params={"chunk_size": 2, "delay": 0.8})
    return run.pk, child_env("batch-browser")


def test_the_run_page_follows_the_run_without_a_reload(live_server, started, browser):
    run_id, env = started
    ARTIFACTS.mkdir(exist_ok=True)
    page = login(browser, live_server.url, "clerk_a")
    page.goto(f"{live_server.url}/batch/")
    page.get_by_role("link", name=f"#{run_id}").click()
    assert page.get_by_test_id("batch-status").inner_text() == "待执行"
    assert page.get_by_test_id("batch-chunks").inner_text().startswith("0 / 6")
    page.evaluate("window.sbLoadedOnce = true")  # gone if the page reloads

    child = subprocess.Popen(
        [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), "batch", "run", str(run_id)],
        env=env,
        cwd=settings.BASE_DIR,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        page.wait_for_function(
            "() => { const b = document.getElementById('batch-progress-bar'); return b.value > 0 && b.value < b.max; }",
            timeout=30_000,
        )
        assert page.get_by_test_id("batch-status").inner_text() == "执行中"
        page.screenshot(path=str(ARTIFACTS / "batch-run-running.png"), full_page=True)
        page.wait_for_function(
            "() => document.querySelector('[data-testid=batch-status]').textContent.trim() === '已完成'",
            timeout=60_000,
        )
    finally:
        _, err = child.communicate(timeout=60)
    assert child.returncode == 0, err
    assert page.evaluate("window.sbLoadedOnce") is True
    assert page.get_by_test_id("batch-chunks").inner_text().startswith("6 / 6")
    assert page.get_by_test_id("batch-rows").inner_text() == "12"
    assert page.evaluate("document.getElementById('batch-progress-bar').value") == 6
    assert "text-bg-success" in page.get_by_test_id("batch-status").get_attribute("class")
    assert page.locator('[data-batch-field="finished_at_text"]').inner_text().startswith("20")
    page.screenshot(path=str(ARTIFACTS / "batch-run-done.png"), full_page=True)
