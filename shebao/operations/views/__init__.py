"""Cluster 11 pages, one module per area (each with its `urlpatterns`)."""
