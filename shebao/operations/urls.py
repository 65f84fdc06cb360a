"""Cluster 11 pages (namespace `operations`): each area's views module holds its routes."""

from .views import backup, emergency, security

urlpatterns: list = [*security.urlpatterns, *backup.urlpatterns, *emergency.urlpatterns]
