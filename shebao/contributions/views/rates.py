"""Cluster 02 (rates): workbench and portal pages and their routes.

Employers: the list of units with their work-injury rate (the catalogue's start for 02020101/02020201), a unit's rate
table for a month with its rate rows and cases, and the 费率核定 / 费率调整 forms; the employer portal shows the
unit its own table. Persons (residents' tiers, flexible workers' bases) are in `rates_persons.py`.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Subquery
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone

from shebao.core import validation as v
from shebao.core.access import cases_for, has_grant
from shebao.core.catalog import catalog_view
from shebao.core.choices import Action, Role
from shebao.core.errors import ApplicationError
from shebao.core.models import Case
from shebao.core.views import ItemFormView, paginate, role_required, staff_required
from shebao.registration.choices import EmployerStatus
from shebao.registration.selectors import employer_get_for, employer_search
from shebao.registration.views.common import _employer_or_404

from ..models import EmployerRate
from ..services import rates_rules as rules
from ..services.rates import INJURY, employer_rate_change, employer_rate_determine, last_assessed_month
from ..services.rates_tables import employer_rate_history, employer_rate_table
from . import rates_forms as f
from . import rates_persons as persons

RATE_ITEMS = ("02020101", "02020201")
RATE_FILTERS = {"": "全部", "unrated": "未核定工伤保险费率", "rated": "已核定"}


def _month_param(request: HttpRequest) -> tuple:
    """The month asked for (?month=YYYY-MM; this month by default) and the error to show when it is malformed."""
    text = request.GET.get("month", "").strip()
    today = timezone.localdate().replace(day=1)
    if not text:
        return today, ""
    try:
        return v.parse_month(text, "month", "月份"), ""
    except ApplicationError as exc:
        return today, exc.message


def _with_current_rate(qs, month):
    latest = EmployerRate.objects.filter(
        employer_id=OuterRef("pk"), insurance_type_id=INJURY, valid_from__lte=month
    ).order_by("-valid_from")
    return qs.annotate(
        injury_rate=Subquery(latest.values("employer_rate")[:1]),
        injury_grade=Subquery(latest.values("float_grade")[:1]),
        injury_from=Subquery(latest.values("valid_from")[:1]),
    )


@catalog_view(*RATE_ITEMS)
@staff_required
def rates_employer_list(request: HttpRequest) -> HttpResponse:
    """单位费率: units in scope with their work-injury rate this month; filter the ones not yet rated."""
    q = request.GET.get("q", "").strip()[:100]
    which = request.GET.get("rated", "")
    which = which if which in RATE_FILTERS else ""
    month = timezone.localdate().replace(day=1)
    qs = employer_search(actor=request.user, q=q, status=EmployerStatus.ACTIVE)
    rated = Exists(EmployerRate.objects.filter(employer_id=OuterRef("pk"), insurance_type_id=INJURY))
    if which == "unrated":
        qs = qs.exclude(rated)
    elif which == "rated":
        qs = qs.filter(rated)
    item = request.GET.get("item", "")
    context = {
        "page": paginate(request, _with_current_rate(qs, month)),
        "q": q,
        "rated": which,
        "filters": RATE_FILTERS,
        "month": month,
        "item_hint": item if item in RATE_ITEMS else "",
    }
    return render(request, "contributions/rates/employer_list.html", context)


@staff_required
def rates_employer(request: HttpRequest, employer_id: int) -> HttpResponse:
    """单位费率表: every insurance type of the unit in a month with its source and legal reference, the unit's own
    rate rows and its rate cases; 费率核定 / 费率调整 from here."""
    employer = _employer_or_404(request, employer_id)
    return _rate_page(request, employer, template="contributions/rates/employer_rates.html")


def _rate_page(request: HttpRequest, employer, *, template: str, portal: bool = False) -> HttpResponse:
    month, month_error = _month_param(request)
    table = employer_rate_table(employer, month)
    has_rate = EmployerRate.objects.filter(employer=employer, insurance_type_id=INJURY).exists()
    active = employer.status == EmployerStatus.ACTIVE
    user = request.user
    context = {
        "employer": employer,
        "table": table,
        "month": month,
        "month_form": f.MonthForm(initial={"month": f"{month:%Y-%m}"}),
        "month_error": month_error,
        "history": employer_rate_history(employer)[:60],
        "last_assessed": last_assessed_month(employer),
        "cases": cases_for(user).filter(item_id__in=RATE_ITEMS, employer=employer)[:20],
        "can_determine": active and not has_rate and has_grant(user, "02020101", Action.HANDLE),
        "can_change": active and has_rate and has_grant(user, "02020201", Action.HANDLE),
        "portal": portal,
    }
    return render(request, template, context, status=400 if month_error else 200)


@role_required(Role.EMPLOYER)
def rates_portal_unit(request: HttpRequest) -> HttpResponse:
    """网上经办 · 本单位费率: the unit's rates of a month (read-only; the agency determines and changes them)."""
    employer = _employer_or_404(request, request.user.employer_id or 0)
    return _rate_page(request, employer, template="contributions/rates/portal_unit.html", portal=True)


class _EmployerRateView(ItemFormView):
    """A rate form about one unit of the clerk's scope (the catalogue menu starts at the unit list)."""

    menu_start = "contributions:rates-employers"
    template_name = "contributions/rates/rate_form.html"
    form_class = f.RateDetermineForm

    def get_subject(self, employer_id):
        return employer_get_for(actor=self.request.user, employer_id=employer_id)

    def grades(self):
        """The floating grades of the unit's registered risk class this month (none when not configured)."""
        try:
            grades, _ = rules.injury_grades(
                self.subject.injury_risk_class,
                region=self.subject.agency.region_id,
                on=timezone.localdate().replace(day=1),
            )
        except ApplicationError:
            return ()
        return grades

    def get_form_kwargs(self) -> dict:
        return {"grades": self.grades()}

    def get_context_data(self, **extra) -> dict:
        employer = self.subject
        return super().get_context_data(
            employer=employer,
            table=employer_rate_table(employer, timezone.localdate()),
            last_assessed=last_assessed_month(employer),
            **extra,
        )

    def back_url(self) -> str:
        return reverse("contributions:rates-employer", args=[self.subject.pk])


class EmployerRateDetermineView(_EmployerRateView):
    """02020101 费率核定: the unit's registered risk class and a floating grade → its work-injury rate."""

    item_code = "02020101"
    title, submit_label = "工伤保险费率核定", "提交费率核定"
    intro = (
        "按单位登记的行业风险类别和浮动费率档次核定工伤保险单位费率（基准费率 × 浮动档次），经复核后自生效月起执行。"
    )

    def get_initial(self) -> dict:
        first = self.subject.insurances.filter(insurance_type_id=INJURY, active=True).order_by("start_month").first()
        month = first.start_month if first else timezone.localdate()
        return {"float_grade": "1.0", "valid_from": f"{month:%Y-%m}"}

    def submit(self, form, employer) -> Case:
        return employer_rate_determine(
            actor=self.request.user,
            employer=employer,
            float_grade=form.value("float_grade"),
            valid_from=form.value("valid_from"),
            adjust_assessed=bool(form.value("adjust_assessed", False)),
            note=form.value("note"),
            materials=self.materials,
        )


class EmployerRateChangeView(_EmployerRateView):
    """02020201 费率调整: a new floating grade after the yearly evaluation, or the class of a changed industry."""

    item_code = "02020201"
    title, submit_label = "工伤保险费率调整", "提交费率调整"
    intro = (
        "年度浮动费率评估后调整档次，或单位行业变更后按登记的新风险类别重新计算费率；"
        "自生效月起执行，此前月份仍按原费率。"
    )
    form_class = f.RateChangeForm

    def get_initial(self) -> dict:
        current = (
            EmployerRate.objects.filter(employer=self.subject, insurance_type_id=INJURY).order_by("-valid_from").first()
        )
        month = v.month_add(timezone.localdate().replace(day=1), 1)
        initial = {"valid_from": f"{month:%Y-%m}"}
        if current and current.float_grade is not None:
            initial["float_grade"] = rules.grade_str(current.float_grade)
        return initial

    def submit(self, form, employer) -> Case:
        return employer_rate_change(
            actor=self.request.user,
            employer=employer,
            reason=form.value("reason"),
            valid_from=form.value("valid_from"),
            float_grade=form.value("float_grade") or None,
            adjust_assessed=bool(form.value("adjust_assessed", False)),
            note=form.value("note"),
            materials=self.materials,
        )


urlpatterns: list = [
    path("rates/employers/", rates_employer_list, name="rates-employers"),
    path("rates/employers/<int:employer_id>/", rates_employer, name="rates-employer"),
    path(
        "rates/employers/<int:employer_id>/determine/",
        EmployerRateDetermineView.as_view(),
        name="rates-employer-determine",
    ),
    path("rates/employers/<int:employer_id>/change/", EmployerRateChangeView.as_view(), name="rates-employer-change"),
    *persons.urlpatterns,
    path("rates/portal/unit/", rates_portal_unit, name="rates-portal-unit"),
]
