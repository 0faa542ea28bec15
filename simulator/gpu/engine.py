"""The GPU memory-hierarchy simulator: per-SM L1s, a sliced L2, DRAM channels; counts and cycles.

``simulate_gpu(chunks, chip, l2_MB=..., tech=..., mode=...)`` reads a trace once
and returns a :class:`GpuResult` with one row per (L2 capacity, technology).

Units
-----
- ``l1_*``: requests as the trace issues them (one per access; each access is one line, or one ``sector_B``
  sector on sectored chips).  Accesses with ``sm < 0`` (no SM, e.g. DMA) bypass the L1; SM ids beyond the chip's
  count are folded modulo ``n_sms``.
- ``l2_*``: requests arriving at the L2 from the L1s (L1 read-miss fills and write-throughs), in the same units.
  ``l2_writebacks`` are dirty lines (sectors) the L2 evicts.
- ``dram_reads``/``dram_writes``: L2 fills and write-backs, in L2 lines (sectors on sectored chips);
  ``dram_*_sectors`` the same in 32 B DRAM atoms (GPGPU-Sim's and nvprof's ``dram_*_transactions`` unit).
- ``cycles``: core-clock cycles; ``time_ns = cycles / core_MHz * 1000``.

Modes
-----
``fast``: the trace's own interleaving is fixed, so the L1s are simulated once and their miss stream feeds
every L2 capacity (run side by side in threads: the kernels release the GIL; a chunk's L2 jobs overlap the next
chunk's trace generation and L1s); counts are shared by all technologies. Per-kernel counters are arrays, and the
per-kernel rows and their cycles are computed with numpy over all kernels at once.  Cycles come from a bottleneck
model per kernel (kernels run one after another)::

    cycles = max(issue, l2, dram) + latency
    issue  = max over SMs of the SM's accesses           (one request per core cycle per SM)
    l2     = max over slices of (reads + write-backs) x t_read + (writes + fills) x t_write
             (t in L2-clock cycles, ceil(latency_ns x l2_MHz / 1000), converted to core cycles): a slice is
             busy for the whole array access, so a 9 ns STT-MRAM write holds its slice for 14 cycles at 1481 MHz
    dram   = max over channels of bytes moved / (bandwidth / channels)
    latency = l1 hit latency + rop latency + max(t_read, t_write) + dram latency (if the kernel touched DRAM)

``timed``: the SimPy environment is the clock (core cycles).  Each SM is a process that issues its accesses
in batches of ``BATCH`` (one access per cycle), looks each batch up in its L1 and then in the L2 (Numba, at the
simulated time of issue), and hands each touched L2 slice a job: the slice (a ``simpy.Resource``) is held for
the batch's service time from the technology's latencies, then the DRAM channel behind it for the bytes
moved, then the DRAM latency passes.  An SM keeps at most ``MAX_OUTSTANDING`` batches in flight.  Slow writes
therefore delay SMs and reorder later L2 traffic: counts depend on the technology, and each (capacity,
technology) pair is its own simulation (all fed from the same single pass over the chunks).
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import pandas as pd
import simpy

from models.config import as_choice, as_positive
from models.errors import ConfigError
from simulator.gpu.chip import GpuChip, load_chip
from simulator.gpu.kernels import lru
from simulator.gpu.l2map import map_l2, set_keys_for
from simulator.progress import progress as _progress

MODES = ("fast", "timed")
BATCH = 512
"""Accesses per SM batch in timed mode (one SimPy step per batch, not per access)."""
MAX_OUTSTANDING = 4
"""Batches an SM may have in flight in timed mode before it stalls (its warps' memory-level parallelism)."""
DEFAULT_TECH = "sram"
COUNT_COLUMNS = ("l1_reads", "l1_writes", "l1_hits", "l1_misses", "l2_reads", "l2_writes", "l2_read_hits",
                 "l2_read_misses", "l2_write_hits", "l2_write_misses", "l2_evictions", "l2_writebacks",
                 "dram_reads", "dram_writes", "dram_read_sectors", "dram_write_sectors")


@dataclass(frozen=True)
class GpuResult:
    """Counts and cycles: ``totals`` one row per (l2_MB, technology); ``kernels`` the same per kernel id."""

    totals: pd.DataFrame
    kernels: pd.DataFrame
    mode: str
    chip: GpuChip


@dataclass(frozen=True)
class _Tech:
    name: str
    read_latency_ns: float
    write_latency_ns: float


# ----------------------------------------------------------------------------------------------- inputs

def _capacities(chip: GpuChip, l2_MB) -> list[tuple[float, GpuChip]]:
    if l2_MB is None:
        return [(chip.l2.capacity_MB, chip)]
    values = [l2_MB] if np.isscalar(l2_MB) else list(l2_MB)
    if not values:
        raise ConfigError("l2_MB", "must not be an empty list")
    out = []
    for v in values:
        out.append((float(as_positive(v, "l2_MB")), chip.with_l2_MB(v)))
    return out


def _tech_entry(name, row, field) -> _Tech:
    for key in ("read_latency_ns", "write_latency_ns"):
        if key not in row:
            raise ConfigError(f"{field}.{key}", "required but missing")
    return _Tech(str(name), as_positive(float(row["read_latency_ns"]), f"{field}.read_latency_ns"),
                 as_positive(float(row["write_latency_ns"]), f"{field}.write_latency_ns"))


def _techs(tech, caps) -> list[list[_Tech]]:
    """Per capacity, the list of technologies with their latencies."""
    if tech is None:
        return [[_Tech(DEFAULT_TECH, c.l2.read_latency_ns, c.l2.write_latency_ns)] for _, c in caps]
    if isinstance(tech, (list, tuple)):  # one entry (mapping or None) per capacity, in the order of l2_MB
        if len(tech) != len(caps):
            raise ConfigError("tech", f"a list needs one entry per capacity ({len(caps)}), got {len(tech)}")
        return [_techs(t, [cap])[0] for t, cap in zip(tech, caps, strict=True)]
    if isinstance(tech, pd.DataFrame):
        if "technology" not in tech.columns:
            raise ConfigError("tech", "a DataFrame needs a 'technology' column")
        cap_col = next((c for c in ("capacity_MB", "l2_MB") if c in tech.columns), None)
        names = list(dict.fromkeys(tech["technology"].astype(str)))
        out = []
        for mb, _ in caps:
            row_list = []
            for name in names:
                rows = tech[tech["technology"].astype(str) == name]
                if len(rows) > 1:
                    if cap_col is None:
                        raise ConfigError("tech", f"several rows for {name!r} and no capacity_MB column")
                    rows = rows[np.isclose(rows[cap_col].astype(float), mb, rtol=0.01)]
                    if len(rows) != 1:
                        have = sorted(tech.loc[tech["technology"].astype(str) == name, cap_col].tolist())
                        raise ConfigError(f"tech.{name}", f"no single row for {mb:g} MB (have {have})")
                row_list.append(_tech_entry(name, rows.iloc[0], f"tech.{name}"))
            out.append(row_list)
        return out
    if isinstance(tech, Mapping):
        if not tech:
            raise ConfigError("tech", "must name at least one technology")
        entries = []
        for name, row in tech.items():
            if not isinstance(row, Mapping):
                raise ConfigError(f"tech.{name}", "must map read_latency_ns / write_latency_ns to numbers")
            entries.append(_tech_entry(name, row, f"tech.{name}"))
        return [list(entries) for _ in caps]
    raise ConfigError("tech", f"must be None, a mapping or a DataFrame, got {type(tech).__name__}")


def _lat_cycles(ns: float, mhz: float) -> int:
    return max(1, math.ceil(ns * mhz / 1000.0 - 1e-9))


# ----------------------------------------------------------------------------------------------- cache levels

class _Level:
    """Banked cache state plus its compiled kernel (per-SM L1s or L2 slices)."""

    def __init__(self, banks, sets, ways, line_B, sector_B, write_back, write_allocate, emit):
        self.banks, self.sets, self.ways = banks, sets, ways
        self.lshift = line_B.bit_length() - 1
        self.sshift = (sector_B or line_B).bit_length() - 1
        self.policy = (self.sshift < self.lshift, write_back, write_allocate)
        self.emit = emit
        _, self.kernel = lru.get_kernels(sets, ways, self.lshift, self.sshift, write_back, write_allocate, emit)
        self.state = lru.new_state(banks, sets, ways)

    def run(self, addr, w, bank, set_key, group, n_groups):
        stats = np.zeros(n_groups * self.banks * lru.N_STATS, dtype=np.int64)
        cap = lru.out_capacity(len(addr), self.lshift, self.sshift) if self.emit else 0
        oa = np.empty(cap, dtype=np.uint64)
        ow = np.empty(cap, dtype=np.bool_)
        osrc = np.empty(cap, dtype=np.int64)
        n = self.kernel(self.state, addr, w, bank, set_key, group, stats, oa, ow, osrc)
        stats = stats.reshape(n_groups, self.banks, lru.N_STATS)
        lru.fill_next_level(stats, *self.policy)
        return stats, oa[:n], ow[:n], osrc[:n]


def _make_l1(chip: GpuChip) -> _Level:
    l1 = chip.l1
    return _Level(chip.n_sms, l1.sets, l1.ways, l1.line_B, chip.sector_B, l1.write_back, l1.write_allocate, True)


def _make_l2(chip: GpuChip) -> _Level:
    l2 = chip.l2
    return _Level(l2.slices, l2.sets_per_slice, l2.ways, l2.line_B, chip.sector_B, l2.write_back,
                  l2.write_allocate, False)


def _sm_index(sm: np.ndarray, chip: GpuChip) -> np.ndarray:
    """SM per access folded into the chip (int64), or -1 for none.

    Traces normally hold SMs in ``[-1, n_sms)`` already: then one conversion, no ``where`` or modulo (measured
    0.08 -> 0.02 s per 13.8 M accesses).
    """
    if len(sm) and int(sm.min()) >= -1 and int(sm.max()) < chip.n_sms:
        return sm.astype(np.int64)
    s = sm.astype(np.int64)
    return np.where(s < 0, -1, s % chip.n_sms)


def _groups(kernel: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Dense group index per access and the kernel id of each group."""
    kmin, kmax = int(kernel.min()), int(kernel.max())
    if kmax - kmin < 4096:
        g = np.subtract(kernel, kmin, dtype=np.int64)  # one pass, no astype copy
        return g, np.arange(kmin, kmax + 1)
    ids, inv = np.unique(kernel, return_inverse=True)
    return inv.astype(np.int64), ids


class _KernelCounts:
    """Per-kernel accumulators: issue per SM, L1 per SM, L2 per slice (per capacity)."""

    def __init__(self, chip: GpuChip, n_caps: int):
        self.issue = np.zeros(chip.n_sms + 1, dtype=np.int64)  # last slot: accesses with no SM
        self.l1 = np.zeros((chip.n_sms, lru.N_STATS), dtype=np.int64)
        self.bypass = [0, 0]  # reads, writes reaching the L2 without an L1
        self.l2 = [None] * n_caps
        self.cycles = [None] * n_caps  # timed mode: per (capacity, tech) cycles


# ----------------------------------------------------------------------------------------------- timing

def _kernel_cycles(kc, cap_idx, chip: GpuChip, t: _Tech) -> int:
    l2s = kc.l2[cap_idx]
    if l2s is None:
        return 0
    rd = _lat_cycles(t.read_latency_ns, chip.clocks.l2_MHz)
    wr = _lat_cycles(t.write_latency_ns, chip.clocks.l2_MHz)
    core_per_l2 = chip.clocks.core_MHz / chip.clocks.l2_MHz
    issue = float(kc.issue[:-1].max()) if chip.n_sms else 0.0
    busy = _slice_busy(l2s, rd, wr) * core_per_l2
    grain = chip.sector_B or chip.l2.line_B
    per_ch = (l2s[:, lru.ST_NEXT_READS] + l2s[:, lru.ST_NEXT_WRITES]).reshape(chip.l2.channels, -1).sum(axis=1)
    bw_ch = chip.dram.bandwidth_GBps / chip.l2.channels  # bytes per ns
    dram = float(per_ch.max()) * grain / bw_ch * chip.clocks.core_MHz / 1000.0
    touched = per_ch.sum() > 0
    latency = chip.l1.hit_latency_cycles + chip.l2.rop_latency_cycles + max(rd, wr) * core_per_l2
    if touched:
        latency += chip.dram.latency_ns * chip.clocks.core_MHz / 1000.0
    if l2s.sum() == 0 and issue == 0:
        return 0
    return int(math.ceil(max(issue, float(busy.max()), dram) + latency))


def _slice_busy(l2s, rd, wr):
    reads = l2s[..., lru.ST_READ_HITS] + l2s[..., lru.ST_READ_MISSES] + l2s[..., lru.ST_WRITEBACKS]
    writes = l2s[..., lru.ST_WRITE_HITS] + l2s[..., lru.ST_WRITE_MISSES] + l2s[..., lru.ST_NEXT_READS]
    return (reads * rd + writes * wr).astype(np.float64)


# ----------------------------------------------------------------------------------------------- fast mode

class _FastCounts:
    """Per-kernel accumulators of fast mode as growing arrays (one row per kernel, in order of first use).

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
        l1 = np.zeros((rows, lru.N_STATS), dtype=np.int64)  # summed over SMs
        l2 = np.zeros((self.n_caps, rows, self.slices, lru.N_STATS), dtype=np.int64)
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


def _l1_stage(ch, chip: GpuChip, l1: _Level):
    """Everything of one chunk up to the L2: kernel groups, issue counts, the L1s, the L2 mapping."""
    group, ids = _groups(ch.kernel)
    ng = len(ids)
    sm = _sm_index(ch.sm, chip)
    bank = sm if chip.l1.enabled else np.full(len(sm), -1, dtype=np.int64)  # -1: bypass the L1
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


def _run_fast(chunks, chip, caps, show):
    """One pass over the chunks; the L2s of a chunk run in threads while the next chunk's trace and L1 run.

    Each capacity's L2 still sees its chunks strictly in order: the job of (capacity, chunk k+1) first waits
    for that of (capacity, chunk k). Jobs leave the pool's queue in submission order, so the job waited for is
    always running or done (no deadlock), and a thread free at the end of chunk k starts chunk k+1 instead of
    idling until chunk k's slowest capacity ends. At most two chunks are in flight; counts are exactly those of
    a sequential run.
    """
    l1 = _make_l1(chip)
    l2s = [_make_l2(c) for _, c in caps]
    acc = _FastCounts(chip, len(caps))

    def _l2(i, st, before):
        if before is not None:
            before.result()
        return l2s[i].run(st["addr2"], st["w2"], st["slice"], set_keys_for(st["key"], caps[i][1].l2), st["g2"],
                          st["ng"])[0]

    def _collect(st, futures):
        used = st["used"]
        rows = acc.rows_for(st["ids"][used].tolist())
        acc.issue[rows] += st["issue"][used]
        acc.l1[rows] += st["st1"][used].sum(axis=1)
        for i, fut in enumerate(futures):
            acc.l2[i, rows] += fut.result()[used]

    pool = ThreadPoolExecutor(max_workers=max(1, min(len(caps), os.cpu_count() or 1)))
    pending = None
    try:
        for ch in _progress(chunks, desc="simulate", enabled=None if show else False, unit="chunk"):
            if len(ch) == 0:
                continue
            st = _l1_stage(ch, chip, l1)  # overlaps the previous chunk's L2 jobs
            before = pending[1] if pending is not None else [None] * len(caps)
            submitted = (st, [pool.submit(_l2, i, st, before[i]) for i in range(len(caps))])
            if pending is not None:
                _collect(*pending)
            pending = submitted
        if pending is not None:
            _collect(*pending)
    finally:
        pool.shutdown()
    return acc


def _fast_rows(acc: _FastCounts, cap_idx: int, chip: GpuChip, t: _Tech, mb: float) -> dict:
    """Columns of the per-kernel rows of one (capacity, technology), vectorised over kernels.

    The same arithmetic, in the same order, as :func:`_kernel_cycles` and :func:`_count_row` per kernel.
    """
    k = acc.n
    l2s = acc.l2[cap_idx, :k]
    issue_sm = acc.issue[:k, :-1]
    rd = _lat_cycles(t.read_latency_ns, chip.clocks.l2_MHz)
    wr = _lat_cycles(t.write_latency_ns, chip.clocks.l2_MHz)
    core_per_l2 = chip.clocks.core_MHz / chip.clocks.l2_MHz
    issue = issue_sm.max(axis=1).astype(np.float64) if chip.n_sms else np.zeros(k)
    busy = (_slice_busy(l2s, rd, wr) * core_per_l2).max(axis=1) if k else np.zeros(0)
    grain = chip.sector_B or chip.l2.line_B
    per_ch = (l2s[:, :, lru.ST_NEXT_READS] + l2s[:, :, lru.ST_NEXT_WRITES]).reshape(k, chip.l2.channels, -1)
    per_ch = per_ch.sum(axis=2)
    bw_ch = chip.dram.bandwidth_GBps / chip.l2.channels
    dram = (per_ch.max(axis=1).astype(np.float64) * grain / bw_ch * chip.clocks.core_MHz / 1000.0
            if k else np.zeros(0))
    latency = chip.l1.hit_latency_cycles + chip.l2.rop_latency_cycles + max(rd, wr) * core_per_l2
    latency_dram = latency + chip.dram.latency_ns * chip.clocks.core_MHz / 1000.0
    lat = np.where(per_ch.sum(axis=1) > 0, latency_dram, latency)
    cycles = np.ceil(np.maximum(np.maximum(issue, busy), dram) + lat).astype(np.int64)
    idle = (l2s.sum(axis=(1, 2)) == 0) & (issue == 0)
    cycles[idle] = 0
    l1 = acc.l1[:k]
    l2 = l2s.sum(axis=1)
    atoms = max(grain // chip.dram.atom_B, 1)
    cols = {
        "l1_reads": l1[:, lru.ST_READ_HITS] + l1[:, lru.ST_READ_MISSES],
        "l1_writes": l1[:, lru.ST_WRITE_HITS] + l1[:, lru.ST_WRITE_MISSES],
        "l1_hits": l1[:, lru.ST_READ_HITS] + l1[:, lru.ST_WRITE_HITS],
        "l1_misses": l1[:, lru.ST_READ_MISSES] + l1[:, lru.ST_WRITE_MISSES],
        "l2_reads": l2[:, lru.ST_READ_HITS] + l2[:, lru.ST_READ_MISSES],
        "l2_writes": l2[:, lru.ST_WRITE_HITS] + l2[:, lru.ST_WRITE_MISSES],
        "l2_read_hits": l2[:, lru.ST_READ_HITS],
        "l2_read_misses": l2[:, lru.ST_READ_MISSES],
        "l2_write_hits": l2[:, lru.ST_WRITE_HITS],
        "l2_write_misses": l2[:, lru.ST_WRITE_MISSES],
        "l2_evictions": l2[:, lru.ST_EVICTIONS],
        "l2_writebacks": l2[:, lru.ST_WRITEBACKS],
        "dram_reads": l2[:, lru.ST_NEXT_READS],
        "dram_writes": l2[:, lru.ST_NEXT_WRITES],
        "dram_read_sectors": l2[:, lru.ST_NEXT_READS] * atoms,
        "dram_write_sectors": l2[:, lru.ST_NEXT_WRITES] * atoms,
    }
    return {"l2_MB": np.full(k, mb, dtype=np.float64), "l2_capacity_B": np.full(k, chip.l2.capacity_B, np.int64),
            "technology": np.full(k, t.name, dtype=object), "mode": np.full(k, "fast", dtype=object),
            "kernel": np.asarray(acc.kids, dtype=np.int64), **cols, "cycles": cycles,
            "time_ns": cycles * 1000.0 / chip.clocks.core_MHz}


# ----------------------------------------------------------------------------------------------- timed mode

class _TimedSim:
    """One (capacity, technology) simulation: its own SimPy environment, caches and resources."""

    def __init__(self, chip: GpuChip, tech: _Tech):
        self.chip, self.tech = chip, tech
        self.env = simpy.Environment()
        self.l1 = _make_l1(chip)
        self.l2 = _make_l2(chip)
        self.slices = [simpy.Resource(self.env, capacity=1) for _ in range(chip.l2.slices)]
        self.channels = [simpy.Resource(self.env, capacity=1) for _ in range(chip.l2.channels)]
        core_per_l2 = chip.clocks.core_MHz / chip.clocks.l2_MHz
        self.rd = _lat_cycles(tech.read_latency_ns, chip.clocks.l2_MHz) * core_per_l2
        self.wr = _lat_cycles(tech.write_latency_ns, chip.clocks.l2_MHz) * core_per_l2
        grain = chip.sector_B or chip.l2.line_B
        self.dram_per_req = grain / (chip.dram.bandwidth_GBps / chip.l2.channels) * chip.clocks.core_MHz / 1000.0
        self.dram_lat = chip.dram.latency_ns * chip.clocks.core_MHz / 1000.0
        self.fixed_lat = chip.l1.hit_latency_cycles + chip.l2.rop_latency_cycles
        self.kernels: dict[int, _KernelCounts] = {}

    def run_segment(self, kid: int, addr, w, sm, n_caps: int, cap_idx: int):
        """Simulate one kernel's accesses from one chunk to completion; add its counts and cycles."""
        chip = self.chip
        kc = self.kernels.get(kid)
        if kc is None:
            kc = self.kernels[kid] = _KernelCounts(chip, n_caps)
            kc.l2[cap_idx] = np.zeros((chip.l2.slices, lru.N_STATS), dtype=np.int64)
            kc.cycles[cap_idx] = 0
        slot = np.where(sm < 0, chip.n_sms, sm.astype(np.int64) % chip.n_sms)
        kc.issue += np.bincount(slot, minlength=chip.n_sms + 1)
        order = np.argsort(slot, kind="stable")
        bounds = np.concatenate([[0], np.cumsum(np.bincount(slot, minlength=chip.n_sms + 1))])
        start = self.env.now
        procs = []
        for s in range(chip.n_sms + 1):
            idx = order[bounds[s]:bounds[s + 1]]
            if len(idx):
                procs.append(self.env.process(self._sm(s, addr[idx], w[idx], kc, cap_idx)))
        done = simpy.AllOf(self.env, procs)
        self.env.run(until=done)
        kc.cycles[cap_idx] += int(math.ceil(self.env.now - start))

    def _sm(self, s, addr, w, kc, cap_idx):
        env, chip = self.env, self.chip
        outstanding = []
        n = len(addr)
        bypass = s == chip.n_sms or not chip.l1.enabled
        for b0 in range(0, n, BATCH):
            a = addr[b0:b0 + BATCH]
            ww = w[b0:b0 + BATCH]
            m = len(a)
            if bypass:
                a2, w2 = a, ww
                kc.bypass[0] += int((~ww).sum())
                kc.bypass[1] += int(ww.sum())
            else:
                bank = np.full(m, s, dtype=np.int64)
                key = (a >> np.uint64(self.l1.lshift)).astype(np.int64)
                st1, a2, w2, _ = self.l1.run(a, ww, bank, key, np.zeros(m, np.int64), 1)
                kc.l1 += st1[0]
            if len(a2):
                slice_, key2 = map_l2(a2, chip.l2)
                st2 = self.l2.run(a2, w2, slice_, set_keys_for(key2, chip.l2), np.zeros(len(a2), np.int64), 1)[0][0]
                kc.l2[cap_idx] += st2
                outstanding.append(env.process(self._memory(st2)))
            if not bypass:
                yield env.timeout(m)  # issue: one request per core cycle
            while len(outstanding) > MAX_OUTSTANDING or (outstanding and outstanding[0].triggered):
                yield outstanding.pop(0)
        if outstanding:
            yield simpy.AllOf(env, outstanding)

    def _memory(self, st2):
        busy = _slice_busy(st2, 1, 0) * self.rd + _slice_busy(st2, 0, 1) * self.wr
        dram_req = st2[:, lru.ST_NEXT_READS] + st2[:, lru.ST_NEXT_WRITES]
        jobs = [self.env.process(self._slice_job(i, busy[i], int(dram_req[i]))) for i in np.flatnonzero(busy)]
        yield simpy.AllOf(self.env, jobs)

    def _slice_job(self, i, busy, n_dram):
        env = self.env
        with self.slices[i].request() as req:
            yield req
            yield env.timeout(busy)
        lat = self.fixed_lat
        if n_dram:
            ch = self.channels[i // self.chip.l2.slices_per_channel]
            with ch.request() as req:
                yield req
                yield env.timeout(n_dram * self.dram_per_req)
            lat += self.dram_lat
        yield env.timeout(lat)


def _segments(kernel: np.ndarray):
    """(start, stop, kernel id) runs of equal kernel id, in order."""
    if len(kernel) == 0:
        return []
    cut = np.flatnonzero(kernel[1:] != kernel[:-1]) + 1
    starts = np.concatenate([[0], cut])
    stops = np.concatenate([cut, [len(kernel)]])
    return [(int(a), int(b), int(kernel[a])) for a, b in zip(starts, stops, strict=True)]


def _run_timed(chunks, chip, caps, techs, show):
    sims = [[_TimedSim(c, t) for t in techs[i]] for i, (_, c) in enumerate(caps)]
    for ch in _progress(chunks, desc="simulate (timed)", enabled=None if show else False, unit="chunk"):
        for a, b, kid in _segments(ch.kernel):
            for i, row in enumerate(sims):
                for sim in row:
                    sim.run_segment(kid, ch.addr[a:b], ch.is_write[a:b], ch.sm[a:b], len(caps), i)
    return sims


# ----------------------------------------------------------------------------------------------- output

def _count_row(kc: _KernelCounts, cap_idx: int, chip: GpuChip) -> dict[str, int]:
    l1 = kc.l1.sum(axis=0)
    l2 = kc.l2[cap_idx].sum(axis=0) if kc.l2[cap_idx] is not None else np.zeros(lru.N_STATS, np.int64)
    grain = chip.sector_B or chip.l2.line_B
    atoms = max(grain // chip.dram.atom_B, 1)
    r = {
        "l1_reads": int(l1[lru.ST_READ_HITS] + l1[lru.ST_READ_MISSES]),
        "l1_writes": int(l1[lru.ST_WRITE_HITS] + l1[lru.ST_WRITE_MISSES]),
        "l1_hits": int(l1[lru.ST_READ_HITS] + l1[lru.ST_WRITE_HITS]),
        "l1_misses": int(l1[lru.ST_READ_MISSES] + l1[lru.ST_WRITE_MISSES]),
        "l2_read_hits": int(l2[lru.ST_READ_HITS]),
        "l2_read_misses": int(l2[lru.ST_READ_MISSES]),
        "l2_write_hits": int(l2[lru.ST_WRITE_HITS]),
        "l2_write_misses": int(l2[lru.ST_WRITE_MISSES]),
        "l2_evictions": int(l2[lru.ST_EVICTIONS]),
        "l2_writebacks": int(l2[lru.ST_WRITEBACKS]),
        "dram_reads": int(l2[lru.ST_NEXT_READS]),
        "dram_writes": int(l2[lru.ST_NEXT_WRITES]),
    }
    r["l2_reads"] = r["l2_read_hits"] + r["l2_read_misses"]
    r["l2_writes"] = r["l2_write_hits"] + r["l2_write_misses"]
    r["dram_read_sectors"] = r["dram_reads"] * atoms
    r["dram_write_sectors"] = r["dram_writes"] * atoms
    return r


def _frames(kernel_rows, mode):
    cols = ["l2_MB", "l2_capacity_B", "technology", "mode", "kernel", *COUNT_COLUMNS, "cycles", "time_ns"]
    kdf = pd.DataFrame(kernel_rows, columns=cols)
    keys = ["l2_MB", "l2_capacity_B", "technology", "mode"]
    if len(kdf):
        tot = kdf.groupby(keys, sort=False)[[*COUNT_COLUMNS, "cycles", "time_ns"]].sum().reset_index()
    else:
        tot = pd.DataFrame(columns=[*keys, *COUNT_COLUMNS, "cycles", "time_ns"])
    return tot, kdf


def simulate_gpu(chunks: Iterable, chip, *, l2_MB=None, tech=None, mode: str = "fast",
                 progress: bool = False) -> GpuResult:
    """Run a trace through the chip's memory hierarchy; one pass over ``chunks`` for all capacities.

    Parameters
    ----------
    chunks : iterable of traces.TraceChunk
        The trace, streamed (read once).
    chip : GpuChip or str
        A chip or a preset name / TOML path (see :func:`simulator.gpu.chip.load_chip`).
    l2_MB : float or list of float, optional
        L2 capacities in MB (default: the chip's own).
    tech : mapping, DataFrame or list, optional
        Technology name -> ``{"read_latency_ns": .., "write_latency_ns": ..}``, or the circuit model's table
        (a ``technology`` column, and ``capacity_MB`` when it has a row per capacity), or a list with one such
        mapping (or None) per capacity of ``l2_MB``, when each capacity has its own technologies.  Default: the
        chip's SRAM latencies under the name ``"sram"``.
    mode : {"fast", "timed"}
        See the module docstring; the result's ``mode`` column says which was used.
    progress : bool
        Show a progress bar over chunks.

    Returns
    -------
    GpuResult
        ``totals`` (one row per capacity and technology) and ``kernels`` (the same per kernel id).
    """
    mode = as_choice(mode, "mode", MODES)
    if not isinstance(chip, GpuChip):
        chip = load_chip(chip)
    caps = _capacities(chip, l2_MB)
    techs = _techs(tech, caps)
    rows = []
    if mode == "fast":
        acc = _run_fast(chunks, chip, caps, progress)
        blocks = [_fast_rows(acc, i, c, t, mb) for i, (mb, c) in enumerate(caps) for t in techs[i]]
        cols = list(blocks[0]) if blocks else []
        rows = {k: np.concatenate([b[k] for b in blocks]) for k in cols}
    else:
        sims = _run_timed(chunks, chip, caps, techs, progress)
        for i, (mb, c) in enumerate(caps):
            for sim in sims[i]:
                for kid, kc in sim.kernels.items():
                    cyc = kc.cycles[i]
                    rows.append({"l2_MB": mb, "l2_capacity_B": c.l2.capacity_B, "technology": sim.tech.name,
                                 "mode": mode, "kernel": kid, **_count_row(kc, i, c), "cycles": cyc,
                                 "time_ns": cyc * 1000.0 / c.clocks.core_MHz})
    totals, kdf = _frames(rows, mode)
    return GpuResult(totals, kdf, mode, chip)
