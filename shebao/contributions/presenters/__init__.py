"""Cluster 02 presenters, one module per area (imported so core finds them)."""

from . import arrears, assessment, collection, rates, wages  # noqa: F401
