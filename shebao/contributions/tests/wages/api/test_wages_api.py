"""API of 020101–020103: wage declarations (JSON lines, Excel upload, template, error workbook, lists), contribution
bases (list, single-case determination, adjustment, the yearly run), errors naming fields, scope and grants."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook

from shebao.contributions.models import ContributionBase, WageDeclaration
from shebao.contributions.services.wages_batch import run_base_determination
from shebao.core.models import Case
from shebao.registration.tests.factories import EmployerUserFactory, InsuredUserFactory
from shebao.testing import assert_refused, count_rows

from ..helpers import current_year, lines_for, this_month, unit_with_staff

pytestmark = [pytest.mark.django_db, pytest.mark.catalog("020101", "020102", "020103")]
URL = "/api/v1/wage-declarations/"


def _xlsx(rows: list[list], header=("社会保障号码", "姓名", "上年度工资收入(元)", "在岗月数(1-12)")) -> io.BytesIO:
    wb = Workbook()
    ws = wb.active
    ws.title = "工资申报"
    ws.append(list(header))
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    buf.seek(0)
    buf.name = "wages.xlsx"
    return buf


def test_declare_by_json_lines_then_list_detail_and_lines(agencies, clerk, api, approve):
    employer, people = unit_with_staff(agencies["a"], 3)
    body = {"employer": employer.pk, "year": current_year(), "lines": lines_for(people, wages=("60000.00",))}
    res = api(clerk).post(URL, body, format="json")
    assert res.status_code == 201, res.json()
    assert res.json()["item"] == "020101" and res.json()["status"] == "accepted"
    approve(res.json()["id"])

    listed = api(clerk).get(URL, {"year": current_year()}).json()
    assert listed["count"] == 1
    row = listed["results"][0]
    assert (row["employer"], row["headcount"], row["wage_total"]) == (employer.pk, 3, "180000.00")
    detail = api(clerk).get(f"{URL}{row['id']}/").json()
    assert detail["case"] and detail["year"] == current_year()
    lines = api(clerk).get(f"{URL}{row['id']}/lines/").json()
    assert lines["count"] == 3 and lines["results"][0]["monthly_wage"] == "5000.00"
    assert "*" in lines["results"][0]["id_number"], "ID numbers are masked in lists"


def test_every_wrong_line_is_named_by_its_index_and_nothing_is_saved(agencies, clerk, api):
    employer, people = unit_with_staff(agencies["a"], 2)
    lines = lines_for(people)
    lines[0]["annual_wage"] = "-1"
    lines[1]["months"] = 13
    body = assert_refused(
        lambda: api(clerk).post(URL, {"employer": employer.pk, "year": current_year(), "lines": lines}, format="json"),
        status=400,
        field=("lines", "lines.0.annual_wage", "lines.1.months"),
        nothing_saved=[Case, WageDeclaration],
    )
    assert len(body["errors"]["lines"]) == 2


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"year": "2026"}, "year"),  # a string where a number belongs
        ({"lines": [{"id_number": "1", "annual_wage": 100}]}, "lines.0.annual_wage"),  # money as a string
        ({"extra": 1}, "extra"),
    ],
)
def test_strict_fields(agencies, clerk, api, change, field):
    employer, people = unit_with_staff(agencies["a"], 1)
    body = {"employer": employer.pk, "year": current_year(), "lines": lines_for(people)} | change
    assert_refused(lambda: api(clerk).post(URL, body, format="json"), status=400, field=field, nothing_saved=[Case])


def test_upload_the_template_and_the_error_workbook(agencies, clerk, api):
    employer, people = unit_with_staff(agencies["a"], 2)
    template = api(clerk).get(f"{URL}template.xlsx", {"employer": employer.pk, "year": current_year()})
    assert template.status_code == 200
    ws = load_workbook(io.BytesIO(template.content))["工资申报"]
    prefilled = [[c.value for c in row] for row in ws.iter_rows(min_row=2)]
    assert sorted(r[0] for r in prefilled) == sorted(p.id_number for p in people)
    assert all(r[3] == "12" for r in prefilled)

    rows = [[r[0], r[1], "-5", "12"] if i == 0 else [r[0], r[1], "84000", "12"] for i, r in enumerate(prefilled)]
    before = count_rows(Case)
    res = api(clerk).post(
        f"{URL}upload/", {"employer": employer.pk, "year": current_year(), "file": _xlsx(rows)}, format="multipart"
    )
    assert_refused(res, status=400, field="file", nothing_saved=before)
    assert res.json()["row_errors"] == [{"row": 2, "field": "annual_wage", "message": "上年度工资收入不能为负数"}]
    errors = api(clerk).post(
        f"{URL}upload/errors.xlsx",
        {"employer": employer.pk, "year": current_year(), "file": _xlsx(rows)},
        format="multipart",
    )
    sheet = load_workbook(io.BytesIO(errors.content)).active
    marked = [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]
    assert len(marked) == 2 and "不能为负数" in marked[0][4] and marked[1][4] is None, "every row, the wrong one marked"

    rows[0][2] = "84000.50"
    res = api(clerk).post(
        f"{URL}upload/", {"employer": employer.pk, "year": current_year(), "file": _xlsx(rows)}, format="multipart"
    )
    assert res.status_code == 201, res.json()
    assert res.json()["payload"]["wage_total"] == "168000.50"


def test_upload_refuses_a_wrong_header_or_file_type(agencies, clerk, api):
    employer, people = unit_with_staff(agencies["a"], 1)
    bad = _xlsx([[people[0].id_number, "", "1", "12"]], header=("身份证", "姓名", "工资", "月数"))
    res = api(clerk).post(
        f"{URL}upload/", {"employer": employer.pk, "year": current_year(), "file": bad}, format="multipart"
    )
    assert_refused(res, status=400, field="file", message_contains="表头不正确")
    text = io.BytesIO(b"id,wage\n")
    text.name = "wages.csv"
    res = api(clerk).post(
        f"{URL}upload/", {"employer": employer.pk, "year": current_year(), "file": text}, format="multipart"
    )
    assert_refused(res, status=400, field="file")


def test_scope_and_grants(agencies, clerk, clerk_b, api):
    employer, people = unit_with_staff(agencies["a"], 1)
    body = {"employer": employer.pk, "year": current_year(), "lines": lines_for(people)}
    assert_refused(lambda: api(clerk_b).post(URL, body, format="json"), status=404, nothing_saved=[Case])
    assert api(clerk_b).get(f"{URL}template.xlsx", {"employer": employer.pk}).status_code == 404
    insured = InsuredUserFactory()
    assert_refused(lambda: api(insured).post(URL, body, format="json"), status=403, nothing_saved=[Case])
    unit_user = EmployerUserFactory(employer=employer)
    res = api(unit_user).post(URL, body, format="json")
    assert res.status_code == 201 and res.json()["status"] == "submitted" and res.json()["channel"] == "online"
    assert api(unit_user).get(f"{URL}9999999/").status_code == 404
    assert api(clerk).get(f"{URL}abc/").status_code == 404


def test_bases_list_in_scope_with_filters(agencies, clerk, clerk_b, api):
    employer, _people = unit_with_staff(agencies["a"], 2)
    run_base_determination("330102", current_year())
    res = api(clerk).get("/api/v1/contribution-bases/", {"year": current_year(), "employer": employer.pk})
    assert res.json()["count"] == 2 and res.json()["results"][0]["source"] == "default"
    assert res.json()["results"][0]["valid_from"].count("-") == 1
    assert api(clerk_b).get("/api/v1/contribution-bases/").json()["count"] == 0
    unit_user = EmployerUserFactory(employer=employer)
    assert api(unit_user).get("/api/v1/contribution-bases/").json()["count"] == 2
    assert_refused(api(clerk).get("/api/v1/contribution-bases/", {"source": "guess"}), status=400, field="source")


def test_single_case_determination_and_adjustment(agencies, clerk, api, approve):
    _, (person,) = unit_with_staff(agencies["a"], 1)
    month = f"{this_month():%Y-%m}"
    body = {"kind": "new_hire", "year": current_year(), "valid_from": month, "monthly_wage": "7000.00"}
    res = api(clerk).post(f"/api/v1/contribution-bases/persons/{person.pk}/determine/", body, format="json")
    assert res.status_code == 201, res.json()
    approve(res.json()["id"])
    assert ContributionBase.objects.get(person=person).base == Decimal("7000.00")

    adjust = {"from_month": month, "to_month": month, "base": "9000", "source": "ruling", "reason": "仲裁裁决"}
    res = api(clerk).post(f"/api/v1/contribution-bases/persons/{person.pk}/adjust/", adjust, format="json")
    assert res.status_code == 201, res.json()
    done = approve(res.json()["id"])
    assert done["result"]["base_id"] and done["result"]["lines"] == 0
    assert_refused(
        lambda: api(clerk).post(
            f"/api/v1/contribution-bases/persons/{person.pk}/adjust/", adjust | {"source": "x"}, format="json"
        ),
        status=400,
        field="source",
    )


def test_yearly_run_over_the_api(agencies, clerk, clerk_b, reviewer, api):
    unit_with_staff(agencies["a"], 2)
    url = "/api/v1/contribution-bases/runs/"
    res = api(clerk).post(url, {"region": "330102", "year": current_year()}, format="json")
    assert res.status_code == 200, res.json()
    assert res.json()["rows"] == 2 and res.json()["by_source"] == {"default": 2} and res.json()["seq"] == 0
    again = api(clerk).post(url, {"region": "330102", "year": current_year()}, format="json").json()
    assert (again["rows"], again["seq"], again["status"]) == (0, 1, "done")
    assert api(clerk).get(f"/api/v1/batch-runs/{again['run']}/").status_code == 200
    assert_refused(api(clerk_b).post(url, {"region": "330102", "year": current_year()}, format="json"), status=404)
    assert_refused(api(reviewer).post(url, {"region": "330102", "year": current_year()}, format="json"), status=403)
    assert_refused(api(clerk).post(url, {"region": "330102", "year": 1990}, format="json"), status=400, field="year")
