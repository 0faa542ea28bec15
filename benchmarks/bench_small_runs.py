"""Short fast-mode runs (issues 14 and 17): where a half-million-request trace at five L2 capacities spends its
time, before and after, side by side in one run.

The traces are the two kernel sequences ``bench_accelsim.py`` runs Accel-Sim on side by side (AlexNet inference
kernels 29-34: fc layers, every L2 access a miss; ResNet-18 training kernels 269-284), on ``sm6-titanx`` with the
XOR set index and random partitions, at 1.5 / 3 / 6 / 12 / 24 MB.  Three measurements, each in a fresh process
per source tree, the trees alternating (``--baseline-src DIR``: another tree, ``git archive <commit> | tar -x -C
DIR``):

1. the whole ``simulate_gpu`` call over the five capacities (trace generation included): best wall and CPU time of
   ``--reps`` calls, and the page faults of a call;
2. the L2 lookups alone on the L2 stream of the trace, one capacity at a time: nanoseconds per lookup (best and
   median of ``--reps``);
3. the address map (byte address -> slice and set key) for each partition hash, 2 M random addresses:
   nanoseconds per address.

Counts must agree between the trees (checked).  Run: ``python benchmarks/bench_small_runs.py [--baseline-src DIR]
[--rounds N] [--reps R] [--no-write] [--section NAME]``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks._results import write_section  # noqa: E402

TRACES = ("alexnet_inf_b1_k29_34", "resnet18_train_b1_k269_284")
CAPACITIES_MB = (1.5, 3.0, 6.0, 12.0, 24.0)
L2_ONLY_MB = (1.5, 6.0, 24.0)
HASHES = ("linear", "xor", "random", "ipoly", "fold")

CHILD = r"""
import json, resource, sys, time
import numpy as np
from simulator import load_chip, simulate_gpu
from simulator.gpu import fast as F
from simulator.gpu.levels import make_l1, make_l2
from simulator.gpu.l2map import map_l2, set_keys_for
from tests.test_accelsim_counts import SETTINGS, nvmsim_trace
import dataclasses

reps = int(sys.argv[1])
out = {"runs": {}, "l2": {}, "map": {}}
for trace in sys.argv[2].split(","):
    tr, kernels = nvmsim_trace(trace)
    chip = load_chip("sm6-titanx", overrides={"l2": SETTINGS["xor_random"]})
    caps = [float(x) for x in sys.argv[3].split(",")]

    def one():
        return simulate_gpu((c for k in kernels for c in tr.iter_kernel(k)), chip, l2_MB=caps, mode="fast")

    r = one()
    walls, cpus, faults = [], [], []
    for _ in range(reps):
        f0 = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        t0, c0 = time.perf_counter(), time.process_time()
        one()
        walls.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
        faults.append(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - f0)
    out["runs"][trace] = {"wall": min(walls), "cpu": min(cpus), "faults": int(np.median(faults)),
                          "requests": int(tr.kernels.set_index("kernel").loc[list(kernels)].requests.sum()),
                          "counts": r.totals[["dram_reads", "dram_writes", "l2_read_hits"]].values.tolist()}
    l1 = make_l1(chip)
    stages = [F._l1_stage(c, chip, l1) for k in kernels for c in tr.iter_kernel(k)]
    n = sum(len(s["key"]) for s in stages)
    for mb in [float(x) for x in sys.argv[4].split(",")]:
        c = load_chip("sm6-titanx", l2_MB=mb, overrides={"l2": SETTINGS["xor_random"]})
        keys = [set_keys_for(s["key"], c.l2) for s in stages]
        ts, hits = [], 0
        for _ in range(reps + 1):
            l2 = make_l2(c)
            t0 = time.perf_counter()
            hits = 0
            for s, k in zip(stages, keys):
                hits += int(l2.run(s["addr2"], s["w2"], s["slice"], k, s["g2"], s["ng"])[0][..., 0].sum())
            ts.append(time.perf_counter() - t0)
        ts = ts[1:]
        out["l2"][f"{trace}/{mb:g}"] = {"best": min(ts) / n * 1e9, "median": float(np.median(ts)) / n * 1e9,
                                         "hits": hits}
rng = np.random.default_rng(1)
addr = rng.integers(0, 2**31, 2_000_000, dtype=np.uint64) & ~np.uint64(31)
for h in sys.argv[5].split(","):
    base = load_chip("gtx1080ti-deepnvm" if h == "fold" else "sm6-titanx")
    l2 = dataclasses.replace(base.l2, channel_hash=h)
    map_l2(addr[:10], l2)
    ts = []
    for _ in range(reps):
        t0 = time.perf_counter()
        s, k = map_l2(addr, l2)
        ts.append(time.perf_counter() - t0)
    out["map"][h] = {"best": min(ts) / len(addr) * 1e9, "check": [int(s.sum()), int(k.sum())]}
print(json.dumps(out))
"""


def child(tree: Path, reps: int, numba_dir: Path) -> dict:
    env = dict(os.environ, PYTHONPATH=str(tree), NUMBA_CACHE_DIR=str(numba_dir), NVMSIM_NO_PROGRESS="1")
    args = [str(reps), ",".join(TRACES), ",".join(f"{c:g}" for c in CAPACITIES_MB),
            ",".join(f"{c:g}" for c in L2_ONLY_MB), ",".join(HASHES)]
    r = subprocess.run([sys.executable, "-c", CHILD, *args], env=env, cwd=tree, capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit(f"{tree}: {r.stderr.strip().splitlines()[-1] if r.stderr.strip() else r.returncode}")
    return json.loads(r.stdout.strip().splitlines()[-1])


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--baseline-src", type=Path, default=None)
    ap.add_argument("--rounds", type=int, default=3, help="processes per tree, alternating")
    ap.add_argument("--reps", type=int, default=7, help="repetitions per process")
    ap.add_argument("--no-write", action="store_true")
    ap.add_argument("--section", default="small-runs", help="RESULTS.md section to write")
    args = ap.parse_args(argv)
    trees = {"before": args.baseline_src.resolve()} if args.baseline_src else {}
    trees["after"] = ROOT
    load = [os.getloadavg()]
    res: dict[str, list[dict]] = {k: [] for k in trees}
    with tempfile.TemporaryDirectory() as tmpd:
        numba = {k: Path(tmpd) / f"numba-{k}" for k in trees}
        for label, tree in trees.items():  # compile outside the measured rounds
            child(tree, 1, numba[label])
        for _ in range(args.rounds):
            for label, tree in trees.items():
                res[label].append(child(tree, args.reps, numba[label]))
                print(label, json.dumps(res[label][-1]["runs"]), flush=True)
    load.append(os.getloadavg())
    ref = res["after"][0]
    for label in trees:
        for r in res[label]:
            for t in TRACES:
                if r["runs"][t]["counts"] != ref["runs"][t]["counts"]:
                    raise SystemExit(f"{label} {t}: DRAM counts differ")
            for key, v in r["l2"].items():
                if v["hits"] != ref["l2"][key]["hits"]:
                    raise SystemExit(f"{label} {key}: L2 hits differ")
            for h, v in r["map"].items():
                if v["check"] != ref["map"][h]["check"]:
                    raise SystemExit(f"{label} map {h}: slices or keys differ")

    def best(label, part, key, field):
        return min(r[part][key][field] for r in res[label])

    cols = list(trees)
    ratio = "before" in trees
    lines = [f"`simulate_gpu` fast mode, `sm6-titanx` (XOR set index, random partitions), the traces "
             f"`bench_accelsim.py` runs Accel-Sim on side by side, {len(CAPACITIES_MB)} capacities in one call; "
             f"best of {args.reps} calls x {args.rounds} processes per tree, the trees alternating. Counts "
             "(DRAM reads and writes, L2 hits, address-map slices and keys) identical in every tree (checked).", "",
             "| trace | requests | " + " | ".join(f"{k}: wall ms / CPU ms / page faults" for k in cols)
             + (" | before / after (wall) |" if ratio else " |"),
             "|---|---:|" + "---:|" * len(cols) + ("---:|" if ratio else "")]
    for t in TRACES:
        cells = [f"{best(k, 'runs', t, 'wall') * 1e3:.1f} / {best(k, 'runs', t, 'cpu') * 1e3:.1f} / "
                 f"{min(r['runs'][t]['faults'] for r in res[k])}" for k in cols]
        extra = [f"{best('before', 'runs', t, 'wall') / best('after', 'runs', t, 'wall'):.2f}"] if ratio else []
        lines.append(f"| {t} | {ref['runs'][t]['requests']:,} | " + " | ".join(cells + extra) + " |")
    lines += ["", "L2 lookups alone (the trace's L2 stream through one capacity), ns per lookup, best / median:", "",
              "| trace | L2 MB | " + " | ".join(cols) + (" | before / after (best) |" if ratio else " |"),
              "|---|---:|" + "---:|" * len(cols) + ("---:|" if ratio else "")]
    for key in ref["l2"]:
        t, mb = key.split("/")
        cells = [f"{best(k, 'l2', key, 'best'):.1f} / {min(r['l2'][key]['median'] for r in res[k]):.1f}"
                 for k in cols]
        extra = [f"{best('before', 'l2', key, 'best') / best('after', 'l2', key, 'best'):.2f}"] if ratio else []
        lines.append(f"| {t} | {mb} | " + " | ".join(cells + extra) + " |")
    lines += ["", "Address map, 2 M random addresses, ns per address (best; `fold` on `gtx1080ti-deepnvm`, the others "
              "on `sm6-titanx`, 12 channels x 2 sub-partitions):", "",
              "| partition hash | " + " | ".join(cols) + (" | before / after |" if ratio else " |"),
              "|---|" + "---:|" * len(cols) + ("---:|" if ratio else "")]
    for h in HASHES:
        extra = [f"{best('before', 'map', h, 'best') / best('after', 'map', h, 'best'):.2f}"] if ratio else []
        lines.append(f"| {h} | " + " | ".join(f"{best(k, 'map', h, 'best'):.2f}" for k in cols)
                     + (" | " + " | ".join(extra) if extra else "") + " |")
    lines += ["", "Load average (1/5/15 min) before -> after: " + " -> ".join(" ".join(f"{x:.2f}" for x in la)
                                                                       for la in load) + f" on {os.cpu_count()} cores."]
    md = "\n".join(lines)
    print(md)
    if not args.no_write:
        write_section(args.section, "### Short fast-mode runs\n\n" + md)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
