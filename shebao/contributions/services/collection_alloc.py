"""020402 冲抵: applying money received to what is owed, set-based, in one documented order.

Order (docs/decisions.md, "Allocation order"): oldest month first; within a month the contributions before the
late fees on them; within those the individual parts (withheld from wages) before the employer parts; then by
insurance type, person and ledger line. The money applied comes from the payer's payments oldest first (paid date,
then id), including what earlier payments left over (credit). Tax records are applied by their own rule (the
type and month the tax authority names, `allocate_tax_payments`), never to other dues.

Each line part may take at most what is still open on it, and a group of lines (payer, person, type, month,
class, part) at most what the group still owes — a negative adjustment lowers what the group can take. The whole
computation is one SQL statement per call (window functions and an interval overlap of cumulative sums), so the
same code serves one counter payment and a bank file of 100,000 records.

Concurrency: callers lock the payers' rows first (`lock_payers`), so two postings, or a posting and a receivable
writer, never allocate against the same open amounts at once. Anyone appending receivable lines for a payer takes
the same lock.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable

from django.db import connection
from django.utils import timezone

from shebao.registration.models import Employer, Person

PAYER_TABLE = "contributions_alloc_payer"


def _overlap(a_start: str, a_end: str, b_start: str, b_end: str) -> str:
    """SQL for the length of the overlap of [a_start, a_end) and [b_start, b_end), 0 when they do not meet."""
    low = f"(CASE WHEN {a_start} > {b_start} THEN {a_start} ELSE {b_start} END)"
    high = f"(CASE WHEN {a_end} < {b_end} THEN {a_end} ELSE {b_end} END)"
    return f"(CASE WHEN {high} > {low} THEN {high} - {low} ELSE 0 END)"


# One row per ledger line of the payers, with what is still open on each part (individual, employer), in fen as
# whole numbers (the sums over hundreds of thousands of rows run on integers, exactly). The money
# already applied is read through the payers' own payments (a consistent ledger applies no other money to them),
# so the allocation table is reached by its payment index, however large it grows.
_OPEN = """
lines AS (
    SELECT r.id, r.employer_id AS pe, 0 AS pp, r.agency_id, r.employer_id, r.person_id,
           r.insurance_type_id AS itype, r.period, CASE WHEN r.kind = 'late_fee' THEN 1 ELSE 0 END AS lf,
           CAST(ROUND(r.employer_amount * 100) AS BIGINT) AS ea, CAST(ROUND(r.individual_amount * 100) AS BIGINT) AS ia
    FROM contributions_receivable r
    WHERE r.employer_id IN (SELECT pe FROM {payers} WHERE pe > 0)
    UNION ALL
    SELECT r.id, 0, r.person_id, r.agency_id, r.employer_id, r.person_id,
           r.insurance_type_id, r.period, CASE WHEN r.kind = 'late_fee' THEN 1 ELSE 0 END,
           CAST(ROUND(r.employer_amount * 100) AS BIGINT), CAST(ROUND(r.individual_amount * 100) AS BIGINT)
    FROM contributions_receivable r
    WHERE r.employer_id IS NULL AND r.person_id IN (SELECT pp FROM {payers} WHERE pp > 0)
),
ppay AS (
    SELECT p.id, COALESCE(p.employer_id, 0) AS pe,
           CASE WHEN p.employer_id IS NULL THEN p.person_id ELSE 0 END AS pp, p.paid_on,
           CAST(ROUND(p.amount * 100) AS BIGINT) AS amount, p.channel
    FROM contributions_payment p
    WHERE p.employer_id IN (SELECT pe FROM {payers} WHERE pe > 0)
       OR (p.employer_id IS NULL AND p.person_id IN (SELECT pp FROM {payers} WHERE pp > 0))
),
pal AS (
    SELECT a.payment_id, a.receivable_id,
           CAST(ROUND(a.employer_part * 100) AS BIGINT) AS employer_part,
           CAST(ROUND(a.individual_part * 100) AS BIGINT) AS individual_part
    FROM contributions_paymentallocation a
    WHERE a.payment_id IN (SELECT id FROM ppay)
),
paid AS (
    SELECT receivable_id, SUM(employer_part) AS ep, SUM(individual_part) AS ip FROM pal GROUP BY receivable_id
),
opened AS (
    SELECT l.id, l.pe, l.pp, l.agency_id, l.employer_id, l.person_id, l.itype, l.period, l.lf, l.ea, l.ia,
           COALESCE(pd.ep, 0) AS de, COALESCE(pd.ip, 0) AS di,
           CASE WHEN l.ea > COALESCE(pd.ep, 0) THEN l.ea - COALESCE(pd.ep, 0) ELSE 0 END AS rem_e,
           CASE WHEN l.ia > COALESCE(pd.ip, 0) THEN l.ia - COALESCE(pd.ip, 0) ELSE 0 END AS rem_i
    FROM lines l LEFT JOIN paid pd ON pd.receivable_id = l.id
),
"""

# Without negative lines every line part may take what is still open on it.
_SIMPLE = """
caps AS (
    SELECT id, pe, pp, period, lf, itype, COALESCE(person_id, 0) AS person_key, rem_e AS cap_e, rem_i AS cap_i
    FROM opened
),
"""

# Where a payer has a negative line (an adjustment or reversal), a group (payer, person, type, month, class) takes
# on each part at most what the group still owes on it in total, line by line in id order.
_GROUP = "PARTITION BY agency_id, employer_id, person_id, itype, period, lf"
_CAPPED = f"""
capw AS (
    SELECT o.*,
           SUM(ea - de) OVER ({_GROUP}) AS gopen_e,
           SUM(ia - di) OVER ({_GROUP}) AS gopen_i,
           COALESCE(SUM(rem_e) OVER ({_GROUP} ORDER BY id ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0)
               AS before_e,
           COALESCE(SUM(rem_i) OVER ({_GROUP} ORDER BY id ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0)
               AS before_i
    FROM opened o
),
caps AS (
    SELECT id, pe, pp, period, lf, itype, COALESCE(person_id, 0) AS person_key,
           CASE WHEN gopen_e - before_e <= 0 THEN 0 WHEN gopen_e - before_e < rem_e THEN gopen_e - before_e
                ELSE rem_e END AS cap_e,
           CASE WHEN gopen_i - before_i <= 0 THEN 0 WHEN gopen_i - before_i < rem_i THEN gopen_i - before_i
                ELSE rem_i END AS cap_i
    FROM capw
),
"""

# Each line's two parts get their place in the payer's queue: months in order, in each month the contributions
# then the late fees, and in each of those first every individual part, then every employer part (by type,
# person, line). The payer's money, oldest payment first, fills the queue; a line takes the overlap.
_PLACE = """
pos AS (
    SELECT id, pe, pp, cap_i, cap_e,
           SUM(cap_i + cap_e) OVER (PARTITION BY pe, pp ORDER BY period, lf)
             - SUM(cap_i + cap_e) OVER (PARTITION BY pe, pp, period, lf) AS before_grp,
           SUM(cap_i) OVER (PARTITION BY pe, pp, period, lf) AS grp_i,
           SUM(cap_i) OVER (PARTITION BY pe, pp, period, lf ORDER BY itype, person_key, id
                            ROWS UNBOUNDED PRECEDING) AS cum_i,
           SUM(cap_e) OVER (PARTITION BY pe, pp, period, lf ORDER BY itype, person_key, id
                            ROWS UNBOUNDED PRECEDING) AS cum_e
    FROM caps WHERE cap_i > 0 OR cap_e > 0
),
slots AS (
    SELECT id, pe, pp, cap_i, cap_e, before_grp + cum_i AS end_i, before_grp + grp_i + cum_e AS end_e FROM pos
),
pays AS (
    SELECT p.id, p.pe, p.pp, p.paid_on, p.amount - COALESCE(u.used, 0) AS avail
    FROM ppay p
    LEFT JOIN (SELECT payment_id, SUM(employer_part + individual_part) AS used FROM pal GROUP BY payment_id) u
      ON u.payment_id = p.id
    WHERE p.channel NOT IN ('tax', 'refund')
),
paycum AS (
    SELECT id, pe, pp, avail,
           SUM(avail) OVER (PARTITION BY pe, pp ORDER BY paid_on, id ROWS UNBOUNDED PRECEDING) AS p_end
    FROM pays WHERE avail > 0
),
overlap AS (
    SELECT pc.id AS payment_id, s.id AS receivable_id,
           {amt_i} AS amt_i,
           {amt_e} AS amt_e
    FROM slots s
    JOIN paycum pc ON pc.pe = s.pe AND pc.pp = s.pp
    WHERE (s.cap_i > 0 AND s.end_i - s.cap_i < pc.p_end AND pc.p_end - pc.avail < s.end_i)
       OR (s.cap_e > 0 AND s.end_e - s.cap_e < pc.p_end AND pc.p_end - pc.avail < s.end_e)
)
INSERT INTO contributions_paymentallocation (payment_id, receivable_id, employer_part, individual_part, created_at)
SELECT payment_id, receivable_id, ROUND(amt_e / 100.0, 2), ROUND(amt_i / 100.0, 2), %s FROM overlap
""".format(
    amt_i=_overlap("s.end_i - s.cap_i", "s.end_i", "pc.p_end - pc.avail", "pc.p_end"),
    amt_e=_overlap("s.end_e - s.cap_e", "s.end_e", "pc.p_end - pc.avail", "pc.p_end"),
)

_HAS_NEGATIVE = """
SELECT 1 FROM contributions_receivable r
WHERE (r.employer_amount < 0 OR r.individual_amount < 0)
  AND (r.employer_id IN (SELECT pe FROM {payers} WHERE pe > 0)
       OR (r.employer_id IS NULL AND r.person_id IN (SELECT pp FROM {payers} WHERE pp > 0)))
LIMIT 1
"""

# The tax rule's statement ends in the same insert as the general one.
_INSERT = """
INSERT INTO contributions_paymentallocation (payment_id, receivable_id, employer_part, individual_part, created_at)
SELECT payment_id, receivable_id,
       ROUND(SUM(CASE WHEN part = 1 THEN amt ELSE 0 END), 2),
       ROUND(SUM(CASE WHEN part = 0 THEN amt ELSE 0 END), 2), %s
FROM overlap
GROUP BY payment_id, receivable_id
"""


@contextlib.contextmanager
def set_based_settings(cursor):
    """For one large statement on PostgreSQL: no JIT (compiling it costs more than running it) and sorts in memory;
    the previous values come back afterwards."""
    if connection.vendor != "postgresql":
        yield
        return
    cursor.execute("SELECT current_setting('jit'), current_setting('work_mem')")
    jit, work_mem = cursor.fetchone()
    cursor.execute("SELECT set_config('jit', 'off', true), set_config('work_mem', '128MB', true)")
    try:
        yield
    finally:
        cursor.execute("SELECT set_config('jit', %s, true), set_config('work_mem', %s, true)", [jit, work_mem])


def _inserted(cursor) -> int:
    """Rows the last statement inserted (SQLite's driver reports -1 for a statement that starts with WITH)."""
    if cursor.rowcount >= 0:
        return cursor.rowcount
    cursor.execute("SELECT changes()")
    return cursor.fetchone()[0]


def _payer_table(cursor) -> None:
    if connection.vendor == "postgresql":
        cursor.execute(f"CREATE TEMP TABLE IF NOT EXISTS {PAYER_TABLE} (pe bigint NOT NULL, pp bigint NOT NULL)")
    else:
        cursor.execute(f"CREATE TEMP TABLE IF NOT EXISTS {PAYER_TABLE} (pe integer NOT NULL, pp integer NOT NULL)")
    cursor.execute(f"DELETE FROM {PAYER_TABLE}")


def _fill_payers(cursor, employer_ids: list[int], person_ids: list[int]) -> None:
    rows = [(e, 0) for e in employer_ids] + [(0, p) for p in person_ids]
    if connection.vendor == "postgresql":
        with cursor.copy(f"COPY {PAYER_TABLE} (pe, pp) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        if len(rows) > 1000:
            cursor.execute(f"ANALYZE {PAYER_TABLE}")
    else:
        cursor.executemany(f"INSERT INTO {PAYER_TABLE} (pe, pp) VALUES (%s, %s)", rows)


def lock_payers(*, employer_ids: Iterable[int] = (), person_ids: Iterable[int] = ()) -> None:
    """Lock the payers' rows (in id order, so two lockers never deadlock) until the transaction ends.

    Every writer of money for a payer — a payment, an allocation, a new receivable line — takes this lock first.
    """
    employers = sorted(set(employer_ids))
    persons = sorted(set(person_ids))
    if connection.vendor != "postgresql":
        return  # SQLite admits one writer at a time and applies money in the same statement that reads what is open
    for model, ids in ((Employer, employers), (Person, persons)):
        if ids:  # one statement, however many payers (a bank file: 100,000)
            table = connection.ops.quote_name(model._meta.db_table)
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT id FROM {table} WHERE id = ANY(%s) ORDER BY id FOR UPDATE", [ids])


def allocate_payers(*, employer_ids: Iterable[int] = (), person_ids: Iterable[int] = ()) -> int:
    """Apply every unapplied amount of these payers' payments to their open dues; returns the allocation rows added.

    The caller holds `lock_payers` for the same payers (inside its transaction). Idempotent: a second call finds
    nothing open or nothing left to apply and adds nothing.
    """
    employers, persons = sorted(set(employer_ids)), sorted(set(person_ids))
    if not employers and not persons:
        return 0
    with connection.cursor() as cursor:
        _payer_table(cursor)
        _fill_payers(cursor, employers, persons)
        cursor.execute(_HAS_NEGATIVE.format(payers=PAYER_TABLE))
        caps = _CAPPED if cursor.fetchone() else _SIMPLE
        sql = "WITH " + _OPEN.format(payers=PAYER_TABLE) + caps + _PLACE
        with set_based_settings(cursor):
            cursor.execute(sql, [timezone.now()])
            return _inserted(cursor)


# Tax records name the insurance type and month they pay, with the employer and individual amounts apart: each part
# goes to the open amounts of that part on those lines (line order), and what exceeds them stays unapplied on the
# payment for the reconciliation to show.
_TAX = """
WITH recs AS (
    SELECT b.payment_id, COALESCE(b.employer_id, 0) AS pe,
           CASE WHEN b.employer_id IS NULL THEN b.person_id ELSE 0 END AS pp,
           b.insurance_type_id AS itype, b.period, b.employer_amount AS want_e, b.individual_amount AS want_i
    FROM contributions_bankrecord b
    WHERE b.file_id = %s AND b.payment_id IS NOT NULL
),
keys AS (SELECT DISTINCT pe, pp, itype, period FROM recs),
lines AS (
    SELECT r.id, k.pe, k.pp, k.itype, k.period, r.employer_amount AS ea, r.individual_amount AS ia
    FROM contributions_receivable r
    JOIN keys k ON k.pe > 0 AND r.employer_id = k.pe AND r.insurance_type_id = k.itype AND r.period = k.period
    WHERE r.kind <> 'late_fee'
    UNION ALL
    SELECT r.id, k.pe, k.pp, k.itype, k.period, r.employer_amount, r.individual_amount
    FROM contributions_receivable r
    JOIN keys k ON k.pp > 0 AND r.employer_id IS NULL AND r.person_id = k.pp AND r.insurance_type_id = k.itype
     AND r.period = k.period
    WHERE r.kind <> 'late_fee'
),
paid AS (
    SELECT a.receivable_id, SUM(a.employer_part) AS ep, SUM(a.individual_part) AS ip
    FROM contributions_paymentallocation a WHERE a.receivable_id IN (SELECT id FROM lines)
    GROUP BY a.receivable_id
),
open_parts AS (
    SELECT l.id, l.pe, l.pp, l.itype, l.period, 0 AS part,
           CASE WHEN l.ia > COALESCE(pd.ip, 0) THEN l.ia - COALESCE(pd.ip, 0) ELSE 0 END AS cap
    FROM lines l LEFT JOIN paid pd ON pd.receivable_id = l.id
    UNION ALL
    SELECT l.id, l.pe, l.pp, l.itype, l.period, 1,
           CASE WHEN l.ea > COALESCE(pd.ep, 0) THEN l.ea - COALESCE(pd.ep, 0) ELSE 0 END
    FROM lines l LEFT JOIN paid pd ON pd.receivable_id = l.id
),
slotcum AS (
    SELECT id, pe, pp, itype, period, part, cap,
           SUM(cap) OVER (PARTITION BY pe, pp, itype, period, part ORDER BY id ROWS UNBOUNDED PRECEDING) AS s_end
    FROM open_parts WHERE cap > 0
),
money AS (
    SELECT payment_id, pe, pp, itype, period, 0 AS part, want_i AS avail FROM recs WHERE want_i > 0
    UNION ALL
    SELECT payment_id, pe, pp, itype, period, 1, want_e FROM recs WHERE want_e > 0
),
paycum AS (
    SELECT payment_id, pe, pp, itype, period, part, avail,
           SUM(avail) OVER (PARTITION BY pe, pp, itype, period, part ORDER BY payment_id
                            ROWS UNBOUNDED PRECEDING) AS p_end
    FROM money
),
overlap AS (
    SELECT pc.payment_id, sc.id AS receivable_id, sc.part,
           (CASE WHEN sc.s_end < pc.p_end THEN sc.s_end ELSE pc.p_end END)
         - (CASE WHEN sc.s_end - sc.cap > pc.p_end - pc.avail THEN sc.s_end - sc.cap ELSE pc.p_end - pc.avail END)
           AS amt
    FROM slotcum sc
    JOIN paycum pc ON pc.pe = sc.pe AND pc.pp = sc.pp AND pc.itype = sc.itype AND pc.period = sc.period
     AND pc.part = sc.part AND sc.s_end - sc.cap < pc.p_end AND pc.p_end - pc.avail < sc.s_end
)
"""


def allocate_tax_payments(*, file_id: int) -> int:
    """Apply the payments just posted from a tax file to the insurance type and month each record names."""
    with connection.cursor() as cursor, set_based_settings(cursor):
        cursor.execute(_TAX + _INSERT, [file_id, timezone.now()])
        return _inserted(cursor)
