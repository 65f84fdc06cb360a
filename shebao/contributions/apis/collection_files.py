"""Collection API: files exchanged with banks (托收文件, 回盘文件) and the tax authority (应征数据, 入库信息),
mandates, and the tax reconciliation. Imports answer 201 (posted), 200 (the same file, already posted) or 400
with the refused file's id and the URL of its error report."""

from __future__ import annotations

from django.http import HttpResponse
from django.urls import path, reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from shebao.core.access import require_grant
from shebao.core.api import (
    ErrorSerializer,
    ShebaoApi,
    StrictCharField,
    StrictDateField,
    StrictPagination,
    month_field,
    responses,
)
from shebao.core.choices import Action
from shebao.registration.selectors import employer_get_for

from ..choices import BankFileKind
from ..selectors.collection import agency_by_code, bank_file_get_for, bank_files_for
from ..services.collection import ensure_agency_scope
from ..services.collection_bank import bank_return_import, collection_file_generate
from ..services.collection_files import MAX_FILE_BYTES, FileRejected, error_report_xlsx
from ..services.collection_mandate import mandate_end, mandate_sign
from ..services.collection_tax import tax_export, tax_import, tax_reconcile
from .collection_out import BankFileSerializer, BankRecordSerializer

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ITEM = "020402"


class RejectedFileSerializer(ErrorSerializer):
    """A refused import: nothing was posted; the report lists every problem with its line number."""

    file_id = serializers.IntegerField(required=False, help_text="被拒收文件的ID（文件内容有误时）")
    error_report = serializers.CharField(required=False, help_text="错误报告（xlsx）的下载地址")

    class Meta:
        ref_name = "CollectionRejectedFile"


IMPORT_RESPONSES = {
    201: BankFileSerializer,
    200: OpenApiResponse(BankFileSerializer, description="同一文件（SHA-256 相同）此前已入账，本次未作任何变更"),
}


def _rejected(request, exc: FileRejected) -> Response:
    url = request.build_absolute_uri(reverse("api-contributions:collection-bank-file-errors", args=[exc.bank_file.pk]))
    body = {"detail": exc.message, "errors": exc.errors, "file_id": exc.bank_file.pk, "error_report": url}
    return Response(body, status=status.HTTP_400_BAD_REQUEST)


class BankFileListApi(ShebaoApi):
    """Exchanged files of the agency subtree (newest first), optionally of one kind."""

    catalog_codes = (ITEM,)
    pagination_class = StrictPagination

    class FilterSerializer(serializers.Serializer):
        kind = serializers.ChoiceField(choices=BankFileKind.choices, required=False)

    @extend_schema(
        summary="020402 交换文件列表",
        parameters=[FilterSerializer],
        responses=responses({200: BankFileSerializer(many=True)}),
    )
    def get(self, request):
        require_grant(request.user, ITEM, Action.VIEW)
        f = self.parse_query(self.FilterSerializer)
        return self.paginate(bank_files_for(request.user, kind=f.get("kind")), BankFileSerializer)


class AgencyPeriodInput(serializers.Serializer):
    agency = StrictCharField(max_length=20, help_text="经办机构编码")
    period = month_field(help_text="费款所属期 YYYY-MM")


class CollectionFileApi(ShebaoApi):
    """020402 生成托收文件: one record per unit under mandate owing for the month or earlier (format SBTS01)."""

    catalog_codes = (ITEM,)

    @extend_schema(
        summary="020402 生成托收文件",
        request=AgencyPeriodInput,
        responses=responses({201: BankFileSerializer}, body=True),
    )
    def post(self, request):
        require_grant(request.user, ITEM, Action.HANDLE)
        data = self.parse_body(AgencyPeriodInput)
        agency = agency_by_code(data["agency"])
        f = collection_file_generate(actor=request.user, agency=agency, period=data["period"])
        return Response(BankFileSerializer(f).data, status=status.HTTP_201_CREATED)


class UploadInput(serializers.Serializer):
    agency = serializers.CharField(max_length=20, help_text="经办机构编码")
    file = serializers.FileField(max_length=200, allow_empty_file=True, help_text="文件（UTF-8 CSV）")


def _read(upload) -> bytes:
    if upload.size > MAX_FILE_BYTES:
        from shebao.core.errors import ApplicationError

        raise ApplicationError(f"文件超过{MAX_FILE_BYTES // 1024 // 1024}MB", field="file")
    return upload.read()


class _ImportApi(ShebaoApi):
    parser_classes = (MultiPartParser,)
    catalog_codes = (ITEM,)
    importer = None

    def _import(self, request):
        require_grant(request.user, ITEM, Action.HANDLE)
        data = self.parse_body(UploadInput)
        agency = agency_by_code(data["agency"])
        ensure_agency_scope(request.user, agency)
        upload = data["file"]
        try:
            f = type(self).importer(
                actor=request.user, agency=agency, filename=upload.name or "", content=_read(upload)
            )
        except FileRejected as exc:
            return _rejected(request, exc)
        code = status.HTTP_200_OK if f.already_imported else status.HTTP_201_CREATED
        return Response(BankFileSerializer(f).data, status=code)


class BankReturnImportApi(_ImportApi):
    """020402 导入银行回盘文件 (multipart, format SBHP01): all-or-nothing per file, posted once."""

    importer = staticmethod(bank_return_import)

    @extend_schema(
        summary="020402 导入银行回盘文件",
        request=UploadInput,
        responses=responses(IMPORT_RESPONSES, body=True) | {400: RejectedFileSerializer},
    )
    def post(self, request):
        return self._import(request)


class TaxImportApi(_ImportApi):
    """020402 导入税务入库信息 (multipart, format SBRK01): all-or-nothing per file, posted once."""

    importer = staticmethod(tax_import)

    @extend_schema(
        summary="020402 导入税务入库信息",
        request=UploadInput,
        responses=responses(IMPORT_RESPONSES, body=True) | {400: RejectedFileSerializer},
    )
    def post(self, request):
        return self._import(request)


class TaxExportApi(ShebaoApi):
    """020402 报送应征数据: the month's assessed amounts per unit, person and type for the tax authority (SBYZ01)."""

    catalog_codes = (ITEM,)

    @extend_schema(
        summary="020402 生成税务应征数据",
        request=AgencyPeriodInput,
        responses=responses({201: BankFileSerializer}, body=True),
    )
    def post(self, request):
        require_grant(request.user, ITEM, Action.HANDLE)
        data = self.parse_body(AgencyPeriodInput)
        f = tax_export(actor=request.user, agency=agency_by_code(data["agency"]), period=data["period"])
        return Response(BankFileSerializer(f).data, status=status.HTTP_201_CREATED)


class TaxReconcileApi(ShebaoApi):
    """020402 征收对账: assessed against collected per payer and type for a month; every difference listed."""

    catalog_codes = (ITEM,)

    class OutputSerializer(serializers.Serializer):
        period = serializers.DateField(format="%Y-%m")
        assessed = serializers.DecimalField(max_digits=16, decimal_places=2)
        collected = serializers.DecimalField(max_digits=16, decimal_places=2)
        matched = serializers.IntegerField()
        differences = serializers.ListField(child=serializers.DictField())

    @extend_schema(
        summary="020402 税务征收对账", parameters=[AgencyPeriodInput], responses=responses({200: OutputSerializer})
    )
    def get(self, request):
        f = self.parse_query(AgencyPeriodInput)
        report = tax_reconcile(actor=request.user, agency=agency_by_code(f["agency"]), period=f["period"])
        for d in report["differences"]:
            for key, value in d.items():
                if not isinstance(value, (int, str, type(None))):
                    d[key] = str(value)
        return Response(self.OutputSerializer(report).data)


class BankFileDetailApi(ShebaoApi):
    """One exchanged file and its records (a page at a time)."""

    catalog_codes = (ITEM,)
    pagination_class = StrictPagination

    @extend_schema(
        summary="020402 交换文件明细",
        operation_id="collection_bank_file_retrieve",
        responses=responses({200: BankRecordSerializer(many=True)}),
    )
    def get(self, request, file_id: int):
        require_grant(request.user, ITEM, Action.VIEW)
        f = bank_file_get_for(actor=request.user, file_id=file_id)
        response = self.paginate(f.records.order_by("line_no"), BankRecordSerializer)
        response.data["file"] = BankFileSerializer(f).data
        response.data["errors_found"] = f.errors[:200]
        return response


class BankFileContentApi(ShebaoApi):
    """The file itself (CSV, UTF-8) as generated or as uploaded."""

    catalog_codes = (ITEM,)

    @extend_schema(
        summary="020402 下载交换文件",
        operation_id="collection_bank_file_content",
        responses=responses({(200, "text/csv"): OpenApiTypes.BINARY}),
    )
    def get(self, request, file_id: int):
        require_grant(request.user, ITEM, Action.HANDLE)
        f = bank_file_get_for(actor=request.user, file_id=file_id, with_content=True)
        response = HttpResponse(bytes(f.content), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{f.batch_no or f"file-{f.pk}"}.csv"'
        return response


class BankFileErrorsApi(ShebaoApi):
    """The error report of a refused import (xlsx: line, field, message)."""

    catalog_codes = (ITEM,)

    @extend_schema(
        summary="020402 导入错误报告（xlsx）",
        operation_id="collection_bank_file_errors",
        responses=responses({(200, XLSX): OpenApiTypes.BINARY}),
    )
    def get(self, request, file_id: int):
        require_grant(request.user, ITEM, Action.VIEW)
        f = bank_file_get_for(actor=request.user, file_id=file_id)
        response = HttpResponse(error_report_xlsx(f), content_type=XLSX)
        response["Content-Disposition"] = f'attachment; filename="errors-{f.pk}.xlsx"'
        return response


class MandateApi(ShebaoApi):
    """020402 托收协议登记: the unit's bank and account for collection, from a date (replaces an earlier one)."""

    catalog_codes = (ITEM,)

    class InputSerializer(serializers.Serializer):
        bank_name = StrictCharField(max_length=100, help_text="开户银行")
        bank_account = StrictCharField(max_length=40, help_text="扣款账号")
        valid_from = StrictDateField(help_text="协议生效日期 YYYY-MM-DD")

    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        employer = serializers.IntegerField(source="employer_id")
        bank_name = serializers.CharField()
        valid_from = serializers.DateField()
        ended_on = serializers.DateField(allow_null=True)

    @extend_schema(
        summary="020402 托收协议登记", request=InputSerializer, responses=responses({201: OutputSerializer}, body=True)
    )
    def post(self, request, employer_id: int):
        require_grant(request.user, ITEM, Action.HANDLE)
        data = self.parse_body(self.InputSerializer)
        employer = employer_get_for(actor=request.user, employer_id=employer_id)
        mandate = mandate_sign(actor=request.user, employer=employer, **data)
        return Response(self.OutputSerializer(mandate).data, status=status.HTTP_201_CREATED)


class MandateEndApi(ShebaoApi):
    """020402 托收协议终止: the unit pays by itself from the date given."""

    catalog_codes = (ITEM,)

    class InputSerializer(serializers.Serializer):
        ended_on = StrictDateField(help_text="协议终止日期 YYYY-MM-DD")

    @extend_schema(
        summary="020402 托收协议终止",
        request=InputSerializer,
        responses=responses({200: MandateApi.OutputSerializer}, body=True),
    )
    def post(self, request, employer_id: int):
        require_grant(request.user, ITEM, Action.HANDLE)
        data = self.parse_body(self.InputSerializer)
        employer = employer_get_for(actor=request.user, employer_id=employer_id)
        mandate = mandate_end(actor=request.user, employer=employer, ended_on=data["ended_on"])
        return Response(MandateApi.OutputSerializer(mandate).data)


urlpatterns = [
    path("collection/bank-files/", BankFileListApi.as_view(), name="collection-bank-files"),
    path("collection/bank-files/collection/", CollectionFileApi.as_view(), name="collection-bank-file-generate"),
    path("collection/bank-files/returns/", BankReturnImportApi.as_view(), name="collection-bank-return"),
    path("collection/bank-files/<int:file_id>/", BankFileDetailApi.as_view(), name="collection-bank-file"),
    path(
        "collection/bank-files/<int:file_id>/content/",
        BankFileContentApi.as_view(),
        name="collection-bank-file-content",
    ),
    path(
        "collection/bank-files/<int:file_id>/errors.xlsx",
        BankFileErrorsApi.as_view(),
        name="collection-bank-file-errors",
    ),
    path("collection/tax/exports/", TaxExportApi.as_view(), name="collection-tax-export"),
    path("collection/tax/imports/", TaxImportApi.as_view(), name="collection-tax-import"),
    path("collection/tax/reconciliation/", TaxReconcileApi.as_view(), name="collection-tax-reconcile"),
    path("collection/employers/<int:employer_id>/mandate/", MandateApi.as_view(), name="collection-mandate"),
    path("collection/employers/<int:employer_id>/mandate/end/", MandateEndApi.as_view(), name="collection-mandate-end"),
]
