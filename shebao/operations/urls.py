"""Cluster 11 pages (namespace `operations`): each area's views module holds its routes."""

from .views import backup, emergency

urlpatterns: list = [*backup.urlpatterns, *emergency.urlpatterns]
