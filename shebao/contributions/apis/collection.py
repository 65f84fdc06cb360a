"""Collection API (v1, under /api/v1/collection/): arrears (020501), payments (020402), plans (020401),
monthly arrears ledgers (020501); the exchanged files (托收, 回盘, 税务) are in `collection_files`."""

from __future__ import annotations

from django.http import HttpResponse
from django.urls import path, re_path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from shebao.core.access import require_grant
from shebao.core.api import (
    ItemCaseApi,
    NotFoundApi,
    ShebaoApi,
    StrictCharField,
    StrictChoiceField,
    StrictDateField,
    StrictPagination,
    by_method,
    month_field,
    responses,
)
from shebao.core.choices import Action
from shebao.registration.selectors import employer_get_for

from ..choices import CounterMethod
from ..documents.collection import payment_receipt
from ..selectors.collection import (
    BUCKETS,
    agency_arrears,
    agency_by_code,
    arrears_lines,
    arrears_summary,
    ledger_get_for,
    ledgers_for,
    payment_get_for,
    payments_of,
    plan_get_for,
    plans_for,
)
from ..services.collection import ensure_agency_scope
from ..services.collection_ledger import arrears_ledger_make
from ..services.collection_payments import credit_apply, payment_counter, payment_online
from ..services.collection_plan import collection_plan_make
from . import collection_files
from .collection_out import (
    AgencyArrearsSerializer,
    ArrearsLineSerializer,
    ArrearsSummarySerializer,
    LedgerLineSerializer,
    LedgerSerializer,
    PaymentSerializer,
    PlanSerializer,
    payment_detail,
)

PDF = {(200, "application/pdf"): OpenApiTypes.BINARY}


class AsOfFilter(serializers.Serializer):
    """账龄计算日 (default today)."""

    as_of = StrictDateField(required=False, help_text="账龄计算日 YYYY-MM-DD，默认今天")


class ArrearsListApi(ShebaoApi):
    """020501 欠费台账（机构）: one row per unit (or person paying alone) in scope with its arrears and ageing."""

    catalog_codes = ("020501",)
    pagination_class = StrictPagination

    class FilterSerializer(AsOfFilter):
        """Agency subtree, search term and ageing date."""

        agency = StrictCharField(max_length=20, required=False, help_text="经办机构编码（默认本人所在机构）")
        q = StrictCharField(max_length=100, required=False, help_text="单位名称（包含）、登记编号或信用代码")

    @extend_schema(
        summary="020501 欠费台账（按单位）",
        parameters=[FilterSerializer],
        responses=responses({200: AgencyArrearsSerializer(many=True)}),
    )
    def get(self, request):
        require_grant(request.user, "020501", Action.VIEW)
        f = self.parse_query(self.FilterSerializer)
        agency = None
        if f.get("agency"):
            agency = agency_by_code(f["agency"])
            ensure_agency_scope(request.user, agency)
        qs = agency_arrears(actor=request.user, agency=agency, as_of=f.get("as_of"), q=f.get("q", ""))
        return self.paginate(qs, AgencyArrearsSerializer)


class EmployerArrearsApi(ShebaoApi):
    """020501 单位欠费汇总: totals by part and class, ageing buckets, by insurance type and month, and credit."""

    catalog_codes = ("020501",)

    @extend_schema(
        summary="020501 单位欠费汇总",
        parameters=[AsOfFilter],
        responses=responses({200: ArrearsSummarySerializer}),
    )
    def get(self, request, employer_id: int):
        require_grant(request.user, "020501", Action.VIEW)
        f = self.parse_query(AsOfFilter)
        employer = employer_get_for(actor=request.user, employer_id=employer_id)
        summary = arrears_summary(actor=request.user, employer=employer, as_of=f.get("as_of"))
        return Response(ArrearsSummarySerializer(summary).data)


class EmployerArrearsLinesApi(ShebaoApi):
    """020501 单位欠费明细: per person, insurance type, month and class, employer and individual part, with ageing."""

    catalog_codes = ("020501",)
    pagination_class = StrictPagination

    class FilterSerializer(AsOfFilter):
        """Ageing date, optionally one insurance type or month."""

        insurance_type = StrictCharField(max_length=3, required=False, help_text="险种编码")
        period = month_field(required=False, help_text="费款所属期 YYYY-MM")

    @extend_schema(
        summary="020501 单位欠费明细",
        parameters=[FilterSerializer],
        responses=responses({200: ArrearsLineSerializer(many=True)}),
    )
    def get(self, request, employer_id: int):
        from ..services.collection import parse_period

        require_grant(request.user, "020501", Action.VIEW)
        f = self.parse_query(self.FilterSerializer)
        employer = employer_get_for(actor=request.user, employer_id=employer_id)
        period = parse_period(f["period"]) if f.get("period") else None
        qs = arrears_lines(
            actor=request.user,
            employer=employer,
            as_of=f.get("as_of"),
            insurance_type=f.get("insurance_type"),
            period=period,
        )
        return self.paginate(qs, ArrearsLineSerializer, context={"actor": request.user})


class PaymentListApi(ShebaoApi):
    """缴费记录 of a unit: channel, reference, amount, date and how much was applied (the rest is credit)."""

    catalog_codes = ("020402",)
    pagination_class = StrictPagination

    @extend_schema(summary="020402 单位缴费记录", responses=responses({200: PaymentSerializer(many=True)}))
    def get(self, request, employer_id: int):
        require_grant(request.user, "020402", Action.VIEW)
        employer = employer_get_for(actor=request.user, employer_id=employer_id)
        return self.paginate(payments_of(actor=request.user, employer=employer), PaymentSerializer)


class PaymentCounterApi(ItemCaseApi):
    """020402 窗口缴费登记: money a unit paid at the counter; it is posted and applied when a reviewer confirms."""

    item_code = "020402"
    summary = "020402 窗口缴费登记"

    class InputSerializer(serializers.Serializer):
        """The money handed in and the slip it came with."""

        amount = StrictCharField(max_length=20, help_text='缴费金额（元，最多两位小数），如 "1234.50"')
        paid_on = StrictDateField(help_text="缴费日期 YYYY-MM-DD，不能晚于今天")
        reference = StrictCharField(max_length=64, help_text="缴费凭证号（收据号、POS流水号或进账单号）")
        method = StrictChoiceField(choices=CounterMethod.choices, required=False, default=CounterMethod.CASH)
        note = StrictCharField(max_length=200, required=False, allow_blank=True, default="", help_text="备注")

    def get_subject(self, request, employer_id: int):
        return employer_get_for(actor=request.user, employer_id=employer_id)

    def submit(self, request, data, employer):
        return payment_counter(actor=request.user, employer=employer, materials=self.materials, **data)


EmployerPaymentsApi = by_method(
    "EmployerPaymentsApi",
    "单位缴费: GET lists the unit's payments, POST records a counter payment (020402).",
    get=PaymentListApi,
    post=PaymentCounterApi,
)


class OnlinePaymentApi(ShebaoApi):
    """020402 网上缴费 (单位): pay online; the same order number twice pays once (200 with the same payment)."""

    catalog_codes = ("020402",)

    class InputSerializer(serializers.Serializer):
        """The amount and the order number issued with the payment form."""

        amount = StrictCharField(max_length=20, help_text="缴费金额（元）")
        request_id = StrictCharField(max_length=32, help_text="支付订单号（32位十六进制，每次缴费新生成）")

    @extend_schema(
        summary="020402 网上缴费",
        request=InputSerializer,
        responses=responses({201: PaymentSerializer, 200: PaymentSerializer}, body=True),
    )
    def post(self, request, employer_id: int):
        require_grant(request.user, "020402", Action.HANDLE)
        data = self.parse_body(self.InputSerializer)
        employer = employer_get_for(actor=request.user, employer_id=employer_id)
        payment = payment_online(actor=request.user, employer=employer, **data)
        shown = payments_of(actor=request.user, employer=employer).get(pk=payment.pk)
        code = status.HTTP_200_OK if payment.replayed else status.HTTP_201_CREATED
        return Response(PaymentSerializer(shown).data, status=code)


class CreditApplyApi(ShebaoApi):
    """020402 余额冲抵: apply what the unit paid earlier and has not used to the dues now open."""

    catalog_codes = ("020402",)

    class OutputSerializer(serializers.Serializer):
        applied = serializers.DecimalField(max_digits=14, decimal_places=2)

    @extend_schema(summary="020402 余额冲抵", request=None, responses=responses({200: OutputSerializer}))
    def post(self, request, employer_id: int):
        require_grant(request.user, "020402", Action.HANDLE)
        employer = employer_get_for(actor=request.user, employer_id=employer_id)
        return Response({"applied": str(credit_apply(actor=request.user, employer=employer))})


class PaymentDetailApi(ShebaoApi):
    """缴费记录详情: the payment and how it was applied, line by line."""

    catalog_codes = ("020402",)

    @extend_schema(summary="020402 缴费记录详情", responses=responses({200: OpenApiTypes.OBJECT}))
    def get(self, request, payment_id: int):
        require_grant(request.user, "020402", Action.VIEW)
        return Response(payment_detail(payment_get_for(actor=request.user, payment_id=payment_id), request.user))


class PaymentReceiptApi(ShebaoApi):
    """020402 社会保险费缴费凭证 (PDF) of one payment, with its signed verification code."""

    catalog_codes = ("020402",)

    @extend_schema(
        summary="020402 缴费凭证（PDF）", operation_id="collection_payment_receipt", responses=responses(PDF)
    )
    def get(self, request, payment_id: int):
        require_grant(request.user, "020402", Action.VIEW)
        payment = payment_get_for(actor=request.user, payment_id=payment_id)
        filename, pdf = payment_receipt(payment, actor=request.user)
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="{filename}"'
        return response


class AgencyMonthInput(serializers.Serializer):
    """An agency (with its subtree) and a month."""

    agency = StrictCharField(max_length=20, help_text="经办机构编码")
    period = month_field(help_text="月份 YYYY-MM")
    note = StrictCharField(max_length=200, required=False, allow_blank=True, default="", help_text="说明")


class PlanListApi(ShebaoApi):
    """征收计划 of the agency subtree (newest month first)."""

    catalog_codes = ("020401",)
    pagination_class = StrictPagination

    @extend_schema(summary="020401 征收计划列表", responses=responses({200: PlanSerializer(many=True)}))
    def get(self, request):
        require_grant(request.user, "020401", Action.VIEW)
        return self.paginate(plans_for(request.user).prefetch_related("lines__insurance_type"), PlanSerializer)


class PlanMakeApi(ItemCaseApi):
    """020401 制定征收计划: computed from the receivable ledger and stored when a reviewer approves the case."""

    item_code = "020401"
    summary = "020401 制定征收计划"
    InputSerializer = AgencyMonthInput

    def submit(self, request, data, subject):
        agency = agency_by_code(data["agency"])
        return collection_plan_make(
            actor=request.user, agency=agency, period=data["period"], note=data["note"], materials=self.materials
        )


PlansApi = by_method("PlansApi", "征收计划: GET lists, POST proposes one (020401).", get=PlanListApi, post=PlanMakeApi)


class PlanDetailApi(ShebaoApi):
    """One collection plan with its lines by channel and insurance type."""

    catalog_codes = ("020401",)

    @extend_schema(summary="020401 征收计划详情", responses=responses({200: PlanSerializer}))
    def get(self, request, plan_id: int):
        require_grant(request.user, "020401", Action.VIEW)
        return Response(PlanSerializer(plan_get_for(actor=request.user, plan_id=plan_id)).data)


class LedgerListApi(ShebaoApi):
    """月度欠费台账 of the agency subtree (newest month first)."""

    catalog_codes = ("020501",)
    pagination_class = StrictPagination

    @extend_schema(summary="020501 欠费台账列表", responses=responses({200: LedgerSerializer(many=True)}))
    def get(self, request):
        require_grant(request.user, "020501", Action.VIEW)
        return self.paginate(ledgers_for(request.user), LedgerSerializer)


class LedgerMakeApi(ItemCaseApi):
    """020501 建立欠费台账: the month's arrears ledger of an agency, written when a reviewer approves the case."""

    item_code = "020501"
    summary = "020501 建立欠费台账"
    InputSerializer = AgencyMonthInput

    def submit(self, request, data, subject):
        agency = agency_by_code(data["agency"])
        return arrears_ledger_make(
            actor=request.user, agency=agency, period=data["period"], note=data["note"], materials=self.materials
        )


LedgersApi = by_method(
    "LedgersApi", "欠费台账: GET lists, POST proposes one (020501).", get=LedgerListApi, post=LedgerMakeApi
)


class LedgerDetailApi(ShebaoApi):
    """One monthly arrears ledger: totals, and its lines (per payer and insurance type) a page at a time."""

    catalog_codes = ("020501",)
    pagination_class = StrictPagination

    @extend_schema(
        summary="020501 欠费台账明细",
        operation_id="collection_ledger_retrieve",
        responses=responses({200: LedgerLineSerializer(many=True)}),
    )
    def get(self, request, ledger_id: int):
        require_grant(request.user, "020501", Action.VIEW)
        ledger = ledger_get_for(actor=request.user, ledger_id=ledger_id)
        lines = ledger.lines.select_related("employer", "person", "insurance_type").order_by(
            "employer_id", "person_id", "insurance_type_id"
        )
        response = self.paginate(lines, LedgerLineSerializer)
        response.data["ledger"] = LedgerSerializer(ledger).data
        return response


BUCKET_KEYS = [key for key, *_ in BUCKETS]

urlpatterns = [
    path("collection/arrears/", ArrearsListApi.as_view(), name="collection-arrears"),
    path(
        "collection/employers/<int:employer_id>/arrears/",
        EmployerArrearsApi.as_view(),
        name="collection-employer-arrears",
    ),
    path(
        "collection/employers/<int:employer_id>/arrears/lines/",
        EmployerArrearsLinesApi.as_view(),
        name="collection-employer-arrears-lines",
    ),
    path("collection/employers/<int:employer_id>/payments/", EmployerPaymentsApi.as_view(), name="collection-payments"),
    path(
        "collection/employers/<int:employer_id>/online-payments/",
        OnlinePaymentApi.as_view(),
        name="collection-online-payment",
    ),
    path("collection/employers/<int:employer_id>/credit/", CreditApplyApi.as_view(), name="collection-credit"),
    path("collection/payments/<int:payment_id>/", PaymentDetailApi.as_view(), name="collection-payment"),
    path("collection/payments/<int:payment_id>/receipt.pdf", PaymentReceiptApi.as_view(), name="collection-receipt"),
    path("collection/plans/", PlansApi.as_view(), name="collection-plans"),
    path("collection/plans/<int:plan_id>/", PlanDetailApi.as_view(), name="collection-plan"),
    path("collection/ledgers/", LedgersApi.as_view(), name="collection-ledgers"),
    path("collection/ledgers/<int:ledger_id>/", LedgerDetailApi.as_view(), name="collection-ledger"),
    *collection_files.urlpatterns,
    re_path(r"^collection/", NotFoundApi.as_view(), name="collection-not-found"),
]
