"""Cluster 02 (rates): how its cases are shown."""
