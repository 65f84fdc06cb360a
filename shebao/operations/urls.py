"""Cluster 11 pages (namespace `operations`): each area's views module holds its routes."""

from .views import backup, emergency, quality, rectification, security, signing, sysadmin

urlpatterns: list = [
    *signing.urlpatterns,
    *security.urlpatterns,
    *backup.urlpatterns,
    *emergency.urlpatterns,
    *sysadmin.urlpatterns,
    *rectification.urlpatterns,
    *quality.urlpatterns,
]
