"""Forms of cluster 01 (社会保险关系管理): each parses what the clerk typed for ONE registration service.

Fields are deliberately lenient (mostly optional text): the services validate everything and report Chinese
errors per field, which `ServiceForm.add_service_error` puts next to the fields.
"""

from __future__ import annotations

from django import forms
from django.db.models import Q

from shebao.core.errors import ApplicationError
from shebao.core.forms import DATE_INPUT, MONTH_INPUT, ServiceForm
from shebao.core.models import Agency, Region
from shebao.registration.choices import EnrolmentStatus

from .choices import ContributionMethod, PersonCategory, Scheme, TerminationReason, UnitType
from .models import Employer, InsuranceType
from .selectors import employers_for, persons_for
from .services.employers import EMPLOYER_FIELDS
from .services.persons import BASIC_FIELDS

EMPLOYER_DETAIL_FIELDS = EMPLOYER_FIELDS
PERSON_BASIC_FIELDS = list(BASIC_FIELDS)
CATEGORY_HINT = "单位职工：单位已参加的险种；灵活就业人员：110、310；城乡居民：170、390"


def _blank(label: str = "请选择") -> list[tuple[str, str]]:
    return [("", f"— {label} —")]


def region_choices(agency: Agency | None) -> list:
    """Counties (and prefecture-level cities without counties) of the agency's province, grouped by city."""
    if agency is None:
        return _blank()
    province = agency.region_id[:2]
    rows = list(
        Region.objects.filter(code__startswith=province, retired=False, level__in=["prefecture", "county"])
        .order_by("code")
        .values_list("code", "name", "level", "parent_id")
    )
    cities = {code: name for code, name, level, _ in rows if level == "prefecture"}
    with_counties = {parent for _, _, level, parent in rows if level == "county"}
    groups: dict[str, list[tuple[str, str]]] = {}
    for code, name, level, parent in rows:
        if level == "county":
            groups.setdefault(cities.get(parent, "其他"), []).append((code, f"{code} {name}"))
        elif code not in with_counties:
            groups.setdefault(name, []).append((code, f"{code} {name}"))
    return _blank("所在区县") + list(groups.items())


def insurance_choices(*, scheme: str | None = None, codes=None) -> list[tuple[str, str]]:
    """险种 as (code, '110 企业职工基本养老保险')."""
    qs = InsuranceType.objects.order_by("code")
    if scheme:
        qs = qs.filter(scheme=scheme)
    if codes is not None:
        qs = qs.filter(code__in=list(codes))
    return [(t.code, f"{t.code} {t.name}") for t in qs]


def resolve_employer(actor, text: str, *, field: str = "employer") -> Employer:
    """An employer in the actor's scope by 社会保险登记编号 or 统一社会信用代码 (Chinese error otherwise)."""
    code = (text or "").strip().upper()
    if not code:
        raise ApplicationError("请填写参保单位的社会保险登记编号或统一社会信用代码", field=field)
    employer = employers_for(actor).filter(Q(reg_no=code) | Q(uscc=code)).first()
    if employer is None:
        raise ApplicationError(f"未找到参保单位「{code[:20]}」（或不在本机构经办范围内）", field=field)
    return employer


def _codes(text: str) -> list[str]:
    return [c for c in (text or "").replace("，", ",").replace("、", ",").replace("\n", ",").split(",") if c.strip()]


# --------------------------------------------------------------------------------------------------------------
# Employers
# --------------------------------------------------------------------------------------------------------------


class EmployerFieldsForm(ServiceForm):
    """The declared details of a unit (01010101 / 01010102)."""

    uscc = forms.CharField(
        label="统一社会信用代码",
        required=False,
        max_length=30,
        widget=forms.TextInput(attrs={"autocomplete": "off", "placeholder": "18位"}),
    )
    name = forms.CharField(label="单位名称", required=False, max_length=150)
    unit_type = forms.ChoiceField(label="单位类型", required=False, choices=_blank() + list(UnitType.choices))
    legal_rep = forms.CharField(label="法定代表人", required=False, max_length=80)
    address = forms.CharField(label="地址", required=False, max_length=250)
    region = forms.CharField(label="所在区划", required=False, widget=forms.Select)
    industry_code = forms.CharField(
        label="行业代码（GB/T 4754）",
        required=False,
        max_length=10,
        widget=forms.TextInput(attrs={"placeholder": "如 I6510"}),
    )
    injury_risk_class = forms.ChoiceField(
        label="工伤风险类别", required=False, choices=_blank() + [(str(i), f"{i}类") for i in range(1, 9)]
    )
    contact_name = forms.CharField(label="联系人", required=False, max_length=80)
    contact_phone = forms.CharField(label="联系电话", required=False, max_length=30)
    bank_name = forms.CharField(label="开户银行", required=False, max_length=150)
    bank_account = forms.CharField(label="银行账号", required=False, max_length=50)

    required_fields = (
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
    )

    def __init__(self, *args, agency: Agency | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].widget.choices = region_choices(agency)

    def details(self) -> dict:
        return {name: self.value(name) for name in EMPLOYER_DETAIL_FIELDS}


class EmployerEnrolForm(EmployerFieldsForm):
    """01010101 单位参保登记: the unit's details, its insurance types and the start month."""

    insurances = forms.MultipleChoiceField(label="参保险种", required=False, widget=forms.CheckboxSelectMultiple)
    start_month = forms.CharField(label="参保起始月", required=False, widget=MONTH_INPUT)

    required_fields = (*EmployerFieldsForm.required_fields, "insurances", "start_month")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["insurances"].choices = insurance_choices(scheme=Scheme.EMPLOYEE)

    def service_data(self) -> dict:
        return {**self.details(), "insurances": self.value("insurances", []), "start_month": self.value("start_month")}


class EmployerChangeForm(EmployerFieldsForm):
    """01010102 单位变更登记: changed details, insurance types added or removed, and their effective month."""

    add_insurances = forms.MultipleChoiceField(label="增加险种", required=False, widget=forms.CheckboxSelectMultiple)
    remove_insurances = forms.MultipleChoiceField(label="减少险种", required=False, widget=forms.CheckboxSelectMultiple)
    effective_month = forms.CharField(label="险种变更生效月", required=False, widget=MONTH_INPUT)

    def __init__(self, *args, employer: Employer, **kwargs):
        kwargs.setdefault(
            "initial",
            {
                **{
                    name: getattr(employer, "region_id" if name == "region" else name)
                    for name in EMPLOYER_DETAIL_FIELDS
                },
            },
        )
        super().__init__(*args, **kwargs)
        current = set(employer.insurances.filter(active=True).values_list("insurance_type_id", flat=True))
        every = insurance_choices(scheme=Scheme.EMPLOYEE)
        self.fields["add_insurances"].choices = [c for c in every if c[0] not in current]
        self.fields["remove_insurances"].choices = [c for c in every if c[0] in current]


class EmployerRestructureForm(ServiceForm):
    """01010102 单位分立合并: successors, other merged units, person assignments, effective month."""

    kind = forms.ChoiceField(
        label="类型",
        required=False,
        initial="split",
        choices=[
            ("split", "分立（本单位职工转入一个或多个承继单位）"),
            ("merge", "合并（本单位及其他单位职工并入一个承继单位）"),
        ],
        widget=forms.RadioSelect,
    )
    targets = forms.CharField(
        label="承继单位",
        required=False,
        max_length=1000,
        help_text="承继单位的社会保险登记编号或统一社会信用代码，多个用逗号分隔",
    )
    other_sources = forms.CharField(
        label="其他被合并单位",
        required=False,
        max_length=1000,
        help_text="仅合并时填写：除本单位外的其他原单位，多个用逗号分隔",
    )
    assignments = forms.CharField(
        label="人员分配（分立时）",
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "每行：社会保障号码,承继单位登记编号"}),
        help_text="未列出的人员转入第一个承继单位",
    )
    effective_month = forms.CharField(label="生效月", required=False, widget=MONTH_INPUT)
    cancel_sources = forms.ChoiceField(
        label="注销原单位",
        required=False,
        choices=[("", "按默认（合并注销、分立不注销）"), ("yes", "注销"), ("no", "不注销")],
    )

    required_fields = ("kind", "targets", "effective_month")
    error_aliases = {"sources": "other_sources"}

    def parsed(self, actor) -> dict:
        """Successors, other sources and assignments resolved within the actor's scope."""
        errors: dict[str, list[str]] = {}

        def lookup(codes: list[str], fld: str) -> list[Employer]:
            out = []
            for code in codes:
                try:
                    out.append(resolve_employer(actor, code, field=fld))
                except ApplicationError as exc:
                    errors.setdefault(fld, []).append(exc.message)
            return out

        targets = lookup(_codes(self.value("targets")), "targets")
        others = lookup(_codes(self.value("other_sources")), "other_sources")
        assignments: dict[int, int] = {}
        for n, line in enumerate((self.value("assignments") or "").splitlines(), start=1):
            parts = [p.strip() for p in line.replace("，", ",").split(",") if p.strip()]
            if not parts:
                continue
            if len(parts) != 2:
                errors.setdefault("assignments", []).append(f"第{n}行应为「社会保障号码,承继单位登记编号」")
                continue
            person = persons_for(actor).filter(id_number=parts[0].upper()).first()
            target = next((t for t in targets if parts[1].upper() in (t.reg_no, t.uscc)), None)
            if person is None:
                errors.setdefault("assignments", []).append(f"第{n}行：未找到该参保人")
            elif target is None:
                errors.setdefault("assignments", []).append(f"第{n}行：承继单位不在上面所填的承继单位中")
            else:
                assignments[person.pk] = target.pk
        if errors:
            raise ApplicationError(next(iter(errors.values()))[0], errors=errors)
        cancel = {"yes": True, "no": False}.get(self.value("cancel_sources"))
        return {
            "kind": self.value("kind"),
            "targets": targets,
            "others": others,
            "assignments": assignments,
            "effective_month": self.value("effective_month"),
            "cancel_sources": cancel,
        }


class EmployerTransferForm(ServiceForm):
    """01010102 成建制转移: the agency the unit moves to and from which month."""

    to_agency = forms.ChoiceField(label="转入经办机构", required=False)
    effective_month = forms.CharField(label="生效月", required=False, widget=MONTH_INPUT)

    required_fields = ("to_agency", "effective_month")

    def __init__(self, *args, employer: Employer, **kwargs):
        super().__init__(*args, **kwargs)
        agencies = Agency.objects.exclude(pk=employer.agency_id).order_by("path")
        self.fields["to_agency"].choices = _blank("经办机构") + [(str(a.pk), f"{a.code} {a.name}") for a in agencies]

    def agency(self) -> Agency:
        pk = self.value("to_agency")
        agency = Agency.objects.filter(pk=pk).first() if str(pk).isdigit() else None
        if agency is None:
            raise ApplicationError("请选择转入经办机构", field="to_agency")
        return agency


class EmployerDeregisterForm(ServiceForm):
    """01010103 单位注销登记: reason and date."""

    reason = forms.CharField(
        label="注销原因",
        required=False,
        max_length=250,
        widget=forms.TextInput(attrs={"placeholder": "如：依法解散、破产、被吊销营业执照"}),
    )
    cancel_date = forms.CharField(label="注销日期", required=False, widget=DATE_INPUT)

    required_fields = ("reason", "cancel_date")


# --------------------------------------------------------------------------------------------------------------
# Persons
# --------------------------------------------------------------------------------------------------------------


class PersonEnrolForm(ServiceForm):
    """01010201 个人参保登记: one person — an employee of a unit (增员), a flexible worker or a resident."""

    category = forms.ChoiceField(
        label="人员类别", required=False, choices=PersonCategory.choices, initial=PersonCategory.EMPLOYEE
    )
    employer = forms.CharField(
        label="参保单位", required=False, max_length=30, help_text="单位职工填写：社会保险登记编号或统一社会信用代码"
    )
    id_number = forms.CharField(
        label="社会保障号码",
        required=False,
        max_length=30,
        widget=forms.TextInput(attrs={"autocomplete": "off", "placeholder": "18位公民身份号码"}),
    )
    name = forms.CharField(label="姓名", required=False, max_length=80)
    phone = forms.CharField(label="联系电话", required=False, max_length=30)
    address = forms.CharField(label="居住地址", required=False, max_length=250)
    ethnicity = forms.CharField(label="民族", required=False, max_length=30, initial="汉族")
    insurances = forms.MultipleChoiceField(label="参保险种", required=False, widget=forms.CheckboxSelectMultiple)
    start_month = forms.CharField(label="参保起始月", required=False, widget=MONTH_INPUT)

    required_fields = ("id_number", "name", "insurances", "start_month")

    def __init__(self, *args, employer: Employer | None = None, fixed_category: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fixed_employer = employer
        if employer is not None:
            codes = employer.insurances.filter(active=True).values_list("insurance_type_id", flat=True)
            self.fields["insurances"].choices = insurance_choices(codes=codes)
            self.fields["insurances"].initial = list(codes)
            del self.fields["employer"]
            fixed_category = PersonCategory.EMPLOYEE
        else:
            self.fields["insurances"].choices = insurance_choices()
            self.fields["insurances"].help_text = CATEGORY_HINT
        if fixed_category:
            self.fields["category"].choices = [c for c in PersonCategory.choices if c[0] == fixed_category]
            self.fields["category"].initial = fixed_category

    def chosen_category(self) -> str:
        return self.value("category", PersonCategory.EMPLOYEE)

    def unit(self, actor) -> Employer | None:
        if self.fixed_employer is not None:
            return self.fixed_employer
        if self.chosen_category() != PersonCategory.EMPLOYEE:
            return None
        return resolve_employer(actor, self.value("employer"))

    def service_data(self) -> dict:
        return {
            name: self.value(name) for name in ("id_number", "name", "phone", "address", "ethnicity", "start_month")
        } | {"insurances": self.value("insurances", [])}


class BulkEnrolForm(ServiceForm):
    """01010201 批量增员: the unit and the filled Excel template."""

    employer = forms.CharField(
        label="参保单位", required=False, max_length=30, help_text="社会保险登记编号或统一社会信用代码"
    )
    file = forms.FileField(
        label="增员名单（.xlsx）", required=False, widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"})
    )

    required_fields = ("employer", "file")

    def __init__(self, *args, employer: Employer | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fixed_employer = employer
        if employer is not None:
            del self.fields["employer"]

    def unit(self, actor) -> Employer:
        if self.fixed_employer is not None:
            return self.fixed_employer
        return resolve_employer(actor, self.value("employer"))


class PersonChangeForm(ServiceForm):
    """01010202 个人变更登记: basic details, insurance types, payment details (materials: the view's section)."""

    name = forms.CharField(label="姓名", required=False, max_length=80)
    phone = forms.CharField(label="联系电话", required=False, max_length=30)
    address = forms.CharField(label="居住地址", required=False, max_length=250)
    ethnicity = forms.CharField(label="民族", required=False, max_length=30)
    contribution_method = forms.ChoiceField(label="缴费方式", required=False, choices=ContributionMethod.choices)
    benefit_bank_name = forms.CharField(label="待遇发放银行", required=False, max_length=150)
    benefit_bank_account = forms.CharField(label="待遇发放账号", required=False, max_length=50)
    add_insurances = forms.MultipleChoiceField(label="增加险种", required=False, widget=forms.CheckboxSelectMultiple)
    suspend_insurances = forms.MultipleChoiceField(
        label="停保险种", required=False, widget=forms.CheckboxSelectMultiple
    )
    resume_insurances = forms.MultipleChoiceField(label="续保险种", required=False, widget=forms.CheckboxSelectMultiple)
    change_month = forms.CharField(label="险种变更月份", required=False, widget=MONTH_INPUT)
    reason = forms.CharField(
        label="变更原因",
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"placeholder": "停保须填写，如：解除劳动关系"}),
    )

    def __init__(self, *args, person, **kwargs):
        initial = {name: getattr(person, name) for name in PERSON_BASIC_FIELDS}
        initial |= {
            "contribution_method": person.contribution_method,
            "benefit_bank_name": person.benefit_bank_name,
            "benefit_bank_account": person.benefit_bank_account,
        }
        kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)
        open_rows = {e.insurance_type_id: e.status for e in person.enrolments.exclude(status=EnrolmentStatus.ENDED)}
        every = insurance_choices()
        self.fields["suspend_insurances"].choices = [c for c in every if open_rows.get(c[0]) == EnrolmentStatus.ACTIVE]
        self.fields["resume_insurances"].choices = [
            c for c in every if open_rows.get(c[0]) == EnrolmentStatus.SUSPENDED
        ]
        self.fields["add_insurances"].choices = [c for c in every if c[0] not in open_rows]

    def changes(self) -> dict:
        keys = [*PERSON_BASIC_FIELDS, "contribution_method", "benefit_bank_name", "benefit_bank_account"]
        return {name: self.cleaned_data.get(name) or "" for name in keys}


class PersonTerminateForm(ServiceForm):
    """01010203 社会保险关系终止: reason, date and a note."""

    reason = forms.ChoiceField(label="终止原因", required=False, choices=_blank() + list(TerminationReason.choices))
    end_date = forms.CharField(label="终止日期", required=False, widget=DATE_INPUT)
    note = forms.CharField(
        label="说明",
        required=False,
        max_length=250,
        widget=forms.TextInput(attrs={"placeholder": "原因为「其他」时必填"}),
    )

    required_fields = ("reason", "end_date")


class LeaveForm(ServiceForm):
    """减员 (01010202 by the employer online): 停保 of every type the person holds with the unit, from a month."""

    change_month = forms.CharField(label="减员月份", required=False, widget=MONTH_INPUT, help_text="自该月起停止缴费")
    reason = forms.CharField(label="减员原因", required=False, max_length=100, initial="解除劳动关系")

    required_fields = ("change_month", "reason")
