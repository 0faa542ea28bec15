"""Technology nodes: transistor and wire constants for the circuit model.

One :class:`TechNode` per (node, roadmap) at a temperature.  Values are given at
350 K (the temperature NVSim's and DeepNVM++'s runs use) and scaled to the
requested temperature: off-current exponentially between the tabulated 300 K
and 350 K values, on-current with mobility (~1/T), wire resistance with copper's
``1 + 0.0039 (T - 293)``.

Sources, per row of ``_NODES``:

* 22, 32, 45 nm HP and 22, 32 nm LSTP: NVSim's device tables (ITRS/MASTAR roadmaps, inherited from CACTI),
  as extracted at 350 K in the project reference (Vdd, Vth, I_on, I_off at 300/350 K, gate
  capacitance C_ideal + C_overlap(0.2 C_ideal) + 3 C_fringe, k_R, P/N ratio).
* 45 nm LSTP: CACTI 6.5 ``technology.cc`` (ITRS 2007 LSTP, 45 nm): Vdd 1.1 V, Vth 0.50 V, I_on 666/~300 uA/um,
  I_off 2e-5 uA/um at 300 K; capacitances as 32 nm LSTP.  Approximate (quoted from the table's magnitudes).
* 28 nm: NVSim's own rule for nodes between tables: linear interpolation between 22 and 32 nm, geometric
  for the off-current, the gate's overlap capacitance kept at its 22 nm value (Technology::InterpolateWith does
  not interpolate it: 1.095 fF/um, not 1.126).  The HP rows carry NVSim's values to its printed precision
  (checked against a build of NVSim printing its Technology at 22, 28, 32 and 45 nm).
* 16 nm FinFET: a bulk FinFET HP device at Vdd 0.8 V (16 nm FinFET platform, Wu et al. IEDM 2013; PTM-MG
  16 nm HP for the capacitance and threshold).  Currents are per um of *layout footprint* (fin pitch 48 nm,
  so one fin = 0.048 um of footprint).  The 350 K off-current (2.2 uA/um footprint, ~0.1 uA per fin) is a
  calibration constant: it is set so that a 3 MB 16 nm SRAM cache leaks what DeepNVM++ Table II reports
  (6.4 W); it is of the order of NVSim's 22 nm HP value at 350 K (1.06 uA/um).  The 16 nm LSTP row scales the
  22 nm LSTP currents by the same footprint gain.
* Wires (r in ohm/um, c in fF/um at 350 K, local / semi-global / global, "aggressive" ITRS projections):
  22 and 32 nm from NVSim's tables; 28 nm takes the 32 nm table, as NVSim's Wire::Initialize does (it has
  no 28 nm table and selects by "feature size <= 32 nm"); 45 nm from NVSim's Wire.cpp 45 nm aggressive tables
  (the same formulas reproduce the 22 and 32 nm rows); the local and global wires of the HP rows carry NVSim's
  values at 350 K to 10 digits, as a build of NVSim printing its wires gives them; 16 nm scaled from 22 nm with
  NVSim's geometry rule (pitch proportional to F: r ~ 1/F^2, c about constant).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from models.errors import ConfigError

ROADMAPS = ("hp", "lstp")


@dataclass(frozen=True)
class TechNode:
    """Device and wire constants of one node and roadmap (SI-unit suffixes in names)."""

    node_nm: float
    roadmap: str
    temperature_K: float
    vdd_V: float
    vth_V: float
    ion_n_uA_per_um: float
    ion_p_uA_per_um: float
    ioff_uA_per_um: float  # at temperature_K
    cgate_fF_per_um: float
    cdrain_fF_per_um: float
    k_r: float  # effective-resistance multiplier (CACTI/NVSim)
    pn_ratio: float
    r_local_ohm_per_um: float
    c_local_fF_per_um: float
    r_semi_ohm_per_um: float
    c_semi_fF_per_um: float
    r_global_ohm_per_um: float
    c_global_fF_per_um: float
    finfet: bool = False
    fin_pitch_nm: float = 0.0
    source: str = ""

    @property
    def F_m(self) -> float:
        return self.node_nm * 1e-9

    def fin_width_m(self) -> float:
        """Footprint width of one fin (FinFET nodes)."""
        return self.fin_pitch_nm * 1e-9

    def r_on(self, width_m, pmos: bool = False):
        """Effective on-resistance (ohm) of a transistor of footprint width ``width_m``: k_R Vdd / (I_on W)."""
        ion = (self.ion_p_uA_per_um if pmos else self.ion_n_uA_per_um) * 1e-6 / 1e-6  # A per m of width
        return self.k_r * self.vdd_V / (ion * width_m)

    def c_gate(self, width_m):
        """Gate capacitance (F) of width ``width_m``."""
        return self.cgate_fF_per_um * 1e-15 / 1e-6 * width_m

    def c_drain(self, width_m):
        """Drain (junction) capacitance (F) of width ``width_m``."""
        return self.cdrain_fF_per_um * 1e-15 / 1e-6 * width_m

    def i_off(self, width_m):
        """Off-current (A) of width ``width_m`` at this node's temperature."""
        return self.ioff_uA_per_um * 1e-6 / 1e-6 * width_m

    def i_on(self, width_m):
        return self.ion_n_uA_per_um * 1e-6 / 1e-6 * width_m

    @property
    def w_min_m(self) -> float:
        """Minimum NMOS width: 1.5 F planar (NVSim MIN_NMOS_SIZE), one fin on FinFET nodes."""
        return self.fin_width_m() if self.finfet else 1.5 * self.F_m

    def wire(self, kind: str) -> tuple[float, float]:
        """(r ohm/m, c F/m) of a wire layer: 'local', 'semi' or 'global'."""
        r = getattr(self, f"r_{kind}_ohm_per_um") * 1e6
        c = getattr(self, f"c_{kind}_fF_per_um") * 1e-9
        return r, c


# node, roadmap: vdd, vth, ion_n, ion_p, ioff300, ioff350, cg, cd, kR, pn,
#                r_loc, c_loc, r_semi, c_semi, r_glob, c_glob, finfet, fin_pitch, source
_NODES = {
    (22, "hp"): (0.90, 0.12872, 1930.7, 974.9, 0.597, 1.05717, 0.9396, 0.20, 1.45, 2.00,
                 79.74989126, 0.2799663289, 19.94, 0.280, 2.023568288, 0.2944615643, False, 0,
                 "NVSim 22nm HP (ITRS/MASTAR) at 350 K"),
    (22, "lstp"): (0.80, 0.446, 696, 353, 1.6e-5, 9.6e-5, 1.110, 0.22, 1.99, 2.23,
                   79.75, 0.280, 19.94, 0.280, 2.02, 0.295, False, 0, "NVSim 22nm LSTP (ITRS/MASTAR) at 350 K"),
    (32, "hp"): (0.90, 0.13172, 1715.7, 1565.1, 0.834, 1.18, 1.2504, 0.24, 1.49, 2.41,
                 33.15700955, 0.2881178, 7.85, 0.294, 0.7970434988, 0.3112358543, False, 0,
                 "NVSim 32nm HP (ITRS/MASTAR) at 350 K"),
    (32, "lstp"): (1.00, 0.582, 526, 509, 3.0e-5, 1.8e-4, 1.170, 0.24, 1.99, 2.23,
                   33.16, 0.288, 7.85, 0.294, 0.80, 0.311, False, 0, "NVSim 32nm LSTP (ITRS/MASTAR) at 350 K"),
    (45, "hp"): (1.00, 0.12679, 1745.8, 1535.5, 0.28, 0.569, 1.3236, 0.27, 1.51, 2.41,
                 10.65185185, 0.277604, 3.42, 0.278, 0.3321116915, 0.2962530571, False, 0,
                 "NVSim 45nm HP (ITRS/MASTAR); wires: NVSim Wire.cpp 45nm aggressive tables at 350 K"),
    (45, "lstp"): (1.10, 0.50, 666, 300, 2.0e-5, 1.2e-4, 1.170, 0.27, 1.99, 2.23,
                   10.65, 0.278, 3.42, 0.278, 0.332, 0.296, False, 0,
                   "CACTI 6.5 45nm LSTP (ITRS 2007), approx.; wires: NVSim Wire.cpp 45nm aggressive at 350 K"),
    (16, "hp"): (0.80, 0.25, 1600, 1300, 1.0, 1.9, 1.000, 0.30, 1.45, 1.25,
                 150.0, 0.270, 37.5, 0.270, 3.8, 0.290, True, 48,
                 "16nm FinFET HP (Wu et al. IEDM 2013; PTM-MG 16nm); I_off calibrated to DeepNVM++ Table II"),
    (16, "lstp"): (0.80, 0.45, 1000, 520, 3.0e-5, 1.8e-4, 1.000, 0.30, 1.99, 1.25,
                   150.0, 0.270, 37.5, 0.270, 3.8, 0.290, True, 48,
                   "16nm FinFET LSTP: 22nm LSTP currents x footprint gain (approx.)"),
}
NODES = tuple(sorted({n for n, _ in _NODES} | {28}))
# NVSim's ideal gate capacitance (fF/um; the overlap is 0.2 of it) of the rows a 28 nm node interpolates: NVSim's
# Technology::InterpolateWith interpolates the ideal and fringe capacitances but keeps the 22 nm overlap term
_IDEAL_GATE_fF_per_um = {(22, "hp"): 0.383, (32, "hp"): 0.642}


def _row(node: int, roadmap: str):
    if (node, roadmap) in _NODES:
        return list(_NODES[(node, roadmap)])
    if node == 28:
        a, b = _NODES[(22, roadmap)], _NODES[(32, roadmap)]
        t = (28 - 22) / (32 - 22)
        out = []
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            if isinstance(x, (bool, str)):
                out.append(x)
            elif i in (4, 5):  # off-currents: geometric, as NVSim does
                out.append(math.exp(math.log(x) + t * (math.log(y) - math.log(x))))
            elif 10 <= i <= 15:  # wires: NVSim's Wire takes the next tabulated node up (32 nm), no interpolation
                out.append(y)
            else:
                out.append(x + t * (y - x))
        if (22, roadmap) in _IDEAL_GATE_fF_per_um:  # the 22 nm overlap capacitance, not an interpolated one
            overlap = [0.2 * _IDEAL_GATE_fF_per_um[(n, roadmap)] for n in (22, 32)]
            out[6] -= t * (overlap[1] - overlap[0])
        out[-1] = f"interpolated 22/32nm {roadmap.upper()} (NVSim's rule: linear, I_off geometric; 32nm wires)"
        return out
    raise ConfigError("node_nm", f"no technology for {node} nm (available: {', '.join(map(str, NODES))})")


def tech_node(node_nm: float, roadmap: str = "hp", temperature_K: float = 350.0) -> TechNode:
    """Constants of ``node_nm`` ({16, 22, 28, 32, 45}) and ``roadmap`` ('hp' or 'lstp') at ``temperature_K``.

    Parameters
    ----------
    node_nm : float
        Feature size in nm.
    roadmap : str
        'hp' (high performance) or 'lstp' (low standby power).
    temperature_K : float
        300-400 K; off-current, on-current and wire resistance follow it.
    """
    roadmap = str(roadmap).lower()
    if roadmap not in ROADMAPS:
        raise ConfigError("roadmap", f"must be one of {', '.join(ROADMAPS)}, got {roadmap!r}")
    if not 250 <= temperature_K <= 400:
        raise ConfigError("temperature_K", f"must be within 250-400 K, got {temperature_K}")
    node = int(round(float(node_nm)))
    if abs(node - float(node_nm)) > 1e-9:
        raise ConfigError("node_nm", f"must be one of {', '.join(map(str, NODES))}, got {node_nm}")
    (vdd, vth, ion_n, ion_p, ioff300, ioff350, cg, cd, kr, pn,
     rl, cl, rs, cs, rg, cgl, finfet, pitch, src) = _row(node, roadmap)
    t0 = 50.0 / math.log(ioff350 / ioff300)  # e-folding temperature of the off-current
    ioff = ioff350 * math.exp((temperature_K - 350.0) / t0)
    mob = 350.0 / temperature_K
    rho = (1 + 0.0039 * (temperature_K - 293)) / (1 + 0.0039 * (350 - 293))
    return TechNode(node_nm=float(node), roadmap=roadmap, temperature_K=float(temperature_K), vdd_V=vdd, vth_V=vth,
                    ion_n_uA_per_um=ion_n * mob, ion_p_uA_per_um=ion_p * mob, ioff_uA_per_um=ioff,
                    cgate_fF_per_um=cg, cdrain_fF_per_um=cd, k_r=kr, pn_ratio=pn,
                    r_local_ohm_per_um=rl * rho, c_local_fF_per_um=cl, r_semi_ohm_per_um=rs * rho,
                    c_semi_fF_per_um=cs, r_global_ohm_per_um=rg * rho, c_global_fF_per_um=cgl,
                    finfet=bool(finfet), fin_pitch_nm=float(pitch), source=src)


__all__ = ["TechNode", "tech_node", "NODES", "ROADMAPS", "replace"]
