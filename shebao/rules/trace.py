"""The trace of a calculation: each parameter read and each intermediate result, in Chinese, in order.

A step is either a parameter (`parameter` = its key, `effective_from`, `reference` = its legal source, `region` =
the region whose value applied, None for the national default) or a computed value (`parameter` = "").
Parameter steps are recorded once per (step, key, region, effective date), so a back-payment over 60 months
lists each rate once, not 60 times.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from shebao.core.parameters import ParamValue


@dataclass(frozen=True)
class TraceStep:
    """One step: what was read or computed, its value, and where the value came from."""

    step: str
    value: str
    parameter: str = ""
    effective_from: dt.date | None = None
    reference: str = ""
    region: str | None = None

    def as_dict(self) -> dict:
        """The step for the API (dates ISO, values as strings)."""
        return {
            "step": self.step,
            "parameter": self.parameter,
            "value": self.value,
            "effective_from": self.effective_from.isoformat() if self.effective_from else None,
            "reference": self.reference,
            "region": self.region,
        }


def show(value) -> str:
    """A value as the trace shows it: Decimals as plain numbers (never 1E+1), dates ISO."""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


class Trace:
    """An ordered list of steps being built by a rule."""

    def __init__(self) -> None:
        self.steps: list[TraceStep] = []
        self._seen: set[tuple] = set()

    def param(self, step: str, value: ParamValue, shown: str | None = None) -> None:
        """Record a parameter read (once per step, key, region and effective date)."""
        mark = (step, value.key, value.region_code, value.effective_from)
        if mark in self._seen:
            return
        self._seen.add(mark)
        self.steps.append(
            TraceStep(
                step=step,
                value=shown if shown is not None else value.value,
                parameter=value.key,
                effective_from=value.effective_from,
                reference=value.legal_reference,
                region=value.region_code,
            )
        )

    def calc(self, step: str, value) -> None:
        """Record a computed value."""
        self.steps.append(TraceStep(step=step, value=show(value)))

    def extend(self, steps: list[TraceStep]) -> None:
        """Add the steps of a sub-calculation (parameter steps already recorded are skipped)."""
        for s in steps:
            if s.parameter:
                mark = (s.step, s.parameter, s.region, s.effective_from)
                if mark in self._seen:
                    continue
                self._seen.add(mark)
            self.steps.append(s)
