"""Cluster 11 models, one module per area; import them all here so Django finds them."""

from .quality import QualityFinding, QualityRun, QualityRunStatus  # noqa: F401
