"""Cluster 02 API views, one module per area."""
