"""Shared pytest fixtures: agencies of the demo city, one user per role, factories for employers and persons."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.utils import timezone

from shebao.core.choices import Role
from shebao.core.synthetic import citizen_id, uscc
from shebao.core.tests.factories import AgencyFactory, UserFactory

_counter = itertools.count(1)


@pytest.fixture(scope="session", autouse=True)
def signing_material():
    """The demo CA and agency certificate in the test settings' temporary SHEBAO_SIGNING_DIR (every PDF is signed)."""
    from django.conf import settings

    from shebao.core.signing import create_demo_material

    create_demo_material(settings.SHEBAO_SIGNING_DIR, agency_name="杭州市社会保险管理服务中心")
    return settings.SHEBAO_SIGNING_DIR


@pytest.fixture
def agencies(db):
    """Hangzhou city agency with two district agencies (上城区 330102, 拱墅区 330105)."""
    city = AgencyFactory(code="330100", name="杭州市社会保险管理服务中心")
    a = AgencyFactory(code="330102", name="上城区社会保险管理服务中心", parent=city)
    b = AgencyFactory(code="330105", name="拱墅区社会保险管理服务中心", parent=city)
    return {"city": city, "a": a, "b": b}


def make_user(role: str, agency=None, *, username: str | None = None, password: str = "Shebao@2026!", **extra):
    """A user of the given role (password 'Shebao@2026!'), built by `UserFactory`."""
    username = username or f"{role}{next(_counter)}"
    return UserFactory(username=username, password=password, role=role, agency=agency, **extra)


@pytest.fixture
def clerk(agencies):
    return make_user(Role.CLERK, agencies["a"], username="clerk_a")


@pytest.fixture
def reviewer(agencies):
    return make_user(Role.REVIEWER, agencies["a"], username="reviewer_a")


@pytest.fixture
def clerk_b(agencies):
    return make_user(Role.CLERK, agencies["b"], username="clerk_b")


@pytest.fixture
def reviewer_b(agencies):
    return make_user(Role.REVIEWER, agencies["b"], username="reviewer_b")


def employer_data(n: int | None = None, **overrides) -> dict:
    """A valid 单位参保登记 declaration."""
    n = n if n is not None else next(_counter)
    month = timezone.localdate().replace(day=1)
    data = {
        "uscc": uscc("330102", 1000 + n),
        "name": f"杭州测试科技有限公司{n}",
        "unit_type": "10",
        "legal_rep": "张三",
        "address": "浙江省杭州市上城区解放路1号",
        "region": "330102",
        "industry_code": "I6510",
        "injury_risk_class": 1,
        "contact_name": "李四",
        "contact_phone": "13800138000",
        "bank_name": "中国工商银行杭州分行",
        "bank_account": "6222021202000000001",
        "insurances": ["110", "210", "310", "410", "510"],
        "start_month": month.isoformat()[:7],
    }
    data.update(overrides)
    return data


def person_data(n: int | None = None, **overrides) -> dict:
    """A valid 个人参保登记 row (born 1990)."""
    n = n if n is not None else next(_counter)
    birth = dt.date(1990, 1, 1) + dt.timedelta(days=n % 3000)
    data = {
        "id_number": citizen_id("330102", birth, n % 1000),
        "name": f"王{n}",
        "phone": "13900139000",
        "address": "杭州市上城区",
        "insurances": ["110", "310"],
        "start_month": timezone.localdate().replace(day=1).isoformat()[:7],
    }
    data.update(overrides)
    return data


@pytest.fixture
def make_employer(clerk, reviewer):
    """Register and approve an employer through the real services; returns the Employer."""
    from shebao.core.cases import case_approve
    from shebao.registration.models import Employer
    from shebao.registration.services import employer_enrol
    from shebao.testing import material_files

    def _make(actor=None, approver=None, **overrides):
        case = employer_enrol(
            actor=actor or clerk, data=employer_data(**overrides), materials=material_files("01010101")
        )
        case = case_approve(actor=approver or reviewer, case=case)
        return Employer.objects.get(pk=case.result["employer_id"])

    return _make


@pytest.fixture
def make_person(clerk, reviewer):
    """Enrol and approve a person under an employer; returns the Person."""
    from shebao.core.cases import case_approve
    from shebao.registration.models import Person
    from shebao.registration.services import person_enrol

    def _make(employer, actor=None, approver=None, **overrides):
        case = person_enrol(actor=actor or clerk, employer=employer, data=person_data(**overrides))
        case = case_approve(actor=approver or reviewer, case=case)
        return Person.objects.get(pk=case.result["person_ids"][0])

    return _make
