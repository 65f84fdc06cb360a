"""Admin pages of the audit log, the access log and django-axes' lockout records show no English."""

from __future__ import annotations

import re

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.db import transaction
from django.urls import reverse

from shebao.conftest import make_user
from shebao.core.audit import audit_write
from shebao.core.choices import Role
from shebao.core.models import AuditEvent, PersonalDataAccess
from shebao.core.pdaccess import log_full_view

pytestmark = pytest.mark.django_db

ENGLISH = re.compile(
    r"Axes|Access attempt|Access log|Access failure|User Agent|IP Address|Attempt Time|Failed Logins|Form Data|"
    r"Meta Data|Locked Out|Logout Time|Path\b|HTTP Accept\b(?! 请求头)|Prev hash|Hash\b|Before|After|Not set|"
    r"Clean up|Expires At|Session key"
)


@pytest.fixture
def root_client(client, db):
    root = make_user(Role.AGENCY_ADMIN, None, username="root", is_superuser=True, is_staff=True)
    client.force_login(root)
    with transaction.atomic():
        audit_write(actor=root, action="user.change", object_type="user", object_id=root.pk, after={"x": 1})
    log_full_view(root, "person", 1, "id_number", "参保人详情")
    AccessAttempt.objects.create(username="x", ip_address="127.0.0.1", user_agent="t", failures_since_start=2)
    AccessLog.objects.create(username="x", ip_address="127.0.0.1", user_agent="t")
    AccessFailureLog.objects.create(username="x", ip_address="127.0.0.1", user_agent="t")
    return client


@pytest.mark.parametrize("model", [AuditEvent, PersonalDataAccess, AccessAttempt, AccessLog, AccessFailureLog])
def test_changelist_and_detail_pages_are_chinese(root_client, model):
    opts = model._meta
    page = root_client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
    assert page.status_code == 200
    text = re.sub(r"<[^>]+>", " ", page.content.decode())
    assert not ENGLISH.search(text), ENGLISH.search(text).group(0)
    obj = model.objects.first()
    detail = root_client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk]))
    assert detail.status_code == 200
    text = re.sub(r"<[^>]+>", " ", detail.content.decode())
    assert not ENGLISH.search(text), ENGLISH.search(text).group(0)


def test_admin_index_names_axes_in_chinese(root_client):
    html = root_client.get(reverse("admin:index")).content.decode()
    assert "登录防护" in html and "登录失败记录" in html and "Axes" not in html


def test_audit_actions_show_their_chinese_label(root_client):
    html = root_client.get(reverse("admin:core_auditevent_changelist")).content.decode()
    assert "修改用户" in html
