"""020501: the ledgers agree — `manage.py contributions check-ledgers`.

Four set-based checks over the receivable ledger, the payments and their allocations, and the arrears view:

1. per payer (unit, or a person paying alone) and in total: Σ receivables = Σ allocations + Σ arrears;
2. no allocation exceeds its line: per line and part, what was applied lies between 0 and the line's amount;
3. no payment is over-allocated: what was applied lies between 0 and the payment's amount;
4. no payment is applied to another payer's line;
5. every reference of the foreign-key-free tables holds: each allocation's payment and receivable line, and each
   bank or tax record's file and payment, exist.

Nothing is written; a failing check lists each offending row with a Chinese explanation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection

from shebao.core.money import to_fen

ZERO = Decimal("0.00")

_PAYER_TOTALS = """
SELECT employer_id, pp, SUM(rec) AS rec, SUM(alloc) AS alloc, SUM(arr) AS arr
FROM (
    SELECT r.employer_id, CASE WHEN r.employer_id IS NULL THEN r.person_id END AS pp,
           r.employer_amount + r.individual_amount AS rec, 0 AS alloc, 0 AS arr
    FROM contributions_receivable r {where_r}
    UNION ALL
    SELECT r.employer_id, CASE WHEN r.employer_id IS NULL THEN r.person_id END,
           0, a.employer_part + a.individual_part, 0
    FROM contributions_paymentallocation a JOIN contributions_receivable r ON r.id = a.receivable_id {where_r}
    UNION ALL
    SELECT v.employer_id, CASE WHEN v.employer_id IS NULL THEN v.person_id END,
           0, 0, v.employer_arrears + v.individual_arrears
    FROM contributions_arrearsline v {where_v}
) t
GROUP BY employer_id, pp
"""

_LINE_OVER = """
SELECT r.id, r.employer_id, r.person_id, r.period, r.insurance_type_id,
       r.employer_amount, r.individual_amount, SUM(a.employer_part), SUM(a.individual_part)
FROM contributions_receivable r JOIN contributions_paymentallocation a ON a.receivable_id = r.id {where_r}
GROUP BY r.id, r.employer_id, r.person_id, r.period, r.insurance_type_id, r.employer_amount, r.individual_amount
HAVING ROUND(SUM(a.employer_part), 2) > CASE WHEN r.employer_amount > 0 THEN r.employer_amount ELSE 0 END
    OR ROUND(SUM(a.employer_part), 2) < CASE WHEN r.employer_amount < 0 THEN r.employer_amount ELSE 0 END
    OR ROUND(SUM(a.individual_part), 2) > CASE WHEN r.individual_amount > 0 THEN r.individual_amount ELSE 0 END
    OR ROUND(SUM(a.individual_part), 2) < CASE WHEN r.individual_amount < 0 THEN r.individual_amount ELSE 0 END
ORDER BY r.id
"""

_PAYMENT_OVER = """
SELECT p.id, p.channel, p.reference, p.employer_id, p.amount, SUM(a.employer_part + a.individual_part)
FROM contributions_payment p JOIN contributions_paymentallocation a ON a.payment_id = p.id {where_p}
GROUP BY p.id, p.channel, p.reference, p.employer_id, p.amount
HAVING ROUND(SUM(a.employer_part + a.individual_part), 2) > CASE WHEN p.amount > 0 THEN p.amount ELSE 0 END
    OR ROUND(SUM(a.employer_part + a.individual_part), 2) < CASE WHEN p.amount < 0 THEN p.amount ELSE 0 END
ORDER BY p.id
"""

_CROSS = """
SELECT a.id, a.payment_id, p.employer_id, p.person_id, a.receivable_id, r.employer_id, r.person_id
FROM contributions_paymentallocation a
JOIN contributions_payment p ON p.id = a.payment_id
JOIN contributions_receivable r ON r.id = a.receivable_id
WHERE (COALESCE(p.employer_id, 0) <> COALESCE(r.employer_id, 0)
   OR (p.employer_id IS NULL AND COALESCE(p.person_id, 0) <> COALESCE(r.person_id, 0))) {and_r}
ORDER BY a.id
"""


_DANGLING = """
SELECT 'allocation', a.id, 'payment', a.payment_id FROM contributions_paymentallocation a
WHERE NOT EXISTS (SELECT 1 FROM contributions_payment p WHERE p.id = a.payment_id)
UNION ALL
SELECT 'allocation', a.id, 'receivable', a.receivable_id FROM contributions_paymentallocation a
WHERE NOT EXISTS (SELECT 1 FROM contributions_receivable r WHERE r.id = a.receivable_id)
UNION ALL
SELECT 'bank_record', b.id, 'payment', b.payment_id FROM contributions_bankrecord b
WHERE b.payment_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM contributions_payment p WHERE p.id = b.payment_id)
UNION ALL
SELECT 'bank_record', b.id, 'file', b.file_id FROM contributions_bankrecord b
WHERE NOT EXISTS (SELECT 1 FROM contributions_bankfile f WHERE f.id = b.file_id)
ORDER BY 1, 2
"""

_DANGLING_LABELS = {
    ("allocation", "payment"): ("冲抵明细", "缴费记录"),
    ("allocation", "receivable"): ("冲抵明细", "应收明细"),
    ("bank_record", "payment"): ("交换文件记录", "缴费记录"),
    ("bank_record", "file"): ("交换文件记录", "交换文件"),
}


@dataclass
class LedgerCheck:
    """What `check_ledgers` found: the totals and every problem (empty when the ledgers agree)."""

    receivables: Decimal = ZERO
    allocations: Decimal = ZERO
    arrears: Decimal = ZERO
    payers: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict:
        return {
            "ok": self.ok,
            "payers": self.payers,
            "receivables": str(self.receivables),
            "allocations": str(self.allocations),
            "arrears": str(self.arrears),
            "problems": self.problems,
        }


def _payer_label(employer_id, person_id) -> str:
    return f"单位ID {employer_id}" if employer_id is not None else f"个人缴费参保人ID {person_id}"


def check_ledgers(*, employer_ids: list[int] | None = None, limit: int = 200) -> LedgerCheck:
    """Prove that the receivable ledger, the allocations and the arrears agree (per payer and in total)."""
    params: list = []
    where_r = where_v = where_p = and_r = ""
    if employer_ids:
        marks = ", ".join(["%s"] * len(employer_ids))
        where_r = f"WHERE r.employer_id IN ({marks})"
        where_v = f"WHERE v.employer_id IN ({marks})"
        where_p = f"WHERE p.employer_id IN ({marks})"
        and_r = f"AND (r.employer_id IN ({marks}) OR p.employer_id IN ({marks}))"
        params = list(employer_ids)
    report = LedgerCheck()
    with connection.cursor() as cur:
        cur.execute(_PAYER_TOTALS.format(where_r=where_r, where_v=where_v), params * 3)
        for employer_id, person_id, rec, alloc, arr in cur.fetchall():
            rec, alloc, arr = (to_fen(Decimal(str(v or 0))) for v in (rec, alloc, arr))
            report.payers += 1
            report.receivables += rec
            report.allocations += alloc
            report.arrears += arr
            if rec != alloc + arr and len(report.problems) < limit:
                report.problems.append(
                    f"{_payer_label(employer_id, person_id)}：应收合计 {rec:.2f} ≠ 已冲抵 {alloc:.2f} + 欠费 {arr:.2f}"
                )
        if report.receivables != report.allocations + report.arrears:
            report.problems.append(
                f"全部：应收合计 {report.receivables:.2f} ≠ 已冲抵 {report.allocations:.2f} + 欠费 {report.arrears:.2f}"
            )
        cur.execute(_LINE_OVER.format(where_r=where_r), params)
        for rid, emp, per, period, itype, ea, ia, ep, ip in cur.fetchmany(limit):
            report.problems.append(
                f"应收明细ID {rid}（{_payer_label(emp, per)}，{str(period)[:7]}，险种 {itype}）冲抵超过应收："
                f"单位部分应收 {Decimal(ea):.2f}、已冲抵 {Decimal(ep):.2f}；个人部分应收 {Decimal(ia):.2f}、"
                f"已冲抵 {Decimal(ip):.2f}"
            )
        cur.execute(_PAYMENT_OVER.format(where_p=where_p), params)
        for pid, channel, ref, emp, amount, applied in cur.fetchmany(limit):
            report.problems.append(
                f"缴费记录ID {pid}（{channel}:{ref}，单位ID {emp}）冲抵金额 {Decimal(applied):.2f} "
                f"超过缴费金额 {Decimal(amount):.2f}"
            )
        cur.execute(_CROSS.format(and_r=and_r), params * 2 if employer_ids else [])
        for aid, pid, p_emp, p_per, rid, r_emp, r_per in cur.fetchmany(limit):
            report.problems.append(
                f"冲抵明细ID {aid}：缴费记录ID {pid}（{_payer_label(p_emp, p_per)}）冲抵了"
                f"应收明细ID {rid}（{_payer_label(r_emp, r_per)}），缴费主体不一致"
            )
        cur.execute(_DANGLING)
        for table, row_id, ref, ref_id in cur.fetchmany(limit):
            what, target = _DANGLING_LABELS[(table, ref)]
            report.problems.append(f"{what}ID {row_id} 引用的{target}ID {ref_id} 不存在")
    return report
