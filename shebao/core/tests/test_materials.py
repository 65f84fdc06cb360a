"""申请材料清单 in the service layer: `case_open` refuses a window case without its required materials unless the
clerk records 容缺受理 with a reason; files become the case's attachments (written after commit); online and batch
cases are not refused; every problem is named by its field, and nothing is saved when refused."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from shebao.conftest import employer_data, make_user
from shebao.core.cases import attachment_add, case_open
from shebao.core.choices import CaseStatus, Channel, Role
from shebao.core.errors import ApplicationError
from shebao.core.materials import (
    MaterialFile,
    SubmittedMaterials,
    materials_check,
    materials_owed,
    with_materials_errors,
)
from shebao.core.models import Attachment, AuditEvent, Case, CaseKey
from shebao.core.tests.samples import PDF
from shebao.core.views.presenting import audit_label
from shebao.registration.services import employer_change, employer_enrol
from shebao.testing import WAIVER_REASON, assert_refused, material_files, material_pdf, materials_waiver

pytestmark = pytest.mark.django_db

LICENCE = "营业执照或其他核准执业证件"  # 01010101's required material
BANK_PROOF = "单位银行开户证明"  # 01010101's optional material
SAVED = (Case, CaseKey, AuditEvent, Attachment)


def _files(*pairs) -> SubmittedMaterials:
    return SubmittedMaterials(files=tuple(MaterialFile(name, upload) for name, upload in pairs))


@pytest.fixture
def employer_user(make_employer):
    return make_user(Role.EMPLOYER, None, username="unit_user", employer=make_employer())


# --- window cases ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("materials", [None, SubmittedMaterials(), _files((BANK_PROOF, material_pdf()))])
def test_window_case_without_a_required_material_is_refused_and_nothing_saved(
    clerk, materials, django_capture_on_commit_callbacks, settings, tmp_path
):
    settings.MEDIA_ROOT = str(tmp_path)
    with django_capture_on_commit_callbacks(execute=True):
        error = assert_refused(
            lambda: employer_enrol(actor=clerk, data=employer_data(), materials=materials),
            field="materials",
            status=400,
            nothing_saved=SAVED,
        )
    assert error.errors["materials"] == [f"缺少申请材料：{LICENCE}。请上传，或选择「容缺受理」并填写原因"]
    assert not any(tmp_path.rglob("*.pdf")), "a refused case leaves no file behind"


def test_files_become_attachments_named_by_the_checklist_and_are_written_after_commit(
    clerk, django_capture_on_commit_callbacks, settings, tmp_path
):
    settings.MEDIA_ROOT = str(tmp_path)
    upload = SimpleUploadedFile("执照扫描件.pdf", PDF)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        case = employer_enrol(
            actor=clerk, data=employer_data(), materials=_files((LICENCE, upload), (BANK_PROOF, material_pdf()))
        )
    att = case.attachments.get(kind=LICENCE)
    assert (att.original_name, att.size, att.ext) == ("执照扫描件.pdf", len(PDF), ".pdf")
    assert sorted(case.attachments.values_list("kind", flat=True)) == sorted([LICENCE, BANK_PROOF])
    assert not att.file.storage.exists(att.file.name), "written only once the transaction commits"
    for callback in callbacks:
        callback()
    assert att.file.storage.open(att.file.name).read() == PDF
    assert materials_owed(case) == [] and case.materials_waiver == ""
    added = AuditEvent.objects.filter(case=case, action="attachment.add").values_list("after", flat=True)
    assert sorted(a["kind"] for a in added) == sorted([LICENCE, BANK_PROOF])
    assert case.status == CaseStatus.ACCEPTED


def test_waiver_is_stored_audited_and_the_owed_list_stays_until_the_material_arrives(clerk, reviewer):
    case = employer_enrol(actor=clerk, data=employer_data(), materials=materials_waiver())
    assert case.status == CaseStatus.ACCEPTED and case.materials_waiver == WAIVER_REASON
    event = AuditEvent.objects.get(case=case, action="case.materials_waiver")
    assert event.after == {"reason": WAIVER_REASON, "owed": [LICENCE]} and event.actor == clerk
    assert audit_label("case.materials_waiver") == "容缺受理"
    assert materials_owed(case) == [LICENCE]
    attachment_add(actor=clerk, case=case, kind=BANK_PROOF, uploaded=material_pdf())
    assert materials_owed(case) == [LICENCE], "only the owed material clears the list"
    attachment_add(actor=clerk, case=case, kind=LICENCE, uploaded=material_pdf())
    assert materials_owed(case) == []
    case.refresh_from_db()
    assert case.materials_waiver == WAIVER_REASON  # the record of how it was accepted stays


def test_waiver_when_nothing_is_missing_is_not_recorded(clerk):
    materials = SubmittedMaterials(files=(MaterialFile(LICENCE, material_pdf()),), waiver=WAIVER_REASON)
    case = employer_enrol(actor=clerk, data=employer_data(), materials=materials)
    assert case.materials_waiver == ""
    assert not AuditEvent.objects.filter(case=case, action="case.materials_waiver").exists()


@pytest.mark.parametrize(
    ("reason", "message"),
    [
        ("", "容缺受理原因不能为空"),
        ("   \n ", "容缺受理原因不能为空"),
        ("材料\x07后补", "容缺受理原因含有不允许的控制字符"),
        ("材料\x1b[31m后补", "容缺受理原因含有不允许的控制字符"),
        ("\u202e补后料材", "容缺受理原因含有不允许的控制字符"),
        ("补" * 201, "容缺受理原因不能超过200个字符"),
    ],
)
def test_bad_waiver_reason_is_refused_naming_the_field(clerk, reason, message):
    error = assert_refused(
        lambda: employer_enrol(actor=clerk, data=employer_data(), materials=materials_waiver(reason)),
        field="materials_waiver",
        status=400,
        nothing_saved=SAVED,
    )
    assert error.errors["materials_waiver"] == [message]
    assert "materials" not in error.errors, "the reason is wrong, not the materials"


def test_waiver_reason_is_nfkc_normalised_and_may_span_lines(clerk):
    reason = "ＡＢＣ公司执照年检中\n承诺５日内补交"
    case = employer_enrol(actor=clerk, data=employer_data(), materials=materials_waiver(f"  {reason}  "))
    assert case.materials_waiver == "ABC公司执照年检中\n承诺5日内补交"


def test_every_problem_is_reported_at_once(clerk):
    bad = SimpleUploadedFile("licence.exe", PDF)
    materials = SubmittedMaterials(
        files=(MaterialFile(LICENCE, bad), MaterialFile("身份证复印件", material_pdf())), waiver="\x07"
    )
    error = assert_refused(
        lambda: employer_enrol(actor=clerk, data=employer_data(), materials=materials), nothing_saved=SAVED
    )
    assert set(error.errors) == {"material_1", "materials", "materials_waiver"}
    assert "文件类型不允许" in error.errors["material_1"][0]
    assert "「身份证复印件」不是该业务的申请材料" in error.errors["materials"][0]


def test_field_errors_and_materials_errors_are_merged_for_forms(clerk):
    """The service stops at its own field errors; the form and the API add the materials' problems to them."""
    data = employer_data(contact_phone="12345")
    with pytest.raises(ApplicationError) as info:
        employer_enrol(actor=clerk, data=data, materials=None)
    assert set(info.value.errors) == {"contact_phone"}
    merged = with_materials_errors(info.value, item_code="01010101", channel=Channel.WINDOW, materials=None)
    assert set(merged.errors) == {"contact_phone", "materials"}
    online = with_materials_errors(info.value, item_code="01010101", channel=Channel.ONLINE, materials=None)
    assert online is info.value


def test_from_fields_maps_material_n_to_the_checklist_and_refuses_an_unknown_n():
    upload = material_pdf()
    materials = SubmittedMaterials.from_fields("01010101", {"material_2": upload, "material_1": None}, "原因")
    assert materials.files == (MaterialFile(BANK_PROOF, upload),) and materials.waiver == "原因"
    with pytest.raises(ApplicationError) as info:
        SubmittedMaterials.from_fields("01010101", {"material_3": upload})
    assert "materials" in info.value.errors


# --- online and batch ------------------------------------------------------------------------------------------


def test_online_application_without_materials_is_not_refused(employer_user):
    case = employer_change(actor=employer_user, employer=employer_user.employer, changes={"contact_name": "赵六"})
    assert (case.channel, case.status) == (Channel.ONLINE, CaseStatus.SUBMITTED)
    assert materials_owed(case) == ["变更事项的证明文件"]  # the clerk checks them when accepting


def test_online_application_may_upload_its_materials(employer_user):
    case = employer_change(
        actor=employer_user,
        employer=employer_user.employer,
        changes={"contact_name": "赵六"},
        materials=material_files("01010102"),
    )
    assert case.attachments.get().uploaded_by == employer_user
    assert materials_owed(case) == []


def test_online_applicant_cannot_record_a_waiver(employer_user):
    assert_refused(
        lambda: employer_change(
            actor=employer_user,
            employer=employer_user.employer,
            changes={"contact_name": "赵六"},
            materials=materials_waiver(),
        ),
        field="materials_waiver",
        message_contains="窗口",
        nothing_saved=SAVED,
    )


def test_batch_case_is_not_refused_and_shows_what_is_owed(clerk, agencies):
    """A roster workbook (批量) is the application for many people: its materials are checked by the clerk."""
    case = case_open(
        actor=clerk,
        item_code="01010101",
        agency=agencies["a"],
        channel=Channel.BATCH,
        summary="批量",
        payload={"rows": []},
    )
    assert case.status == CaseStatus.ACCEPTED and materials_owed(case) == [LICENCE]
    with pytest.raises(ApplicationError) as info:
        materials_check(item_code="01010101", channel=Channel.BATCH, materials=materials_waiver())
    assert "materials_waiver" in info.value.errors  # 容缺受理 is a window decision


def test_item_without_required_materials_needs_none_at_the_window():
    checked = materials_check(item_code="01010201", channel=Channel.WINDOW, materials=None)
    assert checked.files == () and checked.missing == () and checked.waiver == ""
