"""Typed case payloads: an item's request as a dataclass, stored in `Case.payload` as JSON with a type tag.

    @dataclass
    class PersonTerminatePayload(Payload):
        person: int
        reason: str
        date: dt.date
        note: str = ""

`payload.to_json()` gives the stored dict (dates as ISO text, Decimals as strings, `"_type"` naming the class);
`load_payload(case)` gives the dataclass back, so appliers and presenters read typed fields instead of
dispatching on `kind` strings.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import types
import typing
from decimal import Decimal
from typing import Any, ClassVar

PAYLOAD_TYPES: dict[str, type[Payload]] = {}


_PLAIN = frozenset({str, int, float, bool, type(None)})


def _encode(value: Any) -> Any:
    kind = type(value)
    if kind in _PLAIN:  # the common case first: a bulk payload holds thousands of plain strings
        return value
    if kind is dict:
        return {k if type(k) is str else str(k): v if type(v) in _PLAIN else _encode(v) for k, v in value.items()}
    if kind is list:
        return [v if type(v) in _PLAIN else _encode(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Payload):
        return value.to_json(tag=False)
    if isinstance(value, dict):
        return {str(k): _encode(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_encode(v) for v in value]
    return value


def _decode(hint: Any, value: Any) -> Any:
    if value is None:
        return None
    origin = typing.get_origin(hint)
    if origin in (types.UnionType, typing.Union):
        inner = [a for a in typing.get_args(hint) if a is not type(None)]
        return _decode(inner[0], value) if len(inner) == 1 else value
    if hint is dt.date and isinstance(value, str):
        return dt.date.fromisoformat(value)
    if hint is Decimal:
        return Decimal(str(value))
    if isinstance(hint, type) and issubclass(hint, Payload) and isinstance(value, dict):
        return hint.from_json(value)
    if origin is list and isinstance(value, list):
        (arg,) = typing.get_args(hint) or (Any,)
        return [_decode(arg, v) for v in value]
    return value


class Payload:
    """Base of every item's typed payload (subclasses are dataclasses)."""

    type_name: ClassVar[str] = ""

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        name = cls.__dict__.get("type_name") or cls.__name__
        cls.type_name = name
        PAYLOAD_TYPES[name] = cls

    def to_json(self, *, tag: bool = True) -> dict:
        """The JSON-able dict stored in the case (with the `_type` tag)."""
        data = {f.name: _encode(getattr(self, f.name)) for f in dataclasses.fields(self)}
        if tag:
            data["_type"] = self.type_name
        return data

    @classmethod
    def from_json(cls, data: dict) -> Payload:
        """The dataclass back from its stored dict (unknown keys ignored)."""
        hints = _hints(cls)
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: _decode(hints.get(k), v) for k, v in data.items() if k in names})


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)  # each class's annotations resolved in its own module


def load_payload(case) -> Payload | dict:
    """The case's payload as its typed dataclass (a plain dict for untyped or legacy payloads)."""
    data = case.payload or {}
    cls = PAYLOAD_TYPES.get(data.get("_type", "")) if isinstance(data, dict) else None
    return cls.from_json(data) if cls else data
