"""1107 数据安全 pages: the auditor's access-log search (ID number never in a URL, masked results, pagination,
empty state, audited export), the export request through approval to the requester's download, and the masking
rules page changing the same person page differently for two roles."""

from __future__ import annotations

import pytest
from django.urls import reverse

from shebao.conftest import make_user
from shebao.core.cases import case_approve
from shebao.core.choices import Role
from shebao.core.masking import personal_view
from shebao.core.models import AuditEvent, Case, PersonalDataAccess
from shebao.operations.models import MaskingRule, PersonalDataExport
from shebao.testing import assert_refused, count_rows, login

from ..helpers import REASON, column_values, open_workbook, request_and_approve, unit_with_employees

pytestmark = [pytest.mark.django_db, pytest.mark.catalog("1107")]

ACCESS = reverse("operations:security-access-log")


@pytest.fixture
def auditor(agencies):
    return make_user(Role.AUDITOR, agencies["a"], username="auditor_a")


def test_person_page_reveal_is_logged_and_searched_by_id_number_without_it_in_the_url(client, agencies, clerk, auditor):
    _, (person, other) = unit_with_employees(agencies["a"], 2)
    page = login(client, clerk).get(reverse("registration:person-detail", args=[person.pk]))
    assert page.status_code == 200 and person.id_number in page.content.decode()
    client.get(reverse("registration:person-detail", args=[other.pk]))
    assert PersonalDataAccess.objects.filter(object_id=str(person.pk), where="参保人详情").count() == 2

    login(client, auditor)
    res = client.post(ACCESS, {"id_number": person.id_number})
    assert res.status_code == 303 and person.id_number not in res["Location"] and "?t=" in res["Location"]
    page = client.get(res["Location"])
    html = page.content.decode()
    assert page.status_code == 200 and person.id_number not in html
    assert html.count(person.id_number[:6] + "********" + person.id_number[-4:]) >= 2  # masked, both fields
    assert other.name not in html
    res = client.get(reverse("operations:security-access-log-export") + "?" + res["Location"].split("?")[1])
    assert res.status_code == 200
    values = [v for row in open_workbook(res.content).active.iter_rows(values_only=True) for v in row if v]
    assert person.id_number not in values and any(person.name in str(v) for v in values)
    event = AuditEvent.objects.get(action="pd_access.export")
    assert event.after["rows"] == 2 and person.id_number not in str(event.after)


def test_access_log_page_paginates_shows_empty_state_and_reports_bad_filters(client, agencies, clerk, auditor):
    _, (person,) = unit_with_employees(agencies["a"], 1)
    for _ in range(25):
        personal_view(clerk, {"id_number": person.id_number}, object_type="person", object_id=person.pk, where="详情")
    login(client, auditor)
    page = client.get(ACCESS)
    assert page.status_code == 200 and "共 25 条" in page.content.decode() and "下一页" in page.content.decode()
    assert client.get(ACCESS + "?page=2").content.decode().count("<tr>") >= 5
    empty = client.get(ACCESS + "?actor=nobody-here")
    assert "没有符合条件的查看记录" in empty.content.decode()
    bad = client.post(ACCESS, {"date_from": "2026-05-09", "date_to": "2026-05-01"}, follow=True)
    assert bad.status_code == 400 and "截止日期不能早于起始日期" in bad.content.decode()
    assert login(client, clerk).get(ACCESS).status_code == 403


def test_export_request_form_to_download(client, agencies, clerk, reviewer):
    employer, people = unit_with_employees(agencies["a"], 2)
    login(client, clerk)
    form = client.get(reverse("operations:security-export-new") + f"?employer={employer.pk}")
    assert form.status_code == 200 and "个人数据导出申请" in form.content.decode()
    before = count_rows(Case, PersonalDataExport)
    res = client.post(reverse("operations:security-export-new"), {"kind": "employees", "employer": "", "reason": ""})
    assert_refused(res, status=400, field="reason", nothing_saved=before)
    assert "导出事由不能为空" in res.content.decode()

    res = client.post(
        reverse("operations:security-export-new"), {"kind": "employees", "employer": employer.pk, "reason": REASON}
    )
    assert res.status_code == 302
    case = Case.objects.get(item_id="1107")
    detail_url = reverse("operations:security-export", args=[case.pk])
    download_url = reverse("operations:security-export-download", args=[case.pk])
    assert "申请待复核" in client.get(detail_url).content.decode()
    res = client.post(download_url, follow=True)
    assert "尚未经复核批准" in res.content.decode() and not PersonalDataExport.objects.exists()

    case_approve(actor=reviewer, case=case)
    page = client.get(detail_url).content.decode()
    assert "下载导出文件" in page and "可下载" in page
    res = client.post(download_url)
    assert res.status_code == 200 and res["Content-Disposition"].endswith('.xlsx"')
    wb = open_workbook(res.content)
    assert case.number in wb.active["A1"].value and sorted(column_values(wb)) == sorted(p.id_number for p in people)

    listing = client.get(reverse("operations:security-exports")).content.decode()
    assert case.number in listing
    login(client, reviewer)
    assert "仅申请人本人可以下载" in client.get(detail_url).content.decode()
    assert client.post(download_url).status_code == 404


def test_export_pages_out_of_scope_are_404_and_empty_list(client, agencies, clerk, reviewer, clerk_b):
    employer, _ = unit_with_employees(agencies["a"])
    case = request_and_approve(clerk, reviewer, employer)
    login(client, clerk_b)
    assert client.get(reverse("operations:security-export", args=[case.pk])).status_code == 404
    assert client.post(reverse("operations:security-export-download", args=[case.pk])).status_code == 404
    assert "暂无个人数据导出申请" in client.get(reverse("operations:security-exports")).content.decode()


def test_masking_rule_change_shows_the_same_person_page_differently_for_two_roles(client, agencies, clerk, reviewer):
    root_admin = make_user(Role.AGENCY_ADMIN, agencies["city"])
    _, (person,) = unit_with_employees(agencies["a"], 1)
    url = reverse("registration:person-detail", args=[person.pk])
    assert person.id_number in login(client, clerk).get(url).content.decode()

    login(client, root_admin)
    page = client.get(reverse("operations:security-masking"))
    assert page.status_code == 200 and "脱敏规则" in page.content.decode()
    for kind, rule in (("id_number", "last4"), ("phone", "mask_middle"), ("bank_account", "hidden")):
        row = MaskingRule.objects.get(role="clerk", kind=kind)
        res = client.post(reverse("operations:security-masking"), {"rule_id": row.pk, "rule": rule})
        assert res.status_code == 302
    assert AuditEvent.objects.filter(action="masking_rule.update").count() == 3
    bad = client.post(reverse("operations:security-masking"), {"rule_id": row.pk, "rule": "blur"})
    assert bad.status_code == 400 and "显示规则无效" in bad.content.decode()

    logged = PersonalDataAccess.objects.count()
    as_clerk = login(client, clerk).get(url).content.decode()
    as_reviewer = login(client, reviewer).get(url).content.decode()
    assert person.id_number not in as_clerk and "*" * 14 + person.id_number[-4:] in as_clerk
    assert person.phone not in as_clerk and "（已隐藏）" in as_clerk
    assert person.id_number in as_reviewer and person.phone in as_reviewer
    # the clerk was shown nothing in full: only the reviewer's view is logged
    assert set(PersonalDataAccess.objects.order_by("id")[logged:].values_list("actor_id", flat=True)) == {reviewer.pk}


def test_masking_page_is_read_only_for_a_district_admin(client, agencies):
    district_admin = make_user(Role.AGENCY_ADMIN, agencies["a"])
    login(client, district_admin)
    page = client.get(reverse("operations:security-masking"))
    assert page.status_code == 200 and "只有上级经办机构的机构管理员可以修改" in page.content.decode()
    rule = MaskingRule.objects.get(role="clerk", kind="phone")
    res = client.post(reverse("operations:security-masking"), {"rule_id": rule.pk, "rule": "hidden"})
    assert res.status_code == 403
    assert MaskingRule.objects.get(pk=rule.pk).rule == "full"
