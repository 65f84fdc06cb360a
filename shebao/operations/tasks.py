"""Celery tasks of cluster 11 (loaded by the workers; scheduled by `celery -A shebao beat`, CELERY_BEAT_SCHEDULE)."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="shebao.operations.tasks.backup_scheduled", ignore_result=True)
def backup_scheduled() -> int:
    """1109 数据备份（定时）: back up as the system, encrypted when SHEBAO_BACKUP_ENCRYPT, keep SHEBAO_BACKUP_KEEP."""
    from django.conf import settings

    from .models import BackupTrigger
    from .services.backup import backup_create, backup_schedule_keep

    record = backup_create(
        actor=None,
        trigger=BackupTrigger.SCHEDULE,
        encrypt=bool(getattr(settings, "SHEBAO_BACKUP_ENCRYPT", False)),
        keep=backup_schedule_keep(),
    )
    return record.pk
