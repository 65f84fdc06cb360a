"""Cluster 02 (rates): API v1 views and routes."""

urlpatterns: list = []
