"""Loading and checking TOML configs: one place for the rules every config file obeys.

Configs are plain nested dicts once loaded; the helpers here turn a wrong key
or value into a :class:`~models.errors.ConfigError` with a dotted field path.
"""

from __future__ import annotations

import math
import numbers
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

import numpy as np

from models.errors import ConfigError, FileFormatError


def load_toml(path: str | Path) -> dict[str, Any]:
    """Read a TOML file, turning a missing file or a syntax error into a clear message."""
    p = Path(path)
    if not p.is_file():
        raise FileFormatError(p, "no such file")
    try:
        with p.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise FileFormatError(p, f"not valid TOML ({exc})") from None


def loads_toml(text: str, origin: str = "<string>") -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise FileFormatError(origin, f"not valid TOML ({exc})") from None


def join(prefix: str, key: str) -> str:
    return f"{prefix}.{key}" if prefix else key


def reject_unknown(data: Mapping[str, Any], allowed: Iterable[str], prefix: str = "") -> None:
    """Raise on the first key of ``data`` not in ``allowed`` (typos must not pass silently)."""
    allowed = set(allowed)
    for key in data:
        if key not in allowed:
            raise ConfigError(join(prefix, key), f"unknown key (allowed: {', '.join(sorted(allowed))})")


def require(data: Mapping[str, Any], key: str, prefix: str = "") -> Any:
    if key not in data:
        raise ConfigError(join(prefix, key), "required but missing")
    return data[key]


def as_number(value: Any, field: str, *, integer: bool = False, minimum: float | None = None,
              maximum: float | None = None, unit: str = "") -> float | int:
    """Check that ``value`` is a finite real number (Python or numpy; an integer if asked) within
    ``[minimum, maximum]`` and return it as a Python ``float`` (``int`` if ``integer``).

    Why one function: every number that enters nvmsim (configs, CLI options, API arguments) is checked by the
    same rules, so NaN, infinities, booleans and strings fail with a message naming the field, never deep inside.
    ``unit`` is echoed in the message.
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (numbers.Real, np.integer, np.floating)):
        raise ConfigError(field, f"must be a number{_in(unit)}, got {value!r}")
    v = float(value)
    if not math.isfinite(v):
        raise ConfigError(field, f"must be a finite number{_in(unit)}, got {value!r}")
    if integer and not v.is_integer():
        raise ConfigError(field, f"must be an integer, got {value!r}")
    if minimum is not None and v < minimum:
        raise ConfigError(field, f"must be at least {minimum:g}{_in(unit)}, got {value!r}")
    if maximum is not None and v > maximum:
        raise ConfigError(field, f"must be at most {maximum:g}{_in(unit)}, got {value!r}")
    return int(v) if integer else v


def _in(unit: str) -> str:
    return f" ({unit})" if unit else ""


def as_positive(value: Any, field: str, *, integer: bool = False, allow_zero: bool = False,
                unit: str = "") -> float | int:
    """Check that ``value`` is a positive (or, with ``allow_zero``, non-negative) finite number and return it."""
    v = as_number(value, field, integer=integer, unit=unit)
    if v < 0 or (v == 0 and not allow_zero):
        raise ConfigError(field, f"must be {'non-negative' if allow_zero else 'positive'}{_in(unit)}, got {value!r}")
    return v


def as_choice(value: Any, field: str, choices: Iterable[str]) -> str:
    choices = list(choices)
    if value not in choices:
        raise ConfigError(field, f"must be one of {', '.join(map(str, choices))}, got {value!r}")
    return value


def merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """Deep-merge ``override`` into a copy of ``base`` (presets plus field-by-field overrides)."""
    out = dict(base)
    for key, val in override.items():
        if isinstance(val, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = merge(out[key], val)
        else:
            out[key] = val
    return out
