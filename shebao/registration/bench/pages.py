"""Benchmark `pages`: a clerk's page loads (dashboard, case list, employer and person detail) over N persons.

Drives the pages with Django's test client as a logged-in clerk of the lookup agency (whose N persons are reused),
times each page and counts its SQL queries. Each page is also loaded in a variant that shows fewer rows; the query
count must be the same (no per-row queries), and `queries_constant` says whether it is.
"""

from __future__ import annotations

import time

from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from shebao.core.bench.common import BenchResult, bench_user, percentiles, progress_bar, reserve_person_indexes
from shebao.core.bench.synth import indexed_id, indexed_name
from shebao.core.cases import case_approve
from shebao.core.choices import CaseStatus, Channel, Role
from shebao.core.models import Case

from ..models import Employer, Person
from ..services import person_change, person_enrol_bulk
from .lookup import ensure_population
from .registration import EMPLOYER_TYPES, _fresh_employer

EMPLOYEES = 120  # the big bench employer's staff (six pages of employees)
OPEN_CASES = 30  # changes waiting for review: the dashboard queues and the case list have full pages


def _enrol(employer, clerk, reviewer, count: int) -> None:
    from shebao.core.bench.common import bench_areas, today

    indexes = reserve_person_indexes(count)
    areas = bench_areas()
    rows = [
        {
            "id_number": indexed_id(i, areas),
            "name": indexed_name(i),
            "phone": "13900000000",
            "address": "浙江省杭州市滨江区",
            "ethnicity": "汉族",
            "insurances": list(EMPLOYER_TYPES),
            "start_month": f"{today():%Y-%m}",
        }
        for i in indexes
    ]
    result = person_enrol_bulk(actor=clerk, rows=rows, employer=employer, channel=Channel.BATCH)
    case_approve(actor=reviewer, case=result.case)


def ensure_fixture(agency) -> dict:
    """The pages' subjects in the lookup agency (made once, reused): a big and a small employer, open cases."""
    clerk, reviewer = bench_user(agency, Role.CLERK), bench_user(agency, Role.REVIEWER)
    employers = list(Employer.objects.filter(agency=agency).order_by("pk")[:2])
    if len(employers) < 2:
        with transaction.atomic():
            big, small = _fresh_employer(agency), _fresh_employer(agency)
            _enrol(big, clerk, reviewer, EMPLOYEES)
            _enrol(small, clerk, reviewer, 1)
            for person in Person.objects.filter(employer=big).order_by("pk")[:OPEN_CASES]:
                person_change(actor=clerk, person=person, changes={"phone": "13700000000"})
            for person in Person.objects.filter(employer=big).order_by("pk")[:2]:
                case = Case.objects.filter(person=person, status=CaseStatus.ACCEPTED).first()
                if case:
                    case_approve(actor=reviewer, case=case)
                person_change(actor=clerk, person=person, changes={"address": "浙江省杭州市滨江区长河街道"})
        employers = [big, small]
    big, small = employers
    busy = Person.objects.filter(employer=big).order_by("pk").first()  # three changes in its history
    quiet = Person.objects.filter(employer=small).first()  # enrolment only
    return {"clerk": clerk, "big": big, "small": small, "busy": busy, "quiet": quiet}


def _pages(f: dict) -> dict[str, tuple[str, str]]:
    """page name -> (URL with many rows, URL of the same page with fewer rows)."""
    return {
        "dashboard": (reverse("core:dashboard"), reverse("core:dashboard")),
        "case_list": (reverse("core:case-list"), reverse("core:case-list") + "?status=completed"),
        "employer_detail": (
            reverse("registration:employer-detail", args=[f["big"].pk]),
            reverse("registration:employer-detail", args=[f["small"].pk]),
        ),
        "person_detail": (
            reverse("registration:person-detail", args=[f["busy"].pk]),
            reverse("registration:person-detail", args=[f["quiet"].pk]),
        ),
    }


def _load(client: Client, url: str) -> tuple[float, int]:
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        response = client.get(url)
        elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        raise RuntimeError(f"{url} answered {response.status_code}")
    return elapsed, len(queries)


def run(*, n: int, requests: int = 200, show: bool = True) -> BenchResult:
    """Ensure N persons and the fixture, then load each page `requests` times as the clerk; p95 and queries."""
    agency, _, _ = ensure_population(n, show=show)
    fixture = ensure_fixture(agency)
    client = Client()
    client.force_login(fixture["clerk"])
    extra: dict = {}
    total, started = 0, time.perf_counter()
    constant = True
    for page, (url, fewer) in _pages(fixture).items():
        for _ in range(5):  # warm-up: templates, plan cache, buffer cache
            _load(client, url)
        timings, counts = [], set()
        with progress_bar(f"页面 {page}", requests, enabled=show) as advance:
            for _ in range(requests):
                ms, count = _load(client, url)
                timings.append(ms)
                counts.add(count)
                advance()
        _, fewer_count = _load(client, fewer)
        p = percentiles(timings)
        extra[f"{page}_p50_ms"] = p["p50"]
        extra[f"{page}_p95_ms"] = p["p95"]
        extra[f"{page}_queries"] = max(counts)
        extra[f"{page}_queries_fewer_rows"] = fewer_count
        constant = constant and len(counts) == 1 and fewer_count == max(counts)
        total += len(timings)
    seconds = time.perf_counter() - started
    extra["queries_constant"] = constant
    extra["requests_per_page"] = requests
    extra["population"] = Person.objects.filter(agency=agency).count()
    return BenchResult("pages", n, seconds, 0.0, per_second=total / seconds, extra=extra)
