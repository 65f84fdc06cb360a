"""Arrears pages: the forms re-render with the field's message (400), the unit's handling page with its steps,
the overdue list, 404 for another agency's unit, 403 without the grant."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from shebao.contributions.models import ArrearsAction, Deferral
from shebao.contributions.services.arrears_notice import arrears_notice_issue
from shebao.contributions.tests.arrears.factories import months_ago, owing_unit
from shebao.core.cases import case_approve
from shebao.testing import login

pytestmark = [pytest.mark.django_db]


@pytest.mark.catalog("020302")
def test_deferral_form_too_long_shows_the_message(client, clerk, agencies):
    unit = owing_unit(agencies["a"], months=0)
    login(client, clerk)
    res = client.post(
        reverse("contributions:arrears-deferral", args=[unit.pk]),
        {
            "insurance_types": ["110"],
            "start_month": f"{months_ago(0):%Y-%m}",
            "end_month": f"{months_ago(-20):%Y-%m}",
            "reason": "困难",
        },
    )
    assert res.status_code == 400 and "缓缴期限最长12个月" in res.content.decode()
    assert not Deferral.objects.exists()


@pytest.mark.catalog("020303")
def test_back_payment_page_renders(client, clerk, agencies):
    unit = owing_unit(agencies["a"], months=0)
    login(client, clerk)
    res = client.get(reverse("contributions:arrears-back-payment", args=[unit.pk]))
    assert res.status_code == 200 and "补缴原因" in res.content.decode()


@pytest.mark.catalog("020304")
def test_refund_form_unparsable_line_is_400(client, clerk, agencies):
    unit = owing_unit(agencies["a"], months=0)
    login(client, clerk)
    res = client.post(
        reverse("contributions:arrears-refund", args=[unit.pk]),
        {"lines": "退一点", "bank_name": "工行", "bank_account": "6222021202000000001", "reason": "多缴"},
    )
    assert res.status_code == 400 and "第1条" in res.content.decode()


@pytest.mark.catalog("020502")
def test_handling_page_steps_and_overdue_list(client, clerk, reviewer, clerk_b, agencies):
    unit = owing_unit(agencies["a"])
    case_approve(actor=reviewer, case=arrears_notice_issue(actor=clerk, employer=unit))
    ArrearsAction.objects.update(deadline=timezone.localdate() - dt.timedelta(days=1))
    login(client, clerk)
    page = client.get(reverse("contributions:arrears-employer", args=[unit.pk]))
    assert page.status_code == 200 and "责令限期缴纳通知" in page.content.decode()
    res = client.post(
        reverse("contributions:arrears-action", args=[unit.pk]), {"kind": "bank_inquiry", "notes": "查询账户"}
    )
    assert res.status_code == 302 and ArrearsAction.objects.filter(kind="bank_inquiry").count() == 1
    overdue = client.get(reverse("contributions:arrears-overdue")).content.decode()
    assert unit.name in overdue and "查询存款账户" in overdue
    assert client.get(reverse("contributions:arrears-home")).status_code == 200
    login(client, clerk_b)
    assert client.get(reverse("contributions:arrears-employer", args=[unit.pk])).status_code == 404


@pytest.mark.catalog("020502")
def test_portal_user_has_no_handling_page(client, agencies):
    from shebao.core.choices import Role
    from shebao.core.tests.factories import UserFactory

    unit = owing_unit(agencies["a"], months=1)
    user = UserFactory(role=Role.EMPLOYER, agency=None, employer=unit)
    login(client, user)
    res = client.get(reverse("contributions:arrears-employer", args=[unit.pk]))
    assert res.status_code in (302, 403)


@pytest.mark.catalog("020302")
def test_unit_applies_for_a_deferral_online_and_the_agency_approves(client, clerk, reviewer, agencies):
    """网上经办: the unit's user applies with its application file; the clerk accepts and a reviewer approves."""
    from shebao.conftest import make_user
    from shebao.core.cases import case_accept
    from shebao.core.choices import Channel, Role
    from shebao.core.models import Attachment, Case
    from shebao.testing.items import material_uploads

    unit = owing_unit(agencies["a"], months=0)
    other = owing_unit(agencies["a"], months=0)
    me = make_user(Role.EMPLOYER, None, username="unit_defer", employer=unit)
    login(client, me)
    url = reverse("contributions:portal-deferral")
    page = client.get(url).content.decode()
    assert "缓缴申请" in page and "缓缴申请书及生产经营困难的证明材料" in page and "容缺受理" not in page
    body = {
        "insurance_types": ["110"],
        "start_month": f"{months_ago(0):%Y-%m}",
        "end_month": f"{months_ago(-2):%Y-%m}",
        "reason": "受灾停产，生产经营暂时困难",
    }
    bad = client.post(url, {**body, "end_month": f"{months_ago(-20):%Y-%m}", **material_uploads("020302")})
    assert bad.status_code == 400 and "缓缴期限最长12个月" in bad.content.decode() and not Case.objects.exists()
    res = client.post(url, {**body, **material_uploads("020302")})
    assert res.status_code == 302
    case = Case.objects.get(item_id="020302")
    assert (case.channel, case.employer_id, case.status) == (Channel.ONLINE, unit.pk, "submitted")
    assert Attachment.objects.filter(case=case, kind="缓缴申请书及生产经营困难的证明材料").count() == 1
    case_approve(actor=reviewer, case=case_accept(actor=clerk, case=case))
    assert Deferral.objects.get().employer_id == unit.pk and not Deferral.objects.filter(employer=other).exists()
    # staff and the insured are sent to their own start pages, never to another unit's form
    login(client, clerk)
    assert client.get(url).status_code == 302
