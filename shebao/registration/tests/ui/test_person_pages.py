"""Person pages of the workbench: search (IDs masked), detail (full ID for clerks), 个人参保登记 (employee,
flexible worker, resident), 批量增员 from Excel with the error workbook, 个人变更登记 and 关系终止."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from shebao.conftest import make_user, person_data
from shebao.core.cases import case_approve
from shebao.core.choices import CaseStatus, Role
from shebao.core.identifiers import mask_id
from shebao.core.models import Attachment, Case
from shebao.core.synthetic import citizen_id
from shebao.core.tests.samples import PDF
from shebao.registration.excel import enrolment_template
from shebao.registration.models import Person

pytestmark = [pytest.mark.django_db, pytest.mark.catalog("01010201", "01010202", "01010203")]

THIS_MONTH = f"{timezone.localdate():%Y-%m}"


@pytest.fixture
def c(client, clerk):
    client.force_login(clerk)
    return client


def _workbook(rows: list[list]) -> SimpleUploadedFile:
    wb = openpyxl.load_workbook(io.BytesIO(enrolment_template()))
    ws = wb["增员名单"]
    for r, values in enumerate(rows, start=2):
        for col, value in enumerate(values, start=1):
            ws.cell(row=r, column=col, value=value)
    out = io.BytesIO()
    wb.save(out)
    return SimpleUploadedFile("增员名单.xlsx", out.getvalue())


def _id(n: int) -> str:
    return citizen_id("330106", dt.date(1988, 3, 1) + dt.timedelta(days=n), n)


# ----------------------------------------------------------------------------------------------------------------
# Search and detail
# ----------------------------------------------------------------------------------------------------------------


def test_id_masked_in_list_and_full_on_detail_for_a_clerk(c, make_employer, make_person):
    person = make_person(make_employer(), name="林晓")
    html = c.get(reverse("registration:person-list"), {"q": "林"}).content.decode()
    assert "林晓" in html
    assert mask_id(person.id_number) in html and person.id_number not in html
    html = c.get(reverse("registration:person-list"), {"q": person.id_number}).content.decode()
    results = html.split('id="person-results"', 1)[1]
    assert "林晓" in results and person.id_number not in results  # found by the full number, listed masked
    html = c.get(reverse("registration:person-detail", args=[person.pk])).content.decode()
    assert person.id_number in html
    assert "企业职工基本养老保险" in html and "参保缴费" in html  # enrolments with status
    assert "个人参保登记" in html  # change history from the audit log


def test_finance_staff_see_masked_id_on_detail(client, agencies, make_employer, make_person):
    person = make_person(make_employer())
    client.force_login(make_user(Role.FINANCE, agencies["a"]))
    html = client.get(reverse("registration:person-detail", args=[person.pk])).content.decode()
    assert mask_id(person.id_number) in html and person.id_number not in html


def test_person_pages_of_another_district_are_404(client, clerk_b, make_employer, make_person):
    person = make_person(make_employer())
    client.force_login(clerk_b)
    for name in ("person-detail", "person-change", "person-terminate"):
        assert client.get(reverse(f"registration:person-{name.split('-')[1]}", args=[person.pk])).status_code == 404
    assert person.name not in client.get(reverse("registration:person-list")).content.decode()


def test_person_list_is_paginated(c, make_employer, make_person):
    employer = make_employer()
    for n in range(22):
        make_person(employer, n=300 + n)
    html = c.get(reverse("registration:person-list")).content.decode()
    assert "共 22 条" in html and "下一页" in html


# ----------------------------------------------------------------------------------------------------------------
# 01010201 个人参保登记
# ----------------------------------------------------------------------------------------------------------------


def test_enrol_employee_happy_path(c, make_employer):
    employer = make_employer()
    page = c.get(reverse("registration:person-enrol"), {"employer": employer.pk}).content.decode()
    assert employer.name in page
    data = person_data(n=501, start_month=THIS_MONTH)
    response = c.post(f"{reverse('registration:person-enrol')}?employer={employer.pk}", data)
    assert response.status_code == 302
    case = Case.objects.get(item_id="01010201")
    assert case.status == CaseStatus.ACCEPTED and case.employer == employer
    assert case.payload["rows"][0]["id_number"] == data["id_number"]


def test_enrol_employee_by_employer_code(c, make_employer):
    employer = make_employer()
    data = {**person_data(n=502, start_month=THIS_MONTH), "category": "employee", "employer": employer.reg_no}
    assert c.post(reverse("registration:person-enrol"), data).status_code == 302
    assert Case.objects.get(item_id="01010201").employer == employer


@pytest.mark.parametrize(("category", "codes"), [("flexible", ["110", "310"]), ("resident", ["170", "390"])])
def test_enrol_flexible_worker_and_resident(c, category, codes):
    data = {**person_data(n=503, start_month=THIS_MONTH, insurances=codes), "category": category}
    response = c.post(reverse("registration:person-enrol"), data)
    assert response.status_code == 302
    case = Case.objects.get(item_id="01010201")
    assert case.payload["category"] == category and case.employer is None


def test_enrol_bad_id_rerenders_with_chinese_error_and_saves_nothing(c, make_employer):
    employer = make_employer()
    data = person_data(n=504, start_month=THIS_MONTH)
    data["id_number"] = data["id_number"][:-1] + ("0" if data["id_number"][-1] != "0" else "1")
    response = c.post(f"{reverse('registration:person-enrol')}?employer={employer.pk}", data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "社会保障号码校验位错误" in html and 'id="id_id_number_errors"' in html
    assert not Case.objects.filter(item_id="01010201").exists() and not Person.objects.exists()


def test_enrol_while_a_case_for_the_id_is_pending_is_409_naming_it(c, make_employer):
    employer = make_employer()
    url = f"{reverse('registration:person-enrol')}?employer={employer.pk}"
    data = person_data(n=506, start_month=THIS_MONTH)
    assert c.post(url, data).status_code == 302
    first = Case.objects.get(item_id="01010201")
    response = c.post(url, data)
    assert response.status_code == 409
    html = response.content.decode()
    assert f"业务流水号 {first.number}" in html and 'id="id_id_number_errors"' in html
    assert Case.objects.filter(item_id="01010201").count() == 1


def test_enrol_employee_without_unit_is_400(c):
    data = {**person_data(n=505, start_month=THIS_MONTH), "category": "employee", "employer": ""}
    response = c.post(reverse("registration:person-enrol"), data)
    assert response.status_code == 400
    assert "请填写参保单位" in response.content.decode()


# ----------------------------------------------------------------------------------------------------------------
# 01010201 批量增员
# ----------------------------------------------------------------------------------------------------------------


def test_bulk_template_download(c):
    response = c.get(reverse("registration:person-bulk-template"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert openpyxl.load_workbook(io.BytesIO(response.content))["增员名单"]["A1"].value == "社会保障号码"


def test_bulk_upload_with_some_bad_rows_and_error_workbook(c, make_employer):
    employer = make_employer()
    upload = _workbook(
        [
            [_id(1), "赵一", "13800000001", "", "", "110,310", THIS_MONTH],
            [_id(2), "钱二", "", "", "", "110", THIS_MONTH],
            ["330106198803019999", "孙三", "", "", "", "110", THIS_MONTH],
        ]
    )
    response = c.post(reverse("registration:person-bulk"), {"employer": employer.reg_no, "file": upload})
    assert response.status_code == 200
    html = response.content.decode()
    assert "第4行" in html and "社会保障号码" in html
    case = Case.objects.get(item_id="01010201")
    assert len(case.payload["rows"]) == 2 and case.number in html
    errors = c.get(reverse("registration:person-bulk-errors"))
    assert errors.status_code == 200
    ws = openpyxl.load_workbook(io.BytesIO(errors.content)).active
    assert ws.max_row == 2 and "孙三" in [cell.value for cell in ws[2]]


def test_bulk_upload_all_valid_redirects_to_case(c, make_employer):
    employer = make_employer()
    upload = _workbook([[_id(5), "周五", "", "", "", "110,310", THIS_MONTH]])
    response = c.post(f"{reverse('registration:person-bulk')}?employer={employer.pk}", {"file": upload})
    assert response.status_code == 302
    assert Case.objects.get(item_id="01010201").payload["rows"][0]["name"] == "周五"


def test_bulk_upload_all_rows_bad_is_400_and_saves_nothing(c, make_employer):
    employer = make_employer()
    upload = _workbook([["123", "吴六", "", "", "", "110", THIS_MONTH]])
    response = c.post(reverse("registration:person-bulk"), {"employer": employer.reg_no, "file": upload})
    assert response.status_code == 400
    assert "未保存任何数据" in response.content.decode()
    assert not Case.objects.filter(item_id="01010201").exists()


def test_bulk_upload_not_an_excel_file_is_400(c, make_employer):
    employer = make_employer()
    response = c.post(
        reverse("registration:person-bulk"),
        {"employer": employer.reg_no, "file": SimpleUploadedFile("list.csv", b"a,b\n")},
    )
    assert response.status_code == 400
    assert ".xlsx" in response.content.decode()


def test_no_error_workbook_without_an_upload(c):
    assert c.get(reverse("registration:person-bulk-errors")).status_code == 404


# ----------------------------------------------------------------------------------------------------------------
# 01010202 个人变更登记 and 01010203 关系终止
# ----------------------------------------------------------------------------------------------------------------


def _change_form(person: Person, **overrides) -> dict:
    data = {
        "name": person.name,
        "phone": person.phone,
        "address": person.address,
        "ethnicity": person.ethnicity,
        "contribution_method": person.contribution_method,
        "benefit_bank_name": person.benefit_bank_name,
        "benefit_bank_account": person.benefit_bank_account,
        "change_month": THIS_MONTH,
        "reason": "",
        "material_kind": "户籍证明",
    }
    data.update(overrides)
    return data


def test_change_form_shows_the_current_details(c, make_employer, make_person):
    person = make_person(make_employer(), phone="13912345678")
    html = c.get(reverse("registration:person-change", args=[person.pk])).content.decode()
    for value in (person.name, "13912345678", THIS_MONTH, "户籍证明"):
        assert f'value="{value}"' in html, value


def test_name_change_needs_material(c, make_employer, make_person):
    person = make_person(make_employer())
    response = c.post(reverse("registration:person-change", args=[person.pk]), _change_form(person, name="王小明"))
    assert response.status_code == 400
    assert "变更姓名须上传户籍证明或身份证等证明材料" in response.content.decode()
    assert not Case.objects.filter(item_id="01010202").exists()


def test_name_change_with_material_then_history(c, client, reviewer, make_employer, make_person):
    person = make_person(make_employer())
    form = _change_form(person, name="王小明", materials=SimpleUploadedFile("户籍证明.pdf", PDF))
    response = c.post(reverse("registration:person-change", args=[person.pk]), form)
    assert response.status_code == 302
    case = Case.objects.get(item_id="01010202")
    assert case.payload["changes"] == {"name": "王小明"}
    assert Attachment.objects.filter(case=case, kind="户籍证明").exists()
    case_approve(actor=reviewer, case=case)
    html = c.get(reverse("registration:person-detail", args=[person.pk])).content.decode()
    assert "个人信息变更" in html and "王小明" in html


def test_suspend_and_bank_account(c, make_employer, make_person):
    person = make_person(make_employer())
    form = _change_form(
        person,
        suspend_insurances=["110", "310"],
        reason="解除劳动关系",
        benefit_bank_name="中国银行杭州分行",
        benefit_bank_account="6216600000000000001",
    )
    response = c.post(reverse("registration:person-change", args=[person.pk]), form)
    assert response.status_code == 302
    payload = Case.objects.get(item_id="01010202").payload
    assert payload["suspend"] == ["110", "310"] and payload["changes"]["benefit_bank_account"].endswith("0001")


def test_suspend_without_reason_is_400(c, make_employer, make_person):
    person = make_person(make_employer())
    response = c.post(
        reverse("registration:person-change", args=[person.pk]), _change_form(person, suspend_insurances=["110"])
    )
    assert response.status_code == 400
    assert "停保须填写原因" in response.content.decode()


def test_terminate_happy_path_and_other_needs_note(c, make_employer, make_person):
    person = make_person(make_employer())
    url = reverse("registration:person-terminate", args=[person.pk])
    response = c.post(url, {"reason": "other", "end_date": timezone.localdate().isoformat(), "note": ""})
    assert response.status_code == 400
    assert "须填写说明" in response.content.decode()
    assert not Case.objects.filter(item_id="01010203").exists()
    response = c.post(url, {"reason": "emigration", "end_date": timezone.localdate().isoformat()})
    assert response.status_code == 302
    assert Case.objects.get(item_id="01010203").payload["reason"] == "emigration"
