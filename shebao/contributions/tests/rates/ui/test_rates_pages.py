"""Pages of 02020101–02020202: the clerk's lists (empty states, filters, pagination, constant queries), a unit's
rate table, a person's tier/base page, the item forms (403 without the grant, 404 out of scope, 400 re-rendered),
the employer portal's rate page and the insured person's 缴费档次·基数 online — Chinese text throughout."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from shebao.contributions.models import EmployerRate, PersonContributionChoice
from shebao.core.choices import CaseStatus, Channel
from shebao.core.models import AuditEvent, Case
from shebao.registration.tests.factories import EmployerFactory, EmployerUserFactory, InsuredUserFactory, PersonFactory
from shebao.testing import assert_refused, count_rows, form_data, login
from shebao.tests.test_query_counts import Rows, assert_constant_queries

from ..conftest import flexible_worker, month_add, rated_employer, resident, this_month

pytestmark = [pytest.mark.django_db, pytest.mark.catalog("02020101", "02020201", "02020102", "02020202")]
GUARDED = (Case, AuditEvent, EmployerRate, PersonContributionChoice)


# -- clerk: units ----------------------------------------------------------------------------------------------------


def test_unit_list_shows_rates_and_filters_the_unrated(client, agencies, clerk):
    rated = rated_employer(agencies["a"], risk_class=2, grade="0.8", rate="0.0032", name="杭州已核定有限公司")
    unrated = EmployerFactory(agency=agencies["a"], name="杭州未核定有限公司")
    other = EmployerFactory(agency=agencies["b"], name="拱墅区外单位有限公司")
    login(client, clerk)
    html = client.get(reverse("contributions:rates-employers")).content.decode()
    assert rated.name in html and unrated.name in html and other.name not in html
    assert "0.32%" in html and "0.8" in html and "未核定" in html
    html = client.get(reverse("contributions:rates-employers"), {"rated": "unrated"}).content.decode()
    assert unrated.name in html and rated.name not in html
    html = client.get(reverse("contributions:rates-employers"), {"q": "已核定"}).content.decode()
    assert rated.name in html and unrated.name not in html


def test_unit_list_empty_state_and_catalogue_hint(client, agencies, clerk):
    login(client, clerk)
    html = client.get(reverse("contributions:rates-employers"), {"item": "02020201"}).content.decode()
    assert "本机构尚无正常参保单位" in html and "工伤保险费率调整" in html
    html = client.get(reverse("contributions:rates-employers"), {"q": "没有这个单位"}).content.decode()
    assert "没有找到与「没有这个单位」相符的正常参保单位" in html


def test_unit_list_paginates_with_constant_queries(client, agencies, clerk):
    login(client, clerk)
    rows = Rows(lambda i: rated_employer(agencies["a"]) if i % 2 else EmployerFactory(agency=agencies["a"]))
    assert_constant_queries(lambda: client.get(reverse("contributions:rates-employers")), rows)
    for _ in range(25):
        EmployerFactory(agency=agencies["a"])
    html = client.get(reverse("contributions:rates-employers"), {"page": 2}).content.decode()
    assert "第 2/" in html and "下一页" in html


def test_catalogue_menu_starts_the_items_at_the_lists(client, clerk):
    login(client, clerk)
    html = client.get(reverse("core:dashboard")).content.decode()
    assert 'href="/contributions/rates/employers/" title="02020101"' in html
    assert 'href="/contributions/rates/persons/" title="02020202"' in html
    assert "单位费率" in html and "缴费档次·基数" in html


def test_rate_page_of_a_unit(client, agencies, clerk):
    unit = rated_employer(agencies["a"], valid_from=month_add(this_month(), -2))
    login(client, clerk)
    url = reverse("contributions:rates-employer", args=[unit.pk])
    html = client.get(url).content.decode()
    for text in ("各险种费率", "单位核定费率", "统筹地区费率", "国办发〔2019〕13号", "工伤保险费率记录", "费率调整"):
        assert text in html, text
    assert reverse("contributions:rates-employer-change", args=[unit.pk]) in html
    assert reverse("contributions:rates-employer-determine", args=[unit.pk]) not in html
    old = client.get(url, {"month": f"{month_add(this_month(), -3):%Y-%m}"}).content.decode()
    assert "没有参保险种" in old
    bad = client.get(url, {"month": "2026-99"})
    assert bad.status_code == 400 and "月份不是有效的月份" in bad.content.decode()


def test_rate_page_out_of_scope_and_for_portal_users(client, agencies, clerk_b):
    unit = rated_employer(agencies["a"])
    login(client, clerk_b)
    assert client.get(reverse("contributions:rates-employer", args=[unit.pk])).status_code == 404
    login(client, EmployerUserFactory(employer=unit))
    assert client.get(reverse("contributions:rates-employer", args=[unit.pk])).status_code == 302


def test_determine_form_offers_the_class_grades(client, agencies, clerk):
    unit = EmployerFactory(agency=agencies["a"], injury_risk_class=3)
    login(client, clerk)
    html = client.get(reverse("contributions:rates-employer-determine", args=[unit.pk])).content.decode()
    assert "工伤保险费率核定" in html and "3类" in html
    for grade in ("0.5", "0.8", "1.0", "1.2", "1.5"):
        assert f'<option value="{grade}"' in html
    assert 'value="1.0" selected' in html


def test_forms_need_the_handle_grant(client, agencies, reviewer):
    unit = rated_employer(agencies["a"])
    person = flexible_worker(agencies["a"])
    login(client, reviewer)
    before = count_rows(*GUARDED)
    for url in (
        reverse("contributions:rates-employer-determine", args=[unit.pk]),
        reverse("contributions:rates-employer-change", args=[unit.pk]),
        reverse("contributions:rates-person-determine", args=[person.pk]),
    ):
        assert client.get(url).status_code == 403
        assert client.post(url, {"amount": "6000"}).status_code == 403
    assert not before.changed()


def test_change_form_refuses_a_month_into_assessed_months_naming_the_field(client, agencies, clerk):
    unit = rated_employer(agencies["a"])
    login(client, clerk)
    before = count_rows(*GUARDED)
    res = client.post(
        reverse("contributions:rates-employer-change", args=[unit.pk]),
        form_data({"reason": "evaluation", "float_grade": "1.2", "valid_from": f"{this_month():%Y-%m}", "note": ""}),
    )
    assert_refused(res, status=400, field="valid_from", message_contains="现行费率起始月的次月", nothing_saved=before)


# -- clerk: persons --------------------------------------------------------------------------------------------------


def test_person_search_keeps_id_numbers_out_of_urls(client, agencies, clerk):
    person = flexible_worker(agencies["a"])
    resident(agencies["a"], tier="500")
    login(client, clerk)
    res = client.post(reverse("contributions:rates-persons"), {"q": person.id_number[-6:], "category": "flexible"})
    assert res.status_code == 303 and person.id_number[-6:] not in res["Location"] and "t=" in res["Location"]
    html = client.get(res["Location"]).content.decode()
    assert person.name in html and person.id_number not in html and "未核定" in html
    html = client.get(reverse("contributions:rates-persons"), {"t": "expired-token"}).content.decode()
    assert "查询已失效" in html


def test_person_list_shows_tiers_bases_and_filters(client, agencies, clerk):
    tiered = resident(agencies["a"], tier="500", name="居民甲")
    chooser = flexible_worker(agencies["a"], name="灵活乙")
    PersonContributionChoice.objects.create(
        person=chooser, insurance_type_id="110", valid_from=this_month(), base=Decimal("6000.00")
    )
    undetermined = flexible_worker(agencies["a"], name="灵活丙")
    employee = PersonFactory(employer__agency=agencies["a"], name="职工丁")
    login(client, clerk)
    html = client.get(reverse("contributions:rates-persons")).content.decode()
    assert "500 元/年" in html and "6000.00 元/月" in html
    assert tiered.name in html and undetermined.name in html and employee.name not in html
    html = client.get(reverse("contributions:rates-persons"), {"determined": "no"}).content.decode()
    assert undetermined.name in html and tiered.name not in html
    html = client.get(reverse("contributions:rates-persons"), {"category": "resident"}).content.decode()
    assert tiered.name in html and chooser.name not in html


def test_person_list_with_constant_queries(client, agencies, clerk):
    login(client, clerk)
    rows = Rows(lambda i: resident(agencies["a"], tier="300") if i % 2 else flexible_worker(agencies["a"]))
    assert_constant_queries(lambda: client.get(reverse("contributions:rates-persons")), rows)


def test_person_page(client, agencies, clerk):
    person = resident(agencies["a"], tier="300")
    login(client, clerk)
    html = client.get(reverse("contributions:rates-person", args=[person.pk])).content.decode()
    assert "300 元/年" in html and "补贴 60 元" in html and "费额调整" in html
    assert f"{timezone.localdate().year + 1}年度" in html
    employee = PersonFactory(employer__agency=agencies["a"])
    html = client.get(reverse("contributions:rates-person", args=[employee.pk])).content.decode()
    assert "不需要选择缴费档次或基数" in html


def test_person_form_bad_base_rerenders(client, agencies, clerk):
    person = flexible_worker(agencies["a"])
    login(client, clerk)
    url = reverse("contributions:rates-person-determine", args=[person.pk])
    html = client.get(url).content.decode()
    assert "4800.00–24000.00" in html and "110 " in html
    before = count_rows(*GUARDED)
    res = client.post(url, form_data({"amount": "24000.01", "valid_from": f"{this_month():%Y-%m}"}))
    assert_refused(res, status=400, field="amount", message_contains="4800.00–24000.00", nothing_saved=before)


# -- portal ----------------------------------------------------------------------------------------------------------


def test_employer_portal_shows_the_unit_its_rates(client, agencies):
    unit = rated_employer(agencies["a"], risk_class=2, grade="1.2", rate="0.0048")
    user = EmployerUserFactory(employer=unit)
    login(client, user)
    html = client.get(reverse("registration:portal-home")).content.decode()
    assert reverse("contributions:rates-portal-unit") in html and "本单位费率" in html
    html = client.get(reverse("contributions:rates-portal-unit")).content.decode()
    assert "0.48%" in html and "单位核定费率" in html and "费率调整" not in html.split("工伤保险费率记录")[0]
    assert "data-sb-elder" in html  # the portal's 长辈模式 applies


def test_insured_person_chooses_a_tier_online(client, agencies, clerk, reviewer):
    person = resident(agencies["a"])
    user = InsuredUserFactory(person=person)
    login(client, user)
    home = client.get(reverse("registration:insured-home")).content.decode()
    assert reverse("contributions:rates-my") in home
    html = client.get(reverse("contributions:rates-my")).content.decode()
    assert "选择缴费档次" in html and "补贴 60 元" in html and "data-sb-elder" in html
    form = client.get(reverse("contributions:rates-my-determine")).content.decode()
    assert "缴费档次（元/年）" in form and "政府补贴 60.00 元" in form and "业务目录" not in form
    res = client.post(
        reverse("contributions:rates-my-determine"), {"amount": "1500", "valid_from": f"{this_month().year}-01"}
    )
    assert res.status_code == 302
    case = Case.objects.get(item_id="02020102")
    assert (case.status, case.channel, case.person) == (CaseStatus.SUBMITTED, Channel.ONLINE, person)
    assert "等待经办机构受理" in client.get(res["Location"]).content.decode()
    html = client.get(reverse("contributions:rates-my")).content.decode()
    assert case.number in html


def test_insured_person_bad_input_and_others_pages(client, agencies):
    person = flexible_worker(agencies["a"])
    login(client, InsuredUserFactory(person=person))
    before = count_rows(*GUARDED)
    res = client.post(reverse("contributions:rates-my-determine"), {"amount": "100.00"})
    assert_refused(res, status=400, field="amount", nothing_saved=before)
    assert client.get(reverse("contributions:rates-my-change")).status_code == 200
    res = client.post(reverse("contributions:rates-my-change"), {"amount": "6000"})
    assert_refused(res, status=400, message_contains="02020102", nothing_saved=before)


def test_portal_pages_are_for_their_roles(client, agencies, clerk):
    login(client, clerk)
    assert client.get(reverse("contributions:rates-my")).status_code == 302
    assert client.get(reverse("contributions:rates-my-determine")).status_code == 302
    assert client.get(reverse("contributions:rates-portal-unit")).status_code == 302
    login(client, EmployerUserFactory(employer=EmployerFactory(agency=agencies["a"])))
    assert client.get(reverse("contributions:rates-my-determine")).status_code == 302
    assert client.get(reverse("contributions:rates-persons")).status_code == 302
    client.logout()
    assert client.get(reverse("contributions:rates-my-determine")).status_code == 302  # to the login page


def test_registration_pages_link_to_the_rate_pages(client, agencies, clerk):
    unit = rated_employer(agencies["a"])
    person = flexible_worker(agencies["a"])
    employee = PersonFactory(employer=unit)
    login(client, clerk)
    html = client.get(reverse("registration:employer-detail", args=[unit.pk])).content.decode()
    assert reverse("contributions:rates-employer", args=[unit.pk]) in html
    html = client.get(reverse("registration:person-detail", args=[person.pk])).content.decode()
    assert reverse("contributions:rates-person", args=[person.pk]) in html
    html = client.get(reverse("registration:person-detail", args=[employee.pk])).content.decode()
    assert reverse("contributions:rates-person", args=[employee.pk]) not in html
