"""Cluster 02 (arrears): workbench and portal pages and their routes."""

urlpatterns: list = []
