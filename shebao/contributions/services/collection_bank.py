"""020402 银行托收: mandates (托收协议), the monthly collection file for the bank, the bank's return file.

Return files are imported all-or-nothing (see `collection_files`): every record must answer a record of the
collection batch it names (托收流水号, unit, account and amount as requested), with a bank reference and a debit
date inside the collection window (the period's month or the next, not before the batch was made, not in the
future). Imports are serialised; a file already posted (same SHA-256) is found and nothing changes; a record
whose bank reference was posted before is reported 重复 and not posted again (`Payment` is unique per channel and
reference).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import F, Sum
from django.utils import timezone

from shebao.core.access import require_grant
from shebao.core.audit import audit_write, mask_account
from shebao.core.choices import Action
from shebao.core.errors import ApplicationError, ConflictError
from shebao.core.models import Agency
from shebao.registration.choices import EmployerStatus
from shebao.registration.models import Employer

from ..choices import BankFileKind, BankFileStatus, BankRecordStatus, PaymentChannel
from ..models import ArrearsLine, BankFile, BankRecord, CollectionMandate, Payment
from ..selectors.collection import subtree_ids
from .collection import ensure_agency_collects, ensure_agency_scope, parse_period
from .collection_alloc import allocate_payers, lock_payers, set_based_settings
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
ZERO = Decimal("0.00")
PAYMENT_FIELDS = [
    "id",
    "agency_id",
    "employer_id",
    "person_id",
    "channel",
    "reference",
    "amount",
    "paid_on",
    "case_id",
    "created_by_id",
    "created_at",
]
RECORD_FIELDS = [
    "file_id",
    "line_no",
    "employer_id",
    "reference",
    "collection_ref",
    "account",
    "period",
    "amount",
    "paid_on",
    "status",
    "message",
    "payment_id",
    "employer_amount",
    "individual_amount",
]
COLLECTION_FORMAT, RETURN_FORMAT = "SBTS01", "SBHP01"
SUCCESS = "0000"


# --------------------------------------------------------------------------------------------------------------
# 托收文件
# --------------------------------------------------------------------------------------------------------------


def collection_amounts(agency: Agency, period: dt.date, *, on: dt.date) -> list[tuple]:
    """(employer id, reg_no, name, bank, account, amount) of every unit under mandate in the agency subtree that
    owes something for `period` or earlier (contributions and late fees)."""
    mandates = {
        m["employer_id"]: m
        for m in CollectionMandate.objects.filter(
            employer__agency__path__startswith=agency.path,
            employer__status=EmployerStatus.ACTIVE,
            valid_from__lte=on,
            ended_on__isnull=True,
        ).values("employer_id", "bank_name", "bank_account", "employer__reg_no", "employer__name")
    }
    if not mandates:
        return []
    owed = (
        ArrearsLine.objects.filter(agency_id__in=subtree_ids(agency), period__lte=period, employer__isnull=False)
        .values("employer_id")
        .annotate(amount=Sum(F("employer_arrears") + F("individual_arrears")))
        .filter(amount__gt=0)
        .order_by("employer_id")
    )
    with connection.cursor() as cursor, set_based_settings(cursor):
        owed = list(owed)
    rows = []
    for row in owed:
        m = mandates.get(row["employer_id"])
        if m is not None:
            rows.append(
                (
                    row["employer_id"],
                    m["employer__reg_no"],
                    m["employer__name"],
                    m["bank_name"],
                    m["bank_account"],
                    row["amount"],
                )
            )
    return rows


@transaction.atomic
def collection_file_generate(*, actor, agency: Agency, period) -> BankFile:
    """020402 生成托收文件: one record per unit under mandate that owes for the month (or earlier), for its bank."""
    require_grant(actor, ITEM, Action.HANDLE)
    ensure_agency_scope(actor, agency)
    today = timezone.localdate()
    month = parse_period(period, "period", "费款所属期", today=today)
    ensure_agency_collects(agency.region_id, today)
    open_batch = (
        BankFile.objects.filter(kind=BankFileKind.COLLECTION, agency=agency, period=month)
        .exclude(returns__status=BankFileStatus.POSTED)
        .first()
    )
    if open_batch is not None:
        raise ConflictError(
            f"{month:%Y年%m月}的托收文件（批次号 {open_batch.batch_no}）尚未导入银行回盘，不能重复生成", field="period"
        )
    rows = collection_amounts(agency, month, on=today)
    if not rows:
        raise ApplicationError("没有签订托收协议且有应缴费款的单位，无需生成托收文件", field="period")
    batch = batch_number("TS", agency.code, month)
    total = sum((r[5] for r in rows), Decimal("0.00"))
    lines = [
        ["H", COLLECTION_FORMAT, batch, agency.code, f"{month:%Y%m}", str(len(rows)), f"{total:.2f}", f"{today:%Y%m%d}"]
    ]
    records = []
    for seq, (employer_id, reg_no, name, bank, account, amount) in enumerate(rows, start=1):
        ref = f"{batch}{seq:06d}"
        lines.append(["D", str(seq), ref, reg_no, name, bank, account, f"{amount:.2f}"])
        records.append((seq + 1, employer_id, "", ref, account, month, amount, None, "requested", "", None, ZERO, ZERO))
    content = write_csv(lines)
    bank_file = BankFile.objects.create(
        kind=BankFileKind.COLLECTION,
        agency=agency,
        period=month,
        batch_no=batch,
        filename=f"{batch}.csv",
        sha256=sha256_of(content),
        content=content,
        status=BankFileStatus.GENERATED,
        record_count=len(rows),
        total_amount=total,
        created_by=actor,
    )
    insert_rows(BankRecord, RECORD_FIELDS, [(bank_file.pk, *r) for r in records])
    audit_write(
        actor=actor,
        action="bank_file.generate",
        item_code=ITEM,
        object_type="bank_file",
        object_id=bank_file.pk,
        after={"batch": batch, "period": month, "records": len(rows), "total": total},
    )
    return bank_file


# --------------------------------------------------------------------------------------------------------------
# 银行回盘文件
# --------------------------------------------------------------------------------------------------------------


def _check_header(rows, agency, problems: Problems) -> tuple[BankFile | None, int, Decimal]:
    head = rows[0] if rows else []
    if len(head) != 7 or head[0] != "H" or head[1] != RETURN_FORMAT:
        problems.add(1, "header", f"首行应为回盘文件头“H,{RETURN_FORMAT},批次号,机构编码,所属期,记录数,成功金额合计”")
        return None, 0, Decimal(0)
    batch, agency_code, period_text, count_text, total_text = head[2:7]
    collection = (
        BankFile.objects.filter(
            kind=BankFileKind.COLLECTION, batch_no=batch.strip(), agency__path__startswith=agency.path
        )
        .select_related("agency")
        .first()
    )
    if collection is None:
        problems.add(1, "batch_no", f"托收批次号 {batch[:40]} 不存在（或不属于本机构）")
    elif agency_code.strip() != collection.agency.code:
        problems.add(1, "agency", f"机构编码 {agency_code[:20]} 与托收批次的机构 {collection.agency.code} 不符")
    period = parse_file_month(period_text, 1, "period", "费款所属期", problems)
    if collection is not None and period is not None and period != collection.period:
        problems.add(1, "period", f"所属期 {period:%Y%m} 与托收批次的所属期 {collection.period:%Y%m} 不符")
    count = int(count_text) if count_text.strip().isdigit() else -1
    if count < 0:
        problems.add(1, "count", "记录数应为非负整数")
    total = parse_file_amount(total_text, 1, "total", "成功金额合计", problems)
    return collection, count, total or Decimal(0)


def _parse_return(rows, collection: BankFile | None, problems: Problems, today: dt.date) -> list[dict]:
    requested = {
        r["collection_ref"]: r
        for r in (
            collection.records.values(
                "collection_ref", "employer_id", "employer__reg_no", "employer__agency_id", "account", "amount"
            )
            if collection
            else []
        )
    }
    settled = (  # collection ref → bank reference of an earlier successful debit
        dict(
            BankRecord.objects.filter(
                file__collection_file=collection, file__status=BankFileStatus.POSTED, status=BankRecordStatus.SUCCESS
            ).values_list("collection_ref", "reference")
        )
        if collection
        else {}
    )
    window_start = max(collection.period, timezone.localtime(collection.created_at).date()) if collection else None
    window_end = min(month_end(collection.period.replace(day=28) + dt.timedelta(days=4)), today) if collection else None
    out, seen_refs, seen_bank = [], set(), set()
    for index, row in enumerate(rows[1:], start=2):
        if not row or (len(row) == 1 and not row[0].strip()):
            continue
        if len(row) != 10 or row[0] != "D":
            problems.add(index, "record", f"明细记录应为10个字段、以 D 开头（实际 {len(row)} 个字段）")
            continue
        _, _seq, ref, reg_no, account, amount_text, code, message, bank_ref, day_text = (c.strip() for c in row)
        req = requested.get(ref)
        if req is None:
            known = Employer.objects.filter(reg_no=reg_no).exists() if reg_no else False
            reason = "托收流水号不存在于该批次" if known else f"未知的参保单位（登记编号 {reg_no[:20] or '空'}）"
            problems.add(index, "collection_ref", f"{reason}（托收流水号 {ref[:40] or '空'}）")
            continue
        if ref in seen_refs:
            problems.add(index, "collection_ref", f"托收流水号 {ref} 在文件中重复出现")
        seen_refs.add(ref)
        if reg_no != req["employer__reg_no"]:
            problems.add(index, "reg_no", f"单位登记编号 {reg_no[:20]} 与托收记录（{req['employer__reg_no']}）不符")
        if account != req["account"]:
            problems.add(index, "account", f"扣款账号 {mask_account(account)} 与托收记录不符")
        amount = parse_file_amount(amount_text, index, "amount", "扣款金额", problems)
        if not (len(code) == 4 and code.isascii() and code.isdigit()):
            problems.add(index, "result", f"处理结果代码应为4位数字（{code[:10] or '空'}）")
            continue
        ok = code == SUCCESS
        day = parse_file_day(day_text, index, "paid_on", "扣款日期", problems) if ok or day_text else None
        if ok:
            if amount is not None and amount != req["amount"]:
                problems.add(index, "amount", f"扣款金额 {amount:.2f} 与托收金额 {req['amount']:.2f} 不符")
            if not bank_ref or len(bank_ref) > 64 or not bank_ref.replace("-", "").isalnum() or not bank_ref.isascii():
                problems.add(index, "reference", "扣款成功的记录应有银行流水号（字母、数字，最长64位）")
            elif bank_ref in seen_bank:
                problems.add(index, "reference", f"银行流水号 {bank_ref} 在文件中重复出现")
            seen_bank.add(bank_ref)
            if ref in settled and settled[ref] != bank_ref:
                problems.add(index, "collection_ref", f"托收流水号 {ref} 已在此前的回盘文件中扣款成功，不能再次扣款")
            if day is not None and not (window_start <= day <= window_end):
                problems.add(
                    index,
                    "paid_on",
                    f"扣款日期 {day:%Y%m%d} 不在托收期间内（{window_start:%Y%m%d}–{window_end:%Y%m%d}）",
                )
        elif amount is not None and amount not in (Decimal("0.00"), req["amount"]):
            problems.add(index, "amount", f"扣款失败的记录金额应为0或托收金额（实际 {amount:.2f}）")
        out.append(
            {
                "line": index,
                "ref": ref,
                "employer_id": req["employer_id"],
                "agency_id": req["employer__agency_id"],
                "account": account,
                "amount": req["amount"],
                "ok": ok,
                "code": code,
                "message": message[:150],
                "bank_ref": bank_ref,
                "day": day,
            }
        )
    return out


def bank_return_import(*, actor, agency: Agency, filename: str, content: bytes) -> BankFile:
    """020402 导入银行回盘文件: post the successful debits and apply them; record the failures.

    All-or-nothing per file: a refused file posts nothing and is kept with its error report (`FileRejected`).
    The same file again (same SHA-256) returns the posted file with `already_imported = True`; a record whose
    bank reference was posted before is 重复 and posts nothing. Imports are serialised (`import_lock`).
    """
    require_grant(actor, ITEM, Action.HANDLE)
    ensure_agency_scope(actor, agency)
    today = timezone.localdate()
    ensure_agency_collects(agency.region_id, today, field="file")
    digest = sha256_of(content)
    with transaction.atomic():
        import_lock()
        done = BankFile.objects.filter(
            kind=BankFileKind.BANK_RETURN, sha256=digest, status=BankFileStatus.POSTED
        ).first()
        if done is not None:
            done.already_imported = True
            return done
        problems = Problems()
        rows = read_rows(content, problems)
        collection, count, total = _check_header(rows, agency, problems) if rows else (None, 0, Decimal(0))
        records = _parse_return(rows, collection, problems, today) if rows and collection else []
        if rows and not problems:
            if count != len(records):
                problems.add(1, "count", f"文件头记录数 {count} 与明细记录数 {len(records)} 不符")
            success_total = sum((r["amount"] for r in records if r["ok"]), Decimal("0.00"))
            if total != success_total:
                problems.add(1, "total", f"文件头成功金额合计 {total:.2f} 与明细合计 {success_total:.2f} 不符")
        if not problems:
            return _post_return(actor, agency, collection, filename, content, digest, records)
    return reject_file(
        actor=actor,
        kind=BankFileKind.BANK_RETURN,
        agency=agency,
        filename=filename,
        content=content,
        problems=problems,
        item_code=ITEM,
        period=collection.period if collection else None,
    )


def _post_return(actor, agency, collection, filename, content, digest, records) -> BankFile:
    posted_refs = existing_references(PaymentChannel.BANK_COLLECTION, [r["bank_ref"] for r in records if r["ok"]])
    fresh = [r for r in records if r["ok"] and r["bank_ref"] not in posted_refs]
    lock_payers(employer_ids=[r["employer_id"] for r in fresh])
    bank_file = BankFile.objects.create(
        kind=BankFileKind.BANK_RETURN,
        agency=agency,
        period=collection.period,
        batch_no=collection.batch_no,
        collection_file=collection,
        filename=filename[:200],
        sha256=digest,
        content=content,
        status=BankFileStatus.POSTED,
        created_by=actor,
        record_count=len(records),
    )
    now = timezone.now()
    ids = dict(zip((r["bank_ref"] for r in fresh), reserve_ids(Payment, len(fresh)), strict=True))
    insert_rows(
        Payment,
        PAYMENT_FIELDS,
        [
            (ids[r["bank_ref"]], r["agency_id"], r["employer_id"], None, PaymentChannel.BANK_COLLECTION.value,
             r["bank_ref"], r["amount"], r["day"], None, actor.pk, now)
            for r in fresh
        ],
    )  # fmt: skip
    outcome = Counter()
    rows = []
    for r in records:
        if not r["ok"]:
            status, message = BankRecordStatus.FAILED, f"{r['code']} {r['message']}".strip()
        elif r["bank_ref"] in posted_refs:
            status, message = BankRecordStatus.DUPLICATE, "该银行流水号此前已入账，本次未重复入账"
        else:
            status, message = BankRecordStatus.SUCCESS, "扣款成功，已入账"
        outcome[status] += 1
        rows.append(
            (bank_file.pk, r["line"], r["employer_id"], r["bank_ref"], r["ref"], r["account"], collection.period,
             r["amount"] if r["ok"] else ZERO, r["day"], status.value, message,
             ids.get(r["bank_ref"]) if status == BankRecordStatus.SUCCESS else None, ZERO, ZERO)
        )  # fmt: skip
    insert_rows(BankRecord, RECORD_FIELDS, rows)
    allocations = allocate_payers(employer_ids=[r["employer_id"] for r in fresh])
    posted = sum((r["amount"] for r in fresh), Decimal("0.00"))
    BankFile.objects.filter(pk=bank_file.pk).update(
        success_count=outcome[BankRecordStatus.SUCCESS],
        failed_count=outcome[BankRecordStatus.FAILED],
        duplicate_count=outcome[BankRecordStatus.DUPLICATE],
        posted_amount=posted,
        total_amount=posted,
    )
    bank_file.refresh_from_db()
    audit_write(
        actor=actor,
        action="bank_file.import",
        item_code=ITEM,
        object_type="bank_file",
        object_id=bank_file.pk,
        after={
            "batch": collection.batch_no,
            "sha256": digest,
            "records": len(records),
            "posted": posted,
            "success": outcome[BankRecordStatus.SUCCESS],
            "failed": outcome[BankRecordStatus.FAILED],
            "duplicate": outcome[BankRecordStatus.DUPLICATE],
            "allocations": allocations,
        },
    )
    bank_file.already_imported = False
    return bank_file
