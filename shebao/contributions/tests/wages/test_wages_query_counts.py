"""No per-row queries on the wages lists (020101–020103): as many SQL queries with 2 rows as with 20."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from shebao.contributions.choices import BaseSource, DeclarationStatus
from shebao.contributions.models import ContributionBase, WageDeclaration, WageDeclarationLine
from shebao.registration.tests.factories import EmployerFactory, EmployerUserFactory, PersonFactory
from shebao.testing import api_client_for, login
from shebao.tests.test_query_counts import Rows, assert_constant_queries

from .helpers import current_year, this_month

pytestmark = pytest.mark.django_db


def _declaration(agency, i: int) -> WageDeclaration:
    employer = EmployerFactory(agency=agency)
    return WageDeclaration.objects.create(
        employer=employer, agency=agency, year=current_year(), status=DeclarationStatus.APPROVED, headcount=i
    )


@pytest.fixture
def unit(agencies):
    return EmployerFactory(agency=agencies["a"])


def _base(unit, i: int) -> ContributionBase:
    person = PersonFactory(employer=unit)
    return ContributionBase.objects.create(
        person=person,
        employer=unit,
        year=current_year(),
        valid_from=this_month(),
        base=Decimal(5000 + i),
        source=BaseSource.DEFAULT,
    )


def test_declaration_list(client, clerk, agencies):
    login(client, clerk)
    assert_constant_queries(
        lambda: client.get(reverse("contributions:wage-list")), Rows(lambda i: _declaration(agencies["a"], i))
    )


def test_declaration_lines_page_and_api(client, clerk, agencies, unit):
    declaration = WageDeclaration.objects.create(
        employer=unit, agency=unit.agency, year=current_year(), status=DeclarationStatus.APPROVED
    )

    def line(i):
        WageDeclarationLine.objects.create(
            declaration=declaration,
            person=PersonFactory(employer=unit),
            annual_wage=Decimal("60000"),
            months=12,
            monthly_wage=Decimal("5000"),
        )

    rows = Rows(line)
    login(client, clerk)
    assert_constant_queries(lambda: client.get(reverse("contributions:wage-detail", args=[declaration.pk])), rows)
    api = api_client_for(clerk)
    assert_constant_queries(lambda: api.get(f"/api/v1/wage-declarations/{declaration.pk}/lines/"), rows)


def test_declaration_list_api(clerk, agencies):
    api = api_client_for(clerk)
    assert_constant_queries(
        lambda: api.get("/api/v1/wage-declarations/"), Rows(lambda i: _declaration(agencies["a"], i))
    )


def test_base_list_page_and_api(client, clerk, unit):
    rows = Rows(lambda i: _base(unit, i))
    login(client, clerk)
    assert_constant_queries(lambda: client.get(reverse("contributions:base-list")), rows)
    api = api_client_for(clerk)
    assert_constant_queries(lambda: api.get("/api/v1/contribution-bases/"), rows)


def test_portal_bases(client, unit):
    login(client, EmployerUserFactory(employer=unit))
    assert_constant_queries(lambda: client.get(reverse("contributions:portal-bases")), Rows(lambda i: _base(unit, i)))
