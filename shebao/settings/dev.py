"""Development / demo settings: SQLite by default, DEBUG on."""

from .base import *  # noqa: F403

DEBUG = True
ALLOWED_HOSTS = ["*"]
