"""Root URLs: clerk workbench and portal, API v1, schema and docs."""

from django.contrib import admin
from django.urls import include, path

from shebao.core.api_docs import redoc_view, schema_view, swagger_view

urlpatterns = [
    path("admin/", admin.site.urls),
    # OpenAPI schema, Swagger UI and ReDoc, served from our own static files (no CDN).
    path("api/schema/", schema_view, name="schema"),
    path("api/docs/", swagger_view, name="api-docs"),
    path("api/redoc/", redoc_view, name="api-redoc"),
    path("api/v1/", include(("shebao.core.api_urls", "api-core"))),
    # Contributions before registration: its routes under employers/ and persons/ (e.g. employers/<id>/rates/) must
    # be matched before registration's catch-all JSON 404 for those resources.
    path("api/v1/", include(("shebao.contributions.api_urls", "api-contributions"))),
    path("api/v1/", include(("shebao.registration.api_urls", "api-registration"))),
    path("api/v1/", include(("shebao.rules.api_urls", "api-rules"))),
    path("api/v1/", include(("shebao.operations.api_urls", "api-operations"))),
    path("registration/", include(("shebao.registration.urls", "registration"))),
    path("contributions/", include(("shebao.contributions.urls", "contributions"))),
    path("operations/", include(("shebao.operations.urls", "operations"))),
    path("", include(("shebao.rules.urls", "rules"))),  # 社保费试算 (public)
    path("", include(("shebao.core.urls", "core"))),
]
# Materials (MEDIA_ROOT) hold personal data: never served as static files, only through scoped views.

handler500 = "shebao.core.http.server_error"  # JSON under /api/, the static page elsewhere
