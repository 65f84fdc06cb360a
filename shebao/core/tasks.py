"""Celery tasks of the platform spine (loaded by the workers only: `celery -A shebao worker`, docs/batch.md)."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="shebao.core.tasks.batch_chunk", acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def batch_chunk(run_id: int, number: int) -> int:
    """Execute chunk `number` of batch run `run_id` (a no-op when it is done or another worker holds it)."""
    from .batch import batch_chunk_execute

    return batch_chunk_execute(run_id, number)
