"""How far set sampling can land from the full run by the luck of the sets it picks (``--sample-sets 1/K``).

``benchmarks/bench_sampling.py`` compares one sampled run per point with the full run: one draw of the sampled
(slice, set) pairs (nvmsim's fixed seed).  This benchmark measures the whole distribution of that error.  Per point
(chip, network, phase, L2 capacity) the L2 is simulated once with every (slice, set) pair counted on its own: its
DRAM requests beyond its first touches, its first touches, its accesses.  From those, the estimate of any subset of
``N // K`` pairs is exact arithmetic (nvmsim's difference estimator, :func:`simulator.gpu.fast.sampled_l2`: first
touches counted on every pair, the rest scaled by ``N / n``), so thousands of random subsets give the estimator's
true spread.  Checked in the run: the subset nvmsim's seed picks (:func:`simulator.gpu.fast.sample_table`) gives
the DRAM requests the sampled run itself reports (to rounding), and every pair together the full run's, exactly.

Also shown, as a measured direction (not what nvmsim does): post-stratification by each pair's access count (8
strata by quantile, known exactly for every pair after the run), which removes the part of the spread that comes
from how many accesses the sampled pairs happen to receive.

Usage: ``python benchmarks/bench_sampling_spread.py [--points chip:network:phase:MB,...] [--k 8] [--draws 2000]``
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

from simulator.gpu import fast, load_chip, simulate_gpu  # noqa: E402
from simulator.gpu.counts import dram_requests  # noqa: E402
from simulator.gpu.kernels.first_touch import FirstTouch  # noqa: E402
from simulator.gpu.kernels.stats import N_STATS  # noqa: E402
from simulator.gpu.l2map import set_keys_for  # noqa: E402
from simulator.gpu.levels import make_l1, make_l2  # noqa: E402
from traces import network_trace  # noqa: E402

CHIPS = {"gtx1080ti": {"l2": {"set_index": "fold"}}, "gtx1080ti-deepnvm": None}
"""The chips of bench_sampling.py (the realistic GP102 takes the ``fold`` set index, for any set count)."""
POINTS = ("gtx1080ti:mobilenetv2:inference:6,gtx1080ti:mobilenetv2:inference:12,gtx1080ti:resnet34:inference:12,"
          "gtx1080ti:resnet18:inference:12,gtx1080ti:squeezenet:inference:12,gtx1080ti:googlenet:inference:24,"
          "gtx1080ti:vgg16:inference:6,gtx1080ti-deepnvm:alexnet:inference:12")
"""The five points bench_sampling.py found beyond 1 %, the one with the largest estimated error, two within."""
STRATA = 8


def per_pair(chip, trace, mb: float) -> dict:
    """One full pass of capacity ``mb`` with one statistics row per (slice, set) pair: per pair its DRAM requests
    beyond its first touches, its first-touch DRAM requests and its accesses."""
    c = chip.with_l2_MB(mb)
    l1, l2 = make_l1(chip), make_l2(c)
    sets, slices = c.l2.sets_per_slice, c.l2.slices
    n_pairs = sets * slices
    first_touch = FirstTouch(1 << l2.sshift)
    stats = np.zeros((n_pairs, N_STATS), dtype=np.int64)
    first = np.zeros((n_pairs, 2), dtype=np.int64)
    accesses = np.zeros(n_pairs, dtype=np.int64)
    for ch in trace:
        if len(ch) == 0:
            continue
        st = fast._l1_stage(ch, chip, l1, first_touch)
        key = set_keys_for(st["key"], c.l2)
        pair = st["slice"] * sets + key % sets
        stats += l2.run(st["addr2"], st["w2"], st["slice"], key, pair, n_pairs)[0].sum(axis=1)
        f = st["first"]
        first += np.stack([np.bincount(pair[f & ~st["w2"]], minlength=n_pairs),
                           np.bincount(pair[f & st["w2"]], minlength=n_pairs)], axis=1)
        accesses += np.bincount(pair, minlength=n_pairs)
    residual = fast.dram_residuals(stats[:, None, :], first[:, None, :], l2.next_level_rule)[:, 0]
    total = float(dram_requests(stats).sum())
    return {"residual": residual, "known": total - residual.sum(), "total": total, "accesses": accesses,
            "slices": slices, "sets": sets}


def spread(d: dict, k: int, draws: int, seed: int = 1) -> dict:
    """Errors of the estimate over ``draws`` random subsets of ``N // k`` pairs: nvmsim's estimator and the
    post-stratified one; and the error of the subset nvmsim's seed picks."""
    y, a, total, known = d["residual"], d["accesses"].astype(float), d["total"], d["known"]
    n_pairs = len(y)
    table, scale = fast.sample_table(d["slices"], d["sets"], k)
    n = int(round(n_pairs / scale))
    edges = np.quantile(a, np.linspace(0, 1, STRATA + 1)[1:-1])
    h = np.searchsorted(edges, a, side="right")
    size = np.bincount(h, minlength=STRATA)
    rng = np.random.default_rng(seed)
    plain, strat = np.empty(draws), np.empty(draws)
    for i in range(draws):
        s = rng.permutation(n_pairs)[:n]
        plain[i] = known + scale * y[s].sum()
        nh = np.bincount(h[s], minlength=STRATA)
        yh = np.bincount(h[s], weights=y[s], minlength=STRATA)
        ok = nh > 0
        strat[i] = known + (size[ok] / nh[ok] * yh[ok]).sum() + size[~ok].sum() * y[s].mean()
    seed_est = known + scale * y[table >= 0].sum()
    return {"plain": plain / total - 1, "strat": strat / total - 1, "seed": seed_est / total - 1}


def run(points, k: int, draws: int, batch: int) -> list[dict]:
    rows = []
    for spec in points:
        chip_name, net, phase, mb = spec.split(":")
        mb = float(mb)
        chip = load_chip(chip_name, overrides=CHIPS.get(chip_name))
        trace = network_trace(net, phase=phase, batch=batch, chip=chip)
        t0 = time.perf_counter()
        d = per_pair(chip, trace, mb)
        full = simulate_gpu(trace, chip, l2_MB=[mb]).totals
        sampled = simulate_gpu(trace, chip, l2_MB=[mb], sample_sets=k).totals
        full_dram = float((full["dram_reads"] + full["dram_writes"]).iloc[0])
        atoms = full_dram / d["total"]  # DRAM accesses per L2 request: the pairs together must be the full run
        if abs(atoms - round(atoms)) > 1e-9:
            raise SystemExit(f"{spec}: the per-pair pass counts {d['total']:.0f} DRAM requests, the full run "
                             f"{full_dram:.0f} accesses (not a whole multiple)")
        run_err = float((sampled["dram_reads"] + sampled["dram_writes"]).iloc[0]) / full_dram - 1
        s = spread(d, k, draws)
        rows.append({"point": f"{chip_name} {net} {phase} {mb:g} MB", "pairs": len(d["residual"]),
                     "residual_share": d["residual"].sum() / d["total"],
                     "run_err": run_err, "seed_err": s["seed"], "rse": float(sampled["dram_accesses_rse"].iloc[0]),
                     "sd": s["plain"].std(), "p1": float((np.abs(s["plain"]) > 0.01).mean()),
                     "worst": float(np.abs(s["plain"]).max()), "sd_strat": s["strat"].std(),
                     "p1_strat": float((np.abs(s["strat"]) > 0.01).mean()), "s": time.perf_counter() - t0})
        r = rows[-1]
        print(f"{r['point']:42s} sd {r['sd'] * 100:.2f} %  P(>1%) {r['p1']:.2f}  nvmsim's draw "
              f"{r['run_err'] * 100:+.2f} % (from pairs {r['seed_err'] * 100:+.2f} %)  "
              f"stratified sd {r['sd_strat'] * 100:.2f} %", flush=True)
    return rows


def markdown(rows, k: int, draws: int, batch: int, load: str) -> str:
    lines = [f"Spread of the set-sampled DRAM accesses (`--sample-sets 1/{k}`) over {draws} random choices of the "
             f"sampled (slice, set) pairs, batch {batch} (`python benchmarks/bench_sampling_spread.py`). Each point's "
             "L2 simulated once with every pair counted on its own; a subset's estimate is then arithmetic "
             "(nvmsim's difference estimator). `sd`: the estimator's real standard error; `P(>1 %)`: the share of "
             "choices off by more than 1 %; `nvmsim's draw`: the error of the sampled run itself (its fixed seed), "
             "beside what the pairs give for the same subset (equal to rounding: the check that the per-pair "
             "counts are the sampled run's); `rse`: the error that run estimates for itself. `stratified`: the "
             f"same draws post-stratified by accesses per pair ({STRATA} strata), a direction measured, not used. "
             f"Load average {load}.", "",
             "| point | pairs | beyond first touches | sd | P(>1 %) | worst | nvmsim's draw (from pairs) | rse | "
             "stratified sd | stratified P(>1 %) |", "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        lines.append(f"| {r['point']} | {r['pairs']} | {r['residual_share'] * 100:.0f} % | {r['sd'] * 100:.2f} % | "
                     f"{r['p1']:.2f} | {r['worst'] * 100:.1f} % | {r['run_err'] * 100:+.2f} % "
                     f"({r['seed_err'] * 100:+.2f} %) | {r['rse'] * 100:.2f} % | {r['sd_strat'] * 100:.2f} % | "
                     f"{r['p1_strat']:.2f} |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--points", default=POINTS, help="chip:network:phase:MB, comma-separated")
    ap.add_argument("--k", type=int, default=8)
    ap.add_argument("--draws", type=int, default=2000)
    ap.add_argument("--batch", type=int, default=4)
    ap.add_argument("--no-write", action="store_true")
    a = ap.parse_args()
    load0 = " ".join(f"{x:.1f}" for x in os.getloadavg())
    rows = run(a.points.split(","), a.k, a.draws, a.batch)
    load1 = " ".join(f"{x:.1f}" for x in os.getloadavg())
    text = markdown(rows, a.k, a.draws, a.batch, f"{load0} before, {load1} after")
    print(text)
    if not a.no_write:
        write_section("sampling-spread", text)


if __name__ == "__main__":
    main()
