"""1107 个人数据导出申请 through the item test kit: window case, approval producing the file with its audit row,
404 out of scope, 400 naming the field with nothing saved, maker-checker and one open request per subject."""

from __future__ import annotations

import pytest
from django.urls import reverse

from shebao.operations.models import PersonalDataExport
from shebao.operations.services.security import pd_export_request
from shebao.testing import ItemTestCase, Kit, Submission

from ..helpers import REASON, open_workbook, unit_with_employees

pytestmark = [pytest.mark.django_db, pytest.mark.catalog("1107")]


class TestPdExportKit(ItemTestCase):
    """1107 个人数据导出申请（单位职工名单）."""

    item_code = "1107"
    bad_field = "reason"
    saved_models = (PersonalDataExport,)

    def subject(self, kit: Kit):
        employer, _ = unit_with_employees(kit.agencies["a"], 2)
        return employer

    def _submission(self, employer, reason: str) -> Submission:
        return Submission(
            service=pd_export_request,
            kwargs={"kind": "employees", "filters": {"employer": employer.pk}, "reason": reason},
            api_url="/api/v1/security/exports/",
            api_body={"kind": "employees", "filters": {"employer": employer.pk}, "reason": reason},
            ui_url=reverse("operations:security-export-new"),
            ui_form={"kind": "employees", "employer": str(employer.pk), "reason": reason},
        )

    def submission(self, kit: Kit, subject) -> Submission:
        return self._submission(subject, REASON)

    def bad_submission(self, kit: Kit, subject) -> Submission:
        return self._submission(subject, "  ")

    def check_applied(self, kit: Kit, subject, case) -> None:
        export = PersonalDataExport.objects.get(case=case)
        assert export.row_count == 2 and export.requester_id == case.submitted_by_id
        wb = open_workbook(bytes(export.content))
        assert case.number in wb.active["A1"].value and str(case.submitted_by) in wb.active["A1"].value
