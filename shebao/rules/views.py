"""社保费试算 page (public, no login): a form per calculator, the answer and its trace in Chinese.

The form is sent with GET (a calculation changes nothing; the address can be bookmarked or shared). Input is
checked by the same serializers as the API (`shebao.rules.calculators`) and computed by the same rules; the
Django form here only draws the fields (labels, widgets, errors next to each field).
"""

from __future__ import annotations

from django import forms
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.views.decorators.http import require_GET
from rest_framework import serializers

from shebao.core.errors import ApplicationError
from shebao.core.models import Region

from .api import CalculatorThrottle
from .calculators import CALCULATORS, Calculator, calculate, label_errors
from .contributions import CATEGORIES, INSURANCE_TYPE_NAMES, RATED_TYPES
from .fields import DateText, DecimalText, MonthText, RegionField

# What the page says under a field (the API's help texts name JSON values; these speak to people).
HELP = {
    "region": "6位行政区划代码，如 330102；不填按全国默认参数计算",
    "principal": "欠缴的社会保险费（元）",
    "days": "填写滞纳天数，或者填写下面的缴纳期限和缴纳日期",
    "base": "每月缴费基数（元）",
    "declared_monthly_wage": "上年度月平均工资（元）",
    "injury_class": "1 到 8，计算工伤保险时必填",
    "injury_grade": "基准费率的倍数，如 1.0；不填按基准费率",
    "tier": "每年缴费档次（元），如 500",
    "to_month": "含该月",
    "with_late_fee": "灵活就业人员等不加收滞纳金时取消勾选",
}
# Result fields shown in words rather than codes.
WORDS = {
    "bounded": {"lower": "低于下限，按下限核定", "upper": "高于上限，按上限核定", "": "在上下限之间，按申报工资核定"},
    "category": CATEGORIES,
}


def _form_class(calc: Calculator) -> type[forms.Form]:
    """A display-only form for the calculator's inputs (checking is the serializer's job)."""
    attrs = {}
    fields = calc.input().fields
    for name, field in [*((n, f) for n, f in fields.items() if n != "region"), ("region", fields["region"])]:
        if name == "rates":
            continue  # what-if rates: API only
        common = {"label": field.label, "required": False}
        if isinstance(field, MonthText):
            widget = forms.TextInput(attrs={"type": "month", "class": "form-control", "placeholder": "2024-05"})
        elif isinstance(field, DateText):
            widget = forms.TextInput(attrs={"type": "date", "class": "form-control"})
        elif isinstance(field, DecimalText | RegionField):
            widget = forms.TextInput(attrs={"class": "form-control", "inputmode": "decimal", "autocomplete": "off"})
        elif isinstance(field, serializers.ListField):
            choices = [(code, f"{code} {INSURANCE_TYPE_NAMES[code]}") for code in RATED_TYPES]
            attrs[name] = forms.MultipleChoiceField(choices=choices, widget=forms.CheckboxSelectMultiple, **common)
            attrs[name].mark_required = field.required
            continue
        elif isinstance(field, serializers.BooleanField):
            checkbox = forms.CheckboxInput(attrs={"class": "form-check-input"})
            attrs[name] = forms.BooleanField(initial=True, widget=checkbox, **common)
            continue
        elif isinstance(field, serializers.ChoiceField):
            attrs[name] = forms.ChoiceField(
                choices=list(CATEGORIES.items()), widget=forms.Select(attrs={"class": "form-select"}), **common
            )
            continue
        else:  # integers
            widget = forms.TextInput(attrs={"class": "form-control", "inputmode": "numeric", "autocomplete": "off"})
        attrs[name] = forms.CharField(widget=widget, help_text=HELP.get(name, ""), **common)
        attrs[name].mark_required = field.required
    for name, text in HELP.items():
        if name in attrs:
            attrs[name].help_text = text
    return type(f"{calc.input.__name__}Form", (forms.Form,), attrs)


def _submitted(request: HttpRequest, calc: Calculator) -> QueryDict:
    """The query string without empty inputs (left blank = not given), booleans made explicit (unticked = false)."""
    data = QueryDict(mutable=True)
    for key in request.GET:
        values = [v for v in request.GET.getlist(key) if v.strip()]
        if values:
            data.setlist(key, values)
    for name, field in calc.input().fields.items():
        if isinstance(field, serializers.BooleanField):
            data[name] = "true" if request.GET.get(name) else "false"
    data.pop("calculate", None)
    return data


@require_GET
def calculator_index(request: HttpRequest) -> HttpResponse:
    """The list of calculators."""
    return render(request, "rules/calculate_index.html", {"calculators": CALCULATORS.values()})


@require_GET
def calculator_page(request: HttpRequest, rule: str) -> HttpResponse:
    """One calculator: its form; with `calculate` in the query string, the answer and its trace (or the errors)."""
    calc = CALCULATORS.get(rule)
    if calc is None:
        raise Http404("没有这个试算项目")
    form_class = _form_class(calc)
    answer, status, problem = None, 200, ""
    if "calculate" in request.GET:
        form = form_class(request.GET)
        form.is_valid()  # draws the submitted values back; the checks below decide
        throttle = CalculatorThrottle()
        if not throttle.allow_request(request, None):
            status, problem = 429, f"试算请求过于频繁，请在 {int(throttle.wait() or 1)} 秒后重试。"
        else:
            result, errors = _check(calc, _submitted(request, calc))
            for name, messages in errors.items():
                target = name if name in form.fields else None
                for message in messages:
                    form.add_error(target, message)
            if errors:
                status = 400
            else:
                answer = _presented(calc, result)
    else:
        form = form_class()
    context = {"calc": calc, "calculators": CALCULATORS.values(), "form": form, "answer": answer, "problem": problem}
    return render(request, "rules/calculate.html", context, status=status)


def _check(calc: Calculator, data: QueryDict) -> tuple[dict | None, dict]:
    """(the calculator's answer, {}) or (None, {field: [messages]} naming what is wrong)."""
    ser = calc.input(data=data)
    if not ser.is_valid():
        return None, label_errors(ser, ser.errors)
    try:
        return calculate(calc.rule, ser.validated_data), {}
    except ApplicationError as exc:
        return None, exc.errors or {"non_field_errors": [exc.message]}


def _presented(calc: Calculator, answer: dict) -> dict:
    """The answer as the template shows it: labelled scalars, tables of lines, the trace with region names."""
    result_fields = calc.result().fields
    scalars, tables = [], []
    for name, value in answer["result"].items():
        field = result_fields[name]
        if isinstance(field, serializers.ListSerializer):
            child = field.child.fields
            headers = [child[key].help_text or _header(key) for key in child]
            rows = [[_word(key, row[key]) for key in child] for row in value]
            tables.append({"title": field.help_text or "明细", "headers": headers, "rows": rows})
        elif isinstance(value, list):
            scalars.append((field.help_text, "、".join(value)))
        else:
            scalars.append((field.help_text or _header(name), _word(name, value)))
    codes = {s["region"] for s in answer["trace"] if s["region"]}
    names = dict(Region.objects.filter(code__in=codes).values_list("code", "name"))
    trace = [{**s, "where": _where(s, names)} for s in answer["trace"]]
    return {"scalars": scalars, "tables": tables, "trace": trace}


def _where(step: dict, names: dict) -> str:
    """Whose value a parameter step used: the region's name and code, or 全国; blank for computed steps."""
    if step["region"]:
        return f"{names.get(step['region'], '')}（{step['region']}）"
    return "全国" if step["parameter"] else ""


_HEADERS = {
    "month": "费款所属月份",
    "due_date": "缴纳期限",
    "days": "滞纳天数",
    "insurance_type": "险种编码",
    "name": "险种",
    "start": "起始日期",
    "end": "截止日期",
    "year": "缴费年度",
    "category": "人员类别",
    "injury_class": "行业风险类别",
}


def _header(name: str) -> str:
    return _HEADERS.get(name, name)


def _word(name: str, value):
    if value is None:
        return "—"
    return WORDS.get(name, {}).get(value, value)
