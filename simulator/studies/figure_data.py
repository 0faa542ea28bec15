"""What each DeepNVM++ figure shows, taken out of a study's table: plain lists of labels, colours and values, no
matplotlib (:mod:`simulator.studies.plots` draws them).

Why apart from the drawing: a command hands its figure to a worker process (:mod:`simulator.studies.figure_worker`)
that loads matplotlib while the study runs; given these plain data instead of the DataFrame, the worker needs no
pandas (half a second of its imports, on the main job's longest path).  Each function here takes the study's tidy
DataFrame and returns a dict of plain Python values; :data:`FIGURES` names them.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

COLORS = {"sram": "#7f7f7f", "stt": "#1f77b4", "sot": "#d62728"}
LABELS = {"sram": "SRAM", "stt": "STT-MRAM", "sot": "SOT-MRAM"}
PHASE_TAG = {"inference": "I", "training": "T"}
ORDER = ("sram", "stt", "sot")


def color(tech: str, i: int) -> str:
    """The paper's colour of a technology (the ``i``-th series' default colour for any other)."""
    return COLORS.get(str(tech), f"C{i + 2}")


def label(tech: str) -> str:
    return LABELS.get(str(tech), str(tech))


def techs(df: pd.DataFrame, exclude: str | None = None) -> list[str]:
    """Technologies in the paper's order (SRAM, STT, SOT), then any others as they appear."""
    seen = [str(t) for t in df["technology"].drop_duplicates()]
    ordered = [t for t in ORDER if t in seen] + [t for t in seen if t not in ORDER]
    return [t for t in ordered if t != exclude]


def _workloads(df: pd.DataFrame) -> list[tuple]:
    keys = df[["network", "phase", "batch"]].drop_duplicates().itertuples(index=False)
    return [tuple(k) for k in keys]


def _workload_label(network, phase, batch=None) -> str:
    """``alexnet-I`` (``alexnet-I b4`` with the batch): a workload on an axis or in a legend."""
    name = f"{network}-{PHASE_TAG.get(phase, phase)}"
    return name if batch is None else f"{name} b{batch}"


def _floats(values) -> list[float]:
    return [float(v) for v in values]


def _get(series, key) -> float:
    return float(series.get(key, math.nan))


def normalised_bars(df: pd.DataFrame, panels: dict[str, str], *, title: str, baseline: str = "sram",
                    log: bool = False) -> dict:
    """Fig. 3, 4, 7, 8: one panel per ``{title: column}``, bars per workload for each non-baseline technology."""
    wls = _workloads(df)
    tlist = techs(df, baseline)
    bars = []
    for ptitle, col in panels.items():
        per_tech = []
        for i, t in enumerate(tlist):
            sub = df[df["technology"] == t].set_index(["network", "phase", "batch"])
            per_tech.append({"label": label(t), "color": color(t, i), "values": [_get(sub[col], w) for w in wls]})
        bars.append({"title": ptitle, "series": per_tech})
    return {"xlabels": [_workload_label(n, p) for n, p, _ in wls], "n_techs": len(tlist), "panels": bars,
            "baseline": label(baseline), "title": title, "log": log}


def batch_edp(df: pd.DataFrame, *, column: str = "edp_Js_norm", baseline: str = "sram") -> dict:
    """Fig. 5: EDP normalised to SRAM against batch size; training left, inference right."""
    phases = []
    for ph in (p for p in ("training", "inference") if p in set(df["phase"])):
        sub = df[(df["phase"] == ph) & (df["technology"] != baseline)]
        batches = sorted(sub["batch"].unique())
        series = []
        for i, t in enumerate(techs(sub)):
            s = sub[sub["technology"] == t].set_index("batch")[column]
            series.append({"label": label(t), "color": color(t, i), "values": [_get(s, b) for b in batches]})
        phases.append({"title": f"{sub['network'].iloc[0] if len(sub) else ''} {ph}",
                       "batches": [str(b) for b in batches], "series": series})
    return {"phases": phases, "baseline": label(baseline)}


def dram_reduction(df: pd.DataFrame) -> dict:
    """Fig. 6 / ``sweep-l2``: DRAM-access reduction (%) per workload and capacity, and L2 + DRAM energy against
    capacity per (technology, workload)."""
    d = df.drop_duplicates(subset=["network", "phase", "batch", "l2_MB"])
    wls = _workloads(d)
    caps = sorted(d["l2_MB"].unique())
    bars = []
    for cap in caps:
        s = d[d["l2_MB"] == cap].set_index(["network", "phase", "batch"])["dram_reduction_pct"]
        bars.append({"label": f"{cap:g} MB", "values": [_get(s, w) for w in wls]})
    lines = []
    for i, (t, (n, p, b)) in enumerate((t, w) for t in techs(df) for w in wls):
        s = df[(df["technology"] == t) & (df["network"] == n) & (df["phase"] == p) & (df["batch"] == b)]
        s = s.sort_values("l2_MB")
        lines.append({"label": label(t) if len(wls) == 1 else f"{label(t)} {_workload_label(n, p, b)}",
                      "color": color(t, i), "x": _floats(s["l2_MB"]), "y": _floats(s["total_energy_nJ"] * 1e-9)})
    return {"xlabels": [_workload_label(n, p, b) for n, p, b in wls], "bars": bars, "lines": lines,
            "paper_colors": len(wls) == 1, "caps": _floats(caps)}


def scalability_lines(summary: pd.DataFrame, metrics=("energy", "latency", "edp"), baseline: str = "sram") -> dict:
    """Fig. 10: mean and standard deviation across workloads of normalised energy, latency and EDP against
    capacity; inference left, training right."""
    phases = [p for p in ("inference", "training") if p in set(summary["phase"])]
    grid = []
    for m in metrics:
        row = []
        for ph in phases:
            sub = summary[(summary["phase"] == ph) & (summary["metric"] == m) & (summary["technology"] != baseline)]
            series = []
            for k, t in enumerate(techs(sub)):
                s = sub[sub["technology"] == t].sort_values("l2_MB")
                series.append({"label": label(t), "color": color(t, k), "x": _floats(s["l2_MB"]),
                               "y": _floats(s["mean"]), "err": _floats(s["std"])})
            row.append(series)
        grid.append(row)
    return {"phases": phases, "metrics": list(metrics), "grid": grid, "caps": _floats(summary["l2_MB"]),
            "baseline": label(baseline)}


FIGURES = {"normalised_bars": normalised_bars, "batch_edp": batch_edp, "dram_reduction": dram_reduction,
           "scalability_lines": scalability_lines}
"""Each figure's data function by name (:class:`~simulator.studies.figure_worker.Plot` names one)."""
