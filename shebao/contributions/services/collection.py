"""Cluster 02 (collection): services."""
