"""Production settings: secrets and hosts from the environment, HTTPS enforced."""

import os

from .base import *  # noqa: F403

DEBUG = False
SECRET_KEY = os.environ["SHEBAO_SECRET_KEY"]
SECURE_SSL_REDIRECT = True
SECURE_HSTS_SECONDS = 31536000
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
