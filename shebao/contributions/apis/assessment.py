"""Cluster 02 (assessment) API v1: `assessments/` (020301 应缴额核定) and `employers/<id>/bill/` (单位月度账单).

POST `assessments/` starts the monthly assessment of a region (main run, or `supplementary: true` for a 补充核定) and
executes it — in this process, or queued for Celery workers when a broker is configured (then the answer says 执行中
and `GET assessments/<id>/` follows it). GET lists the runs, and one run with its progress and what it wrote per
insurance type. The bill is the unit's month: totals per insurance type, employer-level lines, and the persons with
their parts (paged).
"""

from __future__ import annotations

from django.urls import path
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.response import Response

from shebao.core.access import is_staff, require_grant
from shebao.core.api import (
    ShebaoApi,
    StrictBooleanField,
    StrictChoiceField,
    StrictPagination,
    StrictRegexField,
    by_method,
    month_field,
    responses,
)
from shebao.core.batch import batch_progress, batch_run
from shebao.core.batch_models import BatchStatus
from shebao.core.choices import Action
from shebao.core.errors import ApplicationError, PermissionDeniedError
from shebao.core.identifiers import mask_id

from ..choices import ReceivableKind
from ..services.assessment import (
    assessment_run_get_for,
    assessment_runs_for,
    assessment_start,
    check_month,
    employer_of,
    run_totals,
)
from ..services.assessment_batch import ITEM
from ..services.assessment_bill import bill_persons, employer_bill

# -- serializers ----------------------------------------------------------------------------------------------------


class TypeTotalSerializer(serializers.Serializer):
    """One insurance type's lines, persons and amounts (decimal strings)."""

    insurance_type = serializers.CharField()
    name = serializers.CharField()
    lines = serializers.IntegerField()
    persons = serializers.IntegerField()
    employer_amount = serializers.CharField(help_text="单位部分合计（元）")
    individual_amount = serializers.CharField(help_text="个人部分合计（元）")
    total = serializers.CharField()

    class Meta:
        ref_name = "AssessmentTypeTotal"


class TotalsSerializer(serializers.Serializer):
    """Totals per insurance type and overall."""

    by_insurance_type = TypeTotalSerializer(many=True)
    lines = serializers.IntegerField()
    employer_amount = serializers.CharField()
    individual_amount = serializers.CharField()
    total = serializers.CharField()

    class Meta:
        ref_name = "AssessmentTotals"


class AssessmentRunSerializer(serializers.Serializer):
    """应缴核定批次: region, month, main or supplementary, status and rows."""

    id = serializers.IntegerField()
    region = serializers.CharField(source="region_id")
    region_name = serializers.CharField(source="region.name")
    month = serializers.SerializerMethodField()
    seq = serializers.IntegerField(help_text="0 为主批次，1 起为补充批次（补充核定）")
    supplementary = serializers.BooleanField(source="is_supplementary")
    status = serializers.ChoiceField(choices=BatchStatus.choices)
    status_display = serializers.CharField(source="get_status_display")
    chunks_total = serializers.IntegerField()
    chunks_done = serializers.IntegerField()
    rows = serializers.IntegerField(help_text="写入的应收明细行数")
    started_by = serializers.CharField(source="started_by.username", allow_null=True, default=None)
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)
    error = serializers.CharField(allow_blank=True)

    class Meta:
        ref_name = "AssessmentRun"

    def get_month(self, run) -> str:
        return f"{run.period:%Y-%m}"


class AssessmentRunDetailSerializer(AssessmentRunSerializer):
    """One run with its progress, the parameter values it applied and the totals of the lines it wrote."""

    percent = serializers.SerializerMethodField()
    due_date = serializers.SerializerMethodField()
    totals = serializers.SerializerMethodField()

    class Meta:
        ref_name = "AssessmentRunDetail"

    def get_percent(self, run) -> float:
        return batch_progress(run).percent

    def get_due_date(self, run) -> str | None:
        sets = (run.params.get("resolved") or {}).get("sets") or []
        return sets[0]["due_date"] if sets else None

    @extend_schema_field(TotalsSerializer)
    def get_totals(self, run) -> dict:
        return run_totals(run).as_dict()


def _staff(user) -> None:
    if not is_staff(user):
        raise PermissionDeniedError("应缴核定仅限经办机构工作人员办理和查看")


# -- assessments/ ---------------------------------------------------------------------------------------------------


class AssessmentListApi(ShebaoApi):
    """应缴核定批次 of the user's region (and the regions below it), newest month first."""

    catalog_codes = (ITEM,)
    pagination_class = StrictPagination

    class FilterSerializer(serializers.Serializer):
        """Filters of the run list."""

        month = month_field(required=False, help_text="核定月份 YYYY-MM")
        region = StrictRegexField(r"^\d{6}$", required=False, help_text="区划代码（精确匹配）")
        status = StrictChoiceField(choices=BatchStatus.choices, required=False)

    @extend_schema(
        summary="020301 应缴核定批次列表",
        parameters=[FilterSerializer],
        responses=responses({200: AssessmentRunSerializer(many=True)}),
    )
    def get(self, request):
        _staff(request.user)
        require_grant(request.user, ITEM, Action.VIEW)
        f = self.parse_query(self.FilterSerializer)
        qs = assessment_runs_for(request.user).order_by("-period", "-seq", "-id")
        if f.get("month"):
            try:
                qs = qs.filter(period=check_month(f["month"]))
            except ApplicationError as exc:
                raise serializers.ValidationError({"month": [exc.message]}) from None
        if f.get("region"):
            qs = qs.filter(region_id=f["region"])
        if f.get("status"):
            qs = qs.filter(status=f["status"])
        return self.paginate(qs, AssessmentRunSerializer)


class AssessmentStartApi(ShebaoApi):
    """020301 应缴额核定: start the monthly assessment of a region and execute it."""

    catalog_codes = (ITEM,)

    class InputSerializer(serializers.Serializer):
        """The month (YYYY-MM), the region (default: the user's agency's) and whether it is a 补充核定."""

        month = month_field(help_text="核定月份 YYYY-MM（不晚于下月）")
        region = StrictRegexField(r"^\d{6}$", required=False, help_text="区划代码，默认为本人所在经办机构的区划")
        supplementary = StrictBooleanField(
            required=False, default=False, help_text="补充核定：只核定此前批次未覆盖的人员、险种（须主批次已完成）"
        )

    @extend_schema(
        summary="020301 应缴额核定（发起月度核定批次）",
        request=InputSerializer,
        responses=responses({201: AssessmentRunDetailSerializer}, body=True),
    )
    def post(self, request):
        require_grant(request.user, ITEM, Action.HANDLE)
        data = self.parse_body(self.InputSerializer)
        run = assessment_start(
            actor=request.user,
            region=data.get("region") or None,
            month=data["month"],
            supplementary=data["supplementary"],
        )
        run = batch_run(run)
        return Response(AssessmentRunDetailSerializer(run).data, status=status.HTTP_201_CREATED)


AssessmentCollectionApi = by_method(
    "AssessmentCollectionApi",
    "应缴核定批次: GET lists the runs, POST starts the month's assessment (020301).",
    get=AssessmentListApi,
    post=AssessmentStartApi,
)


class AssessmentDetailApi(ShebaoApi):
    """One 应缴核定批次: progress, the due date it applied, and its lines' totals per insurance type."""

    catalog_codes = (ITEM,)

    @extend_schema(summary="020301 应缴核定批次详情", responses=responses({200: AssessmentRunDetailSerializer}))
    def get(self, request, run_id: int):
        _staff(request.user)
        run = assessment_run_get_for(actor=request.user, run_id=run_id)
        return Response(AssessmentRunDetailSerializer(run).data)


# -- employers/<id>/bill/ -------------------------------------------------------------------------------------------


class BillPartSerializer(serializers.Serializer):
    """One insurance type of one person: base, rates and amounts of both parts."""

    insurance_type = serializers.CharField()
    base = serializers.CharField()
    employer_rate = serializers.CharField()
    employer_amount = serializers.CharField()
    individual_rate = serializers.CharField()
    individual_amount = serializers.CharField()
    kind = serializers.CharField(help_text="assessment 月度核定 / supplement 补充核定")

    class Meta:
        ref_name = "BillPart"


class BillPersonSerializer(serializers.Serializer):
    """One person of the bill (ID number masked) with a part per insurance type and the person's totals."""

    person_id = serializers.IntegerField()
    name = serializers.CharField()
    id_number = serializers.SerializerMethodField()
    lines = serializers.SerializerMethodField()
    employer_amount = serializers.CharField(source="employer")
    individual_amount = serializers.CharField(source="individual")
    total = serializers.CharField()

    class Meta:
        ref_name = "BillPerson"

    def get_id_number(self, p) -> str:
        return mask_id(p.id_number)

    @extend_schema_field(BillPartSerializer(many=True))
    def get_lines(self, p) -> list:
        return BillPartSerializer(list(p.parts.values()), many=True).data


class BillLineSerializer(serializers.Serializer):
    """An employer-level or other line of the month (undeclared estimate, settlement, adjustment, late fee …)."""

    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=ReceivableKind.choices)
    kind_display = serializers.CharField(source="get_kind_display")
    insurance_type = serializers.CharField(source="insurance_type_id")
    person_id = serializers.IntegerField(allow_null=True)
    employer_amount = serializers.CharField()
    individual_amount = serializers.CharField()
    due_date = serializers.DateField()
    note = serializers.CharField(allow_blank=True)

    class Meta:
        ref_name = "BillLine"


class EmployerBillApi(ShebaoApi):
    """单位月度缴费账单 (020301): what the unit owes for a month, per insurance type and per person."""

    catalog_codes = (ITEM,)

    class FilterSerializer(serializers.Serializer):
        """The month, and the page of persons."""

        month = month_field(help_text="费款所属期 YYYY-MM")
        page = serializers.IntegerField(min_value=1, required=False, default=1)
        page_size = serializers.IntegerField(min_value=1, max_value=200, required=False, default=50)

    class OutputSerializer(serializers.Serializer):
        """The bill."""

        employer_id = serializers.IntegerField()
        employer_name = serializers.CharField()
        month = serializers.CharField()
        due_date = serializers.DateField(allow_null=True, help_text="缴费截止日，逾期按日加收滞纳金")
        totals = TotalsSerializer()
        other_lines = BillLineSerializer(many=True)
        persons_count = serializers.IntegerField()
        page = serializers.IntegerField()
        persons = BillPersonSerializer(many=True)

    @extend_schema(
        summary="单位月度缴费账单",
        parameters=[FilterSerializer],
        responses=responses({200: OutputSerializer}),
    )
    def get(self, request, employer_id: int):
        employer = employer_of(request.user, employer_id)
        f = self.parse_query(self.FilterSerializer)
        try:
            month = check_month(f["month"])
        except ApplicationError as exc:
            raise serializers.ValidationError({"month": [exc.message]}) from None
        bill = employer_bill(actor=request.user, employer=employer, month=month)
        page, persons = bill_persons(request.user, employer, month, page=f["page"], per_page=f["page_size"])
        data = {
            "employer_id": employer.pk,
            "employer_name": employer.name,
            "month": f"{month:%Y-%m}",
            "due_date": bill.due_date,
            "totals": bill.totals.as_dict(),
            "other_lines": bill.other_lines,
            "persons_count": bill.persons_count,
            "page": page.number,
            "persons": persons,
        }
        return Response(self.OutputSerializer(data).data)


urlpatterns = [
    path("assessments/", AssessmentCollectionApi.as_view(), name="assessments"),
    path("assessments/<int:run_id>/", AssessmentDetailApi.as_view(), name="assessment"),
    path("employers/<int:employer_id>/bill/", EmployerBillApi.as_view(), name="employer-bill"),
]
