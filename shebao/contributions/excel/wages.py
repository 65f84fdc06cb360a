"""Excel files of 020101 工资总额申报: the template pre-filled with the unit's employees, reading an upload
(streamed, with the size, row and column caps of `core.excel`), and the workbook of the wrong lines."""

from __future__ import annotations

from collections.abc import Iterable

from shebao.core import excel as core_excel
from shebao.core.excel import Column, SheetSpec
from shebao.core.xlsx_write import REASON, OutColumn, text_sheet
from shebao.registration.choices import EnrolmentStatus, PersonStatus
from shebao.registration.models import Employer, Person

from ..services.wages import MAX_LINES

DATA_SHEET = "工资申报"
COLUMNS = (
    Column("id_number", "社会保障号码", 22, text=True),
    Column("name", "姓名", 12),
    Column("annual_wage", "上年度工资收入(元)", 20, text=True),
    Column("months", "在岗月数(1-12)", 16, text=True),
)
MAX_BYTES = 30 * 1024 * 1024
SPEC = SheetSpec(
    sheet=DATA_SHEET,
    columns=COLUMNS,
    what="工资申报文件",
    max_rows=MAX_LINES,
    max_bytes=MAX_BYTES,
    help_sheet="填写说明",
    error_sheet="错误数据",
    reason_header="错误原因",
)


def _help(year: int, employer: Employer) -> list[tuple[str, str]]:
    return [
        ("1", f"本表用于申报「{employer.name}」{year}缴费年度的缴费工资：填写每名职工{year - 1}年度的工资收入。"),
        ("2", f"「{DATA_SHEET}」工作表已列出本单位在职参保职工，请勿修改第1行表头；不申报的职工可删除该行。"),
        ("3", "上年度工资收入按国家统计局规定的工资总额口径填写（元，最多两位小数，不得为负数）。"),
        ("4", "在岗月数填写1至12的整数（上年度中途入职的按实际在岗月数填写）；月平均工资=工资收入÷在岗月数。"),
        ("5", "社会保障号码列为文本格式，请勿改为数字格式；同一职工只能申报一行。"),
        (
            "6",
            "有任何一行错误时整份申报不予受理，系统会返回带「错误原因」列的文件，修改后可直接再次上传。"
            "未申报工资的职工按缴费基数下限核定。",
        ),
    ]


def declaration_template(employer: Employer, year: int) -> bytes:
    """The template for one unit and year, pre-filled with its active employees (wage blank, 12 months)."""
    people = (
        Person.objects.filter(
            employer=employer,
            status=PersonStatus.ACTIVE,
            enrolments__employer=employer,
            enrolments__status=EnrolmentStatus.ACTIVE,
        )
        .distinct()
        .order_by("id_number")
        .values_list("id_number", "name")
    )
    rows = ((number, name, "", "12") for number, name in people.iterator(chunk_size=2000))
    return core_excel.template_workbook(SPEC, _help(year, employer), rows=rows)


def read_declaration_rows(uploaded) -> list[dict]:
    """The non-empty rows of a filled template (Excel row numbers under 'row'); the file is refused whole when it
    is not an .xlsx within the caps or its header is not the template's."""
    return core_excel.read_rows(uploaded, SPEC)


def error_workbook(rows: list[dict], errors: Iterable) -> bytes:
    """Every uploaded line with its original values and an 错误原因 column filled on the wrong ones.

    A declaration is accepted whole or not at all, so the file holds the correct lines too: fix the marked lines
    and upload the same file again. Written in one streamed pass, every value as text (never a formula).
    """
    reasons: dict[int, list[str]] = {}
    for err in errors:
        messages = reasons.setdefault(int(err.row), [])
        if err.message not in messages:
            messages.append(err.message)
    out = []
    for offset, raw in enumerate(rows):
        number = raw["row"] if type(raw.get("row")) is int else offset + 2
        reason = f"第{number}行：" + "；".join(reasons[number]) if number in reasons else ""
        out.append([core_excel.cell_text(raw.get(c.key)) for c in COLUMNS] + [reason])
    columns = [OutColumn(c.label, c.width, c.text) for c in COLUMNS] + [OutColumn(SPEC.reason_header, 60)]
    return text_sheet(SPEC.error_sheet, columns, out, last_style=REASON)
