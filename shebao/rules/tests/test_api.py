"""社保费试算 API: answers with a trace on a fresh database (shipped parameters only), 400 naming each bad field in
Chinese, 404 for an unknown rule, no login, throttled per address, and the same numbers as the rule functions."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from shebao.core.models import Agency, Case, Parameter
from shebao.rules import CachedSource, back_payment, contribution

pytestmark = pytest.mark.django_db

URL = "/api/v1/calculate/"


@pytest.fixture
def client() -> APIClient:
    return APIClient()


def post(client, rule: str, body, **extra):
    return client.post(f"{URL}{rule}/", body, format="json", **extra)


GOOD = {
    "late-fee": {"principal": "1000.00", "due_date": "2024-01-15", "paid_date": "2024-03-15"},
    "contribution": {
        "month": "2024-05",
        "base": "6000",
        "insurance_types": ["110", "210", "310", "410", "510"],
        "injury_class": 2,
    },
    "contribution-base": {"year": 2024, "declared_monthly_wage": "3000"},
    "back-payment": {
        "from_month": "2023-11",
        "to_month": "2024-02",
        "base": "6000",
        "insurance_types": ["110"],
        "paid_date": "2024-06-30",
    },
    "injury-rate": {"month": "2024-05", "injury_class": 5, "injury_grade": "1.2"},
    "resident-pension": {"year": 2024, "tier": "500"},
}


@pytest.mark.parametrize("rule", sorted(GOOD))
def test_every_calculator_answers_with_a_trace_on_a_fresh_database(client, rule):
    assert not Agency.objects.exists() and not Case.objects.exists()  # no demo data: shipped parameters only
    res = post(client, rule, GOOD[rule])
    assert res.status_code == 200, res.json()
    body = res.json()
    assert body["rule"] == rule and body["result"]
    steps = body["trace"]
    assert steps and all(
        set(s) == {"step", "parameter", "value", "effective_from", "reference", "region"} for s in steps
    )
    read = [s for s in steps if s["parameter"]]
    assert read and all(s["effective_from"] and s["reference"] for s in read)
    assert all(s["region"] is None for s in read)  # national defaults


def test_contribution_either_side_of_the_2019_pension_cut(client):
    april = post(client, "contribution", {"month": "2019-04", "base": "5000.00", "insurance_types": ["110"]}).json()
    may = post(client, "contribution", {"month": "2019-05", "base": "5000.00", "insurance_types": ["110"]}).json()
    assert april["result"]["lines"] == [
        {
            "insurance_type": "110",
            "name": "企业职工基本养老保险",
            "employer_rate": "0.20",
            "employer_amount": "1000.00",
            "individual_rate": "0.08",
            "individual_amount": "400.00",
        }
    ]
    assert (may["result"]["employer_total"], may["result"]["individual_total"], may["result"]["total"]) == (
        "800.00",
        "400.00",
        "1200.00",
    )
    step = next(s for s in may["trace"] if s["parameter"] == "contribution.rate.110.employer")
    assert (step["value"], step["effective_from"], step["reference"]) == (
        "0.16",
        "2019-05-01",
        "国办发〔2019〕13号《降低社会保险费率综合方案》",
    )


def test_contribution_rounds_each_line_half_up_and_takes_what_if_rates(client):
    body = {
        "month": "2024-05",
        "base": "1001",
        "insurance_types": ["210", "110"],
        "rates": {"210": {"employer": "0.005", "individual": "0.005"}, "110": {"employer": "0.14"}},
    }
    res = post(client, "contribution", body).json()["result"]
    assert [(x["insurance_type"], x["employer_amount"], x["individual_amount"]) for x in res["lines"]] == [
        ("210", "5.01", "5.01"),  # 5.005 each
        ("110", "140.14", "80.08"),  # employer from the what-if rate, individual from the parameter
    ]
    assert res["total"] == "230.24"


def test_contribution_base_in_a_demo_region_and_nationally(client):
    res = post(client, "contribution-base", {"year": 2024, "declared_monthly_wage": "3000", "region": "330102"})
    assert res.json()["result"] == {
        "year": 2024,
        "declared_monthly_wage": "3000.00",
        "base": "4462.20",
        "lower": "4462.20",
        "upper": "22311.00",
        "average_wage": "7437.00",
        "bounded": "lower",
    }
    wage = next(s for s in res.json()["trace"] if s["parameter"] == "contribution.average_wage")
    assert wage["region"] == "330000"
    national = post(client, "contribution-base", {"year": 2025, "declared_monthly_wage": "99999.99"}).json()["result"]
    assert (national["base"], national["bounded"]) == ("31027.50", "upper")


def test_late_fee_by_dates_and_by_days(client):
    by_dates = post(client, "late-fee", GOOD["late-fee"]).json()["result"]
    assert (by_dates["days"], by_dates["late_fee"]) == (60, "30.00")  # 2024 is a leap year: 16 + 29 + 15
    by_days = post(client, "late-fee", {"principal": "1000", "days": 60}).json()["result"]
    assert (by_days["days"], by_days["late_fee"], by_days["cap"]) == (60, "30.00", "1000.00")


def test_back_payment_lines_and_totals(client):
    res = post(client, "back-payment", GOOD["back-payment"]).json()["result"]
    assert [(x["month"], x["due_date"], x["days"], x["principal"], x["late_fee"]) for x in res["lines"]] == [
        ("2023-11", "2023-11-15", 228, "1440.00", "164.16"),
        ("2023-12", "2023-12-15", 198, "1440.00", "142.56"),
        ("2024-01", "2024-01-15", 167, "1440.00", "120.24"),
        ("2024-02", "2024-02-15", 136, "1440.00", "97.92"),
    ]
    assert (res["principal_total"], res["late_fee_total"], res["total"]) == ("5760.00", "524.88", "6284.88")


def test_the_calculators_give_what_the_rule_functions_give(client):
    body = {**GOOD["contribution"], "region": "330102", "injury_grade": "0.8"}
    api = post(client, "contribution", body).json()["result"]
    direct = contribution(
        month=dt.date(2024, 5, 1),
        base=D("6000"),
        insurance_types=body["insurance_types"],
        region="330102",
        injury_class=2,
        injury_grade=D("0.8"),
        params=CachedSource(),
    )
    assert [(x["employer_amount"], x["individual_amount"]) for x in api["lines"]] == [
        (str(x.employer_amount), str(x.individual_amount)) for x in direct.lines
    ]
    assert api["total"] == str(direct.total)
    bp = post(client, "back-payment", GOOD["back-payment"]).json()["result"]
    same = back_payment(
        from_month=dt.date(2023, 11, 1),
        to_month=dt.date(2024, 2, 1),
        base=D("6000"),
        insurance_types=["110"],
        paid_date=dt.date(2024, 6, 30),
    )
    assert bp["total"] == str(same.total)


def test_an_agency_override_is_used_and_named_in_the_trace(client):
    Parameter.objects.create(
        key="contribution.late_fee.daily_rate",
        region_id="330100",
        effective_from=dt.date(2024, 1, 1),
        value="0.0004",
        unit="比例",
        legal_reference="杭州市测试文件",
    )
    res = post(client, "late-fee", {**GOOD["late-fee"], "region": "330102"}).json()
    assert res["result"]["late_fee"] == "24.00"
    step = next(s for s in res["trace"] if s["parameter"] == "contribution.late_fee.daily_rate")
    assert (step["region"], step["reference"]) == ("330100", "杭州市测试文件")


@pytest.mark.parametrize(
    ("rule", "body", "messages"),
    [
        ("late-fee", {"principal": "-1", "days": 3}, {"principal": "欠缴金额不能为负数"}),
        ("late-fee", {"principal": 1000, "days": 3}, {"principal": "欠缴金额应为字符串形式的十进制数"}),
        ("late-fee", {"principal": "1e3", "days": 3}, {"principal": "欠缴金额应为不超过12位整数"}),
        ("late-fee", {"principal": "1000.001", "days": 3}, {"principal": "欠缴金额应为不超过12位整数、最多2位小数"}),
        ("late-fee", {"principal": "1000", "days": 99999}, {"days": "滞纳天数："}),
        ("late-fee", {"principal": "1000", "days": "3"}, {"days": "滞纳天数："}),
        ("late-fee", {"principal": "1000"}, {"due_date": "请填写缴纳期限", "paid_date": "请填写缴纳日期"}),
        ("late-fee", {"principal": "1", "days": 1, "due_date": "2024-01-15"}, {"days": "不能同时填写"}),
        (
            "late-fee",
            {"principal": "-5", "due_date": "2024-02-30", "paid_date": "3024-01-01", "region": "999999"},
            {
                "principal": "不能为负数",
                "due_date": "缴纳期限应为",
                "paid_date": "缴纳日期应在",
                "region": "未知的行政区划代码",
            },
        ),
        ("contribution", {"month": "2024-13", "base": "1", "insurance_types": ["110"]}, {"month": "费款所属月份应为"}),
        (
            "contribution",
            {"month": "2024-05", "base": "123456789", "insurance_types": ["110"]},
            {"base": "缴费基数应为"},
        ),
        ("contribution", {"month": "2024-05", "base": "1", "insurance_types": []}, {"insurance_types": "请至少选择"}),
        ("contribution", {"month": "2024-05", "base": "1", "insurance_types": [110]}, {"insurance_types": "险种第1项"}),
        (
            "contribution",
            {"month": "2024-05", "base": "1", "insurance_types": ["170"]},
            {"insurance_types": "不是可选"},
        ),
        (
            "contribution",
            {"month": "2024-05", "base": "1", "insurance_types": ["410"]},
            {"injury_class": "行业风险类别"},
        ),
        ("contribution", {"month": "2005-01", "base": "1", "insurance_types": ["110"]}, {"month": "未配置"}),
        (
            "contribution",
            {"month": "2024-05", "base": "1", "insurance_types": ["110"], "rates": {"110": {"employer": "1.5"}}},
            {"rates": "不能超过 1"},
        ),
        (
            "contribution",
            {"month": "2024-05", "base": "1", "insurance_types": ["110"], "rates": {"110": {"x": "0.1"}}},
            {"rates": "只能填写"},
        ),
        (
            "contribution",
            {"month": "2024-05", "base": "1", "insurance_types": ["110"], "region": 330102},
            {"region": "行政区划代码"},
        ),
        (
            "contribution",
            {"month": "2024-05", "base": "1", "insurance_types": ["110"], "bonus": "1"},
            {"bonus": "不允许的字段"},
        ),
        ("contribution-base", {"year": 3000, "declared_monthly_wage": "1"}, {"year": "缴费年度"}),
        ("contribution-base", {"year": 2024, "declared_monthly_wage": "-1"}, {"declared_monthly_wage": "不能为负数"}),
        (
            "back-payment",
            {**GOOD["back-payment"], "from_month": "1990-01", "to_month": "2045-01", "paid_date": "2045-06-30"},
            {"to_month": "最多600个月"},
        ),
        ("back-payment", {**GOOD["back-payment"], "to_month": "2023-01"}, {"to_month": "不能早于起始月份"}),
        ("back-payment", {**GOOD["back-payment"], "paid_date": "2024-01-31"}, {"to_month": "不能晚于缴纳日期"}),
        ("back-payment", {**GOOD["back-payment"], "with_late_fee": "no"}, {"with_late_fee": "加收滞纳金"}),
        (
            "injury-rate",
            {"month": "2024-05", "injury_class": 1, "injury_grade": "0.5"},
            {"injury_grade": "1.0、1.2、1.5"},
        ),
        ("injury-rate", {"month": "2024-05", "injury_class": 9}, {"injury_class": "工伤保险行业风险类别"}),
        ("resident-pension", {"year": 2024, "tier": "450"}, {"tier": "缴费档次只能是"}),
    ],
)
def test_bad_input_is_400_naming_each_field_in_chinese(client, rule, body, messages):
    res = post(client, rule, body)
    assert res.status_code == 400, res.json()
    errors = res.json()["errors"]
    assert set(errors) == set(messages), errors
    for field, text in messages.items():
        assert any(text in m for m in errors[field]), (field, errors[field])
    assert res.json()["detail"]


def test_unknown_rule_is_a_json_404_without_login(client):
    for url in (f"{URL}pension/", f"{URL}pension", f"{URL}late-fee/extra/"):
        res = client.post(url, {}, format="json")
        assert res.status_code == 404, url
        assert res.json()["detail"] == "请求的资源不存在"


def test_body_must_be_a_json_object(client):
    assert client.post(f"{URL}late-fee/", [1, 2], format="json").status_code == 400
    assert client.post(f"{URL}late-fee/", {"principal": "1", "days": "1"}).status_code == 415  # multipart form


def test_the_address_without_the_slash_works_too(client):
    res = client.post(f"{URL}late-fee", {"principal": "1000", "days": 2}, format="json")
    assert (res.status_code, res.json()["result"]["late_fee"]) == (200, "1.00")


def test_no_login_needed_and_a_stale_token_is_ignored(client):
    res = post(client, "late-fee", {"principal": "1000", "days": 2}, HTTP_AUTHORIZATION="Token not-a-token")
    assert res.status_code == 200


def test_the_list_names_every_rule_and_its_inputs(client):
    res = client.get(URL)
    assert res.status_code == 200
    rules = {r["rule"]: r for r in res.json()}
    assert list(rules) == [
        "contribution",
        "contribution-base",
        "late-fee",
        "back-payment",
        "injury-rate",
        "resident-pension",
    ]
    late = {i["name"]: i for i in rules["late-fee"]["inputs"]}
    assert set(late) == {"region", "principal", "days", "due_date", "paid_date"}
    assert (late["principal"]["type"], late["principal"]["required"], late["principal"]["label"]) == (
        "decimal",
        True,
        "欠缴金额",
    )
    assert late["due_date"]["type"] == "date" and late["region"]["type"] == "region"
    assert rules["contribution"]["path"] == "/api/v1/calculate/contribution/"
    assert {i["name"] for i in rules["contribution"]["inputs"]} >= {
        "month",
        "base",
        "insurance_types",
        "category",
        "rates",
    }


def test_calculators_are_throttled_per_address(client, settings):
    settings.SHEBAO_CALCULATOR_RATE = "3/minute"
    cache.clear()
    body = {"principal": "1000", "days": 2}
    assert [post(client, "late-fee", body).status_code for _ in range(3)] == [200, 200, 200]
    res = post(client, "late-fee", body)
    assert res.status_code == 429
    assert res.json()["detail"].startswith("试算请求过于频繁")
    assert int(res["Retry-After"]) > 0
    assert client.get(URL).status_code == 429  # the list counts too
    assert post(client, "late-fee", body, REMOTE_ADDR="10.1.2.3").status_code == 200  # another address
    cache.clear()


def test_back_payment_queries_do_not_grow_with_the_months(client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count(to_month: str) -> int:
        body = {**GOOD["back-payment"], "from_month": "2019-01", "to_month": to_month}
        body["insurance_types"] = ["110", "410"]
        with CaptureQueriesContext(connection) as ctx:
            assert post(client, "back-payment", {**body, "injury_class": 3}).status_code == 200
        return len(ctx.captured_queries)

    assert count("2019-02") == count("2021-12")  # each parameter read once per request (CachedSource)
