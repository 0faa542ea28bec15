"""Scratchpad studies of the systolic training accelerator: SRAM vs MRAM at iso-capacity and iso-area.

The studies of the scratchpad seed paper (§V-C, Fig. 9-13): for each network,
technology and total scratchpad capacity (iso-capacity) or area budget
(iso-area), one training step of batch 512 is counted once per set of buffer
capacities and then costed with each technology's table row at the buffer's
capacity. ``improvement`` is the baseline (SRAM) energy divided by this
technology's energy at the same capacity or area.

Technology tables are injectable: pass ``table=`` a DataFrame with columns
``technology, capacity_MB, read_latency_ns, write_latency_ns, read_energy_nJ,
write_energy_nJ, leakage_mW, area_mm2`` (values at other capacities are
interpolated log-log between its rows; iso-area capacities come from inverting
its area column), or a callable ``table(cells, capacities_MB) -> DataFrame``.
By default the circuit model's ``models.tables(..., node_nm=28, mode="ram")``
is called and iso-area capacities come from ``models.area_budget_capacity``.

Per-buffer technologies: ``"sram28/stt28/sram28"`` puts the activation, weight and error buffers in those
technologies (at iso-area each buffer's capacity comes from its own technology).

Heterogeneous words (seed §V-D): a technology named ``hetero:A+B`` stores the
sign and exponent bits of each fp32 word (9 of 32) in an array of technology
``A`` and the mantissa (23 of 32) in one of technology ``B``. Its per-access
energies, leakage and area are the bit-share-weighted mix of ``A`` and ``B`` at
the buffer's capacity, and its latencies the slower of the two (both arrays are
accessed together). The mix weights the two arrays' full-capacity rows, an
approximation of two arrays of 9/32 and 23/32 of the capacity.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from models.errors import ConfigError
from models.tech_row import COST_FIELDS, TECH_COLUMNS, TechRow, capacity_key
from simulator.progress import progress
from simulator.systolic.accelerator import (
    AcceleratorConfig,
    evaluate,
    load_accelerator,
    per_layer,
    simulate_counts,
    step_accesses,
)
from simulator.systolic.scratchpad import BUFFERS

DEFAULT_NETWORKS = (("vgg16", "cifar100"), ("alexnet", "cifar10"), ("alexnet", "cifar100"),
                    ("resnet18", "cifar10"), ("resnet18", "cifar100"), ("resnet34", "cifar10"),
                    ("resnet34", "cifar100"))
#: Total scratchpad capacities of the iso-capacity study (the paper sweeps its arrays 32 KB-512 MB).
DEFAULT_CAPACITIES_MB = (0.5, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512)
#: Area budgets of the iso-area study (paper Fig. 8: 0.5 to 187 mm^2).
DEFAULT_AREAS_MM2 = (0.5, 1, 2, 4, 8, 16, 32, 48.1, 64, 128, 187)
DEFAULT_TECHNOLOGIES = ("sram28", "stt28")
NODE_NM = 28
MODES = ("iso_capacity", "iso_area")
HETERO_PREFIX = "hetero:"
SIGN_EXP_BITS = 9   # IEEE-754 fp32: 1 sign + 8 exponent bits
WORD_BITS = 32


TableLike = pd.DataFrame | Callable[[Sequence[str], Sequence[float]], pd.DataFrame] | None


# ---------------------------------------------------------------------------------------------------------------
# Technology rows


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


def base_cells(technologies: Sequence[str]) -> list[str]:
    """The table technologies needed for a list of (possibly heterogeneous) technology names."""
    out: list[str] = []
    for tech in technologies:
        for t in per_buffer(tech):
            parts = _hetero_parts(t)
            for c in (parts if parts else (t,)):
                if c not in out:
                    out.append(c)
    return out


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
            from models.cells import shipped_cells

            if name in shipped_cells():
                return name
            from models.mtj.lowcost import lowcost_cells

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
        from models import tech_table

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
        from models import area_budget_capacity

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
    from workloads import zoo

    model = zoo.get(name, dataset=dataset) if dataset else zoo.get(name)
    return str(name), str(dataset), list(model.ops(phase="training", batch=batch))


# ---------------------------------------------------------------------------------------------------------------
# The study


def _check_mode(mode: str) -> str:
    m = mode.replace("-", "_")
    if m not in MODES:
        raise ConfigError("mode", f"must be one of {', '.join(MODES)}, got {mode!r}")
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
# Plots (Fig. 9/11 breakdowns, Fig. 10/13 improvement curves, Fig. 12 component ratios)

COMPONENTS = ("energy_dram_J", "energy_read_J", "energy_write_J", "energy_leakage_J", "energy_compute_J")
COMPONENT_LABELS = {"energy_dram_J": "DRAM", "energy_read_J": "on-chip read", "energy_write_J": "on-chip write",
                    "energy_leakage_J": "leakage", "energy_compute_J": "compute"}


def _xcol(df: pd.DataFrame) -> str:
    return "area_budget_mm2" if "area_budget_mm2" in df.columns else "capacity_MB"


def plot_breakdown(df: pd.DataFrame, network: str, dataset: str):
    """Stacked energy breakdown (fractions) per capacity/area for each technology (paper Fig. 9 / 11)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sub = df[(df["network"] == network) & (df["dataset"] == dataset)]
    techs = list(dict.fromkeys(sub["technology"]))
    xcol = _xcol(df)
    fig, axes = plt.subplots(1, len(techs), figsize=(5 * len(techs), 4), sharey=True, squeeze=False)
    for ax, t in zip(axes[0], techs, strict=True):
        s = sub[sub["technology"] == t].sort_values(xcol)
        tot = s["energy_total_J"].to_numpy()
        bottom = np.zeros(len(s))
        pos = np.arange(len(s))
        for c in COMPONENTS:
            frac = s[c].to_numpy() / tot
            ax.bar(pos, frac, bottom=bottom, label=COMPONENT_LABELS[c])
            bottom += frac
        ax.set_xticks(pos, [f"{v:g}" for v in s[xcol]], rotation=60)
        ax.set_xlabel("area budget (mm²)" if xcol == "area_budget_mm2" else "total capacity (MB)")
        ax.set_title(f"{t}")
    axes[0][0].set_ylabel("fraction of step energy")
    axes[0][-1].legend(fontsize=8)
    fig.suptitle(f"{network} / {dataset}: energy breakdown")
    return fig


def plot_improvement(df: pd.DataFrame):
    """Improvement (baseline energy / technology energy) vs capacity or area per network (Fig. 10 / 13)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    xcol = _xcol(df)
    fig, ax = plt.subplots(figsize=(6.5, 4))
    base = df["baseline"].iloc[0] if len(df) else None
    for (net, ds, t), s in df[df["technology"] != base].groupby(["network", "dataset", "technology"], sort=False):
        s = s.sort_values(xcol)
        ax.plot(s[xcol], s["improvement"], marker="o", label=f"{net}/{ds} {t}")
    ax.set_xscale("log")
    ax.set_xlabel("area budget (mm²)" if xcol == "area_budget_mm2" else "total capacity (MB)")
    ax.set_ylabel(f"energy improvement over {base} (×)")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=7)
    return fig


def component_ratios(df: pd.DataFrame, technology: str | None = None) -> pd.DataFrame:
    """Per-component ratio baseline / technology at each point (paper Fig. 12, SRAM over STT-MRAM)."""
    xcol = _xcol(df)
    base = df["baseline"].iloc[0]
    keys = ["network", "dataset", xcol]
    b = df[df["technology"] == base].set_index(keys)
    others = df[df["technology"] != base]
    if technology is not None:
        others = others[others["technology"] == technology]
    rows = []
    for _, r in others.iterrows():
        ref = b.loc[tuple(r[k] for k in keys)]
        row = {k: r[k] for k in keys}
        row["technology"] = r["technology"]
        for c in COMPONENTS + ("energy_total_J",):
            row[c.replace("energy_", "ratio_").replace("_J", "")] = (
                float(ref[c]) / float(r[c]) if float(r[c]) > 0 else np.nan)
        rows.append(row)
    return pd.DataFrame(rows)


def plot_component_ratios(df: pd.DataFrame, network: str, dataset: str):
    """Bars of baseline/technology energy per component across capacities or areas (paper Fig. 12)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    r = component_ratios(df)
    r = r[(r["network"] == network) & (r["dataset"] == dataset)]
    xcol = _xcol(df)
    cols = [c for c in r.columns if c.startswith("ratio_") and c != "ratio_total"]
    fig, ax = plt.subplots(figsize=(7, 4))
    xs = sorted(r[xcol].unique())
    width = 0.8 / max(1, len(cols))
    for k, c in enumerate(cols):
        vals = [r[r[xcol] == x][c].iloc[0] for x in xs]
        ax.bar(np.arange(len(xs)) + k * width, vals, width, label=c.replace("ratio_", ""))
    ax.set_xticks(np.arange(len(xs)) + 0.4 - width / 2, [f"{x:g}" for x in xs], rotation=60)
    ax.set_yscale("log")
    ax.axhline(1.0, color="k", lw=0.8)
    ax.set_ylabel("baseline / technology energy")
    ax.set_xlabel("area budget (mm²)" if xcol == "area_budget_mm2" else "total capacity (MB)")
    ax.legend(fontsize=8)
    ax.set_title(f"{network} / {dataset}: component ratios")
    return fig


def save_study_plots(df: pd.DataFrame, out_dir: str | Path, stem: str) -> list[Path]:
    """Write the improvement curve, a breakdown per network and the component ratios as PNGs."""
    from simulator.output import save_figure

    out_dir = Path(out_dir)
    paths = [save_figure(plot_improvement(df), out_dir / f"{stem}.png")]
    for (net, ds), _ in df.groupby(["network", "dataset"], sort=False):
        paths.append(save_figure(plot_breakdown(df, net, ds), out_dir / f"{stem}_breakdown_{net}_{ds}.png"))
        if len(df["technology"].unique()) > 1:
            paths.append(save_figure(plot_component_ratios(df, net, ds), out_dir / f"{stem}_ratios_{net}_{ds}.png"))
    return paths


# ---------------------------------------------------------------------------------------------------------------
# Reproduction report (nvmsim reproduce scratchpad)

#: The seed paper's headline numbers (abstract, §V-B Table II text, §V-C).
PAPER = {
    "iso_capacity_max_improvement": 15.0,   # VGG-16 / CIFAR-100, Fig. 9
    "iso_area_max_improvement": 22.0,       # abstract (23x in the contributions list)
    "iso_area_capacity_ratio": (2.8, 3.2),  # MRAM / SRAM capacity in the same area (Table II)
    "iso_area_leakage_ratio": (1.9, 4.4),   # SRAM / MRAM leakage in the same area (Table II)
}


def _vs(ours: float, paper: float) -> str:
    if not (np.isfinite(ours) and paper):
        return "n/a"
    return f"{ours / paper:.2f}× the paper's"


def _shares_text(df: pd.DataFrame, tech: str, x) -> str:
    xcol = _xcol(df)
    r = df[(df["technology"] == tech) & (df[xcol] == x)].iloc[0]
    parts = [f"{COMPONENT_LABELS[c]} {100 * r[c] / r['energy_total_J']:.0f}%" for c in COMPONENTS]
    return ", ".join(parts)


def _dominant(df: pd.DataFrame, tech: str, x) -> str:
    xcol = _xcol(df)
    r = df[(df["technology"] == tech) & (df[xcol] == x)].iloc[0]
    return COMPONENT_LABELS[max(COMPONENTS, key=lambda c: r[c])]


def reproduce_scratchpad(out_dir: str | Path, quick: bool = False, table: TableLike = None,
                         technologies: Sequence[str] = DEFAULT_TECHNOLOGIES,
                         area_capacity: Callable[[str, float], float] | None = None,
                         networks: Sequence | None = None, device: bool = True) -> str:
    """Run the iso-capacity and iso-area studies and return a Markdown report beside the paper's numbers.

    With ``device`` (the default) the report also carries the paper's device and algorithm halves: MTJ
    switching, write-error rates and low-cost writes (``simulator.studies.mtj.reproduce``, Fig. 5-8) and
    error-tolerant training with heterogeneous arrays (``simulator.studies.write_errors.reproduce``, Fig. 14-15).

    Writes ``REPORT.md`` (the returned text), ``scratchpad_iso_capacity.csv``, ``scratchpad_iso_area.csv``,
    per-layer tables and PNGs into ``out_dir``. ``quick`` runs VGG-16/CIFAR-100 only, on fewer points. No
    number is forced: the report states each of nvmsim's results next to the paper's and their ratio.
    """
    from simulator.output import write_table

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    nets = list(networks) if networks is not None else ([("vgg16", "cifar100")] if quick else list(DEFAULT_NETWORKS))
    caps = [0.5, 4, 32, 256, 512] if quick else list(DEFAULT_CAPACITIES_MB)
    areas = [0.5, 4, 48.1, 187] if quick else list(DEFAULT_AREAS_MM2)
    techs = list(technologies)
    cap_df, cap_layers = scratchpad_study(nets, "iso_capacity", capacities_MB=caps, technologies=techs,
                                          table=table, layers=True)
    area_df, area_layers = scratchpad_study(nets, "iso_area", areas_mm2=areas, technologies=techs, table=table,
                                            area_capacity=area_capacity, layers=True)
    write_table(cap_df, out_dir / "scratchpad_iso_capacity.csv")
    write_table(area_df, out_dir / "scratchpad_iso_area.csv")
    write_table(cap_layers, out_dir / "scratchpad_iso_capacity_layers.csv")
    write_table(area_layers, out_dir / "scratchpad_iso_area_layers.csv")
    save_study_plots(cap_df, out_dir, "scratchpad_iso_capacity")
    save_study_plots(area_df, out_dir, "scratchpad_iso_area")

    base = cap_df["baseline"].iloc[0]
    mram = next((t for t in techs if t != base), None)
    lines = ["# Scratchpad study: SRAM vs STT-MRAM scratchpads in a 256×256 OS systolic training accelerator", "",
             "Seed: Roy, Wang, Raghunathan, *Evaluation of STT-MRAM as a Scratchpad for Training in ML "
             "Accelerators* (§IV, §V-C, Fig. 9-13). One training step, batch 512, activation/weight/error buffers "
             "a third of the capacity each, DDR3 at 70 pJ/bit, sequential DRAM and on-chip work.", "",
             f"Technologies: {', '.join(techs)} (baseline {base}). Files in this folder: "
             "`scratchpad_iso_capacity.csv`, `scratchpad_iso_area.csv`, per-layer tables, PNG plots.", ""]
    if mram is None:
        lines.append("Only one technology was run: no improvement to report.")
        return _finish_report(out_dir, lines)

    head_net, head_ds = ("vgg16", "cifar100")
    if not ((cap_df["network"] == head_net) & (cap_df["dataset"] == head_ds)).any():
        head_net, head_ds = cap_df["network"].iloc[0], cap_df["dataset"].iloc[0]
    v = cap_df[(cap_df["network"] == head_net) & (cap_df["dataset"] == head_ds)]
    va = area_df[(area_df["network"] == head_net) & (area_df["dataset"] == head_ds)]
    vm, vam = v[v["technology"] == mram], va[va["technology"] == mram]
    best_cap = float(vm["improvement"].max())
    best_cap_at = float(vm.loc[vm["improvement"].idxmax(), "capacity_MB"])
    best_area = float(vam["improvement"].max())
    best_area_at = float(vam.loc[vam["improvement"].idxmax(), "area_budget_mm2"])
    b_area = va[va["technology"] == base].set_index("area_budget_mm2")
    m_area = vam.set_index("area_budget_mm2")
    cap_ratio = (m_area["capacity_MB"] / b_area["capacity_MB"]).dropna()
    leak_ratio = (b_area["leakage_mW"] / m_area["leakage_mW"]).dropna()
    small, large = min(caps), max(caps)
    comp_share = float((v["energy_compute_J"] / v["energy_total_J"]).max())

    lines += [f"## Headline numbers ({head_net} / {head_ds}; the paper's are for VGG-16 / CIFAR-100)", "",
              "| quantity | paper | nvmsim | nvmsim vs paper |", "|---|---|---|---|",
              f"| max energy improvement, iso-capacity | up to {PAPER['iso_capacity_max_improvement']:g}× | "
              f"{best_cap:.2f}× (at {best_cap_at:g} MB) | {_vs(best_cap, PAPER['iso_capacity_max_improvement'])} |",
              f"| max energy improvement, iso-area | up to {PAPER['iso_area_max_improvement']:g}× | "
              f"{best_area:.2f}× (at {best_area_at:g} mm²) | {_vs(best_area, PAPER['iso_area_max_improvement'])} |",
              f"| MRAM/SRAM capacity in the same area | {PAPER['iso_area_capacity_ratio'][0]}-"
              f"{PAPER['iso_area_capacity_ratio'][1]}× | {cap_ratio.min():.2f}-{cap_ratio.max():.2f}× | |",
              f"| SRAM/MRAM leakage in the same area | {PAPER['iso_area_leakage_ratio'][0]}-"
              f"{PAPER['iso_area_leakage_ratio'][1]}× | {leak_ratio.min():.2f}-{leak_ratio.max():.2f}× | |",
              f"| largest compute share of step energy | negligible | {100 * comp_share:.1f}% | |", "",
              f"## Where the energy goes (iso-capacity, {head_net} / {head_ds})", "",
              "Paper: DRAM and leakage dominate at small capacity, leakage at large capacity; compute negligible.",
              ""]
    for t in (base, mram):
        lines.append(f"- {t} at {small:g} MB: {_shares_text(v, t, small)} (largest: {_dominant(v, t, small)}).")
        lines.append(f"- {t} at {large:g} MB: {_shares_text(v, t, large)} (largest: {_dominant(v, t, large)}).")
    lines += ["", "## Improvement per network", "",
              "| network | dataset | iso-capacity max (×) | iso-area max (×) |", "|---|---|---|---|"]
    for (net, ds), s in cap_df[cap_df["technology"] == mram].groupby(["network", "dataset"], sort=False):
        sa = area_df[(area_df["technology"] == mram) & (area_df["network"] == net) & (area_df["dataset"] == ds)]
        lines.append(f"| {net} | {ds} | {s['improvement'].max():.2f} | {sa['improvement'].max():.2f} |")
    lines += ["", "Differences from the paper come from the technology table (nvmsim's own circuit model, not the "
              "authors' NVSim runs), the zoo's exact CIFAR networks (batch-norm, ReLU and pooling tensors are "
              "data structures too), and the placement details documented in `simulator/scratchpad.py`."]
    if device:
        lines += _device_sections(out_dir, quick)
    return _finish_report(out_dir, lines)


def _device_sections(out_dir: Path, quick: bool) -> list[str]:
    """The device-level (MTJ physics) and algorithm-level (training with write errors) parts of the report."""
    from simulator.studies import mtj as mtj_study
    from simulator.studies import write_errors as error_study

    return ["", "## Device and algorithm level (§III-B, §V-A, §V-D)", "",
            mtj_study.reproduce(out_dir, quick=quick).strip(), "",
            error_study.reproduce(out_dir, quick=quick).strip()]


def _finish_report(out_dir: Path, lines: list[str]) -> str:
    from simulator.output import atomic_write

    text = "\n".join(lines) + "\n"
    atomic_write(out_dir / "REPORT.md", lambda p: p.write_text(text))
    return text


# ---------------------------------------------------------------------------------------------------------------
# Small API functions behind the CLI verbs


def load_table(path: str | Path) -> pd.DataFrame:
    """Read a user's per-technology table (CSV or Parquet) with the columns of :data:`TECH_COLUMNS`."""
    from models.errors import FileFormatError

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


def gemm_table(M: int, N: int, K: int, rows: int = 256, cols: int = 256, dataflow: str = "os") -> pd.DataFrame:
    """Cycles (with and without fold overlap), folds and operand accesses of one GEMM, as a one-row table."""
    from simulator.systolic.array import gemm_cycles, gemm_folds, operand_accesses

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
