"""Where the rules read their parameters: a `ParamSource` answers (key, region, on) → `ParamValue`.

Every rule function takes `params=` so that the same function serves one calculator request (`DatabaseSource`,
the default: exactly `core.parameters.param_lookup`), a batch run over millions of lines (`CachedSource`: each
key's dated values for a region read once) and a test without a database (`StaticSource`, e.g. from the shipped
YAML). All three resolve a value the same way as `param_lookup`: the nearest region (the region itself, then its
parents, then national) that has a value in force on the date wins, and within it the latest `effective_from`.

`history(key, region, start, end)` gives the values in force during [start, end] in date order, so that a rule
whose rate changes inside a period (the late-fee rate on 2011-07-01) can split the period.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import yaml
from django.conf import settings

from shebao.core.errors import ApplicationError
from shebao.core.parameters import PARAMETER_DIR, ParamValue, param_lookup, region_chain


@dataclass(frozen=True)
class _Row:
    region: str | None
    effective_from: dt.date
    value: ParamValue


class ParamSource:
    """The parameters a rule reads. Subclasses provide `_chain(region)` and `_rows(key, chain)`."""

    def __call__(self, key: str, region: str | None, on: dt.date) -> ParamValue:
        """The value of `key` in force on `on` for `region` (400 naming `region` when it is unknown)."""
        chain = self._chain(region)
        found = _resolve(self._rows(key, chain), chain, on)
        if found is None:
            raise ApplicationError(f"参数 {key} 在 {on} 未配置（区划 {region or '全国'}）", field="key")
        return found

    def history(self, key: str, region: str | None, start: dt.date, end: dt.date) -> list[ParamValue]:
        """The values in force at some day of [start, end], oldest first (the first one in force on `start`)."""
        chain = self._chain(region)
        rows = self._rows(key, chain)
        days = [start, *sorted({r.effective_from for r in rows if start < r.effective_from <= end})]
        out: list[ParamValue] = []
        for day in days:
            found = _resolve(rows, chain, day)
            if found is None:
                raise ApplicationError(f"参数 {key} 在 {day} 未配置（区划 {region or '全国'}）", field="key")
            if not out or out[-1] != found:
                out.append(found)
        return out

    def exists(self, key: str, region: str | None) -> bool:
        """Whether `key` has any value at all for `region` or its parents or nationally (at any date)."""
        return bool(self._rows(key, self._chain(region)))

    def check_region(self, region: str | None) -> None:
        """Raise the 400 naming `region` when the code is unknown (no effect for national)."""
        self._chain(region)

    # -- to be provided --------------------------------------------------------------------------------------
    def _chain(self, region: str | None) -> tuple[str | None, ...]:
        raise NotImplementedError

    def _rows(self, key: str, chain: tuple[str | None, ...]) -> list[_Row]:
        raise NotImplementedError


def _resolve(rows: Iterable[_Row], chain: tuple[str | None, ...], on: dt.date) -> ParamValue | None:
    """`param_lookup`'s rule in memory: the nearest region with a value in force on `on`, its latest value."""
    in_force = [r for r in rows if r.effective_from <= on]
    for code in chain:
        candidates = [r for r in in_force if r.region == code]
        if candidates:
            return max(candidates, key=lambda r: r.effective_from).value
    return None


class _DatabaseRows(ParamSource):
    """Rows and region chains read from the database (`Parameter`, `Region`)."""

    def _chain(self, region: str | None) -> tuple[str | None, ...]:
        return tuple(region_chain(region))

    def _rows(self, key: str, chain: tuple[str | None, ...]) -> list[_Row]:
        from django.db.models import Q

        from shebao.core.models import Parameter

        codes = [c for c in chain if c]
        rows = Parameter.objects.filter(key=key).filter(Q(region_id__in=codes) | Q(region__isnull=True))
        return [
            _Row(
                p.region_id,
                p.effective_from,
                ParamValue(p.key, p.value, p.unit, p.region_id, p.effective_from, p.legal_reference, p.verified),
            )
            for p in rows
        ]


class DatabaseSource(_DatabaseRows):
    """The default: every lookup is `core.parameters.param_lookup` (one request, a few parameters)."""

    def __call__(self, key: str, region: str | None, on: dt.date) -> ParamValue:
        return param_lookup(key, region=region, on=on)


class CachedSource(_DatabaseRows):
    """For batches: each region's chain and each (key, region) set of dated values read once, then in memory.

    Build one per run (values changed by an administrator during the run are not seen by that run).
    """

    def __init__(self) -> None:
        self._chains: dict[str | None, tuple[str | None, ...]] = {}
        self._cache: dict[tuple[str, tuple[str | None, ...]], list[_Row]] = {}

    def _chain(self, region: str | None) -> tuple[str | None, ...]:
        if region not in self._chains:
            self._chains[region] = super()._chain(region)
        return self._chains[region]

    def _rows(self, key: str, chain: tuple[str | None, ...]) -> list[_Row]:
        if (key, chain) not in self._cache:
            self._cache[(key, chain)] = super()._rows(key, chain)
        return self._cache[(key, chain)]


class StaticSource(ParamSource):
    """Parameters held in memory (tests without a database, what-if runs): `{key: [ParamValue, ...]}`.

    Region chains come from the shipped GB/T 2260 list (`shebao/data/regions-gbt2260.csv`), as in the database.
    """

    def __init__(self, values: dict[str, list[ParamValue]]) -> None:
        self._values = values

    @classmethod
    def from_yaml(cls, directory: Path = PARAMETER_DIR) -> StaticSource:
        """The shipped defaults (`shebao/rules/parameters/*.yaml`), as `load_default_parameters` reads them."""
        from shebao.core.parameters import parameter_value_clean

        values: dict[str, list[ParamValue]] = {}
        for path in sorted(Path(directory).glob("*.yaml")):
            doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            for key, spec in (doc.get("parameters") or {}).items():
                for entry in spec.get("values", []):
                    effective = entry["from"]
                    if isinstance(effective, str):
                        effective = dt.date.fromisoformat(effective)
                    unit = spec.get("unit", "")
                    values.setdefault(key, []).append(
                        ParamValue(
                            key,
                            parameter_value_clean(str(entry["value"]), unit),
                            unit,
                            entry.get("region"),
                            effective,
                            str(entry.get("ref", spec.get("ref", ""))),
                            bool(entry.get("verified", spec.get("verified", True))),
                        )
                    )
        return cls(values)

    def _chain(self, region: str | None) -> tuple[str | None, ...]:
        if not region:
            return (None,)
        parents = _shipped_regions()
        if region not in parents:
            raise ApplicationError(f"未知的行政区划代码 {region}", field="region")
        codes: list[str | None] = []
        code: str | None = region
        while code:
            codes.append(code)
            code = parents[code]
        return (*codes, None)

    def _rows(self, key: str, chain: tuple[str | None, ...]) -> list[_Row]:
        return [_Row(v.region_code, v.effective_from, v) for v in self._values.get(key, []) if v.region_code in chain]


@functools.cache
def _shipped_regions() -> dict[str, str | None]:
    """code → parent code of the shipped GB/T 2260 list (what `load_regions` puts in the database)."""
    with (Path(settings.PACKAGE_DIR) / "data" / "regions-gbt2260.csv").open(encoding="utf-8") as fh:
        return {r["code"]: (r["parent_code"] or None) for r in csv.DictReader(fh) if r["code"] != r["parent_code"]}


def default_source() -> ParamSource:
    """The source used when a rule is called without `params=`."""
    return DatabaseSource()
