"""Shared builders of the 1107 tests: a unit with employees in agency a, an approved export, workbook reading."""

from __future__ import annotations

import io

from shebao.core.cases import case_approve
from shebao.registration.tests.factories import EmployerFactory, PersonFactory

REASON = "年度稽核抽查职工参保信息"


def unit_with_employees(agency, n: int = 2):
    """A unit of `agency` with `n` employees (each with a benefit bank account)."""
    employer = EmployerFactory(agency=agency)
    people = [PersonFactory(employer=employer, benefit_bank_account=f"62220200{i:011d}") for i in range(n)]
    return employer, people


def request_and_approve(requester, reviewer, employer):
    """An export of the unit's employees requested by `requester` and approved by `reviewer`."""
    from shebao.operations.services.security import pd_export_request

    case = pd_export_request(actor=requester, kind="employees", filters={"employer": employer.pk}, reason=REASON)
    return case_approve(actor=reviewer, case=case)


def open_workbook(content: bytes):
    """The downloaded file opened with openpyxl (it must be a real .xlsx)."""
    from openpyxl import load_workbook

    return load_workbook(io.BytesIO(content))


def column_values(wb, column: int = 1) -> list[str]:
    """The values of a column below the watermark and header rows."""
    ws = wb.active
    return [row[column - 1] for row in ws.iter_rows(min_row=3, values_only=True)]
