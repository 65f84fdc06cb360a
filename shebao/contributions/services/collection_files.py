"""Exchanged files of 020402 (托收文件, 回盘文件, 应征数据, 入库信息): reading, writing, storing, refusing.

The formats are documented in docs/collection-files.md: UTF-8 CSV (RFC 4180, comma, LF or CRLF), one header
record `H,<format>,…` and detail records `D,…`; amounts in yuan with two decimals; months YYYYMM, days YYYYMMDD.

Imports are all-or-nothing per file: any malformed record, unknown unit, impossible amount or date outside the
period refuses the whole file with a report of every problem (line number, field, Chinese message), kept with the
refused file and downloadable; nothing is posted. Bank results (扣款成功/失败) and records already posted earlier
(重复) are per-record outcomes of an accepted file.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection, transaction

from shebao.core.audit import audit_write
from shebao.core.cases import next_number
from shebao.core.errors import ApplicationError
from shebao.core.models import Sequence
from shebao.core.xlsx_write import OutColumn, text_sheet

from ..choices import BankFileStatus
from ..models import BankFile
from .collection import MAX_AMOUNT

MAX_FILE_BYTES = 64 * 1024 * 1024
IMPORT_LOCK = "collection:file-import"
_AMOUNT = re.compile(r"[0-9]{1,13}\.[0-9]{2}", re.ASCII)
_DAY = re.compile(r"[0-9]{8}", re.ASCII)
_MONTH = re.compile(r"[0-9]{6}", re.ASCII)


@dataclass
class FileProblem:
    """One reason a file is refused: line number (0 for the file as a whole), field and message."""

    line: int
    field: str
    message: str

    def as_dict(self) -> dict:
        return {"line": self.line, "field": self.field, "message": self.message}


@dataclass
class Problems:
    """Collects the problems of a file (at most `limit` listed; the count is exact)."""

    items: list[FileProblem] = field(default_factory=list)
    count: int = 0
    limit: int = 1000

    def add(self, line: int, fld: str, message: str) -> None:
        self.count += 1
        if len(self.items) < self.limit:
            self.items.append(FileProblem(line, fld, message))

    def __bool__(self) -> bool:
        return self.count > 0


class FileRejected(ApplicationError):
    """An imported file was refused: nothing posted; `bank_file` keeps the report (status rejected)."""

    def __init__(self, bank_file: BankFile, problems: Problems):
        first = problems.items[0] if problems.items else FileProblem(0, "file", "文件无效")
        where = f"第{first.line}行：" if first.line else ""
        super().__init__(
            f"文件未导入：发现 {problems.count} 处错误（{where}{first.message}），请修正后重新导入",
            errors={
                "file": [f"第{p.line}行 {p.field}：{p.message}" if p.line else p.message for p in problems.items[:50]]
            },
        )
        self.bank_file = bank_file
        self.problems = problems


def sha256_of(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def read_rows(content: bytes, problems: Problems) -> list[list[str]]:
    """The CSV records of an uploaded file (UTF-8; a BOM is tolerated), or [] with the reason recorded."""
    if not content:
        problems.add(0, "file", "文件为空")
        return []
    if len(content) > MAX_FILE_BYTES:
        problems.add(0, "file", f"文件超过{MAX_FILE_BYTES // 1024 // 1024}MB")
        return []
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        problems.add(0, "file", f"文件编码应为UTF-8（第{exc.start + 1}个字节无法识别）")
        return []
    if "\x00" in text:
        problems.add(0, "file", "文件含有空字符（NUL），不是文本文件")
        return []
    try:
        return [row for row in csv.reader(io.StringIO(text, newline=""), strict=True)]
    except csv.Error as exc:
        problems.add(0, "file", f"CSV 格式错误：{exc}")
        return []


def write_csv(rows) -> bytes:
    """CSV bytes (UTF-8, LF) of the given records."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for row in rows:
        writer.writerow(row)
    return out.getvalue().encode("utf-8")


def parse_file_amount(text: str, line: int, fld: str, label: str, problems: Problems) -> Decimal | None:
    """An amount written 1234.50 (exactly two decimals, not negative, below the bound)."""
    text = (text or "").strip()
    if text.startswith("-"):
        problems.add(line, fld, f"{label}不能为负数（{text}）")
        return None
    if not _AMOUNT.fullmatch(text):
        problems.add(line, fld, f"{label}格式不正确（{text[:20] or '空'}），应为元并保留两位小数，如 1234.50")
        return None
    amount = Decimal(text)
    if amount >= MAX_AMOUNT:
        problems.add(line, fld, f"{label} {text} 超出允许范围，请核对")
        return None
    return amount


def parse_file_day(text: str, line: int, fld: str, label: str, problems: Problems) -> dt.date | None:
    text = (text or "").strip()
    if not _DAY.fullmatch(text):
        problems.add(line, fld, f"{label}格式应为YYYYMMDD（{text[:20] or '空'}）")
        return None
    try:
        return dt.date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        problems.add(line, fld, f"{label} {text} 不是有效日期")
        return None


def parse_file_month(text: str, line: int, fld: str, label: str, problems: Problems) -> dt.date | None:
    text = (text or "").strip()
    if not _MONTH.fullmatch(text) or not 1 <= int(text[4:]) <= 12 or int(text[:4]) < 1990:
        problems.add(line, fld, f"{label}格式应为YYYYMM（{text[:20] or '空'}）")
        return None
    return dt.date(int(text[:4]), int(text[4:]), 1)


def month_end(month: dt.date) -> dt.date:
    nxt = dt.date(month.year + (month.month == 12), month.month % 12 + 1, 1)
    return nxt - dt.timedelta(days=1)


def import_lock() -> None:
    """Serialise file imports (one at a time, whatever the file): the same file or record posts once, also when
    two clerks import at the same moment."""
    Sequence.objects.get_or_create(name=IMPORT_LOCK)
    Sequence.objects.select_for_update().get(name=IMPORT_LOCK)


def batch_number(prefix: str, agency_code: str, period: dt.date) -> str:
    """A batch number such as TS330102202611001 (prefix, agency, month, counter)."""
    n = next_number(f"{prefix}:{agency_code}:{period:%Y%m}")
    return f"{prefix}{agency_code}{period:%Y%m}{n:03d}"


def reject_file(
    *, actor, kind: str, agency, filename: str, content: bytes, problems: Problems, item_code: str, period=None
) -> BankFile:
    """Keep a refused import with its report (its own transaction), then raise FileRejected."""
    with transaction.atomic():
        bank_file = BankFile.objects.create(
            kind=kind,
            agency=agency,
            period=period,
            filename=filename[:200],
            sha256=sha256_of(content),
            content=content[:MAX_FILE_BYTES],
            status=BankFileStatus.REJECTED,
            errors=[p.as_dict() for p in problems.items],
            failed_count=problems.count,
            created_by=actor,
        )
        audit_write(
            actor=actor,
            action="bank_file.reject",
            item_code=item_code,
            object_type="bank_file",
            object_id=bank_file.pk,
            after={"kind": kind, "filename": filename, "sha256": bank_file.sha256, "problems": problems.count},
        )
    raise FileRejected(bank_file, problems)


def insert_rows(model, fields: list[str], rows: list[tuple]) -> None:
    """Insert plain tuples (values in `fields` order, attnames such as "employer_id"): COPY on PostgreSQL."""
    if not rows:
        return
    quote = connection.ops.quote_name
    by_attname = {f.attname: f.column for f in model._meta.concrete_fields}
    columns = ", ".join(quote(by_attname[f]) for f in fields)
    table = quote(model._meta.db_table)
    with connection.wrap_database_errors, connection.cursor() as cur:
        if connection.vendor == "postgresql":
            with cur.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(fields))
            cur.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows)


def reserve_ids(model, count: int) -> list[int]:
    """`count` primary keys for new rows of `model` (PostgreSQL: from its sequence; elsewhere after the largest id,
    which holds because the caller already writes in this transaction and SQLite admits one writer at a time)."""
    if count <= 0:
        return []
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [model._meta.db_table, count],
            )
            return [row[0] for row in cur.fetchall()]
        cur.execute(f"SELECT COALESCE(MAX(id), 0) FROM {connection.ops.quote_name(model._meta.db_table)}")
        start = cur.fetchone()[0] + 1
        return list(range(start, start + count))


def existing_references(channel: str, references: list[str]) -> set[str]:
    """The references already posted on a channel (one query on PostgreSQL)."""
    from ..models import Payment

    if not references:
        return set()
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute(
                "SELECT reference FROM contributions_payment WHERE channel = %s AND reference = ANY(%s)",
                [channel, references],
            )
            return {row[0] for row in cur.fetchall()}
    found: set[str] = set()
    for i in range(0, len(references), 500):
        found.update(
            Payment.objects.filter(channel=channel, reference__in=references[i : i + 500]).values_list(
                "reference", flat=True
            )
        )
    return found


def error_report_xlsx(bank_file: BankFile) -> bytes:
    """The refused file's problems as a workbook: line, field, message."""
    columns = [OutColumn("行号", 8), OutColumn("字段", 16), OutColumn("错误说明", 80)]
    rows = [
        [str(p.get("line") or "（整个文件）"), str(p.get("field", "")), str(p.get("message", ""))]
        for p in bank_file.errors
    ]
    return text_sheet("错误报告", columns, rows)
