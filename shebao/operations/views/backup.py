"""1109 数据备份 pages: the backup list with sizes and checksums, and the button that starts a backup.

Agency administrators and auditors of a top-level agency see the list; administrators start a backup (it runs
through `backup_create`, inline in the request: the database of one city backs up in seconds). Others get 403.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_POST

from shebao.core.catalog import catalog_view
from shebao.core.errors import ApplicationError, PermissionDeniedError
from shebao.core.views.helpers import error_status, paginate

from ..models import BackupStatus, BackupTrigger
from ..services.backup import backup_create, backup_dir, backups_for, can_start_backup


def _render_list(request: HttpRequest, *, errors: dict | None = None, status: int = 200) -> HttpResponse:
    qs = backups_for(request.user)
    chosen = request.GET.get("status", "").strip()
    if chosen in BackupStatus.values:
        qs = qs.filter(status=chosen)
    context = {
        "page": paginate(request, qs.order_by("-started_at", "-id")),
        "statuses": BackupStatus.choices,
        "chosen": chosen,
        "can_start": can_start_backup(request.user),
        "backup_dir": backup_dir(),
        "errors": errors or {},
    }
    return render(request, "operations/backup/list.html", context, status=status)


@catalog_view("1109")
@login_required
def backup_list(request: HttpRequest) -> HttpResponse:
    """数据备份: every backup with size, SHA-256, time taken and outcome (newest first)."""
    try:
        return _render_list(request)
    except PermissionDeniedError as exc:
        raise PermissionDenied(exc.message) from None


@catalog_view("1109")
@login_required
@require_POST
def backup_start(request: HttpRequest) -> HttpResponse:
    """立即备份: runs the backup now; a refusal (e.g. no encryption key) re-renders the list with the message."""
    if not can_start_backup(request.user):
        raise PermissionDenied("只有顶级经办机构的机构管理员可以发起数据备份")
    encrypt = request.POST.get("encrypt") == "on"
    try:
        record = backup_create(actor=request.user, trigger=BackupTrigger.UI, encrypt=encrypt)
    except ApplicationError as exc:
        return _render_list(request, errors=exc.errors or {"non_field_errors": [exc.message]}, status=error_status(exc))
    messages.success(request, f"备份完成：{record.file_name}（{record.size} 字节，用时 {record.seconds:.2f} 秒）")
    return redirect("operations:backup-list")


urlpatterns = [
    path("backups/", backup_list, name="backup-list"),
    path("backups/start/", backup_start, name="backup-start"),
]
