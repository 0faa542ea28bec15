"""NVSim's subarray and mat, block by block, evaluated over the distinct mats of a search.

Each part follows one NVSim class (public source, read, not copied; ``github:SEAL-UCSB/NVSim``):

* :func:`row_decoders`: RowDecoder -- a NAND2 (NAND3 in a predecoder's first stage) of predecoded lines above 8
  lines, then an OutputDriver (:func:`models.circuit.nvsim_gates.driver`: latency-first, or balanced, NVSim's
  latency / area trade-off sized for one minimum inverter; NVSim's area-first style builds that same single minimum
  inverter for these loads, so it ties the balanced one exactly and is never chosen, NVSim keeping the first); also
  the bitline-mux and output-mux decoders;
* :func:`basic_decoders`, :func:`predecode_block`: BasicDecoder (1:2, 2:4, 3:8) and PredecodeBlock with one or two
  NAND stages, with NVSim's bookkeeping (each kind of basic decoder's energy and leakage counted once, the second
  stage's not at all, the second basic decoder's path timed with the first one's delay);
* :func:`subarrays`: SubArray -- wordline and bitline loads, the row decoder (folded into the array's height when
  taller), the precharger, the bitline mux before the sense amplifiers and the two output levels after them with
  their decoders, CACTI's latch sense amplifier at the mux pitch (plus NVSim's HSPICE I-V converter for current
  sensing); SRAM bitline by Horowitz, resistive bitline by the ICCAD'09 current-sense model; energies, leakage, area;
* :func:`mats`: Mat -- the subarrays, the eight predecoder blocks at the mat's centre (their area a square on the
  longer side; their output ramp drives the subarray's decoders), a tag array's comparators.

Every block is evaluated once per distinct input (a row decoder per (rows, columns, buffer style), a predecoder per
(bits, load), a subarray per shape, its timing per (shape, mat shape)), so a search of ~10^5 mats costs a few
thousand driver sizings.  Units are SI.
"""

from __future__ import annotations

import numpy as np

from models.cells import Cell
from models.circuit import nvsim_gates as ng
from models.circuit.gates import fo4_delay
from models.circuit.nvsim_periphery import (
    CAP_REGION_F,
    LOGIC_REGION_F,
    MIN_NMOS_F,
    W_SENSE_EN,
    W_SENSE_ISO,
    W_SENSE_MUX,
    W_SENSE_N,
    W_SENSE_P,
    drain_cap,
    gate_area,
    pass_gate_height,
    sense_amp_height,
    transconductance_per_m,
)
from models.technology import TechNode

LN2 = float(np.log(2.0))
STEP = np.inf  # NVSim's 1e20 / 1e41 "ramp": a step input
IR_DROP_TOLERANCE = 0.2  # a resistive array's mux may add at most 20 % to the low resistance (Mux.cpp)
SHAPER_EFFICIENCY = 1.0  # MRAM write pulses: NVSim's "aggressive" shaper efficiency
# NVSim's HSPICE I-V converter of a current-sense amplifier (SenseAmp.cpp): (smallest feature size m, delay s, energy
# J, leakage W), a step table by feature size
_IV_CONVERTER = ((119e-9, 0.49e-9, 8.52e-14, 1.40e-8), (89e-9, 0.53e-9, 8.72e-14, 1.87e-8),
                 (64e-9, 0.62e-9, 9.00e-14, 2.57e-8), (44e-9, 0.80e-9, 10.26e-14, 4.41e-9),
                 (31e-9, 1.07e-9, 12.56e-14, 12.54e-8), (-1.0, 1.45e-9, 15e-14, 15e-8))
# Comparator.cpp: the inverter chain (NMOS, PMOS widths in F) and the NAND of each bit
_CMP_INV = ((7.5, 12.5), (15.0, 25.0), (30.0, 50.0), (50.0, 100.0))
_CMP_N, _CMP_P = 12.5, 37.5
_NAND_LEAK = {2: 0.48, 3: 0.31}  # AVG_RATIO_LEAK_2/3INPUT_NAND


def iv_converter(F: float) -> tuple[float, float, float]:
    """(delay s, energy J, leakage W) of NVSim's I-V converter at feature size ``F`` (m)."""
    return next((d, e, lk) for f, d, e, lk in _IV_CONVERTER if F >= f)


def _cin(tech: TechNode, wn, wp):
    return tech.c_gate(wn) + tech.c_gate(wp)


def _unique(*keys):
    """(index of the first of each distinct key tuple, in order of first occurrence; each element's group) over
    parallel arrays of non-negative integers below 2^31 packed into one integer key per element, or one float array
    (grouped by exact value)."""
    if len(keys) == 1:
        k = np.asarray(keys[0])
        if k.dtype.kind == "f":
            k = np.ascontiguousarray(k, dtype=np.float64) + 0.0  # -0.0 -> 0.0: group by value, not by bits
            k = k.view(np.int64)
    else:
        k = np.zeros(np.shape(keys[0]), dtype=np.uint64)
        for key in keys:
            a = np.asarray(key)
            top = int(np.max(a, initial=0)) + 1
            bits = max(top - 1, 1).bit_length()
            k = (k << np.uint64(bits)) | a.astype(np.uint64)
    first, inv = ng.group_ids(np.ascontiguousarray(np.ravel(k)).astype(np.int64, copy=False))
    return first, inv


class Decoders:
    """Row / basic decoders over an array of instances: layout, energy (one output switching), leakage (all
    outputs), NAND input capacitance, and what their delay needs (:meth:`delay`)."""

    def __init__(self, tc, h, w, e, leak, c_nand_in, nand_tau, nand_beta, taus, stages):
        self.tc, self.h, self.w, self.e, self.leak, self.c_nand_in = tc, h, w, e, leak, c_nand_in
        self.nand_tau, self.nand_beta, self.taus, self.stages = nand_tau, nand_beta, taus, stages

    def delay(self, ramp_in, index=None):
        """(delay, output ramp) of each instance (or of ``index``-selected ones) for input ramps ``ramp_in``."""
        index = np.arange(self.stages.size) if index is None else np.asarray(index, dtype=np.int64)
        ramp = np.ascontiguousarray(np.broadcast_to(np.asarray(ramp_in, dtype=float), index.shape))
        return ng.chain_delay(self.taus, self.stages, self.nand_tau, self.nand_beta, self.tc[ng.TC_BETA], ramp, index)

    def take(self, index):
        return Decoders(self.tc, self.h[index], self.w[index], self.e[index], self.leak[index],
                        self.c_nand_in[index], self.nand_tau[index], self.nand_beta, self.taus[index],
                        self.stages[index])


def _drivers(tc, le, c_in, c_load, r_load, style, max_nmos_m):
    n = np.broadcast(le, c_in, c_load, r_load, style).shape
    f = [np.ascontiguousarray(np.broadcast_to(np.asarray(x, dtype=float), n)).ravel() for x in (le, c_in, c_load,
                                                                                                 r_load)]
    st = np.ascontiguousarray(np.broadcast_to(np.asarray(style, dtype=np.int64), n)).ravel()
    out, taus = ng.drivers(f[0], f[1], f[2], f[3], st, float(max_nmos_m), tc)
    return out, taus


def row_decoders(tech: TechNode, tc, lines, c_load, r_load, max_nmos_m: float, style=0, nand3=False) -> Decoders:
    """NVSim's RowDecoder of ``lines`` outputs driving ``c_load`` through ``r_load`` (arrays)."""
    F = tech.F_m
    lines = np.asarray(lines, dtype=float)
    shape = np.broadcast(lines, c_load, r_load, style).shape
    lines = np.broadcast_to(lines, shape).ravel()
    k = 3 if nand3 else 2
    has_nand = lines > 8
    wn = k * MIN_NMOS_F * F
    wp = tech.pn_ratio * MIN_NMOS_F * F
    le_nand = (k + tech.pn_ratio) / (1.0 + tech.pn_ratio)
    c_nand_in = _cin(tech, wn, wp)
    c_nand_out = float(drain_cap(tech, "nand", k, wn, wp, CAP_REGION_F * F))
    wi = MIN_NMOS_F * F
    c_inv = _cin(tech, wi, tech.pn_ratio * wi)
    out, taus = _drivers(tc, np.where(has_nand, le_nand, 1.0), np.where(has_nand, c_nand_in, c_inv),
                         np.broadcast_to(c_load, shape).ravel(), np.broadcast_to(r_load, shape).ravel(),
                         np.broadcast_to(style, shape).ravel(), max_nmos_m)
    n_st, h_drv, w_drv, e_drv, leak_drv, c_in0 = out[:, 0].astype(np.int64), out[:, 1], out[:, 2], out[:, 3], \
        out[:, 4], out[:, 5]
    h_nand, w_nand = gate_area("nand", k, wn, wp, LOGIC_REGION_F * F, F)
    leak_nand = _NAND_LEAK[k] * k * tech.i_off(wp) * tech.vdd_V
    nand_tau = np.where(has_nand, tech.r_on(wn) * k * (c_nand_out + c_in0), 0.0)
    return Decoders(tc, np.where(has_nand, np.maximum(float(h_nand), h_drv), h_drv) * lines,
                    np.where(has_nand, float(w_nand) + w_drv, w_drv),
                    e_drv + np.where(has_nand, (c_nand_out + c_in0) * tech.vdd_V ** 2, 0.0),
                    (leak_drv + np.where(has_nand, leak_nand, 0.0)) * lines, np.where(has_nand, c_nand_in, 0.0),
                    nand_tau, tc[ng.TC_BETA] / k, taus, n_st)


def basic_decoders(tech: TechNode, tc, bits: int, c_load, max_nmos_m: float) -> Decoders:
    """NVSim's BasicDecoder (1:2 = two inverter drivers, 2:4 = four NAND2, 3:8 = eight NAND3, each with a
    latency-first driver) driving ``c_load`` (array) per output."""
    F = tech.F_m
    vdd = tech.vdd_V
    c_load = np.atleast_1d(np.asarray(c_load, dtype=float))
    if bits == 1:
        wi = MIN_NMOS_F * F
        out, taus = _drivers(tc, 1.0, _cin(tech, wi, tech.pn_ratio * wi), c_load, 0.0, 0, max_nmos_m)
        n_st = out[:, 0].astype(np.int64)
        return Decoders(tc, 2.0 * out[:, 1], out[:, 2], (out[:, 5] + out[:, 6]) * vdd ** 2 + out[:, 3],
                        2.0 * out[:, 4], np.zeros_like(c_load), np.zeros_like(c_load), 0.0, taus, n_st)
    wn = bits * MIN_NMOS_F * F
    wp = tech.pn_ratio * MIN_NMOS_F * F
    le = (bits + tech.pn_ratio) / (1.0 + tech.pn_ratio)
    c_nand_out = float(drain_cap(tech, "nand", bits, wn, wp, CAP_REGION_F * F))
    gates = 4.0 if bits == 2 else 8.0
    out, taus = _drivers(tc, le, _cin(tech, wn, wp), c_load, 0.0, 0, max_nmos_m)
    n_st, c_in0 = out[:, 0].astype(np.int64), out[:, 5]
    h_nand, w_nand = gate_area("nand", bits, wn, wp, LOGIC_REGION_F * F, F)
    leak = (_NAND_LEAK[bits] * bits * tech.i_off(wp) * vdd + out[:, 4]) * gates
    return Decoders(tc, np.maximum(float(h_nand), out[:, 1]) * gates, float(w_nand) + out[:, 2],
                    (c_nand_out + c_in0) * vdd ** 2 + out[:, 3], leak, np.zeros_like(c_load),
                    tech.r_on(wn) * bits * (c_nand_out + c_in0), tc[ng.TC_BETA] / bits, taus, n_st)


def predecode_block(tech: TechNode, tc, bits: int, c_load, max_nmos_m: float) -> dict[str, np.ndarray]:
    """NVSim's PredecodeBlock of ``bits`` address bits (0-18) driving ``c_load`` (array) per output, from a step:
    ``area``, ``t``, ``ramp`` (NVSim's: the largest of its paths' output ramps), ``e``, ``leak``."""
    c_load = np.atleast_1d(np.asarray(c_load, dtype=float))
    zero = np.zeros_like(c_load)
    if bits == 0:
        return {"area": zero, "t": zero, "ramp": np.full(c_load.shape, STEP), "e": zero, "leak": zero}
    n12 = n24 = n38 = 0
    if bits == 1:
        n12 = 1
    else:
        n24 = {2: 1, 1: 2, 0: 0}[bits % 3]
        n38 = (bits - 2 * n24) // 3
    n_basic = n12 + n24 + n38
    if n_basic <= 1:
        d = basic_decoders(tech, tc, bits, c_load, max_nmos_m)
        t, ramp = d.delay(STEP)
        return {"area": d.h * d.w, "t": t, "ramp": ramp, "e": d.e, "leak": d.leak}
    if n_basic > 6:
        raise ValueError(f"predecoder block of {bits} bits")
    one = np.ones(1)
    if n_basic <= 3:  # one NAND stage (1A) drives the load
        n_a, n_b = n_basic, 0
        s1a = row_decoders(tech, tc, 2.0 ** bits, c_load, 0.0, max_nmos_m, nand3=n_a == 3)
        s2 = s1b = None
    else:  # two first stages (1A, 1B) and the second stage (2) driving the load
        n_b = n_basic // 2
        n_a = n_basic - n_b
        lines_a, lines_b = 2.0 ** (3 * n_a - n24), 2.0 ** (3 * n_b)
        s2 = row_decoders(tech, tc, 2.0 ** bits, c_load, 0.0, max_nmos_m)
        cn2 = float(s2.c_nand_in[0])
        s1a = row_decoders(tech, tc, lines_a * one, lines_b * cn2, 0.0, max_nmos_m, nand3=n_a == 3)
        s1b = row_decoders(tech, tc, lines_b * one, lines_a * cn2, 0.0, max_nmos_m, nand3=n_b == 3)
    cna = float(s1a.c_nand_in[0])
    if n24 == 0:
        parts_a = [(3, n_a, 2.0 ** (3 * (n_a - 1)))]
    elif n24 == 1:
        n_a2 = n_a - 1
        parts_a = [(2, 1, 2.0 ** (3 * n_a2)), (3, n_a2, 2.0 ** (2 + 3 * (n_a2 - 1)))]
    elif n_a == 2:
        parts_a = [(2, 2, 4.0)]
    else:
        parts_a = [(2, 2, 32.0), (3, 1, 16.0)]
    dec_a = [(basic_decoders(tech, tc, b, fan * cna * one, max_nmos_m), count) for b, count, fan in parts_a]
    e = sum(float(d.e[0]) for d, _ in dec_a) + s1a.e
    leak = sum(float(d.leak[0]) for d, _ in dec_a) + s1a.leak
    w_basic = max(float(d.w[0]) for d, _ in dec_a)
    h_basic = sum(count * float(d.h[0]) for d, count in dec_a)
    w_rows, h_rows = s1a.w, s1a.h
    t_a1, r_a1 = (float(x[0]) for x in dec_a[0][0].delay(STEP))
    paths = [(t_a1, s1a, r_a1)]
    if len(dec_a) > 1:  # NVSim times the second basic decoder's path with the first one's delay
        paths.append((t_a1, s1a, float(dec_a[1][0].delay(STEP)[1][0])))
    if s2 is not None:
        dec_b = basic_decoders(tech, tc, 3, (8.0 if n_b == 2 else 64.0) * float(s1b.c_nand_in[0]) * one, max_nmos_m)
        e = e + float(dec_b.e[0]) + float(s1b.e[0])
        leak = leak + float(dec_b.leak[0]) + float(s1b.leak[0])
        w_basic = max(w_basic, float(dec_b.w[0]))
        h_basic = h_basic + n_b * float(dec_b.h[0])
        w_rows = np.maximum(w_rows, s1b.w) + s2.w
        h_rows = np.maximum(h_rows + s1b.h, s2.h)
        t_b, r_b = (float(x[0]) for x in dec_b.delay(STEP))
        paths.append((t_b, s1b, r_b))
    t = np.zeros_like(c_load)
    ramp = np.zeros_like(c_load)
    for t0, stage, r0 in paths:
        t1, r1 = stage.delay(r0)
        if s2 is None:
            t_p, r_p = t0 + t1, r1
        else:
            t2, r_p = s2.delay(np.broadcast_to(r1, c_load.shape))
            t_p = t0 + t1 + t2
        t = np.maximum(t, t_p)
        ramp = np.maximum(ramp, r_p)
    return {"area": (w_basic + w_rows) * np.maximum(h_basic, h_rows), "t": t, "ramp": ramp,
            "e": e * np.ones_like(c_load), "leak": leak * np.ones_like(c_load)}


def _split_bits(bits):
    """NVSim's split of a decoder's address bits over two predecoder blocks (from 4 bits on): (first, second)."""
    b2 = np.where(bits > 3, bits // 2, 0)
    return bits - b2, b2


def _predecoders(tech: TechNode, tc, bits, c_load, max_nmos_m: float):
    """Predecoder blocks of ``bits`` (array) each driving ``c_load`` (array, or a scalar shared by all)."""
    bits = np.asarray(bits)
    out = {k: np.zeros(bits.shape) for k in ("area", "t", "ramp", "e", "leak")}
    shared = np.ndim(c_load) == 0
    for v in np.flatnonzero(np.bincount(bits.ravel())):
        m = bits == v
        blk = predecode_block(tech, tc, int(v), np.array([float(c_load)]) if shared else np.asarray(c_load)[m],
                              max_nmos_m)
        for k in out:
            out[k][m] = blk[k]
    return out


def cell_geometry(cell: Cell, tech: TechNode) -> tuple[float, float]:
    """(height, width) of a cell in m: its area in F^2 at this node (NVSim's MemCell: no cell scaling)."""
    F = tech.F_m
    return float(np.sqrt(cell.area_F2 * cell.aspect_ratio)) * F, float(np.sqrt(cell.area_F2 / cell.aspect_ratio)) * F


def max_bitline_current(cell: Cell) -> float:
    """The bitline current the column muxes must carry (A): the larger write current (a resistive cell with a CMOS
    access device; NVSim's ``maxBitlineCurrent``), 0 for SRAM."""
    if cell.is_sram:
        return 0.0
    return max(cell.set_current_uA, cell.reset_current_uA, 0.0) * 1e-6


def pass_gate_width(cell: Cell, tech: TechNode, max_nmos_m: float) -> float:
    """Width (m) of the column muxes' pass gates (Mux.cpp): at least 6 minimum devices, wide enough for the write
    current, and for a resistive cell at most 20 % of its low resistance (capped at MaxNmosSize)."""
    F = tech.F_m
    w = max(6 * MIN_NMOS_F * F, max_bitline_current(cell) / tech.ion_n_uA_per_um)
    if not cell.is_sram and cell.resistance_on_ohm > 0:
        w_ir = min(tech.r_on(F) * F / (cell.resistance_on_ohm * IR_DROP_TOLERANCE), max_nmos_m)
        w = max(w, w_ir)
    return w


def _mux(tech: TechNode, n_in, n_mux, w_pass, c_load, c_next):
    """NVSim's Mux of ``n_in`` inputs (absent below 2): pass-gate drain cap, cap seen by the stage before (delay,
    power), on-resistance, delay, energy (all ``n_mux`` of them), strip height."""
    F = tech.F_m
    on = n_in > 1
    c_pass = float(drain_cap(tech, "inv", 1, w_pass, 0.0, LOGIC_REGION_F * F))
    r_pass = tech.r_on(w_pass)
    c_out = n_in * c_pass
    return {"c": np.where(on, c_pass, 0.0), "c_prev_delay": np.where(on, c_out + c_pass + c_load, 0.0),
            "c_prev_power": np.where(on, c_pass, 0.0), "r": np.where(on, r_pass, 0.0),
            "t": np.where(on, 2.3 * r_pass * (c_out + c_load), 0.0),
            "e": np.where(on, (c_out + c_next) * tech.vdd_V * (tech.vdd_V - tech.vth_V) * n_mux, 0.0),
            "h": np.where(on, pass_gate_height(tech, w_pass), 0.0)}


def _sense_amps(tech: TechNode, pitch, sram: bool):
    """The latch sense amplifier laid out at ``pitch`` (array): input capacitance, latch delay, height."""
    F = tech.F_m
    c_sa = (tech.c_gate((W_SENSE_P + W_SENSE_N) * F) + drain_cap(tech, "inv", 1, W_SENSE_N * F, 0.0, pitch)
            + drain_cap(tech, "inv", 1, 0.0, W_SENSE_P * F, pitch)
            + drain_cap(tech, "inv", 1, 0.0, W_SENSE_ISO * F, pitch)
            + drain_cap(tech, "inv", 1, W_SENSE_MUX * F, 0.0, pitch))
    gm_n, gm_p = transconductance_per_m(tech)
    if gm_n > 0:
        tau = c_sa / (gm_n * W_SENSE_N * F + gm_p * W_SENSE_P * F)
    else:  # no NVSim transconductance table (16 nm): the latch resolves at an FO4 per e-fold
        tau = fo4_delay(tech) * np.ones_like(c_sa)
    return c_sa, tau, sense_amp_height(tech, pitch, not sram)


def subarrays(cell: Cell, tech: TechNode, tc, max_nmos_m: float, rows, cols, mux_sa, mux_l1, mux_l2, style) -> dict:
    """NVSim's SubArray (Initialize, CalculateArea, CalculatePower and the ramp-free part of CalculateLatency) for
    arrays of shapes (``rows``, ``cols`` and the mux degrees are the subarray's own, after a Normal cache's way
    folding; ``style`` the decoders' buffer style).

    Returns a dict of arrays (``h``, ``w``, ``e_read``, ``e_write`` (decoders and muxes) and ``e_write_cell`` (the
    cells, which NVSim divides by the associativity in a Normal / Fast cache), ``leak``, the fixed latencies
    ``t_fixed_read`` (bitline of a resistive cell, muxes, sense amplifier) and ``t_charge``, the SRAM bitline's
    ``tau_bl``), the row decoders ``rd`` and mux decoders ``dec`` (:class:`Decoders`, indexed by ``rd_idx`` and the
    three ``dec_idx``) whose delays need the input ramp (:func:`subarray_latency`).
    """
    F = tech.F_m
    vdd = tech.vdd_V
    sram = cell.is_sram
    rows, cols, mux_sa, mux_l1, mux_l2 = (np.asarray(x, dtype=float) for x in (rows, cols, mux_sa, mux_l1, mux_l2))
    style = np.asarray(style, dtype=np.int64)
    r_loc, c_loc = tech.wire("local")
    h_cell, w_cell = cell_geometry(cell, tech)
    l_wl = cols * w_cell
    l_bl = rows * h_cell
    w_acc = cell.access_width_F * F
    w_sel = max(MIN_NMOS_F * F, max_bitline_current(cell) / tech.ion_n_uA_per_um)  # minBitlineMuxWidth
    c_acc = float(drain_cap(tech, "inv", 1, w_acc, 0.0, w_cell))
    r_acc = tech.r_on(w_acc)
    c_wl = c_loc * l_wl + (2.0 if sram else 1.0) * tech.c_gate(w_acc) * cols
    c_bl = c_loc * l_bl + c_acc * rows / 2.0  # shared contacts: half a drain per cell
    r_bl = r_loc * l_bl
    # the row decoder per (rows, columns, style); the three mux decoders per (lines, columns, style)
    first, inv = _unique(rows, cols, style)
    rd = row_decoders(tech, tc, rows[first], c_wl[first], r_loc * l_wl[first], max_nmos_m, style[first])
    rd_idx = inv
    lines = np.concatenate([mux_sa, mux_l1, mux_l2])
    cc = np.concatenate([cols] * 3)
    ss = np.concatenate([style] * 3)
    first, inv = _unique(lines, cc, ss)
    dec = row_decoders(tech, tc, lines[first], tech.c_gate(w_sel) * cc[first] + c_loc * cc[first] * w_cell,
                       r_loc * cc[first] * w_cell, max_nmos_m, ss[first])
    n = rows.size
    dec_idx = (inv[:n], inv[n:2 * n], inv[2 * n:])
    # precharger per column count: two 6 F PMOS and a 1.5 F equaliser per column, an inverter each, one driver
    wi = MIN_NMOS_F * F
    c_inv = _cin(tech, wi, tech.pn_ratio * wi)
    c_load_inv = float(tech.c_gate(wi) + 2.0 * tech.c_gate(6.0 * F)
                       + drain_cap(tech, "inv", 1, wi, 0.0, LOGIC_REGION_F * F)
                       + drain_cap(tech, "inv", 1, 0.0, tech.pn_ratio * wi, LOGIC_REGION_F * F))
    first, inv = _unique(cols)
    pre, _ = _drivers(tc, 1.0, c_inv, cols[first] * (c_inv + w_cell * c_loc), 0.0, 0, max_nmos_m)
    pre = pre[inv]
    h_pre, _ = gate_area("inv", 1, 0.0, 6.0 * F, LOGIC_REGION_F * F, F)
    h_eq, _ = gate_area("inv", 1, 0.0, wi, LOGIC_REGION_F * F, F)
    h_inv, _ = gate_area("inv", 1, wi, tech.pn_ratio * wi, LOGIC_REGION_F * F, F)
    pre_h = np.maximum(max(float(h_pre), float(h_eq)) + float(h_inv), pre[:, 1])
    pre_e = pre[:, 3] + c_load_inv * vdd ** 2 * cols
    # NVSim's precharger leaks from Vdd here (SubArray calls Precharger::Initialize(vdd, ...))
    pre_leak = (pre[:, 4] + cols * vdd * max(tech.i_off(wi), tech.i_off(tech.pn_ratio * wi))
                + cols * vdd * tech.i_off(6.0 * F))
    # sense amplifiers at the bitline-mux pitch (per mux degree), the column muxes
    first, inv = _unique(mux_sa)
    c_sa, t_latch, h_sa = (x[inv] for x in _sense_amps(tech, w_cell * mux_sa[first], sram))
    v_sense = cell.min_sense_voltage_mV * 1e-3
    iv_t, iv_e, iv_leak = iv_converter(F) if not sram else (0.0, 0.0, 0.0)
    t_sa = t_latch * np.log(vdd / v_sense) + iv_t
    n_sa = cols / mux_sa
    e_sa = (iv_e + c_sa * vdd ** 2) * n_sa
    leak_sa = (iv_leak + tech.i_off(W_SENSE_EN * F) * vdd * vdd) * n_sa  # NVSim: idle current x Vdd, x Vdd again
    w_pass = pass_gate_width(cell, tech, max_nmos_m)
    lev2 = _mux(tech, mux_l2, cols / mux_sa / mux_l1 / mux_l2, w_pass, 0.0, 0.0)
    lev1 = _mux(tech, mux_l1, cols / mux_sa / mux_l1, w_pass, lev2["c_prev_delay"], lev2["c_prev_power"])
    bmux = _mux(tech, mux_sa, n_sa, w_pass, c_sa, c_sa)
    # bitline: the SRAM's time constant (its Horowitz term needs the row decoder's ramp), or the resistive cell's
    # ICCAD'09 current-sense delay
    if sram:
        w_pd = cell.sram_nmos_width_F * F
        v_pre = vdd / 2.0
        tau_bl = ((r_acc + tech.r_on(w_pd)) * (c_acc + c_bl + bmux["c_prev_delay"])
                  + r_bl * (bmux["c_prev_delay"] + c_bl / 2.0)) * np.log(v_pre / (v_pre - v_sense / 2.0))
        beta_bl = tc[ng.TC_BETA] * w_pd / w_acc  # 1 / (R_pulldown gm_access)
        t_bl = np.zeros_like(rows)
    else:
        r_off = cell.resistance_off_ohm + r_acc
        t_bl = LN2 * r_bl * c_bl / 2.0 * (r_off + r_bl / 3.0) / (r_off + r_bl)
        tau_bl = np.zeros_like(rows)
        beta_bl = 0.0
    r_chain = bmux["r"] + lev1["r"] + lev2["r"]
    c_chain = bmux["c"] + lev1["c"] + lev2["c"]
    t_charge = LN2 * (r_chain * (c_chain + c_bl) + r_bl * c_bl / 2.0)
    # energy
    written = cols / (mux_sa * mux_l1 * mux_l2)
    c_line = c_acc + c_bl + bmux["c_prev_power"]
    if sram:
        e_bl = c_line * (vdd / 2.0) ** 2 * cols
        e_cell_read = 0.0
        e_cell_write = c_line * (vdd / 2.0) ** 2 * written
    else:
        r_on_cell = cell.resistance_on_ohm + r_acc
        v_r = cell.read_voltage_V
        den = bmux["r"] + r_bl + r_on_cell
        v_min = v_r * bmux["r"] / den
        v_max = v_r * (bmux["r"] + r_bl) / den
        e_bl = (c_acc * v_max ** 2 + bmux["c_prev_power"] * v_min ** 2
                + c_bl * (v_max ** 2 + v_min ** 2 + v_max * v_min) / 3.0) * cols
        p_read = vdd * v_r / cell.resistance_on_ohm  # MemCell::CalculateReadPower (no access-device drop given)
        e_cell_read = 2.0 * p_read * t_sa * written  # the cell and its reference
        # MemCell::CalculateWriteEnergy (current-mode writes: Vdd x current x pulse where no energy is given), plus
        # the bitline charged to Vdd
        e_set = cell.set_energy_pJ * 1e-12 or vdd * cell.set_current_uA * 1e-6 * cell.set_latency_ns * 1e-9
        e_reset = cell.reset_energy_pJ * 1e-12 or vdd * cell.reset_current_uA * 1e-6 * cell.reset_latency_ns * 1e-9
        e_cell_write = (max(e_set, e_reset) + c_line * vdd ** 2) * written / SHAPER_EFFICIENCY
    e_dec = rd.e[rd_idx] + sum(dec.e[i] for i in dec_idx)
    e_mux = bmux["e"] + lev1["e"] + lev2["e"]
    e_read = e_bl + e_cell_read + e_dec + pre_e + e_mux + e_sa
    e_write = e_dec + e_mux  # + the cells' write energy, which NVSim divides in a Normal / Fast cache
    # leakage: SRAM cells, decoders, precharger, sense amplifiers (muxes do not leak in NVSim)
    leak = rd.leak[rd_idx] + sum(dec.leak[i] for i in dec_idx) + pre_leak + leak_sa
    if sram:
        w_pd, w_pu = cell.sram_nmos_width_F * F, cell.sram_pmos_width_F * F
        leak = leak + rows * cols * vdd * (2.0 * max(tech.i_off(w_pd), tech.i_off(w_pu)) + tech.i_off(w_acc))
    # layout: the row decoder beside the array (folded into its height when taller), the mux decoders in that strip;
    # precharger, muxes, sense amplifiers and output muxes below
    rd_h, rd_w = rd.h[rd_idx], rd.w[rd_idx]
    add_w = np.where(rd_h > l_bl, rd_h * rd_w / l_bl, rd_w)
    for i in dec_idx:
        add_w = np.maximum(add_w, dec.w[i])
    h_sa = np.where(w_cell * mux_sa > 2.0 * F, h_sa, np.inf)
    add_h = pre_h + bmux["h"] + h_sa + lev1["h"] + lev2["h"]
    return {"h": l_bl + add_h, "w": l_wl + add_w, "e_read": e_read, "e_write": e_write,
            "e_write_cell": e_cell_write * np.ones_like(rows), "leak": leak,
            "t_fixed_read": t_bl + bmux["t"] + t_sa + lev1["t"] + lev2["t"], "t_sa": t_sa, "t_charge": t_charge,
            "tau_bl": tau_bl, "beta_bl": beta_bl, "rd": rd, "rd_idx": rd_idx, "dec": dec, "dec_idx": dec_idx}


def _delays(dec: Decoders, ramp_in, idx, ramp_key):
    """``dec.delay`` of decoders ``idx`` for ``ramp_in``, each distinct (decoder, ``ramp_key``) once."""
    if ramp_key is None:
        return dec.delay(ramp_in, idx)
    first, inv = _unique(idx, ramp_key)
    t, r = dec.delay(np.asarray(ramp_in)[first], idx[first])
    return t[inv], r[inv]


def subarray_latency(cell: Cell, sub: dict, index, ramp_in, ramp_key=None):
    """SubArray::CalculateLatency of the subarrays ``index`` (into :func:`subarrays`' arrays) for the row
    predecoders' output ramps ``ramp_in`` (``ramp_key``: integer labels, equal where the ramps are): (read, write,
    column-decoder, row-decoder latency)."""
    t_row, ramp_row = _delays(sub["rd"], ramp_in, sub["rd_idx"][index], ramp_key)
    t_col = np.zeros_like(t_row)
    for di in sub["dec_idx"]:
        t_col = np.maximum(t_col, _delays(sub["dec"], ramp_in, di[index], ramp_key)[0])
    t_read = np.maximum(t_row, t_col) + sub["t_fixed_read"][index]
    if cell.is_sram:
        tau = sub["tau_bl"][index]
        t_bl = tau * np.sqrt(np.log(0.5) ** 2 + sub["beta_bl"] / (ramp_row * tau))
        t_read = t_read + t_bl
        t_write = t_read
    else:
        pulse = max(cell.set_latency_ns, cell.reset_latency_ns) * 1e-9
        t_write = np.maximum(t_row, t_col + sub["t_charge"][index]) + pulse
    return t_read, t_write, t_col, t_row


def comparator(tech: TechNode, tag_bits):
    """NVSim's tag Comparator of ``tag_bits`` (four quarter comparators, an inverter chain driving each): area, delay
    from a step, energy and leakage per way."""
    F = tech.F_m
    vdd = tech.vdd_V
    n_bits = np.asarray(tag_bits, dtype=np.int64) // 4
    hs, ws, c_ins, c_outs, wns = [], [], [], [], []
    for wn, wp in _CMP_INV:
        h, w = gate_area("inv", 1, wn * F, wp * F, LOGIC_REGION_F * F, F)
        hs.append(float(h))
        ws.append(float(w))
        c_ins.append(_cin(tech, wn * F, wp * F))
        c_outs.append(float(drain_cap(tech, "inv", 1, wn * F, wp * F, CAP_REGION_F * F)))
        wns.append(wn * F)
    h_nand, w_nand = gate_area("nand", 2, _CMP_N * F, 0.0, LOGIC_REGION_F * F, F)
    c_comp = float(drain_cap(tech, "nand", 2, _CMP_N * F, 0.0, LOGIC_REGION_F * F))
    height = max(hs) + float(h_nand)
    width = np.maximum(sum(ws), n_bits * float(w_nand)) * 4.0
    c_bottom = c_outs[-1] + n_bits * c_comp
    c_top = n_bits * c_comp + float(drain_cap(tech, "inv", 1, 0.0, _CMP_P * F, CAP_REGION_F * F))
    r_bottom = tech.r_on(wns[-1])
    r_top = 2.0 * tech.r_on(_CMP_N * F)
    beta = float(ng.tech_consts(tech)[ng.TC_BETA])
    t = 0.0
    ramp = STEP
    e = 0.0
    for i in range(3):
        c_node = c_outs[i] + c_ins[i + 1]
        t_i, ramp = ng.horowitz(tech.r_on(wns[i]) * c_node, beta, ramp)
        t += t_i
        e += c_node * vdd ** 2
    t_last = LN2 * (r_bottom * c_bottom + (r_bottom + r_top) * c_top)  # Horowitz with beta = 0
    leak = sum(max(tech.i_off(wn * F), tech.i_off(wp * F)) * vdd for wn, wp in _CMP_INV) * 4.0
    return {"area": height * width, "t": t + t_last, "e": (e + (c_bottom + c_top) * vdd ** 2) * 4.0,
            "leak": leak * np.ones_like(c_bottom)}


_POW2 = 2.0 ** np.arange(63)


def mats(cell: Cell, tech: TechNode, max_nmos_m: float, table: dict[str, np.ndarray], *, fill: float = 1.0,
         tag: bool = False) -> dict[str, np.ndarray]:
    """NVSim's Mat for every row of a mat table (:data:`models.circuit.nvsim_space.MAT_FIELDS`).

    Returns ``metrics``, one row per mat of :data:`~models.circuit.nvsim_space.MAT_METRICS` (height, width, read /
    write latency, read / write energy with its active subarrays and a tag's comparators, leakage of all its
    subarrays; the write energy without the cells' part, ``write_energy_cell``, which NVSim divides by the
    associativity in a Normal / Fast cache), the subarrays' ``rows``, and ``parts(key, mat)``: one mat's
    column-decoder (``t_col``), predecoder (``t_pre``), row-decoder (``t_row``) and sense-amplifier (``t_sa``)
    latencies, subarray height and width (``h_sub``, ``w_sub``), as the reports and the cache composition use them.
    """
    tc = ng.tech_consts(tech)
    # (powers of two of small integers through a table: ``2.0 ** array`` calls pow() per element)
    rows_all = np.ceil(_POW2 * fill - 1e-9)[table["l_rows"]]
    # each distinct subarray once
    s_first, s_inv = _unique(table["sub_key"])
    sub = subarrays(cell, tech, tc, max_nmos_m, rows_all[s_first], table["cols"][s_first],
                    2.0 ** table["l_sa_eff"][s_first], 2.0 ** table["l_l1_eff"][s_first],
                    2.0 ** table["l_l2_eff"][s_first], table["style"][s_first])
    # each distinct (subarray, mat shape) once: predecoders (loaded by the wire to the mat's centre) and timing
    g_first, g_inv = _unique(s_inv * 4 + table["l_sub_rows"] * 2 + table["l_sub_cols"])
    gs = s_inv[g_first]
    sr, sc = _POW2[table["l_sub_rows"][g_first]], _POW2[table["l_sub_cols"][g_first]]
    h_sub, w_sub = sub["h"][gs], sub["w"][gs]
    _, c_loc = tech.wire("local")
    c_row = c_loc * (h_sub * sr / 2.0 + w_sub * sc / 2.0)
    c_mux = 0.0  # the mux predecoders' wire runs to subarrays beyond the second: none in NVSim's 1..2 x 1..2 mats
    keys = ("area", "t", "ramp", "e", "leak")
    # the row predecoders: each distinct (bits, load) once; NVSim splits a decoder's bits over two blocks from 4 on
    bits = np.asarray(table["pred_bits"])[g_first].astype(np.int64)
    u_first, u_inv = _unique(_unique(c_row)[1], bits)
    row_blocks = []
    for part in _split_bits(bits[u_first]):
        blk = _predecoders(tech, tc, part, c_row[u_first], max_nmos_m)
        row_blocks.append(np.column_stack([blk[k] for k in keys]))
    # the three mux decoders' predecoders (no wire load): each distinct triple of mux bits once
    mux_bits = [np.asarray(table[f])[g_first].astype(np.int64) for f in ("l_sa_eff", "l_l1_eff", "l_l2_eff")]
    m_first, m_inv = _unique(*mux_bits)
    mux_blocks = []
    for b in mux_bits:
        for part in _split_bits(b[m_first]):
            blk = _predecoders(tech, tc, part, c_mux, max_nmos_m)
            mux_blocks.append(np.column_stack([blk[k] for k in keys]))
    a_pre, t_pre, ramp, e_pre, leak_pre = ng.combine_predecoders(np.stack(row_blocks), u_inv, np.stack(mux_blocks),
                                                                 m_inv).T
    t_read_sub, t_write_sub, t_col, t_row = subarray_latency(cell, sub, gs, ramp, ramp_key=u_inv)
    w = w_sub * sc
    h = h_sub * sr
    wide = w > h
    w = np.where(wide, w + np.sqrt(a_pre), w)
    h = np.where(wide, h, h + np.sqrt(a_pre))
    # per mat: the active subarrays' energies, all subarrays' leakage, as one array of MAT_METRICS
    geo = np.column_stack([h, w, t_pre + t_read_sub, t_pre + t_write_sub, e_pre, leak_pre])
    subm = np.column_stack([sub["e_read"], sub["e_write"], sub["leak"], sub["e_write_cell"]])
    out = ng.assemble_mats(geo, subm, g_inv, s_inv, table["l_act_sub_cols"] + table["l_act_sub_rows"],
                           table["l_sub_rows"] + table["l_sub_cols"])
    if tag:
        cmp = comparator(tech, table["mat_block"])
        ways = table["ways_mat"].astype(float)
        out[:, 0] += ways * cmp["area"] / out[:, 1]
        out[:, 2] += cmp["t"]
        out[:, 4] += cmp["e"] * ways
        out[:, 5] += cmp["e"] * ways
        out[:, 6] += cmp["leak"] * ways
    parts = {"t_col": t_col, "t_pre": t_pre, "h_sub": h_sub, "w_sub": w_sub, "t_row": t_row}
    return {"metrics": out, "rows": rows_all,
            "parts": lambda key, mi: float(parts[key][g_inv[mi]]) if key in parts else float(sub[key][s_inv[mi]])}
