"""The systolic training accelerator: configuration, one training step, its time and energy.

Counts first, energy after. :func:`simulate_counts` walks a training step
through the scratchpads (:mod:`simulator.systolic.scratchpad`) and the array
(:mod:`simulator.systolic.array`) once per set of buffer capacities; :func:`evaluate`
turns those counts into time (SimPy timeline of array + DMA engine) and energy
for one technology per buffer:

* DRAM: bytes × 8 × energy per bit (DDR3, 70 pJ/bit, Malladi et al. ISCA'12);
* on-chip read / write: accesses of ``access_width_B`` bytes × the technology
  table's per-access energy at the buffer's capacity;
* leakage: the three buffers' leakage power × step time;
* compute: MACs × energy per MAC (+ element-wise flops × energy per flop).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from models.config import as_choice, as_positive, load_toml, loads_toml, merge, reject_unknown
from models.energy import dram_spec
from models.errors import ConfigError
from models.tech_row import TechRow
from simulator.systolic.array import DATAFLOWS
from simulator.systolic.scratchpad import (
    BUFFERS,
    DEFAULT_KIND_BUFFER,
    EVICTION_POLICIES,
    PlacementConfig,
    StepCounts,
    op_accesses,
    place_step,
    run_timeline,
)

PRESETS = ("systolic-256",)


@dataclass(frozen=True)
class AcceleratorConfig:
    """A validated accelerator (see ``simulator/systolic/presets/systolic-256.toml`` for every field's meaning)."""

    name: str = "systolic-256"
    rows: int = 256
    cols: int = 256
    dataflow: str = "os"
    clock_MHz: float = 1000.0
    overlap_folds: bool = False
    elementwise_lanes: int = 256
    mac_energy_pJ: float = 2.86
    flop_energy_pJ: float = 0.56
    total_MB: float = 24.0
    split: tuple[float, float, float] = (1.0, 1.0, 1.0)
    technologies: tuple[str, str, str] = ("sram28", "sram28", "sram28")
    access_width_B: int = 64
    eviction: str = "paper"
    flush_at_end: bool = True
    buffer_stalls: bool = False
    banks: int = 64
    kind_buffer: dict = field(default_factory=lambda: dict(DEFAULT_KIND_BUFFER))
    dram_type: str = "ddr3"
    dram_bandwidth_GBps: float = 12.8
    dram_burst_B: int = 64
    dram_overlap: bool = False

    @property
    def buffer_MB(self) -> tuple[float, float, float]:
        """Capacity of each buffer (activation, weight, error) in MB."""
        s = sum(self.split)
        return tuple(self.total_MB * x / s for x in self.split)

    def placement(self, buffer_MB=None) -> PlacementConfig:
        caps = buffer_MB if buffer_MB is not None else self.buffer_MB
        return PlacementConfig(
            capacity_B=tuple(int(round(c * 2**20)) for c in caps),
            kind_buffer=dict(self.kind_buffer),
            eviction=self.eviction,
            flush_at_end=self.flush_at_end,
        )


_TOP = ("name", "base", "array", "scratchpad", "dram")
_ARRAY = ("rows", "cols", "dataflow", "clock_MHz", "overlap_folds", "elementwise_lanes", "mac_energy_pJ",
          "flop_energy_pJ")
_SPAD = ("total_MB", "split", "technology", "technologies", "access_width_B", "eviction", "flush_at_end",
         "buffer_stalls", "banks", "kinds")
_DRAM = ("type", "bandwidth_GBps", "burst_B", "overlap")


def _as_bool(v, fld: str) -> bool:
    if not isinstance(v, bool):
        raise ConfigError(fld, f"must be true or false, got {v!r}")
    return v


def _preset_text(name: str) -> str:
    """Presets ship next to this module (package data ``simulator/systolic/presets/*.toml``)."""
    return (Path(__file__).parent / "presets" / f"{name}.toml").read_text()


def config_from_dict(data: dict) -> AcceleratorConfig:
    """Validate a config dict (a preset merged with overrides) into an :class:`AcceleratorConfig`."""
    reject_unknown(data, _TOP)
    arr = data.get("array", {})
    sp = data.get("scratchpad", {})
    dr = data.get("dram", {})
    reject_unknown(arr, _ARRAY, "array")
    reject_unknown(sp, _SPAD, "scratchpad")
    reject_unknown(dr, _DRAM, "dram")
    split = sp.get("split", [1.0, 1.0, 1.0])
    if not isinstance(split, (list, tuple)) or len(split) != 3:
        raise ConfigError("scratchpad.split", f"must be 3 shares (activation, weight, error), got {split!r}")
    split = tuple(as_positive(x, "scratchpad.split", allow_zero=True) for x in split)
    if sum(split) <= 0:
        raise ConfigError("scratchpad.split", "shares must not all be zero")
    tech = sp.get("technology", "sram28")
    if not isinstance(tech, str) or not tech:
        raise ConfigError("scratchpad.technology", f"must be a technology name, got {tech!r}")
    per = sp.get("technologies", {}) or {}
    reject_unknown(per, BUFFERS, "scratchpad.technologies")
    techs = tuple(str(per.get(b, tech)) for b in BUFFERS)
    kinds = dict(DEFAULT_KIND_BUFFER)
    for k, v in (sp.get("kinds", {}) or {}).items():
        kinds[k] = as_choice(v, f"scratchpad.kinds.{k}", BUFFERS)
    return AcceleratorConfig(
        name=str(data.get("name", "custom")),
        rows=as_positive(arr.get("rows", 256), "array.rows", integer=True),
        cols=as_positive(arr.get("cols", 256), "array.cols", integer=True),
        dataflow=as_choice(arr.get("dataflow", "os"), "array.dataflow", DATAFLOWS),
        clock_MHz=as_positive(arr.get("clock_MHz", 1000.0), "array.clock_MHz"),
        overlap_folds=_as_bool(arr.get("overlap_folds", False), "array.overlap_folds"),
        elementwise_lanes=as_positive(arr.get("elementwise_lanes", 256), "array.elementwise_lanes", integer=True),
        mac_energy_pJ=as_positive(arr.get("mac_energy_pJ", 2.86), "array.mac_energy_pJ", allow_zero=True),
        flop_energy_pJ=as_positive(arr.get("flop_energy_pJ", 0.56), "array.flop_energy_pJ", allow_zero=True),
        total_MB=as_positive(sp.get("total_MB", 24.0), "scratchpad.total_MB"),
        split=split,
        technologies=techs,
        access_width_B=as_positive(sp.get("access_width_B", 64), "scratchpad.access_width_B", integer=True),
        eviction=as_choice(sp.get("eviction", "paper"), "scratchpad.eviction", sorted(EVICTION_POLICIES)),
        flush_at_end=_as_bool(sp.get("flush_at_end", True), "scratchpad.flush_at_end"),
        buffer_stalls=_as_bool(sp.get("buffer_stalls", False), "scratchpad.buffer_stalls"),
        banks=as_positive(sp.get("banks", 64), "scratchpad.banks", integer=True),
        kind_buffer=kinds,
        dram_type=str(dr.get("type", "ddr3")),
        dram_bandwidth_GBps=as_positive(dr.get("bandwidth_GBps", 12.8), "dram.bandwidth_GBps"),
        dram_burst_B=as_positive(dr.get("burst_B", 64), "dram.burst_B", integer=True),
        dram_overlap=_as_bool(dr.get("overlap", False), "dram.overlap"),
    )


def load_accelerator(preset: str | Path = "systolic-256", overrides: dict | None = None) -> AcceleratorConfig:
    """Load a preset by name (or a TOML file, optionally ``base = "<preset>"``) and apply nested overrides."""
    p = Path(str(preset))
    if str(preset) in PRESETS:
        data = loads_toml(_preset_text(str(preset)), f"preset {preset}")
    elif p.suffix == ".toml" or p.exists():
        data = load_toml(p)
        base = data.pop("base", None)
        if base is not None:
            if base not in PRESETS:
                raise ConfigError("base", f"unknown preset {base!r}; valid: {', '.join(PRESETS)}")
            data = merge(loads_toml(_preset_text(base), f"preset {base}"), data)
    else:
        raise ConfigError("preset", f"unknown accelerator preset {preset!r}; valid: {', '.join(PRESETS)} or a .toml")
    if overrides:
        data = merge(data, overrides)
    return config_from_dict(data)


# ---------------------------------------------------------------------------------------------------------------
# Technology rows for the buffers.

def dram_energy_pJ_per_bit(dram_type: str) -> float:
    """Energy per bit of a DRAM type, from the shared table in :mod:`models.energy`."""

    return float(dram_spec(dram_type).energy_pJ_per_bit)


# ---------------------------------------------------------------------------------------------------------------
# Step: counts, then time and energy.


def simulate_counts(ops, cfg: AcceleratorConfig, buffer_MB=None, record_events: bool = False,
                    accesses: list | None = None) -> StepCounts:
    """Count one training step's traffic for the given buffer capacities (technology-independent).

    ``accesses`` (from :func:`step_accesses`) can be passed to reuse the per-op operand counts.
    """
    return place_step(
        ops,
        cfg.placement(buffer_MB),
        rows=cfg.rows,
        cols=cfg.cols,
        dataflow=cfg.dataflow,
        overlap_folds=cfg.overlap_folds,
        elementwise_lanes=cfg.elementwise_lanes,
        record_events=record_events,
        accesses=accesses,
    )


def step_accesses(ops, cfg: AcceleratorConfig) -> list:
    """Per-op operand accesses on this accelerator's array (independent of the buffers)."""
    return [op_accesses(op, cfg.rows, cfg.cols, cfg.dataflow) for op in ops]


@dataclass(frozen=True)
class StepResult:
    """Time and energy of one step for one set of buffer technologies (totals; per-op arrays in ``per_op``)."""

    cycles: int
    time_s: float
    compute_cycles: int
    stall_cycles: int
    dram_cycles: int
    macs: int
    dram_bytes: int
    dram_accesses: int
    onchip_reads: float
    onchip_writes: float
    energy_dram_J: float
    energy_read_J: float
    energy_write_J: float
    energy_leakage_J: float
    energy_compute_J: float
    per_op: pd.DataFrame

    @property
    def energy_total_J(self) -> float:
        return (self.energy_dram_J + self.energy_read_J + self.energy_write_J + self.energy_leakage_J
                + self.energy_compute_J)

    def totals(self) -> dict:
        d = {k: getattr(self, k) for k in (
            "cycles", "time_s", "compute_cycles", "stall_cycles", "dram_cycles", "macs", "dram_bytes",
            "dram_accesses", "onchip_reads", "onchip_writes", "energy_dram_J", "energy_read_J", "energy_write_J",
            "energy_leakage_J", "energy_compute_J")}
        d["energy_total_J"] = self.energy_total_J
        return d


_TIMELINE_CACHE: dict = {}


def _timeline_cached(array_cycles, dma_in, dma_out, overlap: bool):
    """Timelines repeat across technologies with the same counts (no buffer stalls): play each once."""
    key = (hash(array_cycles.tobytes()), hash(dma_in.tobytes()), hash(dma_out.tobytes()), len(array_cycles), overlap)
    hit = _TIMELINE_CACHE.get(key)
    if hit is None:
        if len(_TIMELINE_CACHE) > 256:
            _TIMELINE_CACHE.clear()
        hit = run_timeline(array_cycles, dma_in, dma_out, overlap=overlap)
        _TIMELINE_CACHE[key] = hit
    return hit[0], hit[1].copy()


def evaluate(counts: StepCounts, cfg: AcceleratorConfig, techs: tuple[TechRow, TechRow, TechRow]
             ) -> StepResult:
    """Time (SimPy timeline) and energy of counted step for one technology per buffer.

    Parameters
    ----------
    counts : StepCounts
        From :func:`simulate_counts`.
    cfg : AcceleratorConfig
    techs : three :class:`TechRow`
        Activation, weight and error buffer rows (energies per ``cfg.access_width_B``-byte access).
    """
    clock_GHz = cfg.clock_MHz / 1000.0
    acc_B = float(cfg.access_width_B)
    reads = counts.onchip_read_B / acc_B           # (ops, 3) accesses
    writes = counts.onchip_write_B / acc_B
    e_rd = np.array([t.read_energy_nJ for t in techs])
    e_wr = np.array([t.write_energy_nJ for t in techs])
    leak_mW = float(sum(t.leakage_mW for t in techs))

    compute = counts.compute_cycles.astype(np.int64)
    if cfg.buffer_stalls:
        t_rd = np.array([t.read_latency_ns for t in techs])
        t_wr = np.array([t.write_latency_ns for t in techs])
        busy_ns = (reads * t_rd + writes * t_wr) / cfg.banks
        busy = np.ceil(busy_ns.max(axis=1) * clock_GHz).astype(np.int64)
        array_cycles = np.maximum(compute, busy)
    else:
        array_cycles = compute
    bytes_per_cycle = cfg.dram_bandwidth_GBps / clock_GHz   # GB/s ÷ Gcycle/s = B/cycle
    dma_in = np.ceil(counts.dram_in_B / bytes_per_cycle).astype(np.int64)
    dma_out = np.ceil(counts.dram_out_B / bytes_per_cycle).astype(np.int64)
    total, finish = _timeline_cached(array_cycles, dma_in, dma_out, cfg.dram_overlap)
    time_s = total / (clock_GHz * 1e9)

    dram_B = counts.dram_read_B + counts.dram_write_B
    e_bit = dram_energy_pJ_per_bit(cfg.dram_type)
    dram_J_op = dram_B * 8 * e_bit * 1e-12
    read_J_op = (reads * e_rd).sum(axis=1) * 1e-9
    write_J_op = (writes * e_wr).sum(axis=1) * 1e-9
    start = np.concatenate([[0], finish[:-1]]) if len(finish) else finish
    leak_J_op = (finish - start) / (clock_GHz * 1e9) * leak_mW * 1e-3
    comp_J_op = (counts.macs * cfg.mac_energy_pJ + counts.flops * cfg.flop_energy_pJ) * 1e-12
    bursts = np.ceil(counts.dram_read_B / cfg.dram_burst_B) + np.ceil(counts.dram_write_B / cfg.dram_burst_B)

    per_op = pd.DataFrame({
        "op": counts.names, "layer": counts.layers, "pass": counts.passes, "kind": counts.kinds,
        "macs": counts.macs, "compute_cycles": compute, "cycles": finish - start,
        "dram_read_B": counts.dram_read_B, "dram_write_B": counts.dram_write_B,
        "dram_accesses": bursts.astype(np.int64),
        **{f"{b}_read_B": counts.onchip_read_B[:, k] for k, b in enumerate(BUFFERS)},
        **{f"{b}_write_B": counts.onchip_write_B[:, k] for k, b in enumerate(BUFFERS)},
        "fills": counts.fills, "writebacks": counts.writebacks, "streamed_B": counts.streamed_B,
        "energy_dram_J": dram_J_op, "energy_read_J": read_J_op, "energy_write_J": write_J_op,
        "energy_leakage_J": leak_J_op, "energy_compute_J": comp_J_op,
    })
    per_op["energy_total_J"] = per_op[[c for c in per_op.columns if c.startswith("energy_")]].sum(axis=1)
    return StepResult(
        cycles=total,
        time_s=time_s,
        compute_cycles=int(compute.sum()),
        stall_cycles=int((array_cycles - compute).sum()),
        dram_cycles=int(dma_in.sum() + dma_out.sum()),
        macs=int(counts.macs.sum()),
        dram_bytes=int(dram_B.sum()),
        dram_accesses=int(bursts.sum()),
        onchip_reads=float(reads.sum()),
        onchip_writes=float(writes.sum()),
        energy_dram_J=float(dram_J_op.sum()),
        energy_read_J=float(read_J_op.sum()),
        energy_write_J=float(write_J_op.sum()),
        energy_leakage_J=leak_mW * 1e-3 * time_s,
        energy_compute_J=float(comp_J_op.sum()),
        per_op=per_op,
    )


def per_layer(per_op: pd.DataFrame) -> pd.DataFrame:
    """Sum a step's per-op table by layer (layers in first-appearance order)."""
    order = {name: i for i, name in enumerate(dict.fromkeys(per_op["layer"]))}
    num = per_op.drop(columns=["op", "pass", "kind"]).groupby("layer", sort=False).sum(numeric_only=True)
    num = num.reset_index()
    num["_o"] = num["layer"].map(order)
    return num.sort_values("_o").drop(columns="_o").reset_index(drop=True)
