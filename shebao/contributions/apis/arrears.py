"""Cluster 02 (arrears): API v1 views and routes."""

urlpatterns: list = []
