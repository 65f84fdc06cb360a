"""REST API of cluster 01 社会保险登记: employers (01010101–01010103) and persons (01010201–01010203).

Each operation class parses its input, fetches scoped objects through the selectors, calls one service and
renders the result. Registrations open a case (业务经办单); the records change when the case is approved
through `POST /api/v1/cases/{id}/approve/`.
"""

from __future__ import annotations

from pathlib import PurePath

from django.conf import settings
from django.http import HttpResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.response import Response

from shebao.core.access import can_view_full_id, require_grant
from shebao.core.api import (
    CaseDetailSerializer,
    CaseSerializer,
    ErrorSerializer,
    ShebaoApi,
    StrictBooleanField,
    StrictCharField,
    StrictChoiceField,
    StrictDateField,
    StrictIntegerField,
    StrictPagination,
    by_method,
    case_response,
    code_list_field,
    month_field,
    responses,
)
from shebao.core.cases import validate_upload
from shebao.core.choices import Action
from shebao.core.errors import ApplicationError
from shebao.core.identifiers import mask_id
from shebao.core.models import Agency
from shebao.core.pdaccess import log_full_view

from .choices import (
    ContributionMethod,
    EmployerStatus,
    PersonCategory,
    PersonStatus,
    TerminationReason,
    UnitType,
)
from .documents import employer_receipt_pdf
from .excel import enrolment_template, error_workbook, read_enrolment_rows
from .selectors import (
    active_employee_count,
    employer_get_for,
    employer_search,
    enrolments_of,
    person_get_for,
    person_search,
)
from .services import (
    employer_change,
    employer_deregister,
    employer_enrol,
    employer_restructure,
    employer_transfer_agency,
    person_change,
    person_enrol,
    person_enrol_bulk,
    person_enrol_bulk_validate,
    person_terminate,
)
from .services.employers import EMPLOYER_FIELDS

XLSX = settings.SHEBAO_UPLOAD_TYPES[".xlsx"]
ID_MAX = 2**63 - 1


def _id_field(**kwargs) -> StrictIntegerField:
    """A database id (positive, within bigint range)."""
    return StrictIntegerField(min_value=1, max_value=ID_MAX, **kwargs)


def _agency_by_code(code: str, field: str) -> Agency:
    """An agency of this system by its code (agencies are reference data, not scoped)."""
    agency = Agency.objects.filter(code=code).first()
    if agency is None:
        raise ApplicationError(f"经办机构 {code} 不存在", field=field)
    return agency


# --------------------------------------------------------------------------------------------------------------
# Employers (单位登记)
# --------------------------------------------------------------------------------------------------------------


class EmployerFieldsInput(serializers.Serializer):
    """The declared details of an employer (单位基本信息); the service checks codes, formats and duplicates."""

    uscc = StrictCharField(max_length=18, help_text="统一社会信用代码")
    name = StrictCharField(max_length=100, help_text="单位名称")
    unit_type = StrictChoiceField(choices=UnitType.choices, help_text="单位类型")
    legal_rep = StrictCharField(max_length=50, help_text="法定代表人")
    address = StrictCharField(max_length=200, help_text="地址")
    region = StrictCharField(max_length=6, help_text="所在区划（GB/T 2260 六位代码）")
    industry_code = StrictCharField(max_length=5, help_text="行业代码（GB/T 4754）")
    injury_risk_class = StrictIntegerField(min_value=1, max_value=8, help_text="工伤风险类别 1–8")
    contact_name = StrictCharField(max_length=50, help_text="联系人")
    contact_phone = StrictCharField(max_length=20, help_text="联系电话")
    bank_name = StrictCharField(max_length=100, required=False, allow_blank=True, default="", help_text="开户银行")
    bank_account = StrictCharField(max_length=40, required=False, allow_blank=True, default="", help_text="银行账号")

    class Meta:
        ref_name = "EmployerFieldsInput"


class EmployerInsuranceSerializer(serializers.Serializer):
    """单位参保险种: an insurance type the employer takes part in, from a start month."""

    insurance_type = serializers.CharField(source="insurance_type_id")
    name = serializers.CharField(source="insurance_type.name")
    start_month = serializers.DateField(allow_null=True)
    end_month = serializers.DateField(allow_null=True)
    active = serializers.BooleanField()

    class Meta:
        ref_name = "EmployerInsurance"


class EmployerSummarySerializer(serializers.Serializer):
    """参保单位 as listed: registration number, USCC, name, status, agency."""

    id = serializers.IntegerField()
    reg_no = serializers.CharField()
    uscc = serializers.CharField()
    name = serializers.CharField()
    unit_type = serializers.ChoiceField(choices=UnitType.choices)
    status = serializers.ChoiceField(choices=EmployerStatus.choices)
    region = serializers.CharField(source="region_id")
    agency = serializers.CharField(source="agency.code")
    agency_name = serializers.CharField(source="agency.name")
    registered_on = serializers.DateField()

    class Meta:
        ref_name = "EmployerSummary"


class EmployerListApi(ShebaoApi):
    """参保单位查询: search employers in scope by name, 统一社会信用代码 or registration number."""

    pagination_class = StrictPagination

    class FilterSerializer(serializers.Serializer):
        """Search terms for employers."""

        q = serializers.CharField(
            max_length=100, required=False, help_text="单位名称（包含）、统一社会信用代码或登记编号"
        )
        status = serializers.ChoiceField(choices=EmployerStatus.choices, required=False)

    @extend_schema(
        summary="参保单位查询",
        parameters=[FilterSerializer],
        responses=responses({200: EmployerSummarySerializer(many=True)}),
    )
    def get(self, request):
        f = self.parse_query(self.FilterSerializer)
        qs = employer_search(actor=request.user, q=f.get("q", ""), status=f.get("status", ""))
        return self.paginate(qs, EmployerSummarySerializer)


class EmployerCreateApi(ShebaoApi):
    """01010101 单位参保登记: declare a unit and its insurance types; it is registered once the case is approved."""

    catalog_codes = ("01010101",)
    parser_classes = (JSONParser,)

    class InputSerializer(EmployerFieldsInput):
        """单位参保登记表: the unit's details, insurance types and start month."""

        insurances = code_list_field(help_text="参保险种编码，如 110、210、310、410、510")
        start_month = month_field(help_text="参保起始月 YYYY-MM")
        agency = StrictCharField(max_length=20, required=False, help_text="参保经办机构编码，默认为本人所在机构")

    @extend_schema(
        summary="01010101 单位参保登记",
        request=InputSerializer,
        responses=responses({201: CaseDetailSerializer}, body=True),
    )
    def post(self, request):
        data = dict(self.parse_body(self.InputSerializer))
        agency = _agency_by_code(data.pop("agency"), "agency") if data.get("agency") else None
        case = employer_enrol(actor=request.user, data=data, agency=agency)
        return case_response(case, request, code=status.HTTP_201_CREATED)


EmployerCollectionApi = by_method(
    "EmployerCollectionApi",
    "参保单位: GET searches, POST declares a new unit (01010101).",
    get=EmployerListApi,
    post=EmployerCreateApi,
)


class EmployerDetailApi(ShebaoApi):
    """参保单位详情: details, insurance types and the number of active employees."""

    class OutputSerializer(EmployerSummarySerializer):
        """The unit's full registration details."""

        legal_rep = serializers.CharField()
        address = serializers.CharField()
        industry_code = serializers.CharField()
        injury_risk_class = serializers.IntegerField()
        contact_name = serializers.CharField()
        contact_phone = serializers.CharField()
        bank_name = serializers.CharField(allow_blank=True)
        bank_account = serializers.CharField(allow_blank=True)
        cancelled_on = serializers.DateField(allow_null=True)
        cancel_reason = serializers.CharField(allow_blank=True)
        successor = serializers.IntegerField(source="successor_id", allow_null=True)
        version = serializers.IntegerField()
        insurances = EmployerInsuranceSerializer(many=True, source="insurance_rows")
        employee_count = serializers.IntegerField()

    @extend_schema(summary="参保单位详情", responses=responses({200: OutputSerializer}))
    def get(self, request, employer_id: int):
        employer = employer_get_for(actor=request.user, employer_id=employer_id)
        employer.insurance_rows = list(
            employer.insurances.select_related("insurance_type").order_by("-active", "insurance_type_id")
        )
        employer.employee_count = active_employee_count(employer)
        return Response(self.OutputSerializer(employer).data)


class EmployerChangeApi(ShebaoApi):
    """01010102 单位变更登记: change details and add or remove insurance types (only the fields sent change)."""

    catalog_codes = ("01010102",)
    parser_classes = (JSONParser,)

    class InputSerializer(EmployerFieldsInput):
        """单位变更登记表: only the details sent change; insurance types added or removed from a month."""

        add_insurances = code_list_field(required=False, help_text="增加的险种")
        remove_insurances = code_list_field(required=False, help_text="减少的险种")
        effective_month = month_field(required=False, help_text="险种增减生效月 YYYY-MM")

        def get_fields(self):
            fields = super().get_fields()
            for name in EMPLOYER_FIELDS:
                fields[name].required = False
                fields[name].default = serializers.empty
            return fields

    @extend_schema(
        summary="01010102 单位变更登记",
        request=InputSerializer,
        responses=responses({201: CaseDetailSerializer}, body=True),
    )
    def post(self, request, employer_id: int):
        data = self.parse_body(self.InputSerializer)
        employer = employer_get_for(actor=request.user, employer_id=employer_id)
        case = employer_change(
            actor=request.user,
            employer=employer,
            changes={k: data[k] for k in EMPLOYER_FIELDS if k in data},
            add_insurances=data.get("add_insurances"),
            remove_insurances=data.get("remove_insurances"),
            effective_month=data.get("effective_month"),
        )
        return case_response(case, request, code=status.HTTP_201_CREATED)


class EmployerRestructureApi(ShebaoApi):
    """01010102 单位分立合并: split this unit into successors, or merge it (and others) into one successor."""

    catalog_codes = ("01010102",)
    parser_classes = (JSONParser,)

    class InputSerializer(serializers.Serializer):
        """分立合并: kind, successor units, other merged units and the assignment of employees."""

        kind = StrictChoiceField(choices=[("split", "分立"), ("merge", "合并")])
        targets = serializers.ListField(child=_id_field(), min_length=1, max_length=50, help_text="承继单位ID")
        other_sources = serializers.ListField(
            child=_id_field(),
            required=False,
            max_length=50,
            default=list,
            help_text="合并时除本单位外的其他原单位ID",
        )
        assignments = serializers.DictField(
            child=_id_field(),
            required=False,
            default=dict,
            help_text="分立时人员分配：参保人ID → 承继单位ID（未列出的人员归第一个承继单位）",
        )
        effective_month = month_field(help_text="生效月 YYYY-MM")
        cancel_sources = StrictBooleanField(
            required=False, allow_null=True, default=None, help_text="是否注销原单位（合并默认注销）"
        )

        def validate_assignments(self, value: dict) -> dict:
            for key in value:
                if not (key.isascii() and key.isdigit() and len(key) <= 18):
                    raise serializers.ValidationError(f"参保人ID {key[:20]} 无效")
            return value

    @extend_schema(
        summary="01010102 单位分立合并",
        request=InputSerializer,
        responses=responses({201: CaseDetailSerializer}, body=True),
    )
    def post(self, request, employer_id: int):
        data = self.parse_body(self.InputSerializer)
        source = employer_get_for(actor=request.user, employer_id=employer_id)
        others = [employer_get_for(actor=request.user, employer_id=pk) for pk in dict.fromkeys(data["other_sources"])]
        targets = [employer_get_for(actor=request.user, employer_id=pk) for pk in dict.fromkeys(data["targets"])]
        case = employer_restructure(
            actor=request.user,
            kind=data["kind"],
            sources=[source, *[e for e in others if e.pk != source.pk]],
            targets=targets,
            assignments=data["assignments"],
            effective_month=data["effective_month"],
            cancel_sources=data["cancel_sources"],
        )
        return case_response(case, request, code=status.HTTP_201_CREATED)


class EmployerTransferAgencyApi(ShebaoApi):
    """01010102 成建制转移: the unit and all its employees move to another agency of this system."""

    catalog_codes = ("01010102",)
    parser_classes = (JSONParser,)

    class InputSerializer(serializers.Serializer):
        """成建制转移: the receiving agency and the month."""

        to_agency = StrictCharField(max_length=20, help_text="转入经办机构编码")
        effective_month = month_field(help_text="生效月 YYYY-MM")

    @extend_schema(
        summary="01010102 成建制转移",
        request=InputSerializer,
        responses=responses({201: CaseDetailSerializer}, body=True),
    )
    def post(self, request, employer_id: int):
        data = self.parse_body(self.InputSerializer)
        employer = employer_get_for(actor=request.user, employer_id=employer_id)
        to_agency = _agency_by_code(data["to_agency"], "to_agency")
        case = employer_transfer_agency(
            actor=request.user, employer=employer, to_agency=to_agency, effective_month=data["effective_month"]
        )
        return case_response(case, request, code=status.HTTP_201_CREATED)


class EmployerDeregisterApi(ShebaoApi):
    """01010103 单位注销登记: refused while the unit has active employees (or arrears)."""

    catalog_codes = ("01010103",)
    parser_classes = (JSONParser,)

    class InputSerializer(serializers.Serializer):
        """单位注销登记表: reason and date."""

        reason = StrictCharField(max_length=200, help_text="注销原因")
        cancel_date = StrictDateField(help_text="注销日期 YYYY-MM-DD，不能晚于今天")

    @extend_schema(
        summary="01010103 单位注销登记",
        request=InputSerializer,
        responses=responses({201: CaseDetailSerializer}, body=True),
    )
    def post(self, request, employer_id: int):
        data = self.parse_body(self.InputSerializer)
        employer = employer_get_for(actor=request.user, employer_id=employer_id)
        case = employer_deregister(
            actor=request.user, employer=employer, reason=data["reason"], cancel_date=data["cancel_date"]
        )
        return case_response(case, request, code=status.HTTP_201_CREATED)


class EmployerReceiptApi(ShebaoApi):
    """01010101 社会保险登记回执 (PDF) of a registered unit."""

    catalog_codes = ("01010101",)

    @extend_schema(
        summary="社会保险登记回执（PDF）",
        operation_id="employers_receipt_retrieve",
        responses=responses({(200, "application/pdf"): OpenApiTypes.BINARY}),
    )
    def get(self, request, employer_id: int):
        employer = employer_get_for(actor=request.user, employer_id=employer_id)
        response = HttpResponse(employer_receipt_pdf(employer=employer), content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="receipt-{employer.reg_no}.pdf"'
        return response


# --------------------------------------------------------------------------------------------------------------
# Persons (个人登记)
# --------------------------------------------------------------------------------------------------------------


class PersonSummarySerializer(serializers.Serializer):
    """参保人 as listed: the ID number is always masked in lists."""

    id = serializers.IntegerField()
    id_number = serializers.SerializerMethodField()
    name = serializers.CharField()
    gender = serializers.CharField()
    category = serializers.ChoiceField(choices=PersonCategory.choices)
    employer = serializers.IntegerField(source="employer_id", allow_null=True)
    employer_name = serializers.CharField(source="employer.name", allow_null=True, default=None)
    agency = serializers.CharField(source="agency.code")
    status = serializers.ChoiceField(choices=PersonStatus.choices)
    registered_on = serializers.DateField()

    class Meta:
        ref_name = "PersonSummary"

    @extend_schema_field(OpenApiTypes.STR)
    def get_id_number(self, person) -> str:
        return mask_id(person.id_number)


class EnrolmentSerializer(serializers.Serializer):
    """参保险种登记: one insurance type of a person, with its start and end months."""

    insurance_type = serializers.CharField(source="insurance_type_id")
    name = serializers.CharField(source="insurance_type.name")
    employer = serializers.IntegerField(source="employer_id", allow_null=True)
    employer_name = serializers.CharField(source="employer.name", allow_null=True, default=None)
    start_month = serializers.DateField()
    end_month = serializers.DateField(allow_null=True)
    status = serializers.CharField()
    status_display = serializers.CharField(source="get_status_display")
    end_reason = serializers.CharField(allow_blank=True)

    class Meta:
        ref_name = "Enrolment"


class PersonListApi(ShebaoApi):
    """参保人查询: by 社会保障号码 (exact; 15 digits converted) or name prefix, optionally within one unit."""

    pagination_class = StrictPagination

    class FilterSerializer(serializers.Serializer):
        """Search terms for persons."""

        q = serializers.CharField(max_length=50, required=False, help_text="社会保障号码（精确）或姓名（前缀）")
        employer = serializers.IntegerField(min_value=1, max_value=ID_MAX, required=False, help_text="参保单位ID")
        status = serializers.ChoiceField(choices=PersonStatus.choices, required=False)

    @extend_schema(
        summary="参保人查询",
        parameters=[FilterSerializer],
        responses=responses({200: PersonSummarySerializer(many=True)}),
    )
    def get(self, request):
        f = self.parse_query(self.FilterSerializer)
        qs = person_search(
            actor=request.user, q=f.get("q", ""), employer_id=f.get("employer"), status=f.get("status", "")
        )
        return self.paginate(qs, PersonSummarySerializer)


class PersonRowInput(serializers.Serializer):
    """One person's declaration (个人参保登记信息); the service checks the ID, age, months and duplicates."""

    id_number = StrictCharField(max_length=18, help_text="社会保障号码（18位；15位自动转换）")
    name = StrictCharField(max_length=50, help_text="姓名")
    phone = StrictCharField(max_length=20, required=False, allow_blank=True, default="", help_text="联系电话")
    address = StrictCharField(max_length=200, required=False, allow_blank=True, default="", help_text="居住地址")
    ethnicity = StrictCharField(max_length=20, required=False, allow_blank=True, default="", help_text="民族")
    insurances = code_list_field(help_text="参保险种编码")
    start_month = month_field(help_text="参保起始月 YYYY-MM")

    class Meta:
        ref_name = "PersonRowInput"


class PersonCreateApi(ShebaoApi):
    """01010201 个人参保登记: 增员 under a unit, or 灵活就业人员/城乡居民 enrolment without one."""

    catalog_codes = ("01010201",)
    parser_classes = (JSONParser,)

    class InputSerializer(PersonRowInput):
        """个人参保登记表: the person, the unit (for employees) and the category."""

        employer = StrictIntegerField(
            min_value=1, max_value=ID_MAX, required=False, allow_null=True, help_text="参保单位ID（单位职工必填）"
        )
        category = StrictChoiceField(choices=PersonCategory.choices, required=False, default=PersonCategory.EMPLOYEE)

    @extend_schema(
        summary="01010201 个人参保登记",
        request=InputSerializer,
        responses=responses({201: CaseDetailSerializer}, body=True),
    )
    def post(self, request):
        data = dict(self.parse_body(self.InputSerializer))
        employer_id = data.pop("employer", None)
        employer = employer_get_for(actor=request.user, employer_id=employer_id) if employer_id else None
        case = person_enrol(actor=request.user, data=data, employer=employer, category=data.pop("category"))
        return case_response(case, request, code=status.HTTP_201_CREATED)


PersonCollectionApi = by_method(
    "PersonCollectionApi",
    "参保人: GET searches, POST enrols one person (01010201).",
    get=PersonListApi,
    post=PersonCreateApi,
)


class PersonDetailApi(ShebaoApi):
    """参保人详情 with enrolments; the full ID number only for those entitled to see it."""

    class OutputSerializer(PersonSummarySerializer):
        """The person's registration details and enrolments (ID and account masked unless entitled)."""

        birth_date = serializers.SerializerMethodField()
        ethnicity = serializers.CharField(allow_blank=True)
        phone = serializers.CharField(allow_blank=True)
        address = serializers.CharField(allow_blank=True)
        contribution_method = serializers.ChoiceField(choices=ContributionMethod.choices)
        benefit_bank_name = serializers.CharField(allow_blank=True)
        benefit_bank_account = serializers.SerializerMethodField()
        terminated_on = serializers.DateField(allow_null=True)
        termination_reason = serializers.CharField(allow_blank=True)
        version = serializers.IntegerField()
        id_number_masked = serializers.SerializerMethodField()
        enrolments = EnrolmentSerializer(many=True, source="enrolment_rows")

        @extend_schema_field(OpenApiTypes.STR)
        def get_id_number(self, person) -> str:
            return person.id_number if self.context.get("full") else mask_id(person.id_number)

        @extend_schema_field(OpenApiTypes.BOOL)
        def get_id_number_masked(self, person) -> bool:
            return not self.context.get("full")

        @extend_schema_field(serializers.DateField(allow_null=True))
        def get_birth_date(self, person):
            return person.birth_date.isoformat() if self.context.get("full") else None

        @extend_schema_field(OpenApiTypes.STR)
        def get_benefit_bank_account(self, person) -> str:
            account = person.benefit_bank_account
            return account if self.context.get("full") else mask_id(account)

    @extend_schema(summary="参保人详情", responses=responses({200: OutputSerializer}))
    def get(self, request, person_id: int):
        person = person_get_for(actor=request.user, person_id=person_id)
        person.enrolment_rows = list(enrolments_of(person))
        full = can_view_full_id(request.user, person_id=person.pk, employer_id=person.employer_id)
        if full:
            shown = ["id_number", "bank_account"] if person.benefit_bank_account else "id_number"
            log_full_view(request.user, "person", person.pk, shown, "接口：参保人详情")
        return Response(self.OutputSerializer(person, context={"full": full}).data)


class PersonChangeApi(ShebaoApi):
    """01010202 个人变更登记: details, contribution method, benefit account, 增险/停保/续保 (减员 = 停保).

    JSON, or multipart when supporting materials are attached (a name change needs them).
    """

    catalog_codes = ("01010202",)
    parser_classes = (JSONParser, MultiPartParser)

    class InputSerializer(serializers.Serializer):
        """个人变更登记表: only the details sent change; 增险/停保/续保 from a month; supporting files."""

        name = StrictCharField(max_length=50, required=False, allow_blank=True)
        phone = StrictCharField(max_length=20, required=False, allow_blank=True)
        address = StrictCharField(max_length=200, required=False, allow_blank=True)
        ethnicity = StrictCharField(max_length=20, required=False, allow_blank=True)
        contribution_method = StrictChoiceField(choices=ContributionMethod.choices, required=False)
        benefit_bank_name = StrictCharField(max_length=100, required=False, allow_blank=True)
        benefit_bank_account = StrictCharField(max_length=40, required=False, allow_blank=True)
        add_insurances = code_list_field(required=False, help_text="增加的险种")
        suspend_insurances = code_list_field(required=False, help_text="停保的险种（减员）")
        resume_insurances = code_list_field(required=False, help_text="续保的险种")
        change_month = month_field(required=False, help_text="险种变动月份 YYYY-MM")
        reason = StrictCharField(
            max_length=100, required=False, allow_blank=True, default="", help_text="变更（停保）原因"
        )
        materials = serializers.ListField(
            child=serializers.FileField(max_length=255),
            required=False,
            max_length=10,
            help_text="证明材料（multipart）",
        )
        materials_kind = StrictCharField(
            max_length=50, required=False, allow_blank=True, default="证明材料", help_text="材料名称，如 户籍证明"
        )

    CHANGE_FIELDS = (
        "name",
        "phone",
        "address",
        "ethnicity",
        "contribution_method",
        "benefit_bank_name",
        "benefit_bank_account",
    )

    @extend_schema(
        summary="01010202 个人变更登记",
        request=InputSerializer,
        responses=responses({201: CaseDetailSerializer}, body=True),
    )
    def post(self, request, person_id: int):
        data = self.parse_body(self.InputSerializer)
        person = person_get_for(actor=request.user, person_id=person_id)
        kind = data["materials_kind"] or "证明材料"
        case = person_change(
            actor=request.user,
            person=person,
            changes={k: data[k] for k in self.CHANGE_FIELDS if k in data},
            add_insurances=data.get("add_insurances"),
            suspend_insurances=data.get("suspend_insurances"),
            resume_insurances=data.get("resume_insurances"),
            change_month=data.get("change_month"),
            reason=data["reason"],
            materials=[(kind, f) for f in data.get("materials", [])],
        )
        return case_response(case, request, code=status.HTTP_201_CREATED)


class PersonTerminateApi(ShebaoApi):
    """01010203 社会保险关系终止: death, emigration, duplicate enrolment or other; ends every enrolment."""

    catalog_codes = ("01010203",)
    parser_classes = (JSONParser,)

    class InputSerializer(serializers.Serializer):
        """关系终止: reason, date and note."""

        reason = StrictChoiceField(choices=TerminationReason.choices, help_text="终止原因")
        end_date = StrictDateField(help_text="终止日期 YYYY-MM-DD，不能晚于今天")
        note = StrictCharField(
            max_length=200, required=False, allow_blank=True, default="", help_text="说明（原因为「其他」时必填）"
        )

    @extend_schema(
        summary="01010203 社会保险关系终止",
        request=InputSerializer,
        responses=responses({201: CaseDetailSerializer}, body=True),
    )
    def post(self, request, person_id: int):
        data = self.parse_body(self.InputSerializer)
        person = person_get_for(actor=request.user, person_id=person_id)
        case = person_terminate(
            actor=request.user, person=person, reason=data["reason"], end_date=data["end_date"], note=data["note"]
        )
        return case_response(case, request, code=status.HTTP_201_CREATED)


class RowErrorSerializer(serializers.Serializer):
    """One problem in one row of an uploaded workbook (row numbers as shown in Excel)."""

    row = serializers.IntegerField()
    field = serializers.CharField()
    message = serializers.CharField()

    class Meta:
        ref_name = "RowError"


class BulkErrorSerializer(ErrorSerializer):
    """A refused bulk upload: every row had errors, so nothing was saved."""

    row_errors = RowErrorSerializer(many=True, required=False)

    class Meta:
        ref_name = "BulkError"


def _check_workbook(uploaded, field: str = "file") -> None:
    """The upload is an .xlsx workbook within the size limit (content checked by its signature)."""
    if uploaded is not None and PurePath(uploaded.name or "").suffix.lower() != ".xlsx":
        raise ApplicationError("请上传 .xlsx 格式的增员模板", field=field)
    validate_upload(uploaded, field=field)
    uploaded.seek(0)


class PersonBulkEnrolApi(ShebaoApi):
    """01010201 批量增员: upload the Excel template; valid rows go into one case, invalid rows come back.

    Response 201: the case for the valid rows, their count and the per-row errors (`errors`). When some rows
    are wrong, `error_workbook` is the URL that returns them as a workbook to correct and re-upload (POST the
    same employer and file to it). When every row is wrong nothing is saved and the answer is 400.
    """

    catalog_codes = ("01010201",)
    parser_classes = (MultiPartParser,)

    class InputSerializer(serializers.Serializer):
        """The unit and the filled 增员 template (multipart)."""

        employer = serializers.IntegerField(min_value=1, max_value=ID_MAX, help_text="参保单位ID")
        file = serializers.FileField(max_length=255, allow_empty_file=True, help_text="增员模板（.xlsx）")

    class OutputSerializer(serializers.Serializer):
        """The case for the valid rows, how many, and the errors of the others."""

        case = CaseSerializer(allow_null=True)
        valid = serializers.IntegerField()
        errors = RowErrorSerializer(many=True)
        error_workbook = serializers.CharField(allow_null=True)

    @extend_schema(
        summary="01010201 批量增员",
        request=InputSerializer,
        responses=responses({201: OutputSerializer}, body=True) | {400: OpenApiResponse(BulkErrorSerializer)},
    )
    def post(self, request):
        data = self.parse_body(self.InputSerializer)
        employer = employer_get_for(actor=request.user, employer_id=data["employer"])
        require_grant(request.user, "01010201", Action.HANDLE)  # the grant before any work on the file
        _check_workbook(data["file"])
        rows = read_enrolment_rows(data["file"])
        result = person_enrol_bulk(actor=request.user, rows=rows, employer=employer, channel="batch")
        errors = [{"row": e.row, "field": e.field, "message": e.message} for e in result.errors]
        if result.case is None:
            return Response(
                {
                    "detail": "所有数据行均有错误，未保存任何数据",
                    "errors": {"file": [f"第{e['row']}行：{e['message']}" for e in errors[:50]]},
                    "row_errors": errors,
                },
                status=status.HTTP_400_BAD_REQUEST,
            )
        body = {
            "case": result.case,
            "valid": result.valid,
            "errors": errors,
            "error_workbook": request.build_absolute_uri(reverse("api-registration:person-bulk-errors"))
            if errors
            else None,
        }
        return Response(self.OutputSerializer(body).data, status=status.HTTP_201_CREATED)


class PersonBulkErrorWorkbookApi(ShebaoApi):
    """批量增员错误清单: check an uploaded template without saving and return its wrong rows as a workbook."""

    catalog_codes = ("01010201",)
    parser_classes = (MultiPartParser,)

    class InputSerializer(PersonBulkEnrolApi.InputSerializer):
        """The unit and the same filled template as for the upload (multipart)."""

    @extend_schema(
        summary="批量增员错误清单（xlsx）",
        operation_id="persons_bulk_errors_create",
        request=InputSerializer,
        responses=responses({(200, XLSX): OpenApiTypes.BINARY}, body=True),
    )
    def post(self, request):
        data = self.parse_body(self.InputSerializer)
        employer = employer_get_for(actor=request.user, employer_id=data["employer"])
        require_grant(request.user, "01010201", Action.HANDLE)  # the grant before any work on the file
        _check_workbook(data["file"])
        rows = read_enrolment_rows(data["file"])
        # Exactly the checks of the real upload, by the pure validator: nothing is written.
        _, _, errors = person_enrol_bulk_validate(actor=request.user, rows=rows, employer=employer)
        response = HttpResponse(error_workbook(rows, errors, first_row=2), content_type=XLSX)
        response["Content-Disposition"] = 'attachment; filename="enrolment-errors.xlsx"'
        return response


class PersonBulkTemplateApi(ShebaoApi):
    """01010201 增员模板: the Excel template for bulk enrolment."""

    catalog_codes = ("01010201",)

    @extend_schema(
        summary="增员模板（xlsx）",
        operation_id="persons_bulk_template_retrieve",
        responses=responses({(200, XLSX): OpenApiTypes.BINARY}),
    )
    def get(self, request):
        response = HttpResponse(enrolment_template(), content_type=XLSX)
        response["Content-Disposition"] = 'attachment; filename="enrolment-template.xlsx"'
        return response
