"""Numba core of the timed engine: each request's trip SM -> interconnect -> L2 slice -> DRAM -> back, by
"next-free-time" arithmetic on calendars instead of one event per request.

A **calendar** is a ring bitmap per resource (an SM's memory port, an L2 slice's access port, a DRAM channel's
data bus): bit ``s`` set = slot ``s`` taken.  :func:`cal_take` books the earliest free slot at or after a time,
so requests may be booked out of time order (a store booked after later loads of other warps still gets the
earlier free slot): the order the stream is processed in does not queue a request behind later ones, which a
single busy-until time would.  The ring keeps :data:`WINDOW_WORDS` x 64 slots; a booking earlier than the
window (rare: the stream is processed roughly in time order) is moved to the window's start.

Dependencies (when the trace's kernel table is known, ``KI_TABLE``): requests arrive as runs of one SM, each run
one step of one CTA (an SGEMM k-step, an element-wise warp: :mod:`traces.gpu_trace`); the run's CTA slot is
recovered from the SM sequence (slot ``j`` runs on SM ``j % n_sms``).  Within a run requests issue in order
(a warp issues in program order), a store waits for the run's earlier loads (its data), a synchronising kernel's
step waits for the previous step of its CTA (``__syncthreads``), and a CTA starts when its context on the SM is
free (the previous CTA there ended).  Without the table every request is ready at the kernel's start.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from simulator.gpu.kernels.simd import cttz64  # Numba's disk cache keys on this file: edit it if cttz64 changes

WINDOW_WORDS = 4096
"""Calendar words per resource: 262144 slots (core cycles, or DRAM bursts) tracked at once."""

# kernel info (int64 array ``ki``)
KI_TABLE, KI_CTAS, KI_PER_SM, KI_STEPS, KI_SYNC, KI_NSMS, KI_CONTEXTS = range(7)
N_KI = 7
# latencies (float64 array ``lat``), core cycles
(LT_TO_L2, LT_FROM_L2, LT_L1, LT_RD, LT_WR, LT_DRAM, LT_BURST, LT_CL) = range(8)
N_LAT = 8
# running scalars (int64 array ``ks``)
(KS_T0, KS_END, KS_SM, KS_SLOT, KS_WAVE, KS_READY, KS_UEND, KS_STARTED) = range(8)
N_KS = 8
LANES = 8
"""Warps a run's requests are dealt to (a CTA of 256 threads): each issues in order, independently."""

_ALL = np.uint64(0xFFFFFFFFFFFFFFFF)
PEND_BITS = 18
"""Pending-fill table: 2**18 entries, direct-mapped on the sector, each ``(sector, fill time)`` side by side (one
cache line per lookup: two separate arrays of 2 MB cost a second miss, 6 % of the kernel's time)."""


@njit(cache=True, nogil=True, inline="always")
def cal_take(cal, base, r, t):
    """Book and return the earliest free slot ``>= t`` of resource ``r`` (``cal[r]`` a ring of a power-of-two
    number of words, from slot ``base[r]`` on)."""
    nw = cal.shape[1]  # a power of two
    wmask = nw - 1
    span = nw * 64
    b = base[r]
    if t < b:
        t = b
    if t >= b + 2 * span:  # far ahead: the whole window is past
        cal[r, :] = 0
        b = ((t >> 6) << 6) - span + 64
        base[r] = b
    while True:
        while t >= b + span:  # retire the oldest word
            cal[r, (b >> 6) & wmask] = 0
            b += 64
            base[r] = b
        wi = (t >> 6) & wmask
        off = np.uint64(t & 63)
        bits = cal[r, wi] | ((np.uint64(1) << off) - np.uint64(1))
        if bits != _ALL:
            bit = np.int64(cttz64(~bits))
            cal[r, wi] |= np.uint64(1) << np.uint64(bit)
            return ((t >> 6) << 6) + bit
        t = ((t >> 6) + 1) << 6


@njit(cache=True, nogil=True)
def new_unit(ki, ks, sm, slot_units, slot_ready, ctx_free, slot_ctx, lmax, prev):
    """Start a run (one CTA step) on SM ``sm``: find its CTA slot and its ready time; set the unit scalars."""
    t0 = ks[KS_T0]
    if ki[KI_TABLE] == 0:
        ks[KS_READY] = t0
    else:
        n = ki[KI_NSMS]
        w_full = ki[KI_PER_SM] * n
        v = ks[KS_WAVE]
        w_cur = min(w_full, ki[KI_CTAS] - v * w_full)
        if w_cur < 1:
            w_cur = w_full
        j0 = ks[KS_SLOT]
        j = j0 + 1 + ((sm - (j0 + 1)) % n)
        if j >= w_cur:
            j = sm % w_full
        if slot_units[j] >= ki[KI_STEPS] or slot_units[j] == 0:  # a new CTA on this slot's context
            if slot_units[j] >= ki[KI_STEPS] and j == 0:
                ks[KS_WAVE] = v + 1
            slot_units[j] = 0
            c = slot_ctx[j]
            start = ctx_free[c]
            first = t0 + j // n  # the CTA issuer places at most one CTA per SM per cycle
            if start < first:
                start = first
            slot_ready[j] = start
        slot_units[j] += 1
        ks[KS_SLOT] = j
        ks[KS_READY] = slot_ready[j]
    lmax[:] = ks[KS_READY]
    prev[:] = ks[KS_READY]
    ks[KS_UEND] = ks[KS_READY]


@njit(cache=True, nogil=True)
def end_unit(ki, ks, slot_ready, ctx_free, slot_ctx):
    """Close the current run: a synchronising CTA's next step waits for it; its context is busy until it ends."""
    if ki[KI_TABLE] == 0:
        return
    j = ks[KS_SLOT]
    u = ks[KS_UEND]
    if ki[KI_SYNC] != 0 and u > slot_ready[j]:
        slot_ready[j] = u
    c = slot_ctx[j]
    if u + 1 > ctx_free[c]:
        ctx_free[c] = u + 1


@njit(cache=True, nogil=True)
def run_requests(order, sm, is_w, lane, slice_, chan, sector, to_l2, n_rd, n_wb, ki, lat, ks,
                 port_cal, port_base, eject_cal, eject_base, slice_cal, slice_base, out_cal, out_base,
                 chan_cal, chan_base,
                 pend,
                 slot_units, slot_ready, ctx_free, slot_ctx, lmax, prev):
    """Time a run of one kernel's requests, continuing the state of earlier runs.

    The arrays are in trace order; ``order`` is the order the requests reach their SMs' memory ports
    (:func:`issue_order`).  ``lane`` is each request's warp within its run (0 .. LANES-1): a warp issues in order,
    and its store waits for its earlier loads."""
    to_l2_lat = np.int64(lat[LT_TO_L2])
    from_l2 = np.int64(lat[LT_FROM_L2])
    rd, wr = np.int64(lat[LT_RD]), np.int64(lat[LT_WR])
    dram_lat = np.int64(lat[LT_DRAM])
    burst = lat[LT_BURST]
    cl = np.int64(lat[LT_CL])
    l1 = np.int64(lat[LT_L1])
    table = ki[KI_TABLE] != 0
    pmask = (1 << PEND_BITS) - 1
    for j in range(order.shape[0]):
        i = order[j]
        s = np.int64(sm[i])
        if ks[KS_STARTED] == 0 or s != ks[KS_SM]:
            if ks[KS_STARTED] != 0:
                end_unit(ki, ks, slot_ready, ctx_free, slot_ctx)
            ks[KS_STARTED] = 1
            ks[KS_SM] = s
            new_unit(ki, ks, max(s, np.int64(0)), slot_units, slot_ready, ctx_free, slot_ctx, lmax, prev)
        w = is_w[i]
        ln = np.int64(lane[i])
        if table:
            r = lmax[ln] if w else ks[KS_READY]
            if prev[ln] > r:
                r = prev[ln]
        else:
            r = ks[KS_T0]
        tp = cal_take(port_cal, port_base, s, r) if s >= 0 else r
        prev[ln] = tp
        if not to_l2[i]:
            done = tp + l1
        else:
            sl = np.int64(slice_[i])
            k = wr if w else rd
            ts = cal_take(slice_cal, slice_base, sl, tp + to_l2_lat)
            for e in range(1, k):
                cal_take(slice_cal, slice_base, sl, ts + e)
            t_l2 = ts + k
            c = np.int64(chan[i])
            for _ in range(n_wb[i]):  # write-backs (and forwarded writes) take the bus; nobody waits for them
                cal_take(chan_cal, chan_base, c, np.int64(np.ceil((t_l2 + dram_lat) / burst)))
            key = np.int64(sector[i])
            h = ((key * np.int64(0x9E3779B1)) >> np.int64(7)) & pmask
            if w:
                tr = t_l2
            elif n_rd[i] > 0:  # the DRAM latency queue, then a slot of the channel's data bus per read, then CL
                slot = np.int64(0)
                for _ in range(n_rd[i]):
                    slot = cal_take(chan_cal, chan_base, c, np.int64(np.ceil((t_l2 + 1 + dram_lat) / burst)))
                tbus = np.int64(np.ceil(slot * burst))
                tfill = tbus + np.int64(np.ceil(burst)) + cl + 1
                pend[h, 0] = key
                pend[h, 1] = tfill
                tr = tfill
            else:
                tr = t_l2
                if pend[h, 0] == key and pend[h, 1] > tr:  # the sector's fill is still on its way
                    tr = pend[h, 1]
            # the slice pushes one reply per cycle into the interconnect (gpu-sim.cc: one top() per sub-partition)
            done = cal_take(out_cal, out_base, sl, tr) + from_l2
            if s >= 0:  # the reply leaves the interconnect into its SM one packet per cycle
                done = cal_take(eject_cal, eject_base, s, done)
        if not w and done > lmax[ln]:
            lmax[ln] = done
        if done > ks[KS_UEND]:
            ks[KS_UEND] = done
        if done > ks[KS_END]:
            ks[KS_END] = done


@njit(cache=True, nogil=True)
def issue_order(sm, lane, n_sched):
    """The order a segment's requests reach their SMs' memory ports (indices into the trace order).

    A run of one SM's requests is one CTA step, dealt to warps ``lane`` in contiguous blocks.  Warp ``w`` belongs
    to scheduler ``w % n_sched`` (GPGPU-Sim's sub-core model); each scheduler issues greedily from its oldest warp
    that can issue (GTO), and the schedulers take turns at the one memory port: so a run's first ``n_sched`` warps
    interleave request by request, then the next ``n_sched``."""
    n = sm.shape[0]
    out = np.empty(n, np.int64)
    k = 0
    a = 0
    starts = np.empty(LANES + 1, np.int64)
    ptr = np.empty(LANES, np.int64)
    while a < n:
        b = a + 1
        while b < n and sm[b] == sm[a]:
            b += 1
        # block boundaries of each lane in [a, b)
        for ln in range(LANES + 1):
            starts[ln] = b
        for i in range(b - 1, a - 1, -1):
            starts[lane[i]] = i
        for ln in range(LANES - 1, -1, -1):
            if starts[ln] > starts[ln + 1]:
                starts[ln] = starts[ln + 1]
        for ln in range(LANES):
            ptr[ln] = starts[ln]
        g0 = 0
        while g0 < LANES:
            g1 = min(g0 + max(n_sched, 1), LANES)
            left = True
            while left:
                left = False
                for ln in range(g0, g1):
                    if ptr[ln] < starts[ln + 1]:
                        out[k] = ptr[ln]
                        k += 1
                        ptr[ln] += 1
                        left = True
            g0 = g1
        a = b
    return out
