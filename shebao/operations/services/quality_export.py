"""1106 质量管理: a run's report as an .xlsx — 汇总 (one line per rule) and one sheet per rule with findings.

Written in one streamed pass by `core.xlsx_write.text_workbook` (every cell text, never a formula). Each rule's sheet
holds at most `ROWS_PER_SHEET` findings; when a rule found more, the sheet ends with a note saying how many are not
listed (the API's paged findings list has them all). Details carry ID numbers masked as they were stored.
"""

from __future__ import annotations

from shebao.core.xlsx_write import OutColumn, OutSheet, text_workbook

from ..models import QualityFinding, QualityRun
from .quality import rule_rows

ROWS_PER_SHEET = 50_000

SUMMARY_COLUMNS = (
    OutColumn("规则编码", 10, text=True),
    OutColumn("规则名称", 36),
    OutColumn("质量维度", 10),
    OutColumn("严重程度", 10),
    OutColumn("检查对象", 10),
    OutColumn("问题记录数", 12, text=True),
    OutColumn("耗时（秒）", 10, text=True),
)
FINDING_COLUMNS = (
    OutColumn("序号", 8, text=True),
    OutColumn("对象类型", 10),
    OutColumn("对象编号", 12, text=True),
    OutColumn("问题说明", 90),
)


def _summary(run: QualityRun, rows: list[dict]) -> list[list[str]]:
    out = [
        [
            r["code"],
            r["name"],
            r["dimension"],
            r["severity"],
            r["object_type"],
            str(r["count"]),
            str(r["seconds"] or ""),
        ]
        for r in rows
    ]
    out.append(["", "合计", "", "", "", str(run.total), ""])
    out.append(["", f"检查范围：{run.agency.name}（{run.agency.code}）及下级机构", "", "", "", "", ""])
    out.append(
        [
            "",
            f"检查时间：{run.started_at:%Y-%m-%d %H:%M}；人员 {run.persons}、单位 {run.employers}、"
            f"参保记录 {run.enrolments}；证件号码已脱敏",
            "",
            "",
            "",
            "",
            "",
        ]
    )
    return out


def _findings(run: QualityRun, code: str, count: int, labels: dict[str, str]) -> list[list[str]]:
    rows = [
        [str(n), labels.get(t, t), str(oid), detail]
        for n, (t, oid, detail) in enumerate(
            QualityFinding.objects.filter(run=run, rule=code)
            .order_by("id")
            .values_list("object_type", "object_id", "detail")[:ROWS_PER_SHEET]
            .iterator(chunk_size=5000),
            start=1,
        )
    ]
    if count > len(rows):
        rows.append(
            ["", "", "", f"注：本规则共发现 {count} 条，本表仅列出前 {len(rows)} 条；完整清单请通过接口分页查询。"]
        )
    if not rows:
        rows.append(["", "", "", "本规则未发现问题记录。"])
    return rows


def export_run(run: QualityRun) -> tuple[str, bytes]:
    """(filename, .xlsx bytes) of a finished run: the summary sheet and one sheet per rule."""
    from .quality_rules import ObjectType

    labels = dict(ObjectType.choices)
    rows = rule_rows(run)
    sheets = [OutSheet("汇总", SUMMARY_COLUMNS, _summary(run, rows))]
    for r in rows:
        sheets.append(
            OutSheet(f"{r['code']} {r['name']}"[:31], FINDING_COLUMNS, _findings(run, r["code"], r["count"], labels))
        )
    return f"数据质量检查-{run.agency.code}-{run.pk}.xlsx", text_workbook(sheets)
