"""Cluster 11 pages (namespace `operations`): each area's views module holds its routes."""

from .views import rectification, sysadmin

urlpatterns: list = [
    *sysadmin.urlpatterns,
    *rectification.urlpatterns,
]
