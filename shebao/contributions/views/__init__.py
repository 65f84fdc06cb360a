"""Cluster 02 pages, one module per area."""
