"""Production settings: everything from the environment (docs/deployment.md lists each variable), HTTPS enforced,
static files served by WhiteNoise from STATIC_ROOT, logs to stdout (journald keeps them)."""

import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403

DEBUG = False
SECRET_KEY = os.environ["SHEBAO_SECRET_KEY"]
# The audit key must be provided (environment or an existing key file); it is never created silently here.
if not (os.environ.get("SHEBAO_AUDIT_KEY") or os.environ.get("SHEBAO_AUDIT_KEY_FILE")):
    raise ImproperlyConfigured("生产环境必须设置 SHEBAO_AUDIT_KEY 或 SHEBAO_AUDIT_KEY_FILE（审计日志密钥）")
SHEBAO_AUDIT_KEY_CREATE = False
# Issued documents must be signed: without key material issuing fails and `check --deploy` reports shebao.E010.
SHEBAO_SIGNING_REQUIRED = os.environ.get("SHEBAO_SIGNING_REQUIRED", "true").lower() in ("1", "true", "yes")
SHEBAO_SIGNING_DEMO_RENEW = False
SECURE_SSL_REDIRECT = True
SECURE_HSTS_SECONDS = 31536000
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
# nginx terminates TLS and sets X-Forwarded-Proto (deploy/nginx/shebao.conf); gunicorn listens on loopback only.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("SHEBAO_CSRF_TRUSTED_ORIGINS", "").split(",") if o]

# Database connections kept open between requests (each gunicorn thread holds one), checked before reuse.
DATABASES["default"]["CONN_MAX_AGE"] = int(os.environ.get("SHEBAO_CONN_MAX_AGE", "60"))  # noqa: F405
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True  # noqa: F405

# Static files: `manage.py collectstatic` writes hashed, pre-compressed copies (gzip; brotli when installed) into
# STATIC_ROOT; WhiteNoise serves them from the gunicorn workers with a far-future, immutable Cache-Control.
MIDDLEWARE = [
    *MIDDLEWARE[:1],  # noqa: F405  SecurityMiddleware first (HTTPS redirect, HSTS), then the static files
    "whitenoise.middleware.WhiteNoiseMiddleware",
    *MIDDLEWARE[1:],  # noqa: F405
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# A shared cache (Redis) when several server processes run: the calculators' throttle counts live in it.
if os.environ.get("SHEBAO_CACHE_URL"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["SHEBAO_CACHE_URL"],
        }
    }

# Logs to stdout, one line each, ID numbers masked (systemd's journal collects them: `journalctl -u shebao-web`).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"mask_ids": {"()": "shebao.core.masking.MaskIdsFilter"}},
    "formatters": {"line": {"format": "%(asctime)s %(levelname)s %(name)s %(process)d %(message)s"}},
    "handlers": {
        "stdout": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "filters": ["mask_ids"],
            "formatter": "line",
        }
    },
    "root": {"handlers": ["stdout"], "level": os.environ.get("SHEBAO_LOG_LEVEL", "INFO")},
    "loggers": {
        # 4xx/5xx request lines: the 5xx with their traceback; 4xx only at WARNING and above
        "django.request": {"level": "WARNING"},
        "django.security": {"level": "WARNING"},
    },
}
