"""打印回执 on the case page: GET /cases/<id>/receipt/ for completed cases in scope whose item declares a receipt."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from shebao.conftest import employer_data, make_user
from shebao.core.choices import Role
from shebao.core.models import Case, IssuedDocument
from shebao.registration.services import employer_enrol
from shebao.testing import material_files

pytestmark = [pytest.mark.django_db, pytest.mark.catalog("01010101")]


def _login(client, user):
    client.force_login(user)
    return client


def test_completed_case_has_receipt_link_and_pdf(client, clerk, make_employer):
    employer = make_employer(name="杭州打印回执测试有限公司")
    case = Case.objects.get(item_id="01010101", employer=employer)
    _login(client, clerk)
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert "打印回执" in page and f"/cases/{case.pk}/receipt/" in page
    res = client.get(f"/cases/{case.pk}/receipt/")
    assert res.status_code == 200 and res["Content-Type"] == "application/pdf"
    assert f'filename="receipt-01010101-{case.number}.pdf"' in res["Content-Disposition"]
    text = PdfReader(io.BytesIO(res.content)).pages[0].extract_text()
    assert "杭州打印回执测试有限公司" in text and case.number in text
    assert IssuedDocument.objects.filter(case=case, issued_by=None).count() == 1


def test_the_unit_itself_prints_its_receipt(client, make_employer):
    employer = make_employer()
    case = Case.objects.get(item_id="01010101", employer=employer)
    unit_user = make_user(Role.EMPLOYER, None, username="unit_receipt", employer=employer)
    assert _login(client, unit_user).get(f"/cases/{case.pk}/receipt/").status_code == 200


def test_open_case_has_no_receipt(client, clerk):
    case = employer_enrol(
        actor=clerk, data=employer_data(), materials=material_files("01010101")
    )  # accepted, waiting for review
    _login(client, clerk)
    assert "打印回执" not in client.get(f"/cases/{case.pk}/").content.decode()
    assert client.get(f"/cases/{case.pk}/receipt/").status_code == 404
    assert not IssuedDocument.objects.exists()


def test_out_of_scope_and_anonymous(client, clerk_b, make_employer):
    case = Case.objects.get(item_id="01010101", employer=make_employer())
    assert client.get(f"/cases/{case.pk}/receipt/").status_code == 302  # to the login page
    assert _login(client, clerk_b).get(f"/cases/{case.pk}/receipt/").status_code == 404
    assert client.get("/cases/999999/receipt/").status_code == 404
    assert client.post(f"/cases/{case.pk}/receipt/").status_code == 405
    assert not IssuedDocument.objects.exists()
