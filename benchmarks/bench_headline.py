"""DeepNVM++ headline, redone: both methods, both time bases, beside the paper, with the time the runs take.

Runs :func:`simulator.studies.deepnvm_headline.run_headline` (what ``nvmsim reproduce deepnvm`` puts first in its
report) on a fresh store: DarkNet's AlexNet at inference 4 / training 64 (``--quick``: batch 1) by the paper's
method and the realistic GP102, plus the hashed-set evidence run, all exact.  Prints the table with each nvmsim
value over the paper's, and writes RESULTS.md section ``headline``: the table, the DRAM-access curves behind it,
wall and CPU time, peak RSS and the load average around the run.

Usage: ``python benchmarks/bench_headline.py [--quick] [--store DIR]``
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._results import write_section  # noqa: E402
from simulator.studies import deepnvm, deepnvm_headline  # noqa: E402
from simulator.studies.deepnvm_report import curves_table  # noqa: E402
from simulator.studies.options import StudyOptions  # noqa: E402


def _fmt(x: float) -> str:
    return f"{x:.3g}"


def reading(h) -> str:
    """The findings in one paragraph, every number from this run."""
    ev = h.evidence.set_index(["run", "time_basis", "metric", "technology"])["value"]

    def pair(run, metric, basis="paper", fmt=".1f"):
        return " / ".join(f"{ev[(run, basis, metric, t)]:{fmt}}" for t in ("stt", "sot"))

    return ("Reading (STT 7 MB / SOT 10 MB): the paper's method cuts inference DRAM accesses by "
            f"{pair('paper_method', 'dram_inference')} % against the paper's 14.6 / 19.8 %, training by "
            f"{pair('paper_method', 'dram_training')} %; the paper does not say which phase Fig. 6 shows, and its "
            "numbers fit inference. The same config with a hashed set index, simulated at 7 / 10 MB, gives "
            f"{pair('paper-hashed', 'dram_inference')} % (inference): GPGPU-Sim's linear set index (set camping) "
            "is what keeps the paper's numbers low; on that config the log2 rule, read at 7 / 10 MB, is "
            f"{pair('paper-hashed', 'interp_error_inference', fmt='+.1f')} pp off the simulated value (inference), "
            f"{pair('paper-hashed', 'interp_error_training', fmt='+.1f')} pp (training). The realistic "
            f"GP102 gives {pair('gp102', 'dram_inference')} % (inference), {pair('gp102', 'dram_training')} % "
            "(training). EDP with DRAM under the paper's serial delay with the L2's leakage over the whole run: "
            f"{pair('paper_method', 'edp_iso_area', fmt='.2f')}x (paper 2.0 / 2.3x), because leakage times the "
            "serial DRAM time makes EDP grow with the square of the DRAM saved; with leakage over the L2's own "
            f"delay: {pair('paper_method', 'edp_iso_area_l2leak', fmt='.2f')}x, and with Table II's parameters "
            "and the paper's DRAM reductions under that convention "
            f"{pair('paper+table2+paper_dram', 'edp_iso_area_l2leak', fmt='.2f')}x: the paper's Fig. 8 is "
            "reproduced from its own inputs (our hypothesis of its convention). Under the simulated time MRAM "
            f"loses (EDP {pair('paper_method', 'edp_iso_area', 'sim', '.2f')}x): DRAM overlaps, and each L2 slice "
            "is busy for the slower cell's latency per access.")


def section(h, phases, wall_s: float, cpu_s: float, rss_MB: float, load: tuple, fresh: bool) -> str:
    m = deepnvm_headline
    lines = [f"`deepnvm_headline.run_headline`: DarkNet's AlexNet ({', '.join(f'{p} {b}' for p, b in phases)}), "
             f"the paper's method (`{m.PAPER_METHOD.chip}`, GPGPU-Sim's linear set index, "
             f"{'/'.join(f'{c:g}' for c in m.PAPER_METHOD.simulated_MB)} MB simulated, 7 / 10 MB read linearly in "
             f"log2 capacity: our hypothesis of how the paper got them) and the realistic GP102 (`{m.GP102.chip}`, "
             "hashed sets, 3 / 7 / 10 MB simulated), plus the evidence run (the paper's config with hashed sets, "
             "3/6/7/10/12 MB); exact runs, fast mode, in-process, nvmsim's circuit model for the cache parameters. "
             "`sim` rows: leakage over the simulated cycles; `paper` rows: over the serial transactions x latency "
             "(+ 67.5 ns per DRAM access); 'L2 delay only': leakage over the L2's own serial delay.", "",
             "| metric | tech | time basis | paper | paper's method | / paper | realistic GP102 | / paper | why it "
             "differs |", "|---|---|---|---|---|---|---|---|---|"]
    for _, r in h.table.iterrows():
        pm, gp = r["paper_method"], r["gp102"]
        lines.append(f"| {r['metric']} | {r['technology'].upper()} | {r['time_basis']} | {_fmt(r['paper'])} | "
                     f"{_fmt(pm)} | {pm / r['paper']:.2f} | {_fmt(gp)} | {gp / r['paper']:.2f} | {r['why']} |")
    lines += ["", reading(h)]
    lines += ["", "DRAM-access reduction against 3 MB (%), i: interpolated:", "", *curves_table(h.curves)]
    lines += ["", f"Wall {wall_s:.0f} s, CPU {cpu_s:.0f} s (user+sys, this process), peak RSS {rss_MB:.0f} MB, "
                  f"{'fresh' if fresh else 'reused'} store; load average (1/5/15 min) before → after: "
                  f"{' '.join(f'{x:.2f}' for x in load[0])} → {' '.join(f'{x:.2f}' for x in load[1])} on 2 cores "
                  "shared with other jobs, so the wall time is an upper bound (CPU time is the cost)."]
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="batch 1 instead of the paper's inference 4 / training 64")
    ap.add_argument("--store", default=None, help="point store (default: a fresh temporary one)")
    ap.add_argument("--no-write", action="store_true", help="print only, leave RESULTS.md alone")
    args = ap.parse_args(argv)
    phases = deepnvm_headline.QUICK_PHASES if args.quick else deepnvm_headline.FULL_PHASES
    tmp = tempfile.TemporaryDirectory() if args.store is None else None
    store = Path(args.store or tmp.name)
    fresh = args.store is None or not any(store.glob("*.json"))
    load0 = os.getloadavg()
    t0, r0 = time.perf_counter(), resource.getrusage(resource.RUSAGE_SELF)
    tech = deepnvm.technology_table(["sram", "stt", "sot"], [3.0, *deepnvm_headline.ISO_AREA_MB.values()])
    h = deepnvm_headline.run_headline(tech, phases=phases, options=StudyOptions(store=store, workers=1))
    wall = time.perf_counter() - t0
    r1 = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
    text = section(h, phases, wall, cpu, r1.ru_maxrss / 1024, (load0, os.getloadavg()), fresh)
    print(text)
    if not args.no_write:
        write_section("headline", "### DeepNVM++ headline, redone\n\n" + text)
    if tmp is not None:
        tmp.cleanup()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
