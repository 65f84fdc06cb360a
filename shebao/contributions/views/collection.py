"""Cluster 02 (collection): workbench and portal pages and their routes."""

urlpatterns: list = []
