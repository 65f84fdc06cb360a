"""批处理 pages: the run list (scoped to the clerk's region, filters, empty state, pagination) and the run page
(progress bar, chunks, rows, rate, ETA, failed chunks, refreshed by a static script — no inline script)."""

from __future__ import annotations

import re

import pytest
from django.contrib.staticfiles import finders

from shebao.conftest import make_user
from shebao.core.batch import batch_execute, batch_run, batch_start
from shebao.core.batch_models import BatchStatus
from shebao.core.choices import Role
from shebao.core.tests.batchkit import ECHO, make_sources
from shebao.testing import login

pytestmark = pytest.mark.django_db


@pytest.fixture
def sources(db):
    return make_sources(10)


def _start(actor, region, period="2026-11", **params):
    return batch_start(actor=actor, kind=ECHO, region=region, period=period, params=params or None)


def test_empty_state(client, clerk):
    res = login(client, clerk).get("/batch/")
    assert res.status_code == 200
    assert "暂无批处理批次" in res.content.decode()


def test_the_list_shows_my_region_only(client, clerk, clerk_b, sources):
    mine = batch_run(_start(clerk, "330102"))
    theirs = _start(clerk_b, "330105")
    body = login(client, clerk).get("/batch/").content.decode()
    assert f'href="/batch/{mine.pk}/"' in body and f'href="/batch/{theirs.pk}/"' not in body
    assert "测试回显" in body and "2026-11" in body and "主批次" in body and "已完成" in body
    assert client.get(f"/batch/{theirs.pk}/").status_code == 404
    assert client.get("/batch/999999/").status_code == 404


def test_filters_and_pagination(client, clerk, sources):
    runs = [_start(clerk, "330102", period=f"2025-{m:02d}") for m in range(1, 13)]
    runs += [_start(clerk, "330102", period=f"2024-{m:02d}") for m in range(1, 12)]
    batch_run(runs[0])
    login(client, clerk)
    first = client.get("/batch/").content.decode()
    assert "共 23 条，第 1/2 页" in first
    second = client.get("/batch/?page=2").content.decode()
    assert len(re.findall(r'href="/batch/\d+/"', second)) == 3
    done = client.get("/batch/?status=done").content.decode()
    assert re.findall(r'href="/batch/(\d+)/"', done) == [str(runs[0].pk)]
    assert "暂无批处理批次" in client.get("/batch/?kind=other.kind&status=failed").content.decode()


def test_the_run_page_shows_progress_and_loads_the_refresh_script(client, clerk, sources):
    run = _start(clerk, "330102", chunk_size=2)
    batch_execute(run, limit=2)
    res = login(client, clerk).get(f"/batch/{run.pk}/")
    body = res.content.decode()
    assert res.status_code == 200
    assert '<progress class="sb-batch-bar d-block w-100 mb-3" id="batch-progress-bar" max="5" value="2">' in body
    assert re.search(r'data-batch-field="chunks_done">2<.*data-batch-field="chunks_total">5<', body)
    assert 'data-batch-field="rows" data-testid="batch-rows">4<' in body
    assert "行/秒" in body and "预计剩余" in body and "测试回显" in body and "330102" in body
    assert f'data-progress-url="/api/v1/batch-runs/{run.pk}/"' in body
    assert '<script src="/static/shebao/batch.js" defer></script>' in body
    assert finders.find("shebao/batch.js")
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", body)  # CSP: no inline script
    assert "style=" not in body


def test_a_failed_run_lists_its_failed_chunks(client, clerk, sources):
    run = batch_run(_start(clerk, "330102", chunk_size=5, fail_on=2))
    assert run.status == BatchStatus.FAILED
    body = login(client, clerk).get(f"/batch/{run.pk}/").content.decode()
    assert "失败的分块" in body and "RuntimeError" in body and "batch resume" not in body.split("失败的分块")[1]


@pytest.mark.parametrize("role", [Role.EMPLOYER, Role.INSURED])
def test_employers_and_insured_are_sent_to_their_portal(client, role, make_employer):
    extra = {"employer": make_employer()} if role == Role.EMPLOYER else {}
    login(client, make_user(role, None, **extra))
    assert client.get("/batch/").status_code == 302


def test_the_sidebar_links_to_the_batch_list(client, clerk):
    body = login(client, clerk).get("/").content.decode()
    assert 'href="/batch/"' in body and "批处理" in body
