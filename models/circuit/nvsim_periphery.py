"""NVSim's subarray and mat periphery, component by component, vectorised over organisations.

The stock 28 nm model (``Calibration.nvsim_periphery``) sizes and lays out every peripheral block of a subarray and a
mat by NVSim's own rules, so that small subarrays (a few rows and columns, where the periphery is most of the area)
cost what NVSim says.  Each function follows one NVSim class (public source, read, not copied):

* :func:`gate_area`: formula.cpp ``CalculateGateArea`` -- a gate's layout from its device widths in a transistor
  region of fixed height (40 F for logic): devices wider than the region are folded (3 F folding overhead per
  finger, 1.5 F poly gaps), contacts take 2 x (1 + 2 x 0.75) F, a gate adds the 2 F P/N gap and two 2 F rails;
* :func:`output_driver`: OutputDriver (latency-first): the driving gate counts as the first stage,
  ``round(log4 F) - 1`` inverters made odd, equal stage efforts, the last NMOS at most ``MaxNmosSize`` (the effort
  recomputed then), earlier stages shrunk by the stage effort down to the 1.5 F minimum; its layout is the stages
  side by side; leakage is each inverter's larger off-current (NVSim's INV rule);
* :func:`row_decoder`: RowDecoder: a NAND2 of two predecoded lines before the driver when there are more than 8
  rows, else the predecoder output drives the driver directly (a 1.5 F inverter as input); one gate row per
  decoded line, so the block is ``lines x max(gate heights)`` tall;
* :func:`predecode_block`: PredecodeBlock with BasicDecoder: 1:2 / 2:4 / 3:8 decoders (an inverter pair, 4 NAND2
  or 8 NAND3 with their drivers), and for 4-6 address bits two of them combined by a NAND2 row decoder of
  ``2^bits`` outputs;
* :func:`subarray_periphery`: SubArray: the row decoder beside the array (folded into the array's height when
  taller: "magic folding"), the bitline-mux and output-mux decoders (a driver even for a mux of 1) sharing that
  strip, and below the array the precharger (two 6 F PMOS and a 1.5 F equaliser per column, an inverter per column,
  one driver), the bitline-mux pass gates, the sense amplifiers (CACTI's latch, laid out at the mux pitch, plus
  50 000 F^2 of I-V converter for current sensing) and the output mux; NVSim lays out no write driver;
* :func:`mat_predecoders`: Mat: the row, bitline-mux and output-mux predecoder blocks (address bits split in two
  blocks above 3), loaded by the wire to the mat's centre; their area is a square on the mat's longer side.

Delays are NVSim's Horowitz terms with the input ramp handed from stage to stage (``beta = 1 / (R g_m)`` from NVSim's
own device tables, :func:`transconductance_per_m`, which nvmsim's technology rows do not carry); drain capacitances are
NVSim's junction geometry (:func:`drain_cap`).  Simplification: where a predecoder block combines two basic decoders,
the slower of their output ramps drives the NAND stage (NVSim evaluates it once per path).
"""

from __future__ import annotations

import numpy as np

from models.technology import TechNode

LN2 = float(np.log(2.0))
MIN_NMOS_F = 1.5  # NVSim MIN_NMOS_SIZE
LOGIC_REGION_F = 40.0  # transistor-region height of logic gates (NVSim: featureSize * 40)
GAP_PN_F = 2.0  # MIN_GAP_BET_P_AND_N_DIFFS
GAP_SAME_F = 1.5  # MIN_GAP_BET_SAME_TYPE_DIFFS
GAP_POLY_F = 1.5  # MIN_GAP_BET_POLY
CONTACT_F = 1.0 + 2 * 0.75  # CONTACT_SIZE + 2 MIN_GAP_BET_CONTACT_POLY
RAIL_F = 2.0  # MIN_WIDTH_POWER_RAIL
FOLD_OVERHEAD_F = 3.0
MAX_STAGES = 9  # enough for any load here (log4 of 1e5)
# CACTI's latch sense amplifier (NVSim constant.h): PMOS, NMOS, isolation, enable widths in F
W_SENSE_P, W_SENSE_N, W_SENSE_ISO, W_SENSE_EN, W_SENSE_MUX = 7.5, 3.75, 12.5, 5.0, 9.0
IV_CONVERTER_AREA_F2 = 50000.0


def _region(w, w_max, F):
    """(unit width, region height) of one device of width ``w`` in a region ``w_max`` high (folding if wider)."""
    w = np.asarray(w, dtype=float)
    fold = w >= w_max
    n_fold = np.ceil(w / np.maximum(w_max - FOLD_OVERHEAD_F * F, 1e-30))
    unit = np.where(fold, n_fold * F + (n_fold - 1.0) * F * GAP_POLY_F, F)
    height = np.where(fold, w_max, w)
    on = w > 0
    return np.where(on, unit, 0.0), np.where(on, height, 0.0)


def gate_area(kind: str, n_in: int, wn, wp, h_region, F: float):
    """(height, width) in m of an INV / NAND gate (or a lone NMOS / PMOS when the other width is 0).

    formula.cpp CalculateGateArea: the region is split between P and N in the ratio of their widths (less the 2 F
    gap); a device that does not fit is folded into fingers.
    """
    wn = np.asarray(wn, dtype=float)
    wp = np.asarray(wp, dtype=float)
    h_region = np.asarray(h_region, dtype=float)
    tot = np.maximum(wn + wp, 1e-30)
    ratio = wp / tot
    both = (wn > 0) & (wp > 0)
    max_p = np.where(both, ratio * (h_region - GAP_PN_F * F), np.where(wn > 0, 0.0, h_region))
    max_n = np.where(both, (1.0 - ratio) * (h_region - GAP_PN_F * F), np.where(wn > 0, h_region, 0.0))
    unit_p, h_p = _region(wp, max_p, F)
    unit_n, h_n = _region(wn, max_n, F)
    c = CONTACT_F * F
    if kind == "inv":
        w_p = 2 * c + unit_p
        w_n = 2 * c + unit_n
    elif kind == "nand":
        w_n = 2 * c + unit_n * n_in + (n_in - 1) * F * GAP_POLY_F
        w_p = 2 * c + unit_p * n_in + (n_in - 1) * c
    else:
        raise ValueError(kind)
    width = np.maximum(w_n, w_p)
    height = np.where(both, h_n + h_p + GAP_PN_F * F + 2 * RAIL_F * F, h_n + h_p)
    return height, width


# NVSim's device tables for the transconductance of its Horowitz terms (Technology.cpp, MASTAR): physical gate length
# (m), oxide capacitance (F/m^2), effective electron and hole mobilities (m^2/V s); nodes between tables are
# interpolated linearly (main.cpp: 28 nm = 0.4 x 22 nm + 0.6 x 32 nm)
_GM_TABLE = {
    (45, "hp"): (18e-9, 3.77e-2, 297.70e-4, 95.27e-4), (32, "hp"): (14e-9, 4.59e-2, 257.73e-4, 89.92e-4),
    (22, "hp"): (10e-9, 3.83e-2, 397.26e-4, 83.60e-4), (45, "lstp"): (28e-9, 1.99e-2, 456.14e-4, 96.98e-4),
    (32, "lstp"): (22e-9, 2.19e-2, 395.20e-4, 88.67e-4), (22, "lstp"): (16e-9, 2.65e-2, 731.29e-4, 111.22e-4),
}


def transconductance_per_m(tech: TechNode) -> tuple[float, float]:
    """(NMOS, PMOS) saturation transconductance per metre of width (S/m), NVSim's CalculateTransconductance:
    ``mu Cox / 2 W / L min(v_dsat, Vdd - Vth)`` with ``v_dsat = L v_sat / mu`` (v_sat 1e5 m/s).  (0, 0) where
    NVSim has no table (then every Horowitz term below is its step-input limit)."""
    node, road = int(round(tech.node_nm)), tech.roadmap
    if (node, road) in _GM_TABLE:
        L, cox, mun, mup = _GM_TABLE[(node, road)]
    elif 22 < node < 32 and (22, road) in _GM_TABLE:
        a = (node - 22) / 10.0
        L, cox, mun, mup = ((1 - a) * x + a * y for x, y in zip(_GM_TABLE[(22, road)], _GM_TABLE[(32, road)],
                                                                 strict=True))
    else:
        return 0.0, 0.0
    out = []
    for mu in (mun, mup):
        vsat = min(L * 1e5 / mu, tech.vdd_V - tech.vth_V)
        out.append(mu * cox / 2.0 / L * vsat)
    return out[0], out[1]


def horowitz(tech: TechNode, tau, r_times_w, ramp_in, w_gm=1.0):
    """NVSim's Horowitz delay of a stage with time constant ``tau`` driven through ``r_on = r_times_w / w`` by a
    device whose transconductance is that of an NMOS of width ``w_gm`` x w (``beta = 1 / (R gm)``), for an input
    ramp ``ramp_in`` (V/s normalised; ``np.inf`` = a step).  Returns (delay_s, output ramp)."""
    gm_n, _ = transconductance_per_m(tech)
    tau = np.asarray(tau, dtype=float)
    if gm_n <= 0:
        t = LN2 * tau
    else:
        beta = 1.0 / (r_times_w * gm_n * w_gm)
        alpha = 1.0 / (np.asarray(ramp_in, dtype=float) * tau)
        t = tau * np.sqrt(np.log(0.5) ** 2 + alpha * beta)
    return t, 0.5 / t


CAP_REGION_F = 20.0  # transistor-region height NVSim's capacitance rules assume (MAX_TRANSISTOR_HEIGHT)


def _junction_caps(tech: TechNode) -> tuple[float, float, float]:
    """NVSim's junction capacitances at the supply (Technology.cpp, BSIM4 grading): bottom (F/m^2), isolation-edge
    sidewall and gate-edge sidewall (F/m), from cjd 1e-3, cjswd 2.5e-10, cjswgd 0.5e-10, built-in potential 0.9 V."""
    x = 1.0 + tech.vdd_V / 0.9
    return 1e-3 / x ** 0.5, 2.5e-10 / x ** 0.33, 0.5e-10 / x ** 0.33


def drain_cap(tech: TechNode, kind: str, n_in: int, wn, wp, h_region):
    """Output (drain) capacitance in F of an INV / NAND (or a lone NMOS / PMOS), formula.cpp CalculateGateCapacitance:
    each diffusion's bottom area and sidewalls plus its gate-edge capacitance, with NVSim's folding of wide devices
    (a series stack shares diffusions, parallel devices each bring their own contacted drain)."""
    F = tech.F_m
    cj, csw, cdc = _junction_caps(tech)
    wn = np.asarray(wn, dtype=float)
    wp = np.asarray(wp, dtype=float)
    h_region = np.asarray(h_region, dtype=float)
    ratio = wp / np.maximum(wn + wp, 1e-30)
    both = (wn > 0) & (wp > 0)
    max_p = np.where(both, ratio * (h_region - GAP_PN_F * F), np.where(wn > 0, 0.0, h_region))
    max_n = np.where(both, (1.0 - ratio) * (h_region - GAP_PN_F * F), np.where(wn > 0, h_region, 0.0))
    contact = CONTACT_F * F / 2.0  # one contact and its two poly gaps: (1 + 2 x 0.75) F
    total = 0.0
    for w, w_max, series in ((wn, max_n, kind == "nand"), (wp, max_p, False)):
        fold = w >= w_max
        n_fold = np.where(fold, np.ceil(w / np.maximum(w_max - FOLD_OVERHEAD_F * F, 1e-30)), 1.0)
        unit = np.where(fold, (n_fold - 1.0) * F * GAP_POLY_F, 0.0)
        h = np.where(fold, w_max, w)
        if kind == "inv":
            wd = contact + unit
        elif series:
            wd = contact + unit * n_in + (n_in - 1) * F * GAP_POLY_F
        else:
            wd = (contact + unit) * n_in
        side = np.where(n_fold % 2 == 0, 2.0 * wd, 2.0 * wd + h) * csw
        total = total + np.where(w > 0, wd * h * cj + side + n_fold * h * cdc, 0.0)
    return total


def _driver_sizing(tech: TechNode, logic_effort, c_in, c_load, max_nmos_m: float):
    """OutputDriver::Initialize (latency first): (stages, stage effort, last NMOS width)."""
    wmin = MIN_NMOS_F * tech.F_m
    pn = tech.pn_ratio
    cg = tech.c_gate(1.0)
    c_load = np.asarray(c_load, dtype=float)
    le = np.broadcast_to(np.asarray(logic_effort, dtype=float), c_load.shape)
    c_in = np.broadcast_to(np.asarray(c_in, dtype=float), c_load.shape)
    f_path = np.maximum(1.0, le * c_load / c_in)
    n = np.maximum(0.0, np.floor(np.log(f_path) / np.log(4.0) + 0.5) - 1.0)
    n = np.minimum(np.where(n % 2 == 0, n + 1.0, n), MAX_STAGES)  # odd: the driver inverts
    f = f_path ** (1.0 / (n + 1.0))
    w_last = np.maximum(wmin, c_load / f / cg / (1.0 + pn))
    capped = w_last > max_nmos_m
    w_last = np.minimum(w_last, max_nmos_m)
    f = np.where(capped, (le * cg * (1.0 + pn) * max_nmos_m / c_in) ** (1.0 / n), f)
    return n, f, w_last


def driver_input_cap(tech: TechNode, logic_effort, c_in, c_load, max_nmos_m: float):
    """Input capacitance (F) of the first inverter of an OutputDriver (what the gate before it drives)."""
    n, f, w_last = _driver_sizing(tech, logic_effort, c_in, c_load, max_nmos_m)
    w_first = np.maximum(MIN_NMOS_F * tech.F_m, w_last / f ** (n - 1.0))
    return tech.c_gate(w_first * (1.0 + tech.pn_ratio))


def output_driver(tech: TechNode, logic_effort, c_in, c_load, r_load, max_nmos_m: float, ramp_in=np.inf):
    """NVSim's latency-first OutputDriver into ``c_load`` behind a gate of input capacitance ``c_in``.

    Returns a dict of arrays: ``h``/``w`` (layout, m), ``c_in0`` (input capacitance of the first inverter, F),
    ``t`` (delay, s; Horowitz stage by stage from ``ramp_in``), ``ramp`` (output ramp), ``leak`` (W), ``e`` (energy
    per transition, J).
    """
    F = tech.F_m
    pn, vdd = tech.pn_ratio, tech.vdd_V
    r0 = tech.r_on(1.0)
    c_load = np.asarray(c_load, dtype=float)
    r_load = np.broadcast_to(np.asarray(r_load, dtype=float), c_load.shape)
    n, f, w_last = _driver_sizing(tech, logic_effort, c_in, c_load, max_nmos_m)
    wmin = MIN_NMOS_F * F
    h = np.zeros_like(c_load)
    w = np.zeros_like(c_load)
    t = np.zeros_like(c_load)
    e = np.zeros_like(c_load)
    leak = np.zeros_like(c_load)
    ramp = np.broadcast_to(np.asarray(ramp_in, dtype=float), c_load.shape).copy()
    k_max = int(np.max(n, initial=1.0))
    wn = [np.maximum(wmin, w_last / f ** k) for k in range(k_max)]  # stage k counted back from the last
    c_in0 = np.zeros_like(c_load)
    for k in range(k_max - 1, -1, -1):  # first stage to last
        on = k < n
        wn_k = wn[k]
        wp_k = pn * wn_k
        hk, wk = gate_area("inv", 1, wn_k, wp_k, LOGIC_REGION_F * F, F)
        c_out = drain_cap(tech, "inv", 1, wn_k, wp_k, CAP_REGION_F * F)
        load = c_load if k == 0 else tech.c_gate(wn[k - 1] * (1.0 + pn))
        tau = r0 / wn_k * (c_out + load)
        if k == 0:
            tau = tau + c_load * r_load / 2.0
        t_k, ramp_k = horowitz(tech, tau, r0, ramp)
        t = t + np.where(on, t_k, 0.0)
        ramp = np.where(on, ramp_k, ramp)
        e = e + np.where(on, (c_out + load) * vdd ** 2, 0.0)
        leak = leak + np.where(on, np.maximum(tech.i_off(wn_k), tech.i_off(wp_k)) * vdd, 0.0)
        h = np.where(on, np.maximum(h, hk), h)
        w = w + np.where(on, wk, 0.0)
        c_in0 = np.where(on & (k == n - 1), tech.c_gate(wn_k + wp_k), c_in0)
    return {"h": h, "w": w, "t": t, "ramp": ramp, "e": e, "leak": leak, "c_in0": c_in0}


def _nand(tech: TechNode, n_in: int):
    """(wn, wp, logic effort, input capacitance) of NVSim's decoder NAND of ``n_in`` inputs."""
    F = tech.F_m
    wn = n_in * MIN_NMOS_F * F
    wp = tech.pn_ratio * MIN_NMOS_F * F
    return wn, wp, (n_in + tech.pn_ratio) / (1.0 + tech.pn_ratio), tech.c_gate(wn) + tech.c_gate(wp)


def row_decoder(tech: TechNode, lines, c_load, r_load, max_nmos_m: float, ramp_in=np.inf):
    """NVSim's RowDecoder of ``lines`` outputs (arrays): layout h/w (m), delay (s) and output ramp from ``ramp_in``,
    leakage of all lines (W), energy of one decoded line (J) and ``c_nand_in`` (the load one NAND input puts on a
    predecoded line, F)."""
    F = tech.F_m
    lines = np.asarray(lines, dtype=float)
    nand = lines > 8
    wn2, wp2, le2, c2 = _nand(tech, 2)
    wi = MIN_NMOS_F * F
    c_inv = tech.c_gate(wi) + tech.c_gate(tech.pn_ratio * wi)
    c_nand_out = drain_cap(tech, "nand", 2, wn2, wp2, CAP_REGION_F * F)
    # the NAND2 first (Horowitz from the predecoded line's ramp), then the driver from the NAND's output ramp
    c_drv = driver_input_cap(tech, np.where(nand, le2, 1.0), np.where(nand, c2, c_inv), c_load, max_nmos_m)
    t_nand, ramp_nand = horowitz(tech, tech.r_on(wn2) * 2.0 * (c_nand_out + c_drv), 2.0 * tech.r_on(1.0), ramp_in)
    drv = output_driver(tech, np.where(nand, le2, 1.0), np.where(nand, c2, c_inv), c_load, r_load, max_nmos_m,
                        ramp_in=np.where(nand, ramp_nand, ramp_in))
    h_nand, w_nand = gate_area("nand", 2, wn2, wp2, LOGIC_REGION_F * F, F)
    h = np.where(nand, np.maximum(h_nand, drv["h"]), drv["h"]) * lines
    w = np.where(nand, w_nand + drv["w"], drv["w"])
    t = drv["t"] + np.where(nand, t_nand, 0.0)
    leak_nand = 0.48 * 2.0 * tech.i_off(wp2) * tech.vdd_V  # NVSim's NAND2 leakage (AVG_RATIO_LEAK_2INPUT_NAND)
    leak = (drv["leak"] + np.where(nand, leak_nand, 0.0)) * lines
    e = drv["e"] + np.where(nand, (c_nand_out + drv["c_in0"]) * tech.vdd_V ** 2, 0.0)
    return {"h": h, "w": w, "t": t, "ramp": drv["ramp"], "leak": leak, "e": e, "c_nand_in": c2}


def _basic_decoder(tech: TechNode, bits: int, c_load, max_nmos_m: float):
    """NVSim's BasicDecoder (1:2, 2:4 or 3:8) from a step input: (h, w, t, output ramp, leak, e)."""
    F = tech.F_m
    if bits == 1:
        wi = MIN_NMOS_F * F
        c_inv = tech.c_gate(wi) + tech.c_gate(tech.pn_ratio * wi)
        drv = output_driver(tech, 1.0, c_inv, c_load, 0.0, max_nmos_m)
        return 2.0 * drv["h"], drv["w"], drv["t"], drv["ramp"], 2.0 * drv["leak"], drv["e"]
    wn, wp, le, c_nand = _nand(tech, bits)
    gates = 4.0 if bits == 2 else 8.0
    c_out = drain_cap(tech, "nand", bits, wn, wp, CAP_REGION_F * F)
    c_drv = driver_input_cap(tech, le, c_nand, c_load, max_nmos_m)
    t_nand, ramp_nand = horowitz(tech, tech.r_on(wn) * bits * (c_out + c_drv), bits * tech.r_on(1.0), np.inf)
    drv = output_driver(tech, le, c_nand, c_load, 0.0, max_nmos_m, ramp_in=ramp_nand)
    h_nand, w_nand = gate_area("nand", bits, wn, wp, LOGIC_REGION_F * F, F)
    ratio = 0.48 if bits == 2 else 0.31  # AVG_RATIO_LEAK_2/3INPUT_NAND
    leak = (ratio * bits * tech.i_off(wp) * tech.vdd_V + drv["leak"]) * gates
    e = (c_out + drv["c_in0"]) * tech.vdd_V ** 2 + drv["e"]
    return np.maximum(h_nand, drv["h"]) * gates, w_nand + drv["w"], t_nand + drv["t"], drv["ramp"], leak, e


def predecode_block(tech: TechNode, bits: int, c_load, max_nmos_m: float):
    """NVSim's PredecodeBlock of ``bits`` (0-6) address bits driving ``c_load`` per output, from a step input:
    (area, t, output ramp, leak, e)."""
    c_load = np.asarray(c_load, dtype=float)
    zero = np.zeros_like(c_load)
    if bits == 0:
        return zero, zero, np.full(c_load.shape, np.inf), zero, zero
    if bits <= 3:
        h, w, t, ramp, leak, e = _basic_decoder(tech, bits, c_load, max_nmos_m)
        return h * w, t, ramp, leak, e
    if bits > 6:
        raise ValueError(f"predecode block of {bits} bits (NVSim splits rows into blocks of at most 6 here)")
    lines = np.full(c_load.shape, 2.0 ** bits)
    cn = _nand(tech, 2)[3]
    # the two basic decoders and the NAND inputs each output line loads (PredecodeBlock::Initialize)
    parts = {4: ((2, 4.0), (2, 4.0)), 5: ((2, 8.0), (3, 4.0)), 6: ((3, 8.0), (3, 8.0))}[bits]
    hs, ws, leak, e = 0.0, zero, zero, zero
    t_first, ramp_min = None, np.full(c_load.shape, np.inf)
    for b, fan in parts:
        h, w, t, ramp, lk, eb = _basic_decoder(tech, b, fan * cn * np.ones_like(c_load), max_nmos_m)
        hs = hs + h
        ws = np.maximum(ws, w)
        t_first = t if t_first is None else t_first  # NVSim times both paths with the first decoder's delay ...
        ramp_min = np.minimum(ramp_min, ramp)  # ... and the slower ramp into the NAND stage sets the longer path
        leak = leak + lk
        e = e + eb
    stage = row_decoder(tech, lines, c_load, 0.0, max_nmos_m, ramp_in=ramp_min)
    area = (ws + stage["w"]) * np.maximum(hs, stage["h"])
    return area, t_first + stage["t"], stage["ramp"], leak + stage["leak"], e + stage["e"]


def _split(bits):
    """NVSim's split of a decoder's address bits into two predecoder blocks (the second from 4 bits on)."""
    b2 = np.where(bits > 3, bits // 2, 0)
    return bits - b2, b2


def mat_predecoders(tech: TechNode, rows, mux, out_mux, h_sub, w_sub, sub_rows, sub_cols, c_wire_m: float,
                    max_nmos_m: float):
    """One mat's predecoder blocks (Mat.cpp): area (m^2), delay (s), leakage (W), energy (J) and the ramp the row
    predecoders hand the subarray (the slower of the two row blocks)."""
    c_row = c_wire_m * (h_sub * sub_rows / 2.0 + w_sub * sub_cols / 2.0)
    c_mux = c_wire_m * (np.maximum(0.0, h_sub * (sub_rows - 2) / 2.0) + np.maximum(0.0, w_sub * (sub_cols - 2) / 2.0))
    area = np.zeros_like(rows)
    t = np.zeros_like(rows)
    leak = np.zeros_like(rows)
    e = np.zeros_like(rows)
    ramp_rows = np.full(rows.shape, np.inf)
    for which, (lines, c) in enumerate(((rows, c_row), (mux, c_mux), (out_mux, c_mux))):
        bits = np.round(np.log2(np.maximum(lines, 1.0))).astype(int)
        for part in _split(bits):
            for b in np.unique(part):
                if b == 0:
                    continue
                m = part == b
                a_b, t_b, r_b, l_b, e_b = predecode_block(tech, int(b), c[m], max_nmos_m)
                area[m] += a_b
                t[m] = np.maximum(t[m], t_b)
                leak[m] += l_b
                e[m] += e_b
                if which == 0:
                    ramp_rows[m] = np.minimum(ramp_rows[m], r_b)
    return area, t, leak, e, ramp_rows


def sense_amp_height(tech: TechNode, pitch, current_sense: bool):
    """Height (m) of one sense amplifier laid out at ``pitch`` (SenseAmp::CalculateArea, CACTI's latch)."""
    F = tech.F_m
    pitch = np.asarray(pitch, dtype=float)
    width = np.zeros_like(pitch)
    height = np.zeros_like(pitch)
    # each device is drawn across the pitch: a gate's (height, width) swap roles here
    for w_dev, nmos, count in ((W_SENSE_P, False, 2), (W_SENSE_ISO, False, 1), (W_SENSE_N, True, 2),
                               (W_SENSE_EN, True, 1)):
        wn = w_dev * F if nmos else 0.0
        wp = 0.0 if nmos else w_dev * F
        across, along = gate_area("inv", 1, wn, wp, pitch, F)
        width = np.maximum(width, across)
        height = height + count * along
    height = height + 4.0 * GAP_SAME_F * F + GAP_PN_F * F
    height = height * width / pitch
    if current_sense:
        height = height + IV_CONVERTER_AREA_F2 * F * F / pitch
    return height


def precharger(tech: TechNode, cols, w_cell_m: float, c_wire_m: float, max_nmos_m: float, v_precharge: float):
    """Precharger (height m, leakage W, enable delay s): two 6 F PMOS and a 1.5 F equaliser per column, an
    inverter per column and one latency-first driver for the row of them; the precharge devices leak from
    ``v_precharge`` (NVSim: Vdd / 2 for SRAM; left unset, i.e. 0, for current-sensed cells)."""
    F = tech.F_m
    wi = MIN_NMOS_F * F
    h_pre, _ = gate_area("inv", 1, 0.0, 6.0 * F, LOGIC_REGION_F * F, F)
    h_eq, _ = gate_area("inv", 1, 0.0, wi, LOGIC_REGION_F * F, F)
    h_inv, _ = gate_area("inv", 1, wi, tech.pn_ratio * wi, LOGIC_REGION_F * F, F)
    c_inv = tech.c_gate(wi) + tech.c_gate(tech.pn_ratio * wi)
    drv = output_driver(tech, 1.0, c_inv, cols * (c_inv + w_cell_m * c_wire_m), 0.0, max_nmos_m)
    height = np.maximum(np.maximum(h_pre, h_eq) + h_inv, drv["h"])
    vdd = tech.vdd_V
    leak = (drv["leak"] + cols * vdd * max(tech.i_off(wi), tech.i_off(tech.pn_ratio * wi))
            + cols * v_precharge * tech.i_off(6.0 * F))
    return height, leak, drv["t"]


def pass_gate_height(tech: TechNode, w_pass: float) -> float:
    """Height (m) of a strip of column-mux pass gates (an NMOS of ``w_pass`` in a 40 F region)."""
    F = tech.F_m
    h, _ = gate_area("inv", 1, w_pass, 0.0, LOGIC_REGION_F * F, F)
    return float(h)
