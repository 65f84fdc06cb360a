"""Pages of 020101–020103: counter declaration (pick the unit, paste or upload), the refused lines and their
workbook, the employer portal, lists with pagination and empty states, base pages, the yearly run; scope (404)."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from shebao.contributions.choices import DeclarationStatus
from shebao.contributions.models import ContributionBase, WageDeclaration
from shebao.contributions.services.wages import wage_declaration_submit
from shebao.contributions.services.wages_batch import run_base_determination
from shebao.core.cases import case_approve
from shebao.core.models import Case
from shebao.registration.tests.factories import EmployerUserFactory
from shebao.testing import assert_refused, count_rows, login

from ..helpers import current_year, lines_for, pasted, this_month, unit_with_staff

pytestmark = [pytest.mark.django_db, pytest.mark.catalog("020101", "020102", "020103")]


def _approved(employer, people, clerk, reviewer):
    case = wage_declaration_submit(actor=clerk, employer=employer, year=current_year(), lines=lines_for(people))
    return case_approve(actor=reviewer, case=case)


def test_counter_declaration_starts_by_picking_the_unit(agencies, clerk, client):
    employer, _ = unit_with_staff(agencies["a"], 1)
    other, _ = unit_with_staff(agencies["b"], 1)
    login(client, clerk)
    page = client.get(reverse("contributions:wage-declare"))
    assert page.status_code == 200 and 'name="unit"' in page.content.decode()
    res = client.post(reverse("contributions:wage-declare"), {"unit": employer.uscc.lower()})
    assert res.status_code == 302 and res["Location"].endswith(f"?employer={employer.pk}")
    assert employer.uscc not in res["Location"], "codes are posted, never put in a URL"
    missing = client.post(reverse("contributions:wage-declare"), {"unit": other.reg_no})
    assert missing.status_code == 404 and "未找到该参保单位" in missing.content.decode()


def test_counter_declaration_by_pasted_lines(agencies, clerk, client):
    employer, people = unit_with_staff(agencies["a"], 2)
    login(client, clerk)
    url = f"{reverse('contributions:wage-declare')}?employer={employer.pk}"
    page = client.get(url)
    html = page.content.decode()
    assert page.status_code == 200 and employer.name in html and "下载申报模板" in html
    res = client.post(url, {"year": str(current_year()), "lines": pasted(lines_for(people))})
    assert res.status_code == 302
    case = Case.objects.get(item_id="020101")
    assert res["Location"] == reverse("core:case-detail", args=[case.pk])
    detail = client.get(res["Location"]).content.decode()
    assert "申报明细" in detail and people[0].id_number not in detail  # masked on the case page


def test_wrong_lines_are_listed_with_their_reasons_and_the_workbook_marks_them(agencies, clerk, client):
    employer, people = unit_with_staff(agencies["a"], 2)
    lines = lines_for(people)
    lines[1]["annual_wage"] = "-3"
    login(client, clerk)
    url = f"{reverse('contributions:wage-declare')}?employer={employer.pk}"
    before = count_rows(Case, WageDeclaration)
    res = client.post(url, {"year": str(current_year()), "lines": pasted(lines)})
    assert_refused(res, status=400, field="lines", message_contains="上年度工资收入不能为负数", nothing_saved=before)
    assert 'data-testid="row-errors"' in res.content.decode()
    book = client.get(reverse("contributions:wage-errors"))
    rows = [[c.value for c in r] for r in load_workbook(io.BytesIO(book.content)).active.iter_rows(min_row=2)]
    assert len(rows) == 2 and rows[0][4] is None and "第2行" in rows[1][4]


def test_counter_declaration_by_upload(agencies, clerk, client):
    employer, _people = unit_with_staff(agencies["a"], 2)
    login(client, clerk)
    template = client.get(reverse("contributions:wage-template"), {"employer": employer.pk})
    wb = load_workbook(io.BytesIO(template.content))
    ws = wb["工资申报"]
    for row in ws.iter_rows(min_row=2):
        row[2].value = "90000"
    buf = io.BytesIO()
    wb.save(buf)
    upload = SimpleUploadedFile("wages.xlsx", buf.getvalue())
    url = f"{reverse('contributions:wage-declare')}?employer={employer.pk}"
    res = client.post(url, {"year": str(current_year()), "file": upload})
    assert res.status_code == 302, res.content.decode()[:2000]
    assert Case.objects.get(item_id="020101").payload["wage_total"] == "180000.00"


def test_a_bad_file_is_refused_on_the_file_field(agencies, clerk, client):
    employer, _ = unit_with_staff(agencies["a"], 1)
    wb = Workbook()
    wb.active.append(["错误", "表头"])
    buf = io.BytesIO()
    wb.save(buf)
    login(client, clerk)
    url = f"{reverse('contributions:wage-declare')}?employer={employer.pk}"
    before = count_rows(Case)
    res = client.post(url, {"year": str(current_year()), "file": SimpleUploadedFile("w.xlsx", buf.getvalue())})
    assert_refused(res, status=400, field="file", message_contains="表头不正确", nothing_saved=before)


def test_out_of_scope_pages_are_404(agencies, clerk, clerk_b, reviewer, client):
    employer, people = unit_with_staff(agencies["a"], 1)
    case = _approved(employer, people, clerk, reviewer)
    login(client, clerk_b)
    assert client.get(f"{reverse('contributions:wage-declare')}?employer={employer.pk}").status_code == 404
    detail = reverse("contributions:wage-detail", args=[case.result["declaration_id"]])
    assert client.get(detail).status_code == 404
    assert client.get(reverse("contributions:wage-template"), {"employer": employer.pk}).status_code == 404
    assert client.get(reverse("contributions:base-person", args=[people[0].pk])).status_code == 404
    assert client.get(reverse("contributions:base-adjust", args=[people[0].pk])).status_code == 404


def test_declaration_list_and_detail_with_empty_states_and_pagination(agencies, clerk, reviewer, client):
    login(client, clerk)
    empty = client.get(reverse("contributions:wage-list")).content.decode()
    assert "尚无审核通过的工资申报" in empty
    employer, people = unit_with_staff(agencies["a"], 55)
    case = _approved(employer, people, clerk, reviewer)
    page = client.get(reverse("contributions:wage-list"), {"year": current_year()}).content.decode()
    assert employer.name in page and "55" in page
    assert "没有符合条件" in client.get(reverse("contributions:wage-list"), {"q": "不存在的单位"}).content.decode()
    detail = reverse("contributions:wage-detail", args=[case.result["declaration_id"]])
    html = client.get(detail).content.decode()
    assert "共 55 条" in html and "第 1/2 页" in html
    assert people[0].id_number not in html


def test_employer_portal_declares_and_sees_its_declarations(agencies, clerk, reviewer, client):
    employer, people = unit_with_staff(agencies["a"], 2)
    user = EmployerUserFactory(employer=employer)
    login(client, user)
    home = client.get(reverse("contributions:portal-wages"))
    assert home.status_code == 200 and "没有办理中的工资申报" in home.content.decode()
    template = client.get(reverse("contributions:wage-template"))
    assert template.status_code == 200 and template["Content-Type"].startswith("application/vnd.openxml")
    res = client.post(
        reverse("contributions:portal-wages"), {"year": str(current_year()), "lines": pasted(lines_for(people))}
    )
    assert res.status_code == 302
    case = Case.objects.get(item_id="020101")
    assert case.status == "submitted" and case.channel == "online"
    case_approve(actor=reviewer, case=_accept(case, clerk))
    page = client.get(reverse("contributions:portal-wages")).content.decode()
    assert f"{current_year()}年度：2人" in page
    staff_page = login(client, clerk).get(reverse("contributions:portal-wages"))
    assert staff_page.status_code == 302, "the portal page is the employer's"


def _accept(case, clerk):
    from shebao.core.cases import case_accept

    return case_accept(actor=clerk, case=case)


def test_base_pages_list_search_person_and_run(agencies, clerk, client):
    _employer, people = unit_with_staff(agencies["a"], 2)
    login(client, clerk)
    empty = client.get(reverse("contributions:base-list")).content.decode()
    assert "尚未核定缴费基数" in empty
    res = client.post(reverse("contributions:base-run"), {"region": "330102", "year": str(current_year())})
    assert res.status_code == 302 and "/batch/" in res["Location"]
    assert ContributionBase.objects.count() == 2
    assert "已发起" in client.get(res["Location"]).content.decode()
    run_page = client.get(reverse("contributions:base-run")).content.decode()
    assert 'data-testid="base-summary"' in run_page and "主批次" in run_page
    listed = client.get(reverse("contributions:base-list")).content.decode()
    assert people[0].name in listed and people[0].id_number not in listed
    search = client.post(reverse("contributions:base-list"), {"q": people[1].id_number, "year": current_year()})
    assert search.status_code == 303 and people[1].id_number not in search["Location"]
    found = client.get(search["Location"]).content.decode()
    assert people[1].name in found and people[0].name not in found
    person = client.get(reverse("contributions:base-person", args=[people[0].pk])).content.decode()
    assert "未申报按下限核定" in person and "缴费基数调整" in person
    bad = client.post(reverse("contributions:base-run"), {"region": "330102", "year": "1990"})
    assert_refused(bad, status=400, field="year")


def test_reviewer_sees_the_run_page_but_cannot_run(agencies, reviewer, client):
    login(client, reviewer)
    assert client.get(reverse("contributions:base-run")).status_code == 200
    assert (
        client.post(reverse("contributions:base-run"), {"region": "330102", "year": current_year()}).status_code == 403
    )


def test_portal_bases_and_self_report(agencies, client):
    employer, people = unit_with_staff(agencies["a"], 2)
    run_base_determination("330102", current_year())
    login(client, EmployerUserFactory(employer=employer))
    page = client.get(reverse("contributions:portal-bases")).content.decode()
    assert people[0].name in page and "自查补报" in page
    month = f"{this_month():%Y-%m}"
    url = reverse("contributions:portal-base-adjust", args=[people[0].pk])
    form = client.get(url).content.decode()
    assert "单位自查申报" in form and "稽核查处" not in form
    res = client.post(
        url, {"from_month": month, "to_month": month, "base": "9000", "source": "self_report", "reason": "补报奖金"}
    )
    assert res.status_code == 302
    assert Case.objects.get(item_id="020103").channel == "online"
    _other, others = unit_with_staff(agencies["a"], 1)
    assert client.get(reverse("contributions:portal-base-adjust", args=[others[0].pk])).status_code == 404


def test_declaration_status_is_shown_on_the_detail_page(agencies, clerk, reviewer, client):
    employer, people = unit_with_staff(agencies["a"], 1)
    case = _approved(employer, people, clerk, reviewer)
    html = login(client, clerk).get(reverse("contributions:wage-detail", args=[case.result["declaration_id"]]))
    assert DeclarationStatus.APPROVED.label in html.content.decode()


def test_forms_and_case_pages_render_for_each_item(agencies, clerk, reviewer, client):
    from shebao.contributions.services.wages_adjust import contribution_base_adjust
    from shebao.contributions.services.wages_bases import contribution_base_determine

    employer, people = unit_with_staff(agencies["a"], 2)
    month = f"{this_month():%Y-%m}"
    login(client, clerk)
    for url, text in (
        (reverse("contributions:base-determine", args=[people[0].pk]), "新参保人员按起薪核定"),
        (reverse("contributions:base-adjust", args=[people[0].pk]), "稽核查处"),
        (reverse("contributions:base-run"), "执行核定"),
        (reverse("contributions:base-list") + "?item=020103", "请先查找参保人"),
    ):
        res = client.get(url)
        assert res.status_code == 200 and text in res.content.decode(), url
    cases = [
        wage_declaration_submit(actor=clerk, employer=employer, year=current_year(), lines=lines_for(people)),
        contribution_base_determine(
            actor=clerk, person=people[0], kind="redetermine", year=current_year(), valid_from=month
        ),
        contribution_base_adjust(
            actor=clerk, person=people[1], from_month=month, to_month=month, base="7000", source="audit", reason="稽核"
        ),
    ]
    expected = ("人均月工资", "核定的月缴费基数（预计）", "调整后月缴费基数")
    for case, text in zip(cases, expected, strict=True):
        html = client.get(reverse("core:case-detail", args=[case.pk])).content.decode()
        assert text in html, case.item_id
        done = case_approve(actor=reviewer, case=case)
        html = client.get(reverse("core:case-detail", args=[done.pk])).content.decode()
        assert "打印回执" in html, case.item_id
    html = client.get(reverse("core:case-detail", args=[cases[2].pk])).content.decode()
    assert "未核定月份" in html and month in html
