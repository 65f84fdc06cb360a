"""Settings shared by every environment. Environment-specific files import from here."""

import os
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF

BASE_DIR = Path(__file__).resolve().parent.parent.parent
PACKAGE_DIR = BASE_DIR / "shebao"
# Writable state of this installation (collected static files, Celery beat's schedule…); /var/lib/shebao in production.
VAR_DIR = Path(os.environ.get("SHEBAO_VAR_DIR", BASE_DIR / "var"))

SECRET_KEY = os.environ.get("SHEBAO_SECRET_KEY", "dev-insecure-key-change-me-in-production")
DEBUG = False
ALLOWED_HOSTS = [h for h in os.environ.get("SHEBAO_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "django_filters",
    "django_htmx",
    "axes",
    "csp",
    "drf_spectacular_sidecar",  # Swagger UI and ReDoc as static files (the machines are offline: no CDN)
    "shebao.core",
    "shebao.registration",
    "shebao.contributions",
    "shebao.operations",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "shebao.core.middleware.RefuseNulMiddleware",
    "shebao.core.middleware.NoStoreForUsersMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "shebao.urls"
WSGI_APPLICATION = "shebao.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "shebao.core.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'var' / 'shebao.sqlite3'}"),
        conn_max_age=int(os.environ.get("SHEBAO_CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].update(
        {"timeout": 20, "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"}
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "core.User"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "core:login"
LOGIN_REDIRECT_URL = "core:dashboard"
LOGOUT_REDIRECT_URL = "core:login"

# Login lockout (django-axes): lock the username after repeated failures.
AXES_FAILURE_LIMIT = int(os.environ.get("SHEBAO_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 0.5  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "shebao.core.auth.lockout_response"
AXES_VERBOSE = False

LANGUAGE_CODE = "zh-hans"
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("SHEBAO_STATIC_ROOT", VAR_DIR / "static"))  # filled by `collectstatic`
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("SHEBAO_MEDIA_ROOT", BASE_DIR / "var" / "media"))

# Case materials (申请材料): allowed types and the size limit.
SHEBAO_UPLOAD_MAX_BYTES = int(os.environ.get("SHEBAO_UPLOAD_MAX_BYTES", str(10 * 1024 * 1024)))
SHEBAO_UPLOAD_TYPES = {
    ".pdf": "application/pdf",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
DATA_UPLOAD_MAX_MEMORY_SIZE = 30 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# Audit chain (docs/audit.md): the HMAC key is held outside the database — `SHEBAO_AUDIT_KEY`, or a key file
# created 0600 on first use; checkpoints of the chain head are appended to the anchor file by `audit_checkpoint`.
SHEBAO_AUDIT_KEY = os.environ.get("SHEBAO_AUDIT_KEY", "")
SHEBAO_AUDIT_KEY_FILE = Path(os.environ.get("SHEBAO_AUDIT_KEY_FILE", BASE_DIR / "var" / "audit.key"))
SHEBAO_AUDIT_KEY_CREATE = True
SHEBAO_AUDIT_ANCHOR_FILE = Path(os.environ.get("SHEBAO_AUDIT_ANCHOR_FILE", BASE_DIR / "var" / "audit-anchors.jsonl"))
# Printed documents (docs/decisions.md): verification codes are signed with SHEBAO_DOCUMENT_KEY (when empty, a key
# derived from SECRET_KEY under a salt of its own); the QR code holds SHEBAO_PUBLIC_BASE_URL + /verify/<code>/.
SHEBAO_DOCUMENT_KEY = os.environ.get("SHEBAO_DOCUMENT_KEY", "")
SHEBAO_PUBLIC_BASE_URL = os.environ.get("SHEBAO_PUBLIC_BASE_URL", "http://127.0.0.1:8000")
# Signed documents (docs/operations-signing.md): every issued PDF is signed (PAdES) with the agency key. PEM files
# from SHEBAO_SIGNING_KEY_FILE / _CERT_FILE / _CA_FILE, each defaulting to agency.key / agency.pem / ca.pem in
# SHEBAO_SIGNING_DIR (`manage.py signing_setup` writes a demo CA there). When SHEBAO_SIGNING_REQUIRED is true
# (production) a document cannot be issued without them; otherwise it is issued unsigned with a warning.
SHEBAO_SIGNING_DIR = Path(os.environ.get("SHEBAO_SIGNING_DIR", BASE_DIR / "var" / "signing"))
SHEBAO_SIGNING_KEY_FILE = os.environ.get("SHEBAO_SIGNING_KEY_FILE", "")
SHEBAO_SIGNING_CERT_FILE = os.environ.get("SHEBAO_SIGNING_CERT_FILE", "")
SHEBAO_SIGNING_CA_FILE = os.environ.get("SHEBAO_SIGNING_CA_FILE", "")
SHEBAO_SIGNING_KEY_PASSPHRASE = os.environ.get("SHEBAO_SIGNING_KEY_PASSPHRASE", "")
SHEBAO_SIGNING_REQUIRED = os.environ.get("SHEBAO_SIGNING_REQUIRED", "false").lower() in ("1", "true", "yes")
# The agency page may re-issue the demo certificate (development and tests only, never in production).
SHEBAO_SIGNING_DEMO_RENEW = False
# Uploaded PDFs whose signature is checked on the public verification page / API: hard size limit in bytes, and
# the throttle rate per client address (empty: the calculators' SHEBAO_CALCULATOR_RATE).
SHEBAO_SIGNATURE_UPLOAD_MAX = int(os.environ.get("SHEBAO_SIGNATURE_UPLOAD_MAX", str(10 * 1024 * 1024)))
SHEBAO_SIGNATURE_VERIFY_RATE = os.environ.get("SHEBAO_SIGNATURE_VERIFY_RATE", "")

# Batch runs (docs/batch.md): chunks run in-process unless a Celery broker is configured, e.g.
# SHEBAO_BROKER_URL=redis://127.0.0.1:6379/0; then workers (`celery -A shebao worker`) execute them from the queue.
SHEBAO_BROKER_URL = os.environ.get("SHEBAO_BROKER_URL", "")
SHEBAO_BATCH_QUEUE = os.environ.get("SHEBAO_BATCH_QUEUE", "shebao-batch")
# A running run with no finished chunk and no heartbeat for this long is shown as possibly interrupted (可续跑).
SHEBAO_BATCH_STALL_SECONDS = int(os.environ.get("SHEBAO_BATCH_STALL_SECONDS", "600"))
CELERY_BROKER_URL = SHEBAO_BROKER_URL or "memory://"
CELERY_TASK_DEFAULT_QUEUE = SHEBAO_BATCH_QUEUE
CELERY_TASK_ACKS_LATE = True  # a chunk task killed with its worker is delivered again (its chunk is still pending)
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1  # one chunk at a time per worker process: the others stay for idle workers
CELERY_TASK_IGNORE_RESULT = True  # progress is read from the database, not from a result backend
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# Scheduled jobs (`celery -A shebao beat`, docs/deployment.md): a plain dict, so each area adds its own entries
# (`CELERY_BEAT_SCHEDULE["name"] = {"task": ..., "schedule": seconds}`). Beat only sends the tasks: a worker on
# SHEBAO_BATCH_QUEUE runs them. Beat's state (last run times) is a file under SHEBAO_VAR_DIR.
CELERY_BEAT_SCHEDULE = {
    "clear-expired-sessions": {"task": "shebao.core.tasks.clear_expired_sessions", "schedule": 3600.0},
    "audit-checkpoint": {"task": "shebao.core.tasks.audit_checkpoint", "schedule": 300.0},
}
CELERY_BEAT_SCHEDULE_FILENAME = str(Path(os.environ.get("SHEBAO_BEAT_SCHEDULE_FILE", VAR_DIR / "celerybeat-schedule")))

# 1109 数据备份 (docs/operations-backup.md): backups and their SHA-256 manifests go to SHEBAO_BACKUP_DIR; the scheduled
# backup keeps the newest SHEBAO_BACKUP_KEEP; SHEBAO_BACKUP_KEY (env only, never in the repository) encrypts them
# when SHEBAO_BACKUP_ENCRYPT is set.
SHEBAO_BACKUP_DIR = Path(os.environ.get("SHEBAO_BACKUP_DIR", BASE_DIR / "var" / "backups"))
SHEBAO_BACKUP_KEEP = int(os.environ.get("SHEBAO_BACKUP_KEEP", "14"))
SHEBAO_BACKUP_ENCRYPT = os.environ.get("SHEBAO_BACKUP_ENCRYPT", "") not in ("", "0", "false", "False")
SHEBAO_PG_BIN = os.environ.get("SHEBAO_PG_BIN", "")  # directory of pg_dump/pg_restore (default: PATH, then Debian's)
CELERY_BEAT_SCHEDULE: dict = globals().get("CELERY_BEAT_SCHEDULE", {})  # other areas add their entries too
CELERY_BEAT_SCHEDULE["operations-backup-nightly"] = {
    "task": "shebao.operations.tasks.backup_scheduled",
    "schedule": float(os.environ.get("SHEBAO_BACKUP_EVERY_SECONDS", str(24 * 3600))),
}

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 8 * 3600
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the cookie-less meta tag; kept False for clarity
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# Content-Security-Policy (django-csp 4): only our own static files run or style the pages. No inline script
# or style attribute is needed (templates use static JS/CSS); a template that must inline a script uses
# `nonce="{{ request.csp_nonce }}"`. Bootstrap's CSS draws its icons from data: SVGs.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "shebao.core.tokens.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "shebao.core.api.errors.Pagination",
    "PAGE_SIZE": 20,
    "EXCEPTION_HANDLER": "shebao.core.api.errors.exception_handler",
    "DEFAULT_PARSER_CLASSES": [
        "shebao.core.api.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "COERCE_DECIMAL_TO_STRING": True,
}
# API tokens expire this many hours after they are issued (the same working day as a session).
SHEBAO_TOKEN_TTL_HOURS = float(os.environ.get("SHEBAO_TOKEN_TTL_HOURS", "8"))

# 社保费试算 (public calculators, no login): requests per client address, e.g. "60/minute" (DRF throttle syntax).
# The counts live in the default cache: with several server processes, configure a shared cache for one limit.
SHEBAO_CALCULATOR_RATE = os.environ.get("SHEBAO_CALCULATOR_RATE", "60/minute")

# JSON request bodies nested deeper than this are refused with 400 (deep nesting otherwise ends in RecursionError).
SHEBAO_JSON_MAX_DEPTH = int(os.environ.get("SHEBAO_JSON_MAX_DEPTH", "32"))

SPECTACULAR_SETTINGS = {
    "TITLE": "Shebao API",
    "DESCRIPTION": "社会保险经办管理信息系统 API (GB/T 35617 business items)",
    "VERSION": "1.0.0",
    "COMPONENT_SPLIT_REQUEST": True,
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    # Swagger UI and ReDoc from drf-spectacular-sidecar's static files, never a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},  # no badge from validator.swagger.io
    "ENUM_NAME_OVERRIDES": {
        "RestructureKindEnum": [("split", "分立"), ("merge", "合并")],
        "BaseDeterminationKindEnum": "shebao.contributions.services.wages_bases.KIND_CHOICES",
        "TerminationReasonEnum": "shebao.registration.choices.TerminationReason",
        "RateChangeReasonEnum": "shebao.contributions.choices.RateChangeReason",
        "BackPaymentReasonEnum": "shebao.contributions.choices.BackPaymentReason",
        "BaseAdjustmentSourceEnum": "shebao.contributions.services.wages_adjust.SOURCE_CHOICES",
        "CaseStatusEnum": "shebao.core.choices.CaseStatus",
        "EmployerStatusEnum": "shebao.registration.choices.EmployerStatus",
        "PersonStatusEnum": "shebao.registration.choices.PersonStatus",
        "EnrolmentStatusEnum": "shebao.registration.choices.EnrolmentStatus",
        "BatchStatusEnum": "shebao.core.batch_models.BatchStatus",
        "PersonCategoryEnum": "shebao.registration.choices.PersonCategory",
        "CalculatorCategoryEnum": "shebao.rules.calculators.CATEGORY_CHOICES",
        "DrillKindEnum": "shebao.operations.models.emergency.DrillKind",
        "QualityRunStatusEnum": "shebao.operations.models.quality.QualityRunStatus",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"mask_ids": {"()": "shebao.core.masking.MaskIdsFilter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["mask_ids"]}},
    "root": {"handlers": ["console"], "level": os.environ.get("SHEBAO_LOG_LEVEL", "WARNING")},
}
