"""API v1 routes of cluster 11 (namespace `api-operations`): each area's apis module holds its routes."""

from django.urls import re_path

from shebao.core.api import NotFoundApi

from .apis import quality

urlpatterns: list = [
    *quality.urlpatterns,
    # Anything else under these resources (e.g. /quality/runs/abc/) is a JSON 404, not Django's HTML page.
    re_path(r"^quality/", NotFoundApi.as_view(), name="operations-not-found"),
]
