"""Output serializers of the collection API (arrears, payments, plans, ledgers, exchanged files)."""

from __future__ import annotations

from django.db.models import Sum
from rest_framework import serializers

from shebao.core.identifiers import mask_id

from ..choices import BankFileKind, BankFileStatus, BankRecordStatus, CollectionChannel, LineClass, PaymentChannel
from ..selectors.collection import BUCKET_LABELS

MONEY = {"max_digits": 16, "decimal_places": 2}


def _fen(value) -> str:
    """A sum as text with two decimals (SQLite's SUM drops the scale)."""
    from decimal import Decimal

    return f"{Decimal(value or 0):.2f}"


class AgencyArrearsSerializer(serializers.Serializer):
    """One payer's arrears in an agency's ledger: parts, late fees, total and the amounts by ageing bucket."""

    employer = serializers.IntegerField(source="employer_id", allow_null=True)
    employer_name = serializers.CharField(source="employer__name", allow_null=True)
    reg_no = serializers.CharField(source="employer__reg_no", allow_null=True)
    person = serializers.IntegerField(source="alone_id", allow_null=True, help_text="个人缴费时的参保人ID")
    person_name = serializers.CharField(source="alone_name", allow_blank=True, help_text="个人缴费时的姓名")
    employer_arrears = serializers.DecimalField(**MONEY, source="employer_part")
    individual_arrears = serializers.DecimalField(**MONEY, source="individual_part")
    late_fee = serializers.DecimalField(**MONEY)
    total = serializers.DecimalField(**MONEY)
    oldest = serializers.DateField(help_text="最早欠费月份")
    not_due = serializers.DecimalField(**MONEY)
    days_0_30 = serializers.DecimalField(**MONEY)
    days_31_90 = serializers.DecimalField(**MONEY)
    days_91_180 = serializers.DecimalField(**MONEY)
    days_181_365 = serializers.DecimalField(**MONEY)
    days_over_365 = serializers.DecimalField(**MONEY)

    class Meta:
        ref_name = "CollectionAgencyArrears"


class BucketSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    amount = serializers.DecimalField(**MONEY)


class ArrearsSummarySerializer(serializers.Serializer):
    """020501 单位欠费汇总."""

    as_of = serializers.DateField()
    employer_arrears = serializers.DecimalField(**MONEY)
    individual_arrears = serializers.DecimalField(**MONEY)
    late_fee = serializers.DecimalField(**MONEY)
    total = serializers.DecimalField(**MONEY)
    past_due = serializers.DecimalField(**MONEY, help_text="已到期未缴（欠费）")
    not_due = serializers.DecimalField(**MONEY, help_text="未到期应缴")
    credit = serializers.DecimalField(**MONEY, help_text="预缴余额（已缴未冲抵）")
    lines = serializers.IntegerField()
    buckets = serializers.SerializerMethodField()
    by_type = serializers.SerializerMethodField()
    by_period = serializers.SerializerMethodField()

    class Meta:
        ref_name = "CollectionArrearsSummary"

    def get_buckets(self, s) -> list[dict]:
        return [{"key": k, "label": label, "amount": _fen(amount)} for k, label, amount in s.bucket_rows()]

    def get_by_type(self, s) -> list[dict]:
        return [
            {
                "insurance_type": r["insurance_type_id"],
                "name": r["insurance_type__name"],
                "employer": _fen(r["employer"]),
                "individual": _fen(r["individual"]),
                "total": _fen(r["total"]),
            }
            for r in s.by_type
        ]

    def get_by_period(self, s) -> list[dict]:
        return [
            {
                "period": f"{r['period']:%Y-%m}",
                "employer": _fen(r["employer"]),
                "individual": _fen(r["individual"]),
                "total": _fen(r["total"]),
            }
            for r in s.by_period
        ]


class ArrearsLineSerializer(serializers.Serializer):
    """One arrears line: person (ID masked), type, month, class, due date, parts due / paid / open, ageing."""

    id = serializers.IntegerField()
    person = serializers.IntegerField(source="person_id", allow_null=True)
    person_name = serializers.CharField(source="person.name", allow_null=True, default=None)
    id_number = serializers.SerializerMethodField()
    insurance_type = serializers.CharField(source="insurance_type_id")
    period = serializers.DateField(format="%Y-%m")
    line_class = serializers.ChoiceField(choices=LineClass.choices)
    due_date = serializers.DateField()
    employer_due = serializers.DecimalField(**MONEY)
    individual_due = serializers.DecimalField(**MONEY)
    employer_paid = serializers.DecimalField(**MONEY)
    individual_paid = serializers.DecimalField(**MONEY)
    employer_arrears = serializers.DecimalField(**MONEY)
    individual_arrears = serializers.DecimalField(**MONEY)
    bucket = serializers.CharField()
    bucket_label = serializers.SerializerMethodField()

    class Meta:
        ref_name = "CollectionArrearsLine"

    def get_id_number(self, line) -> str | None:
        return mask_id(line.person.id_number) if line.person_id else None

    def get_bucket_label(self, line) -> str:
        return BUCKET_LABELS.get(line.bucket, "")


class PaymentSerializer(serializers.Serializer):
    """缴费记录: channel, reference, amount, date, applied and unapplied (credit)."""

    id = serializers.IntegerField()
    employer = serializers.IntegerField(source="employer_id", allow_null=True)
    person = serializers.IntegerField(source="person_id", allow_null=True)
    channel = serializers.CharField(
        help_text="缴费渠道：" + "、".join(f"{v} {label}" for v, label in PaymentChannel.choices)
    )
    reference = serializers.CharField()
    amount = serializers.DecimalField(**MONEY)
    paid_on = serializers.DateField()
    applied = serializers.DecimalField(**MONEY)
    credit = serializers.SerializerMethodField()
    case = serializers.IntegerField(source="case_id", allow_null=True)

    class Meta:
        ref_name = "CollectionPayment"

    def get_credit(self, p) -> str:
        return _fen(p.amount - p.applied)


def payment_detail(payment, actor) -> dict:
    """A payment with its allocations summed by month, type and class (no personal data)."""
    rows = (
        payment.allocations.values("receivable__period", "receivable__insurance_type_id", "receivable__kind")
        .annotate(employer=Sum("employer_part"), individual=Sum("individual_part"))
        .order_by("receivable__period", "receivable__insurance_type_id")
    )
    applied = sum((r["employer"] + r["individual"] for r in rows), 0)
    return {
        "id": payment.pk,
        "employer": payment.employer_id,
        "person": payment.person_id,
        "channel": payment.channel,
        "reference": payment.reference,
        "amount": str(payment.amount),
        "paid_on": payment.paid_on.isoformat(),
        "applied": f"{applied:.2f}",
        "credit": f"{payment.amount - applied:.2f}",
        "allocations": [
            {
                "period": f"{r['receivable__period']:%Y-%m}",
                "insurance_type": r["receivable__insurance_type_id"],
                "line_class": LineClass.LATE_FEE if r["receivable__kind"] == "late_fee" else LineClass.PRINCIPAL,
                "employer": _fen(r["employer"]),
                "individual": _fen(r["individual"]),
            }
            for r in rows
        ],
    }


class PlanLineSerializer(serializers.Serializer):
    channel = serializers.CharField(
        help_text="征收渠道：" + "、".join(f"{v} {label}" for v, label in CollectionChannel.choices)
    )
    insurance_type = serializers.CharField(source="insurance_type_id")
    current_amount = serializers.DecimalField(**MONEY)
    arrears_amount = serializers.DecimalField(**MONEY)
    employer_amount = serializers.DecimalField(**MONEY)
    individual_amount = serializers.DecimalField(**MONEY)
    payers = serializers.IntegerField()

    class Meta:
        ref_name = "CollectionPlanLine"


class PlanSerializer(serializers.Serializer):
    """征收计划: agency, month, total, who made and approved it, and its lines."""

    id = serializers.IntegerField()
    agency = serializers.CharField(source="agency.code")
    agency_name = serializers.CharField(source="agency.name")
    period = serializers.DateField(format="%Y-%m")
    total = serializers.DecimalField(**MONEY)
    case = serializers.IntegerField(source="case_id")
    made_by = serializers.CharField(source="made_by.username")
    approved_by = serializers.CharField(source="approved_by.username")
    created_at = serializers.DateTimeField()
    lines = PlanLineSerializer(many=True, source="lines.all")

    class Meta:
        ref_name = "CollectionPlan"


class LedgerSerializer(serializers.Serializer):
    """月度欠费台账: agency, month, ageing date and totals."""

    id = serializers.IntegerField()
    agency = serializers.CharField(source="agency.code")
    agency_name = serializers.CharField(source="agency.name")
    period = serializers.DateField(format="%Y-%m")
    as_of = serializers.DateField()
    case = serializers.IntegerField(source="case_id")
    payers = serializers.IntegerField()
    employer_arrears = serializers.DecimalField(**MONEY)
    individual_arrears = serializers.DecimalField(**MONEY)
    late_fee_arrears = serializers.DecimalField(**MONEY)
    not_due = serializers.DecimalField(**MONEY)
    created_at = serializers.DateTimeField()

    class Meta:
        ref_name = "CollectionLedger"


class LedgerLineSerializer(serializers.Serializer):
    """One payer and insurance type in a monthly ledger, with the ageing buckets."""

    employer = serializers.IntegerField(source="employer_id", allow_null=True)
    employer_name = serializers.CharField(source="employer.name", allow_null=True, default=None)
    person = serializers.IntegerField(source="person_id", allow_null=True)
    person_name = serializers.CharField(source="person.name", allow_null=True, default=None)
    insurance_type = serializers.CharField(source="insurance_type_id")
    oldest_period = serializers.DateField(format="%Y-%m")
    employer_arrears = serializers.DecimalField(**MONEY)
    individual_arrears = serializers.DecimalField(**MONEY)
    late_fee_arrears = serializers.DecimalField(**MONEY)
    not_due = serializers.DecimalField(**MONEY)
    days_0_30 = serializers.DecimalField(**MONEY)
    days_31_90 = serializers.DecimalField(**MONEY)
    days_91_180 = serializers.DecimalField(**MONEY)
    days_181_365 = serializers.DecimalField(**MONEY)
    days_over_365 = serializers.DecimalField(**MONEY)

    class Meta:
        ref_name = "CollectionLedgerLine"


class BankFileSerializer(serializers.Serializer):
    """An exchanged file: kind, batch, month, status and counts (the content is downloaded separately)."""

    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=BankFileKind.choices)
    agency = serializers.CharField(source="agency.code")
    period = serializers.DateField(format="%Y-%m", allow_null=True)
    batch_no = serializers.CharField(allow_blank=True)
    filename = serializers.CharField()
    sha256 = serializers.CharField()
    status = serializers.ChoiceField(choices=BankFileStatus.choices)
    record_count = serializers.IntegerField()
    total_amount = serializers.DecimalField(**MONEY)
    success_count = serializers.IntegerField()
    failed_count = serializers.IntegerField()
    duplicate_count = serializers.IntegerField()
    posted_amount = serializers.DecimalField(**MONEY)
    error_count = serializers.SerializerMethodField()
    already_imported = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()

    class Meta:
        ref_name = "CollectionBankFile"

    def get_error_count(self, f) -> int:
        return len(f.errors or [])

    def get_already_imported(self, f) -> bool:
        return bool(getattr(f, "already_imported", False))


class BankRecordSerializer(serializers.Serializer):
    """One record of an exchanged file and its outcome."""

    line_no = serializers.IntegerField()
    employer = serializers.IntegerField(source="employer_id", allow_null=True)
    person = serializers.IntegerField(source="person_id", allow_null=True)
    reference = serializers.CharField(allow_blank=True)
    collection_ref = serializers.CharField(allow_blank=True)
    insurance_type = serializers.CharField(source="insurance_type_id", allow_null=True)
    period = serializers.DateField(format="%Y-%m", allow_null=True)
    amount = serializers.DecimalField(**MONEY)
    paid_on = serializers.DateField(allow_null=True)
    status = serializers.ChoiceField(choices=BankRecordStatus.choices)
    message = serializers.CharField(allow_blank=True)
    payment = serializers.IntegerField(source="payment_id", allow_null=True)

    class Meta:
        ref_name = "CollectionBankRecord"
