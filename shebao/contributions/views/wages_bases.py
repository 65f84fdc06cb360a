"""Contribution base pages: search (020102), a person's base history, the single-case 020102 determination and the
020103 adjustment (counter and, as a self-report, the employer portal), the yearly run for a region, and the
portal list of the unit's bases."""

from __future__ import annotations

import secrets
import time
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Subquery
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from shebao.core.access import has_grant
from shebao.core.batch import batch_runs_for
from shebao.core.catalog import catalog_view
from shebao.core.choices import Action, Role
from shebao.core.errors import ApplicationError, NotFoundError
from shebao.core.identifiers import mask_id
from shebao.core.views import ItemFormView, error_status, home_url, paginate, role_required, staff_required
from shebao.registration.selectors import employer_get_for, looks_like_id_search, person_get_for, person_search

from ..choices import BaseSource, ReceivableKind
from ..forms.wages import BaseAdjustForm, BaseDetermineForm, BaseRunForm
from ..models import Receivable
from ..selectors.wages import bases_of_person, contribution_base_search
from ..services import wages_rules as rules
from ..services.wages_adjust import SOURCES, contribution_base_adjust
from ..services.wages_bases import contribution_base_determine
from ..services.wages_batch import KIND, base_summary, contribution_bases_determine_region


def _current_year(region: str | None) -> int:
    return rules.contribution_year_of(timezone.localdate().replace(day=1), region)


def _year(request: HttpRequest, default: int) -> int:
    raw = request.GET.get("year", "")
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) == 4 else default


SEARCH_KEY = "contributions.base_searches"


def _search_redirect(request: HttpRequest) -> HttpResponse:
    """The search form posts; an ID number is kept in the session behind a token, never put in the URL."""
    q = request.POST.get("q", "").strip()[:50]
    params = {k: request.POST.get(k, "")[:10] for k in ("year", "source", "item") if request.POST.get(k)}
    if looks_like_id_search(q):
        token = secrets.token_urlsafe(12)
        saved = dict(list(request.session.get(SEARCH_KEY, {}).items())[-9:])
        saved[token] = {"q": q, "until": time.time() + 1800}
        request.session[SEARCH_KEY] = saved
        params["t"] = token
    elif q:
        params["q"] = q
    response = redirect(f"{reverse('contributions:base-list')}?{urlencode(params)}")
    response.status_code = 303
    return response


def _search_term(request: HttpRequest) -> tuple[str, bool]:
    token = request.GET.get("t", "")
    if token:
        saved = request.session.get(SEARCH_KEY, {}).get(token)
        if not saved or saved.get("until", 0) <= time.time():
            return "", True
        return saved["q"], False
    return request.GET.get("q", "").strip()[:50], False


@staff_required
def base_list(request: HttpRequest) -> HttpResponse:
    """缴费基数查询: bases in force by year, person (ID number or name) and source; ID numbers masked."""
    if request.method == "POST":
        return _search_redirect(request)
    year = _year(request, _current_year(request.user.agency.region_id))
    q, expired = _search_term(request)
    source = request.GET.get("source", "")
    source = source if source in BaseSource.values else ""
    qs = contribution_base_search(actor=request.user, year=year, source=source)
    if q:
        qs = qs.filter(person_id__in=Subquery(person_search(actor=request.user, q=q).order_by().values("pk")))
    item = request.GET.get("item", "")
    context = {
        "page": paginate(request, qs),
        "year": year,
        "q": q,
        "source": source,
        "sources": BaseSource.choices,
        "item_hint": item if item in ("020102", "020103") else "",
        "item": item if item.isdigit() else "",
        "expired": expired,
    }
    return render(request, "contributions/wages/base_list.html", context)


def _person_or_404(request: HttpRequest, person_id):
    try:
        return person_get_for(actor=request.user, person_id=person_id)
    except NotFoundError as exc:
        raise Http404(exc.message) from None


@staff_required
def base_person(request: HttpRequest, person_id: int) -> HttpResponse:
    """一人的缴费基数: every row (superseded ones marked) and the adjustment lines in the ledger."""
    person = _person_or_404(request, person_id)
    lines = (
        Receivable.objects.filter(person=person, kind__in=[ReceivableKind.ADJUSTMENT, ReceivableKind.LATE_FEE])
        .select_related("insurance_type", "case")
        .order_by("-period", "insurance_type_id", "pk")
    )
    context = {
        "person": person,
        "id_number": mask_id(person.id_number),
        "rows": bases_of_person(person.pk)[:200],
        "lines": paginate(request, lines, per_page=50),
        "can": {code: has_grant(request.user, code, Action.HANDLE) for code in ("020102", "020103")},
    }
    return render(request, "contributions/wages/base_person.html", context)


class BaseDetermineView(ItemFormView):
    """020102 缴费基数核定（单人）: a new hire's base from the starting wage, or a redetermination."""

    item_code = "020102"
    menu_start = "contributions:base-list"
    title, submit_label = "缴费基数核定", "提交核定"
    intro = "新参保人员按起薪核定；重新核定不填工资时按单位年度工资申报核定（未申报的按下限）。基数按上下限封顶保底。"
    form_class = BaseDetermineForm
    template_name = "contributions/wages/base_form.html"

    def get_subject(self, person_id):
        return person_get_for(actor=self.request.user, person_id=person_id)

    def get_initial(self) -> dict:
        month = timezone.localdate().replace(day=1)
        return {
            "kind": "new_hire",
            "year": _current_year(self.subject.agency.region_id),
            "valid_from": f"{month:%Y-%m}",
        }

    def get_context_data(self, **extra) -> dict:
        return super().get_context_data(person=self.subject, id_number=mask_id(self.subject.id_number), **extra)

    def back_url(self) -> str:
        return reverse("contributions:base-person", args=[self.subject.pk])

    def submit(self, form, person):
        return contribution_base_determine(
            actor=self.request.user,
            person=person,
            kind=form.value("kind"),
            year=form.value("year"),
            valid_from=form.value("valid_from") or None,
            monthly_wage=form.value("monthly_wage") or None,
            note=form.value("note"),
            materials=self.materials,
        )


class BaseAdjustView(ItemFormView):
    """020103 缴费基数调整: the corrected base for past months; differences and late fees on approval."""

    item_code = "020103"
    menu_start = "contributions:base-list"
    title, submit_label = "缴费基数调整", "提交调整"
    intro = (
        "按稽核、监察查处或仲裁、法院裁决，或单位自查申报，调整所列月份的缴费基数；复核通过后已核定月份的应缴差额"
        "记入应收台账，属单位少报、漏报、瞒报的自各月缴费截止日次日起加收滞纳金。"
    )
    template_name = "contributions/wages/base_form.html"
    portal = False

    def get_subject(self, person_id):
        return person_get_for(actor=self.request.user, person_id=person_id)

    def sources(self) -> dict[str, str]:
        return {"self_report": SOURCES["self_report"]} if self.portal else dict(SOURCES)

    def get_form(self):
        month = f"{timezone.localdate():%Y-%m}"
        initial = {"from_month": month, "to_month": month}
        return BaseAdjustForm(self.request.POST or None, initial=initial, sources=self.sources())

    def get_context_data(self, **extra) -> dict:
        return super().get_context_data(
            person=self.subject, id_number=mask_id(self.subject.id_number), portal=self.portal, **extra
        )

    def back_url(self) -> str:
        if self.portal:
            return reverse("contributions:portal-bases")
        return reverse("contributions:base-person", args=[self.subject.pk])

    def submit(self, form, person):
        return contribution_base_adjust(
            actor=self.request.user,
            person=person,
            from_month=form.value("from_month") or None,
            to_month=form.value("to_month") or None,
            base=form.value("base") or None,
            source=form.value("source"),
            reason=form.value("reason"),
            document_no=form.value("document_no"),
            materials=self.materials,
        )


class PortalBaseAdjustView(BaseAdjustView):
    """020103 单位自查申报: the unit reports an under-declared base of one of its employees."""

    staff_only = False
    portal = True
    menu_start = None
    title = "缴费基数自查补报"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and request.user.role != Role.EMPLOYER:
            return redirect(home_url(request.user))
        return super().dispatch(request, *args, **kwargs)


base_determine = BaseDetermineView.as_view()
base_adjust = BaseAdjustView.as_view()
portal_base_adjust = PortalBaseAdjustView.as_view()


@catalog_view("020102")
@staff_required
def base_run(request: HttpRequest) -> HttpResponse:
    """020102 年度缴费基数核定: the yearly run for a region (set-based, safe to rerun), and the year's figures."""
    user = request.user
    if not has_grant(user, "020102", Action.VIEW) and not has_grant(user, "020102", Action.HANDLE):
        raise PermissionDenied("您没有查看缴费基数核定的权限")
    region = user.agency.region_id
    year = _year(request, _current_year(region))
    form = BaseRunForm(request.POST or None, initial={"region": region, "year": year})
    status, result = 200, None
    if request.method == "POST":
        if not has_grant(user, "020102", Action.HANDLE):
            raise PermissionDenied("您没有办理缴费基数核定（020102）的经办权限")
        if form.is_valid():
            try:
                result = contribution_bases_determine_region(
                    actor=user, region=form.value("region"), year=form.value("year")
                )
            except NotFoundError as exc:
                raise Http404(exc.message) from None
            except ApplicationError as exc:
                form.add_service_error(exc)
                status = error_status(exc)
            else:
                which = "主批次" if result["seq"] == 0 else f"补充批次 {result['seq']}"
                messages.success(
                    request,
                    f"已发起{result['region']} {result['year']}年度缴费基数核定（批次 #{result['run']}，{which}，"
                    f"{result['chunks']} 个分块）：已写入 {result['rows']} 条",
                )
                return redirect("core:batch-detail", run_id=result["run"])
        else:
            status = 400
    runs = batch_runs_for(user).filter(kind=KIND).order_by("-period", "-seq")[:10]
    context = {
        "form": form,
        "year": year,
        "runs": runs,
        "summary": base_summary(region, year),
        "sources": dict(BaseSource.choices),
        "can_run": has_grant(user, "020102", Action.HANDLE),
    }
    return render(request, "contributions/wages/base_run.html", context, status=status)


@role_required(Role.EMPLOYER)
def portal_bases(request: HttpRequest) -> HttpResponse:
    """网上经办 · 职工缴费基数: the unit's employees' bases in force for a year (ID numbers masked)."""
    try:
        employer = employer_get_for(actor=request.user, employer_id=request.user.employer_id)
    except NotFoundError as exc:
        raise Http404(exc.message) from None
    year = _year(request, _current_year(employer.agency.region_id))
    qs = contribution_base_search(actor=request.user, year=year, employer_id=employer.pk)
    context = {
        "employer": employer,
        "year": year,
        "page": paginate(request, qs),
        "can_adjust": has_grant(request.user, "020103", Action.HANDLE),
    }
    return render(request, "contributions/wages/portal_bases.html", context)
