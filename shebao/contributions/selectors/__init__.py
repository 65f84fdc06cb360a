"""Scoped reads of cluster 02, one module per area."""
