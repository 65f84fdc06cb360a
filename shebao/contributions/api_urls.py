"""API v1 routes of cluster 02 (namespace `api-contributions`): each area's apis module holds its routes."""

from django.urls import re_path

from shebao.core.api import NotFoundApi

from .apis import arrears, assessment, collection, rates, wages

urlpatterns = [
    *wages.urlpatterns,
    *rates.urlpatterns,
    *assessment.urlpatterns,
    *collection.urlpatterns,
    *arrears.urlpatterns,
    # Anything else under these resources (e.g. /arrears/employers/abc/) is a JSON 404, not Django's HTML page.
    re_path(r"^(?:arrears|assessments)/", NotFoundApi.as_view(), name="contributions-not-found"),
]
