"""API documentation served offline: the OpenAPI schema (YAML, JSON, or a page to read in the browser), Swagger UI
and ReDoc, all from the project's own static files (drf-spectacular-sidecar), never from a CDN."""

from __future__ import annotations

from django.template.loader import render_to_string
from drf_spectacular.renderers import (
    OpenApiJsonRenderer,
    OpenApiJsonRenderer2,
    OpenApiYamlRenderer,
    OpenApiYamlRenderer2,
)
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView
from rest_framework.renderers import BaseRenderer

from .http import api_docs_csp


class SchemaPageRenderer(BaseRenderer):
    """The schema as a readable page (YAML in a <pre>) when a browser asks for text/html."""

    media_type = "text/html"
    format = "html"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        """The YAML text of the schema inside the page template (escaped, no script)."""
        context = renderer_context or {}
        response = context.get("response")
        if response is not None and response.status_code >= 400:
            return render_to_string("api/schema.html", {"error": data})
        request = context.get("request")
        text = OpenApiYamlRenderer().render(data, renderer_context=context).decode("utf-8")
        return render_to_string("api/schema.html", {"schema_text": text}, request=getattr(request, "_request", None))


class SchemaView(SpectacularAPIView):
    """OpenAPI 3 schema: YAML by default, JSON with ?format=json (application/json, shown by browsers), and a
    readable page for a browser (Accept: text/html)."""

    renderer_classes = [
        OpenApiYamlRenderer,
        OpenApiYamlRenderer2,
        OpenApiJsonRenderer2,
        OpenApiJsonRenderer,
        SchemaPageRenderer,
    ]


schema_view = SchemaView.as_view()
# The split view serves Swagger UI's start-up script as a file (no inline script, so the CSP holds).
swagger_view = api_docs_csp(SpectacularSwaggerSplitView.as_view(url_name="schema"))
redoc_view = api_docs_csp(SpectacularRedocView.as_view(url_name="schema", template_name="api/redoc.html"))
