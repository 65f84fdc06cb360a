"""The item test kit: materials handed in with an application, `Submission`, `Kit` and the `ItemTestCase` mixin."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from shebao.core.items import materials_for
from shebao.core.materials import MaterialFile, SubmittedMaterials, material_fields, required_materials

from .refusals import api_client_for, assert_refused, count_rows, form_data, json_of, login

# ----------------------------------------------------------------------------------------------------------------
# Materials (申请材料) handed in with an application
# ----------------------------------------------------------------------------------------------------------------

WAIVER_REASON = "申请人书面承诺5个工作日内补交"


def material_pdf(name: str = "材料.pdf") -> SimpleUploadedFile:
    """A genuine one-page PDF upload (the content is checked on upload)."""
    from shebao.core.tests.samples import PDF

    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def material_files(item_code: str) -> SubmittedMaterials:
    """A PDF for each required material of the item (for a service call as a clerk at the window)."""
    return SubmittedMaterials(files=tuple(MaterialFile(m.name, material_pdf()) for m in required_materials(item_code)))


def materials_waiver(reason: str = WAIVER_REASON) -> SubmittedMaterials:
    """No files, 容缺受理 with a reason (the clerk accepts the case with its materials owed)."""
    return SubmittedMaterials(waiver=reason)


def multipart_fields(body: dict) -> dict:
    """A JSON body as multipart form fields, as `ItemCaseApi` reads them: a list of objects as `name[0]key`, an
    object as `name.key`, a list of values as repeated keys."""
    fields: dict = {}
    for name, value in body.items():
        if isinstance(value, list) and any(isinstance(v, dict) for v in value):
            for i, obj in enumerate(value):
                fields.update({f"{name}[{i}]{key}": v for key, v in obj.items() if v is not None})
        elif isinstance(value, dict):
            fields.update({f"{name}.{key}": v for key, v in value.items() if v is not None})
        else:
            fields[name] = value
    return fields


def material_uploads(item_code: str) -> dict[str, SimpleUploadedFile]:
    """`material_<n>` → a PDF for each required material: the UI form's and the API multipart body's file fields."""
    return {key: material_pdf() for key, m in material_fields(item_code) if m.required}


# ----------------------------------------------------------------------------------------------------------------
# The item test mixin
# ----------------------------------------------------------------------------------------------------------------


@dataclass
class Submission:
    """One request of a business item, in the three channels: service call, API body and UI form.

    Build it once per test so that the same request can be sent twice (the duplicate-case check). `materials`
    says how the application carries the item's required materials: "files" (a genuine PDF per required
    material, fresh for every request), "waiver" (容缺受理 with a reason) or "none" (refused at the window when
    the item's checklist has a required material).
    """

    service: Callable  # the item's service, called as service(actor=..., **kwargs)
    kwargs: dict
    api_url: str
    api_body: dict
    ui_url: str
    ui_form: dict
    id_number: str | None = None  # the ID number of the person the case concerns (maker-checker by person)
    api_format: str = "json"
    materials: str = "files"
    item_code: str = ""  # default: the item the service is registered for

    @property
    def code(self) -> str:
        return self.item_code or self.service.catalog_codes[0]

    def service_materials(self) -> SubmittedMaterials | None:
        """The `materials` argument of the service call."""
        if self.materials == "files":
            return material_files(self.code)
        if self.materials == "waiver":
            return materials_waiver()
        return None

    def call(self, actor):
        """Call the service as `actor`, with the materials (for an item that has a checklist)."""
        if not materials_for(self.code):
            return self.service(actor=actor, **self.kwargs)
        return self.service(actor=actor, **self.kwargs, materials=self.service_materials())

    def post_api(self, client):
        """POST the API request: multipart with the files, or JSON (with `materials_waiver` for a waiver)."""
        body = dict(self.api_body)
        if self.materials == "files" and required_materials(self.code):
            return client.post(
                self.api_url, {**multipart_fields(body), **material_uploads(self.code)}, format="multipart"
            )
        if self.materials == "waiver":
            body["materials_waiver"] = WAIVER_REASON
        return client.post(self.api_url, body, format=self.api_format)

    def post_ui(self, client):
        """POST the form as a browser does (multipart), with the files or the 容缺受理 fields."""
        form = form_data(self.ui_form)
        if self.materials == "files":
            form.update(material_uploads(self.code))
        elif self.materials == "waiver":
            form.update({"materials_waiver_on": "on", "materials_waiver": WAIVER_REASON})
        return client.post(self.ui_url, form)


@dataclass
class Kit:
    """What an item test works with: the agencies and one user of each role needed, built by the factories."""

    agencies: dict
    clerk: object  # 经办员 of agency a (handles at the window)
    reviewer: object  # 复核员 of agency a
    clerk_b: object  # 经办员 of agency b: everything of agency a is out of their scope
    admin: object  # 机构管理员 of agency a: may handle and review (never the same case)


class ItemTestCase:
    """The checks every business item must pass (NetBox `ViewTestCases` style); subclass it once per item.

    A subclass (named `Test...`) declares:
      - `item_code`: the catalogue code (registered in `shebao.core.items.ITEMS`);
      - `bad_field`: the field named when `bad_submission` is refused (`bad_ui_field` if the form names it otherwise);
      - `saved_models`: the item's own tables that must stay untouched when a request is refused;
      - `subject(kit)`: the object the item acts on, built with the factories in agency a (None for a creation);
      - `submission(kit, subject)` / `bad_submission(kit, subject)`: a valid and an invalid `Submission`;
      - `check_applied(kit, subject, case)`: assert the approved case changed the records.
    Set `ui_out_of_scope = False` where the form cannot name another agency's object (and say why).
    """

    item_code: str = ""
    bad_field: str = ""
    bad_ui_field: str | None = None
    saved_models: tuple = ()
    ui_out_of_scope: bool = True

    # --- what the subclass declares ---------------------------------------------------------------------------

    def subject(self, kit: Kit):
        """The object the item acts on (built with the factories, in agency a)."""
        return None

    def submission(self, kit: Kit, subject) -> Submission:
        """A valid request of the item on `subject`."""
        raise NotImplementedError

    def bad_submission(self, kit: Kit, subject) -> Submission:
        """An invalid request, refused naming `bad_field`."""
        raise NotImplementedError

    def check_applied(self, kit: Kit, subject, case) -> None:
        """Assert that the approved `case` changed the records as requested."""
        raise NotImplementedError

    # --- fixtures ---------------------------------------------------------------------------------------------

    @pytest.fixture
    def kit(self, agencies, clerk, reviewer, clerk_b) -> Kit:
        """Agencies a and b of the demo city with a clerk, a reviewer and an admin in a, a clerk in b."""
        from shebao.core.choices import Role
        from shebao.core.tests.factories import UserFactory

        admin = UserFactory(role=Role.AGENCY_ADMIN, agency=agencies["a"])
        return Kit(agencies=agencies, clerk=clerk, reviewer=reviewer, clerk_b=clerk_b, admin=admin)

    def _guarded(self) -> list:
        from shebao.core.models import Attachment, AuditEvent, Case, CaseKey

        return [Case, CaseKey, AuditEvent, Attachment, *self.saved_models]

    def _case(self, response):
        from shebao.core.models import Case

        assert response.status_code == 201, json_of(response)
        return Case.objects.get(pk=response.json()["id"])

    # --- happy path and approval ------------------------------------------------------------------------------

    def test_kit_service_opens_an_accepted_window_case(self, kit):
        from shebao.core.choices import CaseStatus, Channel

        s = self.submission(kit, self.subject(kit))
        case = s.call(kit.clerk)
        assert case.item_id == self.item_code
        assert (case.status, case.channel, case.handler_id) == (CaseStatus.ACCEPTED, Channel.WINDOW, kit.clerk.pk)
        assert case.number and case.summary

    def test_kit_approval_by_another_reviewer_applies_the_change_and_audits(self, kit):
        from shebao.core.cases import case_approve
        from shebao.core.choices import CaseStatus
        from shebao.core.items import ITEMS
        from shebao.core.models import AuditEvent, CaseKey

        subject = self.subject(kit)
        case = self.submission(kit, subject).call(kit.clerk)
        assert CaseKey.objects.filter(case=case).exists(), "an open case claims its subject"
        case = case_approve(actor=kit.reviewer, case=case)
        assert case.status == CaseStatus.COMPLETED and case.reviewer_id == kit.reviewer.pk
        self.check_applied(kit, subject, case)
        actions = set(AuditEvent.objects.filter(case=case).values_list("action", flat=True))
        assert {"case.submit", "case.accept", "case.approve", "case.complete"} <= actions, actions
        assert actions & set(ITEMS[self.item_code].audit_labels), f"no audit row of the item's own actions: {actions}"
        assert not CaseKey.objects.filter(case=case).exists(), "a completed case releases its subject"

    def test_kit_api_submission_opens_a_case(self, kit):
        s = self.submission(kit, self.subject(kit))
        res = s.post_api(api_client_for(kit.clerk))
        case = self._case(res)
        assert case.item_id == self.item_code and res.json()["status"] == "accepted"
        required = sorted(m.name for m in required_materials(self.item_code))
        assert sorted(a["kind"] for a in res.json()["attachments"]) == required, "the files became attachments"

    def test_kit_ui_submission_redirects_to_the_case(self, kit, client):
        from django.urls import reverse

        from shebao.core.models import Case

        s = self.submission(kit, self.subject(kit))
        res = s.post_ui(login(client, kit.clerk))
        assert res.status_code == 302, res.content.decode()[:3000]
        case = Case.objects.get(item_id=self.item_code)
        assert res["Location"] == reverse("core:case-detail", args=[case.pk])
        required = sorted(m.name for m in required_materials(self.item_code))
        assert sorted(case.attachments.values_list("kind", flat=True)) == required, "the files became attachments"

    # --- scope: another agency's clerk gets 404 and nothing is written -----------------------------------------

    def test_kit_out_of_scope_clerk_service_not_found(self, kit):
        from shebao.core.errors import NotFoundError

        s = self.submission(kit, self.subject(kit))
        error = assert_refused(lambda: s.call(kit.clerk_b), nothing_saved=self._guarded())
        assert isinstance(error, NotFoundError), error

    def test_kit_out_of_scope_clerk_api_404(self, kit):
        s = self.submission(kit, self.subject(kit))
        client = api_client_for(kit.clerk_b)
        assert_refused(lambda: s.post_api(client), status=404, nothing_saved=self._guarded())

    def test_kit_out_of_scope_clerk_ui_404(self, kit, client):
        if not self.ui_out_of_scope:
            pytest.skip("the form offers no other agency's object")
        s = self.submission(kit, self.subject(kit))
        login(client, kit.clerk_b)
        assert_refused(lambda: s.post_ui(client), status=404, nothing_saved=self._guarded())

    # --- bad input: 4xx naming the field, nothing saved ---------------------------------------------------------

    def test_kit_bad_input_service_names_the_field(self, kit):
        s = self.bad_submission(kit, self.subject(kit))
        assert_refused(lambda: s.call(kit.clerk), field=self.bad_field, status=400, nothing_saved=self._guarded())

    def test_kit_bad_input_api_400_names_the_field(self, kit):
        s = self.bad_submission(kit, self.subject(kit))
        client = api_client_for(kit.clerk)
        assert_refused(
            lambda: s.post_api(client),
            status=400,
            field=self.bad_field,
            nothing_saved=self._guarded(),
        )

    def test_kit_bad_input_ui_400_rerenders_the_form(self, kit, client):
        s = self.bad_submission(kit, self.subject(kit))
        login(client, kit.clerk)
        before = count_rows(*self._guarded())
        res = s.post_ui(client)
        assert_refused(res, status=400, field=self.bad_ui_field or self.bad_field, nothing_saved=before)
        html = res.content.decode()
        assert "<form" in html and 'data-testid="form-errors"' in html

    # --- maker-checker ------------------------------------------------------------------------------------------

    def test_kit_handler_cannot_approve_own_case(self, kit):
        from shebao.core.cases import case_approve
        from shebao.core.choices import CaseStatus

        case = self.submission(kit, self.subject(kit)).call(kit.admin)
        assert case.handler_id == kit.admin.pk
        assert_refused(
            lambda: case_approve(actor=kit.admin, case=case), field="reviewer", nothing_saved=self._guarded()
        )
        case.refresh_from_db()
        assert case.status == CaseStatus.ACCEPTED

    def test_kit_reviewer_who_is_the_subject_cannot_approve(self, kit):
        from shebao.core.cases import case_approve
        from shebao.core.choices import CaseStatus

        s = self.submission(kit, self.subject(kit))
        if not s.id_number:
            pytest.skip("the case concerns no natural person")
        case = s.call(kit.clerk)
        kit.reviewer.id_number = s.id_number
        kit.reviewer.save(update_fields=["id_number"])
        assert_refused(
            lambda: case_approve(actor=kit.reviewer, case=case),
            field="reviewer",
            message_contains="本人",
            nothing_saved=self._guarded(),
        )
        case.refresh_from_db()
        assert case.status == CaseStatus.ACCEPTED

    # --- one open case per subject ------------------------------------------------------------------------------

    def test_kit_duplicate_open_case_refused_naming_the_pending_case(self, kit):
        s = self.submission(kit, self.subject(kit))
        first = s.call(kit.clerk)
        assert_refused(
            lambda: s.call(kit.clerk),
            status=409,  # ConflictError, for every item
            message_contains=first.number,
            nothing_saved=self._guarded(),
        )

    def test_kit_duplicate_open_case_refused_over_the_api(self, kit):
        s = self.submission(kit, self.subject(kit))
        client = api_client_for(kit.clerk)
        first = self._case(s.post_api(client))
        assert_refused(
            lambda: s.post_api(client),
            status=409,  # ConflictError, for every item
            message_contains=first.number,
            nothing_saved=self._guarded(),
        )

    # --- 申请材料清单: a window case without its required materials is refused unless 容缺受理 -------------------

    def _required_names(self) -> list[str]:
        names = [m.name for m in required_materials(self.item_code)]
        if not names:
            pytest.skip("the item's materials checklist has no required material")
        return names

    def test_kit_window_case_without_materials_refused(self, kit):
        names = self._required_names()
        s = self.submission(kit, self.subject(kit))
        s.materials = "none"
        assert_refused(
            lambda: s.call(kit.clerk),
            field="materials",
            status=400,
            message_contains=names[0],
            nothing_saved=self._guarded(),
        )

    def test_kit_window_case_without_materials_refused_over_the_api(self, kit):
        names = self._required_names()
        s = self.submission(kit, self.subject(kit))
        s.materials = "none"
        client = api_client_for(kit.clerk)
        assert_refused(
            lambda: s.post_api(client),
            field="materials",
            status=400,
            message_contains=names[0],
            nothing_saved=self._guarded(),
        )

    def test_kit_window_case_without_materials_refused_in_the_form(self, kit, client):
        names = self._required_names()
        s = self.submission(kit, self.subject(kit))
        s.materials = "none"
        login(client, kit.clerk)
        before = count_rows(*self._guarded())
        res = s.post_ui(client)
        assert_refused(res, status=400, field="materials", message_contains=names[0], nothing_saved=before)

    def test_kit_form_reports_field_and_materials_errors_at_once(self, kit, client):
        self._required_names()
        s = self.bad_submission(kit, self.subject(kit))
        s.materials = "none"
        login(client, kit.clerk)
        before = count_rows(*self._guarded())
        res = s.post_ui(client)
        assert_refused(res, status=400, field=[self.bad_ui_field or self.bad_field, "materials"], nothing_saved=before)

    def test_kit_window_case_with_files_stores_them_as_attachments(self, kit):
        from shebao.core.materials import materials_owed

        names = self._required_names()
        case = self.submission(kit, self.subject(kit)).call(kit.clerk)
        assert sorted(case.attachments.values_list("kind", flat=True)) == sorted(names)
        assert materials_owed(case) == [] and case.materials_waiver == ""

    def test_kit_window_case_with_waiver_is_accepted_with_materials_owed(self, kit):
        from shebao.core.choices import CaseStatus
        from shebao.core.materials import materials_owed
        from shebao.core.models import AuditEvent

        names = self._required_names()
        s = self.submission(kit, self.subject(kit))
        s.materials = "waiver"
        case = s.call(kit.clerk)
        assert case.status == CaseStatus.ACCEPTED and case.materials_waiver == WAIVER_REASON
        assert materials_owed(case) == names and not case.attachments.exists()
        event = AuditEvent.objects.get(case=case, action="case.materials_waiver")
        assert event.after == {"reason": WAIVER_REASON, "owed": names}
