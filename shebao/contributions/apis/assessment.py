"""Cluster 02 (assessment): API v1 views and routes."""

urlpatterns: list = []
