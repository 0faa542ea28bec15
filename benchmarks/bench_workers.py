"""``--workers``, resumption and sharing of a sweep, measured as a user runs them (fresh ``nvmsim`` processes).

* **workers**: the README's main job (``sweep-l2`` AlexNet inference b4: one workload, four capacities) and a
  reproduce-like grid (``iso-capacity`` over four networks: four workloads) in-process (``--workers 1``) and on
  two processes (``--workers 2``), each into an empty store; the default (``--workers auto``) is set from these.
* **kill and resume**: the main job with checkpoints every ``--checkpoint-s`` seconds, SIGKILLed at 60 % of its
  uninterrupted time, then rerun: the work lost, and whether the result files are byte-identical.
* **checkpoint cost**: the main job with the default 30 s checkpoints against none.
* **two runs into one store**: two processes started together on the same ``--out``: their wall time against
  one run (shared work: both end when the work of one is done).

The machine's load average is recorded before and after each run: on a shared machine the times move with it.

Usage: ``python benchmarks/bench_workers.py [--checkpoint-s 5] [--skip-grid]``
"""

from __future__ import annotations

import argparse
import filecmp
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _results import write_section  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
MAIN = ["sweep-l2", "--network", "alexnet", "--phase", "inference", "--batch", "4"]
GRID = ["iso-capacity", "--networks", "alexnet,squeezenet,resnet18,googlenet", "--phases", "inference",
        "--inference-batch", "1", "--l2", "3"]


def _env(**extra) -> dict:
    return {**os.environ, "NVMSIM_NO_PROGRESS": "1", "PYTHONPATH": str(ROOT), **extra}


def _load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def start(args: list[str], out: Path, **env) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "simulator.cli", *args, "--out", str(out), "--quiet"],
                            env=_env(**env), cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def timed(args: list[str], out: Path, **env) -> dict:
    before = _load()
    t0 = time.perf_counter()
    p = start(args, out, **env)
    _, err = p.communicate()
    if p.returncode:
        raise SystemExit(f"nvmsim {' '.join(args)} failed: {err.decode()[-2000:]}")
    return {"s": time.perf_counter() - t0, "load": f"{before} -> {_load()}"}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--checkpoint-s", type=float, default=5.0)
    ap.add_argument("--skip-grid", action="store_true")
    a = ap.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        jobs = [("main job (sweep-l2 alexnet inference b4: 1 workload x 4 capacities)", MAIN)]
        if not a.skip_grid:
            jobs.append(("grid (iso-capacity, 4 networks inference b1 at 3 MB: 4 workloads)", GRID))
        for name, args in jobs:
            for w in ("1", "2"):
                r = timed([*args, "--workers", w], tmp / f"w{w}-{len(rows)}")
                rows.append(f"| {name} | {w} | {r['s']:.1f} | {r['load']} |")
                print(rows[-1], flush=True)
        workers_table = "\n".join(["| job | --workers | wall (s) | load average before -> after |",
                                   "|---|---|---|---|", *rows])

        full = timed(MAIN, tmp / "full", NVMSIM_CHECKPOINT_S=str(a.checkpoint_s))
        killed_out = tmp / "killed"
        p = start(MAIN, killed_out, NVMSIM_CHECKPOINT_S=str(a.checkpoint_s))
        kill_at = 0.6 * full["s"]
        time.sleep(kill_at)
        os.kill(p.pid, signal.SIGKILL)
        p.wait()
        ckpts = list((killed_out / "points" / ".checkpoints").glob("*.npz"))
        resumed = timed(MAIN, killed_out, NVMSIM_CHECKPOINT_S=str(a.checkpoint_s))
        same = all(filecmp.cmp(tmp / "full" / f, killed_out / f, shallow=False)
                   for f in ("sweep_l2.csv", "sweep_l2.parquet"))
        lost = kill_at + resumed["s"] - full["s"]
        print(full, resumed, lost, same, flush=True)

        none = timed(MAIN, tmp / "nockpt", NVMSIM_CHECKPOINT_S="1e9")
        every30 = timed(MAIN, tmp / "ckpt30", NVMSIM_CHECKPOINT_S="30")

        shared = tmp / "shared"
        t0 = time.perf_counter()
        before = _load()
        procs = [start(MAIN, shared) for _ in range(2)]
        ends = []
        for q in procs:
            q.wait()
            ends.append(time.perf_counter() - t0)
        shared_load = f"{before} -> {_load()}"
        shared_ok = all(q.returncode == 0 for q in procs)

    md = f"""\
### --workers (in-process against two processes)

{workers_table}

One workload (the main job) is one trace pass feeding four L2 capacities; in-process, the L2s of a chunk already
run in threads beside the next chunk's trace and L1, so both cores are busy, and two processes must each generate
and run the trace and L1s for their capacities. The default, `--workers auto`
(`simulator.studies.runner.auto_workers`), follows these figures.

### kill and resume (checkpoints every {a.checkpoint_s:g} s)

| uninterrupted (s) | killed at (s) | checkpoints at the kill | rerun (s) | work lost (s) | files byte-identical |
|---|---|---|---|---|---|
| {full['s']:.1f} | {kill_at:.1f} | {len(ckpts)} | {resumed['s']:.1f} | {lost:.1f} | {'yes' if same else 'NO'} |

Loads: uninterrupted {full['load']}; rerun {resumed['load']}. Work lost = time killed + rerun - uninterrupted:
the part of the pass after the last checkpoint, the chunks regenerated (not simulated) up to it, and process
start-up. Without checkpoints (before this change) the rerun started from zero.

### checkpoint cost

| checkpoints | wall (s) | load average before -> after |
|---|---|---|
| none (`NVMSIM_CHECKPOINT_S=1e9`) | {none['s']:.1f} | {none['load']} |
| every 30 s (the default) | {every30['s']:.1f} | {every30['load']} |

### two runs into one store

Two `sweep-l2` processes started together on one `--out`: both ended after {ends[0]:.1f} s and {ends[1]:.1f} s
(one run alone: {full['s']:.1f} s; load {shared_load}); {'both succeeded' if shared_ok else 'A RUN FAILED'}. The
points are claimed with `flock`: one run computes the workload's trace pass, the other waits for its points.
"""
    write_section("workers", md)
    print(md)


if __name__ == "__main__":
    main()
