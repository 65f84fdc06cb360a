"""020401 制定征收计划: the expected collection of an agency (and its subtree) for one month.

Computed set-based from the receivable ledger at approval: per channel — 银行托收 (units under mandate, persons
paying by bank debit), 自行缴纳 (everyone else) or 税务征收 (regions where the tax authority collects) — and per
insurance type: what is still open for the month itself (本期应征) and for earlier months (往期欠费, the arrears
expected to be collected), with the employer and individual parts and the number of payers.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import BooleanField, Count, Exists, ExpressionWrapper, F, OuterRef, Q, Sum
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
from shebao.registration.choices import ContributionMethod

from ..choices import CollectionChannel, Collector
from ..models import ArrearsLine, CollectionMandate, CollectionPlan, CollectionPlanLine
from ..selectors.collection import collector_for, subtree_ids
from .collection import ensure_agency_scope

ITEM = "020401"
ZERO = Decimal("0.00")


@dataclass
class CollectionPlanPayload(Payload):
    """制定征收计划: the agency (with its subtree) and the month planned."""

    agency: int
    period: dt.date
    note: str = ""


def parse_plan_month(value, *, today: dt.date, field: str = "period", label: str = "计划月份") -> dt.date:
    """A month up to the next one (a plan is made before or during the month it plans)."""
    month = v.parse_month(value, field, label)
    if month > v.month_add(today.replace(day=1), 1):
        raise ApplicationError(f"{label}不能晚于下月", field=field)
    if month.year < 1990:
        raise ApplicationError(f"{label}不是有效的月份", field=field)
    return month


def plan_compute(agency: Agency, month: dt.date, *, on: dt.date | None = None) -> list[dict]:
    """Plan lines (channel, insurance type, amounts, payers) from the ledger now, set-based."""
    on = on or timezone.localdate()
    mandated = CollectionMandate.objects.filter(
        employer_id=OuterRef("employer_id"), valid_from__lte=on, ended_on__isnull=True
    )
    rows = (
        ArrearsLine.objects.filter(agency_id__in=subtree_ids(agency), period__lte=month)
        .exclude(employer_arrears=0, individual_arrears=0)
        .annotate(
            mandated=Exists(mandated),
            alone_by_bank=ExpressionWrapper(
                Q(employer__isnull=True, person__contribution_method=ContributionMethod.BANK),
                output_field=BooleanField(),
            ),
        )
        .values("agency_id", "insurance_type_id", "mandated", "alone_by_bank")
        .annotate(
            current=Sum(F("employer_arrears") + F("individual_arrears"), filter=Q(period=month)),
            arrears=Sum(F("employer_arrears") + F("individual_arrears"), filter=Q(period__lt=month)),
            employer_part=Sum("employer_arrears"),
            individual_part=Sum("individual_arrears"),
            units=Count("employer_id", distinct=True),
            alone=Count("person_id", distinct=True, filter=Q(employer__isnull=True)),
        )
        .order_by()
    )
    regions = dict(Agency.objects.filter(path__startswith=agency.path).values_list("pk", "region_id"))
    collectors = {pk: collector_for(region, on) for pk, region in regions.items()}
    lines: dict[tuple[str, str], dict] = defaultdict(
        lambda: {"current": ZERO, "arrears": ZERO, "employer": ZERO, "individual": ZERO, "payers": 0}
    )
    for r in rows:
        if collectors.get(r["agency_id"]) == Collector.TAX:
            channel = CollectionChannel.TAX
        elif r["mandated"] or r["alone_by_bank"]:
            channel = CollectionChannel.BANK
        else:
            channel = CollectionChannel.SELF
        line = lines[(channel, r["insurance_type_id"])]
        line["current"] += r["current"] or ZERO
        line["arrears"] += r["arrears"] or ZERO
        line["employer"] += r["employer_part"] or ZERO
        line["individual"] += r["individual_part"] or ZERO
        line["payers"] += r["units"] + r["alone"]
    order = list(CollectionChannel.values)
    return [
        {"channel": ch, "insurance_type": itype, **values}
        for (ch, itype), values in sorted(lines.items(), key=lambda kv: (order.index(kv[0][0]), kv[0][1]))
    ]


@transaction.atomic
def collection_plan_make(
    *,
    actor,
    agency: Agency,
    period,
    note: str = "",
    channel: str | None = None,
    materials: SubmittedMaterials | None = None,
) -> Case:
    """020401 制定征收计划: a clerk proposes the month's plan of an agency; it is computed and stored on approval."""
    require_grant(actor, ITEM, Action.HANDLE)
    ensure_agency_scope(actor, agency)
    today = timezone.localdate()
    errors = v.Errors()
    month = errors.capture(parse_plan_month, period, today=today)
    text = errors.capture(v.optional, note, "note", "说明", max_length=200)
    errors.raise_if_any()
    if not ArrearsLine.objects.filter(agency_id__in=subtree_ids(agency), period__lte=month).exists():
        raise ApplicationError(f"{agency.name}在{month:%Y年%m月}及以前没有应缴费款，无需制定征收计划", field="period")
    return case_open(
        actor=actor,
        item_code=ITEM,
        agency=agency,
        channel=channel_for(actor, channel),
        summary=f"制定征收计划：{agency.name} {month:%Y年%m月}",
        applicant_name=agency.name,
        payload=CollectionPlanPayload(agency=agency.pk, period=month, note=text),
        materials=materials,
        keys=[subject_key(ITEM, "plan", f"{agency.pk}:{month:%Y%m}", field="period", label="该机构该月")],
    )


def apply_collection_plan(*, case: Case, actor) -> dict:
    """On approval: compute the plan from the ledger as it stands and store it with who made and approved it."""
    p: CollectionPlanPayload = load_payload(case)
    agency = Agency.objects.get(pk=p.agency)
    lines = plan_compute(agency, p.period)
    total = sum((ln["current"] + ln["arrears"] for ln in lines), ZERO)
    plan = CollectionPlan.objects.create(
        agency=agency,
        period=p.period,
        case=case,
        made_by_id=case.handler_id or case.submitted_by_id,
        approved_by=actor,
        total=total,
    )
    CollectionPlanLine.objects.bulk_create(
        [
            CollectionPlanLine(
                plan=plan,
                channel=ln["channel"],
                insurance_type_id=ln["insurance_type"],
                current_amount=ln["current"],
                arrears_amount=ln["arrears"],
                employer_amount=ln["employer"],
                individual_amount=ln["individual"],
                payers=ln["payers"],
            )
            for ln in lines
        ]
    )
    audit_write(
        actor=actor,
        action="collection_plan.make",
        item_code=ITEM,
        object_type="collection_plan",
        object_id=plan.pk,
        after={"agency": agency.code, "period": p.period, "total": total, "lines": len(lines)},
        case=case,
    )
    return {"plan_id": plan.pk, "total": str(total), "lines": len(lines)}
