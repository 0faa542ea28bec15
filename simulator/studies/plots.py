"""Figures of the DeepNVM++ studies, drawn the way the paper draws them (seed ``deepnvm_plus_plus.txt``).

* normalised bars per network for inference (I) and training (T) — Fig. 3, 4, 7, 8;
* EDP against batch size — Fig. 5;
* DRAM-access reduction against L2 capacity — Fig. 6 and the ``sweep-l2`` headline;
* scalability lines with error bars (mean ± std across workloads) — Fig. 10.

Each function takes the study's tidy DataFrame and returns a matplotlib
figure; :func:`simulator.output.save_figure` writes it.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import matplotlib.ticker  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

COLORS = {"sram": "#7f7f7f", "stt": "#1f77b4", "sot": "#d62728"}
LABELS = {"sram": "SRAM", "stt": "STT-MRAM", "sot": "SOT-MRAM"}
PHASE_TAG = {"inference": "I", "training": "T"}


def _color(tech: str, i: int) -> str:
    return COLORS.get(str(tech), f"C{i + 2}")


def _label(tech: str) -> str:
    return LABELS.get(str(tech), str(tech))


ORDER = ("sram", "stt", "sot")


def _techs(df: pd.DataFrame, exclude: str | None = None) -> list[str]:
    """Technologies in the paper's order (SRAM, STT, SOT), then any others as they appear."""
    seen = [str(t) for t in df["technology"].drop_duplicates()]
    ordered = [t for t in ORDER if t in seen] + [t for t in seen if t not in ORDER]
    return [t for t in ordered if t != exclude]


def _capacity_axis(ax, caps) -> None:
    """A log2 capacity axis ticked at the swept capacities themselves (3, 6, 12, 24 MB), not at powers of two."""
    caps = sorted({float(c) for c in caps})
    ax.set_xscale("log", base=2)
    ax.set_xticks(caps, [f"{c:g}" for c in caps])
    ax.xaxis.set_minor_locator(matplotlib.ticker.NullLocator())
    ax.set_xlabel("L2 capacity (MB)")


def _series_colors(n: int) -> list:
    """``n`` distinct colours, one per plotted series."""
    cmap = plt.get_cmap("tab10" if n <= 10 else "tab20")
    return [cmap(i % cmap.N) for i in range(n)]


def _workload_labels(df: pd.DataFrame) -> list[tuple]:
    keys = df[["network", "phase", "batch"]].drop_duplicates().itertuples(index=False)
    return [tuple(k) for k in keys]


def normalised_bars(df: pd.DataFrame, panels: dict[str, str], *, title: str, baseline: str = "sram",
                    log: bool = False):
    """One panel per ``{title: column}``; bars per workload (``AlexNet-I``) for each non-baseline technology."""
    wls = _workload_labels(df)
    techs = _techs(df, baseline)
    ncols = 2 if len(panels) > 2 else len(panels)  # four panels as 2 x 2: room for every workload's label
    nrows = -(-len(panels) // ncols)
    panel_w = max(4.5, 0.35 * len(wls) * max(1, len(techs)))
    fig, axes = plt.subplots(nrows, ncols, figsize=(panel_w * ncols, 3.8 * nrows), squeeze=False,
                             layout="constrained")
    width = 0.8 / max(1, len(techs))
    x = np.arange(len(wls))
    for ax in axes.flat[len(panels):]:
        ax.set_visible(False)
    for ax, (ptitle, col) in zip(axes.flat, panels.items(), strict=False):
        for i, t in enumerate(techs):
            sub = df[df["technology"] == t].set_index(["network", "phase", "batch"])
            vals = [float(sub[col].get(w, np.nan)) for w in wls]
            ax.bar(x + (i - (len(techs) - 1) / 2) * width, vals, width, color=_color(t, i), label=_label(t))
        ax.axhline(1.0, color="k", lw=0.8, ls="--")
        ax.set_xticks(x, [f"{n}-{PHASE_TAG.get(p, p)}" for n, p, _ in wls], rotation=45, ha="right",
                      rotation_mode="anchor", fontsize=8)
        ax.set_ylabel(f"normalised to {_label(baseline)}")
        ax.set_title(ptitle)
        if log:
            ax.set_yscale("log")
        ax.grid(axis="y", alpha=0.3)
    axes[0][0].legend(fontsize=8)
    fig.suptitle(title)
    return fig


def batch_edp(df: pd.DataFrame, *, column: str = "edp_Js_norm", baseline: str = "sram"):
    """Fig. 5: EDP normalised to SRAM against batch size; training left, inference right."""
    phases = [p for p in ("training", "inference") if p in set(df["phase"])]
    fig, axes = plt.subplots(1, len(phases), figsize=(5.2 * len(phases), 3.6), squeeze=False, layout="constrained")
    for ax, ph in zip(axes[0], phases, strict=True):
        sub = df[(df["phase"] == ph) & (df["technology"] != baseline)]
        batches = sorted(sub["batch"].unique())
        x = np.arange(len(batches))
        techs = _techs(sub)
        width = 0.8 / max(1, len(techs))
        for i, t in enumerate(techs):
            s = sub[sub["technology"] == t].set_index("batch")[column]
            ax.bar(x + (i - (len(techs) - 1) / 2) * width, [float(s.get(b, np.nan)) for b in batches], width,
                   color=_color(t, i), label=_label(t))
        ax.set_xticks(x, [str(b) for b in batches])
        ax.set_xlabel("batch size")
        ax.set_ylabel(f"EDP normalised to {_label(baseline)}")
        ax.set_title(f"{sub['network'].iloc[0] if len(sub) else ''} {ph}")
        ax.axhline(1.0, color="k", lw=0.8, ls="--")
        ax.grid(axis="y", alpha=0.3)
        ax.legend(fontsize=8)
    return fig


def dram_reduction(df: pd.DataFrame):
    """Fig. 6 / ``sweep-l2``: reduction of DRAM accesses (%) against L2 capacity, one bar group per workload."""
    d = df.drop_duplicates(subset=["network", "phase", "batch", "l2_MB"])
    wls = _workload_labels(d)
    caps = sorted(d["l2_MB"].unique())
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.0), layout="constrained")
    x = np.arange(len(wls))
    width = 0.8 / max(1, len(caps))
    for i, cap in enumerate(caps):
        s = d[d["l2_MB"] == cap].set_index(["network", "phase", "batch"])["dram_reduction_pct"]
        axes[0].bar(x + (i - (len(caps) - 1) / 2) * width, [float(s.get(w, np.nan)) for w in wls], width,
                    label=f"{cap:g} MB", color=plt.cm.viridis(i / max(1, len(caps) - 1)))
    axes[0].set_xticks(x, [f"{n}-{PHASE_TAG.get(p, p)} b{b}" for n, p, b in wls], rotation=30, ha="right")
    axes[0].set_ylabel("DRAM-access reduction (%)")
    axes[0].set_title("DRAM accesses saved vs smallest L2")
    axes[0].legend(fontsize=8)
    axes[0].grid(axis="y", alpha=0.3)
    series = [(t, w) for t in _techs(df) for w in wls]  # one colour per (technology, workload): no two alike
    colors = [_color(t, i) for i, (t, _) in enumerate(series)] if len(wls) == 1 else _series_colors(len(series))
    for (t, (n, p, b)), color in zip(series, colors, strict=True):
        s = df[(df["technology"] == t) & (df["network"] == n) & (df["phase"] == p) & (df["batch"] == b)]
        s = s.sort_values("l2_MB")
        name = _label(t) if len(wls) == 1 else f"{_label(t)} {n}-{PHASE_TAG.get(p, p)} b{b}"
        axes[1].plot(s["l2_MB"], s["total_energy_nJ"] * 1e-9, marker="o", color=color, label=name)
    _capacity_axis(axes[1], caps)
    axes[1].set_ylabel("L2 + DRAM energy (J)")
    axes[1].set_title("energy incl. DRAM")
    axes[1].legend(fontsize=7)
    axes[1].grid(alpha=0.3)
    return fig


def scalability_lines(summary: pd.DataFrame, metrics=("energy", "latency", "edp"), baseline: str = "sram"):
    """Fig. 10: mean ± std across workloads of normalised energy, latency, EDP; inference left, training right."""
    phases = [p for p in ("inference", "training") if p in set(summary["phase"])]
    fig, axes = plt.subplots(len(metrics), len(phases), figsize=(5.0 * len(phases), 2.6 * len(metrics)),
                             squeeze=False, sharex=True, layout="constrained")
    for j, ph in enumerate(phases):
        for i, m in enumerate(metrics):
            ax = axes[i][j]
            sub = summary[(summary["phase"] == ph) & (summary["metric"] == m) & (summary["technology"] != baseline)]
            for k, t in enumerate(_techs(sub)):
                s = sub[sub["technology"] == t].sort_values("l2_MB")
                ax.errorbar(s["l2_MB"], s["mean"], yerr=s["std"], marker="o", capsize=3, color=_color(t, k),
                            label=_label(t))
            ax.axhline(1.0, color="k", lw=0.8, ls="--")
            _capacity_axis(ax, summary["l2_MB"])
            if i < len(metrics) - 1:
                ax.set_xlabel("")
            ax.set_yscale("log")
            ax.set_ylabel(f"{m} / {_label(baseline)}")
            ax.grid(alpha=0.3)
            if i == 0:
                ax.set_title(ph)
                ax.legend(fontsize=8)
    return fig
