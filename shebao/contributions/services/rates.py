"""Cluster 02 (rates): services."""
