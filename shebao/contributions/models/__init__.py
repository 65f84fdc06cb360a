"""Cluster 02 models, one module per sub-domain; import them all here so Django finds them."""

from .bases import ContributionBase, PersonContributionChoice, WageDeclaration, WageDeclarationLine
from .collection import (
    ArrearsLedger,
    ArrearsLedgerLine,
    ArrearsLine,
    BankFile,
    BankRecord,
    CollectionMandate,
    CollectionPlan,
    CollectionPlanLine,
)
from .ledger import Payment, PaymentAllocation, Receivable
from .rates import EmployerRate

__all__ = [
    "ArrearsLedger",
    "ArrearsLedgerLine",
    "ArrearsLine",
    "BankFile",
    "BankRecord",
    "CollectionMandate",
    "CollectionPlan",
    "CollectionPlanLine",
    "ContributionBase",
    "EmployerRate",
    "Payment",
    "PaymentAllocation",
    "PersonContributionChoice",
    "Receivable",
    "WageDeclaration",
    "WageDeclarationLine",
]
