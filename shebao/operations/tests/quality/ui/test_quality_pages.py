"""1106 质量管理 pages: start a run, the run list, the report (counts, findings, rule filter, trend), Excel."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from shebao.conftest import make_user
from shebao.core.choices import Role
from shebao.operations.models import QualityFinding, QualityRun
from shebao.operations.services.quality import quality_check
from shebao.testing import assert_refused, count_rows, login

from ..planted import plant

pytestmark = [pytest.mark.django_db, pytest.mark.catalog("1106")]

HOME = reverse("operations:quality-home")


@pytest.fixture
def admin_a(agencies):
    return make_user(Role.AGENCY_ADMIN, agencies["a"])


def test_home_lists_rules_and_shows_the_empty_state(client, admin_a):
    html = login(client, admin_a).get(HOME).content.decode()
    assert "数据质量检查" in html and "尚未进行数据质量检查" in html
    assert "YX01" in html and "社会保障号码格式或校验位错误" in html and "唯一性" in html


def test_start_from_the_page_redirects_to_the_report(client, admin_a, agencies):
    expected = plant(agencies["a"])
    res = login(client, admin_a).post(HOME, {"agency": "330102", "rules": ["YX01", "WY01"]})
    run = QualityRun.objects.get()
    assert res.status_code == 302 and res["Location"] == reverse("operations:quality-run", args=[run.pk])
    html = client.get(res["Location"]).content.decode()
    assert f'data-rule="WY01">{len(expected["WY01"])}<' in html
    assert "规范化后的社会保障号码" in html and "<svg" in html
    home = client.get(HOME).content.decode()
    assert f"#{run.pk}" in home


def test_no_rule_chosen_is_400_with_the_message(client, admin_a):
    login(client, admin_a)
    before = count_rows(QualityRun, QualityFinding)
    res = client.post(HOME, {"agency": "330102"})
    assert_refused(res, status=400, field="rules", message_contains="请至少选择一条检查规则", nothing_saved=before)


def test_report_pages_findings_filters_by_rule_and_shows_the_trend(client, admin_a, agencies):
    first = quality_check(actor=admin_a)  # before anything is planted: nothing found
    expected = plant(agencies["a"])
    run = quality_check(actor=admin_a)
    url = reverse("operations:quality-run", args=[run.pk])
    login(client, admin_a)
    html = client.get(url).content.decode()
    assert f'data-testid="quality-total">{run.total}<' in html
    assert "共 " in html and "下一页" in html  # more findings than one page
    only = client.get(url, {"rule": "yz03"}).content.decode()
    assert only.count('data-finding="YZ03"') == len(expected["YZ03"]) and "显示全部规则" in only
    assert html.count("<rect ") == 2 * len(run.rules), "two runs in the trend, one bar each per rule"
    bad = client.get(url, {"rule": "ZZ99"})
    assert bad.status_code == 400 and "未知的检查规则：ZZ99" in bad.content.decode()
    empty = client.get(reverse("operations:quality-run", args=[first.pk])).content.decode()
    assert first.total == 0 and "本次检查未发现问题记录" in empty


def test_excel_download_from_the_report(client, admin_a, agencies):
    expected = plant(agencies["a"])
    run = quality_check(actor=admin_a)
    res = login(client, admin_a).get(reverse("operations:quality-export", args=[run.pk]))
    assert res.status_code == 200
    wb = load_workbook(io.BytesIO(res.content), read_only=True)
    sheet = next(n for n in wb.sheetnames if n.startswith("YX01"))
    assert len(list(wb[sheet].iter_rows(min_row=2, values_only=True))) == len(expected["YX01"])


def test_clerk_gets_403_and_another_agency_404(client, admin_a, agencies, clerk):
    run = quality_check(actor=admin_a)
    login(client, clerk)
    assert client.get(HOME).status_code == 403
    assert client.post(HOME, {"agency": "330102", "rules": ["YX01"]}).status_code == 403
    assert QualityRun.objects.count() == 1
    login(client, make_user(Role.AUDITOR, agencies["b"]))
    assert client.get(HOME).status_code == 200
    for name in ("operations:quality-run", "operations:quality-export"):
        assert client.get(reverse(name, args=[run.pk])).status_code == 404


class _Grow:
    """Adds rows up to a total (the query-count helper grows the data twice)."""

    def __init__(self, make):
        self.make, self.have = make, 0

    def __call__(self, total: int) -> None:
        while self.have < total:
            self.make(self.have)
            self.have += 1


def test_pages_issue_no_per_row_queries(client, admin_a, agencies):
    from shebao.tests.test_query_counts import assert_constant_queries

    login(client, admin_a)
    assert_constant_queries(lambda: client.get(HOME), _Grow(lambda i: quality_check(actor=admin_a, rules=["WZ01"])))
    run = QualityRun.objects.order_by("-id").first()
    url = reverse("operations:quality-run", args=[run.pk])

    def finding(i):
        QualityFinding.objects.create(run=run, rule="WZ01", object_type="person", object_id=i, detail=f"问题{i}")

    assert_constant_queries(lambda: client.get(url), _Grow(finding))
