"""Cluster 02 (assessment): workbench and portal pages and their routes."""

urlpatterns: list = []
