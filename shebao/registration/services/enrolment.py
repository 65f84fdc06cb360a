"""01010201 个人参保登记: one person or a bulk 增员 (validated set-wise, written by COPY on PostgreSQL)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from shebao.core import validation as v
from shebao.core.access import is_staff, require_grant
from shebao.core.audit import AuditEntry, audit_write_many
from shebao.core.cases import (
    CaseKeySpec,
    case_open,
    pending_cases,
    pending_message,
    subject_key,
)
from shebao.core.choices import Action, Role
from shebao.core.errors import ApplicationError, ConflictError
from shebao.core.identifiers import mask_id, parse_citizen_id
from shebao.core.materials import SubmittedMaterials
from shebao.core.models import Agency, Case
from shebao.core.parameters import param_lookup
from shebao.core.payloads import Payload, load_payload
from shebao.core.pgcopy import copy_columns, copy_new_objects, copy_value
from shebao.core.records import channel_for

from ..choices import (
    ContributionMethod,
    EmployerStatus,
    EnrolmentStatus,
    PersonCategory,
    PersonStatus,
)
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


def _validate_rows(
    rows: list[dict], *, employer: Employer | None, category: str, agency: Agency, first_row: int = 1
) -> tuple[list[dict], list[RowError]]:
    """Check every row, then check them all against the database in a few set-wise queries."""
    today = timezone.localdate()
    allowed = _allowed_types(employer, category)
    min_age = param_lookup("registration.min_age", region=agency.region_id, on=today).as_int()
    back = param_lookup("registration.enrol_backdate_months", region=agency.region_id, on=today).as_int()
    ahead = param_lookup("registration.enrol_advance_months", region=agency.region_id, on=today).as_int()
    this_month = today.replace(day=1)
    earliest, latest = v.month_add(this_month, -back), v.month_add(this_month, ahead)
    clean, errors, seen = [], [], {}

    for offset, raw in enumerate(rows):
        # Rows read from Excel carry their sheet row number (empty rows are skipped, so offsets may not match).
        n = raw["row"] if type(raw.get("row")) is int else first_row + offset
        row_errors: list[RowError] = []

        def check(func, *args, _n=n, _errs=row_errors, **kwargs):
            try:
                return func(*args, **kwargs)
            except ApplicationError as exc:
                for fld, msgs in (exc.errors or {"non_field_errors": [exc.message]}).items():
                    _errs.extend(RowError(_n, fld, m) for m in msgs)
                return None

        cid = check(parse_citizen_id, str(raw.get("id_number") or ""), today=today)
        name = check(v.required, raw.get("name"), "name", "姓名", max_length=50)
        phone = check(v.phone, raw.get("phone"), allow_blank=True)
        address = check(v.optional, raw.get("address"), "address", "居住地址", max_length=200)
        ethnicity = check(v.optional, raw.get("ethnicity") or "汉族", "ethnicity", "民族", max_length=20)
        codes = check(v.code_list, raw.get("insurances"), "insurances", allowed)
        if codes is not None and not codes:
            row_errors.append(RowError(n, "insurances", "请至少选择一个险种"))
        month = check(v.parse_month, raw.get("start_month"))
        if month and not earliest <= month <= latest:
            row_errors.append(
                RowError(
                    n, "start_month", f"参保起始月应在{earliest:%Y-%m}至{latest:%Y-%m}之间（更早的月份请办理补缴）"
                )
            )
        if cid:
            age = (
                today.year
                - cid.birth_date.year
                - ((today.month, today.day) < (cid.birth_date.month, cid.birth_date.day))
            )
            if category == PersonCategory.EMPLOYEE and age < min_age:
                row_errors.append(RowError(n, "id_number", f"未满{min_age}周岁，不能参加职工社会保险"))
            if cid.number in seen:
                row_errors.append(RowError(n, "id_number", f"与第{seen[cid.number]}行的社会保障号码重复"))
            else:
                seen[cid.number] = n
        if row_errors:
            errors.extend(row_errors)
            continue
        clean.append(
            {
                "row": n,
                "id_number": cid.number,
                "name": name,
                "gender": cid.gender,
                "birth_date": cid.birth_date.isoformat(),
                "phone": phone,
                "address": address,
                "ethnicity": ethnicity,
                "insurances": codes,
                "start_month": month.isoformat(),
            }
        )

    clean, db_errors = _check_against_database(clean, employer=employer)
    errors.extend(db_errors)
    errors.sort(key=lambda e: e.row)
    return clean, errors


def _check_against_database(
    rows: list[dict], *, employer: Employer | None, exclude_case: Case | None = None
) -> tuple[list[dict], list[RowError]]:
    """Conflicts with existing persons: a terminated relationship, or the same insurance type already active."""
    if not rows:
        return rows, []
    existing: dict[str, tuple[int, str]] = {}
    numbers = [r["id_number"] for r in rows]
    for chunk_start in range(0, len(numbers), 5000):
        chunk = numbers[chunk_start : chunk_start + 5000]
        existing.update(
            {
                num: (pk, st)
                for num, pk, st in Person.objects.filter(id_number__in=chunk).values_list("id_number", "pk", "status")
            }
        )
    active: dict[int, set[str]] = {}
    pks = [pk for pk, _ in existing.values()]
    for chunk_start in range(0, len(pks), 5000):
        for pid, code in Enrolment.objects.filter(
            person_id__in=pks[chunk_start : chunk_start + 5000], status=EnrolmentStatus.ACTIVE
        ).values_list("person_id", "insurance_type_id"):
            active.setdefault(pid, set()).add(code)
    names = insurance_types()
    pending = pending_cases(k.key for k in enrol_keys(rows))
    ok, errors = [], []
    for row, key in zip(rows, enrol_keys(rows), strict=True):
        if key.key in pending and pending[key.key] != exclude_case:
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


def _open_enrol_case(*, actor, employer, category, agency, clean, channel, materials) -> Case:
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
        materials=materials,
    )


@transaction.atomic
def person_enrol(
    *,
    actor,
    data: dict,
    employer: Employer | None = None,
    category: str = PersonCategory.EMPLOYEE,
    channel: str | None = None,
    materials: SubmittedMaterials | None = None,
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
        actor=actor,
        employer=employer,
        category=category,
        agency=agency,
        clean=clean,
        channel=channel,
        materials=materials,
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
    materials: SubmittedMaterials | None = None,
) -> BulkResult:
    """01010201 批量增员: valid rows go into one case; invalid rows are returned with reasons and saved nowhere."""
    agency, clean, errors = person_enrol_bulk_validate(
        actor=actor, rows=rows, employer=employer, category=category, first_row=first_row
    )
    case = None
    if clean:
        case = _open_enrol_case(
            actor=actor,
            employer=employer,
            category=category,
            agency=agency,
            clean=clean,
            channel=channel,
            materials=materials,
        )
    return BulkResult(case=case, valid=len(clean), errors=errors)


def _copy_enrolments(enrolments: list[tuple], *, employer: Employer | None, agency: Agency) -> None:
    """PostgreSQL COPY of new enrolments (person, type, start month), other columns at their model defaults."""
    if not enrolments:
        return
    fields, sql = copy_columns(Enrolment)
    base = {f.attname: f.get_default() for f in fields}
    base.update(employer_id=employer.pk if employer else None, agency_id=agency.pk)
    given = ("person_id", "insurance_type_id", "start_month")
    positions = [given.index(f.attname) if f.attname in given else None for f in fields]
    template = [copy_value(f, base[f.attname]) for f in fields]
    with connection.wrap_database_errors, connection.cursor() as cur, cur.copy(sql) as copy:
        for values in enrolments:
            copy.write_row([template[i] if pos is None else values[pos] for i, pos in enumerate(positions)])


def apply_person_enrol(*, case: Case, actor) -> dict:
    """Applier of 01010201: create (or re-enrol) the persons and their enrolments, set-wise."""
    p: PersonEnrolPayload = load_payload(case)
    employer = Employer.objects.select_related("agency").get(pk=p.employer) if p.employer else None
    if employer is not None and employer.status != EmployerStatus.ACTIVE:
        raise ConflictError("参保单位已注销，不能增员", field="employer")
    rows = p.rows
    _, errors = _check_against_database(rows, employer=employer, exclude_case=case)
    if errors:
        detail = "；".join(f"第{e.row}行：{e.message}" for e in errors[:5])
        raise ConflictError(f"申报后情况有变，请退回后重新申报：{detail}", field="rows")
    agency = case.agency
    today = timezone.localdate()
    numbers = [r["id_number"] for r in rows]
    existing = {}
    for i in range(0, len(numbers), 5000):
        existing.update({x.id_number: x for x in Person.objects.filter(id_number__in=numbers[i : i + 5000])})
    new_people, touched = [], []
    for r in rows:
        person = existing.get(r["id_number"])
        if person is None:
            new_people.append(
                Person(
                    id_number=r["id_number"],
                    name=r["name"],
                    gender=r["gender"],
                    birth_date=r["birth_date"],
                    ethnicity=r["ethnicity"] or "汉族",
                    phone=r["phone"] or "",
                    address=r["address"] or "",
                    category=p.category,
                    employer=employer,
                    agency=agency,
                    registered_on=today,
                    contribution_method=(ContributionMethod.EMPLOYER if employer else ContributionMethod.SELF),
                )
            )
        else:
            person.employer, person.agency, person.category = employer, agency, p.category
            person.version += 1
            touched.append(person)
    # PostgreSQL takes the rows by COPY (several times faster than INSERT for a 5,000-row upload).
    use_copy = connection.vendor == "postgresql"
    try:
        if use_copy:
            copy_new_objects(Person, new_people, key="id_number")
        else:
            Person.objects.bulk_create(new_people, batch_size=2000)
    except IntegrityError:
        raise ConflictError("社会保障号码已被同时登记，请刷新后重试", field="id_number") from None
    if touched:
        Person.objects.bulk_update(touched, ["employer", "agency", "category", "version"], batch_size=2000)
    by_number = {x.id_number: x for x in [*new_people, *touched]}
    # A suspended enrolment of the same type (left a previous employer) ends where the new one starts.
    touched_ids = {x.pk for x in touched}
    if touched_ids:
        for r in rows:
            pid = by_number[r["id_number"]].pk
            if pid in touched_ids:
                Enrolment.objects.filter(
                    person_id=pid, insurance_type_id__in=r["insurances"], status=EnrolmentStatus.SUSPENDED
                ).update(
                    status=EnrolmentStatus.ENDED,
                    end_reason="新单位增员",
                    end_month=v.month_add(dt.date.fromisoformat(r["start_month"]), -1),
                )
    enrolments = [(by_number[r["id_number"]].pk, code, r["start_month"]) for r in rows for code in r["insurances"]]
    try:
        if use_copy:
            _copy_enrolments(enrolments, employer=employer, agency=agency)
        else:
            Enrolment.objects.bulk_create(
                [
                    Enrolment(
                        person_id=pid, insurance_type_id=code, employer=employer, agency=agency, start_month=month
                    )
                    for pid, code, month in enrolments
                ],
                batch_size=5000,
            )
    except IntegrityError:
        raise ConflictError("该人员已有有效的同险种参保登记", field="insurances") from None
    audit_write_many(
        actor=actor,
        item_code="01010201",
        case=case,
        entries=[
            AuditEntry(
                "person.enrol",
                "person",
                str(by_number[r["id_number"]].pk),
                None,
                {
                    "id_number": mask_id(r["id_number"]),
                    "name": r["name"],
                    "insurances": r["insurances"],
                    "start_month": r["start_month"],
                    "employer": p.employer,
                },
            )
            for r in rows
        ],
    )
    if len(rows) == 1:
        case.person = by_number[rows[0]["id_number"]]
        case.save(update_fields=["person"])
    return {
        "persons": len(rows),
        "created": len(new_people),
        "enrolments": len(enrolments),
        "person_ids": [by_number[r["id_number"]].pk for r in rows[:50]],
    }
