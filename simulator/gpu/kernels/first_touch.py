"""Which requests are the first to touch their cache granule (line or sector) in the whole trace: the compulsory
misses of every cache, whatever its size.

Why: a set-sampled L2 estimates its misses from a subset of its sets; the first touches are known exactly for all
sets at the cost of one pass, so the sample needs to estimate only the misses beyond them (a difference estimator,
:mod:`simulator.gpu.fast`).  Small workloads whose traffic is almost all compulsory then come out nearly exact.

Memory grows with the trace's footprint, not its length: one bit per granule touched, kept in pages of
:data:`PAGE_GRANULES` granules found through an open-addressing table of page numbers.
"""

from __future__ import annotations

import numpy as np
from numba import njit

PAGE_SHIFT = 12
PAGE_GRANULES = 1 << PAGE_SHIFT
"""Granules per bitmap page (512 bytes of bits)."""
_WORDS = PAGE_GRANULES // 64
_EMPTY = np.uint64(0xFFFF_FFFF_FFFF_FFFF)
_MIX = np.uint64(0x9E37_79B9_7F4A_7C15)  # Fibonacci hashing: the high bits of page x this odd constant
_NO_INT = np.zeros(0, dtype=np.int64)
_NO_W = np.zeros(0, dtype=np.bool_)


@njit(cache=True, nogil=True, no_cpython_wrapper=True)
def _slot(keys, page):
    """The table slot holding ``page``, or the empty slot where it goes (linear probing)."""
    mask = np.uint64(keys.shape[0] - 1)
    h = ((page * _MIX) >> np.uint64(32)) & mask
    while keys[h] != page and keys[h] != _EMPTY:
        h = (h + np.uint64(1)) & mask
    return h


@njit(cache=True, nogil=True)
def _mark(addr, shift, keys, rows, bits, n_rows, out, start, group, slice_, slices, is_write, counts):
    """Set ``out[i]`` for ``i >= start`` to whether the granule ``addr[i] >> shift`` is touched for the first time,
    and mark it; with ``group`` (else empty), also count the first touches in ``counts[group[i] * slices +
    slice_[i], is_write[i]]``.

    Returns ``(n_rows, stop)``: ``stop < len(addr)`` when the table or the pages are full (the caller grows them
    and goes on from ``stop``)."""
    counting = group.shape[0] > 0
    last_page = _EMPTY
    row = np.int64(0)
    for i in range(start, addr.shape[0]):
        g = addr[i] >> shift
        page = g >> np.uint64(PAGE_SHIFT)
        if page != last_page:
            h = _slot(keys, page)
            if keys[h] == _EMPTY:
                if n_rows >= bits.shape[0] or 2 * (n_rows + 1) > keys.shape[0]:
                    return n_rows, i
                keys[h] = page
                rows[h] = n_rows
                n_rows += 1
            last_page = page
            row = rows[h]
        b = g & np.uint64(PAGE_GRANULES - 1)
        word = b >> np.uint64(6)
        m = np.uint64(1) << (b & np.uint64(63))
        w = bits[row, word]
        first = (w & m) == np.uint64(0)
        out[i] = first
        bits[row, word] = w | m
        if counting and first:
            counts[group[i] * slices + slice_[i], np.int64(is_write[i])] += 1
    return n_rows, addr.shape[0]


@njit(cache=True, nogil=True)
def _rehash(keys, rows, new_keys, new_rows):
    for h in range(keys.shape[0]):
        if keys[h] != _EMPTY:
            s = _slot(new_keys, keys[h])
            new_keys[s] = keys[h]
            new_rows[s] = rows[h]


class FirstTouch:
    """The granules a trace has touched so far (``granule = address >> shift``)."""

    __slots__ = ("shift", "keys", "rows", "bits", "n_rows")

    def __init__(self, granule_B: int, pages: int = 64):
        if granule_B <= 0 or granule_B & (granule_B - 1):
            raise ValueError(f"granule_B: must be a power of two, got {granule_B}")
        self.shift = np.uint64(granule_B.bit_length() - 1)
        self.keys = np.full(2 * pages, _EMPTY, dtype=np.uint64)
        self.rows = np.zeros(2 * pages, dtype=np.int64)
        self.bits = np.zeros((pages, _WORDS), dtype=np.uint64)
        self.n_rows = 0

    def mark(self, addr: np.ndarray, group: np.ndarray | None = None, slice_: np.ndarray | None = None,
             is_write: np.ndarray | None = None, groups: int = 0, slices: int = 1) -> tuple[np.ndarray, np.ndarray]:
        """Per address (uint64, in order): whether its granule is touched here for the first time; all are marked.

        Returns ``(first, counts)``; with ``group``, ``slice_`` (int64 per address) and ``is_write``, ``counts``
        ``[groups, slices, 2]`` holds the first-touch reads and writes of each (group, slice), else it is empty."""
        out = np.empty(len(addr), dtype=np.bool_)
        counting = group is not None
        counts = np.zeros((groups * slices if counting else 0, 2), dtype=np.int64)
        args = (group, slice_, slices, is_write) if counting else (_NO_INT, _NO_INT, 1, _NO_W)
        i = 0
        while True:
            self.n_rows, i = _mark(addr, self.shift, self.keys, self.rows, self.bits, self.n_rows, out, i, *args,
                                   counts)
            if i >= len(addr):
                return out, counts.reshape(groups if counting else 0, slices, 2)
            self._grow()

    def _grow(self) -> None:
        if self.n_rows >= len(self.bits):
            bits = np.zeros((2 * len(self.bits), _WORDS), dtype=np.uint64)
            bits[:self.n_rows] = self.bits[:self.n_rows]
            self.bits = bits
        if 2 * (self.n_rows + 1) > len(self.keys):
            keys = np.full(2 * len(self.keys), _EMPTY, dtype=np.uint64)
            rows = np.zeros(2 * len(self.keys), dtype=np.int64)
            _rehash(self.keys, self.rows, keys, rows)
            self.keys, self.rows = keys, rows

    def state(self) -> dict[str, np.ndarray]:
        """Arrays for a checkpoint (:meth:`restore` takes them back)."""
        return {"keys": self.keys, "rows": self.rows, "bits": self.bits[:self.n_rows]}

    def restore(self, saved: dict[str, np.ndarray]) -> None:
        self.keys, self.rows = saved["keys"].copy(), saved["rows"].copy()
        self.n_rows = len(saved["bits"])
        self.bits = np.zeros((max(64, 2 * self.n_rows), _WORDS), dtype=np.uint64)
        self.bits[:self.n_rows] = saved["bits"]
