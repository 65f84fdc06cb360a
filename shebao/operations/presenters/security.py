"""1107 数据安全: how the case page shows a personal-data export request."""

from __future__ import annotations

from django.utils import timezone

from shebao.core.masking import KINDS
from shebao.core.models import Case
from shebao.core.payloads import load_payload
from shebao.core.views import CaseView

from ..models import ExportKind, PersonalDataExport
from ..services.security import STATUS_LABELS, PdExportPayload


def present_pd_export(case: Case, actor) -> CaseView:
    """个人数据导出申请: what is exported, why, how many people; after approval the file's limits."""
    p: PdExportPayload = load_payload(case)
    kind = ExportKind(p.kind).label if p.kind in ExportKind.values else p.kind
    where = case.employer.name if case.employer_id else "本机构数据范围"
    fields = [
        ("导出内容", kind),
        ("范围", where),
        ("人员状态", STATUS_LABELS.get(p.filters.get("status", ""), "全部")),
        ("人数（申请时）", str(p.rows)),
        ("导出事由", p.reason),
        ("申请人", str(case.submitted_by)),
    ]
    export = PersonalDataExport.objects.filter(case=case).defer("content").first()
    if export is not None:
        until = timezone.localtime(export.expires_at).strftime("%Y-%m-%d %H:%M")
        fields += [
            ("生成时间", timezone.localtime(export.produced_at).strftime("%Y-%m-%d %H:%M")),
            ("完整显示的字段", "、".join(KINDS.get(k, k) for k in export.full_fields) or "无（均已脱敏）"),
            ("下载", f"{export.downloads} / {export.max_downloads} 次，有效期至 {until}"),
        ]
    return CaseView(fields=fields)
