"""Cluster 02 (wages): API v1 views and routes."""

urlpatterns: list = []
