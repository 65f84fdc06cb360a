"""Helpers of the registration pages: scoped fetches, grants, change history display."""

from __future__ import annotations

from django.db.models import Q
from django.http import Http404, HttpRequest

from shebao.core.access import cases_for, has_grant
from shebao.core.choices import Action
from shebao.core.errors import NotFoundError
from shebao.core.identifiers import mask_id
from shebao.core.models import Agency, AuditEvent, Region
from shebao.core.views import (
    audit_label,
)

from ..choices import (
    ContributionMethod,
    EmployerStatus,
    PersonStatus,
    TerminationReason,
    UnitType,
)
from ..models import Employer, InsuranceType, Person
from ..selectors import (
    employer_get_for,
    person_get_for,
)

# --------------------------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------------------------


def _employer_or_404(request: HttpRequest, employer_id) -> Employer:
    try:
        return employer_get_for(actor=request.user, employer_id=employer_id)
    except NotFoundError as exc:
        raise Http404(exc.message) from None


def _person_or_404(request: HttpRequest, person_id) -> Person:
    try:
        return person_get_for(actor=request.user, person_id=person_id)
    except NotFoundError as exc:
        raise Http404(exc.message) from None


def _can(user, code: str) -> bool:
    return has_grant(user, code, Action.HANDLE)


def _type_names() -> dict[str, str]:
    return dict(InsuranceType.objects.values_list("code", "name"))


def _names(codes, names: dict[str, str]) -> str:
    return "、".join(f"{c} {names.get(c, '')}".strip() for c in codes or []) or "—"


_FIELD_LABELS = {
    "uscc": "统一社会信用代码",
    "name": "名称",
    "unit_type": "单位类型",
    "legal_rep": "法定代表人",
    "address": "地址",
    "region": "所在区划",
    "industry_code": "行业代码",
    "injury_risk_class": "工伤风险类别",
    "contact_name": "联系人",
    "contact_phone": "联系电话",
    "bank_name": "开户银行",
    "bank_account": "银行账号",
    "phone": "联系电话",
    "ethnicity": "民族",
    "contribution_method": "缴费方式",
    "benefit_bank_name": "待遇发放银行",
    "benefit_bank_account": "待遇发放账号",
    "status": "状态",
    "cancelled_on": "注销日期",
    "cancel_reason": "注销原因",
    "terminated_on": "终止日期",
    "termination_reason": "终止原因",
    "employer": "所在单位",
    "agency": "经办机构",
    "insurances": "险种",
    "start_month": "起始月",
    "id_number": "社会保障号码",
    "add": "增加险种",
    "remove": "减少险种",
    "suspend": "停保险种",
    "resume": "续保险种",
    "month": "月份",
    "reason": "原因",
    "note": "说明",
    "persons": "人数",
    "reg_no": "社会保险登记编号",
}
_SECRET = ("id_number", "bank_account", "benefit_bank_account")


def _display(key: str, value, names: dict[str, str], *, full: bool) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if key in _SECRET and not full:
        return mask_id(str(value))
    if key in ("insurances", "add", "remove", "suspend", "resume"):
        return _names(value, names)
    if key in ("start_month", "month"):
        return str(value)[:7]
    if key == "injury_risk_class":
        return f"{value}类"
    if key == "unit_type":
        return UnitType(value).label if value in UnitType.values else str(value)
    if key == "contribution_method":
        return ContributionMethod(value).label if value in ContributionMethod.values else str(value)
    if key == "termination_reason":
        return TerminationReason(value).label if value in TerminationReason.values else str(value)
    if key == "status":
        labels = {**dict(EmployerStatus.choices), **dict(PersonStatus.choices)}
        return labels.get(value, str(value))
    if key in _REFERENCES:
        ref = f"{key}:{value}"
        if ref not in names:  # not prefetched (a single case page): look this one up
            names[ref] = _reference_names([_Values({key: value})]).get(ref, str(value))
        return names[ref]
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    return str(value)


_REFERENCES = ("region", "employer", "agency")  # keys whose values are ids shown by name


class _Values:
    """A stand-in audit event carrying one value, for looking up a single reference name."""

    def __init__(self, after: dict):
        self.before, self.after = None, after


def _reference_names(events) -> dict[str, str]:
    """Names of the regions, employers and agencies the events mention: one query per kind, not one per row."""
    wanted: dict[str, set] = {key: set() for key in _REFERENCES}
    for e in events:
        for side in (e.before or {}, e.after or {}):
            for key in _REFERENCES:
                value = side.get(key)
                if value not in (None, "") and (key == "region" or str(value).isdigit()):
                    wanted[key].add(str(value))
    names: dict[str, str] = {}
    if wanted["region"]:
        names |= {f"region:{r.code}": str(r) for r in Region.objects.filter(code__in=wanted["region"])}
    if wanted["employer"]:
        rows = Employer.objects.filter(pk__in=wanted["employer"]).values_list("pk", "name")
        names |= {f"employer:{pk}": name for pk, name in rows}
    if wanted["agency"]:
        names |= {
            f"agency:{pk}": name
            for pk, name in Agency.objects.filter(pk__in=wanted["agency"]).values_list("pk", "name")
        }
    return names


# On a creation event (no "before") only these fields are listed; the full record is on the page itself.
_CREATION_KEYS = ("reg_no", "name", "employer", "insurances", "start_month")


def change_history(object_type: str, object_id: int, *, full: bool, limit: int = 50) -> list[dict]:
    """The audit log of one employer or person as readable entries: when, who, what, field before → after."""
    names = _type_names()
    labels = {**_FIELD_LABELS, "name": "姓名" if object_type == "person" else "单位名称"}
    events = AuditEvent.objects.filter(object_type=object_type, object_id=str(object_id)).select_related("case")
    events = list(events.order_by("-seq")[:limit])
    names = {**names, **_reference_names(events)}
    out = []
    for e in events:
        before, after = e.before or {}, e.after or {}
        keys = [*before, *[k for k in after if k not in before]]
        if not before:
            keys = [k for k in _CREATION_KEYS if after.get(k) not in (None, "", [])]
        rows = []
        for key in keys:
            if key not in labels:
                continue
            old, new = before.get(key), after.get(key)
            if key in before and old == new:
                continue
            rows.append(
                (
                    labels[key],
                    _display(key, old, names, full=full) if key in before else "",
                    _display(key, new, names, full=full),
                )
            )
        out.append({"event": e, "label": audit_label(e.action), "rows": rows})
    return out


def _related_cases(request: HttpRequest, *, employer: Employer | None = None, person: Person | None = None):
    """Cases of the employer or person (directly, or through the audit log, e.g. a bulk 增员), within scope."""
    obj = employer or person
    kind = "employer" if employer else "person"
    via_audit = AuditEvent.objects.filter(object_type=kind, object_id=str(obj.pk), case__isnull=False).values("case_id")
    direct = Q(employer=employer) if employer else Q(person=person)
    return (
        cases_for(request.user)
        .select_related("item__parent")
        .filter(direct | Q(pk__in=via_audit))
        .order_by("-submitted_at", "-pk")
    )
