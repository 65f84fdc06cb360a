"""批处理 (/batch/): the runs of my region, and a run's page with its progress.

Staff only; a clerk sees the runs of their agency's region (and the regions below it) of the kinds they may view.
The run page refreshes itself with `static/shebao/batch.js`, which polls the run's API (`/api/v1/batch-runs/<id>/`):
no inline script, so the Content-Security-Policy stays strict.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from ..access import STAFF_ROLES, has_grant
from ..batch import batch_kinds, batch_progress, batch_run_get_for, batch_runs_for
from ..batch_models import BatchChunk, BatchStatus, ChunkStatus
from ..choices import Action
from ..errors import NotFoundError
from ..items import AppUi, Link, register_app
from .helpers import paginate, staff_required

register_app(
    AppUi(
        app="core.batch",
        nav_links=(Link("批处理", "core:batch-list", roles=tuple(STAFF_ROLES), active_on=("core:batch-detail",)),),
        audit_labels={
            "batch.start": "发起批处理",
            "batch.resume": "续跑批处理",
            "batch.finish": "批处理完成",
            "batch.fail": "批处理失败",
        },
    )
)


def _kinds_for(user) -> list:
    return [k for k in batch_kinds() if has_grant(user, k.item_code, Action.VIEW)]


@staff_required
def batch_list(request: HttpRequest) -> HttpResponse:
    """批处理批次: runs in my region, newest first, filtered by kind and status."""
    kinds = _kinds_for(request.user)
    labels = {k.name: k.label_zh for k in kinds}
    kind, status = (request.GET.get(k, "").strip() for k in ("kind", "status"))
    qs = batch_runs_for(request.user).order_by("-created_at", "-id")
    if kind in labels:
        qs = qs.filter(kind=kind)
    if status in BatchStatus.values:
        qs = qs.filter(status=status)
    page = paginate(request, qs)
    for run in page.object_list:
        run.kind_label = labels.get(run.kind, run.kind)
    context = {
        "page": page,
        "kinds": kinds,
        "statuses": BatchStatus.choices,
        "filters": {"kind": kind, "status": status},
    }
    return render(request, "core/batch_list.html", context)


@staff_required
def batch_detail(request: HttpRequest, run_id: int) -> HttpResponse:
    """批处理批次详情: progress (chunks, rows, rate, ETA) refreshed while it runs, and the failed chunks."""
    try:
        run = batch_run_get_for(actor=request.user, run_id=run_id)
    except NotFoundError as exc:
        raise Http404(exc.message) from None
    kind = {k.name: k for k in batch_kinds()}.get(run.kind)
    failed = BatchChunk.objects.filter(run=run, status=ChunkStatus.FAILED).order_by("number")[:20]
    context = {
        "run": run,
        "kind_label": kind.label_zh if kind else run.kind,
        "item_code": kind.item_code if kind else "",
        "progress": batch_progress(run),
        "failed_chunks": failed,
        "result_link": kind.result_link(run) if kind and kind.result_link and run.status == BatchStatus.DONE else None,
    }
    return render(request, "core/batch_detail.html", context)
