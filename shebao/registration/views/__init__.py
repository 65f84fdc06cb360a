"""Cluster 01 pages: employer and person search and detail, the six registration forms, the employer portal
(网上经办: 增员/减员 online) and the insured person's own page."""

from .employers import (
    employer_change_view,
    employer_deregister_view,
    employer_detail,
    employer_enrol_view,
    employer_list,
    employer_receipt,
    employer_restructure_view,
    employer_transfer_view,
)
from .persons import (
    person_bulk_errors,
    person_bulk_template,
    person_bulk_view,
    person_change_view,
    person_detail,
    person_enrol_view,
    person_list,
    person_terminate_view,
)
from .portal import (
    insured_change,
    insured_home,
    portal_employees,
    portal_enrol,
    portal_enrol_bulk,
    portal_home,
    portal_leave,
)

__all__ = [
    "employer_change_view",
    "employer_deregister_view",
    "employer_detail",
    "employer_enrol_view",
    "employer_list",
    "employer_receipt",
    "employer_restructure_view",
    "employer_transfer_view",
    "insured_change",
    "insured_home",
    "person_bulk_errors",
    "person_bulk_template",
    "person_bulk_view",
    "person_change_view",
    "person_detail",
    "person_enrol_view",
    "person_list",
    "person_terminate_view",
    "portal_employees",
    "portal_enrol",
    "portal_enrol_bulk",
    "portal_home",
    "portal_leave",
]
