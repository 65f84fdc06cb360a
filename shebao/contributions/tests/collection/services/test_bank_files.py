"""020402 银行托收: the collection file for units under mandate, and the bank's return file imported once —
also twice, also concurrently — with malformed files refused whole, nothing half-posted, and a report."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from shebao.contributions.choices import BankFileStatus, BankRecordStatus
from shebao.contributions.models import BankFile, BankRecord, Payment, PaymentAllocation
from shebao.contributions.selectors.collection import arrears_summary
from shebao.contributions.services.collection_bank import bank_return_import, collection_file_generate
from shebao.contributions.services.collection_files import FileRejected, error_report_xlsx
from shebao.contributions.tests.collection.factories import (
    collector,
    csv_bytes,
    mandate,
    receivable,
    return_rows,
)
from shebao.core.errors import ApplicationError, ConflictError, NotFoundError
from shebao.registration.tests.factories import EmployerFactory, PersonFactory
from shebao.testing import count_rows

pytestmark = [pytest.mark.django_db, pytest.mark.catalog("020402")]

D = Decimal


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def batch(clerk, agencies, today):
    """Two units under mandate owing this month (one also last month), one unit paying by itself."""
    period = today.replace(day=1)
    prev = (period - dt.timedelta(days=1)).replace(day=1)
    units = []
    for n in range(2):
        e = EmployerFactory(agency=agencies["a"])
        mandate(e, account=f"62220212020000000{n}1")
        p = PersonFactory(employer=e)
        receivable(employer=e, person=p, period=period, employer_amount="160.00", individual_amount="80.00")
        units.append(e)
    receivable(employer=units[0], person=units[0].employees.first(), period=prev, employer_amount="100.00")
    self_payer = EmployerFactory(agency=agencies["a"])
    receivable(employer=self_payer, person=PersonFactory(employer=self_payer), period=period, employer_amount="50")
    f = collection_file_generate(actor=clerk, agency=agencies["a"], period=f"{period:%Y-%m}")
    return {"file": f, "units": units, "period": period}


def test_collection_file_lists_units_under_mandate_with_what_they_owe(batch, agencies):
    f = batch["file"]
    assert (f.record_count, f.total_amount, f.status) == (2, D("580.00"), BankFileStatus.GENERATED)
    lines = (
        f.content.tobytes().decode().splitlines()
        if hasattr(f.content, "tobytes")
        else bytes(f.content).decode().splitlines()
    )
    assert lines[0].startswith(f"H,SBTS01,{f.batch_no},{agencies['a'].code},{batch['period']:%Y%m},2,580.00,")
    amounts = sorted(r.amount for r in BankRecord.objects.filter(file=f))
    assert amounts == [D("240.00"), D("340.00")]


def test_a_second_collection_file_waits_for_the_first_return(batch, clerk, agencies):
    with pytest.raises(ConflictError) as exc:
        collection_file_generate(actor=clerk, agency=agencies["a"], period=f"{batch['period']:%Y-%m}")
    assert batch["file"].batch_no in exc.value.message


def test_another_districts_clerk_cannot_generate_for_this_agency(clerk_b, agencies, today):
    with pytest.raises(NotFoundError):
        collection_file_generate(actor=clerk_b, agency=agencies["a"], period=f"{today:%Y-%m}")


def test_tax_region_has_no_collection_files(clerk, agencies, today):
    collector("330102", "tax")
    with pytest.raises(ApplicationError) as exc:
        collection_file_generate(actor=clerk, agency=agencies["a"], period=f"{today:%Y-%m}")
    assert "税务机关征收" in exc.value.message


def test_return_file_posts_successes_records_failures_and_applies_money(batch, clerk, agencies, today):
    f, (u1, u2) = batch["file"], batch["units"]
    failed_ref = BankRecord.objects.get(file=f, employer=u2).collection_ref
    content = csv_bytes(return_rows(f, day=today, results={failed_ref: ("1001", "余额不足", "", "0.00", "")}))
    result = bank_return_import(actor=clerk, agency=agencies["a"], filename="hp.csv", content=content)
    assert (result.status, result.success_count, result.failed_count, result.duplicate_count) == ("posted", 1, 1, 0)
    assert result.posted_amount == D("340.00") and not result.already_imported
    assert Payment.objects.get().employer_id == u1.pk
    assert arrears_summary(actor=clerk, employer=u1).total == D("0.00")
    assert arrears_summary(actor=clerk, employer=u2).total == D("240.00")
    failed = BankRecord.objects.get(file=result, employer=u2)
    assert failed.status == BankRecordStatus.FAILED and "余额不足" in failed.message and failed.payment_id is None


def test_the_same_file_twice_changes_nothing(batch, clerk, agencies, today):
    content = csv_bytes(return_rows(batch["file"], day=today))
    first = bank_return_import(actor=clerk, agency=agencies["a"], filename="hp.csv", content=content)
    before = count_rows(Payment, PaymentAllocation, BankRecord, BankFile)
    again = bank_return_import(actor=clerk, agency=agencies["a"], filename="hp-again.csv", content=content)
    assert again.pk == first.pk and again.already_imported
    assert not before.changed()


def test_the_same_record_in_another_file_is_a_duplicate_and_posts_nothing(batch, clerk, agencies, today):
    rows = return_rows(batch["file"], day=today)
    bank_return_import(actor=clerk, agency=agencies["a"], filename="hp.csv", content=csv_bytes(rows))
    rows[1][7] = "成功（重发）"  # the bank resends the batch: other bytes, same bank references
    before = count_rows(Payment, PaymentAllocation)
    second = bank_return_import(actor=clerk, agency=agencies["a"], filename="hp2.csv", content=csv_bytes(rows))
    assert (second.success_count, second.duplicate_count, second.posted_amount) == (0, 2, D("0.00"))
    assert not before.changed()
    assert set(BankRecord.objects.filter(file=second).values_list("status", flat=True)) == {"duplicate"}


def _rejected(clerk, agencies, rows=None, content=None):
    content = content if content is not None else csv_bytes(rows)
    before = count_rows(Payment, PaymentAllocation, BankRecord)
    with pytest.raises(FileRejected) as exc:
        bank_return_import(actor=clerk, agency=agencies["a"], filename="bad.csv", content=content)
    assert not before.changed(), "a refused file posts nothing"
    kept = exc.value.bank_file
    assert kept.status == BankFileStatus.REJECTED and kept.errors
    return exc.value, kept


def test_malformed_files_are_refused_whole_with_line_numbers(batch, clerk, agencies, today):
    f = batch["file"]
    rows = return_rows(f, day=today)
    other = EmployerFactory(agency=agencies["a"])
    rows[1][5] = "-340.00"  # negative
    rows[2][3] = other.reg_no  # another unit than the one asked
    rows.append(["D", "3", "NOPE", "9999999999", "6222", "10.00", "0000", "成功", "BKX", f"{today:%Y%m%d}"])
    rows.append(["D", "bad"])
    error, kept = _rejected(clerk, agencies, rows)
    messages = {(p["line"], p["field"]): p["message"] for p in kept.errors}
    assert "不能为负数" in messages[(2, "amount")]
    assert "与托收记录" in messages[(3, "reg_no")]
    assert "未知的参保单位" in messages[(4, "collection_ref")]
    assert "10个字段" in messages[(5, "record")]
    assert "第2行" in error.message or "第2行" in " ".join(error.errors["file"])
    assert error_report_xlsx(kept)[:2] == b"PK"


@pytest.mark.parametrize(
    ("change", "field", "text"),
    [
        (lambda rows, today: rows[1].__setitem__(5, "99999999999.00"), "amount", "超出允许范围"),
        (lambda rows, today: rows[1].__setitem__(5, "12.5"), "amount", "两位小数"),
        (lambda rows, today: rows[1].__setitem__(5, "1.00"), "amount", "与托收金额"),
        (lambda rows, today: rows[1].__setitem__(9, "20190101"), "paid_on", "不在托收期间内"),
        (
            lambda rows, today: rows[1].__setitem__(9, f"{today + dt.timedelta(days=1):%Y%m%d}"),
            "paid_on",
            "不在托收期间内",
        ),
        (lambda rows, today: rows[1].__setitem__(9, "20261345"), "paid_on", "不是有效日期"),
        (lambda rows, today: rows[0].__setitem__(5, "9"), "count", "记录数"),
        (lambda rows, today: rows[0].__setitem__(6, "1.00"), "total", "成功金额合计"),
        (lambda rows, today: rows[0].__setitem__(2, "TS000"), "batch_no", "不存在"),
        (lambda rows, today: rows[2].__setitem__(8, rows[1][8]), "reference", "重复出现"),
    ],
)
def test_each_kind_of_bad_record_is_named(batch, clerk, agencies, today, change, field, text):
    rows = return_rows(batch["file"], day=today)
    change(rows, today)
    _, kept = _rejected(clerk, agencies, rows)
    assert any(p["field"] == field and text in p["message"] for p in kept.errors), kept.errors


def test_not_utf8_or_empty_files_are_refused(batch, clerk, agencies, today):
    rows = return_rows(batch["file"], day=today)
    _, kept = _rejected(clerk, agencies, content="\n".join(",".join(r) for r in rows).encode("gbk"))
    assert "UTF-8" in kept.errors[0]["message"]
    _, kept = _rejected(clerk, agencies, content=b"")
    assert kept.errors[0]["message"] == "文件为空"


@pytest.mark.django_db(transaction=True)
def test_the_same_file_imported_concurrently_posts_once(clerk, agencies, today):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises writers on the whole database")
    period = today.replace(day=1)
    units = [EmployerFactory(agency=agencies["a"]) for _ in range(3)]
    for u in units:
        mandate(u)
        receivable(employer=u, person=PersonFactory(employer=u), period=period, employer_amount="100.00")
    f = collection_file_generate(actor=clerk, agency=agencies["a"], period=f"{period:%Y-%m}")
    content = csv_bytes(return_rows(f, day=today))
    barrier, results, errors = threading.Barrier(2), [], []

    def importer():
        try:
            barrier.wait(timeout=10)
            results.append(bank_return_import(actor=clerk, agency=agencies["a"], filename="hp.csv", content=content))
        except Exception as exc:  # reported to the main thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=importer) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    assert sorted(r.already_imported for r in results) == [False, True]
    assert len({r.pk for r in results}) == 1
    assert Payment.objects.count() == 3 and BankFile.objects.filter(kind="return").count() == 1
    assert PaymentAllocation.objects.count() == 3
