"""Production settings: secrets and hosts from the environment, HTTPS enforced."""

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
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
