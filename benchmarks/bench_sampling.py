"""Set sampling (``--sample-sets 1/K``) against the full simulation, over the zoo at 3-24 MB.

For every zoo network (inference and training, batch 4 by default: small enough for the full simulation to run
here, large enough that sampling is what it is for; a batch-1 LeNet-5 touches so few lines that one set in eight
holds a few hundred of them and the estimate is off by several percent, which its own ``rse`` says) the L2 sweep's
DRAM accesses are simulated twice in one process, every set and one set in K (default
K = 8), on the main job's chip (``gtx1080ti-deepnvm``) and on the realistic sectored GP102 (``gtx1080ti`` with the
``fold`` set index, which takes any set count). The table gives, per network and capacity, the relative error of
the sampled DRAM accesses, the error the sampled run itself estimates (``dram_accesses_rse``), and the wall time of
both runs; the bar is |error| <= 1 % at K = 8.

Usage: ``python benchmarks/bench_sampling.py [--k 8] [--networks a,b] [--chips a,b] [--no-write]``
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(1, str(Path(__file__).resolve().parents[1]))
from _results import write_section  # noqa: E402

from simulator.gpu import load_chip, simulate_gpu  # noqa: E402
from traces import network_trace  # noqa: E402
from workloads import zoo  # noqa: E402

CAPS_MB = (3.0, 6.0, 12.0, 24.0)
CHIPS = {"gtx1080ti-deepnvm": None, "gtx1080ti": {"l2": {"set_index": "fold"}}}


def _dram(totals) -> np.ndarray:
    return (totals["dram_reads"] + totals["dram_writes"]).to_numpy(float)


def run(networks, phases, k: int, chips, batch: int) -> list[dict]:
    rows = []
    for chip_name in chips:
        chip = load_chip(chip_name, overrides=CHIPS.get(chip_name))
        for net in networks:
            for phase in phases:
                trace = network_trace(net, phase=phase, batch=batch, chip=chip)
                t0 = time.perf_counter()
                full = simulate_gpu(trace, chip, l2_MB=CAPS_MB).totals
                t1 = time.perf_counter()
                sampled = simulate_gpu(trace, chip, l2_MB=CAPS_MB, sample_sets=k).totals
                t2 = time.perf_counter()
                err = _dram(sampled) / _dram(full) - 1.0
                for cap, e, rse in zip(CAPS_MB, err, sampled["dram_accesses_rse"], strict=True):
                    rows.append({"chip": chip_name, "network": net, "phase": phase, "l2_MB": cap, "error": e,
                                 "rse": float(rse), "full_s": t1 - t0, "sampled_s": t2 - t1,
                                 "requests": trace.n_accesses})
                print(f"{chip_name:18s} {net:16s} {phase:9s} |err| max {np.abs(err).max() * 100:.3f} % "
                      f"({t1 - t0:.1f} s full, {t2 - t1:.1f} s sampled)", flush=True)
    return rows


def markdown(rows, k: int, batch: int, load: str) -> str:
    worst = max(abs(r["error"]) for r in rows)
    within = sum(abs(r["error"]) <= 0.01 for r in rows)
    runs = {(r["chip"], r["network"], r["phase"]): (r["full_s"], r["sampled_s"]) for r in rows}
    ratio = [s / f for f, s in runs.values() if f >= 1.0]  # runs under a second are mostly fixed costs
    full, sampled = (sum(t[i] for t in runs.values()) for i in (0, 1))
    lines = [f"DRAM accesses with one L2 set in {k} simulated (`--sample-sets 1/{k}`) against every set, zoo networks "
             f"at batch {batch}, L2 {', '.join(f'{c:g}' for c in CAPS_MB)} MB (`python benchmarks/bench_sampling.py`). "
             f"Load average {load}. **{within} of {len(rows)} points within 1 %; worst |error| "
             f"{worst * 100:.2f} %.** `rse` is the error the sampled run estimates for itself. Time: the sampled "
             f"runs took {sampled / full:.2f}x the full runs' wall time over the table ({sampled:.0f} s / {full:.0f} "
             f"s); per run {min(ratio, default=float('nan')):.2f}-{max(ratio, default=float('nan')):.2f}x "
             "(runs of a second or more).", "",
             "| chip | network | phase | requests | error at " + " / ".join(f"{c:g}" for c in CAPS_MB)
             + " MB (%) | estimated rse (%) | full s | sampled s |", "|---|---|---|---|---|---|---|---|"]
    key = lambda r: (r["chip"], r["network"], r["phase"])  # noqa: E731
    groups: dict = {}
    for r in rows:
        groups.setdefault(key(r), []).append(r)
    for (chip, net, phase), g in groups.items():
        errs = " / ".join(f"{r['error'] * 100:+.2f}" for r in g)
        rses = " / ".join(f"{r['rse'] * 100:.2f}" for r in g)
        lines.append(f"| {chip} | {net} | {phase} | {g[0]['requests'] / 1e6:.1f} M | {errs} | {rses} | "
                     f"{g[0]['full_s']:.1f} | {g[0]['sampled_s']:.1f} |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--k", type=int, default=8)
    ap.add_argument("--batch", type=int, default=4)
    ap.add_argument("--networks", default=",".join(zoo.names()))
    ap.add_argument("--phases", default="inference,training")
    ap.add_argument("--chips", default=",".join(CHIPS))
    ap.add_argument("--no-write", action="store_true")
    a = ap.parse_args()
    load0 = " ".join(f"{x:.1f}" for x in os.getloadavg())
    rows = run(a.networks.split(","), a.phases.split(","), a.k, a.chips.split(","), a.batch)
    load1 = " ".join(f"{x:.1f}" for x in os.getloadavg())
    text = markdown(rows, a.k, a.batch, f"{load0} before, {load1} after")
    print(text)
    if not a.no_write:
        write_section("sampling", text)


if __name__ == "__main__":
    main()
