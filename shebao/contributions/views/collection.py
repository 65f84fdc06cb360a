"""Collection pages (under /contributions/collection/): arrears ledger by agency and by unit (020501), counter
payments, credit and mandates (020402), collection plans (020401) and monthly ledgers (020501). The exchanged
files and the tax pages are in `collection_files`, the employer's own pages in `collection_portal`."""

from __future__ import annotations

from urllib.parse import quote

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from shebao.core import validation as v
from shebao.core.access import has_grant
from shebao.core.catalog import catalog_view
from shebao.core.choices import Action
from shebao.core.errors import ApplicationError
from shebao.core.views import ItemFormView, paginate, raise_for_scope, staff_required
from shebao.core.views.documents import pdf_response
from shebao.core.xlsx_write import OutColumn, text_sheet
from shebao.registration.selectors import employer_get_for

from ..documents.collection import payment_receipt
from ..forms.collection import AgencyMonthForm, MandateForm, PaymentCounterForm
from ..models import CollectionMandate
from ..selectors.collection import (
    BUCKETS,
    agencies_for,
    agency_arrears,
    agency_by_code,
    agency_totals,
    arrears_lines,
    arrears_summary,
    ledger_get_for,
    ledgers_for,
    payment_get_for,
    payments_of,
    plan_get_for,
    plans_for,
)
from ..services.collection_ledger import arrears_ledger_make
from ..services.collection_mandate import mandate_end, mandate_sign
from ..services.collection_payments import credit_apply, payment_counter
from ..services.collection_plan import collection_plan_make
from . import collection_files, collection_portal
from .guards import grant_required

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
T = "contributions/collection/"


def xlsx_response(filename: str, sheet: str, columns: list[OutColumn], rows) -> HttpResponse:
    """A text-only workbook download (never a formula)."""
    response = HttpResponse(text_sheet(sheet, columns, list(rows)), content_type=XLSX)
    ascii_name = filename.encode("ascii", "ignore").decode() or "export.xlsx"
    response["Content-Disposition"] = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
    return response


def _as_of(request: HttpRequest):
    text = (request.GET.get("as_of") or "").strip()
    if not text:
        return timezone.localdate()
    try:
        return v.parse_date(text, "as_of", "账龄计算日")
    except ApplicationError:
        return timezone.localdate()


def _money(value) -> str:
    return f"{value:.2f}" if value is not None else "0.00"


@staff_required
@grant_required("020501", Action.VIEW)
def collection_home(request: HttpRequest) -> HttpResponse:
    """征收与欠费: the agency's arrears in total and by ageing, the latest plans, ledgers and files."""
    from ..selectors.collection import bank_files_for

    totals = agency_totals(actor=request.user, as_of=timezone.localdate())
    context = {
        "totals": totals,
        "buckets": [(k, label, totals[k]) for k, label, *_ in BUCKETS],
        "plans": plans_for(request.user)[:5],
        "ledgers": ledgers_for(request.user)[:5],
        "files": bank_files_for(request.user)[:5],
        "can": {c: has_grant(request.user, c, Action.HANDLE) for c in ("020401", "020402", "020501")},
    }
    return render(request, T + "home.html", context)


ARREARS_COLUMNS = [
    OutColumn("单位名称/个人", 30),
    OutColumn("社会保险登记编号", 18, text=True),
    OutColumn("单位欠缴", 12),
    OutColumn("个人欠缴", 12),
    OutColumn("滞纳金", 10),
    OutColumn("合计", 12),
    OutColumn("最早欠费月份", 12),
    *[OutColumn(label, 12) for _, label, *_ in BUCKETS],
]


@catalog_view("020501")
@staff_required
@grant_required("020501", Action.VIEW)
def arrears_list(request: HttpRequest) -> HttpResponse:
    """020501 欠费台账（本机构）: every unit with something open, with ageing; Excel export of all rows."""
    q, as_of = request.GET.get("q", "").strip(), _as_of(request)
    rows = agency_arrears(actor=request.user, as_of=as_of, q=q)
    if request.GET.get("format") == "xlsx":
        data = (
            [
                r["employer__name"] or r["alone_name"] or "",
                r["employer__reg_no"] or "",
                _money(r["employer_part"]),
                _money(r["individual_part"]),
                _money(r["late_fee"]),
                _money(r["total"]),
                f"{r['oldest']:%Y-%m}" if r["oldest"] else "",
                *[_money(r[k]) for k, *_ in BUCKETS],
            ]
            for r in rows.iterator()
        )
        return xlsx_response(f"欠费台账-{as_of:%Y%m%d}.xlsx", "欠费台账", ARREARS_COLUMNS, data)
    page = paginate(request, rows)
    return render(request, T + "arrears.html", {"page": page, "q": q, "as_of": as_of, "buckets": BUCKETS})


LINE_COLUMNS = [
    OutColumn("费款所属期", 10, text=True),
    OutColumn("险种", 8, text=True),
    OutColumn("类别", 10),
    OutColumn("姓名", 10),
    OutColumn("社会保障号码", 20, text=True),
    OutColumn("缴费截止日", 12, text=True),
    OutColumn("单位应缴", 12),
    OutColumn("单位已缴", 12),
    OutColumn("单位欠缴", 12),
    OutColumn("个人应缴", 12),
    OutColumn("个人已缴", 12),
    OutColumn("个人欠缴", 12),
    OutColumn("账龄", 10),
]


def line_rows(lines):
    from shebao.core.identifiers import mask_id

    labels = {k: label for k, label, *_ in BUCKETS}
    for x in lines:
        yield [
            f"{x.period:%Y-%m}",
            x.insurance_type_id,
            x.get_line_class_display(),
            x.person.name if x.person else "",
            mask_id(x.person.id_number) if x.person else "",
            f"{x.due_date:%Y-%m-%d}",
            _money(x.employer_due),
            _money(x.employer_paid),
            _money(x.employer_arrears),
            _money(x.individual_due),
            _money(x.individual_paid),
            _money(x.individual_arrears),
            labels.get(x.bucket, ""),
        ]


@staff_required
@grant_required("020501", Action.VIEW)
def employer_collection(request: HttpRequest, employer_id: int) -> HttpResponse:
    """单位征缴情况: arrears in total, by ageing and type, the open lines, payments, credit and the mandate."""
    employer = _employer(request, employer_id)
    as_of = _as_of(request)
    lines = arrears_lines(actor=request.user, employer=employer, as_of=as_of)
    if request.GET.get("format") == "xlsx":
        return xlsx_response(f"欠费明细-{employer.reg_no}.xlsx", "欠费明细", LINE_COLUMNS, line_rows(lines.iterator()))
    context = {
        "employer": employer,
        "as_of": as_of,
        "summary": arrears_summary(actor=request.user, employer=employer, as_of=as_of),
        "page": paginate(request, lines),
        "payments": payments_of(actor=request.user, employer=employer)[:10],
        "mandate": CollectionMandate.objects.filter(employer=employer, ended_on__isnull=True).first(),
        "mandate_form": MandateForm(
            initial={
                "bank_name": employer.bank_name,
                "bank_account": employer.bank_account,
                "valid_from": timezone.localdate().isoformat(),
            }
        ),
        "can_handle": has_grant(request.user, "020402", Action.HANDLE),
    }
    return render(request, T + "employer.html", context)


def _employer(request, employer_id):
    try:
        return employer_get_for(actor=request.user, employer_id=employer_id)
    except ApplicationError as exc:
        raise_for_scope(exc)
        raise


@require_POST
@staff_required
@grant_required("020402")
def credit_apply_view(request: HttpRequest, employer_id: int) -> HttpResponse:
    """020402 余额冲抵 (POST): apply the unit's unused credit to its open dues."""
    employer = _employer(request, employer_id)
    try:
        applied = credit_apply(actor=request.user, employer=employer)
        messages.success(request, f"已将预缴余额 {applied:,.2f} 元冲抵应缴费款")
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect("contributions:collection-employer", employer_id=employer.pk)


@require_POST
@staff_required
@grant_required("020402")
def mandate_view(request: HttpRequest, employer_id: int) -> HttpResponse:
    """020402 托收协议登记 or 终止 (POST, `end` present to end it)."""
    employer = _employer(request, employer_id)
    try:
        if "end" in request.POST:
            mandate_end(
                actor=request.user,
                employer=employer,
                ended_on=request.POST.get("ended_on") or timezone.localdate().isoformat(),
            )
            messages.success(request, "托收协议已终止，该单位改为自行缴纳")
        else:
            form = MandateForm(request.POST)
            form.is_valid()
            mandate_sign(
                actor=request.user,
                employer=employer,
                bank_name=form.value("bank_name"),
                bank_account=form.value("bank_account"),
                valid_from=form.value("valid_from"),
            )
            messages.success(request, "托收协议已登记")
    except ApplicationError as exc:
        messages.error(request, "；".join(m for msgs in exc.errors.values() for m in msgs) or exc.message)
    return redirect("contributions:collection-employer", employer_id=employer.pk)


class PaymentCounterView(ItemFormView):
    """020402 窗口缴费登记: the clerk records the money; a reviewer confirms and it is posted and applied."""

    item_code = "020402"
    menu_start = "contributions:collection-arrears"
    template_name = T + "form.html"
    title, submit_label = "窗口缴费登记", "提交缴费登记"
    intro = (
        "登记单位在窗口缴纳的社会保险费；复核通过后入账，并按“先到期先冲抵、先个人后单位、滞纳金最后”的顺序冲抵应缴。"
    )
    form_class = PaymentCounterForm

    def get_subject(self, employer_id):
        return employer_get_for(actor=self.request.user, employer_id=employer_id)

    def get_initial(self) -> dict:
        return {"paid_on": timezone.localdate().isoformat(), "method": "cash"}

    def get_context_data(self, **extra) -> dict:
        context = super().get_context_data(**extra)
        context["summary"] = arrears_summary(actor=self.request.user, employer=self.subject)
        return context

    def back_url(self) -> str:
        return reverse("contributions:collection-employer", args=[self.subject.pk])

    def submit(self, form, employer):
        return payment_counter(
            actor=self.request.user,
            employer=employer,
            amount=form.value("amount"),
            paid_on=form.value("paid_on"),
            reference=form.value("reference"),
            method=form.value("method"),
            note=form.value("note"),
            materials=self.materials,
        )


class _AgencyMonthView(ItemFormView):
    template_name = T + "form.html"
    form_class = AgencyMonthForm
    service = None

    def get_form(self):
        return self.form_class(
            self.request.POST or None, initial=self.get_initial(), agencies=agencies_for(self.request.user)
        )

    def get_initial(self) -> dict:
        return {"agency": self.request.user.agency.code, "period": f"{timezone.localdate():%Y-%m}"}

    def submit(self, form, subject):
        agency = agency_by_code(form.value("agency"))
        return type(self).service(
            actor=self.request.user,
            agency=agency,
            period=form.value("period"),
            note=form.value("note"),
            materials=self.materials,
        )


class PlanMakeView(_AgencyMonthView):
    """020401 制定征收计划."""

    item_code = "020401"
    title, submit_label = "制定征收计划", "提交征收计划"
    intro = (
        "按应收台账计算本机构（含下级机构）该月的计划征收额：分托收、自缴、税务征收渠道和险种，含往期欠费。"
        "复核通过后保存。"
    )
    service = staticmethod(collection_plan_make)

    def back_url(self) -> str:
        return reverse("contributions:collection-plans")


class LedgerMakeView(_AgencyMonthView):
    """020501 建立欠费台账."""

    item_code = "020501"
    title, submit_label = "建立欠费台账", "提交欠费台账"
    intro = "按应收与实缴生成本机构（含下级机构）截至该月的欠费台账：按单位和险种列出欠缴额与账龄。复核通过后保存。"
    service = staticmethod(arrears_ledger_make)

    def back_url(self) -> str:
        return reverse("contributions:collection-ledgers")


@catalog_view("020401")
@staff_required
@grant_required("020401", Action.VIEW)
def plan_list(request: HttpRequest) -> HttpResponse:
    """020401 征收计划列表."""
    page = paginate(request, plans_for(request.user))
    return render(request, T + "plans.html", {"page": page, "can": has_grant(request.user, "020401", Action.HANDLE)})


@staff_required
@grant_required("020401", Action.VIEW)
def plan_detail(request: HttpRequest, plan_id: int) -> HttpResponse:
    try:
        plan = plan_get_for(actor=request.user, plan_id=plan_id)
    except ApplicationError as exc:
        raise Http404(exc.message) from None
    lines = plan.lines.select_related("insurance_type").order_by("channel", "insurance_type_id")
    return render(request, T + "plan.html", {"plan": plan, "lines": lines})


@staff_required
@grant_required("020501", Action.VIEW)
def ledger_list(request: HttpRequest) -> HttpResponse:
    """020501 月度欠费台账列表."""
    page = paginate(request, ledgers_for(request.user))
    return render(request, T + "ledgers.html", {"page": page, "can": has_grant(request.user, "020501", Action.HANDLE)})


LEDGER_COLUMNS = [
    OutColumn("单位名称/个人", 30),
    OutColumn("险种", 8, text=True),
    OutColumn("最早欠费月份", 12, text=True),
    OutColumn("单位欠缴", 12),
    OutColumn("个人欠缴", 12),
    OutColumn("滞纳金", 10),
    *[OutColumn(label, 12) for _, label, *_ in BUCKETS],
]


@staff_required
@grant_required("020501", Action.VIEW)
def ledger_detail(request: HttpRequest, ledger_id: int) -> HttpResponse:
    """One monthly ledger: totals and lines (per unit and type), Excel export."""
    try:
        ledger = ledger_get_for(actor=request.user, ledger_id=ledger_id)
    except ApplicationError as exc:
        raise Http404(exc.message) from None
    lines = ledger.lines.select_related("employer", "person", "insurance_type").order_by(
        "employer_id", "person_id", "insurance_type_id"
    )
    if request.GET.get("format") == "xlsx":
        rows = (
            [
                x.employer.name if x.employer_id else (x.person.name if x.person_id else ""),
                x.insurance_type_id,
                f"{x.oldest_period:%Y-%m}",
                _money(x.employer_arrears),
                _money(x.individual_arrears),
                _money(x.late_fee_arrears),
                *[_money(getattr(x, k)) for k, *_ in BUCKETS],
            ]
            for x in lines.iterator()
        )
        return xlsx_response(
            f"欠费台账-{ledger.agency.code}-{ledger.period:%Y%m}.xlsx", "欠费台账", LEDGER_COLUMNS, rows
        )
    return render(request, T + "ledger.html", {"ledger": ledger, "page": paginate(request, lines), "buckets": BUCKETS})


def payment_receipt_view(request: HttpRequest, payment_id: int) -> HttpResponse:
    """020402 缴费凭证 (PDF) of a payment in scope (staff, or the unit's own)."""
    if not request.user.is_authenticated:
        from django.contrib.auth.views import redirect_to_login

        return redirect_to_login(request.get_full_path())
    if not has_grant(request.user, "020402", Action.VIEW):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied("您没有查询缴费记录的权限")
    try:
        payment = payment_get_for(actor=request.user, payment_id=payment_id)
    except ApplicationError as exc:
        raise Http404(exc.message) from None
    filename, pdf = payment_receipt(payment, actor=request.user)
    return pdf_response(filename, pdf)


urlpatterns = [
    path("collection/", collection_home, name="collection-home"),
    path("collection/arrears/", arrears_list, name="collection-arrears"),
    path("collection/employers/<int:employer_id>/", employer_collection, name="collection-employer"),
    path("collection/employers/<int:employer_id>/pay/", PaymentCounterView.as_view(), name="collection-pay"),
    path("collection/employers/<int:employer_id>/credit/", credit_apply_view, name="collection-credit"),
    path("collection/employers/<int:employer_id>/mandate/", mandate_view, name="collection-mandate"),
    path("collection/payments/<int:payment_id>/receipt.pdf", payment_receipt_view, name="collection-receipt"),
    path("collection/plans/", plan_list, name="collection-plans"),
    path("collection/plans/new/", PlanMakeView.as_view(), name="collection-plan-new"),
    path("collection/plans/<int:plan_id>/", plan_detail, name="collection-plan"),
    path("collection/ledgers/", ledger_list, name="collection-ledgers"),
    path("collection/ledgers/new/", LedgerMakeView.as_view(), name="collection-ledger-new"),
    path("collection/ledgers/<int:ledger_id>/", ledger_detail, name="collection-ledger"),
    *collection_files.urlpatterns,
    *collection_portal.urlpatterns,
]
