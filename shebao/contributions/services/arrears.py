"""Cluster 02 (arrears): services."""
