"""Cluster 02 (wages): services."""
