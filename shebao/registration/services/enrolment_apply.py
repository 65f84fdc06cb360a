"""Applier of 01010201 个人参保登记: the approved rows become persons, enrolments and audit rows, set-wise.

Whatever the number of rows, approval runs a fixed number of statements: three reads (persons, their active
enrolments, whether the case still holds its open-case keys), then on PostgreSQL one COPY of the new persons
(their primary keys reserved from the table's sequence beforehand, so nothing is read back), one COPY of the
enrolments (keys from the table's default) and one COPY of the audit rows. Re-enrolled persons (already
registered, e.g. after leaving another unit) take one UPDATE of the persons and one of their suspended
enrolments. SQLite takes the portable ORM path.
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, connection
from django.db.models import F
from django.utils import timezone

from shebao.core import validation as v
from shebao.core.audit import AuditEntry, audit_write_many
from shebao.core.errors import ConflictError
from shebao.core.identifiers import mask_id
from shebao.core.models import Case
from shebao.core.payloads import load_payload
from shebao.core.pgcopy import CHUNK, array_param, copy_layout, copy_rows, is_postgresql, reserve_pks

from ..choices import ContributionMethod, EmployerStatus, EnrolmentStatus
from ..models import Employer, Enrolment, Person
from .enrolment import PersonEnrolPayload, _check_against_database, known_persons

_PERSON_GIVEN = ("id", "id_number", "name", "gender", "birth_date", "ethnicity", "phone", "address")
_ENROLMENT_GIVEN = ("person_id", "insurance_type_id", "start_month")


def _insert_persons(rows: list[dict], *, p: PersonEnrolPayload, employer, agency, today: dt.date) -> dict[str, int]:
    """The new persons (ID number → pk): one COPY on PostgreSQL, `bulk_create` elsewhere."""
    if not rows:
        return {}
    fixed = {
        "category": p.category,
        "employer_id": employer.pk if employer else None,
        "agency_id": agency.pk,
        "registered_on": today,
        "contribution_method": ContributionMethod.EMPLOYER if employer else ContributionMethod.SELF,
    }
    try:
        if is_postgresql():
            pks = reserve_pks(Person, len(rows))
            columns, build = copy_layout(Person, _PERSON_GIVEN, **fixed)
            copy_rows(
                Person,
                columns,
                (
                    build(
                        (
                            pk,
                            r["id_number"],
                            r["name"],
                            r["gender"],
                            r["birth_date"],
                            r["ethnicity"] or "汉族",
                            r["phone"] or "",
                            r["address"] or "",
                        )
                    )
                    for pk, r in zip(pks, rows, strict=True)
                ),
            )
            return {r["id_number"]: pk for pk, r in zip(pks, rows, strict=True)}
        made = Person.objects.bulk_create(
            [
                Person(
                    id_number=r["id_number"],
                    name=r["name"],
                    gender=r["gender"],
                    birth_date=r["birth_date"],
                    ethnicity=r["ethnicity"] or "汉族",
                    phone=r["phone"] or "",
                    address=r["address"] or "",
                    **fixed,
                )
                for r in rows
            ],
            batch_size=2000,
        )
        return {x.id_number: x.pk for x in made}
    except IntegrityError:
        raise ConflictError("社会保障号码已被同时登记，请刷新后重试", field="id_number") from None


def _reenrol_persons(rows: list[dict], known: dict, *, p: PersonEnrolPayload, employer, agency) -> dict[str, int]:
    """Persons already registered move to this unit and agency; a suspended enrolment of a type they enrol in
    again (left a previous unit) ends the month before the new one starts."""
    if not rows:
        return {}
    pks = {r["id_number"]: known[r["id_number"]][0] for r in rows}
    ids = list(pks.values())
    for i in range(0, len(ids), CHUNK):
        Person.objects.filter(pk__in=ids[i : i + CHUNK]).update(
            employer=employer, agency=agency, category=p.category, version=F("version") + 1
        )
    ends = [
        (pks[r["id_number"]], code, v.month_add(dt.date.fromisoformat(r["start_month"]), -1))
        for r in rows
        for code in r["insurances"]
    ]
    if is_postgresql():
        table = connection.ops.quote_name(Enrolment._meta.db_table)
        with connection.cursor() as cur:
            cur.execute(
                f"UPDATE {table} AS e SET status = %s, end_reason = %s, end_month = t.end_month "
                "FROM unnest(%s::bigint[], %s::varchar[], %s::date[]) AS t(person_id, code, end_month) "
                "WHERE e.person_id = t.person_id AND e.insurance_type_id = t.code AND e.status = %s",
                [
                    str(EnrolmentStatus.ENDED),
                    "新单位增员",
                    array_param([e[0] for e in ends]),
                    array_param([e[1] for e in ends]),
                    [e[2] for e in ends],
                    str(EnrolmentStatus.SUSPENDED),
                ],
            )
    else:
        for pid, code, end_month in ends:
            Enrolment.objects.filter(person_id=pid, insurance_type_id=code, status=EnrolmentStatus.SUSPENDED).update(
                status=EnrolmentStatus.ENDED, end_reason="新单位增员", end_month=end_month
            )
    return pks


def _insert_enrolments(enrolments: list[tuple], *, employer, agency) -> None:
    """New active enrolments (person pk, type, start month): one COPY on PostgreSQL, `bulk_create` elsewhere."""
    try:
        if is_postgresql():
            columns, build = copy_layout(
                Enrolment, _ENROLMENT_GIVEN, employer_id=employer.pk if employer else None, agency_id=agency.pk
            )
            copy_rows(Enrolment, columns, map(build, enrolments))
            return
        Enrolment.objects.bulk_create(
            [
                Enrolment(person_id=pid, insurance_type_id=code, employer=employer, agency=agency, start_month=month)
                for pid, code, month in enrolments
            ],
            batch_size=5000,
        )
    except IntegrityError:
        raise ConflictError("该人员已有有效的同险种参保登记", field="insurances") from None


def apply_person_enrol(*, case: Case, actor) -> dict:
    """Applier of 01010201: create (or re-enrol) the persons and their enrolments, set-wise."""
    p: PersonEnrolPayload = load_payload(case)
    employer = Employer.objects.select_related("agency").get(pk=p.employer) if p.employer else None
    if employer is not None and employer.status != EmployerStatus.ACTIVE:
        raise ConflictError("参保单位已注销，不能增员", field="employer")
    rows = p.rows
    known = known_persons([r["id_number"] for r in rows])
    _, errors = _check_against_database(rows, exclude_case=case, known=known)
    if errors:
        detail = "；".join(f"第{e.row}行：{e.message}" for e in errors[:5])
        raise ConflictError(f"申报后情况有变，请退回后重新申报：{detail}", field="rows")
    agency, today = case.agency, timezone.localdate()
    new_rows = [r for r in rows if r["id_number"] not in known]
    pks = _insert_persons(new_rows, p=p, employer=employer, agency=agency, today=today)
    pks.update(
        _reenrol_persons([r for r in rows if r["id_number"] in known], known, p=p, employer=employer, agency=agency)
    )
    enrolments = [(pks[r["id_number"]], code, r["start_month"]) for r in rows for code in r["insurances"]]
    _insert_enrolments(enrolments, employer=employer, agency=agency)
    audit_write_many(
        actor=actor,
        item_code="01010201",
        case=case,
        entries=[
            AuditEntry(
                "person.enrol",
                "person",
                str(pks[r["id_number"]]),
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
        case.person_id = pks[rows[0]["id_number"]]
        case.save(update_fields=["person"])
    return {
        "persons": len(rows),
        "created": len(new_rows),
        "enrolments": len(enrolments),
        "person_ids": [pks[r["id_number"]] for r in rows[:50]],
    }
