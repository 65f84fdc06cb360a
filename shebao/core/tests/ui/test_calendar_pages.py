"""节假日历 pages: agency administrators list years, add days, import and publish; everyone else gets 403;
the dashboard warns administrators of a missing calendar."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from shebao.conftest import make_user
from shebao.core.choices import Role
from shebao.core.models import AuditEvent, CalendarDay, CalendarYear

pytestmark = pytest.mark.django_db

CSV_HEADER = "日期,类型(节假日/调休上班),名称\r\n"


@pytest.fixture
def admin(agencies):
    return make_user(Role.AGENCY_ADMIN, agencies["city"], username="admin_city")


@pytest.fixture
def admin_client(client, admin):
    client.force_login(admin)
    return client


@pytest.mark.parametrize("role", [Role.CLERK, Role.REVIEWER, Role.AUDITOR, Role.FINANCE, Role.EMPLOYER, Role.INSURED])
def test_non_admins_get_403(client, agencies, make_employer, role):
    extra = {"employer": make_employer()} if role == Role.EMPLOYER else {}
    agency = None if role in (Role.EMPLOYER, Role.INSURED) else agencies["a"]
    client.force_login(make_user(role, agency, **extra))
    for url in ("/calendar/", "/calendar/2027/", "/calendar/template.xlsx"):
        assert client.get(url).status_code == 403, url
    assert client.post("/calendar/2027/add/", {"date": "2027-01-01", "kind": "节假日"}).status_code == 403
    assert client.post("/calendar/2027/publish/", {"source": "x"}).status_code == 403
    upload = SimpleUploadedFile("a.csv", (CSV_HEADER + "2027-01-01,节假日,元旦\r\n").encode())
    assert client.post("/calendar/import/", {"year": "2027", "file": upload}).status_code == 403
    assert not CalendarDay.objects.filter(date__year=2027).exists()
    assert not CalendarYear.objects.filter(year=2027).exists()


def test_anonymous_is_sent_to_login(client):
    res = client.get("/calendar/")
    assert res.status_code == 302 and "/login/" in res["Location"]


def test_year_list_shows_status(admin_client):
    res = admin_client.get("/calendar/")
    assert res.status_code == 200
    html = res.content.decode()
    this_year = timezone.localdate().year
    assert 'data-testid="status-2026"' in html and "来自日历库" in html
    assert f'data-testid="status-{this_year + 1}">未维护' in html
    assert "节假日历" in html  # sidebar link for administrators


def test_add_a_day_and_publish_from_the_page(admin_client):
    res = admin_client.post("/calendar/2027/add/", {"date": "2027-01-01", "kind": "节假日", "name": "元旦"})
    assert res.status_code == 302
    assert CalendarDay.objects.get(date=dt.date(2027, 1, 1)).name == "元旦"
    page = admin_client.get("/calendar/2027/").content.decode()
    assert "2027-01-01" in page and "未维护" in page
    res = admin_client.post("/calendar/2027/publish/", {"source": "国务院办公厅关于2027年部分节假日安排的通知"})
    assert res.status_code == 302
    assert CalendarYear.objects.get(year=2027).source.startswith("国务院办公厅")
    assert "已发布" in admin_client.get("/calendar/2027/").content.decode()
    res = admin_client.post("/calendar/2027/remove/", {"date": "2027-01-01"})
    assert res.status_code == 302 and not CalendarDay.objects.filter(date__year=2027).exists()


def test_bad_day_is_400_naming_the_field_nothing_saved(admin_client):
    res = admin_client.post("/calendar/2027/add/", {"date": "2028-01-01", "kind": "节假日"})
    assert res.status_code == 400
    assert "日期 2028-01-01 不在2027年内" in res.content.decode()
    assert not CalendarDay.objects.filter(date=dt.date(2028, 1, 1)).exists()


def test_import_page_refuses_a_bad_row_naming_it(admin_client):
    body = CSV_HEADER + "2027-01-01,节假日,元旦\r\n2027-02-07,上班,春节\r\n"
    upload = SimpleUploadedFile("2027.csv", body.encode("utf-8"))
    before = AuditEvent.objects.count()
    res = admin_client.post("/calendar/import/", {"year": "2027", "file": upload})
    assert res.status_code == 400
    assert "第3行：类型应为" in res.content.decode()
    assert not CalendarDay.objects.filter(date__year=2027).exists()
    assert AuditEvent.objects.count() == before


def test_import_page_imports_and_publishes(admin_client):
    body = CSV_HEADER + "2027-01-01,节假日,元旦\r\n2027-02-07,调休上班,春节\r\n"
    upload = SimpleUploadedFile("2027.csv", body.encode("utf-8"))
    res = admin_client.post("/calendar/import/", {"year": "2027", "file": upload}, follow=True)
    assert res.status_code == 200
    assert "已导入2027年节假日安排" in res.content.decode()
    assert CalendarYear.objects.filter(year=2027).exists()


def test_template_download_is_a_workbook(admin_client):
    import io

    from openpyxl import load_workbook

    res = admin_client.get("/calendar/template.xlsx")
    assert res.status_code == 200
    wb = load_workbook(io.BytesIO(res.content))
    assert [c.value for c in wb["节假日安排"][1]] == ["日期", "类型(节假日/调休上班)", "名称"]


def test_dashboard_warns_admins_of_a_missing_calendar(admin_client, client, agencies):
    """Clock-independent: this year's and next year's calendars removed, so the warning is due whatever the date."""
    year = timezone.localdate().year
    CalendarYear.objects.filter(year__gte=year).delete()
    html = admin_client.get("/").content.decode()
    assert 'data-testid="calendar-warning"' in html and f"{year}年" in html
    clerk = make_user(Role.CLERK, agencies["a"])
    client.force_login(clerk)
    assert 'data-testid="calendar-warning"' not in client.get("/").content.decode()


def test_dashboard_has_no_warning_when_calendars_are_present(admin_client):
    year = timezone.localdate().year
    for y in (year, year + 1):
        CalendarYear.objects.get_or_create(year=y, defaults={"source": "测试"})
    assert 'data-testid="calendar-warning"' not in admin_client.get("/").content.decode()
