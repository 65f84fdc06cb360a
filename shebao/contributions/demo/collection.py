"""Cluster 02 demo data (collection): mandates, a collection file and the bank's answer, counter and online
payments, a collection plan and a monthly arrears ledger — for 上城区, once the monthly assessment has produced
receivables. Without receivables (the assessment area not loaded yet) it adds nothing.
"""

from __future__ import annotations

import hashlib

from django.db.models import Max

from shebao.core.cases import case_approve


def load(ctx) -> None:
    """Collection showcase through the real services (inside seed_demo's transaction)."""
    from shebao.core.models import User
    from shebao.registration.models import Employer

    from ..bench.bank_return import return_file
    from ..models import Receivable
    from ..services.collection_bank import bank_return_import, collection_file_generate
    from ..services.collection_ledger import arrears_ledger_make
    from ..services.collection_mandate import mandate_sign
    from ..services.collection_payments import payment_counter, payment_online
    from ..services.collection_plan import collection_plan_make

    agency = ctx.agencies["sc"]
    latest = Receivable.objects.filter(agency=agency).aggregate(p=Max("period"))["p"]
    if latest is None:
        return
    clerk, reviewer = ctx.staff["sc:clerk"], ctx.staff["sc:reviewer"]
    today = ctx.today
    owing = list(
        Employer.objects.filter(pk__in=Receivable.objects.filter(agency=agency).values("employer_id"))
        .exclude(bank_account="")
        .order_by("pk")[:12]
    )
    if not owing:
        return
    # Eight units pay by bank collection; the month's file goes to the bank, which debits all but one.
    for employer in owing[:8]:
        mandate_sign(
            actor=clerk,
            employer=employer,
            bank_name=employer.bank_name or "中国工商银行杭州分行",
            bank_account=employer.bank_account,
            valid_from=today.replace(day=1).isoformat(),
        )
    collection = collection_file_generate(actor=clerk, agency=agency, period=f"{latest:%Y-%m}")
    bank_return_import(
        actor=clerk,
        agency=agency,
        filename=f"{collection.batch_no}-回盘.csv",
        content=return_file(collection, failed_every=n if (n := collection.record_count) >= 3 else 0),
    )
    # Counter payments: one confirmed (posted, receipt printable), one waiting for the reviewer.
    paying = owing[8:] or owing[:1]
    case = payment_counter(
        actor=clerk,
        employer=paying[0],
        amount="1000.00",
        paid_on=today.isoformat(),
        reference=f"SJ{today:%Y%m%d}0001",
        method="pos",
        note="演示：窗口POS缴费",
    )
    case_approve(actor=reviewer, case=case)
    if len(paying) > 1:
        payment_counter(
            actor=clerk,
            employer=paying[1],
            amount="500.00",
            paid_on=today.isoformat(),
            reference=f"SJ{today:%Y%m%d}0002",
            method="cash",
            note="演示：待复核的现金缴费",
        )
    # The portal's unit pays part of its bill online.
    unit_user = User.objects.filter(username="employer").select_related("employer").first()
    if unit_user and unit_user.employer_id and Receivable.objects.filter(employer_id=unit_user.employer_id).exists():
        order = hashlib.sha256(f"demo-{ctx.seed}".encode()).hexdigest()[:32]
        payment_online(actor=unit_user, employer=unit_user.employer, amount="800.00", request_id=order)
    # The month's plan and arrears ledger, reviewed.
    for make in (collection_plan_make, arrears_ledger_make):
        case_approve(actor=reviewer, case=make(actor=clerk, agency=agency, period=f"{latest:%Y-%m}"))
    ctx.lap("征收演示（托收、回盘、窗口与网上缴费、征收计划、欠费台账）")
    ctx.result.counts["托收单位"] = f"{len(owing[:8])} 个"
