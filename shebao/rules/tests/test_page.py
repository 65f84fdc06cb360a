"""社保费试算 page: public, linked from the login page and the portal menus, answers with the trace in Chinese,
shows each bad field next to it, throttled like the API, and no inline script (CSP)."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.test import Client

from shebao.conftest import make_user
from shebao.core.choices import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def browser_client() -> Client:
    return Client()


def test_login_page_links_to_the_calculators(browser_client):
    html = browser_client.get("/login/").content.decode()
    assert 'href="/calculate/"' in html and "社保费试算" in html


def test_portal_menus_link_to_the_calculators(agencies, make_employer, make_person):
    employer = make_employer()
    person = make_person(employer)
    for user in (
        make_user(Role.EMPLOYER, None, employer=employer),
        make_user(Role.INSURED, None, person=person),
    ):
        client = Client()
        client.force_login(user)
        html = client.get("/cases/").content.decode()
        assert 'href="/calculate/"' in html, user.role


def test_index_lists_every_calculator_without_login(browser_client):
    res = browser_client.get("/calculate/")
    assert res.status_code == 200
    html = res.content.decode()
    for rule, title in (
        ("contribution", "应缴费额试算"),
        ("contribution-base", "缴费基数试算"),
        ("late-fee", "滞纳金试算"),
        ("back-payment", "补缴试算"),
        ("injury-rate", "工伤保险费率试算"),
        ("resident-pension", "城乡居民养老保险缴费试算"),
    ):
        assert f'href="/calculate/{rule}/"' in html and title in html


def test_form_shows_labelled_fields_before_any_calculation(browser_client):
    res = browser_client.get("/calculate/contribution/")
    html = res.content.decode()
    assert res.status_code == 200
    for label, field in (("费款所属月份", "id_month"), ("缴费基数", "id_base"), ("行政区划代码", "id_region")):
        assert re.search(rf'<label class="form-label" for="{field}">{label}', html), label
    assert 'type="month"' in html and 'value="110"' in html
    assert 'data-testid="calc-trace"' not in html
    assert "<script>" not in html and "onclick" not in html  # CSP: scripts only from our static files


def test_contribution_answer_with_its_trace_in_chinese(browser_client):
    res = browser_client.get(
        "/calculate/contribution/",
        {"calculate": "1", "month": "2019-05", "base": "5000", "insurance_types": ["110", "310"], "region": ""},
    )
    assert res.status_code == 200
    html = res.content.decode()
    assert "试算结果" in html and "计算过程" in html
    assert "800.00" in html and "1100.00" in html and "1600.00" in html  # 110: 800 + 400; 310: 300 + 100
    cut = "国办发〔2019〕13号《降低社会保险费率综合方案》"
    for text in ("生效日期", "依据", cut, "2019-05-01", "全国", "各险种明细"):
        assert text in html, text
    assert "contribution.rate" not in html  # parameter keys stay in the API


def test_region_names_show_where_a_value_comes_from(browser_client):
    query = {"calculate": "1", "year": "2024", "declared_monthly_wage": "3000", "region": "330102"}
    res = browser_client.get("/calculate/contribution-base/", query)
    html = res.content.decode()
    assert res.status_code == 200
    assert "4462.20" in html and "浙江省（330000）" in html and "低于下限，按下限核定" in html


def test_back_payment_with_the_late_fee_box_unticked(browser_client):
    query = {
        "calculate": "1",
        "from_month": "2024-01",
        "to_month": "2024-02",
        "base": "6034.90",
        "insurance_types": "110",
        "category": "flexible",
        "paid_date": "2024-12-01",
    }
    html = browser_client.get("/calculate/back-payment/", query).content.decode()
    assert "本次补缴不加收滞纳金" in html and "2413.96" in html
    with_fee = browser_client.get("/calculate/back-payment/", {**query, "with_late_fee": "on"}).content.decode()
    assert "本次补缴不加收滞纳金" not in with_fee


def test_bad_fields_are_shown_next_to_each_field(browser_client):
    res = browser_client.get(
        "/calculate/late-fee/", {"calculate": "1", "principal": "-3", "due_date": "2024-02-30", "region": "999999"}
    )
    assert res.status_code == 400
    html = res.content.decode()
    assert 'data-testid="form-errors"' in html
    for field, text in (
        ("principal", "欠缴金额不能为负数"),
        ("due_date", "缴纳期限应为"),
        ("region", "未知的行政区划代码 999999"),
    ):
        block = re.search(rf'id="id_{field}_errors">([^<]*)<', html)
        assert block and text in block.group(1), field
    assert 'value="-3"' in html  # what was typed is kept
    assert 'aria-invalid="true"' in html


def test_a_rule_refusal_is_shown_against_its_field(browser_client):
    res = browser_client.get(
        "/calculate/contribution/", {"calculate": "1", "month": "2024-05", "base": "5000", "insurance_types": "410"}
    )
    assert res.status_code == 400
    assert "行业风险类别" in re.search(r'id="id_injury_class_errors">([^<]*)<', res.content.decode()).group(1)


def test_unknown_calculator_is_404(browser_client):
    assert browser_client.get("/calculate/pension/").status_code == 404


def test_page_is_throttled_like_the_api(browser_client, settings):
    settings.SHEBAO_CALCULATOR_RATE = "2/minute"
    cache.clear()
    query = {"calculate": "1", "principal": "1000", "days": "2"}
    assert [browser_client.get("/calculate/late-fee/", query).status_code for _ in range(2)] == [200, 200]
    res = browser_client.get("/calculate/late-fee/", query)
    assert res.status_code == 429 and "试算请求过于频繁" in res.content.decode()
    assert browser_client.get("/calculate/late-fee/").status_code == 200  # the empty form is not counted
    cache.clear()
