"""MTJ device parameters, demagnetising factors, Fokker-Planck solver and low-cost cells (fast: no Monte Carlo).

Oracles: Aharoni's prism formula (J. Appl. Phys. 83, 3432, 1998) against the exact cube value 1/3 and the
sum rule; Brown's Boltzmann equilibrium; the precessional long-pulse decay rate 2(i - 1)/tau_D and Sun's
WER bound (J. Z. Sun, PRB 62, 570, 2000); the definitions of Delta, I_c0 and the thermal field in SI and tesla
forms (Brown 1963; MuMax3 engine/temperature.go uses the tesla form).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from models.errors import ConfigError
from models.mtj import MTJDevice, extrapolate_ln_wer, paper_device, wer_fpe
from models.mtj.constants import GAMMA_E, HBAR, KB, MU0, Q_E
from models.mtj.demag import prism_demag_factors
from models.mtj.fokker_planck import _fpe_advance, _fpe_operator, boltzmann_cell_masses, theta_grid_faces
from models.mtj.lowcost import lowcost_cell, lowcost_cells, write_settings


def test_demag_cube_and_sum_rule():
    assert prism_demag_factors(7, 7, 7) == pytest.approx((1 / 3,) * 3, abs=1e-12)
    for dims in [(35, 35, 1), (10, 20, 3), (1, 2, 50)]:
        assert sum(prism_demag_factors(*dims)) == pytest.approx(1.0, abs=1e-12)
    # elongation along z lowers N_z; flattening raises it towards the thin-film limit 1
    assert prism_demag_factors(1, 1, 50)[2] < 0.05
    assert prism_demag_factors(1000, 1000, 1)[2] > 0.99


def test_table1_device_prism_vs_thin_film():
    nx, ny, nz = prism_demag_factors(35, 35, 1)
    assert nx == pytest.approx(0.0390, abs=2e-4) and nz == pytest.approx(0.9220, abs=2e-4)
    prism, thin = MTJDevice(), MTJDevice(demag="thin_film")
    assert prism.delta == pytest.approx(59.5, abs=0.2)  # Table I with prism demag
    assert thin.delta == pytest.approx(28.2, abs=0.2)  # the thin-film shortcut roughly halves it
    # Delta = K_eff V / k_B T, with K_eff from the definition
    k_eff = 1e-3 / 1e-9 - 0.5 * MU0 * 1.2e6**2 * (nz - nx)
    assert prism.delta == pytest.approx(k_eff * 35e-9 * 35e-9 * 1e-9 / (KB * 300), rel=1e-12)
    assert prism.tau_d_ns == pytest.approx(2.82, abs=0.01)


def test_ic0_from_paper_efficiency_and_polarisation():
    dev = paper_device()
    assert dev.delta == 55
    assert dev.ic0_uA == pytest.approx(55 / 1.15, rel=1e-9)  # eta = E_B / I_c0 = 1.15 k_BT/uA
    # I_c0 = 4 e alpha k_B T Delta / (hbar eta_pol)
    assert dev.ic0_A == pytest.approx(4 * Q_E * 0.006 * KB * 300 * 55 / (HBAR * dev.eta_pol), rel=1e-12)
    assert dev.eta_pol == pytest.approx(0.174, abs=1e-3)
    explicit = paper_device(polarisation=0.5)
    assert explicit.ic0_uA == pytest.approx(dev.ic0_uA * dev.eta_pol / 0.5, rel=1e-12)
    # and the same threshold from the field form (2 e alpha / hbar eta) mu0 Ms H_k V
    assert dev.ic0_A == pytest.approx(
        2 * Q_E * 0.006 / (HBAR * dev.eta_pol) * MU0 * dev.ms_A_per_m * dev.hk_eff_A_per_m * dev.volume_m3, rel=1e-12
    )


def test_thermal_field_si_and_tesla_forms_agree():
    dev = paper_device()
    dt = 1e-12
    sigma_h = dev.thermal_sigma_A_per_m(dt)
    # tesla form: sigma_B = sqrt(2 alpha k_B T / (gamma_e Ms V dt)) = mu0 sigma_H
    sigma_b = math.sqrt(2 * dev.alpha * KB * 300 / (GAMMA_E * dev.ms_A_per_m * dev.volume_m3 * dt))
    assert MU0 * sigma_h == pytest.approx(sigma_b, rel=1e-12)
    # reduced form used by wer_mc: sigma^2 = alpha H_k / (Delta gamma_0 dt)
    assert sigma_h**2 == pytest.approx(
        dev.alpha * dev.hk_eff_A_per_m / (dev.delta * MU0 * GAMMA_E * dt), rel=1e-12
    )


def test_device_rejects_bad_input_naming_field():
    with pytest.raises(ConfigError, match="mtj.alpha"):
        MTJDevice(alpha=-1)
    with pytest.raises(ConfigError, match="mtj.demag"):
        MTJDevice(demag="sphere")
    with pytest.raises(ConfigError, match="ki_erg_cm2"):
        MTJDevice(ki_erg_cm2=0.1)  # in-plane: not a perpendicular MTJ
    with pytest.raises(ConfigError, match="delta"):
        wer_fpe(-1, 2.0, 1.0)


def test_fpe_zero_current_keeps_boltzmann_equilibrium():
    faces = theta_grid_faces(400)
    p0 = boltzmann_cell_masses(faces, 20.0)
    lo, di, up = _fpe_operator(faces, 20.0, 0.0, 0.0)
    p = _fpe_advance(p0.copy(), lo, di, up, 0.01, 300, 0.5)
    assert p.sum() == pytest.approx(1.0, abs=1e-12)  # conservative scheme
    # the restricted Boltzmann start is stationary in the well (only the barrier top, mass ~e^-Delta, relaxes)
    centres = 0.5 * (faces[1:] + faces[:-1])
    well = centres > 0.7
    np.testing.assert_allclose(p[well], p0[well], rtol=1e-4)
    assert p[200:].sum() == pytest.approx(1.0, abs=1e-7)
    # the full two-well Boltzmann density is an exact discrete steady state (Scharfetter-Gummel)
    both = boltzmann_cell_masses(faces, 5.0)
    both = both + both[::-1]
    both /= both.sum()
    lo, di, up = _fpe_operator(faces, 5.0, 0.0, 0.0)
    np.testing.assert_allclose(_fpe_advance(both.copy(), lo, di, up, 0.05, 200, 0.5), both, rtol=1e-3, atol=1e-12)


def test_fpe_converged_at_1e9():
    w = wer_fpe(55, 2.0, 12.0)
    assert 1e-10 < w < 1e-8
    fine = wer_fpe(55, 2.0, 12.0, n_cells=4000, dtau=5e-4)
    assert w == pytest.approx(fine, rel=2e-3)


@pytest.mark.parametrize("i", [2.0, 3.0])
def test_fpe_long_pulse_slope_is_two_i_minus_one(i):
    # ln WER decays at 2(i - 1) per tau_D at long pulses (linearised precessional dynamics near the pole)
    taus = np.array([6.0, 7.0]) * (2.0 / i)
    w = wer_fpe(55, i, taus)
    slope = -np.log(w[1] / w[0]) / (taus[1] - taus[0])
    assert slope == pytest.approx(2 * (i - 1), rel=0.03)


@pytest.mark.parametrize("i", [2.0, 3.0])
def test_fpe_below_sun_bound(i):
    # Sun's linearised WER = 1 - exp(-(pi^2 Delta / 4) exp(-2 (i-1) tau)) over-estimates (paper notes: ~3x at i=2)
    taus = np.array([2.0, 3.0, 4.0])
    sun = 1 - np.exp(-(math.pi**2 * 55 / 4) * np.exp(-2 * (i - 1) * taus))
    fpe = wer_fpe(55, i, taus)
    assert np.all(fpe < sun) and np.all(fpe > sun / 5)


def test_wer_monotone_in_current_and_pulse():
    taus = np.array([0.5, 1, 2, 4, 8])
    curves = np.array([wer_fpe(55, i, taus) for i in (0.5, 1.2, 2.0, 3.5)])
    assert np.all(np.diff(curves, axis=1) <= 1e-12)  # longer pulse, fewer errors
    assert np.all(np.diff(curves, axis=0) <= 1e-12)  # more current, fewer errors
    assert curves[0, -1] > 0.99 and curves[-1, -1] < 1e-15


def test_extrapolation_recovers_exact_exponential_tail():
    v = np.linspace(0.5, 1.0, 8)
    wer = np.exp(2.0 - 12.0 * v)
    got, slope, _, used = extrapolate_ln_wer(v, wer, n=10**9, targets=[1e-9], max_wer=1.0)
    assert slope == pytest.approx(-12.0) and used == 8
    assert got[0] == pytest.approx((2.0 - math.log(1e-9)) / 12.0)


def test_lowcost_settings_hit_targets_and_follow_precessional_law():
    dev = paper_device()
    df = write_settings(8e-4, 8.62e-10, 10.0, dev).set_index("setting")
    assert df.loc["baseline", "wer"] == pytest.approx(8.62e-10, rel=1e-3)
    assert df.loc["low_v", "wer"] == pytest.approx(8e-4, rel=1e-3)
    assert df.loc["low_dur", "wer"] == pytest.approx(8e-4, rel=1e-2)
    assert df.loc["low_v", "pulse_ns"] == 10.0 and df.loc["low_dur", "voltage_V"] == df.loc["baseline", "voltage_V"]
    assert df.loc["low_v", "energy_rel"] < 1 and df.loc["low_dur", "latency_rel"] < 1
    # at fixed current, ln WER ~ ln(pi^2 Delta / 4) - 2 (i - 1) t / tau_D: the pulse ratio follows from the WERs
    c = math.log(math.pi**2 * 55 / 4)
    ratio = (c - math.log(8e-4)) / (c - math.log(8.62e-10))
    assert df.loc["low_dur", "latency_rel"] == pytest.approx(ratio, rel=0.05)


def test_lowcost_cells_are_stt28_variants():
    from models.cells import Cell, load_cell

    base = load_cell("stt28")
    cells = lowcost_cells(8e-4)
    assert set(cells) == {"baseline", "low_v", "low_dur"}
    assert all(isinstance(c, Cell) for c in cells.values())
    assert cells["baseline"].set_latency_ns == base.set_latency_ns
    assert cells["baseline"].set_energy_pJ == pytest.approx(base.set_energy_pJ)
    assert cells["low_v"].name == "stt28_low_v" and cells["low_v"].write_error_rate == 8e-4
    assert cells["low_v"].set_energy_pJ < base.set_energy_pJ and cells["low_v"].set_latency_ns == base.set_latency_ns
    assert cells["low_dur"].set_latency_ns < base.set_latency_ns
    assert cells["low_v"].area_F2 == base.area_F2  # only write fields change
    absolute = lowcost_cells(8e-4, mode="absolute")["baseline"]
    dev = paper_device(ra_ohm_um2=3000 * 35e-3 * 35e-3, tmr=1.0)
    assert absolute.set_current_uA == pytest.approx(
        write_settings(8e-4, 8.62e-10, 10.0, dev)["current_uA"].iloc[0], rel=1e-6
    )
    assert lowcost_cell(8e-4, kind="low_dur").name == "stt28_low_dur"
    with pytest.raises(ConfigError, match="mode"):
        lowcost_cells(mode="magic")
    with pytest.raises(ConfigError, match="target_wer"):
        lowcost_cells(target_wer=1e-12)


def test_energy_vs_wer_trends_of_paper_fig6b():
    # Paper §V-A-2 / Fig. 6b: relaxing the WER lowers the energy per bit; at a fixed WER a shorter pulse needs
    # more energy (a larger current more than offsets the shorter time).
    from simulator.studies.mtj import energy_wer_study

    df = energy_wer_study(pulses_ns=(5.0, 10.0), wers=(1e-3, 1e-9))
    e = df.set_index(["pulse_ns", "wer"])["energy_pJ"]
    assert e[(10.0, 1e-3)] < e[(10.0, 1e-9)] and e[(5.0, 1e-3)] < e[(5.0, 1e-9)]
    assert e[(5.0, 1e-9)] > e[(10.0, 1e-9)] and e[(5.0, 1e-3)] > e[(10.0, 1e-3)]
    dev = paper_device()
    for _, row in df.iterrows():  # each point is on the FPE curve it was solved from
        assert wer_fpe(55, row["current_ratio"], row["pulse_ns"] / dev.tau_d_ns) == pytest.approx(row["wer"], rel=1e-3)
