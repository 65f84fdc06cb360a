"""Collection pages (/contributions/collection/): the clerk's arrears ledger, unit page, plans, ledgers, bank and tax
files; the employer's bill, online payment and arrears; exports, empty states, scope."""

from __future__ import annotations

import io
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from shebao.contributions.models import BankFile, CollectionMandate, Payment
from shebao.contributions.services.collection_ledger import arrears_ledger_make
from shebao.contributions.services.collection_plan import collection_plan_make
from shebao.contributions.tests.collection.factories import collector, csv_bytes, mandate, receivable, return_rows
from shebao.core.cases import case_approve
from shebao.core.tests.factories import FinanceFactory
from shebao.registration.tests.factories import EmployerUserFactory
from shebao.testing import login

pytestmark = [pytest.mark.django_db, pytest.mark.catalog("020401", "020402", "020501")]


@pytest.fixture
def owing(unit):
    this = timezone.localdate().replace(day=1)
    last = (this - timezone.timedelta(days=1)).replace(day=1)
    a, b = unit.staff
    receivable(employer=unit, person=a, period=last, employer_amount="160.00", individual_amount="80.00")
    receivable(employer=unit, person=b, period=this, employer_amount="160.00", individual_amount="80.00")
    return unit


def _get(client, name, *args, **query):
    url = reverse(f"contributions:{name}", args=args)
    return client.get(url, query)


def test_arrears_pages_and_exports(client, clerk, owing):
    login(client, clerk)
    home = _get(client, "collection-home")
    assert home.status_code == 200 and "480.00" in home.content.decode()
    page = _get(client, "collection-arrears")
    html = page.content.decode()
    assert page.status_code == 200 and owing.name in html and "320.00" in html
    export = _get(client, "collection-arrears", format="xlsx")
    assert export.status_code == 200 and export.content[:2] == b"PK"
    unit = _get(client, "collection-employer", owing.pk)
    html = unit.content.decode()
    assert unit.status_code == 200 and 'data-testid="total">480.00' in html and "窗口缴费登记" in html
    assert re.search(r"\d{6}\*+\d{3}[\dX]", html), "ID numbers are masked in the lines"
    assert _get(client, "collection-employer", owing.pk, format="xlsx").content[:2] == b"PK"


def test_empty_states_and_scope(client, clerk_b, owing):
    login(client, clerk_b)
    assert "本机构没有未缴的费款" in _get(client, "collection-arrears").content.decode()
    assert _get(client, "collection-employer", owing.pk).status_code == 404
    assert "尚未制定征收计划" in _get(client, "collection-plans").content.decode()
    assert "尚未建立欠费台账" in _get(client, "collection-ledgers").content.decode()
    assert "尚未生成托收文件" in _get(client, "collection-bank-files").content.decode()


def test_mandate_and_credit_from_the_unit_page(client, clerk, owing):
    login(client, clerk)
    url = reverse("contributions:collection-mandate", args=[owing.pk])
    res = client.post(url, {"bank_name": "杭州银行", "bank_account": "6222000011112222", "valid_from": "2026-01-01"})
    assert res.status_code == 302 and CollectionMandate.objects.filter(employer=owing, ended_on=None).exists()
    res = client.post(reverse("contributions:collection-credit", args=[owing.pk]))
    assert res.status_code == 302  # no credit: a message, nothing applied
    messages = [str(m) for m in res.wsgi_request._messages]
    assert any("没有可冲抵" in m for m in messages)


def test_plan_and_ledger_pages_after_approval(client, clerk, reviewer, owing, agencies):
    period = f"{timezone.localdate():%Y-%m}"
    case_approve(actor=reviewer, case=collection_plan_make(actor=clerk, agency=agencies["a"], period=period))
    case_approve(actor=reviewer, case=arrears_ledger_make(actor=clerk, agency=agencies["a"], period=period))
    login(client, clerk)
    plans = _get(client, "collection-plans").content.decode()
    plan_id = re.search(r"/collection/plans/(\d+)/", plans).group(1)
    plan = _get(client, "collection-plan", plan_id).content.decode()
    assert "自行缴纳" in plan and "480.00" in plan
    ledgers = _get(client, "collection-ledgers").content.decode()
    ledger_id = re.search(r"/collection/ledgers/(\d+)/", ledgers).group(1)
    assert owing.name in _get(client, "collection-ledger", ledger_id).content.decode()
    assert _get(client, "collection-ledger", ledger_id, format="xlsx").content[:2] == b"PK"


def test_bank_files_page_generates_imports_and_shows_a_refused_file(client, clerk, owing):
    mandate(owing)
    login(client, clerk)
    url = reverse("contributions:collection-bank-files")
    period = f"{timezone.localdate():%Y-%m}"
    res = client.post(url, {"action": "generate", "agency": "330102", "period": period})
    assert res.status_code == 302
    f = BankFile.objects.get(kind="collection")
    detail = client.get(res["Location"]).content.decode()
    assert f.batch_no in detail and owing.name in detail
    content = csv_bytes(return_rows(f, day=timezone.localdate()))
    bad = io.BytesIO(content.replace(b",0000,", b",0000,").replace(b"SBHP01", b"SBHP99"))
    bad.name = "bad.csv"
    res = client.post(url, {"action": "import", "agency": "330102", "file": bad})
    assert res.status_code == 302
    page = client.get(res["Location"]).content.decode()
    assert 'data-testid="error-report"' in page and "第1行" in page and not Payment.objects.exists()
    good = io.BytesIO(content)
    good.name = "hp.csv"
    res = client.post(url, {"action": "import", "agency": "330102", "file": good})
    assert res.status_code == 302 and Payment.objects.count() == 1
    missing = client.post(url, {"action": "import", "agency": "330102"})
    assert missing.status_code == 400 and 'id="id_file_errors"' in missing.content.decode()


def test_tax_page_lists_the_reconciliation(client, clerk, owing):
    collector("330102", "tax")
    login(client, clerk)
    period = f"{timezone.localdate():%Y-%m}"
    res = client.post(
        reverse("contributions:collection-tax"), {"action": "export", "agency": "330102", "period": period}
    )
    assert res.status_code == 302
    page = _get(client, "collection-tax", agency="330102", period=period).content.decode()
    assert 'data-testid="reconciliation"' in page and "税务未入库" in page
    assert _get(client, "collection-tax", agency="330102", period=period, format="xlsx").content[:2] == b"PK"


def test_employer_sees_its_bill_pays_online_once_and_sees_the_rest(client, owing):
    user = EmployerUserFactory(employer=owing)
    login(client, user)
    bill = _get(client, "collection-portal-bill").content.decode()
    assert 'data-testid="bill-total">480.00' in bill
    form = _get(client, "collection-portal-pay").content.decode()
    request_id = re.search(r'name="request_id" value="([0-9a-f]{32})"', form).group(1)
    data = {"amount": "300.00", "request_id": request_id}
    res = client.post(reverse("contributions:collection-portal-pay"), data)
    assert res.status_code == 302 and Payment.objects.get().amount == Decimal("300.00")
    client.post(reverse("contributions:collection-portal-pay"), data)  # double submit
    assert Payment.objects.count() == 1
    arrears = _get(client, "collection-portal-arrears").content.decode()
    assert 'data-testid="arrears-total">180.00' in arrears
    payment = Payment.objects.get()
    pdf = client.get(reverse("contributions:collection-receipt", args=[payment.pk]))
    assert pdf.status_code == 200 and pdf.content[:4] == b"%PDF"
    bad = client.post(reverse("contributions:collection-portal-pay"), {"amount": "-1", "request_id": "f" * 32})
    assert bad.status_code == 400 and 'id="id_amount_errors"' in bad.content.decode()


def test_portal_pages_are_the_units_own(client, clerk, owing):
    other = EmployerUserFactory()
    login(client, other)
    assert "尚无应缴费款" in _get(client, "collection-portal-bill").content.decode()
    login(client, clerk)
    assert _get(client, "collection-portal-bill").status_code == 302  # staff go to their workbench
    login(client, EmployerUserFactory(employer=owing))
    assert _get(client, "collection-arrears").status_code == 302  # units go to their portal


def test_finance_sees_the_collection_pages(client, owing):
    finance = FinanceFactory(agency=owing.agency)
    login(client, finance)
    dashboard = client.get(reverse("core:dashboard")).content.decode()
    assert reverse("contributions:collection-home") in dashboard
    assert _get(client, "collection-arrears").status_code == 200
    assert _get(client, "collection-bank-files").status_code == 200
