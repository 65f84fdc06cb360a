"""Arrears API (v1, under /api/v1/arrears/): 020302 缓缴, 020303 补缴, 020304 退费, 020502 欠费处理."""

from __future__ import annotations

from django.http import HttpResponse
from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from shebao.core.access import require_grant
from shebao.core.api import (
    ItemCaseApi,
    ShebaoApi,
    StrictCharField,
    StrictChoiceField,
    StrictDateField,
    StrictIntegerField,
    code_list_field,
    month_field,
    responses,
)
from shebao.core.choices import Action
from shebao.registration.selectors import employer_get_for, person_get_for

from ..choices import ESCALATIONS, ArrearsActionKind, BackPaymentReason
from ..selectors.arrears import arrears_overview, instruction_get_for, overdue_notices
from ..services.arrears_back import back_payment_assess
from ..services.arrears_deferral import deferral_apply
from ..services.arrears_notice import arrears_action_record, arrears_notice_issue, arrears_settle
from ..services.arrears_refund import refund_request


class _UnitApi(ItemCaseApi):
    def get_subject(self, request, employer_id: int):
        return employer_get_for(actor=request.user, employer_id=employer_id)


class DeferralApi(_UnitApi):
    """020302 缓缴额核定: defer some insurance types' employer contributions for some months (no late fee)."""

    item_code = "020302"
    summary = "020302 缓缴申请"

    class InputSerializer(serializers.Serializer):
        """Types (within `contribution.deferral.insurance_types`), months (≤ `contribution.deferral.max_months`)."""

        insurance_types = code_list_field(help_text="缓缴险种编码列表，如 110、210")
        start_month = month_field(help_text="缓缴起始月 YYYY-MM")
        end_month = month_field(help_text="缓缴截止月 YYYY-MM")
        reason = StrictCharField(max_length=200, help_text="缓缴原因")

    def submit(self, request, data, employer):
        return deferral_apply(actor=request.user, employer=employer, **data, materials=self.materials)


class _BackPaymentInput(serializers.Serializer):
    """Months, base, types, reason and the payment date the late fee runs to (default today)."""

    from_month = month_field(help_text="补缴起始月 YYYY-MM")
    to_month = month_field(help_text="补缴截止月 YYYY-MM（早于本月）")
    base = StrictCharField(max_length=20, help_text='缴费基数（元），如 "6000.00"；基数调整时为差额')
    insurance_types = code_list_field(help_text="补缴险种编码列表")
    reason = StrictChoiceField(choices=BackPaymentReason.choices, help_text="补缴原因")
    paid_date = StrictDateField(required=False, help_text="预计缴纳日期 YYYY-MM-DD（滞纳金计算至该日，默认今天）")
    note = StrictCharField(max_length=200, required=False, allow_blank=True, default="", help_text="说明")


class BackPaymentApi(_UnitApi):
    """020303 补缴核定（单位）: per month and type, with late fees where the unit is at fault."""

    item_code = "020303"
    summary = "020303 补缴核定（单位）"

    class InputSerializer(_BackPaymentInput):
        """The unit's back-payment, optionally for one of its employees."""

        person = StrictIntegerField(required=False, help_text="本单位职工ID（为职工补缴时填写）")

    def submit(self, request, data, employer):
        person = data.pop("person", None)
        if person is not None:
            person = person_get_for(actor=request.user, person_id=person)
        return back_payment_assess(
            actor=request.user, employer=employer, person=person, **data, materials=self.materials
        )


class PersonBackPaymentApi(ItemCaseApi):
    """020303 补缴核定（个人缴费）: a person paying alone (一次性补缴 and others; no late fee)."""

    item_code = "020303"
    summary = "020303 补缴核定（个人）"
    InputSerializer = _BackPaymentInput

    def get_subject(self, request, person_id: int):
        return person_get_for(actor=request.user, person_id=person_id)

    def submit(self, request, data, person):
        return back_payment_assess(actor=request.user, person=person, **data, materials=self.materials)


class RefundLineInput(serializers.Serializer):
    """One refunded thing: a paid line (`receivable`, both parts) or credit on a payment (`payment`, amount, type)."""

    receivable = StrictIntegerField(required=False, help_text="应收明细ID（误缴退费）")
    employer_amount = StrictCharField(max_length=20, required=False, help_text="单位部分退费金额（元）")
    individual_amount = StrictCharField(max_length=20, required=False, help_text="个人部分退费金额（元）")
    payment = StrictIntegerField(required=False, help_text="缴费记录ID（溢缴退费）")
    amount = StrictCharField(max_length=20, required=False, help_text="溢缴退费金额（元）")
    insurance_type = StrictCharField(max_length=3, required=False, help_text="溢缴退费所出险种")


class RefundApi(_UnitApi):
    """020304 退费: reversing entries and a bank instruction on approval; more than was paid is 400 (`lines`)."""

    item_code = "020304"
    summary = "020304 退费申请"

    class InputSerializer(serializers.Serializer):
        """What is refunded, to which account, and why."""

        lines = serializers.ListField(child=RefundLineInput(), max_length=200, help_text="退费明细")
        bank_name = StrictCharField(max_length=100, required=False, allow_blank=True, default="", help_text="收款银行")
        bank_account = StrictCharField(
            max_length=40, required=False, allow_blank=True, default="", help_text="收款账号"
        )
        account_name = StrictCharField(max_length=200, required=False, allow_blank=True, default="", help_text="户名")
        reason = StrictCharField(max_length=200, help_text="退费原因")

    def submit(self, request, data, employer):
        return refund_request(actor=request.user, employer=employer, **data, materials=self.materials)


class ArrearsNoticeApi(_UnitApi):
    """020502 责令限期缴纳通知书: issued on approval (deadline today + `contribution.arrears.notice_days`)."""

    item_code = "020502"
    summary = "020502 责令限期缴纳"

    class InputSerializer(serializers.Serializer):
        """A note for the file."""

        note = StrictCharField(max_length=200, required=False, allow_blank=True, default="", help_text="说明")

    def submit(self, request, data, employer):
        return arrears_notice_issue(actor=request.user, employer=employer, **data, materials=self.materials)


class ActionOutput(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    kind_label = serializers.CharField(source="get_kind_display")
    acted_on = serializers.DateField()
    deadline = serializers.DateField(allow_null=True)
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    notes = serializers.CharField()
    closed_on = serializers.DateField(allow_null=True)
    actor = serializers.CharField(source="actor.username")


class ArrearsActionApi(ShebaoApi):
    """020502 欠费处理步骤: record 查询存款账户 or 申请强制执行 after the notice's deadline."""

    catalog_codes = ("020502",)

    class InputSerializer(serializers.Serializer):
        """The step, what was done and when."""

        kind = StrictChoiceField(choices=[(k, ArrearsActionKind(k).label) for k in ESCALATIONS], help_text="处理步骤")
        notes = StrictCharField(max_length=500, help_text="处理情况说明")
        acted_on = StrictDateField(required=False, help_text="办理日期（默认今天）")

    @extend_schema(
        summary="020502 登记欠费处理步骤", request=InputSerializer, responses=responses({201: ActionOutput}, body=True)
    )
    def post(self, request, employer_id: int):
        require_grant(request.user, "020502", Action.HANDLE)
        data = self.parse_body(self.InputSerializer)
        employer = employer_get_for(actor=request.user, employer_id=employer_id)
        action = arrears_action_record(actor=request.user, employer=employer, **data)
        return Response(ActionOutput(action).data, status=status.HTTP_201_CREATED)


class ArrearsSettleApi(ShebaoApi):
    """020502 欠费结清: close the unit's handling once its overdue arrears are zero (409 otherwise)."""

    catalog_codes = ("020502",)

    @extend_schema(summary="020502 欠费结清", request=None, responses=responses({201: ActionOutput}))
    def post(self, request, employer_id: int):
        require_grant(request.user, "020502", Action.HANDLE)
        employer = employer_get_for(actor=request.user, employer_id=employer_id)
        return Response(ActionOutput(arrears_settle(actor=request.user, employer=employer)).data, status=201)


class ArrearsOverviewApi(ShebaoApi):
    """欠费处理（单位）: deferrals, notices and steps, and the overdue amount of one unit."""

    catalog_codes = ("020502",)

    @extend_schema(summary="020502 单位欠费处理情况", responses=responses({200: OpenApiTypes.OBJECT}))
    def get(self, request, employer_id: int):
        require_grant(request.user, "020502", Action.VIEW)
        employer = employer_get_for(actor=request.user, employer_id=employer_id)
        o = arrears_overview(actor=request.user, employer=employer)
        return Response(
            {
                "employer": employer.pk,
                "overdue": str(o["overdue"]),
                "outstanding": str(o["outstanding"]),
                "open_notice": ActionOutput(o["notice"]).data if o["notice"] else None,
                "actions": ActionOutput(o["actions"], many=True).data,
                "deferrals": [
                    {
                        "id": d.pk,
                        "insurance_types": d.types,
                        "start_month": f"{d.start_month:%Y-%m}",
                        "end_month": f"{d.end_month:%Y-%m}",
                        "expires_on": d.expires_on.isoformat(),
                    }
                    for d in o["deferrals"]
                ],
            }
        )


class OverdueNoticeSerializer(serializers.Serializer):
    """020502: one overdue notice as the list returns it."""

    notice = serializers.IntegerField()
    employer = serializers.IntegerField()
    employer_name = serializers.CharField()
    deadline = serializers.DateField()
    amount = serializers.CharField(help_text="通知金额（元，十进制字符串）")
    overdue_now = serializers.CharField(help_text="当前逾期欠费（元，十进制字符串）")
    steps = serializers.ListField(child=serializers.CharField())

    class Meta:
        ref_name = "ArrearsOverdueNotice"


class OverdueNoticesApi(ShebaoApi):
    """020502 逾期未缴: notices whose deadline has passed with the unit still owing (in the agency's subtree)."""

    catalog_codes = ("020502",)

    @extend_schema(summary="020502 逾期未缴通知列表", responses=responses({200: OverdueNoticeSerializer(many=True)}))
    def get(self, request):
        require_grant(request.user, "020502", Action.VIEW)
        rows = overdue_notices(actor=request.user)
        return Response(
            [
                {
                    "notice": n.pk,
                    "employer": n.employer_id,
                    "employer_name": n.employer.name,
                    "deadline": n.deadline.isoformat(),
                    "amount": str(n.amount),
                    "overdue_now": str(n.overdue_now),
                    "steps": [s.kind for s in n.steps.all()],
                }
                for n in rows
            ]
        )


class RefundInstructionApi(ShebaoApi):
    """020304 退费指令文件 (CSV for the bank; format in docs/collection-files.md)."""

    catalog_codes = ("020304",)

    @extend_schema(summary="020304 退费指令文件", responses=responses({(200, "text/csv"): OpenApiTypes.BINARY}))
    def get(self, request, instruction_id: int):
        require_grant(request.user, "020304", Action.VIEW)
        ins = instruction_get_for(actor=request.user, instruction_id=instruction_id)
        response = HttpResponse(ins.content.encode("utf-8"), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{ins.reference}.csv"'
        return response


urlpatterns = [
    path("arrears/overdue/", OverdueNoticesApi.as_view(), name="arrears-overdue"),
    path("arrears/employers/<int:employer_id>/", ArrearsOverviewApi.as_view(), name="arrears-employer"),
    path("arrears/employers/<int:employer_id>/deferrals/", DeferralApi.as_view(), name="arrears-deferral"),
    path("arrears/employers/<int:employer_id>/back-payments/", BackPaymentApi.as_view(), name="arrears-back-payment"),
    path(
        "arrears/persons/<int:person_id>/back-payments/",
        PersonBackPaymentApi.as_view(),
        name="arrears-person-back-payment",
    ),
    path("arrears/employers/<int:employer_id>/refunds/", RefundApi.as_view(), name="arrears-refund"),
    path("arrears/employers/<int:employer_id>/notices/", ArrearsNoticeApi.as_view(), name="arrears-notice"),
    path("arrears/employers/<int:employer_id>/actions/", ArrearsActionApi.as_view(), name="arrears-action"),
    path("arrears/employers/<int:employer_id>/settle/", ArrearsSettleApi.as_view(), name="arrears-settle"),
    path(
        "arrears/refund-instructions/<int:instruction_id>/",
        RefundInstructionApi.as_view(),
        name="arrears-refund-instruction",
    ),
]
