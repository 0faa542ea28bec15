"""NVSim's gate-level formulas as Numba scalar kernels: layout, drain capacitance, Horowitz delay, output drivers.

The stock model evaluates tens of thousands of distinct decoders per search; these kernels do one gate or driver
per call, in a loop over arrays (:func:`drivers`), and hand back each driver's stage time constants so that its
delay for any input ramp is a short chain of Horowitz terms (:func:`chain_delay`).  The formulas are NVSim's
(formula.cpp CalculateGateArea / CalculateGateCapacitance / horowitz, OutputDriver.cpp), the same as
:mod:`models.circuit.nvsim_periphery`'s numpy versions, which the tests hold them to.

``tc`` packs one technology's constants (:func:`tech_consts`): feature size, Vdd, P/N ratio, gate capacitance per
metre, on-resistance x width, off-current per metre, the Horowitz ``beta`` of an inverter stage (``1 / (R gm)``; 0
where NVSim has no transconductance table, which makes every stage its step-input limit), and the junction
capacitances.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
from numba import njit

from models.circuit.nvsim_periphery import (
    CAP_REGION_F,
    CONTACT_F,
    FOLD_OVERHEAD_F,
    GAP_PN_F,
    GAP_POLY_F,
    LOGIC_REGION_F,
    MIN_NMOS_F,
    RAIL_F,
    _junction_caps,
    transconductance_per_m,
)
from models.technology import TechNode

MAX_STAGES = 21  # room for NVSim's longest chain (MAX_INV_CHAIN_LEN 20, plus the balanced style's last stage)
MAX_CHAIN = 20  # NVSim's MAX_INV_CHAIN_LEN
LN_HALF_SQ = math.log(0.5) ** 2
TC_F, TC_VDD, TC_PN, TC_CG, TC_R0, TC_IOFF, TC_BETA, TC_CJ, TC_CSW, TC_CDC = range(10)


@lru_cache(maxsize=32)
def tech_consts(tech: TechNode) -> np.ndarray:
    """The technology constants the kernels use (see the module docstring); one read-only array per node."""
    gm_n, _ = transconductance_per_m(tech)
    r0 = tech.r_on(1.0)
    cj, csw, cdc = _junction_caps(tech)
    beta = 1.0 / (r0 * gm_n) if gm_n > 0 else 0.0
    tc = np.array([tech.F_m, tech.vdd_V, tech.pn_ratio, tech.c_gate(1.0), r0, tech.i_off(1.0), beta, cj, csw, cdc])
    tc.flags.writeable = False
    return tc


@njit(cache=True)
def horowitz(tau, beta, ramp):
    """NVSim's horowitz(): delay and output ramp of a stage of time constant ``tau`` for input ``ramp`` (inf: a
    step)."""
    alpha = 0.0 if ramp == np.inf else 1.0 / (ramp * tau)
    t = tau * math.sqrt(LN_HALF_SQ + alpha * beta)
    return t, 0.5 / t


@njit(cache=True)
def _region(w, w_max, F):
    if w <= 0.0:
        return 0.0, 0.0
    if w < w_max:
        return F, w
    n = math.ceil(w / (w_max - FOLD_OVERHEAD_F * F))
    return n * F + (n - 1.0) * F * GAP_POLY_F, w_max


@njit(cache=True)
def _pn_heights(wn, wp, h_region, F):
    """(P, N) heights a gate's region gives its pull-up and pull-down devices, in proportion to their widths, less
    the P-N gap (formula.cpp); a lone device takes the whole region."""
    if wn > 0.0 and wp > 0.0:
        ratio = wp / (wn + wp)
        return ratio * (h_region - GAP_PN_F * F), (1.0 - ratio) * (h_region - GAP_PN_F * F)
    if wn > 0.0:
        return 0.0, h_region
    return h_region, 0.0


@njit(cache=True)
def gate_area(nand, n_in, wn, wp, h_region, F):
    """(height, width) of an INV (``nand`` False) or NAND of ``n_in`` inputs, or a lone device (formula.cpp)."""
    max_p, max_n = _pn_heights(wn, wp, h_region, F)
    unit_p, h_p = _region(wp, max_p, F)
    unit_n, h_n = _region(wn, max_n, F)
    c = CONTACT_F * F
    if nand:
        w_n = 2.0 * c + unit_n * n_in + (n_in - 1) * F * GAP_POLY_F
        w_p = 2.0 * c + unit_p * n_in + (n_in - 1) * c
    else:
        w_n = 2.0 * c + unit_n
        w_p = 2.0 * c + unit_p
    height = h_n + h_p
    if wn > 0.0 and wp > 0.0:
        height += GAP_PN_F * F + 2.0 * RAIL_F * F
    return height, max(w_n, w_p)


@njit(cache=True)
def _drain_one(w, w_max, series, parallel, n_in, tc):
    if w <= 0.0:
        return 0.0
    F = tc[TC_F]
    if w < w_max:
        n_fold = 1.0
        unit = 0.0
        h = w
    else:
        n_fold = math.ceil(w / (w_max - FOLD_OVERHEAD_F * F))
        unit = (n_fold - 1.0) * F * GAP_POLY_F
        h = w_max
    contact = CONTACT_F * F
    if series:
        wd = contact + unit * n_in + (n_in - 1) * F * GAP_POLY_F
    elif parallel:
        wd = (contact + unit) * n_in
    else:
        wd = contact + unit
    if n_fold % 2 == 0:
        side = 2.0 * wd * tc[TC_CSW]
    else:
        side = (2.0 * wd + h) * tc[TC_CSW]
    return wd * h * tc[TC_CJ] + side + n_fold * h * tc[TC_CDC]


@njit(cache=True)
def drain_cap(nand, n_in, wn, wp, h_region, tc):
    """Output capacitance of an INV / NAND (formula.cpp CalculateGateCapacitance)."""
    F = tc[TC_F]
    max_p, max_n = _pn_heights(wn, wp, h_region, F)
    return (_drain_one(wn, max_n, nand, False, n_in, tc) + _drain_one(wp, max_p, False, nand, n_in, tc))


@njit(cache=True)
def driver(le, c_in, c_load, r_load, style, max_nmos, tc, taus):
    """NVSim's OutputDriver (``style`` 0 latency-first, 1 balanced; inverting): sizes its stages and returns
    (stages, height, width, energy, leakage, first stage's input and output capacitance); ``taus[:stages]`` get the
    stages' time constants, first to last."""
    F = tc[TC_F]
    pn = tc[TC_PN]
    cg = tc[TC_CG]
    wmin = MIN_NMOS_F * F
    if style == 0:
        f_path = max(1.0, le * c_load / c_in)
        n = max(0, int(math.log(f_path) / math.log(4.0) + 0.5) - 1)
        if n % 2 == 0:
            n += 1
        if n > MAX_CHAIN:
            n = MAX_CHAIN
        f = f_path ** (1.0 / (n + 1))
        w_last = max(wmin, c_load / f / cg / (1.0 + pn))
        if w_last > max_nmos:
            w_last = max_nmos
            f = (le * cg * (1.0 + pn) * max_nmos / c_in) ** (1.0 / n)
    else:
        f_path = max(1.0, le * cg * wmin * (1.0 + pn) / c_in)
        n = max(0, int(math.log(f_path) / math.log(4.0) + 0.5) - 1)
        if n % 2 == 1:
            n += 1
        if n > MAX_CHAIN:
            n = MAX_CHAIN
        f = f_path ** (1.0 / (n + 1))
        n += 1
        w_last = wmin
    h = 0.0
    w = 0.0
    e = 0.0
    leak = 0.0
    c_in0 = 0.0
    c_out0 = 0.0
    vdd = tc[TC_VDD]
    for i in range(n):  # first stage (i = 0) to last
        k = n - 1 - i
        wn = max(wmin, w_last / f ** k)
        wp = pn * wn
        hk, wk = gate_area(False, 1, wn, wp, LOGIC_REGION_F * F, F)
        h = max(h, hk)
        w += wk
        c_out = drain_cap(False, 1, wn, wp, CAP_REGION_F * F, tc)
        if k == 0:
            load = c_load
            tau = tc[TC_R0] / wn * (c_out + load) + c_load * r_load / 2.0
        else:
            wn_next = max(wmin, w_last / f ** (k - 1))
            load = cg * wn_next * (1.0 + pn)
            tau = tc[TC_R0] / wn * (c_out + load)
        taus[i] = tau
        e += (c_out + load) * vdd * vdd
        leak += max(wn, wp) * tc[TC_IOFF] * vdd
        if i == 0:
            c_in0 = cg * wn * (1.0 + pn)
            c_out0 = c_out
    return n, h, w, e, leak, c_in0, c_out0


@njit(cache=True)
def drivers(le, c_in, c_load, r_load, style, max_nmos, tc):
    """:func:`driver` over arrays: (values [N, 7], stage time constants [N, MAX_STAGES])."""
    n = c_load.shape[0]
    out = np.zeros((n, 7))
    taus = np.zeros((n, MAX_STAGES))
    for j in range(n):
        n_st, h, w, e, leak, c_in0, c_out0 = driver(le[j], c_in[j], c_load[j], r_load[j], style[j], max_nmos, tc,
                                                    taus[j])
        out[j, 0] = n_st
        out[j, 1] = h
        out[j, 2] = w
        out[j, 3] = e
        out[j, 4] = leak
        out[j, 5] = c_in0
        out[j, 6] = c_out0
    return out, taus


@njit(cache=True)
def chain_delay(taus, stages, first_tau, first_beta, beta, ramp_in, index):
    """Delay and output ramp of decoders ``index`` (rows of ``taus``) from their input ramps: an optional first gate
    (``first_tau`` > 0, e.g. a NAND, its own ``first_beta``) then ``stages`` inverter stages of time constants
    ``taus`` (Horowitz with ramps handed on)."""
    n = index.shape[0]
    t = np.zeros(n)
    ramp = np.zeros(n)
    for j in range(n):
        q = index[j]
        r = ramp_in[j]
        total = 0.0
        if first_tau[q] > 0.0:
            d, r = horowitz(first_tau[q], first_beta, r)
            total += d
        for i in range(stages[q]):
            d, r = horowitz(taus[q, i], beta, r)
            total += d
        t[j] = total
        ramp[j] = r
    return t, ramp


@njit(cache=True)
def assemble_mats(geo, sub, g_idx, s_idx, l_active_subs, l_subs):
    """Each mat's metrics (height, width, read and write latency, read and write energy, leakage, cells' write
    energy) from its (subarray, mat shape) row of ``geo`` (height, width, read and write latency, predecoder energy
    and leakage) and its subarray's row of ``sub`` (read, write energy, leakage, cells' write energy), with
    ``2^l_active_subs`` active and ``2^l_subs`` subarrays."""
    n = g_idx.shape[0]
    out = np.empty((n, 8))
    for i in range(n):
        g = g_idx[i]
        s = s_idx[i]
        act = 2.0 ** l_active_subs[i]
        out[i, 0] = geo[g, 0]
        out[i, 1] = geo[g, 1]
        out[i, 2] = geo[g, 2]
        out[i, 3] = geo[g, 3]
        out[i, 4] = geo[g, 4] + sub[s, 0] * act
        out[i, 5] = geo[g, 4] + sub[s, 1] * act
        out[i, 6] = geo[g, 5] + sub[s, 2] * 2.0 ** l_subs[i]
        out[i, 7] = sub[s, 3] * act
    return out


@njit(cache=True)
def group_ids(keys):
    """Distinct values of ``keys`` (int64): (index of each value's first occurrence, in order of first occurrence;
    each element's group).  Keys spanning a range at most a few times their number index a table directly (one
    memory access each, 2-4x faster than hashing the 10^5-10^6 keys of a search's mat tables); others go through
    an open-addressing hash."""
    n = keys.shape[0]
    if n == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    lo = keys.min()
    span = keys.max() - lo
    if 0 <= span < 4 * n + 1024:  # (a negative span: the range overflowed int64)
        group = np.full(span + 1, -1, np.int64)
        first = np.empty(n, np.int64)
        inv = np.empty(n, np.int64)
        m = 0
        for i in range(n):
            d = keys[i] - lo
            g = group[d]
            if g < 0:
                group[d] = m
                first[m] = i
                g = m
                m += 1
            inv[i] = g
        return first[:m].copy(), inv
    size = 1
    bits = 0
    while size < 2 * n + 2:
        size *= 2
        bits += 1
    mask = size - 1
    shift = np.uint64(64 - bits)
    mult = np.uint64(0x9E3779B97F4A7C15)
    slot_key = np.empty(size, np.int64)
    slot_grp = np.full(size, -1, np.int64)
    first = np.empty(n, np.int64)
    inv = np.empty(n, np.int64)
    m = 0
    for i in range(n):
        k = keys[i]
        h = np.int64((np.uint64(k) * mult) >> shift)  # Fibonacci hashing: the product's top bits
        while True:
            g = slot_grp[h]
            if g < 0:
                slot_key[h] = k
                slot_grp[h] = m
                first[m] = i
                inv[i] = m
                m += 1
                break
            if slot_key[h] == k:
                inv[i] = g
                break
            h = (h + 1) & mask
    return first[:m].copy(), inv


@njit(cache=True)
def combine_predecoders(row, u_idx, mux, m_idx):
    """A mat's eight predecoder blocks summed in NVSim's order (row blocks ``row[p, u_idx]``, then the mux decoders'
    ``mux[p, m_idx]``; columns area, delay, output ramp, energy, leakage): per mat the area, the slowest delay, the
    row blocks' sharpest ramp, the energy and the leakage."""
    n = u_idx.shape[0]
    out = np.empty((n, 5))
    for j in range(n):
        u = u_idx[j]
        m = m_idx[j]
        a = 0.0
        t = 0.0
        r = np.inf
        e = 0.0
        lk = 0.0
        for p in range(row.shape[0]):
            a += row[p, u, 0]
            t = max(t, row[p, u, 1])
            r = min(r, row[p, u, 2])
            e += row[p, u, 3]
            lk += row[p, u, 4]
        for p in range(mux.shape[0]):
            a += mux[p, m, 0]
            t = max(t, mux[p, m, 1])
            e += mux[p, m, 3]
            lk += mux[p, m, 4]
        out[j, 0] = a
        out[j, 1] = t
        out[j, 2] = r
        out[j, 3] = e
        out[j, 4] = lk
    return out
