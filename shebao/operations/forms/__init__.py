"""Cluster 11 forms, one module per area (parsing only; the services decide what is wrong)."""
