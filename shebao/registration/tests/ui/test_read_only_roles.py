"""Role-aware registration UI: auditors and finance (read-only) never see or reach a form they cannot submit."""

from __future__ import annotations

import pytest
from django.urls import reverse

from shebao.conftest import employer_data, make_user, person_data
from shebao.core.choices import Role
from shebao.core.models import Case

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.catalog("01010101", "01010102", "01010103", "01010201", "01010202", "01010203"),
]

READ_ONLY = (Role.AUDITOR, Role.FINANCE)


@pytest.fixture
def records(make_employer, make_person):
    unit = make_employer()
    return unit, make_person(unit)


def _form_urls(unit, person) -> dict[str, str]:
    """Every registration form of the workbench (the ones the detail and list pages may link to)."""
    return {
        "employer-enrol": reverse("registration:employer-enrol"),
        "employer-change": reverse("registration:employer-change", args=[unit.pk]),
        "employer-restructure": reverse("registration:employer-restructure", args=[unit.pk]),
        "employer-transfer": reverse("registration:employer-transfer", args=[unit.pk]),
        "employer-deregister": reverse("registration:employer-deregister", args=[unit.pk]),
        "person-enrol": reverse("registration:person-enrol"),
        "person-bulk": reverse("registration:person-bulk"),
        "person-change": reverse("registration:person-change", args=[person.pk]),
        "person-terminate": reverse("registration:person-terminate", args=[person.pk]),
    }


def _post_data(name: str, unit, person) -> dict:
    """A submission that a clerk's form would accept (so only the grant stops it)."""
    return {
        "employer-enrol": employer_data(),
        "employer-change": {"name": "改名后的单位"},
        "employer-restructure": {"kind": "merge", "targets": unit.uscc},
        "employer-transfer": {"to_agency": "330105"},
        "employer-deregister": {"reason": "歇业", "cancel_date": "2026-01-01"},
        "person-enrol": {**person_data(), "employer": unit.uscc, "category": "employee"},
        "person-bulk": {"employer": unit.uscc},
        "person-change": {"phone": "13711118888"},
        "person-terminate": {"reason": "death", "end_date": "2026-01-01"},
    }[name]


@pytest.mark.parametrize("role", READ_ONLY)
def test_every_form_is_403_on_get_and_post(client, agencies, records, role):
    unit, person = records
    client.force_login(make_user(role, agencies["a"]))
    before = Case.objects.count()
    for name, url in _form_urls(unit, person).items():
        for response in (client.get(url), client.post(url, _post_data(name, unit, person))):
            assert response.status_code == 403, (name, response.status_code)
            html = response.content.decode()
            assert "您没有访问该页面的权限" in html and "经办权限" in html, name
    assert Case.objects.count() == before


@pytest.mark.parametrize("role", READ_ONLY)
def test_refused_before_any_work(client, agencies, records, role, monkeypatch):
    """The grant is checked before the form (or an uploaded workbook) is even built."""
    from shebao.registration.views import employers, persons

    def boom(*args, **kwargs):
        raise AssertionError("the view body ran for a user without the grant")

    for module, names in ((persons, ("PersonEnrolForm", "BulkEnrolForm", "PersonChangeForm")), (employers, ())):
        for form in names:
            monkeypatch.setattr(module.f, form, boom)
    monkeypatch.setattr(employers, "_employer_or_404", boom)
    monkeypatch.setattr(persons, "_person_or_404", boom)
    unit, person = records
    client.force_login(make_user(role, agencies["a"]))
    for url in _form_urls(unit, person).values():
        assert client.post(url, {"file": b"PK\x03\x04"}).status_code == 403


@pytest.mark.parametrize("role", READ_ONLY)
def test_detail_and_list_pages_link_to_no_form(client, agencies, records, role):
    unit, person = records
    client.force_login(make_user(role, agencies["a"]))
    forms = _form_urls(unit, person)
    pages = [
        reverse("registration:employer-detail", args=[unit.pk]),
        reverse("registration:person-detail", args=[person.pk]),
        reverse("registration:employer-list"),
        reverse("registration:person-list"),
    ]
    for page in pages:
        response = client.get(page)
        assert response.status_code == 200, page
        html = response.content.decode()
        assert forms_linked(html, forms) == [], page
        for label in ("变更登记", "注销登记", "关系终止", "增员", "批量增员", "分立合并", "成建制转移"):
            assert f">{label}</a>" not in html, (page, label)
        # only 退出 and, on the search pages, the search form (posted so ID numbers stay out of URLs)
        search = html.count(f'method="post" action="{page.split("?")[0]}"') if page.endswith("s/") else 0
        assert html.count('method="post"') == 1 + search, page


def test_a_clerk_sees_and_opens_every_form(client, clerk, records):
    unit, person = records
    client.force_login(clerk)
    forms = _form_urls(unit, person)
    employer_page = client.get(reverse("registration:employer-detail", args=[unit.pk])).content.decode()
    person_page = client.get(reverse("registration:person-detail", args=[person.pk])).content.decode()
    assert set(forms_linked(employer_page, forms)) == set(forms) - {"person-change", "person-terminate"}
    assert f"{forms['person-enrol']}?employer={unit.pk}" in employer_page
    assert f"{forms['person-bulk']}?employer={unit.pk}" in employer_page
    assert {"person-change", "person-terminate"} <= set(forms_linked(person_page, forms))
    for name, url in forms.items():
        assert client.get(url).status_code == 200, name


def test_a_reviewer_cannot_open_the_handling_forms(client, reviewer, records):
    """Reviewers decide cases; they do not submit them (no handle grant)."""
    unit, person = records
    client.force_login(reviewer)
    for name, url in _form_urls(unit, person).items():
        assert client.get(url).status_code == 403, name
    html = client.get(reverse("registration:person-detail", args=[person.pk])).content.decode()
    assert ">变更登记</a>" not in html and forms_linked(html, _form_urls(unit, person)) == []


def forms_linked(html: str, forms: dict[str, str]) -> list[str]:
    """Names of the forms the page links to (in the content or in the menus)."""
    return [name for name, url in forms.items() if f'href="{url}"' in html or f'href="{url}?' in html]
