"""A set-associative cache over numpy arrays: the hot path, in a Numba kernel per way count and policy.

Users and tests feed it chunks of byte addresses; the kernel keeps the state
between calls, counts hits and misses, and returns the requests it sends to the
next level.  Semantics (also in :mod:`simulator.gpu.kernels.lookup`):

- set index = line address modulo the number of sets (any positive count, not
  only powers of two); the tag is the full line address;
- replacement by a policy registered in :mod:`simulator.gpu.policies`: ``"lru"``
  (the default; a hit of either kind, read or write, makes the line most
  recent) or ``"fifo"`` (lines leave in allocation order; hits change nothing);
- write-back + write-allocate (fetch-on-write for whole-line caches) or
  write-through + no-write-allocate (other combinations are accepted too);
  ``write_allocate`` also takes a mode name (:mod:`simulator.gpu.write_allocate`),
  e.g. ``"naive"``, GPGPU-Sim's ``W``: a write miss is forwarded *and* fetched;
- with ``sector_B`` each access touches one sector of its line; hits and misses
  are per sector, a miss fetches only its sector, a write-back writes only the
  dirty sectors.  Stream entries are then sectors, otherwise whole lines.
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from models.errors import ConfigError
from simulator.gpu import policies, stream_buffers
from simulator.gpu.kernels import lookup
from simulator.gpu.kernels.stats import N_STATS, STAT_NAMES, fill_next_level
from simulator.gpu.write_allocate import kernel_flags, write_allocate_mode


@dataclass
class CacheStats:
    """Cumulative counts since construction or :meth:`Cache.reset` (requests, not bytes).

    ``writebacks`` counts dirty lines (sectors, when sectored) written to the
    next level on eviction; ``next_reads``/``next_writes`` every request sent
    down (fills, write-backs, write-throughs).
    """

    read_hits: int = 0
    read_misses: int = 0
    write_hits: int = 0
    write_misses: int = 0
    evictions: int = 0
    writebacks: int = 0
    next_reads: int = 0
    next_writes: int = 0

    @property
    def hits(self) -> int:
        return self.read_hits + self.write_hits

    @property
    def misses(self) -> int:
        return self.read_misses + self.write_misses

    @property
    def reads(self) -> int:
        return self.read_hits + self.read_misses

    @property
    def writes(self) -> int:
        return self.write_hits + self.write_misses

    @property
    def accesses(self) -> int:
        return self.hits + self.misses

    @classmethod
    def from_array(cls, a) -> CacheStats:
        """From a kernel's statistics array (layout :mod:`simulator.gpu.kernels.stats`)."""
        return cls(**{name: int(a[i]) for i, name in enumerate(STAT_NAMES)})

    def as_dict(self) -> dict[str, int]:
        keys = ("accesses", "reads", "writes", "hits", "misses", "read_hits", "read_misses", "write_hits",
                "write_misses", "evictions", "writebacks", "next_reads", "next_writes")
        return {k: getattr(self, k) for k in keys}


@dataclass(frozen=True)
class Stream:
    """Requests sent to the next level by one :meth:`Cache.access` call, in order.

    ``addr`` uint64 byte address of the line (or sector), ``is_write`` bool,
    ``src`` int64 index of the access (within the call) that caused it.
    """

    addr: np.ndarray
    is_write: np.ndarray
    src: np.ndarray

    def __len__(self) -> int:
        return len(self.addr)


def _pow2(value: int, field: str) -> int:
    if value <= 0 or value & (value - 1):
        raise ConfigError(field, f"must be a positive power of two, got {value}")
    return value.bit_length() - 1


def check_geometry(capacity_B, line_B, ways, sets, sector_B, prefix: str = "cache") -> tuple[int, int, int, int]:
    """Validate a cache geometry; return ``(sets, ways, line_shift, sector_shift)``."""
    for name, val in (("line_B", line_B), ("ways", ways)):
        if isinstance(val, bool) or not isinstance(val, (int, np.integer)) or val <= 0:
            raise ConfigError(f"{prefix}.{name}", f"must be a positive integer, got {val!r}")
    line_shift = _pow2(int(line_B), f"{prefix}.line_B")
    if sets is None:
        if capacity_B is None or capacity_B <= 0:
            raise ConfigError(f"{prefix}.capacity_B", f"must be positive, got {capacity_B!r}")
        if capacity_B % (line_B * ways):
            raise ConfigError(f"{prefix}.capacity_B",
                              f"{capacity_B} is not divisible by line_B x ways = {line_B * ways}")
        sets = int(capacity_B // (line_B * ways))
    else:
        if isinstance(sets, bool) or not isinstance(sets, (int, np.integer)) or sets <= 0:
            raise ConfigError(f"{prefix}.sets", f"must be a positive integer, got {sets!r}")
        if capacity_B is not None and capacity_B != sets * ways * line_B:
            raise ConfigError(f"{prefix}.capacity_B",
                              f"{capacity_B} differs from sets x ways x line_B = {sets * ways * line_B}")
    if sets >= lookup.MAX_SETS:
        raise ConfigError(f"{prefix}.sets", f"must be below 2**32 (the kernels' set index), got {sets}")
    sector_shift = line_shift
    if sector_B is not None:
        sector_shift = _pow2(int(sector_B), f"{prefix}.sector_B")
        if sector_B > line_B:
            raise ConfigError(f"{prefix}.sector_B", f"must not exceed line_B ({line_B}), got {sector_B}")
        if line_B // sector_B > 32:
            raise ConfigError(f"{prefix}.sector_B", f"at most 32 sectors per line, got {line_B // sector_B}")
    return int(sets), int(ways), line_shift, sector_shift


class Cache:
    """One set-associative cache; ``access`` is called chunk after chunk and keeps its state.

    Parameters
    ----------
    capacity_B : int
        Capacity in bytes (ignored if ``sets`` is given, except that it must agree).
    line_B : int
        Line size in bytes (power of two).
    ways : int
        Associativity.
    write_back : bool
        Write-back (else write-through).
    write_allocate : bool or str
        Whether and how a write miss allocates: ``True``/``False`` or a mode name of
        :mod:`simulator.gpu.write_allocate` (``"fetch_on_write"``, ``"lazy"`` for sectored caches, ``"naive"``).
    sets : int, optional
        Number of sets; any positive integer (set = line mod sets).
    sector_B : int, optional
        Sector size in bytes for a sectored cache (power of two dividing the line).
    policy : str
        Replacement policy, a name from :func:`simulator.gpu.policies.policy_names` (``"lru"`` or ``"fifo"``).
    threads : int
        Threads that share one call's lookups, each owning a contiguous range of sets (sets are independent,
        so counts and stream are exactly those of one thread): each sorts a slice of the accesses by owner, then
        each looks up its own sets' accesses in trace order.  For one large cache on a machine with independent
        cores; on this project's 2-vCPU machine, whose vCPUs share a core's ALUs, two threads now run no faster
        than one (the one-thread kernel doubled its random-trace rate with the predicated loop).  When several
        caches already run side by side (a capacity sweep), keep 1.  Calls shorter than ``PARALLEL_MIN`` run on
        one.
    """

    PARALLEL_MIN = 1 << 16

    def __init__(self, capacity_B=None, line_B=128, ways=16, write_back=True, write_allocate=True, sets=None,
                 sector_B=None, threads=1, policy=policies.DEFAULT_POLICY):
        self.sets, self.ways, self._lshift, self._sshift = check_geometry(capacity_B, line_B, ways, sets, sector_B)
        self.policy = policies.get_policy(policy).name
        if int(threads) != threads or threads < 1:
            raise ConfigError("threads", f"must be a positive integer, got {threads!r}")
        self.threads = int(threads)
        self.line_B = int(line_B)
        self.sector_B = None if sector_B is None else int(sector_B)
        self.capacity_B = self.sets * self.ways * self.line_B
        self.write_back = bool(write_back)
        self.write_allocate_mode = write_allocate_mode(
            bool(write_allocate) if isinstance(write_allocate, (bool, np.bool_, int)) else write_allocate,
            self._sshift < self._lshift)
        self.write_allocate, self._naive = kernel_flags(self.write_allocate_mode)
        self.stream: Stream | None = None
        self.reset()

    def reset(self) -> None:
        """Empty the cache and zero the counts."""
        self._state = lookup.new_state(1, self.sets, self.ways, sectors=1 << (self._lshift - self._sshift))
        self._stats = np.zeros(N_STATS, dtype=np.int64)
        self.stream = None

    @property
    def stats(self) -> CacheStats:
        fill_next_level(self._stats, self._sshift < self._lshift, self.write_back, self.write_allocate, self._naive)
        return CacheStats.from_array(self._stats)

    def access(self, addr, is_write=False, *, emit: bool = True) -> CacheStats:
        """Look up ``addr`` (uint64 byte addresses) in order; return the cumulative counts.

        ``is_write`` is a bool array of the same length or one bool for all (``False``, a read trace, runs a
        variant that loads no flags: 1.15x faster on streaming traces).
        The requests sent to the next level are left in :attr:`stream`
        (skip them with ``emit=False``, which is a little faster); the next call reuses its arrays unless the
        stream is still held elsewhere (:mod:`simulator.gpu.stream_buffers`).
        """
        addr = _addresses(addr)
        if addr.ndim != 1:
            raise ConfigError("addr", f"must be one-dimensional, got shape {addr.shape}")
        w = np.asarray(is_write, dtype=np.bool_)
        if w.ndim == 0:
            w = bool(w)  # one flag for all (the kernels have a read-only variant)
        elif w.shape != addr.shape:
            raise ConfigError("is_write", f"length {w.shape[0]} differs from addr's {addr.shape[0]}")
        else:
            w = np.ascontiguousarray(w)
        single, _ = lookup.get_kernels(self.sets, self.ways, self._lshift, self._sshift, self.write_back,
                                       self.write_allocate, emit,
                                       hit_promotes=policies.get_policy(self.policy).hit_promotes, naive=self._naive)
        n = addr.shape[0]
        parts = min(self.threads, self.sets) if self.PARALLEL_MIN <= n < 2**31 else 1
        cap = lookup.out_capacity(n, self._lshift, self._sshift) if emit else 0
        self.stream = None  # the last call's stream, unless held elsewhere, frees its arrays for this one
        lists = None
        out_arrays = []  # part 0's (for stream_buffers)
        if parts > 1:  # phase 1: each thread sorts a slice of the accesses by owner (a contiguous range of sets)
            split = lookup.get_splitter(self.sets, self._lshift)
            bounds = np.array([self.sets * k // parts for k in range(1, parts)], dtype=np.int64)
            edges = [n * k // parts for k in range(parts + 1)]
            lists = [(np.empty((parts, edges[c + 1] - edges[c]), dtype=np.int32), np.zeros(parts, dtype=np.int64))
                     for c in range(parts)]
            tops = _pool().map(lambda c: split(addr, edges[c], edges[c + 1], bounds, *lists[c]), range(parts))
            self._state.fit(int(max(tops)))  # widen the tags before the threads share them

        def run(part):  # phase 2: one thread per owner, its accesses in trace order
            out = stream_buffers.take(cap) if parts == 1 and emit else (
                np.empty(cap, dtype=np.uint64), np.empty(cap, dtype=np.bool_), np.empty(cap, dtype=np.int64))
            stats = np.zeros(N_STATS, dtype=np.int64)
            k = 0
            if lists is None:
                k = single(self._state, addr, w, stats, *out)
            else:
                for idx, counts in lists:
                    k += single(self._state, addr, w, stats, *(o[k:] for o in out), idx[part, :counts[part]])
            if part == 0:
                out_arrays.append(out)
            return stats, [o[:k] for o in out]

        results = [run(0)] if parts == 1 else list(_pool().map(run, range(parts)))
        self._stats += sum(r[0] for r in results)
        if not emit:
            self.stream = None
        elif parts == 1:  # views, not copies (pages past the last request were never touched, so cost nothing)
            self.stream = Stream(*results[0][1])
            stream_buffers.give(out_arrays[0])
        else:  # each part's stream is in access order: a stable sort by source merges them
            a, wr, src = (np.concatenate([r[1][k] for r in results]) for k in range(3))
            order = np.argsort(src, kind="stable")
            self.stream = Stream(a[order], wr[order], src[order])
        return self.stats

    def contents(self) -> list[list[int]]:
        """Line addresses held in each set, youngest first: most recently used first with LRU, most recently
        allocated first with FIFO (for tests and inspection)."""
        out = []
        for s in range(self.sets):
            row = slice(s * self.ways, (s + 1) * self.ways)
            order = np.argsort(self._state.ages[row], kind="stable")  # age 0 = youngest
            out.append([int(t) >> 1 for t in self._state.tags[row][order] if t >= 0])  # tags: line << 1 | dirty
        return out

    def __repr__(self) -> str:
        pol = ("write-back" if self.write_back else "write-through") + (
            f", write-allocate ({self.write_allocate_mode})" if self.write_allocate else ", no-write-allocate")
        sect = f", {self.sector_B} B sectors" if self.sector_B else ""
        return (f"Cache({self.capacity_B} B, {self.sets} sets x {self.ways} ways x {self.line_B} B, {self.policy}, "
                f"{pol}{sect})")


def _addresses(addr) -> np.ndarray:
    """``addr`` as uint64 byte addresses; negative, non-integer or non-finite values are refused before the cast
    (which would wrap -1 to 2**64 - 1 and turn NaN into an arbitrary line)."""
    if isinstance(addr, np.ndarray) and addr.dtype == np.uint64:
        return np.ascontiguousarray(addr)
    a = np.asarray(addr)
    if a.dtype.kind == "u":
        return np.ascontiguousarray(a, dtype=np.uint64)
    if a.dtype.kind not in "if" or a.dtype.kind == "b":
        raise ConfigError("addr", f"must be non-negative integer byte addresses, got dtype {a.dtype}")
    if a.size:
        if a.dtype.kind == "f":
            bad = ~np.isfinite(a) | (a != np.floor(a)) | (a < 0) | (a >= 2.0**64)
        else:
            bad = a < 0
        if bad.any():
            i = int(np.flatnonzero(bad.ravel())[0])
            raise ConfigError("addr", f"must be non-negative integer byte addresses, got {a.ravel()[i]!r} at "
                                      f"index {i}")
    return np.ascontiguousarray(a, dtype=np.uint64)


_POOL: ThreadPoolExecutor | None = None
_POOL_LOCK = threading.Lock()


def _pool() -> ThreadPoolExecutor:
    """One process-wide pool for ``Cache(threads=...)`` (the kernels release the GIL)."""
    global _POOL
    with _POOL_LOCK:
        if _POOL is None:
            _POOL = ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 1), thread_name_prefix="nvmsim-cache")
        return _POOL
