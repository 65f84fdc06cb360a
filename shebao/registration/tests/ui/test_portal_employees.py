"""Employer portal 职工名单: filter by status (在职参保 / 暂停（减员） / 全部) with counts that agree with 我的单位."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from shebao.conftest import make_user
from shebao.core.cases import case_approve
from shebao.core.choices import Action, Role
from shebao.core.models import RoleGrant
from shebao.registration.services import person_change

pytestmark = [pytest.mark.django_db, pytest.mark.catalog("01010201", "01010202")]

THIS_MONTH = f"{timezone.localdate():%Y-%m}"


@pytest.fixture
def staffed_unit(make_employer, make_person, clerk, reviewer):
    """A unit with three active employees, one of whom has left (减员 approved), and another unit's employee."""
    unit = make_employer(name="杭州西溪湿地旅游有限公司")
    active = [make_person(unit, name=f"在职{n}") for n in range(3)]
    left = make_person(unit, name="已减员")
    case = person_change(
        actor=clerk, person=left, suspend_insurances=["110", "310"], change_month=THIS_MONTH, reason="解除劳动关系"
    )
    case_approve(actor=reviewer, case=case)
    make_person(make_employer(), name="别家职工")
    return unit, active, left


@pytest.fixture
def portal(client, staffed_unit):
    client.force_login(make_user(Role.EMPLOYER, None, employer=staffed_unit[0]))
    return client


def _count(html: str, key: str) -> int:
    return int(re.search(rf'data-testid="count-{key}"[^>]*>(\d+)<', html).group(1))


def _names(html: str) -> set[str]:
    table = html.split('data-testid="employees"', 1)[1].split("</table>", 1)[0]
    return set(re.findall(r"<td>([^<]+)</td>", table)) & {"在职0", "在职1", "在职2", "已减员", "别家职工"}


def test_counts_per_status_agree_with_the_home_page(portal):
    home = portal.get(reverse("registration:portal-home")).content.decode()
    listing = portal.get(reverse("registration:portal-employees")).content.decode()
    assert (_count(home, "active"), _count(home, "suspended")) == (3, 1)
    assert (_count(listing, "active"), _count(listing, "suspended"), _count(listing, "all")) == (3, 1, 4)
    # Each filter lists exactly as many employees as its count says, and the home page links to them.
    for key in ("active", "suspended", "all"):
        assert f"{reverse('registration:portal-employees')}?status={key}" in home or key == "all"
        page = portal.get(reverse("registration:portal-employees"), {"status": key}).content.decode()
        assert len(_names(page)) == _count(listing, key)


def test_filters_list_the_right_people(portal):
    url = reverse("registration:portal-employees")
    assert _names(portal.get(url).content.decode()) == {"在职0", "在职1", "在职2"}  # default: 在职参保
    suspended = portal.get(url, {"status": "suspended"}).content.decode()
    assert _names(suspended) == {"已减员"}
    assert "减员</a>" not in suspended.split('data-testid="employees"', 1)[1]  # nothing left to suspend
    assert _names(portal.get(url, {"status": "all"}).content.decode()) == {"在职0", "在职1", "在职2", "已减员"}
    assert _names(portal.get(url, {"status": "bogus"}).content.decode()) == {"在职0", "在职1", "在职2"}
    # The search keeps the filter.
    assert _names(portal.get(url, {"status": "all", "q": "已减"}).content.decode()) == {"已减员"}


def test_counts_and_list_follow_an_approved_leave(portal, staffed_unit, clerk, reviewer):
    _, active, _ = staffed_unit
    case = person_change(
        actor=clerk, person=active[0], suspend_insurances=["110", "310"], change_month=THIS_MONTH, reason="离职"
    )
    case_approve(actor=reviewer, case=case)
    home = portal.get(reverse("registration:portal-home")).content.decode()
    listing = portal.get(reverse("registration:portal-employees")).content.decode()
    assert _count(home, "active") == _count(listing, "active") == 2
    assert _count(home, "suspended") == _count(listing, "suspended") == 2


def test_list_queries_do_not_grow_with_rows(portal, django_assert_max_num_queries):
    with django_assert_max_num_queries(12):
        assert portal.get(reverse("registration:portal-employees"), {"status": "all"}).status_code == 200


def test_buttons_follow_the_grants(portal, staffed_unit):
    RoleGrant.objects.filter(role=Role.EMPLOYER, action=Action.HANDLE).delete()
    home = portal.get(reverse("registration:portal-home")).content.decode()
    listing = portal.get(reverse("registration:portal-employees")).content.decode()
    assert reverse("registration:portal-enrol") not in home and reverse("registration:portal-enrol") not in listing
    assert reverse("registration:portal-leave", args=[staffed_unit[1][0].pk]) not in listing
