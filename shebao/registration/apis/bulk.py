"""01010201 批量增员 API: upload a template, the workbook of rejected rows, the blank template."""

from __future__ import annotations

from pathlib import PurePath

from django.http import HttpResponse
from django.urls import reverse
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
    ShebaoApi,
    responses,
)
from shebao.core.cases import validate_upload
from shebao.core.choices import Action, Channel
from shebao.core.errors import ApplicationError

from ..excel import enrolment_template, error_workbook, read_enrolment_rows
from ..models import Employer
from ..selectors import employer_get_for
from ..services import person_enrol_bulk, person_enrol_bulk_validate
from ..services.enrolment import BulkResult
from .common import ID_MAX, XLSX


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


def _read_workbook(request, data: dict) -> tuple[Employer, list[dict]]:
    """The unit (scoped, 404) and the rows of the uploaded .xlsx template (type, size and content checked)."""
    employer = employer_get_for(actor=request.user, employer_id=data["employer"])
    uploaded = data["file"]
    if uploaded is not None and PurePath(uploaded.name or "").suffix.lower() != ".xlsx":
        raise ApplicationError("请上传 .xlsx 格式的增员模板", field="file")
    validate_upload(uploaded, field="file")
    uploaded.seek(0)
    return employer, read_enrolment_rows(uploaded)


class PersonBulkEnrolApi(ItemCaseApi):
    """01010201 批量增员: upload the Excel template; valid rows go into one case, invalid rows come back.

    Response 201: the case for the valid rows, their count and the per-row errors (`errors`). When some rows
    are wrong, `error_workbook` is the URL that returns them as a workbook to correct and re-upload (POST the
    same employer and file to it). When every row is wrong nothing is saved and the answer is 400.
    """

    item_code = "01010201"
    summary = "01010201 批量增员"
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

    @classmethod
    def schema_responses(cls) -> dict:
        return responses({201: cls.OutputSerializer}, body=True) | {400: OpenApiResponse(BulkErrorSerializer)}

    def submit(self, request, data, subject) -> BulkResult:
        employer, rows = _read_workbook(request, data)
        return person_enrol_bulk(actor=request.user, rows=rows, employer=employer, channel=Channel.BATCH)

    def respond(self, request, result: BulkResult) -> Response:
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
        require_grant(request.user, "01010201", Action.HANDLE)  # the grant before any work on the file
        employer, rows = _read_workbook(request, self.parse_body(self.InputSerializer))
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
