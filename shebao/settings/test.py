"""Test settings: PostgreSQL when DATABASE_URL is set, SQLite otherwise; fast hashing."""

import tempfile

from .base import *  # noqa: F403

DEBUG = False
ALLOWED_HOSTS = ["*"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="shebao-media-"))  # noqa: F405
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# A fixed audit key; checkpoints go to a per-process temporary file (each test gets its own, see core/tests).
SHEBAO_AUDIT_KEY = "test-audit-key-0123456789abcdef0123456789abcdef"
SHEBAO_AUDIT_ANCHOR_FILE = Path(tempfile.mkdtemp(prefix="shebao-anchor-")) / "audit-anchors.jsonl"  # noqa: F405
# A test-only app with a batch kind writing to its own tables (core/tests/batchapp): the batch framework's tests,
# and the Celery workers they start, load it from here.
INSTALLED_APPS = [*INSTALLED_APPS, "shebao.core.tests.batchapp"]  # noqa: F405
# The calculators' throttle is tested on its own (with a low rate); the other tests and the fuzzer are not throttled.
SHEBAO_CALCULATOR_RATE = "100000/minute"
# Backups taken by tests (and by the API fuzzer) go to a per-process temporary directory, never to var/backups.
SHEBAO_BACKUP_DIR = Path(tempfile.mkdtemp(prefix="shebao-backups-"))  # noqa: F405

# Signed documents: a demo CA and agency certificate made once per test session in a temporary directory
# (`shebao/conftest.py`); the agency page may re-issue it.
SHEBAO_SIGNING_DIR = Path(tempfile.mkdtemp(prefix="shebao-signing-"))  # noqa: F405
SHEBAO_SIGNING_DEMO_RENEW = True
