"""Technology rows for the scratchpad buffers: each buffer's row of the per-technology table at its capacity.

By default the circuit model's ``models.tech_table(..., node_nm=28, mode="ram")`` is called for the capacities a
study needs and iso-area capacities come from ``models.area_budget_capacity``.  Tables are injectable: a
DataFrame with the columns of :data:`models.tech_row.TECH_COLUMNS` (values at other capacities are interpolated
log-log between its rows; iso-area capacities come from inverting its area column), or a callable
``table(cells, capacities_MB) -> DataFrame``.

Per-buffer technologies: ``"sram28/stt28/sram28"`` puts the activation, weight and error buffers in those
technologies (at iso-area each buffer's capacity comes from its own technology).

Heterogeneous words (seed §V-D): a technology named ``hetero:A+B`` stores the sign and exponent bits of each fp32
word (9 of 32) in an array of technology ``A`` and the mantissa (23 of 32) in one of technology ``B``. Its
per-access energies, leakage and area are the bit-share-weighted mix of ``A`` and ``B`` at the buffer's capacity,
and its latencies the slower of the two (both arrays are accessed together). The mix weights the two arrays'
full-capacity rows, an approximation of two arrays of 9/32 and 23/32 of the capacity.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from models.cells import shipped_cells
from models.errors import ConfigError, FileFormatError
from models.mtj.lowcost import lowcost_cells
from models.tables import area_budget_capacity, tech_table
from models.tech_row import COST_FIELDS, TECH_COLUMNS, TechRow, capacity_key
from simulator.systolic.scratchpad import BUFFERS

NODE_NM = 28
HETERO_PREFIX = "hetero:"
SIGN_EXP_BITS = 9   # IEEE-754 fp32: 1 sign + 8 exponent bits
WORD_BITS = 32

TableLike = pd.DataFrame | Callable[[Sequence[str], Sequence[float]], pd.DataFrame] | None


def _hetero_parts(tech: str) -> tuple[str, str] | None:
    if not tech.startswith(HETERO_PREFIX):
        return None
    body = tech[len(HETERO_PREFIX):]
    parts = body.split("+")
    if len(parts) != 2 or not all(parts):
        raise ConfigError("technology", f"heterogeneous technology must be 'hetero:A+B', got {tech!r}")
    return parts[0], parts[1]


def per_buffer(tech: str) -> tuple[str, str, str]:
    """Technology of the activation, weight and error buffers: ``"A/W/E"`` names each, a plain name all three."""
    if "/" not in tech:
        return (tech, tech, tech)
    parts = tech.split("/")
    if len(parts) != len(BUFFERS) or not all(parts):
        raise ConfigError("technology", f"per-buffer technology must be 'activation/weight/error', got {tech!r}")
    return tuple(parts)


LOWCOST_SUFFIXES = ("_low_v", "_low_dur")


def _cell_spec(name: str, specs: dict | None = None):
    """What the circuit model is given for a technology name.

    A user's Cell object (passed in ``technologies``) by its name; ``<cell>_low_v`` / ``<cell>_low_dur`` (not
    shipped) are the MTJ model's low-cost-write cells at the paper's relaxed WER 8e-4
    (``models.mtj.lowcost.lowcost_cells``); anything else is a shipped cell name or file, as is.
    """
    if specs and name in specs:
        return specs[name]
    for suf in LOWCOST_SUFFIXES:
        if name.endswith(suf):

            if name in shipped_cells():
                return name

            return lowcost_cells(base_cell=name[: -len(suf)])[suf[1:]]
    return name


def _check_table(df: pd.DataFrame) -> pd.DataFrame:
    missing = [c for c in TECH_COLUMNS if c not in df.columns]
    if missing:
        raise ConfigError("table", f"technology table lacks columns {missing}")
    return df


def _interp_loglog(x: np.ndarray, y: np.ndarray, xq: float) -> float:
    """Log-log interpolation (linear extrapolation in log space past the ends); zeros stay linear."""
    order = np.argsort(x)
    x, y = x[order], y[order]
    if len(x) == 1:
        return float(y[0] * (xq / x[0]) if xq != x[0] else y[0])
    j = int(np.searchsorted(x, xq))
    for k in (j - 1, j):
        if 0 <= k < len(x) and abs(x[k] - xq) <= 1e-9 * abs(xq):
            return float(y[k])
    if np.all(y > 0):
        lx, ly = np.log(x), np.log(y)
        i = int(np.clip(np.searchsorted(lx, math.log(xq)), 1, len(lx) - 1))
        f = (math.log(xq) - lx[i - 1]) / (lx[i] - lx[i - 1])
        return float(math.exp(ly[i - 1] + f * (ly[i] - ly[i - 1])))
    return float(np.interp(xq, x, y))


def _rows_from_table(table: TableLike, cells: Sequence[str], caps_MB: Sequence[float], word_B: int = 64,
                     specs: dict | None = None) -> pd.DataFrame:
    """Rows for every (cell, capacity), from the default circuit model, a callable, or a DataFrame.

    The circuit model is asked for RAM-mode arrays whose word is ``word_B`` bytes, so that its
    per-access energies are per scratchpad access of the accelerator's ``access_width_B``.
    """
    caps = sorted({float(c) for c in caps_MB if c > 0})
    if not caps:
        return pd.DataFrame(columns=list(TECH_COLUMNS))
    if table is None:

        df = tech_table(cells=[_cell_spec(c, specs) for c in cells], capacities_MB=caps, node_nm=NODE_NM,
                        mode="ram", line_B=int(word_B))
        return _check_table(df)
    if callable(table) and not isinstance(table, pd.DataFrame):
        return _check_table(table(list(cells), caps))
    df = _check_table(table)
    rows = []
    for cell in cells:
        sub = df[df["technology"].astype(str) == cell]
        if sub.empty:
            have = ", ".join(sorted(df["technology"].astype(str).unique()))
            raise ConfigError("technology", f"{cell!r} is not in the technology table (have: {have})")
        x = sub["capacity_MB"].to_numpy(float)
        cols = {f: sub[f].to_numpy(float) for f in COST_FIELDS}
        for c in caps:
            row = {"technology": cell, "capacity_MB": c}
            for f in COST_FIELDS:
                row[f] = _interp_loglog(x, cols[f], c)
            rows.append(row)
    return pd.DataFrame(rows)


def buffer_techs(technologies: Sequence[str], capacities: Sequence[tuple[str, float]], table: TableLike,
                 word_B: int = 64, specs: dict | None = None) -> dict[tuple[str, float], TechRow]:
    """TechRow rows for each requested ``(technology, buffer capacity MB)``, heterogeneous ones mixed."""
    need: dict[str, set] = {}
    for tech, cap in capacities:
        parts = _hetero_parts(tech)
        for c in (parts if parts else (tech,)):
            need.setdefault(c, set()).add(float(cap))
    cells = list(need)
    all_caps = sorted({c for s in need.values() for c in s})
    df = _rows_from_table(table, cells, all_caps, word_B, specs)
    lookup: dict[tuple[str, float], TechRow] = {}
    for _, r in df.iterrows():
        lookup[(str(r["technology"]), capacity_key(r["capacity_MB"]))] = TechRow.from_row(r)

    def get(cell: str, cap: float) -> TechRow:
        if cap <= 0:
            return TechRow.empty(cell)
        key = (cell, capacity_key(cap))
        if key not in lookup:
            raise ConfigError("table", f"technology table has no row for {cell!r} at {cap:g} MB")
        return lookup[key]

    out = {}
    for tech, cap in capacities:
        parts = _hetero_parts(tech)
        if parts is None:
            out[(tech, float(cap))] = replace(get(tech, cap), technology=tech)
            continue
        a, b = get(parts[0], cap), get(parts[1], cap)
        wa = SIGN_EXP_BITS / WORD_BITS
        wb = 1.0 - wa

        def mix(f, a=a, b=b, wa=wa, wb=wb):
            return wa * getattr(a, f) + wb * getattr(b, f)

        out[(tech, float(cap))] = TechRow(
            technology=tech, capacity_MB=float(cap), read_latency_ns=max(a.read_latency_ns, b.read_latency_ns),
            write_latency_ns=max(a.write_latency_ns, b.write_latency_ns), read_energy_nJ=mix("read_energy_nJ"),
            write_energy_nJ=mix("write_energy_nJ"), leakage_mW=mix("leakage_mW"), area_mm2=mix("area_mm2"))
    return out


def capacity_for_area(tech: str, area_mm2: float, table: TableLike,
                      area_capacity: Callable[[str, float], float] | None = None, word_B: int = 64,
                      specs: dict | None = None) -> float:
    """Capacity (MB) of one buffer of ``tech`` that fits ``area_mm2``.

    Uses ``area_capacity(tech, area)`` if given; else, with ``table=None``, the circuit
    model's ``models.area_budget_capacity``; else inverts the table's area column
    (log-log) over a capacity grid.
    """
    if area_mm2 <= 0:
        return 0.0
    parts = _hetero_parts(tech)
    if area_capacity is not None and parts is None:
        return float(area_capacity(tech, area_mm2))
    if table is None and parts is None:

        return float(area_budget_capacity(_cell_spec(tech, specs), area_mm2, NODE_NM, "ram", line_B=int(word_B)))
    if isinstance(table, pd.DataFrame) and parts is None:
        sub = _check_table(table)
        sub = sub[sub["technology"].astype(str) == tech]
        if sub.empty:
            raise ConfigError("technology", f"{tech!r} is not in the technology table")
        return _interp_loglog(sub["area_mm2"].to_numpy(float), sub["capacity_MB"].to_numpy(float), area_mm2)
    grid = [2.0 ** k for k in range(-12, 13)]  # 0.25 KB .. 4 GB
    rows = buffer_techs([tech], [(tech, g) for g in grid], table, word_B, specs)
    caps = np.array(grid)
    areas = np.array([rows[(tech, g)].area_mm2 for g in grid])
    return _interp_loglog(areas, caps, area_mm2)


def load_table(path: str | Path) -> pd.DataFrame:
    """Read a user's per-technology table (CSV or Parquet) with the columns of :data:`TECH_COLUMNS`."""

    p = Path(path)
    if not p.is_file():
        raise FileFormatError(p, "no such file")
    try:
        df = pd.read_parquet(p) if p.suffix.lower() in (".parquet", ".pq") else pd.read_csv(p)
    except Exception as exc:  # noqa: BLE001 - any parser failure is a bad file
        raise FileFormatError(p, f"cannot read table ({exc})") from None
    missing = [c for c in TECH_COLUMNS if c not in df.columns]
    if missing:
        raise FileFormatError(p, f"missing columns {missing}")
    return df


