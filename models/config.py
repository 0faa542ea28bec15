"""Loading and checking TOML configs: one place for the rules every config file obeys.

Configs are plain nested dicts once loaded; the helpers here turn a wrong key
or value into a :class:`~models.errors.ConfigError` with a dotted field path.
"""

from __future__ import annotations

import math
import numbers
import re
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

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
    # numpy registers its integer and floating scalars as numbers.Real (and its bool_ as neither), so no numpy
    # import is needed here: the CLI's parser uses this module and must stay light
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
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


def parse_number(text: Any, field: str, *, integer: bool = False, minimum: float | None = None,
                 maximum: float | None = None, positive: bool = False, allow_zero: bool = False,
                 unit: str = "") -> float | int:
    """A number typed by a user (a CLI option, a list item): ``text`` parsed, then checked as :func:`as_number`
    (and :func:`as_positive` when ``positive``).  Numbers pass through unchanged, so the API and the CLI share it."""
    value = text
    if isinstance(text, str):
        s = text.strip()
        if not s:
            raise ConfigError(field, f"must be a number{_in(unit)}, got an empty value")
        try:
            value = int(s) if integer and s.lstrip("+-").isdigit() else float(s)
        except ValueError:
            raise ConfigError(field, f"must be a number{_in(unit)}, got {text!r}") from None
    v = as_number(value, field, integer=integer, maximum=maximum, unit=unit)
    if positive or allow_zero:
        v = as_positive(v, field, integer=integer, allow_zero=allow_zero, unit=unit)
    return as_number(v, field, integer=integer, minimum=minimum, unit=unit)


#: Size units, in MB (binary prefixes, as memory capacities are counted).
SIZE_UNITS_MB = {"B": 2.0 ** -20, "KB": 2.0 ** -10, "KIB": 2.0 ** -10, "K": 2.0 ** -10, "MB": 1.0, "MIB": 1.0,
                 "M": 1.0, "GB": 1024.0, "GIB": 1024.0, "G": 1024.0}
_SIZE = re.compile(r"\s*(.*?)\s*([a-zA-Z]*)\s*")


def size_MB(value: Any, field: str, *, bare_unit: str | None = "MB") -> float:
    """A memory size in MB from ``"3MB"``, ``"512KB"``, ``"1GB"`` or a bare number.

    A bare number (or a Python/numpy number) is taken in ``bare_unit``; with ``bare_unit=None`` a unit must be
    written (``--capacity 512`` would otherwise silently mean 512 MB).  The size must be positive and finite.
    """
    if not isinstance(value, str):
        if bare_unit is None:
            raise ConfigError(field, f"must be a size with its unit (e.g. 512KB, 3MB), got {value!r}")
        return as_positive(value, field, unit=bare_unit) * SIZE_UNITS_MB[bare_unit.upper()]
    m = _SIZE.fullmatch(value)
    unit = (m.group(2) if m else "").upper()
    if not m or (unit and unit not in SIZE_UNITS_MB):
        raise ConfigError(field, f"must be a size such as 3MB or 512KB, got {value!r}")
    if not unit:
        if bare_unit is None:
            raise ConfigError(field, f"needs a unit (KB, MB or GB), e.g. {value.strip()}KB or {value.strip()}MB; "
                                     f"got {value!r}")
        unit = bare_unit.upper()
    v = parse_number(m.group(1), field, positive=True, unit=unit)
    return v * SIZE_UNITS_MB[unit]


def number_list(value: Any, field: str, *, integer: bool = False, minimum: float | None = None,
                maximum: float | None = None, positive: bool = False, allow_zero: bool = False, unit: str = "",
                sizes: bool = False) -> list:
    """A list of checked numbers from a comma-separated string (``"3,6,12"``), an iterable or a single number.

    Every item is checked as :func:`parse_number` (the message names the item: ``--l2[2]: must be ...``); an
    empty item (``3,,6``) or an empty list is an error.  With ``sizes=True`` items may carry a size unit
    (``512KB``) and are returned in ``unit`` (MB).
    """
    if isinstance(value, str):
        items: list = value.split(",")
    elif isinstance(value, numbers.Real):
        items = [value]
    elif isinstance(value, Iterable) and not isinstance(value, (bytes, Mapping)):
        items = list(value)
    else:
        raise ConfigError(field, f"must be a list of numbers{_in(unit)}, got {value!r}")
    if not items or (len(items) == 1 and isinstance(items[0], str) and not items[0].strip()):
        raise ConfigError(field, "must not be empty")
    out = []
    for i, item in enumerate(items, 1):
        name = f"{field}[{i}]" if len(items) > 1 else field
        if isinstance(item, str) and not item.strip():
            raise ConfigError(field, f"item {i} is empty (in {value!r})")
        if sizes:
            v = size_MB(item, name, bare_unit=unit or "MB") / SIZE_UNITS_MB[(unit or "MB").upper()]
            v = parse_number(v, name, minimum=minimum, maximum=maximum, unit=unit)
        else:
            v = parse_number(item, name, integer=integer, minimum=minimum, maximum=maximum, positive=positive,
                             allow_zero=allow_zero, unit=unit)
        out.append(v)
    return out


def require_extra(module: str, extra: str, what: str) -> None:
    """Refuse, before any work starts, what needs an optional extra that is not installed: ``what`` needs
    ``module``, from ``pip install 'nvmsim[extra]'`` (``pip install -e '.[extra]'`` in a clone)."""
    import importlib.util

    try:
        found = importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):  # pragma: no cover - a broken install
        found = False
    if not found:
        raise ConfigError(what, f"needs {module}, an optional extra: pip install -e '.[{extra}]' in a clone "
                                f"(pip install 'nvmsim[{extra}]' otherwise)")


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
