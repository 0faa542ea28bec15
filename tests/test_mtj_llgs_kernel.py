"""Bookkeeping of the LLGS kernel (models.mtj.llgs): lanes refilled as trajectories end, absorption, records.

The physics is checked against the Fokker-Planck equation, the T = 0 closed form and Boltzmann equilibrium in
test_mtj_llgs.py; these tests pin what the speed-ups must not change: a trajectory's path is a function of
its own initial state and seed only (not of its lane, chunk, neighbours or thread), stopping switched
trajectories changes nothing for the others, and records at step 0 are the initial state.
"""

from __future__ import annotations

import numpy as np

from models.mtj.constants import GAMMA0
from models.mtj.llgs import _llgs_heun, make_params, sample_boltzmann_cone, trajectory_seeds
from models.mtj.zrandom import ZIG_F, ZIG_K, ZIG_W

ZIG = (ZIG_K, ZIG_W, ZIG_F)
HK = 4.0e5  # A/m; alpha raised to 0.05 so a few hundred steps cover several tau_D (fast test)
ALPHA = 0.05
DT = 0.03 / (GAMMA0 * HK)
SIGMA = HK * np.sqrt(ALPHA / (20.0 * GAMMA0 * HK * DT))  # Delta = 20


def _prm(current_ratio):
    return make_params(GAMMA0, ALPHA, HK, (0.0, 0.0, 0.0), current_ratio * ALPHA * HK, (0.0, 0.0, -1.0), SIGMA, DT)


def _run(m0, seeds, steps, n_steps, absorb, i=3.0):
    return _llgs_heun(np.ascontiguousarray(m0), _prm(i), n_steps, np.asarray(steps, dtype=np.int64), seeds,
                      absorb, ZIG)


def test_path_depends_only_on_own_seed_across_lanes_and_chunks():
    n = 1100  # three chunks of lanes, many refills
    m0 = sample_boltzmann_cone(20.0, n, np.random.default_rng(0))
    seeds = trajectory_seeds(5, n)
    steps = [100, 400, 900]
    rec, mf = _run(m0, seeds, steps, 900, 0.9)
    assert 0.1 < np.mean(rec[:, -1] < 0) < 0.99  # some switched (lanes refilled early), some did not
    sub = np.arange(3, n, 7)
    rec_s, mf_s = _run(m0[sub], seeds[sub], steps, 900, 0.9)
    np.testing.assert_array_equal(rec_s, rec[sub])
    np.testing.assert_array_equal(mf_s, mf[sub])


def test_absorption_changes_nothing_for_unswitched_trajectories():
    n = 300
    m0 = sample_boltzmann_cone(20.0, n, np.random.default_rng(1))
    seeds = trajectory_seeds(6, n)
    steps = [200, 500, 800]
    rec_a, mf_a = _run(m0, seeds, steps, 800, 0.9)
    rec_f, mf_f = _run(m0, seeds, steps, 800, 2.0)
    never = -mf_a[:, 2] <= 0.9  # m . p never exceeded 0.9 (p = -z): integrated to the end in both runs
    assert 0 < never.sum() < n
    np.testing.assert_array_equal(rec_a[never], rec_f[never])
    # absorbed ones are frozen past 0.9, and the full run had them switched at that time too
    k = ~never
    assert np.all(rec_a[k, -1] < -0.9)
    assert np.mean(rec_f[k, -1] < 0) > 0.95


def test_record_at_step_zero_is_initial_state_and_later_records_unaffected():
    n = 64
    m0 = sample_boltzmann_cone(20.0, n, np.random.default_rng(2))
    seeds = trajectory_seeds(7, n)
    rec0, _ = _run(m0, seeds, [0, 150, 300], 300, 0.9)
    rec, _ = _run(m0, seeds, [150, 300], 300, 0.9)
    np.testing.assert_array_equal(rec0[:, 0], m0[:, 2])
    np.testing.assert_array_equal(rec0[:, 1:], rec)
    rec_none, mf_none = _run(m0, seeds, [0], 0, 0.9)  # no step at all
    np.testing.assert_array_equal(rec_none[:, 0], m0[:, 2])
    np.testing.assert_array_equal(mf_none, m0)
