"""Systolic-array cycle and operand-access counts against closed forms and SCALE-Sim.

Oracles:
* the SCALE-Sim closed forms (Samajdar et al., arXiv:1811.02883; scale-sim v2/v3
  ``systolic_compute_{os,ws,is}.py``): OS ``ceil(M/R)*ceil(N/C)*(K+R+C-2)``,
  WS ``ceil(K/R)*ceil(N/C)*(2R+C+M-2)``, IS ``ceil(K/R)*ceil(M/C)*(2R+C+N-2)``;
* numbers printed by SCALE-Sim 3.0.0 itself (PyPI ``scalesim==3.0.0``, GEMM
  topology, CALC mode), recorded in ``SCALESIM_RUNS`` below: its ``Total Cycles``
  is the closed form minus one (SCALE-Sim issue #60), and its SRAM read counts;
* a per-cycle simulation of an output-stationary array written for this test
  (operands skewed in from the left and top edges, one MAC per PE per cycle).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from models.errors import ConfigError
from simulator.systolic.array import fold_shapes, gemm_cycles, gemm_folds, operand_accesses


def closed_os(M, N, K, R, C):
    return math.ceil(M / R) * math.ceil(N / C) * (K + R + C - 2)


SHAPES = [
    (1, 1, 1), (7, 5, 3), (20, 12, 10), (33, 17, 29), (256, 256, 256), (257, 256, 1), (255, 257, 1000),
    (512 * 32 * 32, 64, 27), (512, 4096, 4096), (3, 1000, 4096), (100000, 3, 7),
]


@pytest.mark.parametrize("M,N,K", SHAPES)
@pytest.mark.parametrize("R,C", [(256, 256), (8, 6), (1, 1), (32, 128)])
def test_os_cycles_closed_form(M, N, K, R, C):
    assert gemm_cycles(M, N, K, rows=R, cols=C) == closed_os(M, N, K, R, C)
    assert gemm_folds(M, N, K, rows=R, cols=C) == math.ceil(M / R) * math.ceil(N / C)


def test_partial_folds_pay_full_skew():
    # 257 rows on a 256-row array: 2 row folds, the second with 1 used row, both K + R + C - 2 long.
    assert gemm_cycles(257, 256, 100) == 2 * (100 + 510)
    assert list(fold_shapes(257, 300, 256, 256)) == [(256, 256), (256, 44), (1, 256), (1, 44)]


@pytest.mark.parametrize("M,N,K", SHAPES[:8])
def test_ws_is_closed_forms(M, N, K):
    R, C = 8, 6
    assert gemm_cycles(M, N, K, R, C, "ws") == math.ceil(K / R) * math.ceil(N / C) * (2 * R + C + M - 2)
    assert gemm_cycles(M, N, K, R, C, "is") == math.ceil(K / R) * math.ceil(M / C) * (2 * R + C + N - 2)


def test_overlap_hides_fill_and_drain_between_folds():
    M, N, K, R, C = 1000, 700, 300, 256, 256
    folds = math.ceil(M / R) * math.ceil(N / C)
    full = gemm_cycles(M, N, K, R, C)
    ov = gemm_cycles(M, N, K, R, C, overlap=True)
    # Reference note (SCALE-Sim as oracle): overlapping is lower by (folds - 1) * (R + C - 2) when K >= R.
    assert full - ov == (folds - 1) * (R + C - 2)
    assert gemm_cycles(10, 10, 10, R, C, overlap=True) == gemm_cycles(10, 10, 10, R, C)  # one fold: no change
    # K < R: a fold cannot start before the previous R output rows drained.
    assert gemm_cycles(600, 10, 5, R, C, overlap=True) == 2 * R + (5 + R + C - 2)


def test_vectorised_matches_scalar():
    Ms, Ns, Ks = (np.array(x, dtype=np.int64) for x in zip(*SHAPES, strict=True))
    vec = gemm_cycles(Ms, Ns, Ks, 256, 256)
    assert vec.tolist() == [gemm_cycles(m, n, k) for m, n, k in SHAPES]
    vec_ov = gemm_cycles(Ms, Ns, Ks, 256, 256, overlap=True)
    assert vec_ov.tolist() == [gemm_cycles(m, n, k, overlap=True) for m, n, k in SHAPES]


def test_operand_accesses_os_are_scalesim_counts():
    # SCALE-Sim §2.2 (reference): ifmap reads M*K*ceil(N/C), filter reads K*N*ceil(M/R), ofmap writes M*N.
    M, N, K, R, C = 1000, 300, 77, 256, 128
    acc = operand_accesses(M, N, K, R, C)
    assert acc.a_reads == M * K * math.ceil(N / C)
    assert acc.b_reads == K * N * math.ceil(M / R)
    assert acc.c_writes == M * N and acc.c_reads == 0
    # the same counts summed fold by fold (each fold streams r*K of A and K*c of B, writes r*c of C)
    folds = list(fold_shapes(M, N, R, C))
    assert sum(r * K for r, _ in folds) == acc.a_reads
    assert sum(K * c for _, c in folds) == acc.b_reads
    assert sum(r * c for r, c in folds) == acc.c_writes


def test_operand_accesses_ws_is():
    M, N, K, R, C = 100, 30, 70, 16, 8
    ws = operand_accesses(M, N, K, R, C, "ws")
    assert (ws.a_reads, ws.b_reads, ws.c_writes, ws.c_reads) == (
        M * K * math.ceil(N / C), K * N, M * N * math.ceil(K / R), M * N * (math.ceil(K / R) - 1))
    is_ = operand_accesses(M, N, K, R, C, "is")
    assert (is_.a_reads, is_.b_reads) == (M * K, K * N * math.ceil(M / C))


# SCALE-Sim 3.0.0 (PyPI scalesim==3.0.0 with numpy 2.3, Python API, save_disk_space=True), GEMM topology rows
# "g, M, N, K,", 1024 kB buffers, CALC mode; run for this test on 2026-11-25. Values copied from its
# COMPUTE_REPORT.csv ("Total Cycles") and DETAILED_ACCESS_REPORT.csv (SRAM IFMAP reads, SRAM Filter reads,
# SRAM OFMAP writes, DRAM IFMAP reads, DRAM Filter reads). Key: (M, N, K, rows, cols, dataflow).
SCALESIM_RUNS = {
    (20, 12, 10, 8, 6, "os"): (131, 400, 360, 324, 200, 120),
    (7, 5, 3, 8, 6, "os"): (14, 21, 15, 49, 21, 15),
    (33, 17, 29, 8, 6, "os"): (614, 2871, 2465, 771, 957, 493),
    (100, 40, 30, 16, 16, "os"): (1259, 9000, 8400, 4672, 3000, 1200),
    (300, 70, 50, 32, 32, "os"): (3359, 45000, 35000, 22920, 15000, 3500),
    (20, 12, 10, 8, 6, "ws"): (159, 400, 120, 480, 200, 120),
    (33, 17, 29, 8, 6, "ws"): (635, 2871, 493, 2244, 957, 493),
    (20, 12, 10, 8, 6, "is"): (255, 200, 480, 480, 200, 120),
    (33, 17, 29, 8, 6, "is"): (887, 957, 2958, 2244, 957, 493),
}


@pytest.mark.parametrize("key", sorted(SCALESIM_RUNS))
def test_against_scalesim_output(key):
    M, N, K, R, C, df = key
    total_cycles, ifmap_reads, filter_reads, ofmap_writes, dram_ifmap, dram_filter = SCALESIM_RUNS[key]
    assert gemm_cycles(M, N, K, R, C, df) - 1 == total_cycles  # SCALE-Sim issue #60: reports one less
    acc = operand_accesses(M, N, K, R, C, df)
    assert (acc.a_reads, acc.b_reads) == (ifmap_reads, filter_reads)
    if df == "os":
        # SCALE-Sim adds folds * (R + C) to the OFMAP writes (a bug noted in the reference); nvmsim does not.
        assert acc.c_writes + gemm_folds(M, N, K, R, C) * (R + C) == ofmap_writes
    else:
        assert acc.c_writes == ofmap_writes
    # Operands that fit the buffer are read from DRAM exactly once (their size), as the scratchpad model does.
    assert (dram_ifmap, dram_filter) == (M * K, K * N)


def _per_cycle_os(A: np.ndarray, B: np.ndarray, R: int, C: int):
    """Per-cycle OS array: A rows enter from the left skewed by row, B columns from the top skewed by column.

    Unused rows/columns of a partial fold are fed zeros (the array's control streams the whole edge, as
    SCALE-Sim's demand matrices do). A fold ends on the cycle no valid operand is left in the array
    (data-driven, not a formula). Returns (C_out, cycles, macs on real data).
    """
    M, K = A.shape
    N = B.shape[1]
    Ap = np.zeros((-(-M // R) * R, K))
    Ap[:M] = A
    Bp = np.zeros((K, -(-N // C) * C))
    Bp[:, :N] = B
    out = np.zeros(Ap.shape[0:1] + Bp.shape[1:2])
    cycles = 0
    macs = 0
    for i0 in range(0, M, R):
        for j0 in range(0, N, C):
            acc = np.zeros((R, C))
            a_reg = np.zeros((R, C))
            b_reg = np.zeros((R, C))
            a_val = np.zeros((R, C), dtype=bool)
            b_val = np.zeros((R, C), dtype=bool)
            t = 0
            while True:
                a_reg[:, 1:] = a_reg[:, :-1].copy()
                a_val[:, 1:] = a_val[:, :-1].copy()
                b_reg[1:, :] = b_reg[:-1, :].copy()
                b_val[1:, :] = b_val[:-1, :].copy()
                for i in range(R):
                    k = t - i
                    a_val[i, 0] = 0 <= k < K
                    a_reg[i, 0] = Ap[i0 + i, k] if 0 <= k < K else 0.0
                for j in range(C):
                    k = t - j
                    b_val[0, j] = 0 <= k < K
                    b_reg[0, j] = Bp[k, j0 + j] if 0 <= k < K else 0.0
                if not (a_val.any() or b_val.any()):
                    break
                fire = a_val & b_val
                acc[fire] += a_reg[fire] * b_reg[fire]
                real = fire.copy()
                real[min(R, M - i0):, :] = False
                real[:, min(C, N - j0):] = False
                macs += int(real.sum())
                t += 1
            cycles += t
            out[i0:i0 + R, j0:j0 + C] = acc
    return out[:M, :N], cycles, macs


@pytest.mark.parametrize("M,N,K,R,C", [(7, 5, 3, 4, 3), (9, 4, 6, 4, 4), (5, 11, 2, 3, 5)])
def test_against_per_cycle_array(M, N, K, R, C):
    rng = np.random.default_rng(0)
    A = rng.standard_normal((M, K))
    B = rng.standard_normal((K, N))
    out, cycles, macs = _per_cycle_os(A, B, R, C)
    np.testing.assert_allclose(out, A @ B, atol=1e-12)
    assert macs == M * N * K
    assert cycles == gemm_cycles(M, N, K, R, C)


def test_bad_input_names_the_field():
    with pytest.raises(ConfigError, match="dataflow"):
        gemm_cycles(1, 1, 1, dataflow="xs")
    with pytest.raises(ConfigError, match="rows"):
        gemm_cycles(1, 1, 1, rows=0)
    with pytest.raises(ConfigError, match="K"):
        gemm_cycles(1, 1, 0)
