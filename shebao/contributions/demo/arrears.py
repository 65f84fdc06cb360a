"""Cluster 02 demo data (arrears), for 上城区 through the real services: one approved deferral agreement, one
approved back-payment (应保未保, with late fees) and — only where the ledger has overdue receivables — one issued
责令限期缴纳通知书. Without receivables (the assessment area not loaded) only the deferral and back-payment are made.
"""

from __future__ import annotations

from shebao.core.cases import case_approve
from shebao.core.materials import SubmittedMaterials
from shebao.core.validation import month_add


def load(ctx) -> None:
    """Arrears showcase (inside seed_demo's transaction)."""
    from shebao.registration.models import Employer, EmployerStatus

    from ..services.arrears_back import back_payment_assess
    from ..services.arrears_deferral import deferral_apply
    from ..services.arrears_notice import arrears_notice_issue, overdue_of

    agency = ctx.agencies["sc"]
    clerk, reviewer = ctx.staff["sc:clerk"], ctx.staff["sc:reviewer"]
    units = list(Employer.objects.filter(agency=agency, status=EmployerStatus.ACTIVE).order_by("-pk")[:3])
    if not units:
        return
    this_month = ctx.today.replace(day=1)
    # chosen before the back-payment below adds overdue lines of its own
    owing = next(
        (u for u in Employer.objects.filter(agency=agency).order_by("pk")[:200] if overdue_of(u.pk, ctx.today) > 0),
        None,
    )
    case_approve(
        actor=reviewer,
        case=deferral_apply(
            actor=clerk,
            employer=units[0],
            insurance_types=["110", "210"],
            start_month=this_month,
            end_month=month_add(this_month, 2),
            reason="演示：受灾停产，生产经营暂时困难",
            materials=SubmittedMaterials(waiver="演示：缓缴申请书已当场核验，证明材料承诺3个工作日内补交"),
        ),
    )
    if len(units) > 1:
        case_approve(
            actor=reviewer,
            case=back_payment_assess(
                actor=clerk,
                employer=units[1],
                from_month=month_add(this_month, -6),
                to_month=month_add(this_month, -4),
                base="6000.00",
                insurance_types=["110", "210", "310"],
                reason="unenrolled",
                note="演示：稽核发现应保未保",
            ),
        )
    if owing is not None:
        case_approve(actor=reviewer, case=arrears_notice_issue(actor=clerk, employer=owing, note="演示：多次催缴未果"))
    ctx.lap("欠费处理演示（缓缴协议、补缴核定、责令限期缴纳）")
