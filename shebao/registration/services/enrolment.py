"""01010201 个人参保登记: one person or a bulk 增员, validated set-wise (the applier is in `enrolment_apply`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from shebao.core import validation as v
from shebao.core.access import is_staff, require_grant
from shebao.core.cases import (
    CaseKeySpec,
    case_open,
    pending_cases,
    pending_message,
    subject_key,
)
from shebao.core.choices import Action, Role
from shebao.core.errors import ApplicationError, ConflictError
from shebao.core.identifiers import parse_citizen_id
from shebao.core.models import Agency, Case, CaseKey
from shebao.core.parameters import param_lookup
from shebao.core.payloads import Payload
from shebao.core.pgcopy import rows_where_in
from shebao.core.records import channel_for

from ..choices import EmployerStatus, EnrolmentStatus, PersonCategory, PersonStatus
from ..models import Employer, EmployerInsurance, Enrolment, Person
from .common import ensure_employer_scope, insurance_types

ROW_FIELDS = ("id_number", "name", "phone", "address", "ethnicity", "insurances", "start_month")
CATEGORY_TYPES = {
    PersonCategory.FLEXIBLE: {"110": "企业职工基本养老保险", "310": "职工基本医疗保险"},
    PersonCategory.RESIDENT: {"170": "城乡居民基本养老保险", "390": "城乡居民基本医疗保险"},
}


@dataclass
class RowError:
    """One problem in one row of a bulk upload (row numbers as the clerk sees them in Excel)."""

    row: int
    field: str
    message: str
    conflict: bool = False  # against the records or an open case (409 for a single person), not the input


@dataclass
class BulkResult:
    """Outcome of a bulk enrolment: the case for the valid rows (if any) and the per-row errors."""

    case: Case | None
    valid: int
    errors: list[RowError] = field(default_factory=list)


@dataclass
class PersonEnrolPayload(Payload):
    """01010201 个人参保登记 request: the unit (none for 灵活就业/城乡居民), category and the validated rows."""

    employer: int | None
    category: str
    rows: list[dict]


def enrol_keys(rows: list[dict]) -> list[CaseKeySpec]:
    """One key per ID number: a second open 01010201 case for the same person is refused."""
    return [subject_key("01010201", "id", r["id_number"], field="id_number", label="该人员") for r in rows]


def _allowed_types(employer: Employer | None, category: str) -> dict[str, str]:
    if employer is not None:
        names = insurance_types()
        active = EmployerInsurance.objects.filter(employer=employer, active=True).values_list(
            "insurance_type_id", flat=True
        )
        return {c: names[c] for c in active}
    return dict(CATEGORY_TYPES[category])


def _outcome(func, *args, **kwargs) -> tuple:
    """(clean value, ()) of one check, or (None, ((field, message), …)) when it refuses the value."""
    try:
        return func(*args, **kwargs), ()
    except ApplicationError as exc:
        by_field = exc.errors or {"non_field_errors": [exc.message]}
        return None, tuple((fld, m) for fld, msgs in by_field.items() for m in msgs)


class _Column:
    """A column's check, run once per distinct value: an upload repeats its months, types, ethnicities."""

    def __init__(self, func) -> None:
        self.func, self.seen = func, {}

    def __call__(self, raw) -> tuple:
        key = tuple(raw) if type(raw) is list else raw
        try:
            return self.seen[key]
        except KeyError:
            pass
        except TypeError:  # an unhashable cell: check it every time
            return self.func(raw)
        result = self.seen[key] = self.func(raw)
        return result


def _column_checks(allowed: dict[str, str], earliest: dt.date, latest: dt.date) -> dict[str, _Column]:
    def month(raw) -> tuple:
        value, errs = _outcome(v.parse_month, raw)
        if value and not earliest <= value <= latest:
            window = f"参保起始月应在{earliest:%Y-%m}至{latest:%Y-%m}之间（更早的月份请办理补缴）"
            errs = (*errs, ("start_month", window))
        return value, errs

    def codes(raw) -> tuple:
        value, errs = _outcome(v.code_list, raw, "insurances", allowed)
        if value is not None and not value:
            errs = (*errs, ("insurances", "请至少选择一个险种"))
        return value, errs

    return {
        "phone": _Column(lambda raw: _outcome(v.phone, raw, allow_blank=True)),
        "address": _Column(lambda raw: _outcome(v.optional, raw, "address", "居住地址", max_length=200)),
        "ethnicity": _Column(lambda raw: _outcome(v.optional, raw or "汉族", "ethnicity", "民族", max_length=20)),
        "insurances": _Column(codes),
        "start_month": _Column(month),
    }


def _validate_rows(
    rows: list[dict], *, employer: Employer | None, category: str, agency: Agency, first_row: int = 1
) -> tuple[list[dict], list[RowError]]:
    """Check every row (each distinct value of a repeated column once), then all rows against the database in a
    few set-wise queries. Every problem of every row is reported."""
    today = timezone.localdate()
    allowed = _allowed_types(employer, category)
    min_age = param_lookup("registration.min_age", region=agency.region_id, on=today).as_int()
    back = param_lookup("registration.enrol_backdate_months", region=agency.region_id, on=today).as_int()
    ahead = param_lookup("registration.enrol_advance_months", region=agency.region_id, on=today).as_int()
    this_month = today.replace(day=1)
    columns = _column_checks(allowed, v.month_add(this_month, -back), v.month_add(this_month, ahead))
    phone, address, ethnicity = columns["phone"], columns["address"], columns["ethnicity"]
    insurances, start_month = columns["insurances"], columns["start_month"]
    employee = category == PersonCategory.EMPLOYEE
    day = (today.month, today.day)
    clean, errors, seen = [], [], {}

    for offset, raw in enumerate(rows):
        # Rows read from Excel carry their sheet row number (empty rows are skipped, so offsets may not match).
        n = raw["row"] if type(raw.get("row")) is int else first_row + offset
        get = raw.get
        cid, e_id = _outcome(parse_citizen_id, str(get("id_number") or ""), today=today)
        name, e_name = _outcome(v.required, get("name"), "name", "姓名", max_length=50)
        tel, e_tel = phone(get("phone"))
        addr, e_addr = address(get("address"))
        eth, e_eth = ethnicity(get("ethnicity"))
        codes, e_codes = insurances(get("insurances"))
        month, e_month = start_month(get("start_month"))
        row_errors = [*e_id, *e_name, *e_tel, *e_addr, *e_eth, *e_codes, *e_month]
        if cid:
            born = cid.birth_date
            if employee and today.year - born.year - (day < (born.month, born.day)) < min_age:
                row_errors.append(("id_number", f"未满{min_age}周岁，不能参加职工社会保险"))
            if cid.number in seen:
                row_errors.append(("id_number", f"与第{seen[cid.number]}行的社会保障号码重复"))
            else:
                seen[cid.number] = n
        if row_errors:
            errors.extend(RowError(n, fld, msg) for fld, msg in row_errors)
            continue
        clean.append(
            {
                "row": n,
                "id_number": cid.number,
                "name": name,
                "gender": cid.gender,
                "birth_date": cid.birth_date.isoformat(),
                "phone": tel,
                "address": addr,
                "ethnicity": eth,
                "insurances": list(codes),
                "start_month": month.isoformat(),
            }
        )

    clean, db_errors = _check_against_database(clean)
    errors.extend(db_errors)
    errors.sort(key=lambda e: e.row)
    return clean, errors


def known_persons(numbers: list[str]) -> dict[str, tuple[int, str]]:
    """Persons already registered under any of these ID numbers: number → (pk, status)."""
    return {num: (pk, st) for num, pk, st in rows_where_in(Person, "id_number", numbers, ("id_number", "id", "status"))}


def _check_against_database(
    rows: list[dict], *, exclude_case: Case | None = None, known: dict[str, tuple[int, str]] | None = None
) -> tuple[list[dict], list[RowError]]:
    """Conflicts with the database: a pending case for the same person, a terminated relationship, or the same
    insurance type already active. Three set-wise queries whatever the number of rows."""
    if not rows:
        return rows, []
    existing = known_persons([r["id_number"] for r in rows]) if known is None else known
    active: dict[int, set[str]] = {}
    pks = [pk for pk, _ in existing.values()]
    for pid, code in rows_where_in(
        Enrolment, "person_id", pks, ("person_id", "insurance_type_id"), status=EnrolmentStatus.ACTIVE
    ):
        active.setdefault(pid, set()).add(code)
    names = insurance_types() if active else {}
    keys = enrol_keys(rows)
    if exclude_case is not None and CaseKey.objects.filter(case=exclude_case).count() == len(keys):
        pending = {}  # the case claimed its rows' keys when it was opened, and a key has one holder
    else:
        pending = pending_cases((k.key for k in keys), exclude=exclude_case)
    ok, errors = [], []
    for row, key in zip(rows, keys, strict=True):
        if pending and key.key in pending:
            errors.append(RowError(row["row"], "id_number", pending_message(pending[key.key], "该人员"), True))
            continue
        hit = existing.get(row["id_number"])
        if hit:
            pk, status = hit
            if status == PersonStatus.TERMINATED:
                errors.append(RowError(row["row"], "id_number", "该人员社会保险关系已终止，不能参保登记", True))
                continue
            clash = [c for c in row["insurances"] if c in active.get(pk, set())]
            if clash:
                types = "、".join(names[c] for c in clash)
                errors.append(RowError(row["row"], "insurances", f"该人员已有有效的{types}参保登记", True))
                continue
        ok.append(row)
    return ok, errors


def _enrol_agency(actor, employer: Employer | None) -> Agency:
    if employer is not None:
        return employer.agency
    if is_staff(actor):
        return actor.agency
    if actor.role == Role.INSURED and actor.person_id:
        return actor.person.agency
    raise ApplicationError("请指定参保单位", field="employer")


def _check_enrol_actor(actor, employer: Employer | None, category: str, rows: list[dict]) -> None:
    if category not in PersonCategory.values:
        raise ApplicationError("人员类别无效", field="category")
    if category == PersonCategory.EMPLOYEE and employer is None:
        raise ApplicationError("单位职工参保登记须指定参保单位", field="employer")
    if category != PersonCategory.EMPLOYEE and employer is not None:
        raise ApplicationError("灵活就业人员和城乡居民参保不能指定单位", field="employer")
    if employer is not None:
        ensure_employer_scope(actor, employer)
        if employer.status != EmployerStatus.ACTIVE:
            raise ApplicationError("参保单位已注销，不能增员", field="employer")
    if actor.role == Role.INSURED:
        own = actor.person.id_number if actor.person_id else None
        if len(rows) != 1 or str(rows[0].get("id_number", "")).upper() != own:
            raise ApplicationError("个人只能为本人申报参保登记", field="id_number")


def _open_enrol_case(*, actor, employer, category, agency, clean, channel) -> Case:
    first = clean[0]
    summary = (
        f"个人参保登记：{first['name']}"
        if len(clean) == 1
        else f"批量增员：{employer.name if employer else ''} {len(clean)}人"
    )
    return case_open(
        actor=actor,
        item_code="01010201",
        agency=agency,
        channel=channel_for(actor, channel),
        summary=summary,
        payload=PersonEnrolPayload(employer=employer.pk if employer else None, category=category, rows=clean),
        employer=employer,
        applicant_name=employer.name if employer else first["name"],
        keys=enrol_keys(clean),
    )


@transaction.atomic
def person_enrol(
    *,
    actor,
    data: dict,
    employer: Employer | None = None,
    category: str = PersonCategory.EMPLOYEE,
    channel: str | None = None,
) -> Case:
    """01010201 个人参保登记: one person (增员 by the employer, or 灵活就业/城乡居民 by the individual)."""
    _check_enrol_actor(actor, employer, category, [data])
    agency = _enrol_agency(actor, employer)
    row = {k: data.get(k) for k in ROW_FIELDS}
    clean, errors = _validate_rows([row], employer=employer, category=category, agency=agency)
    if errors:
        by_field: dict[str, list[str]] = {}
        for e in errors:
            by_field.setdefault(e.field, []).append(e.message)
        # Already enrolled, terminated or a pending case for the same ID number: a conflict (409), as for every item.
        refused = ConflictError if all(e.conflict for e in errors) else ApplicationError
        raise refused(errors[0].message, errors=by_field)
    return _open_enrol_case(
        actor=actor, employer=employer, category=category, agency=agency, clean=clean, channel=channel
    )


def person_enrol_bulk_validate(
    *,
    actor,
    rows: list[dict],
    employer: Employer | None = None,
    category: str = PersonCategory.EMPLOYEE,
    first_row: int = 2,
) -> tuple[Agency, list[dict], list[RowError]]:
    """01010201 批量增员 check, writing nothing: the agency, the valid rows and the per-row errors."""
    require_grant(actor, "01010201", Action.HANDLE)
    if not rows:
        raise ApplicationError("文件中没有数据行", field="file")
    _check_enrol_actor(actor, employer, category, rows if actor.role == Role.INSURED else [])
    agency = _enrol_agency(actor, employer)
    clean, errors = _validate_rows(rows, employer=employer, category=category, agency=agency, first_row=first_row)
    return agency, clean, errors


@transaction.atomic
def person_enrol_bulk(
    *,
    actor,
    rows: list[dict],
    employer: Employer | None = None,
    category: str = PersonCategory.EMPLOYEE,
    channel: str | None = None,
    first_row: int = 2,
) -> BulkResult:
    """01010201 批量增员: valid rows go into one case; invalid rows are returned with reasons and saved nowhere."""
    agency, clean, errors = person_enrol_bulk_validate(
        actor=actor, rows=rows, employer=employer, category=category, first_row=first_row
    )
    case = None
    if clean:
        case = _open_enrol_case(
            actor=actor, employer=employer, category=category, agency=agency, clean=clean, channel=channel
        )
    return BulkResult(case=case, valid=len(clean), errors=errors)
