"""Numba set-associative cache lookup kernels, one compiled pair per way count, line and sector size, write policy
and replacement policy; the number of sets is a runtime argument.

Why a factory: the ways are a closed-over constant, so the way search is fixed-width vector code (runtime ways
cost 2-4x, shared/reference performance notes).  The replacement behaviour (what a policy of
:mod:`simulator.gpu.policies` asks: ``hit_promotes``) is a closed-over constant too, so each policy gets its own
straight-line code and LRU runs exactly the code it ran before policies could be chosen.
Numba's on-disk cache keys closures by their captured values (here only ints
and bools), so ``cache=True`` works per specialisation across processes.

Why the sets are not a constant: a capacity sweep (3/6/12/24 MB) differs only in the sets, and one compilation per
capacity made a fresh install's first ``sweep-l2`` spend most of its time in LLVM (4 x 3-6 s).  ``line % sets``
by a runtime divisor is a 64-bit division (20-40 cycles); the kernels instead multiply by a precomputed
reciprocal (Lemire, Kaser & Kurz, "Faster remainder by direct computation", 2019: exact for 32-bit numerators),
two multiplies like the constant divisor's code, and divide only for keys of 32 bits or more.

State layout (:class:`CacheState`): ``tags`` int32, widened to int64 when a
line needs it, ``[banks * sets * WAYS]`` holding
``line << 1 | dirty`` (the dirty bit used by whole-line caches, so that a
lookup and an eviction touch one array), ``-1`` = empty; ``dirty`` and
``valid`` per-way sector masks of sectored caches (uint8 up to 8 sectors a line,
:func:`mask_dtype`); ``ages`` (uint8, or wider from 256 ways on) ``[banks * sets * WAYS]``, each set a permutation of
``0 .. WAYS-1`` where 0 is the youngest line: the most recently used (LRU) or
the most recently allocated (FIFO).  Lines never move: a lookup compares all
ways at once (:func:`simulator.gpu.kernels.simd.first_equal`); with LRU a hit
ages the lines more recent than it by one (with FIFO a hit changes no age); a
miss replaces the way of age ``WAYS-1`` and ages all the others -- one vector
add each (:func:`simulator.gpu.kernels.simd.increment_below`).  Empty ways
start with the oldest ages, so they fill before anything is evicted.  This replaced a
ring move-to-front kernel that searched and shifted way by way (1.3-1.5x
faster on read traces, identical counts and stream; see ``simd``).  Whole-line
caches also have a predicated loop that does not branch on hit or miss (see
``_build``), taken block by block where outcomes are unpredictable.

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
- naive write-allocate (``naive``, GPGPU-Sim's ``W``): a write miss (a missing
  line, or a missing sector of a present line) is forwarded to the next level
  *and* allocates and fetches the line (sector), which stays clean.  The
  requests of one such miss leave in the order: the victim's write-backs, the
  write, the fill.
- no-write-allocate: a write miss is forwarded and leaves the cache unchanged.

Replacement (``policy``, see :mod:`simulator.gpu.policies`): the victim is always the way of age ``WAYS-1`` and
an allocated line always becomes age 0; the policy decides only whether an access to a present line (a hit, or a
sector miss that fills a sector of it) makes it age 0 too: ``lru`` yes, ``fifo`` no.
"""

from __future__ import annotations

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.core.extending import intrinsic

from simulator.gpu.kernels import simd
from simulator.gpu.kernels.simd import cttz32, first_equal, hit_or_victim, increment_below, mod_by, reciprocal
from simulator.gpu.kernels.stats import (
    N_STATS,
    ST_EVICTIONS,
    ST_READ_HITS,
    ST_READ_MISSES,
    ST_WRITE_HITS,
    ST_WRITE_MISSES,
    ST_WRITEBACKS,
)

K_READ_HIT, K_READ_MISS, K_WRITE_HIT, K_WRITE_MISS = ST_READ_HITS, ST_READ_MISSES, ST_WRITE_HITS, ST_WRITE_MISSES

_KERNELS: dict[tuple, tuple] = {}
_COMPILED: dict[tuple, dict] = {}
#: Sets must stay below this (the reciprocal modulo's divisor range; a cache that large would not fit in memory).
MAX_SETS = 1 << 32


@intrinsic
def tag_lines(typingctx, tags):
    """Lines below this fit ``tags`` (``line << 1 | dirty`` positive), as a constant of the array's type: the
    kernels' per-access width test costs nothing with 64-bit tags (LLVM sees every line is below it) and compares
    with an immediate with 32-bit ones (a runtime bound measured 14 % slower on streaming traces)."""
    if not isinstance(tags, types.Array) or not isinstance(tags.dtype, types.Integer):
        raise TypeError("expected an integer tag array")
    limit = 1 << (tags.dtype.bitwidth - 2)

    def codegen(context, builder, sig, args):
        return ir.Constant(ir.IntType(64), limit)

    return types.uint64(tags), codegen


@njit(inline="always")
def _put(out_addr, out_w, out_src, n, addr, is_write, src):
    """Append one next-level request (inlined into the kernels at Numba IR level: no call)."""
    out_addr[n] = addr
    out_w[n] = is_write
    out_src[n] = src


#: Kernel loop modes: ``"adaptive"`` (the default) looks up each block of :data:`BLOCK` accesses with whichever
#: loop suits the previous block; ``"branches"`` and ``"predicated"`` force one loop (tests check both).
LOOP_MODES = {"adaptive": 0, "branches": 1, "predicated": 2}
MODE_ADAPTIVE, MODE_BRANCHES, MODE_PREDICATED = 0, 1, 2
#: Accesses per block of the adaptive loop, and the share of unpredictable outcomes (``1/UNPREDICTABLE``) above
#: which the next block runs predicated.  On this project's machine the branchy loop is 1.2x faster on a streaming
#: trace (every lookup a predictable miss) and the predicated one 2x faster on a random trace with half hits.
BLOCK = 1024
UNPREDICTABLE = 16


def get_kernels(sets: int, ways: int, line_shift: int, sector_shift: int, write_back: bool, write_allocate: bool,
                emit: bool = True, mode: str = "adaptive", hit_promotes: bool = True, naive: bool = False):
    """Return ``(access_single, access_banked)`` compiled for this geometry, write policy and replacement
    behaviour, memoised.  ``hit_promotes`` is what a replacement policy (:mod:`simulator.gpu.policies`) asks of
    the kernel: whether an access to a present line makes it the youngest (LRU) or leaves the order alone (FIFO).
    ``naive`` (with ``write_allocate``) makes a write miss GPGPU-Sim's naive write-allocate (module docstring;
    :func:`simulator.gpu.write_allocate.kernel_flags` gives both flags from a mode name).

    ``sector_shift == line_shift`` means an unsectored cache.  With ``emit=False`` the kernels only count
    next-level requests (the output arrays may be empty): a separate, faster compilation.  ``mode`` (see
    :data:`LOOP_MODES`) picks the lookup loop; every mode gives exactly the same counts and stream.
    """
    if mode not in LOOP_MODES:
        raise ValueError(f"mode: must be one of {sorted(LOOP_MODES)}, got {mode!r}")
    if naive and not write_allocate:
        raise ValueError("naive: a naive write-allocate needs write_allocate")
    if not 0 < int(sets) < MAX_SETS:
        raise ValueError(f"sets: must be in [1, 2**32), got {sets}")
    code = (int(ways), int(line_shift), int(sector_shift), bool(write_back), bool(write_allocate), bool(emit),
            LOOP_MODES[mode], bool(hit_promotes), bool(naive))
    key = (int(sets), *code)
    if key not in _KERNELS:
        if code not in _COMPILED:
            _COMPILED[code] = _build(*code)
        _KERNELS[key] = _bind(_COMPILED[code], int(sets))
    return _KERNELS[key]


#: A hash of ``simd.py``'s source.  Numba keys its on-disk cache on the kernel's own file and its closure values
#: only, so the kernels capture this: an edit to the intrinsics they call then recompiles them.
SIMD_REVISION = simd.simd_revision()


def _build(WAYS, LSHIFT, SSHIFT, WB, WA, EMIT, MODE, PROMOTE, NAIVE):  # noqa: C901 - flat; LLVM folds them
    # Flat loop bodies (no helper calls: measured 2.4x faster than an inlined helper; only the tiny ``_put``,
    # inlined at Numba IR level, measured a tie).  The closure captures
    # only ints and bools, so Numba's on-disk cache keys stay stable across processes.  Indices are unsigned
    # (Numba adds a wrap-around test to every signed index).
    #
    # PROMOTE (the policy's ``hit_promotes``): whether an access to a present line makes it age 0.  A constant:
    # with True (LRU) LLVM folds the tests away and the code is the LRU-only kernel's; with False (FIFO) the hit
    # paths simply leave the ages alone.  NAIVE (GPGPU-Sim's naive write-allocate) is a constant too: False folds
    # away and leaves the code of the other write policies as it was.
    #
    # Two lookups in one loop.  The branchy one tests hit or miss, read or write, and does only the work of the
    # outcome: fastest when the outcomes are predictable (streaming, mostly-hit or read-only traces).  The predicated
    # one (whole-line caches) computes every outcome's effect as arithmetic on 0/1 flags and stores unconditionally,
    # so that a random trace costs no mispredicted branches: 2x faster on the random benchmark trace, 0.8x on the
    # streaming one.  In the adaptive mode each block of BLOCK accesses takes the lookup that suits the previous block.
    NSECT = 1 << (LSHIFT - SSHIFT)
    SECTORED = NSECT > 1
    SMASK = NSECT - 1
    OLDEST = WAYS - 1
    U = np.uint64
    SIMD_REV = SIMD_REVISION  # a closure value (see SIMD_REVISION)
    PREDICABLE = not SECTORED and MODE != MODE_BRANCHES
    FWD = not (WB and WA) or NAIVE  # whether a write can be forwarded to the next level
    WDIRTY = WB and not NAIVE  # whether a write miss leaves its line (sector) dirty

    def make(BANKED, INDEXED, READS):
        # A single cache's predicated loop leaves its stream to a second loop over the block: the lookup loop then
        # keeps its registers (with the three output arrays and their index it spilled a dozen values a lookup),
        # and the second loop is short (random 3 MB trace, stream emitted: 1.1x faster, alternating A/B runs).
        LATER = EMIT and PREDICABLE and not BANKED

        @njit(cache=True, nogil=True)
        def access(tags, dirty, valid, ages, addr, is_write, bank, set_key, group, stats, out_addr, out_w, out_src,
                   idx, j_start, sets, recip):
            # 0, unsigned (Numba tests signed indices for wrap-around); SIMD_REV ties the cached code to simd.py
            n_out = U(SIMD_REV - SIMD_REV)
            c0 = c1 = c2 = c3 = c4 = c5 = 0  # single cache: counts kept in registers
            memo = np.empty(BLOCK if LATER else 0, dtype=np.uint64)  # per access of a block: victim, wb, miss
            nb = tags.shape[0] // (np.int64(sets) * WAYS)
            so = 0
            count = idx.shape[0] if INDEXED else addr.shape[0]
            predicated = MODE == MODE_PREDICATED
            stop = count  # the first access whose line is too wide for the tags stops the call
            j0 = j_start
            # The open line (sectored caches): the last line looked up or allocated, its way and its valid mask as
            # stored.  Only an access of this call can move it, and one that does becomes the open line itself, so
            # a next access to the same line (a coalesced request's next sector: three in four on training traces)
            # skips the way search and the mask load (1.4x faster on such traces, same counts and stream)
            o_tag = np.int64(-2)
            o_base = U(0)
            o_slot = U(0)
            o_v = np.uint32(0)
            while j0 < count:  # blocks of BLOCK accesses, each looked up by one of the two loops
                j1 = min(j0 + BLOCK, count)
                hits = 0  # lines found and writes in this block (the single cache's branchy loop reads its counts)
                writes = 0
                seen_h = c0 + c2
                seen_w = c2 + c3
                pred = PREDICABLE and predicated
                hw = 0
                for j in range(j0, j1):  # (pred is fixed for the block: measured as fast as two separate loops)
                    i = U(idx[j]) if INDEXED else U(j)  # unsigned: no wrap-around test
                    a = addr[i]
                    w = False if READS else is_write[i]
                    if BANKED:
                        b = bank[i]
                        if b < 0:  # bypass: forwarded unchanged
                            if EMIT:
                                _put(out_addr, out_w, out_src, n_out, a, w, i)
                            n_out += U(1)
                            continue
                        key = U(set_key[i])
                        sidx = U(b) * sets + mod_by(key, sets, recip)
                        so = (group[i] * nb + b) * N_STATS
                    line = a >> U(LSHIFT)
                    if line >= tag_lines(tags):  # a compile-time constant: no test at all with 64-bit tags
                        stop = j
                        break
                    if not BANKED:
                        # (with 32-bit tags line < 2**30 here: LLVM drops the test and the division)
                        sidx = mod_by(line, sets, recip)
                    base = sidx * U(WAYS)
                    tag = np.int64(line) << 1
                    if PREDICABLE and pred:  # the predicated loop: no branch on the outcome
                        wi = U(w)
                        req = line << U(LSHIFT)
                        if WAYS <= 32:
                            p = U(hit_or_victim(tags, ages, base, tag, WAYS, 1, OLDEST))
                        else:  # two searches and a select (LLVM may branch here; wide sets are rare)
                            p = U(first_equal(tags, base, tag, WAYS, 1))
                            if p == U(WAYS):
                                p += U(first_equal(ages, base, OLDEST, WAYS, 0))
                        miss = U(p >= U(WAYS))
                        hit = U(1) - miss
                        slot = base + p - miss * U(WAYS)
                        vt = tags[slot]
                        uvt = U(np.int64(vt))  # sign-extended: an empty way (-1) has the top bit set
                        alloc = U(1) if WA else U(1) - (miss & wi)  # a write miss without write-allocate: no change
                        if NAIVE:  # a write miss fills clean; a write hit dirties as usual
                            d_new = ((wi | uvt) & hit & U(1)) if WB else U(0)
                        else:
                            d_new = ((wi | (uvt & hit)) & U(1)) if WB else U(0)
                        if WA:
                            tags[slot] = tag | np.int64(d_new)
                        else:
                            keep = alloc - U(1)  # all ones when the line stays as it was
                            tags[slot] = np.int64(((U(tag) | d_new) & ~keep) | (uvt & keep))
                        ev = miss & alloc & ((uvt >> U(63)) ^ U(1))  # the victim way held a line
                        wb = (ev & uvt & U(1)) if WB else U(0)
                        a0 = ages[slot]
                        if not PROMOTE:  # FIFO: only an allocation ages the set (a0 is then WAYS-1); a hit keeps a0
                            new = miss & alloc
                            increment_below(ages, base, a0 * new, WAYS)
                            ages[slot] = a0 * (U(1) - new)
                        elif WA:
                            increment_below(ages, base, a0, WAYS)  # a miss: every way but the victim one older
                            ages[slot] = 0
                        else:
                            increment_below(ages, base, a0 * alloc, WAYS)
                            ages[slot] = a0 * (U(1) - alloc)
                        fill = miss & alloc  # whole lines: a write miss that allocates fetches the line too
                        fwd = wi if not WB else (U(0) if (WA and not NAIVE) else wi & miss)
                        if LATER:  # the stream is written after the block, from one word per access
                            memo[U(j - j0)] = ((uvt >> U(1)) << U(2)) | (wb << U(1)) | miss
                        elif EMIT:  # stores are unconditional; only the count moves
                            if WB:
                                _put(out_addr, out_w, out_src, n_out, (uvt >> U(1)) << U(LSHIFT), True, i)
                                n_out += wb
                            if FWD:
                                _put(out_addr, out_w, out_src, n_out, req, True, i)
                                n_out += fwd
                            _put(out_addr, out_w, out_src, n_out, req, False, i)
                            n_out += fill
                        else:
                            n_out += wb + fwd + fill
                        hits += np.int64(hit)
                        writes += np.int64(wi)
                        if BANKED:
                            stats[so + np.int64(wi + wi + miss)] += 1
                            stats[so + ST_EVICTIONS] += np.int64(ev)
                            stats[so + ST_WRITEBACKS] += np.int64(wb)
                        else:
                            hw += np.int64(hit & wi)
                            c4 += np.int64(ev)
                            c5 += np.int64(wb)
                    else:  # the branchy loop: only the work of the outcome
                        if BANKED:
                            writes += np.int64(w)
                        sect = U(0)
                        if SECTORED:
                            sect = (a >> U(SSHIFT)) & U(SMASK)
                        bit = np.uint32(1) << np.uint32(sect)
                        req = (line << U(LSHIFT)) + (sect << U(SSHIFT))
                        evicted = 0
                        nwb = 0
                        if SECTORED and tag == o_tag and base == o_base:
                            present = True
                            slot = o_slot
                            v = o_v
                        else:
                            p = first_equal(tags, base, tag, WAYS, 1)
                            present = p < WAYS
                            slot = base + U(p)
                            if SECTORED and present:
                                v = valid[slot]
                        if present:  # the line is present
                            if BANKED:
                                hits += 1
                            if SECTORED:
                                o_tag = tag
                                o_base = base
                                o_slot = slot
                                o_v = v
                                fwd = False
                                if (v & bit) != 0:
                                    if w:
                                        kind = K_WRITE_HIT
                                        if WB:
                                            dirty[slot] |= bit
                                        else:
                                            fwd = True
                                    else:
                                        kind = K_READ_HIT
                                elif w:  # line present, sector not
                                    kind = K_WRITE_MISS
                                    fwd = not (WA and WB) or NAIVE
                                    if WA:
                                        valid[slot] = v | bit
                                        o_v = v | bit
                                        if WDIRTY:
                                            dirty[slot] |= bit
                                else:
                                    kind = K_READ_MISS
                                    valid[slot] = v | bit
                                    o_v = v | bit
                                if fwd or (kind == K_READ_MISS):
                                    if EMIT:
                                        _put(out_addr, out_w, out_src, n_out, req, fwd, i)
                                    n_out += U(1)
                                if NAIVE and kind == K_WRITE_MISS:  # the naive fill of the written sector
                                    if EMIT:
                                        _put(out_addr, out_w, out_src, n_out, req, False, i)
                                    n_out += U(1)
                            elif w:
                                kind = K_WRITE_HIT
                                if WB:
                                    tags[slot] = tag | 1
                                else:
                                    if EMIT:
                                        _put(out_addr, out_w, out_src, n_out, req, True, i)
                                    n_out += U(1)
                            else:
                                kind = K_READ_HIT
                            if PROMOTE and (kind != K_WRITE_MISS or WA):  # LRU: the line becomes the most recent
                                a0 = ages[slot]
                                if a0 != 0:  # (already the youngest: a coalesced warp's next sector of its line)
                                    increment_below(ages, base, a0, WAYS)
                                    ages[slot] = 0
                        else:
                            kind = K_WRITE_MISS if w else K_READ_MISS
                            if w and not WA:
                                if EMIT:
                                    _put(out_addr, out_w, out_src, n_out, req, True, i)
                                n_out += U(1)
                            else:
                                slot = base + U(first_equal(ages, base, OLDEST, WAYS, 0))
                                vt = tags[slot]
                                if vt >= 0:
                                    evicted = 1
                                    vline = U(vt >> 1)
                                    if SECTORED:
                                        vd = dirty[slot] if WB else np.uint32(0)
                                        while vd != 0:  # the dirty sectors, lowest first
                                            s = U(cttz32(vd))
                                            vd &= vd - np.uint32(1)
                                            if EMIT:
                                                sa = (vline << U(LSHIFT)) + (s << U(SSHIFT))
                                                _put(out_addr, out_w, out_src, n_out, sa, True, i)
                                            n_out += U(1)
                                            nwb += 1
                                    elif vt & 1:
                                        if EMIT:
                                            _put(out_addr, out_w, out_src, n_out, vline << U(LSHIFT), True, i)
                                        n_out += U(1)
                                        nwb = 1
                                if SECTORED:
                                    tags[slot] = tag
                                    if WB:
                                        dirty[slot] = bit if (w and WDIRTY) else np.uint32(0)
                                else:
                                    tags[slot] = tag | (1 if (w and WDIRTY) else 0)
                                if SECTORED:
                                    valid[slot] = bit
                                    o_tag = tag
                                    o_base = base
                                    o_slot = slot
                                    o_v = bit
                                increment_below(ages, base, WAYS, WAYS)  # every way one older; the victim wraps to 0
                                ages[slot] = 0
                                if w and (NAIVE or not WB):  # write-through (or naive forward) of the write
                                    if EMIT:
                                        _put(out_addr, out_w, out_src, n_out, req, True, i)
                                    n_out += U(1)
                                if not w or not SECTORED or NAIVE:  # fill (fetch-on-write for whole lines; naive)
                                    if EMIT:
                                        _put(out_addr, out_w, out_src, n_out, req, False, i)
                                    n_out += U(1)
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
                j1 = min(j1, stop)
                if LATER and pred:  # the predicated block's stream, in access order (as if written in the loop)
                    for j in range(j0, j1):
                        i = U(idx[j]) if INDEXED else U(j)
                        r = memo[U(j - j0)]
                        miss = r & U(1)
                        wb = (r >> U(1)) & U(1)
                        wi = U(False if READS else is_write[i])
                        req = (addr[i] >> U(LSHIFT)) << U(LSHIFT)
                        alloc = U(1) if WA else U(1) - (miss & wi)
                        if WB and wb:  # (a branch here costs no lookup: read traces never take it)
                            _put(out_addr, out_w, out_src, n_out, (r >> U(2)) << U(LSHIFT), True, i)
                            n_out += U(1)
                        if FWD:
                            _put(out_addr, out_w, out_src, n_out, req, True, i)
                            n_out += wi if not WB else (U(0) if (WA and not NAIVE) else wi & miss)
                        _put(out_addr, out_w, out_src, n_out, req, False, i)
                        n_out += miss & alloc
                if PREDICABLE and pred:
                    if not BANKED:
                        c0 += hits - hw
                        c1 += (j1 - j0) - writes - (hits - hw)
                        c2 += hw
                        c3 += writes - hw
                if MODE == MODE_ADAPTIVE:  # branches cost little when hit/miss and read/write are predictable
                    m = j1 - j0
                    if not BANKED and not pred:
                        writes = c2 + c3 - seen_w
                        hits = c0 + c2 - seen_h
                    predicted = min(hits, m - hits) + min(writes, m - writes)
                    predicated = predicted * UNPREDICTABLE > m
                j0 = j1
                if stop < count:
                    break
            if not BANKED:
                stats[ST_READ_HITS] += c0
                stats[ST_READ_MISSES] += c1
                stats[ST_WRITE_HITS] += c2
                stats[ST_WRITE_MISSES] += c3
                stats[ST_EVICTIONS] += c4
                stats[ST_WRITEBACKS] += c5
            return (np.int64(n_out) if EMIT else 0), stop  # nothing written without emission (LLVM drops the count)

        return access

    # The variants that follow an index list (threads splitting the sets) are separate compilations, made on
    # first use, so that the one-thread loop stays as tight as without the option (the indirection measured 7-9 %);
    # so are those for a read-only call (``is_write=False`` given as one bool: no per-access flag to load, 1.15x).
    return {(banked, indexed, reads): make(banked, indexed, reads)
            for banked in (False, True) for indexed in (False, True) for reads in (False, True)}


_DUMMY = np.zeros(0, dtype=np.int64)
_NO_IDX = np.zeros(0, dtype=np.int32)
_NO_W = np.zeros(0, dtype=np.bool_)


def _flags(is_write, n):
    """(reads-only, flag array): one bool False selects the read-only variant; one bool True is broadcast."""
    if isinstance(is_write, (bool, np.bool_)):
        return (True, _NO_W) if not is_write else (False, np.ones(n, dtype=np.bool_))
    return False, is_write


def _bind(kernels: dict, sets: int):
    """``(access_single, access_banked)`` over the compiled ``kernels`` for caches of ``sets`` sets."""
    n_sets = np.uint64(sets)
    recip = reciprocal(sets)

    def call(state, banked, addr, is_write, bank, set_key, group, stats, out_addr, out_w, out_src, idx):
        reads, w = _flags(is_write, addr.shape[0])
        fn = kernels[banked, idx is not None, reads]
        count = addr.shape[0] if idx is None else idx.shape[0]
        n_out = j = 0
        while True:  # a line too wide for 32-bit tags stops the kernel: widen them and go on from there
            k, j = fn(state.tags, state.dirty, state.valid, state.ages, addr, w, bank, set_key, group, stats,
                      out_addr[n_out:], out_w[n_out:], out_src[n_out:], _NO_IDX if idx is None else idx, j,
                      n_sets, recip)
            n_out += k
            if j >= count:
                return n_out
            state.widen()

    def access_single(state, addr, is_write, stats, out_addr, out_w, out_src, idx=None):
        """One cache (``state`` from :func:`new_state`): set = line mod sets.  Adds to ``stats``; returns the number
        of next-level requests written (0 when compiled with ``emit=False``: ``stats`` has the counts).

        ``is_write`` is a bool array like ``addr`` or one bool for every access.  With ``idx`` (int32, ascending)
        only the accesses ``addr[idx]`` are looked up, in that order: threads owning disjoint sets (see
        :func:`get_splitter`) share one cache state, each with its own ``stats`` and output arrays; ``out_src``
        still indexes ``addr``.  Threads must widen the tags first (:meth:`CacheState.fit`).
        """
        return call(state, False, addr, is_write, _DUMMY, _DUMMY, _DUMMY, stats, out_addr, out_w, out_src, idx)

    def access_banked(state, addr, is_write, bank, set_key, group, stats, out_addr, out_w, out_src, idx=None):
        """Many caches of one geometry (per-SM L1s, L2 slices): ``bank[i]`` picks the cache (negative: bypass,
        forwarded unchanged), ``set_key[i] % sets`` the set, ``group[i]`` the statistics row; ``stats`` is
        ``[groups, banks, N_STATS]`` flattened.  ``is_write`` and ``idx`` as for ``access_single``."""
        return call(state, True, addr, is_write, bank, set_key, group, stats, out_addr, out_w, out_src, idx)

    return access_single, access_banked


@njit(cache=True, nogil=True)
def _split(addr, lo, hi, bounds, idx, counts, sets, line_shift):
    top = np.uint64(0)
    for k in range(lo, hi):
        line = addr[k] >> line_shift
        top = max(top, line)
        g = line % sets
        p = 0
        for b in range(bounds.shape[0]):
            p += g >= np.uint64(bounds[b])
        idx[p, counts[p]] = k
        counts[p] += 1
    return top


def get_splitter(sets: int, line_shift: int):
    """``split(addr, lo, hi, bounds, idx, counts)`` for ``sets``: the accesses ``lo .. hi-1`` of one
    cache, sorted (stably, without branches) into ``len(bounds) + 1`` contiguous ranges of sets: access ``k``
    goes to part ``p`` = the number of ``bounds`` its set reaches; its index is appended to ``idx[p]`` and
    ``counts[p]`` counts them.  Returns the largest line seen (for :meth:`CacheState.fit`).  Threads then each
    run :func:`get_kernels`' kernel over one part's list (sets are independent under every policy).
    """
    n_sets, shift = np.uint64(sets), np.uint64(line_shift)

    def split(addr, lo, hi, bounds, idx, counts):
        return _split(addr, lo, hi, bounds, idx, counts, n_sets, shift)

    return split


def _aligned_full(n: int, value, dtype, align_B: int = 64) -> np.ndarray:
    """``np.full(n, value, dtype)`` starting on a cache-line boundary.  Large numpy arrays start 16 bytes into a
    page, so a 16-way set of int64 tags straddled three cache lines and half the vector loads split: aligning
    the tags measured 1.1-1.3x faster on random traces (same process, alternating)."""
    item = np.dtype(dtype).itemsize
    buf = np.empty(n + align_B // item, dtype=dtype)
    off = (-buf.ctypes.data % align_B) // item
    out = buf[off:off + n]
    out.fill(value)
    return out


class CacheState:
    """The state of ``banks`` caches of one geometry: ``tags``, ``dirty``, ``valid``, ``ages`` (see the module
    docstring), each ``banks * sets * ways`` long.

    Why a class: tags start 32-bit, which halves the bytes a lookup compares (measured 1.3x faster on random and
    1.15x on streaming 3 MB traces), and are widened to 64 bits in place the first time a line address needs it
    (byte addresses from ``2**(30 + log2(line_B))``, 128 GiB with 128 B lines); the kernels stop at such a line
    and the caller's wrapper widens and resumes, so results never depend on the width.
    """

    __slots__ = ("tags", "dirty", "valid", "ages")

    def __init__(self, banks: int, sets: int, ways: int, wide: bool = False, *, sectors: int):
        n = banks * sets * ways
        age_t = np.uint8 if ways < 256 else np.uint16 if ways < 65536 else np.uint32
        self.ages = _aligned_full(n, 0, age_t)
        self.ages[:] = np.tile(np.arange(ways, dtype=age_t), banks * sets)
        self.tags = _aligned_full(n, -1, np.int64 if wide else np.int32)
        mask_t = mask_dtype(sectors)
        self.dirty = _aligned_full(n, 0, mask_t)
        self.valid = _aligned_full(n, 0, mask_t)

    @property
    def line_limit(self) -> np.uint64:
        """Lines at or above this do not fit the tags."""
        return np.uint64(1 << (8 * self.tags.dtype.itemsize - 2))  # as the kernels' tag_lines

    def widen(self) -> None:
        """Make the tags 64-bit (values kept)."""
        if self.tags.dtype != np.int64:
            wide = _aligned_full(self.tags.shape[0], -1, np.int64)
            wide[:] = self.tags
            self.tags = wide

    def fit(self, max_line: int) -> None:
        """Widen now if ``max_line`` would not fit (before threads share the state)."""
        if max_line >= int(self.line_limit):
            self.widen()


def mask_dtype(sectors: int) -> type:
    """The narrowest unsigned type holding a line's ``sectors`` valid (or dirty) bits.  The masks are a third of a
    sectored lookup's memory traffic, so their width matters once the state outgrows the core's caches: uint8
    instead of uint32 masks (four 32 B sectors) measured 1.1x (1.5 MB L2) to 1.3-1.6x (24 MB) faster on all-miss
    L2 streams of AlexNet's and ResNet-18's kernels, the same process alternating the two."""
    if not 1 <= sectors <= 32:
        raise ValueError(f"sectors per line must be 1-32, got {sectors}")
    return np.uint8 if sectors <= 8 else np.uint16 if sectors <= 16 else np.uint32


def new_state(banks: int, sets: int, ways: int, wide: bool = False, *, sectors: int) -> CacheState:
    """Empty cache state for ``banks`` caches of ``sets`` x ``ways`` (32-bit tags unless ``wide``; sector masks
    as narrow as ``sectors`` per line allows: required, since masks too narrow for the kernel's sectors would lose
    bits, and a wider type than the callers use compiles the kernels once more)."""
    return CacheState(banks, sets, ways, wide, sectors=sectors)


def out_capacity(n_access: int, line_shift: int, sector_shift: int) -> int:
    """Worst-case next-level requests for ``n_access`` accesses (a fill plus the victim's dirty sectors)."""
    return n_access * (1 + (1 << (line_shift - sector_shift))) + 2  # + 2: the predicated loop's spare stores
