"""111103 问题整改 API: /api/v1/rectifications/ — lifecycle with maker-checker, multipart evidence (the stored file
is read back), refusals with nothing saved, scope and JSON 404s."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from shebao.core.models import AuditEvent
from shebao.core.tests.samples import PDF
from shebao.operations.models import RectificationTask
from shebao.testing import assert_refused

pytestmark = [pytest.mark.django_db, pytest.mark.catalog("111103")]


def body(who, **extra) -> dict:
    return {
        "source": "operation",
        "source_ref": "运行日志 2026-11-20",
        "title": "夜间批处理超时",
        "description": "11月20日夜间月度核定批处理超出维护窗口 40 分钟。",
        "owner": who.pk,
        "deadline": str(timezone.localdate() + dt.timedelta(days=7)),
        **extra,
    }


def test_lifecycle_through_the_api(api, admin_a, clerk, reviewer, django_capture_on_commit_callbacks):
    res = api(admin_a).post("/api/v1/rectifications/", body(clerk), format="json")
    assert res.status_code == 201, res.json()
    task = res.json()
    assert task["status"] == "open" and task["owner"] == clerk.pk and task["overdue"] is False
    url = f"/api/v1/rectifications/{task['id']}/"
    assert (
        api(clerk).post(url + "start/", {"version": task["version"]}, format="json").json()["status"] == "in_progress"
    )
    with django_capture_on_commit_callbacks(execute=True):
        res = api(clerk).post(
            url + "submit/",
            {"evidence": "已拆分批处理并增加并发", "evidence_file": SimpleUploadedFile("复测.pdf", PDF)},
            format="multipart",
        )
    assert res.status_code == 200, res.json()
    assert res.json()["status"] == "submitted" and res.json()["evidence_file"] == "复测.pdf"
    browser = Client()
    browser.force_login(reviewer)
    download = browser.get(f"/operations/rectifications/{task['id']}/evidence/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    assert api(clerk).post(url + "close/", {}, format="json").status_code == 403  # the owner
    res = api(reviewer).post(url + "close/", {"note": "复测通过"}, format="json")
    assert res.status_code == 200 and res.json()["status"] == "closed" and res.json()["closed_by"] == reviewer.pk
    assert api(reviewer).post(url + "close/", {}, format="json").status_code == 409


def test_return_and_list_filters(api, admin_a, clerk, reviewer):
    task = api(admin_a).post("/api/v1/rectifications/", body(clerk), format="json").json()
    url = f"/api/v1/rectifications/{task['id']}/"
    api(clerk).post(url + "submit/", {"evidence": "已处理"}, format="json")
    res = api(reviewer).post(url + "return/", {"reason": ""}, format="json")
    assert res.status_code == 400 and "reason" in res.json()["errors"]
    res = api(reviewer).post(url + "return/", {"reason": "请附复测记录"}, format="json")
    assert res.json()["status"] == "in_progress" and res.json()["return_reason"] == "请附复测记录"
    listed = api(reviewer).get("/api/v1/rectifications/", {"status": "in_progress"}).json()["results"]
    assert [t["id"] for t in listed] == [task["id"]]
    assert api(reviewer).get("/api/v1/rectifications/", {"overdue": "true"}).json()["results"] == []
    RectificationTask.objects.update(deadline=timezone.localdate() - dt.timedelta(days=1))
    overdue = api(reviewer).get("/api/v1/rectifications/", {"overdue": "true"}).json()["results"]
    assert [t["overdue"] for t in overdue] == [True]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"source": "x"}, "source"),
        ({"title": ""}, "title"),
        ({"deadline": "2020-02-30"}, "deadline"),
        ({"deadline": "2020-01-01"}, "deadline"),
        ({"owner": "1"}, "owner"),
        ({"unknown": True}, "unknown"),
    ],
)
def test_bad_input_is_400_and_saves_nothing(api, admin_a, clerk, change, field):
    assert_refused(
        lambda: api(admin_a).post("/api/v1/rectifications/", body(clerk, **change), format="json"),
        status=400,
        field=field,
        nothing_saved=[RectificationTask, AuditEvent],
    )


def test_scope_and_json_404(api, admin_a, clerk, clerk_b):
    task = api(admin_a).post("/api/v1/rectifications/", body(clerk), format="json").json()
    assert api(clerk_b).get(f"/api/v1/rectifications/{task['id']}/").status_code == 404
    assert api(clerk_b).get("/api/v1/rectifications/").json()["results"] == []
    res = api(admin_a).get("/api/v1/rectifications/abc/")
    assert res.status_code == 404 and res["Content-Type"].startswith("application/json")
