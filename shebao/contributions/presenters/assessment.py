"""Cluster 02 (assessment): how its cases are shown."""
