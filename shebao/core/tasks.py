"""Celery tasks of the platform spine (loaded by the workers only: `celery -A shebao worker`, docs/batch.md)."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="shebao.core.tasks.batch_chunk", acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def batch_chunk(run_id: int, number: int) -> int:
    """Execute chunk `number` of batch run `run_id` (a no-op when it is done or another worker holds it)."""
    from .batch import batch_chunk_execute

    return batch_chunk_execute(run_id, number)


# -- Scheduled jobs (settings.CELERY_BEAT_SCHEDULE; `celery -A shebao beat` sends them, a worker runs them) ---------


@shared_task(name="shebao.core.tasks.clear_expired_sessions", ignore_result=True)
def clear_expired_sessions() -> int:
    """Delete the login sessions past their expiry (what `manage.py clearsessions` does); returns how many."""
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    deleted, _ = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    return deleted


@shared_task(name="shebao.core.tasks.audit_checkpoint", ignore_result=True)
def audit_checkpoint() -> int | None:
    """Append a signed checkpoint of the audit chain head to the anchor file (`manage.py audit_checkpoint`)."""
    from .audit import audit_checkpoint as checkpoint

    point = checkpoint()
    return point.seq if point is not None else None
