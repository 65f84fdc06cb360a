"""REST API of cluster 01 社会保险登记: employers (01010101–01010103) and persons (01010201–01010203).

Case-opening operations are `ItemCaseApi` subclasses (grant, strict body, scoped subject, one service, 201);
records change when the case is approved through `POST /api/v1/cases/{id}/approve/`."""

from .bulk import PersonBulkEnrolApi, PersonBulkErrorWorkbookApi, PersonBulkTemplateApi
from .employers import (
    EmployerChangeApi,
    EmployerCollectionApi,
    EmployerCreateApi,
    EmployerDeregisterApi,
    EmployerDetailApi,
    EmployerListApi,
    EmployerReceiptApi,
    EmployerRestructureApi,
    EmployerTransferAgencyApi,
)
from .persons import (
    PersonChangeApi,
    PersonCollectionApi,
    PersonCreateApi,
    PersonDetailApi,
    PersonListApi,
    PersonTerminateApi,
)

__all__ = [
    "EmployerChangeApi",
    "EmployerCollectionApi",
    "EmployerCreateApi",
    "EmployerDeregisterApi",
    "EmployerDetailApi",
    "EmployerListApi",
    "EmployerReceiptApi",
    "EmployerRestructureApi",
    "EmployerTransferAgencyApi",
    "PersonBulkEnrolApi",
    "PersonBulkErrorWorkbookApi",
    "PersonBulkTemplateApi",
    "PersonChangeApi",
    "PersonCollectionApi",
    "PersonCreateApi",
    "PersonDetailApi",
    "PersonListApi",
    "PersonTerminateApi",
]
