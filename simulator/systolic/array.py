"""Cycle and operand-access counts of a GEMM on a rows × cols systolic array.

The closed forms are those of the SCALE-Sim family (Samajdar et al., "SCALE-Sim:
Systolic CNN Accelerator Simulator", arXiv:1811.02883; v2/v3 source
``systolic_compute_{os,ws,is}.py``), where a GEMM ``C[M, N] = A[M, K] @ B[K, N]``
is cut into *folds*, each fold one mapping of part of the GEMM onto the array:

=========  =================  ==============================  ===========================
dataflow   array rows / cols  folds                           cycles per fold
=========  =================  ==============================  ===========================
``os``     M / N  (K in time) ``ceil(M/R) * ceil(N/C)``       ``K + R + C - 2``
``ws``     K / N  (M in time) ``ceil(K/R) * ceil(N/C)``       ``2R + C + M - 2``
``is``     K / M  (N in time) ``ceil(K/R) * ceil(M/C)``       ``2R + C + N - 2``
=========  =================  ==============================  ===========================

Every fold pays the skew of the whole array, even a partial fold, and folds run
back to back without overlap (SCALE-Sim reports this count minus one, a known
off-by-one, SCALE-Sim issue #60).

``overlap=True`` models an array that starts streaming the next fold while the
previous one drains (double-buffered output registers for OS, shadow weight
registers for WS/IS): only the first fill and the last drain are exposed, and a
fold cannot start more often than its drain allows, so

``cycles = (folds - 1) * max(T, S) + single_fold_cycles``

with ``T`` the temporal length (K for OS) and ``S`` the rows the drain or
preload needs (R for OS and for WS/IS preloading). For ``T >= S`` this is exactly
the no-overlap count minus ``(folds - 1) * (fold_cycles - T)``.

Operand accesses per fold (the scratchpad side of the array; element counts):

* OS: each fold streams ``r * K`` elements of A (``r = min(R, rows left)``)
  from the left edge and ``K * c`` of B from the top (``c = min(C, cols left)``);
  each element enters the array once and is passed PE to PE. The ``r * c``
  outputs stay in the PEs and are written once at the end of the fold. Totals:
  A reads ``M*K*ceil(N/C)``, B reads ``K*N*ceil(M/R)``, C writes ``M*N`` — the
  SCALE-Sim OS counts (without its ``folds*(R+C)`` ofmap over-count).
* WS: each fold preloads ``k * c`` weights of B, streams ``M * k`` of A and
  writes ``M * c`` partial sums: B reads ``K*N``, A reads ``M*K*ceil(N/C)``,
  C writes ``M*N*ceil(K/R)`` and C reads ``M*N*(ceil(K/R)-1)`` (partial sums
  read back to accumulate; SCALE-Sim counts the writes only).
* IS: as WS with A and B swapped: A reads ``M*K``, B reads ``K*N*ceil(M/C)``,
  C writes ``M*N*ceil(K/R)``, C reads ``M*N*(ceil(K/R)-1)``.

All functions also accept numpy integer arrays (one entry per GEMM) so that a
whole network is counted in a few vector operations.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from models.errors import ConfigError

DATAFLOWS = ("os", "ws", "is")


def _check(rows, cols, dataflow: str) -> None:
    if dataflow not in DATAFLOWS:
        raise ConfigError("dataflow", f"must be one of {', '.join(DATAFLOWS)}, got {dataflow!r}")
    if int(rows) <= 0:
        raise ConfigError("rows", f"must be positive, got {rows}")
    if int(cols) <= 0:
        raise ConfigError("cols", f"must be positive, got {cols}")


def _cdiv(a, b):
    return -(-a // b)


def _check_dims(M, N, K) -> None:
    for name, v in (("M", M), ("N", N), ("K", K)):
        if np.any(np.asarray(v) <= 0):
            raise ConfigError(name, f"GEMM dimensions must be positive, got {v}")


def _mapping(M, N, K, rows, cols, dataflow):
    """(spatial rows dim, spatial cols dim, temporal dim) of the GEMM for a dataflow."""
    if dataflow == "os":
        return M, N, K
    if dataflow == "ws":
        return K, N, M
    return K, M, N


def gemm_folds(M, N, K, rows: int = 256, cols: int = 256, dataflow: str = "os"):
    """Number of folds (array mappings) of one GEMM: ``ceil(Sr/R) * ceil(Sc/C)``."""
    _check(rows, cols, dataflow)
    _check_dims(M, N, K)
    sr, sc, _ = _mapping(M, N, K, rows, cols, dataflow)
    return _cdiv(sr, rows) * _cdiv(sc, cols)


def fold_cycles(M, N, K, rows: int = 256, cols: int = 256, dataflow: str = "os"):
    """Cycles of one fold, fill and drain included (SCALE-Sim closed form)."""
    _, _, t = _mapping(M, N, K, rows, cols, dataflow)
    if dataflow == "os":
        return t + rows + cols - 2
    return 2 * rows + cols + t - 2


def gemm_cycles(M, N, K, rows: int = 256, cols: int = 256, dataflow: str = "os", overlap: bool = False):
    """Compute cycles of ``C[M,N] = A[M,K] @ B[K,N]`` on a ``rows × cols`` array.

    Parameters
    ----------
    M, N, K : int or array of int
        GEMM dimensions (for a convolution: output pixels × batch, filters, window).
    rows, cols : int
        Array height and width in PEs.
    dataflow : {"os", "ws", "is"}
        Output-, weight- or input-stationary.
    overlap : bool
        Overlap fill/drain of consecutive folds (see the module docstring).

    Returns
    -------
    int (or int64 array)
        Cycles of the array clock.
    """
    folds = gemm_folds(M, N, K, rows, cols, dataflow)
    per_fold = fold_cycles(M, N, K, rows, cols, dataflow)
    if not overlap:
        out = folds * per_fold
    else:
        _, _, t = _mapping(M, N, K, rows, cols, dataflow)
        interval = np.maximum(t, rows) if isinstance(t, np.ndarray) else max(t, rows)
        out = (folds - 1) * interval + per_fold
    return out if isinstance(out, np.ndarray) else int(out)


@dataclass(frozen=True)
class OperandAccesses:
    """Scratchpad-side element accesses of one GEMM (see the module docstring)."""

    a_reads: int
    b_reads: int
    c_writes: int
    c_reads: int


def operand_accesses(M, N, K, rows: int = 256, cols: int = 256, dataflow: str = "os") -> OperandAccesses:
    """Element reads of A and B and writes/reads of C for one GEMM (arrays accepted)."""
    _check(rows, cols, dataflow)
    _check_dims(M, N, K)
    if dataflow == "os":
        return OperandAccesses(M * K * _cdiv(N, cols), K * N * _cdiv(M, rows), M * N, 0 * M)
    kf = _cdiv(K, rows)
    if dataflow == "ws":
        return OperandAccesses(M * K * _cdiv(N, cols), K * N, M * N * kf, M * N * (kf - 1))
    return OperandAccesses(M * K, K * N * _cdiv(M, cols), M * N * kf, M * N * (kf - 1))


def fold_shapes(M: int, N: int, rows: int = 256, cols: int = 256):
    """Yield ``(r, c)``, the PEs used by each OS fold, in schedule order (row folds outer)."""
    for i in range(0, M, rows):
        for j in range(0, N, cols):
            yield min(rows, M - i), min(cols, N - j)
