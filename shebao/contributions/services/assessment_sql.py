"""020301: the set-based statements of one chunk of the monthly assessment on PostgreSQL.

One `INSERT … SELECT` per chunk (per group of agencies sharing the same parameter values — normally one) writes
every person line of the chunk's employers (or flexible workers), all insurance types at once: enrolment in force
that month × the person's base in force × the rates the run resolved. The rates enter as statement parameters in
CASE expressions (never looked up per row, and no join on a parameter table, whose row estimates misled the planner
into nested loops over the whole chunk); each amount is `round(base × rate, 2)` — PostgreSQL rounds numeric half
away from zero, which for these non-negative amounts is `core.money.to_fen` (ROUND_HALF_UP; a test proves the two
agree). `ON CONFLICT DO NOTHING` on the unique assessed-line index is the backstop; a supplementary run also skips,
with NOT EXISTS, every (person, type, month) an earlier run covered.

SQLite (the demo) takes the portable path in `assessment_batch.py`, which computes the same lines in Python.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db import connection
from django.utils import timezone

from ..choices import ReceivableKind
from .assessment_rules import INJURY, INJURY_CLASSES, RateSet, RunRates

# Enrolment in force in month %(period)s: started by then, and not ended (or suspended) before it.
ENROLMENT_IN_FORCE = (
    "e.start_month <= %(period)s AND ((e.end_month IS NULL AND e.status = 'active') OR e.end_month >= %(period)s)"
)

INSERT_COLUMNS = (
    "kind, agency_id, employer_id, person_id, insurance_type_id, period, base, employer_rate, employer_amount, "
    "individual_rate, individual_amount, due_date, batch_run_id, note, created_at"
)

COVERED = """
  AND NOT EXISTS (
    SELECT 1 FROM contributions_receivable x
    WHERE x.person_id = l.person_id AND x.insurance_type_id = l.insurance_type_id AND x.period = %(period)s
      AND x.kind IN ('assessment', 'supplement', 'undeclared'))
"""

EMPLOYEE_SQL = """
INSERT INTO contributions_receivable ({columns})
SELECT %(kind)s, l.agency_id, l.employer_id, l.person_id, l.insurance_type_id, %(period)s, l.base,
       l.employer_rate, round(l.base * l.employer_rate, 2), l.individual_rate, round(l.base * l.individual_rate, 2),
       %(due)s, %(run)s, '', %(now)s
FROM (
  SELECT m.agency_id, m.id AS employer_id, e.person_id, e.insurance_type_id, b.base,
         CASE e.insurance_type_id {employer_rates}
              WHEN '{injury}' THEN COALESCE(m.own_rate, CASE m.injury_risk_class {injury_rates} END) END
           AS employer_rate,
         CASE e.insurance_type_id {individual_rates} END AS individual_rate
  FROM registration_enrolment e
  JOIN (
    SELECT em.id, em.agency_id, em.injury_risk_class,
           (SELECT er.employer_rate FROM contributions_employerrate er
            WHERE er.employer_id = em.id AND er.insurance_type_id = '{injury}' AND er.valid_from <= %(period)s
            ORDER BY er.valid_from DESC LIMIT 1) AS own_rate
    FROM registration_employer em
    WHERE em.id BETWEEN %(lo)s AND %(hi)s AND em.agency_id = ANY(%(agencies)s) AND NOT (em.id = ANY(%(blocked)s))
    OFFSET 0
  ) m ON m.id = e.employer_id
  JOIN (
    SELECT ps.person_id, b.base
    FROM (SELECT DISTINCT x.person_id FROM registration_enrolment x WHERE x.employer_id BETWEEN %(lo)s AND %(hi)s) ps
    CROSS JOIN LATERAL (
      SELECT cb.base FROM contributions_contributionbase cb
      WHERE cb.person_id = ps.person_id AND cb.year = %(year)s AND cb.valid_from <= %(period)s
        AND cb.superseded_by_id IS NULL
      ORDER BY cb.valid_from DESC LIMIT 1
    ) b
    OFFSET 0
  ) b ON b.person_id = e.person_id
  WHERE e.employer_id BETWEEN %(lo)s AND %(hi)s AND e.insurance_type_id = ANY(%(types)s) AND {in_force}
) l
WHERE l.employer_rate IS NOT NULL AND (l.employer_rate > 0 OR l.individual_rate > 0) {covered}
ON CONFLICT DO NOTHING
"""

FLEXIBLE_SQL = """
INSERT INTO contributions_receivable ({columns})
SELECT %(kind)s, l.agency_id, NULL, l.person_id, l.insurance_type_id, %(period)s, l.base,
       0, 0, l.rate, round(l.base * l.rate, 2), %(due)s, %(run)s, '', %(now)s
FROM (
  SELECT p.agency_id, e.person_id, e.insurance_type_id, c.base, CASE e.insurance_type_id {rates} END AS rate
  FROM registration_person p
  JOIN registration_enrolment e ON e.person_id = p.id
  JOIN (
    SELECT DISTINCT ON (pc.person_id, pc.insurance_type_id) pc.person_id, pc.insurance_type_id, pc.base
    FROM contributions_personcontributionchoice pc
    WHERE pc.person_id BETWEEN %(lo)s AND %(hi)s AND pc.base IS NOT NULL AND pc.valid_from <= %(period)s
      AND pc.superseded_by_id IS NULL
    ORDER BY pc.person_id, pc.insurance_type_id, pc.valid_from DESC
  ) c ON c.person_id = e.person_id AND c.insurance_type_id = e.insurance_type_id
  WHERE p.id BETWEEN %(lo)s AND %(hi)s AND p.agency_id = ANY(%(agencies)s) AND p.category = 'flexible'
    AND p.employer_id IS NULL AND e.employer_id IS NULL AND e.insurance_type_id = ANY(%(types)s) AND {in_force}
) l
WHERE l.rate > 0 {covered}
ON CONFLICT DO NOTHING
"""


def _groups(rates: RunRates) -> dict[int, list[int]]:
    """Index of each parameter set → the agencies of the run that apply it."""
    groups: dict[int, list[int]] = defaultdict(list)
    for agency, index in sorted(rates.agencies.items()):
        groups[index].append(agency)
    return groups


def _case(prefix: str, values: dict, params: dict, *, quote: bool = True) -> str:
    """`WHEN '<key>' THEN %(<prefix>_<key>)s::numeric …`, the values put into `params`."""
    parts = []
    for key, value in values.items():
        name = f"{prefix}_{key}"
        params[name] = value
        label = f"'{key}'" if quote else str(int(key))
        parts.append(f"WHEN {label} THEN %({name})s::numeric")
    return " ".join(parts)


def _params(run, rates: RunRates, rate_set: RateSet, agencies: list[int], lo: int, hi: int) -> dict:
    return {
        "period": rates.month,
        "lo": lo,
        "hi": hi,
        "run": run.pk,
        "now": timezone.now(),
        "kind": ReceivableKind.ASSESSMENT if run.seq == 0 else ReceivableKind.SUPPLEMENT,
        "agencies": agencies,
        "year": rate_set.year,
        "due": rate_set.due_date,
    }


def _insert(sql: str, params: dict) -> int:
    with connection.cursor() as cur:
        # This transaction only: the chunk's sorts and hashes in memory, and no JIT compilation (its ~0.1 s per
        # statement outweighs what it saves on a chunk of ~50,000 rows).
        cur.execute("SET LOCAL work_mem = '64MB'")
        cur.execute("SET LOCAL jit = off")
        cur.execute(sql, params)
        return max(cur.rowcount, 0)


def employee_lines(run, rates: RunRates, lo: int, hi: int, blocked: list[int]) -> int:
    """Person lines of employers lo..hi (in the run's agencies, not `blocked` by an undeclared line); rows written."""
    rows = 0
    for index, agencies in _groups(rates).items():
        rate_set = rates.sets[index]
        if not rate_set.employee:
            continue
        params = _params(run, rates, rate_set, agencies, lo, hi)
        params["blocked"] = blocked
        params["types"] = list(rate_set.employee)
        employer = {t: e for t, (e, _) in rate_set.employee.items() if t != INJURY}
        individual = {t: i for t, (_, i) in rate_set.employee.items()}
        injury = {k: rate_set.injury[k] for k in INJURY_CLASSES if k in rate_set.injury}
        sql = EMPLOYEE_SQL.format(
            columns=INSERT_COLUMNS,
            employer_rates=_case("er", employer, params),
            individual_rates=_case("ir", individual, params),
            injury_rates=_case("inj", injury, params, quote=False) or "WHEN 0 THEN NULL::numeric",
            injury=INJURY,
            in_force=ENROLMENT_IN_FORCE,
            covered=COVERED if run.seq else "",
        )
        rows += _insert(sql, params)
    return rows


def flexible_lines(run, rates: RunRates, lo: int, hi: int) -> int:
    """Person lines of flexible workers with person id lo..hi (in the run's agencies); rows written."""
    rows = 0
    for index, agencies in _groups(rates).items():
        rate_set = rates.sets[index]
        if not rate_set.flexible:
            continue
        params = _params(run, rates, rate_set, agencies, lo, hi)
        params["types"] = list(rate_set.flexible)
        sql = FLEXIBLE_SQL.format(
            columns=INSERT_COLUMNS,
            rates=_case("fr", rate_set.flexible, params),
            in_force=ENROLMENT_IN_FORCE,
            covered=COVERED if run.seq else "",
        )
        rows += _insert(sql, params)
    return rows


def previous_month(month: dt.date) -> dt.date:
    """The first day of the month before."""
    return (month.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
