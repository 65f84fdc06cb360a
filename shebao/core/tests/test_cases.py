"""Cases (业务经办单): maker-checker, reject, withdraw, optimistic versions, grants and time limits."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from shebao.conftest import employer_data, make_user, person_data
from shebao.core.cases import case_accept, case_approve, case_open, case_reject, case_withdraw
from shebao.core.choices import CaseStatus, Channel, Role
from shebao.core.errors import ApplicationError, ConflictError, PermissionDeniedError
from shebao.core.models import AuditEvent, Case, CatalogItem, Parameter
from shebao.core.workdays import add_working_days
from shebao.registration.models import Employer
from shebao.registration.services import employer_change, employer_enrol, person_enrol
from shebao.testing import material_files

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_a(agencies):
    """An agency admin: holds both the handle and the review grant."""
    return make_user(Role.AGENCY_ADMIN, agencies["a"], username="admin_a")


@pytest.fixture
def employer_user(make_employer):
    employer = make_employer()
    return make_user(Role.EMPLOYER, None, username="unit_user", employer=employer)


# --- maker-checker ----------------------------------------------------------------------------------------------


def test_window_case_is_accepted_with_the_clerk_as_handler(clerk):
    case = employer_enrol(actor=clerk, data=employer_data(), materials=material_files("01010101"))
    assert case.status == CaseStatus.ACCEPTED
    assert case.channel == Channel.WINDOW
    assert case.handler == clerk and case.submitted_by == clerk
    assert case.reviewer is None
    assert not Employer.objects.exists()  # nothing applies before approval


def test_admin_cannot_review_own_window_case(admin_a):
    """The same person is handler and submitter: the second pair of eyes must be someone else."""
    case = employer_enrol(actor=admin_a, data=employer_data(), materials=material_files("01010101"))
    with pytest.raises(ApplicationError) as exc:
        case_approve(actor=admin_a, case=case)
    assert "reviewer" in exc.value.errors
    with pytest.raises(ApplicationError) as exc:
        case_reject(actor=admin_a, case=case, reason="自己退回")
    assert "reviewer" in exc.value.errors
    case.refresh_from_db()
    assert case.status == CaseStatus.ACCEPTED and case.reviewer is None
    assert not Employer.objects.exists()


def test_reviewer_cannot_be_the_handler(admin_a, employer_user, reviewer):
    """Online case submitted by the unit, accepted by the admin: the admin (handler) may not approve it."""
    case = employer_change(actor=employer_user, employer=employer_user.employer, changes={"contact_name": "赵六"})
    assert case.status == CaseStatus.SUBMITTED and case.channel == Channel.ONLINE
    case_accept(actor=admin_a, case=case)
    case.refresh_from_db()
    assert case.handler == admin_a
    with pytest.raises(ApplicationError) as exc:
        case_approve(actor=admin_a, case=case)
    assert "reviewer" in exc.value.errors
    case = case_approve(actor=reviewer, case=case)
    assert case.status == CaseStatus.COMPLETED and case.reviewer == reviewer


def test_reviewer_cannot_be_the_submitter(admin_a, clerk, agencies):
    """Submitted (online) by the admin, accepted by a clerk: the admin still may not review it."""
    case = case_open(
        actor=admin_a,
        item_code="01010101",
        agency=agencies["a"],
        channel=Channel.ONLINE,
        summary="测试",
        payload=employer_data(),
    )
    assert case.status == CaseStatus.SUBMITTED
    case_accept(actor=clerk, case=case)
    with pytest.raises(ApplicationError) as exc:
        case_approve(actor=admin_a, case=case)
    assert "reviewer" in exc.value.errors


def test_items_without_review_complete_at_acceptance(clerk, make_employer):
    CatalogItem.objects.filter(code="01010102").update(needs_review=False)
    employer = make_employer()
    case = employer_change(
        actor=clerk, employer=employer, changes={"contact_name": "赵六"}, materials=material_files("01010102")
    )
    assert case.status == CaseStatus.COMPLETED
    employer.refresh_from_db()
    assert employer.contact_name == "赵六"


# --- reject and withdraw ----------------------------------------------------------------------------------------


def test_reject_keeps_case_and_reason_and_applies_nothing(clerk, reviewer):
    case = employer_enrol(actor=clerk, data=employer_data(), materials=material_files("01010101"))
    with pytest.raises(ApplicationError) as exc:
        case_reject(actor=reviewer, case=case, reason="  ")
    assert "reason" in exc.value.errors
    case = case_reject(actor=reviewer, case=case, reason="营业执照复印件不清晰")
    case.refresh_from_db()
    assert case.status == CaseStatus.REJECTED
    assert case.reason == "营业执照复印件不清晰"
    assert case.reviewer == reviewer and case.closed_at is not None
    assert not Employer.objects.exists()
    event = AuditEvent.objects.filter(case=case).order_by("-seq").first()
    assert event.action == "case.reject" and event.after == {"reason": "营业执照复印件不清晰"}
    with pytest.raises(ConflictError):
        case_approve(actor=reviewer, case=case)


def test_clerk_rejects_an_online_application_at_acceptance(clerk, employer_user):
    case = employer_change(actor=employer_user, employer=employer_user.employer, changes={"contact_name": "赵六"})
    case = case_reject(actor=clerk, case=case, reason="材料不全")
    assert case.status == CaseStatus.REJECTED and case.handler == clerk


def test_withdraw_only_by_the_submitter(clerk, reviewer, employer_user):
    case = employer_change(actor=employer_user, employer=employer_user.employer, changes={"contact_name": "赵六"})
    with pytest.raises(ApplicationError):
        case_withdraw(actor=clerk, case=case)
    with pytest.raises(ApplicationError):
        case_withdraw(actor=reviewer, case=case)
    case = case_withdraw(actor=employer_user, case=case, reason="填错了")
    assert case.status == CaseStatus.WITHDRAWN and case.reason == "填错了"
    employer_user.employer.refresh_from_db()
    assert employer_user.employer.contact_name == "李四"
    with pytest.raises(ConflictError):
        case_accept(actor=clerk, case=case)


def test_completed_case_cannot_be_withdrawn(clerk, reviewer):
    case = case_approve(
        actor=reviewer, case=employer_enrol(actor=clerk, data=employer_data(), materials=material_files("01010101"))
    )
    with pytest.raises(ConflictError) as exc:
        case_withdraw(actor=clerk, case=case)
    assert "status" in exc.value.errors


# --- optimistic locking -----------------------------------------------------------------------------------------


def test_stale_version_is_a_conflict(clerk, reviewer, agencies):
    case = employer_enrol(actor=clerk, data=employer_data(), materials=material_files("01010101"))
    seen = case.version
    other_reviewer = make_user(Role.REVIEWER, agencies["a"])
    case_reject(actor=other_reviewer, case=case, reason="重复申报", version=seen)
    with pytest.raises(ConflictError):
        case_approve(actor=reviewer, case=case, version=seen)
    assert not Employer.objects.exists()


def test_wrong_version_refused_even_when_status_fits(clerk, reviewer):
    case = employer_enrol(actor=clerk, data=employer_data(), materials=material_files("01010101"))
    with pytest.raises(ConflictError):
        case_approve(actor=reviewer, case=case, version=case.version + 1)
    case = case_approve(actor=reviewer, case=case, version=case.version)
    assert case.status == CaseStatus.COMPLETED


def test_approving_twice_is_a_conflict(clerk, reviewer, agencies):
    case = employer_enrol(actor=clerk, data=employer_data(), materials=material_files("01010101"))
    case_approve(actor=reviewer, case=case)
    with pytest.raises(ConflictError):
        case_approve(actor=make_user(Role.REVIEWER, agencies["a"]), case=case)
    assert Employer.objects.count() == 1


# --- grants -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.FINANCE, Role.REVIEWER])
def test_role_without_handle_grant_cannot_open(agencies, role):
    actor = make_user(role, agencies["a"])
    with pytest.raises(PermissionDeniedError):
        employer_enrol(actor=actor, data=employer_data(), materials=material_files("01010101"))
    assert not Case.objects.exists()


@pytest.mark.parametrize("role", [Role.CLERK, Role.AUDITOR, Role.FINANCE])
def test_role_without_review_grant_cannot_approve(clerk, agencies, role):
    case = employer_enrol(actor=clerk, data=employer_data(), materials=material_files("01010101"))
    with pytest.raises(PermissionDeniedError):
        case_approve(actor=make_user(role, agencies["a"]), case=case)


def test_insured_person_cannot_enrol_an_employer(agencies):
    insured = make_user(Role.INSURED, agencies["a"])
    with pytest.raises(PermissionDeniedError):
        employer_enrol(actor=insured, data=employer_data(), agency=agencies["a"])


def test_employer_user_cannot_accept(employer_user):
    case = employer_change(actor=employer_user, employer=employer_user.employer, changes={"contact_name": "赵六"})
    with pytest.raises(ApplicationError):
        case_accept(actor=employer_user, case=case)


# --- time limits ------------------------------------------------------------------------------------------------


def test_due_date_from_calendar_day_parameter(clerk):
    today = timezone.localdate()
    case = employer_enrol(actor=clerk, data=employer_data(), materials=material_files("01010101"))
    assert case.due_date == today + dt.timedelta(days=15)
    assert "15日" in case.due_note and "社会保险法" in case.due_note


def test_due_date_follows_a_regional_override(clerk):
    today = timezone.localdate()
    Parameter.objects.create(
        key="case.time_limit.01010101",
        region_id="330102",
        effective_from=dt.date(2020, 1, 1),
        value="10",
        unit="日",
        legal_reference="上城区服务承诺",
    )
    case = employer_enrol(actor=clerk, data=employer_data(), materials=material_files("01010101"))
    assert case.due_date == today + dt.timedelta(days=10)
    assert "上城区服务承诺" in case.due_note


def test_due_date_in_working_days(clerk, make_employer):
    employer = make_employer()
    case = person_enrol(actor=clerk, employer=employer, data=person_data())
    due = add_working_days(timezone.localdate(), 5)
    assert case.due_date == due.date
    assert "5个工作日" in case.due_note
    assert ("暂估" in case.due_note) == due.provisional  # late December, next year's holidays not yet published


def test_case_numbers_are_unique_and_dated(clerk):
    first = employer_enrol(actor=clerk, data=employer_data(), materials=material_files("01010101"))
    second = employer_enrol(actor=clerk, data=employer_data(), materials=material_files("01010101"))
    today = timezone.localdate()
    assert first.number != second.number
    assert first.number.startswith(f"{today:%Y%m%d}330102")
