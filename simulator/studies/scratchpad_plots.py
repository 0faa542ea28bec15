"""Plots of the scratchpad studies: energy breakdowns (Fig. 9/11), improvement curves (Fig. 10/13) and
per-component ratios (Fig. 12)."""

from __future__ import annotations

from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd

from simulator.output import save_figure

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402

COMPONENTS = ("energy_dram_J", "energy_read_J", "energy_write_J", "energy_leakage_J", "energy_compute_J")
COMPONENT_LABELS = {"energy_dram_J": "DRAM", "energy_read_J": "on-chip read", "energy_write_J": "on-chip write",
                    "energy_leakage_J": "leakage", "energy_compute_J": "compute"}


def _xcol(df: pd.DataFrame) -> str:
    return "area_budget_mm2" if "area_budget_mm2" in df.columns else "capacity_MB"


def plot_breakdown(df: pd.DataFrame, network: str, dataset: str):
    """Stacked energy breakdown (fractions) per capacity/area for each technology (paper Fig. 9 / 11)."""

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

    xcol = _xcol(df)
    fig, ax = plt.subplots(figsize=(6.5, 4))
    base = df["baseline"].iloc[0] if len(df) else None
    for (net, ds, t), s in df[df["technology"] != base].groupby(["network", "dataset", "technology"], sort=False):
        s = s.sort_values(xcol)
        ax.plot(s[xcol], s["improvement"], marker="o", label=f"{net}/{ds} {t}")
    ax.set_xscale("log")
    swept = sorted(set(df[xcol].astype(float)))  # ticks at the swept values themselves, not at powers of ten
    ax.set_xticks(swept, [f"{v:g}" for v in swept], rotation=60)
    ax.xaxis.set_minor_locator(plt.NullLocator())
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

    out_dir = Path(out_dir)
    paths = [save_figure(plot_improvement(df), out_dir / f"{stem}.png")]
    for (net, ds), _ in df.groupby(["network", "dataset"], sort=False):
        paths.append(save_figure(plot_breakdown(df, net, ds), out_dir / f"{stem}_breakdown_{net}_{ds}.png"))
        if len(df["technology"].unique()) > 1:
            paths.append(save_figure(plot_component_ratios(df, net, ds), out_dir / f"{stem}_ratios_{net}_{ds}.png"))
    return paths


