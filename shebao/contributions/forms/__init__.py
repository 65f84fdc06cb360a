"""Cluster 02 forms, one module per area: they parse input only; the services decide what is wrong."""
