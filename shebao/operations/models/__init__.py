"""Cluster 11 models, one module per area; import them all here so Django finds them."""

from .security import ExportKind, MaskingRule, PersonalDataExport  # noqa: F401
