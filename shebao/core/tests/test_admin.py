"""Django admin: reference data and configuration; business records read-only; parameters via parameter_set."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.urls import reverse

from shebao.conftest import make_user
from shebao.core.choices import Role
from shebao.core.identifiers import mask_id
from shebao.core.models import AuditEvent, CatalogItem, Parameter

pytestmark = pytest.mark.django_db

READ_ONLY = [
    "core.region",
    "core.case",
    "core.auditevent",
    "registration.insurancetype",
    "registration.employer",
    "registration.employerinsurance",
    "registration.person",
    "registration.enrolment",
]


@pytest.fixture
def root(db):
    return make_user(Role.AGENCY_ADMIN, None, username="root", is_superuser=True, is_staff=True)


@pytest.fixture
def root_client(client, root):
    client.force_login(root)
    return client


def _url(label: str, view: str, *args) -> str:
    app, model = label.split(".")
    return reverse(f"admin:{app}_{model}_{view}", args=args)


def test_models_are_registered():
    registered = {f"{m._meta.app_label}.{m._meta.model_name}" for m in admin.site._registry}
    expected = {
        "core.region",
        "core.agency",
        "core.user",
        "core.rolegrant",
        "core.catalogitem",
        "core.case",
        "core.auditevent",
        "core.parameter",
        "core.calendarday",
        "core.calendaryear",
        *READ_ONLY,
    }
    assert expected <= registered


@pytest.mark.parametrize(
    "label",
    [
        "core.region",
        "core.agency",
        "core.user",
        "core.rolegrant",
        "core.catalogitem",
        "core.case",
        "core.auditevent",
        "core.parameter",
        "core.calendarday",
        "core.calendaryear",
        "registration.insurancetype",
        "registration.employer",
        "registration.employerinsurance",
        "registration.person",
        "registration.enrolment",
    ],
)
def test_changelists_render(root_client, label, make_employer, make_person):
    make_person(make_employer())
    response = root_client.get(_url(label, "changelist"))
    assert response.status_code == 200
    response = root_client.get(_url(label, "changelist") + "?q=3301")
    assert response.status_code == 200


@pytest.mark.parametrize("label", READ_ONLY)
def test_business_records_are_read_only(rf, root, label):
    app, model = label.split(".")
    model_admin = next(
        ma for m, ma in admin.site._registry.items() if (m._meta.app_label, m._meta.model_name) == (app, model)
    )
    request = rf.get("/")
    request.user = root
    assert model_admin.has_view_permission(request)
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)


def test_audit_event_pages(root_client, make_employer):
    make_employer()
    event = AuditEvent.objects.first()
    assert root_client.get(_url("core.auditevent", "change", event.pk)).status_code == 200
    assert root_client.get(_url("core.auditevent", "add")).status_code == 403
    assert root_client.post(_url("core.auditevent", "delete", event.pk), {"post": "yes"}).status_code == 403
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_person_list_masks_id_numbers(root_client, make_employer, make_person):
    person = make_person(make_employer())
    page = root_client.get(_url("registration.person", "changelist")).content.decode()
    assert person.id_number not in page
    assert mask_id(person.id_number) in page
    found = root_client.get(_url("registration.person", "changelist") + f"?q={person.id_number}").content.decode()
    assert mask_id(person.id_number) in found
    assert root_client.get(_url("registration.person", "add")).status_code == 403


def test_parameter_added_through_the_service_with_audit(root_client, root):
    response = root_client.post(
        _url("core.parameter", "add"),
        {
            "key": "registration.min_age",
            "region": "330102",
            "effective_from": "2030-01-01",
            "value": "18",
            "unit": "",
            "legal_reference": "测试",
            "note": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    param = Parameter.objects.get(key="registration.min_age", region_id="330102", effective_from="2030-01-01")
    assert param.value == "18" and param.created_by == root and param.is_default is False
    assert param.unit == "周岁"
    events = AuditEvent.objects.filter(action="parameter.set")
    assert events.count() == 1  # the validation dry run leaves nothing behind
    assert events.get().object_id == str(param.pk)


def test_parameter_change_goes_through_the_service(root_client):
    param = Parameter.objects.get(key="registration.min_age", region__isnull=True)
    response = root_client.post(
        _url("core.parameter", "change", param.pk),
        {
            "value": "17",
            "unit": "周岁",
            "legal_reference": "新依据",
            "note": "",
        },
    )
    assert response.status_code == 302
    param.refresh_from_db()
    assert param.value == "17" and param.legal_reference == "新依据" and param.is_default is False
    assert AuditEvent.objects.get(action="parameter.set").after["value"] == "17"


def test_parameter_form_shows_service_errors(client, agencies):
    """A city admin (with Django's parameter permissions) may not set a province value: form error, no row."""
    user = make_user(Role.AGENCY_ADMIN, agencies["city"], is_staff=True)
    user.user_permissions.add(
        *Permission.objects.filter(codename__in=["add_parameter", "change_parameter", "view_parameter"])
    )
    client.force_login(user)
    before = Parameter.objects.count()
    response = client.post(
        _url("core.parameter", "add"),
        {
            "key": "registration.min_age",
            "region": "330000",
            "effective_from": "2030-01-01",
            "value": "18",
        },
    )
    assert response.status_code == 200
    assert "无权设置该区划的参数" in response.content.decode()
    response = client.post(
        _url("core.parameter", "add"),
        {
            "key": "no.such.key",
            "region": "330100",
            "effective_from": "2030-01-01",
            "value": "18",
        },
    )
    assert "未知的参数键" in response.content.decode()
    assert Parameter.objects.count() == before
    assert not AuditEvent.objects.exists()
    response = client.post(
        _url("core.parameter", "add"),
        {
            "key": "registration.min_age",
            "region": "330102",
            "effective_from": "2030-01-01",
            "value": "18",
        },
    )
    assert response.status_code == 302
    assert AuditEvent.objects.get().actor == user


def test_parameters_cannot_be_deleted(root_client):
    param = Parameter.objects.first()
    assert root_client.post(_url("core.parameter", "delete", param.pk), {"post": "yes"}).status_code == 403


def test_catalog_review_setting_is_editable_and_audited(root_client):
    item = CatalogItem.objects.get(code="01010202")
    response = root_client.post(
        _url("core.catalogitem", "change", item.pk),
        {
            "needs_review": "",
            "retention": "100年",
            "local_code": "ZJ-0202",
            "name": "篡改名称",
        },
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.needs_review is False and item.retention == "100年" and item.local_code == "ZJ-0202"
    assert item.name == "变更登记"  # names come from the standard, not the admin
    event = AuditEvent.objects.get(action="catalog_item.change")
    assert event.before == {"needs_review": True, "retention": "", "local_code": ""}
    assert event.after == {"needs_review": False, "retention": "100年", "local_code": "ZJ-0202"}
    assert root_client.get(_url("core.catalogitem", "add")).status_code == 403


def test_user_admin_sets_role_and_agency_with_audit(root_client, agencies):
    user = make_user(Role.CLERK, agencies["a"], username="someone")
    page = root_client.get(_url("core.user", "change", user.pk)).content.decode()
    assert "角色与数据范围" in page
    response = root_client.post(
        _url("core.user", "change", user.pk),
        {
            "username": "someone",
            "display_name": "某人",
            "role": Role.REVIEWER,
            "agency": agencies["b"].pk,
            "is_active": "on",
            "date_joined_0": "2026-01-01",
            "date_joined_1": "08:00:00",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    user.refresh_from_db()
    assert (user.role, user.agency) == (Role.REVIEWER, agencies["b"])
    event = AuditEvent.objects.get(action="user.change")
    assert event.before["role"] == Role.CLERK and event.after["role"] == Role.REVIEWER
    assert "password" not in event.after


def test_role_grant_delete_is_audited(root_client):
    from shebao.core.models import RoleGrant

    grant = RoleGrant.objects.get(role=Role.FINANCE, item_prefix="", action="view")
    response = root_client.post(_url("core.rolegrant", "delete", grant.pk), {"post": "yes"})
    assert response.status_code == 302
    assert not RoleGrant.objects.filter(pk=grant.pk).exists()
    event = AuditEvent.objects.get(action="role_grant.delete")
    assert event.before == {"id": grant.pk, "role": "finance", "item_prefix": "", "action": "view"}


def test_agency_path_is_computed(root_client, agencies):
    response = root_client.post(
        _url("core.agency", "add"),
        {
            "code": "330106",
            "name": "西湖区社会保险管理服务中心",
            "region": "330106",
            "parent": agencies["city"].pk,
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    from shebao.core.models import Agency

    assert Agency.objects.get(code="330106").path == "/330100/330106/"
    assert AuditEvent.objects.get(action="agency.add").after["path"] == "/330100/330106/"


def test_detail_pages_render_read_only(root_client, make_employer, make_person):
    from shebao.core.models import Case

    person = make_person(make_employer())
    for label, pk in (
        ("registration.person", person.pk),
        ("registration.employer", person.employer_id),
        ("core.case", Case.objects.first().pk),
        ("core.region", "330102"),
    ):
        response = root_client.get(_url(label, "change", pk))
        assert response.status_code == 200, label
        assert b'name="_save"' not in response.content
    page = root_client.get(_url("registration.person", "change", person.pk)).content.decode()
    assert person.id_number in page  # full number on the detail page only
