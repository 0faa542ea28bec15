"""Wall time and peak memory of the headline command, ``nvmsim sweep-l2`` (issue 5).

Runs, each as a fresh ``nvmsim`` process with an empty result store (no resume):

* ``sweep-l2 --network alexnet --phase inference --batch 4`` (3, 6, 12, 24 MB × SRAM, STT, SOT), twice: the
  first run may include Numba compilation (its on-disk cache may be cold), the second is warm;
* the same for training at batch 64, under a timeout (reported honestly if it runs out).

Peak memory is the child's maximum resident set size (``getrusage(RUSAGE_CHILDREN)`` around each run, which is
the maximum over all children so far — so runs go largest-last). Beside them: what GPGPU-Sim / Accel-Sim is
published to take (hours to days: Huerta & González, arXiv:2502.14691, 2025; a 480,000× slowdown vs hardware
cited there). Targets: inference < 30 s, training b64 < 5 min, peak < 2 GB.

Usage: ``python benchmarks/bench_studies.py [--training-timeout 900] [--skip-training]``
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _results import write_section  # noqa: E402


def run(args: list[str], timeout: float) -> dict:
    """Run ``nvmsim <args>`` in a fresh process; wall time, exit status and peak RSS."""
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [sys.executable, "-m", "simulator.cli", *args, "--out", tmp, "--quiet"]
        env = {**os.environ, "NVMSIM_NO_PROGRESS": "1"}
        t0 = time.perf_counter()
        try:
            proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout)
            status = proc.returncode
            err = proc.stderr.strip().splitlines()[-1:] if proc.returncode else []
        except subprocess.TimeoutExpired:
            status, err = "timeout", []
        wall = time.perf_counter() - t0
        peak_MB = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        rows = None
        csv = Path(tmp) / "sweep_l2.csv"
        if csv.exists():
            import pandas as pd

            rows = pd.read_csv(csv)
    return {"wall_s": wall, "status": status, "peak_MB": peak_MB, "rows": rows, "err": err}


def _reduction(rows) -> str:
    if rows is None:
        return "—"
    s = rows[rows["technology"] == rows["technology"].iloc[0]].sort_values("l2_MB")
    return ", ".join(f"{c:g} MB {r:.1f}%" for c, r in zip(s["l2_MB"], s["dram_reduction_pct"], strict=True))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--training-timeout", type=float, default=900.0)
    ap.add_argument("--skip-training", action="store_true")
    opts = ap.parse_args()
    base = ["sweep-l2", "--network", "alexnet", "--l2", "3,6,12,24", "--tech", "sram,stt,sot"]
    cases = [("inference b4 (first run)", [*base, "--phase", "inference", "--batch", "4"], 600.0, 30.0),
             ("inference b4 (warm)", [*base, "--phase", "inference", "--batch", "4"], 600.0, 30.0)]
    if not opts.skip_training:
        cases.append(("training b64", [*base, "--phase", "training", "--batch", "64"], opts.training_timeout, 300.0))
    lines = ["| run | wall (s) | target (s) | peak RSS (MB) | status | DRAM-access reduction vs 3 MB |",
             "|---|---|---|---|---|---|"]
    for name, args, timeout, target in cases:
        r = run(args, timeout)
        ok = "ok" if r["status"] == 0 else f"{r['status']} {' '.join(r['err'])}"
        line = (f"| {name} | {r['wall_s']:.1f} | {target:.0f} | {r['peak_MB']:.0f} | {ok} | "
                f"{_reduction(r['rows'])} |")
        print(line, flush=True)
        lines.append(line)
    text = "\n".join([
        "`nvmsim sweep-l2 --network alexnet --phase {inference --batch 4 | training --batch 64}`, L2 3/6/12/24 MB × "
        "SRAM/STT/SOT, fast mode (one trace pass feeds all four capacities; energy for all technologies "
        "afterwards), in-process, fresh store. Peak RSS is the running maximum over child processes.",
        "",
        *lines,
        "",
        "For scale: GPGPU-Sim / Accel-Sim needs hours per benchmark single-threaded, days for some "
        "(Huerta & González, arXiv:2502.14691, 2025, citing a ~480,000× slowdown vs hardware); DeepNVM++ ran "
        "AlexNet in GPGPU-Sim for each of its four L2 capacities. The shared 2-core machine was contended by "
        "other engineers' jobs while this ran; wall times are upper bounds.",
    ])
    write_section("studies", text)


if __name__ == "__main__":
    main()
