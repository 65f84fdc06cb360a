"""Development / demo settings: SQLite by default, DEBUG on."""

from .base import *  # noqa: F403

DEBUG = True
ALLOWED_HOSTS = ["*"]
SHEBAO_SIGNING_DEMO_RENEW = True  # the agency page may re-issue the demo signing certificate
