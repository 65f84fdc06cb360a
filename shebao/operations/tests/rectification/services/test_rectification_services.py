"""111103 问题整改 services: the lifecycle with maker-checker, returns, refusals with nothing saved, scope, overdue."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from shebao.core.errors import ConflictError, NotFoundError, PermissionDeniedError
from shebao.core.models import AuditEvent
from shebao.core.tests.samples import PDF
from shebao.operations.models import RectificationStatus, RectificationTask
from shebao.operations.services import rectification as r
from shebao.testing import assert_refused

pytestmark = [pytest.mark.django_db, pytest.mark.catalog("111103")]

S = RectificationStatus


def new_task(actor, owner, **extra) -> RectificationTask:
    data = {
        "source": "drill",
        "source_ref": "2026年第一次数据恢复演练 YJ-2026-01",
        "title": "备份恢复超过目标时长",
        "description": "演练中数据库恢复用时 95 分钟，超过 60 分钟的恢复时间目标。",
        "owner_id": owner.pk,
        "deadline": timezone.localdate() + dt.timedelta(days=10),
        **extra,
    }
    return r.rectification_create(actor=actor, **data)


def test_lifecycle_open_to_closed_by_a_second_user(admin_a, clerk, reviewer):
    task = new_task(admin_a, clerk)
    assert task.status == S.OPEN and task.number.startswith("ZG") and task.agency == clerk.agency
    task = r.rectification_start(actor=clerk, task=task, version=task.version)
    assert task.status == S.IN_PROGRESS
    upload = SimpleUploadedFile("恢复报告.pdf", PDF, content_type="application/pdf")
    task = r.rectification_submit(
        actor=clerk, task=task, evidence="已改用增量备份，复测恢复用时 40 分钟。", uploaded=upload
    )
    assert task.status == S.SUBMITTED and task.evidence_name == "恢复报告.pdf" and len(task.evidence_sha256) == 64
    assert task.evidence_file.name.endswith(".pdf")
    task = r.rectification_close(actor=reviewer, task=task, note="复测记录齐全")
    assert task.status == S.CLOSED and task.closed_by == reviewer and task.closed_at is not None
    actions = list(
        AuditEvent.objects.filter(object_type="rectification", object_id=str(task.pk)).values_list("action", flat=True)
    )
    assert actions == [
        "rectification.create",
        "rectification.start",
        "rectification.submit",
        "rectification.close",
    ]


def test_the_owner_cannot_close_their_own_task(admin_a, reviewer):
    task = new_task(admin_a, reviewer)
    r.rectification_submit(actor=reviewer, task=task, evidence="已整改")
    assert_refused(
        lambda: r.rectification_close(actor=reviewer, task=task),
        status=403,
        message_contains="不能验收本人",
        nothing_saved=[AuditEvent],
    )
    assert RectificationTask.objects.get(pk=task.pk).status == S.SUBMITTED


def test_a_clerk_without_review_grant_cannot_close(admin_a, clerk, agencies):
    from shebao.conftest import make_user
    from shebao.core.choices import Role

    other_clerk = make_user(Role.CLERK, agencies["a"], username="clerk_a2")
    task = new_task(admin_a, clerk)
    r.rectification_submit(actor=clerk, task=task, evidence="已整改")
    with pytest.raises(PermissionDeniedError):
        r.rectification_close(actor=other_clerk, task=task)


def test_returned_task_goes_back_to_the_owner(admin_a, clerk, reviewer):
    task = new_task(admin_a, clerk)
    r.rectification_submit(actor=clerk, task=task, evidence="已整改")
    assert_refused(
        lambda: r.rectification_return(actor=reviewer, task=task, reason="  "),
        field="reason",
        status=400,
        nothing_saved=[AuditEvent],
    )
    task = r.rectification_return(actor=reviewer, task=task, reason="缺少复测记录")
    assert task.status == S.IN_PROGRESS and task.return_reason == "缺少复测记录"
    task = r.rectification_submit(actor=clerk, task=task, evidence="补充复测记录")
    assert task.status == S.SUBMITTED and task.return_reason == ""


def test_only_the_owner_starts_and_submits(admin_a, clerk, reviewer):
    task = new_task(admin_a, clerk)
    with pytest.raises(PermissionDeniedError):
        r.rectification_start(actor=reviewer, task=task)
    with pytest.raises(PermissionDeniedError):
        r.rectification_submit(actor=reviewer, task=task, evidence="x")


def test_wrong_state_and_stale_version_are_conflicts(admin_a, clerk, reviewer):
    task = new_task(admin_a, clerk)
    with pytest.raises(ConflictError):
        r.rectification_close(actor=reviewer, task=task)
    r.rectification_start(actor=clerk, task=task)
    with pytest.raises(ConflictError):
        r.rectification_start(actor=clerk, task=task)
    with pytest.raises(ConflictError):
        r.rectification_submit(actor=clerk, task=task, evidence="x", version=1)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"source": "meeting"}, "source"),
        ({"title": ""}, "title"),
        ({"description": "说明\u202e反转"}, "description"),
        ({"owner_id": None}, "owner"),
        ({"deadline": "2020-01-01"}, "deadline"),
        ({"deadline": "明天"}, "deadline"),
    ],
)
def test_create_refuses_bad_input_and_saves_nothing(admin_a, clerk, change, field):
    assert_refused(
        lambda: new_task(admin_a, clerk, **change),
        field=field,
        status=400,
        nothing_saved=[RectificationTask, AuditEvent],
    )


def test_owner_must_be_of_the_agency(admin_a, clerk_b):
    assert_refused(lambda: new_task(admin_a, clerk_b), field="owner", status=400, nothing_saved=[RectificationTask])


def test_a_bad_evidence_file_is_refused(admin_a, clerk):
    task = new_task(admin_a, clerk)
    fake = SimpleUploadedFile("报告.pdf", b"not a pdf at all", content_type="application/pdf")
    assert_refused(
        lambda: r.rectification_submit(actor=clerk, task=task, evidence="已整改", uploaded=fake),
        field="evidence_file",
        status=400,
        nothing_saved=[AuditEvent],
    )
    assert RectificationTask.objects.get(pk=task.pk).status == S.OPEN


def test_another_agency_gets_not_found(admin_a, clerk, clerk_b, reviewer_b):
    task = new_task(admin_a, clerk)
    with pytest.raises(NotFoundError):
        r.rectification_get_for(actor=clerk_b, task_id=task.pk)
    with pytest.raises(NotFoundError):
        r.rectification_close(actor=reviewer_b, task=task)
    assert list(r.rectifications_for(clerk_b)) == []


def test_overdue_means_deadline_passed_and_not_closed(admin_a, clerk, reviewer):
    late = new_task(admin_a, clerk, title="超期未整改")
    done = new_task(admin_a, clerk, title="超期已销号")
    new_task(admin_a, clerk, title="未到期")
    RectificationTask.objects.filter(pk__in=[late.pk, done.pk]).update(deadline=timezone.localdate() - dt.timedelta(1))
    r.rectification_submit(actor=clerk, task=done, evidence="已整改")
    r.rectification_close(actor=reviewer, task=done)
    overdue = r.overdue_rectifications(r.rectifications_for(admin_a))
    assert [t.title for t in overdue] == ["超期未整改"]
