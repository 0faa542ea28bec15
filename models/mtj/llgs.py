"""Stochastic Landau-Lifshitz-Gilbert-Slonczewski macrospin, many trajectories in parallel (Numba).

Landau-Lifshitz form of the Gilbert equation with a Slonczewski damping-like torque, SI units (H in A/m):

    dm/dt = gamma' [ -m x H - alpha m x (m x H) - a_J m x (m x p) + alpha a_J m x p ],
    gamma' = gamma_0 / (1 + alpha^2),  H = H_k,eff m_z z + H_app + H_th,

with p the unit vector the spin current drives m towards and a_J = hbar eta J / (2 e mu0 M_s t) in A/m.
Brown's thermal field has, per Cartesian component and per step dt, standard deviation
sqrt(2 alpha k_B T / (gamma_0 mu0 M_s V dt)) (gamma_0 = mu0 gamma_e in m/(A s); the paper's Eq. (1) is the
same in tesla). Integration is stochastic Heun (Stratonovich): one field draw per step used by both
predictor and corrector, |m| renormalised after each stage.

Each trajectory owns a private xorshift64* stream seeded from its own 64-bit seed, turned into Gaussians by
the Ziggurat method (``zrandom``), so results do not depend on how ``prange`` schedules trajectories onto
threads. That is several times faster than Numba's Mersenne-Twister ``np.random.standard_normal`` or
Box-Muller, which dominated the cost of a step.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from models.mtj.zrandom import ZIG_F, ZIG_K, ZIG_W, zig_normal

# Layout of the ``params`` vector passed to the kernel (keeps the kernel signature short).
# Floating-point contraction/reassociation for the step arithmetic (no finite-math assumptions).
_FAST = {"contract", "reassoc", "nsz", "arcp", "afn"}

P_GAMMA, P_ALPHA, P_HK, P_HX, P_HY, P_HZ, P_AJ, P_PX, P_PY, P_PZ, P_SIGMA, P_DT = range(12)
N_PARAMS = 12


@njit(cache=True, inline="always", fastmath=_FAST)
def _rhs(mx, my, mz, ax, ay, az, bx, by, bz, g):
    """Landau-Lifshitz-Slonczewski right-hand side regrouped as g [ -m x A - m x (m x B) ] with
    A = H - alpha a_J p and B = alpha H + a_J p: the same four terms
    gamma' [ -m x H - alpha m x (m x H) - a_J m x (m x p) + alpha a_J m x p ] in three cross products."""
    cx = my * az - mz * ay
    cy = mz * ax - mx * az
    cz = mx * ay - my * ax
    ex = my * bz - mz * by
    ey = mz * bx - mx * bz
    ez = mx * by - my * bx
    dx = my * ez - mz * ey
    dy = mz * ex - mx * ez
    dz = mx * ey - my * ex
    return -g * (cx + dx), -g * (cy + dy), -g * (cz + dz)


BLOCK = 16  # trajectories advanced together per thread: independent dependency chains keep the core busy
# Rows of a block's state buffer, each BLOCK long: m_x, m_y, m_z and the step's thermal field.
_MX, _MY, _MZ, _TX, _TY, _TZ = (k * BLOCK for k in range(6))


@njit(cache=True, fastmath=_FAST)
def _heun_sweep(s, n_active, prm):
    """One stochastic-Heun step for slots [0, n_active) of the block buffer ``s`` (thermal field already drawn).

    Written so that LLVM vectorises it across trajectories (AVX2: four at a time): the rows sit at constant
    offsets of one buffer, so loads and stores provably do not alias, and 1/|m| is written ``x ** -0.5``, which
    lowers to a packed sqrt and divide (``1.0 / math.sqrt`` stayed scalar here).
    """
    g = prm[P_GAMMA]
    al = prm[P_ALPHA]
    aj = prm[P_AJ]
    hk = prm[P_HK]
    dt = prm[P_DT]
    hdt = 0.5 * dt
    hx0, hy0, hz0 = prm[P_HX], prm[P_HY], prm[P_HZ]
    px, py, pz = prm[P_PX], prm[P_PY], prm[P_PZ]
    apx, apy, apz = al * aj * px, al * aj * py, al * aj * pz  # alpha a_J p
    bpx, bpy, bpz = aj * px, aj * py, aj * pz  # a_J p
    for b in range(n_active):
        x0 = s[_MX + b]
        y0 = s[_MY + b]
        w0 = s[_MZ + b]
        hx = hx0 + s[_TX + b]
        hy = hy0 + s[_TY + b]
        hz = hz0 + s[_TZ + b]
        h1z = hz + hk * w0
        f1x, f1y, f1z = _rhs(x0, y0, w0, hx - apx, hy - apy, h1z - apz, al * hx + bpx, al * hy + bpy, al * h1z + bpz, g)
        qx = x0 + dt * f1x
        qy = y0 + dt * f1y
        qz = w0 + dt * f1z
        nq = (qx * qx + qy * qy + qz * qz) ** -0.5
        qx *= nq
        qy *= nq
        qz *= nq
        h2z = hz + hk * qz
        f2x, f2y, f2z = _rhs(qx, qy, qz, hx - apx, hy - apy, h2z - apz, al * hx + bpx, al * hy + bpy, al * h2z + bpz, g)
        nx = x0 + hdt * (f1x + f2x)
        ny = y0 + hdt * (f1y + f2y)
        nz = w0 + hdt * (f1z + f2z)
        nm = (nx * nx + ny * ny + nz * nz) ** -0.5
        s[_MX + b] = nx * nm
        s[_MY + b] = ny * nm
        s[_MZ + b] = nz * nm


CHUNK = 512  # trajectories per parallel task; its BLOCK lanes are refilled from them as trajectories finish


@njit(cache=True, inline="always")
def _load_lane(b, row, m0, seeds, s, state, rows, steps_done, rec_next, next_event, rec, record_steps,
               n_steps):
    s[_MX + b] = m0[row, 0]
    s[_MY + b] = m0[row, 1]
    s[_MZ + b] = m0[row, 2]
    state[b] = np.uint64(seeds[row]) | np.uint64(1)
    rows[b] = row
    steps_done[b] = 0
    r = 0
    while r < record_steps.size and record_steps[r] <= 0:  # records "after 0 steps" are the initial state
        rec[row, r] = m0[row, 2]
        r += 1
    rec_next[b] = r
    next_event[b] = record_steps[r] if r < record_steps.size and record_steps[r] < n_steps else n_steps


@njit(cache=True, fastmath=_FAST)
def _integrate_chunk(m0, prm, n_steps, record_steps, seeds, absorb, rec, m_out, zig):
    """Integrate every row of ``m0`` with stochastic Heun, BLOCK trajectories at a time in lock step.

    Each trajectory is a long serial dependency chain (m -> predictor -> corrector -> m), so one at a time
    leaves the core waiting on latency; a block of independent trajectories hides it and lets the step run
    in SIMD lanes. A lane whose trajectory ends (pulse over, or absorbed: m . p > ``absorb``) is refilled at
    once with the next trajectory of the chunk, so lanes stay busy instead of idling until the slowest
    trajectory of a block ends. Every trajectory keeps its own xorshift64* stream and its own step count,
    so its path depends only on its own seed, whatever lane or thread runs it.
    """
    nc = m0.shape[0]
    n_rec = record_steps.size
    if n_steps <= 0:
        for row in range(nc):
            for rr in range(n_rec):
                rec[row, rr] = m0[row, 2]
            for k in range(3):
                m_out[row, k] = m0[row, k]
        return
    sig = prm[P_SIGMA]
    px, py, pz = prm[P_PX], prm[P_PY], prm[P_PZ]
    ki, wi, fi = zig
    s = np.zeros(6 * BLOCK)
    state = np.empty(BLOCK, dtype=np.uint64)
    rows = np.empty(BLOCK, dtype=np.int64)
    steps_done = np.empty(BLOCK, dtype=np.int64)
    rec_next = np.empty(BLOCK, dtype=np.int64)
    next_event = np.empty(BLOCK, dtype=np.int64)  # step count of the lane's next record or of the pulse end
    n_active = 0
    nxt = 0
    while n_active < BLOCK and nxt < nc:
        _load_lane(n_active, nxt, m0, seeds, s, state, rows, steps_done, rec_next, next_event, rec,
                   record_steps, n_steps)
        n_active += 1
        nxt += 1
    while n_active > 0:
        if sig > 0.0:
            for b in range(n_active):
                st, z1 = zig_normal(state[b], ki, wi, fi)
                st, z2 = zig_normal(st, ki, wi, fi)
                st, z3 = zig_normal(st, ki, wi, fi)
                state[b] = st
                s[_TX + b] = sig * z1
                s[_TY + b] = sig * z2
                s[_TZ + b] = sig * z3
        _heun_sweep(s, n_active, prm)
        # Cheap vectorisable test first: most steps no lane records, ends or is absorbed.
        n_ev = 0
        for b in range(n_active):
            done = steps_done[b] + 1
            steps_done[b] = done
            n_ev += (done >= next_event[b]) | (s[_MX + b] * px + s[_MY + b] * py + s[_MZ + b] * pz > absorb)
        if n_ev == 0:
            continue
        b = n_active - 1
        while b >= 0:
            done = steps_done[b]
            row = rows[b]
            mz = s[_MZ + b]
            r = rec_next[b]
            while r < n_rec and record_steps[r] <= done:
                rec[row, r] = mz
                r += 1
            rec_next[b] = r
            next_event[b] = record_steps[r] if r < n_rec and record_steps[r] < n_steps else n_steps
            if done >= n_steps or s[_MX + b] * px + s[_MY + b] * py + mz * pz > absorb:
                # pulse over, or frozen (counted as switched from here on): fill the remaining records
                for rr in range(r, n_rec):
                    rec[row, rr] = mz
                m_out[row, 0] = s[_MX + b]
                m_out[row, 1] = s[_MY + b]
                m_out[row, 2] = mz
                if nxt < nc:
                    _load_lane(b, nxt, m0, seeds, s, state, rows, steps_done, rec_next, next_event, rec,
                               record_steps, n_steps)
                    nxt += 1
                else:
                    last = n_active - 1
                    s[_MX + b] = s[_MX + last]
                    s[_MY + b] = s[_MY + last]
                    s[_MZ + b] = s[_MZ + last]
                    state[b] = state[last]
                    rows[b] = rows[last]
                    steps_done[b] = steps_done[last]
                    rec_next[b] = rec_next[last]
                    next_event[b] = next_event[last]
                    n_active -= 1
            b -= 1


@njit(cache=True, parallel=True)
def _llgs_heun(m0, prm, n_steps, record_steps, seeds, absorb, zig):
    """Integrate every trajectory of ``m0`` (n, 3) for ``n_steps``; m_z recorded after each step in
    ``record_steps`` (sorted, 1-based; entries <= 0 record the initial state) into an (n, len(record_steps))
    array, final m returned too.

    A trajectory whose m . p exceeds ``absorb`` is frozen (counted as switched from then on); pass
    absorb > 1 to integrate every step. Chunks of ``CHUNK`` trajectories are spread over threads.
    """
    n = m0.shape[0]
    rec = np.empty((n, record_steps.size))
    m_final = np.empty((n, 3))
    n_chunks = (n + CHUNK - 1) // CHUNK
    for c in prange(n_chunks):
        lo = c * CHUNK
        hi = min(n, lo + CHUNK)
        _integrate_chunk(m0[lo:hi], prm, n_steps, record_steps, seeds[lo:hi], absorb, rec[lo:hi], m_final[lo:hi],
                         zig)
    return rec, m_final


def make_params(gamma0, alpha, hk, h_app, a_j, p, sigma, dt) -> np.ndarray:
    """Pack the kernel's parameter vector (SI: A/m, s, m/(A s))."""
    prm = np.zeros(N_PARAMS)
    prm[P_GAMMA] = gamma0 / (1.0 + alpha * alpha)
    prm[P_ALPHA] = alpha
    prm[P_HK] = hk
    prm[P_HX], prm[P_HY], prm[P_HZ] = h_app
    prm[P_AJ] = a_j
    pv = np.asarray(p, dtype=float)
    prm[P_PX], prm[P_PY], prm[P_PZ] = pv / np.linalg.norm(pv)
    prm[P_SIGMA] = sigma
    prm[P_DT] = dt
    return prm


def trajectory_seeds(seed: int, n: int) -> np.ndarray:
    """One 64-bit seed per trajectory, derived deterministically from ``seed`` (NumPy SeedSequence)."""
    return np.random.SeedSequence(int(seed)).generate_state(n, dtype=np.uint64)


def sample_boltzmann_cone(delta: float, n: int, rng: np.random.Generator) -> np.ndarray:
    """Exact samples of m from p(cos theta) proportional to exp(-Delta sin^2 theta) in the +z well.

    Rejection sampling of x = cos(theta) on [0, 1] from the envelope exp(Delta x) >= exp(Delta x^2)
    (x^2 <= x there), which is a truncated exponential sampled by inversion; acceptance probability
    exp(-Delta x (1 - x)), about one half for large Delta. phi is uniform.
    """
    if delta <= 0:
        raise ValueError("delta must be positive")
    out = np.empty(n)
    filled = 0
    scale = -math.expm1(-delta)
    while filled < n:
        m = max(2 * (n - filled) + 16, 64)
        u = rng.random(m)
        x = 1.0 + np.log1p(-u * scale) / delta
        keep = rng.random(m) < np.exp(-delta * x * (1.0 - x))
        x = x[keep][: n - filled]
        out[filled : filled + x.size] = x
        filled += x.size
    phi = rng.random(n) * 2.0 * math.pi
    s = np.sqrt(np.clip(1.0 - out * out, 0.0, 1.0))
    return np.column_stack([s * np.cos(phi), s * np.sin(phi), out])


def run_llgs(m0, prm, n_steps, record_steps=None, seed=0, absorb=2.0):
    """Run the kernel; returns (m_z at record_steps (n, k), final m (n, 3))."""
    m0 = np.ascontiguousarray(m0, dtype=np.float64)
    if record_steps is None:
        record_steps = np.array([n_steps], dtype=np.int64)
    record_steps = np.asarray(record_steps, dtype=np.int64)
    seeds = trajectory_seeds(seed, m0.shape[0])
    return _llgs_heun(m0, prm, int(n_steps), record_steps, seeds, float(absorb), (ZIG_K, ZIG_W, ZIG_F))
