"""Accessible, CSP-ready markup of the pages (Django test client): required fields, 不能为空 for empty selects,
取消 on every form, confirmations, the skip link, unwrapped dates and the bulk result's separate counts."""

from __future__ import annotations

import datetime as dt
import io
import re
from html.parser import HTMLParser
from pathlib import Path

import openpyxl
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from shebao.conftest import employer_data, make_user
from shebao.core.choices import Role
from shebao.core.synthetic import citizen_id
from shebao.testing import material_files

pytestmark = [pytest.mark.django_db, pytest.mark.catalog("01010101", "01010201")]

THIS_MONTH = f"{timezone.localdate():%Y-%m}"
FOCUSABLE = {"a", "button", "input", "select", "textarea"}


class _Tags(HTMLParser):
    """Start tags of a page in order, with their attributes, and the text of <label for=…>."""

    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.labels: dict[str, str] = {}
        self._label: str | None = None
        self._label_html: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append((tag, attrs))
        if tag == "label" and attrs.get("for"):
            self._label, self._label_html = attrs["for"], []
        elif self._label and tag == "span":
            self._label_html.append(f"<span class={attrs.get('class', '')}>")

    def handle_data(self, data):
        if self._label:
            self._label_html.append(data)

    def handle_endtag(self, tag):
        if tag == "label" and self._label:
            self.labels[self._label] = "".join(self._label_html)
            self._label = None

    def by_id(self, element_id: str) -> dict:
        return next(attrs for _tag, attrs in self.tags if attrs.get("id") == element_id)


def _parse(response) -> _Tags:
    parser = _Tags()
    parser.feed(response.content.decode())
    return parser


@pytest.fixture
def c(client, clerk):
    client.force_login(clerk)
    return client


def test_required_fields_carry_required_aria_required_and_a_star(c):
    page = _parse(c.get(reverse("registration:employer-enrol")))
    for name in ("uscc", "name", "unit_type", "region", "contact_phone", "start_month"):
        attrs = page.by_id(f"id_{name}")
        assert "required" in attrs and attrs.get("aria-required") == "true", name
        assert "sb-req" in page.labels[f"id_{name}"], name
    for name in ("bank_name", "bank_account"):  # optional
        attrs = page.by_id(f"id_{name}")
        assert "required" not in attrs and "aria-required" not in attrs, name
        assert "sb-req" not in page.labels[f"id_{name}"], name
    html = c.get(reverse("registration:employer-enrol")).content.decode()
    assert re.search(r"<legend[^>]*>参保险种<span class=\"sb-req\"", html)  # checkbox group: fieldset + legend


def test_empty_required_selects_say_cannot_be_empty(c, make_employer, make_person):
    data = employer_data(n=91, unit_type="", region="", injury_risk_class="", start_month=THIS_MONTH)
    html = c.post(reverse("registration:employer-enrol"), {k: v for k, v in data.items() if v != ""}).content.decode()
    for label in ("单位类型", "所在区划", "工伤风险类别"):
        assert f"{label}不能为空" in html, label
    assert "单位类型无效" not in html and "所在区划代码不存在" not in html
    employer = make_employer()
    person = make_person(employer)
    response = c.post(reverse("registration:person-terminate", args=[person.pk]), {"end_date": "2026-01-31"})
    assert response.status_code == 400 and "终止原因不能为空" in response.content.decode()
    response = c.post(reverse("registration:employer-transfer", args=[employer.pk]), {"effective_month": THIS_MONTH})
    assert response.status_code == 400 and "转入经办机构不能为空" in response.content.decode()


def test_every_form_has_a_cancel_button(c, client, make_employer, make_person):
    employer = make_employer()
    person = make_person(employer)
    urls = [
        reverse("registration:employer-enrol"),
        reverse("registration:employer-change", args=[employer.pk]),
        reverse("registration:employer-restructure", args=[employer.pk]),
        reverse("registration:employer-transfer", args=[employer.pk]),
        reverse("registration:employer-deregister", args=[employer.pk]),
        reverse("registration:person-enrol"),
        reverse("registration:person-change", args=[person.pk]),
        reverse("registration:person-terminate", args=[person.pk]),
        reverse("registration:person-bulk"),
    ]
    for url in urls:
        assert 'data-testid="cancel"' in c.get(url).content.decode(), url
    portal = client.__class__()
    portal.force_login(make_user(Role.EMPLOYER, None, employer=employer))
    for url in (
        reverse("registration:portal-enrol"),
        reverse("registration:portal-enrol-bulk"),
        reverse("registration:portal-leave", args=[person.pk]),
    ):
        assert 'data-testid="cancel"' in portal.get(url).content.decode(), url


def test_cancel_returns_where_the_user_came_from(c, make_employer):
    employer = make_employer()
    url = reverse("registration:employer-change", args=[employer.pk])
    detail = reverse("registration:employer-detail", args=[employer.pk])
    came_from = reverse("registration:employer-list") + "?q=%E6%9D%AD%E5%B7%9E"

    def cancel_href(response) -> str:
        return next(a["href"] for t, a in _parse(response).tags if t == "a" and a.get("data-testid") == "cancel")

    assert cancel_href(c.get(url, HTTP_REFERER=f"http://testserver{came_from}")) == came_from
    assert cancel_href(c.get(url)) == detail  # no referer: the employer page
    assert cancel_href(c.get(url, HTTP_REFERER="https://evil.example/phish")) == detail  # never off-site
    assert cancel_href(c.get(url, HTTP_REFERER=f"http://testserver{url}")) == detail  # not the form itself
    # A form re-shown with errors keeps the original place (sent back as the hidden `back` field).
    response = c.post(url, {"name": "", "back": came_from, "effective_month": THIS_MONTH}, HTTP_REFERER=url)
    assert cancel_href(response) == came_from


def test_case_page_asks_before_approving_and_rejecting(client, clerk, reviewer):
    from shebao.registration.services import employer_enrol

    case = employer_enrol(actor=clerk, data=employer_data(n=92), materials=material_files("01010101"))
    client.force_login(reviewer)
    page = _parse(client.get(reverse("core:case-detail", args=[case.pk])))
    forms = {a["action"]: a for t, a in page.tags if t == "form" and "action" in a}
    approve = forms[reverse("core:case-approve", args=[case.pk])]
    reject = forms[reverse("core:case-reject", args=[case.pk])]
    assert "复核通过" in approve["data-confirm"] and case.number in approve["data-confirm"]
    assert "退回" in reject["data-confirm"]
    assert any(t == "dialog" and a.get("id") == "sb-confirm" for t, a in page.tags)
    assert any(t == "script" and a.get("src", "").endswith("shebao/app.js") for t, a in page.tags)


def test_skip_link_is_the_first_focusable_element(c, client):
    for response in (c.get(reverse("core:dashboard")), client.__class__().get(reverse("core:login"))):
        page = _parse(response)
        body = next(i for i, (t, _a) in enumerate(page.tags) if t == "body")
        tag, attrs = next((t, a) for t, a in page.tags[body:] if t in FOCUSABLE and a.get("type") != "hidden")
        assert tag == "a" and attrs["href"] == "#main" and attrs["class"] == "sb-skip"
        assert page.by_id("main")


def test_dates_do_not_wrap_in_case_tables_and_record_pages(c, clerk, make_employer, make_person):
    from shebao.registration.services import employer_enrol

    employer = make_employer()
    person = make_person(employer)
    case = employer_enrol(actor=clerk, data=employer_data(n=93), materials=material_files("01010101"))
    for url in (
        reverse("core:case-list"),
        reverse("core:case-detail", args=[case.pk]),
        reverse("registration:employer-detail", args=[employer.pk]),
        reverse("registration:person-detail", args=[person.pk]),
        "search",
    ):
        if url == "search":  # searches are posted (no ID digits in URLs); the result page follows the redirect
            url = reverse("registration:person-list")
            html = c.post(url, {"q": person.name[:1]}, follow=True).content.decode()  # by surname
        else:
            html = c.get(url).content.decode()
        # Every table cell or line holding a date or month starts it inside a `text-nowrap` element.
        dates = re.findall(r"<(?:td|dd|span|div)([^>]*)>\s*\d{4}-\d{2}(?:-\d{2})?\b", html)
        assert dates, url
        assert all("text-nowrap" in attrs for attrs in dates), (url, [d for d in dates if "text-nowrap" not in d])


def test_bulk_result_counts_rows_and_errors_separately(c, make_employer):
    from shebao.registration.excel import enrolment_template

    employer = make_employer()
    wb = openpyxl.load_workbook(io.BytesIO(enrolment_template()))
    ws = wb["增员名单"]
    rows = [
        [citizen_id("330106", dt.date(1991, 3, 1) + dt.timedelta(days=n), n), f"职工{n}", "", "", "", "110", THIS_MONTH]
        for n in range(3)
    ]
    rows.append(["330106199101010000", "", "", "", "", "110", THIS_MONTH])  # bad ID and no name: 2 errors
    rows.append([citizen_id("330106", dt.date(1993, 1, 1), 9), "错月", "", "", "", "110", "2026-13"])  # 1 error
    for r, values in enumerate(rows, start=2):
        for col, value in enumerate(values, start=1):
            ws.cell(row=r, column=col, value=value)
    out = io.BytesIO()
    wb.save(out)
    response = c.post(
        reverse("registration:person-bulk") + f"?employer={employer.pk}",
        {"employer": employer.reg_no, "file": SimpleUploadedFile("名单.xlsx", out.getvalue())},
    )
    assert response.status_code == 200
    html = response.content.decode()

    def count(testid: str) -> int:
        return int(re.search(rf'data-testid="{testid}">(\d+)<', html).group(1))

    assert (count("bulk-rows"), count("bulk-valid"), count("bulk-error-rows")) == (5, 3, 2)
    assert count("bulk-errors") >= 3


def test_templates_have_no_inline_script_or_event_handlers():
    """A Content-Security-Policy without 'unsafe-inline' must not break any page."""
    base = Path(settings.BASE_DIR) / "shebao"
    offenders, scanned = [], 0
    for path in base.rglob("templates/**/*.html"):
        scanned += 1
        text = path.read_text(encoding="utf-8")
        if re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text) or re.search(r"\son[a-z]+\s*=", text):
            offenders.append(str(path.relative_to(base)))
    assert scanned > 30 and offenders == []
