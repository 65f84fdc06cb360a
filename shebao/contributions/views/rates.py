"""Cluster 02 (rates): workbench and portal pages and their routes."""

urlpatterns: list = []
