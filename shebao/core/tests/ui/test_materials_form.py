"""The materials section of `ItemFormView`: rendered from the item's checklist (a file input per material, `*` on the
required ones, 容缺受理 for staff), its errors shown with the form's, and the case page's 容缺受理 / 尚欠材料."""

from __future__ import annotations

import re

import pytest
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.db import SessionStore
from django.test import RequestFactory
from django.urls import reverse

from shebao.conftest import employer_data, make_user
from shebao.core.choices import CaseStatus, Channel, Role
from shebao.core.models import Attachment, AuditEvent, Case, CaseKey
from shebao.registration.views.employers import EmployerChangeView
from shebao.testing import WAIVER_REASON, assert_refused, count_rows, form_data, material_pdf

pytestmark = pytest.mark.django_db

LICENCE = "营业执照或其他核准执业证件"
SAVED = (Case, CaseKey, AuditEvent, Attachment)


@pytest.fixture
def c(client, clerk):
    client.force_login(clerk)
    return client


def test_section_is_rendered_from_the_checklist(c):
    html = c.get(reverse("registration:employer-enrol")).content.decode()
    assert 'enctype="multipart/form-data"' in html and 'id="materials-section"' in html
    assert f'<label class="form-label" for="id_material_1">{LICENCE}<span class="sb-req"' in html
    assert '<label class="form-label" for="id_material_2">单位银行开户证明</label>' in html  # optional: no *
    assert 'name="material_1"' in html and 'aria-required="true"' in html.split('name="material_1"')[1][:300]
    assert 'id="id_materials_waiver_on"' in html and 'id="id_materials_waiver"' in html
    assert "委托银行代扣时提供" in html  # the material's note


def test_waiver_ticked_without_a_reason_is_refused_naming_the_reason(c):
    before = count_rows(*SAVED)
    form = {**form_data(employer_data()), "materials_waiver_on": "on", "materials_waiver": "  "}
    res = c.post(reverse("registration:employer-enrol"), form)
    assert_refused(
        res, status=400, field="materials_waiver", message_contains="容缺受理原因不能为空", nothing_saved=before
    )
    assert 'data-testid="form-errors"' in res.content.decode()


def test_a_reason_without_ticking_the_box_is_no_waiver(c):
    before = count_rows(*SAVED)
    form = {**form_data(employer_data()), "materials_waiver": WAIVER_REASON}
    res = c.post(reverse("registration:employer-enrol"), form)
    assert_refused(res, status=400, field="materials", nothing_saved=before)


def test_bad_file_is_shown_under_its_material(c):
    before = count_rows(*SAVED)
    form = {**form_data(employer_data()), "material_1": material_pdf("licence.exe")}
    res = c.post(reverse("registration:employer-enrol"), form)
    assert_refused(res, status=400, field="material_1", message_contains="文件类型不允许", nothing_saved=before)
    assert "页面重新显示后，请重新选择要上传的文件" in res.content.decode()


def test_waiver_accepts_and_the_case_page_shows_it_with_what_is_owed_until_uploaded(c, clerk):
    form = {**form_data(employer_data()), "materials_waiver_on": "on", "materials_waiver": WAIVER_REASON}
    res = c.post(reverse("registration:employer-enrol"), form)
    assert res.status_code == 302, res.content.decode()[:2000]
    case = Case.objects.get(item_id="01010101")
    assert (case.status, case.materials_waiver) == (CaseStatus.ACCEPTED, WAIVER_REASON)
    page = c.get(res["Location"]).content.decode()
    assert f"<strong>容缺受理</strong>：{WAIVER_REASON}" in page
    assert f'id="materials-owed">尚欠材料：{LICENCE}</div>' in page
    assert f'<option value="{LICENCE}">' in page and 'list="material-names"' in page  # the checklist's names
    kind_input = re.search(r'<input[^>]*id="id_kind"[^>]*>', page).group(0)
    assert f'value="{LICENCE}"' in kind_input  # the upload form starts at the material still owed
    assert "容缺受理" in page.split("办理过程")[1]  # the audit trail names the act
    res = c.post(reverse("core:case-material-add", args=[case.pk]), {"kind": LICENCE, "file": material_pdf()})
    assert res.status_code == 302
    page = c.get(reverse("core:case-detail", args=[case.pk])).content.decode()
    assert 'id="materials-owed"' not in page and "（材料已补齐）" in page


def _online(user, method: str, employer, data=None):
    """The employer change page as an online (portal) page: the same view with `staff_only = False`."""

    class PortalChange(EmployerChangeView):
        staff_only = False

    factory = RequestFactory()
    url = f"/portal/change/{employer.pk}/"
    request = factory.post(url, data) if method == "post" else factory.get(url)
    request.user, request.session = user, SessionStore()
    request._messages = FallbackStorage(request)
    return PortalChange.as_view()(request, employer_id=employer.pk)


def test_online_page_offers_uploads_without_waiver_or_required_marks(make_employer):
    employer = make_employer()
    user = make_user(Role.EMPLOYER, None, employer=employer)
    html = _online(user, "get", employer).content.decode()
    assert 'for="id_material_1">变更事项的证明文件</label>' in html  # offered, not marked required
    assert "materials_waiver" not in html and "可在此上传申请材料" in html
    form = {k: getattr(employer, k) for k in ("uscc", "name", "unit_type", "legal_rep", "address", "industry_code")}
    form |= {"injury_risk_class": employer.injury_risk_class, "region": employer.region_id}
    form |= {"contact_name": "赵六", "contact_phone": employer.contact_phone}
    res = _online(user, "post", employer, form_data(form))
    assert res.status_code == 302  # not refused without materials: the clerk checks them when accepting
    case = Case.objects.get(item_id="01010102")
    assert (case.channel, case.status) == (Channel.ONLINE, CaseStatus.SUBMITTED)


def test_optional_material_of_a_person_enrolment_is_stored(c, make_employer):
    from shebao.conftest import person_data

    employer = make_employer()
    url = f"{reverse('registration:person-enrol')}?employer={employer.pk}"
    assert 'for="id_material_1">居民身份证或户口簿</label>' in c.get(url).content.decode()  # optional: no *
    res = c.post(url, {**form_data(person_data()), "material_1": material_pdf("身份证.pdf")})
    assert res.status_code == 302, res.content.decode()[:2000]
    case = Case.objects.get(item_id="01010201", employer=employer)
    assert list(case.attachments.values_list("kind", "original_name")) == [("居民身份证或户口簿", "身份证.pdf")]


def test_bulk_roster_page_has_no_materials_section(c, make_employer):
    employer = make_employer()
    html = c.get(f"{reverse('registration:person-bulk')}?employer={employer.pk}").content.decode()
    assert "materials-section" not in html and "material_1" not in html
