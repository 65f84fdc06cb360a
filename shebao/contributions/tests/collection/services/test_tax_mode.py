"""020402 in tax-collection mode (acceptance 6): a region set to `tax` exports the assessment, imports the tax
authority's collection records twice (posted once), and the reconciliation lists a planted difference."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.utils import timezone

from shebao.contributions.choices import BankFileKind
from shebao.contributions.models import BankFile, BankRecord, Payment, PaymentAllocation
from shebao.contributions.selectors.collection import arrears_summary
from shebao.contributions.services.collection_files import FileRejected
from shebao.contributions.services.collection_payments import payment_counter
from shebao.contributions.services.collection_tax import tax_export, tax_import, tax_reconcile
from shebao.contributions.tests.collection.factories import collector, csv_bytes, receivable
from shebao.core.errors import ApplicationError
from shebao.registration.choices import PersonCategory
from shebao.registration.tests.factories import EmployerFactory, PersonFactory
from shebao.testing import count_rows

pytestmark = [pytest.mark.django_db, pytest.mark.catalog("020402")]

D = Decimal


@pytest.fixture
def tax_region(agencies):
    """上城区 collects through the tax authority: two units and a flexible worker assessed for this month."""
    collector("330102", "tax")
    period = timezone.localdate().replace(day=1)
    units = []
    for _ in range(2):
        e = EmployerFactory(agency=agencies["a"])
        for p in (PersonFactory(employer=e), PersonFactory(employer=e)):
            receivable(
                employer=e, person=p, itype="110", period=period, employer_amount="160.00", individual_amount="80.00"
            )
            receivable(
                employer=e, person=p, itype="310", period=period, employer_amount="50.00", individual_amount="10.00"
            )
        units.append(e)
    flexible = PersonFactory(employer=None, agency=agencies["a"], category=PersonCategory.FLEXIBLE)
    receivable(person=flexible, itype="110", period=period, individual_amount="900.00")
    return {"units": units, "flexible": flexible, "period": period}


def _records(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8"))))


def _collection_file(region, agency, *, plant_short: bool = False) -> bytes:
    """入库信息 as the tax authority returns it: one record per payer and type, as assessed — or, planted, one
    record 10 yuan short and one missing."""
    today = timezone.localdate()
    u1, u2 = region["units"]
    month = f"{region['period']:%Y%m}"
    day = f"{today:%Y%m%d}"
    rows = [
        ["D", "1", "3330012600001", u1.uscc, "110", month, "320.00", "160.00", day],
        ["D", "2", "3330012600001", u1.uscc, "310", month, "100.00", "20.00", day],
        ["D", "3", "3330012600002", u2.uscc, "110", month, "320.00", "150.00" if plant_short else "160.00", day],
        ["D", "4", "3330012600003", region["flexible"].id_number, "110", month, "0.00", "900.00", day],
    ]
    if not plant_short:  # the planted file also leaves out the second unit's medical insurance
        rows.append(["D", "5", "3330012600002", u2.uscc, "310", month, "100.00", "20.00", day])
    total = sum(D(r[6]) + D(r[7]) for r in rows)
    return csv_bytes([["H", "SBRK01", agency.code, f"{today:%Y%m}", str(len(rows)), f"{total:.2f}"], *rows])


def test_export_lists_assessed_amounts_per_unit_person_and_type(tax_region, clerk, agencies):
    f = tax_export(actor=clerk, agency=agencies["a"], period=f"{tax_region['period']:%Y-%m}")
    rows = _records(bytes(f.content))
    assert rows[0][:2] == ["H", "SBYZ01"] and rows[0][5] == "9"
    assert (rows[0][6], rows[0][7]) == ("840.00", "1260.00")
    u1 = tax_region["units"][0]
    mine = [r for r in rows[1:] if r[2] == u1.uscc]
    assert len(mine) == 4 and {r[6] for r in mine} == {"110", "310"}
    assert all(len(r[4]) == 18 for r in mine)  # the person's ID number, as the tax authority needs it
    assert f.kind == BankFileKind.TAX_EXPORT


def test_import_twice_posts_once_and_reconciliation_lists_the_planted_difference(tax_region, clerk, agencies):
    content = _collection_file(tax_region, agencies["a"], plant_short=True)
    first = tax_import(actor=clerk, agency=agencies["a"], filename="rk.csv", content=content)
    assert (first.success_count, first.posted_amount) == (4, D("1970.00"))
    before = count_rows(Payment, PaymentAllocation, BankRecord)
    again = tax_import(actor=clerk, agency=agencies["a"], filename="rk-again.csv", content=content)
    assert again.already_imported and again.pk == first.pk
    assert not before.changed()
    u1, u2 = tax_region["units"]
    assert arrears_summary(actor=clerk, employer=u1).total == D("0.00")
    assert arrears_summary(actor=clerk, employer=u2).total == D("130.00")  # 10 short on 110, 310 not collected
    assert arrears_summary(actor=clerk, person=tax_region["flexible"]).total == D("0.00")

    report = tax_reconcile(actor=clerk, agency=agencies["a"], period=f"{tax_region['period']:%Y-%m}")
    found = {(d["employer_id"], d["insurance_type"]): d for d in report["differences"]}
    assert set(found) == {(u2.pk, "110"), (u2.pk, "310")}
    assert found[(u2.pk, "110")]["kind"] == "differs" and found[(u2.pk, "110")]["difference"] == D("-10.00")
    assert found[(u2.pk, "310")]["kind"] == "missing" and found[(u2.pk, "310")]["kind_label"] == "税务未入库"
    assert (report["assessed"], report["collected"]) == (D("2100.00"), D("1970.00"))


def test_a_record_posted_by_an_earlier_file_is_a_duplicate(tax_region, clerk, agencies):
    content = _collection_file(tax_region, agencies["a"])
    tax_import(actor=clerk, agency=agencies["a"], filename="rk.csv", content=content)
    rows = _records(content)
    extra_unit = tax_region["units"][1]
    rows.append(["D", "6", "3330012600009", extra_unit.uscc, "410", rows[1][5], "12.00", "0.00", rows[1][8]])
    rows[0][4], rows[0][5] = "6", f"{D(rows[0][5]) + D('12.00'):.2f}"
    second = tax_import(actor=clerk, agency=agencies["a"], filename="rk2.csv", content=csv_bytes(rows))
    assert (second.success_count, second.duplicate_count) == (1, 5)
    report = tax_reconcile(actor=clerk, agency=agencies["a"], period=f"{tax_region['period']:%Y-%m}")
    assert [(d["insurance_type"], d["kind"]) for d in report["differences"]] == [("410", "extra")]


def test_bad_collection_records_refuse_the_file(tax_region, clerk, agencies):
    rows = _records(_collection_file(tax_region, agencies["a"]))
    rows[1][3] = "91330000000000000X"  # unknown unit
    rows[2][6] = "-1.00"
    rows[3][8] = "20190101"
    before = count_rows(Payment, BankRecord)
    with pytest.raises(FileRejected) as exc:
        tax_import(actor=clerk, agency=agencies["a"], filename="bad.csv", content=csv_bytes(rows))
    assert not before.changed()
    fields = {(p["line"], p["field"]) for p in exc.value.bank_file.errors}
    assert {(2, "payer"), (3, "employer_amount"), (4, "paid_on")} <= fields


def test_where_the_tax_authority_collects_the_agency_takes_no_money(tax_region, clerk):
    with pytest.raises(ApplicationError) as exc:
        payment_counter(
            actor=clerk,
            employer=tax_region["units"][0],
            amount="100.00",
            paid_on=timezone.localdate().isoformat(),
            reference="C1",
        )
    assert "税务机关征收" in exc.value.message


def test_agency_regions_do_not_exchange_with_the_tax_authority(clerk, agencies, unit):
    receivable(employer=unit, person=unit.staff[0], period=timezone.localdate().replace(day=1), employer_amount="1")
    with pytest.raises(ApplicationError):
        tax_export(actor=clerk, agency=agencies["a"], period=f"{timezone.localdate():%Y-%m}")
    assert not BankFile.objects.exists()
