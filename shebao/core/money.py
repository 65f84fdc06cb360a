"""Money: Decimal only, rounded to the fen in this one place (ROUND_HALF_UP)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

FEN = Decimal("0.01")


def to_fen(amount: Decimal | int | str) -> Decimal:
    """Round an amount to the fen, half up. Floats are refused: money never passes through float."""
    if isinstance(amount, float):
        raise TypeError("金额不能使用浮点数")
    return Decimal(amount).quantize(FEN, rounding=ROUND_HALF_UP)
