"""The production path of docs/deployment.md, run for real: the example environment file under production settings
(`check --deploy`), `collectstatic` into a fresh directory, gunicorn with deploy/gunicorn.conf.py on a loopback port
against the test PostgreSQL database (login page and a static file over HTTP), the nginx site (`nginx -t`), the
systemd units (`systemd-analyze verify`), Celery beat with the schedule, the scheduled tasks, and `bench load`.

The commands in DOC_COMMANDS are quoted verbatim from docs/deployment.md (checked below) and run here with the
Debian paths (/opt/shebao, /etc/shebao, /var/lib/shebao) replaced by temporary ones.
"""

from __future__ import annotations

import http.client
import io
import json
import os
import re
import shelve
import shutil
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

ROOT = Path(settings.BASE_DIR)
DOC = ROOT / "docs" / "deployment.md"
DEPLOY = ROOT / "deploy"
VENV_BIN = Path(sys.executable).parent

# Commands of docs/deployment.md that this test runs (with the paths replaced); each must appear in the doc as is.
DOC_COMMANDS = {
    "check": "sudo -u shebao /opt/shebao/app/deploy/manage check --deploy --fail-level WARNING",
    "collectstatic": "sudo -u shebao /opt/shebao/app/deploy/manage collectstatic --noinput",
    "gunicorn": "/opt/shebao/venv/bin/gunicorn --config /opt/shebao/app/deploy/gunicorn.conf.py",
    "beat": "/opt/shebao/venv/bin/celery -A shebao beat --loglevel INFO",
    "verify": "systemd-analyze verify /etc/systemd/system/shebao-web.service",
    "nginx": "nginx -t",
}


def _doc() -> str:
    return DOC.read_text(encoding="utf-8")


def _env_file_values() -> dict[str, str]:
    """The variables of deploy/shebao.env.example."""
    values = {}
    for line in (DEPLOY / "shebao.env.example").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, value = line.partition("=")
            values[name.strip()] = value.strip()
    return values


def _database_url() -> str:
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s.get('HOST') or '127.0.0.1'}:{s.get('PORT') or 5432}/{s['NAME']}"


def _agency_signing_material(directory: Path) -> Path:
    """An agency key and certificate from a CA of its own — not the demo CA, as a production host has."""
    import datetime as dt

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    def name(cn: str) -> x509.Name:
        return x509.Name(
            [x509.NameAttribute(NameOID.COMMON_NAME, cn), x509.NameAttribute(NameOID.ORGANIZATION_NAME, "部署测试 CA")]
        )

    now = dt.datetime.now(dt.UTC)
    ca_key, key = rsa.generate_private_key(65537, 2048), rsa.generate_private_key(65537, 2048)
    ca = (
        x509.CertificateBuilder()
        .subject_name(name("部署测试根 CA"))
        .issuer_name(name("部署测试根 CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(name("杭州市社会保险管理服务中心"))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    directory.mkdir(parents=True, mode=0o700)
    pem = serialization.Encoding.PEM
    (directory / "ca.pem").write_bytes(ca.public_bytes(pem))
    (directory / "agency.pem").write_bytes(cert.public_bytes(pem))
    key_file = directory / "agency.key"
    key_file.write_bytes(key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    key_file.chmod(0o600)
    return directory


@pytest.fixture
def env_file(tmp_path) -> Path:
    """deploy/shebao.env.example with this machine's database and temporary directories (secrets stay as given)."""
    values = _env_file_values()
    var = tmp_path / "var"
    values.update(
        DATABASE_URL=_database_url(),
        SHEBAO_VAR_DIR=str(var),
        SHEBAO_STATIC_ROOT=str(var / "static"),
        SHEBAO_MEDIA_ROOT=str(var / "media"),
        SHEBAO_AUDIT_KEY=settings.SHEBAO_AUDIT_KEY,  # the test database's chain is keyed with the test key
        SHEBAO_AUDIT_ANCHOR_FILE=str(var / "anchors" / "audit-anchors.jsonl"),
        SHEBAO_BROKER_URL="memory://",
        SHEBAO_CACHE_URL="",
        SHEBAO_ALLOWED_HOSTS="127.0.0.1,localhost,shebao.example.gov.cn",
        SHEBAO_SIGNING_DIR=str(_agency_signing_material(var / "signing")),
        SHEBAO_BACKUP_DIR=str(var / "backups"),
    )
    path = tmp_path / "shebao.env"
    path.write_text("".join(f"{k}={v}\n" for k, v in values.items()), encoding="utf-8")
    return path


def _clean_env(**extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST", "SHEBAO_", "DATABASE_"))}
    env.update(extra)
    return env


def _manage(env_file: Path, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    """deploy/manage (sources the env file, then manage.py), as the doc runs it."""
    return subprocess.run(
        [str(DEPLOY / "manage"), *args],
        env=_clean_env(SHEBAO_ENV_FILE=str(env_file), SHEBAO_PYTHON=sys.executable),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def _env_of(env_file: Path) -> dict:
    values = {}
    for line in env_file.read_text(encoding="utf-8").splitlines():
        name, _, value = line.partition("=")
        values[name] = value
    return _clean_env(**values, PYTHONPATH=str(ROOT))


# -- the document ---------------------------------------------------------------------------------------------


def test_doc_quotes_the_commands_this_test_runs():
    doc = _doc()
    missing = [cmd for cmd in DOC_COMMANDS.values() if cmd not in doc]
    assert not missing, f"docs/deployment.md no longer shows: {missing}"


def test_every_environment_variable_is_documented():
    """Each variable read in shebao/settings or deploy/gunicorn.conf.py has a row in the doc's table."""
    sources = [*sorted((ROOT / "shebao" / "settings").glob("*.py")), DEPLOY / "gunicorn.conf.py"]
    names = set()
    for path in sources:
        names |= set(re.findall(r"os\.environ(?:\.get\(|\[)\"([A-Z_][A-Z0-9_]*)\"", path.read_text(encoding="utf-8")))
    assert {"SHEBAO_SECRET_KEY", "DATABASE_URL", "SHEBAO_BIND", "SHEBAO_STATIC_ROOT"} <= names
    documented = set(re.findall(r"^\| `([A-Z_][A-Z0-9_]*)` \|", _doc(), re.M))
    assert names - documented == set(), f"not in docs/deployment.md's table: {sorted(names - documented)}"
    assert set(_env_file_values()) <= documented


def test_nginx_body_limit_matches_the_upload_cap():
    conf = (DEPLOY / "nginx" / "shebao.conf").read_text(encoding="utf-8")
    limit = re.search(r"client_max_body_size (\d+)m;", conf)
    assert limit and int(limit.group(1)) * 1024 * 1024 == settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    assert int(limit.group(1)) * 1024 * 1024 >= settings.SHEBAO_UPLOAD_MAX_BYTES
    assert "X-Forwarded-Proto $scheme" in conf and "Strict-Transport-Security" in conf


# -- settings and static files --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_check_deploy_with_the_example_environment(env_file):
    run = _manage(env_file, "check", "--deploy", "--fail-level", "WARNING")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "System check identified no issues" in run.stdout


def test_production_settings_refuse_to_start_without_secrets(env_file):
    env = _env_of(env_file)
    env.pop("SHEBAO_AUDIT_KEY")
    run = subprocess.run(
        [sys.executable, "manage.py", "check"], env=env, cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert run.returncode != 0 and "SHEBAO_AUDIT_KEY" in run.stderr


def _collectstatic(env_file: Path) -> Path:
    run = _manage(env_file, "collectstatic", "--noinput")
    assert run.returncode == 0, run.stdout + run.stderr
    return Path(_env_of(env_file)["SHEBAO_STATIC_ROOT"])


def _fetch(port: int, path: str, **headers) -> tuple[int, dict, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", path, headers={"Host": "127.0.0.1", **headers})
    response = conn.getresponse()
    body = response.read()
    conn.close()
    return response.status, {k.lower(): v for k, v in response.getheaders()}, body


@pytest.mark.django_db(transaction=True)
def test_gunicorn_serves_the_app_and_whitenoise_the_static_files(env_file, agencies):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: gunicorn's workers share the test database")
    from shebao.registration.bench.load import Server, _free_port

    static_root = _collectstatic(env_file)
    manifest = json.loads((static_root / "staticfiles.json").read_text(encoding="utf-8"))["paths"]
    assert len(manifest) > 50 and all(name != hashed for name, hashed in manifest.items())

    server = Server(_env_of(env_file), _free_port())
    try:
        server.wait_ready()
        https = {"X-Forwarded-Proto": "https"}
        status, headers, body = _fetch(server.port, "/login/", **https)
        page = body.decode()
        assert status == 200 and "登录" in page
        assert headers["strict-transport-security"].startswith("max-age=31536000")
        linked = re.findall(r'href="/static/([^"]+\.css)"', page)
        assert linked and set(linked) <= set(manifest.values())  # the pages link the manifest's hashed names
        hashed = linked[0]
        assert (static_root / hashed).is_file() and (static_root / f"{hashed}.gz").is_file()

        status, headers, body = _fetch(server.port, f"/static/{hashed}", **https, **{"Accept-Encoding": "gzip"})
        assert status == 200 and headers["content-encoding"] == "gzip"
        assert "max-age=315360000" in headers["cache-control"] and "immutable" in headers["cache-control"]
        assert body == (static_root / f"{hashed}.gz").read_bytes()

        status, headers, _ = _fetch(server.port, "/login/")  # plain http (no proxy header): redirected to https
        assert status == 301 and headers["location"] == "https://127.0.0.1/login/"

        id_number = "330102199001011234"
        status, _, _ = _fetch(server.port, f"/registration/persons/?q={id_number}", **https)
        assert status == 302  # to the login page
        status, _, _ = _fetch(server.port, f"/verify/{id_number}/", **https)
        assert 400 <= status < 500  # not a verification code
    finally:
        server.stop()
    log = "".join(server.lines)
    assert "GET /verify/" in log and "GET /registration/persons/ HTTP/1.1" in log  # access log, no query string
    assert id_number not in log and "330102********1234" in log  # ID numbers masked in every log line


# -- nginx, systemd, Celery beat ------------------------------------------------------------------------------


def test_nginx_site_syntax(tmp_path):
    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if nginx is None:
        pytest.skip("nginx is not installed (apt-get install nginx)")
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=shebao"),
            *("-keyout", key, "-out", cert),
        ],
        check=True,
        capture_output=True,
    )
    site = (DEPLOY / "nginx" / "shebao.conf").read_text(encoding="utf-8")
    site = site.replace("/etc/letsencrypt/live/shebao.example.gov.cn/fullchain.pem", str(cert))
    site = site.replace("/etc/letsencrypt/live/shebao.example.gov.cn/privkey.pem", str(key))
    site = site.replace("/var/log/nginx/", f"{tmp_path}/")
    (tmp_path / "site.conf").write_text(site, encoding="utf-8")
    main = f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
    main += f"http {{\n    include {tmp_path}/site.conf;\n}}\n"
    (tmp_path / "nginx.conf").write_text(main, encoding="utf-8")
    run = subprocess.run(
        [nginx, "-t", "-c", str(tmp_path / "nginx.conf"), "-p", str(tmp_path), "-e", str(tmp_path / "error.log")],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0 and "syntax is ok" in run.stderr, run.stderr


@pytest.mark.parametrize("unit", ["shebao-web.service", "shebao-worker.service", "shebao-beat.service"])
def test_systemd_unit_verifies(unit, tmp_path):
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is not installed")
    text = (DEPLOY / "systemd" / unit).read_text(encoding="utf-8")
    assert "EnvironmentFile=/etc/shebao/shebao.env" in text and "User=shebao" in text
    (tmp_path / unit).write_text(text.replace("/opt/shebao/venv/bin/", f"{VENV_BIN}/"), encoding="utf-8")
    run = subprocess.run(["systemd-analyze", "verify", str(tmp_path / unit)], capture_output=True, text=True)
    assert run.returncode == 0 and unit not in run.stderr, run.stderr


def test_celery_beat_loads_the_schedule_and_starts(env_file):
    from shebao.celery import app

    schedule = app.conf.beat_schedule
    assert schedule == settings.CELERY_BEAT_SCHEDULE
    app.loader.import_default_modules()  # what a worker does when it starts: the apps' tasks modules
    for entry in schedule.values():
        assert entry["task"] in app.tasks  # every scheduled task is registered with the workers' app
    env = _env_of(env_file)
    beat = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "shebao", "beat", "--loglevel", "INFO"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    schedule_file = Path(env["SHEBAO_VAR_DIR"]) / "celerybeat-schedule"
    Path(env["SHEBAO_VAR_DIR"]).mkdir(parents=True, exist_ok=True)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and beat.poll() is None:
            if any(schedule_file.parent.glob("celerybeat-schedule*")):
                break
            time.sleep(0.2)
        time.sleep(1)
        assert beat.poll() is None, beat.stdout.read()
    finally:
        beat.send_signal(signal.SIGTERM)
        out, _ = beat.communicate(timeout=30)
    assert "beat: Starting" in out, out
    # its state file, under SHEBAO_VAR_DIR, holds every entry of the schedule
    with shelve.open(str(schedule_file), flag="r") as state:
        assert set(state["entries"]) >= set(settings.CELERY_BEAT_SCHEDULE), out


@pytest.mark.django_db
def test_scheduled_tasks_clear_expired_sessions_and_write_a_checkpoint(clerk, settings, tmp_path):
    # A checkpoint of this test's (rolled-back) chain must not stay in the anchor file the later tests verify against.
    settings.SHEBAO_AUDIT_ANCHOR_FILE = tmp_path / "audit-anchors.jsonl"
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session

    from shebao.core.audit import audit_write
    from shebao.core.audit_anchor import checkpoints_read
    from shebao.core.tasks import audit_checkpoint, clear_expired_sessions

    live, old = SessionStore(), SessionStore()
    live["k"], old["k"] = 1, 2
    live.create()
    old.create()
    Session.objects.filter(session_key=old.session_key).update(expire_date=timezone.now() - timedelta(minutes=1))
    assert clear_expired_sessions.apply().get() == 1
    assert list(Session.objects.values_list("session_key", flat=True)) == [live.session_key]

    with transaction.atomic():  # one business act on the chain, so the head moves past the last checkpoint
        audit_write(actor=clerk, action="test.deployment", object_type="test", object_id=1)
    before = len(checkpoints_read())
    seq = audit_checkpoint.apply().get()
    assert seq is not None and len(checkpoints_read()) == before + 1
    assert checkpoints_read()[-1].seq == seq


# -- bench load -----------------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_bench_load_small_run_has_no_errors(agencies):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: gunicorn's workers share the test database")
    from shebao.core.models import Case
    from shebao.registration.models import Person

    out = io.StringIO()
    call_command(
        "bench",
        "load",
        "--n",
        "3",
        "--users",
        "4",
        "--think-ms",
        "0",
        "--no-demo",
        "--json",
        "--no-progress",
        stdout=out,
    )
    data = json.loads(out.getvalue())
    for key in ("name", "n", "users", "requests", "errors", "per_second", "p50_ms", "p95_ms", "p99_ms"):
        assert key in data
    assert (data["name"], data["n"], data["users"]) == ("load", 3, 4)
    assert data["errors"] == 0, data.get("error_samples")
    assert data["requests"] > 20 and data["submissions"] > 0
    # every submission answered with success is one case in the database; every approval one person
    assert data["cases_in_db"] == data["submissions"] and data["completed_in_db"] == data["approvals"]
    assert data["persons_in_db"] == data["approvals"] and data["lost_writes"] == data["doubled_writes"] == 0
    assert Case.objects.filter(item_id="01010201", agency__code="BENCHLD").count() >= data["submissions"]
    assert Person.objects.filter(employer__agency__code="BENCHLD").count() >= 200 + data["approvals"]
    assert {"login", "dashboard", "person_search", "enrol_submit", "approve", "static"} <= set(data["pages"])
