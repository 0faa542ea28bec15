"""``nvmsim reproduce scratchpad``: the scratchpad paper's system studies, device and algorithm halves, in one
Markdown report beside the paper's numbers."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from models.config import require_extra
from simulator.output import atomic_write, write_table
from simulator.studies import mtj as mtj_study
from simulator.studies import write_errors as error_study
from simulator.studies.scratchpad import (
    DEFAULT_AREAS_MM2,
    DEFAULT_CAPACITIES_MB,
    DEFAULT_NETWORKS,
    DEFAULT_TECHNOLOGIES,
    scratchpad_study,
)
from simulator.studies.scratchpad_plots import COMPONENT_LABELS, COMPONENTS, _xcol, save_study_plots
from simulator.studies.scratchpad_tech import TableLike

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

    if device:  # the write-error half trains on scikit-learn's digits: say so now, not after the systolic studies
        require_extra("sklearn", "train", "reproduce scratchpad (error-tolerant training on the digits data set)")
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
              *_iso_area_cause(va, base, mram, best_area_at),
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
              "data structures too), and the placement details documented in `simulator/systolic/scratchpad.py`."]
    if device:
        lines += _device_sections(out_dir, quick)
    return _finish_report(out_dir, lines)


def _iso_area_cause(va: pd.DataFrame, base: str, mram: str, area_mm2: float) -> list[str]:
    """What sets the best iso-area improvement: at that budget the improvement is the SRAM / MRAM leakage-power ratio
    times their run-time ratio, diluted by the DRAM and dynamic energy; and the MRAM leakage the paper's figure
    would need with the same counts (the one input that moves it most, since leakage dominates both totals)."""
    at = va[va["area_budget_mm2"] == area_mm2].set_index("technology")
    b, m = at.loc[base], at.loc[mram]
    leak_x, time_x = b["leakage_mW"] / m["leakage_mW"], b["cycles"] / m["cycles"]
    target = PAPER["iso_area_max_improvement"]
    # the MRAM leakage power for which the same counts give the paper's improvement (other energies unchanged)
    rest_J = m["energy_total_J"] - m["energy_leakage_J"]
    need_mW = (b["energy_total_J"] / target - rest_J) / m["energy_leakage_J"] * m["leakage_mW"]
    need = (f"{need_mW / 1e3:.3g} W ({need_mW / m['area_mm2']:.0f} mW/mm²)" if need_mW > 0 else
            "less than nothing (DRAM and dynamic energy alone exceed it)")
    share = {t: {k: 100 * r[f"energy_{k}_J"] / r["energy_total_J"] for k in ("leakage", "dram")}
             for t, r in ((base, b), (mram, m))}
    return [f"## What sets the iso-area improvement ({area_mm2:g} mm², the best point)", "",
            f"- {base} leaks {b['leakage_mW'] / 1e3:.3g} W in {b['area_mm2']:.1f} mm², {mram} "
            f"{m['leakage_mW'] / 1e3:.3g} W in {m['area_mm2']:.1f} mm² ({leak_x:.2f}×), and the larger {mram} "
            f"scratchpad ({m['capacity_MB']:g} MB against {b['capacity_MB']:g} MB) runs the step in "
            f"{time_x:.2f}× fewer cycles (fewer DRAM stalls): at most {leak_x * time_x:.1f}× if leakage were all.",
            f"- Leakage is {share[base]['leakage']:.0f}% of {base}'s energy and {share[mram]['leakage']:.0f}% of "
            f"{mram}'s (DRAM {share[mram]['dram']:.0f}%)"
            + (": with leakage the larger part of both, the improvement follows the MRAM's leakage at this size, i.e. "
               "its organisation (NVSim's read-latency optimum, as the paper ran NVSim)."
               if min(share[base]["leakage"], share[mram]["leakage"]) > 50 else "."),
            f"- With the same counts, the paper's {target:g}× needs the {mram} scratchpad to leak {need} instead of "
            f"{m['leakage_mW'] / 1e3:.3g} W ({m['leakage_mW'] / m['area_mm2']:.0f} mW/mm²).", ""]


def _device_sections(out_dir: Path, quick: bool) -> list[str]:
    """The device-level (MTJ physics) and algorithm-level (training with write errors) parts of the report."""

    return ["", "## Device and algorithm level (§III-B, §V-A, §V-D)", "",
            mtj_study.reproduce(out_dir, quick=quick).strip(), "",
            error_study.reproduce(out_dir, quick=quick).strip()]


def _finish_report(out_dir: Path, lines: list[str]) -> str:

    text = "\n".join(lines) + "\n"
    atomic_write(out_dir / "REPORT.md", lambda p: p.write_text(text))
    return text


