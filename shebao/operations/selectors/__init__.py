"""Cluster 11 scoped reads, one module per area."""
