"""01010101 单位参保登记, 01010102 单位变更登记 (incl. 分立合并, 成建制转移), 01010103 单位注销登记."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from shebao.core import validation as v
from shebao.core.audit import audit_write
from shebao.core.blockers import blockers_for
from shebao.core.cases import CaseKeySpec, case_open, next_number, subject_key
from shebao.core.errors import ApplicationError, ConflictError
from shebao.core.identifiers import validate_uscc
from shebao.core.materials import SubmittedMaterials
from shebao.core.models import Agency, Case, Region
from shebao.core.payloads import Payload, load_payload
from shebao.core.records import apply_changes, channel_for, snapshot

from ..choices import EmployerStatus, EnrolmentStatus, Scheme, UnitType
from ..models import Employer, EmployerInsurance, Enrolment
from .common import ensure_agency_in_scope, ensure_employer_scope, insurance_types, require_active

EMPLOYER_FIELDS = [
    "uscc",
    "name",
    "unit_type",
    "legal_rep",
    "address",
    "region",
    "industry_code",
    "injury_risk_class",
    "contact_name",
    "contact_phone",
    "bank_name",
    "bank_account",
]

# Checks that must pass before an employer may be deregistered: callables (employer) -> list of reasons.
# Cluster 02 (contributions) registers its arrears check here.
DEREGISTRATION_CHECKS: list[Callable[[Employer], list[str]]] = []


@dataclass
class EmployerEnrolPayload(Payload):
    """01010101 单位参保登记 request: the unit's validated details, insurance types and first month."""

    uscc: str
    name: str
    unit_type: str
    legal_rep: str
    address: str
    region: str
    industry_code: str
    injury_risk_class: int
    contact_name: str
    contact_phone: str
    bank_name: str
    bank_account: str
    insurances: list[str]
    start_month: dt.date


@dataclass
class EmployerChangePayload(Payload):
    """01010102 单位变更登记 request: changed details, insurance types added/removed from a month."""

    employer: int
    changes: dict
    add: list[str] = field(default_factory=list)
    remove: list[str] = field(default_factory=list)
    month: dt.date | None = None


@dataclass
class EmployerDeregisterPayload(Payload):
    """01010103 单位注销登记 request: reason and date."""

    employer: int
    reason: str
    date: dt.date


def uscc_key(uscc: str) -> CaseKeySpec:
    """A second open 01010101 case for the same USCC is refused."""
    return subject_key("01010101", "uscc", uscc, field="uscc", label="该统一社会信用代码")


def employer_key(code: str, employer_id: int) -> CaseKeySpec:
    """The key of a unit's open case of item `code`."""
    return subject_key(code, "employer", employer_id, field="non_field_errors", label="该单位")


def _clean_employer_fields(data: dict, *, partial: bool, errors: v.Errors) -> dict:
    """Validate employer details; with partial=True only the keys present are checked."""
    out: dict = {}

    def want(key: str) -> bool:
        return not partial or key in data

    if want("uscc"):
        out["uscc"] = errors.capture(validate_uscc, data.get("uscc"), field="uscc")
    if want("name"):
        out["name"] = errors.capture(v.required, data.get("name"), "name", "单位名称", max_length=100)
    if want("unit_type"):
        unit_type = str(data.get("unit_type") or "").strip()
        if unit_type not in UnitType.values:
            errors.add("unit_type", "单位类型无效")
        out["unit_type"] = unit_type
    if want("legal_rep"):
        out["legal_rep"] = errors.capture(v.required, data.get("legal_rep"), "legal_rep", "法定代表人", max_length=50)
    if want("address"):
        out["address"] = errors.capture(v.required, data.get("address"), "address", "地址", max_length=200)
    if want("region"):
        code = str(data.get("region") or "").strip()
        if not Region.objects.filter(code=code).exists():
            errors.add("region", "所在区划代码不存在（应为GB/T 2260六位代码）")
        out["region"] = code
    if want("industry_code"):
        out["industry_code"] = errors.capture(v.industry_code, data.get("industry_code"))
    if want("injury_risk_class"):
        out["injury_risk_class"] = errors.capture(v.risk_class, data.get("injury_risk_class"))
    if want("contact_name"):
        out["contact_name"] = errors.capture(
            v.required, data.get("contact_name"), "contact_name", "联系人", max_length=50
        )
    if want("contact_phone"):
        out["contact_phone"] = errors.capture(v.phone, data.get("contact_phone"), "contact_phone")
    if want("bank_name"):
        out["bank_name"] = errors.capture(v.optional, data.get("bank_name"), "bank_name", "开户银行", max_length=100)
    if want("bank_account"):
        out["bank_account"] = errors.capture(v.bank_account, data.get("bank_account"), "bank_account")
    return out


def _duplicate_uscc(uscc: str, *, exclude_employer: int | None = None) -> str | None:
    qs = Employer.objects.filter(uscc=uscc)
    if exclude_employer:
        qs = qs.exclude(pk=exclude_employer)
    if qs.exists():
        return "该统一社会信用代码已登记参保，不能重复登记"
    return None


@transaction.atomic
def employer_enrol(
    *,
    actor,
    data: dict,
    agency: Agency | None = None,
    channel: str | None = None,
    materials: SubmittedMaterials | None = None,
) -> Case:
    """01010101 单位参保登记: validate the declaration and open a case; the unit exists once approved."""
    errors = v.Errors()
    clean = _clean_employer_fields(data, partial=False, errors=errors)
    allowed = insurance_types(scheme=Scheme.EMPLOYEE)
    codes = errors.capture(v.code_list, data.get("insurances"), "insurances", allowed)
    if codes is not None and not codes:
        errors.add("insurances", "请至少选择一个参保险种")
    agency = agency or actor.agency
    if agency is None:
        raise ApplicationError("请指定参保经办机构", field="agency")
    ensure_agency_in_scope(actor, agency)
    today = timezone.localdate()
    month = errors.capture(v.parse_month, data.get("start_month"))
    if month:
        errors.capture(v.start_month_window, month, today=today, region=agency.region_id)
    if clean.get("uscc"):
        dup = _duplicate_uscc(clean["uscc"])
        if dup:
            errors.add("uscc", dup)
    errors.raise_if_any()
    payload = EmployerEnrolPayload(**clean, insurances=codes, start_month=month)
    return case_open(
        actor=actor,
        item_code="01010101",
        agency=agency,
        channel=channel_for(actor, channel),
        summary=f"单位参保登记：{clean['name']}",
        payload=payload,
        applicant_name=clean["name"],
        keys=[uscc_key(clean["uscc"])],
        materials=materials,
    )


def apply_employer_enrol(*, case: Case, actor) -> dict:
    """Applier of 01010101: create the unit with its registration number and insurance types."""
    p: EmployerEnrolPayload = load_payload(case)
    if Employer.objects.filter(uscc=p.uscc).exists():
        raise ConflictError("该统一社会信用代码已登记参保，不能重复登记", field="uscc")
    month = p.start_month
    reg_no = f"{case.agency.region_id}{next_number('employer_reg_no:' + case.agency.region_id):08d}"
    fields = {k: getattr(p, k) for k in EMPLOYER_FIELDS if k != "region"}
    employer = Employer.objects.create(
        reg_no=reg_no, region_id=p.region, agency=case.agency, registered_on=timezone.localdate(), **fields
    )
    EmployerInsurance.objects.bulk_create(
        [EmployerInsurance(employer=employer, insurance_type_id=c, start_month=month) for c in p.insurances]
    )
    case.employer = employer
    case.save(update_fields=["employer"])
    audit_write(
        actor=actor,
        action="employer.create",
        item_code="01010101",
        object_type="employer",
        object_id=employer.pk,
        after={**snapshot(employer), "insurances": p.insurances},
        case=case,
    )
    return {"employer_id": employer.pk, "reg_no": reg_no}


@transaction.atomic
def employer_change(
    *,
    actor,
    employer: Employer,
    changes: dict | None = None,
    add_insurances: list[str] | None = None,
    remove_insurances: list[str] | None = None,
    effective_month=None,
    channel: str | None = None,
    materials: SubmittedMaterials | None = None,
) -> Case:
    """01010102 单位变更登记: change of details and insurance types (history kept in the audit log)."""
    ensure_employer_scope(actor, employer)
    require_active(employer, "参保单位")
    changes = {k: val for k, val in (changes or {}).items() if k in EMPLOYER_FIELDS}
    errors = v.Errors()
    clean = _clean_employer_fields(changes, partial=True, errors=errors)
    diff = {
        k: val
        for k, val in clean.items()
        if val is not None and str(getattr(employer, k if k != "region" else "region_id")) != str(val)
    }
    if "uscc" in diff:
        dup = _duplicate_uscc(diff["uscc"], exclude_employer=employer.pk)
        if dup:
            errors.add("uscc", dup)
    allowed = insurance_types(scheme=Scheme.EMPLOYEE)
    add = errors.capture(v.code_list, add_insurances, "add_insurances", allowed) or []
    remove = errors.capture(v.code_list, remove_insurances, "remove_insurances", allowed) or []
    current = set(employer.insurances.filter(active=True).values_list("insurance_type_id", flat=True))
    for code in add:
        if code in current:
            errors.add("add_insurances", f"单位已参加险种 {code}")
    for code in remove:
        if code not in current:
            errors.add("remove_insurances", f"单位未参加险种 {code}")
        elif Enrolment.objects.filter(
            employer=employer, insurance_type_id=code, status=EnrolmentStatus.ACTIVE
        ).exists():
            errors.add("remove_insurances", f"险种 {code} 仍有在职参保人员，请先办理减员")
    month = None
    if add or remove:
        month = errors.capture(v.parse_month, effective_month, "effective_month", "变更生效月")
    if not diff and not add and not remove and not errors.errors:
        errors.add("non_field_errors", "没有需要变更的内容")
    errors.raise_if_any()
    payload = EmployerChangePayload(employer=employer.pk, changes=diff, add=add, remove=remove, month=month)
    return case_open(
        actor=actor,
        item_code="01010102",
        agency=employer.agency,
        channel=channel_for(actor, channel),
        summary=f"单位变更登记：{employer.name}",
        payload=payload,
        employer=employer,
        keys=[employer_key("01010102", employer.pk)],
        materials=materials,
    )


def _apply_details(case: Case, actor, employer: Employer, p: EmployerChangePayload) -> dict:
    if "uscc" in p.changes and Employer.objects.filter(uscc=p.changes["uscc"]).exclude(pk=employer.pk).exists():
        raise ConflictError("该统一社会信用代码已登记参保", field="uscc")
    apply_changes(
        actor=actor,
        case=case,
        obj=employer,
        changes=p.changes,
        action="employer.change",
        extra={"add": p.add, "remove": p.remove},
    )
    for code in p.add:
        EmployerInsurance.objects.create(employer=employer, insurance_type_id=code, start_month=p.month)
    if p.remove:
        EmployerInsurance.objects.filter(employer=employer, insurance_type_id__in=p.remove, active=True).update(
            active=False, end_month=p.month
        )
    return {"employer_id": employer.pk, "changed": sorted(p.changes), "add": p.add, "remove": p.remove}


def apply_employer_change(*, case: Case, actor) -> dict:
    """Applier of 01010102: details, 分立合并 or 成建制转移, by the payload's type."""
    from .restructure import (
        EmployerRestructurePayload,
        EmployerTransferPayload,
        _apply_agency_transfer,
        _apply_restructure,
    )

    p = load_payload(case)
    if isinstance(p, EmployerRestructurePayload):
        return _apply_restructure(case, actor, p)
    employer = Employer.objects.select_for_update().get(pk=p.employer)
    require_active(employer, "参保单位")
    if isinstance(p, EmployerTransferPayload):
        return _apply_agency_transfer(case, actor, employer, p)
    return _apply_details(case, actor, employer, p)


def deregistration_blockers(employer: Employer) -> list[str]:
    """Reasons the unit cannot be deregistered now: active employees, and what other apps register with core
    (`core.blockers`, action `employer.deregister`: contributions refuses a unit with arrears)."""
    reasons = []
    active = (
        Enrolment.objects.filter(employer=employer, status=EnrolmentStatus.ACTIVE)
        .values("person_id")
        .distinct()
        .count()
    )
    if active:
        reasons.append(f"单位仍有 {active} 名在职参保人员，请先办理减员")
    for check in DEREGISTRATION_CHECKS:
        reasons.extend(check(employer))
    reasons.extend(blockers_for("employer.deregister", employer))  # e.g. contributions: arrears
    return reasons


@transaction.atomic
def employer_deregister(
    *,
    actor,
    employer: Employer,
    reason: str,
    cancel_date=None,
    channel: str | None = None,
    materials: SubmittedMaterials | None = None,
) -> Case:
    """01010103 单位注销登记: refused while employees or arrears remain; ends all the unit's relationships."""
    ensure_employer_scope(actor, employer)
    require_active(employer, "参保单位")
    errors = v.Errors()
    reason_text = errors.capture(v.required, reason, "reason", "注销原因", max_length=200)
    day = errors.capture(v.parse_date, cancel_date, "cancel_date", "注销日期")
    if day:
        errors.capture(v.not_future, day, timezone.localdate(), "cancel_date", "注销日期")
        if day < employer.registered_on:
            errors.add("cancel_date", "注销日期不能早于登记日期")
    for blocker in deregistration_blockers(employer):
        errors.add("employer", blocker)
    errors.raise_if_any()
    return case_open(
        actor=actor,
        item_code="01010103",
        agency=employer.agency,
        channel=channel_for(actor, channel),
        summary=f"单位注销登记：{employer.name}",
        employer=employer,
        payload=EmployerDeregisterPayload(employer=employer.pk, reason=reason_text, date=day),
        keys=[employer_key("01010103", employer.pk)],
        materials=materials,
    )


def _cancel_employer(
    actor, case: Case, employer: Employer, *, day: dt.date, reason: str, successor: Employer | None = None
) -> None:
    before = snapshot(employer, ["status", "cancelled_on", "cancel_reason"])
    employer.status, employer.cancelled_on, employer.cancel_reason = EmployerStatus.CANCELLED, day, reason
    employer.successor = successor
    employer.version += 1
    employer.save(update_fields=["status", "cancelled_on", "cancel_reason", "successor", "version"])
    month = day.replace(day=1)
    EmployerInsurance.objects.filter(employer=employer, active=True).update(active=False, end_month=month)
    Enrolment.objects.filter(employer=employer).exclude(status=EnrolmentStatus.ENDED).update(
        status=EnrolmentStatus.ENDED, end_month=month, end_reason="单位注销"
    )
    audit_write(
        actor=actor,
        action="employer.cancel",
        item_code=case.item_id,
        object_type="employer",
        object_id=employer.pk,
        before=before,
        after=snapshot(employer, ["status", "cancelled_on", "cancel_reason"]),
        case=case,
    )


def apply_employer_deregister(*, case: Case, actor) -> dict:
    """Applier of 01010103: refuse if blockers appeared since submission; cancel the unit and end its enrolments."""
    p: EmployerDeregisterPayload = load_payload(case)
    employer = Employer.objects.select_for_update().get(pk=p.employer)
    require_active(employer, "参保单位")
    blockers = deregistration_blockers(employer)
    if blockers:
        raise ConflictError(blockers[0], field="employer")
    _cancel_employer(actor, case, employer, day=p.date, reason=p.reason)
    return {"employer_id": employer.pk, "cancelled_on": p.date.isoformat()}
