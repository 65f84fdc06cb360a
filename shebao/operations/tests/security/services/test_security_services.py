"""1107 数据安全 services: the export needs another reviewer's approval, the file is watermarked and downloaded only
by the requester a limited number of times (each download audited and logged); masking rules per role; the
access log written when a full ID number is shown and found by the auditor's search."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from shebao.conftest import make_user
from shebao.core.access import can_view_full_id
from shebao.core.cases import case_approve
from shebao.core.choices import Role
from shebao.core.errors import ConflictError, NotFoundError, PermissionDeniedError
from shebao.core.masking import mask_for, personal_view
from shebao.core.models import AuditEvent, Case, PersonalDataAccess
from shebao.operations.models import MaskingRule, PersonalDataExport
from shebao.operations.selectors.security import access_search, clean_access_filters
from shebao.operations.services.security import masking_rule_update, pd_export_download, pd_export_request
from shebao.testing import assert_refused

from ..helpers import REASON, column_values, open_workbook, request_and_approve, unit_with_employees

pytestmark = [pytest.mark.django_db, pytest.mark.catalog("1107")]


@pytest.fixture
def root_admin(agencies):
    """The administrator of the city agency (the top of the tree): the one who changes masking rules."""
    return make_user(Role.AGENCY_ADMIN, agencies["city"], username="admin_city")


def test_export_is_produced_only_after_approval_and_downloads_are_watermarked_limited_and_logged(
    agencies, clerk, reviewer
):
    employer, people = unit_with_employees(agencies["a"], 3)
    case = pd_export_request(actor=clerk, kind="employees", filters={"employer": employer.pk}, reason=REASON)
    # before approval: no file, no download
    assert not PersonalDataExport.objects.exists()
    assert_refused(lambda: pd_export_download(actor=clerk, case=case), field="download", status=400)

    before = timezone.now()
    case = case_approve(actor=reviewer, case=case)
    name, content = pd_export_download(actor=clerk, case=case)
    assert name.endswith(".xlsx")
    wb = open_workbook(content)
    ws = wb.active
    mark = ws["A1"].value
    assert mark.startswith(f"导出人 {clerk}（{clerk.username}） ") and f"案件号 {case.number}" in mark
    stamp = dt.datetime.strptime(re.search(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}", mark).group(), "%Y-%m-%d %H:%M:%S")
    assert abs(timezone.make_aware(stamp) - before) < dt.timedelta(minutes=2)
    assert ws.oddHeader.center.text == mark and ws.oddFooter.center.text == mark
    assert wb.properties.description == mark and wb.properties.creator == str(clerk)
    assert {p.name: p.value for p in wb.custom_doc_props.props}["案件号"] == case.number
    assert [c.value for c in ws[2]][:2] == ["社会保障号码", "姓名"]
    assert sorted(column_values(wb)) == sorted(p.id_number for p in people)  # a clerk sees them in full

    download = AuditEvent.objects.get(action="pd_export.download", case=case)
    assert download.after["download"] == 1
    row = PersonalDataAccess.objects.get(object_type="pd_export", field="id_number")
    assert (row.actor_id, row.field) == (clerk.pk, "id_number") and case.number in row.where
    assert PersonalDataAccess.objects.filter(object_type="pd_export", field="bank_account").exists()


def test_download_only_by_the_requester_and_only_as_often_as_allowed(agencies, clerk, reviewer):
    employer, _ = unit_with_employees(agencies["a"])
    case = request_and_approve(clerk, reviewer, employer)
    other = make_user(Role.CLERK, agencies["a"], username="clerk_a2")
    assert_refused(lambda: pd_export_download(actor=other, case=case), status=404, nothing_saved=[PersonalDataAccess])
    assert_refused(lambda: pd_export_download(actor=reviewer, case=case), status=404)
    export = PersonalDataExport.objects.get(case=case)
    for _ in range(export.max_downloads):
        pd_export_download(actor=clerk, case=case)
    error = assert_refused(lambda: pd_export_download(actor=clerk, case=case), status=409, field="download")
    assert "上限" in error.message
    assert PersonalDataExport.objects.get(pk=export.pk).downloads == export.max_downloads


def test_expired_export_cannot_be_downloaded(agencies, clerk, reviewer):
    employer, _ = unit_with_employees(agencies["a"])
    case = request_and_approve(clerk, reviewer, employer)
    PersonalDataExport.objects.filter(case=case).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    error = assert_refused(
        lambda: pd_export_download(actor=clerk, case=case), status=409, nothing_saved=[PersonalDataAccess]
    )
    assert "有效期" in error.message


def test_requester_cannot_approve_own_export(agencies):
    admin = make_user(Role.AGENCY_ADMIN, agencies["a"])
    employer, _ = unit_with_employees(agencies["a"])
    case = pd_export_request(actor=admin, kind="employees", filters={"employer": employer.pk}, reason=REASON)
    assert_refused(lambda: case_approve(actor=admin, case=case), field="reviewer", nothing_saved=[PersonalDataExport])


@pytest.mark.parametrize(
    ("kind", "filters", "reason", "field", "text"),
    [
        ("everyone", {}, REASON, "kind", "导出内容"),
        ("employees", {}, REASON, "filters", "参保单位"),
        ("employees", {"employer": "abc"}, REASON, "filters", "参保单位"),
        ("persons", {"city": "x"}, REASON, "filters", "不支持"),
        ("persons", {"status": "gone"}, REASON, "filters", "人员状态"),
        ("persons", {}, "", "reason", "导出事由"),
        ("persons", {}, "查看", "reason", "至少4个字"),
        ("persons", {}, "事由\u202e反转", "reason", "控制字符"),
    ],
)
def test_bad_requests_are_refused_naming_the_field_with_nothing_saved(
    agencies, clerk, kind, filters, reason, field, text
):
    unit_with_employees(agencies["a"])
    assert_refused(
        lambda: pd_export_request(actor=clerk, kind=kind, filters=filters, reason=reason),
        field=field,
        status=400,
        message_contains=text,
        nothing_saved=[Case, AuditEvent, PersonalDataExport],
    )


def test_persons_export_covers_the_requesters_scope_only(agencies, clerk, reviewer):
    _, mine = unit_with_employees(agencies["a"], 2)
    unit_with_employees(agencies["b"], 3)
    case = pd_export_request(actor=clerk, kind="persons", filters={"status": "active"}, reason=REASON)
    case = case_approve(actor=reviewer, case=case)
    _, content = pd_export_download(actor=clerk, case=case)
    assert sorted(column_values(open_workbook(content))) == sorted(p.id_number for p in mine)


def test_masking_rule_change_alters_what_a_role_sees_and_the_export(agencies, clerk, reviewer, root_admin):
    employer, people = unit_with_employees(agencies["a"], 1)
    person = people[0]
    assert can_view_full_id(clerk, person_id=person.pk) and mask_for(clerk, "id_number", person.id_number) == (
        person.id_number
    )
    rule = MaskingRule.objects.get(role=Role.CLERK, kind="id_number")
    masking_rule_update(actor=root_admin, rule_id=rule.pk, rule="last4")
    event = AuditEvent.objects.get(action="masking_rule.update")
    assert (event.before["rule"], event.after["rule"]) == ("full", "last4")

    assert not can_view_full_id(clerk, person_id=person.pk)
    assert mask_for(clerk, "id_number", person.id_number) == "*" * 14 + person.id_number[-4:]
    assert mask_for(reviewer, "id_number", person.id_number) == person.id_number  # another role: unchanged
    shown = personal_view(clerk, {"id_number": person.id_number}, object_type="person", object_id=person.pk, where="t")
    assert shown["id_number"] != person.id_number and not PersonalDataAccess.objects.exists()

    case = request_and_approve(clerk, reviewer, employer)
    _, content = pd_export_download(actor=clerk, case=case)
    assert column_values(open_workbook(content)) == ["*" * 14 + person.id_number[-4:]]
    assert not PersonalDataAccess.objects.filter(field="id_number").exists()  # nothing shown in full


def test_only_a_top_level_admin_changes_masking_rules_and_bad_rules_save_nothing(agencies, root_admin):
    rule = MaskingRule.objects.get(role=Role.FINANCE, kind="phone")
    district_admin = make_user(Role.AGENCY_ADMIN, agencies["a"])
    error = assert_refused(
        lambda: masking_rule_update(actor=district_admin, rule_id=rule.pk, rule="hidden"), status=403
    )
    assert isinstance(error, PermissionDeniedError)
    assert_refused(
        lambda: masking_rule_update(actor=root_admin, rule_id=rule.pk, rule="blur"),
        field="rule",
        status=400,
        message_contains="显示规则无效",
        nothing_saved=[AuditEvent],
    )
    name_rule = MaskingRule.objects.get(role=Role.FINANCE, kind="name")
    assert_refused(lambda: masking_rule_update(actor=root_admin, rule_id=name_rule.pk, rule="last4"), field="rule")
    with pytest.raises(NotFoundError):
        masking_rule_update(actor=root_admin, rule_id="x", rule="full")
    assert MaskingRule.objects.get(pk=rule.pk).rule == "full"


def test_full_id_view_is_logged_and_found_by_the_auditors_search_in_their_subtree(agencies, clerk, clerk_b):
    _, people = unit_with_employees(agencies["a"], 2)
    target, other = people
    personal_view(clerk, {"id_number": target.id_number}, object_type="person", object_id=target.pk, where="参保人详情")
    personal_view(clerk, {"id_number": other.id_number}, object_type="person", object_id=other.pk, where="参保人详情")
    auditor_a = make_user(Role.AUDITOR, agencies["a"])
    auditor_b = make_user(Role.AUDITOR, agencies["b"])
    found = list(access_search(actor=auditor_a, filters=clean_access_filters({"id_number": target.id_number})))
    assert [(r.actor_id, r.object_id, r.field) for r in found] == [(clerk.pk, str(target.pk), "id_number")]
    assert not access_search(actor=auditor_b, filters={}).exists()  # another district: not in scope
    with pytest.raises(PermissionDeniedError):
        access_search(actor=clerk_b, filters={})
    assert_refused(lambda: clean_access_filters({"date_from": "2026-13-01"}), field="date_from", status=400)
    assert_refused(lambda: clean_access_filters({"id_number": "12345"}), field="id_number", message_contains="18位")


def test_out_of_scope_export_request_is_not_found(agencies, clerk_b):
    employer, _ = unit_with_employees(agencies["a"])
    with pytest.raises(NotFoundError):
        pd_export_request(actor=clerk_b, kind="employees", filters={"employer": employer.pk}, reason=REASON)


def test_expired_requests_do_not_affect_conflict_free_new_requests(agencies, clerk, reviewer):
    employer, _ = unit_with_employees(agencies["a"])
    request_and_approve(clerk, reviewer, employer)
    # the approved request released its key: the same export may be asked for again
    again = pd_export_request(actor=clerk, kind="employees", filters={"employer": employer.pk}, reason=REASON)
    assert again.pk
    with pytest.raises(ConflictError):
        pd_export_request(actor=clerk, kind="employees", filters={"employer": employer.pk}, reason=REASON)
