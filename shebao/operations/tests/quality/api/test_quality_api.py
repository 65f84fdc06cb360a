"""1106 质量管理 API: start, list, detail, findings (paged, rule filter), Excel report; scope, roles, bad input."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from shebao.conftest import make_user
from shebao.core.choices import Role
from shebao.operations.models import QualityFinding, QualityRun
from shebao.operations.services import quality_export
from shebao.testing import assert_refused

from ..planted import plant

pytestmark = [pytest.mark.django_db, pytest.mark.catalog("1106")]

RUNS = "/api/v1/quality/runs/"


@pytest.fixture
def admin_a(agencies):
    return make_user(Role.AGENCY_ADMIN, agencies["a"])


@pytest.fixture
def planted_run(agencies, admin_a, api):
    expected = plant(agencies["a"])
    res = api(admin_a).post(RUNS, {}, format="json")
    assert res.status_code == 201, res.json()
    return expected, res.json()


def test_start_runs_every_rule_and_answers_the_counts(planted_run):
    expected, body = planted_run
    counts = {r["code"]: r["count"] for r in body["rules"]}
    assert counts == {code: len(v) for code, v in expected.items()}
    assert body["status"] == "done" and body["agency"] == "330102" and body["total"] == sum(counts.values())
    assert body["rules"][0]["dimension"] == "完整性" and body["seconds"] is not None


def test_list_and_detail(planted_run, admin_a, api):
    _, body = planted_run
    client = api(admin_a)
    listed = client.get(RUNS).json()
    assert listed["count"] == 1 and listed["results"][0]["id"] == body["id"]
    assert client.get(RUNS, {"status": "failed"}).json()["count"] == 0
    detail = client.get(f"{RUNS}{body['id']}/").json()
    assert detail["total"] == body["total"] and len(detail["rules"]) == len(body["rules"])


def test_findings_paged_and_filtered_by_rule(planted_run, admin_a, api):
    expected, body = planted_run
    url = f"{RUNS}{body['id']}/findings/"
    page = api(admin_a).get(url, {"page_size": 5}).json()
    assert page["count"] == body["total"] and len(page["results"]) == 5
    only = api(admin_a).get(url, {"rule": "wy01"}).json()
    assert {(f["object_type"], f["object_id"]) for f in only["results"]} == expected["WY01"]
    assert all("*" in f["detail"] for f in only["results"]), "ID numbers are masked"


def test_export_opens_with_openpyxl_and_holds_the_rows(planted_run, admin_a, api):
    expected, body = planted_run
    res = api(admin_a).get(f"{RUNS}{body['id']}/export.xlsx")
    assert res.status_code == 200 and res["Content-Type"].startswith("application/vnd.openxmlformats")
    wb = load_workbook(io.BytesIO(res.content), read_only=True)
    assert wb.sheetnames[0] == "汇总" and len(wb.sheetnames) == 1 + len(body["rules"])
    summary = list(wb["汇总"].iter_rows(values_only=True))
    assert summary[0][:2] == ("规则编码", "规则名称")
    assert {row[0]: int(row[5]) for row in summary[1:] if row[0]} == {r["code"]: r["count"] for r in body["rules"]}
    sheet = next(name for name in wb.sheetnames if name.startswith("WY01"))
    rows = list(wb[sheet].iter_rows(min_row=2, values_only=True))
    assert {("person", int(r[2])) for r in rows} == expected["WY01"] and all(r[1] == "参保人" for r in rows)
    empty = next(name for name in wb.sheetnames if name.startswith("WZ02"))
    assert len(list(wb[empty].iter_rows(min_row=2, values_only=True))) == 1


def test_export_caps_rows_per_sheet_with_a_note(planted_run, admin_a, api, monkeypatch):
    _, body = planted_run
    monkeypatch.setattr(quality_export, "ROWS_PER_SHEET", 1)
    res = api(admin_a).get(f"{RUNS}{body['id']}/export.xlsx")
    wb = load_workbook(io.BytesIO(res.content), read_only=True)
    rows = list(wb[next(n for n in wb.sheetnames if n.startswith("WY01"))].iter_rows(min_row=2, values_only=True))
    assert len(rows) == 2 and "共发现 2 条" in rows[1][3] and "仅列出前 1 条" in rows[1][3]


def test_another_agency_gets_404(planted_run, agencies, api):
    _, body = planted_run
    admin_b = make_user(Role.AGENCY_ADMIN, agencies["b"])
    client = api(admin_b)
    for suffix in ("", "findings/", "export.xlsx"):
        assert client.get(f"{RUNS}{body['id']}/{suffix}").status_code == 404
    assert client.get(RUNS).json()["count"] == 0
    res = client.post(RUNS, {"agency": "330102"}, format="json")
    assert res.status_code == 404 and QualityRun.objects.count() == 1


def test_auditor_may_start_clerk_and_finance_may_not(agencies, api, clerk):
    auditor = make_user(Role.AUDITOR, agencies["a"])
    assert api(auditor).post(RUNS, {"rules": ["YX01"]}, format="json").status_code == 201
    for user in (clerk, make_user(Role.FINANCE, agencies["a"])):
        res = assert_refused(
            lambda u=user: api(u).post(RUNS, {}, format="json"), status=403, nothing_saved=[QualityRun, QualityFinding]
        )
        assert "机构管理员、稽核员" in res["detail"]
        assert api(user).get(RUNS).status_code == 403


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"rules": ["ZZ99"]}, "rules", "未知的检查规则：ZZ99"),
        ({"rules": []}, "rules", "请至少选择一条检查规则"),
        ({"agency": "NOPE"}, "agency", "经办机构「NOPE」不存在"),
        ({"rules": "YX01"}, "rules", ""),
        ({"colour": "red"}, "colour", "不允许的字段"),
    ],
)
def test_bad_input_is_400_naming_the_field(admin_a, api, body, field, message):
    res = assert_refused(
        lambda: api(admin_a).post(RUNS, body, format="json"),
        status=400,
        field=field,
        message_contains=message or None,
        nothing_saved=[QualityRun, QualityFinding],
    )
    assert res["errors"][field]


def test_bad_filters_and_ids(planted_run, admin_a, api):
    _, body = planted_run
    client = api(admin_a)
    res = client.get(f"{RUNS}{body['id']}/findings/", {"rule": "ZZ99"})
    assert res.status_code == 400 and "未知的检查规则" in res.json()["errors"]["rule"][0]
    assert client.get(RUNS, {"status": "nope"}).status_code == 400
    assert client.get(f"{RUNS}{body['id']}/findings/", {"page": "x"}).status_code == 400
    res = client.get(f"{RUNS}abc/")
    assert res.status_code == 404 and res["Content-Type"].startswith("application/json")
    assert client.get(f"{RUNS}999999/").status_code == 404


def test_rules_registry(admin_a, api):
    rules = api(admin_a).get("/api/v1/quality/rules/").json()
    assert {r["dimension_display"] for r in rules} == {"完整性", "有效性", "一致性", "唯一性"}
    assert next(r for r in rules if r["code"] == "YX01")["name"] == "社会保障号码格式或校验位错误"
