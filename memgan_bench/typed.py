"""Strict construction of dataclasses from plain dicts (YAML), validated once at the edge.

Every field is checked against its annotation (a choice: ``Literal``); ``field(metadata={"min": .., "max": ..})``
adds range checks. Unknown keys, wrong types and out-of-range values raise :class:`UserError` naming the
dotted key. Integers must fit in 64 bits (torch and NumPy use them so); floats must be finite, and a
string that reads as a decimal number is one (YAML 1.1, PyYAML's rule, reads ``1e-3`` as a string).
"""

from __future__ import annotations

import dataclasses
import math
import re
import types
import typing
from typing import Any, Literal, Union

from memgan_bench.errors import UserError

INT64 = (-(2**63), 2**63 - 1)
DECIMAL = re.compile(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?")


def build(cls: type, data: Any, key: str = "") -> Any:
    """Build dataclass ``cls`` from ``data`` (a dict), rejecting unknown keys and wrong types."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise UserError(f"config key '{key or '<root>'}' must be a mapping, got {type(data).__name__}")
    fields = {f.name: f for f in dataclasses.fields(cls) if f.init}
    for name in data:
        if name not in fields:
            where = f"{key}.{name}" if key else str(name)
            raise UserError(f"unknown config key '{where}' (allowed: {', '.join(sorted(fields))})")
    hints = typing.get_type_hints(cls)
    kwargs = {}
    for name, f in fields.items():
        where = f"{key}.{name}" if key else name
        if name in data:
            kwargs[name] = check_value(hints[name], data[name], where, f.metadata)
        elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            raise UserError(f"missing required config key '{where}'")
    return cls(**kwargs)


def check_value(tp: Any, value: Any, key: str, meta: Any = None) -> Any:
    """Validate ``value`` against annotation ``tp`` (and range metadata); return the coerced value."""
    out = _coerce(tp, value, key)
    meta = meta or {}
    if out is not None and "min" in meta and out < meta["min"]:
        raise UserError(f"config key '{key}' must be >= {meta['min']}, got {out!r}")
    if out is not None and "max" in meta and out > meta["max"]:
        raise UserError(f"config key '{key}' must be <= {meta['max']}, got {out!r}")
    return out


def _type_name(tp: Any) -> str:
    return getattr(tp, "__name__", None) or str(tp).replace("typing.", "")


def _coerce(tp: Any, value: Any, key: str) -> Any:
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if tp is Any:
        return value
    if dataclasses.is_dataclass(tp):
        return build(tp, value, key)
    if origin in (Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        for arg in (a for a in args if a is not type(None)):
            try:
                return _coerce(arg, value, key)
            except UserError:
                continue
        raise UserError(f"config key '{key}' must be {_type_name(tp)}, got {value!r}")
    if origin is Literal:
        if value not in args:
            raise UserError(f"config key '{key}' must be one of {list(args)}, got {value!r}")
        return value
    if origin in (list, tuple):
        if not isinstance(value, (list, tuple)):
            raise UserError(f"config key '{key}' must be a list, got {value!r}")
        if origin is tuple and not (len(args) == 2 and args[1] is Ellipsis):
            if len(value) != len(args):
                raise UserError(f"config key '{key}' must have {len(args)} items, got {len(value)}")
            return tuple(_coerce(a, v, f"{key}[{i}]") for i, (a, v) in enumerate(zip(args, value)))
        item = args[0] if args else Any
        items = [_coerce(item, v, f"{key}[{i}]") for i, v in enumerate(value)]
        return tuple(items) if origin is tuple else items
    if origin is dict:
        if not isinstance(value, dict):
            raise UserError(f"config key '{key}' must be a mapping, got {value!r}")
        return dict(value)
    if tp is bool:
        if not isinstance(value, bool):
            raise UserError(f"config key '{key}' must be true or false, got {value!r}")
        return value
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise UserError(f"config key '{key}' must be an integer, got {value!r}")
        if not INT64[0] <= value <= INT64[1]:
            raise UserError(f"config key '{key}' is out of range (a 64-bit integer), got {value}")
        return value
    if tp is float:
        if isinstance(value, str) and DECIMAL.fullmatch(value.strip()):
            value = float(value)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise UserError(f"config key '{key}' must be a number, got {value!r}")
        try:
            value = float(value)
        except OverflowError:
            raise UserError(f"config key '{key}' is out of range, got {value}") from None
        if not math.isfinite(value):
            raise UserError(f"config key '{key}' must be a finite number, got {value!r}")
        return value
    if tp is str:
        if not isinstance(value, str):
            raise UserError(f"config key '{key}' must be a string, got {value!r}")
        return value
    raise TypeError(f"unsupported config annotation {tp!r} for '{key}'")


def to_dict(obj: Any) -> Any:
    """Plain-YAML form of a (nested) config dataclass; tuples become lists."""
    if dataclasses.is_dataclass(obj):
        return {f.name: to_dict(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, (list, tuple)):
        return [to_dict(v) for v in obj]
    if isinstance(obj, dict):
        return {k: to_dict(v) for k, v in obj.items()}
    return obj
