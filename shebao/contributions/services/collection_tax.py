"""020402 in tax-collection mode (税务征收): the assessed amounts go to the tax authority, its collection records
(入库信息) come back, are posted once, applied to the type and month they name, and reconciled.

Which mode a region is in is the dated parameter `contribution.collector` (`agency` | `tax`). Formats: see
docs/collection-files.md (应征数据 SBYZ01, 入库信息 SBRK01). Imports follow the same rules as the bank's return
files: serialised, all-or-nothing per file, the same bytes posted once, the same tax record (voucher, type, month)
posted once (`Payment` unique on channel and reference).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from decimal import Decimal

from django.db import transaction
from django.db.models import Max, Q, Sum
from django.utils import timezone

from shebao.core.access import require_grant
from shebao.core.audit import audit_write
from shebao.core.choices import Action
from shebao.core.errors import ApplicationError
from shebao.core.models import Agency
from shebao.registration.models import Employer, InsuranceType, Person

from ..choices import BankFileKind, BankFileStatus, BankRecordStatus, PaymentChannel, ReceivableKind
from ..models import BankFile, BankRecord, Payment, Receivable
from ..selectors.collection import subtree_ids
from .collection import ensure_agency_scope, ensure_tax_collects, parse_period
from .collection_alloc import allocate_tax_payments, lock_payers
from .collection_bank import PAYMENT_FIELDS
from .collection_files import (
    Problems,
    batch_number,
    existing_references,
    import_lock,
    insert_rows,
    month_end,
    parse_file_amount,
    parse_file_day,
    parse_file_month,
    read_rows,
    reject_file,
    reserve_ids,
    sha256_of,
    write_csv,
)

ITEM = "020402"
EXPORT_FORMAT, IMPORT_FORMAT = "SBYZ01", "SBRK01"
ZERO = Decimal("0.00")
TAX_RECORD_FIELDS = ["file_id", "line_no", "employer_id", "person_id", "reference", "collection_ref", "account",
                     "insurance_type_id", "period", "amount", "employer_amount", "individual_amount", "paid_on",
                     "status", "message", "payment_id"]  # fmt: skip


def _assessed(agency: Agency, period: dt.date):
    """Receivable lines of the month in the agency subtree, late fees aside (the tax authority charges its own)."""
    return Receivable.objects.filter(agency_id__in=subtree_ids(agency), period=period).exclude(
        kind=ReceivableKind.LATE_FEE
    )


@transaction.atomic
def tax_export(*, actor, agency: Agency, period) -> BankFile:
    """020402 应征数据（报税务）: the assessed amounts of a month per unit, person and type, for the tax authority."""
    require_grant(actor, ITEM, Action.HANDLE)
    ensure_agency_scope(actor, agency)
    today = timezone.localdate()
    month = parse_period(period, "period", "费款所属期", today=today)
    ensure_tax_collects(agency.region_id, today, field="period")
    rows = list(
        _assessed(agency, month)
        .values(
            "employer__uscc",
            "employer__name",
            "person__id_number",
            "person__name",
            "insurance_type_id",
            "employer_id",
            "person_id",
        )
        .annotate(base=Max("base"), e=Sum("employer_amount"), i=Sum("individual_amount"))
        .order_by("employer_id", "person_id", "insurance_type_id")
    )
    if not rows:
        raise ApplicationError(f"{month:%Y年%m月}没有核定的应缴费款，无需报送", field="period")
    batch = batch_number("YZ", agency.code, month)
    e_total = sum((r["e"] for r in rows), ZERO)
    i_total = sum((r["i"] for r in rows), ZERO)
    lines = [
        ["H", EXPORT_FORMAT, batch, agency.code, f"{month:%Y%m}", str(len(rows)), f"{e_total:.2f}", f"{i_total:.2f}"]
    ]
    for seq, r in enumerate(rows, start=1):
        lines.append(
            [
                "D",
                str(seq),
                r["employer__uscc"] or "",
                r["employer__name"] or "",
                r["person__id_number"] or "",
                r["person__name"] or "",
                r["insurance_type_id"],
                f"{month:%Y%m}",
                f"{r['base'] or ZERO:.2f}",
                f"{r['e']:.2f}",
                f"{r['i']:.2f}",
            ]
        )
    content = write_csv(lines)
    bank_file = BankFile.objects.create(
        kind=BankFileKind.TAX_EXPORT,
        agency=agency,
        period=month,
        batch_no=batch,
        filename=f"{batch}.csv",
        sha256=sha256_of(content),
        content=content,
        status=BankFileStatus.GENERATED,
        record_count=len(rows),
        total_amount=e_total + i_total,
        created_by=actor,
    )
    audit_write(
        actor=actor,
        action="bank_file.tax_export",
        item_code=ITEM,
        object_type="bank_file",
        object_id=bank_file.pk,
        after={"batch": batch, "period": month, "records": len(rows), "total": e_total + i_total},
    )
    return bank_file


def _payers(agency: Agency, rows) -> tuple[dict, dict]:
    """Units (by USCC) and persons paying alone (by ID number) of the agency subtree named in the file."""
    codes = sorted({(r[3] or "").strip().upper() for r in rows if len(r) == 9})
    units, persons = {}, {}  # code → (id, agency id)
    for i in range(0, len(codes), 5000):
        chunk = codes[i : i + 5000]
        for uscc, pk, agency_id in Employer.objects.filter(
            agency__path__startswith=agency.path, uscc__in=chunk
        ).values_list("uscc", "pk", "agency_id"):
            units[uscc] = (pk, agency_id)
        for number, pk, agency_id in Person.objects.filter(
            agency__path__startswith=agency.path, employer__isnull=True, id_number__in=chunk
        ).values_list("id_number", "pk", "agency_id"):
            persons[number] = (pk, agency_id)
    return units, persons


def _parse_import(rows, agency: Agency, problems: Problems, today: dt.date) -> tuple[dt.date | None, list[dict]]:
    head = rows[0]
    if len(head) != 6 or head[0] != "H" or head[1] != IMPORT_FORMAT:
        problems.add(1, "header", f"首行应为入库信息文件头“H,{IMPORT_FORMAT},机构编码,入库月份,记录数,金额合计”")
        return None, []
    if head[2].strip() != agency.code:
        problems.add(1, "agency", f"机构编码 {head[2][:20]} 与导入机构 {agency.code} 不符")
    month = parse_file_month(head[3], 1, "period", "入库月份", problems)
    if month is not None and month > today.replace(day=1):
        problems.add(1, "period", "入库月份不能晚于本月")
    count = int(head[4]) if head[4].strip().isdigit() else -1
    total = parse_file_amount(head[5], 1, "total", "金额合计", problems)
    types = set(InsuranceType.objects.values_list("code", flat=True))
    units, persons = _payers(agency, rows[1:])
    out, seen = [], set()
    for index, row in enumerate(rows[1:], start=2):
        if not row or (len(row) == 1 and not row[0].strip()):
            continue
        if len(row) != 9 or row[0] != "D":
            problems.add(index, "record", f"明细记录应为9个字段、以 D 开头（实际 {len(row)} 个字段）")
            continue
        _, _seq, voucher, payer, itype, period_text, e_text, i_text, day_text = (c.strip() for c in row)
        if not (voucher and len(voucher) <= 40 and voucher.isascii() and voucher.isalnum()):
            problems.add(index, "voucher", "电子税票号码应为字母或数字（最长40位）")
        payer = payer.upper()
        (employer_id, unit_agency), (person_id, person_agency) = (
            units.get(payer, (None, None)),
            persons.get(payer, (None, None)),
        )
        if employer_id is None and person_id is None:
            problems.add(index, "payer", f"未知的缴费单位或个人（识别号 {payer[:20] or '空'}），或不属于本机构")
        if itype not in types:
            problems.add(index, "insurance_type", f"险种编码 {itype[:10] or '空'} 无效")
        period = parse_file_month(period_text, index, "period", "费款所属期", problems)
        if period is not None and month is not None and period > month:
            problems.add(index, "period", f"费款所属期 {period:%Y%m} 晚于入库月份 {month:%Y%m}")
        e = parse_file_amount(e_text, index, "employer_amount", "单位缴费金额", problems)
        i = parse_file_amount(i_text, index, "individual_amount", "个人缴费金额", problems)
        if e is not None and i is not None and e + i == 0:
            problems.add(index, "amount", "入库金额不能为0")
        day = parse_file_day(day_text, index, "paid_on", "入库日期", problems)
        if day is not None and month is not None and not (month <= day <= min(month_end(month), today)):
            problems.add(index, "paid_on", f"入库日期 {day:%Y%m%d} 不在入库月份 {month:%Y%m} 内（或晚于今天）")
        key = (voucher, itype, period)
        if key in seen:
            problems.add(index, "voucher", f"税票 {voucher} 的险种 {itype}、所属期 {period_text} 在文件中重复出现")
        seen.add(key)
        out.append(
            {
                "line": index,
                "voucher": voucher,
                "employer_id": employer_id,
                "person_id": person_id,
                "agency_id": unit_agency or person_agency,
                "itype": itype,
                "period": period,
                "e": e or ZERO,
                "i": i or ZERO,
                "day": day,
            }
        )
    if not problems:
        if count != len(out):
            problems.add(1, "count", f"文件头记录数 {count} 与明细记录数 {len(out)} 不符")
        amount = sum((r["e"] + r["i"] for r in out), ZERO)
        if total is not None and total != amount:
            problems.add(1, "total", f"文件头金额合计 {total:.2f} 与明细合计 {amount:.2f} 不符")
    return month, out


def tax_import(*, actor, agency: Agency, filename: str, content: bytes) -> BankFile:
    """020402 导入税务入库信息: post each collection record once and apply it to the type and month it names.

    All-or-nothing per file (a refused file is kept with its report: `FileRejected`); the same file again returns
    the posted file with `already_imported = True`; a record posted before (voucher, type, month) is 重复.
    """
    require_grant(actor, ITEM, Action.HANDLE)
    ensure_agency_scope(actor, agency)
    today = timezone.localdate()
    ensure_tax_collects(agency.region_id, today, field="file")
    digest = sha256_of(content)
    month = None
    with transaction.atomic():
        import_lock()
        done = BankFile.objects.filter(
            kind=BankFileKind.TAX_IMPORT, sha256=digest, status=BankFileStatus.POSTED
        ).first()
        if done is not None:
            done.already_imported = True
            return done
        problems = Problems()
        rows = read_rows(content, problems)
        records = []
        if rows:
            month, records = _parse_import(rows, agency, problems, today)
        if not problems:
            return _post_import(actor, agency, month, filename, content, digest, records)
    return reject_file(
        actor=actor,
        kind=BankFileKind.TAX_IMPORT,
        agency=agency,
        filename=filename,
        content=content,
        problems=problems,
        item_code=ITEM,
        period=month,
    )


def _reference(r: dict) -> str:
    return f"{r['voucher']}:{r['itype']}:{r['period']:%Y%m}"


def _post_import(actor, agency, month, filename, content, digest, records) -> BankFile:
    posted = existing_references(PaymentChannel.TAX, [_reference(r) for r in records])
    fresh = [r for r in records if _reference(r) not in posted]
    lock_payers(
        employer_ids=[r["employer_id"] for r in fresh if r["employer_id"]],
        person_ids=[r["person_id"] for r in fresh if r["person_id"]],
    )
    bank_file = BankFile.objects.create(
        kind=BankFileKind.TAX_IMPORT,
        agency=agency,
        period=month,
        filename=filename[:200],
        sha256=digest,
        content=content,
        status=BankFileStatus.POSTED,
        record_count=len(records),
        created_by=actor,
    )
    now = timezone.now()
    ids = dict(zip((_reference(r) for r in fresh), reserve_ids(Payment, len(fresh)), strict=True))
    insert_rows(
        Payment,
        PAYMENT_FIELDS,
        [
            (ids[_reference(r)], r["agency_id"], r["employer_id"], None if r["employer_id"] else r["person_id"],
             PaymentChannel.TAX.value, _reference(r), r["e"] + r["i"], r["day"], None, actor.pk, now)
            for r in fresh
        ],
    )  # fmt: skip
    outcome = Counter()
    rows = []
    for r in records:
        ref = _reference(r)
        duplicate = ref in posted
        status = BankRecordStatus.DUPLICATE if duplicate else BankRecordStatus.SUCCESS
        outcome[status] += 1
        rows.append(
            (bank_file.pk, r["line"], r["employer_id"], None if r["employer_id"] else r["person_id"], ref, "", "",
             r["itype"], r["period"], r["e"] + r["i"], r["e"], r["i"], r["day"], status.value,
             "该入库记录此前已入账，本次未重复入账" if duplicate else "已入账", None if duplicate else ids[ref])
        )  # fmt: skip
    insert_rows(BankRecord, TAX_RECORD_FIELDS, rows)
    allocations = allocate_tax_payments(file_id=bank_file.pk)
    amount = sum((r["e"] + r["i"] for r in fresh), ZERO)
    BankFile.objects.filter(pk=bank_file.pk).update(
        success_count=outcome[BankRecordStatus.SUCCESS],
        duplicate_count=outcome[BankRecordStatus.DUPLICATE],
        posted_amount=amount,
        total_amount=sum((r["e"] + r["i"] for r in records), ZERO),
    )
    bank_file.refresh_from_db()
    audit_write(
        actor=actor,
        action="bank_file.tax_import",
        item_code=ITEM,
        object_type="bank_file",
        object_id=bank_file.pk,
        after={
            "sha256": digest,
            "records": len(records),
            "posted": amount,
            "duplicate": outcome["duplicate"],
            "allocations": allocations,
        },
    )
    bank_file.already_imported = False
    return bank_file


DIFFERENCE_KINDS = {"missing": "税务未入库", "extra": "无对应核定", "differs": "金额不符"}


def tax_reconcile(*, actor, agency: Agency, period) -> dict:
    """020402 征收对账: assessed amounts of a month against the tax authority's posted records, per payer and type.

    Lists every difference — 税务未入库 (assessed, nothing collected), 无对应核定 (collected, nothing assessed),
    金额不符 (either part differs) — with the totals of both sides. Reads only.
    """
    require_grant(actor, ITEM, Action.VIEW)
    ensure_agency_scope(actor, agency)
    month = parse_period(period, "period", "费款所属期")
    assessed = _by_payer(_assessed(agency, month), "employer_amount", "individual_amount")
    collected_rows = BankRecord.objects.filter(
        file__kind=BankFileKind.TAX_IMPORT,
        file__status=BankFileStatus.POSTED,
        status=BankRecordStatus.SUCCESS,
        period=month,
    ).filter(Q(employer__agency__path__startswith=agency.path) | Q(person__agency__path__startswith=agency.path))
    collected = _by_payer(collected_rows, "employer_amount", "individual_amount")
    differences = []
    for k in sorted(set(assessed) | set(collected), key=lambda x: (x[0] or 0, x[1] or 0, x[2])):
        a, c = assessed.get(k), collected.get(k)
        if a is not None and c is None:
            kind = "missing" if a[0] + a[1] != 0 else None
        elif a is None:
            kind = "extra"
        else:
            kind = "differs" if a != c else None
        if kind:
            a, c = a or (ZERO, ZERO), c or (ZERO, ZERO)
            differences.append(
                {
                    "employer_id": k[0],
                    "person_id": k[1],
                    "insurance_type": k[2],
                    "kind": kind,
                    "kind_label": DIFFERENCE_KINDS[kind],
                    "assessed_employer": a[0],
                    "assessed_individual": a[1],
                    "collected_employer": c[0],
                    "collected_individual": c[1],
                    "difference": (c[0] + c[1]) - (a[0] + a[1]),
                }
            )
    _label_payers(differences)
    return {
        "period": month,
        "assessed": sum((a[0] + a[1] for a in assessed.values()), ZERO),
        "collected": sum((c[0] + c[1] for c in collected.values()), ZERO),
        "matched": len(set(assessed) & set(collected)) - sum(1 for d in differences if d["kind"] == "differs"),
        "differences": differences,
    }


def _by_payer(qs, e_field: str, i_field: str) -> dict:
    """(employer id, person id paying alone, insurance type) → (employer part, individual part) of a queryset."""
    out = {}
    units = qs.filter(employer__isnull=False).values("employer_id", "insurance_type_id")
    for r in units.annotate(e=Sum(e_field), i=Sum(i_field)).order_by():
        out[(r["employer_id"], None, r["insurance_type_id"])] = (r["e"], r["i"])
    alone = qs.filter(employer__isnull=True).values("person_id", "insurance_type_id")
    for r in alone.annotate(e=Sum(e_field), i=Sum(i_field)).order_by():
        out[(None, r["person_id"], r["insurance_type_id"])] = (r["e"], r["i"])
    return out


def _label_payers(rows: list[dict]) -> None:
    units = dict(
        Employer.objects.filter(pk__in={r["employer_id"] for r in rows if r["employer_id"]}).values_list("pk", "name")
    )
    persons = dict(
        Person.objects.filter(pk__in={r["person_id"] for r in rows if r["person_id"]}).values_list("pk", "name")
    )
    for r in rows:
        r["payer"] = units.get(r["employer_id"]) if r["employer_id"] else persons.get(r["person_id"], "")
