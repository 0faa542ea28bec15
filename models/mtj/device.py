"""The perpendicular MTJ in physical units: thermal stability, H_k,eff, tau_D, I_c0 and the write circuit.

Defaults are the scratchpad paper's Table I (arXiv:2308.02024): 1.0 nm CoFeB free layer, 35 x 35 nm,
alpha = 0.006, K_i = 1.0 erg/cm^2, M_s = 1200 emu/cc, 300 K.

Anisotropy. K_eff = K_i / t - (mu0 M_s^2 / 2)(N_z - N_x) with the demagnetising factors of the
35 x 35 x 1 nm prism (Aharoni 1998: N_x = N_y = 0.0390, N_z = 0.9220), which gives Delta = 59.5 at 300 K.
The thin-film shortcut N_z - N_x = 1 gives Delta = 28, half the paper's value. ``delta`` may be set
directly (the paper uses 55): the volume is kept and K_eff (hence H_k,eff and tau_D) rescaled to match.

Critical current. I_c0 = 4 e alpha k_B T Delta / (hbar eta_pol) (zero-temperature macrospin threshold).
The paper quotes "eta = 1.15 k_BT/uA", defined there as E_B / I_c0 (a switching efficiency, not a
spin polarisation). By default I_c0 = Delta / 1.15 uA (= 47.8 uA at Delta = 55), and the implied
eta_pol = (4 e alpha k_B T / hbar)(Delta / I_c0) = 0.174 is reported; set ``polarisation`` to use a
polarisation factor instead.

Write circuit. A write of voltage V drives I = V / (R_MTJ + R_access) through the MTJ and its access
transistor, with R_MTJ the resistance of the starting state (R_AP for the AP->P write that sets the
requirement), R_P = RA / area, R_AP = R_P (1 + TMR). Bias dependence of the TMR and the transistor's
non-linearity are ignored. The paper does not state its RA, TMR or transistor; the defaults reproduce the
project's ``stt28`` cell (R_P = 3 kOhm, R_AP = 6 kOhm, from NVSim's sample STT-RAM cell: RA = 3.675 Ohm um^2 on
35 x 35 nm, TMR 100 %) with a 2 kOhm access transistor (a typical 28 nm on-resistance); all are parameters.
The energy of one write is E = V I t_pulse (supply energy over the pulse, pre-switching current).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields, replace

import numpy as np

from models.errors import ConfigError
from models.mtj.constants import (
    EMU_PER_CC_TO_A_PER_M,
    ERG_PER_CM2_TO_J_PER_M2,
    GAMMA0,
    KB,
    MU0,
    PAPER_ALPHA,
    PAPER_EFFICIENCY_KBT_PER_UA,
    PAPER_KI_ERG_CM2,
    PAPER_LENGTH_NM,
    PAPER_MS_EMU_CC,
    PAPER_TEMPERATURE_K,
    PAPER_THICKNESS_NM,
    PAPER_WIDTH_NM,
    ic0_prefactor_A,
)
from models.mtj.demag import prism_demag_factors

DEMAG_MODELS = ("prism", "thin_film")


@dataclass(frozen=True)
class MTJDevice:
    """A perpendicular MTJ free layer plus its write path. All derived quantities are properties."""

    thickness_nm: float = PAPER_THICKNESS_NM
    width_nm: float = PAPER_WIDTH_NM
    length_nm: float = PAPER_LENGTH_NM
    alpha: float = PAPER_ALPHA
    ki_erg_cm2: float = PAPER_KI_ERG_CM2
    ms_emu_cc: float = PAPER_MS_EMU_CC
    temperature_K: float = PAPER_TEMPERATURE_K
    demag: str = "prism"
    delta_override: float | None = None
    efficiency_kbt_per_uA: float = PAPER_EFFICIENCY_KBT_PER_UA
    polarisation: float | None = None
    ra_ohm_um2: float = 3.675
    tmr: float = 1.0
    r_access_ohm: float = 2000.0

    def __post_init__(self):
        for f in fields(self):
            v = getattr(self, f.name)
            if f.name == "demag":
                if v not in DEMAG_MODELS:
                    raise ConfigError("mtj.demag", f"must be one of {', '.join(DEMAG_MODELS)}, got {v!r}")
                continue
            if v is None:
                continue
            if not isinstance(v, (int, float)) or not math.isfinite(v):
                raise ConfigError(f"mtj.{f.name}", f"must be a finite number, got {v!r}")
            if f.name in ("tmr", "r_access_ohm"):
                if v < 0:
                    raise ConfigError(f"mtj.{f.name}", f"must be non-negative, got {v}")
            elif v <= 0:
                raise ConfigError(f"mtj.{f.name}", f"must be positive, got {v}")
        if self.k_eff_computed_J_m3 <= 0 and self.delta_override is None:
            raise ConfigError("mtj.ki_erg_cm2", "interface anisotropy too weak: the free layer is not perpendicular")

    # --- magnetics -----------------------------------------------------------------------------
    @property
    def volume_m3(self) -> float:
        return self.thickness_nm * self.width_nm * self.length_nm * 1e-27

    @property
    def area_m2(self) -> float:
        return self.width_nm * self.length_nm * 1e-18

    @property
    def ms_A_per_m(self) -> float:
        return self.ms_emu_cc * EMU_PER_CC_TO_A_PER_M

    @property
    def demag_factors(self) -> tuple[float, float, float]:
        if self.demag == "thin_film":
            return 0.0, 0.0, 1.0
        return prism_demag_factors(self.width_nm, self.length_nm, self.thickness_nm)

    @property
    def k_eff_computed_J_m3(self) -> float:
        """K_i / t - (mu0 Ms^2 / 2)(N_z - N_x), from the geometry alone."""
        nx, ny, nz = self.demag_factors
        ki = self.ki_erg_cm2 * ERG_PER_CM2_TO_J_PER_M2
        return ki / (self.thickness_nm * 1e-9) - 0.5 * MU0 * self.ms_A_per_m**2 * (nz - 0.5 * (nx + ny))

    @property
    def delta_computed(self) -> float:
        return self.k_eff_computed_J_m3 * self.volume_m3 / (KB * self.temperature_K)

    @property
    def delta(self) -> float:
        """Thermal stability factor used everywhere (the override when set)."""
        return float(self.delta_override) if self.delta_override is not None else self.delta_computed

    @property
    def k_eff_J_m3(self) -> float:
        return self.delta * KB * self.temperature_K / self.volume_m3

    @property
    def hk_eff_A_per_m(self) -> float:
        """H_k,eff = 2 K_eff / (mu0 Ms)."""
        return 2.0 * self.k_eff_J_m3 / (MU0 * self.ms_A_per_m)

    @property
    def tau_d_s(self) -> float:
        """tau_D = (1 + alpha^2) / (alpha gamma_0 H_k,eff)."""
        return (1.0 + self.alpha**2) / (self.alpha * GAMMA0 * self.hk_eff_A_per_m)

    @property
    def tau_d_ns(self) -> float:
        return self.tau_d_s * 1e9

    @property
    def eta_pol(self) -> float:
        """Spin-polarisation efficiency in I_c0 = 4 e alpha k_B T Delta / (hbar eta_pol)."""
        if self.polarisation is not None:
            return float(self.polarisation)
        return ic0_prefactor_A(self.alpha, self.temperature_K) * 1e6 * self.efficiency_kbt_per_uA

    @property
    def ic0_A(self) -> float:
        return ic0_prefactor_A(self.alpha, self.temperature_K) * self.delta / self.eta_pol

    @property
    def ic0_uA(self) -> float:
        return self.ic0_A * 1e6

    def thermal_sigma_A_per_m(self, dt_s: float) -> float:
        """Per-component std of Brown's thermal field for one step dt: sqrt(2 a kT / (gamma0 mu0 Ms V dt))."""
        return math.sqrt(
            2.0 * self.alpha * KB * self.temperature_K / (GAMMA0 * MU0 * self.ms_A_per_m * self.volume_m3 * dt_s)
        )

    def a_j_A_per_m(self, current_A: float) -> float:
        """Slonczewski torque amplitude a_J = hbar eta I / (2 e mu0 Ms V) (A/m); i = a_J / (alpha H_k)."""
        return current_A / self.ic0_A * self.alpha * self.hk_eff_A_per_m

    # --- write circuit -------------------------------------------------------------------------
    @property
    def r_p_ohm(self) -> float:
        return self.ra_ohm_um2 / (self.area_m2 * 1e12)

    @property
    def r_ap_ohm(self) -> float:
        return self.r_p_ohm * (1.0 + self.tmr)

    @property
    def r_write_ohm(self) -> float:
        """Series resistance of the AP->P write path (AP state plus access transistor)."""
        return self.r_ap_ohm + self.r_access_ohm

    def current_A(self, voltage_V):
        """Write current for a write voltage (AP->P write)."""
        return np.asarray(voltage_V, dtype=float) / self.r_write_ohm

    def voltage_V(self, current_A):
        return np.asarray(current_A, dtype=float) * self.r_write_ohm

    def current_ratio(self, voltage_V):
        """i = I / I_c0 for a write voltage."""
        return self.current_A(voltage_V) / self.ic0_A

    def write_energy_pJ(self, voltage_V, pulse_ns):
        """Supply energy of one write, V I t (pJ)."""
        v = np.asarray(voltage_V, dtype=float)
        return v * self.current_A(v) * np.asarray(pulse_ns, dtype=float) * 1e-9 * 1e12

    def with_(self, **changes) -> MTJDevice:
        return replace(self, **changes)

    def summary(self) -> dict:
        """Derived parameters, for tables and reports."""
        nx, ny, nz = self.demag_factors
        return {
            "N_x": nx,
            "N_z": nz,
            "delta_geometry": self.delta_computed,
            "delta": self.delta,
            "k_eff_J_m3": self.k_eff_J_m3,
            "hk_eff_A_per_m": self.hk_eff_A_per_m,
            "hk_eff_Oe": self.hk_eff_A_per_m * 4e-3 * math.pi,
            "tau_d_ns": self.tau_d_ns,
            "ic0_uA": self.ic0_uA,
            "eta_pol": self.eta_pol,
            "r_p_ohm": self.r_p_ohm,
            "r_ap_ohm": self.r_ap_ohm,
            "r_write_ohm": self.r_write_ohm,
        }


def paper_device(**changes) -> MTJDevice:
    """Table I device with the paper's chosen Delta = 55 (override) unless changed."""
    base = MTJDevice(delta_override=55.0)
    return replace(base, **changes) if changes else base
