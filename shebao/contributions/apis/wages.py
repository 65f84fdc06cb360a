"""Cluster 02 (wages) API v1: `wage-declarations/` (020101) and `contribution-bases/` (020102, 020103)."""

from __future__ import annotations

from pathlib import PurePath

from django.conf import settings
from django.http import HttpResponse
from django.urls import path, re_path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from shebao.core.access import require_grant
from shebao.core.api import (
    CaseSerializer,
    ErrorSerializer,
    ItemCaseApi,
    NotFoundApi,
    ShebaoApi,
    StrictBooleanField,
    StrictCharField,
    StrictChoiceField,
    StrictIntegerField,
    StrictPagination,
    by_method,
    case_response,
    month_field,
    responses,
)
from shebao.core.choices import Action, Channel
from shebao.core.errors import ApplicationError
from shebao.core.identifiers import mask_id
from shebao.core.pdaccess import log_full_view
from shebao.core.uploads import validate_upload
from shebao.registration.selectors import employer_get_for, person_get_for

from ..choices import BaseSource
from ..excel.wages import declaration_template, error_workbook, read_declaration_rows
from ..selectors.wages import (
    contribution_base_search,
    declaration_lines,
    wage_declaration_get_for,
    wage_declaration_search,
)
from ..services.wages import DeclarationRefused, declarable_years, wage_declaration_submit, wage_declaration_validate
from ..services.wages_adjust import SOURCES, contribution_base_adjust
from ..services.wages_bases import KINDS, contribution_base_determine
from ..services.wages_batch import contribution_bases_determine_region

XLSX = settings.SHEBAO_UPLOAD_TYPES[".xlsx"]
ID_MAX = 2**63 - 1


def _id(**kwargs) -> StrictIntegerField:
    return StrictIntegerField(min_value=1, max_value=ID_MAX, **kwargs)


# -- 020101 工资总额申报 ---------------------------------------------------------------------------------------------


class WageDeclarationSerializer(serializers.Serializer):
    """An approved 工资总额申报: unit, contribution year, headcount and wage total."""

    id = serializers.IntegerField()
    employer = serializers.IntegerField(source="employer_id")
    employer_name = serializers.CharField(source="employer.name")
    reg_no = serializers.CharField(source="employer.reg_no")
    year = serializers.IntegerField()
    status = serializers.CharField()
    headcount = serializers.IntegerField()
    wage_total = serializers.DecimalField(max_digits=14, decimal_places=2)
    agency = serializers.CharField(source="agency.code")
    case = serializers.CharField(source="case.number", allow_null=True, default=None)
    created_at = serializers.DateTimeField()

    class Meta:
        ref_name = "WageDeclaration"


class WageDeclarationListApi(ShebaoApi):
    """工资申报查询: approved declarations in scope, by contribution year and unit."""

    pagination_class = StrictPagination

    class FilterSerializer(serializers.Serializer):
        """Filters of the declaration list."""

        year = serializers.IntegerField(min_value=1900, max_value=2999, required=False, help_text="缴费年度")
        employer = serializers.IntegerField(min_value=1, max_value=ID_MAX, required=False, help_text="参保单位ID")

    @extend_schema(
        summary="工资申报查询",
        parameters=[FilterSerializer],
        responses=responses({200: WageDeclarationSerializer(many=True)}),
    )
    def get(self, request):
        f = self.parse_query(self.FilterSerializer)
        qs = wage_declaration_search(actor=request.user, year=f.get("year"), employer_id=f.get("employer"))
        return self.paginate(qs, WageDeclarationSerializer)


class WageLineInput(serializers.Serializer):
    """One employee's wage of the previous year (the service checks each value and names the line)."""

    id_number = StrictCharField(max_length=18, help_text="社会保障号码")
    name = StrictCharField(
        max_length=50, required=False, allow_blank=True, default="", help_text="姓名（填写时须一致）"
    )
    annual_wage = StrictCharField(max_length=20, help_text='上年度工资收入（元，十进制字符串，如 "86400.00"）')
    months = StrictIntegerField(required=False, default=12, help_text="上年度在岗月数 1–12，默认 12")

    class Meta:
        ref_name = "WageLineInput"


class WageDeclarationCreateApi(ItemCaseApi):
    """020101 工资总额申报: the unit's employees' wages of the previous year for a contribution year (JSON lines).

    Every line is checked (an active employee of the unit, wage ≥ 0, months 1–12, no duplicates) and every error
    is returned at once (`errors.lines` and `errors["lines.<i>.<field>"]`); nothing is saved unless all are right.
    """

    item_code = "020101"
    summary = "020101 工资总额申报"

    class InputSerializer(serializers.Serializer):
        """The unit, the contribution year and one line per employee."""

        employer = _id(help_text="参保单位ID")
        year = StrictIntegerField(help_text="缴费年度（申报其上一年度的工资）")
        lines = WageLineInput(many=True, allow_empty=True, help_text="申报明细，每名职工一行")

    def submit(self, request, data, subject):
        employer = employer_get_for(actor=request.user, employer_id=data["employer"])
        return wage_declaration_submit(
            actor=request.user,
            employer=employer,
            year=data["year"],
            lines=[dict(x) for x in data["lines"]],
            materials=self.materials,
        )


WageDeclarationCollectionApi = by_method(
    "WageDeclarationCollectionApi",
    "工资总额申报: GET lists approved declarations, POST declares a unit's wages (020101).",
    get=WageDeclarationListApi,
    post=WageDeclarationCreateApi,
)


class WageDeclarationDetailApi(ShebaoApi):
    """工资申报详情: one approved declaration with its totals."""

    @extend_schema(summary="工资申报详情", responses=responses({200: WageDeclarationSerializer}))
    def get(self, request, declaration_id: int):
        declaration = wage_declaration_get_for(actor=request.user, declaration_id=declaration_id)
        return Response(WageDeclarationSerializer(declaration).data)


class WageLineSerializer(serializers.Serializer):
    """One line of an approved declaration (ID number masked)."""

    person = serializers.IntegerField(source="person_id")
    id_number = serializers.SerializerMethodField()
    name = serializers.CharField(source="person.name")
    annual_wage = serializers.DecimalField(max_digits=14, decimal_places=2)
    months = serializers.IntegerField()
    monthly_wage = serializers.DecimalField(max_digits=14, decimal_places=2)

    class Meta:
        ref_name = "WageDeclarationLine"

    def get_id_number(self, line) -> str:
        return mask_id(line.person.id_number)


class WageDeclarationLinesApi(ShebaoApi):
    """工资申报明细: the lines of one approved declaration, paginated."""

    pagination_class = StrictPagination

    @extend_schema(summary="工资申报明细", responses=responses({200: WageLineSerializer(many=True)}))
    def get(self, request, declaration_id: int):
        declaration = wage_declaration_get_for(actor=request.user, declaration_id=declaration_id)
        return self.paginate(declaration_lines(declaration), WageLineSerializer)


class RowErrorSerializer(serializers.Serializer):
    """One problem in one row of an uploaded workbook (Excel row numbers)."""

    row = serializers.IntegerField()
    field = serializers.CharField()
    message = serializers.CharField()

    class Meta:
        ref_name = "WageRowError"


class UploadErrorSerializer(ErrorSerializer):
    """A refused upload: the per-row errors; nothing was saved."""

    row_errors = RowErrorSerializer(many=True, required=False)

    class Meta:
        ref_name = "WageUploadError"


class UploadInput(serializers.Serializer):
    """The unit, the contribution year and the filled template (multipart)."""

    employer = serializers.IntegerField(min_value=1, max_value=ID_MAX, help_text="参保单位ID")
    year = serializers.IntegerField(min_value=1900, max_value=2999, help_text="缴费年度")
    file = serializers.FileField(max_length=255, allow_empty_file=True, help_text="工资申报表（.xlsx）")

    class Meta:
        ref_name = "WageUploadInput"


def _read_upload(request, data) -> tuple:
    employer = employer_get_for(actor=request.user, employer_id=data["employer"])
    require_grant(request.user, "020101", Action.HANDLE)  # the grant before any work on the file
    uploaded = data["file"]
    if PurePath(uploaded.name or "").suffix.lower() != ".xlsx":
        raise ApplicationError("请上传 .xlsx 格式的工资申报表", field="file")
    validate_upload(uploaded, field="file")
    uploaded.seek(0)
    return employer, read_declaration_rows(uploaded)


class WageDeclarationUploadApi(ShebaoApi):
    """020101 工资总额申报（上传模板）: the filled template; 201 with the case, or 400 with every wrong row."""

    catalog_codes = ("020101",)
    parser_classes = (MultiPartParser,)

    @extend_schema(
        summary="020101 工资总额申报（上传模板）",
        request=UploadInput,
        responses=responses({201: CaseSerializer}, body=True) | {400: OpenApiResponse(UploadErrorSerializer)},
    )
    def post(self, request):
        data = self.parse_body(UploadInput)
        employer, rows = _read_upload(request, data)
        try:
            case = wage_declaration_submit(
                actor=request.user, employer=employer, year=data["year"], lines=rows, channel=Channel.BATCH
            )
        except DeclarationRefused as exc:
            body = {
                "detail": exc.message,
                "errors": {"file": exc.errors["lines"]},
                "row_errors": [{"row": e.row, "field": e.field, "message": e.message} for e in exc.row_errors],
            }
            return Response(body, status=status.HTTP_400_BAD_REQUEST)
        return case_response(case, request, code=status.HTTP_201_CREATED)


class WageDeclarationErrorWorkbookApi(ShebaoApi):
    """工资申报错误清单: check an uploaded template without saving; every row, the wrong ones with reasons."""

    catalog_codes = ("020101",)
    parser_classes = (MultiPartParser,)

    @extend_schema(
        summary="工资申报错误清单（xlsx）",
        operation_id="wage_declarations_upload_errors_create",
        request=UploadInput,
        responses=responses({(200, XLSX): OpenApiTypes.BINARY}, body=True),
    )
    def post(self, request):
        data = self.parse_body(UploadInput)
        employer, rows = _read_upload(request, data)
        _, _, errors = wage_declaration_validate(actor=request.user, employer=employer, year=data["year"], lines=rows)
        response = HttpResponse(error_workbook(rows, errors), content_type=XLSX)
        response["Content-Disposition"] = 'attachment; filename="wage-declaration-errors.xlsx"'
        return response


class WageDeclarationTemplateApi(ShebaoApi):
    """020101 申报模板: the template of one unit and year, pre-filled with its active employees."""

    catalog_codes = ("020101",)

    class FilterSerializer(serializers.Serializer):
        """The unit and the contribution year (default: the current one)."""

        employer = serializers.IntegerField(min_value=1, max_value=ID_MAX, help_text="参保单位ID")
        year = serializers.IntegerField(min_value=1900, max_value=2999, required=False, help_text="缴费年度")

    @extend_schema(
        summary="工资申报模板（xlsx）",
        operation_id="wage_declarations_template_retrieve",
        parameters=[FilterSerializer],
        responses=responses({(200, XLSX): OpenApiTypes.BINARY}),
    )
    def get(self, request):
        f = self.parse_query(self.FilterSerializer)
        employer = employer_get_for(actor=request.user, employer_id=f["employer"])
        require_grant(request.user, "020101", Action.HANDLE)
        years = declarable_years(employer.agency.region_id)
        year = f.get("year") or years[0]
        if year not in years:
            raise ApplicationError(f"缴费年度只能是{years[0]}年或{years[1]}年", field="year")
        response = HttpResponse(declaration_template(employer, year), content_type=XLSX)
        log_full_view(request.user, "employer", employer.pk, "id_number", "接口：工资申报模板（含职工社会保障号码）")
        response["Content-Disposition"] = f'attachment; filename="wage-declaration-{employer.reg_no}-{year}.xlsx"'
        return response


# -- 020102 / 020103 缴费基数 ----------------------------------------------------------------------------------------


class ContributionBaseSerializer(serializers.Serializer):
    """One base row: a person's monthly base from a month of a contribution year (ID number masked)."""

    id = serializers.IntegerField()
    person = serializers.IntegerField(source="person_id")
    id_number = serializers.SerializerMethodField()
    name = serializers.CharField(source="person.name")
    employer = serializers.IntegerField(source="employer_id", allow_null=True)
    year = serializers.IntegerField()
    valid_from = serializers.SerializerMethodField()
    base = serializers.DecimalField(max_digits=14, decimal_places=2)
    declared_wage = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    source = serializers.ChoiceField(choices=BaseSource.choices)
    case = serializers.CharField(source="case.number", allow_null=True, default=None)
    superseded_by = serializers.IntegerField(source="superseded_by_id", allow_null=True)

    class Meta:
        ref_name = "ContributionBase"

    def get_id_number(self, row) -> str:
        return mask_id(row.person.id_number)

    def get_valid_from(self, row) -> str:
        return f"{row.valid_from:%Y-%m}"


class ContributionBaseListApi(ShebaoApi):
    """缴费基数查询: base rows in scope by year, person, unit and source (superseded rows on request)."""

    pagination_class = StrictPagination

    class FilterSerializer(serializers.Serializer):
        """Filters of the base list."""

        year = serializers.IntegerField(min_value=1900, max_value=2999, required=False, help_text="缴费年度")
        person = serializers.IntegerField(min_value=1, max_value=ID_MAX, required=False, help_text="参保人ID")
        employer = serializers.IntegerField(min_value=1, max_value=ID_MAX, required=False, help_text="参保单位ID")
        source = serializers.ChoiceField(choices=BaseSource.choices, required=False, help_text="核定方式")
        all = StrictBooleanField(required=False, default=False, help_text="包括已被替代的记录")

    @extend_schema(
        summary="缴费基数查询",
        parameters=[FilterSerializer],
        responses=responses({200: ContributionBaseSerializer(many=True)}),
    )
    def get(self, request):
        f = self.parse_query(self.FilterSerializer)
        qs = contribution_base_search(
            actor=request.user,
            year=f.get("year"),
            person_id=f.get("person"),
            employer_id=f.get("employer"),
            source=f.get("source", ""),
            in_force=not f.get("all"),
        )
        return self.paginate(qs, ContributionBaseSerializer)


class ContributionBaseDetermineApi(ItemCaseApi):
    """020102 缴费基数核定（单人）: a new hire's base from the starting wage, or a redetermination from a month."""

    item_code = "020102"
    summary = "020102 缴费基数核定（单人）"

    class InputSerializer(serializers.Serializer):
        """The kind, year, first month and monthly wage."""

        kind = StrictChoiceField(choices=list(KINDS.items()), help_text="new_hire 按起薪核定；redetermine 重新核定")
        year = StrictIntegerField(help_text="缴费年度")
        valid_from = month_field(help_text="适用起始月 YYYY-MM")
        monthly_wage = StrictCharField(
            max_length=20, required=False, allow_blank=True, default="", help_text="月工资收入（元），新参保人员必填"
        )
        note = StrictCharField(max_length=200, required=False, allow_blank=True, default="", help_text="说明")

    def get_subject(self, request, person_id: int):
        return person_get_for(actor=request.user, person_id=person_id)

    def submit(self, request, data, person):
        return contribution_base_determine(
            actor=request.user,
            person=person,
            kind=data["kind"],
            year=data["year"],
            valid_from=data["valid_from"],
            monthly_wage=data["monthly_wage"] or None,
            note=data["note"],
            materials=self.materials,
        )


class ContributionBaseAdjustApi(ItemCaseApi):
    """020103 缴费基数调整: the corrected base for past months; the differences (and late fees) on approval."""

    item_code = "020103"
    summary = "020103 缴费基数调整"

    class InputSerializer(serializers.Serializer):
        """The months, the corrected base, the source and the reason."""

        from_month = month_field(help_text="调整起始月 YYYY-MM")
        to_month = month_field(help_text="调整截止月 YYYY-MM（同一缴费年度内，不晚于本月）")
        base = StrictCharField(max_length=20, help_text="调整后月缴费基数（元，十进制字符串）")
        source = StrictChoiceField(choices=list(SOURCES.items()), help_text="调整依据")
        reason = StrictCharField(max_length=200, help_text="调整原因")
        document_no = StrictCharField(max_length=50, required=False, allow_blank=True, default="", help_text="文书编号")

    def get_subject(self, request, person_id: int):
        return person_get_for(actor=request.user, person_id=person_id)

    def submit(self, request, data, person):
        return contribution_base_adjust(actor=request.user, person=person, **data, materials=self.materials)


class ContributionBaseRunApi(ShebaoApi):
    """020102 年度缴费基数核定: the year's batch run for a region (main run, then supplementary runs for what came
    since); chunked and set-based; answers with the run and the year's figures."""

    catalog_codes = ("020102",)

    class InputSerializer(serializers.Serializer):
        """The region (GB/T 2260, within the user's agency's) and the contribution year."""

        region = StrictCharField(max_length=6, help_text="区划代码")
        year = StrictIntegerField(help_text="缴费年度")

    class OutputSerializer(serializers.Serializer):
        """The batch run (main or supplementary), what it wrote, and the bases in force afterwards."""

        run = serializers.IntegerField(help_text="批次ID（GET /api/v1/batch-runs/{id}/ 查看进度）")
        seq = serializers.IntegerField(help_text="0 主批次，1 起为补充批次")
        status = serializers.CharField()
        region = serializers.CharField()
        year = serializers.IntegerField()
        chunks = serializers.IntegerField()
        rows = serializers.IntegerField()
        persons = serializers.IntegerField()
        declarations = serializers.IntegerField()
        by_source = serializers.DictField(child=serializers.IntegerField())
        lowest = serializers.CharField(allow_null=True)
        highest = serializers.CharField(allow_null=True)

    @extend_schema(
        summary="020102 年度缴费基数核定",
        request=InputSerializer,
        responses=responses({200: OutputSerializer}, body=True),
    )
    def post(self, request):
        require_grant(request.user, "020102", Action.HANDLE)
        data = self.parse_body(self.InputSerializer)
        result = contribution_bases_determine_region(actor=request.user, region=data["region"], year=data["year"])
        return Response(self.OutputSerializer(result).data)


urlpatterns = [
    path("wage-declarations/", WageDeclarationCollectionApi.as_view(), name="wage-declarations"),
    path("wage-declarations/upload/", WageDeclarationUploadApi.as_view(), name="wage-declaration-upload"),
    path(
        "wage-declarations/upload/errors.xlsx",
        WageDeclarationErrorWorkbookApi.as_view(),
        name="wage-declaration-upload-errors",
    ),
    path("wage-declarations/template.xlsx", WageDeclarationTemplateApi.as_view(), name="wage-declaration-template"),
    path("wage-declarations/<int:declaration_id>/", WageDeclarationDetailApi.as_view(), name="wage-declaration"),
    path(
        "wage-declarations/<int:declaration_id>/lines/",
        WageDeclarationLinesApi.as_view(),
        name="wage-declaration-lines",
    ),
    path("contribution-bases/", ContributionBaseListApi.as_view(), name="contribution-bases"),
    path("contribution-bases/runs/", ContributionBaseRunApi.as_view(), name="contribution-base-run"),
    path(
        "contribution-bases/persons/<int:person_id>/determine/",
        ContributionBaseDetermineApi.as_view(),
        name="contribution-base-determine",
    ),
    path(
        "contribution-bases/persons/<int:person_id>/adjust/",
        ContributionBaseAdjustApi.as_view(),
        name="contribution-base-adjust",
    ),
    re_path(r"^(?:wage-declarations|contribution-bases)/", NotFoundApi.as_view(), name="wages-not-found"),
]
