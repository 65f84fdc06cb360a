"""Cluster 02 (assessment): services."""
