"""Cluster 01 services (the only writers of registration records)."""

from .employers import (
    DEREGISTRATION_CHECKS,
    employer_change,
    employer_deregister,
    employer_enrol,
)
from .enrolment import person_enrol, person_enrol_bulk, person_enrol_bulk_validate
from .persons import TERMINATION_HOOKS, person_change, person_terminate
from .restructure import employer_restructure, employer_transfer_agency

__all__ = [
    "DEREGISTRATION_CHECKS",
    "TERMINATION_HOOKS",
    "employer_change",
    "employer_deregister",
    "employer_enrol",
    "employer_restructure",
    "employer_transfer_agency",
    "person_change",
    "person_enrol",
    "person_enrol_bulk",
    "person_enrol_bulk_validate",
    "person_terminate",
]
