"""The fit of the layout/sizing constants of :class:`~models.circuit.calibration.Calibration`.

Run ``python -m models.circuit.fit [SAVE.pkl]`` (about 25 minutes on two cores) to redo it.  What it does:

* data: DeepNVM++ (Inci et al., arXiv:2012.04559) Table II at 3 MB, 16 nm: the 18 entries (read/write latency,
  read/write energy, leakage, area of SRAM, STT and SOT), the two area ratios SRAM/STT 2.4 and SRAM/SOT 2.8, the
  iso-area capacities in the 3 MB SRAM's area (STT 7 MB, SOT 10 MB) and the Sec. IV-C trends :data:`TRENDS`
  (Fig. 10's latency and energy ratios as :func:`fig10` computes them from each workload's share of L2 writes);
* objective: the root mean square of the natural-log errors of those numbers (every entry weighted alike);
* constraints: DeepNVM++ Fig. 9 / Sec. IV-C text over 1-32 MB, each a yes/no test that a candidate must pass:
  SOT read energy above SRAM at 1-4 MB and below it from 8 MB on (the crossing between 4 and 8 MB, around the
  paper's 7 MB), SRAM the highest write energy from 4 MB on, both MRAMs read faster than SRAM from 4 MB on and
  slower at 1-2 MB, STT the slowest writer everywhere, SRAM/MRAM area ratio growing with capacity, every
  Table II entry and every trend within +-30 % (:data:`BAND`);
* search: the union of the sub-grids :data:`GRID` around each constant's physical estimate (see the field comments
  in ``calibration.py``); the best feasible point is kept.

Nothing else is fitted: the cells, the technology nodes and every other constant come from their sources.
"""

from __future__ import annotations

import itertools
import math
import pickle
from dataclasses import replace
from multiprocessing import Pool

import numpy as np

from models.circuit.calibration import DEFAULT, Calibration
from models.tables import iso_area, tech_table

#: DeepNVM++ Table II at 3 MB: read ns, write ns, read nJ, write nJ, leakage mW, area mm^2
TABLE_II = {
    "sram": (2.91, 1.53, 0.35, 0.32, 6442, 5.53),
    "stt": (2.98, 9.31, 0.81, 0.31, 748, 2.34),
    "sot": (3.71, 1.38, 0.49, 0.22, 527, 1.95),
}
COLS = ("read_latency_ns", "write_latency_ns", "read_energy_nJ", "write_energy_nJ", "leakage_mW", "area_mm2")
CAPS_MB = (1, 2, 3, 4, 6, 8, 12, 16, 24, 32)  # Fig. 9's range and Table II's 3 MB
#: the grid searched: the union of each sub-grid's points (passive H-tree segments as NVSim builds them, and the
#: earlier fits' buffer at every node)
GRID = (
    {"htree_node_buffers": (False,), "htree_wire_delay": (0.45, 0.55, 0.65), "htree_activity": (0.4, 0.5, 0.6),
     "wordline_stage_effort": (16.0, 20.0), "wordline_driver_max_F": (math.inf, 300.0, 200.0, 150.0, 100.0),
     "area_per_width_F": (10.0, 13.0), "strip_overhead_F": (250.0, 350.0), "predecoder_area_F2": (2.5e5, 5.0e5)},
    {"htree_node_buffers": (False,), "htree_wire_delay": (0.40, 0.45, 0.50), "htree_activity": (0.45, 0.5, 0.55),
     "wordline_stage_effort": (16.0,), "wordline_driver_max_F": (125.0, 150.0, 175.0, 200.0),
     "area_per_width_F": (10.0, 13.0, 16.0), "strip_overhead_F": (250.0,), "predecoder_area_F2": (5.0e5,)},
    {"htree_node_buffers": (True,), "htree_wire_delay": (0.38, 0.55), "htree_activity": (0.4,),
     "wordline_stage_effort": (16.0, 20.0), "wordline_driver_max_F": (math.inf, 200.0),
     "area_per_width_F": (10.0, 13.0), "strip_overhead_F": (250.0, 350.0), "predecoder_area_F2": (2.5e5, 5.0e5)},
)


#: Fig. 10 (DeepNVM++ Sec. IV-C): each workload's share of L2 writes among its L2 accesses, W / (R + W), from nvmsim's
#: own GPU simulator (``simulator.studies.deepnvm.scalability()``, fast mode, the paper's five networks, inference
#: batch 4 and training batch 64 on gtx1080ti-deepnvm).  The L2 sees the L1 misses, so the counts do not depend on the
#: L2 capacity; every Fig. 10 metric is a ratio of sums of R and W terms, so the share is all the fit needs.
FIG10_WRITE_SHARE: dict[str, float] = {
    "alexnet/inference": 0.0805, "alexnet/training": 0.2034, "googlenet/inference": 0.2559,
    "googlenet/training": 0.2163, "resnet18/inference": 0.1895, "resnet18/training": 0.2306,
    "squeezenet/inference": 0.3827, "squeezenet/training": 0.3123, "vgg16/inference": 0.1408,
    "vgg16/training": 0.1450,
}
FIG10_MB = (1, 2, 4, 8, 16, 32)
#: the L2 clock the paper converts latencies to whole cycles of (gtx1080ti-deepnvm, 1481 MHz)
L2_CLOCK_MHZ = 1481.0
#: DeepNVM++ Sec. IV-C / Fig. 9-10 statements the fit aims at (value, what it is):
TRENDS = {
    "sram_over_stt_write_latency_32": (1.0, "SRAM / STT write latency at 32 MB ('almost matches')"),
    "stt_latency_increase": (3.2, "Fig. 10 latency STT / SRAM, max over capacities ('SRAM up to 3.2x')"),
    "sot_latency_increase": (2.0, "Fig. 10 latency SOT / SRAM, max over capacities ('SRAM up to 2x')"),
    "stt_latency_reduction": (2.1, "Fig. 10 latency SRAM / STT, max over capacities"),
    "sot_latency_reduction": (2.6, "Fig. 10 latency SRAM / SOT, max over capacities"),
    "stt_energy_reduction": (31.2, "Fig. 10 energy SRAM / STT, max over capacities"),
    "sot_energy_reduction": (36.4, "Fig. 10 energy SRAM / SOT, max over capacities"),
}
#: reported beside the trends, not fitted (the product of the energy and latency reductions, 65x / 95x)
EDP_REDUCTION = {"stt": 65.0, "sot": 95.0}
#: the band every Table II entry and every trend must fall in: model / paper within +-30 % (as the tests check them)
BAND = 0.30


def _from(mask: list[bool]) -> float:
    """Smallest capacity from which ``mask`` holds at every larger capacity (inf if not at the largest)."""
    out = math.inf
    for cap, ok in zip(reversed(CAPS_MB), reversed(mask), strict=True):
        if not ok:
            break
        out = cap
    return out


def fig10(df, write_share: dict[str, float] | None = None) -> dict:
    """Fig. 10's curves from a 16 nm technology table ``df`` (capacities :data:`FIG10_MB`): per phase, technology,
    metric ("energy", "latency", "edp") and capacity, the mean over the phase's workloads of MRAM / SRAM, as
    :func:`simulator.studies.deepnvm.scalability_summary` computes them from the counts (latency = reads x read
    latency + writes x write latency in whole L2 cycles; energy = dynamic + leakage x that latency)."""

    shares = write_share or FIG10_WRITE_SHARE
    period = 1e3 / L2_CLOCK_MHZ
    rows = {(t, c): r for t, c, r in zip(df.technology, df.capacity_MB, df.itertuples(), strict=True)}
    out: dict = {}
    for phase in sorted({k.split("/")[1] for k in shares}):
        w = np.array([v for k, v in shares.items() if k.endswith("/" + phase)])
        out[phase] = {t: {"energy": {}, "latency": {}, "edp": {}} for t in ("stt", "sot")}
        for cap in FIG10_MB:
            delay, energy = {}, {}
            for tech in ("sram", "stt", "sot"):
                r = rows[tech, cap]
                rc = math.ceil(r.read_latency_ns / period - 1e-9) * period
                wc = math.ceil(r.write_latency_ns / period - 1e-9) * period
                delay[tech] = (1.0 - w) * rc + w * wc
                energy[tech] = (1.0 - w) * r.read_energy_nJ + w * r.write_energy_nJ + r.leakage_mW * delay[tech] * 1e-3
            for tech in ("stt", "sot"):
                d = delay[tech] / delay["sram"]
                e = energy[tech] / energy["sram"]
                out[phase][tech]["latency"][cap] = float(d.mean())
                out[phase][tech]["energy"][cap] = float(e.mean())
                out[phase][tech]["edp"][cap] = float((d * e).mean())
    return out


def trends(df) -> dict[str, float]:
    """nvmsim's value of each :data:`TRENDS` entry (and the EDP reductions) from a 16 nm table over 1-32 MB; the
    Fig. 10 ones over both phases and every capacity, as ``reproduce deepnvm`` reports them."""

    f = fig10(df)
    wl = df[df.capacity_MB == 32].set_index("technology").write_latency_ns
    out = {"sram_over_stt_write_latency_32": float(wl.sram / wl.stt)}
    for tech in ("stt", "sot"):
        def curve(metric, tech=tech):
            return [v for ph in f.values() for v in ph[tech][metric].values()]
        out[f"{tech}_latency_increase"] = max(curve("latency"))
        out[f"{tech}_latency_reduction"] = 1.0 / min(curve("latency"))
        out[f"{tech}_energy_reduction"] = 1.0 / min(curve("energy"))
        out[f"{tech}_edp_reduction"] = 1.0 / min(curve("edp"))
    return out


def evaluate(cal: Calibration, iso: bool = True) -> dict:
    """Residuals, trends and Fig. 9 checks of one calibration (see the module docstring).  ``iso=False`` skips the
    iso-area solve (the slowest part); the iso-area capacities are also skipped where the cheaper checks fail."""

    df = tech_table(cells=["sram", "stt", "sot"], capacities_MB=CAPS_MB, node_nm=16, calibration=cal)
    res = {}
    for tech, ref in TABLE_II.items():
        row = df[(df.technology == tech) & (df.capacity_MB == 3)].iloc[0]
        for col, paper in zip(COLS, ref, strict=True):
            res[f"{tech}.{col}"] = math.log(row[col] / paper)

    def piv(col):
        return df.pivot(index="capacity_MB", columns="technology", values=col)

    a = piv("area_mm2")
    res["area_ratio_stt"] = math.log(a.sram[3] / a.stt[3] / 2.4)
    res["area_ratio_sot"] = math.log(a.sram[3] / a.sot[3] / 2.8)
    tr = trends(df)
    for k, (paper, _) in TRENDS.items():
        res[k] = math.log(tr[k] / paper)
    re_, we, rl, wl = piv("read_energy_nJ"), piv("write_energy_nJ"), piv("read_latency_ns"), piv("write_latency_ns")
    big = [c for c in CAPS_MB if c >= 3]
    checks = {
        "sot_read_energy_below_sram_from": _from(list(re_.sot < re_.sram)),
        "sram_highest_write_energy_from": _from(list((we.sram > we.stt) & (we.sram > we.sot))),
        "mram_read_faster_from": _from(list((rl.stt < rl.sram) & (rl.sot < rl.sram))),
        "sram_reads_faster_at_1_2": bool(all(rl.sram[c] < min(rl.stt[c], rl.sot[c]) for c in (1, 2))),
        "sot_read_energy_above_sram_at_1_4": bool(all(re_.sot[c] > re_.sram[c] for c in (1, 2, 3, 4))),
        "stt_slowest_writer": bool(((wl.stt > wl.sram) & (wl.stt > wl.sot)).all()),
        # SRAM / MRAM area ratio: mean at 3-4 MB and at 24-32 MB, and its log-log slope over 3-32 MB
        **{f"area_ratio_{m}_growth": ((a.sram / a[m]).loc[[3, 4]].mean(), (a.sram / a[m]).loc[[24, 32]].mean(),
                                      float(np.polyfit(np.log(big), np.log((a.sram / a[m]).loc[big].to_numpy()),
                                                       1)[0])) for m in ("stt", "sot")},
        "edp_reduction": (tr["stt_edp_reduction"], tr["sot_edp_reduction"]),
    }
    t2 = [v for k, v in res.items() if "." in k]
    feasible = (checks["sot_read_energy_below_sram_from"] <= 8 and checks["sram_highest_write_energy_from"] <= 4
                and checks["sot_read_energy_above_sram_at_1_4"]
                and checks["mram_read_faster_from"] <= 4 and checks["sram_reads_faster_at_1_2"]
                and checks["stt_slowest_writer"] and max(abs(math.expm1(x)) for x in t2) <= BAND
                and max(abs(math.expm1(res[k])) for k in TRENDS) <= BAND
                and all(checks[f"area_ratio_{m}_growth"][1] > 1.05 * checks[f"area_ratio_{m}_growth"][0]
                        and checks[f"area_ratio_{m}_growth"][2] > 0 for m in ("stt", "sot")))
    if iso and feasible:
        d = iso_area(reference="sram", reference_MB=3, cells=["stt", "sot"], node_nm=16,
                     calibration=cal).set_index("technology")
        res["iso_stt"] = math.log(d.loc["stt", "capacity_MB"] / 7.0)
        res["iso_sot"] = math.log(d.loc["sot", "capacity_MB"] / 10.0)
    rms = float(np.sqrt(np.mean(np.square(list(res.values())))))
    return {"rms_log_error": rms, "feasible": feasible, "residuals": res, "checks": checks, "trends": tr}


def grid_points() -> list[dict]:
    """Every point of :data:`GRID`."""
    return [dict(zip(g, p, strict=True)) for g in GRID for p in itertools.product(*g.values())]


def _run(kw):
    return kw, evaluate(replace(DEFAULT, **kw))


def main(processes: int = 2, save: str | None = None) -> None:
    points = grid_points()
    with Pool(processes) as pool:
        results = pool.map(_run, points, chunksize=2)
    if save:
        with open(save, "wb") as f:
            pickle.dump(results, f)
    feasible = [r for r in results if r[1]["feasible"]]
    pool_ = feasible or results
    best = sorted(pool_, key=lambda r: r[1]["rms_log_error"])[:5]
    print(f"{len(points)} points, {len(feasible)} feasible")
    for kw, out in best:
        print(kw, f"rms {out['rms_log_error']:.3f}", out["checks"])
    kw, out = best[0]
    for k, v in out["residuals"].items():
        print(f"  {k:32s} {math.exp(v) - 1:+.1%}")
    for k, v in out["trends"].items():
        print(f"  {k:32s} {v:.3g}" + (f" (paper {TRENDS[k][0]:g})" if k in TRENDS else ""))


if __name__ == "__main__":
    import sys

    main(save=sys.argv[1] if len(sys.argv) > 1 else None)
