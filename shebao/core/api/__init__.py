"""REST API of the platform spine (HackSoft style: one APIView per operation with nested Input/Output
serializers) and the plumbing every app's API uses. Domain errors become `{detail, errors}` in
`exception_handler`.

Names are re-exported lazily: the settings import `errors` while DRF itself is still loading."""

from importlib import import_module

_EXPORTS = {
    "ItemCaseApi": "items",
    "AttachmentSerializer": "serializers",
    "CaseAcceptApi": "cases",
    "CaseApproveApi": "cases",
    "CaseDetailApi": "cases",
    "CaseDetailSerializer": "serializers",
    "CaseListApi": "cases",
    "CaseMaterialAddApi": "cases",
    "CaseMaterialDownloadApi": "cases",
    "CaseRejectApi": "cases",
    "CaseSerializer": "serializers",
    "CaseWithdrawApi": "cases",
    "CatalogListApi": "catalog",
    "CatalogNodeSerializer": "catalog",
    "ERROR_RESPONSES": "base",
    "ErrorSerializer": "errors",
    "NotFoundApi": "base",
    "Pagination": "errors",
    "ParameterCollectionApi": "parameters",
    "ParameterListApi": "parameters",
    "ParameterLookupApi": "parameters",
    "ParameterSerializer": "parameters",
    "ParameterSetApi": "parameters",
    "ShebaoApi": "base",
    "StrictBooleanField": "base",
    "StrictCharField": "base",
    "StrictChoiceField": "base",
    "StrictDateField": "base",
    "StrictIntegerField": "base",
    "StrictPagination": "base",
    "StrictRegexField": "base",
    "TokenObtainApi": "auth",
    "UNSUPPORTED_MEDIA": "base",
    "by_method": "base",
    "case_response": "serializers",
    "code_list_field": "base",
    "exception_handler": "errors",
    "month_field": "base",
    "responses": "base",
}


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"{__name__}.{module}"), name)


__all__ = sorted(_EXPORTS)
