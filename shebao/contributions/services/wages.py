"""020101 工资总额审核: an employer declares last year's wage of each employee for contribution year Y.

Lines come from the Excel template, the API (JSON lines), the portal or the counter; every line is checked and
every problem reported at once (a declaration is accepted whole or not at all). A clerk accepts and a reviewer
approves (maker-checker); on approval the `WageDeclaration` and its lines are stored with the unit's wage total
and headcount. One open or approved declaration per unit and year: refused at submission (case key, and the
approved one) and by the database (partial unique index).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from shebao.core.access import require_grant
from shebao.core.audit import audit_write
from shebao.core.cases import CaseKeySpec, case_open, subject_key
from shebao.core.choices import Action
from shebao.core.errors import ApplicationError, ConflictError
from shebao.core.models import Case
from shebao.core.money import to_fen
from shebao.core.payloads import Payload, load_payload
from shebao.core.pgcopy import copy_columns, copy_value
from shebao.core.records import channel_for
from shebao.registration.choices import EmployerStatus, EnrolmentStatus, PersonStatus
from shebao.registration.models import Employer, Enrolment, Person
from shebao.registration.services.common import ensure_employer_scope

from ..choices import DeclarationStatus
from ..models import ContributionBase, WageDeclaration, WageDeclarationLine
from . import wages_rules as rules

ITEM = "020101"
MAX_LINES = 100_000
MAX_WAGE = Decimal("9999999999.99")
LINE_LABELS = {"id_number": "社会保障号码", "name": "姓名", "annual_wage": "上年度工资收入", "months": "在岗月数"}
_ID = re.compile(r"[0-9]{17}[0-9X]", re.ASCII)
_MONEY = re.compile(r"[0-9]{1,10}(\.[0-9]{1,2})?", re.ASCII)


@dataclass
class LineError:
    """One problem in one line of a declaration (row numbers as the employer sees them: Excel rows or 1, 2, …)."""

    row: int
    field: str
    message: str


class DeclarationRefused(ApplicationError):
    """The declaration has wrong lines: every one is listed (`row_errors`), nothing is saved."""

    status_code = 400

    def __init__(self, row_errors: list[LineError], *, paths: bool = False):
        messages = [f"第{e.row}行：{e.message}" for e in row_errors]
        errors: dict[str, list[str]] = {"lines": messages[:200]}
        if (
            paths
        ):  # lines sent as a JSON list: also name each line's field as `lines.<i>.<field>` (i from 0), as DRF does
            for e in row_errors[:200]:
                errors.setdefault(f"lines.{e.row - 1}.{e.field}", []).append(e.message)
        super().__init__(f"工资申报有 {len(row_errors)} 处错误，未保存任何数据：{messages[0]}", errors=errors)
        self.row_errors = row_errors


@dataclass
class WageDeclarationPayload(Payload):
    """020101 request: the unit, the contribution year, the totals and the validated lines."""

    employer: int
    year: int
    headcount: int
    wage_total: Decimal
    lines: list[dict] = field(default_factory=list)


def declaration_key(employer_id: int, year: int) -> CaseKeySpec:
    """The case key of a unit's declaration for one year: a second open one is refused naming the first."""
    return subject_key(ITEM, "employer", f"{employer_id}:{year}", field="year", label="该单位该年度")


def declarable_years(region: str | None, today: dt.date | None = None) -> tuple[int, int]:
    """The years a declaration may be made for: the contribution year in force today and the next one."""
    today = today or timezone.localdate()
    current = rules.contribution_year_of(today.replace(day=1), region)
    return current, current + 1


def _check_year(year, region: str | None) -> int:
    first, last = declarable_years(region)
    text = str(year if year is not None else "").strip()
    if not text:
        raise ApplicationError("缴费年度不能为空", field="year")
    if not (text.isascii() and text.isdigit() and len(text) == 4):
        raise ApplicationError("缴费年度应为四位年份，如 2027", field="year")
    value = int(text)
    if not first <= value <= last:
        raise ApplicationError(f"缴费年度只能是{first}年或{last}年（往年基数的更正请办理缴费基数调整）", field="year")
    return value


def _check_employer(employer: Employer, year: int) -> None:
    if employer.status != EmployerStatus.ACTIVE:
        raise ApplicationError("参保单位已注销，不能申报工资总额", field="employer")
    done = WageDeclaration.objects.filter(employer=employer, year=year, status=DeclarationStatus.APPROVED).first()
    if done is not None:
        number = f"（业务流水号 {done.case.number}）" if done.case_id else ""
        raise ConflictError(f"该单位{year}年度工资总额已审核通过{number}；如需更正请办理缴费基数调整", field="year")


def _text(value) -> str:
    return unicodedata.normalize("NFKC", "" if value is None else str(value)).strip()


def _parse_wage(text: str) -> tuple[Decimal | None, str]:
    text = text.replace(",", "").replace("，", "")
    if text.startswith("-"):
        return None, "不能为负数"
    if not _MONEY.fullmatch(text):
        return None, "应为金额（元，最多两位小数），如 86400.00"
    try:
        wage = Decimal(text)
    except InvalidOperation:
        return None, "应为金额（元），如 86400.00"
    if wage > MAX_WAGE:
        return None, "金额过大"
    return wage, ""


def _check_line(raw: dict, n: int, seen: dict[str, int]) -> tuple[dict | None, list[LineError]]:
    """Shape checks of one line (no database): ID number, wage ≥ 0, months 1–12, duplicates."""
    errors: list[LineError] = []
    number = _text(raw.get("id_number")).upper()
    if not number:
        errors.append(LineError(n, "id_number", "社会保障号码不能为空"))
    elif not _ID.fullmatch(number):
        errors.append(LineError(n, "id_number", "社会保障号码应为18位（末位可为X）"))
    elif number in seen:
        errors.append(LineError(n, "id_number", f"与第{seen[number]}行的社会保障号码重复"))
    else:
        seen[number] = n
    name = _text(raw.get("name"))
    if len(name) > 50:
        errors.append(LineError(n, "name", "姓名不能超过50个字"))
    wage_text = _text(raw.get("annual_wage"))
    wage = None
    if not wage_text:
        errors.append(LineError(n, "annual_wage", "上年度工资收入不能为空"))
    else:
        wage, problem = _parse_wage(wage_text)
        if problem:
            errors.append(LineError(n, "annual_wage", f"上年度工资收入{problem}"))
    months_raw = raw.get("months")
    months_text = "12" if months_raw in (None, "") else _text(months_raw)
    months = int(months_text) if months_text.isascii() and months_text.isdigit() and len(months_text) <= 2 else 0
    if type(months_raw) is bool or not 1 <= months <= 12:
        errors.append(LineError(n, "months", "在岗月数应为1至12的整数"))
    if errors:
        return None, errors
    monthly = to_fen(wage / months)
    line = {"row": n, "id_number": number, "name": name, "annual_wage": str(to_fen(wage)), "months": months}
    return line | {"monthly_wage": str(monthly)}, []


def _check_persons(lines: list[dict], employer: Employer) -> tuple[list[dict], list[LineError]]:
    """Each person is an active employee of the unit (an active enrolment with it), and the name matches."""
    numbers = [line["id_number"] for line in lines]
    persons: dict[str, tuple[int, str, str, int | None]] = {}
    for i in range(0, len(numbers), 5000):
        rows = Person.objects.filter(id_number__in=numbers[i : i + 5000]).values_list(
            "id_number", "pk", "name", "status", "employer_id"
        )
        persons.update({num: (pk, name, status, emp) for num, pk, name, status, emp in rows})
    enrolled: set[int] = set()
    pks = [v[0] for v in persons.values() if v[3] == employer.pk]
    for i in range(0, len(pks), 5000):
        enrolled.update(
            Enrolment.objects.filter(
                person_id__in=pks[i : i + 5000], employer=employer, status=EnrolmentStatus.ACTIVE
            ).values_list("person_id", flat=True)
        )
    ok, errors = [], []
    for line in lines:
        hit = persons.get(line["id_number"])
        n = line["row"]
        if hit is None or hit[3] != employer.pk or hit[2] != PersonStatus.ACTIVE or hit[0] not in enrolled:
            errors.append(LineError(n, "id_number", "该人员不是本单位在职参保职工"))
            continue
        if line["name"] and line["name"] != hit[1]:
            errors.append(LineError(n, "name", "姓名与该社会保障号码登记的姓名不一致"))
            continue
        ok.append(line | {"person": hit[0], "name": hit[1]})
    return ok, errors


def wage_declaration_validate(
    *, actor, employer: Employer, year, lines: list[dict], first_row: int = 1
) -> tuple[int, list[dict], list[LineError]]:
    """020101 check, writing nothing: the year, the valid lines and every line error (sorted by row)."""
    require_grant(actor, ITEM, Action.HANDLE)
    ensure_employer_scope(actor, employer)
    year = _check_year(year, employer.agency.region_id)
    _check_employer(employer, year)
    if not lines:
        raise ApplicationError("申报明细不能为空：请至少填写一名职工的上年度工资", field="lines")
    if len(lines) > MAX_LINES:
        raise ApplicationError(f"申报明细超过 {MAX_LINES:,} 行，请联系经办机构", field="lines")
    clean, errors, seen = [], [], {}
    for offset, raw in enumerate(lines):
        n = raw["row"] if type(raw.get("row")) is int else first_row + offset
        line, problems = _check_line(raw if isinstance(raw, dict) else {}, n, seen)
        errors.extend(problems)
        if line:
            clean.append(line)
    clean, db_errors = _check_persons(clean, employer)
    errors.extend(db_errors)
    errors.sort(key=lambda e: e.row)
    return year, clean, errors


@transaction.atomic
def wage_declaration_submit(
    *, actor, employer: Employer, year, lines: list[dict], channel: str | None = None, first_row: int = 1
) -> Case:
    """020101 工资总额申报: the unit's employees' wages of the previous year for contribution year `year`."""
    year, clean, errors = wage_declaration_validate(
        actor=actor, employer=employer, year=year, lines=lines, first_row=first_row
    )
    if errors:
        raise DeclarationRefused(errors, paths=not any(isinstance(r, dict) and "row" in r for r in lines[:1]))
    total = sum((Decimal(line["annual_wage"]) for line in clean), Decimal("0.00"))
    payload = WageDeclarationPayload(
        employer=employer.pk, year=year, headcount=len(clean), wage_total=to_fen(total), lines=clean
    )
    return case_open(
        actor=actor,
        item_code=ITEM,
        agency=employer.agency,
        channel=channel_for(actor, channel),
        summary=f"工资总额申报：{employer.name} {year}年度 {len(clean)}人，工资总额 {to_fen(total)} 元",
        payload=payload,
        employer=employer,
        keys=[declaration_key(employer.pk, year)],
    )


def _insert_lines(declaration: WageDeclaration, lines: list[dict]) -> None:
    """The lines by COPY on PostgreSQL (100,000 lines in seconds), bulk INSERT elsewhere."""
    objs = [
        WageDeclarationLine(
            declaration=declaration,
            person_id=line["person"],
            annual_wage=Decimal(line["annual_wage"]),
            months=line["months"],
            monthly_wage=Decimal(line["monthly_wage"]),
        )
        for line in lines
    ]
    if connection.vendor != "postgresql":
        WageDeclarationLine.objects.bulk_create(objs, batch_size=2000)
        return
    fields, sql = copy_columns(WageDeclarationLine)
    with connection.wrap_database_errors, connection.cursor() as cur, cur.copy(sql) as copy:
        for obj in objs:
            copy.write_row([copy_value(f, f.pre_save(obj, True)) for f in fields])


def apply_wage_declaration(*, case: Case, actor) -> dict:
    """Applier of 020101: store the approved declaration and its lines; redetermine the unit's bases for the year
    when the yearly determination has already reached the unit (a late declaration replaces the default bases)."""
    from .wages_batch import determine_bases_for_employer

    p: WageDeclarationPayload = load_payload(case)
    employer = Employer.objects.select_for_update(of=("self",)).select_related("agency").get(pk=p.employer)
    try:
        with transaction.atomic():
            declaration = WageDeclaration.objects.create(
                employer=employer,
                agency=case.agency,
                year=p.year,
                status=DeclarationStatus.APPROVED,
                headcount=p.headcount,
                wage_total=p.wage_total,
                case=case,
            )
    except IntegrityError:
        raise ConflictError(f"该单位{p.year}年度工资总额已审核通过，不能重复审核", field="year") from None
    _insert_lines(declaration, p.lines)
    audit_write(
        actor=actor,
        action="wage_declaration.approve",
        item_code=ITEM,
        object_type="wage_declaration",
        object_id=declaration.pk,
        after={
            "employer": employer.pk,
            "year": p.year,
            "headcount": p.headcount,
            "wage_total": str(p.wage_total),
        },
        case=case,
    )
    bases = 0
    if ContributionBase.objects.filter(employer=employer, year=p.year).exists():
        bases = determine_bases_for_employer(employer=employer, year=p.year, actor=actor, case=case)
    return {
        "declaration_id": declaration.pk,
        "employer_id": employer.pk,
        "year": p.year,
        "headcount": p.headcount,
        "wage_total": str(p.wage_total),
        "bases": bases,
    }
