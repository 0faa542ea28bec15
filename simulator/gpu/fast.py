"""The fast engine: the trace's own interleaving is fixed, so the L1s run once and their miss stream feeds every
L2 capacity; counts are shared by all technologies and cycles come from the bottleneck model
(:func:`simulator.gpu.timing.kernel_cycles`).

Per-kernel counters are arrays (one row per kernel), and the rows of every (capacity, technology) are computed
with numpy over all kernels at once.
"""

from __future__ import annotations

import hashlib
import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from models.tech_row import TechRow
from simulator.gpu.chip import GpuChip
from simulator.gpu.counts import count_columns
from simulator.gpu.kernels.stats import N_STATS
from simulator.gpu.l2map import map_l2, set_keys_for
from simulator.gpu.levels import BankedCache, make_l1, make_l2, sm_index
from simulator.gpu.timing import kernel_cycles
from simulator.progress import progress


class FastCounts:
    """Per-kernel accumulators as growing arrays (one row per kernel, in order of first use).

    Arrays instead of an object per kernel: the output rows (kernel x capacity x technology) are then built and
    timed with numpy, not one Python call per row (GoogLeNet training b64: 8064 kernels).
    """

    def __init__(self, chip: GpuChip, n_caps: int):
        self.n_sms, self.slices, self.n_caps = chip.n_sms, chip.l2.slices, n_caps
        self.index: dict[int, int] = {}
        self.kids: list[int] = []
        self._alloc(64)

    def _alloc(self, rows: int) -> None:
        old = getattr(self, "issue", None)
        issue = np.zeros((rows, self.n_sms + 1), dtype=np.int64)  # last slot: accesses with no SM
        l1 = np.zeros((rows, N_STATS), dtype=np.int64)  # summed over SMs
        l2 = np.zeros((self.n_caps, rows, self.slices, N_STATS), dtype=np.int64)
        if old is not None:
            k = len(old)
            issue[:k], l1[:k], l2[:, :k] = self.issue, self.l1, self.l2
        self.issue, self.l1, self.l2 = issue, l1, l2

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


def _l1_stage(ch, chip: GpuChip, l1: BankedCache) -> dict:
    """Everything of one chunk up to the L2: kernel groups, issue counts, the L1s, the L2 mapping."""
    group, ids = _groups(ch.kernel)
    ng = len(ids)
    sm = sm_index(ch.sm, chip)
    bank = np.full(len(sm), -1, dtype=np.int64) if chip.l1_bypassed else sm  # -1: bypass the L1
    slot = group * (chip.n_sms + 1)
    slot += np.where(sm < 0, chip.n_sms, sm)
    issue = np.bincount(slot, minlength=ng * (chip.n_sms + 1)).reshape(ng, chip.n_sms + 1)
    line_key = (ch.addr >> np.uint64(l1.lshift)).view(np.int64)  # < 2**57: the same values, no copy
    st1, addr2, w2, src = l1.run(ch.addr, ch.is_write, bank, line_key, group, ng)
    g2 = group[src]
    slice_, key = map_l2(addr2, chip.l2)
    used = issue.sum(axis=1) > 0  # dense kernel ranges may hold ids absent from this chunk
    return {"ids": ids, "ng": ng, "issue": issue, "st1": st1, "addr2": addr2, "w2": w2, "g2": g2,
            "slice": slice_, "key": key, "used": used}


def run_fast(chunks, chip: GpuChip, chips: list[GpuChip], show: bool, checkpoint=None) -> FastCounts:
    """One pass over the chunks for the L2 of each chip in ``chips`` (one per capacity; ``chip``'s L1s).

    The L2s of a chunk run in threads while the next chunk's trace and L1 run. Each capacity's L2 still sees its
    chunks strictly in order: the job of (capacity, chunk k+1) first waits for that of (capacity, chunk k). Jobs
    leave the pool's queue in submission order, so the job waited for is always running or done (no deadlock),
    and a thread free at the end of chunk k starts chunk k+1 instead of idling until chunk k's slowest capacity
    ends. At most two chunks are in flight; counts are exactly those of a sequential run.

    ``checkpoint`` (a :class:`simulator.output.Checkpoint`): every ``checkpoint.interval_s`` the caches and the
    counts after the last whole chunk are saved; a later run of the same pass loads them, skips the chunks already
    counted (regenerating a trace is far cheaper than simulating it) and goes on, with exactly the counts of an
    uninterrupted pass.
    """
    l1 = make_l1(chip)
    l2s = [make_l2(c) for c in chips]
    acc = FastCounts(chip, len(chips))
    identity = _identity(chip, chips, chunks)
    done = 0  # chunks consumed (empty ones included)
    saved = checkpoint.load(identity) if checkpoint is not None else None
    if saved is not None:
        done = _restore(saved, l1, l2s, acc)

    def _l2(i, st, before):
        if before is not None:
            before.result()
        return l2s[i].run(st["addr2"], st["w2"], st["slice"], set_keys_for(st["key"], chips[i].l2), st["g2"],
                          st["ng"])[0]

    def _collect(st, futures):
        used = st["used"]
        rows = acc.rows_for(st["ids"][used].tolist())
        acc.issue[rows] += st["issue"][used]
        acc.l1[rows] += st["st1"][used].sum(axis=1)
        for i, fut in enumerate(futures):
            acc.l2[i, rows] += fut.result()[used]

    total = getattr(chunks, "n_accesses", None)  # known up front for layer-generated traces and trace files
    bar = progress(total=total, desc="simulate", enabled=None if show else False, unit="req", unit_scale=True)
    pool = ThreadPoolExecutor(max_workers=max(1, min(len(chips), os.cpu_count() or 1)))
    pending = None
    it = iter(chunks)
    try:
        for _ in range(done):  # counted before the checkpoint: regenerate, do not simulate
            bar.update(len(next(it)))
        for ch in it:
            done += 1
            if len(ch) == 0:
                continue
            st = _l1_stage(ch, chip, l1)  # overlaps the previous chunk's L2 jobs
            before = pending[1] if pending is not None else [None] * len(chips)
            submitted = (st, [pool.submit(_l2, i, st, before[i]) for i in range(len(chips))])
            if pending is not None:
                _collect(*pending)
            pending = submitted
            bar.update(len(ch))
            if checkpoint is not None and checkpoint.due():
                _collect(*pending)
                pending = None
                checkpoint.save(identity, _state(l1, l2s, acc, done))
        if pending is not None:
            _collect(*pending)
    finally:
        pool.shutdown()
        bar.close()
    return acc


def _identity(chip: GpuChip, chips: list[GpuChip], chunks) -> str:
    """What a checkpoint of this pass must match: the chips (every capacity) and the trace's size and chunking."""
    text = repr((chip, chips, getattr(chunks, "n_accesses", None), getattr(chunks, "chunk_size", None)))
    return "fast/" + hashlib.sha256(text.encode()).hexdigest()[:24]


_CACHE_FIELDS = ("tags", "dirty", "valid", "ages")


def _state(l1: BankedCache, l2s: list[BankedCache], acc: FastCounts, done: int) -> dict:
    n = acc.n
    out = {"done": np.int64(done), "kids": np.asarray(acc.kids, dtype=np.int64), "issue": acc.issue[:n],
           "l1": acc.l1[:n], "l2": acc.l2[:, :n]}
    for name, cache in [("L1", l1)] + [(f"L2_{i}", c) for i, c in enumerate(l2s)]:
        for f in _CACHE_FIELDS:
            out[f"{name}_{f}"] = getattr(cache.state, f)
    return out


def _restore(saved: dict, l1: BankedCache, l2s: list[BankedCache], acc: FastCounts) -> int:
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
    return int(saved["done"])


def fast_rows(acc: FastCounts, cap_idx: int, chip: GpuChip, tech: TechRow, mb: float) -> dict:
    """Columns of the per-kernel rows of one (capacity, technology), vectorised over kernels."""
    k = acc.n
    l2s = acc.l2[cap_idx, :k]
    cycles = kernel_cycles(acc.issue[:k, :-1], l2s, chip, tech)
    grain = chip.sector_B or chip.l2.line_B
    cols = count_columns(acc.l1[:k], l2s.sum(axis=1), max(grain // chip.dram.atom_B, 1))
    return {"l2_MB": np.full(k, mb, dtype=np.float64), "l2_capacity_B": np.full(k, chip.l2.capacity_B, np.int64),
            "technology": np.full(k, tech.technology, dtype=object), "mode": np.full(k, "fast", dtype=object),
            "kernel": np.asarray(acc.kids, dtype=np.int64), **cols, "cycles": cycles,
            "time_ns": cycles * 1000.0 / chip.clocks.core_MHz}
