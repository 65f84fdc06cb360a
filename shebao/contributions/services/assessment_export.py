"""020301: a month's receivable lines as an .xlsx (text cells only, ID numbers masked), for a region or one employer."""

from __future__ import annotations

import datetime as dt

from shebao.core.errors import ApplicationError
from shebao.core.identifiers import mask_id
from shebao.core.xlsx_write import OutColumn, text_sheet

from .assessment import month_lines
from .assessment_bill import employer_of

# Above this many lines the export is refused: narrow it to one employer (the whole month is in the ledger API).
EXPORT_LIMIT = 200_000

COLUMNS = (
    OutColumn("费款所属期", 10, text=True),
    OutColumn("核定类别", 12),
    OutColumn("单位社会保险登记编号", 22, text=True),
    OutColumn("单位名称", 30),
    OutColumn("社会保障号码", 20, text=True),
    OutColumn("姓名", 10),
    OutColumn("险种", 8, text=True),
    OutColumn("缴费基数", 12),
    OutColumn("单位费率", 10),
    OutColumn("单位应缴", 12),
    OutColumn("个人费率", 10),
    OutColumn("个人应缴", 12),
    OutColumn("缴费截止日", 12, text=True),
    OutColumn("核定批次", 10, text=True),
    OutColumn("说明", 40),
)


def export_month(*, actor, region, month: dt.date, employer_id: int | None = None) -> tuple[str, bytes]:
    """(filename, .xlsx bytes) of the month's lines the actor may see (400 beyond EXPORT_LIMIT lines)."""
    lines = month_lines(actor, region=region, month=month)
    suffix = ""
    if employer_id is not None:
        employer = employer_of(actor, employer_id)
        lines = lines.filter(employer=employer)
        suffix = f"-{employer.reg_no}"
    count = lines.count()
    if count > EXPORT_LIMIT:
        raise ApplicationError(
            f"本月应收明细共 {count} 条，超过单次导出上限 {EXPORT_LIMIT} 条，请按单位导出", field="month"
        )
    rows = (
        [
            f"{r.period:%Y-%m}",
            r.get_kind_display(),
            r.employer.reg_no if r.employer else "",
            r.employer.name if r.employer else "",
            mask_id(r.person.id_number) if r.person else "",
            r.person.name if r.person else "",
            r.insurance_type_id,
            str(r.base),
            str(r.employer_rate.normalize()),
            str(r.employer_amount),
            str(r.individual_rate.normalize()),
            str(r.individual_amount),
            f"{r.due_date:%Y-%m-%d}",
            str(r.batch_run_id or ""),
            r.note,
        ]
        for r in lines.select_related("employer", "person")
        .order_by("employer__reg_no", "person__name", "person_id", "insurance_type_id", "pk")
        .iterator(2000)
    )
    return f"应缴明细-{region.code}-{month:%Y-%m}{suffix}.xlsx", text_sheet("应缴明细", COLUMNS, list(rows))
