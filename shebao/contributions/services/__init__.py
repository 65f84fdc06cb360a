"""Cluster 02 services, one module per area."""
