"""The counts step of the DeepNVM++ studies: GPU counts per (workload, L2 capacity[, technology]) as stored points.

A :class:`GpuPoint` is one grid point; :func:`simulate_counts` builds the grid and runs it through the
:mod:`~simulator.studies.runner` (stored per point, resumable), which calls :func:`simulate_points` on each
group of points sharing a chip, workload and mode: one pass over the workload's trace feeds every capacity of the
group.  In ``fast`` mode counts depend on the capacity only and are shared by all technologies; in ``timed`` mode
each technology is its own point, its latencies part of the point's key.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

import traces
from models.config import as_positive, number_list
from models.errors import ConfigError, FileFormatError
from models.tech_row import at_capacity, capacity_key, capacity_keys
from simulator.gpu import load_chip, simulate_gpu
from simulator.studies.options import MODES, StudyOptions
from simulator.studies.runner import run_grid

PHASES = ("inference", "training")


@dataclass(frozen=True)
class Workload:
    """What runs on the chip: a zoo network's phase at a batch size."""

    network: str
    dataset: str | None
    phase: str
    batch: int

    def chunks(self, chip):
        """The workload's trace, streamed."""
        return traces.network_trace(self.network, phase=self.phase, batch=self.batch, dataset=self.dataset,
                                    chip=chip)


def workload(network: str, phase: str, batch: int, dataset: str | None = None) -> Workload:
    """A zoo-network workload, validated."""
    if phase not in PHASES:
        raise ConfigError("phase", f"must be one of {', '.join(PHASES)}, got {phase!r}")
    batch = as_positive(batch, "batch", integer=True)
    if not isinstance(network, str) or not network:
        raise ConfigError("network", f"must be a zoo network name, got {network!r}")
    return Workload(network, dataset, phase, batch)


@dataclass(frozen=True)
class GpuPoint:
    """One grid point: a workload on a chip at one L2 capacity, optionally timed with one technology's latencies."""

    chip: str
    overrides: dict | None
    workload: Workload
    mode: str
    l2_MB: float
    technology: str | None = None
    latencies_ns: tuple[float, float] | None = None  # (read, write) of ``technology``
    sample_sets: int = 1

    def config(self) -> dict:
        """The full configuration, as plain data (what the point's key hashes; set sampling only when used, so
        that unsampled points keep their keys)."""
        return {"study": "gpu_counts", "chip": self.chip, "overrides": self.overrides,
                "workload": dataclasses.asdict(self.workload),
                "mode": self.mode, "l2_MB": self.l2_MB, "technology": self.technology,
                "tech": None if self.latencies_ns is None else
                {"read_latency_ns": self.latencies_ns[0], "write_latency_ns": self.latencies_ns[1]},
                **({"sample_sets": self.sample_sets} if self.sample_sets > 1 else {})}

    def trace_group(self) -> tuple:
        """Points with the same group share one trace pass (fast: every capacity; timed: one capacity)."""
        key = (self.chip, repr(self.overrides), self.workload, self.mode, self.sample_sets)
        return key + ((self.l2_MB,) if self.mode == "timed" else ())

    def capacity_group(self) -> tuple:
        """With more workers than workloads: one task per (workload, capacity), all technologies together."""
        return self.trace_group() + (self.l2_MB,)


def simulate_points(points: list[GpuPoint], checkpoint=None) -> list[pd.DataFrame]:
    """Simulate the points of one trace group in one pass; one counts row per point, in order.

    ``checkpoint`` (from the runner): fast mode saves the pass's state there every so often and resumes from it.
    """
    first = points[0]
    if any(p.trace_group()[:5] != first.trace_group()[:5] for p in points[1:]):
        raise ValueError("simulate_points: points of one task must share chip, workload, mode and sampling")
    chip = load_chip(first.chip, overrides=first.overrides)
    caps = sorted({float(p.l2_MB) for p in points})
    tech = None
    if any(p.latencies_ns is not None for p in points):
        # one mapping per capacity: each capacity is timed with exactly its own technologies' latencies
        per_cap: dict[float, dict] = {}
        for p in points:
            if p.latencies_ns is not None:
                rd, wr = p.latencies_ns
                per_cap.setdefault(float(p.l2_MB), {})[p.technology] = {"read_latency_ns": rd, "write_latency_ns": wr}
        tech = [per_cap.get(c) for c in caps]
    # progress=True: a per-chunk bar on a terminal (off when not a TTY or under NVMSIM_NO_PROGRESS)
    res = simulate_gpu(first.workload.chunks(chip), chip, l2_MB=caps, tech=tech, mode=first.mode, progress=True,
                       checkpoint=checkpoint if first.mode == "fast" else None, sample_sets=first.sample_sets)
    totals = res.totals
    keys = capacity_keys(totals["l2_MB"])
    out = []
    for p in points:
        sel = keys == capacity_key(p.l2_MB)
        if p.latencies_ns is not None:
            sel &= totals["technology"].astype(str).to_numpy() == p.technology
        rows = totals.loc[sel].head(1).copy()
        if p.latencies_ns is None and "technology" in rows.columns:
            rows = rows.drop(columns=["technology"])  # capacity-only counts: crossed with every technology later
        wl = p.workload
        rows.insert(0, "network", wl.network)
        rows.insert(1, "dataset", wl.dataset or "")
        rows.insert(2, "phase", wl.phase)
        rows.insert(3, "batch", int(wl.batch))
        rows.insert(4, "chip", p.chip)
        rows["mode"] = p.mode
        out.append(rows.reset_index(drop=True))
    return out


def simulate_counts(workloads: Sequence[Workload], l2_MB: Sequence[float], options: StudyOptions | None = None, *,
                    tech: pd.DataFrame | None = None, desc: str = "simulate") -> pd.DataFrame:
    """GPU counts and cycles for every workload × capacity × technology, as a tidy DataFrame.

    ``tech`` (the per-technology table) gives each technology's latencies at each capacity; they are part of each
    point (and of its key). Without it (fast mode only) counts are per capacity, with the chip's own L2 timing.
    """
    options = options or StudyOptions()
    caps = number_list(l2_MB, "l2_MB", positive=True, unit="MB")
    if options.mode not in MODES:
        raise ConfigError("mode", f"must be one of {', '.join(MODES)}, got {options.mode!r}")
    if tech is None and options.mode == "timed":
        raise ConfigError("mode", "timed mode needs the technology table (its latencies drive the timing)")
    points = []
    for wl in workloads:
        for cap in caps:
            base = GpuPoint(options.chip, options.overrides, wl, options.mode, cap, sample_sets=options.sample_sets)
            if tech is None:
                points.append(base)
                continue
            rows = at_capacity(tech, cap)
            if not len(rows):
                raise ConfigError("tech", f"no technology entry at {cap:g} MB")
            for _, r in rows.iterrows():
                lat = (float(r["read_latency_ns"]), float(r["write_latency_ns"]))
                points.append(dataclasses.replace(base, technology=str(r["technology"]), latencies_ns=lat))
    return run_grid(points, simulate_points, store=options.store, workers=options.workers,
                    scheduler=options.scheduler, group=GpuPoint.trace_group, fine_group=GpuPoint.capacity_group,
                    desc=desc)


def profile_counts(path, *, l2_MB: float, network: str = "profile", phase: str = "", batch: int = 0,
                   chip: str = "gtx1080ti-deepnvm") -> pd.DataFrame:
    """Measured per-kernel counts (ncu or nvprof CSV) summed into one counts row, the paper's §III-C path.

    L2 transactions are the profiler's 32 B sectors; DRAM reads/writes are its DRAM sectors.  The import is exact
    or refused: every kernel must have all four counts (L2 read/write, DRAM read/write sectors), else the error
    names the first kernel and metric missing; impossible counts (negative, non-finite, text) are refused by the
    readers.  ``network``, ``phase`` and ``batch`` only label the row (``""`` and 0: not known).
    """
    path = Path(path)
    l2_MB = as_positive(l2_MB, "l2_MB", unit="MB")
    batch = as_positive(batch, "batch", integer=True, allow_zero=True)
    errors = []
    per_kernel = None
    for reader in (traces.read_ncu_csv, traces.read_nvprof_csv):
        try:
            per_kernel = reader(path)
            if per_kernel[["l2_read_sectors", "l2_write_sectors"]].notna().any().all():
                break
        except FileFormatError as exc:
            errors.append(str(exc))
            per_kernel = None
    if per_kernel is None or not len(per_kernel):
        raise FileFormatError(path, "not a readable Nsight Compute or nvprof CSV export: " + "; ".join(errors))
    cols = ["l2_read_sectors", "l2_write_sectors", "dram_read_sectors", "dram_write_sectors"]
    for c in cols:
        absent = per_kernel[c].isna().to_numpy()
        if absent.all():
            raise FileFormatError(path, f"the export has no {c.replace('_', ' ')} counts (no kernel has them)")
        if absent.any():
            k = int(np.argmax(absent))
            raise FileFormatError(path, f"kernel {per_kernel['kernel'].iloc[k]!r} (row {k + 1}) has no "
                                        f"{c.replace('_', ' ')} count while other kernels do: the sum would be short")
    tot = {c: float(per_kernel[c].sum()) for c in cols}
    row = {"network": str(network), "dataset": "", "phase": str(phase), "batch": int(batch), "chip": chip,
           "l2_MB": float(l2_MB), "l2_reads": tot["l2_read_sectors"], "l2_writes": tot["l2_write_sectors"],
           "dram_reads": tot["dram_read_sectors"], "dram_writes": tot["dram_write_sectors"],
           "dram_read_sectors": tot["dram_read_sectors"], "dram_write_sectors": tot["dram_write_sectors"],
           "kernels": int(len(per_kernel)), "mode": "profile"}
    return pd.DataFrame([row])
