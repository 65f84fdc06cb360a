"""Benchmark `load`: concurrent clerk sessions against the production server (gunicorn + WhiteNoise) over HTTP.

What it does (docs/benchmarks.md, "bench load"):

1. Setup, not timed: demo data (`seed_demo`) when the database has none; the load agency `BENCHLD` with a bench
   employer of `POPULATION` enrolled employees (made once, reused); per session a clerk and a reviewer of that
   agency with a fresh random password (distinct users: the login lockout counts per user and address).
2. `collectstatic` with the production settings into a directory of its own, then gunicorn with
   `deploy/gunicorn.conf.py` and `shebao.settings.production` on a free loopback port, on this database.
3. For N seconds, `--users` threads each drive one session over real HTTP, pausing `--think-ms` (±50 %) after
   each page as a clerk reading it does (0: no pause, a saturation test) (`http.client`, keep-alive, cookies,
   CSRF tokens from the pages, `X-Forwarded-Proto: https` as nginx sends): log in, then in a loop the dashboard,
   a person search, an employer search, a person's page, the employer's page, the 个人参保登记 (01010201) form and
   its submission, and the approval of that case by the session's reviewer (maker-checker: never the handler).
4. gunicorn is stopped. Every submission answered with success must be in the database exactly once: one case
   per submission, completed when its approval was answered with success, one person per submitted ID number.
   A lost or doubled write counts as an error, as does any 5xx or unexpected answer.
"""

from __future__ import annotations

import http.client
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from html import unescape
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.hashers import Argon2PasswordHasher
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

from shebao.core.bench.common import (
    BenchResult,
    bench_agency,
    bench_areas,
    bench_user,
    percentiles,
    reserve_person_indexes,
    today,
)
from shebao.core.bench.demo import demo_exists
from shebao.core.bench.synth import indexed_id, indexed_name
from shebao.core.choices import CaseStatus, Role
from shebao.core.models import Case, User

from ..models import Employer, Person
from .pages import _enrol
from .registration import EMPLOYER_TYPES, _fresh_employer

AGENCY = ("BENCHLD", "基准负载测试经办机构")
POPULATION = 200  # employees of the load agency's employer: the searches and detail pages find them
ITEM = "01010201"
KEEPALIVE_SECONDS = 5  # gunicorn's keepalive (deploy/gunicorn.conf.py): idle connections are closed after it
CONFIG = Path(settings.BASE_DIR) / "deploy" / "gunicorn.conf.py"
_CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
_VERSION_INPUT = re.compile(r'action="/cases/(\d+)/approve/"[^>]*>.*?name="version" value="(\d+)"', re.S)
_CASE_URL = re.compile(r"^/cases/(\d+)/$")
_SERVER_ERROR = re.compile(r'" 5\d\d |Traceback|\[CRITICAL\]|\[ERROR\]| ERROR django')
_STATIC_LINK = re.compile(r'(?:href|src)="(/static/[^"]+)"')


# -- setup (not timed) ------------------------------------------------------------------------------------------


def _fixture(users: int) -> dict:
    """The load agency, its employer with POPULATION employees, and a clerk + reviewer per session."""
    agency = bench_agency(*AGENCY)
    clerk, reviewer = bench_user(agency, Role.CLERK), bench_user(agency, Role.REVIEWER)
    employer = Employer.objects.filter(agency=agency).order_by("pk").first()
    if employer is None:
        with transaction.atomic():
            employer = _fresh_employer(agency)
            _enrol(employer, clerk, reviewer, POPULATION)
    password = secrets.token_urlsafe(12)
    # One hash for all the bench users of this run (hashing is slow by design), with production's hasher: the
    # server runs the production settings whatever this process uses (the tests' fast MD5 is not accepted there).
    hasher = Argon2PasswordHasher()
    hashed = hasher.encode(password, hasher.salt())
    sessions = []
    for i in range(users):
        pair = []
        for role, tag in ((Role.CLERK, "c"), (Role.REVIEWER, "r")):
            username = f"bench_load_{tag}{i:03d}"
            User.objects.update_or_create(
                username=username,
                defaults={
                    "role": role,
                    "agency": agency,
                    "display_name": f"负载{Role(role).label}{i}",
                    "password": hashed,
                },
            )
            pair.append(username)
        sessions.append(tuple(pair))
    people = list(Person.objects.filter(employer=employer).order_by("pk").values_list("pk", "name", "id_number"))
    return {"agency": agency, "employer": employer, "sessions": sessions, "password": password, "people": people}


def _database_url() -> str:
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s.get('HOST') or '127.0.0.1'}:{s.get('PORT') or 5432}/{s['NAME']}"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def production_env(**extra: str) -> dict:
    """Environment of a production-settings child process on this database (same audit key, media, anchor)."""
    from shebao.core.audit_anchor import audit_key

    key = audit_key().decode()  # the key this process writes with (created under dev settings if missing)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST", "SHEBAO_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="shebao.settings.production",
        DATABASE_URL=_database_url(),
        SHEBAO_SECRET_KEY=os.environ.get("SHEBAO_SECRET_KEY") or secrets.token_urlsafe(50),
        SHEBAO_AUDIT_KEY=key,
        SHEBAO_AUDIT_ANCHOR_FILE=str(settings.SHEBAO_AUDIT_ANCHOR_FILE),
        SHEBAO_MEDIA_ROOT=str(settings.MEDIA_ROOT),
        SHEBAO_ALLOWED_HOSTS="127.0.0.1,localhost",
        SHEBAO_PUBLIC_BASE_URL="https://127.0.0.1",
        SHEBAO_LOG_LEVEL="WARNING",
        PYTHONPATH=str(settings.BASE_DIR),
        **extra,
    )
    return env


def collectstatic(env: dict) -> None:
    """`manage.py collectstatic --noinput` under the production settings (hashed, compressed copies)."""
    subprocess.run(
        [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), "collectstatic", "--noinput", "-v", "0"],
        env=env,
        cwd=settings.BASE_DIR,
        check=True,
        capture_output=True,
        text=True,
    )


class Server:
    """gunicorn with deploy/gunicorn.conf.py on a loopback port; its log is drained and kept for diagnostics."""

    def __init__(self, env: dict, port: int):
        self.port = port
        self.lines: list[str] = []
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--config", str(CONFIG)],
            env={**env, "SHEBAO_BIND": f"127.0.0.1:{port}"},
            cwd=settings.BASE_DIR,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        threading.Thread(target=self._drain, daemon=True).start()

    def _drain(self) -> None:
        for line in self.process.stdout:
            self.lines.append(line)

    def wait_ready(self, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("gunicorn exited:\n" + "".join(self.lines[-40:]))
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                conn.request("GET", "/login/", headers={"Host": "127.0.0.1", "X-Forwarded-Proto": "https"})
                status = conn.getresponse().status
                conn.close()
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError("gunicorn did not answer in time:\n" + "".join(self.lines[-40:]))

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=40)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


# -- the HTTP sessions (timed) ----------------------------------------------------------------------------------


class Browser:
    """One user's session: a keep-alive connection, its cookies, and the timings of its requests by page."""

    def __init__(self, port: int, stats: Stats, pause=lambda: None):
        self.port, self.stats, self.pause = port, stats, pause
        self.cookies: dict[str, str] = {}
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)  # reconnects by itself once closed
        self.last_used = time.monotonic()
        self.origin = f"https://127.0.0.1:{port}"

    def request(self, page: str, method: str, path: str, form: dict | None = None, expect=(200,)):
        headers = {
            "Host": f"127.0.0.1:{self.port}",
            "X-Forwarded-Proto": "https",  # what nginx sends: SECURE_SSL_REDIRECT and secure cookies apply
            "Accept-Encoding": "gzip",
        }
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Origin"] = self.origin
            headers["Referer"] = self.origin + path
        if time.monotonic() - self.last_used > KEEPALIVE_SECONDS - 1:  # the server has closed (or will close) it
            self.conn.close()
        started = time.perf_counter()
        try:
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                if method != "GET":  # a browser retries only what is safe to repeat
                    raise
                self.conn.close()  # a kept-alive connection closed by the server meanwhile: a fresh one, once
                started = time.perf_counter()
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException) as exc:
            self.conn.close()
            self.stats.error(page, f"{method} {path}: {type(exc).__name__} {exc}")
            return None
        finally:
            self.last_used = time.monotonic()
        elapsed = (time.perf_counter() - started) * 1000
        self.stats.record(page, elapsed)
        if page != "static":
            self.pause()  # the clerk reads the page (think time, not counted in the latency)
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        if response.status not in expect:
            self.stats.error(page, f"{method} {path}: HTTP {response.status}")
            return None
        return response, data

    @staticmethod
    def text(result) -> str:
        response, data = result
        if response.getheader("Content-Encoding") == "gzip":
            import gzip

            data = gzip.decompress(data)
        return data.decode("utf-8", "replace")

    def login(self, username: str, password: str) -> bool:
        got = self.request("login_form", "GET", "/login/")
        if got is None:
            return False
        page = self.text(got)
        static = _STATIC_LINK.findall(page)
        if static:  # a browser fetches the page's CSS/JS once, then keeps it (hashed names, immutable)
            self.request("static", "GET", unescape(static[0]))
        token = _CSRF_INPUT.search(page)
        done = self.request(
            "login",
            "POST",
            "/login/",
            {"csrfmiddlewaretoken": token.group(1) if token else "", "username": username, "password": password},
            expect=(302,),
        )
        return done is not None

    def form_token(self, result) -> str:
        match = _CSRF_INPUT.search(self.text(result))
        return match.group(1) if match else self.cookies.get("csrftoken", "")


@dataclass
class Stats:
    """Timings and errors of all sessions (threads append under a lock)."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    timings: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: list[str] = field(default_factory=list)
    submitted: dict[str, int] = field(default_factory=dict)  # ID number -> case id, answered with success
    approved: set[int] = field(default_factory=set)

    def record(self, page: str, ms: float) -> None:
        with self.lock:
            self.timings[page].append(ms)

    def error(self, page: str, what: str) -> None:
        with self.lock:
            self.errors.append(f"{page}: {what}")


def _session(port, stats, clerk, reviewer, password, fx, ids, deadline, think: float) -> None:
    """One clerk (and the reviewer who approves the clerk's cases) working until the deadline."""
    import random

    rnd = random.Random(clerk)
    pause = (lambda: time.sleep(think * rnd.uniform(0.5, 1.5))) if think > 0 else (lambda: None)
    desk, checker = Browser(port, stats, pause), Browser(port, stats, pause)
    if not (desk.login(clerk, password) and checker.login(reviewer, password)):
        return
    employer, people = fx["employer"], fx["people"]
    insurances = list(EMPLOYER_TYPES)
    month = f"{today():%Y-%m}"
    rounds = 0
    while rounds == 0 or time.monotonic() < deadline:  # every session completes at least one round
        rounds += 1
        pk, name, id_number = rnd.choice(people)
        desk.request("dashboard", "GET", "/")
        desk.request("person_search", "GET", "/registration/persons/?" + urlencode({"q": name[:2]}))
        desk.request("person_search", "GET", "/registration/persons/?" + urlencode({"q": id_number[-6:]}))
        desk.request("employer_search", "GET", "/registration/employers/?" + urlencode({"q": employer.name[-4:]}))
        desk.request("person_detail", "GET", f"/registration/persons/{pk}/")
        desk.request("employer_detail", "GET", f"/registration/employers/{employer.pk}/")
        if rounds > 1 and time.monotonic() >= deadline:
            break
        index = ids.take()
        if index is None:
            continue
        new_id = indexed_id(index, fx["areas"])
        form_page = desk.request("enrol_form", "GET", f"/registration/persons/new/?employer={employer.pk}")
        if form_page is None:
            continue
        data = {
            "csrfmiddlewaretoken": desk.form_token(form_page),
            "id_number": new_id,
            "name": indexed_name(index),
            "phone": "13900000000",
            "address": "浙江省杭州市滨江区长河街道",
            "ethnicity": "汉族",
            "insurances": insurances,
            "start_month": month,
        }
        done = desk.request("enrol_submit", "POST", f"/registration/persons/new/?employer={employer.pk}", data, (302,))
        if done is None:
            continue
        match = _CASE_URL.match(done[0].getheader("Location", ""))
        if not match:
            stats.error("enrol_submit", f"redirected to {done[0].getheader('Location')!r}, not a case page")
            continue
        case_id = int(match.group(1))
        with stats.lock:
            stats.submitted[new_id] = case_id
        page = checker.request("case_detail", "GET", f"/cases/{case_id}/")
        if page is None:
            continue
        text = checker.text(page)
        version = _VERSION_INPUT.search(text)
        if version is None:
            stats.error("case_detail", f"case {case_id}: no approve form for the reviewer")
            continue
        token = _CSRF_INPUT.search(text)
        approved = checker.request(
            "approve",
            "POST",
            f"/cases/{case_id}/approve/",
            {"csrfmiddlewaretoken": token.group(1) if token else "", "version": version.group(2)},
            (302,),
        )
        if approved is not None:
            with stats.lock:
                stats.approved.add(case_id)


class _Indexes:
    """Fresh synthetic person indexes handed out to the sessions (reserved up front, never reused)."""

    def __init__(self, block: range):
        self._it, self._lock = iter(block), threading.Lock()

    def take(self) -> int | None:
        with self._lock:
            return next(self._it, None)


# -- the run --------------------------------------------------------------------------------------------------


def _check_writes(stats: Stats, agency, usernames: list[str], since) -> dict:
    """Submissions answered with success against the database: one case each, one person per ID number."""
    ids = list(stats.submitted)
    window = Case.objects.filter(
        agency=agency, item_id=ITEM, submitted_by__username__in=usernames, submitted_at__gte=since
    ).values("pk", "status", "handler_id", "reviewer_id")
    cases = {c["pk"]: c for c in window}
    persons = defaultdict(int)
    for number in Person.objects.filter(id_number__in=ids).values_list("id_number", flat=True):
        persons[number] += 1
    lost = [n for n in ids if stats.submitted[n] not in cases]  # answered "accepted", no case in the database
    lost += [n for n in ids if stats.submitted[n] in stats.approved and persons[n] != 1]  # approved, no person
    lost += [pk for pk in stats.approved if cases.get(pk, {}).get("status") != CaseStatus.COMPLETED]
    doubled = [n for n, count in persons.items() if count > 1]
    doubled += [pk for pk in cases if pk not in set(stats.submitted.values())]  # a case nobody was told about
    same_hands = [pk for pk in stats.approved if pk in cases and cases[pk]["handler_id"] == cases[pk]["reviewer_id"]]
    return {
        "submissions": len(ids),
        "approvals": len(stats.approved),
        "cases_in_db": len(cases),
        "completed_in_db": sum(1 for c in cases.values() if c["status"] == CaseStatus.COMPLETED),
        "persons_in_db": sum(1 for n in ids if persons[n] == 1),
        "lost_writes": len(lost),
        "doubled_writes": len(doubled),
        "reviewer_was_handler": len(same_hands),
    }


def run(
    *,
    n: int,
    users: int = 50,
    workers: int | None = None,
    threads: int | None = None,
    demo: bool = True,
    think_ms: int = 1000,
    show: bool = False,
) -> BenchResult:
    """Drive `users` concurrent sessions for n seconds against gunicorn on this database; figures and checks."""
    if demo and not demo_exists():
        call_command("seed_demo", verbosity=0)
    fx = _fixture(users)
    fx["areas"] = bench_areas()
    ids = _Indexes(reserve_person_indexes(max(users * n, 50)))  # far more than a session submits per second
    env = production_env()
    if workers:
        env["SHEBAO_WEB_WORKERS"] = str(workers)
    if threads:
        env["SHEBAO_WEB_THREADS"] = str(threads)
    static_root = tempfile.mkdtemp(prefix="shebao-bench-static-")
    env["SHEBAO_STATIC_ROOT"] = static_root
    collectstatic(env)
    load_before = os.getloadavg()
    server = Server(env, _free_port())
    stats = Stats()
    since = timezone.now()
    try:
        server.wait_ready()
        started = time.monotonic()
        deadline = started + n
        pool = [
            threading.Thread(
                target=_session,
                args=(server.port, stats, c, r, fx["password"], fx, ids, deadline, think_ms / 1000),
                daemon=True,
            )
            for c, r in fx["sessions"]
        ]
        for t in pool:
            t.start()
        for t in pool:
            t.join(timeout=n + 120)
        seconds = time.monotonic() - started
    finally:
        server.stop()
        shutil.rmtree(static_root, ignore_errors=True)
    load_after = os.getloadavg()
    server_errors = [line.strip() for line in server.lines if _SERVER_ERROR.search(line)]
    usernames = [name for pair in fx["sessions"] for name in pair]
    writes = _check_writes(stats, fx["agency"], usernames, since)
    all_ms = [ms for values in stats.timings.values() for ms in values]
    requests = len(all_ms)
    errors = (
        len(stats.errors)
        + len(server_errors)
        + sum(writes[k] for k in ("lost_writes", "doubled_writes", "reviewer_was_handler"))
    )
    overall = percentiles(all_ms)
    extra = {
        "users": users,
        "think_ms": think_ms,
        "requests": requests,
        "errors": errors,
        "p50_ms": overall["p50"],
        "p95_ms": overall["p95"],
        "p99_ms": overall["p99"],
        **writes,
        "gunicorn_workers": int(env.get("SHEBAO_WEB_WORKERS", (os.cpu_count() or 1) + 1)),
        "gunicorn_threads": int(env.get("SHEBAO_WEB_THREADS", 4)),
        "pages": {
            page: {"count": len(values), "p50_ms": percentiles(values)["p50"], "p95_ms": percentiles(values)["p95"]}
            for page, values in sorted(stats.timings.items())
        },
        "load_before": [round(x, 2) for x in load_before],
        "load_after": [round(x, 2) for x in load_after],
        "cpus": os.cpu_count(),
    }
    if stats.errors or server_errors:
        extra["error_samples"] = (stats.errors[:5] + server_errors[:5])[:10]
        log = Path(tempfile.mkstemp(prefix="shebao-bench-load-", suffix=".log")[1])
        log.write_text("".join(server.lines), encoding="utf-8")
        extra["server_log"] = str(log)  # gunicorn's whole output (ID numbers masked), for the tracebacks
    return BenchResult(
        name="load",
        n=n,
        seconds=seconds,
        floor_seconds=0.0,
        per_second=requests / seconds if seconds else 0,
        extra=extra,
    )
