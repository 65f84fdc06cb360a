"""Test helpers of collection: receivable lines written directly (the monthly assessment is another area's work).

`receivable(...)` appends one ledger line as the assessment would; `collector(region, value)` sets the dated
parameter `contribution.collector` for a region (the shipped YAML belongs to the rules area).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from shebao.contributions.choices import ReceivableKind
from shebao.contributions.models import Receivable
from shebao.core.models import Parameter


def month(text: str) -> dt.date:
    """'2026-03' → date(2026, 3, 1)."""
    year, mon = text.split("-")
    return dt.date(int(year), int(mon), 1)


def receivable(
    *,
    employer=None,
    person=None,
    itype: str = "110",
    period: dt.date | str = "2026-01",
    employer_amount: str | Decimal = "0.00",
    individual_amount: str | Decimal = "0.00",
    kind: str = ReceivableKind.ASSESSMENT,
    due_date: dt.date | None = None,
    agency=None,
    base: str | Decimal = "0.00",
) -> Receivable:
    """One receivable line (person × type × month) as the monthly assessment writes it; due on day 15."""
    if isinstance(period, str):
        period = month(period)
    agency = agency or (employer.agency if employer else person.agency)
    return Receivable.objects.create(
        kind=kind,
        agency=agency,
        employer=employer,
        person=person,
        insurance_type_id=itype,
        period=period,
        base=Decimal(base),
        employer_amount=Decimal(employer_amount),
        individual_amount=Decimal(individual_amount),
        due_date=due_date or period.replace(day=15),
    )


def collector(region: str | None, value: str, since: dt.date = dt.date(2019, 1, 1)) -> Parameter:
    """Set `contribution.collector` (agency | tax) for a region from a date."""
    return Parameter.objects.update_or_create(
        key="contribution.collector",
        region_id=region,
        effective_from=since,
        defaults={"value": value, "unit": "方式", "legal_reference": "社会保险费征缴暂行条例第六条"},
    )[0]


def mandate(employer, *, account: str = "6222021202000000001", since: dt.date | None = None):
    """A 托收协议 of the unit written directly (the act under test goes through the services)."""
    from django.contrib.auth import get_user_model

    from shebao.contributions.models import CollectionMandate

    user = get_user_model().objects.filter(agency=employer.agency).first() or get_user_model().objects.first()
    return CollectionMandate.objects.create(
        employer=employer,
        bank_name="中国工商银行杭州分行",
        bank_account=account,
        valid_from=since or dt.date(2020, 1, 1),
        created_by=user,
    )


def return_rows(collection_file, *, day: dt.date, results: dict | None = None) -> list[list[str]]:
    """The bank's answer to a collection file as CSV rows: every record debited in full on `day`, unless
    `results[collection_ref]` gives (code, message, bank reference, amount text, day text) for it."""
    from shebao.contributions.models import BankRecord

    results = results or {}
    rows = []
    total = Decimal("0.00")
    records = BankRecord.objects.filter(file=collection_file).select_related("employer").order_by("line_no")
    for seq, rec in enumerate(records, start=1):
        code, message, bank_ref, amount, when = results.get(
            rec.collection_ref, ("0000", "成功", f"BK{rec.collection_ref}", f"{rec.amount:.2f}", f"{day:%Y%m%d}")
        )
        if code == "0000":
            total += Decimal(amount)
        rows.append(
            ["D", str(seq), rec.collection_ref, rec.employer.reg_no, rec.account, amount, code, message, bank_ref, when]
        )
    head = [
        "H",
        "SBHP01",
        collection_file.batch_no,
        collection_file.agency.code,
        f"{collection_file.period:%Y%m}",
        str(len(rows)),
        f"{total:.2f}",
    ]
    return [head, *rows]


def csv_bytes(rows: list[list[str]]) -> bytes:
    """CSV bytes as the bank sends them (UTF-8, CRLF)."""
    import csv
    import io

    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return out.getvalue().encode("utf-8")
