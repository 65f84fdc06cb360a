"""Employer API (单位登记): search, detail, 01010101 enrol, 01010102 change/restructure/transfer, 01010103."""

from __future__ import annotations

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from shebao.core.api import (
    ItemCaseApi,
    ShebaoApi,
    StrictBooleanField,
    StrictCharField,
    StrictChoiceField,
    StrictDateField,
    StrictIntegerField,
    StrictPagination,
    by_method,
    code_list_field,
    month_field,
    responses,
)
from shebao.core.masking import personal_view

from ..choices import (
    EmployerStatus,
    UnitType,
)
from ..documents import employer_receipt_pdf
from ..selectors import (
    active_employee_count,
    employer_get_for,
    employer_search,
)
from ..services import (
    employer_change,
    employer_deregister,
    employer_enrol,
    employer_restructure,
    employer_transfer_agency,
)
from ..services.employers import EMPLOYER_FIELDS
from .common import _agency_by_code, _id_field

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


class EmployerCreateApi(ItemCaseApi):
    """01010101 单位参保登记: declare a unit and its insurance types; it is registered once the case is approved."""

    item_code = "01010101"
    summary = "01010101 单位参保登记"

    class InputSerializer(EmployerFieldsInput):
        """单位参保登记表: the unit's details, insurance types and start month."""

        insurances = code_list_field(help_text="参保险种编码，如 110、210、310、410、510")
        start_month = month_field(help_text="参保起始月 YYYY-MM")
        agency = StrictCharField(max_length=20, required=False, help_text="参保经办机构编码，默认为本人所在机构")

    def submit(self, request, data, subject):
        data = dict(data)
        agency = _agency_by_code(data.pop("agency"), "agency") if data.get("agency") else None
        return employer_enrol(actor=request.user, data=data, agency=agency, materials=self.materials)


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
        # the account and contact phone as the user's role may see them (masking rules, 1107); a full account is logged
        shown = personal_view(
            request.user,
            {"bank_account": employer.bank_account, "phone": employer.contact_phone},
            object_type="employer",
            object_id=employer.pk,
            where="接口：参保单位详情",
        )
        data = self.OutputSerializer(employer).data
        data.update(bank_account=shown["bank_account"], contact_phone=shown["phone"])
        return Response(data)


class _EmployerItemApi(ItemCaseApi):
    """An item about one unit of the actor's scope (`/employers/{employer_id}/…`)."""

    def get_subject(self, request, employer_id: int):
        return employer_get_for(actor=request.user, employer_id=employer_id)


class EffectiveMonthInput(serializers.Serializer):
    """The month from which a change of the unit takes effect (分立合并, 成建制转移)."""

    effective_month = month_field(help_text="生效月 YYYY-MM")

    class Meta:
        ref_name = "EffectiveMonthInput"


class EmployerChangeApi(_EmployerItemApi):
    """01010102 单位变更登记: change details and add or remove insurance types (only the fields sent change)."""

    item_code = "01010102"
    summary = "01010102 单位变更登记"

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

    def submit(self, request, data, employer):
        return employer_change(
            actor=request.user,
            employer=employer,
            changes={k: data[k] for k in EMPLOYER_FIELDS if k in data},
            add_insurances=data.get("add_insurances"),
            remove_insurances=data.get("remove_insurances"),
            effective_month=data.get("effective_month"),
            materials=self.materials,
        )


class EmployerRestructureApi(_EmployerItemApi):
    """01010102 单位分立合并: split this unit into successors, or merge it (and others) into one successor."""

    item_code = "01010102"
    summary = "01010102 单位分立合并"

    class InputSerializer(EffectiveMonthInput):
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
        cancel_sources = StrictBooleanField(
            required=False, allow_null=True, default=None, help_text="是否注销原单位（合并默认注销）"
        )

        def validate_assignments(self, value: dict) -> dict:
            for key in value:
                if not (key.isascii() and key.isdigit() and len(key) <= 18):
                    raise serializers.ValidationError(f"参保人ID {key[:20]} 无效")
            return value

    def submit(self, request, data, source):
        others = [employer_get_for(actor=request.user, employer_id=pk) for pk in dict.fromkeys(data["other_sources"])]
        targets = [employer_get_for(actor=request.user, employer_id=pk) for pk in dict.fromkeys(data["targets"])]
        return employer_restructure(
            actor=request.user,
            kind=data["kind"],
            sources=[source, *[e for e in others if e.pk != source.pk]],
            targets=targets,
            assignments=data["assignments"],
            effective_month=data["effective_month"],
            cancel_sources=data["cancel_sources"],
            materials=self.materials,
        )


class EmployerTransferAgencyApi(_EmployerItemApi):
    """01010102 成建制转移: the unit and all its employees move to another agency of this system."""

    item_code = "01010102"
    summary = "01010102 成建制转移"

    class InputSerializer(EffectiveMonthInput):
        """成建制转移: the receiving agency and the month."""

        to_agency = StrictCharField(max_length=20, help_text="转入经办机构编码")

    def submit(self, request, data, employer):
        to_agency = _agency_by_code(data["to_agency"], "to_agency")
        return employer_transfer_agency(
            actor=request.user,
            employer=employer,
            to_agency=to_agency,
            effective_month=data["effective_month"],
            materials=self.materials,
        )


class EmployerDeregisterApi(_EmployerItemApi):
    """01010103 单位注销登记: refused while the unit has active employees (or arrears)."""

    item_code = "01010103"
    summary = "01010103 单位注销登记"

    class InputSerializer(serializers.Serializer):
        """单位注销登记表: reason and date."""

        reason = StrictCharField(max_length=200, help_text="注销原因")
        cancel_date = StrictDateField(help_text="注销日期 YYYY-MM-DD，不能晚于今天")

    def submit(self, request, data, employer):
        return employer_deregister(
            actor=request.user,
            employer=employer,
            reason=data["reason"],
            cancel_date=data["cancel_date"],
            materials=self.materials,
        )


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
