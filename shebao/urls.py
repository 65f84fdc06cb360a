"""Root URLs: clerk workbench and portal, API v1, schema and docs."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from shebao.core.http import api_docs_csp

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its start-up script as a file (no inline script, so the CSP holds).
    path("api/docs/", api_docs_csp(SpectacularSwaggerSplitView.as_view(url_name="schema")), name="api-docs"),
    path("api/v1/", include(("shebao.core.api_urls", "api-core"))),
    path("api/v1/", include(("shebao.registration.api_urls", "api-registration"))),
    path("registration/", include(("shebao.registration.urls", "registration"))),
    path("", include(("shebao.core.urls", "core"))),
]
# Materials (MEDIA_ROOT) hold personal data: never served as static files, only through scoped views.

handler500 = "shebao.core.http.server_error"  # JSON under /api/, the static page elsewhere
