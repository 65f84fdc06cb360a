"""Cluster 02 models, one module per sub-domain; import them all here so Django finds them."""

from .arrears import ArrearsAction, Deferral, RefundInstruction
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
    "ArrearsAction",
    "ArrearsLedger",
    "ArrearsLedgerLine",
    "ArrearsLine",
    "BankFile",
    "BankRecord",
    "CollectionMandate",
    "CollectionPlan",
    "CollectionPlanLine",
    "ContributionBase",
    "Deferral",
    "EmployerRate",
    "Payment",
    "PaymentAllocation",
    "PersonContributionChoice",
    "Receivable",
    "RefundInstruction",
    "WageDeclaration",
    "WageDeclarationLine",
]
