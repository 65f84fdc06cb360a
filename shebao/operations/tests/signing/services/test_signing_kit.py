"""111002 数字认证 through the item kit: `ItemTestCase`'s promises in the form that fits an item without cases.

The item's acts are the public signature check (anyone, writes nothing) and the agency administrators'
re-issue of the demo certificate (one audited service). Each kit check is kept in that form:
- the happy path in the service, the API and the UI: a document issued through `document_issue` and printed by
  `issued_document_pdf` is reported 签名有效 with the agency as signer;
- "out of scope" becomes "not an agency administrator": a clerk is refused (403) in the service, API and UI, and
  nothing is written;
- bad input (a non-PDF) is refused naming `file`, in Chinese, in all three channels;
- maker-checker and the one-open-case rule have no counterpart (nothing is approved, nothing is claimed): the
  check writes no row at all, and the renewal is audited in the name of the administrator who did it;
- the item has no materials checklist, and its services take no materials.
"""

from __future__ import annotations

import inspect

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from shebao.core.documents import issued_document_pdf
from shebao.core.items import materials_for
from shebao.core.models import AuditEvent, Case, IssuedDocument
from shebao.core.verification import Certified, document_issue
from shebao.operations.services.signing import (
    signature_check,
    signing_certificate_get,
    signing_certificate_renew,
)
from shebao.testing import ItemTestCase, Kit, Submission, api_client_for, assert_refused, count_rows, login

from ..conftest import AGENCY_CN, flip_byte, original_revision

pytestmark = [pytest.mark.django_db, pytest.mark.catalog("111002")]

CHECK_API = "/api/v1/verify/signature"


def _pdf(data: bytes, name="文件.pdf", content_type="application/pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


class TestSigningKit(ItemTestCase):
    item_code = "111002"
    bad_field = "file"
    saved_models = (IssuedDocument, Case)

    def subject(self, kit: Kit) -> bytes:
        """A document issued by agency a through the real path (recorded, printed, signed)."""
        doc = document_issue(
            kind="receipt.01010101",
            certified=Certified(fields=[("单位名称", "杭州数字认证测试有限公司")]),
            agency=kit.agencies["a"],
            object_type="employer",
            object_id="kit-111002",
        )
        return issued_document_pdf(doc)

    def submission(self, kit: Kit, subject: bytes) -> Submission:
        return Submission(
            service=signature_check,
            kwargs={"uploaded": _pdf(subject)},
            api_url=CHECK_API,
            api_body={"file": _pdf(subject)},
            ui_url=reverse("operations:signing-check"),
            ui_form={"file": _pdf(subject)},
            api_format="multipart",
            materials="none",
        )

    def bad_submission(self, kit: Kit, subject: bytes) -> Submission:
        text = b"not a pdf"
        return Submission(
            service=signature_check,
            kwargs={"uploaded": _pdf(text, "a.txt", "text/plain")},
            api_url=CHECK_API,
            api_body={"file": _pdf(text, "a.txt", "text/plain")},
            ui_url=reverse("operations:signing-check"),
            ui_form={"file": _pdf(text, "a.txt", "text/plain")},
            api_format="multipart",
            materials="none",
        )

    def check_applied(self, kit: Kit, subject, case) -> None:  # no case: see the module docstring
        raise AssertionError("111002 opens no case")

    # --- happy path ---------------------------------------------------------------------------------------------

    def test_kit_service_opens_an_accepted_window_case(self, kit):
        s = self.submission(kit, self.subject(kit))
        before = count_rows(*self._guarded())
        report = s.call(None)  # public: no actor at all
        assert report.valid and report.signer == AGENCY_CN and report.reason == "单位参保登记回执"
        assert not before.changed()

    def test_kit_approval_by_another_reviewer_applies_the_change_and_audits(self, kit, settings, tmp_path):
        from shebao.core.signing import create_demo_material

        create_demo_material(tmp_path, agency_name=AGENCY_CN)
        settings.SHEBAO_SIGNING_DIR = tmp_path
        old = signing_certificate_get(actor=kit.admin)
        renewed = signing_certificate_renew(actor=kit.admin)
        entry = AuditEvent.objects.get(action="signing.certificate_renew")
        assert entry.actor_id == kit.admin.pk and entry.item_code == "111002"
        assert entry.before["sha256"] == old.sha256 and entry.after["sha256"] == renewed.sha256

    def test_kit_api_submission_opens_a_case(self, kit):
        s = self.submission(kit, self.subject(kit))
        response = s.post_api(api_client_for(None))
        assert response.status_code == 200 and response.json()["valid"] is True

    def test_kit_ui_submission_redirects_to_the_case(self, kit, client):
        s = self.submission(kit, self.subject(kit))
        response = s.post_ui(client)
        assert response.status_code == 200 and "<strong>签名有效</strong>" in response.content.decode()

    # --- "out of scope": not an agency administrator -------------------------------------------------------------

    def test_kit_out_of_scope_clerk_service_not_found(self, kit):
        assert_refused(lambda: signing_certificate_renew(actor=kit.clerk_b), status=403, nothing_saved=self._guarded())

    def test_kit_out_of_scope_clerk_api_404(self, kit):
        client = api_client_for(kit.clerk_b)
        assert client.get(reverse("api-operations:signing-certificate")).status_code == 403
        before = count_rows(*self._guarded())
        assert_refused(client.post(reverse("api-operations:signing-certificate-renew")), status=403)
        assert not before.changed()

    def test_kit_out_of_scope_clerk_ui_404(self, kit, client):
        login(client, kit.clerk_b)
        assert client.get(reverse("operations:signing-certificate")).status_code == 403
        assert client.post(reverse("operations:signing-certificate-renew")).status_code == 403

    # --- bad input -------------------------------------------------------------------------------------------------

    def test_kit_bad_input_service_names_the_field(self, kit):
        s = self.bad_submission(kit, None)
        assert_refused(lambda: s.call(None), field="file", status=400, message_contains="PDF")

    def test_kit_bad_input_api_400_names_the_field(self, kit):
        s = self.bad_submission(kit, None)
        assert_refused(s.post_api(api_client_for(None)), field="file", status=400, message_contains="只能上传 PDF")

    def test_kit_bad_input_ui_400_rerenders_the_form(self, kit, client):
        s = self.bad_submission(kit, None)
        response = s.post_ui(client)
        html = response.content.decode()
        assert response.status_code == 400 and "只能上传 PDF 文件" in html and 'name="file"' in html

    # --- maker-checker and open cases: no counterpart; the check writes nothing ----------------------------------

    def test_kit_handler_cannot_approve_own_case(self, kit):
        subject = self.subject(kit)
        before = count_rows(*self._guarded())
        tampered = flip_byte(subject, len(original_revision(subject)) // 2)
        report = signature_check(actor=kit.clerk, uploaded=_pdf(tampered))
        assert not report.valid and not report.intact
        assert not before.changed()

    def test_kit_reviewer_who_is_the_subject_cannot_approve(self, kit):
        subject = self.subject(kit)
        before = count_rows(*self._guarded())
        for actor in (None, kit.clerk, kit.reviewer, kit.admin):
            assert signature_check(actor=actor, uploaded=_pdf(subject)).valid
        assert not before.changed()

    def test_kit_duplicate_open_case_refused_naming_the_pending_case(self, kit):
        subject = self.subject(kit)
        first = signature_check(actor=None, uploaded=_pdf(subject))
        second = signature_check(actor=None, uploaded=_pdf(subject))
        assert first.as_dict() == second.as_dict()

    def test_kit_duplicate_open_case_refused_over_the_api(self, kit):
        subject = self.subject(kit)
        client = api_client_for(None)
        bodies = [client.post(CHECK_API, {"file": _pdf(subject)}, format="multipart").json() for _ in range(2)]
        assert bodies[0] == bodies[1] and bodies[0]["valid"]

    # --- materials: none ----------------------------------------------------------------------------------------

    def _no_materials(self):
        assert materials_for("111002") == ()
        for service in (signature_check, signing_certificate_get, signing_certificate_renew):
            assert "materials" not in inspect.signature(service).parameters

    def test_kit_window_case_without_materials_refused(self, kit):
        self._no_materials()

    def test_kit_window_case_without_materials_refused_over_the_api(self, kit):
        self._no_materials()

    def test_kit_window_case_without_materials_refused_in_the_form(self, kit, client):
        self._no_materials()

    def test_kit_form_reports_field_and_materials_errors_at_once(self, kit, client):
        self._no_materials()

    def test_kit_window_case_with_files_stores_them_as_attachments(self, kit):
        self._no_materials()

    def test_kit_window_case_with_waiver_is_accepted_with_materials_owed(self, kit):
        self._no_materials()
