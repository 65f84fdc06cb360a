"""The Celery application of Shebao: batch chunks on workers when SHEBAO_BROKER_URL is set (docs/batch.md).

Start a worker with the same settings and database as the web application::

    SHEBAO_BROKER_URL=redis://127.0.0.1:6379/0 celery -A shebao worker --concurrency 2 -Q shebao-batch

Scheduled jobs (settings.CELERY_BEAT_SCHEDULE, e.g. clearing expired sessions) are sent by one beat process and run
by the workers::

    celery -A shebao beat --loglevel INFO

(docs/deployment.md: the systemd units shebao-worker and shebao-beat).

Django does not import this module (nothing but the workers and the dispatch in `core.batch` needs Celery).
"""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shebao.settings.dev")

app = Celery("shebao")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(["shebao.core", "shebao.operations"])
