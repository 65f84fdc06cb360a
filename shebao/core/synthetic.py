"""Valid synthetic identifiers for demo data, tests and benchmarks (deterministic from a number)."""

from __future__ import annotations

import datetime as dt

from .identifiers import USCC_ALPHABET, id_check_digit, uscc_check_char


def citizen_id(area: str, birth: dt.date, seq: int) -> str:
    """A valid 18-digit ID for area code, birth date and sequence 0–999 (odd → male)."""
    first17 = f"{area}{birth:%Y%m%d}{seq % 1000:03d}"
    return first17 + id_check_digit(first17)


def uscc(region: str, n: int, *, authority: str = "9", category: str = "1") -> str:
    """A valid 统一社会信用代码 whose organisation code (positions 9–17) encodes n."""
    body, x = [], n
    for _ in range(9):
        body.append(USCC_ALPHABET[x % 31])
        x //= 31
    first17 = f"{authority}{category}{region}" + "".join(reversed(body))
    return first17 + uscc_check_char(first17)
