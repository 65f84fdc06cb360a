"""Case materials: type by extension and content, size limit, nothing saved on error."""

from __future__ import annotations

import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from shebao.conftest import employer_data
from shebao.core.cases import attachment_add, case_approve
from shebao.core.errors import ConflictError
from shebao.core.models import Attachment, AuditEvent
from shebao.core.tests.samples import JPG, PDF, PNG, XLSX
from shebao.registration.services import employer_enrol
from shebao.testing import assert_refused, materials_waiver

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(clerk):
    """An accepted window case with its licence owed (容缺受理): the materials arrive later, one by one."""
    return employer_enrol(actor=clerk, data=employer_data(), materials=materials_waiver())


@pytest.mark.parametrize(
    ("name", "data", "ext"),
    [
        ("营业执照.pdf", PDF, ".pdf"),
        ("photo.PNG", PNG, ".png"),
        ("scan.jpeg", JPG, ".jpeg"),
        ("名单.xlsx", XLSX, ".xlsx"),
    ],
)
def test_valid_material_is_stored_and_audited(clerk, case, name, data, ext, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        att = attachment_add(actor=clerk, case=case, kind="营业执照", uploaded=SimpleUploadedFile(name, data))
    assert att.ext == ext
    assert att.size == len(data)
    assert att.sha256 == hashlib.sha256(data).hexdigest()
    assert att.original_name == name
    assert att.file.read() == data
    assert att.file.name.startswith("materials/")
    event = AuditEvent.objects.order_by("-seq").first()
    assert event.action == "attachment.add" and event.case == case


def test_file_is_written_only_after_commit(clerk, case, django_capture_on_commit_callbacks, settings, tmp_path):
    """A rolled-back upload leaves no file behind: the bytes are stored by an on_commit callback."""
    settings.MEDIA_ROOT = str(tmp_path)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        att = attachment_add(actor=clerk, case=case, kind="营业执照", uploaded=SimpleUploadedFile("a.pdf", PDF))
    assert len(callbacks) == 1
    assert not att.file.storage.exists(att.file.name)  # not yet: the transaction has not committed
    callbacks[0]()
    assert att.file.storage.exists(att.file.name)


def test_auditor_and_finance_cannot_upload(case, agencies):
    from shebao.conftest import make_user
    from shebao.core.choices import Role
    from shebao.core.errors import PermissionDeniedError

    for role in (Role.AUDITOR, Role.FINANCE):
        user = make_user(role, agencies["a"])
        with pytest.raises(PermissionDeniedError):
            attachment_add(actor=user, case=case, kind="营业执照", uploaded=SimpleUploadedFile("a.pdf", PDF))
    assert not case.attachments.exists()


SAVED = (Attachment, AuditEvent)  # nothing of these is written by a refused upload


@pytest.mark.parametrize("name", ["virus.exe", "note.txt", "noextension", "report.pdf.exe", "scan.gif"])
def test_wrong_extension(clerk, case, name):
    error = assert_refused(
        lambda: attachment_add(actor=clerk, case=case, kind="材料", uploaded=SimpleUploadedFile(name, PDF)),
        field="file",
        nothing_saved=SAVED,
    )
    assert "文件类型不允许" in error.message


@pytest.mark.parametrize(
    ("name", "data"),
    [("fake.pdf", PNG), ("fake.png", PDF), ("fake.jpg", b"GIF89a...."), ("fake.xlsx", b"<html></html>")],
)
def test_content_not_matching_extension(clerk, case, name, data):
    error = assert_refused(
        lambda: attachment_add(actor=clerk, case=case, kind="材料", uploaded=SimpleUploadedFile(name, data)),
        field="file",
        nothing_saved=SAVED,
    )
    assert "内容与扩展名不符" in error.message


def test_oversize(clerk, case, settings):
    settings.SHEBAO_UPLOAD_MAX_BYTES = 1024
    error = assert_refused(
        lambda: attachment_add(
            actor=clerk, case=case, kind="材料", uploaded=SimpleUploadedFile("big.pdf", PDF + b"0" * 1024)
        ),
        field="file",
        nothing_saved=SAVED,
    )
    assert "文件过大" in error.message
    att = attachment_add(actor=clerk, case=case, kind="小文件", uploaded=SimpleUploadedFile("small.pdf", PDF))
    assert att.size == len(PDF)


def test_empty_and_missing_file(clerk, case):
    assert (
        "文件为空"
        in assert_refused(
            lambda: attachment_add(actor=clerk, case=case, kind="材料", uploaded=SimpleUploadedFile("empty.pdf", b"")),
            field="file",
            nothing_saved=SAVED,
        ).message
    )
    assert (
        "请选择"
        in assert_refused(
            lambda: attachment_add(actor=clerk, case=case, kind="材料", uploaded=None),
            field="file",
            nothing_saved=SAVED,
        ).message
    )


def test_closed_case_takes_no_materials(clerk, reviewer, case):
    case_approve(actor=reviewer, case=case)
    with pytest.raises(ConflictError):
        attachment_add(actor=clerk, case=case, kind="补充", uploaded=SimpleUploadedFile("a.pdf", PDF))
    assert not Attachment.objects.exists()
