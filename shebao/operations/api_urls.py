"""API v1 routes of cluster 11 (namespace `api-operations`): each area's apis module holds its routes."""

from django.urls import re_path

from shebao.core.api import NotFoundApi

from .apis import backup, emergency, quality, rectification, security, signing, sysadmin

urlpatterns: list = [
    *signing.urlpatterns,
    *security.urlpatterns,
    *backup.urlpatterns,
    *emergency.urlpatterns,
    *sysadmin.urlpatterns,
    *rectification.urlpatterns,
    *quality.urlpatterns,
    # Anything else under these resources (e.g. /admin/users/abc/) is a JSON 404, not Django's HTML page.
    re_path(r"^(?:admin|rectifications|quality)/", NotFoundApi.as_view(), name="operations-not-found"),
]
