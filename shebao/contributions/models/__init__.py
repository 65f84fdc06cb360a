"""Cluster 02 models, one module per sub-domain; import them all here so Django finds them."""

from .bases import ContributionBase, PersonContributionChoice, WageDeclaration, WageDeclarationLine
from .ledger import Payment, PaymentAllocation, Receivable
from .rates import EmployerRate

__all__ = [
    "ContributionBase",
    "EmployerRate",
    "Payment",
    "PaymentAllocation",
    "PersonContributionChoice",
    "Receivable",
    "WageDeclaration",
    "WageDeclarationLine",
]
