"""API v1 routes of cluster 02 (namespace `api-contributions`): each area's apis module holds its routes."""

from .apis import arrears, assessment, collection, rates, wages

urlpatterns = [
    *wages.urlpatterns,
    *rates.urlpatterns,
    *assessment.urlpatterns,
    *collection.urlpatterns,
    *arrears.urlpatterns,
]
