"""Collection API (/api/v1/collection/): arrears (020501), counter and online payments, credit, receipts (020402),
bank and tax files, plans (020401) and monthly ledgers (020501) — status codes, scope, idempotency, no half-saves."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.utils import timezone

from shebao.contributions.models import BankFile, BankRecord, CollectionMandate, Payment, PaymentAllocation
from shebao.contributions.tests.collection.factories import collector, csv_bytes, mandate, receivable, return_rows
from shebao.core.tests.factories import AuditorFactory, FinanceFactory
from shebao.registration.tests.factories import EmployerUserFactory
from shebao.testing import assert_refused, count_rows

pytestmark = [pytest.mark.django_db, pytest.mark.catalog("020401", "020402", "020501")]

D = Decimal


@pytest.fixture
def owing(unit):
    """The unit owes for last month and this month (240.00 each)."""
    this = timezone.localdate().replace(day=1)
    last = (this - timezone.timedelta(days=1)).replace(day=1)
    a, b = unit.staff
    receivable(employer=unit, person=a, period=last, employer_amount="160.00", individual_amount="80.00")
    receivable(employer=unit, person=b, period=this, employer_amount="160.00", individual_amount="80.00")
    return unit


def test_arrears_list_and_unit_summary_are_scoped(api, clerk, clerk_b, owing):
    res = api(clerk).get("/api/v1/collection/arrears/")
    assert res.status_code == 200 and res.json()["count"] == 1
    row = res.json()["results"][0]
    assert row["employer"] == owing.pk and row["total"] == "480.00"
    assert api(clerk_b).get("/api/v1/collection/arrears/").json()["count"] == 0
    res = api(clerk).get(f"/api/v1/collection/employers/{owing.pk}/arrears/")
    body = res.json()
    assert (body["total"], body["employer_arrears"], body["individual_arrears"]) == ("480.00", "320.00", "160.00")
    assert body["buckets"][0]["key"] == "not_due"
    assert api(clerk_b).get(f"/api/v1/collection/employers/{owing.pk}/arrears/").status_code == 404
    lines = api(clerk).get(f"/api/v1/collection/employers/{owing.pk}/arrears/lines/").json()["results"]
    assert len(lines) == 2 and "*" in lines[0]["id_number"]  # ID numbers masked in lists


def test_bad_query_parameters_are_400(api, clerk, owing):
    assert api(clerk).get("/api/v1/collection/arrears/?as_of=2026-13-01").status_code == 400
    res = api(clerk).get("/api/v1/collection/arrears/?agency=330105")  # another district: outside scope
    assert res.status_code == 404


def test_counter_payment_posts_on_approval_with_receipt(api, approve, clerk, owing):
    body = {"amount": "300.00", "paid_on": timezone.localdate().isoformat(), "reference": "SJ-1", "method": "pos"}
    res = api(clerk).post(f"/api/v1/collection/employers/{owing.pk}/payments/", body, format="json")
    assert res.status_code == 201 and res.json()["status"] == "accepted"
    assert not Payment.objects.exists()  # nothing posted before review
    approve(res.json()["id"])
    payment = Payment.objects.get()
    listed = api(clerk).get(f"/api/v1/collection/employers/{owing.pk}/payments/").json()["results"]
    assert listed[0]["applied"] == "300.00" and listed[0]["credit"] == "0.00"
    detail = api(clerk).get(f"/api/v1/collection/payments/{payment.pk}/").json()
    assert detail["allocations"][0]["individual"] == "80.00"
    pdf = api(clerk).get(f"/api/v1/collection/payments/{payment.pk}/receipt.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf" and pdf.content[:4] == b"%PDF"


def test_counter_payment_refusals(api, clerk, owing):
    url = f"/api/v1/collection/employers/{owing.pk}/payments/"
    today = timezone.localdate()
    client = api(clerk)
    for bad, field in [
        ({"amount": "12.345"}, "amount"),
        ({"amount": 12.5}, "amount"),
        ({"paid_on": (today + timezone.timedelta(days=1)).isoformat()}, "paid_on"),
        ({"reference": "凭证 1"}, "reference"),
        ({"method": "cheque"}, "method"),
        ({"extra": "x"}, "extra"),
    ]:
        body = {"amount": "10.00", "paid_on": today.isoformat(), "reference": "R1", **bad}
        assert_refused(
            lambda b=body: client.post(url, b, format="json"), status=400, field=field, nothing_saved=[Payment]
        )
    auditor = AuditorFactory(agency=owing.agency)
    body = {"amount": "10.00", "paid_on": today.isoformat(), "reference": "R1"}
    assert api(auditor).post(url, body, format="json").status_code == 403


def test_online_payment_by_the_unit_is_idempotent(api, clerk, owing):
    user = EmployerUserFactory(employer=owing)
    url = f"/api/v1/collection/employers/{owing.pk}/online-payments/"
    body = {"amount": "500.00", "request_id": "a" * 32}
    first = api(user).post(url, body, format="json")
    assert first.status_code == 201 and first.json()["credit"] == "20.00"
    again = api(user).post(url, body, format="json")
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    assert Payment.objects.count() == 1
    assert api(user).get(f"/api/v1/collection/employers/{owing.pk}/arrears/").json()["total"] == "0.00"
    other = EmployerUserFactory()
    assert api(other).post(url, {"amount": "1.00", "request_id": "b" * 32}, format="json").status_code == 404
    res = api(clerk).post(url, {"amount": "1.00", "request_id": "c" * 32}, format="json")
    assert res.status_code == 400  # the counter is the clerk's channel


def test_credit_is_applied_to_a_new_due(api, clerk, owing):
    user = EmployerUserFactory(employer=owing)
    api(user).post(
        f"/api/v1/collection/employers/{owing.pk}/online-payments/",
        {"amount": "600.00", "request_id": "d" * 32},
        format="json",
    )
    receivable(employer=owing, person=owing.staff[0], period="2026-01", employer_amount="100.00")
    res = api(clerk).post(f"/api/v1/collection/employers/{owing.pk}/credit/", {}, format="json")
    assert res.status_code == 200 and res.json()["applied"] == "100.00"
    res = api(clerk).post(f"/api/v1/collection/employers/{owing.pk}/credit/", {}, format="json")
    assert res.status_code == 400  # nothing open any more


def test_bank_files_generate_import_reimport_and_refusal(api, clerk, agencies, owing):
    mandate(owing)
    period = f"{timezone.localdate():%Y-%m}"
    client = api(clerk)
    res = client.post(
        "/api/v1/collection/bank-files/collection/", {"agency": "330102", "period": period}, format="json"
    )
    assert res.status_code == 201 and res.json()["record_count"] == 1
    f = BankFile.objects.get(pk=res.json()["id"])
    content = client.get(f"/api/v1/collection/bank-files/{f.pk}/content/")
    assert content.status_code == 200 and content.content.startswith(b"H,SBTS01,")
    data = csv_bytes(return_rows(f, day=timezone.localdate()))

    def upload(payload, name="hp.csv"):
        return client.post(
            "/api/v1/collection/bank-files/returns/",
            {"agency": "330102", "file": _file(payload, name)},
            format="multipart",
        )

    first = upload(data)
    assert first.status_code == 201 and first.json()["success_count"] == 1
    again = upload(data)
    assert again.status_code == 200 and again.json()["already_imported"] is True
    before = count_rows(Payment, PaymentAllocation, BankRecord)
    bad = upload(data.replace(b"0000", b"00X0"), "bad.csv")
    assert bad.status_code == 400 and "file_id" in bad.json() and bad.json()["errors"]["file"]
    assert not before.changed()
    report = client.get(bad.json()["error_report"])
    assert report.status_code == 200 and report.content[:2] == b"PK"
    records = client.get(f"/api/v1/collection/bank-files/{first.json()['id']}/").json()
    assert records["results"][0]["status"] == "success"


def _file(payload: bytes, name: str) -> io.BytesIO:
    upload = io.BytesIO(payload)
    upload.name = name
    return upload


def test_mandate_sign_and_end(api, clerk, owing):
    url = f"/api/v1/collection/employers/{owing.pk}/mandate/"
    body = {"bank_name": "杭州银行", "bank_account": "6222000011112222", "valid_from": "2026-01-01"}
    assert api(clerk).post(url, body, format="json").status_code == 201
    assert api(clerk).post(url, {**body, "bank_account": "12"}, format="json").status_code == 400
    res = api(clerk).post(url + "end/", {"ended_on": "2026-02-01"}, format="json")
    assert res.status_code == 200 and res.json()["ended_on"] == "2026-02-01"
    assert not CollectionMandate.objects.filter(ended_on__isnull=True).exists()


def test_tax_mode_export_import_and_reconcile(api, clerk, owing):
    collector("330102", "tax")
    client = api(clerk)
    period = timezone.localdate().replace(day=1)
    res = client.post(
        "/api/v1/collection/tax/exports/", {"agency": "330102", "period": f"{period:%Y-%m}"}, format="json"
    )
    assert res.status_code == 201
    day = f"{timezone.localdate():%Y%m%d}"
    rows = [
        ["H", "SBRK01", "330102", f"{period:%Y%m}", "1", "200.00"],
        ["D", "1", "3330012600001", owing.uscc, "110", f"{period:%Y%m}", "150.00", "50.00", day],
    ]
    payload = io.BytesIO(csv_bytes(rows))
    payload.name = "rk.csv"
    res = client.post("/api/v1/collection/tax/imports/", {"agency": "330102", "file": payload}, format="multipart")
    assert res.status_code == 201, res.json()
    rec = client.get(f"/api/v1/collection/tax/reconciliation/?agency=330102&period={period:%Y-%m}").json()
    assert rec["assessed"] == "240.00" and rec["collected"] == "200.00"
    assert [d["kind"] for d in rec["differences"]] == ["differs"]


def test_plans_and_ledgers_after_approval(api, approve, clerk, owing):
    period = f"{timezone.localdate():%Y-%m}"
    for url in ("/api/v1/collection/plans/", "/api/v1/collection/ledgers/"):
        res = api(clerk).post(url, {"agency": "330102", "period": period}, format="json")
        assert res.status_code == 201
        approve(res.json()["id"])
        listed = api(clerk).get(url).json()["results"]
        assert len(listed) == 1
        detail = api(clerk).get(f"{url}{listed[0]['id']}/")
        assert detail.status_code == 200
    plan = api(clerk).get("/api/v1/collection/plans/").json()["results"][0]
    assert plan["total"] == "480.00" and plan["lines"][0]["channel"] == "self"
    ledger = api(clerk).get("/api/v1/collection/ledgers/").json()["results"][0]
    assert ledger["employer_arrears"] == "320.00" and ledger["payers"] == 1


def test_finance_may_read_and_post_money(api, owing):
    finance = FinanceFactory(agency=owing.agency)
    assert api(finance).get("/api/v1/collection/arrears/").status_code == 200
    body = {"amount": "10.00", "paid_on": timezone.localdate().isoformat(), "reference": "F1"}
    res = api(finance).post(f"/api/v1/collection/employers/{owing.pk}/payments/", body, format="json")
    assert res.status_code == 201
    res = api(finance).post("/api/v1/collection/plans/", {"agency": "330102", "period": "2026-01"}, format="json")
    assert res.status_code == 403  # plans are the clerks' work
