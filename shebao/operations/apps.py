"""Operations app config: 11 社会保险信息化应用（系统管理、质量管理、数据安全、数据备份、数字认证、应急管理）."""

from django.apps import AppConfig


class OperationsConfig(AppConfig):
    """11 社会保险信息化应用: system administration, data quality, data security, backups, signing, emergencies."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "shebao.operations"
    label = "operations"
    verbose_name = "社会保险信息化应用"
