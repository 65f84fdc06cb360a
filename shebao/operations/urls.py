"""Cluster 11 pages (namespace `operations`): each area's views module holds its routes."""

from .views import security

urlpatterns: list = [*security.urlpatterns]
