"""Physical constants (SI, CODATA 2018 exact or recommended values) and the paper's device parameters.

Sources: CODATA 2018 (NIST) for the constants; Table I of Roy, Wang, Raghunathan, "Evaluation of
STT-MRAM as a Scratchpad for Training in ML Accelerators" (arXiv:2308.02024) for the device.
"""

from __future__ import annotations

import math

MU0 = 1.25663706212e-6  # vacuum permeability, T m / A (CODATA 2018)
GAMMA_E = 1.76085963023e11  # electron gyromagnetic ratio |gamma_e|, rad / (s T) (CODATA 2018)
GAMMA0 = MU0 * GAMMA_E  # gamma_0 = mu0 * gamma_e = 2.2128e5 m / (A s): use with H in A/m
KB = 1.380649e-23  # Boltzmann constant, J / K (exact)
Q_E = 1.602176634e-19  # elementary charge, C (exact)
HBAR = 1.054571817e-34  # reduced Planck constant, J s

# Conversions from the CGS units of the paper's Table I.
ERG_PER_CM2_TO_J_PER_M2 = 1e-3  # 1 erg/cm^2 = 1e-3 J/m^2
EMU_PER_CC_TO_A_PER_M = 1e3  # 1 emu/cm^3 = 1e3 A/m

# Table I of the scratchpad paper (arXiv:2308.02024).
PAPER_THICKNESS_NM = 1.0  # CoFeB free layer
PAPER_WIDTH_NM = 35.0
PAPER_LENGTH_NM = 35.0
PAPER_ALPHA = 0.006  # Gilbert damping
PAPER_KI_ERG_CM2 = 1.0  # interfacial anisotropy
PAPER_MS_EMU_CC = 1200.0  # saturation magnetisation
PAPER_TEMPERATURE_K = 300.0
PAPER_DELTA = 55.0  # E_b / k_B T chosen in §V-A-1
PAPER_EFFICIENCY_KBT_PER_UA = 1.15  # "eta = E_B / I_c0 = 1.15 k_BT/uA" (§V-A-1)
PAPER_BASELINE_WER = 8.62e-10  # baseline write-error rate (§V-A-2)
PAPER_RELAXED_WER = 8e-4  # relaxed write-error rate of the low-cost cells (Fig. 7-8)


def ic0_prefactor_A(alpha: float, temperature_K: float) -> float:
    """4 e alpha k_B T / hbar in amperes: I_c0 = prefactor * Delta / eta_pol."""
    return 4.0 * Q_E * alpha * KB * temperature_K / HBAR


TWO_PI = 2.0 * math.pi
