"""Write-error rates of the collinear macrospin: the reduced-unit API and device-level curves.

Reduced units (exact for any device): Delta = E_b / k_B T, current_ratio i = I / I_c0, pulse length in units
of tau_D = (1 + alpha^2) / (alpha gamma_0 H_k,eff). ``wer_fpe`` solves the 1-D Fokker-Planck equation
(``fokker_planck``); ``wer_mc`` runs the stochastic LLGS (``llgs``). Both describe an AP->P write (the
P->AP write is the mirror image here) from a Boltzmann-distributed start at zero applied field. The WER is
the probability that m_z has not crossed the equator when the pulse ends.

Device-level functions take an :class:`MTJDevice` and physical voltages (V) and pulse widths (ns).
"""

from __future__ import annotations

import functools
import math

import numpy as np
import pandas as pd

from models.errors import ConfigError
from models.mtj.constants import GAMMA0
from models.mtj.device import MTJDevice
from models.mtj.fokker_planck import fpe_wer_curve
from models.mtj.llgs import make_params, run_llgs, sample_boltzmann_cone

DEFAULT_DT_ANGLE = 0.03  # precession angle gamma_0 H_k dt per step (rad); 0.55 ps for the paper device
ABSORB_MP = 0.9  # m . p beyond which a trajectory is counted switched and stopped (return odds ~ e^-0.8Delta)


def _check_reduced(delta, current_ratio, pulse):
    if not (isinstance(delta, (int, float, np.floating)) and math.isfinite(delta) and delta > 0):
        raise ConfigError("delta", f"must be a positive number, got {delta!r}")
    if not math.isfinite(current_ratio):
        raise ConfigError("current_ratio", f"must be finite, got {current_ratio!r}")
    p = np.asarray(pulse, dtype=float)
    if np.any(~np.isfinite(p)) or np.any(p < 0):
        raise ConfigError("pulse_over_tau_d", f"must be finite and non-negative, got {pulse!r}")
    return p


def wer_fpe(delta: float, current_ratio: float, pulse_over_tau_d, n_cells: int = 2000, dtau: float = 2e-3):
    """Write-error rate from the 1-D Fokker-Planck equation.

    Parameters
    ----------
    delta : thermal stability factor.
    current_ratio : I / I_c0.
    pulse_over_tau_d : pulse length(s) in units of tau_D; a scalar gives a float, an array an array.
    n_cells, dtau : discretisation (defaults converge WER to <0.1 % down to 1e-10).
    """
    p = _check_reduced(delta, current_ratio, pulse_over_tau_d)
    out = fpe_wer_curve(float(delta), float(current_ratio), np.atleast_1d(p), n_cells=n_cells, dtau=dtau)
    return float(out[0]) if p.ndim == 0 else out.reshape(p.shape)


def mc_counts(
    delta: float,
    current_ratio: float,
    pulses_over_tau_d,
    alpha: float = 0.006,
    n: int = 20000,
    seed: int = 0,
    dt_angle: float = DEFAULT_DT_ANGLE,
    hk_A_per_m: float = 1.0e5,
) -> np.ndarray:
    """Number of the ``n`` LLGS trajectories not switched at each pulse length (one run for all lengths).

    The choice of ``hk_A_per_m`` does not change the result (everything scales with gamma_0 H_k); the time
    step is dt = dt_angle / (gamma_0 H_k), and the thermal field follows from Delta:
    sigma^2 = 2 alpha k_B T / (gamma_0 mu0 Ms V dt) = alpha H_k / (Delta gamma_0 dt).
    """
    pulses = _check_reduced(delta, current_ratio, pulses_over_tau_d)
    pulses = np.atleast_1d(pulses)
    if not (0 < alpha < 1):
        raise ConfigError("alpha", f"must be in (0, 1), got {alpha}")
    if int(n) < 1:
        raise ConfigError("n", f"must be a positive number of trajectories, got {n}")
    if not (0 < dt_angle <= 0.2):
        raise ConfigError("dt_angle", f"must be in (0, 0.2] rad, got {dt_angle}")
    hk = float(hk_A_per_m)
    dt = dt_angle / (GAMMA0 * hk)
    tau_d = (1.0 + alpha * alpha) / (alpha * GAMMA0 * hk)
    steps = np.maximum(np.rint(pulses * tau_d / dt).astype(np.int64), 0)
    order = np.argsort(steps, kind="stable")
    sigma = hk * math.sqrt(alpha / (delta * GAMMA0 * hk * dt))
    prm = make_params(GAMMA0, alpha, hk, (0.0, 0.0, 0.0), current_ratio * alpha * hk, (0.0, 0.0, -1.0), sigma, dt)
    m0 = sample_boltzmann_cone(float(delta), int(n), np.random.default_rng(seed))
    absorb = ABSORB_MP if current_ratio > 0 else 2.0
    rec_steps = steps[order]
    n_steps = int(rec_steps[-1]) if rec_steps.size else 0
    rec, _ = run_llgs(m0, prm, n_steps, np.maximum(rec_steps, 0), seed=seed, absorb=absorb)
    counts = np.empty(pulses.size, dtype=np.int64)
    for j, idx in enumerate(order):
        counts[idx] = int(np.count_nonzero(rec[:, j] > 0.0)) if rec_steps[j] > 0 else int(n)
    return counts


def wer_mc(
    delta: float,
    current_ratio: float,
    pulse_over_tau_d,
    alpha: float = 0.006,
    n: int = 20000,
    seed: int = 0,
    dt_angle: float = DEFAULT_DT_ANGLE,
):
    """Write-error rate from ``n`` stochastic-LLGS trajectories (fraction not switched at the pulse end).

    Parameters
    ----------
    delta, current_ratio, pulse_over_tau_d : as for :func:`wer_fpe`.
    alpha : Gilbert damping (sets the number of precessions per tau_D, hence the cost).
    n : trajectories; the statistical error is sqrt(WER (1 - WER) / n).
    seed : seed of every random choice (initial states and thermal fields).
    dt_angle : precession angle per time step, rad.
    """
    p = np.asarray(pulse_over_tau_d, dtype=float)
    counts = mc_counts(delta, current_ratio, np.atleast_1d(p), alpha=alpha, n=n, seed=seed, dt_angle=dt_angle)
    w = counts / float(n)
    return float(w[0]) if p.ndim == 0 else w.reshape(p.shape)


# --- device level (physical units) --------------------------------------------------------------


def llgs_device_run(
    device: MTJDevice,
    current_A: float,
    record_ns,
    n: int = 1000,
    seed: int = 0,
    thermal: bool = True,
    m0=None,
    dt_angle: float = DEFAULT_DT_ANGLE,
    absorb: float = 2.0,
) -> np.ndarray:
    """m_z of ``n`` LLGS trajectories of ``device`` at the times ``record_ns`` (ns), shape (n, len(record_ns)).

    The current drives the +z state towards -z (AP->P). ``m0`` (n, 3) defaults to Boltzmann samples in the
    +z well; ``thermal=False`` switches the thermal field off (zero temperature dynamics).
    """
    rec_ns = np.atleast_1d(np.asarray(record_ns, dtype=float))
    hk = device.hk_eff_A_per_m
    dt = dt_angle / (GAMMA0 * hk)
    steps = np.maximum(np.rint(rec_ns * 1e-9 / dt).astype(np.int64), 1)
    if np.any(np.diff(steps) < 0):
        raise ConfigError("record_ns", "must be increasing")
    sigma = device.thermal_sigma_A_per_m(dt) if thermal else 0.0
    prm = make_params(GAMMA0, device.alpha, hk, (0.0, 0.0, 0.0), device.a_j_A_per_m(current_A), (0.0, 0.0, -1.0),
                      sigma, dt)
    if m0 is None:
        m0 = sample_boltzmann_cone(device.delta, int(n), np.random.default_rng(seed))
    rec, _ = run_llgs(m0, prm, int(steps[-1]), steps, seed=seed, absorb=absorb)
    return rec


def _pulses_tau(device: MTJDevice, pulses_ns) -> np.ndarray:
    p = np.atleast_1d(np.asarray(pulses_ns, dtype=float))
    if np.any(~np.isfinite(p)) or np.any(p <= 0):
        raise ConfigError("pulses_ns", f"must be positive, got {pulses_ns!r}")
    return p / device.tau_d_ns


def switching_fpe(device: MTJDevice, voltages_V, pulses_ns, on_voltage=None) -> pd.DataFrame:
    """Switching probability and WER from the Fokker-Planck solver on a voltage x pulse grid (Fig. 5-6);
    ``on_voltage()`` is called after each voltage (progress)."""
    taus = _pulses_tau(device, pulses_ns)
    rows = []
    for v in np.atleast_1d(np.asarray(voltages_V, dtype=float)):
        i = float(device.current_ratio(v))
        w = fpe_wer_curve(device.delta, i, taus)
        for t_ns, wer in zip(np.atleast_1d(pulses_ns), w, strict=True):
            rows.append(_row(device, v, float(t_ns), wer, "fpe", np.nan))
        if on_voltage is not None:
            on_voltage()
    return pd.DataFrame(rows)


def switching_mc(device: MTJDevice, voltages_V, pulses_ns, n: int = 2000, seed: int = 0,
                 dt_angle: float = DEFAULT_DT_ANGLE, on_voltage=None) -> pd.DataFrame:
    """Switching probability from LLGS Monte Carlo (the paper's method) on a voltage x pulse grid.

    Each voltage is one run of ``n`` trajectories recorded at every pulse width (a shorter pulse is the
    same trajectory cut earlier); each voltage gets its own derived seed.  ``on_voltage()`` is called after
    each voltage (progress).
    """
    taus = _pulses_tau(device, pulses_ns)
    volts = np.atleast_1d(np.asarray(voltages_V, dtype=float))
    seeds = np.random.SeedSequence(int(seed)).generate_state(volts.size)
    rows = []
    for v, s in zip(volts, seeds, strict=True):
        i = float(device.current_ratio(v))
        counts = mc_counts(device.delta, i, taus, alpha=device.alpha, n=n, seed=int(s), dt_angle=dt_angle,
                           hk_A_per_m=device.hk_eff_A_per_m)
        for t_ns, c in zip(np.atleast_1d(pulses_ns), counts, strict=True):
            rows.append(_row(device, v, float(t_ns), c / n, "mc", math.sqrt(max(c, 1) * (n - c) / n**3), n))
        if on_voltage is not None:
            on_voltage()
    return pd.DataFrame(rows)


def _row(device, v, t_ns, wer, method, stderr, n=0):
    return {
        "method": method,
        "pulse_ns": t_ns,
        "voltage_V": float(v),
        "current_uA": float(device.current_A(v)) * 1e6,
        "current_ratio": float(device.current_ratio(v)),
        "p_sw": 1.0 - float(wer),
        "wer": float(wer),
        "wer_stderr": stderr,
        "n": int(n),
        "energy_pJ": float(device.write_energy_pJ(v, t_ns)),
    }


def extrapolate_ln_wer(voltages_V, wer, n: int, targets, min_count: int = 10, max_wer: float = 0.3):
    """The paper's extrapolation: fit ln(WER) linearly in V on the Monte-Carlo tail, solve for targets.

    Uses the points with min_count / n <= WER <= max_wer (past the onset, with enough errors counted).
    Returns (voltages for each target, slope d lnWER / dV, intercept, number of points used); NaNs when
    fewer than two points qualify.
    """
    v = np.asarray(voltages_V, dtype=float)
    w = np.asarray(wer, dtype=float)
    ok = (w >= min_count / float(n)) & (w <= max_wer)
    t = np.asarray(targets, dtype=float)
    if np.count_nonzero(ok) < 2:
        return np.full(t.shape, np.nan), np.nan, np.nan, int(np.count_nonzero(ok))
    slope, intercept = np.polyfit(v[ok], np.log(w[ok]), 1)
    return (np.log(t) - intercept) / slope, float(slope), float(intercept), int(np.count_nonzero(ok))


def _solve_log(fun, x0, target, x_max, rel=1e-6, iters=80):
    """Solve fun(x) = target for a decreasing fun(x) in (0, 1], working on ln(fun): bracket by growing x from
    ``x0`` by 1.5x, then Illinois regula falsi (ln WER is smooth and nearly linear in V past the onset)."""
    lt = math.log(target)

    def g(x):
        return math.log(max(fun(x), 1e-300)) - lt

    lo, glo = 0.0, -lt  # fun(0) = 1: no current, no switching
    hi = x0
    ghi = g(hi)
    while ghi > 0:
        lo, glo = hi, ghi
        hi *= 1.5
        if hi > x_max:
            raise ConfigError("target_wer", f"{target:g} not reachable below {x_max:g}")
        ghi = g(hi)
    side = 0
    x = hi
    for _ in range(iters):
        x = (lo * ghi - hi * glo) / (ghi - glo)
        gx = g(x)
        if gx > 0:
            lo, glo = x, gx
            if side == 1:
                ghi *= 0.5
            side = 1
        else:
            hi, ghi = x, gx
            if side == -1:
                glo *= 0.5
            side = -1
        if hi - lo <= rel * hi or abs(gx) < 1e-7:
            break
    return x


@functools.lru_cache(maxsize=512)
def _voltage_for_wer(device: MTJDevice, target: float, pulse_ns: float, v_max: float) -> float:
    tau = pulse_ns / device.tau_d_ns

    def fun(v):
        return float(fpe_wer_curve(device.delta, float(device.current_ratio(v)), [tau])[0])

    v_c0 = float(device.voltage_V(device.ic0_A))  # the zero-temperature threshold: a safe starting guess
    return _solve_log(fun, v_c0, target, v_max)


def voltage_for_wer(device: MTJDevice, target_wer: float, pulse_ns: float, v_max: float = 50.0) -> float:
    """Write voltage (V) that gives ``target_wer`` for a pulse of ``pulse_ns`` (Fokker-Planck root find)."""
    _pulses_tau(device, pulse_ns)
    return _voltage_for_wer(device, _check_target(target_wer), float(pulse_ns), float(v_max))


def pulse_for_wer(device: MTJDevice, target_wer: float, voltage_V: float, t_max_ns: float = 1000.0) -> float:
    """Pulse width (ns) that gives ``target_wer`` at ``voltage_V`` (Fokker-Planck).

    One integration records the WER on a fine time grid up to ``t_max_ns``; the crossing is then located by
    linear interpolation of ln(WER) between the two bracketing samples (ln WER is smooth in time).
    """
    target = _check_target(target_wer)
    i = float(device.current_ratio(voltage_V))
    t_ns = np.linspace(0.0, float(t_max_ns), 801)[1:]
    w = fpe_wer_curve(device.delta, i, t_ns / device.tau_d_ns)
    below = np.nonzero(w <= target)[0]
    if below.size == 0:
        raise ConfigError("target_wer", f"{target:g} not reached within {t_max_ns:g} ns at {voltage_V:g} V")
    k = int(below[0])
    if k == 0:
        t_lo, w_lo = 0.0, 1.0
    else:
        t_lo, w_lo = t_ns[k - 1], w[k - 1]
    lw_lo, lw_hi = math.log(max(w_lo, 1e-300)), math.log(max(w[k], 1e-300))
    frac = (math.log(target) - lw_lo) / (lw_hi - lw_lo) if lw_hi != lw_lo else 1.0
    return float(t_lo + frac * (t_ns[k] - t_lo))


def _check_target(target_wer):
    if not (0 < target_wer < 1):
        raise ConfigError("target_wer", f"must be in (0, 1), got {target_wer}")
    return float(target_wer)


def energy_vs_wer(device: MTJDevice, pulses_ns, wers) -> pd.DataFrame:
    """Write energy per bit needed to reach each WER at each pulse width (Fig. 6b), via the FPE."""
    rows = []
    for t_ns in np.atleast_1d(pulses_ns):
        for w in np.atleast_1d(wers):
            v = voltage_for_wer(device, float(w), float(t_ns))
            rows.append({
                "pulse_ns": float(t_ns),
                "wer": float(w),
                "voltage_V": v,
                "current_uA": float(device.current_A(v)) * 1e6,
                "current_ratio": float(device.current_ratio(v)),
                "energy_pJ": float(device.write_energy_pJ(v, t_ns)),
            })
    return pd.DataFrame(rows)
