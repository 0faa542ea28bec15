"""``--workers``, resumption and sharing of a sweep, measured as a user runs them (fresh ``nvmsim`` processes).

* **workers**: the README's main job (``sweep-l2`` AlexNet inference b4: one workload, four capacities) and a
  reproduce-like grid (``iso-capacity`` over four networks: four workloads) in-process (``--workers 1``) and on
  two processes (``--workers 2``), each into an empty store; the default (``--workers auto``) is set from these.
* **kill and resume**: a longer sweep (VGG-16 inference b4: one trace pass for four capacities) with checkpoints
  every ``--checkpoint-s`` seconds, SIGKILLed half an interval after a checkpoint, then rerun: where it resumed,
  how long the rerun took, and whether the result files are byte-identical.
* **checkpoint cost**: the main job with the default 30 s checkpoints against none.
* **two runs into one store**: two processes of the longer sweep started together on the same ``--out``: their
  wall time against one run (shared work: the trace pass runs once; start-up, the circuit tables and the plots,
  which each run does for itself, compete for the two cores).

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

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(1, str(Path(__file__).resolve().parents[1]))
from _results import write_section  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
MAIN = ["sweep-l2", "--network", "alexnet", "--phase", "inference", "--batch", "4"]
LONG = ["sweep-l2", "--network", "vgg16", "--phase", "inference", "--batch", "4"]
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


def _chunks(args: list[str]) -> int:
    """Chunks of the sweep's trace (closed form: nothing is generated)."""
    from simulator import load_chip
    from traces import network_trace

    net, phase, batch = (args[args.index(k) + 1] for k in ("--network", "--phase", "--batch"))
    t = network_trace(net, phase=phase, batch=int(batch), chip=load_chip("gtx1080ti-deepnvm"))
    return -(-t.n_accesses // t.chunk_size)


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

        full = timed(LONG, tmp / "full", NVMSIM_CHECKPOINT_S=str(a.checkpoint_s))
        killed_out = tmp / "killed"
        t0 = time.perf_counter()
        p = start(LONG, killed_out, NVMSIM_CHECKPOINT_S=str(a.checkpoint_s))
        ckpt_dir = killed_out / "points" / ".checkpoints"
        while not list(ckpt_dir.glob("*.npz")) and p.poll() is None:  # the first checkpoint, then half an interval
            time.sleep(0.05)
        time.sleep(0.5 * a.checkpoint_s)
        os.kill(p.pid, signal.SIGKILL)
        p.wait()
        kill_at = time.perf_counter() - t0
        ckpts = list(ckpt_dir.glob("*.npz"))
        with np.load(ckpts[0]) as z:
            done = int(z["s_done"])
        resumed = timed(LONG, killed_out, NVMSIM_CHECKPOINT_S=str(a.checkpoint_s))
        same = all(filecmp.cmp(tmp / "full" / f, killed_out / f, shallow=False)
                   for f in ("sweep_l2.csv", "sweep_l2.parquet"))
        n_chunks = _chunks(LONG)
        print(full, kill_at, done, n_chunks, resumed, same, flush=True)

        none = timed(LONG, tmp / "nockpt", NVMSIM_CHECKPOINT_S="1e9")
        every = timed(LONG, tmp / "ckpt", NVMSIM_CHECKPOINT_S=str(a.checkpoint_s))

        shared = tmp / "shared"
        t0 = time.perf_counter()
        before = _load()
        alone = full
        procs = [start(LONG, shared) for _ in range(2)]
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

### kill and resume (`sweep-l2` VGG-16 inference b4, checkpoints every {a.checkpoint_s:g} s)

| uninterrupted (s) | SIGKILL at (s) | last checkpoint: chunks counted | rerun (s) | files byte-identical |
|---|---|---|---|---|
| {full['s']:.1f} | {kill_at:.1f} | {done} of {n_chunks} | {resumed['s']:.1f} | {'yes' if same else 'NO'} |

The run was killed half a checkpoint interval after its last checkpoint; the rerun regenerated (without
simulating) the chunks counted before it and simulated the rest. Loads: uninterrupted {full['load']}; rerun
{resumed['load']} (other jobs share this machine: compare within a row, not across rows). Without checkpoints
(before this change) the rerun started from zero.

### checkpoint cost (the same sweep)

| checkpoints | wall (s) | load average before -> after |
|---|---|---|
| none (`NVMSIM_CHECKPOINT_S=1e9`) | {none['s']:.1f} | {none['load']} |
| every {a.checkpoint_s:g} s | {every['s']:.1f} | {every['load']} |

### two runs into one store

Two VGG-16 `sweep-l2` processes started together on one `--out`: they ended after {ends[0]:.1f} s and
{ends[1]:.1f} s (one run alone: {alone['s']:.1f} s; two runs each doing all the work would take about twice that;
load {shared_load}); {'both succeeded' if shared_ok else 'A RUN FAILED'}. The points are claimed with `flock`:
one run computes the workload's trace pass, the other waits for its points and reads them.
"""
    write_section("workers", md)
    print(md)


if __name__ == "__main__":
    main()
