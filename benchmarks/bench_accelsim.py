"""nvmsim (fast and timed modes) against Accel-Sim on the same kernels and L2 capacity: cycles and wall time.

The four kernel sequences and two L2 mappings of ``tests/test_accelsim_counts.py`` (AlexNet inference kernels
12-25 and 29-34, ResNet-18 training 131-167 and 269-284; ``xor_random`` and ``linear_consecutive``), at every
capacity Accel-Sim's reference data has. Per (trace, setting) nvmsim runs once per mode over all those capacities
(one pass over the trace, as a sweep does); its wall time per capacity is that run's over the number of capacities,
trace generation included. Accel-Sim's wall time per run: measured here when ``ACCELSIM_RUNNER`` names
``run_accelsim.sh`` (the trace is exported and run at each capacity), otherwise the wall times its driver logged
when the reference data were made (``tests/data/accelsim/accelsim_walltimes.csv``, README there).

Also measured: timed mode's requests per second per (capacity, technology) with two technologies (SRAM and an
STT-MRAM-like one), the issue's bar being 1 M/s.

Usage: ``python benchmarks/bench_accelsim.py [--traces a,b] [--settings a,b] [--no-write] [--section NAME]``
(``ACCELSIM_RUNNER=/path/run_accelsim.sh ... --section accelsim-live`` for Accel-Sim run side by side on a subset.)
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(1, str(Path(__file__).resolve().parents[1]))
from _results import write_section  # noqa: E402

from simulator import load_chip, simulate_gpu  # noqa: E402
from tests.test_accelsim_counts import DATA, SETTINGS, TRACES, _pair, _runs, nvmsim_trace  # noqa: E402
from traces import write_accelsim  # noqa: E402

RUNNER_LETTER = {"xor_random": ("X", []), "linear_consecutive": ("L", ["-gpgpu_memory_partition_indexing", "0"]),
                 "ipoly_random": ("P", [])}
"""The Accel-Sim options of each setting (``tests/data/accelsim/run_counts.py``)."""
TECHS = {"sram": {"read_latency_ns": 0.7057, "write_latency_ns": 0.7057},
         "stt": {"read_latency_ns": 2.98, "write_latency_ns": 9.31}}
"""Two technologies for the requests/s figure (the preset's SRAM; DeepNVM++'s STT-MRAM 3 MB latencies)."""


def accel_rows(trace: str, setting: str) -> pd.DataFrame:
    df = pd.read_csv(DATA / trace / "accelsim_counts.csv").query("setting == @setting")
    return df.groupby("l2_MB").gpu_sim_cycle.sum().rename("accel_cycles").reset_index()


def logged_times(trace: str, setting: str, mb: float) -> tuple[float, float]:
    """Accel-Sim's (wall, CPU) seconds for this run as its driver recorded them."""
    w = pd.read_csv(DATA / "accelsim_walltimes.csv")
    hit = w[(w.trace == trace) & (w.setting == setting) & np.isclose(w.l2_MB, mb)]
    return (float(hit.wall_s.iloc[-1]), float(hit.cpu_s.iloc[-1])) if len(hit) else (float("nan"), float("nan"))


def run_accelsim(runner: str, trace: str, setting: str, mb: float) -> tuple[float, float]:
    """Export the trace and run Accel-Sim on it at ``mb``; its (wall, CPU) seconds."""
    tr, kernels = nvmsim_trace(trace)
    sets = round(mb * 2**20 / (24 * 16 * 128))
    letter, extra = RUNNER_LETTER[setting]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "trace"
        write_accelsim(tr, folder, kernels=slice(kernels.start, kernels.stop))
        t0, c0 = time.perf_counter(), os.times()
        subprocess.run([runner, "--config", "SM6_TITANX", str(folder), str(Path(tmp) / "out"), "-gpgpu_cache:dl2",
                        f"S:{sets}:128:16,L:B:m:L:{letter},A:256:64,16:0,32", *extra], check=True,
                       stdout=subprocess.DEVNULL)
        c1 = os.times()
        return time.perf_counter() - t0, (c1.children_user - c0.children_user) + (c1.children_system
                                                                                 - c0.children_system)


REPEAT = 5
"""nvmsim runs per measurement (best wall and best CPU time taken): a run takes tens of milliseconds, where one
measurement is at the mercy of the scheduler; Accel-Sim's runs (a minute and more) are measured once."""


def nvmsim_run(trace: str, setting: str, mbs: list[float], mode: str, tech=None):
    """``(totals, wall s, CPU s)`` of one run over every capacity, best of :data:`REPEAT`."""
    tr, kernels = nvmsim_trace(trace)
    chip = load_chip("sm6-titanx", overrides={"l2": SETTINGS[setting]})
    wall = cpu = float("inf")
    for _ in range(REPEAT):
        t0, c0 = time.perf_counter(), time.process_time()
        r = simulate_gpu((c for k in kernels for c in tr.iter_kernel(k)), chip, l2_MB=mbs, mode=mode, tech=tech,
                         kernels=tr.kernels)
        wall, cpu = min(wall, time.perf_counter() - t0), min(cpu, time.process_time() - c0)
    return r.totals, wall, cpu


def warm_up() -> None:
    """Compile the Numba kernels (cached on disk) outside the timed runs."""
    for mode in ("fast", "timed"):
        nvmsim_run("alexnet_inf_b1_k29_34", "xor_random", [3.0], mode)


def run(traces, settings) -> tuple[list[dict], list[dict]]:
    runner = os.environ.get("ACCELSIM_RUNNER")
    rows, speed = [], []
    for trace in traces:
        tr, kernels = nvmsim_trace(trace)
        n_req = int(tr.kernels.set_index("kernel").loc[list(kernels)].requests.sum())
        for setting in settings:
            acc = accel_rows(trace, setting)
            if acc.empty:
                continue
            mbs = acc.l2_MB.tolist()
            fast, t_fast, c_fast = nvmsim_run(trace, setting, mbs, "fast")
            timed, t_timed, c_timed = nvmsim_run(trace, setting, mbs, "timed")
            _, t_two, _ = nvmsim_run(trace, setting, mbs, "timed", TECHS)
            speed.append({"trace": trace, "setting": setting, "requests": n_req, "capacities": len(mbs),
                          "timed_s": t_timed, "timed_2tech_s": t_two, "fast_s": t_fast,
                          "timed_Mreq_s": n_req * len(mbs) / t_timed / 1e6,
                          "timed_2tech_Mreq_s": n_req * len(mbs) * 2 / t_two / 1e6,
                          "fast_Mreq_s": n_req * len(mbs) / t_fast / 1e6})
            for i, mb in enumerate(mbs):
                if runner:  # nvmsim again right before each Accel-Sim run: this machine's speed drifts by up to 2x
                    # over the minutes Accel-Sim's runs take, and a ratio should compare runs of one moment
                    _, t_fast, c_fast = nvmsim_run(trace, setting, mbs, "fast")
                    _, t_timed, c_timed = nvmsim_run(trace, setting, mbs, "timed")
                wall, cpu = run_accelsim(runner, trace, setting, mb) if runner else logged_times(trace, setting, mb)
                row = {"trace": trace, "setting": setting, "l2_MB": mb, "accel_cycles": int(acc.accel_cycles[i]),
                       "timed_cycles": int(timed.cycles.iloc[i]), "fast_cycles": int(fast.cycles.iloc[i]),
                       "accel_s": wall, "accel_cpu_s": cpu, "accel_source": "run" if runner else "log",
                       "timed_s": t_timed / len(mbs), "fast_s": t_fast / len(mbs),
                       "timed_cpu_s": c_timed / len(mbs), "fast_cpu_s": c_fast / len(mbs)}
                rows.append(row)
                print(f"{trace:27s} {setting:18s} {mb:5g} MB  cycles Accel-Sim {row['accel_cycles']:8d}  "
                      f"timed x{row['timed_cycles'] / row['accel_cycles']:.3f}  "
                      f"fast x{row['fast_cycles'] / row['accel_cycles']:.3f}  |  wall Accel-Sim {wall:6.0f} s  "
                      f"timed {row['timed_s']:.2f} s ({wall / row['timed_s']:,.0f}x)  "
                      f"fast {row['fast_s']:.3f} s ({wall / row['fast_s']:,.0f}x)", flush=True)
    return rows, speed


def counts_table() -> list[str]:
    """Totals per (trace, setting, capacity): nvmsim's fast-mode counts over Accel-Sim's, and the DRAM-access
    reduction against 3 MB of both (the numbers tests/test_accelsim_counts.py holds to its bars)."""
    lines = ["### Counts", "",
             "Totals over each trace's kernels, nvmsim (fast mode, `sm6-titanx` with the setting's set index and "
             "partition mapping) / Accel-Sim; reduction = 1 - DRAM accesses / DRAM accesses at 3 MB, Accel-Sim -> "
             "nvmsim. Rows outside the bars are listed with their cause in "
             "`tests/data/accelsim/known_differences.csv`.",
             "", "| trace | setting | L2 MB | DRAM reads | DRAM writes | L2 hits | L2 misses | reduction vs 3 MB |",
             "|---|---|---:|---:|---:|---:|---:|---:|"]
    for trace, setting in _runs():
        tot = _pair(trace, setting).groupby("l2_MB").sum(numeric_only=True)
        dram = {w: tot[f"{w}_dram_reads"] + tot[f"{w}_dram_writes"] for w in "an"}
        for mb, r in tot.iterrows():
            cells = []
            for c in ("dram_reads", "dram_writes", "l2_hits", "l2_misses"):
                a, n = r[f"a_{c}"], r[f"n_{c}"]
                cells.append(f"{n / a:.3f}" if a else f"{n:,.0f} vs {a:,.0f}")
            red = ("" if 3.0 not in tot.index else
                   f"{1 - dram['a'][mb] / dram['a'][3.0]:+.1%} -> {1 - dram['n'][mb] / dram['n'][3.0]:+.1%}")
            lines.append(f"| {trace} | {setting} | {mb:g} | " + " | ".join(cells) + f" | {red} |")
    return lines + [""]


def report(rows, speed, counts: bool = True) -> str:
    """The section's Markdown; ``counts``: with the count table of every stored run (the full run's section)."""
    df = pd.DataFrame(rows)
    sp = pd.DataFrame(speed)
    title = "cycles and speed" if counts else "Accel-Sim run side by side (a subset)"
    lines = [f"## nvmsim vs Accel-Sim: {title}", "",
             "`benchmarks/bench_accelsim.py`: Accel-Sim (SM6_TITANX, trace-driven GPGPU-Sim 4.2) and nvmsim's fast and "
             "timed modes on the same exported kernels (`tests/test_accelsim_cycles.py`), at every capacity of the "
             "reference data. Cycles: the kernels' summed `gpu_sim_cycle` (launch latency included) and nvmsim's "
             "`cycles`. Wall: Accel-Sim's per run ("
             + ("measured here" if (df.accel_source == "run").any() else
                "as its driver logged them, `tests/data/accelsim/accelsim_walltimes.csv`, under the shared machine's "
                "load of the time: slower than on an idle machine, so these speed-ups are upper bounds; section "
                "\"accelsim-live\" has Accel-Sim run side by side")
             + f"); nvmsim's per capacity = one multi-capacity run / capacities (best of {REPEAT} runs"
             + (", measured right before each Accel-Sim run" if (df.accel_source == "run").any() else "")
             + "), trace generation included. "
             f"Machine load during this run: `{os.popen('uptime').read().strip()}`.", "",
             "| trace | setting | L2 MB | Accel-Sim cycles | timed | timed / Accel-Sim | fast | fast / Accel-Sim | "
             "Accel-Sim s | timed s | timed speed-up | fast s | fast speed-up |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    lines[4:4] = (counts_table() if counts else []) + ["### Cycles and speed", ""]
    for r in df.itertuples():
        lines.append(f"| {r.trace} | {r.setting} | {r.l2_MB:g} | {r.accel_cycles:,} | {r.timed_cycles:,} | "
                     f"{r.timed_cycles / r.accel_cycles:.3f} | {r.fast_cycles:,} | "
                     f"{r.fast_cycles / r.accel_cycles:.3f} | "
                     f"{r.accel_s:.0f} | {r.timed_s:.2f} | {r.accel_s / r.timed_s:,.0f}x | {r.fast_s:.3f} | "
                     f"{r.accel_s / r.fast_s:,.0f}x |")
    ok = df.dropna(subset=["accel_s"])
    okc = df.dropna(subset=["accel_cpu_s"])

    def gm(x):
        return np.exp(np.log(x).mean())

    lines += ["", f"Speed-up, geometric mean over the {len(ok)} runs, wall clock: timed "
              f"{gm(ok.accel_s / ok.timed_s):,.0f}x (bar 1,000x), fast {gm(ok.accel_s / ok.fast_s):,.0f}x "
              f"(bar 10,000x); CPU seconds (user + system, less sensitive to the machine's load): timed "
              f"{gm(okc.accel_cpu_s / okc.timed_cpu_s):,.0f}x, fast {gm(okc.accel_cpu_s / okc.fast_cpu_s):,.0f}x.",
              "",
              "Timed mode's throughput, trace requests per second per (capacity, technology):", "",
              "| trace | setting | requests | capacities | timed, 1 tech: s / M req/s | timed, 2 techs: s / M req/s "
              "| fast: s / M req/s per capacity |", "|---|---|---:|---:|---:|---:|---:|"]
    for r in sp.itertuples():
        lines.append(f"| {r.trace} | {r.setting} | {r.requests:,} | {r.capacities} | {r.timed_s:.2f} / "
                     f"{r.timed_Mreq_s:.2f} | {r.timed_2tech_s:.2f} / {r.timed_2tech_Mreq_s:.2f} | {r.fast_s:.2f} / "
                     f"{r.fast_Mreq_s:.2f} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--traces", default=",".join(TRACES))
    ap.add_argument("--settings", default="xor_random,linear_consecutive,ipoly_random")
    ap.add_argument("--no-write", action="store_true")
    ap.add_argument("--section", default="accelsim",
                    help="RESULTS.md section to write (e.g. accelsim-live for a subset run with ACCELSIM_RUNNER)")
    a = ap.parse_args()
    warm_up()
    rows, speed = run(a.traces.split(","), a.settings.split(","))
    text = report(rows, speed, counts=a.section == "accelsim")
    print(text)
    if not a.no_write:
        write_section(a.section, text)


if __name__ == "__main__":
    main()
