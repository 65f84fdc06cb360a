"""Contributions app config: 02 社会保险费征缴."""

from django.apps import AppConfig


class ContributionsConfig(AppConfig):
    """02 社会保险费征缴: wage declarations, bases, rates, assessment, collection, arrears."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "shebao.contributions"
    label = "contributions"
    verbose_name = "社会保险费征缴"
