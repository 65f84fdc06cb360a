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

        # Every app's services, presenters and business items (`<app>/items.py` registers them; a code
        # registered twice raises ImproperlyConfigured here, so the system does not start).
        autodiscover_modules("services", "presenters", "items")
        from .views import calendar  # noqa: F401  (registers the 节假日历 sidebar link)

        post_migrate.connect(_after_migrate, sender=self, dispatch_uid="shebao.core.reference")
