"""020301 pages: 应缴核定 (start, runs), 月度核定汇总 (by insurance type, employers), an employer's month, the Excel
export, and the employer portal's 我的账单."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from shebao.contributions.models import Receivable
from shebao.contributions.services.assessment import assessment_start
from shebao.core.batch import batch_run
from shebao.core.batch_models import BatchRun, BatchStatus
from shebao.core.choices import Role
from shebao.core.tests.factories import UserFactory
from shebao.registration.tests.factories import EmployerUserFactory
from shebao.testing import assert_refused, count_rows, login

from ..builders import unit

pytestmark = [pytest.mark.django_db, pytest.mark.catalog("020301")]

HOME = reverse("contributions:assessment-home")
MONTH = reverse("contributions:assessment-month")


@pytest.fixture
def assessed(agencies, clerk):
    employer, people = unit(agencies["a"], persons=2, bases=("5000.00", "10000.00"))
    run = batch_run(assessment_start(actor=clerk, month="2026-10"))
    assert run.status == BatchStatus.DONE
    return employer, people, run


def test_the_clerk_starts_a_month_and_lands_on_the_run_page(agencies, clerk, client):
    unit(agencies["a"], persons=1)
    login(client, clerk)
    page = client.get(HOME)
    assert page.status_code == 200 and 'data-testid="assessment-start"' in page.content.decode()
    res = client.post(HOME, {"region": "330102", "month": "2026-10"})
    run = BatchRun.objects.get()
    assert res.status_code == 302 and res["Location"] == reverse("core:batch-detail", args=[run.pk])
    shown = client.get(res["Location"]).content.decode()
    assert "月度应缴核定" in shown and "已完成" in shown and "已写入 4 条应收明细" in shown
    assert f"#{run.pk}" in client.get(HOME).content.decode()


def test_a_refused_start_rerenders_the_form(agencies, clerk, client):
    login(client, clerk)
    before = count_rows(BatchRun, Receivable)
    res = client.post(HOME, {"region": "330102", "month": "2026-1"})
    assert_refused(res, status=400, field="month", message_contains="核定月份格式应为YYYY-MM", nothing_saved=before)


def test_an_auditor_sees_the_runs_but_cannot_start(assessed, agencies, client):
    auditor = UserFactory(role=Role.AUDITOR, agency=agencies["a"])
    login(client, auditor)
    page = client.get(HOME).content.decode()
    assert 'data-testid="assessment-start"' not in page and "发起核定需要" in page
    assert client.post(HOME, {"region": "330102", "month": "2026-09"}).status_code == 403


def test_the_month_summary_by_insurance_type_and_employer(assessed, clerk, client):
    employer, _, run = assessed
    login(client, clerk)
    page = client.get(MONTH, {"month": "2026-10"})
    html = page.content.decode()
    assert page.status_code == 200
    assert 'data-testid="total-all"' in html and employer.name in html and f"#{run.pk}" in html
    total = sum(r.employer_amount + r.individual_amount for r in Receivable.objects.all())
    assert f">{total}</td>" in html
    assert client.get(MONTH).status_code == 200  # the latest assessed month by default
    bad = client.get(MONTH, {"month": "2026-13"})
    assert bad.status_code == 400 and "月份不是有效的月份" in bad.content.decode()
    assert client.get(MONTH, {"region": "330105"}).status_code == 404


def test_the_employer_drill_down_lists_person_lines(assessed, clerk, clerk_b, client):
    employer, people, _ = assessed
    url = reverse("contributions:assessment-employer", args=[employer.pk])
    html = login(client, clerk).get(url, {"month": "2026-10"}).content.decode()
    assert people[0].name in html and "2026-10-15" in html and people[0].id_number not in html
    assert "800.00 / 400.00" in html  # 110 of the 5000.00 base: 16% / 8%
    assert login(client, clerk_b).get(url, {"month": "2026-10"}).status_code == 404


def test_the_excel_export_of_a_month(assessed, clerk, client):
    employer, people, _ = assessed
    res = login(client, clerk).get(reverse("contributions:assessment-export"), {"month": "2026-10"})
    assert res.status_code == 200 and res["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(res.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("费款所属期", "核定类别", "单位社会保险登记编号") and len(rows) == 1 + 8
    pension = next(r for r in rows[1:] if r[5] == people[0].name and r[6] == "110")
    assert pension[9:12] == ("800.00", "0.08", "400.00") and "*" in pension[4]
    one = client.get(reverse("contributions:assessment-export"), {"month": "2026-10", "employer": employer.pk})
    assert len(list(load_workbook(io.BytesIO(one.content)).active.iter_rows())) == 9


def test_the_portal_bill(assessed, agencies, client):
    employer, people, _ = assessed
    user = EmployerUserFactory(employer=employer)
    page = login(client, user).get(reverse("contributions:assessment-bill"))
    html = page.content.decode()
    assert page.status_code == 200 and "我的账单" in html and 'data-testid="bill-due">2026-10-15' in html
    assert people[1].name in html and people[1].id_number not in html
    total = sum(r.employer_amount + r.individual_amount for r in Receivable.objects.filter(employer=employer))
    assert f'data-testid="bill-total">{total}<' in html
    other_user = EmployerUserFactory(employer=unit(agencies["a"], persons=1)[0])
    other = login(client, other_user).get(reverse("contributions:assessment-bill"), {"month": "2026-10"})
    assert people[1].name not in other.content.decode()


# -- no per-row queries (shebao/tests/test_query_counts.py) -----------------------------------------------------------


def _line(employer, person, code="110"):
    import datetime as dt
    from decimal import Decimal

    return Receivable.objects.create(
        kind="assessment",
        agency=employer.agency,
        employer=employer,
        person=person,
        insurance_type_id=code,
        period=dt.date(2026, 10, 1),
        base=Decimal("5000.00"),
        employer_rate=Decimal("0.16"),
        employer_amount=Decimal("800.00"),
        individual_rate=Decimal("0.08"),
        individual_amount=Decimal("400.00"),
        due_date=dt.date(2026, 10, 15),
    )


def test_month_page_queries_do_not_grow_with_employers(agencies, clerk, client):
    from shebao.tests.test_query_counts import Rows, assert_constant_queries

    def make(i):
        employer, (person,) = unit(agencies["a"], persons=1)
        _line(employer, person)

    login(client, clerk)
    assert_constant_queries(lambda: client.get(MONTH, {"month": "2026-10"}), Rows(make))


def test_bill_queries_do_not_grow_with_persons(agencies, clerk, client):
    from shebao.registration.tests.factories import PersonFactory
    from shebao.testing import api_client_for
    from shebao.tests.test_query_counts import Rows, assert_constant_queries

    employer, _ = unit(agencies["a"], persons=0)

    def make(i):
        person = PersonFactory(employer=employer, agency=employer.agency, enrolments=[])
        _line(employer, person, "110")
        _line(employer, person, "310")

    grow = Rows(make)
    url = reverse("contributions:assessment-employer", args=[employer.pk])
    login(client, clerk)
    assert_constant_queries(lambda: client.get(url, {"month": "2026-10"}), grow)
    api = api_client_for(clerk)
    bill = f"/api/v1/employers/{employer.pk}/bill/"
    assert_constant_queries(lambda: api.get(bill, {"month": "2026-10", "page_size": 50}), grow)
