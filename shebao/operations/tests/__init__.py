"""Cluster 11 tests, one package per area."""
