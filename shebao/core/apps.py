"""Core app config: loads reference data after migrations."""

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _after_migrate(sender, using="default", **kwargs):
    from django.db import connections

    if "core_region" not in connections[using].introspection.table_names():
        return
    from .reference import load_reference_data

    load_reference_data()


class CoreConfig(AppConfig):
    """Platform spine: agencies, users, catalogue, cases, audit, parameters."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "shebao.core"
    label = "core"
    verbose_name = "平台基础"

    def ready(self) -> None:
        from django.utils.module_loading import autodiscover_modules

        # Every app's services, presenters, business items and batch kinds (`<app>/items.py` and
        # `<app>/batches.py` register them; a code or kind registered twice raises ImproperlyConfigured here, so the
        # system does not start).
        autodiscover_modules("services", "presenters", "items", "batches")
        from . import signing  # noqa: F401  (the deploy check of the document signing material)
        from .views import batch, calendar  # noqa: F401  (register the 批处理 and 节假日历 sidebar links)

        post_migrate.connect(_after_migrate, sender=self, dispatch_uid="shebao.core.reference")
