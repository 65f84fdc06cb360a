"""01010202 online by the insured person (变更联系方式): submit, follow the progress, accept, approve."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from shebao.conftest import make_user
from shebao.core.choices import Action, CaseStatus, Channel, Role
from shebao.core.errors import NotFoundError
from shebao.core.models import Case, RoleGrant
from shebao.registration.models import Person
from shebao.registration.services import person_change

pytestmark = [pytest.mark.django_db, pytest.mark.catalog("01010202")]

CHANGE = "/registration/me/change/"


@pytest.fixture
def me(make_employer, make_person):
    return make_person(make_employer(), phone="13900139000", address="杭州市上城区解放路1号")


@pytest.fixture
def insured(client, me):
    user = make_user(Role.INSURED, None, username="wang", person=me)
    client.force_login(user)
    client.user = user
    return client


def test_the_registry_link_resolves_to_the_change_page():
    assert reverse("registration:insured-change") == CHANGE


def test_form_marks_required_fields_and_has_cancel(insured, me):
    response = insured.get(CHANGE)
    assert response.status_code == 200
    html = response.content.decode()
    assert "变更联系方式" in html and "取消" in html and reverse("registration:insured-home") in html
    assert html.count('class="sb-req"') >= 2  # 联系电话 and 居住地址 are marked required
    assert 'aria-required="true"' in html
    assert 'value="13900139000"' in html  # prefilled with the current details
    # 我的社保 links to it
    assert CHANGE in insured.get(reverse("registration:insured-home")).content.decode()


def test_submit_accept_approve_changes_the_phone(insured, me, client, clerk, reviewer, django_user_model):
    response = insured.post(CHANGE, {"phone": "13711112222", "address": "杭州市上城区清波街道2号"})
    assert response.status_code == 302
    case = Case.objects.get(item_id="01010202")
    assert response["Location"] == reverse("core:case-detail", args=[case.pk])
    assert case.status == CaseStatus.SUBMITTED and case.channel == Channel.ONLINE
    assert case.person_id == me.pk and case.submitted_by_id == insured.user.pk
    assert case.payload["changes"] == {"phone": "13711112222", "address": "杭州市上城区清波街道2号"}
    page = insured.get(response["Location"]).content.decode()
    assert "等待经办机构受理" in page and case.number in page and "已申报" in page
    me.refresh_from_db()
    assert me.phone == "13900139000"  # nothing changes before review

    # The progress is visible on the change page and on 我的社保.
    for url in (CHANGE, reverse("registration:insured-home")):
        html = insured.get(url).content.decode()
        assert case.number in html and reverse("core:case-detail", args=[case.pk]) in html and "已申报" in html

    # The clerk accepts and the reviewer approves, over HTTP.
    staff = Client()
    staff.force_login(clerk)
    assert staff.post(reverse("core:case-accept", args=[case.pk])).status_code == 302
    staff.force_login(reviewer)
    assert staff.post(reverse("core:case-approve", args=[case.pk])).status_code == 302
    case.refresh_from_db()
    me.refresh_from_db()
    assert case.status == CaseStatus.COMPLETED
    assert me.phone == "13711112222" and me.address == "杭州市上城区清波街道2号"
    html = insured.get(reverse("registration:insured-home")).content.decode()
    assert "13711112222" in html and "已办结" in html


def test_another_persons_record_cannot_be_targeted(insured, me, make_employer, make_person):
    other = make_person(make_employer(), phone="13600000000")
    # Extra parameters naming someone else are ignored: the case is always about the user's own record.
    response = insured.post(
        CHANGE, {"phone": "13711113333", "address": "杭州市", "person": other.pk, "person_id": other.pk}
    )
    assert response.status_code == 302
    case = Case.objects.get(item_id="01010202")
    assert case.person_id == me.pk and case.payload["person"] == me.pk
    # The workbench form for the other person is not open to an insured user …
    assert insured.get(reverse("registration:person-change", args=[other.pk])).status_code == 302
    assert not Case.objects.filter(item_id="01010202", person=other).exists()
    # … and the service itself refuses another person's record as not found.
    with pytest.raises(NotFoundError):
        person_change(actor=insured.user, person=other, changes={"phone": "13711114444"})
    other.refresh_from_db()
    assert other.phone == "13600000000"


def test_bad_phone_is_400_naming_the_field_and_nothing_saved(insured, me):
    response = insured.post(CHANGE, {"phone": "12345", "address": ""})
    assert response.status_code == 400
    html = response.content.decode()
    # Every error at once, each naming its field.
    assert "联系电话格式不正确" in html and "居住地址不能为空" in html
    assert 'id="id_phone_errors"' in html and 'id="id_address_errors"' in html
    assert not Case.objects.filter(item_id="01010202").exists()
    me.refresh_from_db()
    assert me.phone == "13900139000"


def test_unchanged_details_are_400(insured, me):
    response = insured.post(CHANGE, {"phone": me.phone, "address": me.address})
    assert response.status_code == 400
    assert "没有需要变更的内容" in response.content.decode()
    assert not Case.objects.filter(item_id="01010202").exists()


def test_second_change_while_one_is_pending_names_the_pending_case(insured, me):
    assert insured.post(CHANGE, {"phone": "13711115555", "address": me.address}).status_code == 302
    first = Case.objects.get(item_id="01010202")
    response = insured.post(CHANGE, {"phone": "13711116666", "address": me.address})
    assert response.status_code == 409
    assert first.number in response.content.decode()
    assert Case.objects.filter(item_id="01010202").count() == 1


def test_only_insured_users_with_a_person(client, make_employer):
    unit = make_employer()
    client.force_login(make_user(Role.EMPLOYER, None, employer=unit))
    assert client.get(CHANGE)["Location"] == reverse("registration:portal-home")
    client.force_login(make_user(Role.INSURED, None))
    assert client.get(CHANGE).status_code == 404
    client.logout()
    assert client.get(CHANGE).status_code == 302  # to the login page
    assert not Case.objects.filter(item_id="01010202").exists()


def test_without_the_grant_there_is_no_link_and_the_form_is_403(insured, me):
    RoleGrant.objects.filter(role=Role.INSURED, action=Action.HANDLE).delete()
    assert CHANGE not in insured.get(reverse("registration:insured-home")).content.decode()
    for response in (insured.get(CHANGE), insured.post(CHANGE, {"phone": "13711117777", "address": "杭州"})):
        assert response.status_code == 403
        assert "权限" in response.content.decode()
    assert not Case.objects.filter(item_id="01010202").exists()
    assert Person.objects.get(pk=me.pk).phone == "13900139000"
