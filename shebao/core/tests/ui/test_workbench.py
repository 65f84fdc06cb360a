"""Clerk workbench pages: login and lockout, layout and menu, dashboard queues, case list, case detail actions,
materials (htmx) and data scope (out-of-scope pages are 404)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from shebao.conftest import employer_data, make_user, person_data
from shebao.core.choices import CaseStatus, Role
from shebao.core.models import Attachment, Case
from shebao.core.tests.samples import PDF
from shebao.registration.models import Person
from shebao.registration.services import employer_enrol, person_enrol

pytestmark = [pytest.mark.django_db, pytest.mark.catalog("01010101", "01010201")]


PASSWORD = "Shebao@2026!"


def _client(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def window_case(clerk):
    """An employer registration accepted at the window by clerk_a (waiting for review)."""
    return employer_enrol(actor=clerk, data=employer_data())


@pytest.fixture
def employer_user(make_employer):
    return make_user(Role.EMPLOYER, None, username="unit_user", employer=make_employer())


@pytest.fixture
def online_case(employer_user):
    """增员 declared online by the employer (status submitted)."""
    return person_enrol(actor=employer_user, employer=employer_user.employer, data=person_data())


# ----------------------------------------------------------------------------------------------------------------
# Login
# ----------------------------------------------------------------------------------------------------------------


def test_anonymous_user_is_sent_to_login(client):
    response = client.get(reverse("core:dashboard"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("core:login"))


def test_login_page_in_chinese_and_login_leads_to_dashboard(client, clerk):
    page = client.get(reverse("core:login"))
    assert page.status_code == 200
    assert "社会保险经办管理信息系统" in page.content.decode()
    response = client.post(reverse("core:login"), {"username": "clerk_a", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("core:dashboard")
    dashboard = client.get(response["Location"])
    assert "工作台首页" in dashboard.content.decode()


def test_wrong_password_shows_chinese_error(client, clerk):
    response = client.post(reverse("core:login"), {"username": "clerk_a", "password": "wrong-password"})
    assert response.status_code == 200
    assert "请输入一个正确的" in response.content.decode()  # Django's zh-hans message


def test_lockout_after_five_failures_shows_the_message(client, clerk):
    statuses = [
        client.post(reverse("core:login"), {"username": "clerk_a", "password": f"wrong-{i}"}).status_code
        for i in range(5)
    ]
    assert statuses[:4] == [200] * 4
    # Locked now: even the right password is refused with the lockout page.
    response = client.post(reverse("core:login"), {"username": "clerk_a", "password": PASSWORD})
    assert response.status_code == 429
    assert "登录失败次数过多" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_logout_is_post_only(client, clerk):
    _client(client, clerk)
    response = client.post(reverse("core:logout"))
    assert response.status_code == 302
    assert client.get(reverse("core:dashboard")).status_code == 302


# ----------------------------------------------------------------------------------------------------------------
# Layout, menu and dashboard
# ----------------------------------------------------------------------------------------------------------------


def test_layout_shows_user_role_agency_and_catalogue_menu(client, clerk):
    html = _client(client, clerk).get(reverse("core:dashboard")).content.decode()
    assert "clerk_a" in html and "经办员" in html and "上城区社会保险管理服务中心" in html
    assert html.count('class="sb-cluster"') == 12
    for cluster in ("社会保险关系管理", "社会保险费征缴", "业务咨询查询"):
        assert cluster in html
    assert f'href="{reverse("registration:employer-enrol")}"' in html
    assert f'href="{reverse("registration:person-enrol")}"' in html
    assert f'href="{reverse("registration:employer-list")}?item=01010102"' in html
    assert "未开通" in html
    assert 'hx-headers=\'{"X-CSRFToken": "' in html


def test_dashboard_queues_and_empty_states(client, clerk, reviewer, clerk_b, window_case, online_case):
    html = _client(client, clerk).get(reverse("core:dashboard")).content.decode()
    assert window_case.number in html  # 我的在办业务
    assert online_case.number in html  # 网上申报待受理
    assert 'data-testid="count-mine">1<' in html
    assert 'data-testid="count-online">1<' in html
    assert "待我复核" not in html  # clerks do not review

    client.force_login(reviewer)
    html = client.get(reverse("core:dashboard")).content.decode()
    assert 'data-testid="count-review">1<' in html and window_case.number in html

    client.force_login(clerk_b)
    html = client.get(reverse("core:dashboard")).content.decode()
    assert "目前没有由您经办的在办业务" in html
    assert window_case.number not in html


def test_employer_and_insured_users_go_to_their_portal(client, employer_user, make_person):
    response = _client(client, employer_user).get(reverse("core:dashboard"))
    assert response["Location"] == reverse("registration:portal-home")
    person = make_person(employer_user.employer)
    insured = make_user(Role.INSURED, None, person=person)
    client.force_login(insured)
    assert client.get(reverse("core:dashboard"))["Location"] == reverse("registration:insured-home")
    # Workbench pages are for agency staff only.
    assert client.get(reverse("registration:employer-list"))["Location"] == reverse("registration:insured-home")


# ----------------------------------------------------------------------------------------------------------------
# Case list and detail
# ----------------------------------------------------------------------------------------------------------------


def test_case_list_filters_and_search(client, clerk, window_case, online_case):
    c = _client(client, clerk)
    html = c.get(reverse("core:case-list")).content.decode()
    assert window_case.number in html and online_case.number in html
    html = c.get(reverse("core:case-list"), {"status": "submitted"}).content.decode()
    assert online_case.number in html and window_case.number not in html
    html = c.get(reverse("core:case-list"), {"item": "01010101"}).content.decode()
    assert window_case.number in html and online_case.number not in html
    html = c.get(reverse("core:case-list"), {"q": window_case.number}).content.decode()
    assert window_case.number in html and online_case.number not in html
    html = c.get(reverse("core:case-list"), {"queue": "online"}).content.decode()
    assert online_case.number in html and window_case.number not in html
    partial = c.get(reverse("core:case-list"), {"status": "accepted"}, headers={"HX-Request": "true"})
    assert partial.status_code == 200
    assert b"<html" not in partial.content and window_case.number.encode() in partial.content


def test_case_list_is_paginated(client, clerk):
    for n in range(23):
        employer_enrol(actor=clerk, data=employer_data(5000 + n))
    c = _client(client, clerk)
    html = c.get(reverse("core:case-list")).content.decode()
    assert "共 23 条" in html and "第 1/2 页" in html
    assert "第 2/2 页" in c.get(reverse("core:case-list"), {"page": 2}).content.decode()


def test_case_detail_renders_payload_readably(client, clerk, window_case):
    html = _client(client, clerk).get(reverse("core:case-detail", args=[window_case.pk])).content.decode()
    assert "单位名称" in html and window_case.payload["name"] in html
    assert "企业职工基本养老保险" in html  # insurance codes shown with their names
    assert "330102 上城区" in html  # region code with its name
    assert "申报" in html and "受理" in html  # history


def test_a_payload_not_of_the_items_types_is_listed_as_is(client, clerk, window_case):
    """The item's presenter reads its typed payload; a case row made by hand (no type tag) is shown generically."""
    Case.objects.filter(pk=window_case.pk).update(payload={"name": "手工录入的单位", "note": "无类型"})
    response = _client(client, clerk).get(reverse("core:case-detail", args=[window_case.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "手工录入的单位" in html and "无类型" in html


def test_out_of_scope_case_is_404(client, clerk_b, window_case):
    c = _client(client, clerk_b)
    assert c.get(reverse("core:case-detail", args=[window_case.pk])).status_code == 404
    assert c.post(reverse("core:case-approve", args=[window_case.pk])).status_code == 404
    response = c.get(reverse("core:case-detail", args=[999999]))
    assert response.status_code == 404
    assert "业务经办单不存在" in response.content.decode()


def test_buttons_follow_permissions(client, clerk, reviewer, window_case, online_case):
    c = _client(client, clerk)
    html = c.get(reverse("core:case-detail", args=[online_case.pk])).content.decode()
    assert reverse("core:case-accept", args=[online_case.pk]) in html
    html = c.get(reverse("core:case-detail", args=[window_case.pk])).content.decode()
    assert reverse("core:case-approve", args=[window_case.pk]) not in html  # the handler never reviews
    assert reverse("core:case-withdraw", args=[window_case.pk]) in html  # the submitter may withdraw
    client.force_login(reviewer)
    html = client.get(reverse("core:case-detail", args=[window_case.pk])).content.decode()
    assert reverse("core:case-approve", args=[window_case.pk]) in html
    assert reverse("core:case-reject", args=[window_case.pk]) in html
    assert reverse("core:case-accept", args=[window_case.pk]) not in html


def test_accept_then_approve_online_application(client, clerk, reviewer, online_case):
    c = _client(client, clerk)
    response = c.post(reverse("core:case-accept", args=[online_case.pk]), {"version": online_case.version})
    assert response.status_code == 302
    online_case.refresh_from_db()
    assert online_case.status == CaseStatus.ACCEPTED and online_case.handler == clerk
    assert "已受理" in c.get(response["Location"]).content.decode()

    client.force_login(reviewer)
    response = client.post(reverse("core:case-approve", args=[online_case.pk]), {"version": online_case.version})
    assert response.status_code == 302
    online_case.refresh_from_db()
    assert online_case.status == CaseStatus.COMPLETED
    assert Person.objects.filter(id_number=online_case.payload["rows"][0]["id_number"]).exists()


def test_stale_version_is_a_conflict_not_a_500(client, clerk, online_case):
    response = _client(client, clerk).post(
        reverse("core:case-accept", args=[online_case.pk]), {"version": online_case.version + 5}
    )
    assert response.status_code == 409
    assert "已被他人处理" in response.content.decode()
    online_case.refresh_from_db()
    assert online_case.status == CaseStatus.SUBMITTED


def test_handler_cannot_approve_own_case(client, agencies):
    admin = make_user(Role.AGENCY_ADMIN, agencies["a"])
    case = employer_enrol(actor=admin, data=employer_data())
    response = _client(client, admin).post(reverse("core:case-approve", args=[case.pk]))
    assert response.status_code == 400
    assert "双人复核" in response.content.decode()
    case.refresh_from_db()
    assert case.status == CaseStatus.ACCEPTED


def test_clerk_without_review_grant_gets_403_alert(client, clerk, window_case):
    other = make_user(Role.CLERK, window_case.agency)
    response = _client(client, other).post(reverse("core:case-approve", args=[window_case.pk]))
    assert response.status_code == 403
    assert "复核权限" in response.content.decode()


def test_reject_needs_a_reason(client, reviewer, window_case):
    c = _client(client, reviewer)
    response = c.post(reverse("core:case-reject", args=[window_case.pk]), {"reason": "  "})
    assert response.status_code == 400
    html = response.content.decode()
    assert "请填写退回原因" in html and "is-invalid" in html
    window_case.refresh_from_db()
    assert window_case.status == CaseStatus.ACCEPTED
    response = c.post(reverse("core:case-reject", args=[window_case.pk]), {"reason": "营业执照与申报名称不一致"})
    assert response.status_code == 302
    window_case.refresh_from_db()
    assert window_case.status == CaseStatus.REJECTED and window_case.reason == "营业执照与申报名称不一致"


def test_submitter_withdraws(client, employer_user, online_case):
    c = _client(client, employer_user)
    html = c.get(reverse("core:case-detail", args=[online_case.pk])).content.decode()
    assert reverse("core:case-withdraw", args=[online_case.pk]) in html
    assert reverse("core:case-accept", args=[online_case.pk]) not in html
    response = c.post(reverse("core:case-withdraw", args=[online_case.pk]), {"reason": "信息填写有误"})
    assert response.status_code == 302
    online_case.refresh_from_db()
    assert online_case.status == CaseStatus.WITHDRAWN


# ----------------------------------------------------------------------------------------------------------------
# Materials
# ----------------------------------------------------------------------------------------------------------------


def test_material_upload_with_htmx_and_scoped_download(
    client, clerk, clerk_b, window_case, django_capture_on_commit_callbacks
):
    c = _client(client, clerk)
    url = reverse("core:case-material-add", args=[window_case.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = c.post(
            url, {"kind": "营业执照", "file": SimpleUploadedFile("营业执照.pdf", PDF)}, headers={"HX-Request": "true"}
        )
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html and 'id="materials"' in html and "营业执照.pdf" in html
    att = Attachment.objects.get(case=window_case)
    download = c.get(reverse("core:case-material-download", args=[window_case.pk, att.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
    client.force_login(clerk_b)
    assert client.get(reverse("core:case-material-download", args=[window_case.pk, att.pk])).status_code == 404


def test_bad_material_is_refused_in_chinese_and_nothing_saved(client, clerk, window_case):
    c = _client(client, clerk)
    url = reverse("core:case-material-add", args=[window_case.pk])
    response = c.post(
        url, {"kind": "说明", "file": SimpleUploadedFile("note.txt", b"hello")}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 400
    assert "文件类型不允许" in response.content.decode()
    response = c.post(url, {"kind": "说明", "file": SimpleUploadedFile("fake.pdf", b"not a pdf")})
    assert response.status_code == 400
    assert "文件内容与扩展名不符" in response.content.decode()
    assert not Attachment.objects.filter(case=window_case).exists()


def test_material_upload_without_htmx_redirects(client, clerk, window_case):
    response = _client(client, clerk).post(
        reverse("core:case-material-add", args=[window_case.pk]),
        {"kind": "营业执照", "file": SimpleUploadedFile("license.pdf", PDF)},
    )
    assert response.status_code == 302
    assert Case.objects.get(pk=window_case.pk).attachments.count() == 1
