"""gunicorn configuration of Shebao (docs/deployment.md): `gunicorn -c deploy/gunicorn.conf.py`.

Every setting comes from the environment (the systemd unit reads /etc/shebao/shebao.env):

- SHEBAO_BIND: where to listen, `127.0.0.1:8000` by default, or `unix:/run/shebao/gunicorn.sock` behind nginx;
- SHEBAO_WEB_WORKERS: worker processes, default CPU cores + 1 (3 on a 2-core host);
- SHEBAO_WEB_THREADS: threads per worker (gthread), default 4;
- SHEBAO_WEB_TIMEOUT: seconds before a stuck request's worker is restarted, default 60 (PDF receipts stay well under).

Why gthread, cores + 1 processes × 4 threads: a request spends much of its time waiting for PostgreSQL, and the
threads of one process overlap those waits; rendering is CPU work under the GIL, so more processes than cores
only add memory and context switches. 3 × 4 = 12 requests in flight (and at most 12 database connections) on
2 cores; `manage.py bench load` measured it (docs/benchmarks.md).

The access log goes to stdout without the query string (searches carry names and ID numbers) and every log line
passes through the same ID-number masking as the application's logs (`shebao.core.masking`).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from gunicorn.glogging import Logger

PROJECT = str(Path(__file__).resolve().parent.parent)  # the checkout: `shebao` is importable from here
if PROJECT not in sys.path:
    sys.path.insert(0, PROJECT)

from shebao.core.masking import MaskIdsFilter  # noqa: E402

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shebao.settings.production")

chdir = PROJECT
wsgi_app = "shebao.wsgi:application"
proc_name = "shebao-web"

bind = [os.environ.get("SHEBAO_BIND", "127.0.0.1:8000")]
worker_class = "gthread"
workers = int(os.environ.get("SHEBAO_WEB_WORKERS", str((os.cpu_count() or 1) + 1)))
threads = int(os.environ.get("SHEBAO_WEB_THREADS", "4"))
timeout = int(os.environ.get("SHEBAO_WEB_TIMEOUT", "60"))
graceful_timeout = 30  # on SIGTERM / reload, requests in flight get this long to finish
keepalive = 5  # nginx keeps upstream connections open (deploy/nginx/shebao.conf)
max_requests = 5000  # recycle workers now and then (bounded memory growth), staggered by the jitter
max_requests_jitter = 500
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # heartbeat files off the disk
# nginx on the same host sets X-Forwarded-Proto; Django trusts it through SECURE_PROXY_SSL_HEADER.
forwarded_allow_ips = os.environ.get("SHEBAO_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("SHEBAO_WEB_LOG_LEVEL", "info")
# client (nginx's X-Real-IP), time, method, path without the query string, status, bytes, milliseconds
access_log_format = '%({x-real-ip}i)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms'


class MaskingLogger(Logger):
    """gunicorn's logger with ID numbers masked in the access and error logs."""

    def setup(self, cfg) -> None:
        super().setup(cfg)
        for log in (self.access_log, self.error_log):
            if not any(isinstance(f, MaskIdsFilter) for f in log.filters):
                log.addFilter(MaskIdsFilter())


logger_class = MaskingLogger
