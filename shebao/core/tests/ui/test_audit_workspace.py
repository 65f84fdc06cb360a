"""稽核工作台: the audit log (filters, scope, Excel export, chain verification) and the personal-data access log."""

from __future__ import annotations

import io

import pytest
from django.db import connection, transaction
from django.urls import reverse
from openpyxl import load_workbook

from shebao.conftest import make_user
from shebao.core.audit import AuditEntry, audit_checkpoint, audit_write_many
from shebao.core.choices import Role
from shebao.core.models import AuditEvent, PersonalDataAccess
from shebao.core.pdaccess import log_full_view

pytestmark = pytest.mark.django_db

URL = reverse("core:audit-log")


@pytest.fixture
def auditor(agencies):
    return make_user(Role.AUDITOR, agencies["a"], username="auditor_a")


@pytest.fixture
def auditor_b(agencies):
    return make_user(Role.AUDITOR, agencies["b"], username="auditor_b")


@pytest.fixture
def events(clerk, clerk_b):
    """Rows by a clerk of agency a and of agency b; one object id carries a formula-like value."""
    with transaction.atomic():
        audit_write_many(
            actor=clerk,
            item_code="01010101",
            entries=[AuditEntry("employer.create", "employer", str(i), None, {"name": f"甲单位{i}"}) for i in range(3)],
        )
        audit_write_many(
            actor=clerk,
            item_code="01010202",
            entries=[AuditEntry("person.change", "person", "77", {"phone": "1"}, {"phone": '=HYPERLINK("x")'})],
        )
        audit_write_many(
            actor=clerk_b,
            item_code="01010101",
            entries=[AuditEntry("employer.create", "employer", "900", None, {"name": "乙区单位"})],
        )


def _get(client, user, url=URL, **params):
    client.force_login(user)
    return client.get(url, params)


def test_auditor_sees_the_log_newest_first_with_chinese_action_names(client, auditor, events):
    page = _get(client, auditor)
    assert page.status_code == 200
    html = page.content.decode()
    assert "审计日志" in html and "敏感信息查看记录" in html
    table = html[html.index('data-testid="audit-table"') :]
    assert "单位参保登记" in table and "个人信息变更" in table and "employer.create" not in table
    assert table.index("个人信息变更") < table.index("单位参保登记")  # newest first
    assert "乙区单位" not in table  # agency b is outside auditor a's subtree


def test_filters_narrow_the_list(client, auditor, events):
    html = _get(client, auditor, action="person.change").content.decode()
    assert "个人信息变更" in html and "甲单位" not in html
    html = _get(client, auditor, object_type="employer", object_id="1").content.decode()
    assert "甲单位1" in html and "甲单位2" not in html
    html = _get(client, auditor, item_code="010102", actor="clerk_a").content.decode()
    assert "个人信息变更" in html and "甲单位" not in html
    html = _get(client, auditor, date_from="2000-01-01", date_to="2000-01-02").content.decode()
    assert "没有符合条件的审计记录" in html


def test_bad_filter_input_is_a_400_naming_the_field(client, auditor, events):
    page = _get(client, auditor, date_from="2026-13-01", item_code="abc")
    assert page.status_code == 400
    html = page.content.decode()
    assert "起始日期格式应为" in html and "业务编码应为2至8位数字" in html


def test_other_agency_and_other_roles_do_not_see_out_of_scope_events(client, auditor_b, clerk, events):
    html = _get(client, auditor_b).content.decode()
    assert "乙区单位" in html and "甲单位" not in html
    assert _get(client, clerk).status_code == 403
    assert _get(client, clerk, reverse("core:audit-export")).status_code == 403
    assert _get(client, clerk, reverse("core:audit-access")).status_code == 403


def test_agency_admin_of_the_city_sees_every_district(client, agencies, events):
    admin = make_user(Role.AGENCY_ADMIN, agencies["city"], username="city_admin")
    html = _get(client, admin).content.decode()
    assert "乙区单位" in html and "甲单位0" in html


def test_export_opens_in_openpyxl_with_the_filtered_rows_as_text(client, auditor, events):
    response = _get(client, auditor, reverse("core:audit-export"), item_code="0101")
    assert response.status_code == 200
    wb = load_workbook(io.BytesIO(response.content))
    ws = wb.active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:6] == ("序号", "时间", "操作人", "经办机构", "业务编码", "动作")
    assert len(rows) == 1 + 4  # agency b's row is out of scope
    assert rows[1][5] == "个人信息变更"
    formula_cell = next(c for row in ws.iter_rows() for c in row if str(c.value).startswith('{"phone":"=HYPER'))
    assert formula_cell.data_type == "s"
    assert not any(c.data_type == "f" for row in ws.iter_rows() for c in row)


def test_verify_button_reports_ok_then_a_tampered_chain(client, auditor, events):
    client.force_login(auditor)
    page = client.post(reverse("core:audit-verify"))
    html = page.content.decode()
    assert page.status_code == 200 and "审计链校验通过" in html and "共检查 5 条记录" in html
    with connection.cursor() as cur:
        cur.execute(f"UPDATE {AuditEvent._meta.db_table} SET actor_name = %s WHERE seq = 3", ["伪造"])
    html = client.post(reverse("core:audit-verify")).content.decode()
    assert "审计链校验未通过" in html and "序号 3" in html and "篡改" in html
    assert client.get(reverse("core:audit-verify")).status_code == 405


def test_verify_button_reports_a_deleted_tail(client, auditor, events):
    audit_checkpoint()
    with connection.cursor() as cur:
        cur.execute(f"DELETE FROM {AuditEvent._meta.db_table} WHERE seq = 5")
        cur.execute("UPDATE core_audithead SET seq = 4, hash = (SELECT hash FROM core_auditevent WHERE seq = 4)")
    client.force_login(auditor)
    html = client.post(reverse("core:audit-verify")).content.decode()
    assert "审计链校验未通过" in html and "检查点" in html and "链尾记录被删除" in html


def test_access_log_lists_who_saw_whose_full_number_with_filters(client, auditor, auditor_b, clerk, clerk_b):
    log_full_view(clerk, "person", 41, ["id_number", "bank_account"], "参保人详情")
    log_full_view(clerk_b, "person", 42, "id_number", "参保人详情")
    assert PersonalDataAccess.objects.count() == 3
    page = _get(client, auditor, reverse("core:audit-access"))
    html = page.content.decode()
    assert page.status_code == 200
    assert "clerk_a" in html and "社会保障号码" in html and "银行账号" in html and "参保人详情" in html
    assert "clerk_b" not in html
    html = _get(client, auditor, reverse("core:audit-access"), field="bank_account").content.decode()
    assert html.count("<td>银行账号</td>") == 1 and "<td>社会保障号码</td>" not in html
    html = _get(client, auditor_b, reverse("core:audit-access"), object_id="42").content.decode()
    assert "clerk_b" in html
    assert _get(client, auditor, reverse("core:audit-access"), date_from="x").status_code == 400


def test_log_full_view_is_one_insert(clerk, django_assert_num_queries):
    with django_assert_num_queries(1):
        log_full_view(clerk, "person", 1, ["id_number", "bank_account"], "参保人详情")


def test_sidebar_links_the_workspace_for_auditors_only(client, auditor, clerk):
    assert "稽核工作台" in _get(client, auditor, reverse("core:dashboard")).content.decode()
    assert "稽核工作台" not in _get(client, clerk, reverse("core:dashboard")).content.decode()
