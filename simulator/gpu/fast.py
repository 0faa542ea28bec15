"""The fast engine: the trace's own interleaving is fixed, so the L1s run once and their miss stream feeds every
L2 capacity; counts are shared by all technologies and cycles come from the bottleneck model
(:func:`simulator.gpu.timing.kernel_cycles`).

Per-kernel counters are arrays (one row per kernel), and the rows of every (capacity, technology) are computed
with numpy over all kernels at once.

Set sampling (``sample_sets = K > 1``): each capacity's L2 simulates only the requests of a fixed subset of
``N // K`` of its ``N`` (slice, set) pairs (:func:`sample_table`) and its counts are scaled by ``N / (N // K)``, the
classic set-sampling estimate, with one refinement: the compulsory misses (the first touch of each line or
sector, :mod:`simulator.gpu.kernels.first_touch`) are counted per (kernel, slice) on all requests, and the sample
estimates only the misses beyond them (a difference estimator: ``misses = first touches + scale x (sampled misses -
sampled first touches)``), so traffic that is mostly compulsory (small networks, large L2s) comes out nearly
exact.  The sampled pairs are split into :data:`REPLICATES` equal groups whose separate totals give the estimate's
standard error.  L1 counts and issue are never sampled.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections import Counter, deque
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from models.errors import ConfigError
from models.tech_row import TechRow
from simulator.gpu import warmup
from simulator.gpu.chip import GpuChip
from simulator.gpu.counts import count_columns, dram_requests
from simulator.gpu.kernels.first_touch import FirstTouch
from simulator.gpu.kernels.sampling import gather_sampled
from simulator.gpu.kernels.simd import reciprocal
from simulator.gpu.kernels.stats import (
    N_STATS,
    ST_READ_HITS,
    ST_READ_MISSES,
    ST_WRITE_HITS,
    ST_WRITE_MISSES,
    fill_next_level,
    issue_counts,
)
from simulator.gpu.l2map import map_l2, set_key_params, set_keys_for
from simulator.gpu.lanes import Lanes
from simulator.gpu.levels import BankedCache, make_l1, make_l2, sm_index
from simulator.gpu.timing import kernel_cycles
from simulator.progress import progress

REPLICATES = 8
"""Replicate groups of a sampled L2 (their spread estimates the sampling error)."""
SAMPLE_SEED = 20261206
"""Seed of the permutation that picks the sampled (slice, set) pairs."""


def sample_table(slices: int, sets: int, factor: int) -> tuple[np.ndarray, float]:
    """``(table, scale)``: per (slice, set) pair its replicate group, or -1 when not sampled, and the factor that
    scales the sampled counts to the whole L2.

    Exactly ``N // factor`` of the ``N = slices x sets`` pairs are sampled (a count left to chance would bias the
    estimate by its own deviation: a few percent at 3 MB), chosen by a seeded permutation and dealt round-robin to
    the replicate groups, so that every group holds the same number of pairs.
    """
    n_pairs = slices * sets
    n = n_pairs // factor
    if n < REPLICATES:
        raise ConfigError("sample_sets", f"1/{factor} of the L2's {n_pairs} sets leaves fewer than {REPLICATES} "
                                         "to sample")
    chosen = np.random.default_rng(SAMPLE_SEED).permutation(n_pairs)[:n]
    table = np.full(n_pairs, -1, dtype=np.int64)
    table[chosen] = np.arange(n) % REPLICATES
    return table, n_pairs / n


class FastCounts:
    """Per-kernel accumulators as growing arrays (one row per kernel, in order of first use).

    Arrays instead of an object per kernel: the output rows (kernel x capacity x technology) are then built and
    timed with numpy, not one Python call per row (GoogLeNet training b64: 8064 kernels).
    """

    def __init__(self, chip: GpuChip, n_caps: int, sample_sets: int = 1):
        self.n_sms, self.slices, self.n_caps = chip.n_sms, chip.l2.slices, n_caps
        self.sample_sets = int(sample_sets)
        self.replicates = REPLICATES if self.sample_sets > 1 else 0
        self.scale = np.ones(n_caps)  # per capacity: what a sampled L2's counts are multiplied by
        self.rule = None  # the L2's next-level rule (fill_next_level's arguments), for the sampled estimate
        self.index: dict[int, int] = {}
        self.kids: list[int] = []
        self._alloc(64)

    def _alloc(self, rows: int) -> None:
        old = getattr(self, "issue", None)
        issue = np.zeros((rows, self.n_sms + 1), dtype=np.int64)  # last slot: accesses with no SM
        l1 = np.zeros((rows, N_STATS), dtype=np.int64)  # summed over SMs
        l2 = np.zeros((self.n_caps, rows, self.slices, N_STATS), dtype=np.int64)
        rep = np.zeros((self.n_caps, rows, self.replicates, N_STATS), dtype=np.int64)  # sampled: per replicate
        sl = self.slices if self.sample_sets > 1 else 0
        # sampled: the first-touch reads and writes per (kernel, slice) of every request, and per capacity those
        # among the sampled requests, per slice and per replicate
        xa = np.zeros((rows, sl, 2), dtype=np.int64)
        xs = np.zeros((self.n_caps, rows, sl, 2), dtype=np.int64)
        xrep = np.zeros((self.n_caps, rows, self.replicates, 2), dtype=np.int64)
        if old is not None:
            k = len(old)
            issue[:k], l1[:k], l2[:, :k], rep[:, :k] = self.issue, self.l1, self.l2, self.rep
            xa[:k], xs[:, :k], xrep[:, :k] = self.xa, self.xs, self.xrep
        self.issue, self.l1, self.l2, self.rep = issue, l1, l2, rep
        self.xa, self.xs, self.xrep = xa, xs, xrep

    def rows_for(self, kernel_ids) -> np.ndarray:
        """Row index of each kernel id (new ids appended in the order given)."""
        out = np.empty(len(kernel_ids), dtype=np.int64)
        for j, kid in enumerate(kernel_ids):
            r = self.index.get(kid)
            if r is None:
                r = self.index[kid] = len(self.kids)
                self.kids.append(kid)
            out[j] = r
        if len(self.kids) > len(self.issue):
            self._alloc(max(2 * len(self.issue), len(self.kids)))
        return out

    @property
    def n(self) -> int:
        return len(self.kids)


def _groups(kernel: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Dense group index per access and the kernel id of each group."""
    kmin, kmax = int(kernel.min()), int(kernel.max())
    if kmax - kmin < 4096:
        g = np.subtract(kernel, kmin, dtype=np.int64)  # one pass, no astype copy
        return g, np.arange(kmin, kmax + 1)
    ids, inv = np.unique(kernel, return_inverse=True)
    return inv.astype(np.int64), ids


def key_groups(chips: list[GpuChip]) -> list[int]:
    """Per capacity, the first capacity whose set index hashes keys alike (the same :func:`set_key_params`): the
    ``fold`` index depends on the set bits only, so 149, 171, 213 and 256 sets share one hash."""
    params = [set_key_params(c.l2) for c in chips]
    keys = [(mode, bits, masks.tobytes(), shift) for mode, bits, masks, shift in params]  # (masks: an array)
    return [keys.index(k) for k in keys]


class ChunkKeys:
    """The set keys of one chunk for every capacity, each distinct hash computed once: by the first L2 job that
    asks for it (the others wait on its lock: the hash kernel releases the GIL), dropped when the last has it.

    Why: the full reproduction's 12 capacities have 6 distinct ``fold`` hashes, and a pass per capacity over
    each chunk's keys was 8 % of its time."""

    def __init__(self, key: np.ndarray, chips: list[GpuChip], groups: list[int]):
        self.key, self.chips, self.groups = key, chips, groups
        self.left = Counter(groups)  # jobs still to take each group's keys
        self.keys: dict[int, np.ndarray] = {}
        self.locks = {g: threading.Lock() for g in self.left}

    def take(self, i: int) -> np.ndarray:
        g = self.groups[i]
        with self.locks[g]:
            k = self.keys.get(g)
            if k is None:
                k = self.keys[g] = set_keys_for(self.key, self.chips[g].l2)
            self.left[g] -= 1
            if not self.left[g]:
                del self.keys[g]
        return k


SPLIT_MIN = 1 << 16
"""Requests from which a chunk's L2 mapping is cut in two when the L2 threads are idle, one half mapped on one of
them (the first large chunk of a short run: its mapping is a tenth of the run, with both L2 threads waiting)."""


def _map_l2(addr: np.ndarray, chip: GpuChip, helper) -> tuple[np.ndarray, np.ndarray]:
    """:func:`map_l2`, its second half on ``helper`` (an executor, or None) for chunks of :data:`SPLIT_MIN` and
    more (the kernel releases the GIL)."""
    n = len(addr)
    if helper is None or n < SPLIT_MIN:
        return map_l2(addr, chip.l2)
    slice_, key = np.empty(n, dtype=np.int64), np.empty(n, dtype=np.int64)
    h = n // 2
    fut = helper.submit(map_l2, addr[h:], chip.l2, (slice_[h:], key[h:]))
    map_l2(addr[:h], chip.l2, (slice_[:h], key[:h]))
    fut.result()
    return slice_, key


def _l1_stage(ch, chip: GpuChip, l1: BankedCache, first_touch: FirstTouch | None = None, helper=None) -> dict:
    """Everything of one chunk up to the L2: kernel groups, the L1s, the L2 mapping (half of it on ``helper``,
    an executor, if given); with ``first_touch`` (a sampled L2) also which L2 requests touch their granule first and
    how many per (kernel, slice).  The issue counts are left to :func:`_issue` (only the counts need them)."""
    group, ids = _groups(ch.kernel)
    ng = len(ids)
    if chip.l1_bypassed:  # every access goes on unchanged: no L1 lookups to run
        st1 = np.zeros((ng, chip.n_sms, N_STATS), dtype=np.int64)
        addr2, w2, g2 = ch.addr, ch.is_write, group
    else:
        sm = sm_index(ch.sm, chip)
        line_key = (ch.addr >> np.uint64(l1.lshift)).view(np.int64)  # < 2**57: the same values, no copy
        st1, addr2, w2, src = l1.run(ch.addr, ch.is_write, sm, line_key, group, ng)  # sm -1: no L1
        g2 = group[src]
    slice_, key = _map_l2(addr2, chip, helper)
    st = {"n": len(ch), "ids": ids, "ng": ng, "group": group, "sm": ch.sm, "st1": st1, "addr2": addr2, "w2": w2,
          "g2": g2, "slice": slice_, "key": key}
    if first_touch is not None:
        st["first"], st["xa"] = first_touch.mark(addr2, g2, slice_, w2, ng, chip.l2.slices)
    return st


def _issue(st, n_sms: int) -> tuple[np.ndarray, np.ndarray]:
    """``(issue counts [kernel group, SM + 1], whether each group occurs)`` of a chunk's :func:`_l1_stage`: a job
    of its own, queued behind the chunk's L2 jobs, as only the counts need it."""
    issue = issue_counts(st["group"], st["sm"], n_sms, st["ng"])
    return issue, issue.sum(axis=1) > 0  # dense kernel ranges may hold ids absent from this chunk


IN_FLIGHT = 2
"""Chunks of the trace's full size whose L2 jobs may be pending while the next chunk's trace and L1 run: the
pending chunks' requests are bounded by ``IN_FLIGHT x`` the largest chunk seen, so memory stays bounded by the
chunk size.  Small chunks count by their size, not as a chunk each: the small chunks between two large ones (a
bias or update kernel of a few hundred requests, often two in a row) would otherwise stop the next large chunk's
generation until the previous large chunk's L2 jobs end, and leave the L2 threads idle meanwhile."""
MAX_PENDING = 64
"""Pending chunks at most, however small (a trace of thousands of tiny kernels keeps its queue short)."""


def run_fast(chunks, chip: GpuChip, chips: list[GpuChip], show: bool, checkpoint=None,
             sample_sets: int = 1) -> FastCounts:
    """One pass over the chunks for the L2 of each chip in ``chips`` (one per capacity; ``chip``'s L1s).

    The L2s of a chunk run in threads while the next chunk's trace and L1 run. Each capacity is a lane
    (:class:`simulator.gpu.lanes.Lanes`): its L2 still sees the chunks strictly in order, each job entering the
    pool's queue only once the capacity's previous one has ended, so a thread free at the end of chunk k starts any
    capacity's ready job instead of idling until chunk k's slowest capacity ends.  The chunks whose L2 jobs are
    pending while the next chunk's trace and L1 run hold at most :data:`IN_FLIGHT` full chunks' worth of requests
    (and :data:`MAX_PENDING` chunks); counts are exactly those of a sequential run.

    ``checkpoint`` (a :class:`simulator.output.Checkpoint`): every ``checkpoint.interval_s`` the caches and the
    counts after the last whole chunk are saved; a later run of the same pass loads them, skips the chunks already
    counted (regenerating a trace is far cheaper than simulating it) and goes on, with exactly the counts of an
    uninterrupted pass.
    """
    l1 = make_l1(chip)
    l2s = [make_l2(c) for c in chips]
    acc = FastCounts(chip, len(chips), sample_sets)
    acc.rule = l2s[0].next_level_rule
    groups = key_groups(chips)
    # Each chunk's jobs leave the pool's queue largest cache first (the longest job: its state fits the core's
    # caches least), so that the smaller ones fill in beside it (five capacities on two threads in capacity order:
    # the 24 MB job, started last, ran alone for the last 13 ms of a 60 ms run).
    order = sorted(range(len(chips)), key=lambda i: -chips[i].l2.capacity_B)
    identity = _identity(chip, chips, chunks, sample_sets)
    tables = []
    first_touch = FirstTouch(1 << l2s[0].sshift) if sample_sets > 1 else None
    if sample_sets > 1:
        for i, c in enumerate(chips):
            table, acc.scale[i] = sample_table(c.l2.slices, c.l2.sets_per_slice, sample_sets)
            tables.append(table)
    done = 0  # chunks consumed (empty ones included)
    saved = checkpoint.load(identity) if checkpoint is not None else None
    if saved is not None:
        done = _restore(saved, l1, l2s, acc, first_touch)

    def _l2(i, st):
        if sample_sets == 1:
            key = st["keys"].take(i)
            return l2s[i].run(st["addr2"], st["w2"], st["slice"], key, st["g2"], st["ng"])[0], None, None, None
        n, ng, slices = len(st["key"]), st["ng"], chips[i].l2.slices
        addr, w, slice_, key_s, group = (np.empty(n, dtype=np.uint64), np.empty(n, dtype=np.bool_),
                                         np.empty(n, dtype=np.int64), np.empty(n, dtype=np.int64),
                                         np.empty(n, dtype=np.int64))
        xs = np.zeros((ng, slices, 2), dtype=np.int64)  # first touches per (kernel, slice), reads / writes
        xrep = np.zeros((ng * REPLICATES, 2), dtype=np.int64)  # and per (kernel, replicate)
        sets = chips[i].l2.sets_per_slice
        k = gather_sampled(st["slice"], st["key"], set_key_params(chips[i].l2), sets, reciprocal(sets), tables[i],
                           REPLICATES, st["addr2"], st["w2"], st["g2"], st["first"], addr, w, slice_, key_s, group, xs,
                           xrep)
        stats = l2s[i].run(addr[:k], w[:k], slice_[:k], key_s[:k], group[:k], ng * REPLICATES)[0]
        stats = stats.reshape(ng, REPLICATES, *stats.shape[1:])  # statistics rows: (kernel, replicate)
        return stats.sum(axis=1), stats.sum(axis=2), xs, xrep.reshape(ng, REPLICATES, 2)

    def _collect(st, futures) -> int:
        """Add a chunk's counts; returns its requests."""
        issue, used = st["issue"].result()
        rows = acc.rows_for(st["ids"][used].tolist())
        acc.issue[rows] += issue[used]
        acc.l1[rows] += st["st1"][used].sum(axis=1)
        if "xa" in st:
            acc.xa[rows] += st["xa"][used]
        for i, fut in enumerate(futures):
            per_slice, per_rep, xs, xrep = fut.result()
            acc.l2[i, rows] += per_slice[used]
            if per_rep is not None:
                acc.rep[i, rows] += per_rep[used]
                acc.xs[i, rows] += xs[used]
                acc.xrep[i, rows] += xrep[used]
        return st["n"]

    total = getattr(chunks, "n_accesses", None)  # known up front for layer-generated traces and trace files
    bar = progress(total=total, desc="simulate", enabled=None if show else False, unit="req", unit_scale=True)
    pool = ThreadPoolExecutor(max_workers=max(1, min(len(chips), os.cpu_count() or 1)))
    lanes = Lanes(pool, len(chips))
    pending: deque = deque()  # chunks whose L2 jobs were submitted and not yet collected, oldest first
    queued = 0  # their requests
    largest = 1  # the largest chunk so far
    it = iter(chunks)
    try:
        for _ in range(done):  # counted before the checkpoint: regenerate, do not simulate
            bar.update(len(next(it)))
        for ch in it:
            done += 1
            if len(ch) == 0:
                continue
            warmup.await_helpers()  # a warm-up helper still compiling the lookups, before the first (then: none)
            st = _l1_stage(ch, chip, l1, first_touch, pool if lanes.idle() else None)  # beside earlier L2 jobs
            if sample_sets == 1:
                st["keys"] = ChunkKeys(st["key"], chips, groups)
            jobs = [None] * len(chips)
            for i in order:
                jobs[i] = lanes.submit(i, _l2, i, st)
            st["issue"] = pool.submit(_issue, st, chip.n_sms)
            pending.append((st, jobs))
            queued += len(ch)
            largest = max(largest, len(ch))
            while queued > IN_FLIGHT * largest or len(pending) > MAX_PENDING:
                queued -= _collect(*pending.popleft())
            bar.update(len(ch))
            if checkpoint is not None and checkpoint.due():
                while pending:
                    queued -= _collect(*pending.popleft())
                checkpoint.save(identity, _state(l1, l2s, acc, done, first_touch))
        while pending:
            _collect(*pending.popleft())
    finally:
        pool.shutdown()
        bar.close()
    return acc


def _identity(chip: GpuChip, chips: list[GpuChip], chunks, sample_sets: int) -> str:
    """What a checkpoint of this pass must match: the chips (every capacity), the trace's size and chunking, and
    the set sampling."""
    text = repr((chip, chips, getattr(chunks, "n_accesses", None), getattr(chunks, "chunk_size", None),
                 *((sample_sets,) if sample_sets > 1 else ())))
    return "fast/" + hashlib.sha256(text.encode()).hexdigest()[:24]


_CACHE_FIELDS = ("tags", "dirty", "valid", "ages")


def _state(l1: BankedCache, l2s: list[BankedCache], acc: FastCounts, done: int,
           first_touch: FirstTouch | None = None) -> dict:
    n = acc.n
    out = {"done": np.int64(done), "kids": np.asarray(acc.kids, dtype=np.int64), "issue": acc.issue[:n],
           "l1": acc.l1[:n], "l2": acc.l2[:, :n], "rep": acc.rep[:, :n]}
    if first_touch is not None:
        out |= {"xa": acc.xa[:n], "xs": acc.xs[:, :n], "xrep": acc.xrep[:, :n]}
        out |= {f"FT_{k}": v for k, v in first_touch.state().items()}
    for name, cache in [("L1", l1)] + [(f"L2_{i}", c) for i, c in enumerate(l2s)]:
        for f in _CACHE_FIELDS:
            out[f"{name}_{f}"] = getattr(cache.state, f)
    return out


def _restore(saved: dict, l1: BankedCache, l2s: list[BankedCache], acc: FastCounts,
             first_touch: FirstTouch | None = None) -> int:
    for name, cache in [("L1", l1)] + [(f"L2_{i}", c) for i, c in enumerate(l2s)]:
        st = cache.state
        if saved[f"{name}_tags"].dtype == np.int64:
            st.widen()
        for f in _CACHE_FIELDS:
            getattr(st, f)[:] = saved[f"{name}_{f}"]  # into the aligned arrays the kernels expect
    kids = saved["kids"].tolist()
    acc.rows_for(kids)
    n = len(kids)
    acc.issue[:n], acc.l1[:n], acc.l2[:, :n] = saved["issue"], saved["l1"], saved["l2"]
    if "rep" in saved:
        acc.rep[:, :n] = saved["rep"]
    if first_touch is not None:
        acc.xa[:n], acc.xs[:, :n], acc.xrep[:, :n] = saved["xa"], saved["xs"], saved["xrep"]
        first_touch.restore({k[3:]: v for k, v in saved.items() if k.startswith("FT_")})
    return int(saved["done"])


def fast_rows(acc: FastCounts, cap_idx: int, chip: GpuChip, tech: TechRow, mb: float) -> dict:
    """Columns of the per-kernel rows of one (capacity, technology), vectorised over kernels; a sampled L2's
    counts are its estimate of the whole L2's (:func:`sampled_l2`, rounded to whole requests)."""
    k = acc.n
    l2s = sampled_l2(acc, cap_idx) if acc.sample_sets > 1 else acc.l2[cap_idx, :k]
    cycles = kernel_cycles(acc.issue[:k, :-1], l2s, chip, tech)
    grain = chip.sector_B or chip.l2.line_B
    cols = count_columns(acc.l1[:k], l2s.sum(axis=1), max(grain // chip.dram.atom_B, 1))
    return {"l2_MB": np.full(k, mb, dtype=np.float64), "l2_capacity_B": np.full(k, chip.l2.capacity_B, np.int64),
            "technology": np.full(k, tech.technology, dtype=object), "mode": np.full(k, "fast", dtype=object),
            "kernel": np.asarray(acc.kids, dtype=np.int64), **cols, "cycles": cycles,
            "time_ns": cycles * 1000.0 / chip.clocks.core_MHz}


_KINDS = ((ST_READ_HITS, ST_READ_MISSES), (ST_WRITE_HITS, ST_WRITE_MISSES))


def sampled_l2(acc: FastCounts, cap_idx: int) -> np.ndarray:
    """The whole L2's counts ``[kernels, slices, N_STATS]`` a sampled run estimates for capacity ``cap_idx``.

    Misses are the exact first touches plus ``scale x`` the sampled misses that were not first touches (a
    difference estimator: unbiased, never below the first touches, and exact where every miss is compulsory);
    hits, evictions and write-backs are the sampled ones scaled; next-level requests follow from these.
    """
    k, scale = acc.n, acc.scale[cap_idx]
    sampled = acc.l2[cap_idx, :k]
    est = np.rint(sampled * scale)
    xa, xs = acc.xa[:k], acc.xs[cap_idx, :k]
    for kind, (_, miss) in enumerate(_KINDS):
        est[..., miss] = xa[..., kind] + np.rint(scale * (sampled[..., miss] - xs[..., kind]))
    est = est.astype(np.int64)
    fill_next_level(est, *acc.rule)
    return est


def dram_residuals(rep: np.ndarray, first: np.ndarray, rule) -> np.ndarray:
    """Per replicate ``[..., replicates]``: the DRAM requests of its counts ``rep`` ``[..., replicates, N_STATS]``
    beyond those its first touches ``first`` ``[..., replicates, 2]`` (reads, writes) account for, the quantity
    whose spread over the replicates is the estimate's sampling error (:func:`sampled_l2` takes the first touches
    as exact)."""
    known = np.zeros(rep.shape, dtype=np.int64)  # the first touches as misses, nothing else
    for kind, (_, miss) in enumerate(_KINDS):
        known[..., miss] = first[..., kind]
    fill_next_level(known, *rule)
    return (dram_requests(rep) - dram_requests(known)).astype(np.float64)


def sampling_error(d: np.ndarray, scale: float, total: np.ndarray) -> np.ndarray:
    """Estimated relative standard error of ``total``, the DRAM accesses a sampled L2's counts stand for.

    ``d`` is :func:`dram_residuals` ``[..., replicates]`` (leading axes, e.g. kernels, are kept) and ``scale`` what
    the sampled counts are multiplied by.  The replicate groups are equal random samples of the pairs; the spread
    of their residuals gives the variance of one group, and the estimate (``scale x`` their sum) has
    ``scale^2 x replicates x`` that variance, with the finite-population factor ``1 - 1/scale``.
    """
    r = d.shape[-1]
    var = scale**2 * r * d.var(axis=-1, ddof=1) * (1.0 - 1.0 / scale)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(total > 0, np.sqrt(var) / np.where(total > 0, total, 1.0), 0.0)
