"""Test-only app config."""

from django.apps import AppConfig


class BatchAppConfig(AppConfig):
    """Echo batch kind for the batch framework's tests."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "shebao.core.tests.batchapp"
    label = "batchapp"
    verbose_name = "批处理测试"
