"""111002 数字认证 benchmark: the cost of signing an issued receipt, in ms per document.

    python -m shebao.operations.bench.signing [N]

Renders one receipt-sized PDF with the generic document layout (an unsaved IssuedDocument, no database), then signs
it N times (default 100) with the configured key material (demo material is created in a temporary directory when
none is configured), then checks a signed copy N times; prints wall-clock mean and median ms and CPU ms per document.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path


def main(n: int = 100) -> dict:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shebao.settings.dev")
    import django

    django.setup()
    from django.conf import settings
    from django.utils import timezone

    from shebao.core.documents import issued_document_pdf
    from shebao.core.models import IssuedDocument
    from shebao.core.signing import create_demo_material, sign_pdf, signing_paths, verify_pdf

    if not signing_paths().complete:
        settings.SHEBAO_SIGNING_DIR = Path(tempfile.mkdtemp(prefix="shebao-signing-bench-"))
        create_demo_material(settings.SHEBAO_SIGNING_DIR, agency_name="杭州市社会保险管理服务中心")
    doc = IssuedDocument(
        code="benchbenchbe",
        kind="receipt.bench",
        title="单位参保登记回执",
        issuer="上城区社会保险管理服务中心",
        digest="0" * 64,
        issued_at=timezone.now(),
        summary={
            "fields": [["单位名称", "杭州演示有限公司"], ["统一社会信用代码", "91330102MA2XXXXX1X"]] * 6,
            "tables": [{"title": "参保险种", "headers": ["险种", "起始月份"], "rows": [["110", "2026-11"]] * 5}],
        },
    )
    started = time.perf_counter()
    signed = issued_document_pdf(doc)
    first = (time.perf_counter() - started) * 1000
    unsigned = signed[: signed.index(b"%%EOF") + 5]
    signing, checking = [], []
    cpu = time.process_time()
    for _ in range(n):
        t = time.perf_counter()
        out = sign_pdf(unsigned, reason="单位参保登记回执", location="上城区社会保险管理服务中心")
        signing.append((time.perf_counter() - t) * 1000)
    sign_cpu = (time.process_time() - cpu) * 1000 / n
    cpu = time.process_time()
    for _ in range(n):
        t = time.perf_counter()
        assert verify_pdf(out).valid
        checking.append((time.perf_counter() - t) * 1000)
    verify_cpu = (time.process_time() - cpu) * 1000 / n
    result = {
        "documents": n,
        "pdf_bytes_unsigned": len(unsigned),
        "pdf_bytes_signed": len(out),
        "first_document_ms": round(first, 1),
        "sign_ms_mean": round(statistics.mean(signing), 1),
        "sign_ms_median": round(statistics.median(signing), 1),
        "sign_cpu_ms_per_document": round(sign_cpu, 1),
        "verify_ms_mean": round(statistics.mean(checking), 1),
        "verify_ms_median": round(statistics.median(checking), 1),
        "verify_cpu_ms_per_document": round(verify_cpu, 1),
    }
    for key, value in result.items():
        print(f"{key}: {value}")
    return result


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100)
