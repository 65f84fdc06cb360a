"""seed_demo's quality part: one data-quality run over the demo city, started by the city's auditor."""

from io import StringIO

import pytest
from django.core.management import call_command

from shebao.core.audit import audit_verify
from shebao.operations.models import QualityRun, QualityRunStatus

pytestmark = [pytest.mark.django_db]


def test_seed_demo_runs_a_quality_check(db):
    out = StringIO()
    call_command("seed_demo", employers=12, persons=300, seed=7, stdout=out, stderr=StringIO())
    run = QualityRun.objects.get()
    assert run.status == QualityRunStatus.DONE and run.started_by.username == "city_auditor"
    assert run.persons >= 300 and run.agency.code == "330100"
    assert "数据质量检查" in out.getvalue()
    assert audit_verify().ok
