"""Cluster 02 pages (namespace `contributions`): each area's views module holds its routes."""

from .views import arrears, assessment, collection, rates, wages

urlpatterns = [
    *wages.urlpatterns,
    *rates.urlpatterns,
    *assessment.urlpatterns,
    *collection.urlpatterns,
    *arrears.urlpatterns,
]
