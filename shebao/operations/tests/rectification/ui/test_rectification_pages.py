"""111103 问题整改 pages: register → start → submit → close by another user; bad input on the field; scope 404;
overdue tasks on the staff dashboard (a panel the app contributes through `AppUi.dashboard_panels`)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from shebao.core.models import AuditEvent
from shebao.operations.models import RectificationStatus, RectificationTask
from shebao.testing import assert_refused, login

pytestmark = [pytest.mark.django_db, pytest.mark.catalog("111103")]


def form(owner, **extra) -> dict:
    return {
        "source": "audit",
        "source_ref": "审计通知〔2026〕12号",
        "title": "离职人员账号未及时停用",
        "description": "3名离职人员账号仍为在用状态。",
        "owner": owner.pk,
        "deadline": str(timezone.localdate() + dt.timedelta(days=5)),
        **extra,
    }


def test_lifecycle_on_the_pages(client, admin_a, clerk, reviewer):
    login(client, admin_a)
    assert client.get("/operations/rectifications/").status_code == 200
    assert "没有符合条件的整改任务" in client.get("/operations/rectifications/").content.decode()
    assert client.get("/operations/rectifications/new/").status_code == 200
    res = client.post("/operations/rectifications/new/", form(clerk))
    assert res.status_code == 302
    task = RectificationTask.objects.get()
    owner = Client()
    login(owner, clerk)
    page = owner.get(res["Location"]).content.decode()
    assert "data-confirm=" in page and "开始整改" in page
    assert owner.post(f"/operations/rectifications/{task.pk}/start/", {"version": 1}).status_code == 302
    res = owner.post(f"/operations/rectifications/{task.pk}/submit/", {"evidence": ""})
    assert res.status_code == 400 and 'id="id_evidence_errors"' in res.content.decode()
    assert owner.post(f"/operations/rectifications/{task.pk}/submit/", {"evidence": "已停用3个账号"}).status_code == 302
    page = owner.get(f"/operations/rectifications/{task.pk}/").content.decode()
    assert "验收销号" not in page  # the owner is not offered the check
    res = owner.post(f"/operations/rectifications/{task.pk}/close/", {"note": ""})
    assert res.status_code == 403
    checker = Client()
    login(checker, reviewer)
    assert "验收销号" in checker.get(f"/operations/rectifications/{task.pk}/").content.decode()
    assert checker.post(f"/operations/rectifications/{task.pk}/close/", {"note": "已核实"}).status_code == 302
    assert RectificationTask.objects.get().status == RectificationStatus.CLOSED


def test_bad_form_is_400_on_the_fields_and_saves_nothing(client, admin_a, clerk):
    login(client, admin_a)
    assert_refused(
        lambda: client.post("/operations/rectifications/new/", form(clerk, title="", deadline="2020-01-01")),
        status=400,
        field=("title", "deadline"),
        nothing_saved=[RectificationTask, AuditEvent],
    )


def test_other_agency_gets_404(client, admin_a, clerk, clerk_b):
    login(client, admin_a)
    client.post("/operations/rectifications/new/", form(clerk))
    task = RectificationTask.objects.get()
    login(client, clerk_b)
    assert client.get(f"/operations/rectifications/{task.pk}/").status_code == 404
    assert client.post(f"/operations/rectifications/{task.pk}/start/").status_code == 404


def test_overdue_tasks_show_on_the_dashboard(client, admin_a, clerk, clerk_b):
    login(client, admin_a)
    assert 'data-testid="rectification-overdue"' not in client.get("/").content.decode()
    client.post("/operations/rectifications/new/", form(clerk, title="账号清理超期"))
    RectificationTask.objects.update(deadline=timezone.localdate() - dt.timedelta(days=2))
    page = client.get("/").content.decode()
    assert 'data-testid="rectification-overdue"' in page and "账号清理超期" in page
    assert "/operations/rectifications/?overdue=1" in page
    listed = client.get("/operations/rectifications/", {"overdue": "1"}).content.decode()
    assert "账号清理超期" in listed and "已超期" in listed
    login(client, clerk_b)  # another agency's staff do not see it
    assert 'data-testid="rectification-overdue"' not in client.get("/").content.decode()
