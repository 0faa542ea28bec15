"""nvmsim's L2 and DRAM counts against Accel-Sim's on the same kernels, at L2 = 1.5 / 3 / 6 / 12 / 24 MB.

Reference: Accel-Sim (accel-sim/accel-sim-framework dev @ 73f9fac68a1a, GPGPU-Sim 4.2 = gpgpu-sim_distribution dev
@ 667834cfe521), trace-driven, SM6_TITANX config, run on the traces ``nvmsim trace export --format accelsim`` wrote
for four kernel sequences of two networks (im2col + SGEMM convolutions, bias, ReLU, max-pooling, FC SGEMMs, softmax,
ResNet-18 backward: ReLU/add/batch-norm gradients, im2col, backward-weight SGEMM nt, backward-data SGEMM tn, col2im;
its SGD updates), with the L2 set index and partition mapping of each setting below. Its per-kernel statistics,
trimmed, are ``tests/data/accelsim/<trace>/accelsim_counts.csv``; how they were made (commits, options, export
commands, driver) is in ``tests/data/accelsim/README.md``.

nvmsim side: ``simulate_gpu(..., mode="fast")`` on ``sm6-titanx`` with the setting's ``l2.set_index`` /
``l2.channel_hash``, over nvmsim's own trace of the same kernels (``network_trace(..., sector_B=32)``, kernel by
kernel): the wave-interleaved generator order that the fast mode always counts with, not the CTA-major readback of
the exported files. The exported traces make Accel-Sim's CTAs keep the same pace (a store waits for its loads, an
SGEMM CTA finishes a k-step before the next: see :mod:`traces.exporters.accelsim`), so a wave advances step by
step in both; the readback order runs each CTA to its end before the next starts, which no GPU does
(:func:`test_cta_major_order_would_not_match` measures what that costs).

Counter mapping (GPGPU-Sim ``L2_cache_stats_breakdown`` per kernel, differences of its cumulative counters):

- L2 hits = ``HIT + HIT_RESERVED`` (a hit on a sector whose fill is pending: nvmsim fills at once), L2 misses =
  ``MISS + SECTOR_MISS``, reads ``GLOBAL_ACC_R``, writes ``GLOBAL_ACC_W``; ``RESERVATION_FAIL`` counts retries of an
  access that is counted again when it succeeds, so it is left out (it is 0 on these traces anyway).
- DRAM reads / writes = ``total dram reads / writes`` (32 B atoms: one per missed sector, one per dirty sector of
  an evicted line) = nvmsim's ``dram_read_sectors`` / ``dram_write_sectors``.

Where the two still differ, and why (found in GPGPU-Sim's source, ``src/gpgpu-sim/``):

- **Slices of the RANDOM partition** (``addrdec.cc``, ``-gpgpu_memory_partition_indexing 4``): GPGPU-Sim draws a
  slice with glibc ``rand()`` for each 128 B chunk in the order the chunks are first decoded, which depends on
  timing; nvmsim hashes the chunk (same distribution, another draw). Which lines share a set therefore differs
  by chance: the totals of the ``*_random`` settings agree within about 1 %, while with consecutive partitions
  (``linear_consecutive``, no randomness) they agree closer.
- **Where a write-back is counted**: GPGPU-Sim counts a DRAM write when the write-back enters the DRAM controller
  (``dram_t::push``), so a write-back caused near the end of a kernel can land in the next kernel's counters, and
  dirty lines leave in the order the slices happen to evict them. Per kernel this is a few hundred sectors, which
  decides the relative error only of kernels that write back little (hence the per-kernel floor below).
- **Timing-dependent order**: GPGPU-Sim's warps issue as the scheduler and memory latency allow; nvmsim's fast mode
  fixes a lock-step wave order by design. With the waits in the trace the remaining difference on these kernels is
  within the tolerances.
"""

from __future__ import annotations

import functools
import hashlib
import lzma
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from simulator import load_chip, simulate_gpu
from simulator.gpu.kernels.stats import ST_READ_HITS, ST_WRITE_HITS
from simulator.gpu.l2map import map_l2, set_keys_for
from simulator.gpu.levels import BankedCache
from traces import network_trace, read_accelsim, write_accelsim

DATA = Path(__file__).parent / "data" / "accelsim"

#: Trace folder -> (network, phase, batch, first kernel, end kernel): ``nvmsim trace export --format accelsim`` with
#: ``--network N --phase P --batch B --kernels A:B`` (tests/data/accelsim/README.md).
TRACES = {
    "alexnet_inf_b1_k12_25": ("alexnet", "inference", 1, 12, 25),
    "alexnet_inf_b1_k29_34": ("alexnet", "inference", 1, 29, 34),
    "resnet18_train_b1_k131_167": ("resnet18", "training", 1, 131, 167),
    "resnet18_train_b1_k269_284": ("resnet18", "training", 1, 269, 284),
}
#: Accel-Sim setting -> nvmsim's l2 options. ``xor_random``: set-index letter X, partition indexing 4 (RANDOM,
#: SM6_TITANX's own); ``linear_consecutive``: L and 0 (CONSECUTIVE); ``ipoly_random``: P (SM6_TITANX's own) and 4.
SETTINGS = {
    "xor_random": {"set_index": "xor", "channel_hash": "random"},
    "linear_consecutive": {"set_index": "modulo", "channel_hash": "linear"},
    "ipoly_random": {"set_index": "ipoly", "channel_hash": "random"},
}
TOTAL_TOL = 0.05  # totals per capacity: DRAM reads, DRAM writes, L2 hits, L2 misses
KERNEL_TOL = 0.10  # per kernel: DRAM reads and writes
KERNEL_FLOOR = 256  # sectors: below this a per-kernel difference is boundary noise (module docstring)
REDUCTION_TOL = 0.02  # DRAM-access reduction vs 3 MB, absolute (2 percentage points)


@functools.cache
def accel(trace: str) -> pd.DataFrame:
    """Accel-Sim's per-kernel rows of one trace: every setting and capacity it was run at."""
    df = pd.read_csv(DATA / trace / "accelsim_counts.csv")
    df["l2_hits"] = df.r_hit + df.r_hit_reserved + df.w_hit + df.w_hit_reserved
    df["l2_misses"] = df.r_miss + df.r_sector_miss + df.w_miss + df.w_sector_miss
    return df


def _runs() -> list[tuple[str, str]]:
    return [(t, s) for t in TRACES for s in SETTINGS if (DATA / t / "accelsim_counts.csv").exists()
            and s in set(accel(t).setting)]


@functools.cache
def nvmsim_trace(trace: str):
    """nvmsim's own trace of the kernels, kernel by kernel, in the generator's (wave-interleaved) order."""
    net, phase, batch, lo, hi = TRACES[trace]
    return network_trace(net, phase=phase, batch=batch, sector_B=32, n_sms=28), range(lo, hi)


@functools.cache
def nvmsim(trace: str, setting: str) -> pd.DataFrame:
    """nvmsim's per-kernel rows at every capacity Accel-Sim ran this setting at."""
    tr, kernels = nvmsim_trace(trace)
    mbs = sorted(accel(trace).query("setting == @setting").l2_MB.unique().tolist())
    chip = load_chip("sm6-titanx", overrides={"l2": SETTINGS[setting]})
    chunks = (c for k in kernels for c in tr.iter_kernel(k))
    df = simulate_gpu(chunks, chip, l2_MB=mbs, mode="fast").kernels
    df["l2_hits"] = df.l2_read_hits + df.l2_write_hits
    df["l2_misses"] = df.l2_read_misses + df.l2_write_misses
    return df


def _pair(trace: str, setting: str) -> pd.DataFrame:
    """One row per (capacity, kernel): Accel-Sim's columns as ``a_*``, nvmsim's as ``n_*``."""
    a = accel(trace).query("setting == @setting")
    a = a.rename(columns={"dram_reads": "a_dram_reads", "dram_writes": "a_dram_writes", "l2_hits": "a_l2_hits",
                          "l2_misses": "a_l2_misses"})
    n = nvmsim(trace, setting).rename(columns={
        "dram_read_sectors": "n_dram_reads", "dram_write_sectors": "n_dram_writes", "l2_hits": "n_l2_hits",
        "l2_misses": "n_l2_misses", "l2_MB": "l2_MB"})
    cols = ["n_dram_reads", "n_dram_writes", "n_l2_hits", "n_l2_misses"]
    return a.merge(n[["l2_MB", "kernel", *cols]], on=["l2_MB", "kernel"], how="left", validate="one_to_one")


COUNTERS = ("dram_reads", "dram_writes", "l2_hits", "l2_misses")


@pytest.mark.parametrize(("trace", "setting"), _runs())
def test_the_data_are_these_kernels(trace, setting):
    """Accel-Sim saw exactly nvmsim's requests: per kernel, its L2 reads and writes (every access counted once as
    HIT, HIT_RESERVED, MISS or SECTOR_MISS) equal the sector reads and writes nvmsim's trace of that kernel makes,
    and the kernel names agree."""
    tr, kernels = nvmsim_trace(trace)
    want = tr.kernels.set_index("kernel").loc[list(kernels)]
    for (mb,), g in accel(trace).query("setting == @setting").groupby(["l2_MB"]):
        g = g.set_index("kernel").loc[list(kernels)]
        reads = g.r_hit + g.r_hit_reserved + g.r_miss + g.r_sector_miss
        writes = g.w_hit + g.w_hit_reserved + g.w_miss + g.w_sector_miss
        assert reads.tolist() == want.reads.tolist(), mb
        assert writes.tolist() == want.writes.tolist(), mb
        assert g.name.tolist() == want.name.tolist()


KNOWN = DATA / "known_differences.csv"
"""Every (trace, setting, capacity, kernel, counter) outside the bars of the tests below, with its cause. The tests
require the outliers to be exactly this list (a new one fails, and so does a listed one that now agrees), and check
each stated cause. ``kernel = -1`` is a per-capacity total; ``counter = reduction`` the DRAM-access reduction vs
3 MB. Causes, from GPGPU-Sim's source:

- ``writeback_at_dram_push``: GPGPU-Sim counts a DRAM write when the write-back enters the DRAM controller
  (``dram_t::push`` calls ``memlatstat_dram_access``, dram.cc; the per-kernel "total dram writes" are differences
  of those counters), not when the L2 evicts the line. Where a channel's queue is backed up (consecutive partitions
  camp on a few channels) thousands of write-backs of one kernel are counted in the next one or two. Checked: over
  the kernel and its two neighbours on each side the writes agree within the per-kernel bar.
- ``issue_order``: at capacities where the working set thrashes, which dirty lines leave and which lines are still
  there for the next kernel depends on the order the SMs issue; nvmsim's fast mode advances a wave's CTAs in lock
  step, GPGPU-Sim's warps drift apart with memory latency (its warp schedulers, ``shader.cc``). The L2 itself
  is not the cause: fed GPGPU-Sim's own access order it agrees access by access
  (:func:`test_l2_semantics_equal_gpgpusim_on_its_own_access_order`), and for col2im at 1.5 MB Accel-Sim lies
  between nvmsim's wave order and a CTA-after-CTA order (:func:`test_order_brackets_accelsim`). Checked: within
  a factor of two or four sectors per L2 miss of the kernel (per kernel: a miss evicts at most one line), 10 %
  or 1 % of the capacity's traffic (totals), or 5 points (reductions).
"""
WINDOW = 2  # kernels on each side over which a write-back counted late must balance


def _outliers(trace: str, setting: str) -> pd.DataFrame:
    """The rows outside the bars, one per (l2_MB, kernel, counter), with Accel-Sim's and nvmsim's values."""
    p = _pair(trace, setting).sort_values(["l2_MB", "kernel"])
    rows = []
    tot = p.groupby("l2_MB").sum(numeric_only=True)
    for c in COUNTERS:
        a, n = tot[f"a_{c}"], tot[f"n_{c}"]
        for mb in tot.index[(n - a).abs() > np.maximum(TOTAL_TOL * a, KERNEL_FLOOR)]:
            rows.append((mb, -1, c, a[mb], n[mb]))
    for c in ("dram_reads", "dram_writes"):
        bad = p[(p[f"n_{c}"] - p[f"a_{c}"]).abs() > np.maximum(KERNEL_TOL * p[f"a_{c}"], KERNEL_FLOOR)]
        rows += list(zip(bad.l2_MB, bad.kernel, [c] * len(bad), bad[f"a_{c}"], bad[f"n_{c}"], strict=True))
    if 3.0 in tot.index:
        red = {w: 1 - (tot[f"{w}_dram_reads"] + tot[f"{w}_dram_writes"])
               / (tot[f"{w}_dram_reads"] + tot[f"{w}_dram_writes"]).loc[3.0] for w in "an"}
        for mb in tot.index[(red["n"] - red["a"]).abs() > REDUCTION_TOL]:
            rows.append((mb, -1, "reduction", red["a"][mb], red["n"][mb]))
    return pd.DataFrame(rows, columns=["l2_MB", "kernel", "counter", "accelsim", "nvmsim"])


def _known(trace: str, setting: str) -> pd.DataFrame:
    """The listed differences of one run, at the capacities Accel-Sim ran it at."""
    k = pd.read_csv(KNOWN)
    mbs = set(accel(trace).query("setting == @setting").l2_MB.astype(float))
    return k[(k.trace == trace) & (k.setting == setting) & k.l2_MB.astype(float).isin(mbs)]


def _keys(df: pd.DataFrame) -> set:
    return {(float(mb), int(k), c) for mb, k, c in zip(df.l2_MB, df.kernel, df.counter, strict=True)}


@pytest.mark.parametrize(("trace", "setting"), _runs())
def test_counts_within_the_bars_or_explained(trace, setting):
    """Per capacity the trace's DRAM reads and writes and its L2 hits and misses within 5 % of Accel-Sim's; per
    kernel and capacity DRAM reads and writes within 10 %; the DRAM-access reduction of each capacity against 3 MB
    (``1 - dram(C) / dram(3 MB)``, dram = reads + writes) within 2 percentage points. A difference below
    KERNEL_FLOOR sectors passes (at 24 MB AlexNet's conv3-conv5 evict no dirty line in Accel-Sim and 4 sectors'
    worth in nvmsim: no ratio describes that). The rows outside are exactly those of known_differences.csv."""
    got, known = _outliers(trace, setting), _known(trace, setting)
    new, gone = _keys(got) - _keys(known), _keys(known) - _keys(got)
    assert not new, f"outside the bars and not explained: {sorted(new)}"
    assert not gone, f"listed in known_differences.csv but now within the bars: {sorted(gone)}"


@pytest.mark.parametrize(("trace", "setting"), _runs())
def test_known_differences_have_their_cause(trace, setting):
    """Each listed difference shows what its cause predicts (see :data:`KNOWN`)."""
    known = _known(trace, setting)
    if known.empty:
        pytest.skip("every count within the bars")
    p = _pair(trace, setting).sort_values(["l2_MB", "kernel"])
    assert set(known.cause) <= {"writeback_at_dram_push", "issue_order"}
    outliers = _outliers(trace, setting)
    for r in known.itertuples():
        if r.counter == "reduction":
            red = outliers.query("counter == 'reduction' and l2_MB == @r.l2_MB")
            assert (red.nvmsim - red.accelsim).abs().max() <= 0.05, r
            continue
        if r.kernel == -1:
            tot = p.query("l2_MB == @r.l2_MB").sum(numeric_only=True)
            traffic = tot.a_dram_reads + tot.a_dram_writes + tot.a_l2_hits  # what the capacity's L2 and DRAM moved
            err = abs(tot[f"n_{r.counter}"] - tot[f"a_{r.counter}"])
            assert err <= max(0.10 * tot[f"a_{r.counter}"], 0.01 * traffic), r
            continue
        g = p.query("l2_MB == @r.l2_MB").reset_index(drop=True)
        i = int(np.flatnonzero(g.kernel == r.kernel)[0])
        a, n = g[f"a_{r.counter}"].to_numpy(float), g[f"n_{r.counter}"].to_numpy(float)
        if r.cause == "writeback_at_dram_push":
            assert r.counter == "dram_writes", r
            lo, hi = max(i - WINDOW, 0), i + WINDOW + 1
            wa, wn = a[lo:hi].sum(), n[lo:hi].sum()
            assert abs(wn - wa) <= max(KERNEL_TOL * wa, KERNEL_FLOOR), (r, wa, wn)
        else:  # the order decides which lines leave, not how many misses make room: at most 4 sectors per miss
            misses = g.a_l2_misses.to_numpy(float)[i]
            assert 0.5 <= (n[i] + 1) / (a[i] + 1) <= 2.0 or abs(n[i] - a[i]) <= 4 * misses, r


def test_order_brackets_accelsim(tmp_path):
    """The issue-order cause, measured: ResNet-18's col2im at 1.5 MB (its column buffer, written by the backward-
    data SGEMM, is re-read as a gather while the L2 thrashes). nvmsim's lock-step wave order reads less from DRAM
    than Accel-Sim, the same requests run CTA after CTA (the exported files read back in order) read far more, and
    Accel-Sim lies between the two."""
    trace, setting, kernel = "resnet18_train_b1_k131_167", "xor_random", 138
    a = accel(trace).query("setting == @setting and l2_MB == 1.5 and kernel == @kernel")
    if a.empty:
        pytest.skip("no 1.5 MB run")
    tr, _ = nvmsim_trace(trace)
    chip = load_chip("sm6-titanx", overrides={"l2": SETTINGS[setting]})
    wave = simulate_gpu((c for k in range(131, kernel + 1) for c in tr.iter_kernel(k)), chip, l2_MB=1.5).kernels
    write_accelsim(tr, tmp_path / "t", kernels=slice(131, kernel + 1))
    cta = simulate_gpu(read_accelsim(tmp_path / "t" / "kernelslist.g", n_sms=28), chip, l2_MB=1.5).kernels
    w = int(wave.loc[wave.kernel == kernel, "dram_read_sectors"].iloc[0])
    c = int(cta.loc[cta.kernel == kernel + 1, "dram_read_sectors"].iloc[0])  # the files number kernels from id + 1
    assert w < int(a.dram_reads.iloc[0]) < c, (w, int(a.dram_reads.iloc[0]), c)


def test_cta_major_order_would_not_match(tmp_path):
    """Why the comparison uses nvmsim's generator order: the same requests of AlexNet's conv3 (im2col + SGEMM of 6
    CTAs over a 3.5 MB weight matrix) read back from the exported files, CTA after CTA, make a 3 MB L2 read a third
    more from DRAM than Accel-Sim does, while the wave order lands within 1 %."""
    tr, _ = nvmsim_trace("alexnet_inf_b1_k12_25")
    write_accelsim(tr, tmp_path / "conv3", kernels=slice(12, 14))
    chip = load_chip("sm6-titanx", overrides={"l2": SETTINGS["xor_random"]})
    wave = simulate_gpu((c for k in (12, 13) for c in tr.iter_kernel(k)), chip, l2_MB=3).kernels
    cta_major = simulate_gpu(read_accelsim(tmp_path / "conv3" / "kernelslist.g", n_sms=28), chip, l2_MB=3).kernels
    a = accel("alexnet_inf_b1_k12_25").query("setting == 'xor_random' and l2_MB == 3 and kernel == 13")
    ref = int(a.dram_reads.iloc[0])
    assert abs(int(wave.loc[wave.kernel == 13, "dram_read_sectors"].iloc[0]) / ref - 1) < 0.01
    # read_accelsim numbers kernels as the files do (nvmsim id + 1)
    assert int(cta_major.loc[cta_major.kernel == 14, "dram_read_sectors"].iloc[0]) / ref > 1.25


REPLAY = DATA / "replay" / "alexnet_k12_14_linear_3MB_slices_2_14.npz"


def _accelsim_outcomes(ev) -> tuple[np.ndarray, dict[str, int]]:
    """Per successful access of the log: whether GPGPU-Sim's L2 served it without a DRAM read (HIT, or
    HIT_RESERVED: a sector whose fill is pending), from the access status it returned and the fills it logged."""
    pending: dict[tuple[int, int], int] = {}
    hit = []
    n = {"hit_reserved": 0, "reservation_fail": 0}
    for e, s, a, w, st in zip(ev["event"].tolist(), ev["slice"].tolist(), ev["addr"].tolist(),
                              ev["is_write"].tolist(), ev["status"].tolist(), strict=True):
        key = (s, a >> 5)
        if e == 1:  # a fill: the sector's DRAM read is back
            pending[key] -= 1
            continue
        if st == 3:  # RESERVATION_FAIL: every way of the set is waiting for a fill; retried, logged again
            n["reservation_fail"] += 1
            continue
        if st == 0:  # HIT
            hit.append(True)
        elif pending.get(key, 0) > 0:  # MISS status on a pending sector: HIT_RESERVED (an MSHR merge)
            n["hit_reserved"] += 1
            hit.append(True)
        else:  # MISS or SECTOR_MISS: a read fetches its sector, a write allocates it (lazy: no DRAM read)
            if not w:
                pending[key] = pending.get(key, 0) + 1
            hit.append(False)
    return np.array(hit), n


def test_l2_semantics_equal_gpgpusim_on_its_own_access_order():
    """nvmsim's L2 kernel, fed GPGPU-Sim's own sequence of L2 accesses, hits and misses exactly where GPGPU-Sim's L2
    did, access by access: so every remaining difference in the count tests above comes from the order of the
    accesses (timing), not from the cache.

    The log: an instrumented copy of the Accel-Sim build (one ``fprintf`` per access attempt and per fill in
    ``memory_sub_partition::cache_cycle``, l2cache.cc; README.md) running AlexNet's conv3 im2col + SGEMM (kernels
    12-13) at 3 MB with linear sets and consecutive partitions; slices 2 and 14, the two with the most
    RESERVATION_FAILs (sets whose every way had a pending sector). So it covers what nvmsim does not model -- a
    line with a pending sector cannot be a victim, and a request finding every way pending waits -- and shows it
    never changed a victim here: GPGPU-Sim evicts the least recently used line, and with 16 ways a line is
    rarely the oldest while its fill is in flight; a line left pending is one whose sectors nvmsim fills at once.
    """
    ev = np.load(REPLAY)
    truth, n = _accelsim_outcomes(ev)
    assert n["hit_reserved"] > 1000 and n["reservation_fail"] > 100  # the case exercises pending sectors
    acc = (ev["event"] == 0) & (ev["status"] != 3)
    addr, w, sl = ev["addr"][acc], ev["is_write"][acc], ev["slice"][acc].astype(np.int64)
    chip = load_chip("sm6-titanx", l2_MB=3, overrides={"l2": SETTINGS["linear_consecutive"]})
    slice_, key = map_l2(addr, chip.l2)
    assert (slice_ == sl).all()  # consecutive partitions: nvmsim puts every sector in GPGPU-Sim's slice
    l2 = BankedCache(2, chip.l2.sets_per_slice, chip.l2.ways, chip.l2.line_B, chip.sector_B, True, "lazy", False)
    bank = (sl != sl.min()).astype(np.int64)
    stats, *_ = l2.run(addr, w, bank, set_keys_for(key, chip.l2), np.arange(len(addr), dtype=np.int64), len(addr))
    per = stats.sum(axis=1)
    hit = (per[:, ST_READ_HITS] + per[:, ST_WRITE_HITS]) == 1
    assert len(hit) == len(truth) == 37628
    assert (hit == truth).all(), f"{int((hit != truth).sum())} accesses differ, first at {np.argmax(hit != truth)}"


def test_the_exporter_still_writes_what_accel_sim_ran(tmp_path):
    """The data belong to the traces the exporter wrote at the time: exporting the smallest of them again gives the
    same kernel files, byte for byte (sha256 of the decompressed files in kernelslist order, as README.md lists it).
    A change to the exporter that alters a trace means rerunning Accel-Sim (``run_counts.py``)."""
    tr, kernels = nvmsim_trace("alexnet_inf_b1_k29_34")
    write_accelsim(tr, tmp_path / "t", kernels=slice(kernels.start, kernels.stop))
    h = hashlib.sha256()
    for name in (tmp_path / "t" / "kernelslist.g").read_text().split():
        with lzma.open(tmp_path / "t" / name) as f:
            h.update(f.read())
    assert h.hexdigest() == "eb65adaa193a10fb91417f19c0988ed9d44649caa84dc1ad51e7b048692b96d2"
