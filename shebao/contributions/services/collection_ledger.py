"""020501 建立欠费台账: the monthly arrears ledger of an agency (and its subtree), reviewed and kept.

The live arrears are a view (`ArrearsLine`, receivables − allocations) and never stored; the monthly ledger is
the record the agency keeps of them: on approval, one line per payer and insurance type with what is owed for the
month and earlier — contributions by part, late fees, and the amounts by ageing bucket as of the month's last day
(or today, for the current month) — written by one INSERT … SELECT.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Count, Sum
from django.utils import timezone

from shebao.core import validation as v
from shebao.core.access import require_grant
from shebao.core.audit import audit_write
from shebao.core.cases import case_open, subject_key
from shebao.core.choices import Action
from shebao.core.errors import ApplicationError
from shebao.core.materials import SubmittedMaterials
from shebao.core.models import Agency, Case
from shebao.core.payloads import Payload, load_payload
from shebao.core.records import channel_for

from ..models import ArrearsLedger, ArrearsLine
from ..selectors.collection import subtree_ids
from .collection import ensure_agency_scope, parse_period
from .collection_alloc import set_based_settings
from .collection_files import month_end

ITEM = "020501"
ZERO = Decimal("0.00")


@dataclass
class ArrearsLedgerPayload(Payload):
    """建立欠费台账: the agency (with its subtree) and the month of the ledger."""

    agency: int
    period: dt.date
    note: str = ""


@transaction.atomic
def arrears_ledger_make(
    *,
    actor,
    agency: Agency,
    period,
    note: str = "",
    channel: str | None = None,
    materials: SubmittedMaterials | None = None,
) -> Case:
    """020501 建立欠费台账: a clerk proposes the month's arrears ledger of an agency; it is written on approval."""
    require_grant(actor, ITEM, Action.HANDLE)
    ensure_agency_scope(actor, agency)
    errors = v.Errors()
    month = errors.capture(parse_period, period, "period", "台账月份")
    text = errors.capture(v.optional, note, "note", "说明", max_length=200)
    errors.raise_if_any()
    if not ArrearsLine.objects.filter(agency_id__in=subtree_ids(agency), period__lte=month).exists():
        raise ApplicationError(f"{agency.name}在{month:%Y年%m月}及以前没有应缴费款，无需建立欠费台账", field="period")
    return case_open(
        actor=actor,
        item_code=ITEM,
        agency=agency,
        channel=channel_for(actor, channel),
        summary=f"建立欠费台账：{agency.name} {month:%Y年%m月}",
        applicant_name=agency.name,
        payload=ArrearsLedgerPayload(agency=agency.pk, period=month, note=text),
        materials=materials,
        keys=[subject_key(ITEM, "ledger", f"{agency.pk}:{month:%Y%m}", field="period", label="该机构该月")],
    )


_LINES = """
INSERT INTO contributions_arrearsledgerline
    (ledger_id, employer_id, person_id, insurance_type_id, oldest_period, employer_arrears, individual_arrears,
     late_fee_arrears, not_due, days_0_30, days_31_90, days_91_180, days_181_365, days_over_365)
SELECT %s, v.employer_id, CASE WHEN v.employer_id IS NULL THEN v.person_id END, v.insurance_type_id, MIN(v.period),
       SUM(CASE WHEN v.line_class = 'principal' THEN v.employer_arrears ELSE 0 END),
       SUM(CASE WHEN v.line_class = 'principal' THEN v.individual_arrears ELSE 0 END),
       SUM(CASE WHEN v.line_class = 'late_fee' THEN v.employer_arrears + v.individual_arrears ELSE 0 END),
       SUM(CASE WHEN v.due_date > %s THEN v.employer_arrears + v.individual_arrears ELSE 0 END),
       SUM(CASE WHEN v.due_date <= %s AND v.due_date >= %s THEN v.employer_arrears + v.individual_arrears ELSE 0 END),
       SUM(CASE WHEN v.due_date < %s AND v.due_date >= %s THEN v.employer_arrears + v.individual_arrears ELSE 0 END),
       SUM(CASE WHEN v.due_date < %s AND v.due_date >= %s THEN v.employer_arrears + v.individual_arrears ELSE 0 END),
       SUM(CASE WHEN v.due_date < %s AND v.due_date >= %s THEN v.employer_arrears + v.individual_arrears ELSE 0 END),
       SUM(CASE WHEN v.due_date < %s THEN v.employer_arrears + v.individual_arrears ELSE 0 END)
FROM contributions_arrearsline v
WHERE v.agency_id IN ({agencies}) AND v.period <= %s AND (v.employer_arrears <> 0 OR v.individual_arrears <> 0)
GROUP BY v.employer_id, CASE WHEN v.employer_id IS NULL THEN v.person_id END, v.insurance_type_id
HAVING SUM(v.employer_arrears + v.individual_arrears) <> 0
"""


def _day(as_of: dt.date, days: int) -> dt.date:
    return as_of - dt.timedelta(days=days)


def apply_arrears_ledger(*, case: Case, actor) -> dict:
    """On approval: write the month's ledger lines from the arrears view in one statement, then its totals."""
    p: ArrearsLedgerPayload = load_payload(case)
    agency = Agency.objects.get(pk=p.agency)
    as_of = min(month_end(p.period), timezone.localdate())
    ledger = ArrearsLedger.objects.create(agency=agency, period=p.period, as_of=as_of, case=case)
    agencies = subtree_ids(agency)
    # Bucket edges as dates (days past due = as_of − due_date): 0–30, 31–90, 91–180, 181–365, over 365.
    params = [
        ledger.pk,
        as_of,
        as_of, _day(as_of, 30),
        _day(as_of, 30), _day(as_of, 90),
        _day(as_of, 90), _day(as_of, 180),
        _day(as_of, 180), _day(as_of, 365),
        _day(as_of, 365),
        *agencies,
        p.period,
    ]  # fmt: skip
    with connection.cursor() as cur, set_based_settings(cur):
        cur.execute(_LINES.format(agencies=", ".join(["%s"] * len(agencies))), params)
    totals = ledger.lines.aggregate(
        e=Sum("employer_arrears"),
        i=Sum("individual_arrears"),
        f=Sum("late_fee_arrears"),
        n=Sum("not_due"),
        lines=Count("id"),
    )
    payers = ledger.lines.values("employer_id", "person_id").distinct().count()
    ArrearsLedger.objects.filter(pk=ledger.pk).update(
        employer_arrears=totals["e"] or ZERO,
        individual_arrears=totals["i"] or ZERO,
        late_fee_arrears=totals["f"] or ZERO,
        not_due=totals["n"] or ZERO,
        payers=payers,
    )
    total = (totals["e"] or ZERO) + (totals["i"] or ZERO) + (totals["f"] or ZERO)
    audit_write(
        actor=actor,
        action="arrears_ledger.make",
        item_code=ITEM,
        object_type="arrears_ledger",
        object_id=ledger.pk,
        after={"agency": agency.code, "period": p.period, "as_of": as_of, "total": total, "payers": payers},
        case=case,
    )
    return {"ledger_id": ledger.pk, "as_of": as_of.isoformat(), "total": str(total), "payers": payers}
