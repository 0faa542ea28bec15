"""Rebuild this folder from NVSim's reference runs (maintenance script; the tests read only what it writes).

    python tests/data/nvsim_targets/extract.py RUNS_DIR

RUNS_DIR holds one folder per run, ``n<node>/<cell>/<cell>_<KB>KB_cache_<access>/``, with NVSim's eight per-target
reports ``<stem>_<Target>.out`` and the run's inputs ``<cell>.cell`` and ``<stem>.cfg`` (see README.md).  Writes
``reports.csv`` (one row per run and target: NVSim's cache summary as printed, and each array's organisation and
metrics at full print precision, read with nvmsim's own report reader) and copies the inputs to ``inputs/``.
Runs without their eight reports are skipped.
"""

import shutil
import sys
from pathlib import Path

import pandas as pd

from models.nvsim_io import read_nvsim_arrays, read_nvsim_report

HERE = Path(__file__).resolve().parent
TARGETS = {"ReadLatency": "read_latency", "WriteLatency": "write_latency", "ReadDynamicEnergy": "read_energy",
           "WriteDynamicEnergy": "write_energy", "ReadEDP": "read_edp", "WriteEDP": "write_edp",
           "LeakagePower": "leakage", "Area": "area"}
METRICS = ("read_latency_ns", "write_latency_ns", "read_energy_nJ", "write_energy_nJ", "leakage_mW", "area_mm2")


def main(runs: Path) -> None:
    rows = []
    for run in sorted(runs.glob("n*/*/*_cache_*")):
        stem = run.name
        outs = {t: run / f"{stem}_{t}.out" for t in TARGETS}
        if not all(p.is_file() for p in outs.values()):
            continue
        node = int(run.parent.parent.name[1:])
        cell = run.parent.name
        kb = int(stem.split("_")[1][:-2])
        access = stem.split("_cache_")[1]
        for target, path in outs.items():
            rep = read_nvsim_report(path)
            row = {"node_nm": node, "cell": cell, "capacity_KB": kb, "access": access, "target": TARGETS[target]}
            row |= {f"summary_{m}": rep[m] for m in METRICS}
            for array, a in read_nvsim_arrays(path).items():
                row |= {f"{array}_{k}": v for k, v in a["org"].items()}
                row |= {f"{array}_{k}": v for k, v in a.items() if k != "org"}
            rows.append(row)
        dest = HERE / "inputs" / f"n{node}"
        dest.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(run / f"{stem}.cfg", dest / f"{stem}.cfg")
        shutil.copyfile(run / f"{cell}.cell", dest / f"{cell}.cell")
    key = ["node_nm", "cell", "capacity_KB", "access"]
    df = pd.DataFrame(rows)
    stored = HERE / "reports.csv"
    if stored.is_file():
        old = pd.read_csv(stored)
        fresh = pd.MultiIndex.from_frame(df[key]) if len(df) else pd.MultiIndex.from_tuples([], names=key)
        kept = old[~pd.MultiIndex.from_frame(old[key]).isin(fresh)]
        print(f"{len(df) // len(TARGETS)} runs read, {len(kept) // len(TARGETS)} kept from {stored.name}")
        df = pd.concat([kept, df], ignore_index=True)
    df = df.sort_values(["node_nm", "cell", "access", "capacity_KB", "target"])
    tmp = stored.with_suffix(".tmp")
    df.to_csv(tmp, index=False, float_format="%.9g")
    tmp.replace(stored)
    print(f"{len(df)} reports from {len(df) // len(TARGETS)} runs")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
