"""Cluster 02 (wages): how its cases are shown."""
