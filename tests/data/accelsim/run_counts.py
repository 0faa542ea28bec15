#!/usr/bin/env python3
"""Resumable driver that made ``*/accelsim_counts.csv``: nvmsim traces through Accel-Sim (SM6_TITANX) at several
L2 capacities and mappings (README.md in this folder).  Only the standard library.

usage:
  run_counts.py run [--only TRACE] [--settings a,b] [--mb 3,1.5]   run every missing job, one at a time, in order
  run_counts.py status                                              what is done, running, missing
  run_counts.py collect OUT_DIR          trimmed per-kernel CSVs: OUT_DIR/<trace>/accelsim_counts.csv

Environment: ACCELSIM_REFS, the folder holding ``run_accelsim.sh`` (runs accel-sim.out with the SM6_TITANX
config files and the extra options) and ``parse_stats.py`` (per-kernel differences of Accel-Sim's cumulative
counters); VALIDATION_DIR, where traces, runs and the log go (default: the current directory); NVMSIM_TREE, the
nvmsim checkout that exports the traces; NVMSIM_PY, its Python.  Start it in the background, niced:
  nohup nice -n 10 python3 run_counts.py run > driver.out 2>&1 &

A job is (trace, setting, capacity). Its run goes to runs/<trace>/<setting>_<MB>MB.partial and is renamed
to runs/<trace>/<setting>_<MB>MB when accel-sim.out exited 0 and its log parsed: a killed driver just reruns the
job it was in. Traces are exported on first use (the nvmsim commit is recorded in traces/<trace>/EXPORT.txt).
The log of a finished run is kept xz-compressed; stats.json is parse_stats.py's output, counts.csv the trimmed
per-kernel rows.
"""
import argparse
import csv
import hashlib
import json
import lzma
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(os.environ.get("VALIDATION_DIR", ".")).resolve()
ACCEL = Path(os.environ.get("ACCELSIM_REFS", "/work/refs/accelsim"))
RUNNER = ACCEL / "run_accelsim.sh"
PARSER = ACCEL / "parse_stats.py"
NVMSIM = Path(os.environ.get("NVMSIM_TREE", "/work/wt/oracle"))
VENV_PY = Path(os.environ.get("NVMSIM_PY", "/work/main/.venv/bin/python"))

# trace name -> nvmsim export arguments (nvmsim trace export --format accelsim OUT --network .. --phase .. ...)
TRACES = {
    "alexnet_inf_b1_k12_25": ["--network", "alexnet", "--phase", "inference", "--batch", "1", "--kernels", "12:25"],
    "resnet18_train_b1_k269_284": ["--network", "resnet18", "--phase", "training", "--batch", "1",
                                   "--kernels", "269:284"],
    "alexnet_inf_b1_k29_34": ["--network", "alexnet", "--phase", "inference", "--batch", "1", "--kernels", "29:34"],
    "resnet18_train_b1_k131_167": ["--network", "resnet18", "--phase", "training", "--batch", "1",
                                   "--kernels", "131:167"],
}

# setting -> (dl2 set-index letter, extra options). SM6_TITANX's dl2 is S:64:128:16,L:B:m:L:P,A:256:64,16:0,32
# with -gpgpu_memory_partition_indexing 4 (RANDOM).
SETTINGS = {
    "xor_random": ("X", []),
    "linear_consecutive": ("L", ["-gpgpu_memory_partition_indexing", "0"]),
    "ipoly_random": ("P", []),
}
SLICES = 24
WAYS, LINE_B = 16, 128


def sets_for(mb):
    sets = mb * 2**20 / (SLICES * WAYS * LINE_B)
    if sets != int(sets):
        raise ValueError(f"{mb} MB is not a whole number of sets per slice")
    return int(sets)


def dl2(sets, letter):
    return f"S:{sets}:128:16,L:B:m:L:{letter},A:256:64,16:0,32"


# Job order: the 3 MB points of both main settings first, then the capacity ends, then the middle, then IPOLY.
ORDER = [("xor_random", 3), ("linear_consecutive", 3), ("xor_random", 1.5), ("xor_random", 24),
         ("linear_consecutive", 1.5), ("linear_consecutive", 24), ("xor_random", 6), ("xor_random", 12),
         ("linear_consecutive", 6), ("linear_consecutive", 12), ("ipoly_random", 3), ("ipoly_random", 1.5)]


def mb_tag(mb):
    return f"{mb:g}".replace(".", "p") + "MB"


def jobs(only=None, settings=None, mbs=None):
    for setting, mb in ORDER:
        if settings and setting not in settings:
            continue
        if mbs and mb not in mbs:
            continue
        for trace in TRACES:
            if only and trace not in only:
                continue
            yield trace, setting, mb


def run_dir(trace, setting, mb):
    return HERE / "runs" / trace / f"{setting}_{mb_tag(mb)}"


def log(msg):
    line = time.strftime("%Y-%m-%d %H:%M:%S ") + msg
    print(line, flush=True)
    with open(HERE / "driver.log", "a") as f:
        f.write(line + "\n")


def trace_digest(folder):
    """sha256 over the decompressed kernel files in kernelslist.g order (the xz container may differ)."""
    h = hashlib.sha256()
    for name in (folder / "kernelslist.g").read_text().split():
        with lzma.open(folder / name) as f:
            while True:
                b = f.read(1 << 20)
                if not b:
                    break
                h.update(b)
    return h.hexdigest()


def ensure_trace(trace):
    folder = HERE / "traces" / trace
    if (folder / "kernelslist.g").exists():
        return folder
    folder.parent.mkdir(parents=True, exist_ok=True)
    commit = subprocess.run(["git", "-C", str(NVMSIM), "rev-parse", "HEAD"], capture_output=True, text=True).stdout
    cmd = [str(VENV_PY), "-m", "simulator.cli", "trace", "export", "--format", "accelsim", str(folder),
           *TRACES[trace], "--csv", str(folder) + ".csv", "--quiet"]
    env = dict(os.environ, PYTHONPATH=str(NVMSIM), NVMSIM_NO_PROGRESS="1",
               NUMBA_CACHE_DIR=os.environ.get("NUMBA_CACHE_DIR", "/tmp/numba-oracle"))
    log(f"export {trace}: {' '.join(cmd)}")
    subprocess.run(cmd, check=True, env=env, cwd=str(NVMSIM))
    (HERE / "traces" / f"{trace}.EXPORT.txt").write_text(
        f"nvmsim {commit.strip()}\nnvmsim trace export --format accelsim {trace} {' '.join(TRACES[trace])}\n"
        f"sha256(decompressed kernels) {trace_digest(folder)}\n")
    return folder


STATUSES = ("HIT", "HIT_RESERVED", "MISS", "SECTOR_MISS", "MSHR_HIT", "RESERVATION_FAIL")
COLUMNS = (["trace", "setting", "l2_MB", "sets_per_slice", "kernel", "launch_uid", "name", "gpu_sim_cycle",
            "gpu_tot_sim_cycle"]
           + [f"{t}_{s.lower()}" for t in ("r", "w") for s in STATUSES]
           + ["dram_reads", "dram_writes"])


def trimmed_rows(trace, setting, mb, stats):
    files = (HERE / "traces" / trace / "kernelslist.g").read_text().split()
    ks = stats["kernels"]
    if len(ks) != len(files):
        raise RuntimeError(f"{trace} {setting} {mb}: {len(ks)} kernel blocks for {len(files)} kernels")
    rows = []
    for f, k in zip(files, ks, strict=True):
        kid = int(f.split("-")[1].split(".")[0]) - 1  # kernel-N.traceg.xz: N = nvmsim id + 1
        row = {"trace": trace, "setting": setting, "l2_MB": f"{mb:g}", "sets_per_slice": sets_for(mb),
               "kernel": kid, "launch_uid": k["kernel_launch_uid"][0], "name": k["kernel_name"],
               "gpu_sim_cycle": k["gpu_sim_cycle"], "gpu_tot_sim_cycle": k["gpu_tot_sim_cycle"]}
        for t, typ in (("r", "GLOBAL_ACC_R"), ("w", "GLOBAL_ACC_W")):
            for s in STATUSES:
                row[f"{t}_{s.lower()}"] = k["l2_delta"][typ][s]
        row["dram_reads"] = k["dram_delta"]["reads"]
        row["dram_writes"] = k["dram_delta"]["writes"]
        rows.append(row)
    return rows


def write_csv(path, rows):
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=COLUMNS, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)


def run_job(trace, setting, mb):
    final = run_dir(trace, setting, mb)
    if (final / "stats.json").exists():
        return "done"
    folder = ensure_trace(trace)
    part = final.with_name(final.name + ".partial")
    if part.exists():
        shutil.rmtree(part)
    part.parent.mkdir(parents=True, exist_ok=True)
    letter, extra = SETTINGS[setting]
    args = ["-gpgpu_cache:dl2", dl2(sets_for(mb), letter), *extra]
    log(f"start {trace} {setting} {mb:g} MB: {' '.join(args)}")
    t0 = time.time()
    rc = subprocess.run([str(RUNNER), "--config", "SM6_TITANX", str(folder), str(part), *args]).returncode
    wall = time.time() - t0
    if rc != 0:
        log(f"FAILED rc={rc} {trace} {setting} {mb:g} MB after {wall:.0f} s (left in {part})")
        return "failed"
    subprocess.run([sys.executable, str(PARSER), str(part / "accelsim.log"), "-o", str(part / "stats.json"),
                    "--quiet"], check=True)
    stats = json.loads((part / "stats.json").read_text())
    write_csv(part / "counts.csv", trimmed_rows(trace, setting, mb, stats))
    with open(part / "accelsim.log", "rb") as src, lzma.open(part / "accelsim.log.xz", "wb", preset=6) as dst:
        shutil.copyfileobj(src, dst)
    (part / "accelsim.log").unlink()
    shutil.rmtree(part / "checkpoint_files", ignore_errors=True)
    (part / "driver.json").write_text(json.dumps({"wall_s": round(wall, 1), "args": args}) + "\n")
    os.rename(part, final)
    c = stats["cumulative"]
    log(f"done {trace} {setting} {mb:g} MB in {wall:.0f} s: cycles {c['gpu_tot_sim_cycle']}, "
        f"dram r/w {c['total_dram_reads']}/{c['total_dram_writes']}")
    return "ran"


def cmd_run(a):
    only = set(a.only.split(",")) if a.only else None
    settings = set(a.settings.split(",")) if a.settings else None
    mbs = {float(x) for x in a.mb.split(",")} if a.mb else None
    for j in jobs(only, settings, mbs):
        run_job(*j)
    log("all jobs done")


def cmd_status(a):
    for trace, setting, mb in jobs():
        d = run_dir(trace, setting, mb)
        if (d / "driver.json").exists():
            s = f"done {json.loads((d / 'driver.json').read_text())['wall_s']:.0f} s"
        elif d.with_name(d.name + ".partial").exists():
            s = "running (or killed)"
        else:
            s = "missing"
        print(f"{trace:28s} {setting:20s} {mb:5g} MB  {s}")


def cmd_collect(a):
    out = Path(a.out_dir)
    for trace in TRACES:
        rows = []
        for t, setting, mb in jobs(only={trace}):
            d = run_dir(t, setting, mb)
            if (d / "counts.csv").exists():
                with open(d / "counts.csv") as f:
                    rows.extend(csv.DictReader(f))
        if not rows:
            continue
        (out / trace).mkdir(parents=True, exist_ok=True)
        write_csv(out / trace / "accelsim_counts.csv", rows)
        walls = {}
        for t, setting, mb in jobs(only={trace}):
            d = run_dir(t, setting, mb)
            if (d / "driver.json").exists():
                walls[f"{setting} {mb:g}"] = json.loads((d / "driver.json").read_text())["wall_s"]
        print(trace, len(rows), "rows;", "wall s:", walls)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run")
    r.add_argument("--only")
    r.add_argument("--settings")
    r.add_argument("--mb")
    sub.add_parser("status")
    c = sub.add_parser("collect")
    c.add_argument("out_dir")
    a = ap.parse_args()
    {"run": cmd_run, "status": cmd_status, "collect": cmd_collect}[a.cmd](a)


if __name__ == "__main__":
    main()
