"""The DeepNVM++ studies (seed ``deepnvm_plus_plus.txt`` §IV) as functions returning tidy DataFrames.

Every study is two steps, counts first and energy after:

1. GPU counts per (workload, L2 capacity[, technology]) from the simulator, run as a grid of stored points
   (:mod:`simulator.studies.gpu_counts`). In ``fast`` mode the interleaving of the SMs is fixed, so counts depend
   on the capacity only and are shared by all technologies; in ``timed`` mode the technology's latencies shape
   the traffic, so each technology is its own point (and its latencies are part of the point's key).
2. Energy, delay and EDP from the counts and the circuit model's per-technology table
   (:func:`models.energy.add_energy`), cheap enough to recompute every time.

Studies: :func:`sweep_l2` (the headline: DRAM-access reduction 3→24 MB), :func:`iso_capacity` (Fig. 3–4),
:func:`batch_size` (Fig. 5), :func:`iso_area` (Fig. 6–8), :func:`scalability` (Fig. 9–10).  Each takes its own
arguments (networks, capacities) and the shared ones as a :class:`~simulator.studies.options.StudyOptions`
(``options=``) or as keywords of it (``mode="timed"``, ``store=...``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from models.config import as_positive, number_list
from models.energy import add_energy, dram_spec, normalise
from models.errors import ConfigError
from models.tables import iso_area as circuit_iso_area
from models.tables import tech_table
from models.tech_row import capacity_key
from simulator.gpu import load_chip
from simulator.studies.gpu_counts import PHASES, Workload, profile_counts, simulate_counts, workload
from simulator.studies.options import DEFAULT_CHIP, StudyOptions

DEFAULT_L2_MB = (3.0, 6.0, 12.0, 24.0)
DEFAULT_TECH = ("sram", "stt", "sot")
#: The paper's five ImageNet networks (Table III) and its batch sizes (§IV-A: inference 4, training 64).
PAPER_NETWORKS = ("alexnet", "googlenet", "vgg16", "resnet18", "squeezenet")
PAPER_PHASES = (("inference", 4), ("training", 64))

__all__ = ["DEFAULT_CHIP", "DEFAULT_L2_MB", "DEFAULT_TECH", "PAPER_NETWORKS", "PAPER_PHASES", "PHASES",
           "StudyOptions", "Workload", "batch_size", "buildable_MB", "iso_area", "iso_area_capacities",
           "iso_capacity", "profile_counts", "scalability", "scalability_summary", "simulate_counts",
           "sweep_l2", "technology_table", "with_energy", "workload"]


# --------------------------------------------------------------------------------------------------------------
# Technology table and energy
# --------------------------------------------------------------------------------------------------------------

def technology_table(cells: Sequence[str], capacities_MB: Sequence[float], node_nm: float = 16) -> pd.DataFrame:
    """The circuit model's per-technology table for these cells and capacities."""
    caps = sorted({float(c) for c in capacities_MB})
    return tech_table(cells=list(cells), capacities_MB=caps, node_nm=node_nm)


def _dram(chip: str, dram):
    """The DRAM energy/latency: as named, else the chip preset's DRAM type and latency."""
    if dram is not None:
        return dram_spec(dram)
    c = load_chip(chip)
    return replace(dram_spec(c.dram.type), latency_ns=float(c.dram.latency_ns))


def with_energy(counts: pd.DataFrame, tech: pd.DataFrame, *, chip: str = DEFAULT_CHIP, dram=None,
                time_basis: str = "paper", l2_clock_MHz: float | None = None) -> pd.DataFrame:
    """Counts × technology table → energy, delay, EDP, plus the derived columns every study shows.

    ``l2_clock_MHz`` defaults to the chip preset's L2 clock (the paper converts latencies to cycles of it).
    """
    clock = l2_clock_MHz or float(load_chip(chip).clocks.l2_MHz)
    df = add_energy(counts, tech, dram=_dram(chip, dram), l2_clock_MHz=clock, core_clock_MHz=clock,
                    leakage_time=time_basis)
    df["dram_accesses"] = df["dram_reads"].astype(float) + df["dram_writes"].astype(float)
    acc = df["l2_reads"].astype(float) + df["l2_writes"].astype(float)
    if "l2_read_hits" in df.columns and "l2_write_hits" in df.columns:
        hits = df["l2_read_hits"].astype(float) + df["l2_write_hits"].astype(float)
        df["l2_hit_rate"] = np.where(acc > 0, hits / acc.where(acc > 0, 1.0), np.nan)
    else:
        df["l2_hit_rate"] = np.nan
    return df


WORKLOAD_KEYS = ["network", "dataset", "phase", "batch", "chip"]


def _reduction(df: pd.DataFrame) -> pd.DataFrame:
    """``dram_reduction_pct``: DRAM accesses saved against the smallest capacity of the same workload/tech."""
    keys = WORKLOAD_KEYS + ["technology"]
    smallest = df.loc[df.groupby(keys)["l2_MB"].idxmin(), keys + ["dram_accesses"]]
    smallest = smallest.rename(columns={"dram_accesses": "_base"})
    out = df.merge(smallest, on=keys, how="left")
    out["dram_reduction_pct"] = np.where(out["_base"] > 0, 100.0 * (1 - out["dram_accesses"] / out["_base"]), 0.0)
    return out.drop(columns=["_base"])


SWEEP_COLUMNS = [
    "network", "dataset", "phase", "batch", "chip", "technology", "l2_MB", "mode", "dram_reads", "dram_writes",
    "dram_accesses", "dram_reduction_pct", "l2_reads", "l2_writes", "l2_hit_rate", "cycles", "time_ns",
    "l2_dynamic_nJ", "l2_leakage_nJ", "l2_energy_nJ", "dram_energy_nJ", "total_energy_nJ", "delay_l2_ns",
    "delay_paper_ns", "delay_sim_ns", "edp_l2_Js", "edp_Js",
]


def _tidy(df: pd.DataFrame) -> pd.DataFrame:
    first = [c for c in SWEEP_COLUMNS if c in df.columns]
    rest = [c for c in df.columns if c not in first]
    df = df[first + rest]
    order = [c for c in ("network", "phase", "batch", "technology", "l2_MB") if c in df.columns]
    return df.sort_values(order, kind="stable").reset_index(drop=True)


# --------------------------------------------------------------------------------------------------------------
# Studies
# --------------------------------------------------------------------------------------------------------------

def _counts_and_tech(workloads, caps, o: StudyOptions, cells, desc):
    """The counts of every workload at every capacity, and the table of ``cells`` they are costed with."""
    tech = o.tech if o.tech is not None else technology_table(cells, caps, o.node_nm)
    tech = tech[tech["technology"].astype(str).isin(list(cells))]
    counts = simulate_counts(workloads, caps, o, tech=tech, desc=desc)
    return counts, tech


def _energy(counts, tech, o: StudyOptions) -> pd.DataFrame:
    return with_energy(counts, tech, chip=o.chip, dram=o.dram, time_basis=o.time_basis)


def sweep_l2(network: str | None = None, phase: str | None = None, batch: int | None = None, *,
             l2_MB: Sequence[float] | float | None = None, dataset: str | None = None,
             from_profile: str | Path | None = None, workloads: Sequence[Workload] | None = None,
             options: StudyOptions | None = None, **opts) -> pd.DataFrame:
    """The headline study: one workload on a chip, L2 capacity swept, DRAM-access reduction and energy.

    Returns one row per (network, phase, batch, technology, l2_MB) with ``dram_reads, dram_writes,
    dram_accesses, dram_reduction_pct`` (against the smallest capacity), ``l2_reads, l2_writes, l2_hit_rate,
    cycles``, energies (nJ), delays (ns), EDPs (J·s) and the simulation ``mode``.  ``l2_MB`` defaults to
    :data:`DEFAULT_L2_MB`; the workload to AlexNet inference at batch 4.

    ``from_profile`` takes measured counts (Nsight Compute / nvprof CSV) instead of simulating.  They describe
    the card that was measured, at its one L2 capacity: ``l2_MB`` may name that one capacity (default: the
    chip's) and more than one is refused.  The rows are labelled with ``network`` (default ``profile:<file
    name>``), ``phase`` and ``batch`` only as given (default empty and 0: not known), never with the defaults of
    a simulated sweep.  ``options`` / ``opts``: see :class:`StudyOptions`.
    """
    o = StudyOptions.of(options, **opts)
    cells = o.cells_or(DEFAULT_TECH)
    if from_profile is not None:
        if workloads is not None:
            raise ConfigError("workloads", "measured counts come from the profile; give no workloads with it")
        if l2_MB is None:
            caps = [float(load_chip(o.chip, overrides=o.overrides).l2.capacity_MB)]
        else:
            caps = number_list(l2_MB, "l2_MB", positive=True, unit="MB")
            if len(caps) != 1:
                raise ConfigError("l2_MB", f"a profile measures one card at its one L2 capacity; give one "
                                           f"capacity (MB), got {', '.join(f'{c:g}' for c in caps)}")
        tech = o.tech if o.tech is not None else technology_table(cells, caps, o.node_nm)
        label = network if network is not None else f"profile:{Path(from_profile).name}"
        counts = profile_counts(from_profile, l2_MB=caps[0], network=label, phase=phase or "",
                                batch=0 if batch is None else batch, chip=o.chip)
    else:
        caps = number_list(DEFAULT_L2_MB if l2_MB is None else l2_MB, "l2_MB", positive=True, unit="MB")
        wls = list(workloads) if workloads is not None else [
            workload(network or "alexnet", phase or "inference", 4 if batch is None else batch, dataset)]
        counts, tech = _counts_and_tech(wls, caps, o, cells, "sweep-l2")
    tech = tech[tech["technology"].astype(str).isin(list(cells))]
    return _tidy(_reduction(_energy(counts, tech, o)))


def _paper_workloads(networks, phases, dataset=None) -> list[Workload]:
    return [workload(n, ph, b, dataset) for n in networks for ph, b in phases]


NORM_COLUMNS = ["l2_dynamic_nJ", "l2_leakage_nJ", "l2_energy_nJ", "total_energy_nJ", "delay_l2_ns", "delay_paper_ns",
                "edp_l2_Js", "edp_Js", "dram_accesses"]


def iso_capacity(networks: Sequence[str] = PAPER_NETWORKS, phases: Sequence[tuple[str, int]] = PAPER_PHASES, *,
                 capacity_MB: float = 3.0, workloads: Sequence[Workload] | None = None,
                 options: StudyOptions | None = None, **opts) -> pd.DataFrame:
    """Fig. 3–4: every technology at one capacity; energies, delay and EDP normalised to SRAM (``*_norm``)."""
    o = StudyOptions.of(options, **opts)
    cells = o.cells_or(DEFAULT_TECH)
    capacity_MB = as_positive(capacity_MB, "capacity_MB", unit="MB")
    wls = list(workloads) if workloads is not None else _paper_workloads(networks, phases)
    df = _energy(*_counts_and_tech(wls, [capacity_MB], o, cells, "iso-capacity"), o)
    df = normalise(df, NORM_COLUMNS, by=WORKLOAD_KEYS, baseline={"technology": cells[0]})
    df["study"] = "iso_capacity"
    return _tidy(df)


def batch_size(network: str = "alexnet", batches: Sequence[int] = (1, 2, 4, 8, 16, 32, 64, 128, 256),
               phases: Sequence[str] = PHASES, *, capacity_MB: float = 3.0, dataset: str | None = None,
               options: StudyOptions | None = None, **opts) -> pd.DataFrame:
    """Fig. 5: iso-capacity EDP of one network across batch sizes, for training and inference."""
    wls = [workload(network, ph, b, dataset) for ph in phases for b in batches]
    df = iso_capacity(workloads=wls, capacity_MB=capacity_MB, options=options, **opts)
    df["study"] = "batch_size"
    return df


def iso_area_capacities(cells: Sequence[str] = ("stt", "sot"), reference: str = "sram",
                        reference_MB: float = 3.0, node_nm: float = 16) -> dict[str, float]:
    """Capacity (MB) of each cell that fits the reference cache's area, from the circuit model's solver: whole MB
    at or below the fitting capacity, as the paper reports (7 MB STT, 10 MB SOT)."""
    res = circuit_iso_area(reference=reference, reference_MB=reference_MB, cells=list(cells), node_nm=node_nm)
    want = {str(c) for c in cells}
    return {str(t): float(c) for t, c in zip(res["technology"], res["capacity_MB_rounded"], strict=True)
            if str(t) in want}


def iso_area(networks: Sequence[str] = PAPER_NETWORKS, phases: Sequence[tuple[str, int]] = PAPER_PHASES, *,
             reference: str = "sram", reference_MB: float = 3.0, capacities: dict[str, float] | None = None,
             workloads: Sequence[Workload] | None = None, options: StudyOptions | None = None,
             **opts) -> pd.DataFrame:
    """Fig. 6–8: each MRAM at the capacity that fits the reference SRAM's area, against that SRAM.

    Rows: one per workload × technology (the reference included) at its iso-area capacity, with ``*_norm``
    against the reference and ``dram_reduction_pct`` of DRAM accesses against the reference capacity.  The
    technologies compared (``cells``) default to STT and SOT.
    """
    o = StudyOptions.of(options, **opts)
    cells = o.cells_or(("stt", "sot"))
    reference_MB = as_positive(reference_MB, "reference_MB", unit="MB")
    if capacities is not None:
        missing = [c for c in cells if c not in capacities]
        if missing:
            raise ConfigError("capacities", f"no capacity for {', '.join(missing)} (give one per technology "
                                            f"compared: {', '.join(cells)})")
        caps = {c: as_positive(capacities[c], f"capacities.{c}", unit="MB") for c in cells}
    else:
        caps = iso_area_capacities(cells, reference, reference_MB, o.node_nm)
    caps = {reference: float(reference_MB), **{c: float(caps[c]) for c in cells}}
    wls = list(workloads) if workloads is not None else _paper_workloads(networks, phases)
    tech = o.tech
    if tech is None:
        tech = pd.concat([technology_table([t], [cap], o.node_nm) for t, cap in caps.items()], ignore_index=True)
    keep = [capacity_key(c) == capacity_key(caps[str(t)]) if str(t) in caps else False
            for t, c in zip(tech["technology"], tech["capacity_MB"], strict=True)]
    pair = tech[keep]
    counts = simulate_counts(wls, sorted(set(caps.values())), o, tech=pair, desc="iso-area")
    df = _energy(counts, pair, o)
    df = normalise(df, NORM_COLUMNS, by=WORKLOAD_KEYS, baseline={"technology": reference})
    df["dram_reduction_pct"] = 100.0 * (1.0 - df["dram_accesses_norm"])
    df["study"] = "iso_area"
    return _tidy(df)


def scalability(networks: Sequence[str] = PAPER_NETWORKS, phases: Sequence[tuple[str, int]] = PAPER_PHASES, *,
                capacities_MB: Sequence[float] = (1, 2, 4, 8, 16, 32), workloads: Sequence[Workload] | None = None,
                options: StudyOptions | None = None, **opts) -> pd.DataFrame:
    """Fig. 10: per workload, each technology normalised to SRAM at the same capacity (``*_norm`` columns).

    Use :func:`scalability_summary` for the mean and standard deviation across workloads that the figure plots.
    """
    o = StudyOptions.of(options, **opts)
    cells = o.cells_or(DEFAULT_TECH)
    wls = list(workloads) if workloads is not None else _paper_workloads(networks, phases)
    capacities_MB = number_list(capacities_MB, "l2_MB", positive=True, unit="MB")
    if o.tech is None:  # the table is computed here, so it can follow the capacities the chip can build
        capacities_MB = [buildable_MB(o.chip, c, o.overrides) for c in capacities_MB]
    df = _energy(*_counts_and_tech(wls, capacities_MB, o, cells, "scalability"), o)
    df = normalise(df, NORM_COLUMNS, by=WORKLOAD_KEYS + ["l2_MB"], baseline={"technology": cells[0]})
    df["study"] = "scalability"
    return _tidy(df)


def buildable_MB(chip: str, l2_MB: float, overrides: dict | None = None) -> float:
    """The capacity nearest ``l2_MB`` that the chip's slices × ways × lines can build (whole sets per slice).

    On ``gtx1080ti-deepnvm`` (24 slices × 16 ways × 128 B) 1 MB is not a whole number of sets (21.3); the
    nearest is 21 sets = 0.984 MB. Capacities already buildable are returned unchanged.
    """
    l2 = load_chip(chip, overrides=overrides).l2
    per_set = l2.slices * l2.ways * l2.line_B
    sets = max(1, round(float(l2_MB) * 2**20 / per_set))
    built = sets * per_set / 2**20
    return float(l2_MB) if abs(built - l2_MB) <= 0.01 * l2_MB else built  # the chip accepts 1 %


#: Fig. 10 metrics: the cache's energy, latency and EDP (L2 only; DRAM traffic is equal across technologies at a
#: capacity and only dilutes the ratios), with the DRAM-inclusive EDP beside them.
SCALABILITY_METRICS = {"energy": "l2_energy_nJ_norm", "latency": "delay_l2_ns_norm", "edp": "edp_l2_Js_norm",
                       "edp_with_dram": "edp_Js_norm"}


def scalability_summary(df: pd.DataFrame) -> pd.DataFrame:
    """Mean and standard deviation across workloads of the normalised metrics, per phase, technology, capacity."""
    rows = []
    for (phase, tech, cap), g in df.groupby(["phase", "technology", "l2_MB"], sort=True):
        for metric, col in SCALABILITY_METRICS.items():
            v = g[col].astype(float)
            rows.append({"phase": phase, "technology": tech, "l2_MB": cap, "metric": metric, "mean": v.mean(),
                         "std": v.std(ddof=0), "n_workloads": int(v.notna().sum())})
    return pd.DataFrame(rows)
