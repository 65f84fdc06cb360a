"""Cluster 02 demo data (rates): work-injury rates of every demo employer, a few rate changes, and the tiers and
bases of demo residents and flexible workers.

- 410 rates: the region-wide initial determination (set-based, grade 1.0) from January of last year (or each
  unit's later start); then a few 02020201 changes after the yearly evaluation through the services — approved,
  and one left waiting for review.
- Residents and flexible workers: most get their tier or base as established records (bulk, one audit row each);
  a few go through 02020102 / 02020202 at the counter. The demo's insured login (a flexible worker) and a resident
  login (`resident`, for 长辈模式) are left without a choice, so the portal shows how to make one.
Skipped, with a note, while the contribution parameters are not loaded.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from shebao.core.models import Parameter

REQUIRED = (
    "contribution.injury.base_rate.1",
    "contribution.injury.float_grades.1",
    "contribution.resident_pension.tiers",
    "contribution.average_wage",
    "contribution.flexible.base.lower_ratio",
)


def _month_add(month: dt.date, n: int) -> dt.date:
    total = month.year * 12 + month.month - 1 + n
    return dt.date(total // 12, total % 12 + 1, 1)


def load(ctx) -> None:
    """Rates, rate changes, tiers and bases for the demo agencies (inside seed_demo's transaction)."""
    missing = [k for k in REQUIRED if not Parameter.objects.filter(key=k).exists()]
    if missing:
        ctx.lap(f"费率、费额：缺少缴费参数（{missing[0]} 等），跳过")
        return
    rng = random.Random(ctx.seed + 202)
    _rates(ctx, rng)
    _choices(ctx, rng)


def _rates(ctx, rng: random.Random) -> None:
    from shebao.core.cases import case_approve
    from shebao.registration.models import Employer

    from ..models import EmployerRate
    from ..services.rates import employer_rate_change
    from ..services.rates_bulk import employer_rate_determine_region

    from_month = dt.date(ctx.today.year - 1, 1, 1)
    result = employer_rate_determine_region(actor=None, region=ctx.agencies["city"].region_id, from_month=from_month)
    next_month = _month_add(ctx.today.replace(day=1), 1)
    rated = list(
        Employer.objects.filter(
            pk__in=EmployerRate.objects.filter(insurance_type_id="410").values("employer_id"),
            injury_risk_class__gte=2,
        ).order_by("pk")[:40]
    )
    changes = rng.sample(rated, min(6, len(rated)))
    for i, employer in enumerate(changes):
        district = next(k for k, a in ctx.agencies.items() if a.pk == employer.agency_id)
        case = employer_rate_change(
            actor=ctx.staff[f"{district}:clerk"],
            employer=employer,
            reason="evaluation",
            float_grade=("0.8", "1.2", "0.5", "1.5")[i % 4],
            valid_from=next_month,
            note="上一年度工伤保险浮动费率评估结果",
        )
        if i:  # the first stays in the review queue
            case_approve(actor=ctx.staff[f"{district}:reviewer"], case=case)
    ctx.result.counts["单位工伤保险费率"] = f"{result.created} 户"
    ctx.lap(f"工伤保险费率核定 {result.created} 户，费率调整 {len(changes)} 户")


def _choices(ctx, rng: random.Random) -> None:
    from shebao.core.audit import AuditEntry, audit_write_many
    from shebao.core.cases import case_approve
    from shebao.core.choices import Role
    from shebao.core.models import User
    from shebao.registration.choices import EnrolmentStatus, PersonCategory
    from shebao.registration.models import Enrolment, Person

    from ..models import PersonContributionChoice
    from ..services import rates_rules as rules
    from ..services.rates_choices import person_choice_change, person_choice_determine

    city = ctx.agencies["city"]
    region = city.region_id
    this_year = dt.date(ctx.today.year, 1, 1)
    tiers = rules.resident_tiers(region=region, on=this_year).tiers
    band = rules.flexible_band(region=region, on=ctx.today.replace(day=1))
    kept: set[int] = set(
        User.objects.filter(role=Role.INSURED, person__isnull=False).values_list("person_id", flat=True)
    )
    resident_pension = (
        Enrolment.objects.filter(
            insurance_type_id="170",
            status=EnrolmentStatus.ACTIVE,
            person__category=PersonCategory.RESIDENT,
            person__agency__path__startswith=city.path,
        )
        .select_related("person")
        .order_by("person_id")
    )
    residents = [e for e in resident_pension if e.person_id not in kept]
    if residents:  # a resident login for the portal (长辈模式), left to choose a tier
        login_person = residents.pop(0).person
        ctx.user(
            "resident",
            Role.INSURED,
            None,
            login_person.name,
            shown_as=f"{login_person.name}（城乡居民）",
            person=login_person,
        )
    flexible = (
        Enrolment.objects.filter(
            insurance_type_id__in=rules.FLEXIBLE_TYPES,
            status=EnrolmentStatus.ACTIVE,
            person__category=PersonCategory.FLEXIBLE,
            person__agency__path__startswith=city.path,
        )
        .exclude(person_id__in=kept)
        .order_by("person_id", "insurance_type_id")
    )
    by_person: dict[int, list] = {}
    for e in flexible:
        by_person.setdefault(e.person_id, []).append(e)

    counter_residents, counter_flexible = residents[:3], list(by_person)[:3]
    rows = []
    weights = [12, 10, 14, 8, 20, 6, 4, 4, 3, 10, 5, 4][: len(tiers)]
    for e in residents[3:]:
        tier = rng.choices(tiers, weights)[0]
        start = max(this_year, dt.date(e.start_month.year, 1, 1))
        rows.append(
            PersonContributionChoice(person_id=e.person_id, insurance_type_id="170", valid_from=start, tier=tier.amount)
        )
    steps = int((band.upper - band.lower) // 100)
    for person_id, enrolments in list(by_person.items())[3:]:
        base = band.lower + 100 * rng.randrange(0, max(1, min(steps, 60)))
        rows += [
            PersonContributionChoice(
                person_id=person_id, insurance_type_id=e.insurance_type_id, valid_from=e.start_month, base=base
            )
            for e in enrolments
        ]
    PersonContributionChoice.objects.bulk_create(rows, batch_size=2000)
    audit_write_many(
        actor=None,
        item_code="02020102",
        entries=[
            AuditEntry(
                "contribution_choice.import",
                "person",
                str(r.person_id),
                None,
                {
                    "insurance_type": r.insurance_type_id,
                    "valid_from": r.valid_from,
                    "tier": r.tier,
                    "base": r.base,
                    "source": "演示数据导入",
                },
            )
            for r in rows
        ],
    )

    # A few at the counter: first choices, and a change from the next period.
    def staff(person: Person, role: str):
        district = next(k for k, a in ctx.agencies.items() if a.pk == person.agency_id)
        return ctx.staff[f"{district}:{role}"]

    for i, e in enumerate(counter_residents):
        case = person_choice_determine(
            actor=staff(e.person, "clerk"), person=e.person, amount=("500", "1000", "300")[i]
        )
        case_approve(actor=staff(e.person, "reviewer"), case=case)
        if i == 0:
            person_choice_change(actor=staff(e.person, "clerk"), person=e.person, amount="2000")
    for i, person_id in enumerate(counter_flexible):
        person = Person.objects.get(pk=person_id)
        amount = band.lower + Decimal(500 * (i + 1))
        case = person_choice_determine(actor=staff(person, "clerk"), person=person, amount=str(amount))
        case_approve(actor=staff(person, "reviewer"), case=case)
        if i == 0:
            changed = person_choice_change(actor=staff(person, "clerk"), person=person, amount=str(amount + 1000))
            case_approve(actor=staff(person, "reviewer"), case=changed)
    at_counter = len(counter_residents) + len(counter_flexible)
    ctx.result.counts["缴费档次·基数"] = f"{len(rows) + at_counter} 项"
    ctx.lap(f"城乡居民缴费档次、灵活就业人员缴费基数 {len(rows)} 项（窗口核定 {at_counter} 人）")
