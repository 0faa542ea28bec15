"""Numba kernels that turn one GPU kernel's geometry into its coalesced memory requests.

Only numpy, numba and math here. Every function works on whole kernels and
fills preallocated arrays; the Python driver in :mod:`traces.gpu_trace` only
decides which kernel comes next and when a chunk is full.

Request model (shared by every generator): a warp's access to a contiguous
byte range ``[start, end)`` becomes one request per *unit* (128 B line or
32 B sector) that the range overlaps, in ascending address order -- the
Pascal coalescer's behaviour for a warp whose active lanes read consecutive
elements.

Resumable fill: a kernel's requests are produced in (wave, step, CTA slot)
order. ``state`` (int64[3]) holds the next (wave, step, slot); a fill stops
as soon as the output holds at least ``stop_at`` requests, leaving ``state``
at the next step, so the caller can hand out a chunk and continue.
"""

from __future__ import annotations

import numpy as np
from numba import njit

# SGEMM parameter vector layout (int64): see ``sgemm_params`` in gpu_trace.py.
G_M, G_N, G_K, G_GROUPS, G_TM, G_TN, G_TK = 0, 1, 2, 3, 4, 5, 6
G_A, G_B, G_C = 7, 11, 15  # each operand: base_B, group_stride_B, size_B, itemsize_B
G_ACC, G_UNIT, G_NSMS, G_CPS = 19, 20, 21, 22
G_TA, G_TB = 23, 24  # operand stored transposed: A as K x M, B as N x K
G_LEN = 25


@njit(cache=True, inline="always")
def _emit(start, end, sh, is_w, sm, out_addr, out_w, out_sm, n):
    """Append the units (of ``1 << sh`` bytes) overlapping bytes [start, end); return the new fill level."""
    u = start >> sh
    last = (end - 1) >> sh
    k = np.uint64(n)  # unsigned: Numba tests a signed index for wrap-around at every store
    while u <= last:
        out_addr[k] = u << sh
        out_w[k] = is_w
        out_sm[k] = sm
        k += np.uint64(1)
        u += 1
    return np.int64(k)


@njit(cache=True, inline="always")
def _units(start, end, sh):
    return ((end - 1) >> sh) - (start >> sh) + 1


@njit(cache=True, no_cpython_wrapper=True)
def _log2(unit):
    sh = 0
    while (1 << sh) < unit:
        sh += 1
    return sh


@njit(cache=True, inline="always")
def _operand_range(p, op, g, off_B, len_B):
    """Absolute [start, end) of ``len_B`` bytes at ``off_B`` inside group ``g`` of operand ``op``.

    An operand smaller than the GEMM says wraps inside its own buffer rather than
    spilling into its neighbour's addresses.
    """
    base = p[op]
    size = p[op + 2]
    off = g * p[op + 1] + off_B
    if off + len_B > size:
        off = off % size
        if off + len_B > size:
            len_B = size - off
    return base + off, base + off + len_B


# _emit_rows and _emit_tile are called, not inlined at Numba IR level: sgemm_fill has five copies of _emit_rows,
# and inlining them made its compilation 1.4 s CPU longer (a fresh install's first sweep-l2) for the same
# requests at the same rate (VGG-16 inference b4, 130 M requests: 184-251 M/s either way, alternating runs).
# Helpers that only compiled code calls are compiled without a CPython wrapper (no_cpython_wrapper): it is never
# used and its compilation cost ~0.5 s of a fresh install's first trace (AlexNet inference b4, alternating runs).
# Their callers pass the operand index and the read/write flag as typed values (np.int64(G_A), np.bool_(False)), not
# bare constants: Numba types a constant argument as a literal and compiles the callee once per value (five
# compilations instead of two: 1.3 s more of the same first run).
@njit(cache=True, no_cpython_wrapper=True)
def _emit_rows(p, op, g, off_B, pitch_B, count, len_B, sh, is_w, sm, out_addr, out_w, out_sm, n):
    """``count`` segments of ``len_B`` bytes, ``pitch_B`` apart, from ``off_B`` in group ``g`` of operand ``op``.

    The common case (all rows inside the buffer) walks addresses by addition; a
    wrapping operand falls back to :func:`_operand_range` per row.
    """
    if count <= 0:
        return n
    if g * p[op + 1] + off_B + (count - 1) * pitch_B + len_B <= p[op + 2]:
        s = p[op] + g * p[op + 1] + off_B
        for _ in range(count):
            n = _emit(s, s + len_B, sh, is_w, sm, out_addr, out_w, out_sm, n)
            s += pitch_B
        return n
    for r in range(count):
        s, e = _operand_range(p, op, g, off_B + r * pitch_B, len_B)
        n = _emit(s, e, sh, is_w, sm, out_addr, out_w, out_sm, n)
    return n


@njit(cache=True, no_cpython_wrapper=True)
def _emit_tile(p, op, g, R, C, r0, c0, nr, nc, trans, isz, sh, sm, out_addr, out_w, out_sm, n):
    """Reads of the ``nr`` x ``nc`` tile at (``r0``, ``c0``) of operand ``op``, a logical ``R`` x ``C`` matrix of
    ``isz``-byte elements stored row-major, or transposed (``C`` x ``R``) when ``trans``: one segment per stored row.
    """
    if trans:
        return _emit_rows(p, op, g, (c0 * R + r0) * isz, R * isz, nc, nr * isz, sh, np.bool_(False), sm,
                          out_addr, out_w, out_sm, n)
    return _emit_rows(p, op, g, (r0 * C + c0) * isz, C * isz, nr, nc * isz, sh, np.bool_(False), sm,
                      out_addr, out_w, out_sm, n)


@njit(cache=True, inline="always")
def _next_slot(wave, step, slot, n_ctas, wave_size, n_steps):
    """``(cta, step, slot)`` at schedule position (wave, step, slot) -- ``cta = -1`` once every wave is done --
    followed by the next position.

    CTAs run in waves of ``wave_size``; within a wave, all its CTAs take step 0 in round-robin order (CTA slot
    ``j`` on SM ``j % n_sms``), then step 1, ... up to ``n_steps - 1``. Fills keep the position in locals and
    store it in their ``state`` when they stop, to resume there on the next call.
    """
    lo = wave * wave_size
    if lo >= n_ctas:
        return -1, 0, 0, wave, step, slot
    nxt_wave, nxt_step, nxt_slot = wave, step, slot + 1
    if nxt_slot >= min(n_ctas, lo + wave_size) - lo:
        nxt_slot = 0
        nxt_step += 1
        if nxt_step >= n_steps:
            nxt_step = 0
            nxt_wave += 1
    return lo + slot, step, slot, nxt_wave, nxt_step, nxt_slot


@njit(cache=True, nogil=True)
def sgemm_fill(p, state, out_addr, out_w, out_sm, n, stop_at):
    """Requests of a tiled SGEMM ``C[M,N] (+)= A[M,K] @ B[K,N]`` (row-major, ``groups`` times).

    Each CTA owns a TM x TN output tile. Step s < nk loads the k-step s slice
    of its A tile (TM rows x TK columns, one warp request per row segment) and
    of its B tile (TK rows x TN columns) -- one segment per *stored* row, so a
    transposed operand (``G_TA``/``G_TB``) gives TK segments of TM elements for
    A, TN segments of TK elements for B; the last step stores the C tile
    (reading it first when accumulating). CTAs of a wave advance step by step
    in round-robin order; CTA slot j of a wave runs on SM ``j % n_sms``.
    """
    M, N, K, groups = p[G_M], p[G_N], p[G_K], p[G_GROUPS]
    TM, TN, TK = p[G_TM], p[G_TN], p[G_TK]
    sh, n_sms = _log2(p[G_UNIT]), p[G_NSMS]
    isa, isb, isc = p[G_A + 3], p[G_B + 3], p[G_C + 3]
    acc = p[G_ACC]
    ta, tb = p[G_TA], p[G_TB]
    n_tm = (M + TM - 1) // TM
    n_tn = (N + TN - 1) // TN
    n_ctas = groups * n_tm * n_tn
    wave_size = n_sms * p[G_CPS]
    nk = (K + TK - 1) // TK
    pw, ps, pl = state[0], state[1], state[2]  # the schedule position: wave, step, slot
    while n < stop_at:
        cta, step, slot, pw, ps, pl = _next_slot(pw, ps, pl, n_ctas, wave_size, nk + 1)
        if cta < 0:
            break
        sm = slot % n_sms
        g = cta // (n_tm * n_tn)
        r = cta % (n_tm * n_tn)
        m0 = (r // n_tn) * TM
        n0 = (r % n_tn) * TN
        rows = min(TM, M - m0)
        cols = min(TN, N - n0)
        if step < nk:
            k0 = step * TK
            kk = min(TK, K - k0)
            n = _emit_tile(p, np.int64(G_A), g, M, K, m0, k0, rows, kk, ta, isa, sh, sm, out_addr, out_w, out_sm, n)
            n = _emit_tile(p, np.int64(G_B), g, K, N, k0, n0, kk, cols, tb, isb, sh, sm, out_addr, out_w, out_sm, n)
        elif acc:
            for i in range(rows):
                s, e = _operand_range(p, G_C, g, ((m0 + i) * N + n0) * isc, cols * isc)
                n = _emit(s, e, sh, False, sm, out_addr, out_w, out_sm, n)
                n = _emit(s, e, sh, True, sm, out_addr, out_w, out_sm, n)
        else:
            n = _emit_rows(p, np.int64(G_C), g, (m0 * N + n0) * isc, N * isc, rows, cols * isc, sh,
                           np.bool_(True), sm, out_addr, out_w, out_sm, n)
    state[0], state[1], state[2] = pw, ps, pl
    return n


@njit(cache=True, no_cpython_wrapper=True)
def _count_rows(p, op, g, off_B, pitch_B, count, len_B, sh):
    """Units :func:`_emit_rows` emits for the same segments, without emitting them."""
    c = 0
    for r in range(count):
        s, e = _operand_range(p, op, g, off_B + r * pitch_B, len_B)
        c += _units(s, e, sh)
    return c


@njit(cache=True, nogil=True)
def sgemm_count(p):
    """Exact (reads, writes) of :func:`sgemm_fill` without generating them.

    Every CTA in a tile row loads the same A segments and every CTA in a tile
    column the same B segments, so the sums run over segments, not CTAs.  Each
    sum is one call of :func:`_count_rows` over a column of equally spaced
    segments (one compiled helper, not five inlined loops: its compilation
    1.8-2.0 s -> 1.3-1.5 s of a fresh install's first run).
    """
    M, N, K, groups = p[G_M], p[G_N], p[G_K], p[G_GROUPS]
    TM, TN, TK = p[G_TM], p[G_TN], p[G_TK]
    sh = _log2(p[G_UNIT])
    isa, isb, isc = p[G_A + 3], p[G_B + 3], p[G_C + 3]
    op_a, op_b, op_c = np.int64(G_A), np.int64(G_B), np.int64(G_C)
    n_tm = (M + TM - 1) // TM
    n_tn = (N + TN - 1) // TN
    nk = (K + TK - 1) // TK
    reads = 0
    writes = 0
    ta, tb = p[G_TA], p[G_TB]
    for g in range(groups):
        a = 0  # the A segments one tile column loads: per M-tile, K stored rows (transposed), or per k-step M rows
        if ta:
            for tm in range(n_tm):
                m0 = tm * TM
                a += _count_rows(p, op_a, g, m0 * isa, M * isa, K, min(TM, M - m0) * isa, sh)
        else:
            for ks in range(nk):
                k0 = ks * TK
                a += _count_rows(p, op_a, g, k0 * isa, K * isa, M, min(TK, K - k0) * isa, sh)
        b = 0
        c = 0
        if tb:
            for ks in range(nk):
                k0 = ks * TK
                b += _count_rows(p, op_b, g, k0 * isb, K * isb, N, min(TK, K - k0) * isb, sh)
        for tn in range(n_tn):
            n0 = tn * TN
            cols = min(TN, N - n0)
            if not tb:
                b += _count_rows(p, op_b, g, n0 * isb, N * isb, K, cols * isb, sh)
            c += _count_rows(p, op_c, g, n0 * isc, N * isc, M, cols * isc, sh)
        reads += a * n_tn + b * n_tm
        writes += c
    if p[G_ACC]:
        reads += writes
    return reads, writes


@njit(cache=True, nogil=True)
def elementwise_fill(T, bases, sizes, elems, isz, is_w, unit, n_sms, cps, state, out_addr, out_w, out_sm, n, stop_at):
    """Requests of a one-thread-per-element kernel of ``T`` threads (256-thread CTAs, 8 warps).

    Warp ``w`` covers the fraction [32w/T, 32(w+1)/T) of every tensor it
    touches (reads first, then writes, in the op's order): 32 consecutive
    elements of a tensor of ``T`` elements, ``32 E / T`` of a larger input
    (a pooling window, col2im's taps), and at least the element under its
    position of a smaller one (a bias vector, re-read by every warp). Each
    CTA step is one warp; CTAs of a wave advance warp by warp in round-robin
    order.
    """
    W = (T + 31) // 32
    n_ctas = (W + 7) // 8
    wave_size = n_sms * cps
    nt = len(bases)
    sh = _log2(unit)
    pw, ps, pl = state[0], state[1], state[2]  # the schedule position: wave, step, slot
    while n < stop_at:
        cta, step, slot, pw, ps, pl = _next_slot(pw, ps, pl, n_ctas, wave_size, 8)
        if cta < 0:
            break
        w = cta * 8 + step
        if w < W:
            sm = slot % n_sms
            t1 = min((w + 1) * 32, T)
            for j in range(nt):
                if elems[j] == T:  # the common case, and free of 64-bit overflow
                    e0 = w * 32
                    e1 = t1
                else:
                    e0 = (w * 32 * elems[j]) // T
                    e1 = (t1 * elems[j]) // T
                if e1 <= e0:
                    e1 = e0 + 1
                s = bases[j] + e0 * isz[j]
                e = min(bases[j] + e1 * isz[j], bases[j] + sizes[j])
                n = _emit(s, e, sh, is_w[j], sm, out_addr, out_w, out_sm, n)
    state[0], state[1], state[2] = pw, ps, pl
    return n


@njit(cache=True, nogil=True)
def elementwise_count(T, bases, sizes, elems, isz, is_w, unit):
    """Exact (reads, writes) of :func:`elementwise_fill` without generating them.

    Walks the warps in index order, keeping ``32 w E // T`` as a quotient and
    remainder updated by addition (no division per warp).
    """
    W = (T + 31) // 32
    sh = _log2(unit)
    reads = 0
    writes = 0
    for j in range(len(bases)):
        E = elems[j]
        step_q = (32 * E) // T
        step_r = (32 * E) % T
        q = 0  # == (w * 32 * E) // T
        r = 0
        base = bases[j]
        end_cap = base + sizes[j]
        sz = isz[j]
        c = 0
        if E == T:
            # Warp w covers bytes [32 w sz, 32 (w+1) sz): the unit pattern repeats every
            # P = unit / gcd(unit, 32 sz) warps, so count one period and multiply.
            span = 32 * sz
            g = unit
            b = span
            while b:
                g, b = b, g % b
            P = unit // g
            full = T // 32
            per = 0
            for w in range(min(P, full)):
                per += _units(base + w * span, base + (w + 1) * span, sh)
            c = (full // P) * per
            for w in range((full // P) * P, full):
                c += _units(base + w * span, base + (w + 1) * span, sh)
            if T % 32:
                c += _units(base + full * span, end_cap, sh)
            if is_w[j]:
                writes += c
            else:
                reads += c
            continue
        for w in range(W):
            q1 = q + step_q
            r1 = r + step_r
            if r1 >= T:
                r1 -= T
                q1 += 1
            e0 = q
            if w == W - 1:
                e1 = E  # t1 == T on the last warp
            else:
                e1 = q1
            if e1 <= e0:
                e1 = e0 + 1
            s = base + e0 * sz
            e = min(base + e1 * sz, end_cap)
            c += _units(s, e, sh)
            q = q1
            r = r1
        if is_w[j]:
            writes += c
        else:
            reads += c
    return reads, writes


GATHER_DENSE, GATHER_ROW, GATHER_TABLE = 0, 1, 2
"""How a gather kernel's buffer is indexed by thread t = r * D + c: element t, element r (the row's id),
or element ids[r] * D + c of a (rows, D) table."""


@njit(cache=True, inline="always")
def _gather_warp(w, T, D, ids, bases, sizes, isz, is_w, mode, sh, sm, out_addr, out_w, out_sm, n, emit):
    """Requests (``emit``) or their number (not ``emit``) of warp ``w`` of a gather/scatter kernel."""
    t0 = w * 32
    t1 = min(t0 + 32, T)
    r0 = t0 // D
    r1 = (t1 - 1) // D
    c = 0
    for j in range(len(bases)):
        sz = isz[j]
        cap = bases[j] + sizes[j]
        if mode[j] == GATHER_TABLE:
            for r in range(r0, r1 + 1):
                lo = max(t0, r * D) - r * D
                hi = min(t1, (r + 1) * D) - r * D
                s = bases[j] + (ids[r] * D + lo) * sz
                e = min(bases[j] + (ids[r] * D + hi) * sz, cap)
                if emit:
                    n = _emit(s, e, sh, is_w[j], sm, out_addr, out_w, out_sm, n)
                else:
                    c += _units(s, e, sh)
            continue
        if mode[j] == GATHER_ROW:
            s = bases[j] + r0 * sz
            e = min(bases[j] + (r1 + 1) * sz, cap)
        else:
            s = bases[j] + t0 * sz
            e = min(bases[j] + t1 * sz, cap)
        if emit:
            n = _emit(s, e, sh, is_w[j], sm, out_addr, out_w, out_sm, n)
        else:
            c += _units(s, e, sh)
    return n if emit else c


@njit(cache=True, nogil=True)
def gather_fill(T, D, ids, bases, sizes, isz, is_w, mode, unit, n_sms, cps, state, out_addr, out_w, out_sm, n,
                stop_at):
    """Requests of a row gather (embedding lookup) or scatter (its gradient): one thread per row element.

    ``T = len(ids) * D`` threads in 256-thread CTAs; thread ``t`` handles
    element ``t % D`` of lookup ``t // D``. Per warp, each buffer in order:
    a dense buffer (the gathered output or the incoming gradient) gives its
    32 consecutive elements, the id buffer the ids of the rows the warp
    spans, and the table the row segments ``ids[r] * D + [c0, c1)`` -- so
    only looked-up rows are touched. Scheduling is that of
    :func:`elementwise_fill` (waves of CTAs advancing warp by warp).
    """
    W = (T + 31) // 32
    n_ctas = (W + 7) // 8
    wave_size = n_sms * cps
    sh = _log2(unit)
    pw, ps, pl = state[0], state[1], state[2]  # the schedule position: wave, step, slot
    while n < stop_at:
        cta, step, slot, pw, ps, pl = _next_slot(pw, ps, pl, n_ctas, wave_size, 8)
        if cta < 0:
            break
        w = cta * 8 + step
        if w < W:
            n = _gather_warp(w, T, D, ids, bases, sizes, isz, is_w, mode, sh, slot % n_sms, out_addr,
                             out_w, out_sm, n, True)
    state[0], state[1], state[2] = pw, ps, pl
    return n


@njit(cache=True, nogil=True)
def gather_count(T, D, ids, bases, sizes, isz, is_w, mode, unit):
    """Exact (reads, writes) of :func:`gather_fill` without generating them (a walk over the warps)."""
    sh = _log2(unit)
    dummy_a = np.empty(0, np.uint64)
    dummy_w = np.empty(0, np.bool_)
    dummy_s = np.empty(0, np.int32)
    reads = 0
    writes = 0
    for j in range(len(bases)):
        c = 0
        for w in range((T + 31) // 32):
            c += _gather_warp(w, T, D, ids, bases[j:j + 1], sizes[j:j + 1], isz[j:j + 1], is_w[j:j + 1],
                              mode[j:j + 1], sh, 0, dummy_a, dummy_w, dummy_s, 0, False)
        if is_w[j]:
            writes += c
        else:
            reads += c
    return reads, writes


def empty_state() -> np.ndarray:
    return np.zeros(3, dtype=np.int64)
