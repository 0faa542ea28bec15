"""NVSim's global wires for the H-tree (Wire.cpp): unrepeated full swing, unrepeated low swing, optimally repeated.

The configurations here fix the data array's wires (unrepeated, full swing; "repeated" on request), and NVSim refines
each target's tag-array winner over other global wires (main.cpp, REFINE_GLOBAL_WIRE_FORLOOP), keeping a variant
only if it is strictly better on that target.  In the reference runs the winners are the low-swing wire (the energy
targets' tags, whose H-tree energy it cuts) and the repeated wire (a large tag's latency targets); the conservative
wire types never win there and are not modelled.

* full swing: ``2.3 r c L^2 / 2``, ``c L Vdd^2``, no leakage, no silicon;
* low swing (CalculateLatencyAndPower with ``isLowSwing``): a NAND2 and an inverter sized by logical effort drive a
  transmitter NMOS sized for the wire (from the FO4 delay, CACTI's rule), the wire swings 0.1 V (0.4 V overdrive), a
  voltage sense amplifier loads its end (whose own delay, energy and leakage NVSim leaves at zero: it never
  evaluates them);
* repeated (:func:`repeated`): linear delay, repeaters that leak and take bank area.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from models.circuit import nvsim_gates as ng
from models.circuit.nvsim_periphery import (
    CAP_REGION_F,
    LOGIC_REGION_F,
    MIN_NMOS_F,
    W_SENSE_ISO,
    W_SENSE_MUX,
    W_SENSE_N,
    W_SENSE_P,
    drain_cap,
    gate_area,
    transconductance_per_m,
)
from models.technology import TechNode

RES_ADJ = 8.6  # NVSim constant.h
VOL_SWING = 0.1  # V
OVERDRIVE = 0.4  # V
MAX_NMOS_SIZE_F = 100.0  # constant.h MAX_NMOS_SIZE (the transmitter's clamp; the configuration's MaxNmosSize caps RC)


def full_swing(tech: TechNode, length: float) -> tuple[float, float, float]:
    """An unrepeated full-swing global wire of ``length`` m: (delay s, energy J, leakage W) = 2.3 R C / 2, C Vdd^2,
    0."""
    r, c = tech.wire("global")
    return 2.3 * r * c * length * length / 2.0, c * length * tech.vdd_V ** 2, 0.0


def low_swing(tech: TechNode, length: float, max_nmos_F: float = 100.0) -> tuple[float, float, float]:
    """NVSim's unrepeated low-swing global wire of ``length`` m: (delay s, energy J, leakage W)."""
    F = tech.F_m
    vdd = tech.vdd_V
    pn = tech.pn_ratio
    r_w, c_w = tech.wire("global")
    gm_n, gm_p = transconductance_per_m(tech)
    wn = MIN_NMOS_F * F
    wp = pn * wn

    def cin(a, b):
        return tech.c_gate(a) + tech.c_gate(b)

    def hz(tau, inv_beta, ramp):  # NVSim's Horowitz with beta = 1 / inv_beta (a step limit without gm tables)
        return ng.horowitz(tau, 1.0 / inv_beta if inv_beta > 0 else 0.0, ramp)

    c_in = cin(wn, wp)
    c_out = float(drain_cap(tech, "inv", 1, wn, wp, CAP_REGION_F * F))
    r_up = tech.r_on(wp, pmos=True)
    _, rise = hz(r_up * (c_in + c_out), r_up * gm_p * wp, 1e20)
    r_dn = tech.r_on(wn)
    g_n = r_dn * gm_n * wn
    _, ramp = hz(r_dn * (c_in + c_out), g_n, rise)
    fo4, _ = hz(r_dn * (c_out + 4.0 * c_in), g_n, 1e20)
    cap_wire = c_w * length
    res_wire = r_w * length
    res_drv = (-8.0 * fo4 / (math.log(0.5) * cap_wire)) / RES_ADJ
    w_drv = min(r_dn * wn / res_drv, MAX_NMOS_SIZE_F * F)
    w_drv = max(w_drv, MIN_NMOS_F * F)
    if res_wire * cap_wire > 8.0 * fo4:
        w_drv = max_nmos_F * F
    c_gate_drv = tech.c_gate(w_drv)
    le2 = (2.0 + pn) / (1.0 + pn)
    effort = math.sqrt(le2 * c_gate_drv / cin(2.0 * wn, 2.0 * wp))
    size = max(le2 * c_gate_drv / effort / c_in, 1.0)
    # the NAND2, then the sized inverter driving the transmitter's gate
    r_nand = 2.0 * r_dn
    c_nand_out = float(drain_cap(tech, "nand", 2, 2.0 * wn, wp, LOGIC_REGION_F * F))
    c_inv_in = cin(size * wn, size * wp)
    c_inv_out = float(drain_cap(tech, "inv", 1, size * wn, size * wp, LOGIC_REGION_F * F))
    load = c_nand_out + c_inv_in
    delay, ramp = hz(r_nand * load, r_nand * gm_n * wn, ramp)
    energy = load * vdd ** 2
    r_inv = tech.r_on(size * wn)
    load = c_inv_out + c_gate_drv
    d, ramp = hz(r_inv * load, r_inv * gm_n * wn, ramp)
    delay += d
    energy += load * vdd ** 2
    leak = 2.0 * (2.0 * vdd * max(tech.i_off(size * wn), tech.i_off(size * wp))
                  + 2.0 * vdd * 0.48 * 2.0 * tech.i_off(wp))
    # the transmitter, the wire and the sense amplifier's input at its end
    huge = 1.0  # NVSim lays the wire's sense amplifier out in a 1 m pitch ("for test"): no folding
    c_sa = (tech.c_gate((W_SENSE_P + W_SENSE_N) * F) + float(drain_cap(tech, "inv", 1, W_SENSE_N * F, 0.0, huge))
            + float(drain_cap(tech, "inv", 1, 0.0, W_SENSE_P * F, huge))
            + float(drain_cap(tech, "inv", 1, 0.0, W_SENSE_ISO * F, huge))
            + float(drain_cap(tech, "inv", 1, W_SENSE_MUX * F, 0.0, huge)))
    c_drain_drv = float(drain_cap(tech, "inv", 1, w_drv, 0.0, LOGIC_REGION_F * F))
    r_drv = tech.r_on(w_drv)
    tau = r_drv * RES_ADJ * (cap_wire + 2.0 * c_drain_drv) + cap_wire * res_wire / 2.0 + (r_drv + res_wire) * c_sa
    d, _ = hz(tau, r_drv * gm_n * w_drv, ramp)
    delay += d
    energy = (energy + (cap_wire + 2.0 * c_drain_drv + c_sa) * VOL_SWING * OVERDRIVE) * 2.0
    leak += 4.0 * vdd * tech.i_off(w_drv)
    return delay, energy, leak


@dataclass(frozen=True)
class Wire:
    """A global wire for the H-tree: ``delay(length)`` etc. per routed bit, and the layout its repeaters take (NVSim:
    unrepeated wires run on an upper metal layer, ``pitch`` 0; repeated ones widen the bank by their pitch, ``share``
    bundles side by side per repeater height)."""

    kind: str
    unit: tuple[float, float, float] = (0.0, 0.0, 0.0)  # repeated: delay s/m, energy J/m, leakage W/m
    pitch: float = 0.0
    share: float = 1.0

    def at(self, tech: TechNode, length: float, max_nmos_F: float = 100.0) -> tuple[float, float, float]:
        if self.kind == "full":
            return full_swing(tech, length)
        if self.kind == "low_swing":
            return low_swing(tech, length, max_nmos_F)
        return self.unit[0] * length, self.unit[1] * length, self.unit[2] * length


FULL_SWING = Wire("full")
LOW_SWING = Wire("low_swing")


def repeated(tech: TechNode) -> Wire:
    """NVSim's optimally repeated global wire (Wire::findOptimalRepeater, getRepeatedWireUnit*): repeaters of a
    minimum inverter scaled by ``sqrt(R_0 c / (C_0 r))`` every ``sqrt(2 R_0 (C_0 + C_d) / (r c))``; delay
    ``0.693 tau / spacing`` per metre, switching energy and one repeater's leakage per spacing; the wire's pitch (8 F,
    global aggressive) plus a repeater's width, ``spacing / repeater height`` bundles sharing a repeater row."""
    F = tech.F_m
    pn = tech.pn_ratio
    r, c = tech.wire("global")
    big = 1.0  # NVSim evaluates the repeaters' drain capacitance with no region limit ("1 m")

    def inv(scale):
        n = MIN_NMOS_F * F * scale
        p = n * pn
        c_in = tech.c_gate(n) + tech.c_gate(p)
        c_out = float(drain_cap(tech, "inv", 1, n, 0.0, big)) + float(drain_cap(tech, "inv", 1, 0.0, p, big))
        return n, p, c_in, c_out, tech.r_on(n) + tech.r_on(p, pmos=True)

    _, _, c_in, c_out, r_out = inv(1.0)
    size = math.sqrt(r_out * c / c_in / r)
    spacing = math.sqrt(2.0 * r_out * (c_out + c_in) / (r * c))
    n, p, c_in, c_out, r_out = inv(size)
    wc, wr = c * spacing, r * spacing
    tau = r_out * (c_in + c_out) + r_out * wc + wr * c_out + 0.5 * wr * wc
    unit = (0.693 * tau / spacing, (c_in + c_out + wc) * tech.vdd_V ** 2 / spacing,
            max(tech.i_off(n), tech.i_off(p)) * tech.vdd_V / spacing)
    h, w = gate_area("inv", 1, n, p, 1e41, F)
    h, w = float(h), float(w)
    height, width = min(h, w), max(h, w)
    return Wire("repeated", unit, 8.0 * F + width, math.floor(spacing / height))
