"""Arrears pages (under /contributions/arrears/): 020302 缓缴, 020303 补缴, 020304 退费 (forms), 020502 欠费处理
(notice form, a unit's handling page with escalation steps and settlement, overdue notices)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from shebao.core.access import has_grant
from shebao.core.choices import Action, Role
from shebao.core.errors import ApplicationError
from shebao.core.views import ItemFormView, raise_for_scope, staff_required
from shebao.registration.selectors import employer_get_for, person_get_for
from shebao.rules import deferral_limits

from ..forms.arrears import ActionForm, BackPaymentForm, DeferralForm, NoticeForm, RefundForm
from ..selectors.arrears import arrears_overview, instruction_get_for, overdue_notices
from ..selectors.collection import agency_arrears, arrears_summary, subtree_ids
from ..services.arrears_back import back_payment_assess
from ..services.arrears_deferral import deferral_apply
from ..services.arrears_notice import arrears_action_record, arrears_close_settled, arrears_notice_issue, arrears_settle
from ..services.arrears_refund import refund_request
from .guards import grant_required

T = "contributions/arrears/"
FORM = "contributions/collection/form.html"


def _employer(request, employer_id):
    try:
        return employer_get_for(actor=request.user, employer_id=employer_id)
    except ApplicationError as exc:
        raise_for_scope(exc)
        raise


class _UnitForm(ItemFormView):
    template_name = FORM
    menu_start = "contributions:arrears-home"

    def get_subject(self, employer_id):
        return employer_get_for(actor=self.request.user, employer_id=employer_id)

    def get_context_data(self, **extra) -> dict:
        context = super().get_context_data(**extra)
        context["summary"] = arrears_summary(actor=self.request.user, employer=self.subject)
        return context

    def back_url(self) -> str:
        return reverse("contributions:arrears-employer", args=[self.subject.pk])


class DeferralView(_UnitForm):
    """020302 缓缴申请."""

    item_code = "020302"
    title, submit_label = "缓缴申请", "提交缓缴申请"
    intro = "单位生产经营困难的，可申请缓缴所列险种的单位缴费部分；复核通过后签订缓缴协议，缓缴期内免收滞纳金。"
    form_class = DeferralForm

    def get_form_kwargs(self) -> dict:
        try:
            limits = deferral_limits(on=timezone.localdate(), region=self.subject.agency.region_id)
            return {"allowed": limits.insurance_types}
        except ApplicationError:
            return {}

    def submit(self, form, employer):
        return deferral_apply(
            actor=self.request.user,
            employer=employer,
            insurance_types=form.value("insurance_types", []),
            start_month=form.value("start_month"),
            end_month=form.value("end_month"),
            reason=form.value("reason"),
            materials=self.materials,
        )


class PortalDeferralView(DeferralView):
    """020302 缓缴申请（网上经办）: the unit applies online for a deferral of its own contributions."""

    role = Role.EMPLOYER
    menu_start = None
    intro = (
        "生产经营困难的单位，可在网上申请缓缴所列险种的单位缴费部分，并上传缓缴申请书及困难证明材料；"
        "经办机构受理、复核通过后签订缓缴协议，缓缴期内免收滞纳金。"
    )

    def get_subject(self):
        return employer_get_for(actor=self.request.user, employer_id=self.request.user.employer_id)

    def back_url(self) -> str:
        return reverse("contributions:collection-portal-bill")


class BackPaymentView(_UnitForm):
    """020303 补缴核定（单位）."""

    item_code = "020303"
    title, submit_label = "补缴核定", "提交补缴核定"
    intro = "按所列月份、基数和险种核定补缴额；因单位原因补缴的，自各月缴费截止日次日起按日加收万分之五滞纳金。"
    form_class = BackPaymentForm

    def submit(self, form, employer):
        person = form.value("person", None)
        if person is not None:
            person = person_get_for(actor=self.request.user, person_id=person)
        return back_payment_assess(
            actor=self.request.user,
            employer=employer,
            person=person,
            from_month=form.value("from_month"),
            to_month=form.value("to_month"),
            base=form.value("base"),
            insurance_types=form.value("insurance_types", []),
            reason=form.value("reason"),
            paid_date=form.value("paid_date") or None,
            note=form.value("note"),
            materials=self.materials,
        )


class RefundView(_UnitForm):
    """020304 退费申请."""

    item_code = "020304"
    title, submit_label = "退费申请", "提交退费申请"
    intro = "多缴、误缴的社会保险费经复核后退还；复核通过后生成冲减记录和银行退费指令。"
    form_class = RefundForm

    def get_initial(self) -> dict:
        return {
            "bank_name": self.subject.bank_name,
            "bank_account": self.subject.bank_account,
            "account_name": self.subject.name,
        }

    def submit(self, form, employer):
        return refund_request(
            actor=self.request.user,
            employer=employer,
            lines=form.entries(),
            bank_name=form.value("bank_name"),
            bank_account=form.value("bank_account"),
            account_name=form.value("account_name"),
            reason=form.value("reason"),
            materials=self.materials,
        )


class NoticeView(_UnitForm):
    """020502 责令限期缴纳通知书."""

    item_code = "020502"
    title, submit_label = "责令限期缴纳", "提交责令限期缴纳"
    intro = "对逾期未缴的单位发出责令限期缴纳通知书；复核通过后出具通知书，缴纳期限自通知之日起计算。"
    form_class = NoticeForm

    def submit(self, form, employer):
        return arrears_notice_issue(
            actor=self.request.user, employer=employer, note=form.value("note"), materials=self.materials
        )


@staff_required
@grant_required("020502", Action.VIEW)
def arrears_home(request: HttpRequest) -> HttpResponse:
    """欠费处理: units with overdue arrears in scope and the notices past their deadline."""
    rows = agency_arrears(actor=request.user).filter(employer_id__isnull=False)[:50]
    return render(request, T + "home.html", {"rows": rows, "overdue": overdue_notices(actor=request.user)})


@staff_required
@grant_required("020502", Action.VIEW)
def arrears_employer(request: HttpRequest, employer_id: int) -> HttpResponse:
    """单位欠费处理: amounts, deferrals, notices and steps, and the forms of the next step."""
    employer = _employer(request, employer_id)
    context = {
        "employer": employer,
        "o": arrears_overview(actor=request.user, employer=employer),
        "action_form": ActionForm(initial={"acted_on": timezone.localdate().isoformat()}),
        "can": {
            code: has_grant(request.user, code, Action.HANDLE) for code in ("020302", "020303", "020304", "020502")
        },
    }
    return render(request, T + "employer.html", context)


@require_POST
@staff_required
@grant_required("020502")
def arrears_action_view(request: HttpRequest, employer_id: int) -> HttpResponse:
    """020502: record an escalation step (POST) — errors come back as messages on the unit's page."""
    employer = _employer(request, employer_id)
    form = ActionForm(request.POST)
    form.is_valid()
    try:
        action = arrears_action_record(
            actor=request.user,
            employer=employer,
            kind=form.value("kind"),
            notes=form.value("notes"),
            acted_on=form.value("acted_on") or None,
        )
        messages.success(request, f"已登记：{action.get_kind_display()}")
    except ApplicationError as exc:
        messages.error(request, "；".join(m for msgs in exc.errors.values() for m in msgs) or exc.message)
        return redirect("contributions:arrears-employer", employer_id=employer.pk)
    return redirect("contributions:arrears-employer", employer_id=employer.pk)


@require_POST
@staff_required
@grant_required("020502")
def arrears_settle_view(request: HttpRequest, employer_id: int) -> HttpResponse:
    """020502 欠费结清 (POST)."""
    employer = _employer(request, employer_id)
    try:
        arrears_settle(actor=request.user, employer=employer)
        messages.success(request, "欠费已结清，欠费处理已办结")
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect("contributions:arrears-employer", employer_id=employer.pk)


@staff_required
@grant_required("020502", Action.VIEW)
def overdue_view(request: HttpRequest) -> HttpResponse:
    """020502 逾期未缴: notices past their deadline with the unit still owing; POST closes the settled ones."""
    if request.method == "POST":
        if not has_grant(request.user, "020502", Action.HANDLE):
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied("您没有办理该业务（020502）的经办权限")
        closed = arrears_close_settled(actor=request.user, agency_ids=subtree_ids(request.user.agency))
        messages.success(request, f"已办结 {closed} 户已结清欠费的欠费处理")
        return redirect("contributions:arrears-overdue")
    return render(request, T + "overdue.html", {"overdue": overdue_notices(actor=request.user)})


@staff_required
@grant_required("020304", Action.VIEW)
def refund_instruction_view(request: HttpRequest, instruction_id: int) -> HttpResponse:
    """020304 退费指令文件 (CSV download)."""
    try:
        ins = instruction_get_for(actor=request.user, instruction_id=instruction_id)
    except ApplicationError as exc:
        raise_for_scope(exc)
        raise
    response = HttpResponse(ins.content.encode("utf-8"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{ins.reference}.csv"'
    return response


urlpatterns = [
    path("arrears/", arrears_home, name="arrears-home"),
    path("arrears/overdue/", overdue_view, name="arrears-overdue"),
    path("arrears/employers/<int:employer_id>/", arrears_employer, name="arrears-employer"),
    path("arrears/employers/<int:employer_id>/deferral/", DeferralView.as_view(), name="arrears-deferral"),
    path("arrears/portal/deferral/", PortalDeferralView.as_view(), name="portal-deferral"),
    path("arrears/employers/<int:employer_id>/back-payment/", BackPaymentView.as_view(), name="arrears-back-payment"),
    path("arrears/employers/<int:employer_id>/refund/", RefundView.as_view(), name="arrears-refund"),
    path("arrears/employers/<int:employer_id>/notice/", NoticeView.as_view(), name="arrears-notice"),
    path("arrears/employers/<int:employer_id>/action/", arrears_action_view, name="arrears-action"),
    path("arrears/employers/<int:employer_id>/settle/", arrears_settle_view, name="arrears-settle"),
    path(
        "arrears/refund-instructions/<int:instruction_id>/", refund_instruction_view, name="arrears-refund-instruction"
    ),
]
