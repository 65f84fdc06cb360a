"""Cluster 11 pages (namespace `operations`): each area's views module holds its routes."""

from .views import quality

urlpatterns: list = [*quality.urlpatterns]
