"""One case query: the work queues mean the same on the dashboard, the case list and the API."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from shebao.conftest import make_user, person_data
from shebao.core.cases import case_accept
from shebao.core.choices import Channel, Role
from shebao.core.selectors import QUEUES, case_list
from shebao.registration.services import person_enrol

pytestmark = pytest.mark.django_db


@pytest.fixture
def cases(clerk, reviewer, make_employer, agencies):
    employer = make_employer()
    mine = person_enrol(actor=clerk, employer=employer, data=person_data())  # accepted at the window by clerk
    unit_user = make_user(Role.EMPLOYER, employer=employer)
    online = person_enrol(actor=unit_user, employer=employer, data=person_data(), channel=Channel.ONLINE)
    other_clerk = make_user(Role.CLERK, agencies["a"])
    theirs = person_enrol(actor=other_clerk, employer=employer, data=person_data())
    return {"mine": mine, "online": online, "theirs": theirs, "unit_user": unit_user}


def _numbers(qs) -> set[str]:
    return {c.number for c in qs}


@pytest.mark.parametrize("who", ["clerk", "reviewer"])
def test_queues_are_defined_once_and_agree_everywhere(client, clerk, reviewer, cases, who):
    user = clerk if who == "clerk" else reviewer
    if who == "clerk":  # a clerk holds no review grant: nothing waits for their review
        expected = {"mine": {cases["mine"].number}, "review": set(), "online": {cases["online"].number}}
    else:  # a reviewer handles nothing: every accepted case of others waits for them
        expected = {"mine": set(), "review": {cases["mine"].number, cases["theirs"].number}, "online": set()}
    client.force_login(user)
    api = APIClient()
    api.force_authenticate(user)
    for queue, numbers in expected.items():
        assert _numbers(case_list(user=user, filters={"queue": queue}).qs) == numbers, queue
        page = client.get(reverse("core:case-list"), {"queue": queue})
        assert page.status_code == 200
        shown = {n for n in (cases[k].number for k in ("mine", "online", "theirs")) if n in page.content.decode()}
        assert shown == numbers, queue
        res = api.get("/api/v1/cases/", {"queue": queue})
        assert {r["number"] for r in res.json()["results"]} == numbers, queue
    # the old API spelling means the same as the queue
    res = api.get("/api/v1/cases/", {"mine": "handler"})
    assert {r["number"] for r in res.json()["results"]} == expected["mine"]
    dash = client.get(reverse("core:dashboard")).content.decode()
    assert all(n in dash for nums in expected.values() for n in nums)
    assert set(QUEUES) >= set(expected)


def test_accepting_moves_a_case_from_online_to_mine(clerk, cases):
    case_accept(actor=clerk, case=cases["online"])
    assert cases["online"].number in _numbers(case_list(user=clerk, filters={"queue": "mine"}).qs)
    assert not case_list(user=clerk, filters={"queue": "online"}).qs.exists()


def test_invalid_filter_value_is_reported_not_500(client, clerk, cases):
    client.force_login(clerk)
    assert client.get(reverse("core:case-list"), {"queue": "nonsense"}).status_code == 200
    assert not case_list(user=clerk, filters={"queue": "nonsense"}).is_valid()
