"""Employer pages of the workbench: search, detail, 单位参保登记, 变更登记 (incl. 分立合并, 成建制转移), 注销登记,
登记回执 — happy paths, Chinese errors with status 400 and nothing saved, and 404 outside the clerk's agency."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from shebao.conftest import employer_data
from shebao.core.choices import CaseStatus
from shebao.core.models import Case
from shebao.registration.models import Employer
from shebao.testing import WAIVER_REASON, material_uploads

WAIVER = {"materials_waiver_on": "on", "materials_waiver": WAIVER_REASON}  # 容缺受理 ticked, with its reason

pytestmark = [pytest.mark.django_db, pytest.mark.catalog("01010101", "01010102", "01010103")]

THIS_MONTH = f"{timezone.localdate():%Y-%m}"


def _form(data: dict) -> dict:
    """A declaration as the browser posts it (lists stay lists, everything else text)."""
    return {k: (v if isinstance(v, list) else str(v)) for k, v in data.items()}


@pytest.fixture
def c(client, clerk):
    client.force_login(clerk)
    return client


def test_enrol_form_shows_counties_of_the_agency_province(c):
    html = c.get(reverse("registration:employer-enrol")).content.decode()
    assert "330102 上城区" in html and "330212 鄞州区" in html  # Zhejiang counties, grouped by city
    assert 'label="杭州市"' in html
    assert "110105" not in html  # not Beijing
    assert "统一社会信用代码" in html and "参保险种" in html


def test_enrol_employer_happy_path(c):
    data = employer_data(n=71, start_month=THIS_MONTH)
    response = c.post(reverse("registration:employer-enrol"), {**_form(data), **material_uploads("01010101")})
    assert response.status_code == 302
    case = Case.objects.get(item_id="01010101")
    assert case.attachments.get().kind == "营业执照或其他核准执业证件"
    assert response["Location"] == reverse("core:case-detail", args=[case.pk])
    assert case.status == CaseStatus.ACCEPTED and case.payload["uscc"] == data["uscc"]
    page = c.get(response["Location"]).content.decode()
    assert "已受理「单位登记·参保登记」" in page and case.number in page


def test_enrol_employer_bad_input_rerenders_with_chinese_errors_and_saves_nothing(c):
    data = employer_data(n=72)
    data["uscc"] = data["uscc"][:-1] + ("0" if data["uscc"][-1] != "0" else "1")
    data["contact_phone"] = "12345"
    data["insurances"] = []
    response = c.post(reverse("registration:employer-enrol"), _form(data))
    assert response.status_code == 400
    html = response.content.decode()
    assert "统一社会信用代码校验位错误" in html
    assert "联系电话格式不正确" in html
    assert "请至少选择一个参保险种" in html
    assert 'id="id_uscc_errors"' in html and "is-invalid" in html
    assert data["name"] in html  # what was typed is kept
    assert not Case.objects.exists() and not Employer.objects.exists()


def test_employer_search_and_detail(c, make_employer, make_person):
    employer = make_employer(name="杭州西湖龙井茶叶有限公司")
    make_employer(name="宁波港口物流有限公司")
    make_person(employer, name="陈静")
    html = c.get(reverse("registration:employer-list"), {"q": "龙井"}).content.decode()
    assert "杭州西湖龙井茶叶有限公司" in html and "宁波港口物流有限公司" not in html
    html = c.get(reverse("registration:employer-list"), {"q": employer.uscc}).content.decode()
    assert employer.reg_no in html
    partial = c.get(reverse("registration:employer-list"), {"q": "宁波"}, headers={"HX-Request": "true"})
    assert b"<html" not in partial.content and "宁波港口物流有限公司" in partial.content.decode()

    html = c.get(reverse("registration:employer-detail", args=[employer.pk])).content.decode()
    assert employer.reg_no in html and "企业职工基本养老保险" in html
    assert "陈静" in html
    assert "单位参保登记" in html  # change history from the audit log
    for name in (
        "employer-change",
        "employer-restructure",
        "employer-transfer",
        "employer-deregister",
        "employer-receipt",
    ):
        assert reverse(f"registration:{name}", args=[employer.pk]) in html


def test_detail_pages_of_another_district_are_404(client, clerk_b, make_employer):
    employer = make_employer()
    client.force_login(clerk_b)
    for name in (
        "employer-detail",
        "employer-change",
        "employer-restructure",
        "employer-transfer",
        "employer-deregister",
        "employer-receipt",
    ):
        assert client.get(reverse(f"registration:{name}", args=[employer.pk])).status_code == 404, name
    assert employer.name not in client.get(reverse("registration:employer-list")).content.decode()


def test_change_details_and_insurances(c, make_employer):
    employer = make_employer()
    page = c.get(reverse("registration:employer-change", args=[employer.pk])).content.decode()
    assert employer.name in page and employer.uscc in page  # prefilled
    form = {
        **_form(
            {
                k: getattr(employer, k)
                for k in (
                    "uscc",
                    "unit_type",
                    "legal_rep",
                    "address",
                    "industry_code",
                    "injury_risk_class",
                    "contact_name",
                    "bank_name",
                    "bank_account",
                )
            }
        ),
        "name": "杭州测试科技股份有限公司",
        "region": employer.region_id,
        "contact_phone": "0571-87654321",
        "remove_insurances": ["510"],
        "effective_month": THIS_MONTH,
        **WAIVER,
    }
    response = c.post(reverse("registration:employer-change", args=[employer.pk]), form)
    assert response.status_code == 302, response.content.decode()[:2000]
    case = Case.objects.get(item_id="01010102")
    assert case.payload["changes"] == {"name": "杭州测试科技股份有限公司", "contact_phone": "0571-87654321"}
    assert case.payload["remove"] == ["510"]
    html = c.get(response["Location"]).content.decode()
    assert "名称（变更后）" in html and "生育保险" in html
    assert f"<strong>容缺受理</strong>：{WAIVER_REASON}" in html and "尚欠材料：变更事项的证明文件" in html


def test_change_with_nothing_changed_is_400(c, make_employer):
    employer = make_employer()
    form = {
        **_form(
            {
                k: getattr(employer, k)
                for k in (
                    "uscc",
                    "name",
                    "unit_type",
                    "legal_rep",
                    "address",
                    "industry_code",
                    "injury_risk_class",
                    "contact_name",
                    "contact_phone",
                    "bank_name",
                    "bank_account",
                )
            }
        ),
        "region": employer.region_id,
    }
    response = c.post(reverse("registration:employer-change", args=[employer.pk]), form)
    assert response.status_code == 400
    assert "没有需要变更的内容" in response.content.decode()
    assert not Case.objects.filter(item_id="01010102").exists()


def test_restructure_merge(c, make_employer, make_person):
    source = make_employer()
    target = make_employer()
    make_person(source)
    response = c.post(
        reverse("registration:employer-restructure", args=[source.pk]),
        {
            "kind": "merge",
            "targets": target.reg_no,
            "effective_month": THIS_MONTH,
            "cancel_sources": "",
            **material_uploads("01010102"),
        },
    )
    assert response.status_code == 302
    case = Case.objects.get(item_id="01010102")
    assert case.payload["kind"] == "merge" and case.payload["targets"] == [target.pk] and case.payload["cancel"]


def test_restructure_unknown_successor_is_400(c, make_employer):
    source = make_employer()
    response = c.post(
        reverse("registration:employer-restructure", args=[source.pk]),
        {
            "kind": "split",
            "targets": "99999999999999",
            "effective_month": THIS_MONTH,
        },
    )
    assert response.status_code == 400
    assert "未找到参保单位" in response.content.decode()
    assert not Case.objects.filter(item_id="01010102").exists()


def test_transfer_to_another_agency(c, make_employer, agencies):
    employer = make_employer()
    response = c.post(
        reverse("registration:employer-transfer", args=[employer.pk]),
        {
            "to_agency": str(agencies["b"].pk),
            "effective_month": THIS_MONTH,
            **WAIVER,
        },
    )
    assert response.status_code == 302
    case = Case.objects.get(item_id="01010102")
    assert case.payload == {**case.payload, "_type": "EmployerTransferPayload", "to_agency": agencies["b"].pk}


def test_transfer_without_agency_is_400(c, make_employer):
    employer = make_employer()
    response = c.post(reverse("registration:employer-transfer", args=[employer.pk]), {"effective_month": THIS_MONTH})
    assert response.status_code == 400
    assert "转入经办机构不能为空" in response.content.decode()


def test_deregister_refused_while_employees_remain(c, make_employer, make_person):
    employer = make_employer()
    make_person(employer)
    response = c.post(
        reverse("registration:employer-deregister", args=[employer.pk]),
        {
            "reason": "依法解散",
            "cancel_date": timezone.localdate().isoformat(),
        },
    )
    assert response.status_code == 400
    assert "仍有 1 名在职参保人员" in response.content.decode()
    assert not Case.objects.filter(item_id="01010103").exists()


def test_deregister_happy_path(c, make_employer):
    employer = make_employer()
    response = c.post(
        reverse("registration:employer-deregister", args=[employer.pk]),
        {
            "reason": "依法解散",
            "cancel_date": timezone.localdate().isoformat(),
            **material_uploads("01010103"),
        },
    )
    assert response.status_code == 302
    case = Case.objects.get(item_id="01010103")
    assert case.payload["reason"] == "依法解散"


def test_receipt_pdf(c, make_employer):
    employer = make_employer()
    response = c.get(reverse("registration:employer-receipt", args=[employer.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_reviewer_sees_no_registration_actions(client, reviewer, make_employer):
    employer = make_employer()
    client.force_login(reviewer)
    html = client.get(reverse("registration:employer-detail", args=[employer.pk])).content.decode()
    assert reverse("registration:employer-change", args=[employer.pk]) not in html
    response = client.post(
        reverse("registration:employer-deregister", args=[employer.pk]),
        {"reason": "x", "cancel_date": timezone.localdate().isoformat()},
    )
    assert response.status_code == 403
    assert "权限" in response.content.decode()


def test_duplicate_uscc_is_refused(c, make_employer):
    employer = make_employer()
    data = employer_data(n=90, uscc=employer.uscc, start_month=THIS_MONTH)
    response = c.post(reverse("registration:employer-enrol"), _form(data))
    assert response.status_code == 400
    assert "已登记参保" in response.content.decode()
