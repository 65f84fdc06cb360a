"""Receipts of 020101–020103: a PDF for each completed case, certifying the masked content recorded from the case."""

from __future__ import annotations

import pytest
from django.urls import reverse

from shebao.contributions.services.wages import wage_declaration_submit
from shebao.contributions.services.wages_adjust import contribution_base_adjust
from shebao.contributions.services.wages_bases import contribution_base_determine
from shebao.core.cases import case_approve
from shebao.core.identifiers import mask_id
from shebao.core.models import IssuedDocument
from shebao.testing import login

from ..helpers import assessed, current_year, lines_for, this_month, unit_with_staff

pytestmark = [pytest.mark.django_db, pytest.mark.catalog("020101", "020102", "020103")]


def _receipt(client, case) -> dict:
    res = client.get(reverse("core:case-receipt", args=[case.pk]))
    assert res.status_code == 200 and res["Content-Type"] == "application/pdf"
    assert res.content.startswith(b"%PDF-")
    doc = IssuedDocument.objects.get(case=case)
    assert doc.kind == f"receipt.{case.item_id}"
    return dict(doc.summary["fields"])


def test_receipts_of_the_three_items(agencies, clerk, reviewer, client):
    login(client, clerk)
    employer, people = unit_with_staff(agencies["a"], 2)
    case = case_approve(
        actor=reviewer,
        case=wage_declaration_submit(actor=clerk, employer=employer, year=current_year(), lines=lines_for(people)),
    )
    fields = _receipt(client, case)
    assert fields["申报人数"] == "2 人" and fields["上年度工资总额"] == "192000.00 元"

    month = f"{this_month():%Y-%m}"
    person = people[0]
    case = case_approve(
        actor=reviewer,
        case=contribution_base_determine(
            actor=clerk, person=person, kind="new_hire", year=current_year(), valid_from=month, monthly_wage="6500"
        ),
    )
    fields = _receipt(client, case)
    assert fields["社会保障号码"] == mask_id(person.id_number) and fields["月缴费基数"] == "6500.00 元"

    other = people[1]
    assessed(other, this_month(), "110", "5000", "0.16", "0.08")
    case = case_approve(
        actor=reviewer,
        case=contribution_base_adjust(
            actor=clerk,
            person=other,
            from_month=month,
            to_month=month,
            base="6000",
            source="policy",
            reason="政策调整",
        ),
    )
    fields = _receipt(client, case)
    assert fields["单位部分应缴差额"] == "160.00 元" and fields["个人部分应缴差额"] == "80.00 元"
    assert fields["滞纳金"] == "0.00 元"
