"""Speed of nvmsim's circuit-model searches, against an earlier nvmsim and against NVSim, measured side by side.

What is timed (each search cold: nvmsim's caches emptied first; best of ``--repeat``; CPU seconds of this process
and wall seconds):

* the stock model's full search of one cache, NVSim's organisation space for its eight targets in the three access
  types (Normal, Fast, Sequential; data and tag arrays) -- ``design_point(cell, MB, 28, mode="cache")``, for the
  28 nm cells at 128 KB-64 MB;
* the 16 nm DeepNVM++ table (3 cells x 7 capacities, 1-32 MB, the fitted model);
* the scratchpad table (sram28 + stt28, RAM mode, 8 capacities 32 KB-512 MB).

``--before COMMIT`` runs the same timings on nvmsim at that commit (``git archive`` into a temporary folder, run in
a subprocess in the same session) and prints the ratios; the two trees are timed alternately, ``--rounds`` fresh
processes each, and the best of every timing is kept (this machine's speed drifts over minutes), and
``--before-note`` says in the table what that commit is.  ``--nvsim PATH`` runs that NVSim binary on the inputs
``nvmsim tech nvsim-inputs`` writes for the same caches (one run per access type: NVSim's search evaluates every
target whichever one it prints) and times it (its children's CPU seconds), for the capacities in ``--nvsim-mb``.
Run: ``python benchmarks/bench_circuit.py [--before a21a85d --before-note "..."] [--rounds 2] [--nvsim PATH]``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
ROOT = Path(__file__).resolve().parents[1]

from _results import write_section  # noqa: E402

STOCK_CELLS = ("sram28", "stt28")
STOCK_MB = (0.125, 1.0, 4.0, 32.0, 64.0)
FIG9_MB = [1, 2, 3, 4, 8, 16, 32]
SPAD_MB = [1 / 32, 1 / 8, 0.5, 2, 8, 32, 128, 512]

# the timing code, run in a fresh interpreter on the tree under test (this one or an earlier commit's)
PROBE = r"""
import functools, gc, json, sys, time
import models.tables as tables
from models import design_point, tech_table

def clear():
    for name, mod in list(sys.modules.items()):
        if name.startswith("models"):
            for obj in list(vars(mod).values()):
                if isinstance(obj, functools._lru_cache_wrapper):
                    obj.cache_clear()
    gc.collect()

def timed(fn, repeat):
    best = (float("inf"), float("inf"))
    for _ in range(repeat):
        clear()
        c, w = time.process_time(), time.perf_counter()
        fn()
        best = min(best, (time.process_time() - c, time.perf_counter() - w))
    return best

args = json.loads(sys.argv[1])
design_point("stt28", 0.5, 28, mode="ram")  # load the compiled kernels once
design_point("sram", 3, 16)
out = {"stock": {}, "candidates": {}}
for cell in args["cells"]:
    for mb in args["mb"]:
        out["stock"][f"{cell} {mb:g}"] = timed(lambda: design_point(cell, mb, 28, mode="cache"), args["repeat"])
        out["candidates"][f"{cell} {mb:g}"] = design_point(cell, mb, 28, mode="cache").candidates
out["fig9"] = timed(lambda: tech_table(cells=["sram", "stt", "sot"], capacities_MB=args["fig9"]), args["repeat"])
out["spad"] = timed(lambda: tech_table(cells=["sram28", "stt28"], capacities_MB=args["spad"], node_nm=28,
                                       mode="ram"), 1)
print("RESULT" + json.dumps(out))
"""


def probe(tree: Path, repeat: int) -> dict:
    """The timings of the nvmsim tree at ``tree``, in a fresh interpreter."""
    env = {**os.environ, "PYTHONPATH": str(tree), "NVMSIM_NO_PROGRESS": "1",
           "NUMBA_CACHE_DIR": str(Path(tempfile.gettempdir()) / f"numba-bench-{abs(hash(str(tree)))}")}
    arg = json.dumps({"cells": STOCK_CELLS, "mb": STOCK_MB, "fig9": FIG9_MB, "spad": SPAD_MB, "repeat": repeat})
    run = subprocess.run([sys.executable, "-c", PROBE, arg], cwd=tree, env=env, capture_output=True, text=True,
                         check=True)
    line = next(x for x in run.stdout.splitlines() if x.startswith("RESULT"))
    return json.loads(line[len("RESULT"):])


def _best(old: dict | None, new: dict) -> dict:
    """The faster of two probes, per timing (the candidate counts are the same)."""
    if old is None:
        return new
    out = {"stock": {k: min(v, new["stock"][k]) for k, v in old["stock"].items()}, "candidates": old["candidates"]}
    for key in ("fig9", "spad"):
        out[key] = min(old[key], new[key])
    return out


def checkout(commit: str, where: Path) -> Path:
    """nvmsim at ``commit`` (``git archive``) under ``where``."""
    tar = where / "tree.tar"
    subprocess.run(["git", "archive", "-o", str(tar), commit], cwd=ROOT, check=True)
    with tarfile.open(tar) as t:
        t.extractall(where / "tree", filter="data")
    return where / "tree"


def nvsim_time(binary: str, cell: str, mb: float, work: Path) -> tuple[float, float]:
    """NVSim's CPU and wall seconds for the three access types of one cache (16 ways, 128 B lines, 28 nm)."""
    cpu = wall = 0.0
    kb = int(round(mb * 1024))
    for acc in ("normal", "fast", "sequential"):
        d = work / f"{cell}_{kb}_{acc}"
        d.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, "-m", "simulator.cli", "tech", "nvsim-inputs", "--cell", cell, "--capacity",
                        f"{kb}KB", "--node", "28", "--mode", "cache", "--access-type", acc, "--out", str(d)],
                       cwd=ROOT, check=True, capture_output=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
        cfg = next(d.glob("*.cfg"))
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        subprocess.run([binary, cfg.name], cwd=d, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wall += time.perf_counter() - t0
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu += (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, wall


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--before", help="an earlier commit to time side by side")
    ap.add_argument("--nvsim", help="an NVSim binary to time side by side")
    ap.add_argument("--nvsim-mb", default="0.125,1", help="capacities (MB) NVSim is run at")
    ap.add_argument("--before-note", default="the commit compared against",
                    help="what the --before commit is, for the table's note")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--rounds", type=int, default=2,
                    help="fresh processes per tree, alternating this tree and --before (best of all taken: the "
                         "machine's speed drifts over minutes)")
    args = ap.parse_args()

    now = before = None
    with tempfile.TemporaryDirectory() as tmp:
        tree = checkout(args.before, Path(tmp)) if args.before else None
        for _ in range(args.rounds):
            now = _best(now, probe(ROOT, args.repeat))
            if tree is not None:
                before = _best(before, probe(tree, args.repeat))
        nv = {}
        if args.nvsim:
            for cell in STOCK_CELLS:
                for mb in (float(x) for x in args.nvsim_mb.split(",")):
                    nv[f"{cell} {mb:g}"] = nvsim_time(args.nvsim, cell, mb, Path(tmp) / "nvsim")

    head = "| cell | capacity | designs searched (NVSim's count) | nvmsim CPU s | wall s |"
    sep = "|---|---|---|---|---|"
    if before:
        head += f" {args.before} CPU s | speed-up |"
        sep += "---|---|"
    if nv:
        head += " NVSim CPU s (3 runs) | NVSim / nvmsim |"
        sep += "---|---|"
    rows = []
    for key, (cpu, wall) in now["stock"].items():
        cell, mb = key.split()
        cap = f"{float(mb) * 1024:g} KB" if float(mb) < 1 else f"{float(mb):g} MB"
        row = f"| {cell} | {cap} | {now['candidates'][key]:,} | {cpu:.3f} | {wall:.3f} |"
        if before:
            b = before["stock"].get(key, (float("nan"),))[0]
            row += f" {b:.3f} | {b / cpu:.2f}x |"
        if nv:
            n = nv.get(key)
            row += f" {n[0]:.1f} | {n[0] / cpu:,.0f}x |" if n else " - | - |"
        rows.append(row)
    worst = max(c for c, _ in now["stock"].values())
    load = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    lines = [
        "Cold searches (nvmsim's caches emptied), best of the repeats and rounds; CPU seconds of the process (the",
        "machine's 2 cores are shared with other jobs, so wall times are noisy).",
        f"Machine load at the end of the run (`uptime`): {load}.",
        "",
        "**Stock model, one cache's full search** (NVSim's organisation space and choice, 8 targets x 3 access types,",
        "data and tag arrays; `design_point(cell, MB, 28, mode=\"cache\")`):",
        "",
        head, sep, *rows, "",
        f"- Slowest full search: **{worst:.2f} s CPU** (the issue's bound: 0.5 s).",
        f"- DeepNVM++ table (16 nm fitted model, 3 cells x 7 capacities): **{now['fig9'][0]:.2f} s CPU**"
        + (f" ({args.before}: {before['fig9'][0]:.2f} s, ratio {now['fig9'][0] / before['fig9'][0]:.2f})"
           if before else "") + ".",
        f"- Scratchpad table (sram28 + stt28, RAM mode, 8 capacities 32 KB-512 MB): **{now['spad'][0]:.2f} s CPU**"
        + (f" ({args.before}: {before['spad'][0]:.2f} s)" if before else "") + ".",
    ]
    if before:
        lines.append(f"- `{args.before}` is {args.before_note}; the two trees were timed alternately, "
                     f"{args.rounds} fresh processes each.")
    if nv:
        lines.append(f"- NVSim: `{args.nvsim}` (public source at 1938868f, -O2), one run per access type on the inputs "
                     "`nvmsim tech nvsim-inputs` writes, timed in the same session.")
    md = "\n".join(lines)
    print(md)
    write_section("circuit", md)


if __name__ == "__main__":
    main()
