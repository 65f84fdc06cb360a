"""Cluster 02 (wages) pages: 020101 工资总额申报 at the counter and in the employer portal, declarations and their
lines, the pre-filled template and the workbook of wrong lines; the routes of the whole area (bases pages are in
`wages_bases.py`)."""

from __future__ import annotations

import base64

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import path, reverse

from shebao.core.access import cases_for, has_grant, is_staff
from shebao.core.catalog import catalog_view
from shebao.core.choices import Action, CaseStatus, Channel, Role
from shebao.core.errors import ApplicationError, NotFoundError
from shebao.core.pdaccess import log_full_view
from shebao.core.views import ItemFormView, case_submitted, error_status, home_url, paginate, staff_required
from shebao.registration.selectors import employer_get_for, employers_for

from ..excel.wages import declaration_template, error_workbook, read_declaration_rows
from ..forms.wages import WageDeclarationForm, parse_pasted_lines
from ..selectors.wages import declaration_lines, wage_declaration_get_for, wage_declaration_search
from ..services.wages import LINE_LABELS, DeclarationRefused, declarable_years, wage_declaration_submit
from . import wages_bases as bases

XLSX = settings.SHEBAO_UPLOAD_TYPES[".xlsx"]
ERRORS_KEY = "contributions.wage_errors"
SHOWN_ERRORS = 500


def _open_cases(user, employer=None):
    qs = cases_for(user).filter(item_id="020101", status__in=[CaseStatus.SUBMITTED, CaseStatus.ACCEPTED])
    if employer is not None:
        qs = qs.filter(employer=employer)
    return qs.select_related("employer").order_by("-submitted_at")


def _year_param(request: HttpRequest) -> int | None:
    raw = request.GET.get("year", "")
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) == 4 else None


@staff_required
def wage_list(request: HttpRequest) -> HttpResponse:
    """020101 工资申报: declarations in scope (year, unit) and the declarations waiting for review."""
    year, q = _year_param(request), request.GET.get("q", "").strip()[:100]
    qs = wage_declaration_search(actor=request.user, year=year, q=q)
    context = {
        "page": paginate(request, qs),
        "year": year,
        "q": q,
        "years": declarable_years(request.user.agency.region_id),
        "pending": _open_cases(request.user)[:20],
        "can_declare": has_grant(request.user, "020101", Action.HANDLE),
    }
    return render(request, "contributions/wages/wage_list.html", context)


class WageDeclareView(ItemFormView):
    """020101 工资总额申报 at the counter: pick the unit, then upload its template or paste the lines."""

    item_code = "020101"
    template_name = "contributions/wages/declare.html"
    title, submit_label = "工资总额申报", "提交申报"
    intro = "申报本单位职工上年度工资收入，用于核定所选缴费年度的个人缴费基数。任何一行有误时整份申报不予受理。"
    portal = False

    def get_subject(self):
        raw = self.request.GET.get("employer", "")
        if self.portal:
            if not self.request.user.employer_id:
                raise NotFoundError("您的账户未关联参保单位")
            raw = self.request.user.employer_id
        return employer_get_for(actor=self.request.user, employer_id=raw) if raw else None

    def dispatch(self, request, *args, **kwargs):
        if self.portal and request.user.is_authenticated and request.user.role != Role.EMPLOYER:
            return redirect(home_url(request.user))
        return super().dispatch(request, *args, **kwargs)

    def get_form(self):
        years = declarable_years(self.subject.agency.region_id) if self.subject else ()
        initial = {"year": years[0]} if years else {}
        return WageDeclarationForm(self.request.POST or None, self.request.FILES or None, years=years, initial=initial)

    def back_url(self) -> str:
        return reverse("contributions:portal-wages" if self.portal else "contributions:wage-list")

    def get_context_data(self, **extra) -> dict:
        context = super().get_context_data(employer=self.subject, portal=self.portal, **extra)
        if self.subject is not None:
            context["pending"] = _open_cases(self.request.user, self.subject)[:10]
            context["declarations"] = wage_declaration_search(actor=self.request.user, employer_id=self.subject.pk)[:10]
        return context

    def get(self, request, *args, **kwargs) -> HttpResponse:
        if self.subject is None:
            return self._pick(request)
        return self.render(self.get_form())

    def _pick(self, request) -> HttpResponse:
        """Find the unit by its 社会保险登记编号 or 统一社会信用代码 (within the clerk's scope); the code is posted,
        never put in a URL."""
        code = request.POST.get("unit", "").strip().upper()[:18] if request.method == "POST" else ""
        missing = False
        if code:
            unit = employers_for(request.user).filter(Q(reg_no=code) | Q(uscc=code)).first()
            if unit is not None:
                return redirect(f"{reverse('contributions:wage-declare')}?employer={unit.pk}")
            missing = True
        return render(
            request,
            self.template_name,
            {**self.get_context_data(form=None, subject=None), "pick": True, "unit": code, "missing": missing},
            status=404 if missing else 200,
        )

    def post(self, request, *args, **kwargs) -> HttpResponse:
        if self.subject is None:
            if self.portal:
                raise Http404("您的账户未关联参保单位")
            return self._pick(request)
        form = self.get_form()
        if not form.is_valid():
            return self.render(form, status=400)
        upload = form.cleaned_data.get("file")
        target = "file" if upload else "lines"
        rows: list[dict] = []
        try:
            rows = read_declaration_rows(upload) if upload else parse_pasted_lines(form.value("lines"))
            case = wage_declaration_submit(
                actor=request.user,
                employer=self.subject,
                year=form.value("year"),
                lines=rows,
                channel=Channel.WINDOW,
            )
        except DeclarationRefused as exc:
            request.session[ERRORS_KEY] = base64.b64encode(error_workbook(rows, exc.row_errors)).decode("ascii")
            form.add_error(target, exc.message)
            errors = [
                {"row": e.row, "field": LINE_LABELS.get(e.field, e.field), "message": e.message}
                for e in exc.row_errors[:SHOWN_ERRORS]
            ]
            return self.render(form, status=400, row_errors=errors, row_error_total=len(exc.row_errors))
        except ApplicationError as exc:
            if "lines" in exc.errors and upload:
                exc.errors["file"] = exc.errors.pop("lines")
            form.add_service_error(exc)
            return self.render(form, status=error_status(exc))
        return case_submitted(request, case)

    def render(self, form, *, status: int = 200, **extra) -> HttpResponse:
        context = self.get_context_data(form=form, subject=self.subject, **extra)
        return render(self.request, self.template_name, context, status=status)


class PortalWageDeclareView(WageDeclareView):
    """020101 网上工资申报: the unit downloads its template, fills in last year's wages and uploads it."""

    staff_only = False
    portal = True


@login_required
def wage_detail(request: HttpRequest, declaration_id: int) -> HttpResponse:
    """工资申报详情: the approved declaration, its totals and its lines (ID numbers masked), within scope."""
    try:
        declaration = wage_declaration_get_for(actor=request.user, declaration_id=declaration_id)
    except NotFoundError as exc:
        raise Http404(exc.message) from None
    context = {
        "declaration": declaration,
        "page": paginate(request, declaration_lines(declaration), per_page=50),
        "portal": not is_staff(request.user),
    }
    return render(request, "contributions/wages/wage_detail.html", context)


@catalog_view("020101")
@login_required
def wage_template(request: HttpRequest) -> HttpResponse:
    """020101 申报模板 of one unit and year, pre-filled with its active employees."""
    if not has_grant(request.user, "020101", Action.HANDLE):
        raise Http404("没有可下载的申报模板")
    raw = request.user.employer_id if request.user.role == Role.EMPLOYER else request.GET.get("employer", "")
    try:
        employer = employer_get_for(actor=request.user, employer_id=raw)
    except NotFoundError as exc:
        raise Http404(exc.message) from None
    years = declarable_years(employer.agency.region_id)
    year = _year_param(request) or years[0]
    if year not in years:
        return HttpResponseBadRequest(f"缴费年度只能是{years[0]}年或{years[1]}年".encode(), content_type="text/plain")
    response = HttpResponse(declaration_template(employer, year), content_type=XLSX)
    log_full_view(request.user, "employer", employer.pk, "id_number", "工资申报模板（含职工社会保障号码）")
    response["Content-Disposition"] = f'attachment; filename="wage-declaration-{employer.reg_no}-{year}.xlsx"'
    return response


@catalog_view("020101")
@login_required
def wage_errors(request: HttpRequest) -> HttpResponse:
    """020101 错误清单: every line of the user's last refused declaration, the wrong ones with their reasons."""
    data = request.session.get(ERRORS_KEY)
    if not data:
        raise Http404("没有可下载的错误清单")
    response = HttpResponse(base64.b64decode(data), content_type=XLSX)
    response["Content-Disposition"] = 'attachment; filename="wage-declaration-errors.xlsx"'
    return response


wage_declare = WageDeclareView.as_view()
portal_wage_declare = PortalWageDeclareView.as_view()

urlpatterns = [
    path("wages/", wage_list, name="wage-list"),
    path("wages/declare/", wage_declare, name="wage-declare"),
    path("wages/declarations/<int:declaration_id>/", wage_detail, name="wage-detail"),
    path("wages/template.xlsx", wage_template, name="wage-template"),
    path("wages/errors.xlsx", wage_errors, name="wage-errors"),
    path("wages/bases/", bases.base_list, name="base-list"),
    path("wages/bases/run/", bases.base_run, name="base-run"),
    path("wages/bases/persons/<int:person_id>/", bases.base_person, name="base-person"),
    path("wages/bases/persons/<int:person_id>/determine/", bases.base_determine, name="base-determine"),
    path("wages/bases/persons/<int:person_id>/adjust/", bases.base_adjust, name="base-adjust"),
    path("wages/portal/", portal_wage_declare, name="portal-wages"),
    path("wages/portal/bases/", bases.portal_bases, name="portal-bases"),
    path("wages/portal/bases/persons/<int:person_id>/adjust/", bases.portal_base_adjust, name="portal-base-adjust"),
]
