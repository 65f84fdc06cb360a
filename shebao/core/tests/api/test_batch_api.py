"""批处理 API: GET /api/v1/batch-runs/ (scoped, filtered, paginated) and /api/v1/batch-runs/<id>/ (progress)."""

from __future__ import annotations

import pytest

from shebao.conftest import make_user
from shebao.core.batch import batch_execute, batch_run, batch_start
from shebao.core.choices import Role
from shebao.core.tests.batchkit import ECHO, make_sources
from shebao.testing import api_client_for, assert_refused

pytestmark = pytest.mark.django_db


@pytest.fixture
def sources(db):
    return make_sources(10)


def _start(actor, region, period="2026-11", **params):
    return batch_start(actor=actor, kind=ECHO, region=region, period=period, params=params or None)


def test_list_is_scoped_and_filtered(clerk, clerk_b, sources):
    mine = batch_run(_start(clerk, "330102"))
    other_month = _start(clerk, "330102", period="2026-10")
    _start(clerk_b, "330105")
    api = api_client_for(clerk)
    res = api.get("/api/v1/batch-runs/")
    assert res.status_code == 200
    assert [r["id"] for r in res.json()["results"]] == [other_month.pk, mine.pk]
    row = res.json()["results"][1]
    assert row["kind"] == ECHO and row["kind_label"] == "测试回显" and row["item_code"] == "020301"
    assert (row["region"], row["period"], row["seq"], row["supplementary"]) == ("330102", "2026-11", 0, False)
    assert (row["status"], row["status_display"], row["chunks_done"], row["rows"]) == ("done", "已完成", 2, 10)
    assert row["started_by"] == clerk.username
    assert [r["id"] for r in api.get("/api/v1/batch-runs/?period=2026-11").json()["results"]] == [mine.pk]
    assert [r["id"] for r in api.get("/api/v1/batch-runs/?status=pending").json()["results"]] == [other_month.pk]
    assert api.get("/api/v1/batch-runs/?region=330105").json()["results"] == []
    assert api.get("/api/v1/batch-runs/?page_size=1").json()["count"] == 2


@pytest.mark.parametrize("query", ["status=bogus", "period=2026-13", "region=33", "page=0"])
def test_bad_filters_are_400_naming_the_parameter(clerk, query):
    field = query.split("=")[0]
    assert_refused(api_client_for(clerk).get(f"/api/v1/batch-runs/?{query}"), status=400, field=field)


def test_detail_has_the_progress(clerk, clerk_b, sources):
    run = _start(clerk, "330102", chunk_size=2)
    batch_execute(run, limit=3)
    res = api_client_for(clerk).get(f"/api/v1/batch-runs/{run.pk}/")
    assert res.status_code == 200
    progress = res.json()["progress"]
    assert (progress["chunks_done"], progress["chunks_total"], progress["rows"], progress["percent"]) == (3, 5, 6, 60.0)
    assert progress["status"] == "running" and progress["rows_per_second"] >= 0 and "eta_text" in progress
    assert progress["started_at_text"].startswith("20") and progress["finished_at_text"] == "—"
    assert res.json()["params"] == {"chunk_size": 2} and res.json()["failed_chunks"] == []
    assert api_client_for(clerk_b).get(f"/api/v1/batch-runs/{run.pk}/").status_code == 404
    assert api_client_for(clerk).get("/api/v1/batch-runs/999999/").status_code == 404
    assert api_client_for(clerk).get("/api/v1/batch-runs/abc/").status_code == 404


def test_failed_chunks_are_listed(clerk, sources):
    run = batch_run(_start(clerk, "330102", chunk_size=5, fail_on=1))
    body = api_client_for(clerk).get(f"/api/v1/batch-runs/{run.pk}/").json()
    assert body["status"] == "failed" and "RuntimeError" in body["error"]
    assert [(c["number"], c["attempts"]) for c in body["failed_chunks"]] == [(1, 1)]


def test_staff_only(make_employer):
    employer_user = make_user(Role.EMPLOYER, None, employer=make_employer())
    assert api_client_for(employer_user).get("/api/v1/batch-runs/").status_code == 403
    assert api_client_for(None).get("/api/v1/batch-runs/").status_code in (401, 403)
