"""Cluster 11 API views, one module per area (each with its `urlpatterns`)."""
