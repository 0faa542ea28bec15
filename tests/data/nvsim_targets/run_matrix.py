"""Run NVSim on the matrix runs this folder does not hold yet (maintenance script; the tests never run it).

    python tests/data/nvsim_targets/run_matrix.py --nvsim PATH/nvsim --runs RUNS_DIR [--node 28|45] [--access A]
                                                  [--list]

``PATH/nvsim`` is NVSim built with the all-targets patch README.md describes (``NVSIM_ALL_TARGETS`` set: after its
one search it prints each target's report behind a line ``@@NVSIM_TARGET <index>``, index in NVSim's
``OptimizationTarget`` order).  For each run missing from ``reports.csv`` (and from RUNS_DIR), in the matrix's order,
it writes the inputs with ``nvmsim tech nvsim-inputs``, runs NVSim once (``nice``), and splits its output into the
eight per-target reports ``extract.py`` reads, each with NVSim's own header.  A run is claimed by creating its
folder's ``.claim`` file, so several drivers can share one RUNS_DIR (one per core); the reports appear only when a
run is complete.  Then ``extract.py RUNS_DIR`` adds them to ``reports.csv``.
"""

import argparse
import csv
import os
import subprocess
import sys
import time
from pathlib import Path

from extract import TARGETS as REPORTS  # the report names extract.py reads, in NVSim's OptimizationTarget order

HERE = Path(__file__).resolve().parent
TARGETS = tuple(REPORTS)
NODES = (28, 45)
ACCESS = ("sequential", "normal", "fast")
CELLS = ("sram28", "stt28", "sram", "stt", "sot")
CAPACITIES_KB = tuple(128 << i for i in range(10))  # 128 KB - 64 MB


def stored() -> set[tuple]:
    with open(HERE / "reports.csv") as f:
        return {(int(r["node_nm"]), r["cell"], int(r["capacity_KB"]), r["access"]) for r in csv.DictReader(f)}


def run_dir(runs: Path, node: int, cell: str, kb: int, access: str) -> Path:
    return runs / f"n{node}" / cell / f"{cell}_{kb}KB_cache_{access}"


def complete(folder: Path) -> bool:
    return all((folder / f"{folder.name}_{t}.out").is_file() for t in TARGETS)


def todo(runs: Path, node: int | None, access: str | None) -> list[tuple]:
    have = stored()
    return [(n, c, kb, a) for n in NODES for a in ACCESS for c in CELLS for kb in CAPACITIES_KB
            if (n, c, kb, a) not in have and not complete(run_dir(runs, n, c, kb, a))
            and node in (None, n) and access in (None, a)]


def run_one(nvsim: Path, runs: Path, node: int, cell: str, kb: int, access: str) -> bool:
    """Make one run; False when another driver has claimed it."""
    folder = run_dir(runs, node, cell, kb, access)
    folder.mkdir(parents=True, exist_ok=True)
    try:
        os.close(os.open(folder / ".claim", os.O_CREAT | os.O_EXCL | os.O_WRONLY))
    except FileExistsError:
        return False
    stem = folder.name
    subprocess.run([sys.executable, "-m", "simulator.cli", "tech", "nvsim-inputs", "--cell", cell, "--capacity",
                    f"{kb}KB", "--node", str(node), "--mode", "cache", "--access-type", access, "--assoc", "16",
                    "--line", "128", "--temperature", "350", "--roadmap", "hp", "--target", "read_latency",
                    "--out", str(folder)], check=True, capture_output=True, cwd=HERE.parents[2])
    os.replace(folder / f"{cell}_{kb}KB_cache.cfg", folder / f"{stem}.cfg")
    t0 = time.monotonic()
    with open(folder / "all.out", "w") as out:
        subprocess.run(["nice", "-n", "19", str(nvsim), f"{stem}.cfg"], cwd=folder, stdout=out, check=True,
                       env=dict(os.environ, NVSIM_ALL_TARGETS="1"))
    head, *reports = (folder / "all.out").read_text().split("@@NVSIM_TARGET ")
    if len(reports) != len(TARGETS):
        raise SystemExit(f"{folder / 'all.out'}: {len(reports)} target reports, expected {len(TARGETS)} "
                         "(is NVSim built with the all-targets patch?)")
    for text in reports:
        index, body = text.split("\n", 1)
        (folder / f"{stem}_{TARGETS[int(index)]}.tmp").write_text(head + body)
    for t in TARGETS:  # all eight appear together: a killed run leaves no partial set
        os.replace(folder / f"{stem}_{t}.tmp", folder / f"{stem}_{t}.out")
    print(f"{time.strftime('%H:%M:%S')} n{node} {stem}: {time.monotonic() - t0:.0f} s", flush=True)
    return True


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--nvsim", type=Path, required=True, help="NVSim built with the all-targets patch")
    ap.add_argument("--runs", type=Path, required=True, help="folder of the runs (extract.py's RUNS_DIR)")
    ap.add_argument("--node", type=int, choices=NODES)
    ap.add_argument("--access", choices=ACCESS)
    ap.add_argument("--list", action="store_true", help="print the runs still to make and stop")
    args = ap.parse_args()
    if args.list:
        left = todo(args.runs, args.node, args.access)
        print("\n".join(" ".join(map(str, r)) for r in left) + f"\n{len(left)} to make")
        return
    if not args.nvsim.is_file():
        raise SystemExit(f"--nvsim: no such file: {args.nvsim}")
    while True:
        free = [r for r in todo(args.runs, args.node, args.access)
                if not (run_dir(args.runs, *r) / ".claim").exists()]
        if not free:
            return
        run_one(args.nvsim, args.runs, *free[0])


if __name__ == "__main__":
    main()
