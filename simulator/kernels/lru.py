"""Numba LRU set-associative cache kernels, one compiled pair per geometry and policy.

Why a factory: the number of sets and ways are closed-over constants, so LLVM
unrolls the way search and turns ``line % SETS`` into a multiply; runtime ways
cost 2-4x (shared/reference performance notes).  Numba's on-disk cache keys
closures by their captured values (here only ints and bools), so
``cache=True`` works per geometry across processes.

State layout (shared by both kernels): ``tags`` int64 ``[banks * SETS * WAYS]``
holding ``line << 1 | dirty`` (the dirty bit used by whole-line caches, so a
move touches one array), ``-1`` = empty; ``dirty`` and ``valid`` uint32
per-way sector masks of sectored caches; ``head`` int64 ``[banks * SETS]``.  Each set
keeps its lines in recency order (move-to-front, which beat timestamps by
1.5-2x) inside a ring whose most recent slot is ``head``: a miss replaces the
slot just before the head and makes it the head (O(1), no shifting), a hit at
recency depth p moves p lines one step.  In Numba the ring measured 1.7-2x
faster than shifting whole sets on miss-heavy traces (early tests, this
machine); in C (benchmarks/bench_cache.py) the two are within ~1.3x either way.

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
K_READ_HIT, K_READ_MISS, K_WRITE_HIT, K_WRITE_MISS = ST_READ_HITS, ST_READ_MISSES, ST_WRITE_HITS, ST_WRITE_MISSES

_KERNELS: dict[tuple, tuple] = {}


def get_kernels(sets: int, ways: int, line_shift: int, sector_shift: int, write_back: bool, write_allocate: bool,
                emit: bool = True, generic: bool = False):
    """Return ``(access_single, access_banked)`` compiled for this geometry and policy (memoised).

    ``sector_shift == line_shift`` means an unsectored cache.  With ``emit=False`` the kernels only count
    next-level requests (the output arrays may be empty): a separate, faster compilation.  Whole-line caches get
    a specialised kernel; ``generic=True`` forces the general (sectored-capable) one, for benchmarks and tests.
    """
    key = (int(sets), int(ways), int(line_shift), int(sector_shift), bool(write_back), bool(write_allocate),
           bool(emit), bool(generic))
    if key not in _KERNELS:
        _KERNELS[key] = _build(*key)
    return _KERNELS[key]


def _build(SETS, WAYS, LSHIFT, SSHIFT, WB, WA, EMIT, GENERIC):  # noqa: C901 - one flat body; LLVM folds the constants
    # One flat loop body (no helper calls: measured 2.4x faster than an inlined helper).  The closure captures
    # only ints and bools, so Numba's on-disk cache keys stay stable across processes.
    NSECT = 1 << (LSHIFT - SSHIFT)
    SECTORED = NSECT > 1
    SMASK = NSECT - 1

    def make(BANKED):
        @njit(cache=True, nogil=True)
        def access(tags, dirty, valid, head, addr, is_write, bank, set_key, group, stats, out_addr, out_w, out_src):
            n_out = 0
            c0 = c1 = c2 = c3 = c4 = c5 = 0  # single cache: counts kept in registers
            nb = head.shape[0] // SETS
            so = 0
            for i in range(addr.shape[0]):
                a = addr[i]
                w = is_write[i]
                if BANKED:
                    b = bank[i]
                    if b < 0:  # bypass: forwarded unchanged
                        if EMIT:
                            out_addr[n_out] = a
                            out_w[n_out] = w
                            out_src[n_out] = i
                        n_out += 1
                        continue
                line = np.int64(a >> np.uint64(LSHIFT))
                sect = 0
                if SECTORED:
                    sect = np.int64(a >> np.uint64(SSHIFT)) & SMASK
                if BANKED:
                    sidx = b * SETS + set_key[i] % SETS
                    so = (group[i] * nb + b) * N_STATS
                else:
                    sidx = line % SETS
                bit = np.uint32(1) << np.uint32(sect)
                req = np.uint64(line << LSHIFT) + np.uint64(sect << SSHIFT)
                base = sidx * WAYS
                h = head[sidx]
                key1 = (line << 1) | 1
                phys = -1
                for k in range(WAYS):
                    if (tags[base + k] | 1) == key1:
                        phys = k
                        break
                kind = 0
                if phys >= 0:
                    if SECTORED:
                        d = dirty[base + phys] if WB else np.uint32(0)
                    else:
                        d = np.uint32(tags[base + phys] & 1)
                    v = np.uint32(0)
                    present = True
                    if SECTORED:
                        v = valid[base + phys]
                        present = (v & bit) != 0
                    fwd = False
                    if present:
                        if w:
                            kind = K_WRITE_HIT
                            if WB:
                                d |= bit
                            else:
                                fwd = True
                        else:
                            kind = K_READ_HIT
                    elif w:  # sectored: line present, sector not
                        kind = K_WRITE_MISS
                        fwd = not (WA and WB)
                        if WA:
                            v |= bit
                            if WB:
                                d |= bit
                    else:
                        kind = K_READ_MISS
                        v |= bit
                    if fwd or (kind == K_READ_MISS):
                        if EMIT:
                            out_addr[n_out] = req
                            out_w[n_out] = fwd
                            out_src[n_out] = i
                        n_out += 1
                    if kind != K_WRITE_MISS or WA:
                        # move to front: shift the more recent lines (ring slots h .. phys-1) one step back;
                        # straight runs without wrap tests, so LLVM can turn them into block moves
                        lo = h if phys >= h else 0
                        for j in range(phys - lo):
                            k = base + phys - j
                            tags[k] = tags[k - 1]
                            if SECTORED and WB:  # whole-line caches keep the dirty bit in the tag
                                dirty[k] = dirty[k - 1]
                            if SECTORED:
                                valid[k] = valid[k - 1]
                        if phys < h:  # the run wrapped: slot 0 takes the last slot, then last .. h+1
                            tags[base] = tags[base + WAYS - 1]
                            if SECTORED and WB:
                                dirty[base] = dirty[base + WAYS - 1]
                            if SECTORED:
                                valid[base] = valid[base + WAYS - 1]
                            for j in range(WAYS - 1 - h):
                                k = base + WAYS - 1 - j
                                tags[k] = tags[k - 1]
                                if SECTORED and WB:
                                    dirty[k] = dirty[k - 1]
                                if SECTORED:
                                    valid[k] = valid[k - 1]
                        if SECTORED:
                            tags[base + h] = line << 1
                            if WB:
                                dirty[base + h] = d
                        else:
                            tags[base + h] = (line << 1) | np.int64(d)
                        if SECTORED:
                            valid[base + h] = v
                    evicted = 0
                    nwb = 0
                else:
                    evicted = 0
                    nwb = 0
                    kind = K_WRITE_MISS if w else K_READ_MISS
                    if w and not WA:
                        if EMIT:
                            out_addr[n_out] = req
                            out_w[n_out] = True
                            out_src[n_out] = i
                        n_out += 1
                    else:
                        # the least recent way sits just before the head; it becomes the new head
                        h -= 1
                        if h < 0:
                            h += WAYS
                        slot = base + h
                        vt = tags[slot]
                        if vt >= 0:
                            evicted = 1
                            vt >>= 1
                            if SECTORED:
                                vd = dirty[slot] if WB else np.uint32(0)
                            else:
                                vd = np.uint32(tags[slot] & 1)
                            if vd != 0:
                                if SECTORED:
                                    for s in range(NSECT):
                                        if (vd >> np.uint32(s)) & np.uint32(1):
                                            if EMIT:
                                                out_addr[n_out] = np.uint64(vt << LSHIFT) + np.uint64(s << SSHIFT)
                                                out_w[n_out] = True
                                                out_src[n_out] = i
                                            n_out += 1
                                            nwb += 1
                                else:
                                    if EMIT:
                                        out_addr[n_out] = np.uint64(vt << LSHIFT)
                                        out_w[n_out] = True
                                        out_src[n_out] = i
                                    n_out += 1
                                    nwb = 1
                        head[sidx] = h
                        if SECTORED:
                            tags[slot] = line << 1
                            if WB:
                                dirty[slot] = bit if w else np.uint32(0)
                        else:
                            tags[slot] = (line << 1) | (1 if (w and WB) else 0)
                        if SECTORED:
                            valid[slot] = bit
                        if w and not WB:  # write-through of an allocated write
                            if EMIT:
                                out_addr[n_out] = req
                                out_w[n_out] = True
                                out_src[n_out] = i
                            n_out += 1
                        if not w or not SECTORED:  # fill (fetch-on-write for whole-line caches)
                            if EMIT:
                                out_addr[n_out] = req
                                out_w[n_out] = False
                                out_src[n_out] = i
                            n_out += 1
                if BANKED:
                    stats[so + kind] += 1
                    if evicted:
                        stats[so + ST_EVICTIONS] += 1
                        stats[so + ST_WRITEBACKS] += nwb
                else:
                    if kind == K_READ_HIT:
                        c0 += 1
                    elif kind == K_READ_MISS:
                        c1 += 1
                    elif kind == K_WRITE_HIT:
                        c2 += 1
                    else:
                        c3 += 1
                    c4 += evicted
                    c5 += nwb
            if not BANKED:
                stats[ST_READ_HITS] += c0
                stats[ST_READ_MISSES] += c1
                stats[ST_WRITE_HITS] += c2
                stats[ST_WRITE_MISSES] += c3
                stats[ST_EVICTIONS] += c4
                stats[ST_WRITEBACKS] += c5
            return n_out

        return access

    def make_line(BANKED):
        # Whole-line caches (no sectors): the dirty bit lives in the tag, so dirty/valid are never touched.
        # Indices are unsigned (Numba adds a wrap-around test to every signed index) and the most recent way
        # is checked first (a hit there moves nothing).  Same counts and stream as ``make``; measured on this
        # shared 2-core machine: a tie on read-only counting, 1.1-1.3x with writes or with the stream emitted.
        # A plain move-to-front variant (victim = last way, shift on miss) was 1.15x faster on random reads
        # but 1.2x slower on streaming, a branch-free search/shift 1.5x slower, and searching in recency order
        # from the head (wrapping) 1.2-1.7x slower on random, streaming and GEMM-like traces, and branch-free
        # counting (c0 += kind == ...) a tie on random, 1.1x slower on streaming and GEMM-like: not kept.
        U = np.uint64
        @njit(cache=True, nogil=True)
        def access(tags, dirty, valid, head, addr, is_write, bank, set_key, group, stats, out_addr, out_w, out_src):
            n_out = 0
            c0 = c1 = c2 = c3 = c4 = c5 = 0
            nb = head.shape[0] // SETS
            so = 0
            for i in range(addr.shape[0]):
                a = addr[i]
                w = is_write[i]
                if BANKED:
                    b = bank[i]
                    if b < 0:
                        if EMIT:
                            out_addr[n_out] = a
                            out_w[n_out] = w
                            out_src[n_out] = i
                        n_out += 1
                        continue
                    sidx = U(b) * U(SETS) + U(set_key[i]) % U(SETS)
                    so = (group[i] * nb + b) * N_STATS
                line = a >> U(LSHIFT)
                if not BANKED:
                    sidx = line % U(SETS)
                req = line << U(LSHIFT)
                base = sidx * U(WAYS)
                h = head[sidx]
                hu = U(h)
                key1 = (np.int64(line) << 1) | 1
                evicted = 0
                nwb = 0
                t = tags[base + hu]
                if (t | 1) == key1:  # most recent way: nothing moves
                    if w:
                        kind = K_WRITE_HIT
                        if WB:
                            tags[base + hu] = t | 1
                        else:
                            if EMIT:
                                out_addr[n_out] = req
                                out_w[n_out] = True
                                out_src[n_out] = i
                            n_out += 1
                    else:
                        kind = K_READ_HIT
                else:
                    phys = -1
                    for k in range(WAYS):
                        if (tags[base + U(k)] | 1) == key1:
                            phys = k
                            break
                    if phys >= 0:
                        d = tags[base + U(phys)] & 1
                        if w:
                            kind = K_WRITE_HIT
                            if WB:
                                d = 1
                            else:
                                if EMIT:
                                    out_addr[n_out] = req
                                    out_w[n_out] = True
                                    out_src[n_out] = i
                                n_out += 1
                        else:
                            kind = K_READ_HIT
                        if phys >= h:
                            for j in range(phys, h, -1):
                                tags[base + U(j)] = tags[base + U(j - 1)]
                        else:
                            for j in range(phys, 0, -1):
                                tags[base + U(j)] = tags[base + U(j - 1)]
                            tags[base] = tags[base + U(WAYS - 1)]
                            for j in range(WAYS - 1, h, -1):
                                tags[base + U(j)] = tags[base + U(j - 1)]
                        tags[base + hu] = (key1 - 1) | d
                    else:
                        kind = K_WRITE_MISS if w else K_READ_MISS
                        if w and not WA:
                            if EMIT:
                                out_addr[n_out] = req
                                out_w[n_out] = True
                                out_src[n_out] = i
                            n_out += 1
                        else:
                            h -= 1
                            if h < 0:
                                h += WAYS
                            slot = base + U(h)
                            vt = tags[slot]
                            if vt >= 0:
                                evicted = 1
                                if vt & 1:
                                    if EMIT:
                                        out_addr[n_out] = U(vt >> 1) << U(LSHIFT)
                                        out_w[n_out] = True
                                        out_src[n_out] = i
                                    n_out += 1
                                    nwb = 1
                            head[sidx] = h
                            tags[slot] = (key1 - 1) | (1 if (w and WB) else 0)
                            if w and not WB:
                                if EMIT:
                                    out_addr[n_out] = req
                                    out_w[n_out] = True
                                    out_src[n_out] = i
                                n_out += 1
                            if EMIT:  # fill (fetch-on-write too)
                                out_addr[n_out] = req
                                out_w[n_out] = False
                                out_src[n_out] = i
                            n_out += 1
                if BANKED:
                    stats[so + kind] += 1
                    if evicted:
                        stats[so + ST_EVICTIONS] += 1
                        stats[so + ST_WRITEBACKS] += nwb
                else:
                    if kind == K_READ_HIT:
                        c0 += 1
                    elif kind == K_READ_MISS:
                        c1 += 1
                    elif kind == K_WRITE_HIT:
                        c2 += 1
                    else:
                        c3 += 1
                    c4 += evicted
                    c5 += nwb
            if not BANKED:
                stats[ST_READ_HITS] += c0
                stats[ST_READ_MISSES] += c1
                stats[ST_WRITE_HITS] += c2
                stats[ST_WRITE_MISSES] += c3
                stats[ST_EVICTIONS] += c4
                stats[ST_WRITEBACKS] += c5
            return n_out

        return access

    if SECTORED or GENERIC:
        banked = make(True)
        single_any = make(False)
    else:
        banked = make_line(True)
        single_any = make_line(False)
    dummy = np.zeros(0, dtype=np.int64)

    def access_single(tags, dirty, valid, head, addr, is_write, stats, out_addr, out_w, out_src):
        """One cache: set = line mod SETS.  Adds to ``stats``; returns the number of next-level requests."""
        return single_any(tags, dirty, valid, head, addr, is_write, dummy, dummy, dummy, stats, out_addr, out_w,
                          out_src)

    access_banked = banked
    """Many caches of one geometry (per-SM L1s, L2 slices): ``bank[i]`` picks the cache (negative: bypass,
    forwarded unchanged), ``set_key[i] % SETS`` the set, ``group[i]`` the statistics row; ``stats`` is
    ``[groups, banks, N_STATS]`` flattened."""
    return access_single, access_banked


def new_state(banks: int, sets: int, ways: int):
    """Empty cache state arrays for ``banks`` caches of ``sets`` x ``ways``."""
    n = banks * sets * ways
    return (np.full(n, -1, dtype=np.int64), np.zeros(n, dtype=np.uint32), np.zeros(n, dtype=np.uint32),
            np.zeros(banks * sets, dtype=np.int64))


def next_level_counts(stats, sectored: bool, write_back: bool, write_allocate: bool):
    """``(next_reads, next_writes)`` implied by the counts (last axis ``N_STATS``) and the policy.

    Fills: every read miss, plus (whole-line caches with write-allocate) every write miss.  Writes: write-backs,
    plus every write (write-through) or every write miss (write-back without write-allocate).
    """
    reads = stats[..., ST_READ_MISSES] + (stats[..., ST_WRITE_MISSES] if write_allocate and not sectored else 0)
    if not write_back:
        fwd = stats[..., ST_WRITE_HITS] + stats[..., ST_WRITE_MISSES]
    elif not write_allocate:
        fwd = stats[..., ST_WRITE_MISSES]
    else:
        fwd = 0
    return reads, stats[..., ST_WRITEBACKS] + fwd


def fill_next_level(stats, sectored: bool, write_back: bool, write_allocate: bool) -> None:
    """Write the ``ST_NEXT_*`` entries of ``stats`` (in place) from the other counts."""
    r, w = next_level_counts(stats, sectored, write_back, write_allocate)
    stats[..., ST_NEXT_READS] = r
    stats[..., ST_NEXT_WRITES] = w


def out_capacity(n_access: int, line_shift: int, sector_shift: int) -> int:
    """Worst-case next-level requests for ``n_access`` accesses (a fill plus the victim's dirty sectors)."""
    return n_access * (1 + (1 << (line_shift - sector_shift)))
