"""Circuit primitives, vectorised over numpy arrays (SI units: s, F, ohm, J, W, m).

* Horowitz (1983) stage delay for a ramp input, as NVSim/CACTI use it.
* Logical-effort driver chains (Sutherland, Sproull & Harris): stage count ~ log4 of the electrical effort.
* Distributed RC wires: Elmore delay of a uniform line, 0.38 R C (50 % point, Bakoglu), plus the driver.
"""

from __future__ import annotations

import numpy as np

LN2 = float(np.log(2.0))
ELMORE_DISTRIBUTED = 0.38  # 50 % delay of a distributed RC line = 0.38 R C (Bakoglu; Elmore gives 0.5)


def horowitz(tau, beta=0.5, ramp_input=None, v_switch=0.5):
    """Horowitz stage delay (s).

    ``t = tau sqrt(ln(vs)^2 + 2 alpha beta (1 - vs))`` with ``alpha = 1 / (tau ramp_input)``; a step input
    (``ramp_input=None``) gives ``t = ln(1/vs) tau`` (= 0.69 tau at vs = 0.5).
    """
    tau = np.asarray(tau, dtype=float)
    if ramp_input is None:
        return tau * abs(np.log(v_switch))
    alpha = 1.0 / (tau * np.asarray(ramp_input, dtype=float))
    return tau * np.sqrt(np.log(v_switch) ** 2 + 2.0 * alpha * beta * (1.0 - v_switch))


def wire_delay(r_total, c_total, r_driver=0.0, c_load=0.0):
    """Delay (s) of a driver of resistance ``r_driver`` into a distributed RC wire ending in ``c_load``.

    Elmore: ``0.69 R_d (C_w + C_L) + 0.38 R_w C_w + 0.69 R_w C_L``.
    """
    return LN2 * r_driver * (c_total + c_load) + ELMORE_DISTRIBUTED * r_total * c_total + LN2 * r_total * c_load


def driver_chain(tech, c_load, r_wire=0.0, c_wire=0.0, w_first=None):
    """Logical-effort inverter chain from a minimum inverter to a load.

    Parameters
    ----------
    tech : TechNode
    c_load : array
        Lumped load capacitance at the end of the wire (F).
    r_wire, c_wire : array
        Distributed wire between the last stage and the load (ohm, F).
    w_first : float, optional
        NMOS width of the first stage (m), default the node's minimum.

    Returns
    -------
    (delay_s, energy_J, leak_W, width_m)
        Delay through the chain and the wire; switching energy per transition of the whole chain and its
        load; leakage (half the devices off-state, NMOS or PMOS, as NVSim's inverter rule); total NMOS+PMOS
        width of the chain (for area).
    """
    wn0 = tech.w_min_m if w_first is None else w_first
    w_inv0 = wn0 * (1.0 + tech.pn_ratio)
    c_in0 = tech.c_gate(w_inv0)
    c_par0 = tech.c_drain(w_inv0)
    r0 = tech.r_on(wn0)
    gamma = c_par0 / c_in0  # parasitic delay ratio
    c_tot = np.asarray(c_load, dtype=float) + np.asarray(c_wire, dtype=float)
    effort = np.maximum(c_tot / c_in0, 1.0)
    n = np.maximum(1.0, np.round(np.log(effort) / np.log(4.0)))
    f = effort ** (1.0 / n)
    tau0 = r0 * c_in0
    # n stages, each of effort f: delay ln2 * tau0 * (f + gamma) per stage (the last one drives c_tot)
    t_gates = LN2 * tau0 * n * (f + gamma)
    t_wire = ELMORE_DISTRIBUTED * r_wire * c_wire + LN2 * (r_wire * c_load)
    # widths: geometric series of sizes 1, f, f^2 ... f^(n-1)
    total_size = np.where(f > 1.0 + 1e-9, (f ** n - 1.0) / np.maximum(f - 1.0, 1e-9), n)
    width = w_inv0 * total_size
    energy = (c_tot + c_in0 * total_size * (1.0 + gamma)) * tech.vdd_V ** 2
    leak = 0.5 * tech.i_off(width) * tech.vdd_V
    return t_gates + t_wire, energy, leak, width


def fo4_delay(tech) -> float:
    """Fanout-of-4 inverter delay (s) of the node: ln2 R_min (4 C_in + C_par)."""
    w = tech.w_min_m * (1.0 + tech.pn_ratio)
    return LN2 * tech.r_on(tech.w_min_m) * (4.0 * tech.c_gate(w) + tech.c_drain(w))


def repeated_wire(tech, r_per_m: float, c_per_m: float):
    """Optimally repeated wire (Bakoglu; NVSim's RepeatedOpt): per-metre delay (s/m), energy (J/m), leakage (W/m).

    Repeater size ``s = sqrt(R0 c / (C0 r))`` (in minimum inverters) every ``l = sqrt(2 R0 (C0 + Cd) / (r c))``;
    one segment has ``tau = (R0/s)(s (C0 + Cd) + c l) + r l s C0 + r c l^2 / 2`` and takes ``0.693 tau``.
    """
    w0 = tech.w_min_m * (1.0 + tech.pn_ratio)
    r0, c0, cd = tech.r_on(tech.w_min_m), tech.c_gate(w0), tech.c_drain(w0)
    s = np.sqrt(r0 * c_per_m / (c0 * r_per_m))
    seg = np.sqrt(2.0 * r0 * (c0 + cd) / (r_per_m * c_per_m))
    tau = (r0 / s) * (s * (c0 + cd) + c_per_m * seg) + r_per_m * seg * s * c0 + r_per_m * c_per_m * seg ** 2 / 2.0
    delay = LN2 * tau / seg
    energy = (s * (c0 + cd) + c_per_m * seg) * tech.vdd_V ** 2 / seg
    leak = 0.5 * tech.i_off(s * w0) * tech.vdd_V / seg
    return float(delay), float(energy), float(leak)
