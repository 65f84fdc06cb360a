"""Demo data of 1107 数据安全: a few full-ID views in the access log, one approved export ready for the 上城区
clerk to download, and one request waiting for the reviewer."""

from __future__ import annotations


def load(ctx) -> None:
    """Access-log rows from person detail views, an approved export of one unit's employees and a pending one."""
    from shebao.core.cases import case_approve
    from shebao.core.masking import personal_view
    from shebao.registration.choices import EmployerStatus
    from shebao.registration.models import Employer, Person

    from ..services.security import pd_export_request

    clerk, reviewer = ctx.staff.get("sc:clerk"), ctx.staff.get("sc:reviewer")
    if clerk is None or reviewer is None:
        return
    employers = list(
        Employer.objects.filter(agency=clerk.agency, status=EmployerStatus.ACTIVE, employees__isnull=False)
        .distinct()
        .order_by("pk")[:2]
    )
    for person in Person.objects.filter(agency=clerk.agency).order_by("pk")[:5]:
        personal_view(
            clerk,
            {"id_number": person.id_number, "bank_account": person.benefit_bank_account},
            object_type="person",
            object_id=person.pk,
            where="参保人详情",
        )
    reason = "年度稽核抽查：核对职工参保信息"
    if employers:
        case = pd_export_request(actor=clerk, kind="employees", filters={"employer": employers[0].pk}, reason=reason)
        case_approve(actor=reviewer, case=case)
    if len(employers) > 1:
        pd_export_request(actor=clerk, kind="employees", filters={"employer": employers[1].pk}, reason=reason)
    ctx.lap("数据安全：敏感信息查看记录、个人数据导出申请")
