"""Cluster 11 services, one module per area (the only writers)."""
