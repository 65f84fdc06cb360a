"""Shared output serializers: cases and their materials."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers, status
from rest_framework.response import Response

from ..access import can_view_full_id, case_get_for
from ..choices import CaseStatus, Channel
from ..identifiers import mask_id
from ..materials import materials_owed

# --------------------------------------------------------------------------------------------------------------
# Shared output serializers
# --------------------------------------------------------------------------------------------------------------


def _mask_payload(value, *, key: str = ""):
    """Mask ID numbers and bank accounts anywhere in a case payload (for viewers not entitled to them)."""
    if isinstance(value, dict):
        return {k: _mask_payload(v, key=k) for k, v in value.items()}
    if isinstance(value, list):
        return [_mask_payload(v, key=key) for v in value]
    if isinstance(value, str) and key in ("id_number", "benefit_bank_account", "bank_account"):
        return mask_id(value)
    return value


def personal_fields_in(value, *, key: str = "") -> set[str]:
    """The personal-data fields (`id_number`, `bank_account`) present with a value anywhere in a payload."""
    if isinstance(value, dict):
        return set().union(*(personal_fields_in(v, key=k) for k, v in value.items())) if value else set()
    if isinstance(value, list):
        return set().union(*(personal_fields_in(v, key=key) for v in value)) if value else set()
    if isinstance(value, str) and value and key in ("id_number", "benefit_bank_account", "bank_account"):
        return {"id_number" if key == "id_number" else "bank_account"}
    return set()


class CaseSerializer(serializers.Serializer):
    """业务经办单 as listed: number, item, status, applicant, handler, reviewer, time limit."""

    id = serializers.IntegerField()
    number = serializers.CharField()
    item = serializers.CharField(source="item_id")
    item_name = serializers.CharField(source="item.full_name")
    agency = serializers.CharField(source="agency.code")
    agency_name = serializers.CharField(source="agency.name")
    channel = serializers.ChoiceField(choices=Channel.choices)
    status = serializers.ChoiceField(choices=CaseStatus.choices)
    status_display = serializers.CharField(source="get_status_display")
    employer = serializers.IntegerField(source="employer_id", allow_null=True)
    person = serializers.IntegerField(source="person_id", allow_null=True)
    applicant_name = serializers.CharField()
    summary = serializers.CharField()
    submitted_by = serializers.CharField(source="submitted_by.username")
    handler = serializers.CharField(source="handler.username", allow_null=True, default=None)
    reviewer = serializers.CharField(source="reviewer.username", allow_null=True, default=None)
    submitted_at = serializers.DateTimeField()
    accepted_at = serializers.DateTimeField(allow_null=True)
    approved_at = serializers.DateTimeField(allow_null=True)
    completed_at = serializers.DateTimeField(allow_null=True)
    closed_at = serializers.DateTimeField(allow_null=True)
    due_date = serializers.DateField(allow_null=True)
    due_note = serializers.CharField(allow_blank=True)
    reason = serializers.CharField(allow_blank=True)
    version = serializers.IntegerField()

    class Meta:
        ref_name = "Case"


class AttachmentSerializer(serializers.Serializer):
    """申请材料 of a case (downloaded through the scoped materials endpoint, never from MEDIA_URL)."""

    id = serializers.IntegerField()
    kind = serializers.CharField()
    original_name = serializers.CharField()
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    sha256 = serializers.CharField()
    uploaded_by = serializers.CharField(source="uploaded_by.username")
    uploaded_at = serializers.DateTimeField()

    class Meta:
        ref_name = "Attachment"


class CaseDetailSerializer(CaseSerializer):
    """业务经办单 in full: the request (payload), the result once completed, and its materials."""

    payload = serializers.SerializerMethodField()
    result = serializers.SerializerMethodField()
    attachments = AttachmentSerializer(many=True, read_only=True, source="attachments.all")
    materials_waiver = serializers.CharField(allow_blank=True, help_text="容缺受理原因（窗口受理时材料不全）")
    materials_owed = serializers.SerializerMethodField(help_text="尚欠材料：申请材料清单中必交而未上传的材料")

    class Meta:
        ref_name = "CaseDetail"

    def get_materials_owed(self, case) -> list[str]:
        return materials_owed(case)

    def full_fields(self, case) -> set[str]:
        """The ID numbers and bank accounts this response shows in full (for the personal-data access log)."""
        if not self._full(case):
            return set()
        return personal_fields_in(case.payload) | personal_fields_in(case.result)

    def _full(self, case) -> bool:
        actor = self.context.get("actor")
        if actor is None:
            return False
        return case.submitted_by_id == actor.pk or can_view_full_id(
            actor, person_id=case.person_id, employer_id=case.employer_id
        )

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_payload(self, case) -> dict:
        return case.payload if self._full(case) else _mask_payload(case.payload)

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_result(self, case) -> dict:
        return case.result if self._full(case) else _mask_payload(case.result)


def case_response(case, request, *, code: int = status.HTTP_200_OK) -> Response:
    """Render a case in full for the requesting user."""
    case = case_get_for(actor=request.user, case_id=case.pk)
    return Response(CaseDetailSerializer(case, context={"actor": request.user}).data, status=code)
