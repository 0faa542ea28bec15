"""The fit of the five layout/sizing constants of :class:`~models.circuit.calibration.Calibration`.

Run ``python -m models.circuit.fit`` (about 7 minutes on two cores) to redo it.  What it does:

* data: DeepNVM++ (Inci et al., arXiv:2012.04559) Table II at 3 MB, 16 nm: the 18 entries (read/write latency,
  read/write energy, leakage, area of SRAM, STT and SOT), the two area ratios SRAM/STT 2.4 and SRAM/SOT 2.8 and
  the iso-area capacities in the 3 MB SRAM's area (STT 7 MB, SOT 10 MB);
* objective: the root mean square of the natural-log errors of those 22 numbers (every entry weighted alike);
* constraints: DeepNVM++ Fig. 9 / Sec. IV-C text over 1-32 MB, each a yes/no test that a candidate must pass:
  SOT read energy above SRAM at 1-4 MB and below it from 8 MB on (the crossing between 4 and 8 MB, around the
  paper's 7 MB), SRAM the highest write energy from 4 MB on, both MRAMs read faster than SRAM from 4 MB on and
  slower at 1-2 MB, STT the slowest writer everywhere, SRAM/MRAM area ratio larger at 32 MB than at 3 MB, every
  Table II entry within +-30 %;
* search: the full grid :data:`GRID` around each constant's physical estimate (see the field comments in
  ``calibration.py``); the best feasible point is kept.

Nothing else is fitted: the cells, the technology nodes and every other constant come from their sources.
"""

from __future__ import annotations

import itertools
import math
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
CAPS_MB = (1, 2, 3, 4, 6, 8, 12, 16, 24, 32)
GRID = {
    "area_per_width_F": (10.0, 13.0, 16.0, 20.0),
    "strip_overhead_F": (150.0, 250.0, 350.0),
    "predecoder_area_F2": (2.5e5, 5.0e5, 1.0e6),
    "wordline_stage_effort": (8.0, 16.0, 32.0),
    "htree_activity": (0.3, 0.4, 0.5),
}


def _from(mask: list[bool]) -> float:
    """Smallest capacity from which ``mask`` holds at every larger capacity (inf if not at the largest)."""
    out = math.inf
    for cap, ok in zip(reversed(CAPS_MB), reversed(mask), strict=True):
        if not ok:
            break
        out = cap
    return out


def evaluate(cal: Calibration, iso: bool = True) -> dict:
    """Residuals and Fig. 9 checks of one calibration (see the module docstring)."""

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
    if iso:
        d = iso_area(reference="sram", reference_MB=3, cells=["stt", "sot"], node_nm=16,
                     calibration=cal).set_index("technology")
        res["iso_stt"] = math.log(d.loc["stt", "capacity_MB"] / 7.0)
        res["iso_sot"] = math.log(d.loc["sot", "capacity_MB"] / 10.0)
    re_, we, rl, wl = piv("read_energy_nJ"), piv("write_energy_nJ"), piv("read_latency_ns"), piv("write_latency_ns")
    checks = {
        "sot_read_energy_below_sram_from": _from(list(re_.sot < re_.sram)),
        "sram_highest_write_energy_from": _from(list((we.sram > we.stt) & (we.sram > we.sot))),
        "mram_read_faster_from": _from(list((rl.stt < rl.sram) & (rl.sot < rl.sram))),
        "sram_reads_faster_at_1_2": bool(all(rl.sram[c] < min(rl.stt[c], rl.sot[c]) for c in (1, 2))),
        "sot_read_energy_above_sram_at_1_4": bool(all(re_.sot[c] > re_.sram[c] for c in (1, 2, 3, 4))),
        "stt_slowest_writer": bool(((wl.stt > wl.sram) & (wl.stt > wl.sot)).all()),
        "area_ratio_stt_3_32": (a.sram[3] / a.stt[3], a.sram[32] / a.stt[32]),
        "area_ratio_sot_3_32": (a.sram[3] / a.sot[3], a.sram[32] / a.sot[32]),
    }
    t2 = [v for k, v in res.items() if "." in k]
    feasible = (checks["sot_read_energy_below_sram_from"] <= 8 and checks["sram_highest_write_energy_from"] <= 4
                and checks["sot_read_energy_above_sram_at_1_4"]
                and checks["mram_read_faster_from"] <= 4 and checks["sram_reads_faster_at_1_2"]
                and checks["stt_slowest_writer"] and max(abs(x) for x in t2) <= math.log(1.3)
                and checks["area_ratio_stt_3_32"][1] > checks["area_ratio_stt_3_32"][0]
                and checks["area_ratio_sot_3_32"][1] > checks["area_ratio_sot_3_32"][0])
    rms = float(np.sqrt(np.mean(np.square(list(res.values())))))
    return {"rms_log_error": rms, "feasible": feasible, "residuals": res, "checks": checks}


def _run(point):
    kw = dict(zip(GRID, point, strict=True))
    out = evaluate(replace(DEFAULT, **kw))
    return kw, out


def main(processes: int = 2) -> None:
    points = list(itertools.product(*GRID.values()))
    with Pool(processes) as pool:
        results = pool.map(_run, points, chunksize=4)
    feasible = [r for r in results if r[1]["feasible"]]
    pool_ = feasible or results
    best = sorted(pool_, key=lambda r: r[1]["rms_log_error"])[:5]
    print(f"{len(points)} points, {len(feasible)} feasible")
    for kw, out in best:
        print(kw, f"rms {out['rms_log_error']:.3f}", out["checks"])
    kw, out = best[0]
    for k, v in out["residuals"].items():
        print(f"  {k:32s} {math.exp(v) - 1:+.1%}")


if __name__ == "__main__":
    main()
