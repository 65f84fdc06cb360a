"""API v1 routes of cluster 11 (namespace `api-operations`): each area's apis module holds its routes."""

from .apis import signing

urlpatterns: list = [*signing.urlpatterns]
