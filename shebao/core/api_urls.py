"""API v1 routes of the platform spine (namespace `api-core`)."""

from django.urls import path, re_path

from . import api as apis
from .api.batch import BatchRunDetailApi, BatchRunListApi
from .api.verify import DocumentVerifyApi

urlpatterns = [
    path("auth/token/", apis.TokenObtainApi.as_view(), name="token"),
    path("catalog/", apis.CatalogListApi.as_view(), name="catalog"),
    path("cases/", apis.CaseListApi.as_view(), name="case-list"),
    path("cases/<int:case_id>/", apis.CaseDetailApi.as_view(), name="case-detail"),
    path("cases/<int:case_id>/accept/", apis.CaseAcceptApi.as_view(), name="case-accept"),
    path("cases/<int:case_id>/approve/", apis.CaseApproveApi.as_view(), name="case-approve"),
    path("cases/<int:case_id>/reject/", apis.CaseRejectApi.as_view(), name="case-reject"),
    path("cases/<int:case_id>/withdraw/", apis.CaseWithdrawApi.as_view(), name="case-withdraw"),
    path("cases/<int:case_id>/materials/", apis.CaseMaterialAddApi.as_view(), name="case-material-add"),
    path(
        "cases/<int:case_id>/materials/<int:attachment_id>/",
        apis.CaseMaterialDownloadApi.as_view(),
        name="case-material-download",
    ),
    path("parameters/", apis.ParameterCollectionApi.as_view(), name="parameters"),
    path("verify/<str:code>/", DocumentVerifyApi.as_view(), name="verify-document"),
    path("parameters/lookup/", apis.ParameterLookupApi.as_view(), name="parameter-lookup"),
    path("batch-runs/", BatchRunListApi.as_view(), name="batch-run-list"),
    path("batch-runs/<int:run_id>/", BatchRunDetailApi.as_view(), name="batch-run-detail"),
    # Anything else under these resources (e.g. /cases/abc/) is a JSON 404, not Django's HTML page.
    re_path(r"^(?:auth|batch-runs|catalog|cases|parameters)/", apis.NotFoundApi.as_view(), name="core-not-found"),
]
