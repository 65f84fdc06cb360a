"""Cluster 02 (arrears): how its cases are shown."""
