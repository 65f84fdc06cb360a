"""Collection pages: files exchanged with banks and the tax authority (020402) — 托收文件, 回盘文件, 应征数据,
入库信息 — their records and error reports, and the tax reconciliation."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone

from shebao.core.access import has_grant
from shebao.core.catalog import catalog_view
from shebao.core.choices import Action
from shebao.core.errors import ApplicationError
from shebao.core.views import paginate, staff_required
from shebao.core.xlsx_write import OutColumn

from ..choices import BankFileKind
from ..forms.collection import AgencyPeriodForm, UploadForm
from ..selectors.collection import agencies_for, agency_by_code, bank_file_get_for, bank_files_for
from ..services.collection_bank import bank_return_import, collection_file_generate
from ..services.collection_files import MAX_FILE_BYTES, FileRejected, error_report_xlsx
from ..services.collection_tax import tax_export, tax_import, tax_reconcile
from .guards import grant_required

T = "contributions/collection/"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _forms(request, generate=None, upload=None):
    agencies = list(agencies_for(request.user))
    initial = {"agency": request.user.agency.code, "period": f"{timezone.localdate():%Y-%m}"}
    return (
        generate or AgencyPeriodForm(initial=initial, agencies=agencies),
        upload or UploadForm(initial=initial, agencies=agencies),
    )


def _content(upload) -> bytes:
    if upload is None:
        raise ApplicationError("请选择要导入的文件", field="file")
    if upload.size > MAX_FILE_BYTES:
        raise ApplicationError(f"文件超过{MAX_FILE_BYTES // 1024 // 1024}MB", field="file")
    return upload.read()


def _run_import(request, importer, kind_label: str):
    """Import the uploaded file; returns (file or None, bound form) — a refused file is kept with its report."""
    form = UploadForm(request.POST, request.FILES, agencies=agencies_for(request.user))
    form.is_valid()
    try:
        agency = agency_by_code(form.value("agency"))
        f = importer(
            actor=request.user,
            agency=agency,
            filename=getattr(form.value("file"), "name", ""),
            content=_content(form.value("file", None)),
        )
    except FileRejected as exc:
        messages.error(request, exc.message)
        return exc.bank_file, None
    except ApplicationError as exc:
        form.add_service_error(exc)
        return None, form
    if f.already_imported:
        messages.info(request, f"该{kind_label}此前已导入（{f.created_at:%Y-%m-%d %H:%M}），本次未作任何变更")
    else:
        messages.success(
            request,
            f"{kind_label}已导入：成功入账 {f.success_count} 条，失败 {f.failed_count} 条，"
            f"重复 {f.duplicate_count} 条，入账金额 {f.posted_amount:,.2f} 元",
        )
    return f, None


@catalog_view("020402")
@staff_required
@grant_required("020402", Action.VIEW)
def bank_files(request: HttpRequest) -> HttpResponse:
    """020402 托收与回盘: generate the month's collection file, import the bank's return, the files so far."""
    can = has_grant(request.user, "020402", Action.HANDLE)
    generate, upload, status = None, None, 200
    if request.method == "POST" and can:
        if request.POST.get("action") == "generate":
            generate = AgencyPeriodForm(request.POST, agencies=agencies_for(request.user))
            generate.is_valid()
            try:
                f = collection_file_generate(
                    actor=request.user, agency=agency_by_code(generate.value("agency")), period=generate.value("period")
                )
                messages.success(
                    request, f"已生成托收文件（批次号 {f.batch_no}，{f.record_count} 户，{f.total_amount:,.2f} 元）"
                )
                return redirect("contributions:collection-bank-file", file_id=f.pk)
            except ApplicationError as exc:
                generate.add_service_error(exc)
                status = getattr(exc, "status_code", 400)
        else:
            f, upload = _run_import(request, bank_return_import, "回盘文件")
            if f is not None:
                return redirect("contributions:collection-bank-file", file_id=f.pk)
            status = 400
    generate, upload = _forms(request, generate, upload)
    page = paginate(
        request, bank_files_for(request.user).exclude(kind__in=[BankFileKind.TAX_EXPORT, BankFileKind.TAX_IMPORT])
    )
    context = {"page": page, "generate": generate, "upload": upload, "can": can}
    return render(request, T + "bank_files.html", context, status=status)


@staff_required
@grant_required("020402", Action.VIEW)
def bank_file_detail(request: HttpRequest, file_id: int) -> HttpResponse:
    """One exchanged file: what it holds, its records and outcome, or (refused) its error report."""
    try:
        f = bank_file_get_for(actor=request.user, file_id=file_id)
    except ApplicationError as exc:
        raise Http404(exc.message) from None
    records = f.records.select_related("employer", "person", "insurance_type").order_by("line_no")
    errors = Paginator(f.errors or [], 50).get_page(request.GET.get("page")) if f.errors else None
    context = {
        "f": f,
        "page": paginate(request, records),
        "errors": errors,
        "can_download": has_grant(request.user, "020402", Action.HANDLE),
    }
    return render(request, T + "bank_file.html", context)


@staff_required
@grant_required("020402")
def bank_file_content(request: HttpRequest, file_id: int) -> HttpResponse:
    """Download the file as generated or uploaded (CSV, UTF-8)."""
    try:
        f = bank_file_get_for(actor=request.user, file_id=file_id, with_content=True)
    except ApplicationError as exc:
        raise Http404(exc.message) from None
    response = HttpResponse(bytes(f.content), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{f.batch_no or f"file-{f.pk}"}.csv"'
    return response


@staff_required
@grant_required("020402", Action.VIEW)
def bank_file_errors(request: HttpRequest, file_id: int) -> HttpResponse:
    """The error report of a refused import (xlsx)."""
    try:
        f = bank_file_get_for(actor=request.user, file_id=file_id)
    except ApplicationError as exc:
        raise Http404(exc.message) from None
    response = HttpResponse(error_report_xlsx(f), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="errors-{f.pk}.xlsx"'
    return response


RECONCILE_COLUMNS = [
    OutColumn("缴费单位/个人", 30),
    OutColumn("险种", 8, text=True),
    OutColumn("差异类型", 12),
    OutColumn("核定单位部分", 14),
    OutColumn("核定个人部分", 14),
    OutColumn("入库单位部分", 14),
    OutColumn("入库个人部分", 14),
    OutColumn("差额（入库−核定）", 16),
]


@staff_required
@grant_required("020402", Action.VIEW)
def tax_page(request: HttpRequest) -> HttpResponse:
    """020402 税务征收: export the month's assessment, import 入库信息, and the reconciliation."""
    from .collection import xlsx_response

    can = has_grant(request.user, "020402", Action.HANDLE)
    agencies = list(agencies_for(request.user))
    generate, upload, status = None, None, 200
    if request.method == "POST" and can:
        if request.POST.get("action") == "export":
            generate = AgencyPeriodForm(request.POST, agencies=agencies)
            generate.is_valid()
            try:
                f = tax_export(
                    actor=request.user, agency=agency_by_code(generate.value("agency")), period=generate.value("period")
                )
                messages.success(request, f"已生成应征数据（批次号 {f.batch_no}，{f.record_count} 条）")
                return redirect("contributions:collection-bank-file", file_id=f.pk)
            except ApplicationError as exc:
                generate.add_service_error(exc)
                status = getattr(exc, "status_code", 400)
        else:
            f, upload = _run_import(request, tax_import, "入库信息")
            if f is not None:
                return redirect("contributions:collection-bank-file", file_id=f.pk)
            status = 400
    generate, upload = _forms(request, generate, upload)
    report, report_error = None, ""
    if request.GET.get("period"):
        try:
            agency = agency_by_code(request.GET.get("agency") or request.user.agency.code)
            report = tax_reconcile(actor=request.user, agency=agency, period=request.GET["period"])
        except ApplicationError as exc:
            report_error = exc.message
        if report is not None and request.GET.get("format") == "xlsx":
            rows = (
                [
                    d["payer"] or "",
                    d["insurance_type"],
                    d["kind_label"],
                    f"{d['assessed_employer']:.2f}",
                    f"{d['assessed_individual']:.2f}",
                    f"{d['collected_employer']:.2f}",
                    f"{d['collected_individual']:.2f}",
                    f"{d['difference']:.2f}",
                ]
                for d in report["differences"]
            )
            return xlsx_response(f"征收对账-{report['period']:%Y%m}.xlsx", "征收对账", RECONCILE_COLUMNS, rows)
    files = paginate(
        request, bank_files_for(request.user).filter(kind__in=[BankFileKind.TAX_EXPORT, BankFileKind.TAX_IMPORT])
    )
    differences = Paginator(report["differences"], 50).get_page(request.GET.get("dpage")) if report else None
    context = {
        "generate": generate,
        "upload": upload,
        "can": can,
        "page": files,
        "report": report,
        "differences": differences,
        "report_error": report_error,
        "agencies": agencies,
        "q_agency": request.GET.get("agency") or request.user.agency.code,
        "q_period": request.GET.get("period") or f"{timezone.localdate():%Y-%m}",
    }
    return render(request, T + "tax.html", context, status=status)


urlpatterns = [
    path("collection/bank-files/", bank_files, name="collection-bank-files"),
    path("collection/bank-files/<int:file_id>/", bank_file_detail, name="collection-bank-file"),
    path("collection/bank-files/<int:file_id>/content/", bank_file_content, name="collection-bank-file-content"),
    path("collection/bank-files/<int:file_id>/errors.xlsx", bank_file_errors, name="collection-bank-file-errors"),
    path("collection/tax/", tax_page, name="collection-tax"),
]
