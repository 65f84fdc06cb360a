"""Arrears API: 400 naming the field, the handling steps, the overview, the overdue list and the refund file."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from shebao.contributions.models import ArrearsAction, Receivable, RefundInstruction
from shebao.contributions.tests.arrears.factories import months_ago, owing_unit, pay
from shebao.testing import api_client_for

pytestmark = [pytest.mark.django_db]


@pytest.mark.catalog("020304")
def test_refund_more_than_paid_is_400_naming_lines(clerk, agencies):
    unit = owing_unit(agencies["a"], months=1)
    pay(unit, "240.00")
    line = Receivable.objects.get(employer=unit)
    body = {
        "lines": [{"receivable": line.pk, "employer_amount": "500.00"}],
        "bank_name": "工行",
        "bank_account": "6222021202000000001",
        "reason": "多缴",
        "materials_waiver": "申请人书面承诺5个工作日内补交",
    }
    res = api_client_for(clerk).post(f"/api/v1/arrears/employers/{unit.pk}/refunds/", body, format="json")
    assert res.status_code == 400 and "lines" in res.json()["errors"], res.json()


@pytest.mark.catalog("020304")
def test_refund_instruction_download_and_scope(clerk, reviewer, clerk_b, agencies, approve):
    unit = owing_unit(agencies["a"], months=1)
    pay(unit, "240.00")
    line = Receivable.objects.get(employer=unit)
    body = {
        "lines": [{"receivable": line.pk, "employer_amount": "10.00"}],
        "bank_name": "工行",
        "bank_account": "6222021202000000001",
        "reason": "多缴",
        "materials_waiver": "申请人书面承诺5个工作日内补交",
    }
    res = api_client_for(clerk).post(f"/api/v1/arrears/employers/{unit.pk}/refunds/", body, format="json")
    assert res.status_code == 201, res.json()
    approve(res.json()["id"])
    ins = RefundInstruction.objects.get()
    ok = api_client_for(clerk).get(f"/api/v1/arrears/refund-instructions/{ins.pk}/")
    assert ok.status_code == 200 and ok.content.decode().startswith("H,SBTF01,")
    assert api_client_for(clerk_b).get(f"/api/v1/arrears/refund-instructions/{ins.pk}/").status_code == 404


@pytest.mark.catalog("020303")
def test_back_payment_bad_month_is_400(clerk, agencies):
    unit = owing_unit(agencies["a"], months=0)
    body = {
        "from_month": "2026-13",
        "to_month": f"{months_ago(1):%Y-%m}",
        "base": "5000",
        "insurance_types": ["110"],
        "reason": "unenrolled",
    }
    res = api_client_for(clerk).post(f"/api/v1/arrears/employers/{unit.pk}/back-payments/", body, format="json")
    assert res.status_code == 400 and "from_month" in res.json()["errors"]


@pytest.mark.catalog("020302")
def test_deferral_type_not_allowed_is_400(clerk, agencies):
    unit = owing_unit(agencies["a"], months=0)
    body = {
        "insurance_types": ["310"],
        "start_month": f"{months_ago(0):%Y-%m}",
        "end_month": f"{months_ago(-1):%Y-%m}",
        "reason": "困难",
    }
    res = api_client_for(clerk).post(f"/api/v1/arrears/employers/{unit.pk}/deferrals/", body, format="json")
    assert res.status_code == 400 and "insurance_types" in res.json()["errors"]


@pytest.mark.catalog("020502")
def test_notice_steps_overview_and_overdue(clerk, agencies, approve):
    unit = owing_unit(agencies["a"])
    client = api_client_for(clerk)
    res = client.post(f"/api/v1/arrears/employers/{unit.pk}/notices/", {"note": ""}, format="json")
    approve(res.json()["id"])
    ArrearsAction.objects.update(deadline=timezone.localdate() - dt.timedelta(days=1))
    step = client.post(
        f"/api/v1/arrears/employers/{unit.pk}/actions/", {"kind": "bank_inquiry", "notes": "已查询"}, format="json"
    )
    assert step.status_code == 201 and step.json()["kind_label"] == "查询存款账户"
    bad = client.post(f"/api/v1/arrears/employers/{unit.pk}/actions/", {"kind": "settled", "notes": "x"}, format="json")
    assert bad.status_code == 400 and "kind" in bad.json()["errors"]
    overview = client.get(f"/api/v1/arrears/employers/{unit.pk}/").json()
    assert overview["overdue"] == "480.00" and overview["open_notice"]["kind"] == "notice"
    (row,) = client.get("/api/v1/arrears/overdue/").json()
    assert row["employer"] == unit.pk and row["steps"] == ["bank_inquiry"]
    settle = client.post(f"/api/v1/arrears/employers/{unit.pk}/settle/")
    assert settle.status_code == 409 and "employer" in settle.json()["errors"]
