"""Demo data of 020101–020103: approved wage declarations for most demo units for the current contribution year,
and every employee's base determined by the yearly run (set-based), so the monthly assessment has bases.

A few declarations go through the real services (cases, review, receipts); the rest are imported set-wise as
established declarations (one audit row each). The employer portal user's unit has not yet declared the next
year, so that step can be tried in the portal; one counter declaration for the next year waits for review.
"""

from __future__ import annotations

import math
import random
from collections import defaultdict
from decimal import Decimal

from shebao.core.bench.demo import DISTRICTS, DemoContext
from shebao.core.money import to_fen

SHOWCASE = 3  # declarations through the services (counter case + review), after the portal user's unit
DECLARING_SHARE = 0.9  # share of the demo units that have declared the current year


def _wage(rng: random.Random) -> tuple[Decimal, int]:
    """(annual wage of last year, months in post): monthly wages log-normal around 7,500 元, a few part-years."""
    monthly = Decimal(str(round(math.exp(rng.gauss(math.log(7500), 0.5)), 2)))
    months = 12 if rng.random() < 0.9 else rng.randrange(3, 12)
    return to_fen(monthly * months), months


def _employees(employer_ids: list[int]) -> dict[int, list[tuple[int, str]]]:
    from shebao.registration.choices import EnrolmentStatus, PersonStatus
    from shebao.registration.models import Person

    rows = (
        Person.objects.filter(
            employer_id__in=employer_ids,
            status=PersonStatus.ACTIVE,
            enrolments__status=EnrolmentStatus.ACTIVE,
            enrolments__employer_id__in=employer_ids,
        )
        .distinct()
        .order_by("employer_id", "id_number")
        .values_list("employer_id", "pk", "id_number")
    )
    out: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for employer_id, pk, number in rows:
        out[employer_id].append((pk, number))
    return out


def _import(declared: list, people: dict, rng: random.Random, year: int) -> int:
    """Established declarations, written set-wise (declarations, lines, one audit row per declaration)."""
    from shebao.contributions.choices import DeclarationStatus
    from shebao.contributions.models import WageDeclaration, WageDeclarationLine
    from shebao.core.audit import AuditEntry, audit_write_many

    heads, lines = [], {}
    for employer in declared:
        rows = []
        for pk, _ in people.get(employer.pk, []):
            annual, months = _wage(rng)
            rows.append((pk, annual, months))
        if not rows:
            continue
        total = sum((r[1] for r in rows), Decimal("0.00"))
        heads.append(
            WageDeclaration(
                employer=employer,
                agency_id=employer.agency_id,
                year=year,
                status=DeclarationStatus.APPROVED,
                headcount=len(rows),
                wage_total=total,
            )
        )
        lines[employer.pk] = rows
    WageDeclaration.objects.bulk_create(heads, batch_size=1000)
    WageDeclarationLine.objects.bulk_create(
        [
            WageDeclarationLine(
                declaration=d, person_id=pk, annual_wage=annual, months=months, monthly_wage=to_fen(annual / months)
            )
            for d in heads
            for pk, annual, months in lines[d.employer_id]
        ],
        batch_size=5000,
    )
    audit_write_many(
        actor=None,
        item_code="020101",
        entries=[
            AuditEntry(
                "wage_declaration.import",
                "wage_declaration",
                str(d.pk),
                None,
                {"employer": d.employer_id, "year": year, "headcount": d.headcount, "wage_total": str(d.wage_total)},
            )
            for d in heads
        ],
    )
    return len(heads)


def _declare(employer, people: list, rng: random.Random, year: int, staff: dict, *, approve: bool):
    """One declaration through the services at the counter (reviewed when `approve`)."""
    from shebao.contributions.services.wages import wage_declaration_submit
    from shebao.core.cases import case_approve

    district = next(k for k in DISTRICTS if staff[f"{k}:clerk"].agency_id == employer.agency_id)
    lines = []
    for _, number in people:
        annual, months = _wage(rng)
        lines.append({"id_number": number, "annual_wage": str(annual), "months": months})
    case = wage_declaration_submit(actor=staff[f"{district}:clerk"], employer=employer, year=year, lines=lines)
    if approve:
        case_approve(actor=staff[f"{district}:reviewer"], case=case)
    return case


def load(ctx: DemoContext) -> None:
    """Declarations for the current contribution year, the yearly base run, and a declaration waiting for review."""
    from shebao.contributions.services import wages_rules as rules
    from shebao.contributions.services.wages_batch import run_base_determination
    from shebao.registration.choices import EmployerStatus
    from shebao.registration.models import Employer

    city = ctx.agencies["city"]
    year = rules.contribution_year_of(ctx.today.replace(day=1), city.region_id)
    rng = random.Random(ctx.seed + 101)
    employers = list(
        Employer.objects.filter(agency__path__startswith=city.path, status=EmployerStatus.ACTIVE).order_by("pk")
    )
    if not employers:
        return
    people = _employees([e.pk for e in employers])
    portal_unit = employers[0]  # the demo employer user's unit (registration's demo gives it the first unit)
    others = [e for e in employers[1:] if people.get(e.pk)]
    showcase, rest = others[:SHOWCASE], others[SHOWCASE:]
    declared = [portal_unit] + [e for e in rest if rng.random() < DECLARING_SHARE]
    for employer in showcase:
        _declare(employer, people[employer.pk], rng, year, ctx.staff, approve=True)
    count = _import(declared, people, rng, year) + len(showcase)
    ctx.lap(f"工资申报 {count} 个单位（{year}年度）")

    result = run_base_determination(city.region_id, year)
    if len(others) > SHOWCASE:  # the next year's declaration of one unit, accepted at the counter, not yet reviewed
        _declare(others[SHOWCASE], people[others[SHOWCASE].pk], rng, year + 1, ctx.staff, approve=False)
    ctx.lap(f"缴费基数 {result['rows']} 人（{year}年度）")
    ctx.result.counts["工资申报"] = f"{count} 个单位"
    ctx.result.counts["缴费基数"] = f"{result['persons']} 人"
