"""A chunk of memory accesses: the unit that streams from trace generators to the simulator.

Traces are never materialised whole; generators yield chunks of bounded size
(``DEFAULT_CHUNK`` accesses) and consumers process each one before asking for
the next.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

DEFAULT_CHUNK = 1 << 20
"""Accesses per chunk a generator aims for (about 14 MB of arrays)."""


@dataclass(frozen=True)
class TraceChunk:
    """Parallel arrays, one entry per memory request, in issue order.

    ``addr`` uint64 byte address; ``is_write`` bool; ``sm`` int32 issuing SM
    (or -1 where no SM issues it, e.g. a DMA); ``kernel`` int32 kernel id within
    the trace.
    """

    addr: np.ndarray
    is_write: np.ndarray
    sm: np.ndarray
    kernel: np.ndarray

    def __post_init__(self):
        n = len(self.addr)
        for name, dtype in (("addr", np.uint64), ("is_write", np.bool_), ("sm", np.int32), ("kernel", np.int32)):
            arr = getattr(self, name)
            if not isinstance(arr, np.ndarray) or arr.ndim != 1:
                raise TypeError(f"TraceChunk.{name}: must be a 1-D numpy array")
            if arr.dtype != dtype:
                raise TypeError(f"TraceChunk.{name}: must have dtype {np.dtype(dtype).name}, got {arr.dtype}")
            if len(arr) != n:
                raise ValueError(f"TraceChunk.{name}: length {len(arr)} differs from addr's {n}")

    def __len__(self) -> int:
        return len(self.addr)

    @classmethod
    def from_arrays(cls, addr, is_write=None, sm=None, kernel=None) -> TraceChunk:
        """Build a chunk, converting dtypes; missing arrays default to reads, SM 0, kernel 0."""
        addr = np.ascontiguousarray(addr, dtype=np.uint64)
        n = len(addr)

        def _col(x, dtype, fill):
            if x is None:
                return np.full(n, fill, dtype=dtype)
            x = np.asarray(x)
            return np.ascontiguousarray(np.broadcast_to(x, (n,)) if x.ndim == 0 else x, dtype=dtype)

        return cls(addr, _col(is_write, np.bool_, False), _col(sm, np.int32, 0), _col(kernel, np.int32, 0))
