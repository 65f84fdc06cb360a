"""Cluster 02 (collection): API v1 views and routes."""

urlpatterns: list = []
