"""API v1 routes of the public calculators (namespace `api-rules`).

`calculate/<rule>/` is the documented address; `calculate/<rule>` (as the issue writes it, without the slash) is
accepted too and left out of the schema. Any other path under `calculate/` is a JSON 404.
"""

from django.urls import path, re_path

from .api import CALCULATE_APIS, CalculatorListApi, PublicNotFoundApi, unlisted

urlpatterns = [
    path("calculate/", CalculatorListApi.as_view(), name="calculators"),
    *(path(f"calculate/{rule}/", api.as_view(), name=f"calculate-{rule}") for rule, api in CALCULATE_APIS.items()),
    *(path(f"calculate/{rule}", unlisted(api).as_view()) for rule, api in CALCULATE_APIS.items()),
    re_path(r"^calculate/", PublicNotFoundApi.as_view(), name="calculate-not-found"),
]
