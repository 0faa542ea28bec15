"""Cache kernel and first run (issue 17): ``Cache.access`` with its default emitting path beside C loops, and the
README's main job from a fresh install and warm, each before and after, side by side in one run.

Run: ``python benchmarks/bench_cache_kernel.py [--baseline-src DIR] [--accesses N] [--reps R]``.
``--baseline-src DIR`` is another source tree (``git archive <commit> | tar -x -C DIR``); every measurement then
runs for it and for this tree alternately, each in a fresh process (``PYTHONPATH`` = the tree).

1. ``Cache(3 MB, 16 ways, 128 B lines).access(addr)`` (a read trace given as ``is_write=False``; the stream is
   emitted, the default) and ``access(addr, emit=False)`` on three traces of ``--accesses`` each: random (uniform
   lines over 6 MB, about half hit), streaming (consecutive lines, all miss) and four sectors per line (32 B steps,
   a ``sector_B=32`` cache: the line misses, then three sectors of a present line).  Rates are accesses per
   second of the thread's CPU time (the machine is shared: wall time counts other jobs' time slices), best of R.
2. C loops (``cc -O3 -march=native``, skipped when there is no ``cc``), the same algorithm written by hand, on the
   same traces and beside them: per-way age LRU with 32-bit tags, both with no branch on hit or miss and branchy
   (the faster counts; whole lines), and branchy with 32 B sectors (four-sector trace), each with and without
   writing the stream into pre-faulted arrays of the same layout (addr uint64, is_write uint8, src int64).
   Counts are checked to agree.
3. The README's main job (``nvmsim sweep-l2 --network alexnet --phase inference --batch 4 --out DIR``): first
   run with an empty ``NUMBA_CACHE_DIR`` (a fresh install compiles every kernel it uses), then warm runs (kernels
   cached), each into an empty ``--out`` (nothing resumed); wall time of the whole process.  With a baseline its
   CSV must be byte-identical.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks._results import write_section  # noqa: E402

TARGETS = {"random": 150.0, "streaming": 200.0, "sector4": 150.0}  # M accesses/s, default (emitting) path
FIRST_TARGET_S, WARM_TARGET_S = 10.0, 2.0
#: What the intermediate trees of issue 17's record hold (``--baseline-src`` directories by name), so that the table
#: says which change bought what: 'before' is e7fd951, 'after' this tree.
STEPS = {
    "s1_sets": "+ sets a runtime argument (one compilation per way count and policy, reciprocal modulo) and an "
               "unsigned stream index (Numba tests signed indices for wrap-around on every store)",
    "s2_views": "+ the stream returned as views of its arrays (no copy) and the arrays recycled between calls "
                "(`simulator/gpu/stream_buffers.py`: no page faults on a fresh 340 MB each call)",
    "after": "+ the predicated loop's stream written by a second loop over each block of 1024 accesses (fewer "
             "live registers in the lookup loop) and, for sectors, dirty sectors found by trailing zeros, no age "
             "step when the line is already the youngest, no dirty-mask store on reads; for the main job also the "
             "trace generator's `_emit_rows` / `_emit_tile` called rather than inlined (1.4 s less compilation)",
}
PACKAGES = ("simulator", "models", "workloads", "traces")  # the project's own modules (their bytecode)
MAIN_JOB = ["sweep-l2", "--network", "alexnet", "--phase", "inference", "--batch", "4"]

# Run in a child: the traces, then Cache.access per trace and emit setting, best of reps (thread CPU time).
CHILD = r"""
import json, sys, time
import numpy as np
from simulator.gpu.cache import Cache
n, reps, tmp = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
cap = 3 * 2**20
rng = np.random.default_rng(0)
traces = {"random": ((rng.integers(0, 2 * cap // 128, n, dtype=np.int64) * 128).astype(np.uint64), None),
          "streaming": (np.arange(n, dtype=np.uint64) * np.uint64(128), None),
          "sector4": (np.arange(n, dtype=np.uint64) * np.uint64(32), 32)}
out = {}
for name, (addr, sector) in traces.items():
    addr.tofile(f"{tmp}/{name}.bin")
    for emit in (True, False):
        Cache(cap, ways=16, sector_B=sector).access(addr[:5000], emit=emit)  # compile or load outside the timing
        best = None
        for _ in range(reps):
            c = Cache(cap, ways=16, sector_B=sector)
            t0 = time.thread_time()
            st = c.access(addr) if emit else c.access(addr, emit=False)
            dt = time.thread_time() - t0
            best = dt if best is None else min(best, dt)
            k = len(c.stream) if emit else None
            del c
        out[f"{name}/{emit}"] = {"rate": n / best / 1e6, "hits": st.hits, "read_misses": st.read_misses,
                                 "stream": k}
print(json.dumps(out))
"""

C_SOURCE = r"""
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <immintrin.h>
#define SETS 1536
#define WAYS 16
static int32_t tags[SETS * WAYS];
static uint32_t valid[SETS * WAYS], dirty[SETS * WAYS];
static unsigned char age[SETS * WAYS];
static double cpu(void) {
    struct timespec t; clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t); return t.tv_sec + 1e-9 * t.tv_nsec;
}
static void reset(void) {
    for (long i = 0; i < SETS * WAYS; i++) {
        tags[i] = -1; valid[i] = dirty[i] = 0; age[i] = (unsigned char)(i % WAYS);
    }
}
static unsigned hit_mask(const int32_t *t, int32_t tag) {  /* ways holding tag, ignoring the dirty bit */
    __m256i key = _mm256_set1_epi32(tag | 1), one = _mm256_set1_epi32(1);
    return (unsigned)_mm256_movemask_ps(_mm256_castsi256_ps(_mm256_cmpeq_epi32(
               _mm256_or_si256(_mm256_loadu_si256((const __m256i *)t), one), key)))
         | (unsigned)_mm256_movemask_ps(_mm256_castsi256_ps(_mm256_cmpeq_epi32(
               _mm256_or_si256(_mm256_loadu_si256((const __m256i *)(t + 8)), one), key))) << 8;
}
static void promote(unsigned char *g, unsigned slot) {  /* ways younger than slot age by one; slot becomes 0 */
    __m128i gv = _mm_loadu_si128((const __m128i *)g);
    _mm_storeu_si128((__m128i *)g, _mm_sub_epi8(gv, _mm_cmplt_epi8(gv, _mm_set1_epi8((char)g[slot]))));
    g[slot] = 0;
}
static unsigned oldest(const unsigned char *g) {
    return (unsigned)__builtin_ctz((unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)g),
                                                                          _mm_set1_epi8(WAYS - 1))));
}
/* whole lines, write-back: nvmsim's predicated loop by hand (no branch on hit or miss); emit: the stream */
static long lines(const uint64_t *a, long n, int emit, uint64_t *oa, unsigned char *ow, int64_t *os, long *hits) {
    long h = 0, ev = 0, wb = 0, k = 0;
    for (long i = 0; i < n; i++) {
        uint32_t line = (uint32_t)(a[i] >> 7), s = line % SETS;
        int32_t *t = tags + s * WAYS;
        unsigned char *g = age + s * WAYS;
        int32_t tag = (int32_t)(line << 1);
        unsigned m = hit_mask(t, tag);
        unsigned o = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)g),
                                                                _mm_set1_epi8(WAYS - 1)));
        unsigned p = (unsigned)__builtin_ctz(m | (o << 16));
        unsigned miss = p >> 4, slot = p & 15;
        uint32_t vt = (uint32_t)t[slot];
        unsigned e = miss & ((vt >> 31) ^ 1), w = e & vt;
        h += 1 - miss; ev += e; wb += w;
        t[slot] = tag | (int32_t)(vt & (1 - miss) & 1);
        promote(g, slot);
        if (emit) {
            oa[k] = (uint64_t)(vt >> 1) << 7; ow[k] = 1; os[k] = i; k += w;
            oa[k] = (uint64_t)line << 7; ow[k] = 0; os[k] = i; k += miss;
        }
    }
    *hits = h;
    return emit ? k : ev + wb;
}
/* sectors of 1 << ss bytes in 128 B lines (ss = 7: whole lines), write-back, branchy: only the work of the outcome
   (fastest where outcomes are predictable, as in a coalesced or streaming trace) */
static long sectors(const uint64_t *a, long n, int ss, int emit, uint64_t *oa, unsigned char *ow, int64_t *os,
                    long *hits) {
    long h = 0, k = 0;
    uint64_t smask = (1u << (7 - ss)) - 1;
    for (long i = 0; i < n; i++) {
        uint32_t line = (uint32_t)(a[i] >> 7), s = line % SETS, bit = 1u << ((a[i] >> ss) & smask);
        int32_t *t = tags + s * WAYS;
        unsigned char *g = age + s * WAYS;
        unsigned m = hit_mask(t, (int32_t)(line << 1));
        uint64_t req = (a[i] >> ss) << ss;
        if (m) {
            unsigned slot = (unsigned)__builtin_ctz(m);
            long j = s * WAYS + slot;
            if (valid[j] & bit) h++;
            else { valid[j] |= bit; if (emit) { oa[k] = req; ow[k] = 0; os[k] = i; } k++; }
            if (g[slot]) promote(g, slot);
        } else {
            unsigned slot = oldest(g);
            long j = s * WAYS + slot;
            if (t[slot] >= 0) {
                for (uint32_t d = dirty[j]; d; d &= d - 1) {
                    if (emit) { oa[k] = ((uint64_t)(t[slot] >> 1) << 7) + ((uint64_t)__builtin_ctz(d) << ss);
                                ow[k] = 1; os[k] = i; }
                    k++;
                }
            }
            t[slot] = (int32_t)(line << 1); valid[j] = bit; dirty[j] = 0;
            promote(g, slot);
            if (emit) { oa[k] = req; ow[k] = 0; os[k] = i; } k++;
        }
    }
    *hits = h;
    return k;  /* every request, write-backs included */
}
int main(int argc, char **argv) {
    FILE *f = fopen(argv[1], "rb"); long n = atol(argv[2]); int sect = atoi(argv[3]), emit = atoi(argv[4]);
    int reps = atoi(argv[5]);
    uint64_t *a = malloc(n * 8);
    if (fread(a, 8, n, f) != (size_t)n) return 1;
    fclose(f);
    long cap = 2 * n + 2;
    uint64_t *oa = malloc(cap * 8); unsigned char *ow = malloc(cap); int64_t *os = malloc(cap * 8);
    memset(oa, 0, cap * 8); memset(ow, 0, cap); memset(os, 0, cap * 8);  /* pre-faulted */
    double best = 1e30; long hits = 0, k = 0;
    for (int r = 0; r < reps; r++) {
        reset();
        double t0 = cpu();
        k = sect ? sectors(a, n, sect == 1 ? 5 : 7, emit, oa, ow, os, &hits) : lines(a, n, emit, oa, ow, os, &hits);
        double dt = cpu() - t0;
        if (dt < best) best = dt;
    }
    printf("%ld %.6f %ld %lu\n", hits, best, k, (unsigned long)(k ? oa[k / 2] + (unsigned long)os[k / 2] : 0));
    return 0;
}
"""


def build_c(tmp: Path) -> str | None:
    cc = shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")
    if cc is None:
        return None
    src = tmp / "loops.c"
    src.write_text(C_SOURCE)
    exe = tmp / "loops"
    r = subprocess.run([cc, "-O3", "-march=native", "-o", str(exe), str(src)], capture_output=True, text=True)
    return str(exe) if r.returncode == 0 else None


def kernel_rates(tree: Path, n: int, reps: int, tmp: Path, numba_dir: Path) -> dict:
    env = dict(os.environ, PYTHONPATH=str(tree), NUMBA_CACHE_DIR=str(numba_dir))
    out = subprocess.run([sys.executable, "-c", CHILD, str(n), str(reps), str(tmp)], env=env, cwd=tree,
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def c_rates(exe: str, tmp: Path, n: int, reps: int) -> dict:
    out = {}
    # loops: 0 = predicated whole lines, 2 = branchy whole lines (the faster of the two counts), 1 = 32 B sectors
    for name, loops in (("random", (0, 2)), ("streaming", (0, 2)), ("sector4", (1,))):
        for emit in (1, 0):
            for loop in loops:
                r = subprocess.run([exe, str(tmp / f"{name}.bin"), str(n), str(loop), str(emit), str(reps)],
                                   capture_output=True, text=True, check=True)
                hits, dt, k, _ = r.stdout.split()
                row = {"rate": n / float(dt) / 1e6, "hits": int(hits), "stream": int(k) if emit else None}
                key = f"{name}/{bool(emit)}"
                if key not in out or row["rate"] > out[key]["rate"]:
                    out[key] = row
    return out


PYTHON = sys.executable
"""The interpreter of the main-job runs (``--python``): one whose environment holds nvmsim's dependencies and nothing
more is what a fresh install has (a development environment's extras load too: Numba imports SciPy when it is
there, 0.2 s)."""


def main_job(tree: Path, numba_dir: Path, out_dir: Path, first: bool = False) -> tuple[float, float]:
    """(wall s, CPU s: user + system of the process and its threads), with ``numba_dir`` holding Numba's cache and
    nvmsim's (``NVMSIM_CACHE_DIR``).

    Python keeps the project's bytecode as on a user's machine (``PYTHONDONTWRITEBYTECODE`` is dropped from the
    environment: a machine that sets it recompiles about 80 modules, 0.2 s, on every run); a ``first`` run starts
    with none, as after a fresh install (pip precompiles the dependencies, not an editable project).
    """
    # nvmsim's own cache (the circuit model's stored searches) beside Numba's: empty for a first run, kept warm
    env = dict(os.environ, PYTHONPATH=str(tree), NUMBA_CACHE_DIR=str(numba_dir), NVMSIM_NO_PROGRESS="1",
               NVMSIM_CACHE_DIR=str(numba_dir / "nvmsim"))
    env.pop("NVMSIM_DESIGN_CACHE", None)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.pop("PYTHONPYCACHEPREFIX", None)
    if first:  # the project's bytecode only (Numba's own cache files may sit in the same folders)
        for package in PACKAGES:
            for pyc in (tree / package).rglob("__pycache__/*.pyc"):
                pyc.unlink(missing_ok=True)
    code = ("import sys\ntry:\n    from simulator.cli import entry\nexcept ImportError:  # a tree from before entry()\n"
            "    from simulator.cli import main\n    def entry():\n        sys.exit(main())\nentry()\n")
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run([PYTHON, "-c", code, *MAIN_JOB, "--out", str(out_dir)], env=env, cwd=tree,
                   stdout=subprocess.DEVNULL, check=True)
    wall = time.perf_counter() - t0
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)


def _wall_cpu(runs: list[tuple[float, float]]) -> str:
    walls = sorted(w for w, _ in runs)
    median = f" (median {walls[len(walls) // 2]:.1f})" if len(walls) > 2 else ""
    return f"{walls[0]:.1f} s wall{median}, {min(c for _, c in runs):.1f} s CPU"


def _environment(python: str) -> str:
    """The interpreter and how many distributions its environment holds (a fresh install: nvmsim's dependencies)."""
    code = "import importlib.metadata as m; print(len(list(m.distributions())))"
    n = subprocess.run([python, "-c", code], capture_output=True, text=True).stdout.strip()
    same = " (this benchmark's own)" if os.path.abspath(python) == os.path.abspath(sys.executable) else ""
    return f"`{python}`{same}, {n} distributions installed"


def best(rows: list[dict], key: str) -> float:
    return max(r[key]["rate"] for r in rows)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--baseline-src", type=Path, action="append", default=[],
                    help="source tree of the code before (git archive, unpacked); repeat for intermediate steps "
                         "(kernel rates only; the first one is 'before' for the main job)")
    ap.add_argument("--accesses", type=int, default=20_000_000)
    ap.add_argument("--reps", type=int, default=3, help="repetitions per process (best taken)")
    ap.add_argument("--rounds", type=int, default=2, help="processes per tree for the kernel rates, alternating")
    ap.add_argument("--warm-runs", type=int, default=3)
    ap.add_argument("--first-runs", type=int, default=1)
    ap.add_argument("--skip-main-job", action="store_true")
    ap.add_argument("--python", default=sys.executable,
                    help="interpreter for the main-job runs (default this one; a venv with only `pip install -e .` "
                         "is a fresh install's)")
    ap.add_argument("--no-write", action="store_true", help="do not update benchmarks/RESULTS.md")
    ap.add_argument("--section", default="cache-kernel", help="RESULTS.md section to write")
    args = ap.parse_args(argv)
    global PYTHON
    PYTHON = args.python
    trees = {("before" if k == 0 else p.name): p.resolve() for k, p in enumerate(args.baseline_src)}
    trees["after"] = ROOT
    job_trees = {k: v for k, v in trees.items() if k in ("before", "after")}
    load = [os.getloadavg()]
    n = args.accesses
    kern: dict[str, list[dict]] = {k: [] for k in trees}
    c_rows: list[dict] = []
    jobs: dict[str, dict] = {k: {"first": [], "warm": []} for k in job_trees}
    with tempfile.TemporaryDirectory() as tmpd:
        tmp = Path(tmpd)
        numba_dirs = {k: tmp / f"numba-{k}" for k in trees}
        exe = build_c(tmp)
        for _ in range(args.rounds):
            for label, tree in trees.items():
                kern[label].append(kernel_rates(tree, n, args.reps, tmp, numba_dirs[label]))
                print(label, {k: round(v["rate"], 1) for k, v in kern[label][-1].items()}, flush=True)
            if exe:
                c_rows.append(c_rates(exe, tmp, n, args.reps))
                print("C", {k: round(v["rate"], 1) for k, v in c_rows[-1].items()}, flush=True)
        load.append(os.getloadavg())
        csv = {}
        if not args.skip_main_job:
            for label, tree in job_trees.items():
                for r in range(args.first_runs):
                    fresh = tmp / f"first-{label}-{r}"
                    jobs[label]["first"].append(main_job(tree, fresh, tmp / f"out-first-{label}-{r}", first=True))
                    shutil.rmtree(fresh)
                    print(label, "first run (wall, CPU s)", jobs[label]["first"][-1], flush=True)
                csv[label] = (tmp / f"out-first-{label}-0" / "sweep_l2.csv").read_bytes()
            warm_dirs = {k: tmp / f"warm-{k}" for k in job_trees}
            for label, tree in job_trees.items():
                main_job(tree, warm_dirs[label], tmp / f"out-prime-{label}")
            for r in range(args.warm_runs):
                for label, tree in job_trees.items():
                    jobs[label]["warm"].append(main_job(tree, warm_dirs[label], tmp / f"out-warm-{label}-{r}"))
                    print(label, "warm (wall, CPU s)", jobs[label]["warm"][-1], flush=True)
        load.append(os.getloadavg())

    # checks: every tree and the C loops count the same
    ref = kern["after"][0]
    for label in trees:
        for row in kern[label]:
            for key, v in row.items():
                if (v["hits"], v["stream"]) != (ref[key]["hits"], ref[key]["stream"]):
                    raise SystemExit(f"{label} {key}: counts differ from this tree's")
    for row in c_rows:
        for key, v in row.items():
            if v["hits"] != ref[key]["hits"] or (v["stream"] is not None and v["stream"] != ref[key]["stream"]):
                raise SystemExit(f"C {key}: hits/stream {v['hits']}/{v['stream']} differ from nvmsim's "
                                 f"{ref[key]['hits']}/{ref[key]['stream']}")
    identical = None if len(csv) < 2 else csv["before"] == csv["after"]

    lines = [f"`Cache(3 MB, 16 ways, 128 B lines).access(addr)`, millions of accesses per second of thread CPU time "
             f"(best of {args.reps} x {args.rounds} processes, {n / 1e6:g} M accesses; the machine is shared, so "
             "CPU time, not wall time). 'emitting' is the default path (the next-level stream returned); "
             "'C' is the same algorithm by hand (`cc -O3 -march=native`), writing its stream into pre-faulted "
             "arrays. Counts (hits, stream length) of every column agree (checked in the run).", "",
             "| trace | path | " + " | ".join(f"nvmsim {k}" for k in trees) + " | C | nvmsim / C | target |",
             "|---|---|" + "---|" * len(trees) + "---|---|---|"]
    for name in ("random", "streaming", "sector4"):
        for emit, path in ((True, "emitting (default)"), (False, "emit=False")):
            key = f"{name}/{emit}"
            c = max((r[key]["rate"] for r in c_rows), default=float("nan"))
            after = best(kern["after"], key)
            lines.append(f"| {name} | {path} | " + " | ".join(f"{best(kern[k], key):.1f}" for k in trees)
                         + f" | {c:.1f} | {after / c:.2f} | {TARGETS[name] if emit else '-'} |")
    lines += ["", "Traces: random = uniform lines over 6 MB (about half hit); streaming = consecutive 128 B lines "
              "(all miss); sector4 = 32 B steps in a `sector_B=32` cache (per line: a miss, then three sectors "
              "of a present line)."]
    if len(trees) > 2:
        lines += ["", "Columns, each adding to the one before: " + "; ".join(
            f"'{k}' {STEPS[k]}" for k in trees if k in STEPS) + "."]
    if not args.skip_main_job:
        lines += ["", f"README main job (`nvmsim {' '.join(MAIN_JOB)} --out DIR`), wall seconds of the whole "
                  "process, each into an empty `--out`: 'first' with an empty `NUMBA_CACHE_DIR` and no bytecode of "
                  f"the project (a fresh install), 'warm' best of {args.warm_runs} with both cached (Python writes "
                  "its bytecode as on a user's machine). Beside it the process's CPU seconds "
                  "(user + system, all threads): on this shared machine wall time mostly measures other jobs, and "
                  "the CPU time is what an idle machine would need (less, where threads overlap). Interpreter: "
                  f"{_environment(PYTHON)}.", "",
                  "| run | " + " | ".join(job_trees) + " | target |", "|---|" + "---|" * len(job_trees) + "---|",
                  *(f"| {run} | " + " | ".join(_wall_cpu(jobs[k][run]) for k in job_trees) + f" | {target:g} |"
                    for run, target in (("first", FIRST_TARGET_S), ("warm", WARM_TARGET_S)))]
        if identical is not None:
            lines += ["", f"sweep_l2.csv byte-identical before/after: {identical}."]
    lines += ["", "Load average (1/5/15 min) at start, after the kernel rates, at the end: "
              + "; ".join(" ".join(f"{x:.2f}" for x in la) for la in load) + f" on {os.cpu_count()} cores."]
    md = "\n".join(lines)
    print(md)
    if identical is False:
        raise SystemExit("the main job's CSV differs before/after")
    if not args.no_write:
        write_section(args.section, "### Cache kernel and first run\n\n" + md)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
