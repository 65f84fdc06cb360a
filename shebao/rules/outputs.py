"""The answers of the public calculators as serializers (their OpenAPI description, and the page's labels)."""

from __future__ import annotations

from rest_framework import serializers


def _amount(label: str, **kwargs) -> serializers.CharField:
    return serializers.CharField(help_text=label, **kwargs)


class TraceStepOutput(serializers.Serializer):
    """One step of the calculation: a parameter read (with its date and legal source) or a computed value."""

    step = serializers.CharField(help_text="步骤")
    parameter = serializers.CharField(allow_blank=True, help_text="参数键（计算步骤为空）")
    value = serializers.CharField(help_text="取值")
    effective_from = serializers.DateField(allow_null=True, help_text="参数生效日期")
    reference = serializers.CharField(allow_blank=True, help_text="依据")
    region = serializers.CharField(allow_null=True, help_text="参数所属区划；空为全国默认值")


class LateFeeSegmentOutput(serializers.Serializer):
    """Overdue days charged at one daily rate."""

    start = serializers.DateField(allow_null=True, help_text="起始日期")
    end = serializers.DateField(allow_null=True, help_text="截止日期")
    days = serializers.IntegerField(help_text="天数")
    daily_rate = _amount("日费率")


class LateFeeResult(serializers.Serializer):
    """滞纳金: days, fee before the cap, the cap and the fee charged."""

    principal = _amount("欠缴金额")
    days = serializers.IntegerField(help_text="滞纳天数")
    late_fee = _amount("滞纳金")
    uncapped_late_fee = _amount("未封顶的滞纳金")
    cap = _amount("滞纳金上限（无上限为空）", allow_null=True)
    segments = LateFeeSegmentOutput(many=True, help_text="按日费率分段")


class ContributionLineOutput(serializers.Serializer):
    """One insurance type: rates and amounts of both parts."""

    insurance_type = serializers.CharField()
    name = serializers.CharField()
    employer_rate = _amount("单位费率")
    employer_amount = _amount("单位缴费额")
    individual_rate = _amount("个人费率")
    individual_amount = _amount("个人缴费额")


class ContributionResultOutput(serializers.Serializer):
    """应缴费额: the lines and the totals (sums of the rounded lines)."""

    month = serializers.CharField()
    base = _amount("缴费基数")
    category = serializers.CharField()
    lines = ContributionLineOutput(many=True, help_text="各险种明细")
    employer_total = _amount("单位缴费合计")
    individual_total = _amount("个人缴费合计")
    total = _amount("合计")


class ContributionBaseResult(serializers.Serializer):
    """缴费基数: the bounded base and the band."""

    year = serializers.IntegerField()
    declared_monthly_wage = _amount("申报月平均工资")
    base = _amount("核定缴费基数")
    lower = _amount("缴费基数下限")
    upper = _amount("缴费基数上限")
    average_wage = _amount("月平均工资")
    bounded = serializers.CharField(allow_blank=True, help_text="lower 按下限；upper 按上限；空为按申报工资")


class BackPaymentLineOutput(serializers.Serializer):
    """One month of the back-payment."""

    month = serializers.CharField()
    due_date = serializers.DateField()
    days = serializers.IntegerField()
    employer_amount = _amount("单位缴费额")
    individual_amount = _amount("个人缴费额")
    principal = _amount("应缴金额")
    late_fee = _amount("滞纳金")
    total = _amount("合计")


class BackPaymentResult(serializers.Serializer):
    """补缴: month lines and totals."""

    lines = BackPaymentLineOutput(many=True, help_text="逐月明细")
    employer_total = _amount("单位缴费合计")
    individual_total = _amount("个人缴费合计")
    principal_total = _amount("补缴本金合计")
    late_fee_total = _amount("滞纳金合计")
    total = _amount("应补缴合计")


class InjuryRateResult(serializers.Serializer):
    """工伤保险单位费率."""

    injury_class = serializers.IntegerField()
    base_rate = _amount("基准费率")
    injury_grade = _amount("浮动档次")
    grades = serializers.ListField(child=serializers.CharField(), help_text="该类行业可选的浮动档次")
    rate = _amount("单位费率")


class ResidentPensionResult(serializers.Serializer):
    """城乡居民养老保险缴费: tier, subsidy, account credit."""

    year = serializers.IntegerField()
    tier = _amount("个人缴费")
    tiers = serializers.ListField(child=serializers.CharField(), help_text="当年可选档次")
    subsidy = _amount("政府缴费补贴")
    account_credit = _amount("记入个人账户")
