"""Employer portal (网上经办: my unit, employees, 增员 single and bulk, 减员) and the insured person's page."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from shebao.conftest import make_user, person_data
from shebao.core.choices import CaseStatus, Channel, Role
from shebao.core.identifiers import mask_id
from shebao.core.models import Case
from shebao.core.synthetic import citizen_id
from shebao.registration.excel import enrolment_template

pytestmark = [pytest.mark.django_db, pytest.mark.catalog("01010201", "01010202")]

THIS_MONTH = f"{timezone.localdate():%Y-%m}"


@pytest.fixture
def unit(make_employer):
    return make_employer(name="杭州云栖软件有限公司")


@pytest.fixture
def portal(client, unit):
    client.force_login(make_user(Role.EMPLOYER, None, username="yunqi", employer=unit))
    return client


def test_my_unit_page(portal, unit, make_person):
    make_person(unit)
    html = portal.get(reverse("registration:portal-home")).content.decode()
    assert unit.name in html and unit.reg_no in html and "单位网上经办" in html
    assert "业务目录" not in html  # the portal has its own menu
    assert reverse("registration:portal-enrol") in html


def test_employees_list_masks_ids(portal, unit, make_person):
    person = make_person(unit)
    html = portal.get(reverse("registration:portal-employees")).content.decode()
    assert person.name in html and mask_id(person.id_number) in html and person.id_number not in html
    assert reverse("registration:portal-leave", args=[person.pk]) in html


def test_online_enrol_creates_a_submitted_case(portal, unit):
    page = portal.get(reverse("registration:portal-enrol")).content.decode()
    assert "网上增员" in page and unit.name in page
    data = person_data(n=801, start_month=THIS_MONTH)
    response = portal.post(reverse("registration:portal-enrol"), data)
    assert response.status_code == 302
    case = Case.objects.get(item_id="01010201")
    assert case.status == CaseStatus.SUBMITTED and case.channel == Channel.ONLINE and case.employer == unit
    assert "等待经办机构受理" in portal.get(response["Location"]).content.decode()


def test_online_enrol_bad_input_is_400(portal):
    data = person_data(n=802, start_month=THIS_MONTH, name="")
    response = portal.post(reverse("registration:portal-enrol"), data)
    assert response.status_code == 400
    assert "姓名不能为空" in response.content.decode()
    assert not Case.objects.filter(item_id="01010201").exists()


def test_online_bulk_enrol(portal, unit):
    wb = openpyxl.load_workbook(io.BytesIO(enrolment_template()))
    ws = wb["增员名单"]
    for r, n in enumerate(range(3), start=2):
        number = citizen_id("330106", dt.date(1992, 5, 1) + dt.timedelta(days=n), n)
        for col, value in enumerate([number, f"职工{n}", "", "", "", "110,310", THIS_MONTH], start=1):
            ws.cell(row=r, column=col, value=value)
    out = io.BytesIO()
    wb.save(out)
    response = portal.post(
        reverse("registration:portal-enrol-bulk"), {"file": SimpleUploadedFile("名单.xlsx", out.getvalue())}
    )
    assert response.status_code == 302
    case = Case.objects.get(item_id="01010201")
    assert case.status == CaseStatus.SUBMITTED and len(case.payload["rows"]) == 3


def test_leave_suspends_the_active_types(portal, unit, make_person):
    person = make_person(unit)
    page = portal.get(reverse("registration:portal-leave", args=[person.pk])).content.decode()
    assert "企业职工基本养老保险" in page and "职工基本医疗保险" in page
    response = portal.post(
        reverse("registration:portal-leave", args=[person.pk]), {"change_month": THIS_MONTH, "reason": "解除劳动关系"}
    )
    assert response.status_code == 302
    case = Case.objects.get(item_id="01010202")
    assert case.status == CaseStatus.SUBMITTED
    assert sorted(case.payload["suspend"]) == ["110", "310"] and case.payload["reason"] == "解除劳动关系"
    assert case.summary.startswith("减员")


def test_leave_without_reason_is_400(portal, unit, make_person):
    person = make_person(unit)
    response = portal.post(
        reverse("registration:portal-leave", args=[person.pk]), {"change_month": THIS_MONTH, "reason": ""}
    )
    assert response.status_code == 400
    assert "停保须填写原因" in response.content.decode()


def test_leave_for_another_units_employee_is_404(portal, make_employer, make_person):
    stranger = make_person(make_employer())
    assert portal.get(reverse("registration:portal-leave", args=[stranger.pk])).status_code == 404


def test_case_list_shows_only_my_units_cases(portal, unit, make_employer, clerk):
    other = make_employer()
    html = portal.get(reverse("core:case-list")).content.decode()
    assert "申报记录" in html
    assert unit.name in html and other.name not in html


def test_employer_user_cannot_open_workbench_pages(portal, unit):
    assert portal.get(reverse("registration:employer-detail", args=[unit.pk]))["Location"] == reverse(
        "registration:portal-home"
    )
    assert portal.get(reverse("registration:person-enrol"))["Location"] == reverse("registration:portal-home")


def test_insured_person_page(client, make_employer, make_person):
    person = make_person(make_employer())
    client.force_login(make_user(Role.INSURED, None, person=person))
    response = client.get(reverse("registration:insured-home"))
    assert response.status_code == 200
    html = response.content.decode()
    assert person.name in html and person.id_number in html  # one's own full number
    assert "企业职工基本养老保险" in html and "参保缴费" in html
    assert "个人网上服务" in html
    # A portal user is sent to their own page rather than another portal.
    assert client.get(reverse("registration:portal-home"))["Location"] == reverse("registration:insured-home")


def test_portal_forms_are_403_without_the_online_grant(portal, unit, make_person):
    """The portal forms check the unit's online grant before any work, like every item form."""
    from shebao.core.choices import Action
    from shebao.core.models import RoleGrant

    person = make_person(unit)
    RoleGrant.objects.filter(role=Role.EMPLOYER, action=Action.HANDLE).delete()
    before = Case.objects.count()
    for url in (
        reverse("registration:portal-enrol"),
        reverse("registration:portal-enrol-bulk"),
        reverse("registration:portal-leave", args=[person.pk]),
    ):
        for response in (portal.get(url), portal.post(url, {"change_month": THIS_MONTH, "reason": "解除劳动关系"})):
            assert response.status_code == 403, url
            assert "经办权限" in response.content.decode()
    assert Case.objects.count() == before


def test_staff_are_sent_away_from_portal_forms(client, clerk):
    client.force_login(clerk)
    assert client.get(reverse("registration:portal-enrol"))["Location"] == reverse("core:dashboard")
