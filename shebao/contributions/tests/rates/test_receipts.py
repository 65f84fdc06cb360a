"""Receipts of the four rate items: real PDFs with the CJK font, what each certifies (ID numbers masked), the
verification page, and the case page's 打印回执 for the insured person online."""

from __future__ import annotations

import io
import re

import pytest
from django.test import Client
from pypdf import PdfReader

from shebao.contributions.presenters.rates_receipts import TITLES
from shebao.contributions.services.rates import employer_rate_change, employer_rate_determine
from shebao.contributions.services.rates_choices import person_choice_change, person_choice_determine
from shebao.core.cases import case_accept, case_approve
from shebao.core.identifiers import mask_id
from shebao.core.items import get_item
from shebao.core.models import Case, IssuedDocument
from shebao.core.verification import document_code
from shebao.registration.tests.factories import EmployerFactory, InsuredUserFactory
from shebao.testing import login

from .conftest import flexible_worker, month_add, rated_employer, resident, this_month

pytestmark = [pytest.mark.django_db, pytest.mark.catalog("02020101", "02020201", "02020102", "02020202")]


def _text(pdf: bytes) -> str:
    return re.sub(r"\s+", "", "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages))


@pytest.fixture
def completed(agencies, clerk, reviewer):
    def _make(code: str) -> tuple[Case, str]:
        if code == "02020101":
            unit = EmployerFactory(agency=agencies["a"], injury_risk_class=3)
            case = employer_rate_determine(actor=clerk, employer=unit, float_grade="1.2")
            expect = ["3类", "0.84%", unit.name]
        elif code == "02020201":
            unit = rated_employer(agencies["a"])
            case = employer_rate_change(
                actor=clerk,
                employer=unit,
                reason="evaluation",
                float_grade="1.5",
                valid_from=f"{month_add(this_month(), 1):%Y-%m}",
            )
            expect = ["0.2%", "0.3%", "工伤保险浮动费率年度评估", unit.name]
        elif code == "02020102":
            person = flexible_worker(agencies["a"])
            case = person_choice_determine(actor=clerk, person=person, amount="6000.00")
            expect = ["6000.00元/月", "4800.00–24000.00", mask_id(person.id_number)]
        else:
            person = resident(agencies["a"], tier="300")
            case = person_choice_change(actor=clerk, person=person, amount="1500")
            expect = ["1500元/年", "300元/年", "60.00元/年", mask_id(person.id_number)]
        return case_approve(actor=reviewer, case=case), expect

    return _make


@pytest.mark.parametrize("code", sorted(TITLES))
def test_each_item_prints_its_receipt(code, completed):
    case, expect = completed(code)
    filename, pdf = get_item(code).receipt(case)
    assert filename == f"receipt-{code}-{case.number}.pdf" and pdf.startswith(b"%PDF-")
    text = _text(pdf)
    assert TITLES[code] in text and case.number in text
    for fragment in expect:
        assert fragment.replace(" ", "") in text, fragment
    if case.person_id:
        assert case.person.id_number not in text
    get_item(code).receipt(case)  # a reprint certifies the same content: the same document
    doc = IssuedDocument.objects.get(case=case)
    page = Client().get(f"/verify/{document_code(doc)}/").content.decode()
    assert "核验结果：有效" in page and TITLES[code] in page


def test_the_insured_person_prints_the_receipt_of_their_online_case(agencies, clerk, reviewer, client):
    person = resident(agencies["a"])
    user = InsuredUserFactory(person=person)
    case = person_choice_determine(actor=user, person=person, amount="500")
    case = case_approve(actor=reviewer, case=case_accept(actor=clerk, case=case))
    res = login(client, user).get(f"/cases/{case.pk}/receipt/")
    assert res.status_code == 200 and res["Content-Type"] == "application/pdf"
    other = InsuredUserFactory(person=resident(agencies["a"]))
    assert login(Client(), other).get(f"/cases/{case.pk}/receipt/").status_code == 404
