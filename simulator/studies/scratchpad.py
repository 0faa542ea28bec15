"""Scratchpad studies of the systolic training accelerator: SRAM vs MRAM at iso-capacity and iso-area.

The studies of the scratchpad seed paper (§V-C, Fig. 9-13): for each network,
technology and total scratchpad capacity (iso-capacity) or area budget
(iso-area), one training step of batch 512 is counted once per set of buffer
capacities and then costed with each technology's table row at the buffer's
capacity. ``improvement`` is the baseline (SRAM) energy divided by this
technology's energy at the same capacity or area.

Technologies (a table, per-buffer and heterogeneous names) are resolved by
:mod:`simulator.studies.scratchpad_tech`; plots are in
:mod:`~simulator.studies.scratchpad_plots` and the reproduction report in
:mod:`~simulator.studies.scratchpad_report`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from models.errors import ConfigError
from models.tech_row import TechRow
from simulator.progress import progress
from simulator.studies.scratchpad_tech import TableLike, buffer_techs, capacity_for_area, per_buffer
from simulator.systolic.accelerator import (
    AcceleratorConfig,
    evaluate,
    load_accelerator,
    per_layer,
    simulate_counts,
    step_accesses,
)
from simulator.systolic.array import gemm_cycles, gemm_folds, operand_accesses
from simulator.systolic.scratchpad import BUFFERS
from workloads import zoo

DEFAULT_NETWORKS = (("vgg16", "cifar100"), ("alexnet", "cifar10"), ("alexnet", "cifar100"),
                    ("resnet18", "cifar10"), ("resnet18", "cifar100"), ("resnet34", "cifar10"),
                    ("resnet34", "cifar100"))
#: Total scratchpad capacities of the iso-capacity study (the paper sweeps its arrays 32 KB-512 MB).
DEFAULT_CAPACITIES_MB = (0.5, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512)
#: Area budgets of the iso-area study (paper Fig. 8: 0.5 to 187 mm^2).
DEFAULT_AREAS_MM2 = (0.5, 1, 2, 4, 8, 16, 32, 48.1, 64, 128, 187)
DEFAULT_TECHNOLOGIES = ("sram28", "stt28")
SCENARIOS = ("iso_capacity", "iso_area")



# ---------------------------------------------------------------------------------------------------------------
# Networks


def network_ops(net, batch: int = 512):
    """``(label, dataset, ops)`` for ``("vgg16", "cifar100")`` (from the zoo) or ``(label, dataset, ops)``."""
    if isinstance(net, str):
        if ":" in net:
            name, dataset = net.split(":", 1)
        else:
            name, dataset = net, None
        net = (name, dataset)
    if len(net) == 3:
        label, dataset, ops = net
        return str(label), str(dataset), list(ops() if callable(ops) else ops)
    if len(net) != 2:
        raise ConfigError("networks", f"each network must be (name, dataset), got {net!r}")
    name, dataset = net

    model = zoo.get(name, dataset=dataset) if dataset else zoo.get(name)
    return str(name), str(dataset), list(model.ops(phase="training", batch=batch))


# ---------------------------------------------------------------------------------------------------------------
# The study


def _check_mode(mode: str) -> str:
    m = mode.replace("-", "_")
    if m not in SCENARIOS:
        raise ConfigError("mode", f"must be one of {', '.join(SCENARIOS)}, got {mode!r}")
    return m


def _shares(cfg: AcceleratorConfig) -> tuple[float, float, float]:
    s = sum(cfg.split)
    return tuple(x / s for x in cfg.split)


def scratchpad_study(
    networks: Sequence = (("vgg16", "cifar100"),),
    mode: str = "iso_capacity",
    capacities_MB: Sequence[float] | None = None,
    areas_mm2: Sequence[float] | None = None,
    technologies: Sequence[str] = DEFAULT_TECHNOLOGIES,
    batch: int = 512,
    table: TableLike = None,
    accelerator: AcceleratorConfig | str = "systolic-256",
    baseline: str | None = None,
    area_capacity: Callable[[str, float], float] | None = None,
    layers: bool = False,
):
    """Energy of one training step for each network × technology × capacity (or area budget).

    Parameters
    ----------
    networks : sequence
        ``(name, dataset)`` pairs from the zoo, ``"name:dataset"`` strings, or
        ``(label, dataset, ops)`` with a hand-built op list.
    mode : {"iso_capacity", "iso_area"}
        Same total capacity for every technology, or same total area budget (each
        technology's capacity from the circuit model / table).
    capacities_MB, areas_mm2 : sequence of float
        Total scratchpad capacities (MB) or total area budgets (mm²), split over the
        activation / weight / error buffers by the accelerator's ``split``.
    technologies : sequence of str or Cell
        Table technology names (and ``hetero:A+B``; ``stt28_low_v`` / ``stt28_low_dur`` are the MTJ model's
        low-cost-write cells), or :class:`models.cells.Cell` objects; the first ``sram*`` one is the baseline.
    batch : int
        Mini-batch size (paper: 512).
    table : DataFrame, callable or None
        The per-technology table (see module docstring). ``None``: the circuit model.
    accelerator : AcceleratorConfig or preset name
    baseline : str, optional
        Technology the ``improvement`` column divides (default: first name starting with ``sram``,
        else the first technology).
    area_capacity : callable, optional
        ``(technology, buffer_area_mm2) -> buffer capacity MB`` for iso-area.
    layers : bool
        Also return the per-layer table (then the result is ``(totals, per_layer)``).

    Returns
    -------
    DataFrame (or a pair of DataFrames with ``layers=True``)
        One row per (network, dataset, technology, capacity or area) with ``capacity_MB``,
        ``area_mm2``, counts (``dram_accesses``, ``dram_bytes``, on-chip reads/writes,
        ``cycles``), ``energy_{dram,read,write,leakage,compute,total}_J`` and ``improvement``.
    """
    mode = _check_mode(mode)
    cfg = load_accelerator(accelerator) if isinstance(accelerator, str) else accelerator
    specs = {t.name: t for t in technologies if not isinstance(t, str)}
    techs = [t if isinstance(t, str) else t.name for t in technologies]
    if not techs:
        raise ConfigError("technologies", "must not be empty")
    if batch <= 0:
        raise ConfigError("batch", f"must be positive, got {batch}")
    base = baseline or next((t for t in techs if t.lower().startswith("sram")), techs[0])
    if base not in techs:
        raise ConfigError("baseline", f"{base!r} is not one of the technologies {techs}")
    shares = _shares(cfg)

    # 1. points: (tech, x, buffer capacities)
    if mode == "iso_capacity":
        xs = list(capacities_MB if capacities_MB is not None else DEFAULT_CAPACITIES_MB)
        for c in xs:
            if not c > 0:
                raise ConfigError("capacities_MB", f"must be positive, got {c}")
        points = [(t, x, tuple(x * s for s in shares)) for x in xs for t in techs]
    else:
        xs = list(areas_mm2 if areas_mm2 is not None else DEFAULT_AREAS_MM2)
        for a in xs:
            if not a > 0:
                raise ConfigError("areas_mm2", f"must be positive, got {a}")
        points = []
        memo: dict = {}

        def cap_of(t, a):
            if (t, a) not in memo:
                memo[(t, a)] = (capacity_for_area(t, a, table, area_capacity, cfg.access_width_B, specs)
                                if a > 0 else 0.0)
            return memo[(t, a)]

        for x in xs:
            for t in techs:
                points.append((t, x, tuple(cap_of(b, x * s) for b, s in zip(per_buffer(t), shares, strict=True))))

    # 2. technology rows at every buffer capacity needed
    need = [(b, c) for t, _, caps in points for b, c in zip(per_buffer(t), caps, strict=True) if c > 0]
    rows = buffer_techs(sorted({b for b, _ in need}), need, table, cfg.access_width_B, specs)

    def tech_rows(t, caps):
        return tuple(rows[(b, float(c))] if c > 0 else TechRow.empty(b)
                     for b, c in zip(per_buffer(t), caps, strict=True))

    out = []
    layer_tables = []
    nets = list(networks)
    for net in progress(nets, total=len(nets), desc="scratchpad networks"):
        label, dataset, ops = network_ops(net, batch)
        accs = step_accesses(ops, cfg)
        counts_cache: dict = {}
        for t, x, caps in points:
            key = tuple(round(c, 9) for c in caps)
            if key not in counts_cache:
                counts_cache[key] = simulate_counts(ops, cfg, buffer_MB=caps, accesses=accs)
            tr = tech_rows(t, caps)
            res = evaluate(counts_cache[key], cfg, tr)
            row = {
                "network": label, "dataset": dataset, "technology": t, "mode": mode,
                "area_budget_mm2": x if mode == "iso_area" else np.nan,
                "capacity_MB": float(sum(caps)) if mode == "iso_area" else float(x),
                "area_mm2": float(sum(b.area_mm2 for b in tr)),
                **{f"{b}_MB": float(c) for b, c in zip(BUFFERS, caps, strict=True)},
                "leakage_mW": float(sum(b.leakage_mW for b in tr)),
                "batch": batch,
            }
            row.update(res.totals())
            out.append(row)
            if layers:
                lt = per_layer(res.per_op)
                lt.insert(0, "capacity_MB", row["capacity_MB"])
                lt.insert(0, "technology", t)
                lt.insert(0, "dataset", dataset)
                lt.insert(0, "network", label)
                if mode == "iso_area":
                    lt.insert(4, "area_budget_mm2", x)
                layer_tables.append(lt)
    df = pd.DataFrame(out)
    xcol = "capacity_MB" if mode == "iso_capacity" else "area_budget_mm2"
    ref = df[df["technology"] == base].set_index(["network", "dataset", xcol])["energy_total_J"]
    idx = pd.MultiIndex.from_frame(df[["network", "dataset", xcol]])
    df["improvement"] = ref.reindex(idx).to_numpy() / df["energy_total_J"].to_numpy()
    df["baseline"] = base
    if mode == "iso_capacity":
        df = df.drop(columns="area_budget_mm2")
    if layers:
        return df, (pd.concat(layer_tables, ignore_index=True) if layer_tables else pd.DataFrame())
    return df


# ---------------------------------------------------------------------------------------------------------------
# Small API functions behind the CLI verbs


def gemm_table(M: int, N: int, K: int, rows: int = 256, cols: int = 256, dataflow: str = "os") -> pd.DataFrame:
    """Cycles (with and without fold overlap), folds and operand accesses of one GEMM, as a one-row table."""

    for name, v in (("M", M), ("N", N), ("K", K)):
        if not isinstance(v, (int, np.integer)) or v <= 0:
            raise ConfigError(name, f"must be a positive integer, got {v!r}")
    acc = operand_accesses(M, N, K, rows, cols, dataflow)
    cyc = gemm_cycles(M, N, K, rows, cols, dataflow)
    macs = M * N * K
    return pd.DataFrame([{
        "M": M, "N": N, "K": K, "rows": rows, "cols": cols, "dataflow": dataflow,
        "folds": int(gemm_folds(M, N, K, rows, cols, dataflow)), "cycles": int(cyc),
        "cycles_overlap": int(gemm_cycles(M, N, K, rows, cols, dataflow, overlap=True)),
        "macs": macs, "utilization": macs / (cyc * rows * cols),
        "a_reads": int(acc.a_reads), "b_reads": int(acc.b_reads), "c_writes": int(acc.c_writes),
        "c_reads": int(acc.c_reads),
    }])


def layer_study(network, capacity_MB: float = 24.0, technology: str = "sram28", batch: int = 512,
                table: TableLike = None, accelerator: AcceleratorConfig | str = "systolic-256") -> pd.DataFrame:
    """Per-layer counts and energy of one training step at one total capacity and technology."""
    _, lay = scratchpad_study([network], "iso_capacity", capacities_MB=[capacity_MB], technologies=[technology],
                              batch=batch, table=table, accelerator=accelerator, layers=True)
    return lay
