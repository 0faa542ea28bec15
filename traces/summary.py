"""Per-kernel read and write counts of a chunk stream, counted as it flows past (nothing is kept but the counts)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import numpy as np
import pandas as pd

from traces.chunk import TraceChunk

COLUMNS = ["kernel", "reads", "writes", "requests", "sms"]


class ChunkCounter:
    """Counts requests per kernel id; :meth:`wrap` passes chunks through unchanged while counting them.

    Memory is bounded by the number of distinct kernels, never by the trace length, so a saved trace or an
    imported Accel-Sim trace can be summarised while it streams to disk.
    """

    def __init__(self):
        self.chunks = 0
        self._reads: dict[int, int] = {}
        self._writes: dict[int, int] = {}
        self._sms: dict[int, set] = {}

    def add(self, chunk: TraceChunk) -> None:
        n = len(chunk)
        if n == 0:
            return
        self.chunks += 1
        kernels, inverse = np.unique(chunk.kernel, return_inverse=True)
        writes = np.bincount(inverse, weights=chunk.is_write, minlength=len(kernels)).astype(np.int64)
        total = np.bincount(inverse, minlength=len(kernels))
        for i, k in enumerate(kernels.tolist()):
            self._writes[k] = self._writes.get(k, 0) + int(writes[i])
            self._reads[k] = self._reads.get(k, 0) + int(total[i] - writes[i])
            sms = self._sms.setdefault(k, set())
            if len(sms) < 4096:  # an SM count, not a list of addresses: stays small
                sms.update(np.unique(chunk.sm[inverse == i]).tolist())

    def wrap(self, chunks: Iterable[TraceChunk]) -> Iterator[TraceChunk]:
        """Yield ``chunks`` unchanged, counting each."""
        for c in chunks:
            self.add(c)
            yield c

    def table(self) -> pd.DataFrame:
        """One row per kernel id (ascending): reads, writes, requests and the number of SMs that issued them."""
        rows = [(k, self._reads[k], self._writes[k], self._reads[k] + self._writes[k], len(self._sms[k]))
                for k in sorted(self._reads)]
        return pd.DataFrame(rows, columns=COLUMNS).astype({c: np.int64 for c in COLUMNS})

    def totals(self) -> dict:
        """accesses, reads, writes, chunks, kernels."""
        reads, writes = sum(self._reads.values()), sum(self._writes.values())
        return {"accesses": reads + writes, "reads": reads, "writes": writes, "chunks": self.chunks,
                "kernels": len(self._reads)}


def count_chunks(chunks: Iterable[TraceChunk]) -> ChunkCounter:
    """Consume ``chunks`` (a saved trace, a generator, an importer) and return their counts."""
    counter = ChunkCounter()
    for c in chunks:
        counter.add(c)
    return counter
