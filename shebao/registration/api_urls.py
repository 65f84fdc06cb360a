"""API v1 routes of cluster 01 registration (namespace `api-registration`)."""

from django.urls import path, re_path

from shebao.core.api import NotFoundApi

from . import apis

urlpatterns = [
    path("employers/", apis.EmployerCollectionApi.as_view(), name="employers"),
    path("employers/<int:employer_id>/", apis.EmployerDetailApi.as_view(), name="employer-detail"),
    path("employers/<int:employer_id>/change/", apis.EmployerChangeApi.as_view(), name="employer-change"),
    path(
        "employers/<int:employer_id>/restructure/", apis.EmployerRestructureApi.as_view(), name="employer-restructure"
    ),
    path(
        "employers/<int:employer_id>/transfer-agency/",
        apis.EmployerTransferAgencyApi.as_view(),
        name="employer-transfer-agency",
    ),
    path("employers/<int:employer_id>/deregister/", apis.EmployerDeregisterApi.as_view(), name="employer-deregister"),
    path("employers/<int:employer_id>/receipt.pdf", apis.EmployerReceiptApi.as_view(), name="employer-receipt"),
    path("persons/", apis.PersonCollectionApi.as_view(), name="persons"),
    path("persons/bulk/", apis.PersonBulkEnrolApi.as_view(), name="person-bulk"),
    path("persons/bulk/errors.xlsx", apis.PersonBulkErrorWorkbookApi.as_view(), name="person-bulk-errors"),
    path("persons/bulk/template.xlsx", apis.PersonBulkTemplateApi.as_view(), name="person-bulk-template"),
    path("persons/<int:person_id>/", apis.PersonDetailApi.as_view(), name="person-detail"),
    path("persons/<int:person_id>/change/", apis.PersonChangeApi.as_view(), name="person-change"),
    path("persons/<int:person_id>/terminate/", apis.PersonTerminateApi.as_view(), name="person-terminate"),
    # Anything else under these resources (e.g. /cases/abc/) is a JSON 404, not Django's HTML page.
    re_path(r"^(?:employers|persons)/", NotFoundApi.as_view(), name="registration-not-found"),
]
