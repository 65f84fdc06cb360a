"""Cluster 01's demo data for seed_demo: a deterministic plan (employers, persons) loaded through the services."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from django.utils import timezone

from shebao.core.bench.demo import DISTRICTS, DemoContext
from shebao.core.bench.synth import county_codes
from shebao.core.choices import Channel
from shebao.core.synthetic import citizen_id, uscc
from shebao.registration.choices import EnrolmentStatus

USCC_BASE = 5_000_000  # organisation-code numbers of demo employers (benchmarks use other bases)

ENTERPRISE_TYPES = ["110", "210", "310", "410", "510"]
PUBLIC_TYPES = ["120", "210", "310", "410", "510"]
# (GB/T 4754 industry code, injury risk class, trade word for the name)
INDUSTRIES = [
    ("I6510", 1, "软件"),
    ("I6420", 1, "网络"),
    ("M7320", 1, "科技"),
    ("L7212", 1, "咨询"),
    ("F5212", 2, "商贸"),
    ("H6210", 2, "餐饮"),
    ("K7020", 2, "物业"),
    ("G5430", 4, "物流"),
    ("C1810", 4, "服饰"),
    ("C3911", 5, "电子"),
    ("E4810", 6, "建设"),
    ("C3311", 6, "金属制品"),
]
UNIT_WEIGHTS = [("10", 88), ("70", 6), ("30", 3), ("55", 2), ("60", 1)]
BANKS = ["中国工商银行杭州分行", "中国建设银行杭州分行", "中国农业银行杭州分行", "中国银行杭州分行", "杭州银行"]
ETHNICITIES = ["汉族"] * 46 + ["回族", "畲族", "满族", "土家族"]
STREETS = {
    "330102": ["解放路", "延安路", "清泰街", "望江路", "秋涛路", "江城路", "凤起东路", "钱江路"],
    "330105": ["莫干山路", "湖墅南路", "上塘路", "登云路", "大关路", "丽水路", "祥符路", "湖州街"],
}


@dataclass
class DemoPlan:
    """Everything the demo needs, computed from the seed before anything is written."""

    employers: list[dict] = field(default_factory=list)
    pending_employers: list[dict] = field(default_factory=list)
    # person dicts: row fields plus "category", "employer" (index into employers or None) and "district"
    persons: list[dict] = field(default_factory=list)
    employer_user_name: str = ""


def _demo_scan(filename: str):
    """A one-page PDF standing in for a scanned document handed in at the window (申请材料 of a demo case)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    text = b"BT /F1 18 Tf 72 760 Td (Shebao demo: scanned material) Tj ET"
    objects = [
        b"<</Type/Catalog/Pages 2 0 R>>",
        b"<</Type/Pages/Kids[3 0 R]/Count 1>>",
        b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Resources<</Font<</F1 5 0 R>>>>/Contents 4 0 R>>",
        b"<</Length %d>>stream\n%s\nendstream" % (len(text), text),
        b"<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<</Size %d/Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return SimpleUploadedFile(filename, bytes(out), content_type="application/pdf")


def _scans(item_code: str):
    """A demo scan for each required material of the item, as the clerk hands them in at the window."""
    from shebao.core.materials import MaterialFile, SubmittedMaterials, required_materials

    return SubmittedMaterials(
        files=tuple(MaterialFile(m.name, _demo_scan(f"{m.name}.pdf")) for m in required_materials(item_code))
    )


def _month(today: dt.date, back: int) -> dt.date:
    total = today.year * 12 + today.month - 1 - back
    return dt.date(total // 12, total % 12 + 1, 1)


def _phone(rng: random.Random) -> str:
    return f"1{rng.choice('35789')}{rng.randrange(10**9):09d}"


def build_plan(
    *,
    seed: int = 2026,
    employers: int = 200,
    persons: int = 5000,
    today: dt.date | None = None,
    counties: list[str] | None = None,
) -> DemoPlan:
    """The deterministic demo plan for a seed: same seed and counts, same units, names and ID numbers."""
    from faker import Faker

    today = today or timezone.localdate()
    rng = random.Random(seed)
    fake = Faker("zh_CN")
    fake.seed_instance(seed)
    counties = counties or county_codes(province="33")
    plan = DemoPlan()
    district_keys = list(DISTRICTS)

    def employer(i: int) -> dict:
        key = district_keys[i % len(district_keys)]
        region = DISTRICTS[key][2]
        code, risk, trade = INDUSTRIES[rng.randrange(len(INDUSTRIES))]
        unit_type = rng.choices([u for u, _ in UNIT_WEIGHTS], [w for _, w in UNIT_WEIGHTS])[0]
        prefix = fake.company_prefix().removesuffix("公司")
        if unit_type == "70":
            name = f"杭州市{DISTRICTS[key][3]}{prefix}{trade}经营部"
        elif unit_type in ("30", "55", "60"):
            label = {"30": "服务中心", "55": "协会", "60": "培训学校"}[unit_type]
            name = f"杭州市{DISTRICTS[key][3]}{prefix}{label}"
        else:
            name = f"杭州{prefix}{trade}有限公司"
        registered = _month(today, rng.randrange(1, 180)) + dt.timedelta(days=rng.randrange(27))
        return {
            "uscc": uscc(region, USCC_BASE + i),
            "name": name,
            "unit_type": unit_type,
            "legal_rep": fake.name(),
            "address": f"浙江省杭州市{DISTRICTS[key][3]}{rng.choice(STREETS[region])}{rng.randrange(1, 400)}号",
            "region": region,
            "industry_code": code,
            "injury_risk_class": risk,
            "contact_name": fake.name(),
            "contact_phone": _phone(rng),
            "bank_name": rng.choice(BANKS),
            "bank_account": f"6222{rng.randrange(10**15):015d}",
            "insurances": PUBLIC_TYPES if unit_type == "30" else ENTERPRISE_TYPES,
            "district": key,
            "registered_on": registered,
            "start_month": registered.replace(day=1),
        }

    plan.employers = [employer(i) for i in range(employers)]
    plan.pending_employers = [employer(employers + j) for j in range(2)]

    # Employees go to employers in skewed sizes (a few large units, many small ones).
    n_employees = persons * 8 // 10 if employers else 0
    n_flexible = (persons - n_employees) // 2
    weights = [rng.paretovariate(1.1) for _ in range(employers)]
    if weights:
        weights[0] = max(weights) * 0.5  # the employer user's unit has a useful number of staff
    assignment = rng.choices(range(employers), weights, k=n_employees) if employers else []
    seen: set[str] = set()
    recent = [_month(today, b) for b in (2, 1, 0)]

    def new_id(first_year: int, last_year: int) -> str:
        while True:
            birth = dt.date(first_year, 1, 1) + dt.timedelta(
                days=rng.randrange((dt.date(last_year, 12, 31) - dt.date(first_year, 1, 1)).days)
            )
            number = citizen_id(rng.choice(counties), birth, rng.randrange(1000))
            if number not in seen:
                seen.add(number)
                return number

    def person(category: str, employer_index: int | None, district: str) -> dict:
        adult_from, adult_to = 1966, today.year - 18
        if category == "resident" and rng.random() < 0.25:
            number = new_id(today.year - 15, today.year - 1)
        else:
            number = new_id(adult_from, adult_to)
        region = DISTRICTS[district][2]
        row = {
            "id_number": number,
            "name": fake.name(),
            "phone": _phone(rng),
            "address": f"浙江省杭州市{DISTRICTS[district][3]}{rng.choice(STREETS[region])}{rng.randrange(1, 400)}号",
            "ethnicity": rng.choice(ETHNICITIES),
            "start_month": f"{rng.choice(recent):%Y-%m}",
            "category": category,
            "employer": employer_index,
            "district": district,
        }
        if category == "employee":
            row["insurances"] = list(plan.employers[employer_index]["insurances"])
        elif category == "flexible":
            row["insurances"] = ["110", "310"] if rng.random() < 0.8 else ["310"]
        else:
            adult = int(number[6:10]) <= today.year - 16
            row["insurances"] = ["170", "390"] if adult else ["390"]
        return row

    plan.persons = [person("employee", e, plan.employers[e]["district"]) for e in assignment]
    plan.persons += [person("flexible", None, district_keys[i % 2]) for i in range(n_flexible)]
    plan.persons += [person("resident", None, district_keys[i % 2]) for i in range(persons - n_employees - n_flexible)]
    plan.employer_user_name = fake.name()
    return plan


ROW_KEYS = ("id_number", "name", "phone", "address", "ethnicity", "insurances", "start_month")
SHOWCASE_EMPLOYERS = 8  # registered through employer_enrol + case_approve; the rest are imported in bulk
BULK_CHUNK = 5000


def _employer_data(e: dict, month: dt.date) -> dict:
    from shebao.registration.services.employers import EMPLOYER_FIELDS

    keys = (*EMPLOYER_FIELDS, "insurances")
    return {**{k: e[k] for k in keys}, "start_month": f"{month:%Y-%m}"}


def _import_employers(plan_rows: list[dict], agencies: dict) -> list:
    """Bulk-import established employers (registered years ago), numbered from the agency's counter."""
    from shebao.core.audit import AuditEntry, audit_write_many
    from shebao.core.cases import next_numbers
    from shebao.registration.models import Employer, EmployerInsurance

    objs = []
    by_region: dict[str, list[dict]] = {}
    for e in plan_rows:
        by_region.setdefault(e["region"], []).append(e)
    for region, rows in by_region.items():
        numbers = next_numbers(f"employer_reg_no:{region}", len(rows))
        for e, num in zip(rows, numbers, strict=True):
            objs.append(
                Employer(
                    reg_no=f"{region}{num:08d}",
                    uscc=e["uscc"],
                    name=e["name"],
                    unit_type=e["unit_type"],
                    legal_rep=e["legal_rep"],
                    address=e["address"],
                    region_id=region,
                    industry_code=e["industry_code"],
                    injury_risk_class=e["injury_risk_class"],
                    contact_name=e["contact_name"],
                    contact_phone=e["contact_phone"],
                    bank_name=e["bank_name"],
                    bank_account=e["bank_account"],
                    agency=agencies[e["district"]],
                    registered_on=e["registered_on"],
                )
            )
    Employer.objects.bulk_create(objs, batch_size=1000)
    by_uscc = {o.uscc: o for o in objs}
    EmployerInsurance.objects.bulk_create(
        [
            EmployerInsurance(employer=by_uscc[e["uscc"]], insurance_type_id=c, start_month=e["start_month"])
            for e in plan_rows
            for c in e["insurances"]
        ],
        batch_size=2000,
    )
    audit_write_many(
        actor=None,
        item_code="01010101",
        entries=[
            AuditEntry(
                "employer.import",
                "employer",
                str(o.pk),
                None,
                {"reg_no": o.reg_no, "uscc": o.uscc, "name": o.name, "source": "演示数据导入"},
            )
            for o in objs
        ],
    )
    return [by_uscc[e["uscc"]] for e in plan_rows]


def add_arguments(parser) -> None:
    """seed_demo's options for cluster 01."""
    parser.add_argument("--employers", type=int, default=200, help="参保单位数（默认 200）")
    parser.add_argument("--persons", type=int, default=5000, help="参保人数（默认 5000）")


def check_options(*, employers: int = 200, persons: int = 5000, **_) -> None:
    """Refuse sizes the demo cannot be built from (before anything is written)."""
    if employers < 1 or persons < 10:
        raise ValueError("--employers 至少为 1，--persons 至少为 10")


def load(ctx: DemoContext, *, employers: int = 200, persons: int = 5000) -> None:
    """Employers, persons (real bulk path) and showcase cases in every state, for the agencies and staff of ctx."""
    check_options(employers=employers, persons=persons)
    plan = build_plan(seed=ctx.seed, employers=employers, persons=persons, today=ctx.today)
    ctx.lap("生成计划")
    load_plan(ctx, plan)


def load_plan(ctx: DemoContext, plan: DemoPlan) -> None:
    """Write the plan through the services (inside seed_demo's transaction)."""
    from shebao.core.cases import case_approve, case_reject
    from shebao.core.choices import Role
    from shebao.core.materials import SubmittedMaterials

    from .models import Employer, Person
    from .services import (
        employer_enrol,
        person_change,
        person_enrol,
        person_enrol_bulk,
        person_terminate,
    )

    today, agencies, staff, lap, user, result = ctx.today, ctx.agencies, ctx.staff, ctx.lap, ctx.user, ctx.result
    city = agencies["city"]
    # Employers: a few through the window services (cases + audit), the rest imported as established units.
    this_month = today.replace(day=1)
    showcase = plan.employers[:SHOWCASE_EMPLOYERS]
    employers: list[Employer] = []
    for e in showcase:
        clerk, reviewer = staff[f"{e['district']}:clerk"], staff[f"{e['district']}:reviewer"]
        case = employer_enrol(
            actor=clerk,
            data=_employer_data(e, this_month),
            agency=agencies[e["district"]],
            materials=_scans("01010101"),
        )
        case = case_approve(actor=reviewer, case=case)
        employers.append(Employer.objects.get(pk=case.result["employer_id"]))
    employers += _import_employers(plan.employers[SHOWCASE_EMPLOYERS:], agencies)
    lap(f"参保单位 {len(employers)}")

    # Persons: the real bulk path (批量增员 → one case per unit/chunk → reviewer approves).
    groups: dict[tuple, list[dict]] = {}
    for p in plan.persons:
        groups.setdefault((p["category"], p["employer"], p["district"]), []).append(p)
    cases = 0
    for (category, emp_index, district), rows in groups.items():
        clerk, reviewer = staff[f"{district}:clerk"], staff[f"{district}:reviewer"]
        employer = employers[emp_index] if emp_index is not None else None
        for start in range(0, len(rows), BULK_CHUNK):
            chunk = [{k: r[k] for k in ROW_KEYS} for r in rows[start : start + BULK_CHUNK]]
            bulk = person_enrol_bulk(
                actor=clerk, rows=chunk, employer=employer, category=category, channel=Channel.BATCH
            )
            if bulk.errors:
                raise RuntimeError(f"demo rows rejected: {bulk.errors[:3]}")
            case_approve(actor=reviewer, case=bulk.case)
            cases += 1
    lap(f"参保人 {len(plan.persons)}（{cases} 个批量增员业务）")

    # Portal users: an employer user for the first unit, an insured user for the first flexible worker.
    first_employer = employers[0] if employers else None
    emp_user = None
    if first_employer:
        emp_user = user(
            "employer",
            Role.EMPLOYER,
            None,
            plan.employer_user_name,
            shown_as=first_employer.name,
            employer=first_employer,
        )
    flexible = next((p for p in plan.persons if p["category"] == "flexible"), None)
    insured_person = Person.objects.get(id_number=flexible["id_number"]) if flexible else None
    ins_user = None
    if insured_person:
        ins_user = user(
            "insured",
            Role.INSURED,
            None,
            insured_person.name,
            shown_as=f"{insured_person.name}（灵活就业）",
            person=insured_person,
        )

    # Showcase cases in every state: waiting for acceptance, waiting for review, rejected, completed.
    sc_clerk = staff["sc:clerk"]
    gs_clerk, gs_reviewer = staff["gs:clerk"], staff["gs:reviewer"]
    pending = plan.pending_employers
    employer_enrol(
        actor=sc_clerk,
        data=_employer_data(pending[0], this_month),
        agency=agencies["sc"],
        materials=SubmittedMaterials(waiver="营业执照正本在办理年报，申请人书面承诺5个工作日内补交"),  # 容缺受理
    )
    rejected = employer_enrol(
        actor=gs_clerk,
        data=_employer_data(pending[1], this_month),
        agency=agencies["gs"],
        materials=_scans("01010101"),
    )
    case_reject(actor=gs_reviewer, case=rejected, reason="营业执照复印件不清晰，请补充清晰的证照材料后重新申报")
    if emp_user:
        rng = random.Random(len(plan.persons))
        number = citizen_id("330102", dt.date(1998, 5, 20), rng.randrange(1000))
        if not Person.objects.filter(id_number=number).exists():
            person_enrol(
                actor=emp_user,
                employer=first_employer,
                data={
                    "id_number": number,
                    "name": "周晓雯",
                    "phone": "13705710001",
                    "address": "杭州市上城区望江路8号",
                    "insurances": list(
                        first_employer.insurances.filter(active=True).values_list("insurance_type_id", flat=True)
                    ),
                    "start_month": f"{this_month:%Y-%m}",
                },
            )
    if ins_user:
        person_change(actor=ins_user, person=insured_person, changes={"phone": "13588880001"})
    staff_people = (
        list(Person.objects.filter(employer=first_employer).order_by("id_number")[:2]) if first_employer else []
    )
    district = next((k for k in DISTRICTS if first_employer and agencies[k].pk == first_employer.agency_id), "sc")
    if staff_people:
        held = list(
            staff_people[0]
            .enrolments.filter(status=EnrolmentStatus.ACTIVE)
            .exclude(insurance_type_id__in=["410", "510"])
            .values_list("insurance_type_id", flat=True)
        )
        person_change(
            actor=staff[f"{district}:clerk"],
            person=staff_people[0],
            suspend_insurances=held,
            change_month=this_month,
            reason="减员：解除劳动关系",
        )
    if len(staff_people) > 1:
        case = person_terminate(
            actor=staff[f"{district}:clerk"],
            person=staff_people[1],
            reason="emigration",
            end_date=today - dt.timedelta(days=3),
            materials=_scans("01010203"),
        )
        case_approve(actor=staff[f"{district}:reviewer"], case=case)
    lap("演示业务（待受理、待复核、已退回、已办结）")

    result.counts["参保单位"] = f"{Employer.objects.filter(agency__path__startswith=city.path).count()} 个"
    result.counts["参保人"] = f"{Person.objects.filter(agency__path__startswith=city.path).count()} 人"
