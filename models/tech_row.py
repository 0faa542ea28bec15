"""One technology row: what an on-chip memory of one technology and capacity costs per access.

The circuit model produces it (:class:`models.circuit.search.Design` adds how the array is organised), the
per-technology table is a DataFrame of its columns (:data:`TECH_COLUMNS`), the energy model joins counts with it,
and both engines read it (the GPU engine its latencies, the systolic accelerator every field).  Declared once here
so that a new field reaches every stage, and the capacity of a row is matched by one rule
(:func:`capacity_key`) everywhere.

Units are in the names: ns, nJ per access (one line or word), mW, mm², MB (2**20 B).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from models.config import as_positive
from models.errors import ConfigError

NAN = math.nan


@dataclass(frozen=True, kw_only=True)
class Costs:
    """Per-access latencies and energies, leakage power and area of one memory array (NaN: not known)."""

    read_latency_ns: float = NAN
    write_latency_ns: float = NAN
    read_energy_nJ: float = NAN
    write_energy_nJ: float = NAN
    leakage_mW: float = NAN
    area_mm2: float = NAN


@dataclass(frozen=True, kw_only=True)
class TechRow(Costs):
    """The :class:`Costs` of one technology at one capacity: a row of the per-technology table."""

    technology: str
    capacity_MB: float = NAN

    @classmethod
    def from_row(cls, row: Mapping, *, technology: str | None = None, required: tuple[str, ...] = (),
                 prefix: str = "tech") -> TechRow:
        """A row of a table (a pandas Series or a mapping): the costs it has, NaN for the others.

        ``required`` cost fields must be present, and latencies among them positive: an error names
        ``prefix.field``.  ``technology`` names the row when it has no ``technology`` entry.
        """
        name = technology if technology is not None else str(row["technology"])
        values = {f: float(row[f]) for f in COST_FIELDS if f in row and row[f] is not None}
        for f in required:
            if f not in values:
                raise ConfigError(f"{prefix}.{f}", "required but missing")
            if f.endswith("_latency_ns"):
                as_positive(values[f], f"{prefix}.{f}")
        cap = float(row["capacity_MB"]) if "capacity_MB" in row and row["capacity_MB"] is not None else NAN
        return cls(technology=str(name), capacity_MB=cap, **values)

    @classmethod
    def empty(cls, technology: str) -> TechRow:
        """A zero-capacity memory: no storage, no cost."""
        return cls(technology=technology, capacity_MB=0.0, **dict.fromkeys(COST_FIELDS, 0.0))


#: The cost fields, in table order (latency, energy, leakage, area).
COST_FIELDS: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(Costs))
#: The per-technology table's own columns, in order: technology, capacity, then the costs.
TECH_COLUMNS: tuple[str, ...] = ("technology", "capacity_MB", *COST_FIELDS)
#: What a timing model needs of a technology.
LATENCY_FIELDS: tuple[str, ...] = ("read_latency_ns", "write_latency_ns")


def capacity_key(capacity_MB) -> int:
    """The capacity in whole bytes: two capacities are the same when their keys are equal.

    One rule for every join of results and tables on capacity (counts with technology rows, study points with
    their results): MB values that went through floating-point arithmetic (3, 3.0, 6.98 MB built from whole sets)
    compare exactly by the bytes they stand for.
    """
    return int(round(float(capacity_MB) * 2**20))


def capacity_keys(values) -> np.ndarray:
    """:func:`capacity_key` of each value (int64 array)."""
    return np.rint(np.asarray(values, dtype=np.float64) * 2**20).astype(np.int64)


def at_capacity(table, capacity_MB, column: str = "capacity_MB"):
    """The rows of ``table`` (a DataFrame) whose ``column`` is the same capacity as ``capacity_MB``."""
    return table[capacity_keys(table[column].astype(float)) == capacity_key(capacity_MB)]
