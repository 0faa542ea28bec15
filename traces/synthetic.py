"""Synthetic GPU memory traces: streaming, random, strided and tiled-GEMM patterns, streamed in chunks.

Used until (and beside) layer-generated traces: for tests, benchmarks and
quick what-ifs.  Every access is one request of one cache line (``line_B``);
SMs are assigned the way a GPU hands out CTAs (round-robin blocks), and every
random choice comes from ``seed``.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from models.config import as_choice, as_positive
from models.errors import ConfigError
from traces.chunk import DEFAULT_CHUNK, TraceChunk

PATTERNS = ("streaming", "random", "strided", "gemm")
LINES_PER_CTA_STEP = 8
"""Consecutive lines one SM issues before the next SM's turn (a 1 KB CTA step) in streaming/strided patterns."""
GEMM_TILE = 64
"""GEMM CTA tile edge in fp32 elements (64 x 64 = 16 KB per operand tile, DarkNet/cuBLAS-like)."""


def synthetic_chunks(pattern: str, n_accesses: int, *, n_sms: int = 28, write_fraction: float = 0.0,
                     footprint_B: int = 64 << 20, stride_B: int = 128, seed: int = 0,
                     chunk_size: int = DEFAULT_CHUNK, line_B: int = 128, n_kernels: int = 1) -> Iterator[TraceChunk]:
    """Yield :class:`~traces.chunk.TraceChunk` s of a synthetic pattern.

    Parameters
    ----------
    pattern : {"streaming", "random", "strided", "gemm"}
        streaming: consecutive lines (reads from one array, writes to a second one);
        random: uniform lines over the footprint; strided: ``i * stride_B`` modulo the footprint;
        gemm: C = A x B of fp32 square matrices sized to the footprint, 64 x 64 CTA tiles, waves of
        ``n_sms`` CTAs stepping through K together (reads A and B tiles, then writes the C tile).
    n_accesses : int
        Total accesses (the pattern repeats if needed).
    write_fraction : float
        Fraction of accesses that are writes (not used by gemm, whose writes are the C tiles).
    footprint_B, stride_B, line_B : int
        Bytes touched, stride, and request size.
    seed : int
        Seed of every random choice.
    chunk_size : int
        Accesses per chunk.
    n_kernels : int
        Split the trace into this many equal consecutive kernels (ids 0..n_kernels-1).
    """
    as_choice(pattern, "pattern", PATTERNS)
    n_accesses = as_positive(n_accesses, "n_accesses", integer=True)
    n_sms = as_positive(n_sms, "n_sms", integer=True)
    chunk_size = as_positive(chunk_size, "chunk_size", integer=True)
    n_kernels = as_positive(n_kernels, "n_kernels", integer=True)
    line_B = as_positive(line_B, "line_B", integer=True)
    footprint_B = as_positive(footprint_B, "footprint_B", integer=True)
    if footprint_B < line_B:
        raise ConfigError("footprint_B", f"must be at least one line ({line_B} B), got {footprint_B}")
    stride_B = as_positive(stride_B, "stride_B", integer=True)
    wf = float(write_fraction)
    if not 0.0 <= wf <= 1.0:
        raise ConfigError("write_fraction", f"must be between 0 and 1, got {write_fraction!r}")
    rng = np.random.default_rng(seed)
    if pattern == "gemm":
        blocks = _gemm_blocks(n_sms, footprint_B, line_B)
    else:
        blocks = _simple_blocks(pattern, n_sms, wf, footprint_B, stride_B, line_B, chunk_size, rng)
    yield from _rechunk(blocks, n_accesses, chunk_size, n_kernels)


def _simple_blocks(pattern, n_sms, wf, footprint_B, stride_B, line_B, chunk_size, rng):
    n_lines = max(footprint_B // line_B, 1)
    half = max(n_lines // 2, 1)
    start = 0
    reads_done = writes_done = 0
    while True:
        i = np.arange(start, start + chunk_size, dtype=np.int64)
        w = rng.random(chunk_size) < wf if wf > 0 else np.zeros(chunk_size, dtype=bool)
        if pattern == "random":
            addr = rng.integers(0, n_lines, chunk_size, dtype=np.int64) * line_B
            sm = rng.integers(0, n_sms, chunk_size, dtype=np.int64)
        else:
            sm = (i // LINES_PER_CTA_STEP) % n_sms
            if pattern == "streaming":
                # reads walk the first half of the footprint, writes the second (y = f(x))
                rpos = reads_done + np.cumsum(~w) - 1
                wpos = writes_done + np.cumsum(w) - 1
                line = np.where(w, half + wpos % half, rpos % half) if n_lines > 1 else np.zeros(chunk_size, np.int64)
                reads_done += int((~w).sum())
                writes_done += int(w.sum())
                addr = line * line_B
            else:
                addr = (i * stride_B) % footprint_B // line_B * line_B
        start += chunk_size
        yield addr.astype(np.uint64), w, sm.astype(np.int32)


def _gemm_blocks(n_sms, footprint_B, line_B):
    T = GEMM_TILE
    n = max(T, int(np.sqrt(footprint_B / 12)) // T * T)  # three n x n fp32 matrices
    mat_B = n * n * 4
    base_a, base_b, base_c = 0, mat_B, 2 * mat_B
    tiles = n // T
    row_lines = max(T * 4 // line_B, 1)  # lines per tile row
    r = np.arange(T, dtype=np.int64)
    seg = np.arange(row_lines, dtype=np.int64) * line_B

    def tile_lines(base, ti, tj):
        rows = base + ((ti * T + r)[:, None] * n + tj * T) * 4
        return (rows + seg[None, :]).ravel()

    ctas = [(ti, tj) for ti in range(tiles) for tj in range(tiles)]
    while True:
        for w0 in range(0, len(ctas), n_sms):
            wave = ctas[w0:w0 + n_sms]
            for kk in range(tiles):
                addr = np.concatenate([np.concatenate([tile_lines(base_a, ti, kk), tile_lines(base_b, kk, tj)])
                                       for ti, tj in wave])
                per = 2 * T * row_lines
                sm = np.repeat(np.arange(len(wave), dtype=np.int32), per)
                yield addr.astype(np.uint64), np.zeros(len(addr), dtype=bool), sm
            addr = np.concatenate([tile_lines(base_c, ti, tj) for ti, tj in wave])
            sm = np.repeat(np.arange(len(wave), dtype=np.int32), T * row_lines)
            yield addr.astype(np.uint64), np.ones(len(addr), dtype=bool), sm


def _rechunk(blocks, n_accesses, chunk_size, n_kernels):
    buf: list[tuple] = []
    have = 0
    done = 0
    for block in blocks:
        if done >= n_accesses:
            return
        buf.append(block)
        have += len(block[0])
        while have >= chunk_size or (done + have >= n_accesses and have > 0):
            addr, w, sm = (np.concatenate([b[k] for b in buf]) for k in range(3))
            take = min(chunk_size, n_accesses - done, len(addr))
            idx = np.arange(done, done + take, dtype=np.int64)
            kernel = (idx * n_kernels // n_accesses).astype(np.int32)
            yield TraceChunk(np.ascontiguousarray(addr[:take]), np.ascontiguousarray(w[:take]),
                             np.ascontiguousarray(sm[:take]), kernel)
            done += take
            rest = (addr[take:], w[take:], sm[take:])
            buf = [rest] if len(rest[0]) else []
            have = len(rest[0])
            if done >= n_accesses:
                return
