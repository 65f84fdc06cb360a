"""Template filters of the rate pages: ratios as percentages, amounts without trailing zeros."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import template

from shebao.core.money import to_fen

register = template.Library()


@register.filter
def pct(value) -> str:
    """A ratio as a percentage: 0.0024 → "0.24%", 0.16 → "16%" ("—" when empty)."""
    if value in (None, ""):
        return "—"
    try:
        number = Decimal(str(value)) * 100
    except InvalidOperation:
        return str(value)
    return f"{number.normalize():f}%"


@register.filter
def grade(value) -> str:
    """A floating grade: 1.000 → "1.0", 1.200 → "1.2" ("—" when empty)."""
    from shebao.contributions.services.rates_rules import grade_str

    return "—" if value in (None, "") else grade_str(value)


@register.filter
def yuan(value) -> str:
    """An amount to the fen: 6000 → "6000.00" ("—" when empty)."""
    if value in (None, ""):
        return "—"
    try:
        return f"{to_fen(Decimal(str(value)))}"
    except InvalidOperation:
        return str(value)


@register.filter
def plain(value) -> str:
    """A decimal without trailing zeros: 1.200 → "1.2", 500.00 → "500" ("—" when empty)."""
    if value in (None, ""):
        return "—"
    try:
        return f"{Decimal(str(value)).normalize():f}"
    except InvalidOperation:
        return str(value)
