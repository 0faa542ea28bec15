"""Figures of the DeepNVM++ studies, drawn the way the paper draws them (seed ``deepnvm_plus_plus.txt``).

* normalised bars per network for inference (I) and training (T) — Fig. 3, 4, 7, 8;
* EDP against batch size — Fig. 5;
* DRAM-access reduction against L2 capacity — Fig. 6 and the ``sweep-l2`` headline;
* scalability lines with error bars (mean ± std across workloads) — Fig. 10.

Each public function takes the study's tidy DataFrame and returns a matplotlib
figure; :func:`simulator.output.save_figure` writes it.  What a figure shows
is taken out of the table by :mod:`simulator.studies.figure_data` (pandas, no
matplotlib); the ``draw_*`` functions here draw those plain data (matplotlib,
no pandas), so that a figure worker needs no pandas.  The figures are
:class:`matplotlib.figure.Figure` objects made directly, not through pyplot:
they are only ever saved to files, and pyplot's import (its backend
machinery) is a fifth of a second more on the main job's figure worker, the
longest path of its warm run.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import matplotlib
import matplotlib.ticker
import numpy as np
from matplotlib.figure import Figure

from simulator.studies import figure_data
from simulator.studies.figure_data import FIGURES

if TYPE_CHECKING:
    import pandas as pd


def _subplots(nrows: int, ncols: int, figsize, **kw):
    """A constrained-layout figure and its axes (``squeeze`` and sharing as :meth:`Figure.subplots` takes them)."""
    fig = Figure(figsize=figsize, layout="constrained")
    return fig, fig.subplots(nrows, ncols, **kw)


def _capacity_axis(ax, caps) -> None:
    """A log2 capacity axis ticked at the swept capacities themselves (3, 6, 12, 24 MB), not at powers of two."""
    caps = sorted({float(c) for c in caps})
    ax.set_xscale("log", base=2)
    ax.set_xticks(caps, [f"{c:g}" for c in caps])
    ax.xaxis.set_minor_locator(matplotlib.ticker.NullLocator())
    ax.set_xlabel("L2 capacity (MB)")


def _series_colors(n: int) -> list:
    """``n`` distinct colours, one per plotted series."""
    cmap = matplotlib.colormaps["tab10" if n <= 10 else "tab20"]
    return [cmap(i % cmap.N) for i in range(n)]


def _offsets(n: int) -> tuple[np.ndarray, float]:
    """Bar offsets within a group of ``n`` bars, and the bar width."""
    width = 0.8 / max(1, n)
    return (np.arange(n) - (n - 1) / 2) * width, width


def draw_normalised_bars(data: dict) -> Figure:
    panels, nl = data["panels"], len(data["xlabels"])
    ncols = 2 if len(panels) > 2 else len(panels)  # four panels as 2 x 2: room for every workload's label
    nrows = -(-len(panels) // ncols)
    panel_w = max(4.5, 0.35 * nl * max(1, data["n_techs"]))
    fig, axes = _subplots(nrows, ncols, (panel_w * ncols, 3.8 * nrows), squeeze=False)
    offsets, width = _offsets(data["n_techs"])
    x = np.arange(nl)
    for ax in axes.flat[len(panels):]:
        ax.set_visible(False)
    for ax, panel in zip(axes.flat, panels, strict=False):
        for off, s in zip(offsets, panel["series"], strict=True):
            ax.bar(x + off, s["values"], width, color=s["color"], label=s["label"])
        ax.axhline(1.0, color="k", lw=0.8, ls="--")
        ax.set_xticks(x, data["xlabels"], rotation=45, ha="right", rotation_mode="anchor", fontsize=8)
        ax.set_ylabel(f"normalised to {data['baseline']}")
        ax.set_title(panel["title"])
        if data["log"]:
            ax.set_yscale("log")
        ax.grid(axis="y", alpha=0.3)
    axes[0][0].legend(fontsize=8)
    fig.suptitle(data["title"])
    return fig


def draw_batch_edp(data: dict) -> Figure:
    phases = data["phases"]
    fig, axes = _subplots(1, len(phases), (5.2 * len(phases), 3.6), squeeze=False)
    for ax, ph in zip(axes[0], phases, strict=True):
        x = np.arange(len(ph["batches"]))
        offsets, width = _offsets(len(ph["series"]))
        for off, s in zip(offsets, ph["series"], strict=True):
            ax.bar(x + off, s["values"], width, color=s["color"], label=s["label"])
        ax.set_xticks(x, ph["batches"])
        ax.set_xlabel("batch size")
        ax.set_ylabel(f"EDP normalised to {data['baseline']}")
        ax.set_title(ph["title"])
        ax.axhline(1.0, color="k", lw=0.8, ls="--")
        ax.grid(axis="y", alpha=0.3)
        ax.legend(fontsize=8)
    return fig


def draw_dram_reduction(data: dict) -> Figure:
    fig, axes = _subplots(1, 2, (11, 4.0))
    bars = data["bars"]
    x = np.arange(len(data["xlabels"]))
    offsets, width = _offsets(len(bars))
    viridis = matplotlib.colormaps["viridis"]
    for i, (off, b) in enumerate(zip(offsets, bars, strict=True)):
        axes[0].bar(x + off, b["values"], width, label=b["label"], color=viridis(i / max(1, len(bars) - 1)))
    axes[0].set_xticks(x, data["xlabels"], rotation=30, ha="right")
    axes[0].set_ylabel("DRAM-access reduction (%)")
    axes[0].set_title("DRAM accesses saved vs smallest L2")
    axes[0].legend(fontsize=8)
    axes[0].grid(axis="y", alpha=0.3)
    lines = data["lines"]
    # one colour per (technology, workload): the paper's per technology for one workload, else no two alike
    colors = [s["color"] for s in lines] if data["paper_colors"] else _series_colors(len(lines))
    for s, c in zip(lines, colors, strict=True):
        axes[1].plot(s["x"], s["y"], marker="o", color=c, label=s["label"])
    _capacity_axis(axes[1], data["caps"])
    axes[1].set_ylabel("L2 + DRAM energy (J)")
    axes[1].set_title("energy incl. DRAM")
    axes[1].legend(fontsize=7)
    axes[1].grid(alpha=0.3)
    return fig


def draw_scalability_lines(data: dict) -> Figure:
    phases, metrics = data["phases"], data["metrics"]
    fig, axes = _subplots(len(metrics), len(phases), (5.0 * len(phases), 2.6 * len(metrics)), squeeze=False,
                          sharex=True)
    for j, ph in enumerate(phases):
        for i, m in enumerate(metrics):
            ax = axes[i][j]
            for s in data["grid"][i][j]:
                ax.errorbar(s["x"], s["y"], yerr=s["err"], marker="o", capsize=3, color=s["color"],
                            label=s["label"])
            ax.axhline(1.0, color="k", lw=0.8, ls="--")
            _capacity_axis(ax, data["caps"])
            if i < len(metrics) - 1:
                ax.set_xlabel("")
            ax.set_yscale("log")
            ax.set_ylabel(f"{m} / {data['baseline']}")
            ax.grid(alpha=0.3)
            if i == 0:
                ax.set_title(ph)
                ax.legend(fontsize=8)
    return fig


DRAW = {"normalised_bars": draw_normalised_bars, "batch_edp": draw_batch_edp, "dram_reduction": draw_dram_reduction,
        "scalability_lines": draw_scalability_lines}
assert DRAW.keys() == FIGURES.keys()


def draw(name: str, data: dict) -> Figure:
    """The figure ``name`` drawn from its data (:mod:`simulator.studies.figure_data`)."""
    return DRAW[name](data)


def normalised_bars(df: pd.DataFrame, panels: dict[str, str], *, title: str, baseline: str = "sram",
                    log: bool = False) -> Figure:
    """Fig. 3, 4, 7, 8: one panel per ``{title: column}``; bars per workload (``AlexNet-I``) for each
    non-baseline technology."""
    return draw_normalised_bars(figure_data.normalised_bars(df, panels, title=title, baseline=baseline, log=log))


def batch_edp(df: pd.DataFrame, *, column: str = "edp_Js_norm", baseline: str = "sram") -> Figure:
    """Fig. 5: EDP normalised to SRAM against batch size; training left, inference right."""
    return draw_batch_edp(figure_data.batch_edp(df, column=column, baseline=baseline))


def dram_reduction(df: pd.DataFrame) -> Figure:
    """Fig. 6 / ``sweep-l2``: reduction of DRAM accesses (%) against L2 capacity, one bar group per workload."""
    return draw_dram_reduction(figure_data.dram_reduction(df))


def scalability_lines(summary: pd.DataFrame, metrics=("energy", "latency", "edp"), baseline: str = "sram") -> Figure:
    """Fig. 10: mean ± std across workloads of normalised energy, latency, EDP; inference left, training right."""
    return draw_scalability_lines(figure_data.scalability_lines(summary, metrics, baseline))
