"""NVSim's layout and device primitives, vectorised over numpy arrays: gate layout and folding, drain capacitance,
transconductance, and the sense amplifier's and pass-gate strip's layouts.

Each follows NVSim's formula.cpp / SenseAmp.cpp / Mux.cpp (public source, read, not copied):

* :func:`gate_area`: CalculateGateArea -- a gate's layout from its device widths in a transistor region of fixed
  height (40 F for logic): devices wider than the region are folded (3 F folding overhead per finger, 1.5 F poly
  gaps), contacts take 2 x (1 + 2 x 0.75) F, a gate adds the 2 F P/N gap and two 2 F rails;
* :func:`drain_cap`: CalculateGateCapacitance's output capacitance -- each diffusion's bottom area and sidewalls plus
  its gate-edge capacitance, with the same folding;
* :func:`transconductance_per_m`: CalculateTransconductance from NVSim's device tables (the ``beta`` of its Horowitz
  terms, which nvmsim's technology rows do not carry);
* :func:`sense_amp_height`, :func:`pass_gate_height`: the latch sense amplifier laid out at the mux pitch (plus the
  I-V converter of current sensing) and a strip of column-mux pass gates.

The stock model's blocks built from them are :mod:`.nvsim_gates` (Numba kernels) and :mod:`.nvsim_mat`.
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


CAP_REGION_F = 20.0  # transistor-region height NVSim's capacitance rules assume (MAX_TRANSISTOR_HEIGHT)


def _junction_caps(tech: TechNode) -> tuple[float, float, float]:
    """NVSim's junction capacitances at the supply (Technology.cpp, BSIM4 grading): bottom (F/m^2), isolation-edge
    sidewall and gate-edge sidewall (F/m), from cjd 1e-3, cjswd 2.5e-10, cjswgd 0.5e-10, built-in potential 0.9 V."""
    x = 1.0 + tech.vdd_V / 0.9
    return 1e-3 / x ** 0.5, 2.5e-10 / x ** 0.33, 0.5e-10 / x ** 0.33


def drain_cap(tech: TechNode, kind: str, n_in: int, wn, wp, h_region):
    """Output (drain) capacitance in F of an INV / NAND (or a lone NMOS / PMOS), formula.cpp CalculateGateCapacitance:
    each diffusion's bottom area and sidewalls plus its gate-edge capacitance, with NVSim's folding of wide devices
    (a series stack shares diffusions, parallel devices each bring their own contacted drain).

    One gate (scalar widths) goes to the compiled :func:`models.circuit.nvsim_gates.drain_cap`, the same formula
    (the tests hold the two equal): a search asks for a few thousand single gates, at ~50 us each through numpy.
    """
    if np.ndim(wn) == 0 and np.ndim(wp) == 0 and np.ndim(h_region) == 0:
        from models.circuit import nvsim_gates as ng  # imports this module's layout constants: not at the top

        return ng.drain_cap(kind == "nand", n_in, float(wn), float(wp), float(h_region), ng.tech_consts(tech))
    F = tech.F_m
    cj, csw, cdc = _junction_caps(tech)
    wn = np.asarray(wn, dtype=float)
    wp = np.asarray(wp, dtype=float)
    h_region = np.asarray(h_region, dtype=float)
    ratio = wp / np.maximum(wn + wp, 1e-30)
    both = (wn > 0) & (wp > 0)
    max_p = np.where(both, ratio * (h_region - GAP_PN_F * F), np.where(wn > 0, 0.0, h_region))
    max_n = np.where(both, (1.0 - ratio) * (h_region - GAP_PN_F * F), np.where(wn > 0, h_region, 0.0))
    contact = CONTACT_F * F  # one contact and its two poly gaps: (1 + 2 x 0.75) F
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


def pass_gate_height(tech: TechNode, w_pass: float) -> float:
    """Height (m) of a strip of column-mux pass gates (an NMOS of ``w_pass`` in a 40 F region)."""
    F = tech.F_m
    h, _ = gate_area("inv", 1, w_pass, 0.0, LOGIC_REGION_F * F, F)
    return float(h)
