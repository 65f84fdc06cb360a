"""Cluster 02 (wages): workbench and portal pages and their routes."""

urlpatterns: list = []
