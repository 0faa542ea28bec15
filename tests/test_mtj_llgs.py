"""Stochastic LLGS macrospin against independent oracles.

- the 1-D Fokker-Planck equation (Brown 1963; Butler et al., IEEE Trans. Magn. 48, 4684, 2012), exact for
  the collinear macrospin, solved by a different method (models.mtj.fokker_planck);
- the exact zero-temperature trajectory of dtheta/dtau = sin(theta)(i - cos(theta)) (closed form, checked
  against numerical integration), and the zero-temperature threshold I = I_c0;
- Brown's Boltzmann equilibrium p(cos theta) ~ exp(-Delta sin^2 theta) (direct quadrature).
Sizes are small (hundreds to a few thousand trajectories) and alpha is raised where only the reduced
dynamics matter (the collinear reduction holds for any alpha), to keep the suite fast.
"""

from __future__ import annotations

import math

import numba
import numpy as np
import pytest

from models.mtj import paper_device, wer_fpe, wer_mc
from models.mtj.llgs import sample_boltzmann_cone
from models.mtj.wer import llgs_device_run, mc_counts


def _boltzmann_mean(delta, f):
    x = np.linspace(0.0, 1.0, 200001)
    w = np.exp(delta * (x * x - 1.0))
    trapezoid = getattr(np, "trapezoid", None) or np.trapz  # numpy 2 renamed trapz; 1.24 is the lower bound
    return float(trapezoid(f(x) * w, x) / trapezoid(w, x))


def test_boltzmann_sampler_matches_quadrature():
    rng = np.random.default_rng(1)
    for delta in (5.0, 55.0):
        m = sample_boltzmann_cone(delta, 40000, rng)
        np.testing.assert_allclose(np.linalg.norm(m, axis=1), 1.0, atol=1e-12)
        assert np.all(m[:, 2] > 0)
        s2 = 1.0 - m[:, 2] ** 2
        exact = _boltzmann_mean(delta, lambda x: 1.0 - x * x)
        assert s2.mean() == pytest.approx(exact, abs=4 * s2.std() / math.sqrt(s2.size))
        # exp(-Delta sin^2) gives an exponential law for sin^2 theta at large Delta: check a quantile too
        q = _boltzmann_mean(delta, lambda x, d=delta: (1.0 - x * x) < 1.0 / d)
        assert np.mean(s2 < 1.0 / delta) == pytest.approx(q, abs=0.01)
        # phi is uniform: no preferred transverse direction
        assert abs(m[:, 0].mean()) < 0.01 and abs(m[:, 1].mean()) < 0.01


@pytest.mark.parametrize("delta", [20.0])
def test_thermal_equilibrium_reached_from_the_pole(delta):
    # start exactly at +z (not in equilibrium), no current: after several relaxation times the cone must be
    # Boltzmann. A wrong thermal-field amplitude (e.g. a missing mu0) or an Ito drift would miss it badly.
    dev = paper_device(delta_override=delta, alpha=0.05)
    n = 2000
    m0 = np.tile([0.0, 0.0, 1.0], (n, 1))
    rec = llgs_device_run(dev, 0.0, [3 * dev.tau_d_ns, 6 * dev.tau_d_ns], n=n, seed=3, m0=m0)
    exact = _boltzmann_mean(delta, lambda x: 1.0 - x * x)
    for col in (0, 1):
        s2 = 1.0 - rec[:, col] ** 2
        assert s2.mean() == pytest.approx(exact, abs=4 * s2.std() / math.sqrt(n) + 0.01 * exact)
    assert np.all(rec[:, 1] > 0)  # no thermal reversal over the barrier


def test_thermal_equilibrium_paper_damping():
    # same check with the paper's alpha = 0.006 (many precessions per relaxation time)
    dev = paper_device()
    n = 600
    rec = llgs_device_run(dev, 0.0, [4 * dev.tau_d_ns], n=n, seed=5, m0=np.tile([0.0, 0.0, 1.0], (n, 1)))
    s2 = 1.0 - rec[:, 0] ** 2
    exact = _boltzmann_mean(55.0, lambda x: 1.0 - x * x)
    assert s2.mean() == pytest.approx(exact, abs=4 * s2.std() / math.sqrt(n) + 0.02 * exact)


@pytest.mark.parametrize(
    "current_ratio, taus",
    [(2.0, (2.0, 3.0)), (3.0, (1.1, 1.5)), (1.5, (3.0, 5.0))],
)
def test_mc_wer_matches_fokker_planck(current_ratio, taus):
    n = 3000
    counts = mc_counts(55.0, current_ratio, taus, alpha=0.05, n=n, seed=11)
    for c, tau in zip(counts, taus, strict=True):
        ref = wer_fpe(55.0, current_ratio, tau)
        assert 0.02 < ref < 0.8  # testable range
        sigma = math.sqrt(ref * (1 - ref) / n)
        assert c / n == pytest.approx(ref, abs=4 * sigma + 0.01 * ref)


def test_mc_wer_matches_fokker_planck_paper_damping():
    n = 1500
    w = wer_mc(55.0, 2.5, 1.5, alpha=0.006, n=n, seed=2)
    ref = wer_fpe(55.0, 2.5, 1.5)
    assert w == pytest.approx(ref, abs=4 * math.sqrt(ref * (1 - ref) / n) + 0.02 * ref)


def test_zero_temperature_threshold_and_switching_time():
    # Without the thermal field, a tilted free layer switches only above I_c0, and the switching time follows
    # the closed-form solution of dtheta/dtau = sin(theta)(i - cos(theta)).
    dev = paper_device()
    theta0 = 0.05
    m0 = np.array([[math.sin(theta0), 0.0, math.cos(theta0)]])
    t_ns = np.linspace(1.0, 80.0, 800) * dev.tau_d_ns
    below = llgs_device_run(dev, 0.97 * dev.ic0_A, t_ns, thermal=False, m0=m0, dt_angle=0.015)
    above = llgs_device_run(dev, 1.03 * dev.ic0_A, t_ns, thermal=False, m0=m0, dt_angle=0.015)
    assert below[0, -1] > 0.999  # relaxed back to the pole
    assert above[0, -1] < -0.99  # switched
    i = 1.03
    u0 = math.tan(theta0 / 2)
    tau_sw = (1 / (i - 1)) * (-math.log(u0) - (1 / (i + 1)) * math.log(2 * i / ((i - 1) + (i + 1) * u0 * u0)))
    k = int(np.argmax(above[0] < 0.0))
    crossing_tau = np.interp(0.0, [above[0, k], above[0, k - 1]], [t_ns[k], t_ns[k - 1]]) / dev.tau_d_ns
    assert crossing_tau == pytest.approx(tau_sw, rel=0.005)  # Heun error: 1.3% at 0.03 rad, 0.2% at 0.015


def test_deterministic_seeding_independent_of_threads():
    kw = dict(alpha=0.05, n=256, seed=7)
    a = mc_counts(55.0, 2.0, (1.0, 2.0), **kw)
    old = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        b = mc_counts(55.0, 2.0, (1.0, 2.0), **kw)
    finally:
        numba.set_num_threads(old)
    np.testing.assert_array_equal(a, b)
    c = mc_counts(55.0, 2.0, (1.0, 2.0), alpha=0.05, n=256, seed=8)
    assert not np.array_equal(a, c) or a[0] in (0, 256)


def test_mc_monotone_in_pulse_width():
    counts = mc_counts(55.0, 2.0, (0.5, 1.0, 2.0, 3.0, 4.0), alpha=0.05, n=500, seed=4)
    assert np.all(np.diff(counts) <= 0)  # same trajectories cut later: never more errors


def test_ziggurat_normals_are_standard_normal():
    # Marsaglia-Tsang Ziggurat on xorshift64*: moments, tails and a Kolmogorov-Smirnov test against scipy's CDF
    from scipy import stats

    from models.mtj.zrandom import ZIG_F, ZIG_K, ZIG_W, zig_fill

    z = zig_fill(12345, np.empty(400_000), ZIG_K, ZIG_W, ZIG_F)
    assert abs(z.mean()) < 5 / math.sqrt(z.size)
    assert z.var() == pytest.approx(1.0, abs=5 * math.sqrt(2 / z.size))
    assert np.mean(np.abs(z) > 3) == pytest.approx(2 * stats.norm.sf(3), rel=0.15)
    assert np.mean(np.abs(z) > 3.8) == pytest.approx(2 * stats.norm.sf(3.8), rel=0.4)  # the Ziggurat tail branch
    assert stats.kstest(z, "norm").pvalue > 1e-3
