"""020301: the set-based statements of one chunk of the monthly assessment on PostgreSQL.

One `INSERT … SELECT` per chunk writes every person line of the chunk's employers (or flexible workers), all insurance
types at once: enrolment in force that month × the person's base in force × the rates the run resolved (passed as
arrays, never looked up per row), each amount `round(base × rate, 2)` — PostgreSQL rounds numeric half away from zero,
which for these non-negative amounts is `core.money.to_fen` (ROUND_HALF_UP; a test proves the two agree).
`ON CONFLICT DO NOTHING` on the unique assessed-line index is the backstop; a supplementary run also skips, with
NOT EXISTS, every (person, type, month) an earlier run covered.

SQLite (the demo) takes the portable path in `assessment_batch.py`, which computes the same lines in Python.
"""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.utils import timezone

from ..choices import ReceivableKind
from .assessment_rules import INJURY, RunRates

ASSESSED = ("assessment", "supplement", "undeclared")

# Enrolment in force in month %(period)s: started by then, and not ended (or suspended) before it.
ENROLMENT_IN_FORCE = (
    "e.start_month <= %(period)s AND ((e.end_month IS NULL AND e.status = 'active') OR e.end_month >= %(period)s)"
)

# An employer-level undeclared line of the month not (yet) reversed by a settlement: its persons are not assessed.
UNSETTLED_UNDECLARED = """
    SELECT 1 FROM contributions_receivable u
    WHERE u.employer_id = {employer} AND u.period = %(period)s AND u.kind = 'undeclared' AND u.person_id IS NULL
      AND NOT EXISTS (SELECT 1 FROM contributions_receivable s WHERE s.reverses_id = u.id AND s.kind = 'settlement')
"""

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
WITH rates AS (
  SELECT * FROM unnest(%(r_agency)s::bigint[], %(r_type)s::varchar[], %(r_employer)s::numeric[],
                       %(r_individual)s::numeric[]) AS t(agency_id, insurance_type_id, employer_rate, individual_rate)
), terms AS (
  SELECT * FROM unnest(%(a_agency)s::bigint[], %(a_year)s::int[], %(a_due)s::date[]) AS t(agency_id, year, due_date)
), injury AS (
  SELECT * FROM unnest(%(i_agency)s::bigint[], %(i_class)s::int[], %(i_rate)s::numeric[])
    AS t(agency_id, risk_class, rate)
), employers AS (
  SELECT em.id AS employer_id, em.agency_id, em.injury_risk_class, t.year, t.due_date, own.employer_rate AS own_rate
  FROM registration_employer em
  JOIN terms t ON t.agency_id = em.agency_id
  LEFT JOIN LATERAL (
    SELECT er.employer_rate FROM contributions_employerrate er
    WHERE er.employer_id = em.id AND er.insurance_type_id = '410' AND er.valid_from <= %(period)s
    ORDER BY er.valid_from DESC LIMIT 1
  ) own ON TRUE
  WHERE em.id BETWEEN %(lo)s AND %(hi)s AND NOT EXISTS ({unsettled})
), enr AS (
  SELECT e.person_id, e.insurance_type_id, m.employer_id, m.agency_id, m.injury_risk_class, m.year, m.due_date,
         m.own_rate
  FROM employers m JOIN registration_enrolment e ON e.employer_id = m.employer_id
  WHERE e.employer_id BETWEEN %(lo)s AND %(hi)s AND {in_force}
), base AS (
  SELECT DISTINCT ON (cb.person_id, cb.year) cb.person_id, cb.year, cb.base
  FROM contributions_contributionbase cb
  WHERE cb.person_id IN (SELECT person_id FROM enr) AND cb.year = ANY(%(years)s::int[])
    AND cb.valid_from <= %(period)s AND cb.superseded_by_id IS NULL
  ORDER BY cb.person_id, cb.year, cb.valid_from DESC
), lines AS (
  SELECT enr.agency_id, enr.employer_id, enr.person_id, enr.insurance_type_id, b.base, enr.due_date,
         CASE WHEN enr.insurance_type_id = '{injury}' THEN COALESCE(enr.own_rate, inj.rate)
              ELSE r.employer_rate END AS employer_rate,
         r.individual_rate
  FROM enr
  JOIN base b ON b.person_id = enr.person_id AND b.year = enr.year
  JOIN rates r ON r.agency_id = enr.agency_id AND r.insurance_type_id = enr.insurance_type_id
  LEFT JOIN injury inj ON inj.agency_id = enr.agency_id AND inj.risk_class = enr.injury_risk_class
)
INSERT INTO contributions_receivable ({columns})
SELECT %(kind)s, l.agency_id, l.employer_id, l.person_id, l.insurance_type_id, %(period)s, l.base,
       l.employer_rate, round(l.base * l.employer_rate, 2), l.individual_rate, round(l.base * l.individual_rate, 2),
       l.due_date, %(run)s, '', %(now)s
FROM lines l
WHERE l.employer_rate IS NOT NULL AND (l.employer_rate > 0 OR l.individual_rate > 0) {covered}
ON CONFLICT DO NOTHING
"""

FLEXIBLE_SQL = """
WITH rates AS (
  SELECT * FROM unnest(%(f_agency)s::bigint[], %(f_type)s::varchar[], %(f_rate)s::numeric[])
    AS t(agency_id, insurance_type_id, rate)
), terms AS (
  SELECT * FROM unnest(%(a_agency)s::bigint[], %(a_due)s::date[]) AS t(agency_id, due_date)
), enr AS (
  SELECT e.person_id, e.insurance_type_id, p.agency_id, t.due_date, r.rate
  FROM registration_person p
  JOIN terms t ON t.agency_id = p.agency_id
  JOIN registration_enrolment e ON e.person_id = p.id
  JOIN rates r ON r.agency_id = p.agency_id AND r.insurance_type_id = e.insurance_type_id
  WHERE p.id BETWEEN %(lo)s AND %(hi)s AND p.category = 'flexible' AND p.employer_id IS NULL
    AND e.person_id BETWEEN %(lo)s AND %(hi)s AND e.employer_id IS NULL AND {in_force}
), choice AS (
  SELECT DISTINCT ON (pc.person_id, pc.insurance_type_id) pc.person_id, pc.insurance_type_id, pc.base
  FROM contributions_personcontributionchoice pc
  WHERE pc.person_id BETWEEN %(lo)s AND %(hi)s AND pc.base IS NOT NULL AND pc.valid_from <= %(period)s
    AND pc.superseded_by_id IS NULL
  ORDER BY pc.person_id, pc.insurance_type_id, pc.valid_from DESC
), lines AS (
  SELECT enr.agency_id, enr.person_id, enr.insurance_type_id, c.base, enr.due_date, enr.rate
  FROM enr JOIN choice c ON c.person_id = enr.person_id AND c.insurance_type_id = enr.insurance_type_id
)
INSERT INTO contributions_receivable ({columns})
SELECT %(kind)s, l.agency_id, NULL, l.person_id, l.insurance_type_id, %(period)s, l.base,
       0, 0, l.rate, round(l.base * l.rate, 2), l.due_date, %(run)s, '', %(now)s
FROM lines l
WHERE l.rate > 0 {covered}
ON CONFLICT DO NOTHING
"""


def _common(run, rates: RunRates, lo: int, hi: int) -> dict:
    agencies = sorted(rates.agencies)
    return {
        "period": rates.month,
        "lo": lo,
        "hi": hi,
        "run": run.pk,
        "now": timezone.now(),
        "kind": ReceivableKind.ASSESSMENT if run.seq == 0 else ReceivableKind.SUPPLEMENT,
        "a_agency": agencies,
        "a_year": [rates.for_agency(a).year for a in agencies],
        "a_due": [rates.for_agency(a).due_date for a in agencies],
        "years": sorted({s.year for s in rates.sets}),
    }


def employee_lines(run, rates: RunRates, lo: int, hi: int) -> int:
    """Person lines of employers lo..hi (in the run's agencies): one INSERT … SELECT; returns the rows written."""
    params = _common(run, rates, lo, hi)
    r_agency, r_type, r_employer, r_individual = [], [], [], []
    i_agency, i_class, i_rate = [], [], []
    for agency in params["a_agency"]:
        rate_set = rates.for_agency(agency)
        for code, (employer, individual) in rate_set.employee.items():
            r_agency.append(agency)
            r_type.append(code)
            r_employer.append(employer)
            r_individual.append(individual)
        for risk_class, rate in rate_set.injury.items():
            i_agency.append(agency)
            i_class.append(risk_class)
            i_rate.append(rate)
    params.update(
        r_agency=r_agency,
        r_type=r_type,
        r_employer=r_employer,
        r_individual=r_individual,
        i_agency=i_agency,
        i_class=i_class,
        i_rate=i_rate,
    )
    sql = EMPLOYEE_SQL.format(
        unsettled=UNSETTLED_UNDECLARED.format(employer="em.id"),
        in_force=ENROLMENT_IN_FORCE,
        injury=INJURY,
        columns=INSERT_COLUMNS,
        covered=COVERED if run.seq else "",
    )
    with connection.cursor() as cur:
        cur.execute(sql, params)
        return max(cur.rowcount, 0)


def flexible_lines(run, rates: RunRates, lo: int, hi: int) -> int:
    """Person lines of flexible workers with person id lo..hi (in the run's agencies); returns the rows written."""
    params = _common(run, rates, lo, hi)
    f_agency, f_type, f_rate = [], [], []
    for agency in params["a_agency"]:
        for code, rate in rates.for_agency(agency).flexible.items():
            f_agency.append(agency)
            f_type.append(code)
            f_rate.append(rate)
    params.update(f_agency=f_agency, f_type=f_type, f_rate=f_rate)
    sql = FLEXIBLE_SQL.format(in_force=ENROLMENT_IN_FORCE, columns=INSERT_COLUMNS, covered=COVERED if run.seq else "")
    with connection.cursor() as cur:
        cur.execute(sql, params)
        return max(cur.rowcount, 0)


def previous_month(month: dt.date) -> dt.date:
    """The first day of the month before."""
    return (month.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
