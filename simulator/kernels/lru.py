"""Numba LRU set-associative cache kernels, one compiled pair per geometry and policy.

Why a factory: the number of sets and ways are closed-over constants, so LLVM
unrolls the way search and turns ``line % SETS`` into a multiply; runtime ways
cost 2-4x (measured, see benchmarks/RESULTS.md).  Numba's on-disk cache keys
closures by their captured values, so ``cache=True`` still works per geometry.

State layout (shared by both kernels): ``tags`` int64 ``[banks * SETS * WAYS]``,
``-1`` = empty; ``dirty`` and ``valid`` uint32 per-way sector masks (an
unsectored line is one sector); ``head`` int64 ``[banks * SETS]``.  Each set
keeps its lines in recency order (move-to-front, which beat timestamps by
1.5-2x) inside a ring whose most recent slot is ``head``: a miss replaces the
slot just before the head and makes it the head (O(1), no shifting), a hit at
recency depth p moves p lines one step.  Random and streaming traces are
mostly misses, so the ring measured ~1.7-2x faster than shifting whole sets.

Statistics (int64), indices ``ST_*``; the stream sent to the next level is
written to ``out_addr``/``out_w``/``out_src`` (``out_src`` = index of the
access that caused it) when ``emit`` is true.

Policy:
- write-back: a write hit marks the sector dirty; evicting a line with dirty
  sectors emits one write per dirty sector (one per line when unsectored).
- write-through: every write that reaches this level is forwarded.
- write-allocate: a write miss allocates the line.  Unsectored, it fetches the
  line first (fetch-on-write, one next-level read, as pycachesim and textbook
  write-allocate do).  Sectored, the write covers its whole sector, so the
  sector becomes valid without a fetch (GPGPU-Sim's lazy fetch-on-read).
- no-write-allocate: a write miss is forwarded and leaves the cache unchanged.
- LRU: any hit (read or write) moves the line to the front.
"""

from __future__ import annotations

import numpy as np
from numba import njit

ST_READ_HITS = 0
ST_READ_MISSES = 1
ST_WRITE_HITS = 2
ST_WRITE_MISSES = 3
ST_EVICTIONS = 4
ST_WRITEBACKS = 5
ST_NEXT_READS = 6
ST_NEXT_WRITES = 7
N_STATS = 8

_KERNELS: dict[tuple, tuple] = {}


def get_kernels(sets: int, ways: int, line_shift: int, sector_shift: int, write_back: bool, write_allocate: bool):
    """Return ``(access_single, access_banked)`` compiled for this geometry and policy (memoised).

    ``sector_shift == line_shift`` means an unsectored cache.
    """
    key = (int(sets), int(ways), int(line_shift), int(sector_shift), bool(write_back), bool(write_allocate))
    if key not in _KERNELS:
        _KERNELS[key] = _build(*key)
    return _KERNELS[key]


def _build(SETS, WAYS, LSHIFT, SSHIFT, WB, WA):  # noqa: C901 - one kernel body, constants folded by LLVM
    NSECT = 1 << (LSHIFT - SSHIFT)
    SECTORED = NSECT > 1
    SMASK = NSECT - 1

    @njit(cache=True, inline="always")
    def _emit(out_addr, out_w, out_src, n_out, emit, a, w, src):
        if emit:
            out_addr[n_out] = a
            out_w[n_out] = w
            out_src[n_out] = src
        return n_out + 1

    @njit(cache=True, inline="always")
    def _one(tags, dirty, valid, head, sidx, line, sect, w, st, so, out_addr, out_w, out_src, n_out, emit, src):
        # Look one access up in set ``sidx``; ``st[so:]`` receives its counts.
        bit = np.uint32(1) << np.uint32(sect)
        req = np.uint64(line << LSHIFT) + np.uint64(sect << SSHIFT)
        base = sidx * WAYS
        h = head[sidx]
        phys = -1
        for k in range(WAYS):
            if tags[base + k] == line:
                phys = k
        if phys >= 0:
            d = dirty[base + phys]
            v = valid[base + phys]
            sector_ok = True
            if SECTORED:
                sector_ok = (v & bit) != 0
            if sector_ok:
                if w:
                    st[so + ST_WRITE_HITS] += 1
                    if WB:
                        d |= bit
                    else:
                        n_out = _emit(out_addr, out_w, out_src, n_out, emit, req, True, src)
                        st[so + ST_NEXT_WRITES] += 1
                else:
                    st[so + ST_READ_HITS] += 1
            else:
                # sectored: the line is present but this sector is not
                if w:
                    st[so + ST_WRITE_MISSES] += 1
                    if WA:
                        v |= bit
                        if WB:
                            d |= bit
                        else:
                            n_out = _emit(out_addr, out_w, out_src, n_out, emit, req, True, src)
                            st[so + ST_NEXT_WRITES] += 1
                    else:
                        n_out = _emit(out_addr, out_w, out_src, n_out, emit, req, True, src)
                        st[so + ST_NEXT_WRITES] += 1
                        return n_out  # no allocation: recency unchanged
                else:
                    st[so + ST_READ_MISSES] += 1
                    v |= bit
                    n_out = _emit(out_addr, out_w, out_src, n_out, emit, req, False, src)
                    st[so + ST_NEXT_READS] += 1
            # move to front: shift the p more recent lines one step back in the ring
            p = phys - h
            if p < 0:
                p += WAYS
            dd = phys
            for _j in range(p):
                sp = dd - 1
                if sp < 0:
                    sp += WAYS
                tags[base + dd] = tags[base + sp]
                dirty[base + dd] = dirty[base + sp]
                if SECTORED:
                    valid[base + dd] = valid[base + sp]
                dd = sp
            tags[base + h] = line
            dirty[base + h] = d
            if SECTORED:
                valid[base + h] = v
            return n_out
        # line not present
        if w:
            st[so + ST_WRITE_MISSES] += 1
            if not WA:
                n_out = _emit(out_addr, out_w, out_src, n_out, emit, req, True, src)
                st[so + ST_NEXT_WRITES] += 1
                return n_out
        else:
            st[so + ST_READ_MISSES] += 1
        # the least recent way sits just before the head; it becomes the new head
        h -= 1
        if h < 0:
            h += WAYS
        slot = base + h
        vt = tags[slot]
        if vt >= 0:
            st[so + ST_EVICTIONS] += 1
            vd = dirty[slot]
            if vd != 0:
                if SECTORED:
                    for s in range(NSECT):
                        if (vd >> np.uint32(s)) & np.uint32(1):
                            va = np.uint64(vt << LSHIFT) + np.uint64(s << SSHIFT)
                            n_out = _emit(out_addr, out_w, out_src, n_out, emit, va, True, src)
                            st[so + ST_WRITEBACKS] += 1
                            st[so + ST_NEXT_WRITES] += 1
                else:
                    n_out = _emit(out_addr, out_w, out_src, n_out, emit, np.uint64(vt << LSHIFT), True, src)
                    st[so + ST_WRITEBACKS] += 1
                    st[so + ST_NEXT_WRITES] += 1
        head[sidx] = h
        tags[slot] = line
        nd = np.uint32(0)
        if w:
            if WB:
                nd = bit
            else:
                n_out = _emit(out_addr, out_w, out_src, n_out, emit, req, True, src)
                st[so + ST_NEXT_WRITES] += 1
            if not SECTORED:
                # fetch-on-write for a whole-line cache
                n_out = _emit(out_addr, out_w, out_src, n_out, emit, req, False, src)
                st[so + ST_NEXT_READS] += 1
        else:
            n_out = _emit(out_addr, out_w, out_src, n_out, emit, req, False, src)
            st[so + ST_NEXT_READS] += 1
        dirty[slot] = nd
        if SECTORED:
            valid[slot] = bit
        return n_out

    @njit(cache=True, nogil=True)
    def access_single(tags, dirty, valid, head, addr, is_write, stats, out_addr, out_w, out_src, emit):
        """One cache: set = line mod SETS.  Returns the number of next-level requests."""
        n_out = 0
        for i in range(addr.shape[0]):
            a = addr[i]
            line = np.int64(a >> np.uint64(LSHIFT))
            sect = 0
            if SECTORED:
                sect = np.int64(a >> np.uint64(SSHIFT)) & SMASK
            n_out = _one(tags, dirty, valid, head, line % SETS, line, sect, is_write[i], stats, 0,
                         out_addr, out_w, out_src, n_out, emit, i)
        return n_out

    @njit(cache=True, nogil=True)
    def access_banked(tags, dirty, valid, head, addr, is_write, bank, set_key, group, stats,
                      out_addr, out_w, out_src, emit):
        """Many caches of one geometry (per-SM L1s, L2 slices).

        ``bank[i]`` picks the cache (negative: the access bypasses this level and
        is forwarded unchanged), ``set_key[i] % SETS`` the set, ``group[i]`` the
        statistics row: ``stats`` is ``[groups, banks, N_STATS]`` flattened.
        """
        n_out = 0
        nb = head.shape[0] // SETS
        for i in range(addr.shape[0]):
            a = addr[i]
            b = bank[i]
            if b < 0:
                n_out = _emit(out_addr, out_w, out_src, n_out, emit, a, is_write[i], i)
                continue
            line = np.int64(a >> np.uint64(LSHIFT))
            sect = 0
            if SECTORED:
                sect = np.int64(a >> np.uint64(SSHIFT)) & SMASK
            so = (group[i] * nb + b) * N_STATS
            n_out = _one(tags, dirty, valid, head, b * SETS + (set_key[i] % SETS), line, sect, is_write[i], stats, so,
                         out_addr, out_w, out_src, n_out, emit, i)
        return n_out

    return access_single, access_banked


def new_state(banks: int, sets: int, ways: int):
    """Empty cache state arrays for ``banks`` caches of ``sets`` x ``ways``."""
    n = banks * sets * ways
    return (np.full(n, -1, dtype=np.int64), np.zeros(n, dtype=np.uint32), np.zeros(n, dtype=np.uint32),
            np.zeros(banks * sets, dtype=np.int64))


def out_capacity(n_access: int, line_shift: int, sector_shift: int) -> int:
    """Worst-case next-level requests for ``n_access`` accesses (a fill plus the victim's dirty sectors)."""
    return n_access * (1 + (1 << (line_shift - sector_shift)))
