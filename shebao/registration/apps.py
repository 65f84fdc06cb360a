"""Registration app config: 01 社会保险关系管理."""

from django.apps import AppConfig
from django.db.models.signals import post_migrate

INSURANCE_TYPES = [
    ("110", "企业职工基本养老保险", "employee", False),
    ("120", "机关事业单位养老保险", "employee", False),
    ("170", "城乡居民基本养老保险", "resident", False),
    ("210", "失业保险", "employee", False),
    ("310", "职工基本医疗保险", "employee", False),
    ("390", "城乡居民基本医疗保险", "resident", False),
    ("410", "工伤保险", "employee", True),
    ("510", "生育保险", "employee", True),
]


def _load_insurance_types(sender, using="default", **kwargs):
    from django.db import connections

    if "registration_insurancetype" not in connections[using].introspection.table_names():
        return
    from .models import InsuranceType

    InsuranceType.objects.bulk_create(
        [InsuranceType(code=c, name=n, scheme=s, employer_only=e) for c, n, s, e in INSURANCE_TYPES],
        ignore_conflicts=True,
    )


class RegistrationConfig(AppConfig):
    """01 社会保险关系管理: employers, persons, enrolments."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "shebao.registration"
    label = "registration"
    verbose_name = "社会保险关系管理"

    def ready(self) -> None:
        post_migrate.connect(_load_insurance_types, sender=self, dispatch_uid="shebao.registration.types")
