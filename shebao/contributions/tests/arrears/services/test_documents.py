"""020302 缓缴协议 and 020502 责令限期缴纳通知书: PDFs of completed cases, issued with a verification code."""

from __future__ import annotations

import pytest

from shebao.contributions.documents.arrears import receipt_020302, receipt_020502
from shebao.contributions.services.arrears_deferral import deferral_apply
from shebao.contributions.services.arrears_notice import arrears_notice_issue
from shebao.contributions.tests.arrears.factories import months_ago, owing_unit
from shebao.core.cases import case_approve
from shebao.core.models import IssuedDocument
from shebao.testing.items import material_files

pytestmark = [pytest.mark.django_db]


@pytest.mark.catalog("020302", "020502")
def test_agreement_and_notice_print(clerk, reviewer, agencies):
    unit = owing_unit(agencies["a"])
    deferral = case_approve(
        actor=reviewer,
        case=deferral_apply(
            materials=material_files("020302"),
            actor=clerk,
            employer=unit,
            insurance_types=["110"],
            start_month=months_ago(0),
            end_month=months_ago(-1),
            reason="困难",
        ),
    )
    notice = case_approve(actor=reviewer, case=arrears_notice_issue(actor=clerk, employer=unit))
    for case, make in ((deferral, receipt_020302), (notice, receipt_020502)):
        name, pdf = make(case)
        assert name.endswith(".pdf") and pdf.startswith(b"%PDF")
    kinds = set(IssuedDocument.objects.values_list("kind", flat=True))
    assert {"agreement.020302", "notice.020502"} <= kinds
