"""The DeepNVM++ studies (seed ``deepnvm_plus_plus.txt`` §IV) as functions returning tidy DataFrames.

Every study is two steps, counts first and energy after:

1. GPU counts per (workload, L2 capacity[, technology]) from the simulator,
   run as a grid of stored points (:mod:`simulator.studies.runner`). In
   ``fast`` mode the interleaving of the SMs is fixed, so counts depend on
   the capacity only and are shared by all technologies; in ``timed`` mode
   the technology's latencies shape the traffic, so each technology is its
   own point (and its latencies are part of the point's key).
2. Energy, delay and EDP from the counts and the circuit model's
   per-technology table (:func:`models.energy.add_energy`), cheap enough to
   recompute every time.

Studies: :func:`sweep_l2` (the headline: DRAM-access reduction 3→24 MB),
:func:`iso_capacity` (Fig. 3–4), :func:`batch_size` (Fig. 5),
:func:`iso_area` (Fig. 6–8), :func:`scalability` (Fig. 9–10).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from models.energy import add_energy, dram_for_chip, dram_spec, normalise
from models.errors import ConfigError
from simulator.studies.runner import run_grid

DEFAULT_CHIP = "gtx1080ti-deepnvm"
DEFAULT_L2_MB = (3.0, 6.0, 12.0, 24.0)
DEFAULT_TECH = ("sram", "stt", "sot")
#: The paper's five ImageNet networks (Table III) and its batch sizes (§IV-A: inference 4, training 64).
PAPER_NETWORKS = ("alexnet", "googlenet", "vgg16", "resnet18", "squeezenet")
PAPER_PHASES = (("inference", 4), ("training", 64))
MODES = ("fast", "timed")
PHASES = ("inference", "training")

COUNT_COLUMNS = (
    "l2_reads", "l2_writes", "l2_read_hits", "l2_read_misses", "l2_write_hits", "l2_write_misses",
    "l2_writebacks", "dram_reads", "dram_writes", "dram_read_sectors", "dram_write_sectors", "cycles", "time_ns",
)


# --------------------------------------------------------------------------------------------------------------
# Workloads and points
# --------------------------------------------------------------------------------------------------------------

def workload(network: str, phase: str, batch: int, dataset: str | None = None) -> dict:
    """A workload description, validated (the point dicts carry it)."""
    if phase not in PHASES:
        raise ConfigError("phase", f"must be one of {', '.join(PHASES)}, got {phase!r}")
    if int(batch) != batch or batch < 1:
        raise ConfigError("batch", f"must be a positive integer, got {batch!r}")
    return {"network": str(network), "dataset": dataset, "phase": phase, "batch": int(batch)}


def synthetic_workload(pattern: str, n_accesses: int, seed: int = 0) -> dict:
    """A synthetic-trace workload (``traces.synthetic``), for tests and quick checks."""
    return {"network": f"synthetic-{pattern}", "dataset": None, "phase": "inference", "batch": 1,
            "synthetic": {"pattern": pattern, "n_accesses": int(n_accesses), "seed": int(seed)}}


def _check_mode(mode: str) -> None:
    if mode not in MODES:
        raise ConfigError("mode", f"must be one of {', '.join(MODES)}, got {mode!r}")


def _chunks(wl: dict, chip):
    syn = wl.get("synthetic")
    if syn:
        from traces.synthetic import synthetic_chunks

        return synthetic_chunks(syn["pattern"], syn["n_accesses"], seed=syn["seed"])
    from traces import network_trace

    return network_trace(wl["network"], phase=wl["phase"], batch=wl["batch"], dataset=wl["dataset"], chip=chip)


def gpu_counts_compute(points: list[dict]) -> list[pd.DataFrame]:
    """Runner ``compute``: simulate one workload for every capacity (and technology) of ``points``.

    All points must share chip, workload and mode (the runner groups them so);
    one pass over the trace feeds all their capacities. Each point may carry
    one technology's latencies for its capacity: in fast mode they set that
    technology's cycles (the counts are shared), in timed mode they shape the
    traffic. The simulator gets one technology mapping per capacity, so each
    capacity is timed with exactly its own technologies (not every
    technology of every capacity: that made kernels x capacities² rows).
    """
    from simulator.gpu import simulate_gpu
    from simulator.gpu.chip import load_chip

    first = points[0]
    for p in points[1:]:
        if (p["chip"], p["overrides"], p["workload"], p["mode"]) != (
                first["chip"], first["overrides"], first["workload"], first["mode"]):
            raise ValueError("gpu_counts_compute: points of one task must share chip, workload and mode")
    chip = load_chip(first["chip"], overrides=first["overrides"])
    caps = sorted({float(p["l2_MB"]) for p in points})
    tech = None
    if any(p["tech"] is not None for p in points):
        # one mapping per capacity: each capacity is timed with exactly its own technologies' latencies
        per_cap: dict[float, dict] = {}
        for p in points:
            if p["tech"] is not None:
                per_cap.setdefault(float(p["l2_MB"]), {})[p["technology"]] = p["tech"]
        tech = [per_cap.get(c) for c in caps]
    # progress=True: a per-chunk bar on a terminal (off when not a TTY or under NVMSIM_NO_PROGRESS)
    res = simulate_gpu(_chunks(first["workload"], chip), chip, l2_MB=caps, tech=tech, mode=first["mode"],
                       progress=True)
    totals = res.totals.copy()
    totals["_cap"] = totals["l2_MB"].astype(float).round(6)
    out = []
    for p in points:
        cap = float(p["l2_MB"])
        sel = totals["_cap"] == round(cap, 6)
        if p["tech"] is not None:
            sel &= totals["technology"].astype(str) == p["technology"]
        rows = totals.loc[sel].drop(columns=["_cap"]).head(1).copy()
        if p["tech"] is None and "technology" in rows.columns:
            rows = rows.drop(columns=["technology"])  # capacity-only counts: crossed with every technology later
        wl = p["workload"]
        rows.insert(0, "network", wl["network"])
        rows.insert(1, "dataset", wl["dataset"] or "")
        rows.insert(2, "phase", wl["phase"])
        rows.insert(3, "batch", int(wl["batch"]))
        rows.insert(4, "chip", p["chip"])
        rows["mode"] = p["mode"]
        out.append(rows.reset_index(drop=True))
    return out


def _group(point: dict):
    # fast mode: one trace pass per workload feeds every capacity; timed: one per (workload, capacity)
    g = {k: point[k] for k in ("chip", "overrides", "workload", "mode")}
    if point["mode"] == "timed":
        g["l2_MB"] = point["l2_MB"]
    return g


def _fine_group(point: dict):
    # with more workers than workloads: one task per (workload, capacity), all technologies together
    return {**_group(point), "l2_MB": point["l2_MB"]}


def simulate_counts(
    workloads: Sequence[dict],
    l2_MB: Sequence[float],
    *,
    chip: str = DEFAULT_CHIP,
    overrides: dict | None = None,
    mode: str = "fast",
    tech: pd.DataFrame | None = None,
    store: str | Path | None = None,
    workers: int = 1,
    scheduler=None,
    compute=gpu_counts_compute,
    desc: str = "simulate",
) -> pd.DataFrame:
    """GPU counts and cycles for every workload × capacity × technology, as a tidy DataFrame.

    ``tech`` (the per-technology table) gives each technology's latencies at
    each capacity; they are part of each point (and of its key). Without it
    (fast mode only) counts are per capacity, with the chip's own L2 timing.
    """
    _check_mode(mode)
    caps = [float(c) for c in l2_MB]
    if not caps or min(caps) <= 0:
        raise ConfigError("l2_MB", f"capacities must be positive, got {list(l2_MB)}")
    if tech is None and mode == "timed":
        raise ConfigError("mode", "timed mode needs the technology table (its latencies drive the timing)")
    points = []
    for wl in workloads:
        for cap in caps:
            base = {"study": "gpu_counts", "chip": chip, "overrides": overrides, "workload": wl, "mode": mode,
                    "l2_MB": cap}
            if tech is None:
                points.append({**base, "technology": None, "tech": None})
                continue
            rows = tech[np.isclose(tech["capacity_MB"].astype(float), cap)]
            if not len(rows):
                raise ConfigError("tech", f"no technology entry at {cap:g} MB")
            for _, r in rows.iterrows():
                lat = {"read_latency_ns": float(r["read_latency_ns"]), "write_latency_ns": float(r["write_latency_ns"])}
                points.append({**base, "technology": str(r["technology"]), "tech": lat})
    return run_grid(points, compute, store=store, workers=workers, scheduler=scheduler, group=_group,
                    fine_group=_fine_group, desc=desc)


# --------------------------------------------------------------------------------------------------------------
# Technology table and energy
# --------------------------------------------------------------------------------------------------------------

def technology_table(cells: Sequence[str], capacities_MB: Sequence[float], node_nm: float = 16) -> pd.DataFrame:
    """The circuit model's per-technology table for these cells and capacities."""
    from models.tables import tech_table

    caps = sorted({float(c) for c in capacities_MB})
    return tech_table(cells=list(cells), capacities_MB=caps, node_nm=node_nm)


def _dram(chip: str, dram):
    """The DRAM energy/latency: as named, else the chip preset's DRAM type and latency."""
    if dram is not None:
        return dram_spec(dram)
    try:
        from simulator.gpu.chip import load_chip

        c = load_chip(chip)
    except (ImportError, ConfigError):
        return dram_for_chip(chip)
    return replace(dram_spec(c.dram.type), latency_ns=float(c.dram.latency_ns))


def with_energy(counts: pd.DataFrame, tech: pd.DataFrame, *, chip: str = DEFAULT_CHIP, dram=None,
                time_basis: str = "paper", l2_clock_MHz: float | None = None) -> pd.DataFrame:
    """Counts × technology table → energy, delay, EDP, plus the derived columns every study shows."""
    clock = l2_clock_MHz or _l2_clock(chip)
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


def _l2_clock(chip: str) -> float:
    """L2 clock of a chip preset in MHz (the paper converts latencies to cycles of this clock)."""
    try:
        from simulator.gpu.chip import load_chip
    except ImportError:  # pragma: no cover - simulator not installed: Table IV's GTX 1080 Ti L2 clock
        return 1481.0
    return float(load_chip(chip).clocks.l2_MHz)


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

def _study_counts_and_tech(workloads, caps, *, cells, chip, overrides, mode, node_nm, store, workers, scheduler,
                           compute, tech, desc):
    if tech is None:
        tech = technology_table(cells, caps, node_nm)
    tech = tech[tech["technology"].astype(str).isin(list(cells))]
    counts = simulate_counts(workloads, caps, chip=chip, overrides=overrides, mode=mode, tech=tech, store=store,
                             workers=workers, scheduler=scheduler, compute=compute, desc=desc)
    return counts, tech


def sweep_l2(
    network: str = "alexnet",
    phase: str = "inference",
    batch: int = 4,
    *,
    chip: str = DEFAULT_CHIP,
    l2_MB: Sequence[float] = DEFAULT_L2_MB,
    cells: Sequence[str] = DEFAULT_TECH,
    mode: str = "fast",
    dataset: str | None = None,
    node_nm: float = 16,
    dram=None,
    time_basis: str = "paper",
    overrides: dict | None = None,
    store: str | Path | None = None,
    workers: int = 1,
    scheduler=None,
    from_profile: str | Path | None = None,
    workloads: Sequence[dict] | None = None,
    tech: pd.DataFrame | None = None,
    compute=gpu_counts_compute,
) -> pd.DataFrame:
    """The headline study: one workload on a chip, L2 capacity swept, DRAM-access reduction and energy.

    Returns one row per (network, phase, batch, technology, l2_MB) with
    ``dram_reads, dram_writes, dram_accesses, dram_reduction_pct`` (against
    the smallest capacity), ``l2_reads, l2_writes, l2_hit_rate, cycles``,
    energies (nJ), delays (ns), EDPs (J·s) and the simulation ``mode``.
    ``from_profile`` takes measured counts (Nsight Compute / nvprof CSV)
    instead of simulating; they describe the measured card, so only the
    first capacity of ``l2_MB`` is used.
    """
    _check_mode(mode)
    if from_profile is not None:
        caps = [float(l2_MB[0])]
        if tech is None:
            tech = technology_table(cells, caps, node_nm)
        counts = profile_counts(from_profile, l2_MB=caps[0], network=network, phase=phase, batch=batch, chip=chip)
    else:
        wls = list(workloads) if workloads is not None else [workload(network, phase, batch, dataset)]
        counts, tech = _study_counts_and_tech(wls, l2_MB, cells=cells, chip=chip, overrides=overrides, mode=mode,
                                              node_nm=node_nm, store=store, workers=workers, scheduler=scheduler,
                                              compute=compute, tech=tech, desc="sweep-l2")
    tech = tech[tech["technology"].astype(str).isin(list(cells))]
    df = with_energy(counts, tech, chip=chip, dram=dram, time_basis=time_basis)
    return _tidy(_reduction(df))


def profile_counts(path, *, l2_MB: float, network: str = "profile", phase: str = "inference", batch: int = 1,
                   chip: str = DEFAULT_CHIP) -> pd.DataFrame:
    """Measured per-kernel counts (ncu or nvprof CSV) summed into one counts row, the paper's §III-C path.

    L2 transactions are the profiler's 32 B sectors; DRAM reads/writes are
    its DRAM sectors. Kernel-level NaNs (metric absent) make the total NaN
    only if the metric is absent for every kernel.
    """
    import traces
    from models.errors import FileFormatError

    path = Path(path)
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
    tot = {c: (float(per_kernel[c].sum()) if per_kernel[c].notna().any() else np.nan) for c in cols}
    if np.isnan(tot["l2_read_sectors"]) or np.isnan(tot["l2_write_sectors"]):
        raise FileFormatError(path, "the export has no L2 read/write sector counts")
    row = {"network": network, "dataset": "", "phase": phase, "batch": int(batch), "chip": chip,
           "l2_MB": float(l2_MB), "l2_reads": tot["l2_read_sectors"], "l2_writes": tot["l2_write_sectors"],
           "dram_reads": np.nan_to_num(tot["dram_read_sectors"]),
           "dram_writes": np.nan_to_num(tot["dram_write_sectors"]),
           "dram_read_sectors": np.nan_to_num(tot["dram_read_sectors"]),
           "dram_write_sectors": np.nan_to_num(tot["dram_write_sectors"]),
           "kernels": int(len(per_kernel)), "mode": "profile"}
    return pd.DataFrame([row])


def _paper_workloads(networks, phases, dataset=None) -> list[dict]:
    return [workload(n, ph, b, dataset) for n in networks for ph, b in phases]


def _energy_study(workloads, caps, *, cells, chip, overrides, mode, node_nm, dram, time_basis, store, workers,
                  scheduler, compute, tech, desc) -> pd.DataFrame:
    counts, tech = _study_counts_and_tech(workloads, caps, cells=cells, chip=chip, overrides=overrides, mode=mode,
                                          node_nm=node_nm, store=store, workers=workers, scheduler=scheduler,
                                          compute=compute, tech=tech, desc=desc)
    tech = tech[tech["technology"].astype(str).isin(list(cells))]
    return with_energy(counts, tech, chip=chip, dram=dram, time_basis=time_basis)


NORM_COLUMNS = ["l2_dynamic_nJ", "l2_leakage_nJ", "l2_energy_nJ", "total_energy_nJ", "delay_l2_ns", "delay_paper_ns",
                "edp_l2_Js", "edp_Js", "dram_accesses"]


def iso_capacity(
    networks: Sequence[str] = PAPER_NETWORKS,
    phases: Sequence[tuple[str, int]] = PAPER_PHASES,
    *,
    capacity_MB: float = 3.0,
    cells: Sequence[str] = DEFAULT_TECH,
    chip: str = DEFAULT_CHIP,
    mode: str = "fast",
    node_nm: float = 16,
    dram=None,
    time_basis: str = "paper",
    overrides: dict | None = None,
    store=None,
    workers: int = 1,
    scheduler=None,
    workloads: Sequence[dict] | None = None,
    tech: pd.DataFrame | None = None,
    compute=gpu_counts_compute,
) -> pd.DataFrame:
    """Fig. 3–4: every technology at one capacity; energies, delay and EDP normalised to SRAM (``*_norm``)."""
    wls = list(workloads) if workloads is not None else _paper_workloads(networks, phases)
    df = _energy_study(wls, [capacity_MB], cells=cells, chip=chip, overrides=overrides, mode=mode, node_nm=node_nm,
                       dram=dram, time_basis=time_basis, store=store, workers=workers, scheduler=scheduler,
                       compute=compute, tech=tech, desc="iso-capacity")
    df = normalise(df, NORM_COLUMNS, by=WORKLOAD_KEYS, baseline={"technology": cells[0]})
    df["study"] = "iso_capacity"
    return _tidy(df)


def batch_size(
    network: str = "alexnet",
    batches: Sequence[int] = (1, 2, 4, 8, 16, 32, 64, 128, 256),
    phases: Sequence[str] = PHASES,
    **kwargs,
) -> pd.DataFrame:
    """Fig. 5: iso-capacity EDP of one network across batch sizes, for training and inference."""
    dataset = kwargs.pop("dataset", None)
    wls = [workload(network, ph, b, dataset) for ph in phases for b in batches]
    df = iso_capacity(workloads=wls, **kwargs)
    df["study"] = "batch_size"
    return df


def iso_area_capacities(cells: Sequence[str] = ("stt", "sot"), reference: str = "sram",
                        reference_MB: float = 3.0, node_nm: float = 16) -> dict[str, float]:
    """Capacity (MB) of each cell that fits the reference cache's area, from the circuit model's solver."""
    from models.tables import iso_area

    res = iso_area(reference=reference, reference_MB=reference_MB, cells=list(cells), node_nm=node_nm)
    if isinstance(res, dict):
        return {str(k): float(v) for k, v in res.items()}
    if isinstance(res, pd.DataFrame):
        # whole MB at or below the fitting capacity, as the paper reports (7 MB STT, 10 MB SOT)
        cap_col = next(c for c in ("capacity_MB_rounded", "capacity_MB") if c in res.columns)
        want = {str(c) for c in cells}
        return {str(t): float(c) for t, c in zip(res["technology"], res[cap_col], strict=True) if str(t) in want}
    raise TypeError(f"unexpected iso_area result {type(res).__name__}")


def iso_area(
    networks: Sequence[str] = PAPER_NETWORKS,
    phases: Sequence[tuple[str, int]] = PAPER_PHASES,
    *,
    reference: str = "sram",
    reference_MB: float = 3.0,
    capacities: dict[str, float] | None = None,
    cells: Sequence[str] = ("stt", "sot"),
    chip: str = DEFAULT_CHIP,
    mode: str = "fast",
    node_nm: float = 16,
    dram=None,
    time_basis: str = "paper",
    overrides: dict | None = None,
    store=None,
    workers: int = 1,
    scheduler=None,
    workloads: Sequence[dict] | None = None,
    tech: pd.DataFrame | None = None,
    compute=gpu_counts_compute,
) -> pd.DataFrame:
    """Fig. 6–8: each MRAM at the capacity that fits the reference SRAM's area, against that SRAM.

    Rows: one per workload × technology (the reference included) at its
    iso-area capacity, with ``*_norm`` against the reference and
    ``dram_reduction_pct`` of DRAM accesses against the reference capacity.
    """
    caps = dict(capacities) if capacities is not None else iso_area_capacities(cells, reference, reference_MB,
                                                                                 node_nm)
    caps = {reference: float(reference_MB), **{c: float(caps[c]) for c in cells}}
    wls = list(workloads) if workloads is not None else _paper_workloads(networks, phases)
    allcells = list(caps)
    if tech is None:
        tech = pd.concat([technology_table([t], [cap], node_nm) for t, cap in caps.items()], ignore_index=True)
    keep = [np.isclose(float(c), caps.get(str(t), -1.0))
            for t, c in zip(tech["technology"], tech["capacity_MB"], strict=True)]
    pair = tech[keep]
    pair = pair[pair["technology"].astype(str).isin(allcells)]
    counts = simulate_counts(wls, sorted(set(caps.values())), chip=chip, overrides=overrides, mode=mode, tech=pair,
                             store=store, workers=workers, scheduler=scheduler, compute=compute, desc="iso-area")
    df = with_energy(counts, pair, chip=chip, dram=dram, time_basis=time_basis)
    df = normalise(df, NORM_COLUMNS, by=WORKLOAD_KEYS, baseline={"technology": reference})
    df["dram_reduction_pct"] = 100.0 * (1.0 - df["dram_accesses_norm"])
    df["study"] = "iso_area"
    return _tidy(df)


def scalability(
    networks: Sequence[str] = PAPER_NETWORKS,
    phases: Sequence[tuple[str, int]] = PAPER_PHASES,
    *,
    capacities_MB: Sequence[float] = (1, 2, 4, 8, 16, 32),
    cells: Sequence[str] = DEFAULT_TECH,
    chip: str = DEFAULT_CHIP,
    mode: str = "fast",
    node_nm: float = 16,
    dram=None,
    time_basis: str = "paper",
    overrides: dict | None = None,
    store=None,
    workers: int = 1,
    scheduler=None,
    workloads: Sequence[dict] | None = None,
    tech: pd.DataFrame | None = None,
    compute=gpu_counts_compute,
) -> pd.DataFrame:
    """Fig. 10: per workload, each technology normalised to SRAM at the same capacity (``*_norm`` columns).

    Use :func:`scalability_summary` for the mean and standard deviation
    across workloads that the figure plots.
    """
    wls = list(workloads) if workloads is not None else _paper_workloads(networks, phases)
    if tech is None:  # the table is computed here, so it can follow the capacities the chip can build
        capacities_MB = [buildable_MB(chip, c, overrides) for c in capacities_MB]
    df = _energy_study(wls, capacities_MB, cells=cells, chip=chip, overrides=overrides, mode=mode, node_nm=node_nm,
                       dram=dram, time_basis=time_basis, store=store, workers=workers, scheduler=scheduler,
                       compute=compute, tech=tech, desc="scalability")
    df = normalise(df, NORM_COLUMNS, by=WORKLOAD_KEYS + ["l2_MB"], baseline={"technology": cells[0]})
    df["study"] = "scalability"
    return _tidy(df)


def buildable_MB(chip: str, l2_MB: float, overrides: dict | None = None) -> float:
    """The capacity nearest ``l2_MB`` that the chip's slices × ways × lines can build (whole sets per slice).

    On ``gtx1080ti-deepnvm`` (24 slices × 16 ways × 128 B) 1 MB is not a whole number of sets (21.3); the
    nearest is 21 sets = 0.984 MB. Capacities already buildable are returned unchanged.
    """
    try:
        from simulator.gpu.chip import load_chip

        l2 = load_chip(chip, overrides=overrides).l2
    except ImportError:  # pragma: no cover - simulator absent
        return float(l2_MB)
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
