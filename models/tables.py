"""The per-technology table every study consumes: one EDAP-optimal (or target-optimal) design per
(technology, capacity), from cells through the circuit model.

>>> from models import tech_table
>>> df = tech_table(cells=["sram", "stt", "sot"], capacities_MB=[1, 3, 8], node_nm=16)

Columns: ``technology, capacity_MB, read_latency_ns, write_latency_ns, read_energy_nJ, write_energy_nJ,
leakage_mW, area_mm2, organization`` plus ``access_type, target, node_nm, mode, data_area_mm2,
tag_area_mm2, cell_area_um2, candidates``.  Energies are per access (one line / word).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from models.cells import Cell, load_cell
from models.circuit.calibration import DEFAULT, Calibration, nvsim_stock
from models.circuit.search import ACCESS_TYPES, TARGETS, WRITE_CONVENTIONS, Design, candidates, choose
from models.config import as_choice, as_positive, number_list
from models.design_cache import load_search, store_search
from models.errors import ConfigError, FileFormatError
from models.nvsim_io import cell_contradictions, read_nvsim_report, report_cell
from models.tech_row import COST_FIELDS, TECH_COLUMNS
from models.technology import tech_node

#: The table's leading columns: the technology row (:data:`models.tech_row.TECH_COLUMNS`) and the organisation.
COLUMNS = [*TECH_COLUMNS, "organization"]
ARRAY_MODES = ("cache", "ram")
HTREE_WIRES = ("unrepeated", "repeated")
BUFFER_DESIGNS = ("auto", "balanced", "latency")


def resolve_buffer_design(buffer_design: str, node_nm: float) -> str:
    """The wordline-driver style actually used: "auto" is "latency" at the planar nodes NVSim ships tables for
    (22-45 nm, and 28 nm interpolated as NVSim does: the scratchpad paper's 28 nm arrays came from stock NVSim,
    whose shipped configurations select ``-BufferDesignOptimization: latency``) and "balanced" at 16 nm FinFET,
    the DeepNVM++ node the fitted calibration serves (see ``Calibration.buffer_design``)."""
    as_choice(buffer_design, "buffer_design", BUFFER_DESIGNS)
    if buffer_design != "auto":
        return buffer_design
    return "balanced" if tech_node(node_nm).finfet else "latency"


def _cells(cells) -> list[Cell]:
    if isinstance(cells, (str, Path, Cell, dict)):
        cells = [cells]
    if not isinstance(cells, Iterable):
        raise ConfigError("cells", f"must be cell names, files or Cells, got {cells!r}")
    out = [load_cell(c) for c in cells]
    names = [c.name for c in out]
    if len(set(names)) != len(names):
        raise ConfigError("cells", f"technology names must be unique, got {names}")
    if not out:
        raise ConfigError("cells", "must not be empty")
    return out


def _check(node_nm, assoc, line_B, access_types, targets, mode, temperature_K, write_convention, edap):
    as_positive(node_nm, "node_nm")
    assoc = as_positive(assoc, "assoc", integer=True)
    line_B = as_positive(line_B, "line_B", integer=True)
    if assoc & (assoc - 1):
        raise ConfigError("assoc", f"must be a power of two, got {assoc}")
    if line_B & (line_B - 1):
        raise ConfigError("line_B", f"must be a power of two, got {line_B}")
    if isinstance(access_types, str):
        access_types = (access_types,)
    access_types = tuple(access_types)
    if not access_types:
        raise ConfigError("access_types", "must not be empty")
    for a in access_types:
        as_choice(a, "access_types", ACCESS_TYPES)
    as_choice(targets, "targets", ("edap",) + TARGETS)
    as_choice(mode, "mode", ARRAY_MODES)
    as_choice(write_convention, "write_convention", WRITE_CONVENTIONS)
    as_choice(edap, "edap", ("read", "rw"))
    as_positive(temperature_K, "temperature_K")
    return assoc, line_B, access_types


@lru_cache(maxsize=4096)
def _candidates_cached(cell: Cell, node_nm, roadmap, temperature_K, capacity_B, assoc, line_B, access_types, mode,
                       write_convention, cal: Calibration) -> tuple[tuple[Design, ...], int]:
    """Every target's design in every access type of one (cell, capacity): one search serves them all, read from
    the on-disk store where an earlier command made the same search (:mod:`models.design_cache`)."""
    key = repr((cell, node_nm, roadmap, temperature_K, capacity_B, assoc, line_B, access_types, mode, write_convention,
                cal, TARGETS))
    stored = load_search(key, Design)
    if stored is not None:
        return stored
    tech = tech_node(node_nm, roadmap, temperature_K)
    cands, n = candidates(cell, tech, capacity_B, assoc=assoc, line_B=line_B, access_types=access_types,
                          targets=TARGETS, mode=mode, write_convention=write_convention, cal=cal)
    store_search(key, cands, n)
    return tuple(cands), n


def _design_cached(cell: Cell, node_nm, roadmap, temperature_K, capacity_B, assoc, line_B, access_types, targets,
                   mode, edap, write_convention, cal: Calibration) -> Design:
    cands, n = _candidates_cached(cell, node_nm, roadmap, temperature_K, capacity_B, assoc, line_B, access_types,
                                  mode, write_convention, cal)
    return choose(list(cands), n, targets, edap)


def design_point(cell, capacity_MB: float, node_nm: float = 16, *, assoc: int = 16, line_B: int = 128,
                 access_types: Sequence[str] = ACCESS_TYPES, targets: str = "edap", temperature_K: float = 350,
                 mode: str = "cache", roadmap: str = "hp", edap: str = "rw", write_convention: str = "nvsim",
                 htree_wires: str = "unrepeated", buffer_design: str = "auto",
                 calibration: Calibration = DEFAULT) -> Design:
    """The chosen :class:`~models.circuit.search.Design` of one cell at one capacity (see :func:`tech_table`)."""
    cell = load_cell(cell)
    assoc, line_B, access_types = _check(node_nm, assoc, line_B, access_types, targets, mode, temperature_K,
                                         write_convention, edap)
    as_choice(htree_wires, "htree_wires", HTREE_WIRES)
    if (htree_wires == "repeated") != calibration.htree_repeaters:
        calibration = dataclasses.replace(calibration, htree_repeaters=htree_wires == "repeated")
    style = resolve_buffer_design(buffer_design, node_nm)
    if style == "latency":
        # NVSim's stock periphery: latency-first drivers, passive H-tree, column-select decoders
        calibration = nvsim_stock(calibration)
    elif style != calibration.buffer_design:
        calibration = dataclasses.replace(calibration, buffer_design=style)
    cap = as_positive(capacity_MB, "capacities_MB")
    cap_B = float(cap) * 2**20
    if mode == "cache" and cap_B < assoc * line_B * 2:
        raise ConfigError("capacities_MB", f"{capacity_MB} MB holds fewer than two sets of {assoc} x {line_B} B")
    if mode == "ram" and cap_B < line_B * 64:
        raise ConfigError("capacities_MB", f"{capacity_MB} MB is below 64 words of {line_B} B")
    try:
        return _design_cached(cell, float(node_nm), roadmap, float(temperature_K), cap_B, assoc, line_B,
                              access_types, targets, mode, edap, write_convention, calibration)
    except ValueError as exc:
        if isinstance(exc, ConfigError):
            raise
        raise ConfigError("capacities_MB", f"{capacity_MB} MB of {cell.name}: {exc}") from None


def tech_table(cells: Iterable = ("sram", "stt", "sot"), capacities_MB: Iterable[float] = (1, 2, 3, 4, 8, 16, 32),
               node_nm: float = 16, assoc: int = 16, line_B: int = 128,
               access_types: Sequence[str] = ACCESS_TYPES, targets: str | Sequence[str] = "edap",
               temperature_K: float = 350, mode: str = "cache", *, roadmap: str = "hp", edap: str = "rw",
               write_convention: str = "nvsim", htree_wires: str = "unrepeated", buffer_design: str = "auto",
               calibration: Calibration = DEFAULT) -> pd.DataFrame:
    """Latency, energy, leakage and area of each technology at each capacity (and target).

    Parameters
    ----------
    cells : iterable
        Shipped cell names, cell files (nvmsim TOML or NVSim ``.cell``), dicts or :class:`Cell` objects;
        the technology column is the cell's name.
    capacities_MB : iterable of float
        Capacities in MiB (fractional allowed: 32 KB = 0.03125).
    node_nm : float
        Technology node of the peripherals (16, 22, 28, 32, 45); cells keep their own F^2 size.
    assoc, line_B : int
        Associativity and line size (cache mode); ``line_B`` is the word in RAM mode.
    access_types : sequence of str
        Cache access types searched: "normal", "fast", "sequential".
    targets : str or sequence of str
        "edap" (DeepNVM++ Algorithm 1: best EDAP over all eight targets x access types) or one target
        (:data:`TARGETS`, NVSim's eight: the target's best design over the access types); a sequence gives one row
        per target ("all": "edap" and the eight), all from one search per (technology, capacity).
    temperature_K : float
        Device and wire temperature (default 350 K, as NVSim and DeepNVM++).
    mode : str
        "cache" (data + tag arrays) or "ram" (data array only, e.g. scratchpads).
    roadmap : str
        Peripheral transistors: "hp" or "lstp".
    edap : str
        "rw" (default): EDAP = mean(read, write latency) x mean(read, write energy) x area;
        "read": read latency x read energy x area.
    write_convention : str
        "nvsim" (default, as the papers' NVSim runs: in Normal/Fast caches the cell write energy counts
        1/assoc) or "physical" (every written bit pays its cell energy).
    htree_wires : str
        "unrepeated" (default: NVSim's sample setting, used by both papers; H-tree delay grows with the
        square of the bank size) or "repeated" (optimally repeated global wires: linear delay, for
        realistic very large arrays).
    buffer_design : str
        Circuit model: "balanced" (the DeepNVM++-fitted 16 nm calibration: wordline drivers of stage effort 16,
        a buffer at every H-tree node), "latency" (NVSim's stock model, what its shipped configurations and the
        scratchpad paper's 28 nm runs build: NVSim's organisation space, circuits and choice per target, with its
        latency-first drivers and passive unrepeated H-tree; see ``models.circuit.calibration.nvsim_stock``) or
        "auto" (default: "latency" at planar nodes, "balanced" at 16 nm FinFET).

    Returns
    -------
    pandas.DataFrame
        One row per (technology, capacity[, target]), in the order given; ``organization`` in NVSim's words (mats,
        activation, subarrays, mux degrees).
    """
    cell_list = _cells(cells)
    caps = number_list(capacities_MB, "capacities_MB", positive=True, unit="MB")
    target_list = parse_targets(targets)
    rows = []
    for cell in cell_list:
        for cap in caps:
            for target in target_list:
                d = design_point(cell, cap, node_nm, assoc=assoc, line_B=line_B, access_types=access_types,
                                 targets=target, temperature_K=temperature_K, mode=mode, roadmap=roadmap, edap=edap,
                                 write_convention=write_convention, htree_wires=htree_wires,
                                 buffer_design=buffer_design, calibration=calibration)
                rows.append({"technology": cell.name, "capacity_MB": cap, **_design_cols(d),
                             "access_type": d.access_type if mode == "cache" else "ram",
                             "target": target if target != "edap" else f"edap:{d.target}",
                             "node_nm": float(node_nm), "mode": mode, "data_area_mm2": d.data_area_mm2,
                             "tag_area_mm2": d.tag_area_mm2, "cell_area_um2": cell.area_um2,
                             "candidates": d.candidates})
    return pd.DataFrame(rows)


def parse_targets(targets: str | Sequence[str]) -> list[str]:
    """Targets as a list: one name, a sequence, or a comma-separated string; "all" is "edap" and NVSim's eight."""
    if isinstance(targets, str):
        targets = [t.strip() for t in targets.split(",")] if targets.strip() else []
        if "" in targets:
            raise ConfigError("targets", f"an item is empty (in {','.join(targets)!r})")
    out: list[str] = []
    for t in targets:
        out += ["edap", *TARGETS] if t == "all" else [as_choice(t, "targets", ("edap",) + TARGETS)]
    if not out:
        raise ConfigError("targets", "must not be empty")
    return out


def area_budget_capacity(cell, area_mm2: float, node_nm: float = 16, mode: str = "cache", *,
                         granularity_MB: float | None = None, **kw) -> float:
    """Largest capacity (MB) of ``cell`` whose chosen design fits in ``area_mm2``.

    The answer is a multiple of ``granularity_MB`` (default: 1/64 of the first estimate's power of two, so
    0.5 mm^2 resolves to a few KB and 48 mm^2 to about a MB).  Bisection finds where the area first crosses
    the budget; but the chosen design's area is not monotonic in capacity (a read-latency optimum can jump to
    a larger organisation and back: NVSim itself gives the 28 nm STT-MRAM 0.222 mm^2 at 256 KB and 0.590 at
    512 KB), so larger capacities are then sampled up to the cells-only bound in steps of 2^(1/8) (9 %) and the
    largest fitting sample refined by bisection: a fitting island narrower than a step can be missed.
    """
    cell = load_cell(cell)
    as_positive(area_mm2, "area_mm2")

    def area(cap):
        return design_point(cell, cap, node_nm, mode=mode, **kw).area_mm2

    # bracket: start from the cell-only estimate
    line_B = kw.get("line_B", 128)
    smallest = (64 * line_B if mode == "ram" else 2 * kw.get("assoc", 16) * line_B) / 2**20
    lo_cap = 1.0 / 32  # 32 KB, the scratchpad study's smallest array; halved until it fits
    while True:
        try:
            if area(lo_cap) <= area_mm2:
                break
        except ConfigError:
            pass
        if lo_cap / 2 < smallest:
            raise ConfigError("area_mm2", f"{area_mm2} mm^2 is smaller than the smallest {cell.name} array")
        lo_cap /= 2
    est = area_mm2 * 1e6 / (cell.area_um2 * 8 * 2**20)  # MB if the whole area were cells
    hi_cap = max(2 * lo_cap, est * 1.2)
    while area(hi_cap) <= area_mm2:
        lo_cap, hi_cap = hi_cap, hi_cap * 2
    gran = granularity_MB or 2.0 ** math.floor(math.log2(max(hi_cap, 1e-6))) / 64
    lo, hi = math.floor(lo_cap / gran), math.ceil(hi_cap / gran)  # area(lo*gran) fits, area(hi*gran) does not
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if area(mid * gran) <= area_mm2:
            lo = mid
        else:
            hi = mid
    # above the first crossing, a larger capacity can still fit (see above): sample up to the cells-only bound (at
    # the smaller of the cell's two sizes: characterised, or in F^2 at this node as the stock model takes them) in
    # steps of 2^(1/8), and refine below the first sample that no longer fits above the largest one that does
    a_cell_um2 = min(cell.area_um2, cell.area_F2 * (node_nm * 1e-3) ** 2)
    top = math.floor(area_mm2 * 1e6 / (a_cell_um2 * 8 * 2**20) / gran)
    samples = sorted({min(top, math.ceil(hi * 2.0 ** (j / 8))) for j in range(1, 64)
                      if hi * 2.0 ** ((j - 1) / 8) < top})
    fitting = []
    for k in samples:
        try:
            if area(k * gran) <= area_mm2:
                fitting.append(k)
        except ConfigError:
            continue
    if not fitting:
        return lo * gran
    lo = max(fitting)
    hi = next((k for k in samples if k > lo), top + 1)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        try:
            ok = area(mid * gran) <= area_mm2
        except ConfigError:
            ok = False
        lo, hi = (mid, hi) if ok else (lo, mid)
    return lo * gran


def iso_area(reference: str = "sram", reference_MB: float = 3, cells: Iterable = ("stt", "sot"),
             node_nm: float = 16, mode: str = "cache", **kw) -> pd.DataFrame:
    """Capacities of ``cells`` that fit in the area of ``reference`` at ``reference_MB`` (DeepNVM++ Table II).

    Returns one row per technology (the reference first) with ``area_budget_mm2``, the largest fitting
    ``capacity_MB`` (fractional), ``capacity_MB_rounded`` (the nearest whole MB at or below it, as the
    paper reports: 7 MB STT, 10 MB SOT) and the table columns of the design at the fractional capacity.
    """
    ref = design_point(reference, reference_MB, node_nm, mode=mode, **kw)
    budget = ref.area_mm2
    rows = [dict(technology=load_cell(reference).name, capacity_MB=float(reference_MB),
                 capacity_MB_rounded=float(reference_MB), area_budget_mm2=budget, **_design_cols(ref))]
    for c in cells:
        cell = load_cell(c)
        cap = area_budget_capacity(cell, budget, node_nm, mode, **kw)
        d = design_point(cell, cap, node_nm, mode=mode, **kw)
        rounded = float(np.floor(cap + 1e-9)) if cap >= 1 else cap
        rows.append(dict(technology=cell.name, capacity_MB=cap, capacity_MB_rounded=rounded,
                         area_budget_mm2=budget, **_design_cols(d)))
    return pd.DataFrame(rows)


def _design_cols(d: Design) -> dict:
    """A design's costs and organisation, as table columns."""
    return {**{f: getattr(d, f) for f in COST_FIELDS}, "organization": d.organization}


NVSIM_METRICS = COST_FIELDS  # the table's metrics, latency to area


def compare_nvsim(report, cell, node_nm: float, *, temperature_K: float = 350, roadmap: str = "hp",
                  buffer_design: str = "latency", cell_mismatch: str = "error") -> pd.DataFrame:
    """nvmsim's design beside an NVSim run of the same specification, and their ratio.

    ``report`` is NVSim's printed output (path or text); the capacity, RAM or cache mode, word or line size,
    associativity, access mode and optimisation target are read from the specification NVSim echoes, so
    only what it does not print is given here: the ``cell`` it was run with, ``node_nm``, ``temperature_K``
    and ``roadmap``.  ``buffer_design="latency"`` is nvmsim's stock periphery, the one NVSim's
    ``-BufferDesignOptimization: latency`` with unrepeated wires builds (see
    :func:`models.nvsim_io.nvsim_config_text`).  Returns three rows, ``source`` = ``nvsim``, ``nvmsim`` and
    ``ratio`` (nvmsim / NVSim), with the table columns.

    The cell NVSim echoes (type, area, aspect ratio, resistances, write currents and pulses, SRAM widths) must
    be ``cell``: a contradiction is an error naming each field (``cell_mismatch="error"``), or with
    ``cell_mismatch="allow"`` a ``cell_mismatch`` column lists it on every row, since the ratios then compare two
    different cells.
    """
    as_choice(cell_mismatch, "cell_mismatch", ("error", "allow"))

    rep = read_nvsim_report(report)
    missing = [k for k in ("mode", "capacity_KB", "line_B", "target") if k not in rep]
    if missing:
        raise FileFormatError(str(report)[:200],
                              f"the report lacks NVSim's design specification ({', '.join(missing)})")
    cell = load_cell(cell)
    contradictions = cell_contradictions(report_cell(report), cell)
    if contradictions and cell_mismatch == "error":
        raise ConfigError("cell", f"{cell.name} contradicts the cell NVSim ran with ({'; '.join(contradictions)}); "
                                  "give the cell of the report (nvsim-inputs writes it beside the .cfg)")
    node_nm = as_positive(node_nm, "node_nm", unit="nm")
    kw: dict = dict(mode=rep["mode"], targets=rep["target"], line_B=rep["line_B"], temperature_K=temperature_K,
                    roadmap=roadmap, buffer_design=buffer_design)
    if rep["mode"] == "cache":
        kw |= dict(assoc=rep.get("assoc", 16), access_types=(rep.get("access_type", "normal"),))
    cap_MB = rep["capacity_KB"] / 1024
    d = design_point(cell, cap_MB, node_nm, **kw)
    ours = _design_cols(d)
    base = dict(technology=cell.name, capacity_MB=cap_MB, mode=rep["mode"], target=rep["target"])
    rows = [dict(source="nvsim", **base, **{k: rep[k] for k in NVSIM_METRICS}, organization=rep["organization"]),
            dict(source="nvmsim", **base, **ours),
            dict(source="ratio", **base, **{k: ours[k] / rep[k] for k in NVSIM_METRICS}, organization="")]
    df = pd.DataFrame(rows)
    if contradictions:
        df["cell_mismatch"] = "; ".join(contradictions)
    return df
