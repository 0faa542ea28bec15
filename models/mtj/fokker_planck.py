"""1-D Fokker-Planck solver for the collinear macrospin (Brown 1963; Butler et al., IEEE Trans. Magn. 48, 4684, 2012).

With x = m_z, the free layer starting in the +z well, the spin current driving it towards -z with
strength i = I / I_c0, and an applied field h = H_app / H_k,eff along +z, the probability density
rho(x, tau) on [-1, 1] obeys, in units of tau_D = (1 + alpha^2) / (alpha gamma_0 H_k,eff),

    d rho / d tau = -d/dx [ (1 - x^2)(x + h - i) rho - ((1 - x^2) / (2 Delta)) d rho / dx ],

whose zero-current steady state is the Boltzmann density exp(Delta (x^2 + 2 h x)). The write-error rate
after a pulse of length tau is the mass left in x > 0. The sphere is discretised with finite volumes whose
faces are uniform in theta (fine near both poles, where the initial cone of width ~1/sqrt(Delta) sits);
fluxes are Scharfetter-Gummel (exponentially fitted, so the discrete steady state is exactly Boltzmann) and
time stepping is Crank-Nicolson after a few backward-Euler half steps (Rannacher start-up, which damps the
stiff polar modes CN alone would leave ringing). Each step is one tridiagonal (Thomas) solve, O(N).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit


@njit(cache=True)
def _bernoulli(z):
    """B(z) = z / (exp(z) - 1), evaluated stably for all z."""
    if abs(z) < 1e-8:
        return 1.0 - 0.5 * z
    if z > 700.0:
        return z * math.exp(-z)
    return z / math.expm1(z)


@njit(cache=True)
def _fpe_operator(faces, delta, current_ratio, field_ratio):
    """Tridiagonal generator M (dP/dtau = M P) for cell masses P; returns (lower, diag, upper)."""
    n = faces.size - 1
    lower = np.zeros(n)
    diag = np.zeros(n)
    upper = np.zeros(n)
    for k in range(1, n):  # interior face k sits between cells k-1 and k
        c_left = 0.5 * (faces[k - 1] + faces[k])
        c_right = 0.5 * (faces[k] + faces[k + 1])
        d = c_right - c_left
        x_mid = 0.5 * (c_left + c_right)
        f = faces[k]
        diff = (1.0 - f * f) / (2.0 * delta)
        pe = 2.0 * delta * (x_mid + field_ratio - current_ratio) * d
        g = diff / d
        a = g * _bernoulli(-pe) / (faces[k] - faces[k - 1])  # flux coefficient on P[k-1]
        b = g * _bernoulli(pe) / (faces[k + 1] - faces[k])  # flux coefficient on P[k]
        # J_k = a P[k-1] - b P[k]; cell k-1 loses J_k, cell k gains it.
        diag[k - 1] -= a
        upper[k - 1] += b
        lower[k] += a
        diag[k] -= b
    return lower, diag, upper


@njit(cache=True)
def _fpe_advance(p, lower, diag, upper, dt, n_steps, theta):
    """Advance masses p in place by n_steps theta-scheme steps (theta=0.5: CN, 1: backward Euler)."""
    n = p.size
    rhs = np.empty(n)
    cp = np.empty(n)
    for _ in range(n_steps):
        e = (1.0 - theta) * dt
        for j in range(n):
            s = p[j] + e * diag[j] * p[j]
            if j > 0:
                s += e * lower[j] * p[j - 1]
            if j < n - 1:
                s += e * upper[j] * p[j + 1]
            rhs[j] = s
        # Thomas algorithm on (I - theta dt M) p_new = rhs.
        w = theta * dt
        b0 = 1.0 - w * diag[0]
        cp[0] = -w * upper[0] / b0
        rhs[0] = rhs[0] / b0
        for j in range(1, n):
            aj = -w * lower[j]
            denom = (1.0 - w * diag[j]) - aj * cp[j - 1]
            cp[j] = -w * upper[j] / denom if j < n - 1 else 0.0
            rhs[j] = (rhs[j] - aj * rhs[j - 1]) / denom
        p[n - 1] = rhs[n - 1]
        for j in range(n - 2, -1, -1):
            p[j] = rhs[j] - cp[j] * p[j + 1]
    return p


def theta_grid_faces(n_cells: int) -> np.ndarray:
    """Cell faces in x = m_z on [-1, 1], uniform in theta; n_cells even so that x = 0 is a face."""
    if n_cells < 20 or n_cells % 2:
        raise ValueError(f"n_cells must be an even number >= 20, got {n_cells}")
    faces = -np.cos(np.linspace(0.0, np.pi, n_cells + 1))
    faces[n_cells // 2] = 0.0
    faces[0], faces[-1] = -1.0, 1.0
    return faces


def boltzmann_cell_masses(faces: np.ndarray, delta: float, field_ratio: float = 0.0) -> np.ndarray:
    """Start masses: Boltzmann density exp(Delta (x^2 + 2 h x)) at the cell centres times the cell widths,
    on x > 0 only, normalised.

    This is the scheme's own discrete equilibrium (Scharfetter-Gummel makes the ratio of neighbouring
    centre densities exactly Boltzmann), so a zero-current start does not relax spuriously inside the well.
    """
    centres = 0.5 * (faces[1:] + faces[:-1])
    widths = np.diff(faces)
    energy = delta * (centres * centres + 2.0 * field_ratio * centres) - delta * (1.0 + 2.0 * abs(field_ratio))
    mass = np.exp(energy) * widths
    mass[: faces.size // 2] = 0.0  # start in the +z (x > 0) well
    return mass / mass.sum()


def fpe_wer_curve(
    delta: float,
    current_ratio: float,
    taus,
    field_ratio: float = 0.0,
    n_cells: int = 2000,
    dtau: float = 2e-3,
) -> np.ndarray:
    """Write-error rate (mass left in x > 0) at each time of ``taus`` (units of tau_D), one integration.

    Parameters
    ----------
    delta : thermal stability factor E_b / k_B T.
    current_ratio : I / I_c0 (positive drives the +z state towards -z).
    taus : pulse lengths in units of tau_D (any order; non-negative).
    field_ratio : H_app / H_k,eff along +z.
    n_cells : finite-volume cells (even); 2000 resolves WER down to ~1e-12.
    dtau : largest time step in tau_D units.
    """
    taus = np.asarray(taus, dtype=float)
    if np.any(taus < 0) or not np.all(np.isfinite(taus)):
        raise ValueError("pulse lengths must be finite and non-negative")
    faces = theta_grid_faces(n_cells)
    lower, diag, upper = _fpe_operator(faces, float(delta), float(current_ratio), float(field_ratio))
    p = boltzmann_cell_masses(faces, float(delta), float(field_ratio))
    half = n_cells // 2
    order = np.argsort(taus)
    out = np.empty(taus.size)
    now = 0.0
    started = False
    for idx in order:
        target = taus[idx]
        span = target - now
        if span > 0:
            if not started:  # Rannacher start-up: 4 backward-Euler quarter steps of the first step
                first = min(span, dtau)
                _fpe_advance(p, lower, diag, upper, first / 4.0, 4, 1.0)
                span -= first
                now += first
                started = True
            if span > 0:
                steps = max(1, int(math.ceil(span / dtau)))
                _fpe_advance(p, lower, diag, upper, span / steps, steps, 0.5)
            now = target
        out[idx] = max(float(p[half:].sum()), 0.0)
    return out
