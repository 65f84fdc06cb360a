"""Cluster 02 (collection): how its cases are shown."""
