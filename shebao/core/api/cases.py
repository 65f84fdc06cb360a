"""业务经办单 API: list, detail, 受理, 复核, 退回, 撤回, materials."""

from __future__ import annotations

from django.conf import settings
from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.response import Response

from ..access import case_get_for, require_grant
from ..cases import attachment_add, case_accept, case_approve, case_reject, case_withdraw
from ..choices import Action, CaseStatus
from ..errors import NotFoundError
from ..pdaccess import log_full_view
from ..selectors import QUEUES, case_list
from .base import ShebaoApi, StrictCharField, StrictIntegerField, StrictPagination, responses
from .serializers import AttachmentSerializer, CaseDetailSerializer, CaseSerializer, case_response

# --------------------------------------------------------------------------------------------------------------
# Cases (业务经办单)
# --------------------------------------------------------------------------------------------------------------


class CaseListApi(ShebaoApi):
    """业务经办单 within the user's data scope; filter by status, item, or `mine` (handler / review queue)."""

    pagination_class = StrictPagination

    class FilterSerializer(serializers.Serializer):
        """Filters of the case list."""

        status = serializers.ChoiceField(choices=CaseStatus.choices, required=False)
        item = serializers.RegexField(r"^\d{2,8}$", max_length=8, required=False, help_text="业务编码或其前缀")
        q = serializers.CharField(max_length=50, required=False, help_text="流水号前缀或申请人名称")
        queue = serializers.ChoiceField(choices=list(QUEUES.items()), required=False, help_text="工作队列")
        mine = serializers.ChoiceField(
            choices=[("handler", "我经办的在办业务"), ("review-queue", "待我复核")],
            required=False,
            help_text="旧参数，等同于 queue=mine / queue=review",
        )

    @extend_schema(
        summary="业务经办单列表", parameters=[FilterSerializer], responses=responses({200: CaseSerializer(many=True)})
    )
    def get(self, request):
        f = self.parse_query(self.FilterSerializer)
        mine = f.pop("mine", None)
        if mine and not f.get("queue"):
            f["queue"] = {"handler": "mine", "review-queue": "review"}[mine]
        fs = case_list(user=request.user, filters=f)
        fs.is_valid()
        return self.paginate(fs.qs, CaseSerializer)


class CaseDetailApi(ShebaoApi):
    """One 业务经办单 with its request, result and materials."""

    @extend_schema(summary="业务经办单详情", responses=responses({200: CaseDetailSerializer}))
    def get(self, request, case_id: int):
        case = case_get_for(actor=request.user, case_id=case_id)
        serializer = CaseDetailSerializer(case, context={"actor": request.user})
        if shown := serializer.full_fields(case):  # full ID numbers / accounts in the request: logged (1107)
            log_full_view(request.user, "case", case.pk, sorted(shown), f"接口：业务经办单详情 {case.number}")
        return Response(serializer.data)


class _VersionInput(serializers.Serializer):
    version = StrictIntegerField(
        required=False, min_value=1, max_value=2**31 - 1, help_text="乐观锁：提交查看时的版本号，不一致返回409"
    )


class CaseAcceptApi(ShebaoApi):
    """受理: a clerk takes an online application and becomes its handler."""

    parser_classes = (JSONParser,)

    class InputSerializer(_VersionInput):
        """Optional version for optimistic locking."""

    @extend_schema(summary="受理", request=InputSerializer, responses=responses({200: CaseDetailSerializer}, body=True))
    def post(self, request, case_id: int):
        data = self.parse_body(self.InputSerializer)
        case = case_get_for(actor=request.user, case_id=case_id)
        case = case_accept(actor=request.user, case=case, version=data.get("version"))
        return case_response(case, request)


class CaseApproveApi(ShebaoApi):
    """复核通过: a reviewer other than the handler approves and the records change."""

    parser_classes = (JSONParser,)

    class InputSerializer(_VersionInput):
        """Optional version for optimistic locking."""

    @extend_schema(
        summary="复核通过", request=InputSerializer, responses=responses({200: CaseDetailSerializer}, body=True)
    )
    def post(self, request, case_id: int):
        data = self.parse_body(self.InputSerializer)
        case = case_get_for(actor=request.user, case_id=case_id)
        case = case_approve(actor=request.user, case=case, version=data.get("version"))
        return case_response(case, request)


class CaseRejectApi(ShebaoApi):
    """退回: the handler (at acceptance) or a reviewer refuses the application, giving the reason."""

    parser_classes = (JSONParser,)

    class InputSerializer(_VersionInput):
        """The reason for refusing, and the optional version."""

        reason = StrictCharField(max_length=500, help_text="退回原因")

    @extend_schema(summary="退回", request=InputSerializer, responses=responses({200: CaseDetailSerializer}, body=True))
    def post(self, request, case_id: int):
        data = self.parse_body(self.InputSerializer)
        case = case_get_for(actor=request.user, case_id=case_id)
        case = case_reject(actor=request.user, case=case, reason=data["reason"], version=data.get("version"))
        return case_response(case, request)


class CaseWithdrawApi(ShebaoApi):
    """撤回: the applicant withdraws an application that is not yet decided."""

    parser_classes = (JSONParser,)

    class InputSerializer(_VersionInput):
        """The optional reason for withdrawing, and the optional version."""

        reason = StrictCharField(max_length=500, required=False, allow_blank=True, default="")

    @extend_schema(summary="撤回", request=InputSerializer, responses=responses({200: CaseDetailSerializer}, body=True))
    def post(self, request, case_id: int):
        data = self.parse_body(self.InputSerializer)
        case = case_get_for(actor=request.user, case_id=case_id)
        case = case_withdraw(actor=request.user, case=case, reason=data["reason"], version=data.get("version"))
        return case_response(case, request)


class CaseMaterialAddApi(ShebaoApi):
    """上传申请材料 to an open case (pdf/jpg/png/xlsx, size limited, content checked)."""

    parser_classes = (MultiPartParser,)

    class InputSerializer(serializers.Serializer):
        """The file (multipart) and what it is."""

        file = serializers.FileField(max_length=255, allow_empty_file=True, help_text="pdf、jpg、png 或 xlsx")
        kind = StrictCharField(
            max_length=50, required=False, allow_blank=True, default="", help_text="材料名称，如 营业执照"
        )

    @extend_schema(
        summary="上传申请材料", request=InputSerializer, responses=responses({201: AttachmentSerializer}, body=True)
    )
    def post(self, request, case_id: int):
        case = case_get_for(actor=request.user, case_id=case_id)
        require_grant(request.user, case.item_id, Action.HANDLE)  # before the upload is parsed
        data = self.parse_body(self.InputSerializer)
        att = attachment_add(actor=request.user, case=case, kind=data["kind"], uploaded=data["file"])
        return Response(AttachmentSerializer(att).data, status=status.HTTP_201_CREATED)


class CaseMaterialDownloadApi(ShebaoApi):
    """下载申请材料 of a case within the user's scope."""

    @extend_schema(
        summary="下载申请材料",
        responses=responses(
            {(200, media): OpenApiTypes.BINARY for media in dict.fromkeys(settings.SHEBAO_UPLOAD_TYPES.values())}
        ),
    )
    def get(self, request, case_id: int, attachment_id: int):
        case = case_get_for(actor=request.user, case_id=case_id)
        att = case.attachments.filter(pk=attachment_id).first()
        if att is None:
            raise NotFoundError("申请材料不存在")
        return FileResponse(
            att.file.open("rb"), as_attachment=True, filename=att.original_name, content_type=att.content_type
        )
