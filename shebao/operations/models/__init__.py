"""Cluster 11 models, one module per area; import them all here so Django finds them."""

from .rectification import (  # noqa: F401
    OPEN_RECTIFICATION_STATUSES,
    RectificationSource,
    RectificationStatus,
    RectificationTask,
)
